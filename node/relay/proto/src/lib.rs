//! iChat relay wire protocol v1: the versioned messages clients and relay nodes exchange, and
//! their byte-exact codec. No networking, no cryptography beyond BLAKE2b hashing.
//!
//! # Bird's eye view
//!
//! ```text
//!  client ──/ichat/relay/1──▶ entry node ──/ichat/relay-mesh/1──▶ home swarm (k ≥ 5 nodes)
//!    ▲        (client family)      │           (mesh family)        presence records
//!    │                             └──forward──▶ listen nodes ──push──┐
//!    └────────────────────────────────────────────────────────────────┘
//! ```
//!
//! * [`frame`]: the 16-byte header shared by every message of every family ([`Frame`]), the
//!   TLV extension block, [`frame_len`] for stream readers.
//! * [`client`]: requests (`nodes`, `presence`, `send`, `subscribe`, `fetch`, `ack`, `ping`) and
//!   answers ([`Request`], [`Response`]).
//! * [`mesh`]: node-to-node messages (`forward`, `replicate-ack`, `store-presence`,
//!   `lookup-presence`, `ping`), a separate family with disjoint kinds.
//! * [`signed`]: the auth block of mailbox-touching requests, the bytes to sign
//!   ([`signing_payload`]) and the +-60 s freshness rule.
//! * [`home_swarm()`]: rendezvous hashing of a routing id over the registry.
//! * [`routing`]: the other routing rules (listen nodes, the entry-set hint, forward and
//!   ack-replication targets), pure functions the relay and the simulation share.
//! * [`sim`]: a routing-level simulation showing the work per message is `O(k)`.
//! * [`limits`]: every bound.
//!
//! Decoding is total: any byte string gives a value or a [`DecodeError`], never a panic; each
//! declared length is checked against its bound before anything is sliced or allocated; and the
//! encoding is canonical, so `encode(decode(b)) == b` for every accepted `b`. The byte layout is
//! specified in `docs/protocol/relay.md`, whose hex fixtures a test checks.
//!
//! # Example
//!
//! ```
//! use ichat_relay_proto::{ClientMessage, Frame, Request, Response};
//!
//! let bytes = Frame::<ClientMessage>::new(7, Request::Ping { nonce: 42 }.into()).encode()?;
//! let frame = Frame::<ClientMessage>::decode(&bytes)?;
//! assert_eq!(frame.message, ClientMessage::Request(Request::Ping { nonce: 42 }));
//!
//! // A node answers what it cannot decode with an error frame carrying the request id.
//! let mut future = bytes.clone();
//! future[0] = 2; // a protocol version this implementation does not speak
//! let err = Frame::<ClientMessage>::decode(&future).unwrap_err();
//! let answer = Frame::<ClientMessage>::error_answer(&future, &err);
//! assert_eq!(answer.request_id, 7);
//! assert!(matches!(answer.message, ClientMessage::Response(Response::Error(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod client;
mod codec;
mod error;
pub mod frame;
mod home_swarm;
pub mod limits;
pub mod mesh;
pub mod routing;
pub mod signed;
pub mod sim;
mod types;

pub use client::{ClientMessage, Request, Response};
pub use error::{DecodeError, EncodeError, ErrorCode, ErrorReply, MAX_ERROR_DETAIL_LEN};
pub use frame::{frame_len, EntrySet, Extension, Frame, HeaderPrefix, HEADER_LEN, MAX_FRAME_LEN};
pub use home_swarm::{home_swarm, score as home_swarm_score, HOME_SWARM_DOMAIN};
pub use mesh::{MeshMessage, MeshRequest, MeshResponse};
pub use signed::{
	check_freshness, signing_payload, AckBody, Auth, FetchBody, PresenceBody, Signed, SignedBody,
	SubscribeBody, WithdrawBody, SIGNING_CONTEXT, SIGNING_DOMAIN,
};
pub use types::{
	AccountId, Delivery, MessageId, MultiaddrBytes, NodeAddr, NodeInfo, PeerIdBytes, RoutingId,
	Signature, MESSAGE_ID_DOMAIN, ROUTING_ID_DOMAIN, RTT_UNKNOWN,
};

/// The protocol version this crate speaks: the first byte of every frame.
pub const VERSION: u8 = 1;
