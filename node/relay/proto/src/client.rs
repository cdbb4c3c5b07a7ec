//! The client family (`/ichat/relay/1`): what a client asks a node and what the node answers.
//!
//! Kinds `0x01..=0x3f` are requests, `0x40..=0x7f` answers and pushes. A node answers a request
//! kind it does not know with an [`ErrorCode::UnknownKind`]
//! error carrying the same request id, and keeps the connection open.

use crate::codec::{self, Reader};
use crate::error::{DecodeError, EncodeError, ErrorCode, ErrorReply, MAX_ERROR_DETAIL_LEN};
use crate::frame::{decode_raw, encode_raw, Frame, HeaderPrefix};
use crate::limits::{MAX_FETCH_MESSAGES, MAX_HOME_SWARM, MAX_NODES_LISTED};
use crate::signed::{
	read_signed, AckBody, FetchBody, PresenceBody, Signed, SubscribeBody, WithdrawBody,
};
use crate::types::{
	read_envelope, read_peers, write_envelope, write_peers, Delivery, MessageId, NodeInfo,
	PeerIdBytes, RoutingId,
};

/// Kind bytes of the client family.
pub mod kind {
	/// Request: the online node list.
	pub const NODES: u8 = 0x01;
	/// Request (signed): publish a presence record.
	pub const PRESENCE: u8 = 0x02;
	/// Request: send an envelope.
	pub const SEND: u8 = 0x03;
	/// Request (signed): open the push stream of the signer's mailbox.
	pub const SUBSCRIBE: u8 = 0x04;
	/// Request (signed): fetch unread messages.
	pub const FETCH: u8 = 0x05;
	/// Request (signed): acknowledge (delete) read messages.
	pub const ACK: u8 = 0x06;
	/// Request: liveness and clock.
	pub const PING: u8 = 0x07;
	/// Request: the recipient's live presence record (its chat-key binding), so a sender can
	/// seal to it.
	pub const LOOKUP: u8 = 0x08;
	/// Request (signed): withdraw the signer's presence record (the client goes offline).
	pub const WITHDRAW: u8 = 0x09;
	/// Request kinds later versions of v1 may assign (answered `UnknownKind` until then).
	pub const RESERVED_REQUESTS: core::ops::RangeInclusive<u8> = 0x0a..=0x3f;

	/// Answer to `nodes`.
	pub const NODE_LIST: u8 = 0x41;
	/// Answer to `send`: accepted.
	pub const SENT: u8 = 0x42;
	/// Answer to `presence`: stored on the home swarm.
	pub const PRESENCE_STORED: u8 = 0x43;
	/// Answer to `subscribe`: the stream is open.
	pub const SUBSCRIBED: u8 = 0x44;
	/// Push on a subscription: a new message.
	pub const PUSHED: u8 = 0x45;
	/// Answer to `fetch`.
	pub const FETCHED: u8 = 0x46;
	/// Answer to `ack`.
	pub const ACKED: u8 = 0x47;
	/// Answer to `ping`.
	pub const PONG: u8 = 0x48;
	/// Answer to `lookup`.
	pub const FOUND: u8 = 0x49;
	/// Answer to `withdraw`.
	pub const WITHDRAWN: u8 = 0x4a;
	/// Answer kinds later versions of v1 may assign.
	pub const RESERVED_RESPONSES: core::ops::RangeInclusive<u8> = 0x4b..=0x7e;
	/// Answer to anything: an error.
	pub const ERROR: u8 = 0x7f;
}

/// The libp2p protocol name of the client family.
pub const PROTOCOL_NAME: &str = "/ichat/relay/1";

/// A client request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
	/// `nodes` (`0x01`). Wire: `limit u16` (the node returns at most `min(limit, 256)`).
	Nodes {
		/// Most entries wanted.
		limit: u16,
	},
	/// `presence` (`0x02`), signed. Wire: auth block, then [`PresenceBody`].
	Presence(Signed<PresenceBody>),
	/// `send` (`0x03`). Wire: `routing id 32 | envelope (u32 len + bytes)`.
	Send {
		/// The recipient's routing id (must equal bytes `1..33` of the envelope).
		routing_id: RoutingId,
		/// The sealed envelope.
		envelope: Vec<u8>,
	},
	/// `subscribe` (`0x04`), signed. Wire: auth block only.
	Subscribe(Signed<SubscribeBody>),
	/// `fetch` (`0x05`), signed. Wire: auth block, then [`FetchBody`].
	Fetch(Signed<FetchBody>),
	/// `ack` (`0x06`), signed. Wire: auth block, then [`AckBody`].
	Ack(Signed<AckBody>),
	/// `ping` (`0x07`). Wire: `nonce u64`.
	Ping {
		/// Echoed in the pong.
		nonce: u64,
	},
	/// `lookup` (`0x08`). Wire: `routing id 32`.
	Lookup {
		/// Whose presence record.
		routing_id: RoutingId,
	},
	/// `withdraw` (`0x09`), signed. Wire: auth block, then [`WithdrawBody`].
	Withdraw(Signed<WithdrawBody>),
}

/// A node's answer or push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
	/// `node-list` (`0x41`). Wire: `count u16 (0..=256) | NodeInfo ...`.
	NodeList {
		/// Online nodes.
		nodes: Vec<NodeInfo>,
	},
	/// `sent` (`0x42`): accepted. Wire: `message id 32 | count u8 (1..=16) | peer id ...`.
	Sent {
		/// [`MessageId::of`] the envelope.
		message_id: MessageId,
		/// The nodes that stored it as unread (the recipient's listening nodes that answered).
		stored_on: Vec<PeerIdBytes>,
	},
	/// `presence-stored` (`0x43`). Wire: `count u8 (1..=16) | peer id ...`.
	PresenceStored {
		/// The home-swarm nodes that stored the record.
		stored_on: Vec<PeerIdBytes>,
	},
	/// `subscribed` (`0x44`). Wire: `unread u32`.
	Subscribed {
		/// Unread messages waiting (fetch them; new ones are pushed).
		unread: u32,
	},
	/// `pushed` (`0x45`), sent with the subscription's request id. Wire: [`Delivery`].
	Pushed(Delivery),
	/// `fetched` (`0x46`). Wire: `count u16 (0..=64) | Delivery ... | next cursor u64 | more u8`.
	Fetched {
		/// Oldest first.
		messages: Vec<Delivery>,
		/// Cursor of the next `fetch`.
		next_cursor: u64,
		/// More unread messages are waiting.
		more: bool,
	},
	/// `acked` (`0x47`). Wire: `deleted u16`.
	Acked {
		/// How many of the acknowledged messages this node held and deleted.
		deleted: u16,
	},
	/// `pong` (`0x48`). Wire: `nonce u64 | node time ms u64`.
	Pong {
		/// The ping's nonce.
		nonce: u64,
		/// The node's clock (unix ms), so a client can correct its timestamps.
		node_time_ms: u64,
	},
	/// `found` (`0x49`), answering `lookup`. Wire: `present u8 | [signed presence]`, as the mesh
	/// `presence-found`.
	Found(Option<Signed<PresenceBody>>),
	/// `withdrawn` (`0x4a`), answering `withdraw`. Wire: `count u8 (0..=16) | peer id ...`.
	Withdrawn {
		/// The home-swarm nodes that held the record and dropped it.
		removed_on: Vec<PeerIdBytes>,
	},
	/// `error` (`0x7f`). Wire: `code u16 | arg u64 | detail (u8 len + UTF-8)`.
	Error(ErrorReply),
}

/// Any message of the client family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
	/// Client to node.
	Request(Request),
	/// Node to client.
	Response(Response),
}

impl From<Request> for ClientMessage {
	fn from(r: Request) -> Self {
		ClientMessage::Request(r)
	}
}

impl From<Response> for ClientMessage {
	fn from(r: Response) -> Self {
		ClientMessage::Response(r)
	}
}

impl Request {
	/// The kind byte.
	pub fn kind(&self) -> u8 {
		match self {
			Request::Nodes { .. } => kind::NODES,
			Request::Presence(_) => kind::PRESENCE,
			Request::Send { .. } => kind::SEND,
			Request::Subscribe(_) => kind::SUBSCRIBE,
			Request::Fetch(_) => kind::FETCH,
			Request::Ack(_) => kind::ACK,
			Request::Ping { .. } => kind::PING,
			Request::Lookup { .. } => kind::LOOKUP,
			Request::Withdraw(_) => kind::WITHDRAW,
		}
	}

	fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		match self {
			Request::Nodes { limit } => codec::put_u16(out, *limit),
			Request::Presence(s) => s.write(out)?,
			Request::Send { routing_id, envelope } => {
				routing_id.write(out);
				write_envelope(out, envelope)?;
			},
			Request::Subscribe(s) => s.write(out)?,
			Request::Fetch(s) => s.write(out)?,
			Request::Ack(s) => s.write(out)?,
			Request::Ping { nonce } => codec::put_u64(out, *nonce),
			Request::Lookup { routing_id } => routing_id.write(out),
			Request::Withdraw(s) => s.write(out)?,
		}
		Ok(())
	}

	fn read(kind: u8, r: &mut Reader<'_>) -> Result<Request, DecodeError> {
		Ok(match kind {
			kind::NODES => Request::Nodes { limit: r.u16("limit")? },
			kind::PRESENCE => Request::Presence(read_signed(r)?),
			kind::SEND => Request::Send {
				routing_id: RoutingId::read(r, "routing id")?,
				envelope: read_envelope(r)?,
			},
			kind::SUBSCRIBE => Request::Subscribe(read_signed(r)?),
			kind::FETCH => Request::Fetch(read_signed(r)?),
			kind::ACK => Request::Ack(read_signed(r)?),
			kind::PING => Request::Ping { nonce: r.u64("nonce")? },
			kind::LOOKUP => Request::Lookup { routing_id: RoutingId::read(r, "routing id")? },
			kind::WITHDRAW => Request::Withdraw(read_signed(r)?),
			kind => return Err(DecodeError::UnknownKind { kind }),
		})
	}
}

impl Response {
	/// The kind byte.
	pub fn kind(&self) -> u8 {
		match self {
			Response::NodeList { .. } => kind::NODE_LIST,
			Response::Sent { .. } => kind::SENT,
			Response::PresenceStored { .. } => kind::PRESENCE_STORED,
			Response::Subscribed { .. } => kind::SUBSCRIBED,
			Response::Pushed(_) => kind::PUSHED,
			Response::Fetched { .. } => kind::FETCHED,
			Response::Acked { .. } => kind::ACKED,
			Response::Pong { .. } => kind::PONG,
			Response::Found(_) => kind::FOUND,
			Response::Withdrawn { .. } => kind::WITHDRAWN,
			Response::Error(_) => kind::ERROR,
		}
	}

	fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		match self {
			Response::NodeList { nodes } => {
				codec::put_count_u16(out, "node count", nodes.len(), 0, MAX_NODES_LISTED)?;
				nodes.iter().try_for_each(|n| n.write(out))?;
			},
			Response::Sent { message_id, stored_on } => {
				message_id.write(out);
				write_peers(out, "stored on", stored_on, 1, MAX_HOME_SWARM)?;
			},
			Response::PresenceStored { stored_on } => {
				write_peers(out, "stored on", stored_on, 1, MAX_HOME_SWARM)?;
			},
			Response::Subscribed { unread } => codec::put_u32(out, *unread),
			Response::Pushed(d) => d.write(out)?,
			Response::Fetched { messages, next_cursor, more } => {
				codec::put_count_u16(out, "message count", messages.len(), 0, MAX_FETCH_MESSAGES)?;
				messages.iter().try_for_each(|m| m.write(out))?;
				codec::put_u64(out, *next_cursor);
				codec::put_bool(out, *more);
			},
			Response::Acked { deleted } => codec::put_u16(out, *deleted),
			Response::Pong { nonce, node_time_ms } => {
				codec::put_u64(out, *nonce);
				codec::put_u64(out, *node_time_ms);
			},
			Response::Found(p) => {
				codec::put_bool(out, p.is_some());
				if let Some(p) = p {
					p.write(out)?;
				}
			},
			Response::Withdrawn { removed_on } => {
				write_peers(out, "removed on", removed_on, 0, MAX_HOME_SWARM)?;
			},
			Response::Error(e) => write_error(out, e)?,
		}
		Ok(())
	}

	fn read(kind: u8, r: &mut Reader<'_>) -> Result<Response, DecodeError> {
		Ok(match kind {
			kind::NODE_LIST => {
				let n = r.count_u16("node count", 0, MAX_NODES_LISTED)?;
				Response::NodeList {
					nodes: (0..n).map(|_| NodeInfo::read(r)).collect::<Result<_, _>>()?,
				}
			},
			kind::SENT => Response::Sent {
				message_id: MessageId::read(r, "message id")?,
				stored_on: read_peers(r, "stored on", 1, MAX_HOME_SWARM)?,
			},
			kind::PRESENCE_STORED => Response::PresenceStored {
				stored_on: read_peers(r, "stored on", 1, MAX_HOME_SWARM)?,
			},
			kind::SUBSCRIBED => Response::Subscribed { unread: r.u32("unread")? },
			kind::PUSHED => Response::Pushed(Delivery::read(r)?),
			kind::FETCHED => {
				let n = r.count_u16("message count", 0, MAX_FETCH_MESSAGES)?;
				let messages = (0..n).map(|_| Delivery::read(r)).collect::<Result<_, _>>()?;
				Response::Fetched {
					messages,
					next_cursor: r.u64("next cursor")?,
					more: r.bool("more")?,
				}
			},
			kind::ACKED => Response::Acked { deleted: r.u16("deleted")? },
			kind::PONG => {
				Response::Pong { nonce: r.u64("nonce")?, node_time_ms: r.u64("node time")? }
			},
			kind::FOUND => {
				let present = r.bool("present")?;
				Response::Found(if present { Some(read_signed(r)?) } else { None })
			},
			kind::WITHDRAWN => {
				Response::Withdrawn { removed_on: read_peers(r, "removed on", 0, MAX_HOME_SWARM)? }
			},
			kind::ERROR => Response::Error(read_error(r)?),
			kind => return Err(DecodeError::UnknownKind { kind }),
		})
	}
}

pub(crate) fn write_error(out: &mut Vec<u8>, e: &ErrorReply) -> Result<(), EncodeError> {
	if let ErrorCode::Other(v) = e.code {
		if ErrorCode::from_u16(v) != e.code {
			return Err(EncodeError::InvalidValue {
				field: "error code",
				reason: "Other holds a known code",
			});
		}
	}
	codec::put_u16(out, e.code.to_u16());
	codec::put_u64(out, e.arg);
	codec::put_bytes_u8(out, "error detail", e.detail.as_bytes(), 0, MAX_ERROR_DETAIL_LEN)
}

pub(crate) fn read_error(r: &mut Reader<'_>) -> Result<ErrorReply, DecodeError> {
	let code = ErrorCode::from_u16(r.u16("error code")?);
	let arg = r.u64("error arg")?;
	let detail = r.bytes_u8("error detail", 0, MAX_ERROR_DETAIL_LEN)?;
	let detail = core::str::from_utf8(detail)
		.map_err(|_| DecodeError::InvalidValue { field: "error detail", reason: "not UTF-8" })?;
	Ok(ErrorReply { code, arg, detail: detail.to_owned() })
}

fn is_known_kind(k: u8) -> bool {
	matches!(k, kind::NODES..=kind::WITHDRAW | kind::NODE_LIST..=kind::WITHDRAWN | kind::ERROR)
}

impl ClientMessage {
	/// The kind byte.
	pub fn kind(&self) -> u8 {
		match self {
			ClientMessage::Request(r) => r.kind(),
			ClientMessage::Response(r) => r.kind(),
		}
	}
}

impl Frame<ClientMessage> {
	/// Encode; fails if a field is outside the bounds the decoder enforces.
	pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
		encode_raw(self.message.kind(), self.request_id, &self.extensions, |out| {
			match &self.message {
				ClientMessage::Request(r) => r.write(out),
				ClientMessage::Response(r) => r.write(out),
			}
		})
	}

	/// Decode exactly one frame occupying all of `bytes`.
	pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
		let raw = decode_raw(bytes, is_known_kind)?;
		let mut body = raw.body;
		let message = if raw.kind < 0x40 {
			ClientMessage::Request(Request::read(raw.kind, &mut body)?)
		} else {
			ClientMessage::Response(Response::read(raw.kind, &mut body)?)
		};
		body.finish("body")?;
		Ok(Frame { request_id: raw.request_id, extensions: raw.extensions, message })
	}

	/// The answer a node sends to `bytes` that failed to decode with `err`: an `error` frame in
	/// v1 with the request id of bytes `2..10` when present (whatever the version), else `0`.
	pub fn error_answer(bytes: &[u8], err: &DecodeError) -> Self {
		let request_id = HeaderPrefix::peek(bytes).map_or(0, |h| h.request_id);
		Frame::new(request_id, Response::Error(err.to_reply()).into())
	}
}
