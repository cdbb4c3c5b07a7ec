//! `bench_transport`: the floor under W1 (`scripts/bench-relay.sh --transport`; not a test).
//!
//! W1 of `bench_relay` with the relay's work taken out and only its traffic left: the same
//! 5 servers, 4 senders and 8 recipients in this process, the same libp2p stack (TCP on
//! 127.0.0.1 with `nodelay`, Noise, Yamux, `libp2p-stream`), the same streams (one pipe per
//! sender and server, one subscription per recipient and server) and the same frames per
//! message: the sender writes the 1,125-byte envelope to all 5 servers, each server answers the
//! sender (64 bytes) and pushes the envelope to the recipient, which keeps the first of the 5
//! copies. The servers do nothing else: no signature, hash, store, presence or frame codec
//! (frames are a 4-byte length and bytes), and each server's pipe is read and answered in one
//! task, with fewer hand-offs than the relay's.
//!
//! Whatever knee this finds is an upper bound for `bench_relay`'s W1 on the same machine: the
//! relay does all of this and more per message.
//!
//! Usage: `bench_transport [--step-secs S] [--rate R]`.

mod common;

use std::{
	collections::HashMap,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

use common::{cpu_us, lock, server_cpu_ns, Step, RECIPIENTS, SENDERS};
use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use ichat_relay_client::{net, ClientConfig, NodeAddress, RelayClient};
use libp2p::{PeerId, StreamProtocol};
use tokio::sync::mpsc;

/// The allocator of `bench_relay` (and of `ichat-node`).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const SERVERS: usize = 5;
/// A 1 KiB envelope on the wire, as in W1.
const ENVELOPE: usize = 1125;
/// About the size of the relay's answer to a `send`.
const ANSWER: usize = 64;
const PIPE: StreamProtocol = StreamProtocol::new("/ichat-bench/pipe/1");
const SUBSCRIBE: StreamProtocol = StreamProtocol::new("/ichat-bench/subscribe/1");

/// The first copy of each message to reach its recipient, by sequence number.
type Arrivals = Arc<Mutex<HashMap<u64, Instant>>>;

async fn read_frame<R: futures::AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Vec<u8>> {
	let mut len = [0u8; 4];
	r.read_exact(&mut len).await?;
	let len = u32::from_le_bytes(len) as usize;
	if len > 64 * 1024 {
		return Err(std::io::Error::other("frame too large"));
	}
	let mut buf = vec![0u8; len];
	r.read_exact(&mut buf).await?;
	Ok(buf)
}

fn frame(payload: &[u8]) -> Vec<u8> {
	let mut out = Vec::with_capacity(4 + payload.len());
	out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
	out.extend_from_slice(payload);
	out
}

/// Pushes queued frames to a recipient's subscription, one channel per recipient, as the
/// relay's subscribers (capacity 256, a full one is dropped).
type Subscribers = Arc<Mutex<HashMap<u8, mpsc::Sender<Arc<Vec<u8>>>>>>;

/// One server: a swarm with `libp2p-stream`, accepting pipes and subscriptions.
async fn server() -> NodeAddress {
	let keypair = libp2p::identity::Keypair::generate_ed25519();
	let behaviour = libp2p_stream::Behaviour::new();
	let mut control = behaviour.new_control();
	let mut swarm = net::build_swarm(keypair, behaviour, Duration::from_secs(300)).expect("swarm");
	swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("addr")).expect("listen");
	let addr = loop {
		if let libp2p::swarm::SwarmEvent::NewListenAddr { address, .. } =
			swarm.select_next_some().await
		{
			break address;
		}
	};
	let node = NodeAddress { peer_id: *swarm.local_peer_id(), addrs: vec![addr] };
	tokio::spawn(async move {
		loop {
			swarm.select_next_some().await;
		}
	});
	let subscribers: Subscribers = Arc::default();
	let mut subs = control.accept(SUBSCRIBE).expect("subscribe protocol");
	let registry = subscribers.clone();
	tokio::spawn(async move {
		while let Some((_, mut stream)) = subs.next().await {
			let registry = registry.clone();
			tokio::spawn(async move {
				let mut who = [0u8; 1];
				if stream.read_exact(&mut who).await.is_err() {
					return;
				}
				let (tx, mut rx) = mpsc::channel::<Arc<Vec<u8>>>(256);
				lock(&registry).insert(who[0], tx);
				while let Some(envelope) = rx.recv().await {
					if stream.write_all(&frame(&envelope)).await.is_err()
						|| stream.flush().await.is_err()
					{
						return;
					}
				}
			});
		}
	});
	let mut pipes = control.accept(PIPE).expect("pipe protocol");
	tokio::spawn(async move {
		while let Some((_, mut stream)) = pipes.next().await {
			let subscribers = subscribers.clone();
			tokio::spawn(async move {
				while let Ok(envelope) = read_frame(&mut stream).await {
					let recipient = envelope[0];
					let mut answer = [0u8; ANSWER];
					answer[..8].copy_from_slice(&envelope[1..9]);
					let envelope = Arc::new(envelope);
					if let Some(tx) = lock(&subscribers).get(&recipient) {
						let _ = tx.try_send(envelope);
					}
					if stream.write_all(&frame(&answer)).await.is_err()
						|| stream.flush().await.is_err()
					{
						return;
					}
				}
			});
		}
	});
	node
}

/// A client connected to every server.
async fn client(nodes: &[NodeAddress]) -> RelayClient {
	let client = RelayClient::start(ClientConfig::default()).expect("client");
	for node in nodes {
		client.connect(node).await.expect("connect");
	}
	client
}

/// A sender's pipe to one server: writes what is queued (one flush per burst, as the relay
/// client's pipes) and reads the answers, counting them.
async fn pipe(
	client: &RelayClient,
	peer: PeerId,
	answers: Arc<AtomicU64>,
) -> mpsc::Sender<Arc<Vec<u8>>> {
	let stream = client.open_stream(peer, PIPE).await.expect("pipe");
	let (mut reader, mut writer) = stream.split();
	let (tx, mut rx) = mpsc::channel::<Arc<Vec<u8>>>(1024);
	tokio::spawn(async move {
		let read = async move {
			while read_frame(&mut reader).await.is_ok() {
				answers.fetch_add(1, Ordering::Relaxed);
			}
		};
		let write = async move {
			while let Some(first) = rx.recv().await {
				if writer.write_all(&first).await.is_err() {
					return;
				}
				while let Ok(more) = rx.try_recv() {
					if writer.write_all(&more).await.is_err() {
						return;
					}
				}
				if writer.flush().await.is_err() {
					return;
				}
			}
		};
		futures::future::join(read, write).await;
	});
	tx
}

/// A recipient's subscription to one server: the first copy of each message is recorded.
async fn subscribe(client: &RelayClient, peer: PeerId, who: u8, arrivals: Arrivals) {
	let mut stream = client.open_stream(peer, SUBSCRIBE).await.expect("subscribe");
	stream.write_all(&[who]).await.expect("subscribe");
	stream.flush().await.expect("subscribe");
	tokio::spawn(async move {
		while let Ok(envelope) = read_frame(&mut stream).await {
			let seq = u64::from_le_bytes(envelope[1..9].try_into().expect("8 bytes"));
			lock(&arrivals).entry(seq).or_insert_with(Instant::now);
		}
	});
}

async fn run(step_secs: u64, only_rate: Option<u64>) {
	println!("W1 transport floor: {SERVERS} servers, {SENDERS} senders, {RECIPIENTS} recipients, {ENVELOPE}-byte envelopes through all 5 servers, no relay work");
	let server_rt = common::server_runtime();
	let mut nodes = Vec::new();
	for _ in 0..SERVERS {
		nodes.push(server_rt.spawn(server()).await.expect("server"));
	}
	let arrivals: Arrivals = Arc::default();
	let mut clients = Vec::new();
	for r in 0..RECIPIENTS {
		let c = client(&nodes).await;
		for node in &nodes {
			subscribe(&c, node.peer_id, r as u8, arrivals.clone()).await;
		}
		clients.push(c);
	}
	let answers = Arc::new(AtomicU64::new(0));
	let mut senders = Vec::new();
	for _ in 0..SENDERS {
		let c = client(&nodes).await;
		let mut pipes = Vec::new();
		for node in &nodes {
			pipes.push(pipe(&c, node.peer_id, answers.clone()).await);
		}
		senders.push(pipes);
		clients.push(c);
	}
	// Let every subscription register before the clock starts.
	tokio::time::sleep(Duration::from_secs(1)).await;

	let mut steps: Vec<Step> = Vec::new();
	let mut next = Some(only_rate.unwrap_or(250));
	let mut seq = 0u64;
	while let Some(rate) = next {
		let total = (rate * step_secs) as usize;
		let first_seq = seq;
		let envelopes: Vec<Arc<Vec<u8>>> = (0..total)
			.map(|i| {
				let mut envelope = vec![0xa5u8; ENVELOPE];
				envelope[0] = (i % RECIPIENTS) as u8;
				envelope[1..9].copy_from_slice(&(first_seq + i as u64).to_le_bytes());
				Arc::new(frame(&envelope))
			})
			.collect();
		seq += total as u64;
		let mut sent_at = Vec::with_capacity(total);
		let answers0 = answers.load(Ordering::Relaxed);
		eprintln!("  step {rate} msgs/s starts");
		let cpu0 = cpu_us();
		let server0 = server_cpu_ns();
		let start = Instant::now();
		let interval = Duration::from_secs_f64(1.0 / rate as f64);
		for (i, envelope) in envelopes.into_iter().enumerate() {
			common::until_due(start, interval, i).await;
			sent_at.push(Instant::now());
			for pipe in &senders[i % SENDERS] {
				let _ = pipe.send(envelope.clone()).await;
			}
		}
		// Let the last pushes and answers arrive.
		tokio::time::sleep(Duration::from_millis(500)).await;
		let (cpu, server_ns) = (cpu_us() - cpu0, server_cpu_ns() - server0);
		let arrived = lock(&arrivals).clone();
		let mut latencies: Vec<Duration> = sent_at
			.iter()
			.enumerate()
			.filter_map(|(i, at)| {
				arrived.get(&(first_seq + i as u64)).map(|a| a.saturating_duration_since(*at))
			})
			.collect();
		let step = Step::measure(rate, &mut latencies, total, cpu, server_ns);
		step.print("server", SERVERS);
		let answered = answers.load(Ordering::Relaxed) - answers0;
		if answered < (total * SERVERS) as u64 {
			println!("    {answered} of {} answers arrived", total * SERVERS);
		}
		steps.push(step);
		next = common::next_rate(&steps, only_rate.is_some());
	}
	let knee = common::knee(&steps);
	println!(
		"W1 transport floor knee: {} msgs/s offered (each through all 5 servers: per server too)",
		knee.map_or(0, |s| s.rate)
	);
	if let Some(s) = knee {
		println!(
			"W1 transport floor CPU per message at the knee: {}",
			s.cpu_summary("server", SERVERS)
		);
	}
	drop(senders);
	drop(clients);
	server_rt.shutdown_background();
}

const USAGE: &str = "\
bench_transport: W1's traffic without the relay's work, on the same libp2p stack (not a test);
its knee bounds bench_relay's W1 knee on this machine from above

Usage: bench_transport [--step-secs S] [--rate R]

  --step-secs S      seconds per step (default 3)
  --rate R           measure one step at R msgs/s instead of the ladder
  -h, --help         this text
";

#[tokio::main(flavor = "multi_thread")]
async fn main() {
	let mut cli = common::Cli::new("bench_transport", USAGE);
	let (mut step_secs, mut rate) = (3, None);
	while let Some(flag) = cli.flag() {
		match flag.as_str() {
			"--step-secs" => step_secs = cli.number("--step-secs"),
			"--rate" => rate = Some(cli.number("--rate")),
			other => cli.fail(&format!("unknown argument `{other}`")),
		}
	}
	run(step_secs, rate).await;
}
