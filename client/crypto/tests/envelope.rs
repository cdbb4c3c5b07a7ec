//! Envelope v1: round trips, tampering, wrong recipients, malicious senders, framing.

mod common;

use common::{
	account,
	spec::{self, RawEnvelope},
};
use ichat_crypto::{
	envelope::{
		open, peek, seal, seal_with, version, Draft, EnvelopeError, MessageKind, OuterHeader,
		Recipient, RoutingId, SealError, SealRandomness, INNER_OVERHEAD, MAX_BODY, MAX_ENVELOPE,
		MIN_ENVELOPE, OUTER_HEADER_LEN, PADDING_BUCKETS, TAG_LEN,
	},
	Account, ChatKeyPair,
};

struct Party {
	account: Account,
	chat: ChatKeyPair,
}

impl Party {
	fn new(suri: &str) -> Party {
		let account = account(suri);
		let chat = account.chat_key(0).expect("derives");
		Party { account, chat }
	}

	fn recipient(&self) -> Recipient {
		Recipient { account: self.account.id(), chat_key: self.chat.public() }
	}
}

fn draft(body: &[u8]) -> Draft<'_> {
	Draft { kind: MessageKind::Text, body, timestamp_ms: 1_700_000_000_123, expiry: 1_700_021_600 }
}

fn alice_to_bob(body: &[u8]) -> (Party, Party, Vec<u8>) {
	let (alice, bob) = (Party::new("//Alice"), Party::new("//Bob"));
	let sealed =
		seal(&alice.account, &alice.chat.public(), &bob.recipient(), &draft(body)).expect("seals");
	(alice, bob, sealed.bytes)
}

#[test]
fn round_trip_every_bucket_boundary() {
	let (alice, bob) = (Party::new("//Alice"), Party::new("//Bob"));
	let mut sizes = vec![0usize, 1];
	for b in PADDING_BUCKETS {
		sizes.push(b - INNER_OVERHEAD);
		if b - INNER_OVERHEAD < MAX_BODY {
			sizes.push(b - INNER_OVERHEAD + 1);
		}
	}
	for len in sizes {
		let body: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
		let d = draft(&body);
		let sealed =
			seal(&alice.account, &alice.chat.public(), &bob.recipient(), &d).expect("seals");
		let bucket =
			PADDING_BUCKETS.into_iter().find(|b| len + INNER_OVERHEAD <= *b).expect("fits");
		assert_eq!(sealed.bytes.len(), OUTER_HEADER_LEN + bucket + TAG_LEN, "len {len}");
		let info = peek(&sealed.bytes).expect("peeks");
		assert_eq!(info.padded_len, bucket);
		assert_eq!(info.len, sealed.bytes.len());
		assert_eq!(info.header.expiry, d.expiry);
		assert_eq!(info.header.routing_id, RoutingId::for_account(&bob.account.id()));

		let opened = open(&sealed.bytes, &bob.account.id(), &bob.chat).expect("opens");
		assert_eq!(opened.sender, alice.account.id());
		assert_eq!(opened.sender_chat_key, alice.chat.public());
		assert_eq!(opened.message_id, sealed.message_id);
		assert_eq!(opened.timestamp_ms, d.timestamp_ms);
		assert_eq!(opened.kind, MessageKind::Text);
		assert_eq!(opened.body, body);
		assert_eq!(opened.header, info.header);
	}
}

#[test]
fn seal_is_randomised() {
	let (_, _, a) = alice_to_bob(b"same");
	let (_, _, b) = alice_to_bob(b"same");
	assert_ne!(a, b);
	assert_ne!(a[41..85], b[41..85], "fresh ephemeral key and nonce");
}

#[test]
fn seal_rejects_bad_input() {
	let (alice, bob) = (Party::new("//Alice"), Party::new("//Bob"));
	let big = vec![0u8; MAX_BODY + 1];
	assert_eq!(
		seal(&alice.account, &alice.chat.public(), &bob.recipient(), &draft(&big)),
		Err(SealError::BodyTooLarge { len: MAX_BODY + 1 })
	);
	let d = Draft { kind: MessageKind::Other(0), ..draft(b"x") };
	assert_eq!(
		seal(&alice.account, &alice.chat.public(), &bob.recipient(), &d),
		Err(SealError::InvalidKind)
	);
	// A low-order recipient key (here: the identity point) has no shared secret.
	let weak = Recipient { chat_key: ichat_crypto::ChatPublicKey([0u8; 32]), ..bob.recipient() };
	assert_eq!(
		seal(&alice.account, &alice.chat.public(), &weak, &draft(b"x")),
		Err(SealError::WeakRecipientKey)
	);
}

#[test]
fn every_single_bit_flip_is_rejected() {
	for body in [&b"hello"[..], &[0xabu8; 700][..]] {
		let (_, bob, env) = alice_to_bob(body);
		assert!(open(&env, &bob.account.id(), &bob.chat).is_ok());
		for i in 0..env.len() {
			for bit in [i % 8, 7 - i % 8] {
				let mut t = env.clone();
				t[i] ^= 1 << bit;
				let r = open(&t, &bob.account.id(), &bob.chat);
				assert!(r.is_err(), "flip of bit {bit} at byte {i} accepted");
			}
		}
	}
}

#[test]
fn every_single_byte_change_is_rejected() {
	// Exhaustive on the smallest envelope: every position, every one of the 255 other values.
	let (_, bob, env) = alice_to_bob(b"every byte");
	assert_eq!(env.len(), MIN_ENVELOPE);
	let id = bob.account.id();
	assert!(open(&env, &id, &bob.chat).is_ok());
	let mut t = env.clone();
	for i in 0..env.len() {
		for delta in 1..=255u8 {
			t[i] = env[i] ^ delta;
			if let Ok(o) = open(&t, &id, &bob.chat) {
				panic!("byte {i} changed by xor {delta:#04x} accepted: {o:?}");
			}
		}
		t[i] = env[i];
	}
}

#[test]
fn truncation_and_extension_are_rejected() {
	let (_, bob, env) = alice_to_bob(b"hello");
	for cut in [0, 1, OUTER_HEADER_LEN - 1, OUTER_HEADER_LEN, env.len() - 1] {
		assert!(open(&env[..cut], &bob.account.id(), &bob.chat).is_err(), "cut {cut}");
	}
	let mut longer = env.clone();
	longer.push(0);
	assert_eq!(
		open(&longer, &bob.account.id(), &bob.chat),
		Err(EnvelopeError::BadLength(env.len() + 1 - OUTER_HEADER_LEN))
	);
}

#[test]
fn wrong_recipient_or_key_is_rejected() {
	let (_, bob, env) = alice_to_bob(b"for bob");
	let carol = Party::new("//Charlie");
	assert_eq!(open(&env, &carol.account.id(), &carol.chat), Err(EnvelopeError::WrongRecipient));
	// Right routing id, wrong chat key (another account's, or Bob's rotated key).
	let err = open(&env, &bob.account.id(), &carol.chat).expect_err("rejected");
	assert_eq!(err, EnvelopeError::Decrypt);
	assert!(err.may_be_other_key());
	let rotated = bob.account.chat_key(1).expect("derives");
	assert_eq!(open(&env, &bob.account.id(), &rotated), Err(EnvelopeError::Decrypt));
}

fn raw<'a>(alice_chat: [u8; 32], bob: &Party, body: &'a [u8]) -> RawEnvelope<'a> {
	RawEnvelope {
		sender_suri: "//Alice",
		recipient_account: bob.account.id().0,
		recipient_chat_key: bob.chat.public().0,
		routing_id: spec::blake2b_routing_id(&bob.account.id().0),
		expiry: 1_700_021_600,
		ephemeral_secret: [0x42; 32],
		nonce: [0x24; 12],
		sender_chat_key: alice_chat,
		message_id: *b"0123456789abcdef",
		timestamp_ms: 1_700_000_000_123,
		kind: 0x01,
		body_len_field: body.len() as u32,
		body,
		padded_len: 256,
		padding_fill: 0,
		signing_seed: [0x07; 32],
		signed_recipient: None,
	}
}

#[test]
fn library_matches_the_written_spec() {
	let (alice, bob) = (Party::new("//Alice"), Party::new("//Bob"));
	let body = b"spec check";
	let expected = spec::build(&raw(alice.chat.public().0, &bob, body));
	let ours = seal_with(
		&alice.account,
		&alice.chat.public(),
		&bob.recipient(),
		&draft(body),
		&SealRandomness {
			ephemeral_secret: [0x42; 32],
			nonce: [0x24; 12],
			message_id: *b"0123456789abcdef",
			signing_seed: [0x07; 32],
		},
	)
	.expect("seals");
	assert_eq!(ours.bytes, expected);
}

#[test]
fn malicious_sender_inner_errors() {
	let (alice, bob) = (Party::new("//Alice"), Party::new("//Bob"));
	let id = bob.account.id();
	let a = alice.chat.public().0;
	let ok = spec::build(&raw(a, &bob, b"fine"));
	assert!(open(&ok, &id, &bob.chat).is_ok());

	let cases: Vec<(RawEnvelope<'_>, EnvelopeError)> = vec![
		(
			RawEnvelope { padding_fill: 0xff, ..raw(a, &bob, b"pad") },
			EnvelopeError::Malformed("non-zero padding"),
		),
		(
			RawEnvelope { body_len_field: 100, ..raw(a, &bob, b"len") },
			EnvelopeError::Malformed("body length exceeds the padded size"),
		),
		(
			RawEnvelope { body_len_field: u32::MAX, ..raw(a, &bob, b"len") },
			EnvelopeError::Malformed("body length exceeds the padded size"),
		),
		(
			RawEnvelope { kind: 0, ..raw(a, &bob, b"kind") },
			EnvelopeError::Malformed("message kind 0"),
		),
		(
			// Signed for Charlie, re-encrypted to Bob: a forwarded envelope is detected.
			RawEnvelope {
				signed_recipient: Some(account("//Charlie").id().0),
				..raw(a, &bob, b"fwd")
			},
			EnvelopeError::BadSignature,
		),
	];
	for (case, want) in cases {
		assert_eq!(open(&spec::build(&case), &id, &bob.chat), Err(want));
	}
	// Larger buckets than needed are accepted (a sender may pad more).
	let padded = spec::build(&RawEnvelope { padded_len: 4096, ..raw(a, &bob, b"big pad") });
	assert_eq!(open(&padded, &id, &bob.chat).map(|o| o.body), Ok(b"big pad".to_vec()));
}

#[test]
fn peek_checks_framing_only() {
	let (_, bob, env) = alice_to_bob(b"x");
	let info = peek(&env).expect("valid");
	assert_eq!(OuterHeader::parse(&env), Ok(info.header));
	assert_eq!(info.header.to_bytes()[..], env[..OUTER_HEADER_LEN]);
	assert!(!info.header.is_expired(1_700_021_600));
	assert!(info.header.is_expired(1_700_021_601));
	assert_eq!(info.header.routing_id, RoutingId::for_account(&bob.account.id()));

	assert_eq!(peek(&[]), Err(EnvelopeError::TooShort { len: 0 }));
	for v in [
		version::INVALID,
		version::RESERVED_DOUBLE_RATCHET,
		version::RESERVED_PQ_HYBRID,
		version::RESERVED_PQ_DOUBLE_RATCHET,
		version::RESERVED_EXTENDED,
		0x80,
	] {
		let mut t = env.clone();
		t[0] = v;
		let e = peek(&t).expect_err("unsupported");
		assert_eq!(e, EnvelopeError::UnsupportedVersion(v));
		assert!(e.is_framing_error());
	}
	assert_eq!(
		peek(&env[..MIN_ENVELOPE - 1]),
		Err(EnvelopeError::TooShort { len: MIN_ENVELOPE - 1 })
	);
	let mut huge = env.clone();
	huge.resize(MAX_ENVELOPE + 1, 0);
	assert_eq!(peek(&huge), Err(EnvelopeError::TooLong { len: MAX_ENVELOPE + 1 }));
	let mut odd = env.clone();
	odd.resize(OUTER_HEADER_LEN + 300, 0);
	assert_eq!(peek(&odd), Err(EnvelopeError::BadLength(300)));
	assert!(!EnvelopeError::Decrypt.is_framing_error());
	assert_eq!(MAX_ENVELOPE, 85 + 65_536 + 16);
	assert_eq!(MAX_BODY, 65_536 - 157);
}

#[test]
fn kinds_round_trip() {
	let (alice, bob) = (Party::new("//Alice"), Party::new("//Bob"));
	for (kind, byte) in [
		(MessageKind::Text, 1u8),
		(MessageKind::ReadReceipt, 2),
		(MessageKind::Other(3), 3),
		(MessageKind::Other(0xff), 0xff),
	] {
		assert_eq!(kind.to_u8(), byte);
		assert_eq!(MessageKind::from_u8(byte), Some(kind));
		let d = Draft { kind, ..draft(b"k") };
		let s = seal(&alice.account, &alice.chat.public(), &bob.recipient(), &d).expect("seals");
		let o = open(&s.bytes, &bob.account.id(), &bob.chat).expect("opens");
		assert_eq!(o.kind, kind);
	}
	assert_eq!(MessageKind::from_u8(0), None);
}

#[test]
fn recipient_from_binding_checks_signature() {
	let bob = Party::new("//Bob");
	let mut binding = bob.account.bind_chat_key(&bob.chat);
	assert_eq!(Recipient::from_binding(&binding), Ok(bob.recipient()));
	binding.index = 1;
	assert!(Recipient::from_binding(&binding).is_err());
}
