//! The frame: the header every message of every family and version starts with, the extension
//! block, and the shared encode/decode steps.
//!
//! ```text
//! offset  size  field
//! 0       1     version            (0x01)
//! 1       1     kind               (family-specific)
//! 2       8     request id u64 LE  (echoed by the answer)
//! 10      2     extensions length E u16 LE  (0..=1024)
//! 12      4     body length B u32 LE        (0..=1 MiB)
//! 16      E     extensions: (type u16 LE | length u16 LE | value) ..., types strictly increasing
//! 16+E    B     body (kind-specific)
//! ```
//!
//! Bytes `0..10` (version, kind, request id) keep their offsets in every future version, so a
//! node can answer a frame of a version it does not speak with the right request id.

use crate::codec::{self, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::limits::{MAX_BODY_LEN, MAX_EXTENSIONS_LEN};
use crate::VERSION;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 16;
/// Largest frame: header, extensions and body at their limits.
pub const MAX_FRAME_LEN: usize = HEADER_LEN + MAX_EXTENSIONS_LEN + MAX_BODY_LEN;
/// Extension types with this bit set are critical: a receiver that does not know the type
/// rejects the frame ([`DecodeError::UnsupportedExtension`]). Others are ignored if unknown.
pub const EXTENSION_CRITICAL: u16 = 0x8000;

/// Extension types assigned or reserved in v1. A v1 decoder keeps every non-critical extension
/// it receives (the engine reads the ones it knows) and rejects every critical one.
pub mod extension {
	/// Reserved: the postage voucher of a `send` (non-critical; a node that requires postage
	/// answers a `send` without one with `PaymentRequired`).
	pub const POSTAGE_VOUCHER: u16 = 0x0001;
	/// Reserved: the quality-probe parameters attached to mesh pings.
	pub const PROBE: u16 = 0x0002;
	/// The entry set of a `send` (non-critical): every node the sender sent the same envelope
	/// through, so that an entry node does not forward to a listen node that gets it from the
	/// sender directly ([`crate::EntrySet`]).
	pub const ENTRY_SET: u16 = 0x0003;
	/// Types `0x4000..=0x7fff` and `0xc000..=0xffff` are for experiments.
	pub const EXPERIMENTAL: core::ops::RangeInclusive<u16> = 0x4000..=0x7fff;
}

/// One TLV extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
	/// The type; bit 15 ([`EXTENSION_CRITICAL`]) marks it critical.
	pub ty: u16,
	/// The value, opaque to the frame codec.
	pub value: Vec<u8>,
}

impl Extension {
	/// True when the receiver must understand it.
	pub fn is_critical(&self) -> bool {
		self.ty & EXTENSION_CRITICAL != 0
	}
}

/// The fixed-offset part of a header that every version keeps (bytes `0..10`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderPrefix {
	/// Version byte.
	pub version: u8,
	/// Kind byte.
	pub kind: u8,
	/// Request id.
	pub request_id: u64,
}

impl HeaderPrefix {
	/// Read bytes `0..10` of any frame of any version; `None` if fewer than 10 bytes.
	pub fn peek(bytes: &[u8]) -> Option<HeaderPrefix> {
		let mut r = Reader::new(bytes);
		Some(HeaderPrefix {
			version: r.u8("version").ok()?,
			kind: r.u8("kind").ok()?,
			request_id: r.u64("request id").ok()?,
		})
	}
}

/// A frame of one family: the request id, the extensions and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<M> {
	/// Chosen by the requester, echoed by every answer (push frames carry the id of the
	/// `subscribe` that opened the stream). `0` in answers to frames whose id is unknown.
	pub request_id: u64,
	/// Extensions, types strictly increasing; empty in v1 unless experimenting.
	pub extensions: Vec<Extension>,
	/// The message.
	pub message: M,
}

impl<M> Frame<M> {
	/// A frame with no extensions.
	pub fn new(request_id: u64, message: M) -> Frame<M> {
		Frame { request_id, extensions: Vec::new(), message }
	}

	/// The value of the extension of type `ty`, if the frame carries it.
	pub fn extension(&self, ty: u16) -> Option<&[u8]> {
		self.extensions.iter().find(|e| e.ty == ty).map(|e| e.value.as_slice())
	}
}

/// Extension [`extension::ENTRY_SET`] of a `send`: the nodes the sender sent the same envelope
/// through, this one included.
///
/// Wire (the extension value): `count u8 (1..=16) | peer id (u8 len + bytes) x count`.
///
/// It is a hint, not covered by any signature: a sender that lies only changes how many copies
/// of its own message exist. A node that cannot decode it ignores it, as it would an unknown
/// non-critical extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySet(pub Vec<crate::PeerIdBytes>);

impl EntrySet {
	/// Encodes it as an extension.
	pub fn to_extension(&self) -> Result<Extension, EncodeError> {
		let mut value = Vec::new();
		crate::types::write_peers(
			&mut value,
			"entry set",
			&self.0,
			1,
			crate::limits::MAX_LISTEN_NODES,
		)?;
		Ok(Extension { ty: extension::ENTRY_SET, value })
	}

	/// Decodes an extension value; `None` if it is not a valid entry set.
	pub fn decode(value: &[u8]) -> Option<EntrySet> {
		let mut r = Reader::new(value);
		let peers =
			crate::types::read_peers(&mut r, "entry set", 1, crate::limits::MAX_LISTEN_NODES)
				.ok()?;
		r.finish("entry set").ok()?;
		Some(EntrySet(peers))
	}
}

/// Given the first bytes of a stream, how long the frame is: `Ok(None)` if fewer than
/// [`HEADER_LEN`] bytes are available, `Ok(Some(total))` once the header is in. Fails on an
/// unsupported version or a length over its limit, so a reader never buffers more than
/// [`MAX_FRAME_LEN`] bytes.
pub fn frame_len(prefix: &[u8]) -> Result<Option<usize>, DecodeError> {
	match prefix.first() {
		None => return Ok(None),
		Some(&v) if v != VERSION => return Err(DecodeError::UnsupportedVersion { version: v }),
		Some(_) => {},
	}
	if prefix.len() < HEADER_LEN {
		return Ok(None);
	}
	let (e, b) = lengths(&mut Reader::new(&prefix[10..HEADER_LEN]))?;
	Ok(Some(HEADER_LEN + e + b))
}

fn lengths(r: &mut Reader<'_>) -> Result<(usize, usize), DecodeError> {
	let e = usize::from(r.u16("extensions length")?);
	if e > MAX_EXTENSIONS_LEN {
		return Err(DecodeError::FrameTooLarge {
			field: "extensions length",
			len: e,
			max: MAX_EXTENSIONS_LEN,
		});
	}
	let b = r.u32("body length")? as usize;
	if b > MAX_BODY_LEN {
		return Err(DecodeError::FrameTooLarge { field: "body length", len: b, max: MAX_BODY_LEN });
	}
	Ok((e, b))
}

/// The validated pieces of a frame, before the body is interpreted.
pub(crate) struct RawFrame<'a> {
	pub(crate) kind: u8,
	pub(crate) request_id: u64,
	pub(crate) extensions: Vec<Extension>,
	pub(crate) body: Reader<'a>,
}

/// Steps shared by both families: version, header, lengths, exact size, kind known, extensions.
pub(crate) fn decode_raw<'a>(
	bytes: &'a [u8],
	is_known_kind: impl Fn(u8) -> bool,
) -> Result<RawFrame<'a>, DecodeError> {
	let mut r = Reader::new(bytes);
	let version = r.u8("version")?;
	if version != VERSION {
		return Err(DecodeError::UnsupportedVersion { version });
	}
	let kind = r.u8("header")?;
	let request_id = r.u64("header")?;
	let (e, b) = lengths(&mut r)?;
	let ext = r.take(e, "extensions")?;
	let body = r.take(b, "body")?;
	r.finish("frame")?;
	if !is_known_kind(kind) {
		return Err(DecodeError::UnknownKind { kind });
	}
	Ok(RawFrame { kind, request_id, extensions: decode_extensions(ext)?, body: Reader::new(body) })
}

fn decode_extensions(bytes: &[u8]) -> Result<Vec<Extension>, DecodeError> {
	let mut r = Reader::new(bytes);
	let mut out = Vec::new();
	let mut last: Option<u16> = None;
	while r.remaining() > 0 {
		let ty = r.u16("extension type")?;
		let value = r.bytes_u16("extension value", 0, MAX_EXTENSIONS_LEN)?;
		if last.is_some_and(|l| ty <= l) {
			return Err(DecodeError::InvalidValue {
				field: "extensions",
				reason: "types are not strictly increasing",
			});
		}
		last = Some(ty);
		if ty & EXTENSION_CRITICAL != 0 {
			// v1 defines no extension, so it understands no critical one.
			return Err(DecodeError::UnsupportedExtension { ty });
		}
		out.push(Extension { ty, value: value.to_vec() });
	}
	Ok(out)
}

/// Encode a frame whose body `write_body` appends.
pub(crate) fn encode_raw(
	kind: u8,
	request_id: u64,
	extensions: &[Extension],
	write_body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<Vec<u8>, EncodeError> {
	let mut ext = Vec::new();
	let mut last: Option<u16> = None;
	for x in extensions {
		if last.is_some_and(|l| x.ty <= l) {
			return Err(EncodeError::InvalidValue {
				field: "extensions",
				reason: "types are not strictly increasing",
			});
		}
		last = Some(x.ty);
		codec::put_u16(&mut ext, x.ty);
		codec::put_bytes_u16(&mut ext, "extension value", &x.value, 0, MAX_EXTENSIONS_LEN)?;
	}
	codec::bound("extensions length", ext.len(), 0, MAX_EXTENSIONS_LEN)?;
	let mut out = Vec::with_capacity(HEADER_LEN + ext.len() + 64);
	codec::put_u8(&mut out, VERSION);
	codec::put_u8(&mut out, kind);
	codec::put_u64(&mut out, request_id);
	codec::put_u16(&mut out, ext.len() as u16);
	codec::put_u32(&mut out, 0); // body length, patched below
	out.extend_from_slice(&ext);
	let body_start = out.len();
	write_body(&mut out)?;
	let body_len = out.len() - body_start;
	codec::bound("body length", body_len, 0, MAX_BODY_LEN)?;
	out[12..16].copy_from_slice(&(body_len as u32).to_le_bytes());
	Ok(out)
}
