//! The X25519 chat key and its binding to the account.
//!
//! The chat key with index `i` is derived from the account:
//!
//! 1. sr25519 hard derivation `//ichat//x25519//<i>` from the account key pair (sp-core, so for a
//!    mnemonic account this is the key of SURI `<phrase><path>//ichat//x25519//<i>`);
//! 2. HKDF-SHA256 with salt [`CHAT_KEY_HKDF_SALT`], input the 64-byte expanded sr25519 secret of
//!    that child (scalar and nonce), info [`CHAT_KEY_HKDF_INFO`], 32 bytes of output;
//! 3. those bytes as an X25519 static secret (clamped by x25519-dalek).
//!
//! Index 0 is the default; a new index rotates the key. The chat key is bound to the account by
//! an sr25519 signature ([`ChatKeyBinding`]) anyone can verify.

use core::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use sp_core::crypto::DeriveJunction;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::{
	account::{
		Account, AccountError, AccountId, Signature, SignatureError, ACCOUNT_ID_LEN, SIGNATURE_LEN,
	},
	hex_fmt,
};

/// Length of an X25519 public key.
pub const CHAT_PUBLIC_KEY_LEN: usize = 32;
/// HKDF salt of the chat-key derivation.
pub const CHAT_KEY_HKDF_SALT: &[u8] = b"ichat/chat-key/v1";
/// HKDF info of the chat-key derivation.
pub const CHAT_KEY_HKDF_INFO: &[u8] = b"ichat/chat-key/v1/x25519-static-secret";
/// sr25519 signing context of the chat-key binding.
pub const CHAT_KEY_BINDING_CONTEXT: &[u8] = b"ichat-chat-key-v1";
/// Encoded length of a [`ChatKeyBinding`]: account, chat key, index (u32 LE), signature.
pub const CHAT_KEY_BINDING_LEN: usize = ACCOUNT_ID_LEN + CHAT_PUBLIC_KEY_LEN + 4 + SIGNATURE_LEN;

/// An X25519 chat public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChatPublicKey(pub [u8; CHAT_PUBLIC_KEY_LEN]);

impl ChatPublicKey {
	/// The raw key bytes.
	pub const fn as_bytes(&self) -> &[u8; CHAT_PUBLIC_KEY_LEN] {
		&self.0
	}
}

impl fmt::Debug for ChatPublicKey {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("ChatPublicKey(")?;
		hex_fmt(f, &self.0)?;
		f.write_str(")")
	}
}

/// An X25519 chat key pair with its derivation index. The secret is zeroized on drop and
/// never printed.
#[derive(Clone)]
pub struct ChatKeyPair {
	index: u32,
	secret: StaticSecret,
	public: ChatPublicKey,
}

impl ChatKeyPair {
	/// Derive the chat key with `index` from an account (see the module docs).
	pub fn derive(account: &Account, index: u32) -> Result<ChatKeyPair, AccountError> {
		let child = account.derive_hard(&[
			DeriveJunction::hard("ichat"),
			DeriveJunction::hard("x25519"),
			DeriveJunction::hard(u64::from(index)),
		])?;
		let ikm = child.sr25519_secret();
		let hk = Hkdf::<Sha256>::new(Some(CHAT_KEY_HKDF_SALT), ikm.expose_bytes());
		let mut okm = Zeroizing::new([0u8; 32]);
		hk.expand(CHAT_KEY_HKDF_INFO, &mut okm[..])
			.map_err(|_| AccountError::InvalidSecretKey)?;
		let secret = StaticSecret::from(*okm);
		let public = ChatPublicKey(PublicKey::from(&secret).to_bytes());
		Ok(ChatKeyPair { index, secret, public })
	}

	/// The derivation index.
	pub fn index(&self) -> u32 {
		self.index
	}

	/// The public key.
	pub fn public(&self) -> ChatPublicKey {
		self.public
	}

	pub(crate) fn secret(&self) -> &StaticSecret {
		&self.secret
	}
}

impl fmt::Debug for ChatKeyPair {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("ChatKeyPair")
			.field("index", &self.index)
			.field("public", &self.public)
			.field("secret", &format_args!("<redacted>"))
			.finish()
	}
}

/// The account's signature that a chat key is its own: `sign(ctx = "ichat-chat-key-v1",
/// account || chat_key || index_u32_le)`. Carried in presence records; verifiable by anyone.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ChatKeyBinding {
	/// The account that owns the chat key.
	pub account: AccountId,
	/// The bound X25519 public key.
	pub chat_key: ChatPublicKey,
	/// The chat key's derivation index (rotation counter).
	pub index: u32,
	/// The account's sr25519 signature.
	pub signature: Signature,
}

/// Why a chat-key binding is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
	/// The encoding does not have the right length.
	#[error("chat key binding must be {CHAT_KEY_BINDING_LEN} bytes, got {0}")]
	BadLength(usize),
	/// The signature does not verify for this account.
	#[error("chat key binding signature: {0}")]
	Signature(#[from] SignatureError),
}

impl ChatKeyBinding {
	/// Sign a binding of `key` to `account`.
	pub fn sign(account: &Account, key: &ChatKeyPair) -> ChatKeyBinding {
		let id = account.id();
		let message = Self::message(&id, &key.public, key.index);
		ChatKeyBinding {
			account: id,
			chat_key: key.public,
			index: key.index,
			signature: account.sign(CHAT_KEY_BINDING_CONTEXT, &message),
		}
	}

	/// Sign with deterministic signing randomness ([`Account::sign_with_seed`]): for test
	/// fixtures only.
	#[doc(hidden)]
	pub fn sign_with_seed(account: &Account, key: &ChatKeyPair, seed: [u8; 32]) -> ChatKeyBinding {
		let id = account.id();
		let message = Self::message(&id, &key.public, key.index);
		ChatKeyBinding {
			account: id,
			chat_key: key.public,
			index: key.index,
			signature: account.sign_with_seed(CHAT_KEY_BINDING_CONTEXT, &message, seed),
		}
	}

	fn message(account: &AccountId, chat_key: &ChatPublicKey, index: u32) -> [u8; 68] {
		let mut m = [0u8; 68];
		m[..32].copy_from_slice(&account.0);
		m[32..64].copy_from_slice(&chat_key.0);
		m[64..].copy_from_slice(&index.to_le_bytes());
		m
	}

	/// Check the signature.
	pub fn verify(&self) -> Result<(), BindingError> {
		let message = Self::message(&self.account, &self.chat_key, self.index);
		Ok(self.account.verify(CHAT_KEY_BINDING_CONTEXT, &message, &self.signature)?)
	}

	/// Encode as `account(32) || chat_key(32) || index(u32 LE) || signature(64)`.
	pub fn to_bytes(&self) -> [u8; CHAT_KEY_BINDING_LEN] {
		let mut b = [0u8; CHAT_KEY_BINDING_LEN];
		b[..68].copy_from_slice(&Self::message(&self.account, &self.chat_key, self.index));
		b[68..].copy_from_slice(&self.signature.0);
		b
	}

	/// Decode and verify.
	pub fn from_bytes(bytes: &[u8]) -> Result<ChatKeyBinding, BindingError> {
		let b: &[u8; CHAT_KEY_BINDING_LEN] =
			bytes.try_into().map_err(|_| BindingError::BadLength(bytes.len()))?;
		let (account, rest) = b.split_at(32);
		let (chat_key, rest) = rest.split_at(32);
		let (index, signature) = rest.split_at(4);
		let binding = ChatKeyBinding {
			account: AccountId(array(account)),
			chat_key: ChatPublicKey(array(chat_key)),
			index: u32::from_le_bytes(array(index)),
			signature: Signature(array(signature)),
		};
		binding.verify()?;
		Ok(binding)
	}
}

/// Copy a slice whose length the caller has already fixed into an array.
pub(crate) fn array<const N: usize>(s: &[u8]) -> [u8; N] {
	let mut a = [0u8; N];
	a.copy_from_slice(&s[..N]);
	a
}

impl Account {
	/// Derive this account's chat key with `index` (0 is the default; a new index rotates).
	pub fn chat_key(&self, index: u32) -> Result<ChatKeyPair, AccountError> {
		ChatKeyPair::derive(self, index)
	}

	/// Sign the binding of one of this account's chat keys.
	pub fn bind_chat_key(&self, key: &ChatKeyPair) -> ChatKeyBinding {
		ChatKeyBinding::sign(self, key)
	}
}

#[cfg(test)]
mod tests {
	use sp_core::{crypto::Pair as _, sr25519};

	use super::*;
	use crate::account::Suri;

	const PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

	fn account(suri: &str) -> Account {
		Account::from_suri(&Suri::parse(suri).expect("valid suri")).expect("valid account")
	}

	#[test]
	fn derivation_path_is_the_suri_path() {
		// The sr25519 child used as HKDF input is the key of `<suri>//ichat//x25519//<i>`,
		// including when the account itself has a path and a password.
		let base = format!("{PHRASE}//Alice/soft");
		let a = account(&format!("{base}///pw"));
		for index in [0u32, 1, 7] {
			let child = a
				.derive_hard(&[
					DeriveJunction::hard("ichat"),
					DeriveJunction::hard("x25519"),
					DeriveJunction::hard(u64::from(index)),
				])
				.expect("derives");
			let expected =
				sr25519::Pair::from_string(&format!("{base}//ichat//x25519//{index}///pw"), None)
					.expect("valid");
			assert_eq!(child.id().0, expected.public().0);
		}
	}

	#[test]
	fn deterministic_and_rotating() {
		let a = account(PHRASE);
		let k0 = a.chat_key(0).expect("derives");
		assert_eq!(k0.public(), a.chat_key(0).expect("derives").public());
		let k1 = a.chat_key(1).expect("derives");
		assert_ne!(k0.public(), k1.public());
		let other = account(&format!("{PHRASE}//Bob"));
		assert_ne!(k0.public(), other.chat_key(0).expect("derives").public());
	}

	#[test]
	fn binding_round_trip_and_tamper() {
		let a = account(PHRASE);
		let k = a.chat_key(3).expect("derives");
		let b = a.bind_chat_key(&k);
		assert_eq!(b.verify(), Ok(()));
		let bytes = b.to_bytes();
		assert_eq!(ChatKeyBinding::from_bytes(&bytes), Ok(b));
		for i in 0..bytes.len() {
			let mut t = bytes;
			t[i] ^= 0x01;
			assert!(ChatKeyBinding::from_bytes(&t).is_err(), "byte {i}");
		}
		assert_eq!(
			ChatKeyBinding::from_bytes(&bytes[1..]),
			Err(BindingError::BadLength(CHAT_KEY_BINDING_LEN - 1))
		);
		// Someone else's key cannot be bound by this account's signature.
		let other = account("//Bob").chat_key(3).expect("derives");
		let forged = ChatKeyBinding { chat_key: other.public(), ..b };
		assert_eq!(forged.verify(), Err(BindingError::Signature(SignatureError::Invalid)));
	}
}
