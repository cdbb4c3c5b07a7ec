//! The command line: every subcommand, flag and `--help` text of `ichat`.
//!
//! Parsing only; what each command does lives in [`crate::commands`]. To add a command group
//! (e.g. `nodes`, `chat`): add a variant to [`Command`] with its `Args`/`Subcommand` type here,
//! a module under `src/commands/`, and one match arm in [`crate::commands::dispatch`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const ROOT_EXAMPLES: &str = "\
Getting started:
  ichat account new --name alice          create an account (write the words down!)
  ichat wallet balance                    see your ICHAT
  ichat wallet transfer <ADDRESS> 12.5    send 12.5 ICHAT

Every command takes --json for scripts. Settings come from flags, then
$ICHAT_HOME/config.toml (ICHAT_HOME defaults to ~/.ichat), then defaults.
Scripts give the keystore password in ICHAT_PASSWORD.

Run `ichat <COMMAND> --help` for examples of each command.";

/// `ichat`: the iChat wallet and end-to-end encrypted chat client.
#[derive(Debug, Parser)]
#[command(
	name = "ichat",
	version,
	about = "iChat: wallet and end-to-end encrypted chat on the iChat network",
	long_about = "iChat: wallet and end-to-end encrypted chat on the iChat network.\n\n\
		Your account is a BIP39 mnemonic (a list of words). It opens your wallet and your chat \
		identity; nothing else is asked, and lost words cannot be recovered by anyone.",
	after_help = ROOT_EXAMPLES,
	arg_required_else_help = true,
	propagate_version = true
)]
pub struct Cli {
	/// Flags every command accepts.
	#[command(flatten)]
	pub global: GlobalArgs,
	/// The command to run.
	#[command(subcommand)]
	pub command: Command,
}

/// Flags accepted by every command (before or after the subcommand).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
	/// Print machine-readable JSON on stdout (field names are stable; see docs/user-guide.md).
	#[arg(long, global = true)]
	pub json: bool,
	/// WebSocket RPC endpoint of an iChat node [config: rpc; default: ws://127.0.0.1:9944].
	#[arg(long, global = true, value_name = "URL")]
	pub rpc: Option<String>,
	/// The account to use, by name [config: account; default: the only account, if one].
	#[arg(long, short = 'a', global = true, value_name = "NAME")]
	pub account: Option<String>,
	/// Bootstrap relay node (multiaddr ending in /p2p/PEER_ID); repeat for several
	/// [config: bootstrap].
	#[arg(long = "bootstrap", global = true, value_name = "MULTIADDR")]
	pub bootstrap: Vec<String>,
	/// Answer "yes" to every confirmation question (transfers, removals, overwrites).
	#[arg(long, short = 'y', global = true)]
	pub yes: bool,
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
	/// Create, import, export and list accounts (keys stay encrypted in $ICHAT_HOME).
	#[command(subcommand)]
	Account(AccountCommand),
	/// Balances, transfers and transfer history.
	#[command(subcommand)]
	Wallet(WalletCommand),
	/// Run a service node: register with a bond, check its status, unbond, withdraw.
	#[command(subcommand)]
	Operator(OperatorCommand),
	/// Show the settings in effect and where they come from.
	#[command(subcommand)]
	Config(ConfigCommand),
	/// The online relay nodes with their measured RTT (* marks the ones a chat would use).
	#[command(after_help = NODES_EXAMPLES)]
	Nodes(NodesArgs),
	/// Send, receive and chat: end-to-end encrypted, burned after reading.
	#[command(subcommand)]
	Chat(ChatCommand),
}

const NODES_EXAMPLES: &str = "\
Examples:
  ichat nodes                       relay nodes from the chain registry, best first
  ichat nodes --json                the same for scripts (rtt_ms is null for a node that is down)
  ichat nodes --bootstrap /ip4/127.0.0.1/tcp/40333/p2p/12D3KooW...   start from one node";

/// `ichat nodes`.
#[derive(Debug, Args)]
pub struct NodesArgs {
	/// How many of the best nodes to mark as in use (a chat uses 5).
	#[arg(long, default_value_t = 5, value_name = "N")]
	pub use_nodes: usize,
}

const CHAT_EXAMPLES: &str = "\
Examples:
  ichat chat send 5Grw...utQY \"hello\"     one message; says whether it was accepted
  ichat chat listen                        print incoming messages (each is burned once shown)
  ichat chat listen --count 1 --timeout 60 --json   wait for one message, as a JSON line
  ichat chat open 5Grw...utQY             interactive: type to send, replies appear as they come

The recipient must be online: a message to an offline user is dropped and you are told.
You are online while `chat listen` or `chat open` runs; `chat send` alone does not make you
online, so to get replies, listen.
Nothing is written to disk; a read message is deleted on every relay node.";

/// `ichat chat …`.
#[derive(Debug, Subcommand)]
#[command(after_help = CHAT_EXAMPLES)]
pub enum ChatCommand {
	/// Send one message to ADDRESS (an SS58 address or a keystore account name); this does not
	/// make you online.
	#[command(after_help = CHAT_EXAMPLES)]
	Send {
		/// The recipient.
		#[arg(value_name = "ADDRESS")]
		to: String,
		/// The text.
		#[arg(value_name = "MESSAGE")]
		message: String,
	},
	/// Print incoming messages as they arrive; each is acknowledged (burned) once shown.
	#[command(after_help = CHAT_EXAMPLES)]
	Listen {
		/// Stop after this many messages.
		#[arg(long, value_name = "N")]
		count: Option<usize>,
		/// Stop after this many seconds.
		#[arg(long, value_name = "SECS")]
		timeout: Option<u64>,
	},
	/// Interactive chat with ADDRESS: typed lines are sent, incoming messages shown and burned.
	#[command(after_help = CHAT_EXAMPLES)]
	Open {
		/// Who to chat with.
		#[arg(value_name = "ADDRESS")]
		to: String,
	},
}

// ------------------------------------------------------------------------------------------
// account

const ACCOUNT_NEW_EXAMPLES: &str = "\
Examples:
  ichat account new --name alice
  ichat account new --name bob --words 12
  # scripts: no quiz, password from the environment, words in the JSON output
  ICHAT_PASSWORD=... ichat account new --name bot --yes-i-saved-it --json

The words are shown once. Anyone who has them controls the account; if you lose them,
nobody can recover it.";

const ACCOUNT_IMPORT_EXAMPLES: &str = "\
Examples:
  ichat account import alice                         # type the words at the prompt
  ichat account import alice --path //work            # a derived account (SURI path)
  echo \"$WORDS\" | ichat account import bot --mnemonic-stdin
  ichat account import old --json-file polkadot-export.json

The mnemonic is never taken from the command line (it would end up in your shell history).
For polkadot.js JSON files the file's password is asked, or taken from ICHAT_IMPORT_PASSWORD.";

const ACCOUNT_EXPORT_EXAMPLES: &str = "\
Examples:
  ichat account export alice                      # writes alice.json
  ichat account export alice --out ~/backup/alice.json

The file is polkadot.js JSON (v3, scrypt + xsalsa20-poly1305), importable in the polkadot.js
extension, Talisman and SubWallet. It is encrypted with a new password you choose (or
ICHAT_EXPORT_PASSWORD).";

/// `ichat account …`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
	/// Create a new account from fresh random words.
	#[command(after_help = ACCOUNT_NEW_EXAMPLES)]
	New(AccountNewArgs),
	/// Import an account from its mnemonic or from a polkadot.js JSON file.
	#[command(after_help = ACCOUNT_IMPORT_EXAMPLES)]
	Import(AccountImportArgs),
	/// Export an account to a polkadot.js JSON file.
	#[command(after_help = ACCOUNT_EXPORT_EXAMPLES)]
	Export(AccountExportArgs),
	/// Show an account's address and chat key.
	#[command(after_help = "Examples:\n  ichat account show\n  ichat account show bob --json")]
	Show(AccountShowArgs),
	/// List the accounts in the keystore.
	#[command(after_help = "Examples:\n  ichat account list\n  ichat account list --json")]
	List,
	/// Delete an account from the keystore (the words still open it).
	#[command(
		after_help = "Examples:\n  ichat account remove old\n  ichat account remove old --yes"
	)]
	Remove(AccountRemoveArgs),
}

/// Number of words of a new mnemonic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Words {
	/// 12 words (128 bits).
	#[value(name = "12")]
	Twelve,
	/// 24 words (256 bits, the default).
	#[value(name = "24")]
	TwentyFour,
}

/// `ichat account new`
#[derive(Debug, Args)]
pub struct AccountNewArgs {
	/// Name of the account in the keystore [default: "default" for the first account].
	#[arg(long, short)]
	pub name: Option<String>,
	/// Number of words.
	#[arg(long, value_enum, default_value = "24")]
	pub words: Words,
	/// Do not ask to confirm words: you promise you stored them. Required without a terminal.
	#[arg(long)]
	pub yes_i_saved_it: bool,
}

/// `ichat account import`
#[derive(Debug, Args)]
pub struct AccountImportArgs {
	/// Name for the imported account.
	pub name: String,
	/// Derivation path appended to the mnemonic, e.g. `//Alice` or `//hard/soft`.
	#[arg(long, value_name = "PATH", conflicts_with = "json_file")]
	pub path: Option<String>,
	/// Read the mnemonic from standard input (one line) instead of a hidden prompt.
	#[arg(long)]
	pub mnemonic_stdin: bool,
	/// Import a polkadot.js JSON account file instead of a mnemonic.
	#[arg(long, value_name = "FILE", conflicts_with = "mnemonic_stdin")]
	pub json_file: Option<PathBuf>,
}

/// `ichat account export`
#[derive(Debug, Args)]
pub struct AccountExportArgs {
	/// The account to export [default: the selected account].
	pub name: Option<String>,
	/// Output file [default: NAME.json in the current directory].
	#[arg(long, short, value_name = "FILE")]
	pub out: Option<PathBuf>,
}

/// `ichat account show`
#[derive(Debug, Args)]
pub struct AccountShowArgs {
	/// The account [default: the selected account].
	pub name: Option<String>,
}

/// `ichat account remove`
#[derive(Debug, Args)]
pub struct AccountRemoveArgs {
	/// The account to delete.
	pub name: String,
}

// ------------------------------------------------------------------------------------------
// wallet

const WALLET_TRANSFER_EXAMPLES: &str = "\
Examples:
  ichat wallet transfer mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4 12.5
  ichat wallet transfer bob 100            # bob: an account in your keystore
  ichat --account alice wallet transfer bob 0.5 --yes --json

AMOUNT is in ICHAT (up to 12 decimals). The sender keeps at least the existential deposit
(0.001 ICHAT); the fee is shown before you confirm. Waits until the transfer is final.";

/// `ichat wallet …`
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
	/// Show free and held (bonded) ICHAT of an account.
	#[command(
		after_help = "Examples:\n  ichat wallet balance\n  ichat wallet balance mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4\n  ichat wallet balance bob --json"
	)]
	Balance(WalletBalanceArgs),
	/// Send ICHAT to an address or to one of your accounts.
	#[command(after_help = WALLET_TRANSFER_EXAMPLES)]
	Transfer(WalletTransferArgs),
	/// List recent transfers to and from an account (from chain events).
	#[command(
		after_help = "Examples:\n  ichat wallet history\n  ichat wallet history --blocks 5000 --json\n\nOnly blocks whose state the node still keeps can be scanned (run the node with\n--state-pruning archive for a full history)."
	)]
	History(WalletHistoryArgs),
}

/// `ichat wallet balance`
#[derive(Debug, Args)]
pub struct WalletBalanceArgs {
	/// Address (SS58 or 0x hex) or account name [default: the selected account].
	pub address: Option<String>,
}

/// `ichat wallet transfer`
#[derive(Debug, Args)]
pub struct WalletTransferArgs {
	/// Recipient: SS58 address, 0x hex account id, or an account name in your keystore.
	pub to: String,
	/// Amount in ICHAT, e.g. `12.5`.
	pub amount: String,
}

/// `ichat wallet history`
#[derive(Debug, Args)]
pub struct WalletHistoryArgs {
	/// Address or account name [default: the selected account].
	pub address: Option<String>,
	/// How many of the latest finalized blocks to scan.
	#[arg(long, default_value_t = 1000, value_name = "N")]
	pub blocks: u32,
}

// ------------------------------------------------------------------------------------------
// operator

const OPERATOR_REGISTER_EXAMPLES: &str = "\
Examples:
  ichat --account operator operator register --bond 1000000 \\
      --relay-addr /dns4/relay.example.org/tcp/40333 \\
      --node-rpc ws://127.0.0.1:9944

Steps: (1) your node (--node-rpc, default --rpc) makes new session keys for your account
with author_rotateKeysWithOwner, and its relay signs its consent to be registered by your
account with ichat_relayOwnershipProof (both unsafe RPCs: use your own node, reachable on
localhost); (2) the registration bonds at least 1,000,000 ICHAT, names your relay's peer id,
its proof and addresses, and sets the keys. Your node validates from the session after next.";

/// `ichat operator …`
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
	/// Register your service node: bond ICHAT, announce its relay, set its session keys.
	#[command(after_help = OPERATOR_REGISTER_EXAMPLES)]
	Register(OperatorRegisterArgs),
	/// Show a service node's bond and state.
	#[command(
		after_help = "Examples:\n  ichat operator status\n  ichat operator status mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4 --json"
	)]
	Status(OperatorStatusArgs),
	/// Leave the validator set; the bond unlocks after the unbonding period.
	#[command(
		after_help = "Examples:\n  ichat operator unbond\n  ichat operator unbond --yes --json"
	)]
	Unbond,
	/// Release the bond once the unbonding period has passed.
	#[command(after_help = "Examples:\n  ichat operator withdraw")]
	Withdraw,
}

/// `ichat operator register`
#[derive(Debug, Args)]
pub struct OperatorRegisterArgs {
	/// Bond in ICHAT (at least 1,000,000).
	#[arg(long, value_name = "AMOUNT")]
	pub bond: String,
	/// The relay's libp2p peer id (`12D3KooW…`, printed by `ichat-node` at start) [default:
	/// the relay of the node at --node-rpc]. When given, it must be that relay's.
	#[arg(long, value_name = "PEER_ID")]
	pub relay_peer_id: Option<String>,
	/// An address the relay listens on, e.g. `/ip4/203.0.113.7/tcp/40333`; repeat for several.
	#[arg(long = "relay-addr", value_name = "MULTIADDR", required = true)]
	pub relay_addrs: Vec<String>,
	/// RPC endpoint of your own node, which generates the session keys and signs the relay
	/// proof [default: --rpc].
	#[arg(long, value_name = "URL")]
	pub node_rpc: Option<String>,
}

/// `ichat operator status`
#[derive(Debug, Args)]
pub struct OperatorStatusArgs {
	/// Operator address or account name [default: the selected account].
	pub address: Option<String>,
}

// ------------------------------------------------------------------------------------------
// config

/// `ichat config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
	/// Print the settings in effect (after flags, config file and defaults).
	#[command(
		after_help = "Examples:\n  ichat config show\n  ICHAT_HOME=/tmp/x ichat config show --json"
	)]
	Show,
	/// Write a commented config file with the defaults, if none exists.
	#[command(
		after_help = "Examples:\n  ichat config init\n  ichat --rpc ws://10.0.0.5:9944 config init"
	)]
	Init,
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::CommandFactory;

	#[test]
	fn cli_is_consistent() {
		Cli::command().debug_assert();
	}

	#[test]
	fn global_flags_go_anywhere() {
		let cli = Cli::try_parse_from([
			"ichat",
			"wallet",
			"balance",
			"--json",
			"--rpc",
			"ws://x:1",
			"--account",
			"bob",
		])
		.expect("parses");
		assert!(cli.global.json);
		assert_eq!(cli.global.rpc.as_deref(), Some("ws://x:1"));
		assert_eq!(cli.global.account.as_deref(), Some("bob"));
	}

	#[test]
	fn mnemonic_is_never_an_argument() {
		// There is no flag that takes the words themselves.
		assert!(
			Cli::try_parse_from(["ichat", "account", "import", "a", "--mnemonic", "x"]).is_err()
		);
	}
}
