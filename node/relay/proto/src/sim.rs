//! A routing-level simulation of presence, delivery and acknowledgement over `n` relay nodes,
//! counting the network messages each delivered message costs.
//!
//! Nodes are plain structs; every message between a client and a node or between two nodes is
//! encoded with this crate's codec, decoded on the other side and counted (a node talking to
//! itself costs nothing). Signatures are placeholders: this measures routing, not cryptography.
//! The flows are those of `docs/protocol/relay.md`:
//!
//! * **presence**: the client sends `presence` to one node, which stores the record on the `k`
//!   nodes of the home swarm (`store-presence`); the client `subscribe`s on its listen nodes.
//! * **send**: the sender sends the envelope through `e` entry nodes. Each entry node asks the
//!   home swarm, best-ranked first, until one returns a live record (`lookup-presence`), then
//!   `forward`s to every listen node that is not another entry node (the `ENTRY_SET` hint);
//!   each listen node stores a message once and pushes it once;
//!   the client keeps the first copy. With no live record the entry node answers
//!   `RecipientOffline` and stores nothing.
//! * **ack**: the client acks on each of its listen nodes with one signed ack that names them
//!   all (the `ENTRY_SET` hint), and each deletes its own copy. Without the hint (the client's
//!   fallback when one of them fails) one listen node looks up the presence record and
//!   replicates the signed ack (`replicate-ack`) to the other listen nodes.
//!
//! Nothing in these flows depends on `n`: the cost per message is bounded by a function of `k`,
//! `e` and the number of listen nodes ([`SimConfig::bound_send`], [`SimConfig::bound_ack`]).

use std::collections::{HashMap, HashSet};

use crate::client::{ClientMessage, Request, Response};
use crate::frame::Frame;
use crate::home_swarm::home_swarm;
use crate::mesh::{MeshMessage, MeshRequest, MeshResponse};
use crate::routing;
use crate::signed::{AckBody, Auth, PresenceBody, Signed};
use crate::types::{AccountId, Delivery, MessageId, NodeAddr, PeerIdBytes, RoutingId, Signature};
use crate::ErrorCode;

/// Parameters of one run.
#[derive(Debug, Clone)]
pub struct SimConfig {
	/// Relay nodes in the registry.
	pub nodes: usize,
	/// Home swarm size (at least 5).
	pub k: usize,
	/// Entry nodes each message is sent through.
	pub entry_nodes: usize,
	/// Nodes each online recipient listens on.
	pub listen_nodes: usize,
	/// Recipients online (presence published).
	pub online_recipients: usize,
	/// Recipients offline (no presence).
	pub offline_recipients: usize,
	/// Messages sent, to recipients drawn uniformly.
	pub messages: usize,
	/// Envelope size in bytes.
	pub envelope_len: usize,
	/// RNG seed (the run is deterministic).
	pub seed: u64,
}

impl SimConfig {
	/// The defaults of the issue: k = 5, 5 entry nodes, 5 listen nodes, 1 KiB envelopes.
	pub fn new(nodes: usize) -> SimConfig {
		SimConfig {
			nodes,
			k: 5,
			entry_nodes: 5,
			listen_nodes: 5,
			online_recipients: 40,
			offline_recipients: 10,
			messages: 500,
			envelope_len: 1024,
			seed: 0x1c4a7,
		}
	}

	/// Most network messages one delivered message can cost (send, lookups, forwards, pushes,
	/// answers), whatever `n`: `e * (1 + 2k + 2l + 1) + l`.
	pub fn bound_send(&self) -> u64 {
		let (e, k, l) = self.efl();
		e * (1 + 2 * k + 2 * l + 1) + l
	}

	/// Network messages of one acknowledgement: `2l` (an `ack` and its answer per listen node).
	/// The client's fallback when a node fails adds one `ack` without the hint, which costs at
	/// most `1 + 2k + 2(l - 1) + 1` more (a presence lookup and a `replicate-ack` per listen
	/// node); the simulation has no failing nodes.
	pub fn bound_ack(&self) -> u64 {
		let (_, _, l) = self.efl();
		2 * l
	}

	fn efl(&self) -> (u64, u64, u64) {
		(self.entry_nodes as u64, self.k as u64, self.listen_nodes as u64)
	}
}

/// Network-message counts of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimReport {
	/// Relay nodes.
	pub nodes: usize,
	/// Messages delivered to an online recipient (each exactly once).
	pub delivered: u64,
	/// Messages refused with `RecipientOffline` (stored nowhere).
	pub dropped_offline: u64,
	/// Network messages of all sends to online recipients, up to the pushes.
	pub send_messages: u64,
	/// The most network messages any single delivered message cost.
	pub max_send_messages: u64,
	/// Network messages of all acknowledgements.
	pub ack_messages: u64,
	/// Network messages of all sends to offline recipients.
	pub offline_messages: u64,
	/// Network messages of presence publication and subscription, per online recipient.
	pub presence_messages_per_recipient: f64,
	/// Bytes on the wire (frames) of all sends to online recipients.
	pub send_bytes: u64,
	/// Pushes a client received for a message it already had (redundancy, dropped by id).
	pub duplicate_pushes: u64,
	/// Unread messages left on any node at the end (0: every read message was burnt).
	pub unread_left: u64,
}

impl SimReport {
	/// Network messages per delivered message (send path).
	pub fn per_delivered(&self) -> f64 {
		ratio(self.send_messages, self.delivered)
	}

	/// Network messages per acknowledged message.
	pub fn per_ack(&self) -> f64 {
		ratio(self.ack_messages, self.delivered)
	}

	/// Network messages per message refused as offline.
	pub fn per_offline(&self) -> f64 {
		ratio(self.offline_messages, self.dropped_offline)
	}
}

fn ratio(a: u64, b: u64) -> f64 {
	if b == 0 {
		0.0
	} else {
		a as f64 / b as f64
	}
}

/// SplitMix64: small, seeded, good enough to pick nodes.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	fn below(&mut self, n: usize) -> usize {
		(self.next() % n.max(1) as u64) as usize
	}

	/// `m` distinct indices below `n` (all of them if `m >= n`).
	fn distinct(&mut self, n: usize, m: usize) -> Vec<usize> {
		let mut picked = Vec::new();
		while picked.len() < m.min(n) {
			let i = self.below(n);
			if !picked.contains(&i) {
				picked.push(i);
			}
		}
		picked
	}
}

#[derive(Default)]
struct Node {
	presence: HashMap<RoutingId, Signed<PresenceBody>>,
	mailbox: HashMap<RoutingId, HashMap<MessageId, Delivery>>,
	subscribers: HashSet<RoutingId>,
}

struct Client {
	account: AccountId,
	listen: Vec<usize>,
	received: HashSet<MessageId>,
	pushes: u64,
}

/// Counts frames and bytes; every frame goes through encode and decode.
#[derive(Default)]
struct Wire {
	frames: u64,
	bytes: u64,
}

impl Wire {
	fn client(&mut self, id: u64, m: impl Into<ClientMessage>) -> ClientMessage {
		let bytes = Frame::new(id, m.into())
			.encode()
			.expect("simulated messages are within bounds; qed");
		self.frames += 1;
		self.bytes += bytes.len() as u64;
		Frame::<ClientMessage>::decode(&bytes)
			.expect("a frame we encoded decodes; qed")
			.message
	}

	fn mesh(&mut self, id: u64, m: impl Into<MeshMessage>) -> MeshMessage {
		let bytes = Frame::new(id, m.into())
			.encode()
			.expect("simulated messages are within bounds; qed");
		self.frames += 1;
		self.bytes += bytes.len() as u64;
		Frame::<MeshMessage>::decode(&bytes)
			.expect("a frame we encoded decodes; qed")
			.message
	}
}

struct Net {
	cfg: SimConfig,
	peers: Vec<PeerIdBytes>,
	index: HashMap<PeerIdBytes, usize>,
	nodes: Vec<Node>,
	clients: Vec<Client>,
	wire: Wire,
	now_ms: u64,
	/// Home swarms per routing id, as an engine caches them for the hour.
	homes: HashMap<RoutingId, Vec<usize>>,
}

const NOW_MS: u64 = 1_750_000_000_000;

fn placeholder_auth(account: AccountId, nonce: u64) -> Auth {
	Auth { account, timestamp_ms: NOW_MS, nonce, signature: Signature([0; 64]) }
}

impl Net {
	fn new(cfg: SimConfig, rng: &mut Rng) -> Net {
		let peers: Vec<PeerIdBytes> = (0..cfg.nodes)
			.map(|i| {
				// The shape of an Ed25519 peer id: identity multihash, 36-byte protobuf key.
				let mut b = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
				b.extend_from_slice(&(i as u64).to_le_bytes());
				b.extend_from_slice(&rng.next().to_le_bytes());
				b.resize(38, 0);
				PeerIdBytes::new(b).expect("38 bytes; qed")
			})
			.collect();
		let index = peers.iter().cloned().enumerate().map(|(i, p)| (p, i)).collect();
		let nodes = (0..cfg.nodes).map(|_| Node::default()).collect();
		Net {
			cfg,
			peers,
			index,
			nodes,
			clients: Vec::new(),
			wire: Wire::default(),
			now_ms: NOW_MS,
			homes: HashMap::new(),
		}
	}

	fn home(&mut self, rid: &RoutingId) -> Vec<usize> {
		if let Some(h) = self.homes.get(rid) {
			return h.clone();
		}
		let h: Vec<usize> = home_swarm(rid, &self.peers, self.cfg.k)
			.into_iter()
			.filter_map(|p| self.index.get(p).copied())
			.collect();
		self.homes.insert(*rid, h.clone());
		h
	}

	/// Node `at` finds the live presence record of `rid`: locally if it is in the home swarm
	/// and has it, else from the home swarm, best-ranked first, until one answers with one.
	fn lookup(&mut self, at: usize, rid: &RoutingId) -> Option<Signed<PresenceBody>> {
		let now = self.now_ms;
		let live = |p: &Signed<PresenceBody>| p.body.expires_at_ms > now;
		if let Some(p) = self.nodes[at].presence.get(rid).filter(|p| live(p)) {
			return Some(p.clone());
		}
		for h in self.home(rid) {
			if h == at {
				continue;
			}
			let req = self.wire.mesh(1, MeshRequest::LookupPresence { routing_id: *rid });
			let found = match req {
				MeshMessage::Request(MeshRequest::LookupPresence { routing_id }) => {
					self.nodes[h].presence.get(&routing_id).filter(|p| live(p)).cloned()
				},
				_ => None,
			};
			if let MeshMessage::Response(MeshResponse::PresenceFound(Some(p))) =
				self.wire.mesh(1, MeshResponse::PresenceFound(found))
			{
				return Some(p);
			}
		}
		None
	}

	fn publish_presence(&mut self, client: usize, entry: usize) {
		let c = &self.clients[client];
		let account = c.account;
		let listen = c
			.listen
			.iter()
			.map(|&i| NodeAddr { peer_id: self.peers[i].clone(), addrs: Vec::new() })
			.collect();
		let record = Signed {
			auth: placeholder_auth(account, client as u64),
			body: PresenceBody {
				binding: vec![0xbb; 132],
				expires_at_ms: NOW_MS + 5 * 60 * 1000,
				listen,
			},
		};
		let ClientMessage::Request(Request::Presence(record)) =
			self.wire.client(1, Request::Presence(record))
		else {
			return;
		};
		let rid = record.auth.routing_id();
		let mut stored_on = Vec::new();
		for h in self.home(&rid) {
			let rec = if h == entry {
				record.clone()
			} else {
				match self.wire.mesh(1, MeshRequest::StorePresence(record.clone())) {
					MeshMessage::Request(MeshRequest::StorePresence(r)) => {
						self.wire.mesh(1, MeshResponse::PresenceKept);
						r
					},
					_ => continue,
				}
			};
			self.nodes[h].presence.insert(rid, rec);
			stored_on.push(self.peers[h].clone());
		}
		self.wire.client(1, Response::PresenceStored { stored_on });
		let listen = self.clients[client].listen.clone();
		for l in listen {
			self.wire.client(
				2,
				Request::Subscribe(Signed {
					auth: placeholder_auth(account, 1000 + l as u64),
					body: crate::signed::SubscribeBody,
				}),
			);
			self.nodes[l].subscribers.insert(rid);
			self.wire.client(2, Response::Subscribed { unread: 0 });
		}
	}

	/// Node `at` stores a message for `rid` and pushes it if the recipient is subscribed there.
	fn store(&mut self, at: usize, rid: RoutingId, delivery: Delivery) -> bool {
		let id = delivery.id();
		let mailbox = self.nodes[at].mailbox.entry(rid).or_default();
		if mailbox.contains_key(&id) {
			return true;
		}
		mailbox.insert(id, delivery.clone());
		if self.nodes[at].subscribers.contains(&rid) {
			if let ClientMessage::Response(Response::Pushed(d)) =
				self.wire.client(2, Response::Pushed(delivery))
			{
				if let Some(c) =
					self.clients.iter_mut().find(|c| RoutingId::for_account(&c.account) == rid)
				{
					c.pushes += 1;
					c.received.insert(d.id());
				}
			}
		}
		false
	}

	/// Send `envelope` to `rid` through `entry`, one of `entries` (the `ENTRY_SET` hint); true
	/// if accepted.
	fn send_via(
		&mut self,
		entry: usize,
		entries: &[usize],
		rid: RoutingId,
		envelope: &[u8],
	) -> bool {
		let ClientMessage::Request(Request::Send { routing_id, envelope }) = self
			.wire
			.client(3, Request::Send { routing_id: rid, envelope: envelope.to_vec() })
		else {
			return false;
		};
		let Some(record) = self.lookup(entry, &routing_id) else {
			self.wire.client(
				3,
				Response::Error(crate::ErrorReply::new(
					ErrorCode::RecipientOffline,
					0,
					"no live presence",
				)),
			);
			return false;
		};
		let delivery = Delivery { accepted_at_ms: self.now_ms, envelope };
		let mut stored_on = Vec::new();
		// The engine's rules: every registered listen node, but the other entry nodes of the
		// hint, which get the envelope from the sender directly (unless that leaves nothing).
		let listen = routing::active_listen_nodes(
			record.body.listen.iter().filter_map(|n| self.index.get(&n.peer_id).copied()),
			&entry,
			|_| true,
		);
		let hinted = routing::hinted_peers(Some(entries.iter().copied()), &entry);
		let targets = routing::forward_targets(&listen, &hinted, &entry).targets;
		for l in targets {
			let peer_id = self.peers[l].clone();
			if l == entry {
				self.store(l, routing_id, delivery.clone());
			} else {
				let fwd = MeshRequest::Forward {
					routing_id,
					accepted_at_ms: delivery.accepted_at_ms,
					envelope: delivery.envelope.clone(),
				};
				let MeshMessage::Request(MeshRequest::Forward {
					routing_id,
					accepted_at_ms,
					envelope,
				}) = self.wire.mesh(4, fwd)
				else {
					continue;
				};
				let d = Delivery { accepted_at_ms, envelope };
				let message_id = d.id();
				let duplicate = self.store(l, routing_id, d);
				self.wire.mesh(4, MeshResponse::Stored { message_id, duplicate });
			}
			stored_on.push(peer_id);
		}
		self.wire.client(3, Response::Sent { message_id: delivery.id(), stored_on });
		true
	}

	/// The client acks `id` on each of its listen nodes with one signed ack naming them all
	/// (the `ENTRY_SET` hint): each deletes its own copy and none replicates.
	fn ack(&mut self, client: usize, id: MessageId) {
		let account = self.clients[client].account;
		let signed = Signed {
			auth: placeholder_auth(account, id.0[0] as u64),
			body: AckBody { ids: vec![id] },
		};
		for at in self.clients[client].listen.clone() {
			let ClientMessage::Request(Request::Ack(signed)) =
				self.wire.client(5, Request::Ack(signed.clone()))
			else {
				continue;
			};
			let deleted = self.delete(at, signed.auth.routing_id(), &signed.body.ids);
			self.wire.client(5, Response::Acked { deleted });
		}
	}

	fn delete(&mut self, at: usize, rid: RoutingId, ids: &[MessageId]) -> u16 {
		let Some(mailbox) = self.nodes[at].mailbox.get_mut(&rid) else {
			return 0;
		};
		ids.iter().filter(|id| mailbox.remove(id).is_some()).count() as u16
	}
}

/// Run the simulation.
pub fn run(cfg: &SimConfig) -> SimReport {
	let mut rng = Rng(cfg.seed);
	let mut net = Net::new(cfg.clone(), &mut rng);
	let mut report = SimReport { nodes: cfg.nodes, ..SimReport::default() };
	let recipients = cfg.online_recipients + cfg.offline_recipients;
	for i in 0..recipients {
		let mut account = [0u8; 32];
		account[..8].copy_from_slice(&rng.next().to_le_bytes());
		account[8..16].copy_from_slice(&(i as u64).to_le_bytes());
		let listen = rng.distinct(cfg.nodes, cfg.listen_nodes);
		net.clients.push(Client {
			account: AccountId(account),
			listen,
			received: HashSet::new(),
			pushes: 0,
		});
	}
	let before = net.wire.frames;
	for c in 0..cfg.online_recipients {
		let entry = rng.below(cfg.nodes);
		net.publish_presence(c, entry);
	}
	report.presence_messages_per_recipient =
		ratio(net.wire.frames - before, cfg.online_recipients as u64);

	for m in 0..cfg.messages {
		let c = rng.below(recipients);
		let rid = RoutingId::for_account(&net.clients[c].account);
		// The prefix every envelope keeps (version, routing id, expiry), then opaque bytes.
		let mut envelope = vec![0x01];
		envelope.extend_from_slice(&rid.0);
		envelope.extend_from_slice(&(NOW_MS / 1000 + 3600).to_le_bytes());
		envelope.extend_from_slice(&(m as u64).to_le_bytes());
		envelope.resize(cfg.envelope_len.max(49), 0x5a);
		let id = MessageId::of(&envelope);
		let (frames, bytes) = (net.wire.frames, net.wire.bytes);
		let had = net.clients[c].received.contains(&id);
		let mut accepted = false;
		let entries = rng.distinct(cfg.nodes, cfg.entry_nodes);
		for &entry in &entries {
			accepted |= net.send_via(entry, &entries, rid, &envelope);
		}
		let cost = net.wire.frames - frames;
		if !accepted {
			report.dropped_offline += 1;
			report.offline_messages += cost;
			continue;
		}
		report.send_messages += cost;
		report.send_bytes += net.wire.bytes - bytes;
		report.max_send_messages = report.max_send_messages.max(cost);
		if !had && net.clients[c].received.contains(&id) {
			report.delivered += 1;
		}
		let frames = net.wire.frames;
		net.ack(c, id);
		report.ack_messages += net.wire.frames - frames;
	}
	let pushes: u64 = net.clients.iter().map(|c| c.pushes).sum();
	report.duplicate_pushes = pushes.saturating_sub(report.delivered);
	report.unread_left =
		net.nodes.iter().flat_map(|n| n.mailbox.values()).map(|m| m.len() as u64).sum();
	report
}
