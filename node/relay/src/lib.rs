//! The iChat relay: the off-chain network of bonded service nodes that carries end-to-end
//! encrypted messages (`docs/protocol/relay.md`, `docs/architecture.md`).
//!
//! # Bird's eye view
//!
//! Every `ichat-node` that is a service node runs one [`start`]ed relay beside Substrate's
//! networking, on its own libp2p swarm and port:
//!
//! ```text
//!              ┌──────────── swarm (owns the libp2p Swarm) ─────────────┐
//!  client ────▶│ request-response: client + mesh families   raw streams │◀──── mesh peers
//!              └──────┬───────────────────────────────────────────┬─────┘  (registry only)
//!                     │ one task per request                      │ pipes, subscriptions
//!                     ▼                                           ▼
//!              requests (decode, auth, dispatch) ◀────────────── streams
//!                │            │             │
//!            presence      delivery       tasks::online_nodes
//!          (home swarm)  (send, store,      ▲
//!                │        push, ack)        │ RTTs
//!                └─────┬──────┘           tasks (ping, sweep, registry)
//!                      ▼
//!              store (RocksDB unread mail), engine (shared state, owned tasks)
//! ```
//!
//! * [`config`]: [`RelayConfig`] and [`RelayError`].
//! * `handle`: [`start`] builds the swarm and the engine and spawns the tasks;
//!   [`RelayHandle`] stops them.
//! * `engine`: the state shared by every task, and the tracker that owns every spawned task
//!   (shutdown waits for them with a deadline).
//! * `swarm`: the composed behaviour, the task that owns the swarm, outbound mesh requests and
//!   their typed errors. Mesh requests are served only for peers active in the on-chain
//!   registry of the current hour ([`registry`]); the relay follows the registry as it changes.
//! * `requests`: every client request, whichever way it came, and every mesh request is
//!   decoded, checked and dispatched here.
//! * [`auth`]: signatures, the timestamp window and replays of signed requests.
//! * [`presence`]: a client's signed presence record is kept by its home swarm (the `k`
//!   registry nodes with the highest rendezvous score for its routing id).
//! * `delivery`: an entry node looks up the recipient's presence; without a live record the
//!   message is dropped and the sender told `RecipientOffline`; otherwise it is forwarded to
//!   the nodes the recipient listens on (the rules of [`ichat_relay_proto::routing`]), which
//!   store it once and push it at once; the recipient's ack deletes every copy.
//! * `streams`: pipes (many requests on one stream) and subscriptions (pushes).
//! * `tasks`: mesh pings, the sweeper, following the registry.
//! * [`store`]: the unread store, RocksDB on disk; an acknowledged message is deleted on
//!   every node holding it, an unread one after 6 hours.
//! * [`metrics`] beside Substrate's, and `tracing` logs that never contain message contents.
//!
//! What the relay shares with its clients on the wire (transport, framing, protocol ids,
//! signatures, clock) is in `ichat-relay-net`; the message types are in `ichat-relay-proto`.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod auth;
pub mod config;
mod delivery;
mod engine;
mod handle;
pub mod metrics;
pub mod presence;
pub mod registry;
mod requests;
pub mod store;
mod streams;
mod swarm;
mod tasks;

pub use config::{RelayConfig, RelayError};
pub use delivery::Tombstones;
pub use handle::{start, RelayHandle};
pub use registry::{RegistrySnapshot, RegistryWatch};
pub use store::{Store, StoreConfig};
pub use swarm::SHUTDOWN_DEADLINE;
