//! Secrets never reach logs: a snapshot of the `Debug` output of every secret-bearing type.
//!
//! The snapshots are written out in full, so any change to what a `Debug` prints shows up
//! here. Besides the snapshots, every string is searched for the secret it must not contain.

mod common;

use common::account;
use ichat_crypto::{
	account::{Sr25519Secret, Ss58Prefix},
	envelope::{open, seal, Draft, MessageKind, Recipient, SealRandomness},
	keystore::{ImportedAccount, KeystoreEntry, StoredSecret},
	Mnemonic, Suri,
};

const PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
const ALICE: &str = "AccountId(0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d)";
const ALICE_CHAT: &str =
	"ChatPublicKey(0xaa78e3cb8f42bd3a9b20137a5bf7df561d2c30df47f395f817fadb50b8e86a5e)";
const BODY: &[u8] = b"meet at the old mill at noon";

/// Asserts the snapshot, and that none of the secret fragments appear in it.
fn check(debug: String, snapshot: &str, secrets: &[&str]) {
	assert_eq!(debug, snapshot);
	for s in secrets {
		assert!(!debug.contains(s), "`{debug}` leaks `{s}`");
	}
}

#[test]
fn debug_output_of_secret_bearing_types() {
	let alice = account(&format!("{PHRASE}//Alice"));
	let secret = alice.sr25519_secret();
	let secret_hex = hex::encode(&secret.expose_bytes()[..16]);
	let words: Vec<&str> = PHRASE.split(' ').collect();

	check(format!("{:?}", Mnemonic::parse(PHRASE).expect("valid")), "Mnemonic(<redacted>)", &words);
	let suri = Suri::parse(&format!("{PHRASE}//Alice///pw")).expect("valid");
	check(format!("{suri:?}"), "Suri(<redacted>)", &["Alice", "pw", "bottom"]);
	check(format!("{secret:?}"), "Sr25519Secret(<redacted>)", &[&secret_hex]);
	check(
		format!("{alice:?}"),
		&format!("Account {{ id: {ALICE}, secret: <redacted> }}"),
		&[&secret_hex],
	);

	let alice_dev = account("//Alice");
	let chat = alice_dev.chat_key(0).expect("derives");
	check(
		format!("{chat:?}"),
		&format!("ChatKeyPair {{ index: 0, public: {ALICE_CHAT}, secret: <redacted> }}"),
		&[],
	);

	let randomness = SealRandomness {
		ephemeral_secret: [0xe1; 32],
		nonce: [0; 12],
		message_id: [0; 16],
		signing_seed: [0x5e; 32],
	};
	check(format!("{randomness:?}"), "SealRandomness(<redacted>)", &["e1", "225", "94"]);

	let entry = KeystoreEntry::new("laptop", StoredSecret::Suri(suri)).expect("valid");
	check(
		format!("{entry:?}"),
		&format!(
			"KeystoreEntry {{ name: \"laptop\", account: {}, secret: Suri(Suri(<redacted>)) }}",
			format_args!("{:?}", entry.account)
		),
		&["bottom", "pw"],
	);
	let raw = StoredSecret::Sr25519(secret.clone());
	check(format!("{raw:?}"), "Sr25519(Sr25519Secret(<redacted>))", &[&secret_hex]);
	let imported = ImportedAccount {
		name: Some("from polkadot.js".to_owned()),
		address: alice.address(Ss58Prefix::GENERIC),
		account: alice.id(),
		secret: Sr25519Secret::from_bytes(secret.expose_bytes()).expect("valid"),
	};
	check(
		format!("{imported:?}"),
		&format!(
			"ImportedAccount {{ name: Some(\"from polkadot.js\"), \
             address: \"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\", \
             account: {ALICE}, secret: Sr25519Secret(<redacted>) }}"
		),
		&[&secret_hex],
	);
}

#[test]
fn debug_output_of_messages_shows_no_body() {
	let (alice, bob) = (account("//Alice"), account("//Bob"));
	let (alice_chat, bob_chat) =
		(alice.chat_key(0).expect("derives"), bob.chat_key(0).expect("derives"));
	let draft = Draft { kind: MessageKind::Text, body: BODY, timestamp_ms: 1, expiry: 2 };
	check(
		format!("{draft:?}"),
		"Draft { kind: Text, body: <28 bytes>, timestamp_ms: 1, expiry: 2 }",
		&["meet", "mill"],
	);
	let to_bob = Recipient { account: bob.id(), chat_key: bob_chat.public() };
	let sealed = seal(&alice, &alice_chat.public(), &to_bob, &draft).expect("seals");
	let opened = open(&sealed.bytes, &bob.id(), &bob_chat).expect("opens");
	let debug = format!("{opened:?}");
	assert!(
		debug.starts_with("OpenedEnvelope { header: OuterHeader { routing_id: RoutingId(0x"),
		"{debug}"
	);
	assert!(
		debug.ends_with(&format!(
			"sender: {ALICE}, sender_chat_key: {ALICE_CHAT}, message_id: {:?}, \
             timestamp_ms: 1, kind: Text, body: <28 bytes> }}",
			sealed.message_id
		)),
		"{debug}"
	);
	for s in ["meet", "mill", &hex::encode(BODY)[..16]] {
		assert!(!debug.contains(s), "`{debug}` leaks `{s}`");
	}
}
