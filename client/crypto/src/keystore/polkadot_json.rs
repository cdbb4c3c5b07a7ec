//! The polkadot.js JSON account format (encoding version 3, sr25519 only).
//!
//! ```json
//! { "encoded": base64(salt(32) | N u32le | p u32le | r u32le | nonce(24) | secretbox),
//!   "encoding": { "content": ["pkcs8", "sr25519"], "type": ["scrypt", "xsalsa20-poly1305"],
//!                 "version": "3" },
//!   "address": "<SS58>", "meta": { "name": "...", "whenCreated": <ms> } }
//! ```
//!
//! The secretbox key is the first 32 bytes of `scrypt(password, salt, N, r, p, 64)`; the
//! plaintext is `PKCS8_HEADER | secret key (64, "ed25519 expanded") | PKCS8_DIVIDER | public (32)`,
//! as in `@polkadot/keyring` `pair/encode.ts` and `pair/decode.ts`.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::{engine::general_purpose::STANDARD, Engine as _};
use crypto_secretbox::{
	aead::{Aead, KeyInit},
	Key, Nonce, XSalsa20Poly1305,
};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::{
	account::{Account, AccountError, AccountId, Sr25519Secret, Ss58Prefix},
	chat_key::array,
};

/// PKCS8 header in front of the secret key (generations 1-3 of the polkadot.js format).
pub const PKCS8_HEADER: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
/// Divider between the secret and the public key.
pub const PKCS8_DIVIDER: [u8; 5] = [161, 35, 3, 33, 0];

const SALT_LEN: usize = 32;
const SCRYPT_LEN: usize = SALT_LEN + 12;
const NONCE_LEN: usize = 24;
const PKCS8_LEN: usize = PKCS8_HEADER.len() + 64 + PKCS8_DIVIDER.len() + 32;
const MAX_JSON_LEN: usize = 64 * 1024;

/// scrypt parameters of the JSON format.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ScryptParams {
	/// log2 of the CPU/memory cost `N`.
	pub log_n: u8,
	/// Block size `r`.
	pub r: u32,
	/// Parallelism `p`.
	pub p: u32,
}

impl Default for ScryptParams {
	/// `N = 32768, r = 8, p = 1` (32 MiB). polkadot.js 14 writes `N = 2^17` and reads both.
	fn default() -> Self {
		ScryptParams { log_n: 15, r: 8, p: 1 }
	}
}

impl ScryptParams {
	/// The parameter sets polkadot.js 14 accepts on decode: its `ALLOWED_PARAMS` less those
	/// above its safety limits (`p > 4`). Anything else is refused on import, which also bounds
	/// the memory a hostile file can ask for (128 MiB at most).
	pub const ALLOWED: [ScryptParams; 4] = [
		ScryptParams { log_n: 15, r: 8, p: 3 },
		ScryptParams { log_n: 15, r: 8, p: 1 },
		ScryptParams { log_n: 16, r: 8, p: 2 },
		ScryptParams { log_n: 17, r: 8, p: 1 },
	];

	fn is_allowed(&self) -> bool {
		Self::ALLOWED.contains(self)
	}

	fn derive(
		&self,
		password: &str,
		salt: &[u8],
	) -> Result<Zeroizing<[u8; 64]>, PolkadotJsonError> {
		let params = scrypt::Params::new(self.log_n, self.r, self.p, 64)
			.map_err(|_| PolkadotJsonError::ScryptParams(*self))?;
		let mut out = Zeroizing::new([0u8; 64]);
		scrypt::scrypt(password.as_bytes(), salt, &params, &mut out[..])
			.map_err(|_| PolkadotJsonError::ScryptParams(*self))?;
		Ok(out)
	}
}

/// Why a polkadot.js JSON account could not be imported or exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolkadotJsonError {
	/// Not JSON, or a required field is missing or of the wrong type.
	#[error("not a polkadot.js account JSON: {0}")]
	Format(&'static str),
	/// An encoding this implementation does not read (only v3 pkcs8/sr25519, scrypt +
	/// xsalsa20-poly1305).
	#[error("unsupported polkadot.js JSON encoding: {0}")]
	Unsupported(&'static str),
	/// scrypt parameters outside the set polkadot.js allows.
	#[error("scrypt parameters not allowed: {0:?}")]
	ScryptParams(ScryptParams),
	/// The password is wrong (or the file was modified).
	#[error("wrong password (or the JSON file was modified)")]
	WrongPassword,
	/// Decrypted, but the key material is malformed.
	#[error("malformed key in JSON: {0}")]
	Malformed(&'static str),
	/// The secret key does not match the public key or the address in the file.
	#[error("the secret key does not match the address in the file")]
	KeyMismatch,
	/// The secret key is invalid.
	#[error("invalid secret key: {0}")]
	Account(#[from] AccountError),
}

/// An account imported from polkadot.js JSON. `Debug` prints no secret.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ImportedAccount {
	/// `meta.name`, if any.
	pub name: Option<String>,
	/// The address as written in the file.
	pub address: String,
	/// The account id.
	pub account: AccountId,
	/// The secret key (polkadot.js JSON holds no mnemonic).
	pub secret: Sr25519Secret,
}

/// What a polkadot.js JSON account file says without its password.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PolkadotJsonMeta {
	/// `meta.name`, if any.
	pub name: Option<String>,
	/// The address as written in the file.
	pub address: String,
	/// The account id the address names (checked against the secret key on import).
	pub account: AccountId,
	/// The scrypt parameters the file was encrypted with (one of [`ScryptParams::ALLOWED`]).
	pub scrypt: ScryptParams,
}

/// A parsed, still encrypted polkadot.js JSON account.
struct Parsed {
	meta: PolkadotJsonMeta,
	/// `salt(32) | N | p | r | nonce(24) | secretbox`.
	blob: Vec<u8>,
}

fn parse(json: &str) -> Result<Parsed, PolkadotJsonError> {
	if json.len() > MAX_JSON_LEN {
		return Err(PolkadotJsonError::Format("file too large"));
	}
	let v: Value =
		serde_json::from_str(json).map_err(|_| PolkadotJsonError::Format("invalid JSON"))?;
	let encoding = v.get("encoding").ok_or(PolkadotJsonError::Format("missing encoding"))?;
	let version = match encoding.get("version") {
		Some(Value::String(s)) => s.clone(),
		Some(Value::Number(n)) => n.to_string(),
		_ => return Err(PolkadotJsonError::Format("missing encoding.version")),
	};
	if version != "3" {
		return Err(PolkadotJsonError::Unsupported("encoding version is not 3"));
	}
	let strings = |field: &'static str| -> Result<Vec<&str>, PolkadotJsonError> {
		match encoding.get(field) {
			Some(Value::String(s)) => Ok(vec![s.as_str()]),
			Some(Value::Array(a)) => a
				.iter()
				.map(|x| {
					x.as_str().ok_or(PolkadotJsonError::Format("encoding entry is not a string"))
				})
				.collect(),
			_ => Err(PolkadotJsonError::Format("missing encoding field")),
		}
	};
	let content = strings("content")?;
	if content.first() != Some(&"pkcs8") {
		return Err(PolkadotJsonError::Unsupported("content is not pkcs8"));
	}
	if content.get(1) != Some(&"sr25519") {
		return Err(PolkadotJsonError::Unsupported("only sr25519 accounts are supported"));
	}
	let types = strings("type")?;
	if !types.contains(&"scrypt") || !types.contains(&"xsalsa20-poly1305") {
		return Err(PolkadotJsonError::Unsupported("not scrypt + xsalsa20-poly1305 encrypted"));
	}
	let encoded = v
		.get("encoded")
		.and_then(Value::as_str)
		.ok_or(PolkadotJsonError::Format("missing encoded"))?;
	let blob = match encoded.strip_prefix("0x") {
		Some(hex) => decode_hex(hex).ok_or(PolkadotJsonError::Format("encoded is not hex"))?,
		None => STANDARD
			.decode(encoded)
			.map_err(|_| PolkadotJsonError::Format("encoded is not base64"))?,
	};
	if blob.len() < SCRYPT_LEN + NONCE_LEN + 16 {
		return Err(PolkadotJsonError::Format("encoded is too short"));
	}
	let n = u32::from_le_bytes(array(&blob[32..36]));
	let p = u32::from_le_bytes(array(&blob[36..40]));
	let r = u32::from_le_bytes(array(&blob[40..44]));
	let scrypt = ScryptParams {
		// 0 (never allowed) when N is not a power of two.
		log_n: if n.is_power_of_two() { n.trailing_zeros() as u8 } else { 0 },
		r,
		p,
	};
	if !scrypt.is_allowed() {
		return Err(PolkadotJsonError::ScryptParams(scrypt));
	}
	let address = v
		.get("address")
		.and_then(Value::as_str)
		.ok_or(PolkadotJsonError::Format("missing address"))?;
	let account = match address.strip_prefix("0x") {
		Some(hex) => decode_hex(hex)
			.and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
			.map(AccountId),
		None => AccountId::from_ss58_any(address).ok().map(|(id, _)| id),
	}
	.ok_or(PolkadotJsonError::Format("address is neither SS58 nor 32 bytes of hex"))?;
	let name = v
		.get("meta")
		.and_then(|m| m.get("name"))
		.and_then(Value::as_str)
		.map(str::to_owned);
	Ok(Parsed {
		meta: PolkadotJsonMeta { name, address: address.to_owned(), account, scrypt },
		blob,
	})
}

/// Read the address, name and scrypt parameters of a polkadot.js JSON account without its
/// password (e.g. to show which account is being imported before asking for the password).
///
/// Cheap: no key derivation. Every check that does not need the password is done here, so an
/// `Ok` means [`import_polkadot_json`] can only fail on the password or the key inside.
pub fn read_polkadot_json_meta(json: &str) -> Result<PolkadotJsonMeta, PolkadotJsonError> {
	Ok(parse(json)?.meta)
}

/// Import a polkadot.js JSON account with its password.
pub fn import_polkadot_json(
	json: &str,
	password: &str,
) -> Result<ImportedAccount, PolkadotJsonError> {
	let Parsed { meta, blob } = parse(json)?;
	let derived = meta.scrypt.derive(password, &blob[..SALT_LEN])?;
	let nonce = &blob[SCRYPT_LEN..SCRYPT_LEN + NONCE_LEN];
	let pkcs8 = Zeroizing::new(
		XSalsa20Poly1305::new(Key::from_slice(&derived[..32]))
			.decrypt(Nonce::from_slice(nonce), &blob[SCRYPT_LEN + NONCE_LEN..])
			.map_err(|_| PolkadotJsonError::WrongPassword)?,
	);
	if pkcs8.len() != PKCS8_LEN || pkcs8[..16] != PKCS8_HEADER || pkcs8[80..85] != PKCS8_DIVIDER {
		return Err(PolkadotJsonError::Malformed("not a generation-3 pkcs8 sr25519 key"));
	}
	let secret = Sr25519Secret::from_ed25519_bytes(&pkcs8[16..80])?;
	let account = Account::from_sr25519_secret(&secret)?.id();
	if account.0[..] != pkcs8[85..117] || account != meta.account {
		return Err(PolkadotJsonError::KeyMismatch);
	}
	Ok(ImportedAccount { name: meta.name, address: meta.address, account, secret })
}

/// Export an account as polkadot.js JSON (default scrypt parameters, fresh salt and nonce,
/// `whenCreated` = now).
pub fn export_polkadot_json(
	account: &Account,
	name: &str,
	password: &str,
	prefix: Ss58Prefix,
) -> Result<String, PolkadotJsonError> {
	let now_ms = SystemTime::now()
		.duration_since(UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or(0);
	export_polkadot_json_with(account, name, password, prefix, ScryptParams::default(), now_ms)
}

/// Export with explicit scrypt parameters and creation time.
pub fn export_polkadot_json_with(
	account: &Account,
	name: &str,
	password: &str,
	prefix: Ss58Prefix,
	params: ScryptParams,
	when_created_ms: u64,
) -> Result<String, PolkadotJsonError> {
	if !params.is_allowed() {
		return Err(PolkadotJsonError::ScryptParams(params));
	}
	let secret = account.sr25519_secret().to_ed25519_bytes()?;
	let mut pkcs8 = Zeroizing::new(Vec::with_capacity(PKCS8_LEN));
	pkcs8.extend_from_slice(&PKCS8_HEADER);
	pkcs8.extend_from_slice(&secret[..]);
	pkcs8.extend_from_slice(&PKCS8_DIVIDER);
	pkcs8.extend_from_slice(&account.id().0);

	let mut salt = [0u8; SALT_LEN];
	OsRng.fill_bytes(&mut salt);
	let mut nonce = [0u8; NONCE_LEN];
	OsRng.fill_bytes(&mut nonce);
	let derived = params.derive(password, &salt)?;
	let sealed = XSalsa20Poly1305::new(Key::from_slice(&derived[..32]))
		.encrypt(Nonce::from_slice(&nonce), &pkcs8[..])
		.map_err(|_| PolkadotJsonError::Malformed("encryption failed"))?;

	let mut blob = Vec::with_capacity(SCRYPT_LEN + NONCE_LEN + sealed.len());
	blob.extend_from_slice(&salt);
	blob.extend_from_slice(&(1u32 << params.log_n).to_le_bytes());
	blob.extend_from_slice(&params.p.to_le_bytes());
	blob.extend_from_slice(&params.r.to_le_bytes());
	blob.extend_from_slice(&nonce);
	blob.extend_from_slice(&sealed);

	let doc = json!({
		"encoded": STANDARD.encode(&blob),
		"encoding": {
			"content": ["pkcs8", "sr25519"],
			"type": ["scrypt", "xsalsa20-poly1305"],
			"version": "3",
		},
		"address": account.address(prefix),
		"meta": { "name": name, "whenCreated": when_created_ms },
	});
	Ok(doc.to_string())
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
	if !s.len().is_multiple_of(2) || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
		return None;
	}
	(0..s.len())
		.step_by(2)
		.map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
		.collect()
}
