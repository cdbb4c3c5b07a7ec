//! Presence: the table of live presence records this node keeps for the accounts whose home
//! swarm it belongs to ([`PresenceTable`]), and the engine's operations on a home swarm:
//! publishing a record, withdrawing it, and finding a recipient's record before a `send`.
//!
//! A home swarm is the `k` registry nodes with the highest rendezvous score for a routing id
//! ([`ichat_relay_proto::home_swarm()`]); this node is one member among them, served from its
//! own table, the others over the mesh.

use std::collections::HashMap;

use futures::future::join_all;
use ichat_relay_net::now_ms;
use ichat_relay_proto::{
	home_swarm, ErrorCode, ErrorReply, MeshMessage, MeshRequest, MeshResponse, PeerIdBytes,
	PresenceBody, Response, RoutingId, Signed, WithdrawBody,
};
use libp2p::PeerId;

use crate::{
	auth,
	engine::{err, lock, Engine, LOG},
};

/// `arg` of the `Busy` answer of a full presence table: retry after a minute.
const RETRY_PRESENCE_FULL_MS: u64 = 60_000;

/// Live presence records of the recipients whose home swarm includes this node.
#[derive(Debug)]
pub struct PresenceTable {
	max: usize,
	records: HashMap<RoutingId, Signed<PresenceBody>>,
}

impl PresenceTable {
	/// A table of at most `max` records.
	pub fn new(max: usize) -> Self {
		PresenceTable { max, records: HashMap::new() }
	}

	/// Keeps `record` (checked by the caller) unless a newer one is held. Refuses with `Busy`
	/// when full of live records.
	pub fn insert(&mut self, record: Signed<PresenceBody>, now_ms: u64) -> Result<(), ErrorReply> {
		let routing = record.auth.routing_id();
		if let Some(old) = self.records.get(&routing) {
			if old.auth.timestamp_ms > record.auth.timestamp_ms {
				return Ok(());
			}
		} else if self.records.len() >= self.max {
			self.purge(now_ms);
			if self.records.len() >= self.max {
				return Err(ErrorReply::new(
					ErrorCode::Busy,
					RETRY_PRESENCE_FULL_MS,
					"presence table full",
				));
			}
		}
		self.records.insert(routing, record);
		Ok(())
	}

	/// The live record of `routing`.
	pub fn get(&mut self, routing: &RoutingId, now_ms: u64) -> Option<Signed<PresenceBody>> {
		match self.records.get(routing) {
			Some(r) if r.body.expires_at_ms > now_ms => Some(r.clone()),
			Some(_) => {
				self.records.remove(routing);
				None
			},
			None => None,
		}
	}

	/// Drops the record of `routing` if it is the one published at `published_at_ms` (a
	/// withdrawal checked by the caller); a newer record, of another session of the same account,
	/// stays. Returns whether a record was dropped.
	pub fn withdraw(&mut self, routing: &RoutingId, published_at_ms: u64) -> bool {
		let mine = self
			.records
			.get(routing)
			.is_some_and(|r| r.auth.timestamp_ms == published_at_ms);
		if mine {
			self.records.remove(routing);
		}
		mine
	}

	/// Drops expired records.
	pub fn purge(&mut self, now_ms: u64) {
		self.records.retain(|_, r| r.body.expires_at_ms > now_ms);
	}

	/// Records held.
	pub fn len(&self) -> usize {
		self.records.len()
	}

	/// No records held.
	pub fn is_empty(&self) -> bool {
		self.records.is_empty()
	}
}

impl Engine {
	/// The home swarm of `routing` in the current registry, best-ranked first; this node alone
	/// while there is no registry.
	pub(crate) fn home_swarm(&self, routing: &RoutingId) -> Vec<PeerId> {
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

	/// Stores a checked presence record on its signer's home swarm; answers with the nodes
	/// that keep it.
	pub(crate) async fn publish_presence(
		&self,
		signed: Signed<PresenceBody>,
	) -> Result<Response, ErrorReply> {
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
	pub(crate) async fn withdraw_presence(&self, signed: Signed<WithdrawBody>) -> Response {
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
	pub(crate) async fn find_presence(&self, routing: &RoutingId) -> Option<Signed<PresenceBody>> {
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
						&& auth::check_signature(&record).is_ok()
						&& auth::check_presence(&record, now).is_ok() =>
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
}
