//! Envelope v1: one end-to-end encrypted, signed message to one recipient.
//!
//! The byte layout, key derivation and fixtures are specified in `docs/protocol/envelope.md`;
//! this module is the reference implementation and a test keeps the two in step.
//!
//! ```text
//! | version 0x01 | routing id (32) | expiry u64 LE (8) | ephemeral X25519 pk (32) | nonce (12) |  outer header, 85 bytes, AAD
//! | ChaCha20-Poly1305( inner plaintext padded to 256/1024/4096/16384/65536 bytes ) | tag (16) |
//! inner: sender account (32) | sender chat key (32) | message id (16) | timestamp ms u64 LE (8)
//!        | kind (1) | body length u32 LE (4) | body | zero padding | sr25519 signature (64)
//! ```
//!
//! * Relays call [`peek`] (cheap, no cryptography) to read the routing id, expiry and size.
//! * Senders call [`seal()`]; recipients call [`open()`], which checks, in order, the framing, the
//!   routing id, the AEAD, the inner structure and the sender's signature, and returns an
//!   [`EnvelopeError`] for any failure. Decoding is total: any byte string gives `Ok` or `Err`.

mod error;
mod header;
mod seal;

pub use error::{EnvelopeError, SealError};
pub use header::{peek, EnvelopeInfo, OuterHeader, RoutingId, ROUTING_ID_DOMAIN};
pub use seal::{
	open, seal, seal_with, ClientMessageId, Draft, MessageKind, OpenedEnvelope, Recipient,
	SealRandomness, Sealed,
};

/// Envelope version bytes: assigned and reserved values.
///
/// Every version keeps bytes `0..41` (version, routing id, expiry) at the same offsets so that a
/// relay can route an envelope without understanding the rest.
pub mod version {
	/// Never valid (catches zeroed buffers).
	pub const INVALID: u8 = 0x00;
	/// Envelope v1: one-shot ephemeral X25519 + HKDF-SHA256 + ChaCha20-Poly1305, sr25519-signed.
	pub const V1: u8 = 0x01;
	/// Reserved: Double Ratchet session messages (forward secrecy and post-compromise
	/// security, e.g. vodozemac Olm), with a v1-style pre-key message to start a session.
	pub const RESERVED_DOUBLE_RATCHET: u8 = 0x02;
	/// Reserved: post-quantum hybrid one-shot envelope (X25519 + ML-KEM-768, both secrets
	/// into the HKDF).
	pub const RESERVED_PQ_HYBRID: u8 = 0x03;
	/// Reserved: Double Ratchet with a post-quantum hybrid handshake (PQXDH-style).
	pub const RESERVED_PQ_DOUBLE_RATCHET: u8 = 0x04;
	/// Versions `0x05..=0x7f` are assigned in order by later specifications.
	pub const FUTURE_RANGE: core::ops::RangeInclusive<u8> = 0x05..=0x7f;
	/// Versions `0x80..=0xfe` are for experiments and never accepted on a public network.
	pub const EXPERIMENTAL_RANGE: core::ops::RangeInclusive<u8> = 0x80..=0xfe;
	/// Reserved to announce a longer, extensible version field.
	pub const RESERVED_EXTENDED: u8 = 0xff;
}

/// Length of the routing id.
pub const ROUTING_ID_LEN: usize = 32;
/// Length of the AEAD nonce.
pub const NONCE_LEN: usize = 12;
/// Length of a message id.
pub const MESSAGE_ID_LEN: usize = 16;
/// Length of the Poly1305 tag.
pub const TAG_LEN: usize = 16;
/// Length of the outer header: version, routing id, expiry, ephemeral key, nonce.
pub const OUTER_HEADER_LEN: usize = 1 + ROUTING_ID_LEN + 8 + 32 + NONCE_LEN;
/// Length of the inner fields before the body: sender account, sender chat key, message id,
/// timestamp, kind, body length.
pub const INNER_FIXED_LEN: usize = 32 + 32 + MESSAGE_ID_LEN + 8 + 1 + 4;
/// Inner overhead: fixed fields and the trailing signature.
pub const INNER_OVERHEAD: usize = INNER_FIXED_LEN + crate::account::SIGNATURE_LEN;
/// Sizes the inner plaintext is padded to (the smallest that fits is used when sealing).
pub const PADDING_BUCKETS: [usize; 5] = [256, 1024, 4096, 16_384, 65_536];
/// Largest body an envelope can carry (64 KiB minus the inner overhead).
pub const MAX_BODY: usize = 65_536 - INNER_OVERHEAD;
/// Smallest possible envelope.
pub const MIN_ENVELOPE: usize = OUTER_HEADER_LEN + 256 + TAG_LEN;
/// Largest possible envelope; relays reject anything longer without reading it.
pub const MAX_ENVELOPE: usize = OUTER_HEADER_LEN + 65_536 + TAG_LEN;
/// sr25519 signing context of the sender's signature.
pub const ENVELOPE_SIGNING_CONTEXT: &[u8] = b"ichat-envelope-v1";
/// HKDF salt of the envelope key.
pub const ENVELOPE_HKDF_SALT: &[u8] = b"ichat/envelope/v1";
/// HKDF info prefix of the envelope key (followed by the ephemeral and recipient public keys).
pub const ENVELOPE_HKDF_INFO: &[u8] = b"ichat/envelope/v1/chacha20poly1305-key";
