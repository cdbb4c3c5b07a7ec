//! The sr25519 account: secret URIs, derivation, SS58 addresses and signatures.
//!
//! Derivation is delegated to `sp-core` (`sr25519::Pair::from_string_with_seed`), the reference
//! implementation used by Substrate and reproduced by polkadot.js: BIP39 entropy, PBKDF2-SHA512
//! with salt `"mnemonic" + password` (2048 rounds), the first 32 bytes as schnorrkel
//! mini-secret (expanded in "Ed25519" mode), then the SURI junctions (`//hard`, `/soft`) and an
//! optional `///password`.

use core::fmt;

use schnorrkel::{signing_context, SecretKey};
use sp_core::{
	crypto::{AccountId32, AddressUri, DeriveJunction, Pair as _, Ss58AddressFormat, Ss58Codec},
	sr25519,
};
use zeroize::{Zeroize, Zeroizing};

use crate::{
	hex_fmt,
	mnemonic::{Mnemonic, MnemonicError},
};

/// Length of an sr25519 public key / account id.
pub const ACCOUNT_ID_LEN: usize = 32;
/// Length of an sr25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of an expanded sr25519 secret key (scalar and nonce).
pub const SR25519_SECRET_LEN: usize = 64;

/// The signing context sp-core and polkadot.js use for plain `sign` / `signRaw`.
pub const SUBSTRATE_SIGNING_CONTEXT: &[u8] = b"substrate";

/// An SS58 address prefix (network identifier), `0..=16383`.
///
/// Every address function takes the prefix as a parameter: [`Ss58Prefix::ICHAT`] on the iChat
/// chain, [`Ss58Prefix::GENERIC`] for the usual Substrate test vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ss58Prefix(u16);

impl Ss58Prefix {
	/// The generic Substrate prefix 42 (`5...` addresses), used by the test vectors.
	pub const GENERIC: Ss58Prefix = Ss58Prefix(42);
	/// The iChat chain's prefix 4242 (the runtime's `SS58_PREFIX`, chain property `ss58Format`).
	pub const ICHAT: Ss58Prefix = Ss58Prefix(4242);

	/// A prefix, or `None` if it is above the 14-bit SS58 range.
	pub const fn new(prefix: u16) -> Option<Ss58Prefix> {
		if prefix <= 16_383 {
			Some(Ss58Prefix(prefix))
		} else {
			None
		}
	}

	/// The numeric prefix.
	pub const fn get(self) -> u16 {
		self.0
	}
}

/// An account id: the 32-byte sr25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub [u8; ACCOUNT_ID_LEN]);

impl AccountId {
	/// The raw public key bytes.
	pub const fn as_bytes(&self) -> &[u8; ACCOUNT_ID_LEN] {
		&self.0
	}

	/// The SS58 address of this account under `prefix`.
	pub fn to_ss58(&self, prefix: Ss58Prefix) -> String {
		AccountId32::new(self.0).to_ss58check_with_version(Ss58AddressFormat::custom(prefix.0))
	}

	/// Parse an SS58 address, requiring the given prefix.
	pub fn from_ss58(address: &str, prefix: Ss58Prefix) -> Result<AccountId, AddressError> {
		let (id, found) = Self::from_ss58_any(address)?;
		if found != prefix {
			return Err(AddressError::WrongPrefix { expected: prefix.0, found: found.0 });
		}
		Ok(id)
	}

	/// Parse an SS58 address with any prefix; returns the prefix found.
	pub fn from_ss58_any(address: &str) -> Result<(AccountId, Ss58Prefix), AddressError> {
		let (id, format) =
			AccountId32::from_ss58check_with_version(address).map_err(|_| AddressError::Invalid)?;
		let prefix = Ss58Prefix::new(u16::from(format)).ok_or(AddressError::Invalid)?;
		Ok((AccountId(id.into()), prefix))
	}

	/// Verify an sr25519 signature made by this account under a signing context.
	pub fn verify(
		&self,
		context: &[u8],
		message: &[u8],
		signature: &Signature,
	) -> Result<(), SignatureError> {
		// `verify_simple(context, message)` is exactly this transcript.
		self.verify_transcript(signing_context(context).bytes(message), signature)
	}

	/// Verify a signature over a prepared schnorrkel signing transcript (e.g. a prehashed one).
	pub(crate) fn verify_transcript<T: schnorrkel::context::SigningTranscript>(
		&self,
		transcript: T,
		signature: &Signature,
	) -> Result<(), SignatureError> {
		let public = schnorrkel::PublicKey::from_bytes(&self.0)
			.map_err(|_| SignatureError::InvalidPublicKey)?;
		let signature = schnorrkel::Signature::from_bytes(&signature.0)
			.map_err(|_| SignatureError::Malformed)?;
		public.verify(transcript, &signature).map_err(|_| SignatureError::Invalid)
	}

	/// Verify a signature made with [`Account::sign_substrate`] (or polkadot.js `sign`).
	pub fn verify_substrate(
		&self,
		message: &[u8],
		signature: &Signature,
	) -> Result<(), SignatureError> {
		self.verify(SUBSTRATE_SIGNING_CONTEXT, message, signature)
	}
}

impl fmt::Debug for AccountId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("AccountId(")?;
		hex_fmt(f, &self.0)?;
		f.write_str(")")
	}
}

impl From<[u8; ACCOUNT_ID_LEN]> for AccountId {
	fn from(bytes: [u8; ACCOUNT_ID_LEN]) -> Self {
		AccountId(bytes)
	}
}

/// An sr25519 signature (64 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; SIGNATURE_LEN]);

impl fmt::Debug for Signature {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("Signature(")?;
		hex_fmt(f, &self.0)?;
		f.write_str(")")
	}
}

/// Why an address could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
	/// Not a valid SS58 address (bad base58, length or checksum).
	#[error("not a valid SS58 address")]
	Invalid,
	/// A valid address for another network.
	#[error("address is for network prefix {found}, expected {expected}")]
	WrongPrefix {
		/// The prefix that was asked for.
		expected: u16,
		/// The prefix the address carries.
		found: u16,
	},
}

/// Why a signature does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
	/// The signer's public key is not a valid Ristretto point.
	#[error("signer public key is not a valid sr25519 key")]
	InvalidPublicKey,
	/// The signature bytes are not a well-formed sr25519 signature.
	#[error("signature is malformed")]
	Malformed,
	/// Well-formed, but not a signature of this message by this key.
	#[error("signature does not verify")]
	Invalid,
}

/// Why a secret URI or secret key cannot open an account.
///
/// No variant carries any part of the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
	/// The phrase part is not a valid mnemonic.
	#[error("invalid mnemonic: {0}")]
	Mnemonic(#[from] MnemonicError),
	/// Nothing was given.
	#[error("empty secret")]
	Empty,
	/// A `0x` seed that is not exactly 32 bytes of hex.
	#[error("a 0x seed must be exactly 64 hex digits")]
	InvalidSeed,
	/// The derivation path (`//hard`, `/soft`, `///password`) is malformed.
	#[error("invalid derivation path (use //hard, /soft and ///password)")]
	InvalidPath,
	/// A raw sr25519 secret key that schnorrkel rejects.
	#[error("invalid sr25519 secret key")]
	InvalidSecretKey,
}

/// A secret URI: mnemonic (or `0x` seed) with optional derivation path and password, e.g.
/// `"<words>//hard/soft///password"`. Kept in canonical form, zeroized on drop, never printed.
///
/// A phrase-less SURI such as `//Alice` uses the public Substrate development phrase, as
/// `subkey` and polkadot.js do; it is for local development only.
#[derive(Clone, PartialEq, Eq)]
pub struct Suri(Zeroizing<String>);

impl Suri {
	/// Validate a secret URI and return it in canonical form.
	pub fn parse(suri: &str) -> Result<Suri, AccountError> {
		let (phrase, path) = match suri.find('/') {
			Some(i) => (&suri[..i], &suri[i..]),
			None => (suri, ""),
		};
		let phrase = phrase.trim();
		// Room for the development phrase too: the buffer must never reallocate, which would
		// leave an unzeroized copy of the secret behind.
		let mut canonical =
			Zeroizing::new(String::with_capacity(suri.len() + sp_core::crypto::DEV_PHRASE.len()));
		if phrase.is_empty() {
			if path.is_empty() {
				return Err(AccountError::Empty);
			}
			canonical.push_str(sp_core::crypto::DEV_PHRASE);
		} else if let Some(hex) = phrase.strip_prefix("0x") {
			if hex.len() != 64 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
				return Err(AccountError::InvalidSeed);
			}
			canonical.push_str("0x");
			canonical.push_str(&Zeroizing::new(hex.to_ascii_lowercase()));
		} else {
			canonical.push_str(Mnemonic::parse(phrase)?.expose_phrase());
		}
		if !path.is_empty() {
			AddressUri::parse(path).map_err(|_| AccountError::InvalidPath)?;
			canonical.push_str(path);
		}
		Ok(Suri(canonical))
	}

	/// The SURI for a mnemonic and a derivation path (`""` for the root account).
	pub fn from_mnemonic(mnemonic: &Mnemonic, path: &str) -> Result<Suri, AccountError> {
		if !path.is_empty() && !path.starts_with('/') {
			return Err(AccountError::InvalidPath);
		}
		let mut s =
			Zeroizing::new(String::with_capacity(mnemonic.expose_phrase().len() + path.len()));
		s.push_str(mnemonic.expose_phrase());
		s.push_str(path);
		Suri::parse(&s)
	}

	/// The canonical SURI text. Handle with care.
	pub fn expose_secret(&self) -> &str {
		&self.0
	}
}

impl fmt::Debug for Suri {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("Suri(<redacted>)")
	}
}

/// An expanded sr25519 secret key in schnorrkel's canonical 64-byte form (scalar, nonce).
///
/// This is what an account imported from a polkadot.js JSON file is stored as (such files hold
/// no mnemonic). Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Sr25519Secret(Zeroizing<[u8; SR25519_SECRET_LEN]>);

impl Sr25519Secret {
	/// Wrap canonical schnorrkel secret bytes, checking they form a valid key.
	pub fn from_bytes(bytes: &[u8]) -> Result<Sr25519Secret, AccountError> {
		Self::checked(SecretKey::from_bytes(bytes))
	}

	/// Parse the "ed25519 expanded" form polkadot.js stores (`SecretKey::to_ed25519_bytes`).
	pub fn from_ed25519_bytes(bytes: &[u8]) -> Result<Sr25519Secret, AccountError> {
		Self::checked(SecretKey::from_ed25519_bytes(bytes))
	}

	/// Refuse malformed keys and the zero scalar, whose public key is the identity point: a
	/// "signature" by it verifies for every message.
	fn checked(
		key: Result<SecretKey, schnorrkel::SignatureError>,
	) -> Result<Sr25519Secret, AccountError> {
		let key = key.map_err(|_| AccountError::InvalidSecretKey)?;
		if key.to_public().to_bytes() == [0u8; ACCOUNT_ID_LEN] {
			return Err(AccountError::InvalidSecretKey);
		}
		Ok(Sr25519Secret(Zeroizing::new(key.to_bytes())))
	}

	/// The "ed25519 expanded" form polkadot.js stores.
	pub fn to_ed25519_bytes(&self) -> Result<Zeroizing<[u8; SR25519_SECRET_LEN]>, AccountError> {
		let key = SecretKey::from_bytes(&self.0[..]).map_err(|_| AccountError::InvalidSecretKey)?;
		Ok(Zeroizing::new(key.to_ed25519_bytes()))
	}

	/// The canonical bytes. Handle with care.
	pub fn expose_bytes(&self) -> &[u8; SR25519_SECRET_LEN] {
		&self.0
	}
}

impl fmt::Debug for Sr25519Secret {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("Sr25519Secret(<redacted>)")
	}
}

/// An sr25519 account key pair. The secret is zeroized on drop (by schnorrkel) and never printed.
pub struct Account {
	pair: sr25519::Pair,
	id: AccountId,
}

impl Account {
	/// Open the account a secret URI designates, exactly as Substrate and polkadot.js do.
	pub fn from_suri(suri: &Suri) -> Result<Account, AccountError> {
		let (pair, mut seed) = sr25519::Pair::from_string_with_seed(suri.expose_secret(), None)
			.map_err(|e| match e {
				sp_core::crypto::SecretStringError::InvalidPath => AccountError::InvalidPath,
				sp_core::crypto::SecretStringError::InvalidSeed
				| sp_core::crypto::SecretStringError::InvalidSeedLength => AccountError::InvalidSeed,
				_ => AccountError::InvalidPath,
			})?;
		seed.zeroize();
		Ok(Self::from_pair(pair))
	}

	/// Open the account of a mnemonic at a derivation path (`""` for the root account).
	pub fn from_mnemonic(mnemonic: &Mnemonic, path: &str) -> Result<Account, AccountError> {
		Self::from_suri(&Suri::from_mnemonic(mnemonic, path)?)
	}

	/// Open an account from an expanded secret key (polkadot.js JSON imports).
	pub fn from_sr25519_secret(secret: &Sr25519Secret) -> Result<Account, AccountError> {
		let key =
			SecretKey::from_bytes(&secret.0[..]).map_err(|_| AccountError::InvalidSecretKey)?;
		Ok(Self::from_pair(sr25519::Pair::from(key.to_keypair())))
	}

	fn from_pair(pair: sr25519::Pair) -> Account {
		let id = AccountId(pair.public().0);
		Account { pair, id }
	}

	/// The account id (public key).
	pub fn id(&self) -> AccountId {
		self.id
	}

	/// The SS58 address under `prefix`.
	pub fn address(&self, prefix: Ss58Prefix) -> String {
		self.id.to_ss58(prefix)
	}

	/// The expanded secret key, e.g. for a polkadot.js JSON export.
	pub fn sr25519_secret(&self) -> Sr25519Secret {
		let keypair: &schnorrkel::Keypair = self.pair.as_ref();
		Sr25519Secret(Zeroizing::new(keypair.secret.to_bytes()))
	}

	/// Sign `message` under an iChat signing context (domain separation between uses).
	pub fn sign(&self, context: &[u8], message: &[u8]) -> Signature {
		let keypair: &schnorrkel::Keypair = self.pair.as_ref();
		Signature(keypair.sign(signing_context(context).bytes(message)).to_bytes())
	}

	/// Sign with extra signing randomness drawn from a ChaCha20 RNG seeded with `seed` instead
	/// of the operating system: the signature is then a deterministic function of the inputs.
	/// For test fixtures only (schnorrkel's nonce still mixes in the secret key and message).
	#[doc(hidden)]
	pub fn sign_with_seed(&self, context: &[u8], message: &[u8], seed: [u8; 32]) -> Signature {
		use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
		Signature(
			self.keypair()
				.sign(schnorrkel::context::attach_rng(
					signing_context(context).bytes(message),
					ChaCha20Rng::from_seed(seed),
				))
				.to_bytes(),
		)
	}

	/// Sign like sp-core / polkadot.js `sign` (context `"substrate"`).
	pub fn sign_substrate(&self, message: &[u8]) -> Signature {
		Signature(self.pair.sign(message).0)
	}

	/// The schnorrkel key pair, for signatures with a caller-provided nonce source.
	pub(crate) fn keypair(&self) -> &schnorrkel::Keypair {
		self.pair.as_ref()
	}

	/// Derive a child key pair through hard junctions from this account.
	pub(crate) fn derive_hard(
		&self,
		junctions: &[DeriveJunction],
	) -> Result<Account, AccountError> {
		let (pair, mut seed) = self
			.pair
			.derive(junctions.iter().cloned(), None)
			.map_err(|_| AccountError::InvalidPath)?;
		seed.zeroize();
		Ok(Self::from_pair(pair))
	}
}

impl fmt::Debug for Account {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.debug_struct("Account")
			.field("id", &self.id)
			.field("secret", &format_args!("<redacted>"))
			.finish()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

	fn account(suri: &str) -> Account {
		Account::from_suri(&Suri::parse(suri).expect("valid suri")).expect("valid account")
	}

	#[test]
	fn substrate_vectors() {
		assert_eq!(
			account(PHRASE).address(Ss58Prefix::GENERIC),
			"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
		);
		assert_eq!(
			account(&format!("{PHRASE}//Alice")).address(Ss58Prefix::GENERIC),
			"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
		);
		// The dev phrase shortcut, as subkey.
		assert_eq!(
			account("//Alice").address(Ss58Prefix::GENERIC),
			"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
		);
	}

	#[test]
	fn ichat_prefix_4242_vectors() {
		// Encoded by polkadot.js `encodeAddress(publicKey, 4242)` (@polkadot/util-crypto 14).
		let root = account(PHRASE);
		assert_eq!(
			hex_of(&root.id().0),
			"46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"
		);
		assert_eq!(
			root.address(Ss58Prefix::ICHAT),
			"mHmBUqmM7DaaKbp7pcto7PM7nMdpMB3kuAaGtqDshbUmpDVwy"
		);
		let alice = account("//Alice");
		let address = alice.address(Ss58Prefix::ICHAT);
		assert_eq!(address, "mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4");
		assert_eq!(AccountId::from_ss58(&address, Ss58Prefix::ICHAT), Ok(alice.id()));
		assert_eq!(
			AccountId::from_ss58(&address, Ss58Prefix::GENERIC),
			Err(AddressError::WrongPrefix { expected: 42, found: 4242 })
		);
		assert_eq!(Ss58Prefix::ICHAT.get(), 4242);
	}

	fn hex_of(bytes: &[u8]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}

	#[test]
	fn zero_secret_key_is_refused() {
		// The zero scalar is canonical, but its public key is the identity point.
		assert_eq!(Sr25519Secret::from_bytes(&[0u8; 64]), Err(AccountError::InvalidSecretKey));
		assert_eq!(
			Sr25519Secret::from_ed25519_bytes(&[0u8; 64]),
			Err(AccountError::InvalidSecretKey)
		);
	}

	#[test]
	fn mnemonic_and_path_match_suri() {
		let m = Mnemonic::parse(PHRASE).expect("valid");
		let a = Account::from_mnemonic(&m, "//Alice").expect("valid");
		assert_eq!(a.id(), account(&format!("{PHRASE}//Alice")).id());
		assert_eq!(
			Account::from_mnemonic(&m, "Alice").map(|a| a.id()),
			Err(AccountError::InvalidPath)
		);
	}

	#[test]
	fn seed_hex_and_errors() {
		let a = account("0x0000000000000000000000000000000000000000000000000000000000000001");
		let b = account(
			"0X0000000000000000000000000000000000000000000000000000000000000001"
				.replace("0X", "0x")
				.as_str(),
		);
		assert_eq!(a.id(), b.id());
		assert_eq!(Suri::parse("0x1234").map(|_| ()), Err(AccountError::InvalidSeed));
		assert_eq!(Suri::parse("  ").map(|_| ()), Err(AccountError::Empty));
		assert_eq!(Suri::parse(&format!("{PHRASE}//")).map(|_| ()), Err(AccountError::InvalidPath));
		assert!(matches!(
			Suri::parse("bottom drive obey"),
			Err(AccountError::Mnemonic(MnemonicError::WordCount { count: 3 }))
		));
	}

	#[test]
	fn ss58_round_trip_and_prefix() {
		let a = account(PHRASE);
		let addr = a.address(Ss58Prefix::GENERIC);
		assert_eq!(AccountId::from_ss58(&addr, Ss58Prefix::GENERIC), Ok(a.id()));
		let polkadot = Ss58Prefix::new(0).expect("valid prefix");
		assert_eq!(
			AccountId::from_ss58(&addr, polkadot),
			Err(AddressError::WrongPrefix { expected: 0, found: 42 })
		);
		let big = Ss58Prefix::new(7013).expect("valid prefix");
		assert_eq!(AccountId::from_ss58(&a.address(big), big), Ok(a.id()));
		assert_eq!(Ss58Prefix::new(16_384), None);
		assert_eq!(AccountId::from_ss58_any("nope"), Err(AddressError::Invalid));
	}

	#[test]
	fn sign_and_verify_with_contexts() {
		let a = account(PHRASE);
		let sig = a.sign(b"ichat-test", b"hello");
		assert_eq!(a.id().verify(b"ichat-test", b"hello", &sig), Ok(()));
		assert_eq!(a.id().verify(b"ichat-other", b"hello", &sig), Err(SignatureError::Invalid));
		let sig = a.sign_substrate(b"hello");
		assert_eq!(a.id().verify_substrate(b"hello", &sig), Ok(()));
		assert!(sr25519::Pair::verify(
			&sr25519::Signature::from_raw(sig.0),
			b"hello",
			&sr25519::Public::from_raw(a.id().0)
		));
	}

	#[test]
	fn secret_round_trip() {
		let a = account(&format!("{PHRASE}//Alice/soft"));
		let s = a.sr25519_secret();
		assert_eq!(Account::from_sr25519_secret(&s).map(|b| b.id()), Ok(a.id()));
		let ed = s.to_ed25519_bytes().expect("valid");
		assert_eq!(Sr25519Secret::from_ed25519_bytes(&ed[..]).as_ref(), Ok(&s));
	}
}
