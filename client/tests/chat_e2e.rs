//! End to end: the real `ichat` binary chatting over the real 6-node local network (each
//! `ichat-node` runs its relay; `ichat-testnet` stops them on drop).
//!
//! - two users created with `account new` exchange messages both ways (`chat send`,
//!   `chat listen`);
//! - after a message is read, no relay node holds it;
//! - a message to a user who is offline reports `recipient_offline`: also right after that
//!   user's `chat listen` stopped (it goes offline), and when that user has just sent one with
//!   `chat send` (which does not make its user online);
//! - an interactive `chat open`, driven through a pseudo-terminal, sends and receives;
//! - killing 4 of the 5 nodes a `chat open` session is connected to keeps the chat working.

use std::{
	io::{BufRead, BufReader, Read, Write},
	os::fd::{FromRawFd, OwnedFd},
	process::{Child, Command, Stdio},
	sync::{mpsc, Arc},
	time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use ichat_crypto::{Account, Mnemonic};
use ichat_relay_client::{ClientConfig, NodeAddress, RelayClient};
use ichat_testnet::{node_binary, Testnet};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

struct User {
	home: tempfile::TempDir,
	rpc: String,
	address: String,
	mnemonic: String,
}

impl User {
	fn new(rpc: &str) -> Result<User> {
		let home = tempfile::tempdir()?;
		let mut user =
			User { home, rpc: rpc.into(), address: String::new(), mnemonic: String::new() };
		let out = user
			.command(&["account", "new", "--name", "me", "--yes-i-saved-it", "--json"])
			.output()?;
		ensure!(out.status.success(), "account new: {}", String::from_utf8_lossy(&out.stderr));
		let v: Value = serde_json::from_slice(&out.stdout)?;
		user.address = v["address"].as_str().context("address")?.into();
		user.mnemonic = v["mnemonic"].as_str().context("mnemonic")?.into();
		Ok(user)
	}

	fn command(&self, args: &[&str]) -> Command {
		let mut cmd = Command::new(env!("CARGO_BIN_EXE_ichat"));
		cmd.env("ICHAT_HOME", self.home.path())
			.env("ICHAT_PASSWORD", PASSWORD)
			.env("NO_COLOR", "1")
			.arg("--rpc")
			.arg(&self.rpc)
			.args(args);
		cmd
	}

	fn account(&self) -> Result<Arc<Account>> {
		Ok(Arc::new(Account::from_mnemonic(&Mnemonic::parse(&self.mnemonic)?, "")?))
	}

	fn send(&self, to: &str, text: &str) -> Result<(bool, Value, String)> {
		let out = self.command(&["chat", "send", to, text, "--json"]).output()?;
		let v: Value = serde_json::from_slice(&out.stdout)
			.with_context(|| format!("send output: {}", String::from_utf8_lossy(&out.stdout)))?;
		Ok((out.status.success(), v, String::from_utf8_lossy(&out.stderr).into_owned()))
	}

	/// `chat listen --json` in the background, returned once it says it is online.
	fn listen(&self, count: usize) -> Result<Listener> {
		let mut child = self
			.command(&[
				"chat",
				"listen",
				"--json",
				"--count",
				&count.to_string(),
				"--timeout",
				"120",
			])
			.stdout(Stdio::piped())
			.stderr(Stdio::piped())
			.spawn()?;
		let stderr = child.stderr.take().context("stderr")?;
		let (tx, rx) = mpsc::channel();
		std::thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(Result::ok) {
				let _ = tx.send(line);
			}
		});
		let deadline = Instant::now() + Duration::from_secs(60);
		loop {
			match rx.recv_timeout(Duration::from_millis(200)) {
				Ok(line) if line.starts_with("listening as") => break,
				Ok(_) => {},
				Err(_) if Instant::now() > deadline => bail!("the listener never came online"),
				Err(_) => {
					if let Some(status) = child.try_wait()? {
						bail!("the listener exited early: {status}");
					}
				},
			}
		}
		Ok(Listener { child })
	}
}

struct Listener {
	child: Child,
}

impl Listener {
	/// Waits for the listener to exit and returns its JSON lines.
	fn finish(mut self) -> Result<Vec<Value>> {
		let deadline = Instant::now() + Duration::from_secs(120);
		while self.child.try_wait()?.is_none() {
			ensure!(Instant::now() < deadline, "listener still running");
			std::thread::sleep(Duration::from_millis(100));
		}
		let mut out = String::new();
		self.child.stdout.take().context("stdout")?.read_to_string(&mut out)?;
		out.lines().map(|l| serde_json::from_str(l).context("a JSON line")).collect()
	}
}

impl Drop for Listener {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// A child process on a pseudo-terminal; its output is collected by a thread.
struct Pty {
	child: Child,
	master: std::fs::File,
	output: Arc<std::sync::Mutex<String>>,
}

impl Pty {
	fn spawn(mut cmd: Command) -> Result<Pty> {
		let (mut master, mut slave) = (0, 0);
		#[allow(unsafe_code)]
		// SAFETY: openpty writes two fds we then own.
		let rc = unsafe {
			libc::openpty(
				&mut master,
				&mut slave,
				std::ptr::null_mut(),
				std::ptr::null(),
				std::ptr::null(),
			)
		};
		ensure!(rc == 0, "openpty failed");
		#[allow(unsafe_code)]
		// SAFETY: fresh fds from openpty, owned here; dup gives independent copies.
		let (master, s_in, s_out, s_err) = unsafe {
			(
				std::fs::File::from_raw_fd(master),
				OwnedFd::from_raw_fd(libc::dup(slave)),
				OwnedFd::from_raw_fd(libc::dup(slave)),
				OwnedFd::from_raw_fd(slave),
			)
		};
		let child = cmd
			.stdin(Stdio::from(s_in))
			.stdout(Stdio::from(s_out))
			.stderr(Stdio::from(s_err))
			.spawn()?;
		let output = Arc::new(std::sync::Mutex::new(String::new()));
		let (mut reader, sink) = (master.try_clone()?, output.clone());
		std::thread::spawn(move || {
			let mut buf = [0u8; 4096];
			while let Ok(n) = reader.read(&mut buf) {
				if n == 0 {
					break;
				}
				sink.lock().expect("lock").push_str(&String::from_utf8_lossy(&buf[..n]));
			}
		});
		Ok(Pty { child, master, output })
	}

	fn type_line(&mut self, text: &str) -> Result<()> {
		self.master.write_all(format!("{text}\r").as_bytes())?;
		Ok(())
	}

	fn wait_for(&self, needle: &str, secs: u64) -> Result<()> {
		let deadline = Instant::now() + Duration::from_secs(secs);
		while Instant::now() < deadline {
			if self.output.lock().expect("lock").contains(needle) {
				return Ok(());
			}
			std::thread::sleep(Duration::from_millis(100));
		}
		bail!("{needle:?} did not appear; screen:\n{}", self.output.lock().expect("lock"))
	}
}

impl Drop for Pty {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

fn nodes(user: &User) -> Result<Vec<Value>> {
	let out = user.command(&["nodes", "--json"]).output()?;
	ensure!(out.status.success(), "nodes: {}", String::from_utf8_lossy(&out.stderr));
	let v: Value = serde_json::from_slice(&out.stdout)?;
	Ok(v["nodes"].as_array().context("nodes")?.clone())
}

/// The testnet index of a relay node (its port is 40333 + index).
fn node_index(nodes: &[Value], peer: &str) -> Option<usize> {
	let n = nodes.iter().find(|n| n["peer_id"] == peer)?;
	let port: usize = n["address"].as_str()?.rsplit('/').next()?.parse().ok()?;
	port.checked_sub(40333)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_chat_over_the_local_network() -> Result<()> {
	let bin = node_binary()?;
	let mut net = Testnet::local(&bin, "local", 6)?;
	net.nodes[0].client(Duration::from_secs(60)).await?;
	let rpc = net.nodes[0].ws_url();
	let (one, two, three) = (User::new(&rpc)?, User::new(&rpc)?, User::new(&rpc)?);

	// The relays have measured each other: `nodes` lists all six.
	let deadline = Instant::now() + Duration::from_secs(120);
	let all = loop {
		if let Ok(list) = nodes(&one) {
			if list.len() == 6 && list.iter().all(|n| n["rtt_ms"].is_number()) {
				break list;
			}
		}
		ensure!(Instant::now() < deadline, "the relay network never came up");
		tokio::time::sleep(Duration::from_secs(1)).await;
	};
	ensure!(all.iter().filter(|n| n["in_use"] == true).count() == 5);

	// Both ways.
	let listener = two.listen(1)?;
	let (ok, v, err) = one.send(&two.address, "hello from one")?;
	ensure!(ok && v["state"] == "accepted" && v["accepted_by"] == 5, "{v} {err}");
	let got = listener.finish()?;
	ensure!(
		got.len() == 1
			&& got[0]["text"] == "hello from one"
			&& got[0]["from"] == one.address.as_str(),
		"{got:?}"
	);
	ensure!(got[0]["burned"] == true);
	let listener = one.listen(1)?;
	let (ok, v, _) = two.send(&one.address, "hello from two")?;
	ensure!(ok && v["state"] == "accepted", "{v}");
	let got = listener.finish()?;
	ensure!(
		got[0]["text"] == "hello from two" && got[0]["from"] == two.address.as_str(),
		"{got:?}"
	);
	// `chat listen` went offline when it stopped: a message sent now is dropped at once.
	let (ok, v, _) = two.send(&one.address, "still there?")?;
	ensure!(!ok && v["state"] == "recipient_offline", "one stopped listening: {v}");

	// After the read no relay node holds it.
	let probe = RelayClient::start(ClientConfig::default())?;
	let two_account = two.account()?;
	for n in &all {
		let node = NodeAddress::parse(&format!(
			"{}/p2p/{}",
			n["address"].as_str().context("addr")?,
			n["peer_id"].as_str().context("peer")?
		))?;
		probe.add_node(&node);
		let page = probe.fetch(node.peer_id, &two_account, 0, 64).await?;
		ensure!(page.messages.is_empty(), "{} still holds a read message", node.peer_id);
	}

	// Offline recipient, even right after sending: `chat send` alone does not put three online.
	let listener = two.listen(1)?;
	let (ok, v, err) = three.send(&two.address, "three only sends")?;
	ensure!(ok && v["state"] == "accepted", "{v} {err}");
	listener.finish()?;
	let (ok, v, err) = one.send(&three.address, "anyone there?")?;
	ensure!(!ok && v["state"] == "recipient_offline", "{v}");
	ensure!(err.contains("recipient offline") && err.lines().count() == 1, "one clear line: {err}");

	// Interactive, through a pseudo-terminal.
	let listener = two.listen(1)?;
	let mut pty = Pty::spawn(one.command(&["chat", "open", &two.address]))?;
	pty.wait_for("Type a message", 60)?;
	pty.type_line("typed in a terminal")?;
	pty.wait_for("accepted by", 30)?;
	let got = listener.finish()?;
	ensure!(got[0]["text"] == "typed in a terminal", "{got:?}");
	let (ok, _, _) = two.send(&one.address, "seen on the terminal")?;
	ensure!(ok);
	pty.wait_for("seen on the terminal", 30)?;
	pty.wait_for("(read, burned)", 5)?;
	drop(pty);

	// Kill 4 of the 5 nodes a session is connected to, mid-conversation.
	let mut session = one
		.command(&["chat", "open", &two.address, "--json"])
		.stdin(Stdio::piped())
		.stdout(Stdio::piped())
		.stderr(Stdio::null())
		.spawn()?;
	let mut lines = BufReader::new(session.stdout.take().context("stdout")?).lines();
	let first: Value = serde_json::from_str(&lines.next().context("connected line")??)?;
	let connected: Vec<String> = first["nodes"]
		.as_array()
		.context("nodes")?
		.iter()
		.filter_map(|p| p.as_str().map(String::from))
		.collect();
	ensure!(connected.len() == 5, "{first}");
	let mut stdin = session.stdin.take().context("stdin")?;
	let listener = two.listen(2)?;
	writeln!(stdin, "before the kill")?;
	let sent: Value = serde_json::from_str(&lines.next().context("sent line")??)?;
	ensure!(sent["state"] == "accepted", "{sent}");
	for peer in connected.iter().take(4) {
		let i = node_index(&all, peer).context("node index")?;
		net.nodes[i].kill();
	}
	writeln!(stdin, "after the kill")?;
	let sent: Value = serde_json::from_str(&lines.next().context("sent line")??)?;
	ensure!(sent["state"] == "accepted", "still accepted with 4 of 5 nodes down: {sent}");
	let got = listener.finish()?;
	let texts: Vec<&str> = got.iter().filter_map(|g| g["text"].as_str()).collect();
	ensure!(texts == ["before the kill", "after the kill"], "{got:?}");
	drop(stdin);
	let _ = session.kill();
	let _ = session.wait();
	Ok(())
}
