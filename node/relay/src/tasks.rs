//! The relay's background tasks, each a loop that ends when the relay stops:
//!
//! * [`ping_peers`]: every active peer is pinged over the mesh each `ping_interval` (and at
//!   once when the registry changes); the answers are the RTTs and uptimes `nodes` serves
//!   ([`Engine::online_nodes`]) and the order in which a home swarm is asked for presence.
//! * [`sweep`]: unread messages past their lifetime are deleted; the presence table, the replay
//!   cache and the tombstones forget expired entries.
//! * [`follow_registry`]: a new registry snapshot goes to the swarm task (address book, mesh
//!   admission) and wakes the pinger.

use std::{
	sync::Arc,
	time::{Duration, Instant},
};

use futures::future::join_all;
use ichat_relay_net::now_ms;
use ichat_relay_proto::{limits, MeshRequest, MeshResponse, NodeInfo, RTT_UNKNOWN};
use libp2p::PeerId;

use crate::{
	engine::{lock, Engine, LOG},
	registry::RegistryWatch,
	swarm::SwarmCommand,
};

/// What the pinger knows of a peer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PeerStat {
	/// Since when it has answered every ping (`None`: its last ping went unanswered).
	pub(crate) online_since: Option<Instant>,
	/// Its last measured round-trip time.
	pub(crate) rtt: Option<Duration>,
}

/// Pings every active peer each `ping_interval`, and at once when the registry changes.
pub(crate) async fn ping_peers(engine: Arc<Engine>) {
	let mut tick = tokio::time::interval(engine.config.ping_interval);
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tokio::select! {
			_ = engine.shutdown.cancelled() => return,
			_ = tick.tick() => {},
			_ = engine.registry_changed.notified() => {},
		}
		let snapshot = engine.registry.borrow().clone();
		let peers: Vec<PeerId> = snapshot
			.nodes
			.iter()
			.map(|n| n.peer_id)
			.filter(|p| *p != engine.local)
			.collect();
		let results = join_all(peers.iter().map(|peer| {
			let engine = engine.clone();
			async move {
				let nonce = rand::random();
				let start = Instant::now();
				match engine.mesh(*peer, MeshRequest::Ping { nonce }).await {
					Ok(MeshResponse::Pong { nonce: n }) if n == nonce => Some(start.elapsed()),
					_ => None,
				}
			}
		}))
		.await;
		let mut stats = lock(&engine.peers);
		for (peer, rtt) in peers.iter().zip(results) {
			let stat = stats.entry(*peer).or_default();
			match rtt {
				Some(rtt) => {
					stat.online_since.get_or_insert_with(Instant::now);
					stat.rtt = Some(rtt);
					if let Some(m) = engine.metrics() {
						m.mesh_rtt.observe(rtt.as_secs_f64());
					}
				},
				None => {
					if stat.online_since.take().is_some() {
						tracing::info!(target: LOG, %peer, "relay peer stopped answering pings");
					}
				},
			}
		}
		let online = stats.values().filter(|s| s.online_since.is_some()).count();
		drop(stats);
		if let Some(m) = engine.metrics() {
			m.relay_peers.set(online as u64);
		}
	}
}

/// Deletes expired unread messages and purges the in-memory tables every `sweep_interval`.
pub(crate) async fn sweep(engine: Arc<Engine>) {
	let mut tick = tokio::time::interval(engine.config.sweep_interval);
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tokio::select! {
			_ = engine.shutdown.cancelled() => return,
			_ = tick.tick() => {},
		}
		let now = now_ms();
		match engine.store.sweep(now).await {
			Ok(0) => {},
			Ok(n) => {
				tracing::info!(target: LOG, expired = n, "deleted unread messages past their lifetime");
				if let Some(m) = engine.metrics() {
					m.expired.inc_by(n);
				}
			},
			Err(e) => tracing::warn!(target: LOG, error = %e, "sweep failed; retrying next round"),
		}
		lock(&engine.presence).purge(now);
		lock(&engine.replay).purge(now);
		lock(&engine.tombstones).purge(now);
		if let Some(m) = engine.metrics() {
			m.set_totals(&engine.store.totals());
		}
	}
}

/// Hands every new registry snapshot to the swarm task and wakes the pinger.
pub(crate) async fn follow_registry(engine: Arc<Engine>, mut registry: RegistryWatch) {
	loop {
		tokio::select! {
			_ = engine.shutdown.cancelled() => return,
			changed = registry.changed() => {
				if changed.is_err() {
					return;
				}
			},
		}
		let snapshot = registry.borrow_and_update().clone();
		tracing::info!(
			target: LOG,
			session = snapshot.session,
			nodes = snapshot.nodes.len(),
			"registry changed: the mesh follows"
		);
		if engine.commands.send(SwarmCommand::RegistryChanged(snapshot)).await.is_err() {
			return;
		}
		engine.registry_changed.notify_one();
	}
}

impl Engine {
	/// Whether `peer` answered its last ping.
	pub(crate) fn is_online(&self, peer: &PeerId) -> bool {
		lock(&self.peers).get(peer).is_some_and(|s| s.online_since.is_some())
	}

	/// The `nodes` answer: this node first, then the active peers answering pings, with
	/// their uptime and RTT; at most `limit` (and [`limits::MAX_NODES_LISTED`]).
	pub(crate) fn online_nodes(&self, limit: u16) -> Vec<NodeInfo> {
		let limit = usize::from(limit).min(limits::MAX_NODES_LISTED);
		let snapshot = self.registry.borrow().clone();
		let peers = lock(&self.peers).clone();
		let me = lock(&self.local_addr).clone();
		let mut out = Vec::new();
		let own = snapshot.get(&self.local).cloned().unwrap_or(me);
		if let Ok(node) = own.to_wire() {
			out.push(NodeInfo { node, uptime_secs: self.started.elapsed().as_secs(), rtt_us: 0 });
		}
		for n in snapshot.nodes.iter().filter(|n| n.peer_id != self.local) {
			let Some(stat) = peers.get(&n.peer_id) else { continue };
			let Some(since) = stat.online_since else { continue };
			let Ok(node) = n.to_wire() else { continue };
			let rtt_us = stat
				.rtt
				.map_or(RTT_UNKNOWN, |r| r.as_micros().min(u128::from(RTT_UNKNOWN - 1)) as u32);
			out.push(NodeInfo { node, uptime_secs: since.elapsed().as_secs(), rtt_us });
		}
		out.truncate(limit);
		out
	}
}
