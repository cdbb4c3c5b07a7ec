//! What `bench_relay`, `bench_node` and `bench_transport` share: CPU clocks, percentiles, the
//! W1 ladder of offered rates with its knee, and W1's sealed messages and their latencies.

// Each bench uses part of this module.
#![allow(dead_code)]

use std::{
	collections::HashMap,
	sync::{Arc, Mutex, MutexGuard},
	time::{Duration, Instant},
};

use ichat_crypto::{Account, ChatKeyBinding};
use ichat_relay::RelayConfig;
use ichat_relay_client::chat;
use ichat_relay_proto::MessageId;

/// W1's senders.
pub(crate) const SENDERS: usize = 4;
/// W1's recipients.
pub(crate) const RECIPIENTS: usize = 8;
/// Largest body that still pads to the 1,024-byte bucket: a 1,125-byte envelope on the wire.
const BODY_LEN: usize = 800;

/// The settings of a relay with a fresh identity, listening on 127.0.0.1 (any port), storing
/// in `dir`.
pub(crate) fn relay_config(dir: std::path::PathBuf) -> RelayConfig {
	let keypair = libp2p::identity::Keypair::generate_ed25519();
	RelayConfig::new(keypair, vec!["/ip4/127.0.0.1/tcp/0".parse().expect("addr")], dir)
}

/// When each of W1's messages was sent, or first arrived, by message id.
pub(crate) type Times = Arc<Mutex<HashMap<MessageId, Instant>>>;

/// One W1 step's `total` messages, sealed before the clock starts (the relays are measured,
/// not the senders' crypto): message `i` goes from `senders[i % S]` to the recipient of
/// `bindings[i % R]`, a 1 KiB envelope. Each comes with its sender's index and its id.
pub(crate) fn seal_step(
	total: usize,
	senders: &[Arc<Account>],
	bindings: &[ChatKeyBinding],
) -> Vec<(usize, Vec<u8>, MessageId)> {
	let body = "x".repeat(BODY_LEN);
	let envelopes: Vec<(usize, Vec<u8>, MessageId)> = (0..total)
		.map(|i| {
			let s = i % senders.len();
			let env =
				chat::seal_text(&senders[s], &bindings[i % bindings.len()], &body).expect("seal");
			let id = MessageId::of(&env);
			(s, env, id)
		})
		.collect();
	assert!(envelopes.iter().all(|(_, e, _)| e.len() == 1125), "1 KiB envelopes");
	envelopes
}

/// How many messages were sent, and the latencies (first arrival minus send) of those that
/// arrived.
pub(crate) fn latencies(sent: &Times, arrived: &Times) -> (usize, Vec<Duration>) {
	let sent = lock(sent).clone();
	let arrived = lock(arrived);
	let latencies = sent
		.iter()
		.filter_map(|(id, at)| arrived.get(id).map(|a| a.saturating_duration_since(*at)))
		.collect();
	(sent.len(), latencies)
}

/// Process CPU time (user + system), in microseconds.
pub(crate) fn cpu_us() -> u64 {
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

/// CPU time (user + system, nanoseconds) of the servers' threads: the runtime built by
/// [`server_runtime`] (threads `relay-rt`) and RocksDB's threads. The clients' runtime and
/// `futures-timer`'s thread, which both use, are left out. Read from
/// `/proc/self/task/*/schedstat`.
pub(crate) fn server_cpu_ns() -> u64 {
	let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
	tasks
		.flatten()
		.filter(|task| {
			let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
			comm.starts_with("relay-") || comm.starts_with("rocksdb")
		})
		.filter_map(|task| {
			let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
			stat.split_whitespace().next()?.parse::<u64>().ok()
		})
		.sum()
}

/// The servers' own runtime (2 workers, threads `relay-rt`), apart from the clients' so that
/// [`server_cpu_ns`] can tell their CPU time apart.
pub(crate) fn server_runtime() -> tokio::runtime::Runtime {
	tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.thread_name("relay-rt")
		// Blocking-pool threads (the sweeper's scans, long commits) must not exit during a
		// step: the CPU time of a thread that exits is not in `/proc/self/task` any more.
		.thread_keep_alive(Duration::from_secs(3600))
		.enable_all()
		.build()
		.expect("server runtime")
}

/// Waits until message `i` of a step that started at `start` is due (one every `interval`):
/// an open-loop load, whatever the answers take.
pub(crate) async fn until_due(start: Instant, interval: Duration, i: usize) {
	let due = start + interval * i as u32;
	let now = Instant::now();
	if due > now {
		tokio::time::sleep(due - now).await;
	}
}

/// W1's recipients acknowledge what they have read at most this often.
pub(crate) const ACK_EVERY: Duration = Duration::from_millis(50);

/// A W1 recipient's burner: acknowledges the ids read from `read`, as many as one `ack` takes,
/// at most every [`ACK_EVERY`], through `ack` (one signed request).
pub(crate) async fn burn_what_was_read<F, Fut, E>(
	mut read: tokio::sync::mpsc::UnboundedReceiver<MessageId>,
	mut ack: F,
) where
	F: FnMut(Vec<MessageId>) -> Fut,
	Fut: std::future::Future<Output = Result<(), E>>,
	E: std::fmt::Display,
{
	while let Some(first) = read.recv().await {
		let started = Instant::now();
		let mut ids = vec![first];
		while ids.len() < ichat_relay_proto::limits::MAX_ACK_IDS {
			match read.try_recv() {
				Ok(more) => ids.push(more),
				Err(_) => break,
			}
		}
		if let Err(e) = ack(ids).await {
			eprintln!("    ack failed: {e}");
		}
		tokio::time::sleep(ACK_EVERY.saturating_sub(started.elapsed())).await;
	}
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
	if sorted.is_empty() {
		return Duration::ZERO;
	}
	let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
	sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One W1 step's figures.
pub(crate) struct Step {
	pub(crate) rate: u64,
	pub(crate) sent: usize,
	pub(crate) delivered: usize,
	pub(crate) p50: Duration,
	pub(crate) p99: Duration,
	/// CPU of the whole process per message.
	pub(crate) cpu_per_msg_us: f64,
	/// CPU of the servers' threads only, per message, all servers together.
	pub(crate) server_cpu_per_msg_us: f64,
}

impl Step {
	/// From the send and first-arrival times of one step's messages and the CPU it took.
	pub(crate) fn measure(
		rate: u64,
		latencies: &mut [Duration],
		sent: usize,
		cpu_us: u64,
		server_ns: u64,
	) -> Step {
		latencies.sort();
		Step {
			rate,
			sent,
			delivered: latencies.len(),
			p50: percentile(latencies, 0.50),
			p99: percentile(latencies, 0.99),
			cpu_per_msg_us: cpu_us as f64 / sent.max(1) as f64,
			server_cpu_per_msg_us: server_ns as f64 / 1e3 / sent.max(1) as f64,
		}
	}

	/// Within the W1 limits: p99 at most 50 ms and at least 99.9 % delivered.
	pub(crate) fn good(&self) -> bool {
		self.p99 <= Duration::from_millis(50) && self.delivered as f64 >= 0.999 * self.sent as f64
	}

	/// "N us per relay (N us for all 5 relays; N us for the whole process with the clients)".
	pub(crate) fn cpu_summary(&self, what: &str, servers: usize) -> String {
		format!(
			"{:.0} us per {what} ({:.0} us for all {servers} {what}s; {:.0} us for the whole process with the clients)",
			self.server_cpu_per_msg_us / servers as f64,
			self.server_cpu_per_msg_us,
			self.cpu_per_msg_us
		)
	}

	/// The start of the step's line: rate, delivery and latency.
	pub(crate) fn head(&self) -> String {
		format!(
			"  offered {:>6} msgs/s: delivered {:>6}/{:<6} ({:>6.2} %)  p50 {:>8.2} ms  p99 {:>8.2} ms",
			self.rate,
			self.delivered,
			self.sent,
			self.delivered as f64 / self.sent.max(1) as f64 * 100.0,
			self.p50.as_secs_f64() * 1e3,
			self.p99.as_secs_f64() * 1e3,
		)
	}

	/// Prints the step's line; `servers` (`what`s: relays, servers) share the server CPU.
	pub(crate) fn print(&self, what: &str, servers: usize) {
		println!(
			"{}  CPU/msg: {what}s {:>5.0} us ({:>4.0} us per {what}), whole process {:>5.0} us",
			self.head(),
			self.server_cpu_per_msg_us,
			self.server_cpu_per_msg_us / servers as f64,
			self.cpu_per_msg_us
		);
	}
}

/// The W1 ladder: the rate after `steps` (doubling up to 1,000 msgs/s, which is always
/// measured, then +25 % a step), or `None` when the ladder is done: past the knee (and 1,000
/// measured), at 64,000 msgs/s, or after the one step of `--rate`.
pub(crate) fn next_rate(steps: &[Step], only_rate: bool) -> Option<u64> {
	let last = steps.last()?;
	if only_rate || (!last.good() && last.rate >= 1000) || last.rate >= 64_000 {
		return None;
	}
	let rate = if last.rate < 1000 { last.rate * 2 } else { last.rate + last.rate / 4 };
	if rate > 1000 && steps.iter().all(|s| s.rate != 1000) {
		return Some(1000);
	}
	Some(rate)
}

/// The knee: the highest offered rate within the limits.
pub(crate) fn knee(steps: &[Step]) -> Option<&Step> {
	steps.iter().filter(|s| s.good()).max_by_key(|s| s.rate)
}

/// A bench's command line, read flag by flag; `--help` prints the usage and exits, a mistake
/// prints it after the reason and exits with status 2.
pub(crate) struct Cli {
	name: &'static str,
	usage: &'static str,
	args: std::iter::Skip<std::env::Args>,
}

impl Cli {
	pub(crate) fn new(name: &'static str, usage: &'static str) -> Cli {
		Cli { name, usage, args: std::env::args().skip(1) }
	}

	/// The next flag (after `--help`, which is handled here).
	pub(crate) fn flag(&mut self) -> Option<String> {
		let flag = self.args.next()?;
		if flag == "-h" || flag == "--help" {
			print!("{}", self.usage);
			std::process::exit(0)
		}
		Some(flag)
	}

	/// The positive whole number that follows `flag`.
	pub(crate) fn number(&mut self, flag: &str) -> u64 {
		match self.args.next().map(|v| v.parse::<u64>()) {
			Some(Ok(n)) if n > 0 => n,
			_ => self.fail(&format!("{flag} needs a positive whole number")),
		}
	}

	pub(crate) fn fail(&self, why: &str) -> ! {
		eprintln!("{}: {why}\n\n{}", self.name, self.usage);
		std::process::exit(2)
	}
}
