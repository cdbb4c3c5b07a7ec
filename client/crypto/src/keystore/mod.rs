//! Keys at rest: the iChat keystore file and polkadot.js JSON import/export.
//!
//! # Keystore file format v1
//!
//! All integers little-endian. The whole header (everything before the ciphertext) is the
//! associated data of the AEAD, so any change to the parameters, the name or the account id
//! makes decryption fail.
//!
//! | offset | length | field |
//! |-------:|-------:|-------|
//! | 0 | 8 | magic `"ichat-ks"` |
//! | 8 | 1 | format version `0x01` |
//! | 9 | 1 | KDF `0x01` = Argon2id (v0x13) |
//! | 10 | 4 | Argon2 memory cost `m`, KiB |
//! | 14 | 4 | Argon2 time cost `t` |
//! | 18 | 4 | Argon2 parallelism `p` |
//! | 22 | 16 | salt |
//! | 38 | 24 | XChaCha20-Poly1305 nonce |
//! | 62 | 32 | account id (public key; lets the client list accounts without a password) |
//! | 94 | 2 | name length `n` (at most [`MAX_NAME_LEN`]) |
//! | 96 | n | name, UTF-8 |
//! | 96+n | rest | XChaCha20-Poly1305(key = Argon2id(password, salt, m, t, p), payload) with tag |
//!
//! Payload: one kind byte, then `0x01` + the canonical SURI (UTF-8), or `0x02` + the 64-byte
//! canonical sr25519 secret key (accounts imported from polkadot.js JSON). After decryption the
//! account is re-derived and must match the header's account id.
//!
//! Argon2 parameters are bounded on decode ([`KdfParams::validate`]) so a hostile file cannot
//! make the client allocate more than [`MAX_M_COST_KIB`] KiB or spin for long.

mod polkadot_json;

use core::fmt;
use std::{
	fs,
	io::{Read, Write},
	path::Path,
};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::{
	aead::{Aead, KeyInit, Payload},
	XChaCha20Poly1305, XNonce,
};
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

pub use polkadot_json::{
	export_polkadot_json, export_polkadot_json_with, import_polkadot_json, read_polkadot_json_meta,
	ImportedAccount, PolkadotJsonError, PolkadotJsonMeta, ScryptParams, PKCS8_DIVIDER,
	PKCS8_HEADER,
};

use crate::{
	account::{Account, AccountError, AccountId, Sr25519Secret, Suri, SR25519_SECRET_LEN},
	chat_key::array,
};

/// File magic.
pub const MAGIC: &[u8; 8] = b"ichat-ks";
/// Keystore format version.
pub const FORMAT_VERSION: u8 = 0x01;
/// KDF identifier for Argon2id v0x13.
pub const KDF_ARGON2ID: u8 = 0x01;
/// Longest account name, in bytes.
pub const MAX_NAME_LEN: usize = 256;
/// Longest secret payload (kind byte and SURI or key), in bytes.
pub const MAX_PAYLOAD_LEN: usize = 4096;
/// Largest keystore file accepted.
pub const MAX_KEYSTORE_LEN: usize = FIXED_HEADER_LEN + MAX_NAME_LEN + MAX_PAYLOAD_LEN + 16;
/// Largest Argon2 memory cost accepted on decode (1 GiB).
pub const MAX_M_COST_KIB: u32 = 1 << 20;
/// Largest Argon2 time cost accepted on decode.
pub const MAX_T_COST: u32 = 16;
/// Largest Argon2 parallelism accepted on decode.
pub const MAX_P_COST: u32 = 16;

const FIXED_HEADER_LEN: usize = 96;
const SALT_LEN: usize = 16;
const PAYLOAD_SURI: u8 = 0x01;
const PAYLOAD_SR25519: u8 = 0x02;

/// Argon2id cost parameters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct KdfParams {
	/// Memory cost in KiB.
	pub m_cost_kib: u32,
	/// Number of passes.
	pub t_cost: u32,
	/// Parallelism (lanes).
	pub p_cost: u32,
}

impl Default for KdfParams {
	/// Production defaults: 64 MiB, 3 passes, 1 lane.
	fn default() -> Self {
		KdfParams { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 }
	}
}

impl KdfParams {
	/// Cheap parameters (64 KiB, 1 pass) for tests only: they give no protection.
	pub const INSECURE_FOR_TESTS: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

	/// Check the parameters against Argon2's minimums and this crate's maximums.
	pub fn validate(&self) -> Result<(), KeystoreError> {
		let ok = (1..=MAX_P_COST).contains(&self.p_cost)
			&& (1..=MAX_T_COST).contains(&self.t_cost)
			&& self.m_cost_kib >= 8 * self.p_cost
			&& self.m_cost_kib <= MAX_M_COST_KIB;
		if ok {
			Ok(())
		} else {
			Err(KeystoreError::KdfParams(*self))
		}
	}

	fn derive_key(
		&self,
		password: &str,
		salt: &[u8],
	) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
		self.validate()?;
		let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
			.map_err(|_| KeystoreError::KdfParams(*self))?;
		let mut key = Zeroizing::new([0u8; 32]);
		Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
			.hash_password_into(password.as_bytes(), salt, &mut key[..])
			.map_err(|_| KeystoreError::KdfParams(*self))?;
		Ok(key)
	}
}

/// Why a keystore could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
	/// The password is wrong (or the file was modified: the two cannot be told apart).
	#[error("wrong password (or the keystore file was modified)")]
	WrongPassword,
	/// The file does not start with the keystore magic.
	#[error("not an iChat keystore file")]
	NotAKeystore,
	/// A format version this implementation does not read.
	#[error("unsupported keystore version {0}")]
	UnsupportedVersion(u8),
	/// An unknown key-derivation function.
	#[error("unsupported key derivation function {0}")]
	UnsupportedKdf(u8),
	/// Argon2 parameters out of the accepted range.
	#[error("argon2 parameters out of range: {0:?}")]
	KdfParams(KdfParams),
	/// The file is truncated, too large or otherwise malformed.
	#[error("malformed keystore: {0}")]
	Malformed(&'static str),
	/// The name is longer than [`MAX_NAME_LEN`] bytes.
	#[error("account name longer than {MAX_NAME_LEN} bytes")]
	NameTooLong,
	/// The decrypted secret does not open the account named in the header.
	#[error("keystore secret does not match its account id")]
	AccountMismatch,
	/// The stored secret cannot open an account.
	#[error("stored secret: {0}")]
	Account(#[from] AccountError),
	/// The target file already exists.
	#[error("keystore file already exists")]
	AlreadyExists,
	/// A file system error.
	#[error("keystore file: {0}")]
	Io(#[from] std::io::Error),
}

/// The secret a keystore holds.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum StoredSecret {
	/// A secret URI (mnemonic or seed, path, password): the normal case.
	Suri(Suri),
	/// An expanded sr25519 secret key (accounts imported from polkadot.js JSON).
	Sr25519(Sr25519Secret),
}

impl StoredSecret {
	/// Open the account.
	pub fn account(&self) -> Result<Account, AccountError> {
		match self {
			StoredSecret::Suri(s) => Account::from_suri(s),
			StoredSecret::Sr25519(s) => Account::from_sr25519_secret(s),
		}
	}
}

/// A decrypted keystore: name, account id and secret. `Debug` prints no secret.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeystoreEntry {
	/// A user-chosen name.
	pub name: String,
	/// The account id (checked against the secret on load).
	pub account: AccountId,
	/// The secret.
	pub secret: StoredSecret,
}

impl KeystoreEntry {
	/// An entry for a secret, computing its account id.
	pub fn new(name: &str, secret: StoredSecret) -> Result<KeystoreEntry, KeystoreError> {
		if name.len() > MAX_NAME_LEN {
			return Err(KeystoreError::NameTooLong);
		}
		let account = secret.account()?.id();
		Ok(KeystoreEntry { name: name.to_owned(), account, secret })
	}

	/// Open the account.
	pub fn account(&self) -> Result<Account, AccountError> {
		self.secret.account()
	}
}

/// What can be read from a keystore without the password.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeystoreMeta {
	/// The account name.
	pub name: String,
	/// The account id.
	pub account: AccountId,
	/// The Argon2id parameters the file was written with.
	pub kdf: KdfParams,
}

struct Parsed<'a> {
	meta: KeystoreMeta,
	salt: &'a [u8],
	nonce: &'a [u8],
	aad: &'a [u8],
	ciphertext: &'a [u8],
}

fn parse(bytes: &[u8]) -> Result<Parsed<'_>, KeystoreError> {
	if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
		return Err(KeystoreError::NotAKeystore);
	}
	if bytes.len() > MAX_KEYSTORE_LEN {
		return Err(KeystoreError::Malformed("file too large"));
	}
	if bytes.len() < FIXED_HEADER_LEN {
		return Err(KeystoreError::Malformed("truncated header"));
	}
	if bytes[8] != FORMAT_VERSION {
		return Err(KeystoreError::UnsupportedVersion(bytes[8]));
	}
	if bytes[9] != KDF_ARGON2ID {
		return Err(KeystoreError::UnsupportedKdf(bytes[9]));
	}
	let kdf = KdfParams {
		m_cost_kib: u32::from_le_bytes(array(&bytes[10..14])),
		t_cost: u32::from_le_bytes(array(&bytes[14..18])),
		p_cost: u32::from_le_bytes(array(&bytes[18..22])),
	};
	kdf.validate()?;
	let name_len = usize::from(u16::from_le_bytes(array(&bytes[94..96])));
	if name_len > MAX_NAME_LEN {
		return Err(KeystoreError::NameTooLong);
	}
	let header_len = FIXED_HEADER_LEN + name_len;
	let name = bytes
		.get(FIXED_HEADER_LEN..header_len)
		.ok_or(KeystoreError::Malformed("truncated name"))?;
	let name = core::str::from_utf8(name)
		.map_err(|_| KeystoreError::Malformed("name is not UTF-8"))?
		.to_owned();
	let ciphertext = &bytes[header_len..];
	if ciphertext.len() < 16 + 1 {
		return Err(KeystoreError::Malformed("truncated ciphertext"));
	}
	Ok(Parsed {
		meta: KeystoreMeta { name, account: AccountId(array(&bytes[62..94])), kdf },
		salt: &bytes[22..38],
		nonce: &bytes[38..62],
		aad: &bytes[..header_len],
		ciphertext,
	})
}

/// Read the name, account id and KDF parameters without the password.
pub fn read_meta(bytes: &[u8]) -> Result<KeystoreMeta, KeystoreError> {
	Ok(parse(bytes)?.meta)
}

/// Encrypt an entry with a password, with fresh salt and nonce.
pub fn encrypt(
	entry: &KeystoreEntry,
	password: &str,
	params: KdfParams,
) -> Result<Vec<u8>, KeystoreError> {
	params.validate()?;
	if entry.name.len() > MAX_NAME_LEN {
		return Err(KeystoreError::NameTooLong);
	}
	// Sized up front: a reallocation would leave an unzeroized copy of the secret behind.
	let secret_len = match &entry.secret {
		StoredSecret::Suri(s) => s.expose_secret().len(),
		StoredSecret::Sr25519(_) => SR25519_SECRET_LEN,
	};
	let mut payload = Zeroizing::new(Vec::with_capacity(1 + secret_len));
	match &entry.secret {
		StoredSecret::Suri(s) => {
			payload.push(PAYLOAD_SURI);
			payload.extend_from_slice(s.expose_secret().as_bytes());
		},
		StoredSecret::Sr25519(s) => {
			payload.push(PAYLOAD_SR25519);
			payload.extend_from_slice(s.expose_bytes());
		},
	}
	if payload.len() > MAX_PAYLOAD_LEN {
		return Err(KeystoreError::Malformed("secret too long"));
	}
	let mut salt = [0u8; SALT_LEN];
	OsRng.fill_bytes(&mut salt);
	let mut nonce = [0u8; 24];
	OsRng.fill_bytes(&mut nonce);

	let mut out = Vec::with_capacity(FIXED_HEADER_LEN + entry.name.len() + payload.len() + 16);
	out.extend_from_slice(MAGIC);
	out.push(FORMAT_VERSION);
	out.push(KDF_ARGON2ID);
	out.extend_from_slice(&params.m_cost_kib.to_le_bytes());
	out.extend_from_slice(&params.t_cost.to_le_bytes());
	out.extend_from_slice(&params.p_cost.to_le_bytes());
	out.extend_from_slice(&salt);
	out.extend_from_slice(&nonce);
	out.extend_from_slice(&entry.account.0);
	// name.len() <= MAX_NAME_LEN < u16::MAX.
	out.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
	out.extend_from_slice(entry.name.as_bytes());

	let key = params.derive_key(password, &salt)?;
	let ct = XChaCha20Poly1305::new((&*key).into())
		.encrypt(XNonce::from_slice(&nonce), Payload { msg: &payload, aad: &out })
		.map_err(|_| KeystoreError::Malformed("secret too long"))?;
	out.extend_from_slice(&ct);
	Ok(out)
}

/// Decrypt a keystore. A wrong password gives [`KeystoreError::WrongPassword`].
pub fn decrypt(bytes: &[u8], password: &str) -> Result<KeystoreEntry, KeystoreError> {
	let p = parse(bytes)?;
	let key = p.meta.kdf.derive_key(password, p.salt)?;
	let payload = Zeroizing::new(
		XChaCha20Poly1305::new((&*key).into())
			.decrypt(XNonce::from_slice(p.nonce), Payload { msg: p.ciphertext, aad: p.aad })
			.map_err(|_| KeystoreError::WrongPassword)?,
	);
	let secret = match payload.split_first() {
		Some((&PAYLOAD_SURI, rest)) => {
			let s = core::str::from_utf8(rest)
				.map_err(|_| KeystoreError::Malformed("SURI is not UTF-8"))?;
			StoredSecret::Suri(Suri::parse(s)?)
		},
		Some((&PAYLOAD_SR25519, rest)) => StoredSecret::Sr25519(Sr25519Secret::from_bytes(rest)?),
		_ => return Err(KeystoreError::Malformed("unknown secret kind")),
	};
	if secret.account()?.id() != p.meta.account {
		return Err(KeystoreError::AccountMismatch);
	}
	Ok(KeystoreEntry { name: p.meta.name, account: p.meta.account, secret })
}

/// Read a keystore file (bounded to [`MAX_KEYSTORE_LEN`] bytes).
pub fn read_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
	let mut bytes = Zeroizing::new(Vec::new());
	fs::File::open(path)?
		.take(MAX_KEYSTORE_LEN as u64 + 1)
		.read_to_end(&mut bytes)?;
	if bytes.len() > MAX_KEYSTORE_LEN {
		return Err(KeystoreError::Malformed("file too large"));
	}
	Ok(bytes)
}

/// Load and decrypt a keystore file.
pub fn load(path: &Path, password: &str) -> Result<KeystoreEntry, KeystoreError> {
	decrypt(&read_file(path)?, password)
}

/// Encrypt and write a new keystore file; fails with [`KeystoreError::AlreadyExists`] rather
/// than replace a file. Written atomically (temporary file, fsync, rename), mode 0600 on Unix.
pub fn save_new(
	path: &Path,
	entry: &KeystoreEntry,
	password: &str,
	params: KdfParams,
) -> Result<(), KeystoreError> {
	if path.exists() {
		return Err(KeystoreError::AlreadyExists);
	}
	let bytes = encrypt(entry, password, params)?;
	write_atomic(path, &bytes)
}

/// Re-encrypt a keystore file under a new password. The old password is checked first; on any
/// error the file is left untouched. The new file replaces the old one atomically.
pub fn change_password(
	path: &Path,
	old_password: &str,
	new_password: &str,
	params: KdfParams,
) -> Result<(), KeystoreError> {
	let entry = load(path, old_password)?;
	let bytes = encrypt(&entry, new_password, params)?;
	write_atomic(path, &bytes)
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, flushed to disk,
/// then renamed over the target.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), KeystoreError> {
	let file_name = path
		.file_name()
		.ok_or(KeystoreError::Malformed("keystore path has no file name"))?;
	let dir = match path.parent() {
		Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
		_ => std::path::PathBuf::from("."),
	};
	let tmp = dir.join(format!(".{}.tmp-{:016x}", file_name.to_string_lossy(), OsRng.next_u64()));
	let result = (|| -> std::io::Result<()> {
		let mut options = fs::OpenOptions::new();
		options.write(true).create_new(true);
		#[cfg(unix)]
		{
			use std::os::unix::fs::OpenOptionsExt;
			options.mode(0o600);
		}
		let mut f = options.open(&tmp)?;
		f.write_all(bytes)?;
		f.sync_all()?;
		drop(f);
		fs::rename(&tmp, path)?;
		#[cfg(unix)]
		if let Ok(d) = fs::File::open(&dir) {
			// Persist the rename; best effort.
			let _ = d.sync_all();
		}
		Ok(())
	})();
	if result.is_err() {
		let _ = fs::remove_file(&tmp);
	}
	Ok(result?)
}

impl fmt::Display for KdfParams {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "argon2id m={} KiB t={} p={}", self.m_cost_kib, self.t_cost, self.p_cost)
	}
}
