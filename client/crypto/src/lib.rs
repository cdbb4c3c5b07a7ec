//! # ichat-crypto
//!
//! Identity, chat keys, the message envelope and keys at rest for iChat. Shared by the node
//! (relay) and the CLI client; no networking, no I/O except the keystore file helpers.
//!
//! ## Bird's-eye view
//!
//! ```text
//!   Mnemonic (BIP39, 24 words)        polkadot.js JSON ──import──┐
//!        │  + path //hard/soft///pw                              │
//!        ▼                                                       ▼
//!   Suri ──sp-core──▶ Account (sr25519) ◀──────────────── Sr25519Secret
//!        │                 │ hard //ichat//x25519//<i> + HKDF-SHA256
//!        │                 ▼
//!        │            ChatKeyPair (X25519) ──signed by Account──▶ ChatKeyBinding (presence)
//!        │                 │
//!        │                 ▼
//!        │   seal(sender, recipient, draft) ──▶ envelope v1 bytes ──▶ relays: peek()
//!        │                                               └──▶ recipient: open()
//!        ▼
//!   keystore: Argon2id + XChaCha20-Poly1305 file (SURI or secret key)
//! ```
//!
//! * [`mnemonic`]: generate and validate BIP39 English phrases with typed errors.
//! * [`account`]: SURIs, sr25519 accounts derived exactly as Substrate and polkadot.js do
//!   (through `sp-core`), SS58 addresses with a caller-chosen prefix ([`Ss58Prefix::ICHAT`] = 4242
//!   on the iChat chain), signatures under domain-separating contexts.
//! * [`chat_key`]: the X25519 chat key derived from the account and its signed binding.
//! * [`envelope`]: envelope v1, the wire format of a message (`docs/protocol/envelope.md`).
//! * [`keystore`]: the encrypted key file and polkadot.js JSON import/export.
//!
//! Secrets are zeroized on drop and the `Debug` of every type holding one prints
//! `<redacted>` instead. Every decoder is total: any input gives `Ok` or a typed error.
//!
//! ## Example
//!
//! ```
//! use ichat_crypto::{account::{Account, Ss58Prefix, Suri}, envelope::{self, Draft, MessageKind, Recipient}};
//!
//! let alice = Account::from_suri(&Suri::parse("//Alice")?)?;
//! let bob = Account::from_suri(&Suri::parse("//Bob")?)?;
//! let (alice_chat, bob_chat) = (alice.chat_key(0)?, bob.chat_key(0)?);
//! let to_bob = Recipient::from_binding(&bob.bind_chat_key(&bob_chat))?;
//! let draft = Draft { kind: MessageKind::Text, body: b"hi", timestamp_ms: 1, expiry: 2 };
//! let sealed = envelope::seal(&alice, &alice_chat.public(), &to_bob, &draft)?;
//!
//! // A relay reads only the routing id, expiry and size.
//! let info = envelope::peek(&sealed.bytes)?;
//! assert_eq!(info.header.routing_id, envelope::RoutingId::for_account(&bob.id()));
//!
//! let opened = envelope::open(&sealed.bytes, &bob.id(), &bob_chat)?;
//! assert_eq!((opened.sender, opened.body.as_slice()), (alice.id(), &b"hi"[..]));
//! assert!(alice.address(Ss58Prefix::GENERIC).starts_with('5'));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod account;
pub mod chat_key;
pub mod envelope;
pub mod keystore;
pub mod mnemonic;

pub use account::{Account, AccountError, AccountId, Signature, Ss58Prefix, Suri};
pub use chat_key::{ChatKeyBinding, ChatKeyPair, ChatPublicKey};
pub use envelope::{EnvelopeError, MAX_ENVELOPE};
pub use mnemonic::{Mnemonic, MnemonicError, WordCount};

/// Write bytes as `0x`-prefixed lower-case hex (for `Debug` of public values).
pub(crate) fn hex_fmt(f: &mut core::fmt::Formatter<'_>, bytes: &[u8]) -> core::fmt::Result {
	f.write_str("0x")?;
	for b in bytes {
		write!(f, "{b:02x}")?;
	}
	Ok(())
}
