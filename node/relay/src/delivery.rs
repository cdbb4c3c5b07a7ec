//! Delivery: an entry node's `send` (find the recipient's presence, forward to its listen
//! nodes), a listen node's storing and pushing of a message, and burn after reading (the
//! recipient's ack deletes its copies, here and on its other listen nodes). [`Tombstones`]
//! keep a late copy of an acknowledged message from being stored again.
//!
//! Where a message goes is decided by the rules of [`ichat_relay_proto::routing`], which the
//! routing simulation runs too.

use std::collections::{HashSet, VecDeque};

use futures::future::join_all;
use ichat_relay_net::now_ms;
use ichat_relay_proto::{
	routing, AckBody, Delivery, EntrySet, ErrorCode, ErrorReply, MeshRequest, MeshResponse,
	MessageId, PeerIdBytes, PresenceBody, Response, RoutingId, Signed,
};
use libp2p::PeerId;

use crate::{
	engine::{err, lock, Engine, LOG},
	requests::RETRY_BUSY_MS,
	store::{InsertOutcome, StoreError},
};

/// Messages their recipient acknowledged recently. A `forward` can still be in flight from a
/// slow entry node when the recipient reads and acknowledges the first copy; without this the
/// late copy would be stored (and kept) again after the ack. Keyed by recipient and message, so
/// an ack only ever suppresses its signer's own mail. Bounded; entries live `ttl_ms`.
#[derive(Debug)]
pub struct Tombstones {
	ttl_ms: u64,
	max: usize,
	set: HashSet<(RoutingId, MessageId)>,
	order: VecDeque<(u64, RoutingId, MessageId)>,
}

impl Tombstones {
	/// At most `max` entries, each kept `ttl_ms`.
	pub fn new(ttl_ms: u64, max: usize) -> Self {
		Tombstones { ttl_ms, max, set: HashSet::new(), order: VecDeque::new() }
	}

	/// Records that `routing`'s owner acknowledged `id` at `now_ms`.
	pub fn insert(&mut self, routing: RoutingId, id: MessageId, now_ms: u64) {
		self.purge(now_ms);
		if self.set.insert((routing, id)) {
			self.order.push_back((now_ms + self.ttl_ms, routing, id));
			while self.order.len() > self.max {
				if let Some((_, r, i)) = self.order.pop_front() {
					self.set.remove(&(r, i));
				}
			}
		}
	}

	/// Whether `id` to `routing` was acknowledged recently.
	pub fn contains(&self, routing: &RoutingId, id: &MessageId) -> bool {
		self.set.contains(&(*routing, *id))
	}

	/// Forgets entries past their lifetime.
	pub fn purge(&mut self, now_ms: u64) {
		while self.order.front().is_some_and(|(until, _, _)| *until <= now_ms) {
			if let Some((_, r, i)) = self.order.pop_front() {
				self.set.remove(&(r, i));
			}
		}
	}
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

impl Engine {
	/// An entry node's `send`: the message goes to the recipient's listen nodes, or is dropped
	/// as `RecipientOffline` when the recipient has no live presence record.
	pub(crate) async fn send(
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
		let routing::ForwardTargets { targets, spared } = self.forward_targets(&record, entries);
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
					Err(e) => Err(err(ErrorCode::Internal, 0, &e.to_string())),
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
	/// (returned second: tried only if storing on the first set fails everywhere); see
	/// [`routing::forward_targets`].
	fn forward_targets(
		&self,
		record: &Signed<PresenceBody>,
		entries: Option<EntrySet>,
	) -> routing::ForwardTargets<PeerId> {
		let listen = self.active_listen_nodes(record);
		routing::forward_targets(&listen, &self.hinted_peers(entries), &self.local)
	}

	/// The listen nodes of a presence record that may hold the recipient's mail: this node if
	/// listed, and the listed nodes active in the registry (sorted).
	fn active_listen_nodes(&self, record: &Signed<PresenceBody>) -> Vec<PeerId> {
		let snapshot = self.registry.borrow().clone();
		routing::active_listen_nodes(
			record
				.body
				.listen
				.iter()
				.filter_map(|n| PeerId::from_bytes(n.peer_id.as_bytes()).ok()),
			&self.local,
			|p| snapshot.contains(p),
		)
	}

	/// Stores a message (`message_id` is its [`MessageId::of`]) as unread here and pushes it to
	/// the recipient's subscriptions.
	pub(crate) async fn store_unread(
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

	pub(crate) async fn ack_local(&self, signed: &Signed<AckBody>) -> Result<u16, ErrorReply> {
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
	pub(crate) async fn replicate_ack(&self, signed: Signed<AckBody>) {
		let Some(record) = self.find_presence(&signed.auth.routing_id()).await else { return };
		let peers =
			routing::ack_replication_targets(&self.active_listen_nodes(&record), &self.local);
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

pub(crate) fn store_error(e: StoreError) -> ErrorReply {
	match e {
		StoreError::Busy => err(ErrorCode::Busy, RETRY_BUSY_MS, "unread store busy"),
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn tombstones_are_per_recipient_bounded_and_expire() {
		let mut t = Tombstones::new(1_000, 2);
		let (a, b) = (RoutingId([1; 32]), RoutingId([2; 32]));
		t.insert(a, MessageId([9; 32]), 0);
		assert!(t.contains(&a, &MessageId([9; 32])));
		assert!(!t.contains(&b, &MessageId([9; 32])), "only the signer's own mail");
		t.insert(a, MessageId([8; 32]), 10);
		t.insert(a, MessageId([7; 32]), 20);
		assert!(!t.contains(&a, &MessageId([9; 32])), "bounded: the oldest goes");
		t.purge(1_015);
		assert!(!t.contains(&a, &MessageId([8; 32])));
		assert!(t.contains(&a, &MessageId([7; 32])));
	}
}
