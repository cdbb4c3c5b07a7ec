//! Questions to the person at the terminal: passwords, confirmations, words.
//!
//! Nothing here blocks a script: without a terminal every question either has an
//! environment-variable or flag answer, or fails at once with an error saying which.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{anyhow, bail, Context, Result};
use zeroize::Zeroizing;

/// The keystore password for scripts.
pub const PASSWORD_ENV: &str = "ICHAT_PASSWORD";
/// The password of a polkadot.js JSON file being imported.
pub const IMPORT_PASSWORD_ENV: &str = "ICHAT_IMPORT_PASSWORD";
/// The password of a polkadot.js JSON file being exported.
pub const EXPORT_PASSWORD_ENV: &str = "ICHAT_EXPORT_PASSWORD";

/// Whether a person can answer questions (stdin and stderr are terminals).
pub fn is_interactive() -> bool {
	std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn env_secret(var: &str) -> Option<Zeroizing<String>> {
	std::env::var(var).ok().map(Zeroizing::new)
}

fn hidden(prompt: &str) -> Result<Zeroizing<String>> {
	rpassword::prompt_password(prompt)
		.map(Zeroizing::new)
		.context("cannot read from the terminal")
}

/// An existing password: `$env`, else a hidden prompt, else an error naming `env`.
pub fn password(env: &str, prompt: &str) -> Result<Zeroizing<String>> {
	if let Some(p) = env_secret(env) {
		return Ok(p);
	}
	if !is_interactive() {
		bail!("no password: set {env} or run in a terminal");
	}
	hidden(prompt)
}

/// A new password: `$env`, else asked twice on the terminal. Never empty.
pub fn new_password(env: &str, what: &str) -> Result<Zeroizing<String>> {
	if let Some(p) = env_secret(env) {
		if p.is_empty() {
			bail!("{env} is empty: choose a password");
		}
		return Ok(p);
	}
	if !is_interactive() {
		bail!("no password: set {env} or run in a terminal");
	}
	for _ in 0..3 {
		let first = hidden(&format!("New password for {what}: "))?;
		if first.is_empty() {
			eprintln!("The password cannot be empty.");
			continue;
		}
		let second = hidden("Repeat the password: ")?;
		if *first == *second {
			return Ok(first);
		}
		eprintln!("The passwords differ; try again.");
	}
	bail!("no password chosen")
}

/// A secret line (hidden input on a terminal).
pub fn hidden_line(prompt: &str) -> Result<Zeroizing<String>> {
	hidden(prompt)
}

/// One line from stdin (for piped secrets: the caller asked for stdin explicitly).
pub fn stdin_line() -> Result<Zeroizing<String>> {
	let mut line = Zeroizing::new(String::new());
	std::io::stdin()
		.lock()
		.read_line(&mut line)
		.context("cannot read standard input")?;
	Ok(line)
}

/// A visible answer typed on the terminal.
pub fn line(prompt: &str) -> Result<String> {
	eprint!("{prompt}");
	std::io::stderr().flush()?;
	let mut line = String::new();
	let n = std::io::stdin().lock().read_line(&mut line)?;
	if n == 0 {
		return Err(anyhow!("no answer (end of input)"));
	}
	Ok(line.trim().to_owned())
}

/// Ask a yes/no `question` (default no) before `action` (e.g. "send 1 ICHAT"). `yes` (the
/// --yes flag) answers for the user; without a terminal and without --yes this fails, telling
/// the script to pass --yes.
pub fn confirm(question: &str, action: &str, yes: bool) -> Result<bool> {
	if yes {
		return Ok(true);
	}
	if !is_interactive() {
		bail!("no terminal to confirm that you want to {action}: pass --yes");
	}
	let answer = line(&format!("{question} [y/N] "))?;
	Ok(matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"))
}
