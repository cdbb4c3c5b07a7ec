//! Command-line interface of `ichat-node`.

use sc_cli::RunCmd;

/// The iChat node.
#[derive(Debug, clap::Parser)]
#[command(after_help = "EXAMPLES:\n  \
	  ichat-node --dev --tmp                      one-node development chain, state discarded on exit\n  \
	  ichat-node --chain local --alice --validator --base-path /tmp/a   first of six local validators\n  \
	  ichat-node export-chain-spec --chain local > local.json   write a chain spec to edit or share\n  \
	  ichat-node key generate --scheme sr25519    a new key (prints its secret: keep it safe)\n\n\
	  Chains: dev, local, local-fast (10-block hours), or a chain-spec JSON path.\n\
	  JSON-RPC listens on 127.0.0.1:9944 and Prometheus on 127.0.0.1:9615 unless changed.\n\
	  A validator also runs the relay (the encrypted-message network) on TCP 40333 (--relay-port).")]
pub(crate) struct Cli {
	#[command(subcommand)]
	pub(crate) subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub(crate) run: RunCmd,

	#[allow(missing_docs)]
	#[clap(flatten)]
	#[command(next_help_heading = "Relay (message network)")]
	pub(crate) relay: crate::embedded_relay::RelayParams,
}

/// Subcommands of `ichat-node`.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Subcommand {
	/// Key management: generate, inspect and insert keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (JSON) from a built-in chain or a file.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime benchmarks: `benchmark pallet` measures the weights of our pallets. Only in a
	/// node built with `--features runtime-benchmarks` (`scripts/bench-weights.sh` builds one);
	/// the node operators run carries no benchmarking code.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}
