//! An independent, spec-level construction of envelope v1 (from `docs/protocol/envelope.md`,
//! with the primitives used directly), used to build envelopes the library would never produce
//! (malicious senders) and to check the library against the written specification.

use blake2::Digest as _;
use chacha20poly1305::{
	aead::{AeadInPlace, KeyInit},
	ChaCha20Poly1305,
};
use hkdf::Hkdf;
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use schnorrkel::{context::attach_rng, signing_context};
use sha2::Sha256;
use sp_core::{crypto::Pair as _, sr25519};
use x25519_dalek::{PublicKey, StaticSecret};

/// The raw inputs of an envelope.
pub struct RawEnvelope<'a> {
	pub sender_suri: &'a str,
	pub recipient_account: [u8; 32],
	pub recipient_chat_key: [u8; 32],
	pub routing_id: [u8; 32],
	pub expiry: u64,
	pub ephemeral_secret: [u8; 32],
	pub nonce: [u8; 12],
	pub sender_chat_key: [u8; 32],
	pub message_id: [u8; 16],
	pub timestamp_ms: u64,
	pub kind: u8,
	/// The body length field (may lie).
	pub body_len_field: u32,
	pub body: &'a [u8],
	pub padded_len: usize,
	/// Bytes written into the padding (zeros in a valid envelope).
	pub padding_fill: u8,
	pub signing_seed: [u8; 32],
	/// Sign for this recipient account instead (a valid envelope uses the real one).
	pub signed_recipient: Option<[u8; 32]>,
}

pub fn blake2b_routing_id(account: &[u8; 32]) -> [u8; 32] {
	use blake2::{digest::consts::U32, Blake2b, Digest};
	let mut h = Blake2b::<U32>::new();
	h.update(b"ichat/routing-id/v1");
	h.update(account);
	h.finalize().into()
}

pub fn envelope_key(shared: &[u8; 32], eph: &[u8; 32], rcpt: &[u8; 32]) -> [u8; 32] {
	let mut info = b"ichat/envelope/v1/chacha20poly1305-key".to_vec();
	info.extend_from_slice(eph);
	info.extend_from_slice(rcpt);
	let mut key = [0u8; 32];
	Hkdf::<Sha256>::new(Some(b"ichat/envelope/v1"), shared)
		.expand(&info, &mut key)
		.expect("32 bytes");
	key
}

pub fn build(e: &RawEnvelope<'_>) -> Vec<u8> {
	let eph = StaticSecret::from(e.ephemeral_secret);
	let eph_pk = PublicKey::from(&eph).to_bytes();
	let shared = eph.diffie_hellman(&PublicKey::from(e.recipient_chat_key));
	let key = envelope_key(shared.as_bytes(), &eph_pk, &e.recipient_chat_key);

	let mut header = vec![0x01u8];
	header.extend_from_slice(&e.routing_id);
	header.extend_from_slice(&e.expiry.to_le_bytes());
	header.extend_from_slice(&eph_pk);
	header.extend_from_slice(&e.nonce);
	assert_eq!(header.len(), 85);

	let pair = sr25519::Pair::from_string(e.sender_suri, None).expect("valid suri");
	let mut inner = Vec::new();
	inner.extend_from_slice(&pair.public().0);
	inner.extend_from_slice(&e.sender_chat_key);
	inner.extend_from_slice(&e.message_id);
	inner.extend_from_slice(&e.timestamp_ms.to_le_bytes());
	inner.push(e.kind);
	inner.extend_from_slice(&e.body_len_field.to_le_bytes());
	inner.extend_from_slice(e.body);
	inner.resize(e.padded_len - 64, e.padding_fill);

	let mut signed = e.signed_recipient.unwrap_or(e.recipient_account).to_vec();
	signed.extend_from_slice(&header);
	signed.extend_from_slice(&inner);
	let keypair: &schnorrkel::Keypair = pair.as_ref();
	// Prehashed: BLAKE2b-256 of the signed message, schnorrkel `hash256` ("sign-256").
	let sig = keypair.sign(attach_rng(
		signing_context(b"ichat-envelope-v1")
			.hash256(blake2::Blake2b::<blake2::digest::consts::U32>::new_with_prefix(&signed)),
		ChaCha20Rng::from_seed(e.signing_seed),
	));
	inner.extend_from_slice(&sig.to_bytes());

	let tag = ChaCha20Poly1305::new((&key).into())
		.encrypt_in_place_detached((&e.nonce).into(), &header, &mut inner)
		.expect("encrypts");
	let mut out = header;
	out.extend_from_slice(&inner);
	out.extend_from_slice(&tag);
	out
}
