//! `bench_relay`: the relay benchmark behind `scripts/bench-relay.sh` (not a test).
//!
//! * **W1, online push**: 5 real relays in this process (libp2p TCP on 127.0.0.1, RocksDB in
//!   a temp dir), S senders and R online recipients (each a [`Messenger`] on all 5 nodes),
//!   1 KiB envelopes (the 1,024-byte padding bucket: 1,125 bytes on the wire), each message
//!   sent through 5 entry nodes. The offered rate rises step by step until p99 latency (send
//!   to first copy received) exceeds 50 ms or delivery falls below 99.9 %. Prints every step,
//!   the knee, p50/p99 at 1,000 msgs/s, and CPU per message: the relays' own (they run on
//!   their own runtime, threads `relay-*` and `rocksdb*`) and the whole process's. Recipients
//!   burn what they have read with one `ack` at most every 50 ms. This is the whole system on
//!   one machine: every message costs all 5 relays' work and the clients' on the same cores.
//!   One node's own knee, on a core of its own, is `bench_node`'s.
//! * **W2, unread store**: N (1,000,000) unread 1 KiB envelopes for 10,000 recipients in the
//!   store; prints disk bytes and heap bytes per unread message.
//!
//! Usage: `bench_relay [--w1-only|--w2-only] [--w2-messages N] [--step-secs S] [--rate R]`
//! (`--rate R` measures one W1 step at R msgs/s, for profiling).

mod common;

use std::{
	alloc::{GlobalAlloc, Layout},
	collections::HashMap,
	sync::{
		atomic::{AtomicU64, AtomicUsize, Ordering},
		Arc,
	},
	time::{Duration, Instant},
};

use common::{cpu_us, lock, server_cpu_ns, Step, Times, RECIPIENTS, SENDERS};
use ichat_crypto::{Account, Suri};
use ichat_relay::{registry, RegistrySnapshot, Store, StoreConfig};
use ichat_relay_client::{Messenger, MessengerConfig, NodeAddress};
use ichat_relay_proto::{MessageId, RoutingId};

/// Counts live heap bytes (Rust allocations; RocksDB's C++ memory is reported by RocksDB).
struct Counting;
static HEAP: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code)]
// SAFETY: forwards to the system allocator and only counts sizes.
unsafe impl GlobalAlloc for Counting {
	unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
		HEAP.fetch_add(layout.size(), Ordering::Relaxed);
		// SAFETY: same layout, forwarded.
		unsafe { JEMALLOC.alloc(layout) }
	}
	unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
		HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
		// SAFETY: `ptr` came from `alloc` with `layout`.
		unsafe { JEMALLOC.dealloc(ptr, layout) }
	}
}

static JEMALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[global_allocator]
static GLOBAL: Counting = Counting;

fn account(suri: &str) -> Arc<Account> {
	Arc::new(Account::from_suri(&Suri::parse(suri).expect("suri")).expect("account"))
}

const NODES: usize = 5;

async fn w1(step_secs: u64, only_rate: Option<u64>) {
	println!("W1 online push: {NODES} relays, {SENDERS} senders, {RECIPIENTS} recipients, 1 KiB envelopes, 5 entry nodes per message");
	let dir = tempfile::tempdir().expect("tempdir");
	let (registry_tx, _) = registry::channel(RegistrySnapshot::default());
	// The relays run on their own runtime, the clients on this one, so that the server's CPU
	// time can be told apart from the clients'.
	let relay_rt = common::server_runtime();
	let mut handles = Vec::new();
	for i in 0..NODES {
		let config = common::relay_config(dir.path().join(format!("node{i}")));
		let registry = registry_tx.subscribe();
		let handle = relay_rt
			.spawn(async move { ichat_relay::start(config, registry, None).await })
			.await
			.expect("relay task")
			.expect("relay");
		handles.push(handle);
	}
	let nodes: Vec<NodeAddress> = handles.iter().map(|h| h.node_address()).collect();
	registry_tx.send_replace(Arc::new(RegistrySnapshot { session: 0, nodes: nodes.clone() }));
	tokio::time::sleep(Duration::from_secs(2)).await;

	let arrivals: Times = Arc::default();
	let mut recipients = Vec::new();
	for r in 0..RECIPIENTS {
		let who = account(&format!("//Recipient{r}"));
		let (m, mut rx) = Messenger::start(who.clone(), nodes.clone(), MessengerConfig::default())
			.await
			.expect("recipient connects");
		let arrivals = arrivals.clone();
		let (read_tx, read_rx) = tokio::sync::mpsc::unbounded_channel();
		tokio::spawn(async move {
			while let Some(msg) = rx.recv().await {
				lock(&arrivals).insert(msg.message_id, Instant::now());
				let _ = read_tx.send(msg.message_id);
			}
		});
		let burner = m.clone();
		tokio::spawn(common::burn_what_was_read(read_rx, move |ids| {
			let burner = burner.clone();
			async move { burner.ack(ids).await.map(|_| ()) }
		}));
		recipients.push((who, m));
	}
	let mut senders = Vec::new();
	for s in 0..SENDERS {
		let who = account(&format!("//Sender{s}"));
		let (m, _rx) = Messenger::start(who.clone(), nodes.clone(), MessengerConfig::default())
			.await
			.expect("sender connects");
		senders.push((who, m));
	}
	let mut bindings = Vec::new();
	for (who, m) in &recipients {
		let b = senders[0].1.lookup(m.routing_id()).await.expect("lookup").expect("online");
		let _ = who;
		bindings.push(b);
	}
	let sender_accounts: Vec<Arc<Account>> = senders.iter().map(|(a, _)| a.clone()).collect();

	let mut steps: Vec<Step> = Vec::new();
	let mut next = Some(only_rate.unwrap_or(250));
	while let Some(rate) = next {
		let total = (rate * step_secs) as usize;
		let envelopes = common::seal_step(total, &sender_accounts, &bindings);
		let sent_at: Times = Arc::default();
		eprintln!("  step {rate} msgs/s starts");
		let cpu0 = cpu_us();
		let server0 = server_cpu_ns();
		let start = Instant::now();
		let interval = Duration::from_secs_f64(1.0 / rate as f64);
		let mut tasks = Vec::with_capacity(total);
		for (i, (s, env, id)) in envelopes.into_iter().enumerate() {
			common::until_due(start, interval, i).await;
			let m = senders[s].1.clone();
			let sent_at = sent_at.clone();
			tasks.push(tokio::spawn(async move {
				lock(&sent_at).insert(id, Instant::now());
				m.send(env).await
			}));
		}
		// Why entry nodes refused sends, counted by reason (a healthy step has none).
		let mut refusals: HashMap<String, usize> = HashMap::new();
		for t in tasks {
			if let Ok(report) = t.await {
				for (_, why) in report.failures {
					*refusals.entry(why).or_default() += 1;
				}
			}
		}
		// Let the last pushes arrive.
		tokio::time::sleep(Duration::from_millis(500)).await;
		let (cpu, server_ns) = (cpu_us() - cpu0, server_cpu_ns() - server0);
		let (sent, mut latencies) = common::latencies(&sent_at, &arrivals);
		let step = Step::measure(rate, &mut latencies, sent, cpu, server_ns);
		step.print("relay", NODES);
		for (why, n) in &refusals {
			println!("    {n} sends refused by an entry node: {why}");
		}
		steps.push(step);
		next = common::next_rate(&steps, only_rate.is_some());
	}
	let knee = common::knee(&steps);
	let knee_rate = knee.map_or(0, |s| s.rate);
	println!("W1 knee, the 5 relays and 12 clients sharing this machine's cores: {knee_rate} msgs/s offered, which every node carries (bench_node measures one node on a core of its own)");
	if let Some(s) = steps.iter().find(|s| s.rate == 1000) {
		println!(
			"W1 at 1,000 msgs/s: p50 {:.2} ms, p99 {:.2} ms",
			s.p50.as_secs_f64() * 1e3,
			s.p99.as_secs_f64() * 1e3
		);
	}
	if let Some(s) = knee {
		println!("W1 server CPU per message at the knee: {}", s.cpu_summary("relay", NODES));
	}
	for (_, m) in recipients.iter().chain(senders.iter()) {
		m.close();
	}
	for h in handles {
		relay_rt.spawn(h.shutdown()).await.expect("relay shutdown");
	}
	relay_rt.shutdown_background();
}

/// Burn after reading, as a client reading a busy conversation does: one signed `ack` for
/// everything read so far (at most 256 ids), at most one `ack` in flight and one every 50 ms,
/// which keeps each node's mailbox bounded and the account within the nodes' rate limit for
/// signed requests (4,096 per 2 minutes).
fn dir_size(path: &std::path::Path) -> u64 {
	std::fs::read_dir(path)
		.map(|entries| {
			entries
				.filter_map(Result::ok)
				.map(|e| match e.metadata() {
					Ok(m) if m.is_dir() => dir_size(&e.path()),
					Ok(m) => m.len(),
					Err(_) => 0,
				})
				.sum()
		})
		.unwrap_or(0)
}

async fn w2(messages: u64) {
	const MAILBOXES: u64 = 10_000;
	const ENVELOPE: usize = 1125;
	println!("W2 unread store: {messages} unread 1 KiB envelopes ({ENVELOPE} bytes) for {MAILBOXES} recipients");
	let dir = tempfile::tempdir().expect("tempdir");
	let heap0 = HEAP.load(Ordering::Relaxed);
	let mut config = StoreConfig::new(dir.path().join("unread"));
	config.max_messages_per_mailbox = u32::MAX;
	config.max_bytes_per_mailbox = u64::MAX;
	let store = Store::open(config).expect("store");
	let start = Instant::now();
	let done = Arc::new(AtomicU64::new(0));
	let per_task = messages / 4;
	let mut tasks = Vec::new();
	for t in 0..4u64 {
		let store = store.clone();
		let done = done.clone();
		tasks.push(tokio::spawn(async move {
			let mut envelope = vec![0u8; ENVELOPE];
			envelope[0] = 1;
			for i in 0..per_task {
				let n = t * per_task + i;
				let mut routing = [0u8; 32];
				routing[..8].copy_from_slice(&(n % MAILBOXES).to_le_bytes());
				envelope[1..33].copy_from_slice(&routing);
				envelope[33..41].copy_from_slice(&n.to_le_bytes());
				// Ciphertext is incompressible: fill with pseudo-random bytes.
				let mut x = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
				for chunk in envelope[41..].chunks_mut(8) {
					x ^= x << 13;
					x ^= x >> 7;
					x ^= x << 17;
					let b = x.to_le_bytes();
					chunk.copy_from_slice(&b[..chunk.len()]);
				}
				let id = MessageId::of(&envelope);
				loop {
					match store
						.insert(id, RoutingId(routing), 1, u64::MAX >> 21, envelope.clone())
						.await
					{
						Ok(_) => break,
						Err(ichat_relay::store::StoreError::Busy) => tokio::task::yield_now().await,
						Err(e) => panic!("insert: {e}"),
					}
				}
				let d = done.fetch_add(1, Ordering::Relaxed) + 1;
				if d.is_multiple_of(200_000) {
					eprintln!("  {d} inserted ({:.0} s)", start.elapsed().as_secs_f64());
				}
			}
		}));
	}
	for t in tasks {
		t.await.expect("insert task");
	}
	store.flush().expect("flush");
	let n = store.totals().messages;
	let secs = start.elapsed().as_secs_f64();
	let disk = dir_size(dir.path());
	let heap = HEAP.load(Ordering::Relaxed).saturating_sub(heap0) as u64;
	let db_mem = store.db_memory_bytes();
	println!("W2 inserted {n} in {secs:.1} s ({:.0} msgs/s)", n as f64 / secs);
	println!(
		"W2 disk: {} bytes total, {:.0} bytes per unread message",
		disk,
		disk as f64 / n as f64
	);
	println!(
		"W2 heap: {:.1} bytes per unread message (Rust heap {heap} B: the index of each mailbox in memory) + RocksDB memtables/caches {db_mem} B ({:.1} B per message, bounded by configuration)",
		heap as f64 / n as f64,
		db_mem as f64 / n as f64
	);
}

const USAGE: &str = "\
bench_relay: the relay benchmark (not a test); figures go to docs/performance.md

Usage: bench_relay [--w1-only | --w2-only] [--step-secs S] [--rate R] [--w2-messages N]

  --w1-only          only W1 (online push through 5 relays, the offered rate rising to the knee)
  --w2-only          only W2 (N unread messages in the store: disk and heap per message)
  --step-secs S      seconds per W1 step (default 3)
  --rate R           measure one W1 step at R msgs/s (for profiling) instead of the ladder
  --w2-messages N    unread messages in W2 (default 1000000)
  -h, --help         this text
";

/// The command line, parsed; a mistake prints the usage and exits with status 2.
struct Args {
	w1: bool,
	w2: bool,
	step_secs: u64,
	rate: Option<u64>,
	w2_messages: u64,
}

fn parse_args() -> Args {
	let mut cli = common::Cli::new("bench_relay", USAGE);
	let mut args = Args { w1: true, w2: true, step_secs: 3, rate: None, w2_messages: 1_000_000 };
	while let Some(flag) = cli.flag() {
		match flag.as_str() {
			"--w1-only" => args.w2 = false,
			"--w2-only" => args.w1 = false,
			"--step-secs" => args.step_secs = cli.number("--step-secs"),
			"--rate" => args.rate = Some(cli.number("--rate")),
			"--w2-messages" => args.w2_messages = cli.number("--w2-messages"),
			other => cli.fail(&format!("unknown argument `{other}`")),
		}
	}
	if !args.w1 && !args.w2 {
		cli.fail("--w1-only and --w2-only exclude each other");
	}
	args
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
	let args = parse_args();
	if args.w1 {
		w1(args.step_secs, args.rate).await;
	}
	if args.w2 {
		w2(args.w2_messages).await;
	}
}
