//! Envelope errors.

use super::{MAX_BODY, MAX_ENVELOPE, MIN_ENVELOPE};

/// Why an envelope was rejected by [`peek`](super::peek) or [`open`](super::open).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
	/// Fewer bytes than the smallest envelope.
	#[error("envelope too short: {len} bytes (minimum {MIN_ENVELOPE})")]
	TooShort {
		/// Length received.
		len: usize,
	},
	/// More bytes than [`MAX_ENVELOPE`].
	#[error("envelope too long: {len} bytes (maximum {MAX_ENVELOPE})")]
	TooLong {
		/// Length received.
		len: usize,
	},
	/// A version byte this implementation does not speak (see [`version`](super::version)).
	#[error("unsupported envelope version {0:#04x}")]
	UnsupportedVersion(u8),
	/// The ciphertext is not one of the padding buckets plus the tag.
	#[error("ciphertext length {0} is not a padding bucket plus the tag")]
	BadLength(usize),
	/// The routing id is not the recipient's: the envelope is for someone else.
	#[error("envelope is addressed to another recipient")]
	WrongRecipient,
	/// The ephemeral key is a low-order point (no shared secret).
	#[error("ephemeral key is a low-order point")]
	WeakEphemeralKey,
	/// Authenticated decryption failed: tampered, or sealed to another chat key.
	#[error("decryption failed (tampered envelope or another chat key)")]
	Decrypt,
	/// Decrypted, but the inner structure is invalid (a broken or malicious sender).
	#[error("malformed envelope contents: {0}")]
	Malformed(&'static str),
	/// The sender's signature does not verify.
	#[error("sender signature does not verify")]
	BadSignature,
}

impl EnvelopeError {
	/// True if the error is visible without any key: a relay should refuse the envelope and
	/// may count it against the peer that sent it.
	pub fn is_framing_error(&self) -> bool {
		matches!(
			self,
			EnvelopeError::TooShort { .. }
				| EnvelopeError::TooLong { .. }
				| EnvelopeError::UnsupportedVersion(_)
				| EnvelopeError::BadLength(_)
		)
	}

	/// True if the envelope may simply be for one of the recipient's other chat keys (after a
	/// rotation): try the next key before giving up.
	pub fn may_be_other_key(&self) -> bool {
		matches!(self, EnvelopeError::Decrypt)
	}
}

/// Why an envelope could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
	/// The body is larger than [`MAX_BODY`].
	#[error("message body is {len} bytes, the maximum is {MAX_BODY}")]
	BodyTooLarge {
		/// Body length.
		len: usize,
	},
	/// The recipient chat key is a low-order point.
	#[error("recipient chat key is a low-order point")]
	WeakRecipientKey,
	/// Message kind 0 is reserved as invalid.
	#[error("message kind 0 is invalid")]
	InvalidKind,
}
