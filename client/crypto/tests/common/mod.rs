//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::{
	io::Write,
	path::PathBuf,
	process::{Command, Stdio},
};

use ichat_crypto::{Account, Suri};

pub mod spec;

/// Open the account of a SURI, panicking on error (tests only).
pub fn account(suri: &str) -> Account {
	Account::from_suri(&Suri::parse(suri).expect("valid suri")).expect("valid account")
}

/// `scripts/js` of the repository.
/// This package's directory, as cargo says when it runs the test (the compile-time value only
/// as a fallback: a shared target directory may hold a test binary built from another checkout
/// of the same sources, whose compile-time path is not this one).
pub fn manifest_dir() -> PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

pub fn js_dir() -> PathBuf {
	manifest_dir().join("../../scripts/js")
}

/// Run `node scripts/js/crypto-compat.mjs <args>` and parse its JSON output.
///
/// The polkadot.js compatibility tests must not silently pass without Node.js: a missing
/// `node` or `node_modules` fails the test with a message saying what to install.
pub fn node(args: &[&str], stdin: Option<&str>) -> serde_json::Value {
	let dir = js_dir();
	assert!(
		dir.join("node_modules/@polkadot/keyring/package.json").exists(),
		"polkadot.js compatibility test: {}/node_modules/@polkadot/keyring is missing; \
         run scripts/setup.sh (it installs Node.js and runs `npm ci` in scripts/js)",
		dir.display()
	);
	let mut child = Command::new("node")
		.arg("crypto-compat.mjs")
		.args(args)
		.current_dir(&dir)
		.stdin(Stdio::piped())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.unwrap_or_else(|e| {
			panic!(
				"polkadot.js compatibility test: cannot run `node` ({e}); \
                 run scripts/setup.sh (it installs Node.js >= 18 and the npm packages)"
			)
		});
	{
		let mut input = child.stdin.take().expect("piped stdin");
		if let Some(s) = stdin {
			input.write_all(s.as_bytes()).expect("write node stdin");
		}
	}
	let out = child.wait_with_output().expect("node runs");
	assert!(
		out.status.success(),
		"node crypto-compat.mjs {args:?} failed: {}",
		String::from_utf8_lossy(&out.stderr)
	);
	serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
		panic!("node printed invalid JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
	})
}
