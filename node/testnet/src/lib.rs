//! # ichat-testnet
//!
//! Real `ichat-node` processes on 127.0.0.1 for end-to-end tests.
//!
//! - [`Testnet::dev`] starts one `--dev --tmp` node; [`Testnet::local`] starts `n` validators
//!   (Alice, Bob, ...) of a built-in multi-validator chain, bootstrapped from the first node.
//! - Every node gets fresh ports, its own base path in a temporary directory and a log file.
//! - Nodes are stopped when their [`NodeProcess`] is dropped (SIGTERM, then SIGKILL), and the
//!   kernel kills them if the test process itself dies (`PR_SET_PDEATHSIG`), so a failing or
//!   aborted test never leaves a node behind.
//! - [`wait_for_finalized`] and friends poll the node over JSON-RPC with a deadline, and
//!   errors carry the tail of the node's log.
//! - [`proxy::FaultProxy`] puts latency or outages between a node's relay and the world.

pub mod proxy;

use anyhow::{anyhow, bail, Context, Result};
use std::{
	fs::File,
	io::{BufRead, BufReader},
	net::TcpListener,
	os::unix::process::CommandExt,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use subxt::{OnlineClient, SubstrateConfig};

/// The well-known development validators, in the order [`Testnet::local`] starts them.
pub const VALIDATORS: [&str; 6] = ["alice", "bob", "charlie", "dave", "eve", "ferdie"];

/// A subxt client for the iChat chain.
pub type Client = OnlineClient<SubstrateConfig>;

/// Finds the `ichat-node` binary: `$ICHAT_NODE_BIN`, else next to the running test binary
/// (`<target>/<profile>/ichat-node`).
pub fn node_binary() -> Result<PathBuf> {
	if let Ok(path) = std::env::var("ICHAT_NODE_BIN") {
		return Ok(PathBuf::from(path));
	}
	let exe = std::env::current_exe().context("cannot locate the running test binary")?;
	// <target>/<profile>/deps/<test-binary>
	let profile_dir = exe
		.parent()
		.and_then(Path::parent)
		.ok_or_else(|| anyhow!("unexpected test binary location {}", exe.display()))?;
	let bin = profile_dir.join("ichat-node");
	if !bin.exists() {
		bail!(
			"{} not found: build it first (`cargo build --release -p ichat-node`) or set ICHAT_NODE_BIN",
			bin.display()
		);
	}
	Ok(bin)
}

/// A free TCP port on 127.0.0.1 (bound and released; the node binds it right after).
pub fn free_port() -> Result<u16> {
	let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a free port")?;
	Ok(listener.local_addr()?.port())
}

/// One running `ichat-node`.
#[derive(Debug)]
pub struct NodeProcess {
	name: String,
	child: Option<Child>,
	/// JSON-RPC (HTTP and WebSocket) port.
	pub rpc_port: u16,
	/// libp2p port of Substrate's networking.
	pub p2p_port: u16,
	/// Prometheus metrics port.
	pub prometheus_port: u16,
	log_path: PathBuf,
	bin: PathBuf,
	args: Vec<String>,
}

impl NodeProcess {
	/// Starts `bin` with `args` plus fresh ports; output goes to `<log_dir>/<name>.log`.
	pub fn spawn(bin: &Path, name: &str, log_dir: &Path, args: &[String]) -> Result<Self> {
		let (rpc_port, p2p_port, prometheus_port) = (free_port()?, free_port()?, free_port()?);
		let log_path = log_dir.join(format!("{name}.log"));
		let mut node = Self {
			name: name.to_owned(),
			child: None,
			rpc_port,
			p2p_port,
			prometheus_port,
			log_path,
			bin: bin.to_owned(),
			args: args.to_vec(),
		};
		node.launch()?;
		Ok(node)
	}

	/// Starts the node again after [`NodeProcess::kill`] or [`NodeProcess::stop`]: same
	/// arguments, ports and base path; the log file is appended to.
	pub fn restart(&mut self) -> Result<()> {
		self.stop();
		self.launch()
	}

	fn launch(&mut self) -> Result<()> {
		let (bin, name, rpc_port, p2p_port, prometheus_port) = (
			self.bin.clone(),
			self.name.clone(),
			self.rpc_port,
			self.p2p_port,
			self.prometheus_port,
		);
		let log = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(&self.log_path)
			.with_context(|| format!("cannot create {}", self.log_path.display()))?;
		let args = &self.args;
		let name = name.as_str();
		let mut cmd = Command::new(&bin);
		cmd.args(args)
			.args([
				"--rpc-port",
				&rpc_port.to_string(),
				"--port",
				&p2p_port.to_string(),
				"--prometheus-port",
				&prometheus_port.to_string(),
				"--no-telemetry",
				"--no-mdns",
				"--name",
				name,
			])
			.stdin(Stdio::null())
			.stdout(log.try_clone()?)
			.stderr(log);
		// The node must die with the test process even if the test is killed.
		#[allow(unsafe_code)]
		// SAFETY: `prctl` is async-signal-safe and touches no memory of the parent.
		unsafe {
			cmd.pre_exec(|| {
				if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
					return Err(std::io::Error::last_os_error());
				}
				Ok(())
			});
		}
		let child = cmd.spawn().with_context(|| format!("cannot start {}", bin.display()))?;
		self.child = Some(child);
		Ok(())
	}

	/// Prometheus endpoint.
	pub fn metrics_url(&self) -> String {
		format!("http://127.0.0.1:{}/metrics", self.prometheus_port)
	}

	/// The node's name (`--name`).
	pub fn name(&self) -> &str {
		&self.name
	}

	/// WebSocket JSON-RPC endpoint.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// HTTP JSON-RPC endpoint.
	pub fn http_url(&self) -> String {
		format!("http://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's log file.
	pub fn log_path(&self) -> &Path {
		&self.log_path
	}

	/// The last `lines` lines of the node's log, for error messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let Ok(file) = File::open(&self.log_path) else { return String::new() };
		let all: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// Whether the process is still running.
	pub fn is_running(&mut self) -> bool {
		match self.child.as_mut() {
			Some(child) => matches!(child.try_wait(), Ok(None)),
			None => false,
		}
	}

	/// Kills the node at once (SIGKILL), as a crash would.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Stops the node gracefully (SIGTERM), killing it if it has not exited within 10 s.
	pub fn stop(&mut self) {
		let Some(mut child) = self.child.take() else { return };
		if let Ok(pid) = i32::try_from(child.id()) {
			#[allow(unsafe_code)]
			// SAFETY: sending a signal to our own child process.
			unsafe {
				libc::kill(pid, libc::SIGTERM);
			}
		}
		let deadline = Instant::now() + Duration::from_secs(10);
		while Instant::now() < deadline {
			if let Ok(Some(_)) = child.try_wait() {
				return;
			}
			std::thread::sleep(Duration::from_millis(50));
		}
		let _ = child.kill();
		let _ = child.wait();
	}

	/// Waits until the node answers JSON-RPC and returns a subxt client for it.
	pub async fn client(&mut self, timeout: Duration) -> Result<Client> {
		let deadline = Instant::now() + timeout;
		loop {
			if !self.is_running() {
				bail!("{} exited early; log tail:\n{}", self.name, self.log_tail(30));
			}
			match Client::from_insecure_url(self.ws_url()).await {
				Ok(client) => return Ok(client),
				Err(e) if Instant::now() > deadline => bail!(
					"{} did not answer on {} within {timeout:?}: {e}; log tail:\n{}",
					self.name,
					self.ws_url(),
					self.log_tail(30)
				),
				Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
			}
		}
	}
}

impl Drop for NodeProcess {
	fn drop(&mut self) {
		self.stop();
	}
}

/// The directory of the package whose test is running, as cargo says at run time. Tests use it
/// instead of the compile-time `env!("CARGO_MANIFEST_DIR")`, because a shared target directory
/// may hold a test binary built from another checkout of the same sources (cargo reuses it when
/// the sources are identical), whose compile-time path may no longer exist.
pub fn manifest_dir() -> PathBuf {
	// cargo runs tests in the package directory, so that is the fallback.
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| std::env::current_dir().unwrap_or_default())
}

/// A set of running nodes sharing one temporary directory (base paths and logs).
#[derive(Debug)]
pub struct Testnet {
	/// The nodes, in start order.
	pub nodes: Vec<NodeProcess>,
	dir: tempfile::TempDir,
	/// The chain the nodes run and the address of the boot node (first node), for
	/// [`Testnet::add_node`].
	chain: String,
	bootnode: Option<String>,
}

impl Testnet {
	/// One `--dev --tmp` node (Alice, one validator).
	pub fn dev(bin: &Path) -> Result<Self> {
		let dir = tempfile::Builder::new().prefix("ichat-testnet-").tempdir()?;
		let node = NodeProcess::spawn(bin, "dev", dir.path(), &["--dev".into(), "--tmp".into()])?;
		Ok(Self { nodes: vec![node], dir, chain: "dev".into(), bootnode: None })
	}

	/// `n` validators (Alice, Bob, ...) of the built-in chain `chain` (`local`, `local-fast`),
	/// the first one being the boot node of the others.
	pub fn local(bin: &Path, chain: &str, n: usize) -> Result<Self> {
		Self::local_with_args(bin, chain, n, &[])
	}

	/// As [`Testnet::local`], with `extra_args` given to every node.
	pub fn local_with_args(bin: &Path, chain: &str, n: usize, extra_args: &[&str]) -> Result<Self> {
		if n == 0 || n > VALIDATORS.len() {
			bail!("a local testnet has 1 to {} nodes, not {n}", VALIDATORS.len());
		}
		let dir = tempfile::Builder::new().prefix("ichat-testnet-").tempdir()?;
		// Validators need a network key on disk (the node refuses to invent one for an
		// authority); the first node's peer id makes the boot node address of the others.
		let mut nodes: Vec<NodeProcess> = Vec::with_capacity(n);
		let mut boot_peer_id = String::new();
		for (i, who) in VALIDATORS.iter().take(n).enumerate() {
			let base = dir.path().join(who);
			let key_file = dir.path().join(format!("{who}-node-key"));
			let peer_id = generate_node_key(bin, &key_file)?;
			let mut args: Vec<String> = vec![
				"--chain".into(),
				chain.into(),
				format!("--{who}"),
				"--validator".into(),
				"--base-path".into(),
				base.display().to_string(),
				"--node-key-file".into(),
				key_file.display().to_string(),
			];
			args.extend(extra_args.iter().map(|a| a.to_string()));
			if i == 0 {
				boot_peer_id = peer_id;
			} else {
				args.push("--bootnodes".into());
				args.push(format!("/ip4/127.0.0.1/tcp/{}/p2p/{boot_peer_id}", nodes[0].p2p_port));
			}
			nodes.push(NodeProcess::spawn(bin, who, dir.path(), &args)?);
		}
		let bootnode = format!("/ip4/127.0.0.1/tcp/{}/p2p/{boot_peer_id}", nodes[0].p2p_port);
		Ok(Self { nodes, dir, chain: chain.into(), bootnode: Some(bootnode) })
	}

	/// Starts one more node of the same chain, named `name` (its base path and log file are
	/// named after it), bootstrapped from the first node, with `extra_args` (e.g.
	/// `--validator`). The node is pushed to [`Testnet::nodes`]; its index and its network
	/// peer id are returned.
	pub fn add_node(
		&mut self,
		bin: &Path,
		name: &str,
		extra_args: &[&str],
	) -> Result<(usize, String)> {
		let base = self.dir.path().join(name);
		let key_file = self.dir.path().join(format!("{name}-node-key"));
		let peer_id = generate_node_key(bin, &key_file)?;
		let mut args: Vec<String> = vec![
			"--chain".into(),
			self.chain.clone(),
			"--base-path".into(),
			base.display().to_string(),
			"--node-key-file".into(),
			key_file.display().to_string(),
		];
		if let Some(bootnode) = &self.bootnode {
			args.push("--bootnodes".into());
			args.push(bootnode.clone());
		}
		args.extend(extra_args.iter().map(|a| a.to_string()));
		self.nodes.push(NodeProcess::spawn(bin, name, self.dir.path(), &args)?);
		Ok((self.nodes.len() - 1, peer_id))
	}

	/// The temporary directory holding base paths and logs.
	pub fn dir(&self) -> &Path {
		self.dir.path()
	}
}

/// Writes a fresh libp2p node key to `path` and returns its peer id.
pub fn generate_node_key(bin: &Path, path: &Path) -> Result<String> {
	let out = Command::new(bin)
		.args(["key", "generate-node-key", "--file"])
		.arg(path)
		.output()
		.context("cannot run `ichat-node key generate-node-key`")?;
	if !out.status.success() {
		bail!("generate-node-key failed: {}", String::from_utf8_lossy(&out.stderr));
	}
	// The peer id is printed on stderr (the secret goes to the file).
	let text =
		String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
	text.split_whitespace()
		.find(|w| w.starts_with("12D3Koo"))
		.map(str::to_owned)
		.ok_or_else(|| anyhow!("no peer id in generate-node-key output: {text}"))
}

/// The number of the latest finalized block.
pub async fn finalized_number(client: &Client) -> Result<u64> {
	let block = client.at_current_block().await.context("cannot read the finalized block")?;
	Ok(block.block_number())
}

/// Waits until the finalized block number is at least `target`; returns it.
pub async fn wait_for_finalized(client: &Client, target: u64, timeout: Duration) -> Result<u64> {
	let deadline = Instant::now() + timeout;
	loop {
		let n = finalized_number(client).await?;
		if n >= target {
			return Ok(n);
		}
		if Instant::now() > deadline {
			bail!("finality stalled: finalized #{n}, wanted #{target} within {timeout:?}");
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}
