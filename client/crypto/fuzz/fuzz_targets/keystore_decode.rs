//! Fuzz the keystore decoders: the iChat keystore file and polkadot.js JSON.
//!
//! Every input is tried as:
//! 1. a keystore file (`read_meta`, then `decrypt` when its Argon2 parameters are cheap: the
//!    fuzzer may pick parameters up to the decoder's bounds, which are slow by design);
//! 2. the secret payload of a keystore correctly encrypted under a known password, so that the
//!    fuzzer reaches the payload decoder behind the AEAD (SURI and secret-key parsing);
//! 3. polkadot.js JSON, up to the key derivation (`read_polkadot_json_meta`).
#![no_main]

use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305,
};
use ichat_crypto::keystore::{self, read_polkadot_json_meta, MAGIC, MAX_PAYLOAD_LEN};
use libfuzzer_sys::fuzz_target;

const PASSWORD: &str = "fuzz";

struct Fixture {
    /// Header of the wrapped keystores: Argon2id m = 64 KiB, t = 1, p = 1, zero salt and nonce,
    /// an account id nobody has the key of, name "fuzz".
    header: Vec<u8>,
    cipher: XChaCha20Poly1305,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&[0x01, 0x01]);
        for v in [64u32, 1, 1] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend_from_slice(&[0u8; 16 + 24]);
        header.extend_from_slice(&[0xa5; 32]);
        header.extend_from_slice(&4u16.to_le_bytes());
        header.extend_from_slice(b"fuzz");
        let mut key = [0u8; 32];
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, Some(32)).expect("valid parameters"),
        )
        .hash_password_into(PASSWORD.as_bytes(), &[0u8; 16], &mut key)
        .expect("valid inputs");
        Fixture {
            header,
            cipher: XChaCha20Poly1305::new((&key).into()),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    // 1. A keystore file.
    match keystore::read_meta(data) {
        Ok(meta) => {
            let k = meta.kdf;
            if k.m_cost_kib <= 1024 && k.t_cost <= 2 && k.p_cost <= 2 {
                // Without the right key the AEAD cannot verify.
                let result = keystore::decrypt(data, PASSWORD);
                assert!(result.is_err(), "unauthenticated keystore decrypted");
            }
        }
        Err(_) => assert!(keystore::decrypt(data, PASSWORD).is_err()),
    }

    // 2. The input as the secret payload of a well-encrypted keystore.
    if data.len() <= MAX_PAYLOAD_LEN {
        let f = fixture();
        let mut file = f.header.clone();
        let ct = f
            .cipher
            .encrypt(
                (&[0u8; 24]).into(),
                Payload {
                    msg: data,
                    aad: &f.header,
                },
            )
            .expect("payload within bounds");
        file.extend_from_slice(&ct);
        // No secret opens the header's account, so this must fail after decryption (with a
        // payload, account or mismatch error, never the password).
        match keystore::decrypt(&file, PASSWORD) {
            Ok(entry) => panic!("keystore opened by a secret of another account: {entry:?}"),
            Err(keystore::KeystoreError::WrongPassword) => panic!("valid encryption rejected"),
            Err(_) => {}
        }
    }

    // 3. polkadot.js JSON, without the (deliberately slow) scrypt.
    if let Ok(json) = core::str::from_utf8(data) {
        let _ = read_polkadot_json_meta(json);
    }
});
