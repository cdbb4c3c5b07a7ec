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
//! * [`probe`]: what a service node's tester measures of the nodes it tests each hour (checks
//!   and probe messages indistinguishable from a user's), for the on-chain rewards.
//!
//! The wire format is `docs/protocol/relay.md`; the types come from [`ichat_relay_proto`].

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod chat;
mod client;
mod messenger;
mod pipe;
pub mod probe;

pub use ichat_relay_net::{self as net, now_ms, sign, NodeAddress};

pub use client::{
	sign_ack, ClientConfig, ClientError, FetchPage, Published, RelayClient, Sent, Subscription,
};
pub use messenger::{Incoming, Messenger, MessengerConfig, MessengerError, NodeHealth, SendReport};

#[cfg(test)]
mod tests {
	/// The end-to-end layer (`ichat-crypto`) and the relay wire (`ichat-relay-proto`) each define
	/// the routing id, so that neither crate depends on the other (the fuzz builds of the wire
	/// crate stay free of cryptography). This crate uses both: they must compute the same value.
	#[test]
	fn both_routing_ids_agree() {
		assert_eq!(ichat_crypto::envelope::ROUTING_ID_DOMAIN, ichat_relay_proto::ROUTING_ID_DOMAIN);
		for seed in [[0u8; 32], [0xff; 32], core::array::from_fn(|i| i as u8)] {
			let crypto =
				ichat_crypto::envelope::RoutingId::for_account(&ichat_crypto::AccountId(seed));
			let wire =
				ichat_relay_proto::RoutingId::for_account(&ichat_relay_proto::AccountId(seed));
			assert_eq!(crypto.0, wire.0);
		}
	}
}
