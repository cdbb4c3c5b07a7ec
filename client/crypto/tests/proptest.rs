//! Property tests: round trips for random messages; decoders are total on arbitrary input.

mod common;

use std::sync::OnceLock;

use common::account;
use ichat_crypto::{
	envelope::{
		open, peek, seal, Draft, MessageKind, Recipient, RoutingId, MAX_BODY, OUTER_HEADER_LEN,
		PADDING_BUCKETS, TAG_LEN,
	},
	keystore::{self, import_polkadot_json, KdfParams, KeystoreEntry, StoredSecret},
	Account, ChatKeyPair, Suri,
};
use proptest::prelude::*;

struct Keys {
	alice: Account,
	alice_chat: ChatKeyPair,
	bob: Account,
	bob_chat: ChatKeyPair,
}

fn keys() -> &'static Keys {
	static KEYS: OnceLock<Keys> = OnceLock::new();
	KEYS.get_or_init(|| {
		let alice = account("//Alice");
		let bob = account("//Bob");
		Keys {
			alice_chat: alice.chat_key(0).expect("derives"),
			bob_chat: bob.chat_key(0).expect("derives"),
			alice,
			bob,
		}
	})
}

fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
	prop_oneof![
		8 => proptest::collection::vec(any::<u8>(), 0..1200),
		1 => proptest::collection::vec(any::<u8>(), 0..=MAX_BODY),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(128))]

	#[test]
	fn seal_open_round_trip(
		body in body_strategy(),
		kind in 1u8..=255,
		timestamp_ms in any::<u64>(),
		expiry in any::<u64>(),
	) {
		let k = keys();
		let recipient = Recipient { account: k.bob.id(), chat_key: k.bob_chat.public() };
		let draft = Draft { kind: MessageKind::from_u8(kind).expect("non-zero"), body: &body, timestamp_ms, expiry };
		let sealed = seal(&k.alice, &k.alice_chat.public(), &recipient, &draft).expect("seals");
		prop_assert!(sealed.bytes.len() <= ichat_crypto::MAX_ENVELOPE);
		let info = peek(&sealed.bytes).expect("peeks");
		prop_assert!(PADDING_BUCKETS.contains(&info.padded_len));
		prop_assert_eq!(info.len, OUTER_HEADER_LEN + info.padded_len + TAG_LEN);
		let opened = open(&sealed.bytes, &k.bob.id(), &k.bob_chat).expect("opens");
		prop_assert_eq!(opened.body, body);
		prop_assert_eq!(opened.kind.to_u8(), kind);
		prop_assert_eq!(opened.timestamp_ms, timestamp_ms);
		prop_assert_eq!(opened.header.expiry, expiry);
		prop_assert_eq!(opened.sender, k.alice.id());
		prop_assert_eq!(opened.message_id, sealed.message_id);
	}

	#[test]
	fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
		let k = keys();
		let _ = peek(&bytes);
		prop_assert!(open(&bytes, &k.bob.id(), &k.bob_chat).is_err());
	}

	#[test]
	fn well_framed_garbage_is_rejected(
		bucket in 0usize..PADDING_BUCKETS.len(),
		fill in any::<u8>(),
		tail in proptest::collection::vec(any::<u8>(), 0..64),
		ephemeral in any::<[u8; 32]>(),
	) {
		// Passes framing and the routing-id check, so it reaches X25519 and the AEAD.
		let k = keys();
		let mut env = vec![0x01];
		env.extend_from_slice(&RoutingId::for_account(&k.bob.id()).0);
		env.extend_from_slice(&7u64.to_le_bytes());
		env.extend_from_slice(&ephemeral);
		env.extend_from_slice(&[0u8; 12]);
		env.resize(OUTER_HEADER_LEN + PADDING_BUCKETS[bucket] + TAG_LEN, fill);
		let n = tail.len().min(env.len() - OUTER_HEADER_LEN);
		let len = env.len();
		env[len - n..].copy_from_slice(&tail[..n]);
		prop_assert!(peek(&env).is_ok());
		prop_assert!(open(&env, &k.bob.id(), &k.bob_chat).is_err());
	}

	#[test]
	fn keystore_decrypt_is_total(
		body in proptest::collection::vec(any::<u8>(), 0..400),
		name_len in any::<u16>(),
	) {
		// A header with cheap, valid KDF parameters followed by arbitrary bytes.
		let mut file = b"ichat-ks\x01\x01".to_vec();
		file.extend_from_slice(&8u32.to_le_bytes());
		file.extend_from_slice(&1u32.to_le_bytes());
		file.extend_from_slice(&1u32.to_le_bytes());
		file.extend_from_slice(&[0u8; 16 + 24 + 32]);
		file.extend_from_slice(&name_len.to_le_bytes());
		file.extend_from_slice(&body);
		prop_assert!(keystore::decrypt(&file, "pw").is_err());
		let _ = keystore::read_meta(&file);
		prop_assert!(keystore::decrypt(&body, "pw").is_err());
	}

	#[test]
	fn polkadot_json_import_is_total(s in ".{0,300}") {
		prop_assert!(import_polkadot_json(&s, "pw").is_err());
	}

	#[test]
	fn keystore_round_trip(name in "[a-zA-Z0-9 ]{0,40}", password in ".{0,40}", path in "(//[a-z0-9]{1,8}|/[a-z0-9]{1,8}){0,3}") {
		let suri = Suri::parse(&format!("//Alice{path}")).expect("valid");
		let entry = KeystoreEntry::new(&name, StoredSecret::Suri(suri)).expect("valid");
		let file = keystore::encrypt(&entry, &password, KdfParams::INSECURE_FOR_TESTS).expect("encrypts");
		prop_assert_eq!(keystore::decrypt(&file, &password).expect("decrypts"), entry);
	}
}
