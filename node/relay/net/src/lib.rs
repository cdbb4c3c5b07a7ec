//! What iChat relay nodes and their clients share on the wire, below the message types of
//! [`ichat_relay_proto`] and above libp2p.
//!
//! # Bird's eye view
//!
//! ```text
//!   ichat-relay (the node)      ichat-relay-client (clients, the CLI)
//!            \                     /
//!             ichat-relay-net  (this crate: how frames move)
//!            /                     \
//!   ichat-relay-proto (wire types)   libp2p (TCP + Noise + Yamux)
//! ```
//!
//! * [`protocols`]: the four libp2p protocol ids of the relay.
//! * [`framing`]: reading and writing whole frames on a stream, and the `request-response`
//!   codec ([`FrameCodec`]) both families use.
//! * [`transport`]: the swarm builder every relay swarm uses ([`build_swarm`]).
//! * [`address`]: [`NodeAddress`] in its registry, text and wire forms, and the
//!   [`AddressBook`] a swarm dials peers from.
//! * [`sign`]: signing a mailbox request with an account and checking its signature.
//! * [`clock`]: the wall clock signed requests are stamped and checked with.
//!
//! The server depends on this crate, never on the client library; the pure wire types stay in
//! `ichat-relay-proto`, which has no networking, so its fuzz builds stay small.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod address;
pub mod clock;
pub mod framing;
pub mod protocols;
pub mod sign;
pub mod transport;

pub use address::{AddressBook, AddressBookBehaviour, AddressError, NodeAddress};
pub use clock::now_ms;
pub use framing::{frame_behaviour, read_frame, write_frame, write_queued, FrameCodec};
pub use protocols::{CLIENT_PROTOCOL, MESH_PROTOCOL, PIPE_PROTOCOL, SUBSCRIBE_PROTOCOL};
pub use transport::build_swarm;
