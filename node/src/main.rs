//! `ichat-node`: the iChat validator and service node.
//!
//! A Substrate node running the iChat runtime with Aura block production and GRANDPA
//! finality. See `ichat-node --help` and `docs/operator-guide.md`.

#![warn(missing_docs)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
