//! Codec errors ([`DecodeError`], [`EncodeError`]) and the error codes a node answers with
//! ([`ErrorCode`], [`ErrorReply`]).

use crate::VERSION;

/// Why a byte string is not a valid frame. Decoding is total: every input gives a frame or one
/// of these, never a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
	/// The frame's first byte is a protocol version this implementation does not speak.
	#[error("unsupported protocol version {version} (this node speaks {VERSION})")]
	UnsupportedVersion {
		/// The version byte received.
		version: u8,
	},
	/// The kind byte names no message of this family and version.
	#[error("unknown message kind {kind:#04x}")]
	UnknownKind {
		/// The kind byte received.
		kind: u8,
	},
	/// An extension marked critical that this implementation does not understand.
	#[error("unsupported critical extension {ty:#06x}")]
	UnsupportedExtension {
		/// The extension type.
		ty: u16,
	},
	/// The input ends before `field` is complete.
	#[error("truncated: input ends inside {field}")]
	Truncated {
		/// The field being read.
		field: &'static str,
	},
	/// Bytes are left over after the last field of `field`.
	#[error("{count} trailing bytes after {field}")]
	TrailingBytes {
		/// The structure that should have ended.
		field: &'static str,
		/// How many bytes are left over.
		count: usize,
	},
	/// A declared length or count is outside its bounds (checked before anything is allocated).
	#[error("{field}: length or count {len} outside {min}..={max}")]
	OutOfBounds {
		/// The field.
		field: &'static str,
		/// The declared length or count.
		len: usize,
		/// Smallest allowed.
		min: usize,
		/// Largest allowed.
		max: usize,
	},
	/// The frame header declares an extension block or a body longer than the frame limits
	/// allow: answered `TooLarge` (the other bounds are `Malformed`), and a stream reader takes
	/// no more than the header. Its text is that of [`DecodeError::OutOfBounds`].
	#[error("{field}: length or count {len} outside 0..={max}")]
	FrameTooLarge {
		/// The header field: "extensions length" or "body length".
		field: &'static str,
		/// The declared length.
		len: usize,
		/// Largest allowed.
		max: usize,
	},
	/// A field holds a value the protocol does not allow (non-canonical bool, bad expiry, ...).
	#[error("{field}: {reason}")]
	InvalidValue {
		/// The field.
		field: &'static str,
		/// What is wrong with it.
		reason: &'static str,
	},
}

impl DecodeError {
	/// The code a node answers this error with.
	pub fn error_code(&self) -> ErrorCode {
		match self {
			DecodeError::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
			DecodeError::UnknownKind { .. } => ErrorCode::UnknownKind,
			DecodeError::UnsupportedExtension { .. } => ErrorCode::UnsupportedExtension,
			DecodeError::FrameTooLarge { .. } => ErrorCode::TooLarge,
			_ => ErrorCode::Malformed,
		}
	}

	/// The `arg` of the error reply (see [`ErrorCode`]): the highest supported version, the
	/// unknown kind, the unsupported extension type, or the exceeded limit.
	pub fn error_arg(&self) -> u64 {
		match self {
			DecodeError::UnsupportedVersion { .. } => u64::from(VERSION),
			DecodeError::UnknownKind { kind } => u64::from(*kind),
			DecodeError::UnsupportedExtension { ty } => u64::from(*ty),
			DecodeError::OutOfBounds { max, .. } | DecodeError::FrameTooLarge { max, .. } => {
				*max as u64
			},
			_ => 0,
		}
	}

	/// True when the peer sent bytes no correct implementation of any version would send
	/// (a framing or encoding error), as opposed to a newer peer using something this one does
	/// not know (version, kind, extension). A node may count breaches and close the connection.
	pub fn is_protocol_breach(&self) -> bool {
		!matches!(
			self,
			DecodeError::UnsupportedVersion { .. }
				| DecodeError::UnknownKind { .. }
				| DecodeError::UnsupportedExtension { .. }
		)
	}

	/// The reply a node sends for this error (the detail is the error's text, cut to fit).
	pub fn to_reply(&self) -> ErrorReply {
		ErrorReply::new(self.error_code(), self.error_arg(), &self.to_string())
	}
}

/// Why a value cannot be encoded: a field is outside the bounds its decoder enforces, so the
/// encoder refuses rather than produce a frame the peer would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
	/// A length or count is outside its bounds.
	#[error("{field}: length or count {len} outside {min}..={max}")]
	OutOfBounds {
		/// The field.
		field: &'static str,
		/// The actual length or count.
		len: usize,
		/// Smallest allowed.
		min: usize,
		/// Largest allowed.
		max: usize,
	},
	/// A field holds a value the protocol does not allow.
	#[error("{field}: {reason}")]
	InvalidValue {
		/// The field.
		field: &'static str,
		/// What is wrong with it.
		reason: &'static str,
	},
}

/// Error codes of the `error` response (a `u16` on the wire). Codes this implementation does not
/// know decode as [`ErrorCode::Other`], so an old client still sees a failure, never a crash.
///
/// The meaning of the reply's `arg` is given per code; it is `0` where none is stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
	/// `0x0001` The frame or a field is malformed.
	Malformed,
	/// `0x0002` The version byte is not spoken here; `arg` = highest version this node speaks.
	UnsupportedVersion,
	/// `0x0003` The kind is unknown to this node; `arg` = the kind.
	UnknownKind,
	/// `0x0004` A critical extension is unknown to this node; `arg` = the extension type.
	UnsupportedExtension,
	/// `0x0005` A length exceeds a limit; `arg` = the limit.
	TooLarge,
	/// `0x0010` The sr25519 signature does not verify.
	BadSignature,
	/// `0x0011` The timestamp is outside +-60 s of the node's clock; `arg` = node time (ms).
	StaleTimestamp,
	/// `0x0012` The (account, nonce) pair was already seen inside the window.
	Replay,
	/// `0x0013` The signer may not do this (not the mailbox owner, peer not in the registry).
	Unauthorized,
	/// `0x0014` A presence record is invalid (binding does not match the account, or expiry).
	BadPresence,
	/// `0x0020` No live presence record for the recipient: the message was dropped.
	RecipientOffline,
	/// `0x0021` The recipient's mailbox is at its count or byte bound; `arg` = the bound hit.
	MailboxFull,
	/// `0x0022` The envelope fails its framing check or its routing id differs from the request.
	InvalidEnvelope,
	/// `0x0030` Too many requests from this account or connection; `arg` = retry after (ms).
	RateLimited,
	/// `0x0031` The node is overloaded; `arg` = retry after (ms).
	Busy,
	/// `0x0032` An internal failure; the request may be retried elsewhere.
	Internal,
	/// `0x0040` Reserved for postage: the node requires a postage voucher on `send`.
	PaymentRequired,
	/// A code this implementation does not know. Never holds a known code.
	Other(u16),
}

impl ErrorCode {
	const TABLE: [(ErrorCode, u16); 17] = [
		(ErrorCode::Malformed, 0x0001),
		(ErrorCode::UnsupportedVersion, 0x0002),
		(ErrorCode::UnknownKind, 0x0003),
		(ErrorCode::UnsupportedExtension, 0x0004),
		(ErrorCode::TooLarge, 0x0005),
		(ErrorCode::BadSignature, 0x0010),
		(ErrorCode::StaleTimestamp, 0x0011),
		(ErrorCode::Replay, 0x0012),
		(ErrorCode::Unauthorized, 0x0013),
		(ErrorCode::BadPresence, 0x0014),
		(ErrorCode::RecipientOffline, 0x0020),
		(ErrorCode::MailboxFull, 0x0021),
		(ErrorCode::InvalidEnvelope, 0x0022),
		(ErrorCode::RateLimited, 0x0030),
		(ErrorCode::Busy, 0x0031),
		(ErrorCode::Internal, 0x0032),
		(ErrorCode::PaymentRequired, 0x0040),
	];

	/// The wire value.
	pub fn to_u16(self) -> u16 {
		match self {
			ErrorCode::Other(v) => v,
			known => Self::TABLE.iter().find(|(c, _)| *c == known).map_or(0, |(_, v)| *v),
		}
	}

	/// The code for a wire value (unknown values give [`ErrorCode::Other`]).
	pub fn from_u16(v: u16) -> ErrorCode {
		Self::TABLE
			.iter()
			.find(|(_, w)| *w == v)
			.map_or(ErrorCode::Other(v), |(c, _)| *c)
	}

	/// True when retrying the same request later (or on another node) may succeed.
	pub fn is_transient(self) -> bool {
		matches!(
			self,
			ErrorCode::RateLimited
				| ErrorCode::Busy
				| ErrorCode::Internal
				| ErrorCode::StaleTimestamp
				| ErrorCode::RecipientOffline
				| ErrorCode::MailboxFull
		)
	}
}

/// Longest error detail, in bytes of UTF-8.
pub const MAX_ERROR_DETAIL_LEN: usize = 255;

/// The body of an `error` response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReply {
	/// What went wrong.
	pub code: ErrorCode,
	/// A code-specific number (see [`ErrorCode`]).
	pub arg: u64,
	/// Human-readable detail, at most [`MAX_ERROR_DETAIL_LEN`] bytes; never contains message
	/// contents.
	pub detail: String,
}

impl ErrorReply {
	/// A reply; `detail` is cut (at a character boundary) to [`MAX_ERROR_DETAIL_LEN`] bytes.
	pub fn new(code: ErrorCode, arg: u64, detail: &str) -> ErrorReply {
		let mut end = detail.len().min(MAX_ERROR_DETAIL_LEN);
		while !detail.is_char_boundary(end) {
			end -= 1;
		}
		ErrorReply { code, arg, detail: detail[..end].to_owned() }
	}
}
