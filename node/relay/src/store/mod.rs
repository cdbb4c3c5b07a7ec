//! The unread store: unread envelopes on disk in RocksDB, until acknowledged or expired.
//!
//! Why RocksDB (see also `docs/architecture.md`, "The unread store"): it is already compiled
//! into `ichat-node` (Substrate's client database), it has a write-ahead log so an answered
//! write survives a crash of the process, its write batches make "store the message and its
//! indexes" atomic, and its LSM layout suits a workload of appends and deletes in roughly
//! insertion order. ParityDB, the other database in the binary, is built for the trie's
//! content-addressed values and has no ordered iteration, which the sweeper and `fetch` need.
//!
//! # Layout
//!
//! Two column families; `seq` is a `u64` whose high 44 bits are the message's deadline (unix
//! ms) and whose low 20 bits tell apart messages with the same deadline, so key order is
//! deadline order and the sweeper reads only expired keys:
//!
//! | column | key | value |
//! |---|---|---|
//! | `msg` | `seq` (8, big-endian) | `accepted at ms u64 LE` ‖ envelope |
//! | `box` | routing id (32) ‖ `seq` (8, BE) | envelope length `u32 LE` ‖ message id (32) |
//!
//! Per unread 1 KiB envelope that is the envelope, 92 bytes of keys and values, and RocksDB's
//! own per-entry overhead; `scripts/bench-relay` measures it.
//!
//! # The index in memory
//!
//! Which messages each mailbox holds (id → `seq`, length) is also kept in memory, rebuilt from
//! `box` at start. So "is this a duplicate?", "is this id in the acker's mailbox?" and "is
//! this expired message still here?" are answered without reading RocksDB, and an insert or
//! an ack writes two keys. It costs about 64 bytes of Rust heap per unread message, plus about
//! 8 bytes RocksDB keeps per entry (`scripts/bench-relay`'s W2; `docs/performance.md`). A store written by an older version, with a third column `id`
//! (message id → `seq`) and 4-byte `box` values, is converted when it is opened.
//!
//! # Writes
//!
//! Every write is queued (a bounded queue: full answers `Busy`) and committed by one writer at
//! a time, which makes "is this a duplicate? is the mailbox full?" and the write atomic without
//! locks on the read path, and commits every batch of queued operations with one WAL write
//! (group commit). There is no writer thread: the caller that finds the writer free commits
//! what is queued, its own operation and the others', and a caller that finds it busy leaves
//! its operation to that one (flat combining). So an uncontended write costs no thread
//! hand-off, and a contended one is batched. With `fsync`, whose flush takes milliseconds, the
//! committing caller tells Tokio it blocks (`block_in_place`), so the worker's other tasks move
//! to another thread meanwhile. A caller is answered only after its batch is in the WAL, so an
//! accepted message survives a crash of the process; with `fsync` it also survives a power
//! loss. Reads (`fetch`, and the sweeper's scan for expired messages) go to RocksDB directly.
//!
//! # Modules
//!
//! This file holds the store's API and its read path; `layout` the column families, key and
//! value encodings and the conversion of older stores; `writer` the one writer that applies a
//! batch of queued operations and commits it.

use std::{
	collections::{HashMap, VecDeque},
	path::PathBuf,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex, TryLockError,
	},
};

use ichat_relay_proto::{limits::MAX_BODY_LEN, Delivery, MessageId, RoutingId};
use rocksdb::{Direction, IteratorMode, DB};
use tokio::sync::oneshot;

use layout::{
	box_key, db_options, deadline_of, migrate_legacy, routing_of, seq_key, split_msg,
	BOX_VALUE_LEN, CF_BOX, CF_LEGACY_ID, CF_MSG, SEQ_LOW_BITS,
};
use writer::Writer;

mod layout;
#[cfg(test)]
mod tests;
mod writer;

/// Most operations committed in one batch.
const MAX_BATCH: usize = 512;
/// Most expired messages deleted per sweep batch (the sweeper repeats until none is left).
const SWEEP_BATCH: usize = 10_000;
/// Room left in a `fetched` body for its own fields.
const FETCH_BODY_RESERVE: usize = 64;

/// Settings of the unread store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
	/// Database directory (created if missing).
	pub path: PathBuf,
	/// Most unread messages per recipient.
	pub max_messages_per_mailbox: u32,
	/// Most unread envelope bytes per recipient.
	pub max_bytes_per_mailbox: u64,
	/// fsync the write-ahead log before answering (survives power loss, not only crashes).
	pub fsync: bool,
	/// Capacity of the writer's queue; a full queue answers `Busy`.
	pub queue_capacity: usize,
}

impl StoreConfig {
	/// Defaults: 1,000 messages or 16 MiB per recipient, no fsync, a queue of 8,192.
	pub fn new(path: PathBuf) -> StoreConfig {
		StoreConfig {
			path,
			max_messages_per_mailbox: 1_000,
			max_bytes_per_mailbox: 16 << 20,
			fsync: false,
			queue_capacity: 8_192,
		}
	}
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// RocksDB failed.
	#[error("unread store: {0}")]
	Db(#[from] rocksdb::Error),
	/// The directory could not be set up.
	#[error("unread store: {0}")]
	Setup(String),
	/// A write failed (the detail is RocksDB's).
	#[error("unread store write failed: {0}")]
	Write(String),
	/// The writer's queue is full.
	#[error("unread store is busy")]
	Busy,
	/// The operation was lost (the caller committing it panicked).
	#[error("unread store is closed")]
	Closed,
	/// A stored value does not have the expected shape.
	#[error("unread store is corrupt: {0}")]
	Corrupt(&'static str),
}

/// The result of [`Store::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
	/// Stored as unread under this sequence number.
	Stored,
	/// This node already holds the message (or held it and it was acknowledged in the same
	/// batch): not stored again.
	Duplicate,
	/// The recipient's mailbox is at a bound; the value is the bound hit (count or bytes).
	MailboxFull(u64),
}

/// Unread mail of the node's whole population of recipients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
	/// Recipients with unread mail.
	pub mailboxes: u64,
	/// Unread messages.
	pub messages: u64,
	/// Unread envelope bytes.
	pub bytes: u64,
	/// The largest mailbox, in messages.
	pub largest_mailbox: u64,
}

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Op {
	Insert {
		id: MessageId,
		routing: RoutingId,
		accepted_at_ms: u64,
		deadline_ms: u64,
		envelope: Vec<u8>,
		reply: Reply<InsertOutcome>,
	},
	Ack {
		routing: RoutingId,
		ids: Vec<MessageId>,
		reply: Reply<u16>,
	},
	Expire {
		expired: Vec<Expired>,
		reply: Reply<u64>,
	},
}

/// A message the sweeper found past its deadline.
struct Expired {
	id: MessageId,
	seq: u64,
	routing: RoutingId,
	len: u32,
}

/// One unread message of a mailbox, as the index in memory knows it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Unread {
	seq: u64,
	len: u32,
}

/// A recipient's unread messages.
#[derive(Default)]
struct Mailbox {
	ids: HashMap<MessageId, Unread>,
	bytes: u64,
}

impl Mailbox {
	fn count(&self) -> u32 {
		self.ids.len() as u32
	}
}

struct Inner {
	db: Arc<DB>,
	mailboxes: Arc<Mutex<HashMap<RoutingId, Mailbox>>>,
	/// Operations waiting to be committed.
	queue: Mutex<VecDeque<Op>>,
	queue_capacity: usize,
	/// Whoever holds it commits what is queued.
	writer: Mutex<Writer>,
	fsync: bool,
	messages: Arc<AtomicU64>,
	bytes: Arc<AtomicU64>,
}

/// Runs `f`, which blocks for a while (an fsync, a scan of thousands of messages): on a
/// multi-threaded Tokio runtime the worker's other tasks move to another thread meanwhile.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
	let multi_thread = tokio::runtime::Handle::try_current()
		.is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
	if multi_thread {
		tokio::task::block_in_place(f)
	} else {
		f()
	}
}

fn add_signed(counter: &AtomicU64, delta: i64) {
	if delta >= 0 {
		counter.fetch_add(delta as u64, Ordering::Relaxed);
	} else {
		counter.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
	}
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The unread store. Cheap to clone; the database closes when the last clone is dropped.
#[derive(Clone)]
pub struct Store {
	inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Store").field("totals", &self.totals()).finish()
	}
}

impl Store {
	/// Opens (or creates) the store and rebuilds the per-recipient counters from disk.
	pub fn open(config: StoreConfig) -> Result<Store, StoreError> {
		std::fs::create_dir_all(&config.path)
			.map_err(|e| StoreError::Setup(format!("{}: {e}", config.path.display())))?;
		let (opts, mut cfs) = db_options();
		// The legacy `id` column is opened (RocksDB requires every existing column to be) only
		// to be converted and dropped.
		let existing = DB::list_cf(&opts, &config.path).unwrap_or_default();
		if !existing.iter().any(|name| name == CF_LEGACY_ID) {
			cfs.retain(|cf| cf.name() != CF_LEGACY_ID);
		}
		let mut db = DB::open_cf_descriptors(&opts, &config.path, cfs)?;
		migrate_legacy(&mut db)?;
		let db = Arc::new(db);
		let mut mailboxes: HashMap<RoutingId, Mailbox> = HashMap::new();
		let (mut messages, mut bytes) = (0u64, 0u64);
		{
			let cf = db.cf_handle(CF_BOX).ok_or(StoreError::Corrupt("missing column"))?;
			for item in db.iterator_cf(cf, IteratorMode::Start) {
				let (key, value) = item?;
				if key.len() != 40 || value.len() != BOX_VALUE_LEN {
					return Err(StoreError::Corrupt("mailbox index entry"));
				}
				let mut r = [0u8; 32];
				r.copy_from_slice(&key[..32]);
				let mut s = [0u8; 8];
				s.copy_from_slice(&key[32..]);
				let len = u32::from_le_bytes([value[0], value[1], value[2], value[3]]);
				let mut id = [0u8; 32];
				id.copy_from_slice(&value[4..]);
				let m = mailboxes.entry(RoutingId(r)).or_default();
				m.ids.insert(MessageId(id), Unread { seq: u64::from_be_bytes(s), len });
				m.bytes += u64::from(len);
				messages += 1;
				bytes += u64::from(len);
			}
		}
		let last_seq = {
			let cf = db.cf_handle(CF_MSG).ok_or(StoreError::Corrupt("missing column"))?;
			match db.iterator_cf(cf, IteratorMode::End).next() {
				Some(item) => {
					let (key, _) = item?;
					let mut k = [0u8; 8];
					k.copy_from_slice(key.get(..8).ok_or(StoreError::Corrupt("message key"))?);
					u64::from_be_bytes(k)
				},
				None => 0,
			}
		};
		let last_low = last_seq & ((1 << SEQ_LOW_BITS) - 1);
		let mailboxes = Arc::new(Mutex::new(mailboxes));
		let messages = Arc::new(AtomicU64::new(messages));
		let bytes = Arc::new(AtomicU64::new(bytes));
		let queue_capacity = config.queue_capacity.max(1);
		let fsync = config.fsync;
		let writer = Writer {
			db: db.clone(),
			mailboxes: mailboxes.clone(),
			messages: messages.clone(),
			bytes: bytes.clone(),
			config,
			next_low: last_low + 1,
			max_seq: last_seq,
		};
		Ok(Store {
			inner: Arc::new(Inner {
				db,
				mailboxes,
				queue: Mutex::new(VecDeque::new()),
				queue_capacity,
				writer: Mutex::new(writer),
				fsync,
				messages,
				bytes,
			}),
		})
	}

	/// Queues an operation, sees that it gets committed, and waits for its answer.
	async fn submit<T>(&self, make: impl FnOnce(Reply<T>) -> Op) -> Result<T, StoreError> {
		let (reply, rx) = oneshot::channel();
		{
			let mut queue = lock(&self.inner.queue);
			if queue.len() >= self.inner.queue_capacity {
				return Err(StoreError::Busy);
			}
			queue.push_back(make(reply));
		}
		if self.inner.fsync {
			// An fsync'd commit blocks for milliseconds.
			blocking(|| self.commit_queued());
		} else {
			self.commit_queued();
		}
		rx.await.map_err(|_| StoreError::Closed)?
	}

	/// Commits what is queued, in batches, unless another caller is doing so already (then it
	/// commits this caller's operation too). After releasing the writer it looks at the queue
	/// again, so that an operation queued while it held the writer (whose caller found the
	/// writer busy and left) is never left behind.
	fn commit_queued(&self) {
		loop {
			let mut writer = match self.inner.writer.try_lock() {
				Ok(writer) => writer,
				Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
				Err(TryLockError::WouldBlock) => return,
			};
			loop {
				let ops: Vec<Op> = {
					let mut queue = lock(&self.inner.queue);
					let n = queue.len().min(MAX_BATCH);
					queue.drain(..n).collect()
				};
				if ops.is_empty() {
					break;
				}
				writer.commit_batch(ops);
			}
			drop(writer);
			if lock(&self.inner.queue).is_empty() {
				return;
			}
		}
	}

	/// Stores `envelope` for `routing` as unread until `deadline_ms`, once: a message already
	/// held is a [`InsertOutcome::Duplicate`]. `id` is the envelope's [`MessageId::of`], which
	/// the caller has computed already (hashing it again would cost more than the write).
	/// Answers after the write is in the WAL.
	pub async fn insert(
		&self,
		id: MessageId,
		routing: RoutingId,
		accepted_at_ms: u64,
		deadline_ms: u64,
		envelope: Vec<u8>,
	) -> Result<InsertOutcome, StoreError> {
		debug_assert_eq!(id, MessageId::of(&envelope), "the id of this envelope");
		self.submit(|reply| Op::Insert {
			id,
			routing,
			accepted_at_ms,
			deadline_ms,
			envelope,
			reply,
		})
		.await
	}

	/// Deletes the messages `ids` of `routing`'s mailbox (ids of other mailboxes are ignored).
	/// Returns how many were deleted.
	pub async fn ack(&self, routing: RoutingId, ids: Vec<MessageId>) -> Result<u16, StoreError> {
		self.submit(|reply| Op::Ack { routing, ids, reply }).await
	}

	/// Deletes every message whose deadline is at or before `now_ms`. Returns how many.
	///
	/// The expired messages are found by reading, a batch at a time, then deleted through the
	/// writer, which skips any that an `ack` deleted meanwhile.
	pub async fn sweep(&self, now_ms: u64) -> Result<u64, StoreError> {
		let mut total = 0;
		loop {
			let (expired, more) = blocking(|| self.expired(now_ms, SWEEP_BATCH))?;
			if !expired.is_empty() {
				total += self.submit(|reply| Op::Expire { expired, reply }).await?;
			}
			if !more {
				return Ok(total);
			}
		}
	}

	/// The oldest messages whose deadline is at or before `now_ms`, at most `limit`, and
	/// whether more are waiting.
	fn expired(&self, now_ms: u64, limit: usize) -> Result<(Vec<Expired>, bool), StoreError> {
		let db = &self.inner.db;
		let cf_msg = db.cf_handle(CF_MSG).ok_or(StoreError::Corrupt("missing column"))?;
		let mut expired = Vec::new();
		for item in db.iterator_cf(cf_msg, IteratorMode::Start) {
			let (key, value) = item?;
			let mut k = [0u8; 8];
			k.copy_from_slice(key.get(..8).ok_or(StoreError::Corrupt("message key"))?);
			let seq = u64::from_be_bytes(k);
			if deadline_of(seq) > now_ms {
				break;
			}
			if expired.len() == limit {
				return Ok((expired, true));
			}
			let (_, envelope) = split_msg(&value)?;
			expired.push(Expired {
				id: MessageId::of(envelope),
				seq,
				routing: routing_of(envelope),
				len: envelope.len() as u32,
			});
		}
		Ok((expired, false))
	}

	/// Unread messages of `routing` from `cursor` (0 = oldest), at most `limit` and at most what
	/// fits a `fetched` body. Returns them, the next cursor and whether more are waiting.
	/// Messages past their deadline at `now_ms` are never returned, even before the sweeper
	/// deletes them.
	pub fn fetch(
		&self,
		routing: &RoutingId,
		cursor: u64,
		limit: usize,
		now_ms: u64,
	) -> Result<(Vec<Delivery>, u64, bool), StoreError> {
		let db = &self.inner.db;
		let cf_box = db.cf_handle(CF_BOX).ok_or(StoreError::Corrupt("missing column"))?;
		let cf_msg = db.cf_handle(CF_MSG).ok_or(StoreError::Corrupt("missing column"))?;
		let start = box_key(routing, cursor);
		let mut out = Vec::new();
		let mut size = 0usize;
		let mut next_cursor = cursor;
		let mut more = false;
		for item in db.iterator_cf(cf_box, IteratorMode::From(&start, Direction::Forward)) {
			let (key, _) = item?;
			if key.len() != 40 || key[..32] != routing.0 {
				break;
			}
			let mut s = [0u8; 8];
			s.copy_from_slice(&key[32..]);
			let seq = u64::from_be_bytes(s);
			if deadline_of(seq) <= now_ms {
				next_cursor = seq + 1;
				continue;
			}
			let Some(value) = db.get_pinned_cf(cf_msg, seq_key(seq))? else { continue };
			let (accepted_at_ms, envelope) = split_msg(&value)?;
			let delivery = Delivery { accepted_at_ms, envelope: envelope.to_vec() };
			if out.len() >= limit
				|| size + delivery.encoded_len() > MAX_BODY_LEN - FETCH_BODY_RESERVE
			{
				more = true;
				break;
			}
			size += delivery.encoded_len();
			out.push(delivery);
			next_cursor = seq + 1;
		}
		Ok((out, next_cursor, more))
	}

	/// Whether this node holds message `id` (looks through every mailbox: for tests and
	/// diagnostics, not for the request path).
	pub fn contains(&self, id: &MessageId) -> bool {
		lock(&self.inner.mailboxes).values().any(|m| m.ids.contains_key(id))
	}

	/// Unread messages waiting for `routing`.
	pub fn unread(&self, routing: &RoutingId) -> u32 {
		lock(&self.inner.mailboxes).get(routing).map_or(0, Mailbox::count)
	}

	/// Unread mail of every recipient.
	pub fn totals(&self) -> Totals {
		let boxes = lock(&self.inner.mailboxes);
		Totals {
			mailboxes: boxes.len() as u64,
			messages: self.inner.messages.load(Ordering::Relaxed),
			bytes: self.inner.bytes.load(Ordering::Relaxed),
			largest_mailbox: boxes.values().map(|m| u64::from(m.count())).max().unwrap_or(0),
		}
	}

	/// RocksDB's own memory use (memtables, table readers, block cache), in bytes.
	pub fn db_memory_bytes(&self) -> u64 {
		let db = &self.inner.db;
		[CF_MSG, CF_BOX]
			.iter()
			.filter_map(|name| db.cf_handle(name))
			.map(|cf| {
				[
					"rocksdb.cur-size-all-mem-tables",
					"rocksdb.estimate-table-readers-mem",
					"rocksdb.block-cache-usage",
				]
				.iter()
				.filter_map(|p| db.property_int_value_cf(cf, *p).ok().flatten())
				.sum::<u64>()
			})
			.sum()
	}

	/// Flushes memtables to table files (used by the benchmark before measuring disk use).
	pub fn flush(&self) -> Result<(), StoreError> {
		let db = &self.inner.db;
		for name in [CF_MSG, CF_BOX] {
			if let Some(cf) = db.cf_handle(name) {
				db.flush_cf(cf)?;
			}
		}
		Ok(())
	}
}
