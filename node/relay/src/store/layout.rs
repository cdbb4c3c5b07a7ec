//! The store's layout on disk: column families, key and value encodings, RocksDB options, and
//! the conversion of a store written by an older version.

use ichat_relay_proto::{MessageId, RoutingId};
use rocksdb::{BlockBasedOptions, ColumnFamilyDescriptor, IteratorMode, Options, WriteBatch, DB};

use super::StoreError;

pub(super) const CF_MSG: &str = "msg";
pub(super) const CF_BOX: &str = "box";
/// The id index of older versions, dropped when such a store is opened.
pub(super) const CF_LEGACY_ID: &str = "id";
/// Length of a `box` value: envelope length (4) ‖ message id (32).
pub(super) const BOX_VALUE_LEN: usize = 36;
/// Low bits of `seq` that tell apart messages with the same deadline.
pub(super) const SEQ_LOW_BITS: u32 = 20;

pub(super) fn db_options() -> (Options, Vec<ColumnFamilyDescriptor>) {
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

pub(super) fn box_value(len: u32, id: &MessageId) -> [u8; BOX_VALUE_LEN] {
	let mut v = [0u8; BOX_VALUE_LEN];
	v[..4].copy_from_slice(&len.to_le_bytes());
	v[4..].copy_from_slice(&id.0);
	v
}

/// Converts a store written by an older version: `box` values get the message id (read from
/// the envelope in `msg`), and the `id` column is dropped.
pub(super) fn migrate_legacy(db: &mut DB) -> Result<(), StoreError> {
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

pub(super) fn seq_key(seq: u64) -> [u8; 8] {
	seq.to_be_bytes()
}

pub(super) fn box_key(routing: &RoutingId, seq: u64) -> [u8; 40] {
	let mut k = [0u8; 40];
	k[..32].copy_from_slice(&routing.0);
	k[32..].copy_from_slice(&seq.to_be_bytes());
	k
}

pub(super) fn deadline_of(seq: u64) -> u64 {
	seq >> SEQ_LOW_BITS
}

/// Splits a `msg` value into (accepted at, envelope).
pub(super) fn split_msg(value: &[u8]) -> Result<(u64, &[u8]), StoreError> {
	if value.len() < 8 + 33 {
		return Err(StoreError::Corrupt("message value too short"));
	}
	let mut at = [0u8; 8];
	at.copy_from_slice(&value[..8]);
	Ok((u64::from_le_bytes(at), &value[8..]))
}

pub(super) fn routing_of(envelope: &[u8]) -> RoutingId {
	let mut r = [0u8; 32];
	r.copy_from_slice(&envelope[1..33]);
	RoutingId(r)
}
