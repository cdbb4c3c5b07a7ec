//! End to end: the real `ichat` binary against a real `ichat-node --dev` (started by
//! `ichat-testnet`, stopped on drop), with a temporary `ICHAT_HOME`.
//!
//! - Alice is imported from the dev mnemonic with `--path //Alice`; a second user is created
//!   with `account new` and re-imported from the words it printed (same address);
//! - Alice sends 12.5 ICHAT to the new user: balances move by the amount (and Alice's fee), and
//!   `wallet history` shows the transfer on both sides;
//! - a polkadot.js JSON export imports back to the same account;
//! - the errors are one line: wrong password, bad mnemonic word, insufficient balance, no
//!   reachable node;
//! - every `--json` output parses.
//!
//! The node binary is `$ICHAT_NODE_BIN`, else `~/.cache/ichat-target/release/ichat-node`.

use std::{
	io::Write,
	path::{Path, PathBuf},
	process::{Command, Output, Stdio},
	time::Duration,
};

use anyhow::{bail, ensure, Context, Result};
use ichat_testnet::{wait_for_finalized, Testnet};
use serde_json::Value;

const DEV_PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
const ALICE: &str = "mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4";
const PASSWORD: &str = "correct horse battery staple";
const ICHAT: u128 = 1_000_000_000_000;

fn node_binary() -> Result<PathBuf> {
	let bin = match std::env::var_os("ICHAT_NODE_BIN") {
		Some(p) => PathBuf::from(p),
		None => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?)
			.join(".cache/ichat-target/release/ichat-node"),
	};
	ensure!(
		bin.exists(),
		"{} not found: build it (`cargo build --release -p ichat-node`) or set ICHAT_NODE_BIN",
		bin.display()
	);
	Ok(bin)
}

/// Runs `ichat` with a fixed home, password and RPC endpoint.
struct Ichat {
	home: PathBuf,
	rpc: String,
}

impl Ichat {
	fn command(&self, args: &[&str]) -> Command {
		let mut cmd = Command::new(env!("CARGO_BIN_EXE_ichat"));
		cmd.env("ICHAT_HOME", &self.home)
			.env("ICHAT_PASSWORD", PASSWORD)
			.env("NO_COLOR", "1")
			.env_remove("ICHAT_IMPORT_PASSWORD")
			.env_remove("ICHAT_EXPORT_PASSWORD")
			.arg("--rpc")
			.arg(&self.rpc)
			.args(args)
			.stdin(Stdio::null());
		cmd
	}

	fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Result<Output> {
		let mut cmd = self.command(args);
		for (k, v) in env {
			cmd.env(k, v);
		}
		if stdin.is_some() {
			cmd.stdin(Stdio::piped());
		}
		cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
		let mut child = cmd.spawn().context("cannot start ichat")?;
		if let Some(input) = stdin {
			child.stdin.take().context("stdin")?.write_all(input.as_bytes())?;
		}
		Ok(child.wait_with_output()?)
	}

	/// Runs a command that must succeed with `--json`, returning the parsed document.
	fn json(&self, args: &[&str]) -> Result<Value> {
		self.json_with(args, None, &[])
	}

	fn json_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Result<Value> {
		let mut all = args.to_vec();
		all.push("--json");
		let out = self.run_with(&all, stdin, env)?;
		ensure!(
			out.status.success(),
			"`ichat {}` failed: {}",
			args.join(" "),
			String::from_utf8_lossy(&out.stderr)
		);
		serde_json::from_slice(&out.stdout).with_context(|| {
			format!(
				"`ichat {}` printed no JSON: {}",
				args.join(" "),
				String::from_utf8_lossy(&out.stdout)
			)
		})
	}

	/// Runs a command that must fail with exit code 1 and exactly one stderr line; returns it.
	fn error(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Result<String> {
		let out = self.run_with(args, stdin, env)?;
		ensure!(out.status.code() == Some(1), "`ichat {}` should fail with 1", args.join(" "));
		let err = String::from_utf8(out.stderr)?;
		let lines: Vec<&str> = err.lines().collect();
		ensure!(lines.len() == 1, "expected one error line, got: {err:?}");
		ensure!(lines[0].starts_with("error: "), "not an error line: {err:?}");
		Ok(lines[0].to_owned())
	}
}

fn planck(v: &Value, field: &str) -> Result<u128> {
	v[field]
		.as_str()
		.with_context(|| format!("no {field} in {v}"))?
		.parse()
		.with_context(|| format!("{field} is not an integer"))
}

#[tokio::test(flavor = "multi_thread")]
async fn wallet_accounts_and_errors_on_a_dev_node() -> Result<()> {
	let bin = node_binary()?;
	let mut net = Testnet::dev(&bin)?;
	let node = &mut net.nodes[0];
	let client = node.client(Duration::from_secs(120)).await?;
	wait_for_finalized(&client, 1, Duration::from_secs(120))
		.await
		.with_context(|| format!("dev node log tail:\n{}", node.log_tail(20)))?;
	let home = tempfile::tempdir()?;
	let ichat = Ichat { home: home.path().join("ichat"), rpc: node.ws_url() };

	// Alice from the dev mnemonic and a SURI path.
	let alice = ichat.json_with(
		&["account", "import", "alice", "--path", "//Alice", "--mnemonic-stdin"],
		Some(&format!("{DEV_PHRASE}\n")),
		&[],
	)?;
	ensure!(alice["address"] == ALICE, "Alice's address: {alice}");
	ensure!(alice["chat_key"].as_str().is_some_and(|k| k.len() == 66), "chat key: {alice}");

	// A new user; the words it printed open the same account.
	let bob = ichat.json(&["account", "new", "--name", "bob", "--yes-i-saved-it"])?;
	let words = bob["mnemonic"].as_str().context("account new --json prints the mnemonic")?;
	ensure!(words.split(' ').count() == 24, "24 words by default");
	let bob_address = bob["address"].as_str().context("address")?.to_owned();
	let again = ichat.json_with(
		&["account", "import", "bob-again", "--mnemonic-stdin"],
		Some(words),
		&[],
	)?;
	ensure!(again["address"] == bob_address[..], "re-import gives the same address");
	ensure!(again.get("mnemonic").is_none(), "import never prints a mnemonic");
	let shown = ichat.json(&["account", "show", "bob"])?;
	ensure!(shown.get("mnemonic").is_none() && shown["address"] == bob_address[..], "{shown}");
	let list = ichat.json(&["account", "list"])?;
	ensure!(list["accounts"].as_array().map(Vec::len) == Some(3), "three accounts: {list}");

	// Keystore files are private and hold no words.
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		let dir = ichat.home.join("accounts");
		ensure!(std::fs::metadata(&dir)?.permissions().mode() & 0o777 == 0o700, "dir mode");
		let key = dir.join("bob.key");
		ensure!(std::fs::metadata(&key)?.permissions().mode() & 0o777 == 0o600, "file mode");
		let first_two = words.split(' ').take(2).collect::<Vec<_>>().join(" ");
		for entry in std::fs::read_dir(&dir)? {
			let text = String::from_utf8_lossy(&std::fs::read(entry?.path())?).into_owned();
			ensure!(!text.contains(&first_two), "Bob's words on disk");
			ensure!(!text.contains("bottom drive"), "dev words on disk");
		}
	}

	// Transfer 12.5 ICHAT from Alice to Bob.
	let alice_before = planck(&ichat.json(&["wallet", "balance", "alice"])?, "free_planck")?;
	let bob_before = ichat.json(&["wallet", "balance", &bob_address])?;
	ensure!(planck(&bob_before, "free_planck")? == 0, "Bob starts empty: {bob_before}");
	ensure!(bob_before["account"] == "bob", "a keystore address is named: {bob_before}");
	let sent = ichat.json(&["--account", "alice", "wallet", "transfer", "bob", "12.5", "--yes"])?;
	ensure!(sent["amount"] == "12.5" && sent["to"] == bob_address[..], "{sent}");
	let fee = planck(&sent, "fee_planck")?;
	ensure!(fee > 0, "a fee was paid");
	ensure!(sent["block_hash"].as_str().is_some_and(|h| h.len() == 66), "{sent}");
	let block = sent["block_number"].as_u64().context("block_number")?;

	let bob_after = planck(&ichat.json(&["wallet", "balance", "bob"])?, "free_planck")?;
	ensure!(bob_after == 12 * ICHAT + ICHAT / 2, "Bob holds 12.5 ICHAT, not {bob_after}");
	let alice_after = planck(&ichat.json(&["wallet", "balance", "alice"])?, "free_planck")?;
	ensure!(
		alice_before - alice_after == 12 * ICHAT + ICHAT / 2 + fee,
		"Alice paid {} for 12.5 ICHAT with fee {fee}",
		alice_before - alice_after
	);

	// Both histories show it.
	let history = ichat.json(&["--account", "bob", "wallet", "history", "--blocks", "200"])?;
	let entries = history["transfers"].as_array().context("transfers")?;
	ensure!(
		entries.iter().any(|t| t["direction"] == "in"
			&& t["from"] == ALICE
			&& t["amount"] == "12.5"
			&& t["block_number"] == block),
		"Bob's history shows the transfer: {history}"
	);
	let history = ichat.json(&["wallet", "history", ALICE, "--blocks", "200"])?;
	ensure!(
		history["transfers"].as_array().is_some_and(|a| a
			.iter()
			.any(|t| t["direction"] == "out" && t["to"] == bob_address[..])),
		"Alice's history shows the transfer: {history}"
	);

	// polkadot.js JSON export imports back to the same account.
	let export_path = home.path().join("alice.json");
	let export_env =
		[("ICHAT_EXPORT_PASSWORD", "export pw"), ("ICHAT_IMPORT_PASSWORD", "export pw")];
	let exported = ichat.json_with(
		&["account", "export", "alice", "--out", export_path.to_str().context("path")?],
		None,
		&export_env,
	)?;
	ensure!(exported["address"] == ALICE, "{exported}");
	let imported = ichat.json_with(
		&["account", "import", "alice-js", "--json-file", export_path.to_str().context("path")?],
		None,
		&export_env,
	)?;
	ensure!(imported["address"] == ALICE, "polkadot.js round trip: {imported}");

	// One-line errors.
	let e = ichat.error(
		&["--account", "alice", "wallet", "transfer", "bob", "1", "--yes"],
		None,
		&[("ICHAT_PASSWORD", "wrong")],
	)?;
	ensure!(e == "error: wrong password for account \"alice\"", "{e}");

	let bad = DEV_PHRASE.replace("obey", "obay");
	let e = ichat.error(&["account", "import", "x", "--mnemonic-stdin"], Some(&bad), &[])?;
	ensure!(e == "error: bad mnemonic: word 3 is not in the BIP39 English word list", "{e}");

	let e = ichat.error(
		&["--account", "bob", "wallet", "transfer", "alice", "100", "--yes"],
		None,
		&[],
	)?;
	ensure!(
		e.starts_with("error: insufficient balance: you have 12.5 ICHAT, need 100 ICHAT + fee "),
		"{e}"
	);

	let port = ichat_testnet::free_port()?;
	let dead = Ichat { home: ichat.home.clone(), rpc: format!("ws://127.0.0.1:{port}") };
	let e = dead.error(&["wallet", "balance", "alice"], None, &[])?;
	ensure!(
		e.starts_with(&format!("error: cannot reach an iChat node at ws://127.0.0.1:{port}")),
		"{e}"
	);

	let e = ichat.error(&["account", "new", "--name", "carol"], None, &[])?;
	ensure!(e.contains("--yes-i-saved-it"), "no quiz without a terminal: {e}");
	check_config_precedence(&ichat.home)?;
	Ok(())
}

/// `config show --json` reports flags over the config file over defaults.
fn check_config_precedence(home: &Path) -> Result<()> {
	std::fs::write(home.join("config.toml"), "rpc = \"ws://10.1.2.3:9944\"\naccount = \"bob\"\n")?;
	let run = |args: &[&str]| -> Result<Value> {
		let out = Command::new(env!("CARGO_BIN_EXE_ichat"))
			.env("ICHAT_HOME", home)
			.args(args)
			.output()?;
		if !out.status.success() {
			bail!("config show: {}", String::from_utf8_lossy(&out.stderr));
		}
		Ok(serde_json::from_slice(&out.stdout)?)
	};
	let v = run(&["config", "show", "--json"])?;
	ensure!(v["rpc"] == "ws://10.1.2.3:9944" && v["rpc_source"] == "config", "{v}");
	ensure!(v["account"] == "bob" && v["account_source"] == "config", "{v}");
	let v = run(&["--rpc", "ws://127.0.0.1:1", "config", "show", "--json", "-a", "alice"])?;
	ensure!(v["rpc"] == "ws://127.0.0.1:1" && v["rpc_source"] == "flag", "{v}");
	ensure!(v["account"] == "alice" && v["account_source"] == "flag", "{v}");
	Ok(())
}
