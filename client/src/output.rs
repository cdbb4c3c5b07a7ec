//! Printing: human text or `--json`, colours only on a terminal, spinners and progress on
//! stderr.
//!
//! Every command builds one report value that is both [`serde::Serialize`] (printed as one JSON
//! document on stdout with `--json`) and [`Render`] (text for people). Notes, warnings,
//! spinners and progress go to stderr so stdout stays clean for pipes; with `--json` or when
//! stderr is not a terminal spinners and progress are silent.
//!
//! Colours follow the `NO_COLOR` convention and are used only when the stream is a terminal.

use std::{
	io::{IsTerminal, Write},
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	thread,
	time::Duration,
};

use anyhow::Result;
use serde::Serialize;

/// Text styling, enabled only for terminals.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
	enabled: bool,
}

impl Style {
	/// A style that colours when `enabled`.
	pub const fn new(enabled: bool) -> Style {
		Style { enabled }
	}

	/// Plain text: no escape codes.
	pub const fn plain() -> Style {
		Style { enabled: false }
	}

	fn paint(&self, code: &str, text: &str) -> String {
		if self.enabled {
			format!("\x1b[{code}m{text}\x1b[0m")
		} else {
			text.to_owned()
		}
	}

	/// Bold.
	pub fn bold(&self, text: &str) -> String {
		self.paint("1", text)
	}
	/// Dimmed (secondary information).
	pub fn dim(&self, text: &str) -> String {
		self.paint("2", text)
	}
	/// Green (success, incoming).
	pub fn green(&self, text: &str) -> String {
		self.paint("32", text)
	}
	/// Yellow (warnings).
	pub fn yellow(&self, text: &str) -> String {
		self.paint("33", text)
	}
	/// Red (errors, outgoing).
	pub fn red(&self, text: &str) -> String {
		self.paint("31", text)
	}
	/// Cyan (addresses, keys).
	pub fn cyan(&self, text: &str) -> String {
		self.paint("36", text)
	}
}

/// A report's text for people. The text should end without a trailing newline.
pub trait Render {
	/// Render with `style` (colours only when printing to a terminal).
	fn render(&self, style: &Style) -> String;
}

/// Where and how a command prints.
#[derive(Debug, Clone)]
pub struct Output {
	json: bool,
	stdout_style: Style,
	stderr_style: Style,
	stderr_tty: bool,
}

fn colour_allowed() -> bool {
	std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
		&& std::env::var("TERM").map_or(true, |t| t != "dumb")
}

impl Output {
	/// Detect terminals on stdout and stderr.
	pub fn new(json: bool) -> Output {
		let colour = colour_allowed();
		let stderr_tty = std::io::stderr().is_terminal();
		Output {
			json,
			stdout_style: Style::new(colour && std::io::stdout().is_terminal()),
			stderr_style: Style::new(colour && stderr_tty),
			stderr_tty,
		}
	}

	/// Output with no terminal at all (tests, embedding).
	pub fn plain(json: bool) -> Output {
		Output {
			json,
			stdout_style: Style::plain(),
			stderr_style: Style::plain(),
			stderr_tty: false,
		}
	}

	/// Whether `--json` was given.
	pub fn is_json(&self) -> bool {
		self.json
	}

	/// The style for stdout.
	pub fn stdout_style(&self) -> Style {
		self.stdout_style
	}

	/// The style for stderr (errors, notes).
	pub fn stderr_style(&self) -> Style {
		self.stderr_style
	}

	/// Whether spinners and progress are shown (stderr is a terminal and not `--json`).
	pub fn interactive(&self) -> bool {
		self.stderr_tty && !self.json
	}

	/// Print a command's result: JSON (one document, pretty) or its text.
	pub fn print<T: Serialize + Render>(&self, report: &T) -> Result<()> {
		let mut stdout = std::io::stdout().lock();
		if self.json {
			serde_json::to_writer_pretty(&mut stdout, report)?;
		} else {
			stdout.write_all(report.render(&self.stdout_style).as_bytes())?;
		}
		stdout.write_all(b"\n")?;
		stdout.flush()?;
		Ok(())
	}

	/// A secondary message for people on stderr (hidden with `--json`).
	pub fn note(&self, message: &str) {
		if !self.json {
			eprintln!("{}", message);
		}
	}

	/// A warning on stderr (shown in every mode: it may matter to a script's operator).
	pub fn warn(&self, message: &str) {
		eprintln!("{} {message}", self.stderr_style.yellow("warning:"));
	}

	/// Start a spinner on stderr with `message`; it stops when the guard is dropped.
	pub fn spinner(&self, message: &str) -> Spinner {
		Spinner::start(message, self.interactive())
	}

	/// Report progress `done`/`total` of `what` on stderr (one line, rewritten).
	pub fn progress(&self, what: &str, done: u64, total: u64) {
		if self.interactive() {
			let mut err = std::io::stderr().lock();
			let _ = write!(err, "\r\x1b[2K{what} {done}/{total}");
			let _ = err.flush();
		}
	}

	/// Clear the progress line.
	pub fn progress_done(&self) {
		if self.interactive() {
			let _ = write!(std::io::stderr(), "\r\x1b[2K");
		}
	}
}

/// The drawing thread of a visible spinner.
#[derive(Debug)]
struct SpinnerThread {
	stop: Arc<AtomicBool>,
	text: Arc<Mutex<String>>,
	handle: thread::JoinHandle<()>,
}

/// A running spinner (a background thread redrawing one stderr line). Silent when not
/// interactive. Stops and clears its line on drop.
#[derive(Debug)]
pub struct Spinner {
	state: Option<SpinnerThread>,
}

impl Spinner {
	fn start(message: &str, enabled: bool) -> Spinner {
		if !enabled {
			return Spinner { state: None };
		}
		let stop = Arc::new(AtomicBool::new(false));
		let text = Arc::new(Mutex::new(message.to_owned()));
		let (s, t) = (stop.clone(), text.clone());
		let handle = thread::spawn(move || {
			const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
			let mut i = 0usize;
			while !s.load(Ordering::Relaxed) {
				let msg = t.lock().map(|m| m.clone()).unwrap_or_default();
				let mut err = std::io::stderr().lock();
				let _ = write!(err, "\r\x1b[2K{} {msg}", FRAMES[i % FRAMES.len()]);
				let _ = err.flush();
				drop(err);
				i += 1;
				thread::sleep(Duration::from_millis(100));
			}
			let _ = write!(std::io::stderr(), "\r\x1b[2K");
		});
		Spinner { state: Some(SpinnerThread { stop, text, handle }) }
	}

	/// Change the message.
	pub fn set_message(&self, message: &str) {
		if let Some(SpinnerThread { text, .. }) = &self.state {
			if let Ok(mut m) = text.lock() {
				*m = message.to_owned();
			}
		}
	}

	/// Stop and clear the line.
	pub fn finish(mut self) {
		self.stop();
	}

	fn stop(&mut self) {
		if let Some(SpinnerThread { stop, handle, .. }) = self.state.take() {
			stop.store(true, Ordering::Relaxed);
			let _ = handle.join();
		}
	}
}

impl Drop for Spinner {
	fn drop(&mut self) {
		self.stop();
	}
}

/// Format one `label: value` line with the label padded to `width`.
pub fn field(style: &Style, label: &str, value: &str, width: usize) -> String {
	format!("{} {value}", style.dim(&format!("{label:<width$}")))
}

/// Shorten a long hash for people: `0x1234…cdef`.
pub fn short_hash(hash: &str) -> String {
	if hash.len() > 14 {
		format!("{}…{}", &hash[..8], &hash[hash.len() - 6..])
	} else {
		hash.to_owned()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn plain_style_has_no_escapes() {
		let s = Style::plain();
		assert_eq!(s.bold("x"), "x");
		assert_eq!(Style::new(true).red("x"), "\x1b[31mx\x1b[0m");
	}

	#[test]
	fn disabled_spinner_is_silent_and_cheap() {
		let out = Output::plain(true);
		assert!(!out.interactive());
		let s = out.spinner("waiting");
		assert!(s.state.is_none());
		s.finish();
	}

	#[test]
	fn short_hashes() {
		assert_eq!(short_hash("0x1234"), "0x1234");
		assert_eq!(short_hash(&format!("0x{}", "ab".repeat(32))), "0xababab…ababab");
	}
}
