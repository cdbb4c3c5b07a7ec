//! The relay service: the swarm, the request handlers, and the background tasks (mesh pings,
//! the sweeper, registry changes).

use std::{
	collections::{HashMap, HashSet},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	task::Poll,
	time::{Duration, Instant},
};

use futures::{future::join_all, AsyncReadExt, AsyncWriteExt, StreamExt};
use ichat_relay_client::{
	net::{self, AddressBook, AddressBookBehaviour, FrameCodec},
	now_ms, NodeAddress,
};
use ichat_relay_proto::{
	frame::extension, home_swarm, limits, AckBody, ClientMessage, Delivery, EntrySet, ErrorCode,
	ErrorReply, Frame, MeshMessage, MeshRequest, MeshResponse, MessageId, NodeInfo, PeerIdBytes,
	PresenceBody, Request, Response, RoutingId, Signed, WithdrawBody, RTT_UNKNOWN,
};
use libp2p::{
	identity::Keypair,
	request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel},
	swarm::{NetworkBehaviour, SwarmEvent},
	Multiaddr, PeerId,
};
use substrate_prometheus_endpoint::Registry;
use tokio::{
	sync::{mpsc, oneshot, Semaphore},
	task::JoinHandle,
};

use crate::{
	guard::{self, PresenceTable, ReplayCache, Tombstones},
	metrics::Metrics,
	registry::{RegistrySnapshot, RegistryWatch},
	store::{InsertOutcome, Store, StoreConfig, StoreError},
};

const LOG: &str = "relay";

/// Signed requests one account may have accepted by one node within the replay window (120 s):
/// about 34 a second, far above what a person reading messages sends, and room for a busy
/// client's acks (a client acks what it has read in one request).
const REPLAY_PER_ACCOUNT: usize = 4_096;
/// Seen (account, nonce) pairs a node keeps in all (16 bytes each, about 32 MB at most).
const REPLAY_PAIRS: usize = 2_000_000;

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

#[derive(NetworkBehaviour)]
struct NodeBehaviour {
	book: AddressBookBehaviour,
	client: request_response::Behaviour<FrameCodec>,
	mesh: request_response::Behaviour<FrameCodec>,
	stream: libp2p_stream::Behaviour,
}

#[derive(Clone, Copy)]
enum Family {
	Client,
	Mesh,
}

enum SwarmCommand {
	Mesh { peer: PeerId, frame: Vec<u8>, reply: oneshot::Sender<Result<Vec<u8>, String>> },
	RespondClient { channel: ResponseChannel<Vec<u8>>, frame: Vec<u8> },
	RespondMesh { channel: ResponseChannel<Vec<u8>>, frame: Vec<u8> },
	RegistryChanged(Arc<RegistrySnapshot>),
}

#[derive(Debug, Clone, Copy, Default)]
struct PeerStat {
	online_since: Option<Instant>,
	rtt: Option<Duration>,
}

struct Subscriber {
	id: u64,
	tx: mpsc::Sender<Delivery>,
}

/// The state shared by the swarm task, the handlers and the background tasks.
struct Engine {
	local: PeerId,
	local_addr: Mutex<NodeAddress>,
	config: RelayConfig,
	store: Store,
	registry: RegistryWatch,
	presence: Mutex<PresenceTable>,
	replay: Mutex<ReplayCache>,
	tombstones: Mutex<Tombstones>,
	subscribers: Mutex<HashMap<RoutingId, Vec<Subscriber>>>,
	peers: Mutex<HashMap<PeerId, PeerStat>>,
	started: Instant,
	metrics: Option<Metrics>,
	commands: mpsc::Sender<SwarmCommand>,
	next_id: AtomicU64,
	permits: Arc<Semaphore>,
	/// Wakes the pinger when the registry changes, so new peers are measured at once.
	registry_changed: tokio::sync::Notify,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

fn err(code: ErrorCode, arg: u64, detail: &str) -> ErrorReply {
	ErrorReply::new(code, arg, detail)
}

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

	/// Stops the swarm and the background tasks and closes the store (waiting for queued writes
	/// to commit).
	pub async fn shutdown(mut self) {
		self.stop_and_wait().await;
	}

	async fn stop_and_wait(&mut self) {
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
	let behaviour = NodeBehaviour {
		book: AddressBookBehaviour::new(book.clone()),
		client: net::frame_behaviour(
			net::CLIENT_PROTOCOL,
			ProtocolSupport::Inbound,
			Duration::from_secs(30),
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
	let mut swarm = net::build_swarm(config.keypair.clone(), behaviour, Duration::from_secs(300))
		.map_err(|e| RelayError::Network(e.to_string()))?;
	for addr in &config.listen {
		swarm
			.listen_on(addr.clone())
			.map_err(|e| RelayError::Network(format!("cannot listen on {addr}: {e}")))?;
	}
	// Learn the actual listen addresses before answering (port 0 in tests).
	let mut listen_addrs = Vec::new();
	while listen_addrs.len() < config.listen.len() {
		match tokio::time::timeout(Duration::from_secs(10), swarm.select_next_some()).await {
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

	let (commands, command_rx) = mpsc::channel(4_096);
	let engine = Arc::new(Engine {
		local,
		local_addr: Mutex::new(NodeAddress { peer_id: local, addrs: listen_addrs.clone() }),
		store: store.clone(),
		registry: registry.clone(),
		presence: Mutex::new(PresenceTable::new(config.max_presence_records)),
		replay: Mutex::new(ReplayCache::new(REPLAY_PER_ACCOUNT, REPLAY_PAIRS)),
		tombstones: Mutex::new(Tombstones::new(10 * 60 * 1000, 1_000_000)),
		subscribers: Mutex::new(HashMap::new()),
		peers: Mutex::new(HashMap::new()),
		started: Instant::now(),
		metrics,
		commands: commands.clone(),
		next_id: AtomicU64::new(1),
		permits: Arc::new(Semaphore::new(config.max_concurrent_requests)),
		registry_changed: tokio::sync::Notify::new(),
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

	let (stop, stop_rx) = oneshot::channel();
	let background = vec![
		tokio::spawn(accept_subscriptions(engine.clone(), subscribe_streams)),
		tokio::spawn(accept_pipes(engine.clone(), pipe_streams)),
		tokio::spawn(ping_peers(engine.clone())),
		tokio::spawn(sweep(engine.clone())),
		tokio::spawn(follow_registry(engine.clone(), registry)),
	];
	let task = tokio::spawn(run_swarm(swarm, engine, book, command_rx, stop_rx, background));
	Ok(RelayHandle { peer_id: local, listen_addrs, store, stop: Some(stop), task: Some(task) })
}

async fn run_swarm(
	mut swarm: libp2p::Swarm<NodeBehaviour>,
	engine: Arc<Engine>,
	book: AddressBook,
	mut commands: mpsc::Receiver<SwarmCommand>,
	mut stop: oneshot::Receiver<()>,
	background: Vec<JoinHandle<()>>,
) {
	let mut pending: HashMap<OutboundRequestId, oneshot::Sender<Result<Vec<u8>, String>>> =
		HashMap::new();
	let mut mesh_peers: HashSet<PeerId> = HashSet::new();
	loop {
		tokio::select! {
			_ = &mut stop => break,
			command = commands.recv() => match command {
				None => break,
				Some(SwarmCommand::Mesh { peer, frame, reply }) => {
					mesh_peers.insert(peer);
					let id = swarm.behaviour_mut().mesh.send_request(&peer, frame);
					pending.insert(id, reply);
				},
				Some(SwarmCommand::RespondClient { channel, frame }) => {
					let _ = swarm.behaviour_mut().client.send_response(channel, frame);
				},
				Some(SwarmCommand::RespondMesh { channel, frame }) => {
					let _ = swarm.behaviour_mut().mesh.send_response(channel, frame);
				},
				Some(SwarmCommand::RegistryChanged(snapshot)) => {
					engine.apply_registry(&book, &snapshot);
					let gone: Vec<PeerId> =
						mesh_peers.iter().filter(|p| !snapshot.contains(p)).copied().collect();
					for peer in gone {
						mesh_peers.remove(&peer);
						if swarm.disconnect_peer_id(peer).is_ok() {
							tracing::info!(
								target: LOG,
								%peer,
								session = snapshot.session,
								"disconnected mesh peer: no longer active in the registry"
							);
						}
					}
				},
			},
			event = swarm.select_next_some() => match event {
				SwarmEvent::Behaviour(NodeBehaviourEvent::Client(request_response::Event::Message {
					peer: _,
					message: request_response::Message::Request { request, channel, .. },
				})) => engine.clone().spawn_client(request, channel),
				SwarmEvent::Behaviour(NodeBehaviourEvent::Mesh(event)) => match event {
					request_response::Event::Message {
						peer,
						message: request_response::Message::Request { request, channel, .. },
					} => {
						if engine.registry.borrow().contains(&peer) {
							mesh_peers.insert(peer);
							engine.clone().spawn_mesh(request, channel);
						} else {
							let session = engine.registry.borrow().session;
							tracing::warn!(
								target: LOG,
								%peer,
								session,
								"refused mesh request: peer is not an active service node in the registry"
							);
							if let Some(m) = &engine.metrics {
								m.refused_peers.inc();
							}
							let reply = err(ErrorCode::Unauthorized, 0, "not an active service node in the registry");
							let frame = mesh_frame(&request, Err(reply));
							let _ = swarm.behaviour_mut().mesh.send_response(channel, frame);
						}
					},
					request_response::Event::Message {
						message: request_response::Message::Response { request_id, response },
						..
					} => {
						if let Some(reply) = pending.remove(&request_id) {
							let _ = reply.send(Ok(response));
						}
					},
					request_response::Event::OutboundFailure { request_id, error, .. } => {
						if let Some(reply) = pending.remove(&request_id) {
							let _ = reply.send(Err(error.to_string()));
						}
					},
					_ => {},
				},
				_ => {},
			},
		}
	}
	// Closing the swarm ends every connection, hence every subscription stream.
	drop(swarm);
	for task in background {
		task.abort();
		let _ = task.await;
	}
	// Let in-flight handlers finish (they hold the engine, hence the store).
	for _ in 0..250 {
		if Arc::strong_count(&engine) == 1 {
			break;
		}
		tokio::time::sleep(Duration::from_millis(20)).await;
	}
	tracing::info!(target: LOG, peer_id = %engine.local, "relay stopped");
}

/// The framing of `envelope`, checked to be addressed to `routing`.
fn peek_envelope(
	routing: &RoutingId,
	envelope: &[u8],
) -> Result<ichat_crypto::envelope::EnvelopeInfo, ErrorReply> {
	let info = ichat_crypto::envelope::peek(envelope)
		.map_err(|e| err(ErrorCode::InvalidEnvelope, 0, &format!("envelope: {e}")))?;
	if info.header.routing_id.0 != routing.0 {
		return Err(err(
			ErrorCode::InvalidEnvelope,
			0,
			"envelope routing id differs from the request's",
		));
	}
	Ok(info)
}

/// The request id of a frame, or 0 if it is too short to have one.
fn request_id_of(bytes: &[u8]) -> u64 {
	ichat_relay_proto::HeaderPrefix::peek(bytes).map_or(0, |h| h.request_id)
}

fn client_frame(request: &[u8], answer: Result<Response, ErrorReply>) -> Vec<u8> {
	let response = answer.unwrap_or_else(Response::Error);
	let frame = Frame::<ClientMessage>::new(request_id_of(request), response.into());
	frame.encode().unwrap_or_else(|e| {
		tracing::error!(target: LOG, error = %e, "cannot encode an answer");
		let fallback = Response::Error(err(ErrorCode::Internal, 0, "answer too large"));
		Frame::<ClientMessage>::new(request_id_of(request), fallback.into())
			.encode()
			.unwrap_or_default()
	})
}

fn mesh_frame(request: &[u8], answer: Result<MeshResponse, ErrorReply>) -> Vec<u8> {
	let response = answer.unwrap_or_else(MeshResponse::Error);
	Frame::<MeshMessage>::new(request_id_of(request), response.into())
		.encode()
		.unwrap_or_else(|e| {
			tracing::error!(target: LOG, error = %e, "cannot encode a mesh answer");
			Vec::new()
		})
}

impl Engine {
	fn metrics(&self) -> Option<&Metrics> {
		self.metrics.as_ref()
	}

	fn apply_registry(&self, book: &AddressBook, snapshot: &RegistrySnapshot) {
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

	fn spawn_client(self: Arc<Self>, request: Vec<u8>, channel: ResponseChannel<Vec<u8>>) {
		self.spawn_handler(request, channel, Family::Client);
	}

	fn spawn_mesh(self: Arc<Self>, request: Vec<u8>, channel: ResponseChannel<Vec<u8>>) {
		self.spawn_handler(request, channel, Family::Mesh);
	}

	/// Handles one request on its own task, within the concurrency limit (`Busy` beyond it),
	/// and hands the answer back to the swarm task.
	fn spawn_handler(
		self: Arc<Self>,
		request: Vec<u8>,
		channel: ResponseChannel<Vec<u8>>,
		family: Family,
	) {
		let respond = move |channel, frame| match family {
			Family::Client => SwarmCommand::RespondClient { channel, frame },
			Family::Mesh => SwarmCommand::RespondMesh { channel, frame },
		};
		let Ok(permit) = self.permits.clone().try_acquire_owned() else {
			let busy = err(ErrorCode::Busy, 100, "node busy");
			let frame = match family {
				Family::Client => client_frame(&request, Err(busy)),
				Family::Mesh => mesh_frame(&request, Err(busy)),
			};
			let _ = self.commands.try_send(respond(channel, frame));
			return;
		};
		tokio::spawn(async move {
			let frame = match family {
				Family::Client => self.handle_client(&request).await,
				Family::Mesh => self.handle_mesh(&request).await,
			};
			drop(permit);
			let _ = self.commands.send(respond(channel, frame)).await;
		});
	}

	async fn handle_client(&self, bytes: &[u8]) -> Vec<u8> {
		let frame = match Frame::<ClientMessage>::decode(bytes) {
			Ok(frame) => frame,
			Err(e) => {
				tracing::debug!(target: LOG, error = %e, "malformed client frame");
				return Frame::<ClientMessage>::error_answer(bytes, &e)
					.encode()
					.unwrap_or_default();
			},
		};
		let entries = frame.extension(extension::ENTRY_SET).and_then(EntrySet::decode);
		let answer = match frame.message {
			ClientMessage::Request(request) => self.client_request(request, entries).await,
			ClientMessage::Response(r) => Err(err(
				ErrorCode::UnknownKind,
				u64::from(r.kind()),
				"an answer kind sent as a request",
			)),
		};
		client_frame(bytes, answer)
	}

	/// Serves one client request; `entries` is the `ENTRY_SET` hint of a `send` or an `ack`, if
	/// any.
	async fn client_request(
		&self,
		request: Request,
		entries: Option<EntrySet>,
	) -> Result<Response, ErrorReply> {
		let now = now_ms();
		match request {
			Request::Ping { nonce } => Ok(Response::Pong { nonce, node_time_ms: now }),
			Request::Nodes { limit } => Ok(Response::NodeList { nodes: self.online_nodes(limit) }),
			Request::Presence(signed) => {
				guard::check_signed(&signed, &self.replay, now)?;
				guard::check_presence(&signed, now)?;
				self.publish_presence(signed).await
			},
			Request::Send { routing_id, envelope } => {
				self.send(routing_id, envelope, entries).await
			},
			Request::Lookup { routing_id } => {
				Ok(Response::Found(self.find_presence(&routing_id).await))
			},
			Request::Withdraw(signed) => {
				guard::check_signed(&signed, &self.replay, now)?;
				Ok(self.withdraw_presence(signed).await)
			},
			Request::Subscribe(_) => Err(err(
				ErrorCode::Malformed,
				0,
				"subscribe is served on /ichat/relay-subscribe/1, not on /ichat/relay/1",
			)),
			Request::Fetch(signed) => {
				guard::check_signed(&signed, &self.replay, now)?;
				let routing = signed.auth.routing_id();
				let (messages, next_cursor, more) = self
					.store
					.fetch(&routing, signed.body.cursor, usize::from(signed.body.limit), now)
					.map_err(store_error)?;
				if let Some(m) = self.metrics() {
					m.delivered.inc_by(messages.len() as u64);
				}
				Ok(Response::Fetched { messages, next_cursor, more })
			},
			Request::Ack(signed) => {
				guard::check_signed(&signed, &self.replay, now)?;
				let deleted = self.ack_local(&signed).await?;
				// With a hint naming this node, the client acks on each node it names itself and
				// replication is left to it (docs/protocol/relay.md, section 3).
				if self.hinted_peers(entries).is_empty() {
					self.replicate_ack(signed).await;
				}
				Ok(Response::Acked { deleted })
			},
		}
	}

	async fn handle_mesh(&self, bytes: &[u8]) -> Vec<u8> {
		let frame = match Frame::<MeshMessage>::decode(bytes) {
			Ok(frame) => frame,
			Err(e) => {
				tracing::debug!(target: LOG, error = %e, "malformed mesh frame");
				return Frame::<MeshMessage>::error_answer(bytes, &e).encode().unwrap_or_default();
			},
		};
		let answer = match frame.message {
			MeshMessage::Request(request) => self.mesh_request(request).await,
			MeshMessage::Response(r) => Err(err(
				ErrorCode::UnknownKind,
				u64::from(MeshMessage::Response(r).kind()),
				"an answer kind sent as a request",
			)),
		};
		mesh_frame(bytes, answer)
	}

	async fn mesh_request(&self, request: MeshRequest) -> Result<MeshResponse, ErrorReply> {
		let now = now_ms();
		match request {
			MeshRequest::Ping { nonce } => Ok(MeshResponse::Pong { nonce }),
			MeshRequest::Forward { routing_id, accepted_at_ms, envelope } => {
				let message_id = MessageId::of(&envelope);
				self.store_unread(routing_id, message_id, accepted_at_ms, envelope).await
			},
			MeshRequest::ReplicateAck(signed) => {
				// Not held to the timestamp window (docs/protocol/relay.md, section 6).
				guard::check_signature(&signed)?;
				Ok(MeshResponse::AckReplicated { deleted: self.ack_local(&signed).await? })
			},
			MeshRequest::StorePresence(signed) => {
				guard::check_signed(&signed, &self.replay, now)?;
				guard::check_presence(&signed, now)?;
				lock(&self.presence).insert(signed, now)?;
				Ok(MeshResponse::PresenceKept)
			},
			MeshRequest::LookupPresence { routing_id } => {
				Ok(MeshResponse::PresenceFound(lock(&self.presence).get(&routing_id, now)))
			},
			MeshRequest::WithdrawPresence(signed) => {
				guard::check_signed(&signed, &self.replay, now)?;
				let removed = lock(&self.presence)
					.withdraw(&signed.auth.routing_id(), signed.body.published_at_ms);
				Ok(MeshResponse::PresenceWithdrawn { removed })
			},
		}
	}

	/// One mesh request to `peer` and its answer (an `error` answer is `Ok(Error)`).
	async fn mesh(&self, peer: PeerId, request: MeshRequest) -> Result<MeshResponse, String> {
		let request_id = self.next_id.fetch_add(1, Ordering::Relaxed);
		let frame = Frame::<MeshMessage>::new(request_id, request.into())
			.encode()
			.map_err(|e| e.to_string())?;
		let (reply, rx) = oneshot::channel();
		self.commands
			.send(SwarmCommand::Mesh { peer, frame, reply })
			.await
			.map_err(|_| "relay stopping".to_string())?;
		let bytes = tokio::time::timeout(self.config.mesh_timeout + Duration::from_millis(500), rx)
			.await
			.map_err(|_| "timeout".to_string())?
			.map_err(|_| "relay stopping".to_string())??;
		let frame = Frame::<MeshMessage>::decode(&bytes).map_err(|e| e.to_string())?;
		match frame.message {
			MeshMessage::Response(r) if frame.request_id == request_id => Ok(r),
			MeshMessage::Response(MeshResponse::Error(e)) => Ok(MeshResponse::Error(e)),
			_ => Err("unexpected mesh answer".into()),
		}
	}

	fn home_swarm(&self, routing: &RoutingId) -> Vec<PeerId> {
		let snapshot = self.registry.borrow().clone();
		let peers = snapshot.peer_bytes();
		let home: Vec<PeerId> = home_swarm(routing, &peers, self.config.home_swarm_size)
			.into_iter()
			.filter_map(|p| PeerId::from_bytes(p).ok())
			.collect();
		if home.is_empty() {
			// No registry yet (a node syncing, or a test without one): this node alone.
			vec![self.local]
		} else {
			home
		}
	}

	fn is_online(&self, peer: &PeerId) -> bool {
		lock(&self.peers).get(peer).is_some_and(|s| s.online_since.is_some())
	}

	fn online_nodes(&self, limit: u16) -> Vec<NodeInfo> {
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

	async fn publish_presence(&self, signed: Signed<PresenceBody>) -> Result<Response, ErrorReply> {
		let now = now_ms();
		let stored_on = self
			.on_home_swarm(
				&signed.auth.routing_id(),
				|table| table.insert(signed.clone(), now).is_ok(),
				MeshRequest::StorePresence(signed.clone()),
				|answer| matches!(answer, MeshResponse::PresenceKept),
			)
			.await;
		if stored_on.is_empty() {
			return Err(err(
				ErrorCode::Internal,
				0,
				"no home-swarm node stored the presence record",
			));
		}
		Ok(Response::PresenceStored { stored_on })
	}

	/// Drops the signer's presence record named by `signed` on its home swarm (this node
	/// included when a member), so that messages sent to it from now on are refused as
	/// `RecipientOffline`; answers with the nodes that held it.
	async fn withdraw_presence(&self, signed: Signed<WithdrawBody>) -> Response {
		let routing = signed.auth.routing_id();
		let published_at_ms = signed.body.published_at_ms;
		let removed_on = self
			.on_home_swarm(
				&routing,
				|table| table.withdraw(&routing, published_at_ms),
				MeshRequest::WithdrawPresence(signed),
				|answer| matches!(answer, MeshResponse::PresenceWithdrawn { removed: true }),
			)
			.await;
		Response::Withdrawn { removed_on }
	}

	/// Applies a presence operation on `routing`'s home swarm: `local` to this node's table when
	/// it is a member, `request` over the mesh to the others. Returns the nodes where it took
	/// effect (`local` returned true, or the answer passed `took`).
	async fn on_home_swarm(
		&self,
		routing: &RoutingId,
		local: impl Fn(&mut PresenceTable) -> bool,
		request: MeshRequest,
		took: impl Fn(&MeshResponse) -> bool,
	) -> Vec<PeerIdBytes> {
		let home = self.home_swarm(routing);
		let results = join_all(home.iter().map(|peer| {
			let (local, request, took) = (&local, request.clone(), &took);
			async move {
				if *peer == self.local {
					local(&mut lock(&self.presence))
				} else {
					self.mesh(*peer, request).await.is_ok_and(|answer| took(&answer))
				}
			}
		}))
		.await;
		home.iter()
			.zip(results)
			.filter(|(_, ok)| *ok)
			.filter_map(|(p, _)| PeerIdBytes::new(p.to_bytes()).ok())
			.collect()
	}

	/// The recipient's live presence record, from its home swarm (this node first if it is a
	/// member, then the others best-ranked first, peers answering pings before silent ones).
	async fn find_presence(&self, routing: &RoutingId) -> Option<Signed<PresenceBody>> {
		let now = now_ms();
		let mut home = self.home_swarm(routing);
		if home.contains(&self.local) {
			if let Some(r) = lock(&self.presence).get(routing, now) {
				return Some(r);
			}
			home.retain(|p| *p != self.local);
		}
		home.sort_by_key(|p| !self.is_online(p));
		for peer in home {
			match self.mesh(peer, MeshRequest::LookupPresence { routing_id: *routing }).await {
				Ok(MeshResponse::PresenceFound(Some(record)))
					if record.auth.routing_id() == *routing
						&& guard::check_signature(&record).is_ok()
						&& guard::check_presence(&record, now).is_ok() =>
				{
					return Some(record)
				},
				Ok(MeshResponse::PresenceFound(_)) => {},
				Ok(other) => tracing::debug!(
					target: LOG,
					%peer,
					kind = MeshMessage::Response(other).kind(),
					"presence lookup refused"
				),
				Err(e) => tracing::debug!(target: LOG, %peer, error = %e, "presence lookup failed"),
			}
		}
		None
	}

	async fn send(
		&self,
		routing: RoutingId,
		envelope: Vec<u8>,
		entries: Option<EntrySet>,
	) -> Result<Response, ErrorReply> {
		let info = peek_envelope(&routing, &envelope)?;
		let now = now_ms();
		if info.header.expiry.saturating_mul(1000) <= now {
			return Err(err(ErrorCode::InvalidEnvelope, 0, "envelope already expired"));
		}
		let message_id = MessageId::of(&envelope);
		let Some(record) = self.find_presence(&routing).await else {
			if let Some(m) = self.metrics() {
				m.dropped_offline.inc();
			}
			tracing::debug!(target: LOG, message = %hex_prefix(&message_id.0), "recipient offline: dropped");
			return Err(err(
				ErrorCode::RecipientOffline,
				0,
				"recipient offline: the message was dropped",
			));
		};
		let (targets, spared) = self.forward_targets(&record, entries);
		let (mut stored_on, mut full) =
			self.put(routing, message_id, now, &envelope, &targets).await;
		if stored_on.is_empty() && !spared.is_empty() {
			// The hint spared listen nodes that the sender reaches itself, but nothing was
			// stored: put the message there too rather than lose it.
			(stored_on, full) = self.put(routing, message_id, now, &envelope, &spared).await;
		}
		match (stored_on.is_empty(), full) {
			(false, _) => Ok(Response::Sent { message_id, stored_on }),
			(true, Some(full)) => Err(full),
			(true, None) => Err(err(
				ErrorCode::Internal,
				0,
				"none of the recipient's nodes stored the message; retry",
			)),
		}
	}

	/// Stores `envelope` on `targets` (locally for this node, by `forward` for the others) and
	/// returns the nodes that stored it, and a `MailboxFull` refusal if one came back.
	async fn put(
		&self,
		routing: RoutingId,
		message_id: MessageId,
		accepted_at_ms: u64,
		envelope: &[u8],
		targets: &[PeerId],
	) -> (Vec<PeerIdBytes>, Option<ErrorReply>) {
		let results = join_all(targets.iter().map(|peer| async move {
			if *peer == self.local {
				self.store_unread(routing, message_id, accepted_at_ms, envelope.to_vec()).await
			} else {
				let forward = MeshRequest::Forward {
					routing_id: routing,
					accepted_at_ms,
					envelope: envelope.to_vec(),
				};
				match self.mesh(*peer, forward).await {
					Ok(MeshResponse::Error(e)) => Err(e),
					Ok(r) => Ok(r),
					Err(e) => Err(err(ErrorCode::Internal, 0, &e)),
				}
			}
		}))
		.await;
		let mut stored_on = Vec::new();
		let mut full = None;
		for (peer, result) in targets.iter().zip(results) {
			match result {
				Ok(MeshResponse::Stored { .. }) => {
					stored_on.extend(PeerIdBytes::new(peer.to_bytes()).ok())
				},
				Err(e) if e.code == ErrorCode::MailboxFull => full = Some(e),
				Ok(_) | Err(_) => {},
			}
		}
		(stored_on, full)
	}

	/// Where an entry node puts a message: every listen node of the recipient's presence record
	/// that is active in the registry (this node included, storing locally), except the other
	/// entry nodes of an `ENTRY_SET` hint, which get the envelope from the sender directly
	/// (returned second: tried only if storing on the first set fails everywhere). A hint that
	/// does not name this node is ignored; when it would leave nothing to do (this node is not a
	/// listen node and every listen node is an entry), the hint is ignored too, so an entry node
	/// always puts the message somewhere.
	fn forward_targets(
		&self,
		record: &Signed<PresenceBody>,
		entries: Option<EntrySet>,
	) -> (Vec<PeerId>, Vec<PeerId>) {
		let listen: Vec<PeerId> = self.active_listen_nodes(record).into_iter().collect();
		let others = self.hinted_peers(entries);
		let (targets, spared): (Vec<PeerId>, Vec<PeerId>) =
			listen.into_iter().partition(|p| *p == self.local || !others.contains(p));
		if targets.is_empty() {
			(spared, Vec::new())
		} else {
			(targets, spared)
		}
	}

	/// The listen nodes of a presence record that may hold the recipient's mail: this node if
	/// listed, and the listed nodes active in the registry.
	fn active_listen_nodes(&self, record: &Signed<PresenceBody>) -> HashSet<PeerId> {
		let snapshot = self.registry.borrow().clone();
		record
			.body
			.listen
			.iter()
			.filter_map(|n| PeerId::from_bytes(n.peer_id.as_bytes()).ok())
			.filter(|p| *p == self.local || snapshot.contains(p))
			.collect()
	}

	/// The nodes of an `ENTRY_SET` hint, which the client sent the same request to itself; empty
	/// without a hint or when the hint does not name this node (then it is not about this copy).
	fn hinted_peers(&self, entries: Option<EntrySet>) -> HashSet<PeerId> {
		entries
			.map(|set| set.0.iter().filter_map(|p| PeerId::from_bytes(p.as_bytes()).ok()).collect())
			.filter(|set: &HashSet<PeerId>| set.contains(&self.local))
			.unwrap_or_default()
	}

	/// Stores a message (`message_id` is its [`MessageId::of`]) as unread here and pushes it to
	/// the recipient's subscriptions.
	async fn store_unread(
		&self,
		routing: RoutingId,
		message_id: MessageId,
		accepted_at_ms: u64,
		envelope: Vec<u8>,
	) -> Result<MeshResponse, ErrorReply> {
		let info = peek_envelope(&routing, &envelope)?;
		let now = now_ms();
		let ttl = self.config.unread_ttl.as_millis() as u64;
		// The lifetime counts from acceptance by the entry node, whose clock may differ a little.
		let accepted_at_ms = accepted_at_ms.clamp(now.saturating_sub(ttl), now);
		let deadline = (accepted_at_ms + ttl).min(info.header.expiry.saturating_mul(1000));
		if deadline <= now {
			return Err(err(ErrorCode::InvalidEnvelope, 0, "message already expired"));
		}
		if lock(&self.tombstones).contains(&routing, &message_id) {
			// Read and acknowledged already: a late copy is not stored again.
			return Ok(MeshResponse::Stored { message_id, duplicate: true });
		}
		let delivery = Delivery { accepted_at_ms, envelope };
		match self
			.store
			.insert(message_id, routing, accepted_at_ms, deadline, delivery.envelope.clone())
			.await
			.map_err(store_error)?
		{
			InsertOutcome::Stored => {
				if let Some(m) = self.metrics() {
					m.accepted.inc();
				}
				self.push(&routing, delivery);
				Ok(MeshResponse::Stored { message_id, duplicate: false })
			},
			InsertOutcome::Duplicate => Ok(MeshResponse::Stored { message_id, duplicate: true }),
			InsertOutcome::MailboxFull(bound) => {
				if let Some(m) = self.metrics() {
					m.mailbox_full.inc();
				}
				Err(err(ErrorCode::MailboxFull, bound, "the recipient's mailbox is full"))
			},
		}
	}

	fn push(&self, routing: &RoutingId, delivery: Delivery) {
		let mut subs = lock(&self.subscribers);
		let Some(list) = subs.get_mut(routing) else { return };
		let before = list.len();
		// A subscriber that cannot keep up is dropped: it reconnects and fetches.
		list.retain(|s| s.tx.try_send(delivery.clone()).is_ok());
		let delivered = !list.is_empty();
		let dropped = before - list.len();
		if list.is_empty() {
			subs.remove(routing);
		}
		drop(subs);
		if let Some(m) = self.metrics() {
			if delivered {
				m.delivered.inc();
			}
			m.subscriptions.sub(dropped as u64);
		}
	}

	async fn ack_local(&self, signed: &Signed<AckBody>) -> Result<u16, ErrorReply> {
		{
			let now = now_ms();
			let routing = signed.auth.routing_id();
			let mut tombstones = lock(&self.tombstones);
			for id in &signed.body.ids {
				tombstones.insert(routing, *id, now);
			}
		}
		let deleted = self
			.store
			.ack(signed.auth.routing_id(), signed.body.ids.clone())
			.await
			.map_err(store_error)?;
		if let Some(m) = self.metrics() {
			m.acked.inc_by(u64::from(deleted));
		}
		Ok(deleted)
	}

	/// Sends the recipient's signed ack to the other nodes it listens on.
	async fn replicate_ack(&self, signed: Signed<AckBody>) {
		let Some(record) = self.find_presence(&signed.auth.routing_id()).await else { return };
		let mut peers = self.active_listen_nodes(&record);
		peers.remove(&self.local);
		join_all(peers.into_iter().map(|peer| {
			let signed = signed.clone();
			async move {
				if let Err(e) = self.mesh(peer, MeshRequest::ReplicateAck(signed)).await {
					tracing::debug!(target: LOG, %peer, error = %e, "ack replication failed");
				}
			}
		}))
		.await;
	}
}

fn store_error(e: StoreError) -> ErrorReply {
	match e {
		StoreError::Busy => err(ErrorCode::Busy, 100, "unread store busy"),
		other => {
			tracing::error!(target: LOG, error = %other, "unread store failure");
			err(ErrorCode::Internal, 0, "unread store failure")
		},
	}
}

/// The first bytes of an id, for logs (never message contents).
fn hex_prefix(bytes: &[u8]) -> String {
	bytes.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

async fn accept_subscriptions(engine: Arc<Engine>, mut streams: libp2p_stream::IncomingStreams) {
	while let Some((peer, stream)) = streams.next().await {
		let engine = engine.clone();
		tokio::spawn(async move {
			if let Err(e) = engine.serve_subscription(stream).await {
				tracing::debug!(target: LOG, %peer, error = %e, "subscription ended");
			}
		});
	}
}

static NEXT_SUBSCRIBER: AtomicU64 = AtomicU64::new(1);

/// Most requests of one pipe handled at once; its reader waits beyond that (backpressure on
/// the client instead of `Busy`).
const PIPE_IN_FLIGHT: usize = 64;

async fn accept_pipes(engine: Arc<Engine>, mut streams: libp2p_stream::IncomingStreams) {
	while let Some((peer, stream)) = streams.next().await {
		tokio::spawn(engine.clone().serve_pipe(peer, stream));
	}
}

impl Engine {
	/// Serves a pipe: reads request frames one after another, handles each at once or, when it
	/// has to wait, on its own task (within the pipe's and the node's concurrency limits), and
	/// writes each answer as it is ready, so answers may overtake each other; the client matches
	/// them by request id. A refused header (unknown version, a length over its limit) is
	/// answered and ends the pipe, as the stream cannot be resynchronised; any other malformed
	/// frame is answered and the pipe goes on.
	async fn serve_pipe(self: Arc<Self>, peer: PeerId, stream: libp2p::Stream) {
		let (mut reader, mut writer) = stream.split();
		let (tx, mut rx) = mpsc::channel::<Vec<u8>>(PIPE_IN_FLIGHT);
		// Reader and writer run in this one task. Yamux wakes one task per stream when its
		// outgoing queue frees up, and the read side queues window updates on that same queue:
		// with the writer on a task of its own, a burst of requests left the writer waiting for
		// a wake-up that went to the reader, for ever.
		let read = async move {
			let in_flight = Arc::new(Semaphore::new(PIPE_IN_FLIGHT));
			loop {
				let bytes = match net::read_frame(&mut reader).await {
					Ok(Some(bytes)) => bytes,
					Ok(None) => break,
					Err(e) => {
						tracing::debug!(target: LOG, %peer, error = %e, "pipe read failed");
						break;
					},
				};
				let whole = ichat_relay_proto::frame_len(&bytes) == Ok(Some(bytes.len()));
				let Ok(slot) = in_flight.clone().acquire_owned().await else { break };
				match self.permits.clone().try_acquire_owned() {
					Ok(permit) => {
						let engine = self.clone();
						let mut answer =
							Box::pin(async move { engine.handle_client(&bytes).await });
						// Most requests finish at once (a `send` whose store commit this caller
						// makes, a `ping`, a lookup answered from this node's own table): answer
						// them here; only one that has to wait (for a commit made by another
						// caller, a mesh round trip) gets a task of its own.
						match futures::poll!(answer.as_mut()) {
							Poll::Ready(answer) => {
								drop((permit, slot));
								let _ = tx.send(answer).await;
							},
							Poll::Pending => {
								let tx = tx.clone();
								tokio::spawn(async move {
									let answer = answer.await;
									drop((permit, slot));
									let _ = tx.send(answer).await;
								});
							},
						}
					},
					Err(_) => {
						let busy = err(ErrorCode::Busy, 100, "node busy");
						let _ = tx.send(client_frame(&bytes, Err(busy))).await;
					},
				}
				if !whole {
					tracing::debug!(target: LOG, %peer, "refused frame header: pipe closed");
					break;
				}
			}
			// Answers still being worked on hold clones of the queue's sender; the writer ends
			// after the last one.
		};
		let write = async move {
			match net::write_queued(&mut writer, &mut rx).await {
				Ok(()) => {
					let _ = writer.close().await;
				},
				Err(e) => tracing::debug!(target: LOG, %peer, error = %e, "pipe write failed"),
			}
		};
		futures::future::join(read, write).await;
	}
}

impl Engine {
	async fn serve_subscription(self: Arc<Self>, stream: libp2p::Stream) -> std::io::Result<()> {
		let (mut reader, mut writer) = stream.split();
		let Ok(first) =
			tokio::time::timeout(Duration::from_secs(10), net::read_frame(&mut reader)).await
		else {
			return Ok(());
		};
		let Some(bytes) = first? else { return Ok(()) };
		let (request_id, signed) = match Frame::<ClientMessage>::decode(&bytes) {
			Ok(Frame {
				request_id,
				message: ClientMessage::Request(Request::Subscribe(s)),
				..
			}) => (request_id, s),
			Ok(_) => {
				let reply =
					err(ErrorCode::Malformed, 0, "only subscribe is served on this protocol");
				return net::write_frame(&mut writer, &client_frame(&bytes, Err(reply))).await;
			},
			Err(e) => {
				let answer =
					Frame::<ClientMessage>::error_answer(&bytes, &e).encode().unwrap_or_default();
				return net::write_frame(&mut writer, &answer).await;
			},
		};
		if let Err(reply) = guard::check_signed(&signed, &self.replay, now_ms()) {
			return net::write_frame(&mut writer, &client_frame(&bytes, Err(reply))).await;
		}
		let routing = signed.auth.routing_id();
		let (tx, mut rx) = mpsc::channel(256);
		let id = NEXT_SUBSCRIBER.fetch_add(1, Ordering::Relaxed);
		let admitted = {
			let mut subs = lock(&self.subscribers);
			let list = subs.entry(routing).or_default();
			list.retain(|s| !s.tx.is_closed());
			let admitted = list.len() < self.config.max_subscriptions_per_mailbox;
			if admitted {
				list.push(Subscriber { id, tx });
			}
			admitted
		};
		if !admitted {
			let reply =
				err(ErrorCode::RateLimited, 10_000, "too many subscriptions for this mailbox");
			return net::write_frame(&mut writer, &client_frame(&bytes, Err(reply))).await;
		}
		if let Some(m) = self.metrics() {
			m.subscriptions.inc();
		}
		let unread = self.store.unread(&routing);
		let result = async {
			let answer =
				Frame::<ClientMessage>::new(request_id, Response::Subscribed { unread }.into())
					.encode()
					.map_err(std::io::Error::other)?;
			net::write_frame(&mut writer, &answer).await?;
			let mut probe = [0u8; 1];
			loop {
				tokio::select! {
					delivery = rx.recv() => {
						let Some(delivery) = delivery else { return Ok(()) };
						let frame = Frame::<ClientMessage>::new(request_id, Response::Pushed(delivery).into())
							.encode()
							.map_err(std::io::Error::other)?;
						net::write_frame(&mut writer, &frame).await?;
					},
					// The client closing its side (or sending anything) ends the subscription.
					_ = reader.read(&mut probe) => return Ok(()),
				}
			}
		}
		.await;
		let mut subs = lock(&self.subscribers);
		if let Some(list) = subs.get_mut(&routing) {
			let before = list.len();
			list.retain(|s| s.id != id);
			if before != list.len() {
				if let Some(m) = self.metrics() {
					m.subscriptions.dec();
				}
			}
			if list.is_empty() {
				subs.remove(&routing);
			}
		}
		result
	}
}

async fn ping_peers(engine: Arc<Engine>) {
	let mut tick = tokio::time::interval(engine.config.ping_interval);
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tokio::select! {
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

async fn sweep(engine: Arc<Engine>) {
	let mut tick = tokio::time::interval(engine.config.sweep_interval);
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tick.tick().await;
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

async fn follow_registry(engine: Arc<Engine>, mut registry: RegistryWatch) {
	while registry.changed().await.is_ok() {
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
