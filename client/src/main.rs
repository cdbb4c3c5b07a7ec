//! `ichat`: the iChat command-line wallet and chat client.
//!
//! Parses the command line, runs the command, and prints any error as one line
//! (`error: …`, exit code 1). Everything else lives in the `ichat_cli` library.

use std::process::ExitCode;

use clap::Parser;
use ichat_cli::{cli::Cli, error_line, output::Output};

fn main() -> ExitCode {
	let cli = Cli::parse();
	let json = cli.global.json;
	match ichat_cli::run(cli) {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			let style = Output::new(json).stderr_style();
			eprintln!("{} {}", style.red("error:"), error_line(&e));
			ExitCode::FAILURE
		},
	}
}
