//! `bench_node`: W1 per node, behind `scripts/bench-relay.sh` (not a test).
//!
//! `bench_relay`'s W1 runs all 5 relays and all 12 clients on this machine's 2 cores, so its
//! knee is that of the whole system squeezed onto one machine: every message costs 5 relays'
//! work plus the clients'. A node's own knee needs the node on a core of its own, as each
//! service node has its own machine. Here:
//!
//! * the **node under test** is a real relay (`ichat_relay::start`: libp2p TCP + Noise + Yamux
//!   on 127.0.0.1, RocksDB, jemalloc, one Tokio worker) in a child process pinned to the last
//!   core, so its CPU time is its own and nothing else runs there;
//! * everything else is pinned to the other core(s): the 4 other relays of the registry (the
//!   recipients' home swarm and listen nodes with the node under test, which replicates
//!   presence to them), 4 senders and 8 recipients (each a `RelayClient`), and the harness.
//!
//! The node carries exactly its share of W1: every message (a 1 KiB envelope, 1,125 bytes on
//! the wire) is sent to it as one of 5 entry nodes, naming all 5 (the `entry set`, as
//! `Messenger` does); it is one of the recipient's 5 listen nodes, so it stores the message,
//! pushes it on the recipient's subscription and answers the sender; recipients burn what
//! they read with one signed `ack` at most every 50 ms, naming the 5 nodes. The other 4
//! copies of each message, which the other nodes carry in W1, are not sent: those nodes would
//! need cores of their own too, and they do not change this node's work. Delivery counts what
//! this node pushed, with no other copy to make up for a loss.
//!
//! The offered rate rises as in W1 (doubling to 1,000 msgs/s, then +25 % a step) until p99
//! (send to push received) exceeds 50 ms or delivery falls below 99.9 %. Each step prints the
//! node's CPU per message and how busy each side's cores were: when the load generator's
//! cores are the busy ones at the last step, the knee printed is the generator's limit, and
//! the bench says so.
//!
//! Usage: `bench_node [--step-secs S] [--rate R]`.

mod common;

use std::{
	collections::HashMap,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

use common::{cpu_us, lock, Step, Times, RECIPIENTS, SENDERS};
use futures::StreamExt;
use ichat_crypto::{Account, Suri};
use ichat_relay::{registry, RegistrySnapshot};
use ichat_relay_client::{sign_ack, ClientConfig, NodeAddress, RelayClient};
use libp2p::PeerId;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const OTHER_NODES: usize = 4;
/// Presence records live 10 minutes at most; the recipients refresh theirs this often.
const PRESENCE_REFRESH: Duration = Duration::from_secs(240);

fn account(suri: &str) -> Arc<Account> {
	Arc::new(Account::from_suri(&Suri::parse(suri).expect("suri")).expect("account"))
}

/// The cores this process may run on.
fn allowed_cpus() -> Vec<usize> {
	#[allow(unsafe_code)]
	// SAFETY: sched_getaffinity fills the set we own; CPU_ISSET reads it.
	unsafe {
		let mut set: libc::cpu_set_t = std::mem::zeroed();
		if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) != 0 {
			return Vec::new();
		}
		(0..libc::CPU_SETSIZE as usize).filter(|&c| libc::CPU_ISSET(c, &set)).collect()
	}
}

/// Pins the calling thread to `cpus`; threads it creates afterwards inherit the set.
fn pin_current_thread(cpus: &[usize]) {
	#[allow(unsafe_code)]
	// SAFETY: CPU_ZERO/CPU_SET write into the set we own; sched_setaffinity reads it.
	let ok = unsafe {
		let mut set: libc::cpu_set_t = std::mem::zeroed();
		libc::CPU_ZERO(&mut set);
		for &c in cpus {
			libc::CPU_SET(c, &mut set);
		}
		libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) == 0
	};
	assert!(ok, "cannot pin to cores {cpus:?}: {}", std::io::Error::last_os_error());
}

/// CPU time (user + system, nanoseconds) of every thread of process `pid`, from
/// `/proc/<pid>/task/*/schedstat` (the node's threads live as long as it does).
fn process_cpu_ns(pid: u32) -> u64 {
	let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
	tasks
		.flatten()
		.filter_map(|task| {
			let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
			stat.split_whitespace().next()?.parse::<u64>().ok()
		})
		.sum()
}

/// The child: one relay pinned to `cpu`, on a one-worker runtime. Prints its address, reads
/// the registry (one node address a line, then an empty line) from stdin, and serves until
/// stdin closes.
fn serve_node(dir: PathBuf, cpu: usize) {
	pin_current_thread(&[cpu]);
	let rt = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(1)
		.thread_name("node-under-test")
		.thread_keep_alive(Duration::from_secs(3600))
		.enable_all()
		.build()
		.expect("runtime");
	rt.block_on(async move {
		let (registry_tx, registry) = registry::channel(RegistrySnapshot::default());
		let handle = ichat_relay::start(common::relay_config(dir), registry, None)
			.await
			.expect("relay starts");
		let mut out = tokio::io::stdout();
		out.write_all(format!("{}\n", handle.node_address()).as_bytes())
			.await
			.expect("stdout");
		out.flush().await.expect("stdout");
		let mut lines = BufReader::new(tokio::io::stdin()).lines();
		let mut nodes = Vec::new();
		while let Ok(Some(line)) = lines.next_line().await {
			if line.is_empty() {
				break;
			}
			nodes.push(NodeAddress::parse(&line).expect("a node address"));
		}
		registry_tx.send_replace(Arc::new(RegistrySnapshot { session: 0, nodes }));
		// Serve until the harness closes stdin (or goes away).
		while let Ok(Some(_)) = lines.next_line().await {}
		handle.shutdown().await;
	});
}

/// One recipient: subscribed on the node under test, recording first arrivals, burning what
/// it read.
async fn recipient(
	who: Arc<Account>,
	node: NodeAddress,
	all: Vec<NodeAddress>,
	arrivals: Times,
) -> Arc<RelayClient> {
	let client = Arc::new(RelayClient::start(ClientConfig::default()).expect("client"));
	client.add_node(&node);
	// The ack names all 5 listen nodes, as `Messenger` does: this node deletes its copy and
	// replicates nothing.
	let entries: Vec<PeerId> = all.iter().map(|n| n.peer_id).collect();
	let binding = who.bind_chat_key(&who.chat_key(0).expect("chat key"));
	let ttl = Duration::from_secs(600);
	client
		.publish_presence(node.peer_id, &who, &binding, &all, ttl)
		.await
		.expect("presence stored");
	let refresh = {
		let (client, who, node) = (client.clone(), who.clone(), node.clone());
		async move {
			loop {
				tokio::time::sleep(PRESENCE_REFRESH).await;
				if let Err(e) =
					client.publish_presence(node.peer_id, &who, &binding, &all, ttl).await
				{
					eprintln!("    presence refresh failed: {e}");
				}
			}
		}
	};
	tokio::spawn(refresh);
	let mut subscription = client.subscribe(node.peer_id, &who).await.expect("subscribed");
	let (read_tx, read_rx) = tokio::sync::mpsc::unbounded_channel();
	tokio::spawn(async move {
		while let Some(delivery) = subscription.deliveries.next().await {
			let id = delivery.id();
			lock(&arrivals).insert(id, Instant::now());
			let _ = read_tx.send(id);
		}
	});
	let burner = client.clone();
	tokio::spawn(common::burn_what_was_read(read_rx, move |ids| {
		let (burner, who, entries) = (burner.clone(), who.clone(), entries.clone());
		async move {
			let signed = sign_ack(&who, ids)?;
			burner.ack_signed(node.peer_id, signed, &entries).await.map(|_| ())
		}
	}));
	client
}

/// How busy the cores were during a step: the node's (share of the wall time the node under
/// test ran on its core) and the load generator's (the harness process: other relays, clients).
#[derive(Clone, Copy)]
struct Busy {
	node: f64,
	generator: f64,
}

async fn run(step_secs: u64, only_rate: Option<u64>, node_cpu: usize, generator_cpus: usize) {
	println!("W1 per node: the node under test on core {node_cpu} (its own process), 4 other relays, {SENDERS} senders and {RECIPIENTS} recipients on the other {generator_cpus} core(s); 1 KiB envelopes, 5 entry nodes named per message");
	let dir = tempfile::tempdir().expect("tempdir");
	let mut child = tokio::process::Command::new(std::env::current_exe().expect("own path"))
		.arg("--serve-node")
		.arg(dir.path().join("node-under-test"))
		.arg(node_cpu.to_string())
		.stdin(std::process::Stdio::piped())
		.stdout(std::process::Stdio::piped())
		.kill_on_drop(true)
		.spawn()
		.expect("the node under test starts");
	let pid = child.id().expect("child pid");
	let mut child_out = BufReader::new(child.stdout.take().expect("stdout")).lines();
	let node = NodeAddress::parse(
		&child_out.next_line().await.expect("child stdout").expect("the node's address"),
	)
	.expect("a node address");
	let mut child_in = child.stdin.take().expect("stdin");

	let (registry_tx, _) = registry::channel(RegistrySnapshot::default());
	let mut others = Vec::new();
	for i in 0..OTHER_NODES {
		let config = common::relay_config(dir.path().join(format!("other{i}")));
		others
			.push(ichat_relay::start(config, registry_tx.subscribe(), None).await.expect("relay"));
	}
	let all: Vec<NodeAddress> = std::iter::once(node.clone())
		.chain(others.iter().map(|h| h.node_address()))
		.collect();
	let mut registry_lines = String::new();
	for n in &all {
		registry_lines.push_str(&format!("{n}\n"));
	}
	registry_lines.push('\n');
	child_in
		.write_all(registry_lines.as_bytes())
		.await
		.expect("registry to the node");
	child_in.flush().await.expect("registry to the node");
	registry_tx.send_replace(Arc::new(RegistrySnapshot { session: 0, nodes: all.clone() }));
	tokio::time::sleep(Duration::from_secs(2)).await;

	let arrivals: Times = Arc::default();
	let mut recipients = Vec::new();
	for r in 0..RECIPIENTS {
		let who = account(&format!("//Recipient{r}"));
		let client = recipient(who.clone(), node.clone(), all.clone(), arrivals.clone()).await;
		recipients.push((who, client));
	}
	let mut senders = Vec::new();
	for s in 0..SENDERS {
		let client = Arc::new(RelayClient::start(ClientConfig::default()).expect("client"));
		client.add_node(&node);
		senders.push((account(&format!("//Sender{s}")), client));
	}
	let bindings: Vec<_> = recipients
		.iter()
		.map(|(who, _)| who.bind_chat_key(&who.chat_key(0).expect("chat key")))
		.collect();
	let entries: Arc<Vec<PeerId>> = Arc::new(all.iter().map(|n| n.peer_id).collect());
	let sender_accounts: Vec<Arc<Account>> = senders.iter().map(|(a, _)| a.clone()).collect();

	let mut steps: Vec<Step> = Vec::new();
	let mut busy: Vec<Busy> = Vec::new();
	let mut next = Some(only_rate.unwrap_or(250));
	while let Some(rate) = next {
		let total = (rate * step_secs) as usize;
		let envelopes = common::seal_step(total, &sender_accounts, &bindings);
		let sent_at: Times = Arc::default();
		eprintln!("  step {rate} msgs/s starts");
		let (cpu0, node0) = (cpu_us(), process_cpu_ns(pid));
		let start = Instant::now();
		let interval = Duration::from_secs_f64(1.0 / rate as f64);
		let mut tasks = Vec::with_capacity(total);
		for (i, (s, env, id)) in envelopes.into_iter().enumerate() {
			common::until_due(start, interval, i).await;
			let client = senders[s].1.clone();
			let (sent_at, entries, peer) = (sent_at.clone(), entries.clone(), node.peer_id);
			tasks.push(tokio::spawn(async move {
				lock(&sent_at).insert(id, Instant::now());
				client.send_with_entries(peer, env, &entries).await
			}));
		}
		let mut refusals: HashMap<String, usize> = HashMap::new();
		for t in tasks {
			if let Ok(Err(e)) = t.await {
				*refusals.entry(e.to_string()).or_default() += 1;
			}
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
		let wall = start.elapsed().as_secs_f64();
		let (cpu, node_ns) = (cpu_us() - cpu0, process_cpu_ns(pid) - node0);
		let (sent, mut latencies) = common::latencies(&sent_at, &arrivals);
		let step = Step::measure(rate, &mut latencies, sent, cpu, node_ns);
		let load = Busy {
			node: node_ns as f64 / 1e9 / wall,
			generator: cpu as f64 / 1e6 / wall / generator_cpus as f64,
		};
		print_step(&step, load);
		for (why, n) in &refusals {
			println!("    {n} sends refused: {why}");
		}
		steps.push(step);
		busy.push(load);
		next = common::next_rate(&steps, only_rate.is_some());
	}
	let knee = common::knee(&steps);
	println!(
		"W1 per node: knee {} msgs/s (the node under test on its own core)",
		knee.map_or(0, |k| k.rate)
	);
	if let Some(s) = steps.iter().find(|s| s.rate == 1000) {
		println!(
			"W1 per node at 1,000 msgs/s: p50 {:.2} ms, p99 {:.2} ms",
			s.p50.as_secs_f64() * 1e3,
			s.p99.as_secs_f64() * 1e3
		);
	}
	if let Some((s, load)) =
		steps.iter().zip(&busy).find(|(s, _)| Some(s.rate) == knee.map(|k| k.rate))
	{
		println!(
			"W1 per node: the node's CPU per message at the knee {:.1} us (its core {:.0} % busy)",
			s.server_cpu_per_msg_us,
			load.node * 100.0
		);
	}
	if let (Some(last), Some(load)) = (steps.last(), busy.last()) {
		if !last.good() && load.generator > 0.9 && load.node < 0.9 {
			println!("W1 per node: at the last step the load generator's cores were {:.0} % busy and the node's {:.0} %: the knee above is the generator's limit, the node's own is higher", load.generator * 100.0, load.node * 100.0);
		}
	}
	drop(child_in);
	let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
	for h in others {
		h.shutdown().await;
	}
}

/// Prints a step's line with the node's CPU per message and the cores' load.
fn print_step(s: &Step, load: Busy) {
	println!(
		"{}  node CPU/msg {:>5.1} us, node core {:>3.0} % busy, generator cores {:>3.0} % busy",
		s.head(),
		s.server_cpu_per_msg_us,
		load.node * 100.0,
		load.generator * 100.0,
	);
}

const USAGE: &str = "\
bench_node: W1 per node (not a test): one relay on its own core carrying its share of W1;
figures go to docs/performance.md

Usage: bench_node [--step-secs S] [--rate R]

  --step-secs S      seconds per step (default 3)
  --rate R           measure one step at R msgs/s (for profiling) instead of the ladder
  -h, --help         this text

Needs at least 2 cores: the node under test gets the last one, everything else the others.
";

fn main() {
	let args: Vec<String> = std::env::args().collect();
	if args.get(1).map(String::as_str) == Some("--serve-node") {
		let (Some(dir), Some(cpu)) = (args.get(2), args.get(3).and_then(|c| c.parse().ok())) else {
			eprintln!("bench_node: --serve-node DIR CPU");
			std::process::exit(2)
		};
		serve_node(PathBuf::from(dir), cpu);
		return;
	}
	let mut cli = common::Cli::new("bench_node", USAGE);
	let (mut step_secs, mut rate) = (3, None);
	while let Some(flag) = cli.flag() {
		match flag.as_str() {
			"--step-secs" => step_secs = cli.number("--step-secs"),
			"--rate" => rate = Some(cli.number("--rate")),
			other => cli.fail(&format!("unknown argument `{other}`")),
		}
	}
	let cpus = allowed_cpus();
	let Some((&node_cpu, generator)) = cpus.split_last().filter(|(_, rest)| !rest.is_empty())
	else {
		cli.fail(&format!("needs at least 2 cores, has {}", cpus.len()))
	};
	// Pinned before the runtime starts: its threads, and every thread they start, inherit it.
	pin_current_thread(generator);
	let rt = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(generator.len())
		.enable_all()
		.build()
		.expect("runtime");
	rt.block_on(run(step_secs, rate, node_cpu, generator.len()));
}
