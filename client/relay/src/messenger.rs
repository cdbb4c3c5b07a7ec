//! [`Messenger`]: a chat client's connection policy on top of [`RelayClient`].
//!
//! * Learns the online nodes (`nodes` from any reachable bootstrap node), measures each one's
//!   RTT, and uses the best `min_nodes` (5).
//! * Subscribes on every node in use and publishes a presence record listing them (refreshed
//!   at half its lifetime), so messages reach the client through any of them.
//! * Fetches unread mail from each node on start and whenever it starts using a node.
//! * A client that only sends ([`MessengerConfig::receive`] off) does neither of the last two:
//!   it is never online.
//! * Replaces a node whose subscription ends or that stops answering pings within about a
//!   second, and republishes presence.
//! * Sends every message through `send_fanout` (5) entry nodes and reports what happened.
//! * Drops duplicates: the same message arrives from every node it was stored on.

use std::{
	collections::{HashMap, HashSet, VecDeque},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use futures::{future::join_all, StreamExt};
use ichat_crypto::{Account, ChatKeyBinding};
use ichat_relay_proto::{limits::MAX_FETCH_MESSAGES, Delivery, ErrorCode, MessageId, RoutingId};
use libp2p::PeerId;
use tokio::{sync::mpsc, task::JoinHandle};

use crate::{ClientConfig, ClientError, NodeAddress, RelayClient};

/// Settings of a [`Messenger`].
#[derive(Debug, Clone)]
pub struct MessengerConfig {
	/// Nodes to stay subscribed on (at least 5 on a network that has them).
	pub min_nodes: usize,
	/// Entry nodes each message is sent through.
	pub send_fanout: usize,
	/// Lifetime of a presence record (at most 10 minutes); refreshed at half of it.
	pub presence_ttl: Duration,
	/// How often failed nodes are looked for and replaced.
	pub maintenance_interval: Duration,
	/// A receiving client (the default): subscribes on its nodes, fetches its unread mail and
	/// publishes presence, so it is online. `false` makes a client that only sends (`ichat chat
	/// send`): it connects to its nodes and sends through them but is never online, so a reply
	/// sent to it meanwhile is refused as `RecipientOffline` instead of being stored, and it
	/// leaves alone the presence of a session of the same account that is listening.
	pub receive: bool,
	/// Learn the online nodes from the bootstrap nodes' `nodes` lists (the default). `false`
	/// keeps the messenger on its bootstrap nodes only: a prober's mailbox listens exactly
	/// where it was told to (see [`crate::probe`]).
	pub discover: bool,
	/// The underlying client.
	pub client: ClientConfig,
}

impl Default for MessengerConfig {
	fn default() -> Self {
		MessengerConfig {
			min_nodes: 5,
			send_fanout: 5,
			presence_ttl: Duration::from_secs(300),
			maintenance_interval: Duration::from_secs(1),
			receive: true,
			discover: true,
			client: ClientConfig {
				request_timeout: Duration::from_secs(5),
				..ClientConfig::default()
			},
		}
	}
}

/// A node as the messenger sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeHealth {
	/// The node.
	pub node: NodeAddress,
	/// The last measured round-trip time; `None` if it did not answer.
	pub rtt: Option<Duration>,
	/// How long the node reported itself up (from the `nodes` list), in seconds.
	pub uptime_secs: u64,
	/// Whether the messenger is subscribed on it.
	pub in_use: bool,
}

/// A new message (first copy only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
	/// The relay-level id (what [`Messenger::ack`] takes).
	pub message_id: MessageId,
	/// When the first node accepted it (unix ms).
	pub accepted_at_ms: u64,
	/// The sealed envelope.
	pub envelope: Vec<u8>,
	/// The node it came from.
	pub via: PeerId,
}

/// What happened to one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
	/// The relay-level id, once a node accepted the message.
	pub message_id: Option<MessageId>,
	/// Entry nodes that accepted it.
	pub accepted_by: Vec<PeerId>,
	/// The recipient's nodes that stored it (union over the entry nodes' answers).
	pub stored_on: Vec<PeerId>,
	/// Entry nodes answered `RecipientOffline` and none accepted: the message was dropped.
	pub offline: bool,
	/// Entry nodes that failed, with the reason.
	pub failures: Vec<(PeerId, String)>,
}

impl SendReport {
	/// At least one node accepted the message for delivery.
	pub fn accepted(&self) -> bool {
		!self.accepted_by.is_empty()
	}
}

/// Why the messenger could not start.
#[derive(Debug, thiserror::Error)]
pub enum MessengerError {
	/// No node answered.
	#[error("no reachable relay node ({0})")]
	NoNodes(String),
	/// The presence record could not be published anywhere.
	#[error("could not publish presence: {0}")]
	Presence(ClientError),
	/// The client could not start.
	#[error("relay client: {0}")]
	Io(#[from] std::io::Error),
}

const SEEN_CAPACITY: usize = 100_000;

#[derive(Default)]
struct Seen {
	set: HashSet<MessageId>,
	order: VecDeque<MessageId>,
}

impl Seen {
	fn first_time(&mut self, id: MessageId) -> bool {
		if !self.set.insert(id) {
			return false;
		}
		self.order.push_back(id);
		if self.order.len() > SEEN_CAPACITY {
			if let Some(old) = self.order.pop_front() {
				self.set.remove(&old);
			}
		}
		true
	}
}

#[derive(Default)]
struct State {
	known: Vec<NodeHealth>,
	in_use: Vec<PeerId>,
	readers: HashMap<PeerId, JoinHandle<()>>,
	presence_at: Option<Instant>,
	/// The timestamp of the last presence record a node took (what going offline withdraws).
	published_at_ms: Option<u64>,
}

/// A chat client's view of the relay network. See the module docs.
pub struct Messenger {
	client: Arc<RelayClient>,
	account: Arc<Account>,
	binding: ChatKeyBinding,
	config: MessengerConfig,
	state: Mutex<State>,
	seen: Mutex<Seen>,
	incoming: mpsc::Sender<Incoming>,
	ended: mpsc::UnboundedSender<PeerId>,
	maintenance: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Messenger {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Messenger").field("in_use", &lock(&self.state).in_use).finish()
	}
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Messenger {
	/// Connects to the network through `bootstrap`, subscribes and publishes presence on the
	/// best nodes, fetches unread mail, and keeps all of it up until [`Messenger::close`].
	/// New messages arrive on the returned channel, once each.
	pub async fn start(
		account: Arc<Account>,
		bootstrap: Vec<NodeAddress>,
		config: MessengerConfig,
	) -> Result<(Arc<Messenger>, mpsc::Receiver<Incoming>), MessengerError> {
		let client = Arc::new(RelayClient::start(config.client.clone())?);
		let binding =
			account.bind_chat_key(&account.chat_key(0).map_err(|e| {
				MessengerError::NoNodes(format!("cannot derive the chat key: {e}"))
			})?);
		let (incoming, rx) = mpsc::channel(1024);
		let (ended, ended_rx) = mpsc::unbounded_channel();
		let messenger = Arc::new(Messenger {
			client,
			account,
			binding,
			config,
			state: Mutex::new(State::default()),
			seen: Mutex::new(Seen::default()),
			incoming,
			ended,
			maintenance: Mutex::new(None),
		});
		let known = messenger.discover(&bootstrap).await;
		if !known.iter().any(|n| n.rtt.is_some()) {
			let tried: Vec<String> = bootstrap.iter().map(|b| b.to_string()).collect();
			return Err(MessengerError::NoNodes(format!("tried {}", tried.join(", "))));
		}
		lock(&messenger.state).known = known;
		let chosen = messenger.choose(&HashSet::new());
		messenger.use_nodes(chosen).await;
		if messenger.config.receive {
			messenger.publish_presence().await.map_err(MessengerError::Presence)?;
		}
		let task = tokio::spawn(maintain(Arc::downgrade(&messenger), ended_rx));
		*lock(&messenger.maintenance) = Some(task);
		Ok((messenger, rx))
	}

	/// The account's routing id.
	pub fn routing_id(&self) -> RoutingId {
		RoutingId::for_account(&ichat_relay_proto::AccountId(self.account.id().0))
	}

	/// The underlying client.
	pub fn client(&self) -> &RelayClient {
		&self.client
	}

	/// The nodes known, best first, marking those in use.
	pub fn nodes(&self) -> Vec<NodeHealth> {
		let state = lock(&self.state);
		let mut nodes = state.known.clone();
		for n in &mut nodes {
			n.in_use = state.in_use.contains(&n.node.peer_id);
		}
		nodes.sort_by_key(|n| (!n.in_use, n.rtt.unwrap_or(Duration::MAX)));
		nodes
	}

	/// The nodes in use.
	pub fn in_use(&self) -> Vec<PeerId> {
		lock(&self.state).in_use.clone()
	}

	/// Pings `nodes` (and asks the first that answers for its list), returning what answered.
	async fn discover(&self, seeds: &[NodeAddress]) -> Vec<NodeHealth> {
		let mut all: HashMap<PeerId, NodeHealth> = HashMap::new();
		for s in seeds {
			all.insert(
				s.peer_id,
				NodeHealth { node: s.clone(), rtt: None, uptime_secs: 0, in_use: false },
			);
		}
		let pings = self.ping_all(seeds).await;
		for (peer, rtt) in &pings {
			if let Some(n) = all.get_mut(peer) {
				n.rtt = *rtt;
			}
		}
		let mut sources: Vec<(PeerId, Duration)> =
			pings.iter().filter_map(|(p, r)| r.map(|r| (*p, r))).collect();
		sources.sort_by_key(|(_, r)| *r);
		let listed = if self.config.discover { 2 } else { 0 };
		for (peer, _) in sources.iter().take(listed) {
			let Ok(list) = self.client.nodes(*peer, 256).await else { continue };
			for info in list {
				let Ok(node) = NodeAddress::from_wire(&info.node) else { continue };
				if node.addrs.is_empty() {
					continue;
				}
				all.entry(node.peer_id)
					.and_modify(|n| n.uptime_secs = info.uptime_secs)
					.or_insert(NodeHealth {
						node,
						rtt: None,
						uptime_secs: info.uptime_secs,
						in_use: false,
					});
			}
			break;
		}
		let unmeasured: Vec<NodeAddress> =
			all.values().filter(|n| n.rtt.is_none()).map(|n| n.node.clone()).collect();
		for (peer, rtt) in self.ping_all(&unmeasured).await {
			if let Some(n) = all.get_mut(&peer) {
				n.rtt = rtt;
			}
		}
		all.into_values().collect()
	}

	async fn ping_all(&self, nodes: &[NodeAddress]) -> Vec<(PeerId, Option<Duration>)> {
		join_all(nodes.iter().map(|n| async move {
			self.client.add_node(n);
			(n.peer_id, self.client.ping(n.peer_id).await.ok().map(|(rtt, _)| rtt))
		}))
		.await
	}

	/// The best reachable nodes not in `exclude`, enough to fill `min_nodes`.
	fn choose(&self, exclude: &HashSet<PeerId>) -> Vec<PeerId> {
		let state = lock(&self.state);
		let mut candidates: Vec<&NodeHealth> = state
			.known
			.iter()
			.filter(|n| n.rtt.is_some() && !exclude.contains(&n.node.peer_id))
			.filter(|n| !state.in_use.contains(&n.node.peer_id))
			.collect();
		candidates.sort_by_key(|n| n.rtt);
		let want = self.config.min_nodes.saturating_sub(state.in_use.len());
		candidates.into_iter().take(want).map(|n| n.node.peer_id).collect()
	}

	/// Subscribes on `peers`, fetches their unread mail, and adds them to the nodes in use (a
	/// client that does not receive only adds them: it reached them when it pinged them).
	async fn use_nodes(self: &Arc<Self>, peers: Vec<PeerId>) {
		if !self.config.receive {
			lock(&self.state).in_use.extend(peers);
			return;
		}
		let results =
			join_all(peers.iter().map(|p| self.client.subscribe(*p, &self.account))).await;
		for (peer, result) in peers.into_iter().zip(results) {
			match result {
				Ok(sub) => {
					let this = Arc::downgrade(self);
					let ended = self.ended.clone();
					let reader = tokio::spawn(async move {
						let mut deliveries = sub.deliveries;
						while let Some(d) = deliveries.next().await {
							let Some(m) = this.upgrade() else { return };
							m.receive(peer, d).await;
						}
						let _ = ended.send(peer);
					});
					{
						let mut state = lock(&self.state);
						state.in_use.push(peer);
						if let Some(old) = state.readers.insert(peer, reader) {
							old.abort();
						}
					}
					self.fetch_unread(peer).await;
				},
				Err(e) => {
					tracing::debug!(%peer, error = %e, "subscribe failed");
					self.mark_failed(peer);
				},
			}
		}
	}

	async fn fetch_unread(&self, peer: PeerId) {
		let mut cursor = 0;
		loop {
			match self.client.fetch(peer, &self.account, cursor, MAX_FETCH_MESSAGES as u16).await {
				Ok(page) => {
					for d in page.messages {
						self.receive(peer, d).await;
					}
					if !page.more {
						return;
					}
					cursor = page.next_cursor;
				},
				Err(e) => {
					tracing::debug!(%peer, error = %e, "fetch failed");
					return;
				},
			}
		}
	}

	async fn receive(&self, via: PeerId, d: Delivery) {
		let message_id = d.id();
		if !lock(&self.seen).first_time(message_id) {
			return;
		}
		let _ = self
			.incoming
			.send(Incoming {
				message_id,
				accepted_at_ms: d.accepted_at_ms,
				envelope: d.envelope,
				via,
			})
			.await;
	}

	fn mark_failed(&self, peer: PeerId) {
		let mut state = lock(&self.state);
		state.in_use.retain(|p| *p != peer);
		if let Some(r) = state.readers.remove(&peer) {
			r.abort();
		}
		if let Some(n) = state.known.iter_mut().find(|n| n.node.peer_id == peer) {
			n.rtt = None;
		}
	}

	/// Publishes the presence record (listing the nodes in use) through the best node that
	/// takes it.
	pub async fn publish_presence(&self) -> Result<(), ClientError> {
		let (in_use, listen): (Vec<PeerId>, Vec<NodeAddress>) = {
			let state = lock(&self.state);
			let listen = state
				.in_use
				.iter()
				.filter_map(|p| state.known.iter().find(|n| n.node.peer_id == *p))
				.map(|n| n.node.clone())
				.collect();
			(state.in_use.clone(), listen)
		};
		let mut last = ClientError::Stopped;
		for peer in in_use {
			match self
				.client
				.publish_presence(
					peer,
					&self.account,
					&self.binding,
					&listen,
					self.config.presence_ttl,
				)
				.await
			{
				Ok(published) => {
					let mut state = lock(&self.state);
					state.presence_at = Some(Instant::now());
					state.published_at_ms = Some(published.published_at_ms);
					return Ok(());
				},
				Err(e) => last = e,
			}
		}
		Err(last)
	}

	/// The recipient's chat-key binding if it is online (asked of the nodes in use in turn).
	pub async fn lookup(
		&self,
		routing_id: RoutingId,
	) -> Result<Option<ChatKeyBinding>, ClientError> {
		let mut last = ClientError::Stopped;
		for peer in self.in_use() {
			match self.client.lookup(peer, routing_id).await {
				Ok(found) => return Ok(found),
				Err(e) => last = e,
			}
		}
		Err(last)
	}

	/// Sends `envelope` through `send_fanout` entry nodes (those in use first, then the best
	/// other ones) at once.
	pub async fn send(&self, envelope: Vec<u8>) -> SendReport {
		let entries: Vec<PeerId> = {
			let state = lock(&self.state);
			let mut entries = state.in_use.clone();
			let mut others: Vec<&NodeHealth> = state
				.known
				.iter()
				.filter(|n| n.rtt.is_some() && !entries.contains(&n.node.peer_id))
				.collect();
			others.sort_by_key(|n| n.rtt);
			entries.extend(others.into_iter().map(|n| n.node.peer_id));
			entries.truncate(self.config.send_fanout);
			entries
		};
		let results = join_all(
			entries
				.iter()
				.map(|p| self.client.send_with_entries(*p, envelope.clone(), &entries)),
		)
		.await;
		let mut report = SendReport::default();
		let mut stored = HashSet::new();
		let mut offline = 0;
		for (peer, result) in entries.into_iter().zip(results) {
			match result {
				Ok(sent) => {
					report.message_id = Some(sent.message_id);
					report.accepted_by.push(peer);
					stored.extend(sent.stored_on);
				},
				Err(e) if e.code() == Some(ErrorCode::RecipientOffline) => {
					offline += 1;
					report.failures.push((peer, e.to_string()));
				},
				Err(e) => report.failures.push((peer, e.to_string())),
			}
		}
		report.stored_on = stored.into_iter().collect();
		report.offline = report.accepted_by.is_empty() && offline > 0;
		report
	}

	/// Burn after reading: acknowledges `ids` on every node in use (the listen nodes of this
	/// client's presence record) at once, with one signature, naming them all (the `ENTRY_SET`
	/// hint), so each deletes its copy and none needs to replicate the ack. If some of them
	/// fail, a fresh ack without the hint goes to one that answered, which replicates it to
	/// every listen node of the presence record, the failed ones included. Returns the most
	/// messages one node deleted.
	pub async fn ack(&self, ids: Vec<MessageId>) -> Result<u32, ClientError> {
		let nodes = self.in_use();
		let signed = crate::sign_ack(&self.account, ids.clone())?;
		let results =
			join_all(nodes.iter().map(|p| self.client.ack_signed(*p, signed.clone(), &nodes)))
				.await;
		let mut last = ClientError::Stopped;
		let mut deleted = None;
		let mut answered = Vec::new();
		for (peer, result) in nodes.iter().zip(results) {
			match result {
				Ok(n) => {
					deleted = deleted.max(Some(u32::from(n)));
					answered.push(*peer);
				},
				Err(e) => last = e,
			}
		}
		let Some(deleted) = deleted else { return Err(last) };
		if answered.len() < nodes.len() {
			let signed = crate::sign_ack(&self.account, ids)?;
			for peer in answered {
				if self.client.ack_signed(peer, signed.clone(), &[]).await.is_ok() {
					break;
				}
			}
		}
		Ok(deleted)
	}

	/// Goes offline and closes: stops refreshing presence, withdraws this session's presence
	/// record from its home swarm through the first node in use that takes the withdrawal, so
	/// that messages sent to the account from now on are refused as `RecipientOffline` instead
	/// of waiting as unread until the record would have expired, then [`Messenger::close`]s.
	/// Returns how many home-swarm nodes dropped the record (0 when it published none, or
	/// another session of the account has published since).
	pub async fn go_offline(&self) -> Result<usize, ClientError> {
		if let Some(t) = lock(&self.maintenance).take() {
			t.abort();
		}
		let published = lock(&self.state).published_at_ms.take();
		let result = match published {
			Some(published_at_ms) => self.withdraw_presence(published_at_ms).await,
			None => Ok(0),
		};
		self.close();
		result
	}

	/// Withdraws the record published at `published_at_ms` through the first node in use that
	/// answers; how many home-swarm nodes dropped it.
	async fn withdraw_presence(&self, published_at_ms: u64) -> Result<usize, ClientError> {
		let mut last = ClientError::Stopped;
		for peer in self.in_use() {
			match self.client.withdraw_presence(peer, &self.account, published_at_ms).await {
				Ok(removed_on) => return Ok(removed_on.len()),
				Err(e) => last = e,
			}
		}
		Err(last)
	}

	/// Stops the maintenance task and every subscription, without going offline: the presence
	/// record lasts until it expires, as after a crash (see [`Messenger::go_offline`]).
	pub fn close(&self) {
		if let Some(t) = lock(&self.maintenance).take() {
			t.abort();
		}
		let mut state = lock(&self.state);
		for (_, r) in state.readers.drain() {
			r.abort();
		}
		state.in_use.clear();
	}

	async fn maintain_once(self: &Arc<Self>, failed: Vec<PeerId>, ping: bool) {
		for peer in &failed {
			tracing::info!(%peer, "relay node failed; replacing it");
			self.mark_failed(*peer);
		}
		let mut changed = !failed.is_empty();
		if ping {
			for peer in self.in_use() {
				if self.client.ping(peer).await.is_err() {
					tracing::info!(%peer, "relay node stopped answering; replacing it");
					self.mark_failed(peer);
					changed = true;
				}
			}
		}
		if self.in_use().len() < self.config.min_nodes {
			let mut chosen = self.choose(&failed.iter().copied().collect());
			if chosen.is_empty() && changed {
				// Everything known is in use or down: refresh the list from a live node.
				let seeds: Vec<NodeAddress> =
					lock(&self.state).known.iter().map(|n| n.node.clone()).collect();
				let known = self.discover(&seeds).await;
				{
					let mut state = lock(&self.state);
					for n in known {
						match state.known.iter_mut().find(|k| k.node.peer_id == n.node.peer_id) {
							Some(k) if !failed.contains(&n.node.peer_id) => k.rtt = n.rtt,
							Some(_) => {},
							None => state.known.push(n),
						}
					}
				}
				chosen = self.choose(&failed.iter().copied().collect());
			}
			if !chosen.is_empty() {
				self.use_nodes(chosen).await;
				changed = true;
			}
		}
		let stale = lock(&self.state)
			.presence_at
			.is_none_or(|at| at.elapsed() >= self.config.presence_ttl / 2);
		if self.config.receive && (changed || stale) {
			if let Err(e) = self.publish_presence().await {
				tracing::warn!(error = %e, "presence refresh failed; retrying");
				lock(&self.state).presence_at = None;
			}
		}
	}
}

async fn maintain(this: std::sync::Weak<Messenger>, mut ended: mpsc::UnboundedReceiver<PeerId>) {
	let Some(interval) = this.upgrade().map(|m| m.config.maintenance_interval) else { return };
	let mut tick = tokio::time::interval(interval);
	tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	let mut round = 0u64;
	loop {
		let mut failed = Vec::new();
		tokio::select! {
			_ = tick.tick() => {},
			Some(peer) = ended.recv() => failed.push(peer),
		}
		while let Ok(peer) = ended.try_recv() {
			failed.push(peer);
		}
		let Some(m) = this.upgrade() else { return };
		round += 1;
		// Ping the nodes in use every 5 rounds; a closed subscription is noticed at once.
		m.maintain_once(failed, round.is_multiple_of(5)).await;
	}
}
