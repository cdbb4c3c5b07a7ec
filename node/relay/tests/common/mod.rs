//! In-process relay networks for tests: real relays (real libp2p TCP on 127.0.0.1, real
//! RocksDB in temp dirs) sharing one registry channel.
#![allow(dead_code, unreachable_pub)]

use std::{sync::Arc, time::Duration};

use ichat_crypto::{Account, Suri};
use ichat_relay::{
	registry::{self, NodeAddress},
	RegistrySnapshot, RelayConfig, RelayHandle,
};
use libp2p::{identity::Keypair, Multiaddr};
use substrate_prometheus_endpoint::Registry;
use tokio::sync::watch;

pub struct Node {
	pub keypair: Keypair,
	pub dir: tempfile::TempDir,
	pub addr: Multiaddr,
	pub handle: Option<RelayHandle>,
	pub metrics: Registry,
}

pub struct Net {
	pub nodes: Vec<Node>,
	pub registry: watch::Sender<Arc<RegistrySnapshot>>,
	pub tweak: fn(&mut RelayConfig),
}

pub fn fast(config: &mut RelayConfig) {
	config.ping_interval = Duration::from_millis(500);
	config.mesh_timeout = Duration::from_secs(2);
}

impl Net {
	/// `n` relays, all in the registry.
	pub async fn start(n: usize, tweak: fn(&mut RelayConfig)) -> Net {
		let (registry, _) = registry::channel(RegistrySnapshot::default());
		let mut net = Net { nodes: Vec::new(), registry, tweak };
		for _ in 0..n {
			let keypair = Keypair::generate_ed25519();
			let dir = tempfile::tempdir().expect("tempdir");
			let node =
				net.launch(keypair, dir, "/ip4/127.0.0.1/tcp/0".parse().expect("addr")).await;
			net.nodes.push(node);
		}
		net.publish(0, (0..n).collect());
		// Every node has measured every other one (what the `nodes` list reports).
		let ready =
			eventually(20, || (0..n).all(|i| net.metric(i, "ichat_relay_peers") as usize == n - 1))
				.await;
		assert!(ready, "relays did not see each other");
		net
	}

	async fn launch(&self, keypair: Keypair, dir: tempfile::TempDir, listen: Multiaddr) -> Node {
		let mut config = RelayConfig::new(keypair.clone(), vec![listen], dir.path().join("unread"));
		fast(&mut config);
		(self.tweak)(&mut config);
		let metrics = Registry::new();
		let handle = ichat_relay::start(config, self.registry.subscribe(), Some(&metrics))
			.await
			.expect("relay starts");
		let addr = handle.listen_addrs()[0].clone();
		Node { keypair, dir, addr, handle: Some(handle), metrics }
	}

	/// Publishes a registry of the nodes `members` for `session`.
	pub fn publish(&self, session: u32, members: Vec<usize>) {
		let nodes = members.iter().map(|i| self.address(*i)).collect();
		self.registry.send_replace(Arc::new(RegistrySnapshot { session, nodes }));
	}

	pub fn address(&self, i: usize) -> NodeAddress {
		let n = &self.nodes[i];
		NodeAddress { peer_id: n.keypair.public().to_peer_id(), addrs: vec![n.addr.clone()] }
	}

	pub fn addresses(&self) -> Vec<NodeAddress> {
		(0..self.nodes.len()).map(|i| self.address(i)).collect()
	}

	pub fn index_of(&self, peer: &libp2p::PeerId) -> usize {
		self.nodes
			.iter()
			.position(|n| n.keypair.public().to_peer_id() == *peer)
			.expect("a node of this net")
	}

	pub fn handle(&self, i: usize) -> &RelayHandle {
		self.nodes[i].handle.as_ref().expect("running")
	}

	pub async fn stop(&mut self, i: usize) {
		if let Some(h) = self.nodes[i].handle.take() {
			h.shutdown().await;
		}
	}

	/// Restarts node `i` with the same identity, port and store.
	pub async fn restart(&mut self, i: usize) {
		self.stop(i).await;
		let keypair = self.nodes[i].keypair.clone();
		let addr = self.nodes[i].addr.clone();
		let dir = std::mem::replace(&mut self.nodes[i].dir, tempfile::tempdir().expect("tempdir"));
		let node = self.launch(keypair, dir, addr).await;
		self.nodes[i] = node;
	}

	/// A counter or gauge of node `i`.
	pub fn metric(&self, i: usize, name: &str) -> f64 {
		self.nodes[i]
			.metrics
			.gather()
			.iter()
			.find(|f| f.get_name() == name)
			.map(|f| {
				let m = &f.get_metric()[0];
				// The unset one of the two reads as zero.
				m.get_counter().get_value() + m.get_gauge().get_value()
			})
			.unwrap_or(0.0)
	}

	pub async fn shutdown(mut self) {
		for i in 0..self.nodes.len() {
			self.stop(i).await;
		}
	}
}

pub fn account(suri: &str) -> Arc<Account> {
	Arc::new(Account::from_suri(&Suri::parse(suri).expect("suri")).expect("account"))
}

/// Waits up to `secs` for `cond`.
pub async fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
	let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
	while tokio::time::Instant::now() < deadline {
		if cond() {
			return true;
		}
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	cond()
}
