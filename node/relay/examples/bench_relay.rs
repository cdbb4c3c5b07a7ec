//! `bench_relay`: the relay benchmark behind `scripts/bench-relay.sh` (not a test).
//!
//! * **W1, online push**: 5 real relays in this process (libp2p TCP on 127.0.0.1, RocksDB in
//!   a temp dir), S senders and R online recipients (each a [`Messenger`] on all 5 nodes),
//!   1 KiB envelopes (the 1,024-byte padding bucket: 1,125 bytes on the wire), each message
//!   sent through 5 entry nodes. The offered rate rises step by step until p99 latency (send
//!   to first copy received) exceeds 50 ms or delivery falls below 99.9 %. Prints every step,
//!   the knee, p50/p99 at 1,000 msgs/s, and CPU per message.
//! * **W2, unread store**: N (1,000,000) unread 1 KiB envelopes for 10,000 recipients in the
//!   store; prints disk bytes and heap bytes per unread message.
//!
//! Usage: `bench_relay [--w1-only|--w2-only] [--w2-messages N] [--step-secs S]`

use std::{
	alloc::{GlobalAlloc, Layout, System},
	collections::HashMap,
	sync::{
		atomic::{AtomicU64, AtomicUsize, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

use ichat_crypto::{Account, Suri};
use ichat_relay::{registry, RegistrySnapshot, RelayConfig, Store, StoreConfig};
use ichat_relay_client::{chat, Messenger, MessengerConfig, NodeAddress};
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
		unsafe { System.alloc(layout) }
	}
	unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
		HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
		// SAFETY: `ptr` came from `alloc` with `layout`.
		unsafe { System.dealloc(ptr, layout) }
	}
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Process CPU time (user + system), in microseconds.
fn cpu_us() -> u64 {
	let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
	#[allow(unsafe_code)]
	// SAFETY: getrusage writes into the struct we own.
	let usage = unsafe {
		libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
		usage.assume_init()
	};
	let tv = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
	tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn account(suri: &str) -> Arc<Account> {
	Arc::new(Account::from_suri(&Suri::parse(suri).expect("suri")).expect("account"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
	if sorted.is_empty() {
		return Duration::ZERO;
	}
	let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
	sorted[i.min(sorted.len() - 1)]
}

struct Step {
	rate: u64,
	sent: usize,
	delivered: usize,
	p50: Duration,
	p99: Duration,
	cpu_per_msg_us: f64,
}

const NODES: usize = 5;
const SENDERS: usize = 4;
const RECIPIENTS: usize = 8;
/// Largest body that still pads to the 1,024-byte bucket.
const BODY_LEN: usize = 800;

async fn w1(step_secs: u64) {
	println!("W1 online push: {NODES} relays, {SENDERS} senders, {RECIPIENTS} recipients, 1 KiB envelopes, 5 entry nodes per message");
	let dir = tempfile::tempdir().expect("tempdir");
	let (registry_tx, _) = registry::channel(RegistrySnapshot::default());
	let mut handles = Vec::new();
	for i in 0..NODES {
		let keypair = libp2p::identity::Keypair::generate_ed25519();
		let config = RelayConfig::new(
			keypair,
			vec!["/ip4/127.0.0.1/tcp/0".parse().expect("addr")],
			dir.path().join(format!("node{i}")),
		);
		handles
			.push(ichat_relay::start(config, registry_tx.subscribe(), None).await.expect("relay"));
	}
	let nodes: Vec<NodeAddress> = handles.iter().map(|h| h.node_address()).collect();
	registry_tx.send_replace(Arc::new(RegistrySnapshot { session: 0, nodes: nodes.clone() }));
	tokio::time::sleep(Duration::from_secs(2)).await;

	let arrivals: Arc<Mutex<HashMap<MessageId, Instant>>> = Arc::default();
	let mut recipients = Vec::new();
	for r in 0..RECIPIENTS {
		let who = account(&format!("//Recipient{r}"));
		let (m, mut rx) = Messenger::start(who.clone(), nodes.clone(), MessengerConfig::default())
			.await
			.expect("recipient connects");
		let arrivals = arrivals.clone();
		let acker = m.clone();
		tokio::spawn(async move {
			while let Some(msg) = rx.recv().await {
				// Burn after reading, as a client does (keeps the mailbox bounded): one `ack`
				// for whatever has arrived by now (one message when idle, a batch under load).
				let mut ids = vec![msg.message_id];
				while let Ok(more) = rx.try_recv() {
					ids.push(more.message_id);
					if ids.len() == ichat_relay_proto::limits::MAX_ACK_IDS {
						break;
					}
				}
				let now = Instant::now();
				lock(&arrivals).extend(ids.iter().map(|id| (*id, now)));
				let acker = acker.clone();
				tokio::spawn(async move {
					let _ = acker.ack(ids).await;
				});
			}
		});
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
	let body = "x".repeat(BODY_LEN);

	let mut steps = Vec::new();
	let mut rate = 250u64;
	loop {
		let total = (rate * step_secs) as usize;
		// Seal before the clock starts: the relays are measured, not the sender's crypto.
		let envelopes: Vec<(usize, Vec<u8>)> = (0..total)
			.map(|i| {
				let (sender, _) = &senders[i % SENDERS];
				let env = chat::seal_text(sender, &bindings[i % RECIPIENTS], &body).expect("seal");
				(i % SENDERS, env)
			})
			.collect();
		assert_eq!(envelopes[0].1.len(), 1125, "a 1 KiB envelope");
		let sent_at: Arc<Mutex<HashMap<MessageId, Instant>>> = Arc::default();
		let cpu0 = cpu_us();
		let start = Instant::now();
		let interval = Duration::from_secs_f64(1.0 / rate as f64);
		let mut tasks = Vec::with_capacity(total);
		for (i, (s, env)) in envelopes.into_iter().enumerate() {
			let due = start + interval * i as u32;
			let now = Instant::now();
			if due > now {
				tokio::time::sleep(due - now).await;
			}
			let m = senders[s].1.clone();
			let sent_at = sent_at.clone();
			tasks.push(tokio::spawn(async move {
				lock(&sent_at).insert(MessageId::of(&env), Instant::now());
				m.send(env).await
			}));
		}
		for t in tasks {
			let _ = t.await;
		}
		// Let the last pushes arrive.
		tokio::time::sleep(Duration::from_millis(500)).await;
		let cpu = cpu_us() - cpu0;
		let sent = lock(&sent_at).clone();
		let arrived = lock(&arrivals).clone();
		let mut latencies: Vec<Duration> = sent
			.iter()
			.filter_map(|(id, at)| arrived.get(id).map(|a| a.saturating_duration_since(*at)))
			.collect();
		latencies.sort();
		let step = Step {
			rate,
			sent: sent.len(),
			delivered: latencies.len(),
			p50: percentile(&latencies, 0.50),
			p99: percentile(&latencies, 0.99),
			cpu_per_msg_us: cpu as f64 / sent.len().max(1) as f64,
		};
		let ratio = step.delivered as f64 / step.sent.max(1) as f64;
		println!(
			"  offered {:>6} msgs/s: delivered {:>6}/{:<6} ({:>6.2} %)  p50 {:>8.2} ms  p99 {:>8.2} ms  CPU {:>7.0} us/msg (whole process)",
			step.rate,
			step.delivered,
			step.sent,
			ratio * 100.0,
			step.p50.as_secs_f64() * 1e3,
			step.p99.as_secs_f64() * 1e3,
			step.cpu_per_msg_us
		);
		let broke = step.p99 > Duration::from_millis(50) || ratio < 0.999;
		steps.push(step);
		// Past the knee, still measure the 1,000 msgs/s step the targets name.
		if (broke && rate >= 1000) || rate >= 64_000 {
			break;
		}
		rate = if rate < 1000 { rate * 2 } else { rate + rate / 2 };
		if rate > 1000 && steps.iter().all(|s| s.rate != 1000) {
			rate = 1000;
		}
	}
	let good: Vec<&Step> = steps
		.iter()
		.filter(|s| {
			s.p99 <= Duration::from_millis(50) && s.delivered as f64 >= 0.999 * s.sent as f64
		})
		.collect();
	let knee = good.iter().map(|s| s.rate).max().unwrap_or(0);
	println!("W1 knee: {knee} msgs/s offered (every node is entry and listen node for every message, so also {knee} msgs/s per node)");
	if let Some(s) = steps.iter().find(|s| s.rate == 1000) {
		println!(
			"W1 at 1,000 msgs/s: p50 {:.2} ms, p99 {:.2} ms",
			s.p50.as_secs_f64() * 1e3,
			s.p99.as_secs_f64() * 1e3
		);
	}
	if let Some(s) = good.last() {
		println!(
			"W1 CPU per message at the knee: {:.0} us for the whole process (5 relays + clients), {:.0} us per relay node",
			s.cpu_per_msg_us,
			s.cpu_per_msg_us / NODES as f64
		);
	}
	for (_, m) in recipients.iter().chain(senders.iter()) {
		m.close();
	}
	for h in handles {
		h.shutdown().await;
	}
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

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
				loop {
					match store
						.insert(RoutingId(routing), 1, u64::MAX >> 21, envelope.clone())
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
		"W2 heap: {:.1} bytes per unread message (Rust heap {heap} B, counters per recipient) + RocksDB memtables/caches {db_mem} B ({:.1} B per message, bounded by configuration)",
		heap as f64 / n as f64,
		db_mem as f64 / n as f64
	);
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
	let args: Vec<String> = std::env::args().collect();
	let value = |flag: &str| {
		args.iter()
			.position(|a| a == flag)
			.and_then(|i| args.get(i + 1))
			.and_then(|v| v.parse::<u64>().ok())
	};
	let step_secs = value("--step-secs").unwrap_or(3);
	let w2_messages = value("--w2-messages").unwrap_or(1_000_000);
	if !args.iter().any(|a| a == "--w2-only") {
		w1(step_secs).await;
	}
	if !args.iter().any(|a| a == "--w1-only") {
		w2(w2_messages).await;
	}
}
