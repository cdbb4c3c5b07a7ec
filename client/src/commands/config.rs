//! `ichat config show|init`.

use anyhow::{bail, Context as _, Result};
use serde::Serialize;

use crate::{
	cli::ConfigCommand,
	config::{self, Settings},
	context::Context,
	output::{field, Render, Style},
};

/// Run a `config` subcommand.
pub fn run(command: ConfigCommand, ctx: &Context) -> Result<()> {
	match command {
		ConfigCommand::Show => ctx.out.print(&ShowReport {
			config_exists: ctx.settings.config_path.exists(),
			settings: ctx.settings.clone(),
		}),
		ConfigCommand::Init => init(ctx),
	}
}

/// `config show` result: the settings and where each came from.
#[derive(Debug, Serialize)]
pub struct ShowReport {
	/// The settings.
	#[serde(flatten)]
	pub settings: Settings,
	/// Whether the config file exists.
	pub config_exists: bool,
}

impl Render for ShowReport {
	fn render(&self, s: &Style) -> String {
		let st = &self.settings;
		let w = 10;
		let from = |src: config::Source| s.dim(&format!("({src})"));
		let bootstrap = if st.bootstrap.is_empty() {
			"none".to_owned()
		} else {
			st.bootstrap.join("\n           ")
		};
		[
			field(s, "home", &st.home.display().to_string(), w),
			field(
				s,
				"config",
				&format!(
					"{}{}",
					st.config_path.display(),
					if self.config_exists { "" } else { " (not created)" }
				),
				w,
			),
			field(s, "rpc", &format!("{} {}", st.rpc, from(st.rpc_source)), w),
			field(
				s,
				"account",
				&format!(
					"{} {}",
					st.account
						.as_deref()
						.unwrap_or("none chosen (the only account in the keystore is used)"),
					from(st.account_source)
				),
				w,
			),
			field(s, "bootstrap", &format!("{bootstrap} {}", from(st.bootstrap_source)), w),
		]
		.join("\n")
	}
}

/// `config init` result.
#[derive(Debug, Serialize)]
pub struct InitReport {
	/// The file written.
	pub config_path: String,
}

impl Render for InitReport {
	fn render(&self, s: &Style) -> String {
		format!("Wrote {}", s.bold(&self.config_path))
	}
}

fn init(ctx: &Context) -> Result<()> {
	let path = &ctx.settings.config_path;
	if path.exists() {
		bail!("{} already exists (edit it, or delete it first)", path.display());
	}
	std::fs::create_dir_all(&ctx.settings.home)
		.with_context(|| format!("cannot create {}", ctx.settings.home.display()))?;
	std::fs::write(path, config::template(&ctx.settings.rpc))
		.with_context(|| format!("cannot write {}", path.display()))?;
	ctx.out.print(&InitReport { config_path: path.display().to_string() })
}
