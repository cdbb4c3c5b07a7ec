//! # ichat-cli
//!
//! The `ichat` command-line wallet and chat client, as a library so that integration tests and
//! other command groups (the relay `nodes` and `chat` commands) reuse its parts.
//!
//! ## Bird's-eye view
//!
//! ```text
//!  main.rs ── cli::Cli (clap) ──► context::Context { settings, out } ──► commands::dispatch
//!                                   │         │                             │
//!          config: flags > $ICHAT_HOME/config.toml > defaults               ├─ account  ─► keystore (ichat-crypto files)
//!          output: --json or text, spinners on a tty                        ├─ wallet   ─► chain (subxt, dynamic)
//!                                                                          ├─ operator ─► chain + author_rotateKeysWithOwner
//!                                                                          └─ config
//! ```
//!
//! * [`cli`]: the clap types and `--help` texts.
//! * [`config`]: [`config::Settings`] from flags, the config file and defaults.
//! * [`context`]: [`context::Context`], what every command receives (settings, output,
//!   keystore and chain helpers).
//! * [`keystore`]: named encrypted accounts in `$ICHAT_HOME/accounts/`.
//! * [`chain`]: connecting to a node (checked to be iChat), signing with an
//!   [`ichat_crypto::Account`], submitting transactions with readable errors.
//! * [`output`]: human or JSON printing, colours, spinners.
//! * [`amount`], [`peer_id`], [`prompt`]: small helpers.
//!
//! ## JSON output
//!
//! With `--json` every command prints exactly one JSON document on stdout (errors still go to
//! stderr as one `error: …` line, exit code 1). Field names are stable; amounts are given twice,
//! as exact decimal ICHAT strings (`"12.5"`) and as planck integer strings (`"12500000000000"`,
//! fields ending in `_planck`), since planck values exceed JSON's safe integers. The fields of
//! each command are listed in `docs/user-guide.md`.

pub mod amount;
pub mod chain;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod keystore;
pub mod output;
pub mod peer_id;
pub mod prompt;

pub use context::Context;

/// Run a parsed command line to completion (builds the async runtime).
pub fn run(cli: cli::Cli) -> anyhow::Result<()> {
	let ctx = Context::load(&cli.global)?;
	let runtime = tokio::runtime::Builder::new_multi_thread()
		.worker_threads(2)
		.enable_all()
		.build()?;
	runtime.block_on(commands::dispatch(cli.command, &ctx))
}

/// Format an error as the one line `ichat` prints: the context chain joined by `: `, with no
/// line breaks and no backtrace.
pub fn error_line(e: &anyhow::Error) -> String {
	let text = format!("{e:#}");
	text.split_whitespace().collect::<Vec<_>>().join(" ")
}
