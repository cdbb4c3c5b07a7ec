//! Named accounts on disk: `$ICHAT_HOME/accounts/`.
//!
//! One encrypted file per account, `<name>.key`, in `ichat-crypto`'s keystore format
//! (Argon2id + XChaCha20-Poly1305; the account id is readable without the password), mode 0600,
//! in a directory of mode 0700. Beside it `<name>.pub.json` caches public facts (address, chat
//! public key) so `account list` and `account show` need no password; it holds no secret and
//! is rebuilt from the key file when missing.
//!
//! The password comes from `ICHAT_PASSWORD` or a hidden prompt ([`crate::prompt`]).

use std::{
	fs,
	path::{Path, PathBuf},
};

use ichat_crypto::{
	account::AccountId,
	keystore::{self as ks, KdfParams, KeystoreEntry, StoredSecret},
	Account, Ss58Prefix,
};
use serde::{Deserialize, Serialize};

use crate::prompt;

/// Longest account name.
pub const MAX_NAME_LEN: usize = 64;
/// The chat key index every account uses today.
pub const CHAT_KEY_INDEX: u32 = 0;

/// Why an account could not be found, opened or stored. Each message is one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
	/// The password does not open the account.
	#[error("wrong password for account \"{name}\"")]
	WrongPassword {
		/// The account name.
		name: String,
	},
	/// No account has this name.
	#[error("no account named \"{name}\" ({})", list_hint(.available))]
	NotFound {
		/// The name asked for.
		name: String,
		/// The names that exist.
		available: Vec<String>,
	},
	/// The keystore is empty and no account was named.
	#[error(
		"no account yet: create one with `ichat account new` or import one with `ichat account import NAME`"
	)]
	NoAccounts,
	/// Several accounts exist and none was chosen.
	#[error(
		"several accounts ({}): choose one with --account NAME or set `account` in the config file",
		.0.join(", ")
	)]
	Ambiguous(Vec<String>),
	/// The name is taken.
	#[error("an account named \"{0}\" already exists (pick another --name, or remove it first)")]
	AlreadyExists(String),
	/// The name is not allowed.
	#[error(
		"invalid account name {0:?}: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'"
	)]
	InvalidName(String),
	/// The key file is damaged or not a keystore.
	#[error("account \"{name}\": {source}")]
	Damaged {
		/// The account name.
		name: String,
		/// What is wrong.
		source: ks::KeystoreError,
	},
	/// A file-system error.
	#[error("{path}: {source}")]
	Io {
		/// The file or directory.
		path: String,
		/// The error.
		source: std::io::Error,
	},
}

impl KeystoreError {
	/// Whether the password was wrong (a script may want to retry with another one).
	pub fn is_wrong_password(&self) -> bool {
		matches!(self, KeystoreError::WrongPassword { .. })
	}
}

fn list_hint(available: &[String]) -> String {
	if available.is_empty() {
		"there are no accounts yet: see `ichat account new`".to_owned()
	} else {
		format!("accounts: {}", available.join(", "))
	}
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> KeystoreError + '_ {
	move |source| KeystoreError::Io { path: path.display().to_string(), source }
}

/// How an account came into the keystore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
	/// `account new`.
	Generated,
	/// `account import` from a mnemonic (and optional path).
	Mnemonic,
	/// `account import --json-file`.
	PolkadotJson,
}

/// The public facts about an account (the `<name>.pub.json` file). No secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInfo {
	/// The account name.
	pub name: String,
	/// SS58 address (prefix 4242).
	pub address: String,
	/// The account id, `0x` hex.
	pub account_id: String,
	/// X25519 chat public key, `0x` hex.
	pub chat_key: String,
	/// The chat key's derivation index.
	pub chat_key_index: u32,
	/// How the account was added, when known.
	pub origin: Option<Origin>,
}

impl PublicInfo {
	/// Compute the public facts of an opened account.
	pub fn of(name: &str, account: &Account, origin: Option<Origin>) -> anyhow::Result<Self> {
		let chat = account.chat_key(CHAT_KEY_INDEX)?;
		Ok(PublicInfo {
			name: name.to_owned(),
			address: account.address(Ss58Prefix::ICHAT),
			account_id: format!("0x{}", hex::encode(account.id().0)),
			chat_key: format!("0x{}", hex::encode(chat.public().0)),
			chat_key_index: CHAT_KEY_INDEX,
			origin,
		})
	}
}

/// An account as listed (no password needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
	/// The name.
	pub name: String,
	/// The account id.
	pub account: AccountId,
	/// The cached public facts, when present and consistent.
	pub public: Option<PublicInfo>,
}

/// The directory of named accounts.
#[derive(Debug, Clone)]
pub struct Keystore {
	dir: PathBuf,
	kdf: KdfParams,
}

/// Check an account name.
pub fn validate_name(name: &str) -> Result<(), KeystoreError> {
	let ok = !name.is_empty()
		&& name.len() <= MAX_NAME_LEN
		&& !name.starts_with(['.', '-'])
		&& name
			.bytes()
			.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
		&& AccountId::from_ss58_any(name).is_err();
	if ok {
		Ok(())
	} else {
		Err(KeystoreError::InvalidName(name.to_owned()))
	}
}

impl Keystore {
	/// The keystore in `dir` (created on first write) with production Argon2id parameters.
	pub fn new(dir: PathBuf) -> Keystore {
		Keystore { dir, kdf: KdfParams::default() }
	}

	/// Use other Argon2id parameters for new files (tests use cheap ones).
	pub fn with_kdf(mut self, kdf: KdfParams) -> Keystore {
		self.kdf = kdf;
		self
	}

	/// The directory.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// The key file of `name`.
	pub fn key_path(&self, name: &str) -> PathBuf {
		self.dir.join(format!("{name}.key"))
	}

	fn pub_path(&self, name: &str) -> PathBuf {
		self.dir.join(format!("{name}.pub.json"))
	}

	/// Whether an account `name` exists.
	pub fn exists(&self, name: &str) -> bool {
		validate_name(name).is_ok() && self.key_path(name).is_file()
	}

	/// The account names, sorted.
	pub fn names(&self) -> Result<Vec<String>, KeystoreError> {
		let entries = match fs::read_dir(&self.dir) {
			Ok(e) => e,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
			Err(e) => return Err(io_err(&self.dir)(e)),
		};
		let mut names = Vec::new();
		for entry in entries {
			let entry = entry.map_err(io_err(&self.dir))?;
			let file = entry.file_name();
			let Some(name) = file.to_str().and_then(|f| f.strip_suffix(".key")) else {
				continue;
			};
			if validate_name(name).is_ok() {
				names.push(name.to_owned());
			}
		}
		names.sort();
		Ok(names)
	}

	/// Every account with its id (read without password) and cached public facts.
	pub fn list(&self) -> Result<Vec<Listed>, KeystoreError> {
		self.names()?.into_iter().map(|name| self.listed(&name)).collect()
	}

	/// One account's id and cached public facts, without password.
	pub fn listed(&self, name: &str) -> Result<Listed, KeystoreError> {
		let account = self.account_id(name)?;
		let public = fs::read(self.pub_path(name))
			.ok()
			.and_then(|b| serde_json::from_slice::<PublicInfo>(&b).ok())
			.filter(|p| p.account_id == format!("0x{}", hex::encode(account.0)) && p.name == name);
		Ok(Listed { name: name.to_owned(), account, public })
	}

	fn not_found(&self, name: &str) -> KeystoreError {
		KeystoreError::NotFound {
			name: name.to_owned(),
			available: self.names().unwrap_or_default(),
		}
	}

	/// The account id of `name`, read without the password.
	pub fn account_id(&self, name: &str) -> Result<AccountId, KeystoreError> {
		if !self.exists(name) {
			return Err(self.not_found(name));
		}
		let path = self.key_path(name);
		let bytes = ks::read_file(&path)
			.map_err(|source| KeystoreError::Damaged { name: name.to_owned(), source })?;
		let meta = ks::read_meta(&bytes)
			.map_err(|source| KeystoreError::Damaged { name: name.to_owned(), source })?;
		Ok(meta.account)
	}

	/// The account to use: `requested` if given (it must exist), else the only account.
	pub fn select(&self, requested: Option<&str>) -> Result<String, KeystoreError> {
		if let Some(name) = requested {
			if !self.exists(name) {
				return Err(self.not_found(name));
			}
			return Ok(name.to_owned());
		}
		let mut names = self.names()?;
		match names.len() {
			0 => Err(KeystoreError::NoAccounts),
			1 => Ok(names.remove(0)),
			_ => Err(KeystoreError::Ambiguous(names)),
		}
	}

	/// The name of a stored account with this id, if any.
	pub fn find_by_id(&self, id: &AccountId) -> Result<Option<String>, KeystoreError> {
		for name in self.names()? {
			if self.account_id(&name).ok().as_ref() == Some(id) {
				return Ok(Some(name));
			}
		}
		Ok(None)
	}

	fn ensure_dir(&self) -> Result<(), KeystoreError> {
		let mut builder = fs::DirBuilder::new();
		builder.recursive(true);
		#[cfg(unix)]
		{
			use std::os::unix::fs::DirBuilderExt;
			builder.mode(0o700);
		}
		builder.create(&self.dir).map_err(io_err(&self.dir))?;
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
				.map_err(io_err(&self.dir))?;
		}
		Ok(())
	}

	/// Encrypt and store a new account under `name`. Returns its public facts.
	pub fn add(
		&self,
		name: &str,
		secret: StoredSecret,
		password: &str,
		origin: Origin,
	) -> anyhow::Result<PublicInfo> {
		validate_name(name)?;
		if self.key_path(name).exists() {
			return Err(KeystoreError::AlreadyExists(name.to_owned()).into());
		}
		let account = secret.account()?;
		let info = PublicInfo::of(name, &account, Some(origin))?;
		let entry = KeystoreEntry::new(name, secret)?;
		self.ensure_dir()?;
		let path = self.key_path(name);
		ks::save_new(&path, &entry, password, self.kdf).map_err(|e| match e {
			ks::KeystoreError::AlreadyExists => KeystoreError::AlreadyExists(name.to_owned()),
			source => KeystoreError::Damaged { name: name.to_owned(), source },
		})?;
		self.write_public(&info)?;
		Ok(info)
	}

	fn write_public(&self, info: &PublicInfo) -> Result<(), KeystoreError> {
		let path = self.pub_path(&info.name);
		let json = serde_json::to_vec_pretty(info).unwrap_or_default();
		fs::write(&path, json).map_err(io_err(&path))
	}

	/// Decrypt account `name` with `password`.
	pub fn unlock(&self, name: &str, password: &str) -> Result<Account, KeystoreError> {
		if !self.exists(name) {
			return Err(self.not_found(name));
		}
		let entry = ks::load(&self.key_path(name), password).map_err(|e| match e {
			ks::KeystoreError::WrongPassword => {
				KeystoreError::WrongPassword { name: name.to_owned() }
			},
			source => KeystoreError::Damaged { name: name.to_owned(), source },
		})?;
		let account = entry.account().map_err(|e| KeystoreError::Damaged {
			name: name.to_owned(),
			source: ks::KeystoreError::Account(e),
		})?;
		// Rebuild the public cache if it went missing.
		if self.listed(name).map(|l| l.public.is_none()).unwrap_or(false) {
			if let Ok(info) = PublicInfo::of(name, &account, None) {
				let _ = self.write_public(&info);
			}
		}
		Ok(account)
	}

	/// Decrypt `name` with the password from `ICHAT_PASSWORD` or a prompt.
	pub fn unlock_interactive(&self, name: &str) -> anyhow::Result<Account> {
		if !self.exists(name) {
			return Err(self.not_found(name).into());
		}
		let password =
			prompt::password(prompt::PASSWORD_ENV, &format!("Password for account \"{name}\": "))?;
		Ok(self.unlock(name, &password)?)
	}

	/// Public facts of `name`: from the cache, or by unlocking it (asks the password).
	pub fn public_info(&self, name: &str) -> anyhow::Result<PublicInfo> {
		if let Some(info) = self.listed(name)?.public {
			return Ok(info);
		}
		let account = self.unlock_interactive(name)?;
		PublicInfo::of(name, &account, None)
	}

	/// Delete account `name` (key file and public cache).
	pub fn remove(&self, name: &str) -> Result<(), KeystoreError> {
		if !self.exists(name) {
			return Err(self.not_found(name));
		}
		let path = self.key_path(name);
		fs::remove_file(&path).map_err(io_err(&path))?;
		let _ = fs::remove_file(self.pub_path(name));
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use ichat_crypto::Suri;

	const DEV: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

	fn store() -> (tempfile::TempDir, Keystore) {
		let dir = tempfile::tempdir().expect("tempdir");
		let ks = Keystore::new(dir.path().join("accounts")).with_kdf(KdfParams::INSECURE_FOR_TESTS);
		(dir, ks)
	}

	fn alice_secret() -> StoredSecret {
		StoredSecret::Suri(Suri::parse(&format!("{DEV}//Alice")).expect("suri"))
	}

	#[test]
	fn round_trip_and_wrong_password() {
		let (_d, ks) = store();
		let info = ks.add("alice", alice_secret(), "pw", Origin::Mnemonic).expect("added");
		assert_eq!(info.address, "mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4");
		assert!(info.chat_key.starts_with("0x") && info.chat_key.len() == 66);
		let account = ks.unlock("alice", "pw").expect("unlocks");
		assert_eq!(account.address(Ss58Prefix::ICHAT), info.address);
		let err = ks.unlock("alice", "nope").expect_err("wrong password");
		assert!(err.is_wrong_password());
		assert_eq!(err.to_string(), "wrong password for account \"alice\"");
		// Listing needs no password and uses the cache.
		let listed = ks.list().expect("list");
		assert_eq!(listed.len(), 1);
		assert_eq!(listed[0].public.as_ref(), Some(&info));
		assert_eq!(ks.select(None).expect("only one"), "alice");
		assert_eq!(ks.find_by_id(&account.id()).expect("find"), Some("alice".to_owned()));
	}

	#[cfg(unix)]
	#[test]
	fn files_are_private() {
		use std::os::unix::fs::PermissionsExt;
		let (_d, ks) = store();
		ks.add("alice", alice_secret(), "pw", Origin::Mnemonic).expect("added");
		let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
		assert_eq!(mode(ks.dir()), 0o700);
		assert_eq!(mode(&ks.key_path("alice")), 0o600);
	}

	#[test]
	fn names_and_selection() {
		let (_d, ks) = store();
		assert!(matches!(ks.select(None), Err(KeystoreError::NoAccounts)));
		ks.add("a", alice_secret(), "pw", Origin::Mnemonic).expect("added");
		let dup = ks.add("a", alice_secret(), "pw", Origin::Mnemonic).expect_err("taken");
		assert!(dup.to_string().contains("already exists"));
		let bob = StoredSecret::Suri(Suri::parse("//Bob").expect("suri"));
		ks.add("b", bob, "pw", Origin::Mnemonic).expect("added");
		assert!(matches!(ks.select(None), Err(KeystoreError::Ambiguous(_))));
		assert_eq!(ks.select(Some("b")).expect("b"), "b");
		let e = ks.select(Some("c")).expect_err("missing");
		assert_eq!(e.to_string(), "no account named \"c\" (accounts: a, b)");
		for bad in
			["", ".hidden", "-x", "a/b", "a b", "mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4"]
		{
			assert!(validate_name(bad).is_err(), "{bad:?}");
		}
		ks.remove("a").expect("removed");
		assert_eq!(ks.names().expect("names"), vec!["b".to_owned()]);
	}

	#[test]
	fn no_secret_in_files_or_debug() {
		let (_d, ks) = store();
		ks.add("alice", alice_secret(), "pw", Origin::Mnemonic).expect("added");
		for entry in fs::read_dir(ks.dir()).expect("dir") {
			let bytes = fs::read(entry.expect("entry").path()).expect("read");
			let text = String::from_utf8_lossy(&bytes);
			assert!(!text.contains("bottom") && !text.contains("Alice"), "secret on disk");
		}
		let account = ks.unlock("alice", "pw").expect("unlocks");
		let debug = format!("{account:?} {:?}", alice_secret());
		assert!(!debug.contains("bottom") && debug.contains("redacted"), "{debug}");
	}
}
