//! The iChat relay client library: everything a program needs to talk to relay nodes.
//!
//! * [`net`] (the crate `ichat-relay-net`, re-exported): the libp2p pieces shared by clients
//!   and nodes: the transport (TCP + Noise + Yamux), the frame codec for `request-response`,
//!   frame I/O on raw streams, an address book behaviour, request signing and the clock.
//! * [`RelayClient`]: one libp2p swarm, any number of connected relay nodes, and typed calls for
//!   every request of the client protocol (`nodes`, `presence`, `send`, `subscribe`, `fetch`,
//!   `ack`, `ping`), signing mailbox requests with an [`ichat_crypto::Account`].
//! * [`Messenger`]: the connection policy of a chat client: stay connected to at least 5
//!   nodes, publish presence on them, subscribe on all, send every message through 5 entry
//!   nodes, drop duplicates, replace failed nodes.
//!
//! The wire format is `docs/protocol/relay.md`; the types come from [`ichat_relay_proto`].

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod chat;
mod client;
mod messenger;
mod pipe;

pub use ichat_relay_net::{self as net, now_ms, sign, NodeAddress};

pub use client::{
	sign_ack, ClientConfig, ClientError, FetchPage, Published, RelayClient, Sent, Subscription,
};
pub use messenger::{Incoming, Messenger, MessengerConfig, MessengerError, NodeHealth, SendReport};
