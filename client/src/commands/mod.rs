//! The commands. Each module has one `run` taking its parsed arguments and the [`Context`].
//!
//! To add a command group: a module here, a variant in [`crate::cli::Command`], and an arm in
//! [`dispatch`].

use anyhow::Result;

use crate::{cli::Command, context::Context};

pub mod account;
pub mod chat;
pub mod config;
pub mod nodes;
pub mod operator;
pub mod wallet;

/// Run one command.
pub async fn dispatch(command: Command, ctx: &Context) -> Result<()> {
	match command {
		Command::Account(c) => account::run(c, ctx).await,
		Command::Wallet(c) => wallet::run(c, ctx).await,
		Command::Operator(c) => operator::run(c, ctx).await,
		Command::Config(c) => config::run(c, ctx),
		Command::Nodes(a) => nodes::run(a, ctx).await,
		Command::Chat(c) => chat::run(c, ctx).await,
	}
}
