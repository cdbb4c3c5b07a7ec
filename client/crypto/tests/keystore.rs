//! The keystore file: round trips, wrong passwords, tampering, hostile parameters, atomicity.

mod common;

use std::{fs, path::PathBuf};

use common::account;
use ichat_crypto::{
	account::{Sr25519Secret, Ss58Prefix},
	keystore::{
		self, change_password, load, read_meta, save_new, KdfParams, KeystoreEntry, KeystoreError,
		StoredSecret, MAX_M_COST_KIB,
	},
	Mnemonic, Suri, WordCount,
};

const FAST: KdfParams = KdfParams::INSECURE_FOR_TESTS;

fn temp_dir(tag: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!(
		"ichat-crypto-test-{tag}-{}-{:x}",
		std::process::id(),
		rand_core::RngCore::next_u64(&mut rand_core::OsRng)
	));
	fs::create_dir_all(&dir).expect("temp dir");
	dir
}

fn entry() -> KeystoreEntry {
	let m = Mnemonic::generate(WordCount::TwentyFour);
	let suri = Suri::from_mnemonic(&m, "//chat///pw").expect("valid");
	KeystoreEntry::new("alice laptop", StoredSecret::Suri(suri)).expect("valid")
}

#[test]
fn round_trip_suri_and_raw_secret() {
	let e = entry();
	let file = keystore::encrypt(&e, "hunter2", FAST).expect("encrypts");
	let back = keystore::decrypt(&file, "hunter2").expect("decrypts");
	assert_eq!(back, e);
	assert_eq!(back.account().expect("opens").id(), e.account);
	let meta = read_meta(&file).expect("meta");
	assert_eq!((meta.name.as_str(), meta.account, meta.kdf), ("alice laptop", e.account, FAST));

	let raw = account("//Bob").sr25519_secret();
	let e = KeystoreEntry::new("imported", StoredSecret::Sr25519(raw)).expect("valid");
	let file = keystore::encrypt(&e, "", FAST).expect("encrypts");
	assert_eq!(keystore::decrypt(&file, "").expect("decrypts"), e);
	assert_eq!(
		e.account().expect("opens").address(Ss58Prefix::GENERIC),
		"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
	);
}

#[test]
fn production_defaults() {
	assert_eq!(KdfParams::default(), KdfParams { m_cost_kib: 65_536, t_cost: 3, p_cost: 1 });
	assert!(KdfParams::default().validate().is_ok());
}

#[test]
fn wrong_password_is_clear() {
	let file = keystore::encrypt(&entry(), "right", FAST).expect("encrypts");
	let err = keystore::decrypt(&file, "wrong").expect_err("rejected");
	assert!(matches!(err, KeystoreError::WrongPassword));
	assert_eq!(err.to_string(), "wrong password (or the keystore file was modified)");
}

#[test]
fn every_bit_flip_is_rejected() {
	let e = entry();
	let file = keystore::encrypt(&e, "pw", FAST).expect("encrypts");
	for i in 0..file.len() {
		let mut t = file.clone();
		t[i] ^= 1 << (i % 8);
		assert!(keystore::decrypt(&t, "pw").is_err(), "flip at byte {i} accepted");
	}
	for cut in 0..file.len() {
		assert!(keystore::decrypt(&file[..cut], "pw").is_err(), "cut at {cut} accepted");
	}
}

#[test]
fn hostile_parameters_are_refused_before_any_work() {
	let file = keystore::encrypt(&entry(), "pw", FAST).expect("encrypts");
	let with = |m: u32, t: u32, p: u32| {
		let mut f = file.clone();
		f[10..14].copy_from_slice(&m.to_le_bytes());
		f[14..18].copy_from_slice(&t.to_le_bytes());
		f[18..22].copy_from_slice(&p.to_le_bytes());
		f
	};
	let start = std::time::Instant::now();
	for (m, t, p) in [
		(100 * 1024 * 1024, 3, 1), // 100 GiB
		(MAX_M_COST_KIB + 1, 1, 1),
		(u32::MAX, u32::MAX, u32::MAX),
		(65_536, 0, 1),
		(65_536, 17, 1),
		(65_536, 3, 0),
		(65_536, 3, 17),
		(7, 1, 1),
	] {
		let r = keystore::decrypt(&with(m, t, p), "pw");
		assert!(matches!(r, Err(KeystoreError::KdfParams(_))), "{m} {t} {p}: {r:?}");
	}
	assert!(start.elapsed().as_secs() < 2, "parameters must be checked before hashing");
	let mut bad = file.clone();
	bad[8] = 2;
	assert!(matches!(keystore::decrypt(&bad, "pw"), Err(KeystoreError::UnsupportedVersion(2))));
	let mut bad = file.clone();
	bad[9] = 9;
	assert!(matches!(keystore::decrypt(&bad, "pw"), Err(KeystoreError::UnsupportedKdf(9))));
	assert!(matches!(
		keystore::decrypt(b"{\"encoded\":1}", "pw"),
		Err(KeystoreError::NotAKeystore)
	));
	let mut huge = file.clone();
	huge.resize(keystore::MAX_KEYSTORE_LEN + 1, 0);
	assert!(matches!(keystore::decrypt(&huge, "pw"), Err(KeystoreError::Malformed(_))));
}

#[test]
fn files_are_written_atomically_and_never_clobbered() {
	let dir = temp_dir("files");
	let path = dir.join("alice.ichat-key");
	let e = entry();
	save_new(&path, &e, "old", FAST).expect("saves");
	assert_eq!(load(&path, "old").expect("loads"), e);
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		let mode = fs::metadata(&path).expect("meta").permissions().mode();
		assert_eq!(mode & 0o777, 0o600);
	}
	// No overwrite through save_new.
	assert!(matches!(save_new(&path, &entry(), "x", FAST), Err(KeystoreError::AlreadyExists)));
	assert_eq!(load(&path, "old").expect("loads"), e);

	// A wrong password changes nothing on disk.
	let before = fs::read(&path).expect("reads");
	assert!(matches!(
		change_password(&path, "wrong", "new", FAST),
		Err(KeystoreError::WrongPassword)
	));
	assert_eq!(fs::read(&path).expect("reads"), before);

	change_password(&path, "old", "new", FAST).expect("changes");
	assert!(matches!(load(&path, "old"), Err(KeystoreError::WrongPassword)));
	assert_eq!(load(&path, "new").expect("loads"), e);
	// Only the keystore remains: no temporary files left behind.
	let names: Vec<_> = fs::read_dir(&dir)
		.expect("lists")
		.map(|d| d.expect("entry").file_name())
		.collect();
	assert_eq!(names, vec![std::ffi::OsString::from("alice.ichat-key")]);
	fs::remove_dir_all(&dir).expect("cleans up");
}

#[test]
fn account_mismatch_is_detected() {
	// A well-encrypted file whose header names another account (written by a buggy tool).
	let e = entry();
	let lying = KeystoreEntry { account: account("//Bob").id(), ..e };
	let file = keystore::encrypt(&lying, "pw", FAST).expect("encrypts");
	assert!(matches!(keystore::decrypt(&file, "pw"), Err(KeystoreError::AccountMismatch)));
	assert!(Sr25519Secret::from_bytes(&[0xff; 64]).is_err());
}
