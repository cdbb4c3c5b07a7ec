//! The outer header relays may read, the routing id and [`peek`].

use core::fmt;

use blake2::{digest::consts::U32, Blake2b, Digest};

use super::{
	version, EnvelopeError, MAX_ENVELOPE, MIN_ENVELOPE, NONCE_LEN, OUTER_HEADER_LEN,
	PADDING_BUCKETS, ROUTING_ID_LEN, TAG_LEN,
};
use crate::{account::AccountId, chat_key::array, hex_fmt};

/// Domain tag of the routing id hash.
pub const ROUTING_ID_DOMAIN: &[u8] = b"ichat/routing-id/v1";

/// The recipient's routing id: `BLAKE2b-256("ichat/routing-id/v1" || account_id)`.
///
/// It is what relays file mailboxes under. It is not a secret: anyone who knows an account can
/// compute it. It gives a fixed-size, domain-separated handle that never collides with other
/// hashes of the account.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoutingId(pub [u8; ROUTING_ID_LEN]);

impl RoutingId {
	/// The routing id of an account.
	pub fn for_account(account: &AccountId) -> RoutingId {
		let mut h = Blake2b::<U32>::new();
		h.update(ROUTING_ID_DOMAIN);
		h.update(account.0);
		RoutingId(h.finalize().into())
	}
}

impl fmt::Debug for RoutingId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("RoutingId(")?;
		hex_fmt(f, &self.0)?;
		f.write_str(")")
	}
}

/// The v1 outer header: everything a relay may read. Authenticated as AEAD associated data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OuterHeader {
	/// Recipient routing id.
	pub routing_id: RoutingId,
	/// Expiry, unix seconds: relays drop the envelope after this time.
	pub expiry: u64,
	/// The sender's ephemeral X25519 public key.
	pub ephemeral: [u8; 32],
	/// ChaCha20-Poly1305 nonce.
	pub nonce: [u8; NONCE_LEN],
}

impl OuterHeader {
	/// Parse the outer header at the start of `bytes` (only the first
	/// [`OUTER_HEADER_LEN`] bytes are read; use [`peek`] to validate a whole envelope).
	pub fn parse(bytes: &[u8]) -> Result<OuterHeader, EnvelopeError> {
		let first = *bytes.first().ok_or(EnvelopeError::TooShort { len: 0 })?;
		if first != version::V1 {
			return Err(EnvelopeError::UnsupportedVersion(first));
		}
		let h = bytes
			.get(..OUTER_HEADER_LEN)
			.ok_or(EnvelopeError::TooShort { len: bytes.len() })?;
		Ok(OuterHeader {
			routing_id: RoutingId(array(&h[1..33])),
			expiry: u64::from_le_bytes(array(&h[33..41])),
			ephemeral: array(&h[41..73]),
			nonce: array(&h[73..85]),
		})
	}

	/// Encode (version byte included).
	pub fn to_bytes(&self) -> [u8; OUTER_HEADER_LEN] {
		let mut b = [0u8; OUTER_HEADER_LEN];
		b[0] = version::V1;
		b[1..33].copy_from_slice(&self.routing_id.0);
		b[33..41].copy_from_slice(&self.expiry.to_le_bytes());
		b[41..73].copy_from_slice(&self.ephemeral);
		b[73..85].copy_from_slice(&self.nonce);
		b
	}

	/// True once `now` (unix seconds) is past the expiry.
	pub fn is_expired(&self, now_unix_secs: u64) -> bool {
		now_unix_secs > self.expiry
	}
}

/// What a relay learns from an envelope without any key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EnvelopeInfo {
	/// The outer header.
	pub header: OuterHeader,
	/// Total envelope length in bytes.
	pub len: usize,
	/// The padded inner length (one of [`PADDING_BUCKETS`]).
	pub padded_len: usize,
}

/// Validate an envelope's framing and read its outer header, without decrypting.
///
/// Checks the version, the bounds ([`MIN_ENVELOPE`]..=[`MAX_ENVELOPE`]) and that the
/// ciphertext is a padding bucket plus the tag. Cost: a few comparisons and copies.
pub fn peek(envelope: &[u8]) -> Result<EnvelopeInfo, EnvelopeError> {
	let len = envelope.len();
	let header = OuterHeader::parse(envelope)?;
	if len < MIN_ENVELOPE {
		return Err(EnvelopeError::TooShort { len });
	}
	if len > MAX_ENVELOPE {
		return Err(EnvelopeError::TooLong { len });
	}
	let ct_len = len - OUTER_HEADER_LEN;
	let padded_len = ct_len - TAG_LEN;
	if !PADDING_BUCKETS.contains(&padded_len) {
		return Err(EnvelopeError::BadLength(ct_len));
	}
	Ok(EnvelopeInfo { header, len, padded_len })
}
