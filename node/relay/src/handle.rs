//! Starting a relay ([`start`]) and the handle that stops it ([`RelayHandle`]).

use std::{
	collections::HashMap,
	sync::{atomic::AtomicU64, Arc, Mutex},
	time::{Duration, Instant},
};

use futures::StreamExt;
use ichat_relay_net::{self as net, AddressBook, AddressBookBehaviour, NodeAddress};
use libp2p::{request_response::ProtocolSupport, swarm::SwarmEvent, Multiaddr, PeerId};
use substrate_prometheus_endpoint::Registry;
use tokio::{
	sync::{mpsc, oneshot, Notify, Semaphore},
	task::JoinHandle,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
	auth::{ReplayCache, REPLAY_PAIRS, REPLAY_PER_ACCOUNT},
	config::{RelayConfig, RelayError},
	delivery::Tombstones,
	engine::{Engine, LOG},
	metrics::Metrics,
	presence::PresenceTable,
	registry::RegistryWatch,
	store::Store,
	streams, swarm, tasks,
};

/// How long the swarm may take to report its listen addresses at start.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections idle this long are closed.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(300);
/// Time limit of one client request over `request-response`.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Commands queued for the swarm task before senders wait.
const SWARM_COMMANDS: usize = 4_096;
/// Tombstones of acknowledged messages: kept 10 minutes, at most a million.
const TOMBSTONE_TTL_MS: u64 = 10 * 60 * 1000;
const MAX_TOMBSTONES: usize = 1_000_000;

/// A running relay. Stop it with [`RelayHandle::shutdown`].
pub struct RelayHandle {
	peer_id: PeerId,
	listen_addrs: Vec<Multiaddr>,
	store: Store,
	stop: Option<oneshot::Sender<()>>,
	task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RelayHandle {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("RelayHandle")
			.field("peer_id", &self.peer_id)
			.field("listen_addrs", &self.listen_addrs)
			.finish()
	}
}

impl RelayHandle {
	/// The relay's peer id.
	pub fn peer_id(&self) -> PeerId {
		self.peer_id
	}

	/// The addresses it listens on (actual ports, when port 0 was asked for).
	pub fn listen_addrs(&self) -> &[Multiaddr] {
		&self.listen_addrs
	}

	/// Its address for clients and the registry.
	pub fn node_address(&self) -> NodeAddress {
		NodeAddress { peer_id: self.peer_id, addrs: self.listen_addrs.clone() }
	}

	/// The unread store (tests and the benchmark inspect it).
	pub fn store(&self) -> &Store {
		&self.store
	}

	/// Stops the swarm, then waits (at most [`SHUTDOWN_DEADLINE`](crate::SHUTDOWN_DEADLINE))
	/// for every task the relay spawned: background loops, streams and request handlers, which
	/// hold the store.
	pub async fn shutdown(mut self) {
		if let Some(stop) = self.stop.take() {
			let _ = stop.send(());
		}
		if let Some(task) = self.task.take() {
			let _ = task.await;
		}
	}
}

impl Drop for RelayHandle {
	fn drop(&mut self) {
		if let Some(stop) = self.stop.take() {
			let _ = stop.send(());
		}
	}
}

/// Starts a relay on the current tokio runtime: opens the store, listens, and follows
/// `registry`. Metrics are registered in `prometheus` when given.
pub async fn start(
	config: RelayConfig,
	registry: RegistryWatch,
	prometheus: Option<&Registry>,
) -> Result<RelayHandle, RelayError> {
	let metrics = prometheus
		.map(Metrics::register)
		.transpose()
		.map_err(|e| RelayError::Metrics(e.to_string()))?;
	let store = Store::open(config.store.clone())?;
	let local = config.keypair.public().to_peer_id();
	let book = AddressBook::default();
	let stream = libp2p_stream::Behaviour::new();
	let mut control = stream.new_control();
	let behaviour = swarm::NodeBehaviour {
		book: AddressBookBehaviour::new(book.clone()),
		client: net::frame_behaviour(
			net::CLIENT_PROTOCOL,
			ProtocolSupport::Inbound,
			CLIENT_REQUEST_TIMEOUT,
			config.max_concurrent_requests,
		),
		mesh: net::frame_behaviour(
			net::MESH_PROTOCOL,
			ProtocolSupport::Full,
			config.mesh_timeout,
			config.max_concurrent_requests,
		),
		stream,
	};
	let mut swarm = net::build_swarm(config.keypair.clone(), behaviour, IDLE_CONNECTION_TIMEOUT)
		.map_err(|e| RelayError::Network(e.to_string()))?;
	for addr in &config.listen {
		swarm
			.listen_on(addr.clone())
			.map_err(|e| RelayError::Network(format!("cannot listen on {addr}: {e}")))?;
	}
	// Learn the actual listen addresses before answering (port 0 in tests).
	let mut listen_addrs = Vec::new();
	while listen_addrs.len() < config.listen.len() {
		match tokio::time::timeout(LISTEN_TIMEOUT, swarm.select_next_some()).await {
			Ok(SwarmEvent::NewListenAddr { address, .. }) => listen_addrs.push(address),
			Ok(SwarmEvent::ListenerError { error, .. })
			| Ok(SwarmEvent::ListenerClosed { reason: Err(error), .. }) => {
				return Err(RelayError::Network(format!("listener failed: {error}")))
			},
			Ok(_) => {},
			Err(_) => return Err(RelayError::Network("no listen address after 10 s".into())),
		}
	}
	let subscribe_streams = control
		.accept(net::SUBSCRIBE_PROTOCOL)
		.map_err(|e| RelayError::Network(format!("subscribe protocol: {e:?}")))?;
	let pipe_streams = control
		.accept(net::PIPE_PROTOCOL)
		.map_err(|e| RelayError::Network(format!("pipe protocol: {e:?}")))?;

	let (commands, command_rx) = mpsc::channel(SWARM_COMMANDS);
	let engine = Arc::new(Engine {
		local,
		local_addr: Mutex::new(NodeAddress { peer_id: local, addrs: listen_addrs.clone() }),
		store: store.clone(),
		registry: registry.clone(),
		presence: Mutex::new(PresenceTable::new(config.max_presence_records)),
		replay: Mutex::new(ReplayCache::new(REPLAY_PER_ACCOUNT, REPLAY_PAIRS)),
		tombstones: Mutex::new(Tombstones::new(TOMBSTONE_TTL_MS, MAX_TOMBSTONES)),
		subscribers: Mutex::new(HashMap::new()),
		peers: Mutex::new(HashMap::new()),
		started: Instant::now(),
		metrics,
		commands,
		next_id: AtomicU64::new(1),
		permits: Arc::new(Semaphore::new(config.max_concurrent_requests)),
		registry_changed: Notify::new(),
		tasks: TaskTracker::new(),
		shutdown: CancellationToken::new(),
		config,
	});
	engine.apply_registry(&book, &registry.borrow().clone());
	tracing::info!(
		target: LOG,
		peer_id = %local,
		addrs = ?listen_addrs,
		unread = engine.store.totals().messages,
		"relay listening"
	);

	engine.spawn(streams::accept_subscriptions(engine.clone(), subscribe_streams));
	engine.spawn(streams::accept_pipes(engine.clone(), pipe_streams));
	engine.spawn(tasks::ping_peers(engine.clone()));
	engine.spawn(tasks::sweep(engine.clone()));
	engine.spawn(tasks::follow_registry(engine.clone(), registry));
	let (stop, stop_rx) = oneshot::channel();
	let task = tokio::spawn(swarm::run(swarm, engine, book, command_rx, stop_rx));
	Ok(RelayHandle { peer_id: local, listen_addrs, store, stop: Some(stop), task: Some(task) })
}
