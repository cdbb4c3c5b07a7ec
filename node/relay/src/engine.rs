//! The engine: the state a running relay shares between its swarm task, its request handlers,
//! its streams and its background tasks, and the tasks it owns.
//!
//! Every task the relay spawns is spawned through [`Engine::spawn`], on one [`TaskTracker`],
//! so that shutdown can wait for all of them (with a deadline) instead of guessing; the
//! long-running ones also watch [`Engine::shutdown`].

use std::{
	collections::HashMap,
	future::Future,
	sync::{atomic::AtomicU64, Arc, Mutex, MutexGuard},
	time::Instant,
};

use ichat_relay_net::{AddressBook, NodeAddress};
use ichat_relay_proto::{Delivery, ErrorCode, ErrorReply, RoutingId};
use libp2p::PeerId;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
	auth::ReplayCache,
	config::RelayConfig,
	delivery::Tombstones,
	metrics::Metrics,
	presence::PresenceTable,
	registry::{RegistrySnapshot, RegistryWatch},
	store::Store,
	swarm::SwarmCommand,
	tasks::PeerStat,
};

/// The `tracing` target of every relay log line.
pub(crate) const LOG: &str = "relay";

/// One open subscription of a mailbox: where its pushes go.
pub(crate) struct Subscriber {
	pub(crate) id: u64,
	pub(crate) tx: mpsc::Sender<Delivery>,
}

/// The state shared by the swarm task, the handlers and the background tasks.
pub(crate) struct Engine {
	pub(crate) local: PeerId,
	pub(crate) local_addr: Mutex<NodeAddress>,
	pub(crate) config: RelayConfig,
	pub(crate) store: Store,
	pub(crate) registry: RegistryWatch,
	pub(crate) presence: Mutex<PresenceTable>,
	pub(crate) replay: Mutex<ReplayCache>,
	pub(crate) tombstones: Mutex<Tombstones>,
	pub(crate) subscribers: Mutex<HashMap<RoutingId, Vec<Subscriber>>>,
	pub(crate) peers: Mutex<HashMap<PeerId, PeerStat>>,
	pub(crate) started: Instant,
	pub(crate) metrics: Option<Metrics>,
	/// Commands to the swarm task (outbound mesh requests, answers, registry changes).
	pub(crate) commands: mpsc::Sender<SwarmCommand>,
	/// Request ids of outbound mesh requests.
	pub(crate) next_id: AtomicU64,
	/// Requests handled at once, node-wide; beyond them a request is answered `Busy`.
	pub(crate) permits: Arc<Semaphore>,
	/// Wakes the pinger when the registry changes, so new peers are measured at once.
	pub(crate) registry_changed: Notify,
	/// Every task the relay spawned.
	pub(crate) tasks: TaskTracker,
	/// Cancelled when the relay stops: the background loops end on it.
	pub(crate) shutdown: CancellationToken,
}

/// Locks `m`, taking the data of a poisoned lock (every critical section leaves it consistent).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

/// An error answer.
pub(crate) fn err(code: ErrorCode, arg: u64, detail: &str) -> ErrorReply {
	ErrorReply::new(code, arg, detail)
}

impl Engine {
	pub(crate) fn metrics(&self) -> Option<&Metrics> {
		self.metrics.as_ref()
	}

	/// Spawns `task` on the relay's tracker: shutdown waits for it.
	pub(crate) fn spawn<F>(&self, task: F)
	where
		F: Future<Output = ()> + Send + 'static,
	{
		self.tasks.spawn(task);
	}

	/// Points the address book at the registry's nodes and forgets the peers that left it.
	pub(crate) fn apply_registry(&self, book: &AddressBook, snapshot: &RegistrySnapshot) {
		book.replace_all(snapshot.nodes.iter().map(|n| (n.peer_id, n.addrs.clone())));
		lock(&self.peers).retain(|p, _| snapshot.contains(p));
		if !snapshot.nodes.is_empty() && !snapshot.contains(&self.local) {
			tracing::warn!(
				target: LOG,
				peer_id = %self.local,
				session = snapshot.session,
				"this relay's identity is not an active service node: other nodes will refuse its mesh \
				 requests (register it with `ichat operator register`)"
			);
		}
	}
}
