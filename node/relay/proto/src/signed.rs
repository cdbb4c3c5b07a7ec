//! Requests signed by an account: the [`Auth`] block, the bodies that carry one, the bytes to
//! sign ([`signing_payload`]) and the freshness rule ([`check_freshness`]).
//!
//! Signing and verification themselves (sr25519, signing context [`SIGNING_CONTEXT`]) are done by
//! the caller with `ichat-crypto` or `sp-core`; this crate only defines the bytes.

use crate::codec::{self, Reader};
use crate::error::{DecodeError, EncodeError, ErrorCode};
use crate::limits::{
	MAX_ACK_IDS, MAX_BINDING_LEN, MAX_FETCH_MESSAGES, MAX_LISTEN_NODES, MAX_PRESENCE_TTL_MS,
	TIMESTAMP_WINDOW_MS,
};
use crate::types::{AccountId, MessageId, NodeAddr, RoutingId, Signature};

/// sr25519 signing context (schnorrkel `signing_context`) of every signed relay request.
pub const SIGNING_CONTEXT: &[u8] = b"ichat-relay-v1";
/// Domain tag that starts every [`signing_payload`].
pub const SIGNING_DOMAIN: &[u8] = b"ichat/relay/v1/signed-request";

/// The authentication block of a signed request.
///
/// Wire (112 bytes): `account 32 | timestamp ms u64 | nonce u64 | signature 64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth {
	/// The signing account; it owns the mailbox the request touches.
	pub account: AccountId,
	/// The client's clock (unix ms) when signing; accepted within +-60 s of the node's clock.
	pub timestamp_ms: u64,
	/// Random per request; a node refuses an (account, nonce) pair it saw inside the window.
	pub nonce: u64,
	/// sr25519 signature by `account` over [`signing_payload`], context [`SIGNING_CONTEXT`].
	pub signature: Signature,
}

impl Auth {
	/// Encoded size.
	pub const LEN: usize = 32 + 8 + 8 + 64;

	/// The routing id of the signer's mailbox.
	pub fn routing_id(&self) -> RoutingId {
		RoutingId::for_account(&self.account)
	}

	fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		Ok(Auth {
			account: AccountId::read(r, "account")?,
			timestamp_ms: r.u64("timestamp")?,
			nonce: r.u64("nonce")?,
			signature: Signature::read(r, "signature")?,
		})
	}

	fn write(&self, out: &mut Vec<u8>) {
		self.account.write(out);
		codec::put_u64(out, self.timestamp_ms);
		codec::put_u64(out, self.nonce);
		self.signature.write(out);
	}
}

/// The fields of a signed request after its [`Auth`] block.
pub trait SignedBody: Sized {
	/// The client-family kind of the request (mesh frames that carry a client's signed request
	/// verbatim sign with this kind too).
	const KIND: u8;

	/// Append the encoded fields (exactly the bytes that follow the auth block on the wire).
	fn encode_fields(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;

	/// Checks that need the auth block (the presence expiry); none by default.
	fn check_with(&self, _auth: &Auth) -> Result<(), &'static str> {
		Ok(())
	}
}

/// The bytes an account signs for a request of `kind`:
///
/// `SIGNING_DOMAIN | kind u8 | account 32 | timestamp ms u64 LE | nonce u64 LE | fields`
///
/// where `fields` are the request's bytes after the auth block, exactly as on the wire.
pub fn signing_payload<B: SignedBody>(
	account: &AccountId,
	timestamp_ms: u64,
	nonce: u64,
	body: &B,
) -> Result<Vec<u8>, EncodeError> {
	let mut out = Vec::with_capacity(SIGNING_DOMAIN.len() + 49 + 64);
	out.extend_from_slice(SIGNING_DOMAIN);
	codec::put_u8(&mut out, B::KIND);
	account.write(&mut out);
	codec::put_u64(&mut out, timestamp_ms);
	codec::put_u64(&mut out, nonce);
	body.encode_fields(&mut out)?;
	Ok(out)
}

/// Whether a signed request's timestamp is inside the +-60 s window around `now_ms`; otherwise
/// [`ErrorCode::StaleTimestamp`].
pub fn check_freshness(now_ms: u64, timestamp_ms: u64) -> Result<(), ErrorCode> {
	if now_ms.abs_diff(timestamp_ms) <= TIMESTAMP_WINDOW_MS {
		Ok(())
	} else {
		Err(ErrorCode::StaleTimestamp)
	}
}

/// A signed request: the auth block and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<B> {
	/// Who signed, when, and the signature.
	pub auth: Auth,
	/// The request fields.
	pub body: B,
}

impl<B: SignedBody> Signed<B> {
	/// The bytes `auth.signature` must verify over.
	pub fn signing_payload(&self) -> Result<Vec<u8>, EncodeError> {
		signing_payload(&self.auth.account, self.auth.timestamp_ms, self.auth.nonce, &self.body)
	}

	pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		self.body
			.check_with(&self.auth)
			.map_err(|reason| EncodeError::InvalidValue { field: "signed request", reason })?;
		self.auth.write(out);
		self.body.encode_fields(out)
	}
}

/// Bodies decodable from the wire (kept out of [`SignedBody`] so the reader stays private).
pub(crate) trait ReadBody: SignedBody {
	fn read_fields(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// Read a signed request: the auth block, the fields, then the checks that need both.
pub(crate) fn read_signed<B: ReadBody>(r: &mut Reader<'_>) -> Result<Signed<B>, DecodeError> {
	let auth = Auth::read(r)?;
	let body = B::read_fields(r)?;
	body.check_with(&auth)
		.map_err(|reason| DecodeError::InvalidValue { field: "signed request", reason })?;
	Ok(Signed { auth, body })
}

/// `presence`: where the account can be reached, for at most 10 minutes.
///
/// Wire: `binding (u16 len 1..=256 + bytes) | expires at ms u64 | listen count u8 (1..=16) |
/// each NodeAddr`. The expiry must be after the auth timestamp and at most
/// [`MAX_PRESENCE_TTL_MS`] after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceBody {
	/// The chat-key binding (`ichat_crypto::ChatKeyBinding::to_bytes`, 132 bytes in v1):
	/// nodes check its signature and that its account is the signer.
	pub binding: Vec<u8>,
	/// Unix ms after which the record is dead.
	pub expires_at_ms: u64,
	/// The nodes the client is subscribed on: messages are forwarded there.
	pub listen: Vec<NodeAddr>,
}

impl SignedBody for PresenceBody {
	const KIND: u8 = crate::client::kind::PRESENCE;

	fn encode_fields(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		codec::put_bytes_u16(out, "binding", &self.binding, 1, MAX_BINDING_LEN)?;
		codec::put_u64(out, self.expires_at_ms);
		codec::put_count_u8(out, "listen nodes", self.listen.len(), 1, MAX_LISTEN_NODES)?;
		self.listen.iter().try_for_each(|n| n.write(out))
	}

	fn check_with(&self, auth: &Auth) -> Result<(), &'static str> {
		let ttl = self.expires_at_ms.checked_sub(auth.timestamp_ms);
		match ttl {
			Some(ttl) if ttl > 0 && ttl <= MAX_PRESENCE_TTL_MS => Ok(()),
			_ => Err("presence expiry must be within 10 minutes after the timestamp"),
		}
	}
}

impl ReadBody for PresenceBody {
	fn read_fields(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		let binding = r.bytes_u16("binding", 1, MAX_BINDING_LEN)?.to_vec();
		let expires_at_ms = r.u64("expires at")?;
		let n = r.count_u8("listen nodes", 1, MAX_LISTEN_NODES)?;
		let listen = (0..n).map(|_| NodeAddr::read(r)).collect::<Result<_, _>>()?;
		Ok(PresenceBody { binding, expires_at_ms, listen })
	}
}

/// `subscribe`: open the push stream of the signer's mailbox. No fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubscribeBody;

impl SignedBody for SubscribeBody {
	const KIND: u8 = crate::client::kind::SUBSCRIBE;

	fn encode_fields(&self, _out: &mut Vec<u8>) -> Result<(), EncodeError> {
		Ok(())
	}
}

impl ReadBody for SubscribeBody {
	fn read_fields(_r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		Ok(SubscribeBody)
	}
}

/// `fetch`: unread messages after `cursor`.
///
/// Wire: `cursor u64 | limit u16 (1..=64)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchBody {
	/// `0` for the oldest unread message, else the `next_cursor` of the previous answer.
	pub cursor: u64,
	/// At most this many messages (the node may return fewer to fit the body limit).
	pub limit: u16,
}

impl SignedBody for FetchBody {
	const KIND: u8 = crate::client::kind::FETCH;

	fn encode_fields(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		codec::put_u64(out, self.cursor);
		codec::bound("fetch limit", usize::from(self.limit), 1, MAX_FETCH_MESSAGES)?;
		codec::put_u16(out, self.limit);
		Ok(())
	}
}

impl ReadBody for FetchBody {
	fn read_fields(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		let cursor = r.u64("cursor")?;
		let limit = r.count_u16("fetch limit", 1, MAX_FETCH_MESSAGES)? as u16;
		Ok(FetchBody { cursor, limit })
	}
}

/// `ack`: the signer has read these messages; every node holding them deletes them.
///
/// Wire: `count u16 (1..=256) | message id 32 each`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckBody {
	/// The acknowledged messages.
	pub ids: Vec<MessageId>,
}

impl SignedBody for AckBody {
	const KIND: u8 = crate::client::kind::ACK;

	fn encode_fields(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		codec::put_count_u16(out, "ack ids", self.ids.len(), 1, MAX_ACK_IDS)?;
		self.ids.iter().for_each(|id| id.write(out));
		Ok(())
	}
}

impl ReadBody for AckBody {
	fn read_fields(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		let n = r.count_u16("ack ids", 1, MAX_ACK_IDS)?;
		let ids = (0..n).map(|_| MessageId::read(r, "message id")).collect::<Result<_, _>>()?;
		Ok(AckBody { ids })
	}
}

/// `withdraw`: the signer goes offline; each home-swarm node drops the presence record that the
/// signer published at `published_at_ms` (the auth timestamp of that `presence`), and only that
/// one, so a session that goes offline never withdraws a newer record of another session of the
/// same account.
///
/// Wire: `published at ms u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithdrawBody {
	/// The auth timestamp of the presence record to drop.
	pub published_at_ms: u64,
}

impl SignedBody for WithdrawBody {
	const KIND: u8 = crate::client::kind::WITHDRAW;

	fn encode_fields(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		codec::put_u64(out, self.published_at_ms);
		Ok(())
	}

	fn check_with(&self, auth: &Auth) -> Result<(), &'static str> {
		if self.published_at_ms <= auth.timestamp_ms {
			Ok(())
		} else {
			Err("a withdrawal must come after the record it withdraws")
		}
	}
}

impl ReadBody for WithdrawBody {
	fn read_fields(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		Ok(WithdrawBody { published_at_ms: r.u64("published at")? })
	}
}
