//! The mesh family (`/ichat/relay-mesh/1`): node-to-node messages between registered service
//! nodes. Its own versioned family beside the client one: same frame header, disjoint kinds
//! (requests `0x81..=0xbf`, answers `0xc0..=0xff`), so a frame sent on the wrong protocol is
//! refused as `UnknownKind` rather than misread.

use crate::client::{read_error, write_error};
use crate::codec::{self, Reader};
use crate::error::{DecodeError, EncodeError, ErrorReply};
use crate::frame::{decode_raw, encode_raw, Frame, HeaderPrefix};
use crate::signed::{read_signed, AckBody, PresenceBody, Signed, WithdrawBody};
use crate::types::{read_envelope, write_envelope, MessageId, RoutingId};

/// Kind bytes of the mesh family.
pub mod kind {
	/// Request: store a message as unread for a recipient listening on this node, push it.
	pub const FORWARD: u8 = 0x81;
	/// Request: delete messages the recipient acknowledged (carries its signed `ack`).
	pub const REPLICATE_ACK: u8 = 0x82;
	/// Request: keep a presence record (this node is in the account's home swarm).
	pub const STORE_PRESENCE: u8 = 0x83;
	/// Request: the live presence record of a routing id, if any.
	pub const LOOKUP_PRESENCE: u8 = 0x84;
	/// Request: liveness and round-trip time.
	pub const PING: u8 = 0x85;
	/// Request: drop a presence record (carries the client's signed `withdraw`).
	pub const WITHDRAW_PRESENCE: u8 = 0x86;
	/// Reserved for the hourly quality probes between nodes (latency, loss; rewards).
	pub const RESERVED_PROBES: core::ops::RangeInclusive<u8> = 0x90..=0x9f;

	/// Answer to `forward`.
	pub const STORED: u8 = 0xc1;
	/// Answer to `replicate-ack`.
	pub const ACK_REPLICATED: u8 = 0xc2;
	/// Answer to `store-presence`.
	pub const PRESENCE_KEPT: u8 = 0xc3;
	/// Answer to `lookup-presence`.
	pub const PRESENCE_FOUND: u8 = 0xc4;
	/// Answer to `ping`.
	pub const PONG: u8 = 0xc5;
	/// Answer to `withdraw-presence`.
	pub const PRESENCE_WITHDRAWN: u8 = 0xc6;
	/// Reserved for the answers to quality probes.
	pub const RESERVED_PROBE_ANSWERS: core::ops::RangeInclusive<u8> = 0xd0..=0xdf;
	/// Answer to anything: an error.
	pub const ERROR: u8 = 0xff;
}

/// The libp2p protocol name of the mesh family.
pub const PROTOCOL_NAME: &str = "/ichat/relay-mesh/1";

/// A node-to-node request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeshRequest {
	/// `forward` (`0x81`). Wire: `routing id 32 | accepted at ms u64 | envelope (u32 len)`.
	Forward {
		/// The recipient.
		routing_id: RoutingId,
		/// When the entry node accepted it (unix ms); the 6-hour limit counts from here.
		accepted_at_ms: u64,
		/// The envelope; its id is recomputed by the receiver.
		envelope: Vec<u8>,
	},
	/// `replicate-ack` (`0x82`): the client's signed ack, verbatim, so every holder checks the
	/// account's signature itself. Wire: as the client `ack`.
	ReplicateAck(Signed<AckBody>),
	/// `store-presence` (`0x83`): the client's signed presence record, verbatim.
	StorePresence(Signed<PresenceBody>),
	/// `lookup-presence` (`0x84`). Wire: `routing id 32`.
	LookupPresence {
		/// Whose record.
		routing_id: RoutingId,
	},
	/// `ping` (`0x85`). Wire: `nonce u64`.
	Ping {
		/// Echoed.
		nonce: u64,
	},
	/// `withdraw-presence` (`0x86`): the client's signed `withdraw`, verbatim.
	WithdrawPresence(Signed<WithdrawBody>),
}

/// A node-to-node answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeshResponse {
	/// `stored` (`0xc1`). Wire: `message id 32 | duplicate u8`.
	Stored {
		/// The id the receiver computed.
		message_id: MessageId,
		/// It already held the message (stored once, pushed once).
		duplicate: bool,
	},
	/// `ack-replicated` (`0xc2`). Wire: `deleted u16`.
	AckReplicated {
		/// How many messages it held and deleted.
		deleted: u16,
	},
	/// `presence-kept` (`0xc3`). Empty body.
	PresenceKept,
	/// `presence-found` (`0xc4`). Wire: `present u8 | [signed presence]`.
	PresenceFound(Option<Signed<PresenceBody>>),
	/// `pong` (`0xc5`). Wire: `nonce u64`.
	Pong {
		/// The ping's nonce.
		nonce: u64,
	},
	/// `presence-withdrawn` (`0xc6`). Wire: `removed u8` (0/1).
	PresenceWithdrawn {
		/// This node held the record named and dropped it.
		removed: bool,
	},
	/// `error` (`0xff`). Wire: as the client `error`.
	Error(ErrorReply),
}

/// Any message of the mesh family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeshMessage {
	/// Asking node to answering node.
	Request(MeshRequest),
	/// The answer.
	Response(MeshResponse),
}

impl From<MeshRequest> for MeshMessage {
	fn from(r: MeshRequest) -> Self {
		MeshMessage::Request(r)
	}
}

impl From<MeshResponse> for MeshMessage {
	fn from(r: MeshResponse) -> Self {
		MeshMessage::Response(r)
	}
}

impl MeshMessage {
	/// The kind byte.
	pub fn kind(&self) -> u8 {
		match self {
			MeshMessage::Request(r) => match r {
				MeshRequest::Forward { .. } => kind::FORWARD,
				MeshRequest::ReplicateAck(_) => kind::REPLICATE_ACK,
				MeshRequest::StorePresence(_) => kind::STORE_PRESENCE,
				MeshRequest::LookupPresence { .. } => kind::LOOKUP_PRESENCE,
				MeshRequest::Ping { .. } => kind::PING,
				MeshRequest::WithdrawPresence(_) => kind::WITHDRAW_PRESENCE,
			},
			MeshMessage::Response(r) => match r {
				MeshResponse::Stored { .. } => kind::STORED,
				MeshResponse::AckReplicated { .. } => kind::ACK_REPLICATED,
				MeshResponse::PresenceKept => kind::PRESENCE_KEPT,
				MeshResponse::PresenceFound(_) => kind::PRESENCE_FOUND,
				MeshResponse::Pong { .. } => kind::PONG,
				MeshResponse::PresenceWithdrawn { .. } => kind::PRESENCE_WITHDRAWN,
				MeshResponse::Error(_) => kind::ERROR,
			},
		}
	}

	fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		match self {
			MeshMessage::Request(r) => match r {
				MeshRequest::Forward { routing_id, accepted_at_ms, envelope } => {
					routing_id.write(out);
					codec::put_u64(out, *accepted_at_ms);
					write_envelope(out, envelope)?;
				},
				MeshRequest::ReplicateAck(s) => s.write(out)?,
				MeshRequest::StorePresence(s) => s.write(out)?,
				MeshRequest::LookupPresence { routing_id } => routing_id.write(out),
				MeshRequest::Ping { nonce } => codec::put_u64(out, *nonce),
				MeshRequest::WithdrawPresence(s) => s.write(out)?,
			},
			MeshMessage::Response(r) => match r {
				MeshResponse::Stored { message_id, duplicate } => {
					message_id.write(out);
					codec::put_bool(out, *duplicate);
				},
				MeshResponse::AckReplicated { deleted } => codec::put_u16(out, *deleted),
				MeshResponse::PresenceKept => {},
				MeshResponse::PresenceFound(p) => {
					codec::put_bool(out, p.is_some());
					if let Some(p) = p {
						p.write(out)?;
					}
				},
				MeshResponse::Pong { nonce } => codec::put_u64(out, *nonce),
				MeshResponse::PresenceWithdrawn { removed } => codec::put_bool(out, *removed),
				MeshResponse::Error(e) => write_error(out, e)?,
			},
		}
		Ok(())
	}

	fn read(k: u8, r: &mut Reader<'_>) -> Result<MeshMessage, DecodeError> {
		Ok(match k {
			kind::FORWARD => MeshRequest::Forward {
				routing_id: RoutingId::read(r, "routing id")?,
				accepted_at_ms: r.u64("accepted at")?,
				envelope: read_envelope(r)?,
			}
			.into(),
			kind::REPLICATE_ACK => MeshRequest::ReplicateAck(read_signed(r)?).into(),
			kind::STORE_PRESENCE => MeshRequest::StorePresence(read_signed(r)?).into(),
			kind::LOOKUP_PRESENCE => {
				MeshRequest::LookupPresence { routing_id: RoutingId::read(r, "routing id")? }.into()
			},
			kind::PING => MeshRequest::Ping { nonce: r.u64("nonce")? }.into(),
			kind::WITHDRAW_PRESENCE => MeshRequest::WithdrawPresence(read_signed(r)?).into(),
			kind::STORED => MeshResponse::Stored {
				message_id: MessageId::read(r, "message id")?,
				duplicate: r.bool("duplicate")?,
			}
			.into(),
			kind::ACK_REPLICATED => {
				MeshResponse::AckReplicated { deleted: r.u16("deleted")? }.into()
			},
			kind::PRESENCE_KEPT => MeshResponse::PresenceKept.into(),
			kind::PRESENCE_FOUND => {
				let present = r.bool("present")?;
				MeshResponse::PresenceFound(if present { Some(read_signed(r)?) } else { None })
					.into()
			},
			kind::PONG => MeshResponse::Pong { nonce: r.u64("nonce")? }.into(),
			kind::PRESENCE_WITHDRAWN => {
				MeshResponse::PresenceWithdrawn { removed: r.bool("removed")? }.into()
			},
			kind::ERROR => MeshResponse::Error(read_error(r)?).into(),
			kind => return Err(DecodeError::UnknownKind { kind }),
		})
	}
}

fn is_known_kind(k: u8) -> bool {
	matches!(
		k,
		kind::FORWARD..=kind::WITHDRAW_PRESENCE | kind::STORED..=kind::PRESENCE_WITHDRAWN | kind::ERROR
	)
}

impl Frame<MeshMessage> {
	/// Encode; fails if a field is outside the bounds the decoder enforces.
	pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
		encode_raw(self.message.kind(), self.request_id, &self.extensions, |out| {
			self.message.write(out)
		})
	}

	/// Decode exactly one frame occupying all of `bytes`.
	pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
		let raw = decode_raw(bytes, is_known_kind)?;
		let mut body = raw.body;
		let message = MeshMessage::read(raw.kind, &mut body)?;
		body.finish("body")?;
		Ok(Frame { request_id: raw.request_id, extensions: raw.extensions, message })
	}

	/// The answer to undecodable `bytes` (see the client family's `error_answer`).
	pub fn error_answer(bytes: &[u8], err: &DecodeError) -> Self {
		let request_id = HeaderPrefix::peek(bytes).map_or(0, |h| h.request_id);
		Frame::new(request_id, MeshResponse::Error(err.to_reply()).into())
	}
}
