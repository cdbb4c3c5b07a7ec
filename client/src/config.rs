//! Settings: command-line flags, then `$ICHAT_HOME/config.toml`, then defaults.
//!
//! `ICHAT_HOME` (default `~/.ichat`) holds the config file and the keystore (`accounts/`).
//! The config file is optional; every key is optional:
//!
//! ```toml
//! # WebSocket RPC endpoint of an iChat node.
//! rpc = "ws://127.0.0.1:9944"
//! # The account commands use when --account is not given.
//! account = "alice"
//! # Relay nodes to contact first (multiaddrs ending in /p2p/<peer id>).
//! bootstrap = ["/ip4/127.0.0.1/tcp/40333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp"]
//! ```
//!
//! Unknown keys are rejected (a typo should not be silently ignored).

use std::{
	fmt,
	path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::{cli::GlobalArgs, peer_id};

/// The RPC endpoint used when neither a flag nor the config file names one.
pub const DEFAULT_RPC: &str = "ws://127.0.0.1:9944";
/// Environment variable naming the iChat home directory.
pub const HOME_ENV: &str = "ICHAT_HOME";
/// The config file name inside the home directory.
pub const CONFIG_FILE: &str = "config.toml";

/// The contents of `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
	/// WebSocket RPC endpoint.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub rpc: Option<String>,
	/// Default account name.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub account: Option<String>,
	/// Bootstrap relay nodes (multiaddrs with `/p2p/<peer id>`).
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub bootstrap: Vec<String>,
}

impl ConfigFile {
	/// Parse the text of a config file; `path` only names the file in errors.
	pub fn parse(text: &str, path: &Path) -> Result<ConfigFile> {
		let file: ConfigFile = toml::from_str(text).map_err(|e| {
			anyhow::anyhow!("{}: {}", path.display(), e.message().replace('\n', " "))
		})?;
		for addr in &file.bootstrap {
			check_bootstrap(addr).with_context(|| format!("{}: bootstrap", path.display()))?;
		}
		Ok(file)
	}

	/// Read `path`; a missing file is an empty config.
	pub fn load(path: &Path) -> Result<ConfigFile> {
		match std::fs::read_to_string(path) {
			Ok(text) => Self::parse(&text, path),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
			Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
		}
	}
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
	/// A command-line flag.
	Flag,
	/// The config file.
	Config,
	/// The built-in default.
	Default,
}

impl fmt::Display for Source {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			Source::Flag => "flag",
			Source::Config => "config file",
			Source::Default => "default",
		})
	}
}

/// The settings in effect for one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
	/// The iChat home directory.
	pub home: PathBuf,
	/// The config file (it may not exist).
	pub config_path: PathBuf,
	/// WebSocket RPC endpoint of the node to talk to.
	pub rpc: String,
	/// Where [`Settings::rpc`] came from.
	pub rpc_source: Source,
	/// The account name asked for, if any (otherwise the only account in the keystore is used).
	pub account: Option<String>,
	/// Where [`Settings::account`] came from.
	pub account_source: Source,
	/// Bootstrap relay nodes.
	pub bootstrap: Vec<String>,
	/// Where [`Settings::bootstrap`] came from.
	pub bootstrap_source: Source,
	/// Answer yes to confirmations.
	pub yes: bool,
}

impl Settings {
	/// Flags override the config file, which overrides the defaults. Pure: no I/O.
	pub fn resolve(flags: &GlobalArgs, file: ConfigFile, home: PathBuf) -> Result<Settings> {
		let (rpc, rpc_source) = match (&flags.rpc, file.rpc) {
			(Some(url), _) => (url.clone(), Source::Flag),
			(None, Some(url)) => (url, Source::Config),
			(None, None) => (DEFAULT_RPC.to_owned(), Source::Default),
		};
		check_rpc_url(&rpc).with_context(|| format!("rpc ({rpc_source})"))?;
		let (account, account_source) = match (&flags.account, file.account) {
			(Some(name), _) => (Some(name.clone()), Source::Flag),
			(None, Some(name)) => (Some(name), Source::Config),
			(None, None) => (None, Source::Default),
		};
		let (bootstrap, bootstrap_source) = if !flags.bootstrap.is_empty() {
			for addr in &flags.bootstrap {
				check_bootstrap(addr).context("--bootstrap")?;
			}
			(flags.bootstrap.clone(), Source::Flag)
		} else if !file.bootstrap.is_empty() {
			(file.bootstrap, Source::Config)
		} else {
			(Vec::new(), Source::Default)
		};
		Ok(Settings {
			config_path: home.join(CONFIG_FILE),
			home,
			rpc,
			rpc_source,
			account,
			account_source,
			bootstrap,
			bootstrap_source,
			yes: flags.yes,
		})
	}

	/// Read `$ICHAT_HOME/config.toml` and resolve it with the flags.
	pub fn load(flags: &GlobalArgs) -> Result<Settings> {
		let home = ichat_home()?;
		let file = ConfigFile::load(&home.join(CONFIG_FILE))?;
		Self::resolve(flags, file, home)
	}

	/// The keystore directory, `$ICHAT_HOME/accounts`.
	pub fn accounts_dir(&self) -> PathBuf {
		self.home.join("accounts")
	}
}

/// `$ICHAT_HOME`, else `~/.ichat`.
pub fn ichat_home() -> Result<PathBuf> {
	if let Some(home) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
		return Ok(PathBuf::from(home));
	}
	match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
		Some(home) => Ok(PathBuf::from(home).join(".ichat")),
		None => bail!("cannot find your home directory: set {HOME_ENV}"),
	}
}

/// Accept `ws://` and `wss://` URLs only (the node's RPC is a WebSocket).
pub fn check_rpc_url(url: &str) -> Result<()> {
	if !(url.starts_with("ws://") || url.starts_with("wss://")) || url.len() < 7 {
		bail!("{url:?} is not a WebSocket URL (expected ws://HOST:PORT or wss://HOST:PORT)");
	}
	Ok(())
}

/// A bootstrap address must be a textual multiaddr ending in `/p2p/<ed25519 peer id>`.
pub fn check_bootstrap(addr: &str) -> Result<()> {
	let Some((transport, id)) = addr.rsplit_once("/p2p/") else {
		bail!("{addr:?} has no /p2p/<peer id> at the end");
	};
	if !transport.starts_with('/') || transport.len() < 2 {
		bail!("{addr:?} is not a multiaddr (it starts with /ip4, /ip6, /dns…)");
	}
	peer_id::parse(id).with_context(|| format!("{addr:?}"))?;
	Ok(())
}

/// The text `ichat config init` writes.
pub fn template(rpc: &str) -> String {
	format!(
		"# iChat client settings. Command-line flags override them.\n\
		 \n\
		 # WebSocket RPC endpoint of an iChat node.\n\
		 rpc = {rpc:?}\n\
		 \n\
		 # The account commands use when --account is not given.\n\
		 # account = \"alice\"\n\
		 \n\
		 # Relay nodes to contact first (multiaddrs ending in /p2p/<peer id>).\n\
		 # bootstrap = [\"/ip4/203.0.113.7/tcp/40333/p2p/12D3KooW...\"]\n"
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	const PEER: &str = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";

	fn flags() -> GlobalArgs {
		GlobalArgs::default()
	}

	#[test]
	fn defaults_when_nothing_is_set() {
		let s = Settings::resolve(&flags(), ConfigFile::default(), "/h".into()).expect("ok");
		assert_eq!((s.rpc.as_str(), s.rpc_source), (DEFAULT_RPC, Source::Default));
		assert_eq!((s.account, s.account_source), (None, Source::Default));
		assert!(s.bootstrap.is_empty());
		assert_eq!(s.config_path, PathBuf::from("/h/config.toml"));
	}

	#[test]
	fn config_file_overrides_defaults_and_flags_override_config() {
		let text = format!(
			"rpc = \"ws://10.0.0.1:9944\"\naccount = \"alice\"\nbootstrap = [\"/ip4/1.2.3.4/tcp/1/p2p/{PEER}\"]\n"
		);
		let file = ConfigFile::parse(&text, Path::new("c.toml")).expect("parses");
		let s = Settings::resolve(&flags(), file.clone(), "/h".into()).expect("ok");
		assert_eq!((s.rpc.as_str(), s.rpc_source), ("ws://10.0.0.1:9944", Source::Config));
		assert_eq!((s.account.as_deref(), s.account_source), (Some("alice"), Source::Config));
		assert_eq!(s.bootstrap.len(), 1);
		assert_eq!(s.bootstrap_source, Source::Config);

		let mut f = flags();
		f.rpc = Some("wss://node.example:443".into());
		f.account = Some("bob".into());
		f.bootstrap = vec![format!("/dns4/x.example/tcp/2/p2p/{PEER}")];
		let s = Settings::resolve(&f, file, "/h".into()).expect("ok");
		assert_eq!((s.rpc.as_str(), s.rpc_source), ("wss://node.example:443", Source::Flag));
		assert_eq!((s.account.as_deref(), s.account_source), (Some("bob"), Source::Flag));
		assert_eq!(s.bootstrap, vec![format!("/dns4/x.example/tcp/2/p2p/{PEER}")]);
		assert_eq!(s.bootstrap_source, Source::Flag);
	}

	#[test]
	fn bad_config_is_one_clear_error() {
		let e = ConfigFile::parse("rcp = \"ws://x\"", Path::new("c.toml")).expect_err("typo");
		assert!(format!("{e:#}").contains("unknown field `rcp`"), "{e:#}");
		let e = ConfigFile::parse("bootstrap = [\"/ip4/1.2.3.4/tcp/1\"]", Path::new("c.toml"))
			.expect_err("no peer id");
		assert!(format!("{e:#}").contains("/p2p/"), "{e:#}");
		let mut f = flags();
		f.rpc = Some("http://127.0.0.1:9944".into());
		let e = Settings::resolve(&f, ConfigFile::default(), "/h".into()).expect_err("http");
		assert!(format!("{e:#}").contains("not a WebSocket URL"), "{e:#}");
	}

	#[test]
	fn missing_config_file_is_empty() {
		let dir = tempfile::tempdir().expect("tempdir");
		let file = ConfigFile::load(&dir.path().join("none.toml")).expect("ok");
		assert_eq!(file, ConfigFile::default());
	}

	#[test]
	fn template_parses() {
		let file = ConfigFile::parse(&template(DEFAULT_RPC), Path::new("t")).expect("parses");
		assert_eq!(file.rpc.as_deref(), Some(DEFAULT_RPC));
	}
}
