//! Compatibility with polkadot.js (`@polkadot/keyring` 14), run through Node.js.
//!
//! These tests fail (never skip) when `node` or `scripts/js/node_modules` is missing.

mod common;

use common::{account, node};
use ichat_crypto::{
	account::{AccountId, Signature, Ss58Prefix},
	keystore::{
		export_polkadot_json, import_polkadot_json, read_polkadot_json_meta, PolkadotJsonError,
		ScryptParams,
	},
	Account, Mnemonic, WordCount,
};

fn str_field<'a>(v: &'a serde_json::Value, k: &str) -> &'a str {
	v.get(k)
		.and_then(|x| x.as_str())
		.unwrap_or_else(|| panic!("missing {k} in {v}"))
}

#[test]
fn fresh_mnemonics_and_paths_derive_the_same_addresses() {
	let cases = node(&["derive", "40"], None);
	let cases = cases.as_array().expect("array");
	assert_eq!(cases.len(), 40);
	for case in cases {
		let suri = str_field(case, "suri");
		let ours = account(suri).address(Ss58Prefix::GENERIC);
		assert_eq!(ours, str_field(case, "address"), "SURI case {case}");
		// The chat-key derivation child `<suri>//ichat//x25519//0`, password kept last.
		let child = account(str_field(case, "chatChildSuri")).address(Ss58Prefix::GENERIC);
		assert_eq!(child, str_field(case, "chatChildAddress"), "child case {case}");
	}
}

#[test]
fn imports_json_exported_by_polkadot_js() {
	let out = node(&["export-json", "correct horse"], None);
	let json = out.get("json").expect("json").to_string();
	// What the file says before the password is asked for.
	let meta = read_polkadot_json_meta(&json).expect("reads");
	assert_eq!(meta.address, str_field(&out, "address"));
	assert_eq!(meta.name.as_deref(), Some("from polkadot.js"));
	assert_eq!(meta.account, account(str_field(&out, "suri")).id());
	assert_eq!(meta.scrypt, ScryptParams { log_n: 17, r: 8, p: 1 });
	let imported = import_polkadot_json(&json, "correct horse").expect("imports");
	assert_eq!(imported.address, str_field(&out, "address"));
	assert_eq!(imported.name.as_deref(), Some("from polkadot.js"));
	let from_suri = account(str_field(&out, "suri"));
	assert_eq!(imported.account, from_suri.id());

	let acc = Account::from_sr25519_secret(&imported.secret).expect("valid secret");
	assert_eq!(acc.address(Ss58Prefix::GENERIC), str_field(&out, "address"));
	let sig = acc.sign_substrate(b"signed after import");
	assert_eq!(acc.id().verify_substrate(b"signed after import", &sig), Ok(()));
	// The imported key signs exactly like the one derived from the mnemonic.
	let sig = acc.sign(b"ichat-test", b"m");
	assert_eq!(from_suri.id().verify(b"ichat-test", b"m", &sig), Ok(()));

	assert_eq!(
		import_polkadot_json(&json, "wrong horse").map(|_| ()),
		Err(PolkadotJsonError::WrongPassword)
	);
}

#[test]
fn polkadot_js_decodes_json_we_export() {
	let mnemonic = Mnemonic::generate(WordCount::TwentyFour);
	let acc = Account::from_mnemonic(&mnemonic, "//ichat-export/0").expect("valid");
	let json = export_polkadot_json(&acc, "from ichat", "s3cret pass", Ss58Prefix::GENERIC)
		.expect("exports");
	let out = node(&["import-json", "s3cret pass"], Some(&json));
	assert_eq!(str_field(&out, "address"), acc.address(Ss58Prefix::GENERIC));
	assert_eq!(str_field(&out, "name"), "from ichat");
	assert_eq!(out.get("selfVerified"), Some(&serde_json::Value::Bool(true)));
	// polkadot.js signed with the decoded secret; we verify with the account id.
	let sig_hex = str_field(&out, "signature");
	let sig: [u8; 64] = hex::decode(sig_hex.trim_start_matches("0x"))
		.expect("hex")
		.try_into()
		.expect("64 bytes");
	let message = str_field(&out, "message");
	assert_eq!(acc.id().verify_substrate(message.as_bytes(), &Signature(sig)), Ok(()));
	// And our own import of our own export round-trips.
	let back = import_polkadot_json(&json, "s3cret pass").expect("imports");
	assert_eq!(back.account, acc.id());
	assert_eq!(AccountId::from_ss58(&back.address, Ss58Prefix::GENERIC), Ok(acc.id()));
}
