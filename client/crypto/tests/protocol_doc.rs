//! `docs/protocol/envelope.md` is normative: its hex fixtures must be exactly what this crate
//! produces from the fixed inputs the document lists, byte for byte.
//!
//! Each fixture in the document is a fenced block right after a `<!-- fixture:NAME -->` line.
//! After a deliberate format change, regenerate them (and the fuzz seeds made from them) with
//! `ICHAT_BLESS_FIXTURES=1 cargo test --test protocol_doc` and review the diff.

mod common;

use std::{fs, path::PathBuf};

use chacha20poly1305::{
	aead::{AeadInPlace, KeyInit},
	ChaCha20Poly1305,
};
use common::{account, manifest_dir, spec};
use ichat_crypto::{
	chat_key::CHAT_KEY_BINDING_LEN,
	envelope::{
		open, seal_with, Draft, MessageKind, Recipient, RoutingId, SealRandomness,
		OUTER_HEADER_LEN, TAG_LEN,
	},
	ChatKeyBinding,
};
use x25519_dalek::{PublicKey, StaticSecret};

/// The fixed inputs, as listed in the document's "Fixture" section.
const SENDER_SURI: &str = "//Alice";
const RECIPIENT_SURI: &str = "//Bob";
const BODY: &[u8] = b"Hello, Bob! Burn after reading.";
const TIMESTAMP_MS: u64 = 1_700_000_000_000;
const EXPIRY: u64 = 1_700_021_600;
const EPHEMERAL_SECRET: [u8; 32] = [0xe1; 32];
const NONCE: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const MESSAGE_ID: [u8; 16] = *b"ichat-fixture-01";
const SIGNING_SEED: [u8; 32] = [0x5e; 32];
const BINDING_SIGNING_SEED: [u8; 32] = [0xb1; 32];

fn doc_path() -> PathBuf {
	manifest_dir().join("../../docs/protocol/envelope.md")
}

/// The fixtures this crate produces, in document order.
fn expected() -> Vec<(&'static str, Vec<u8>)> {
	let alice = account(SENDER_SURI);
	let bob = account(RECIPIENT_SURI);
	let alice_chat = alice.chat_key(0).expect("derives");
	let bob_chat = bob.chat_key(0).expect("derives");
	let to_bob = Recipient::from_binding(&bob.bind_chat_key(&bob_chat)).expect("valid binding");
	let draft =
		Draft { kind: MessageKind::Text, body: BODY, timestamp_ms: TIMESTAMP_MS, expiry: EXPIRY };
	let sealed = seal_with(
		&alice,
		&alice_chat.public(),
		&to_bob,
		&draft,
		&SealRandomness {
			ephemeral_secret: EPHEMERAL_SECRET,
			nonce: NONCE,
			message_id: MESSAGE_ID,
			signing_seed: SIGNING_SEED,
		},
	)
	.expect("seals");
	let envelope = sealed.bytes;

	// The fixture opens, and says what was sealed.
	let opened = open(&envelope, &bob.id(), &bob_chat).expect("fixture opens");
	assert_eq!(
		(opened.sender, opened.body.as_slice(), opened.message_id.0),
		(alice.id(), BODY, MESSAGE_ID)
	);

	// Intermediate values, computed independently from the primitives (tests/common/spec.rs).
	let ephemeral = StaticSecret::from(EPHEMERAL_SECRET);
	let ephemeral_pk = PublicKey::from(&ephemeral).to_bytes();
	let shared = ephemeral.diffie_hellman(&PublicKey::from(bob_chat.public().0));
	let key = spec::envelope_key(shared.as_bytes(), &ephemeral_pk, &bob_chat.public().0);
	let mut plaintext = envelope[OUTER_HEADER_LEN..envelope.len() - TAG_LEN].to_vec();
	ChaCha20Poly1305::new((&key).into())
		.decrypt_in_place_detached(
			(&NONCE).into(),
			&envelope[..OUTER_HEADER_LEN],
			&mut plaintext,
			envelope[envelope.len() - TAG_LEN..].into(),
		)
		.expect("the spec-level key decrypts the fixture");

	let binding = ChatKeyBinding::sign_with_seed(&bob, &bob_chat, BINDING_SIGNING_SEED);
	let binding_bytes = binding.to_bytes();
	assert_eq!(ChatKeyBinding::from_bytes(&binding_bytes), Ok(binding));
	assert_eq!(binding_bytes.len(), CHAT_KEY_BINDING_LEN);

	vec![
		("sender-account", alice.id().0.to_vec()),
		("sender-chat-key", alice_chat.public().0.to_vec()),
		("recipient-account", bob.id().0.to_vec()),
		("recipient-chat-key", bob_chat.public().0.to_vec()),
		("routing-id", RoutingId::for_account(&bob.id()).0.to_vec()),
		("ephemeral-public-key", ephemeral_pk.to_vec()),
		("shared-secret", shared.as_bytes().to_vec()),
		("envelope-key", key.to_vec()),
		("inner-plaintext", plaintext),
		("envelope", envelope),
		("binding", binding_bytes.to_vec()),
	]
}

/// The hex in the fenced block after `<!-- fixture:NAME -->`: (first line, end line, hex).
fn find_block(doc: &[&str], name: &str) -> Option<(usize, usize, String)> {
	let marker = format!("<!-- fixture:{name} -->");
	let at = doc.iter().position(|l| l.trim() == marker)?;
	let open = at + 1;
	if !doc.get(open)?.trim_start().starts_with("```") {
		return None;
	}
	let len = doc[open + 1..].iter().position(|l| l.trim_start().starts_with("```"))?;
	let hex = doc[open + 1..open + 1 + len]
		.iter()
		.flat_map(|l| l.split_whitespace())
		.collect::<String>()
		.to_ascii_lowercase();
	Some((open + 1, open + 1 + len, hex))
}

/// Fixtures that are also seeds of the `envelope_decode` fuzz target.
const SEEDED: [&str; 3] = ["envelope", "inner-plaintext", "binding"];

fn seed_path(name: &str) -> PathBuf {
	manifest_dir().join(format!("fuzz/seeds/envelope_decode/doc-fixture-{name}.bin"))
}

/// 32 bytes per line.
fn hex_lines(bytes: &[u8]) -> Vec<String> {
	bytes.chunks(32).map(hex::encode).collect()
}

#[test]
fn envelope_doc_fixtures_match_byte_for_byte() {
	let path = doc_path();
	let text =
		fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
	let expected = expected();

	if std::env::var_os("ICHAT_BLESS_FIXTURES").is_some() {
		let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
		for (name, bytes) in &expected {
			let view: Vec<&str> = lines.iter().map(String::as_str).collect();
			let (start, end, _) = find_block(&view, name)
				.unwrap_or_else(|| panic!("no `<!-- fixture:{name} -->` block in the doc"));
			lines.splice(start..end, hex_lines(bytes));
		}
		fs::write(&path, lines.join("\n") + "\n").expect("writes the doc");
		for (name, bytes) in &expected {
			if SEEDED.contains(name) {
				fs::write(seed_path(name), bytes).expect("writes the fuzz seed");
			}
		}
		return;
	}

	let doc: Vec<&str> = text.lines().collect();
	let mut wrong = Vec::new();
	for (name, bytes) in &expected {
		match find_block(&doc, name) {
			Some((_, _, hex)) if hex == hex::encode(bytes) => {},
			Some(_) => wrong.push(format!(
				"fixture `{name}` differs; this crate gives:\n{}",
				hex_lines(bytes).join("\n")
			)),
			None => wrong.push(format!(
				"fixture `{name}` is missing (a `<!-- fixture:{name} -->` line and a fenced block)"
			)),
		}
	}
	for name in SEEDED {
		let (_, bytes) = expected.iter().find(|(n, _)| *n == name).expect("a fixture");
		if fs::read(seed_path(name)).ok().as_ref() != Some(bytes) {
			wrong.push(format!("fuzz seed {} differs", seed_path(name).display()));
		}
	}
	assert!(
		wrong.is_empty(),
		"{} does not match the implementation (ICHAT_BLESS_FIXTURES=1 regenerates it):\n\n{}",
		path.display(),
		wrong.join("\n\n")
	);
}

#[test]
fn envelope_doc_lists_the_fixture_inputs() {
	// The inputs written in the document are the ones the fixtures are made from.
	let text = fs::read_to_string(doc_path()).expect("reads the doc");
	for needle in [
		format!("`{SENDER_SURI}`"),
		format!("`{RECIPIENT_SURI}`"),
		format!("`{}`", String::from_utf8_lossy(BODY)),
		format!("`{TIMESTAMP_MS}`"),
		format!("`{EXPIRY}`"),
		format!("`{}`", hex::encode(EPHEMERAL_SECRET)),
		format!("`{}`", hex::encode(NONCE)),
		format!("`{}`", hex::encode(MESSAGE_ID)),
		format!("`{}`", hex::encode(SIGNING_SEED)),
		format!("`{}`", hex::encode(BINDING_SIGNING_SEED)),
	] {
		assert!(text.contains(&needle), "the doc does not list the input {needle}");
	}
}
