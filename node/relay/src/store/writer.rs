//! The writer: applies a batch of queued operations in order (each sees the ones before it)
//! and commits the batch with one RocksDB write, then updates the index in memory and the
//! totals. Whoever holds it is the store's only writer (see "Writes" in the parent module).

use std::{
	collections::{HashMap, HashSet},
	sync::{atomic::AtomicU64, Arc, Mutex},
};

use ichat_relay_proto::{MessageId, RoutingId};
use rocksdb::{WriteBatch, DB};

use super::{
	add_signed,
	layout::{box_key, box_value, routing_of, seq_key, CF_BOX, CF_MSG, SEQ_LOW_BITS},
	lock, Expired, InsertOutcome, Mailbox, Op, Reply, StoreConfig, StoreError, Unread,
};

pub(super) struct Writer {
	pub(super) db: Arc<DB>,
	pub(super) mailboxes: Arc<Mutex<HashMap<RoutingId, Mailbox>>>,
	pub(super) messages: Arc<AtomicU64>,
	pub(super) bytes: Arc<AtomicU64>,
	pub(super) config: StoreConfig,
	pub(super) next_low: u64,
	/// The largest `seq` ever used: a new one above it needs no check that it is free.
	pub(super) max_seq: u64,
}

enum Done {
	Insert(Reply<InsertOutcome>, InsertOutcome),
	Ack(Reply<u16>, u16),
	Expire(Reply<u64>, u64),
}

impl Done {
	fn fail(self, err: impl Fn() -> StoreError) {
		match self {
			Done::Insert(r, _) => drop(r.send(Err(err()))),
			Done::Ack(r, _) => drop(r.send(Err(err()))),
			Done::Expire(r, _) => drop(r.send(Err(err()))),
		}
	}

	fn succeed(self) {
		match self {
			Done::Insert(r, v) => drop(r.send(Ok(v))),
			Done::Ack(r, v) => drop(r.send(Ok(v))),
			Done::Expire(r, v) => drop(r.send(Ok(v))),
		}
	}
}

/// The batch being built: its writes and what it already decided, so later operations of the
/// same batch see earlier ones.
#[derive(Default)]
struct Batch {
	write: WriteBatch,
	inserted: HashMap<MessageId, (u64, RoutingId, u32)>,
	deleted: HashMap<MessageId, RoutingId>,
	seqs: HashSet<u64>,
	/// Count and byte changes per mailbox, for the bounds of the batch's later inserts.
	deltas: HashMap<RoutingId, (i64, i64)>,
	done: Vec<Done>,
}

impl Writer {
	/// Applies `ops` in order to one batch and commits it with one write.
	pub(super) fn commit_batch(&mut self, ops: Vec<Op>) {
		let mut batch = Batch::default();
		for op in ops {
			if let Err(e) = self.apply(&mut batch, op) {
				tracing::error!(target: "relay", error = %e, "unread store operation failed");
			}
		}
		self.commit(batch);
	}

	fn cf(&self, name: &str) -> Result<&rocksdb::ColumnFamily, StoreError> {
		self.db.cf_handle(name).ok_or(StoreError::Corrupt("missing column"))
	}

	fn mailbox(&self, batch: &Batch, routing: &RoutingId) -> (i64, i64) {
		let (count, bytes) =
			lock(&self.mailboxes).get(routing).map_or((0, 0), |m| (m.count(), m.bytes));
		let d = batch.deltas.get(routing).copied().unwrap_or_default();
		(i64::from(count) + d.0, bytes as i64 + d.1)
	}

	/// Message `id` of `routing`'s mailbox, as this batch leaves it.
	fn lookup(&self, batch: &Batch, routing: &RoutingId, id: &MessageId) -> Option<Unread> {
		if batch.deleted.contains_key(id) {
			return None;
		}
		if let Some((seq, r, len)) = batch.inserted.get(id) {
			return (r == routing).then_some(Unread { seq: *seq, len: *len });
		}
		lock(&self.mailboxes).get(routing).and_then(|m| m.ids.get(id).copied())
	}

	fn apply(&mut self, batch: &mut Batch, op: Op) -> Result<(), StoreError> {
		match op {
			Op::Insert { id, routing, accepted_at_ms, deadline_ms, envelope, reply } => {
				let outcome =
					self.insert(batch, id, routing, accepted_at_ms, deadline_ms, &envelope);
				match outcome {
					Ok(o) => batch.done.push(Done::Insert(reply, o)),
					Err(e) => {
						let _ = reply.send(Err(e));
					},
				}
			},
			Op::Ack { routing, ids, reply } => match self.ack(batch, &routing, &ids) {
				Ok(n) => batch.done.push(Done::Ack(reply, n)),
				Err(e) => {
					let _ = reply.send(Err(e));
				},
			},
			Op::Expire { expired, reply } => match self.expire(batch, expired) {
				Ok(n) => batch.done.push(Done::Expire(reply, n)),
				Err(e) => {
					let _ = reply.send(Err(e));
				},
			},
		}
		Ok(())
	}

	fn insert(
		&mut self,
		batch: &mut Batch,
		id: MessageId,
		routing: RoutingId,
		accepted_at_ms: u64,
		deadline_ms: u64,
		envelope: &[u8],
	) -> Result<InsertOutcome, StoreError> {
		// A message id is the hash of its envelope, which names its recipient: a duplicate can
		// only be in this mailbox.
		if routing_of(envelope) != routing {
			return Err(StoreError::Write("envelope addressed to another mailbox".into()));
		}
		if batch.deleted.contains_key(&id) || self.lookup(batch, &routing, &id).is_some() {
			return Ok(InsertOutcome::Duplicate);
		}
		let (count, bytes) = self.mailbox(batch, &routing);
		let len = envelope.len() as i64;
		if count + 1 > i64::from(self.config.max_messages_per_mailbox) {
			return Ok(InsertOutcome::MailboxFull(u64::from(self.config.max_messages_per_mailbox)));
		}
		if bytes + len > i64::try_from(self.config.max_bytes_per_mailbox).unwrap_or(i64::MAX) {
			return Ok(InsertOutcome::MailboxFull(self.config.max_bytes_per_mailbox));
		}
		let mut next_low = self.next_low;
		let db = self.db.clone();
		let cf_msg = db.cf_handle(CF_MSG).ok_or(StoreError::Corrupt("missing column"))?;
		let seq = loop {
			let low = next_low & ((1 << SEQ_LOW_BITS) - 1);
			next_low = next_low.wrapping_add(1);
			let seq = (deadline_ms << SEQ_LOW_BITS) | low;
			// Above every seq used so far it is free; below (a clock that went back, or 2^20
			// messages with one deadline) RocksDB is asked.
			if seq > self.max_seq
				|| (!batch.seqs.contains(&seq)
					&& self.db.get_pinned_cf(cf_msg, seq_key(seq))?.is_none())
			{
				break seq;
			}
		};
		self.next_low = next_low;
		self.max_seq = self.max_seq.max(seq);
		let mut value = Vec::with_capacity(8 + envelope.len());
		value.extend_from_slice(&accepted_at_ms.to_le_bytes());
		value.extend_from_slice(envelope);
		batch.write.put_cf(cf_msg, seq_key(seq), value);
		batch.write.put_cf(
			self.cf(CF_BOX)?,
			box_key(&routing, seq),
			box_value(envelope.len() as u32, &id),
		);
		batch.seqs.insert(seq);
		batch.inserted.insert(id, (seq, routing, envelope.len() as u32));
		let d = batch.deltas.entry(routing).or_default();
		d.0 += 1;
		d.1 += len;
		Ok(InsertOutcome::Stored)
	}

	fn delete(
		&self,
		batch: &mut Batch,
		id: MessageId,
		seq: u64,
		routing: RoutingId,
		len: u32,
	) -> Result<(), StoreError> {
		batch.write.delete_cf(self.cf(CF_MSG)?, seq_key(seq));
		batch.write.delete_cf(self.cf(CF_BOX)?, box_key(&routing, seq));
		batch.inserted.remove(&id);
		batch.deleted.insert(id, routing);
		let d = batch.deltas.entry(routing).or_default();
		d.0 -= 1;
		d.1 -= i64::from(len);
		Ok(())
	}

	fn ack(
		&self,
		batch: &mut Batch,
		routing: &RoutingId,
		ids: &[MessageId],
	) -> Result<u16, StoreError> {
		let mut deleted = 0u16;
		for id in ids {
			// Only the recipient's own signed ack deletes its mail: ids are looked up in its
			// mailbox only.
			let Some(unread) = self.lookup(batch, routing, id) else { continue };
			self.delete(batch, *id, unread.seq, *routing, unread.len)?;
			deleted += 1;
		}
		Ok(deleted)
	}

	/// Deletes the expired messages the sweeper found, except those gone meanwhile.
	fn expire(&self, batch: &mut Batch, expired: Vec<Expired>) -> Result<u64, StoreError> {
		let mut n = 0;
		for e in expired {
			if self.lookup(batch, &e.routing, &e.id).is_none_or(|u| u.seq != e.seq) {
				continue;
			}
			self.delete(batch, e.id, e.seq, e.routing, e.len)?;
			n += 1;
		}
		Ok(n)
	}

	fn commit(&self, batch: Batch) {
		let Batch { write, inserted, deleted, done, .. } = batch;
		let mut opts = rocksdb::WriteOptions::default();
		opts.set_sync(self.config.fsync);
		match self.db.write_opt(write, &opts) {
			Ok(()) => {
				// The index follows the committed writes; the totals follow the index.
				let (mut messages, mut bytes) = (0i64, 0i64);
				let mut boxes = lock(&self.mailboxes);
				for (id, (seq, routing, len)) in inserted {
					let m = boxes.entry(routing).or_default();
					if m.ids.insert(id, Unread { seq, len }).is_none() {
						m.bytes += u64::from(len);
						messages += 1;
						bytes += i64::from(len);
					}
				}
				for (id, routing) in deleted {
					let Some(m) = boxes.get_mut(&routing) else { continue };
					if let Some(gone) = m.ids.remove(&id) {
						m.bytes -= u64::from(gone.len);
						messages -= 1;
						bytes -= i64::from(gone.len);
					}
					if m.ids.is_empty() {
						boxes.remove(&routing);
					}
				}
				drop(boxes);
				add_signed(&self.messages, messages);
				add_signed(&self.bytes, bytes);
				done.into_iter().for_each(Done::succeed);
			},
			Err(e) => {
				tracing::error!(target: "relay", error = %e, "unread store write failed");
				let msg = e.to_string();
				done.into_iter().for_each(|d| d.fail(|| StoreError::Write(msg.clone())));
			},
		}
	}
}
