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
//! an ack writes two keys. It costs about 65 bytes of heap per unread message (measured by
//! `scripts/bench-relay`'s W2). A store written by an older version, with a third column `id`
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

use std::{
	collections::{HashMap, HashSet, VecDeque},
	path::PathBuf,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex, TryLockError,
	},
};

use ichat_relay_proto::{limits::MAX_BODY_LEN, Delivery, MessageId, RoutingId};
use rocksdb::{
	BlockBasedOptions, ColumnFamilyDescriptor, Direction, IteratorMode, Options, WriteBatch, DB,
};
use tokio::sync::oneshot;

const CF_MSG: &str = "msg";
const CF_BOX: &str = "box";
/// The id index of older versions, dropped when such a store is opened.
const CF_LEGACY_ID: &str = "id";
/// Length of a `box` value: envelope length (4) ‖ message id (32).
const BOX_VALUE_LEN: usize = 36;
/// Low bits of `seq` that tell apart messages with the same deadline.
const SEQ_LOW_BITS: u32 = 20;
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

fn db_options() -> (Options, Vec<ColumnFamilyDescriptor>) {
	let mut opts = Options::default();
	opts.create_if_missing(true);
	opts.create_missing_column_families(true);
	opts.set_max_open_files(256);
	opts.set_keep_log_file_num(2);
	opts.increase_parallelism(2);
	let mut point = BlockBasedOptions::default();
	point.set_bloom_filter(10.0, false);
	let cf = |name: &str, compress: bool, write_buffer: usize| {
		let mut o = Options::default();
		o.set_block_based_table_factory(&point);
		o.set_write_buffer_size(write_buffer);
		// Envelopes are ciphertext: compressing them costs CPU and saves nothing.
		o.set_compression_type(if compress {
			rocksdb::DBCompressionType::Snappy
		} else {
			rocksdb::DBCompressionType::None
		});
		ColumnFamilyDescriptor::new(name, o)
	};
	// Most envelopes are read and burned within a second of arriving: in a large memtable their
	// put and delete meet before a flush, which then writes only the delete, and flushes (whose
	// work competes with the relay's for the core) come four times less often than with 16 MiB.
	// Memtables take at most 2 × 64 MiB for `msg` and 2 × 16 MiB for `box`.
	let msg_buffer = 64 << 20;
	let box_buffer = 16 << 20;
	(
		opts,
		vec![
			cf(CF_MSG, false, msg_buffer),
			cf(CF_BOX, false, box_buffer),
			cf(CF_LEGACY_ID, false, box_buffer),
		],
	)
}

fn box_value(len: u32, id: &MessageId) -> [u8; BOX_VALUE_LEN] {
	let mut v = [0u8; BOX_VALUE_LEN];
	v[..4].copy_from_slice(&len.to_le_bytes());
	v[4..].copy_from_slice(&id.0);
	v
}

/// Converts a store written by an older version: `box` values get the message id (read from
/// the envelope in `msg`), and the `id` column is dropped.
fn migrate_legacy(db: &mut DB) -> Result<(), StoreError> {
	if db.cf_handle(CF_LEGACY_ID).is_none() {
		return Ok(());
	}
	let mut batch = WriteBatch::default();
	let mut converted = 0u64;
	{
		let cf_box = db.cf_handle(CF_BOX).ok_or(StoreError::Corrupt("missing column"))?;
		let cf_msg = db.cf_handle(CF_MSG).ok_or(StoreError::Corrupt("missing column"))?;
		for item in db.iterator_cf(cf_box, IteratorMode::Start) {
			let (key, value) = item?;
			if value.len() != 4 {
				continue;
			}
			let seq = key
				.get(32..40)
				.and_then(|k| <[u8; 8]>::try_from(k).ok())
				.map(u64::from_be_bytes)
				.ok_or(StoreError::Corrupt("mailbox index entry"))?;
			match db.get_pinned_cf(cf_msg, seq_key(seq))? {
				Some(msg) => {
					let (_, envelope) = split_msg(&msg)?;
					let id = MessageId::of(envelope);
					batch.put_cf(cf_box, &key, box_value(envelope.len() as u32, &id));
					converted += 1;
				},
				None => batch.delete_cf(cf_box, &key),
			}
		}
	}
	let mut opts = rocksdb::WriteOptions::default();
	opts.set_sync(true);
	db.write_opt(batch, &opts)?;
	db.drop_cf(CF_LEGACY_ID)?;
	tracing::info!(target: "relay", converted, "unread store converted to the two-column layout");
	Ok(())
}

fn seq_key(seq: u64) -> [u8; 8] {
	seq.to_be_bytes()
}

fn box_key(routing: &RoutingId, seq: u64) -> [u8; 40] {
	let mut k = [0u8; 40];
	k[..32].copy_from_slice(&routing.0);
	k[32..].copy_from_slice(&seq.to_be_bytes());
	k
}

fn deadline_of(seq: u64) -> u64 {
	seq >> SEQ_LOW_BITS
}

/// Splits a `msg` value into (accepted at, envelope).
fn split_msg(value: &[u8]) -> Result<(u64, &[u8]), StoreError> {
	if value.len() < 8 + 33 {
		return Err(StoreError::Corrupt("message value too short"));
	}
	let mut at = [0u8; 8];
	at.copy_from_slice(&value[..8]);
	Ok((u64::from_le_bytes(at), &value[8..]))
}

fn routing_of(envelope: &[u8]) -> RoutingId {
	let mut r = [0u8; 32];
	r.copy_from_slice(&envelope[1..33]);
	RoutingId(r)
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

struct Writer {
	db: Arc<DB>,
	mailboxes: Arc<Mutex<HashMap<RoutingId, Mailbox>>>,
	messages: Arc<AtomicU64>,
	bytes: Arc<AtomicU64>,
	config: StoreConfig,
	next_low: u64,
	/// The largest `seq` ever used: a new one above it needs no check that it is free.
	max_seq: u64,
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
	fn commit_batch(&mut self, ops: Vec<Op>) {
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

#[cfg(test)]
mod tests {
	use super::*;

	fn envelope(routing: &RoutingId, tag: u8, len: usize) -> Vec<u8> {
		let mut e = vec![tag; len];
		e[0] = 1;
		e[1..33].copy_from_slice(&routing.0);
		e
	}

	fn open(dir: &std::path::Path) -> Store {
		let mut c = StoreConfig::new(dir.to_path_buf());
		c.max_messages_per_mailbox = 3;
		c.max_bytes_per_mailbox = 10_000;
		Store::open(c).expect("opens")
	}

	#[tokio::test]
	async fn insert_fetch_ack_sweep_and_restart() {
		let dir = tempfile::tempdir().expect("tempdir");
		let alice = RoutingId([1; 32]);
		let bob = RoutingId([2; 32]);
		let store = open(dir.path());
		let e1 = envelope(&alice, 0xa1, 1000);
		let e2 = envelope(&alice, 0xa2, 1000);
		let e3 = envelope(&bob, 0xb1, 1000);
		assert_eq!(
			store
				.insert(MessageId::of(&e1), alice, 10, 5_000, e1.clone())
				.await
				.expect("ok"),
			InsertOutcome::Stored
		);
		assert_eq!(
			store
				.insert(MessageId::of(&e1), alice, 10, 5_000, e1.clone())
				.await
				.expect("ok"),
			InsertOutcome::Duplicate
		);
		assert_eq!(
			store
				.insert(MessageId::of(&e2), alice, 11, 9_000, e2.clone())
				.await
				.expect("ok"),
			InsertOutcome::Stored
		);
		assert_eq!(
			store.insert(MessageId::of(&e3), bob, 12, 5_000, e3.clone()).await.expect("ok"),
			InsertOutcome::Stored
		);
		assert_eq!(store.unread(&alice), 2);
		assert_eq!(store.totals().messages, 3);

		// Fetch pages through the cursor.
		let (page, next, more) = store.fetch(&alice, 0, 1, 0).expect("fetch");
		assert_eq!((page.len(), more), (1, true));
		assert_eq!(page[0].envelope, e1);
		let (page, _, more) = store.fetch(&alice, next, 10, 0).expect("fetch");
		// Past its deadline a message is not served, swept or not.
		assert!(store.fetch(&alice, 0, 10, 9_000).expect("fetch").0.is_empty());
		assert_eq!((page.len(), more), (1, false));
		assert_eq!(page[0].envelope, e2);

		// Bob cannot ack Alice's mail; Alice can.
		let id1 = MessageId::of(&e1);
		assert_eq!(store.ack(bob, vec![id1]).await.expect("ok"), 0);
		assert_eq!(store.ack(alice, vec![id1, id1]).await.expect("ok"), 1);
		assert!(!store.contains(&id1));
		assert_eq!(store.unread(&alice), 1);

		// Survives a restart.
		drop(store);
		let store = open(dir.path());
		assert_eq!(store.unread(&alice), 1);
		assert_eq!(store.unread(&bob), 1);
		assert!(store.contains(&MessageId::of(&e2)));

		// The sweeper deletes exactly what is past its deadline.
		assert_eq!(store.sweep(5_000).await.expect("ok"), 1);
		assert_eq!(store.unread(&bob), 0);
		assert_eq!(store.unread(&alice), 1);
		assert_eq!(store.sweep(9_000).await.expect("ok"), 1);
		assert_eq!(store.totals(), Totals::default());
	}

	/// A store written by the previous layout (three columns, 4-byte `box` values) opens with
	/// its mail intact, and the `id` column is gone afterwards.
	#[tokio::test]
	async fn a_store_in_the_old_layout_is_converted() {
		let dir = tempfile::tempdir().expect("tempdir");
		let frank = RoutingId([6; 32]);
		let (e1, e2) = (envelope(&frank, 1, 700), envelope(&frank, 2, 900));
		{
			let (opts, cfs) = db_options();
			let db = DB::open_cf_descriptors(&opts, dir.path(), cfs).expect("old layout");
			let (msg, bx, id) = (
				db.cf_handle(CF_MSG).expect("msg"),
				db.cf_handle(CF_BOX).expect("box"),
				db.cf_handle(CF_LEGACY_ID).expect("id"),
			);
			for (i, e) in [&e1, &e2].into_iter().enumerate() {
				let seq = (9_000u64 << SEQ_LOW_BITS) | i as u64;
				let mut value = 42u64.to_le_bytes().to_vec();
				value.extend_from_slice(e);
				db.put_cf(msg, seq_key(seq), value).expect("put");
				db.put_cf(bx, box_key(&frank, seq), (e.len() as u32).to_le_bytes())
					.expect("put");
				db.put_cf(id, MessageId::of(e).0, seq_key(seq)).expect("put");
			}
		}
		let store = open(dir.path());
		assert_eq!(store.unread(&frank), 2);
		assert_eq!(store.totals().bytes, 1_600);
		assert!(store.contains(&MessageId::of(&e1)));
		let (page, _, _) = store.fetch(&frank, 0, 10, 0).expect("fetch");
		assert_eq!(
			page.iter().map(|d| d.envelope.clone()).collect::<Vec<_>>(),
			vec![e1.clone(), e2]
		);
		assert_eq!(page[0].accepted_at_ms, 42);
		assert_eq!(store.ack(frank, vec![MessageId::of(&e1)]).await.expect("ack"), 1);
		// A new message gets a seq of its own, after the converted ones.
		let e3 = envelope(&frank, 3, 500);
		assert_eq!(
			store.insert(MessageId::of(&e3), frank, 1, 9_000, e3).await.expect("ok"),
			InsertOutcome::Stored
		);
		drop(store);
		let (opts, _) = db_options();
		let columns = DB::list_cf(&opts, dir.path()).expect("columns");
		assert!(!columns.iter().any(|c| c == CF_LEGACY_ID), "{columns:?}");
		let store = open(dir.path());
		assert_eq!(store.unread(&frank), 2);
		assert!(!store.contains(&MessageId::of(&e1)));
	}

	/// An insert whose envelope names another recipient is refused (the index would file it
	/// under the wrong mailbox).
	#[tokio::test]
	async fn an_envelope_for_another_mailbox_is_refused() {
		let dir = tempfile::tempdir().expect("tempdir");
		let store = open(dir.path());
		let e = envelope(&RoutingId([7; 32]), 1, 300);
		let r = store.insert(MessageId::of(&e), RoutingId([8; 32]), 1, 1_000, e).await;
		assert!(matches!(r, Err(StoreError::Write(_))), "{r:?}");
		assert_eq!(store.totals(), Totals::default());
	}

	#[tokio::test]
	async fn mailbox_bounds_count_and_bytes() {
		let dir = tempfile::tempdir().expect("tempdir");
		let store = open(dir.path());
		let carol = RoutingId([3; 32]);
		for i in 0..3 {
			let e = envelope(&carol, i, 100);
			assert_eq!(
				store.insert(MessageId::of(&e), carol, 1, 1_000, e).await.expect("ok"),
				InsertOutcome::Stored
			);
		}
		let e = envelope(&carol, 9, 100);
		assert_eq!(
			store.insert(MessageId::of(&e), carol, 1, 1_000, e).await.expect("ok"),
			InsertOutcome::MailboxFull(3)
		);
		let dave = RoutingId([4; 32]);
		let big = envelope(&dave, 1, 9_000);
		assert_eq!(
			store.insert(MessageId::of(&big), dave, 1, 1_000, big).await.expect("ok"),
			InsertOutcome::Stored
		);
		let e = envelope(&dave, 2, 1_001);
		assert_eq!(
			store.insert(MessageId::of(&e), dave, 1, 1_000, e).await.expect("ok"),
			InsertOutcome::MailboxFull(10_000)
		);
	}

	#[tokio::test]
	async fn concurrent_duplicates_are_stored_once() {
		let dir = tempfile::tempdir().expect("tempdir");
		let store = open(dir.path());
		let erin = RoutingId([5; 32]);
		let e = envelope(&erin, 7, 500);
		let tasks: Vec<_> = (0..16)
			.map(|_| {
				let (s, e) = (store.clone(), e.clone());
				tokio::spawn(async move { s.insert(MessageId::of(&e), erin, 1, 1_000, e).await })
			})
			.collect();
		let mut stored = 0;
		for t in tasks {
			if t.await.expect("join").expect("ok") == InsertOutcome::Stored {
				stored += 1;
			}
		}
		assert_eq!(stored, 1);
		assert_eq!(store.unread(&erin), 1);
	}

	/// Many callers on several threads at once: whoever finds the writer free commits for the
	/// others, and no operation is left behind (one would hang its caller), with and without
	/// fsync (whose commits run on the blocking pool).
	#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
	async fn concurrent_callers_are_all_committed() {
		for fsync in [false, true] {
			let dir = tempfile::tempdir().expect("tempdir");
			let mut c = StoreConfig::new(dir.path().to_path_buf());
			c.fsync = fsync;
			// Room for every caller at once: this test is about commits, not `Busy`.
			c.queue_capacity = 100_000;
			let store = Store::open(c.clone()).expect("opens");
			let tasks: Vec<_> = (0..20_000u32)
				.map(|i| {
					let s = store.clone();
					tokio::spawn(async move {
						let r = RoutingId([(i % 50) as u8; 32]);
						let mut e = envelope(&r, 0, 100 + (i % 7) as usize);
						e[33..37].copy_from_slice(&i.to_le_bytes());
						let id = MessageId::of(&e);
						let stored = s.insert(id, r, 1, 1_000, e).await.expect("insert");
						if i % 2 == 0 {
							assert_eq!(s.ack(r, vec![id]).await.expect("ack"), 1);
						}
						stored
					})
				})
				.collect();
			let all = async {
				for t in tasks {
					assert_eq!(t.await.expect("join"), InsertOutcome::Stored);
				}
			};
			tokio::time::timeout(std::time::Duration::from_secs(30), all)
				.await
				.expect("every caller answered");
			assert_eq!(store.totals().messages, 10_000, "fsync {fsync}");
			drop(store);
			let store = Store::open(c).expect("reopens");
			assert_eq!(store.totals().messages, 10_000, "after a restart, fsync {fsync}");
			assert_eq!(store.totals().mailboxes, 25);
		}
	}
}
