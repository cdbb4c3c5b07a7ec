//! The iChat relay: the off-chain network of bonded service nodes that carries end-to-end
//! encrypted messages (`docs/protocol/relay.md`, `docs/architecture.md`).
//!
//! Every `ichat-node` that is a service node runs one [`start`]ed relay beside Substrate's
//! networking, on its own libp2p swarm and port:
//!
//! * **mesh**: node-to-node requests are served only for peers active in the on-chain registry
//!   of the current hour ([`registry`]); the relay follows the registry as it changes.
//! * **presence**: a client's signed presence record is kept by its home swarm (the `k`
//!   registry nodes with the highest rendezvous score for its routing id).
//! * **delivery**: an entry node looks up the recipient's presence; without a live record the
//!   message is dropped and the sender told `RecipientOffline`; otherwise it is forwarded to
//!   the nodes the recipient listens on, which store it once and push it at once.
//! * **the unread store** ([`store`]): RocksDB on disk; an acknowledged message is deleted on
//!   every node holding it, an unread one after 6 hours.
//! * **metrics** ([`metrics`]) beside Substrate's, and `tracing` logs that never contain
//!   message contents.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod guard;
pub mod metrics;
pub mod registry;
mod service;
pub mod store;

pub use registry::{RegistrySnapshot, RegistryWatch};
pub use service::{start, RelayConfig, RelayError, RelayHandle};
pub use store::{Store, StoreConfig};
