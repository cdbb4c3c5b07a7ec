//! Fuzz the envelope decoders: `peek`, `open` and the chat-key binding.
//!
//! Every input is tried twice:
//! 1. as raw envelope bytes (framing, routing id, X25519, AEAD);
//! 2. as the inner plaintext of an envelope correctly encrypted to Bob, so that the fuzzer
//!    reaches what lies behind the AEAD (inner layout, body length, padding, signature).
//!    Nobody but Alice can sign for Alice, so such an envelope must never open: if it does,
//!    the fuzzer has forged a message and the target aborts.
#![no_main]

use std::sync::OnceLock;

use chacha20poly1305::{
    aead::{AeadInPlace, KeyInit},
    ChaCha20Poly1305,
};
use hkdf::Hkdf;
use ichat_crypto::{
    envelope::{
        open, peek, RoutingId, ENVELOPE_HKDF_INFO, ENVELOPE_HKDF_SALT, MAX_ENVELOPE,
        OUTER_HEADER_LEN, PADDING_BUCKETS, TAG_LEN,
    },
    Account, AccountId, ChatKeyBinding, ChatKeyPair, Suri,
};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};

struct Fixture {
    bob: AccountId,
    bob_chat: ChatKeyPair,
    /// Outer header of the wrapped envelopes (fixed ephemeral key and nonce).
    header: [u8; OUTER_HEADER_LEN],
    cipher: ChaCha20Poly1305,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let bob = Account::from_suri(&Suri::parse("//Bob").expect("valid")).expect("valid");
        let bob_chat = bob.chat_key(0).expect("derives");
        let ephemeral = StaticSecret::from([0x42; 32]);
        let ephemeral_pk = PublicKey::from(&ephemeral).to_bytes();
        let shared = ephemeral.diffie_hellman(&PublicKey::from(bob_chat.public().0));
        let mut info = ENVELOPE_HKDF_INFO.to_vec();
        info.extend_from_slice(&ephemeral_pk);
        info.extend_from_slice(&bob_chat.public().0);
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(ENVELOPE_HKDF_SALT), shared.as_bytes())
            .expand(&info, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        let mut header = [0u8; OUTER_HEADER_LEN];
        header[0] = 0x01;
        header[1..33].copy_from_slice(&RoutingId::for_account(&bob.id()).0);
        header[33..41].copy_from_slice(&u64::MAX.to_le_bytes());
        header[41..73].copy_from_slice(&ephemeral_pk);
        header[73..85].copy_from_slice(&[0x24; 12]);
        Fixture {
            bob: bob.id(),
            bob_chat,
            header,
            cipher: ChaCha20Poly1305::new((&key).into()),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();

    // 1. Raw bytes.
    let peeked = peek(data);
    if let Ok(info) = &peeked {
        assert_eq!(info.len, data.len());
        assert!(data.len() <= MAX_ENVELOPE);
    }
    if let Ok(opened) = open(data, &f.bob, &f.bob_chat) {
        // Only possible for an envelope really sealed to Bob (e.g. a seed in the corpus).
        assert!(peeked.is_ok());
        assert!(opened.body.len() <= data.len());
    }
    let _ = ChatKeyBinding::from_bytes(data);

    // 2. The input as inner plaintext, zero-padded to the smallest bucket that holds it.
    let Some(bucket) = PADDING_BUCKETS.iter().copied().find(|b| data.len() <= *b) else {
        return;
    };
    let mut envelope = Vec::with_capacity(OUTER_HEADER_LEN + bucket + TAG_LEN);
    envelope.extend_from_slice(&f.header);
    envelope.extend_from_slice(data);
    envelope.resize(OUTER_HEADER_LEN + bucket, 0);
    let tag = f
        .cipher
        .encrypt_in_place_detached(
            (&f.header[73..85]).into(),
            &f.header,
            &mut envelope[OUTER_HEADER_LEN..],
        )
        .expect("buckets are far below the ChaCha20-Poly1305 limit");
    envelope.extend_from_slice(&tag);
    assert!(peek(&envelope).is_ok());
    let result = open(&envelope, &f.bob, &f.bob_chat);
    assert!(result.is_err(), "forged envelope opened: {result:?}");
});
