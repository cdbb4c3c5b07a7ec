//! The relay's view of the on-chain registry: the service nodes active in the current hour.
//!
//! In `ichat-node` it is read in-process from the node's own chain state (the
//! `ServiceNodesApi::active_nodes` runtime API at every finalized block) and published on a
//! [`tokio::sync::watch`] channel; the relay follows it (mesh admission, home swarms, pings).
//! Tests publish snapshots themselves.

use std::sync::Arc;

pub use ichat_relay_net::NodeAddress;
use libp2p::PeerId;

/// The active service nodes of one session (hour).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrySnapshot {
	/// The session index.
	pub session: u32,
	/// The active nodes and the addresses they registered.
	pub nodes: Vec<NodeAddress>,
}

impl RegistrySnapshot {
	/// Whether `peer` is active.
	pub fn contains(&self, peer: &PeerId) -> bool {
		self.nodes.iter().any(|n| n.peer_id == *peer)
	}

	/// The registered addresses of `peer`.
	pub fn get(&self, peer: &PeerId) -> Option<&NodeAddress> {
		self.nodes.iter().find(|n| n.peer_id == *peer)
	}

	/// The binary peer ids, for home-swarm hashing.
	pub fn peer_bytes(&self) -> Vec<Vec<u8>> {
		self.nodes.iter().map(|n| n.peer_id.to_bytes()).collect()
	}
}

/// The receiving end the relay reads.
pub type RegistryWatch = tokio::sync::watch::Receiver<Arc<RegistrySnapshot>>;

/// A sender and receiver pair starting at `initial`.
pub fn channel(
	initial: RegistrySnapshot,
) -> (tokio::sync::watch::Sender<Arc<RegistrySnapshot>>, RegistryWatch) {
	tokio::sync::watch::channel(Arc::new(initial))
}
