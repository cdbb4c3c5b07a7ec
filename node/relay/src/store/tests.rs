//! Tests of the unread store against a real RocksDB in a temporary directory.

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
	assert_eq!(page.iter().map(|d| d.envelope.clone()).collect::<Vec<_>>(), vec![e1.clone(), e2]);
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
