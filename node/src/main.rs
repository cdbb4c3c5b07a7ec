//! `ichat-node`: the iChat validator and service node.
//!
//! A Substrate node running the iChat runtime with Aura block production and GRANDPA
//! finality. See `ichat-node --help` and `docs/operator-guide.md`.

#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error` are Substrate's own error types, returned through
// Substrate's own runner closures: their size is not ours to change.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod embedded_relay;
mod rpc;
mod service;
mod tester;

/// jemalloc, as Polkadot's node uses: under the relay's load glibc's malloc spent a few percent
/// of the CPU growing and shrinking its per-thread arenas (docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
