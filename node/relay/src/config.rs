//! The relay's settings ([`RelayConfig`]) and why it may fail to start ([`RelayError`]).

use std::time::Duration;

use ichat_relay_proto::limits;
use libp2p::{identity::Keypair, Multiaddr};

use crate::store::{StoreConfig, StoreError};

/// Settings of a relay.
#[derive(Debug, Clone)]
pub struct RelayConfig {
	/// The relay's identity: the ed25519 key whose peer id is registered on chain.
	pub keypair: Keypair,
	/// Where to listen, e.g. `/ip4/0.0.0.0/tcp/40333`.
	pub listen: Vec<Multiaddr>,
	/// The unread store.
	pub store: StoreConfig,
	/// How long an unread message is kept (6 hours).
	pub unread_ttl: Duration,
	/// How often the sweeper runs.
	pub sweep_interval: Duration,
	/// Home-swarm size `k` (5..=16).
	pub home_swarm_size: usize,
	/// How often every active peer is pinged (RTT and liveness for `nodes`).
	pub ping_interval: Duration,
	/// Time limit of one mesh request.
	pub mesh_timeout: Duration,
	/// Most presence records held.
	pub max_presence_records: usize,
	/// Most simultaneous subscriptions per mailbox.
	pub max_subscriptions_per_mailbox: usize,
	/// Most requests handled at once; more are answered `Busy`.
	pub max_concurrent_requests: usize,
}

impl RelayConfig {
	/// Defaults for a relay with identity `keypair`, listening on `listen`, storing in
	/// `store_path`.
	pub fn new(keypair: Keypair, listen: Vec<Multiaddr>, store_path: std::path::PathBuf) -> Self {
		RelayConfig {
			keypair,
			listen,
			store: StoreConfig::new(store_path),
			unread_ttl: Duration::from_secs(6 * 3600),
			sweep_interval: Duration::from_secs(30),
			home_swarm_size: limits::MIN_HOME_SWARM,
			ping_interval: Duration::from_secs(10),
			mesh_timeout: Duration::from_secs(3),
			max_presence_records: 200_000,
			max_subscriptions_per_mailbox: 8,
			max_concurrent_requests: 2_048,
		}
	}
}

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
	/// The unread store failed to open.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// The transport could not be set up or a listen address was refused.
	#[error("relay network: {0}")]
	Network(String),
	/// Metrics could not be registered.
	#[error("relay metrics: {0}")]
	Metrics(String),
}
