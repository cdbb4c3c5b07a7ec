//! Genesis presets: the starting state of each kind of iChat chain.
//!
//! | preset | validators | hour | purpose |
//! |---|---|---|---|
//! | `development` | Alice | 600 blocks | one-node `--dev` chain |
//! | `local_testnet` | Alice..Ferdie | 600 blocks | the 6-node local network |
//! | `local_testnet_fast` | Alice..Ferdie | 10 blocks | tests of hour-based features |
//!
//! Every preset mints exactly [`TOTAL_SUPPLY`]: the six well-known development accounts get
//! [`DEV_ENDOWMENT`] each and the sudo account (Alice) also receives the remainder.

use crate::{
	token::TOTAL_SUPPLY, AccountId, BalancesConfig, HoursConfig, RuntimeGenesisConfig,
	SessionConfig, SessionKeys, SudoConfig, FAST_HOUR_BLOCKS, ICHAT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::Balance;

/// Name of the 6-validator preset with short (10-block) hours.
pub const LOCAL_TESTNET_FAST_PRESET: &str = "local_testnet_fast";

/// What each well-known development account holds at genesis: 10,000,000 ICHAT, ten times a
/// service node's minimum bond.
pub const DEV_ENDOWMENT: Balance = 10_000_000 * ICHAT;

/// The well-known development keys, in validator order.
const DEV_KEYS: [(Sr25519Keyring, Ed25519Keyring); 6] = [
	(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
	(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
	(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
	(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
	(Sr25519Keyring::Eve, Ed25519Keyring::Eve),
	(Sr25519Keyring::Ferdie, Ed25519Keyring::Ferdie),
];

/// A validator at genesis: its account and session keys.
struct GenesisValidator {
	account: AccountId,
	keys: SessionKeys,
}

fn dev_validator(sr: Sr25519Keyring, ed: Ed25519Keyring) -> GenesisValidator {
	GenesisValidator {
		account: sr.to_account_id(),
		keys: SessionKeys {
			aura: AuraId::from(sr.public()),
			grandpa: GrandpaId::from(ed.public()),
		},
	}
}

/// Balances at genesis: every dev account gets [`DEV_ENDOWMENT`], the sudo account the rest
/// of [`TOTAL_SUPPLY`].
fn endowments(sudo: &AccountId) -> Vec<(AccountId, Balance)> {
	let mut balances: Vec<(AccountId, Balance)> =
		DEV_KEYS.iter().map(|(sr, _)| (sr.to_account_id(), DEV_ENDOWMENT)).collect();
	let allotted: Balance = balances.iter().map(|(_, b)| *b).sum();
	let remainder = TOTAL_SUPPLY.saturating_sub(allotted);
	match balances.iter_mut().find(|(who, _)| who == sudo) {
		Some((_, b)) => *b = b.saturating_add(remainder),
		None => balances.push((sudo.clone(), remainder)),
	}
	balances
}

fn genesis(
	validators: Vec<GenesisValidator>,
	sudo: AccountId,
	hour_length: u32,
) -> serde_json::Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances: endowments(&sudo) },
		hours: HoursConfig { hour_length },
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|v| (v.account.clone(), v.account, v.keys))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(sudo) },
	})
}

fn development() -> serde_json::Value {
	let (sr, ed) = DEV_KEYS[0];
	genesis(vec![dev_validator(sr, ed)], sr.to_account_id(), 0)
}

fn local_testnet(hour_length: u32) -> serde_json::Value {
	genesis(
		DEV_KEYS.iter().map(|(sr, ed)| dev_validator(*sr, *ed)).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		hour_length,
	)
}

/// The genesis patch of preset `id`, as JSON bytes.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(0),
		LOCAL_TESTNET_FAST_PRESET => local_testnet(FAST_HOUR_BLOCKS),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work; qed")
			.into_bytes(),
	)
}

/// The names of all presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_FAST_PRESET),
	]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{Balances, BuildStorage, Hours, Runtime, Session};
	use frame_support::traits::fungible::Inspect;

	fn ext_for(preset: &str) -> sp_io::TestExternalities {
		let patch = get_preset(&PresetId::from(preset)).expect("preset exists");
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("json");
		let patch: serde_json::Value = serde_json::from_slice(&patch).expect("json");
		json_merge(&mut config, patch);
		let config: RuntimeGenesisConfig = serde_json::from_value(config).expect("valid config");
		config.build_storage().expect("genesis builds").into()
	}

	fn json_merge(a: &mut serde_json::Value, b: serde_json::Value) {
		match (a, b) {
			(serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
				for (k, v) in b {
					json_merge(a.entry(k).or_insert(serde_json::Value::Null), v);
				}
			},
			(a, b) => *a = b,
		}
	}

	#[test]
	fn every_preset_mints_exactly_the_total_supply() {
		for preset in preset_names() {
			let name = core::str::from_utf8(preset.as_ref()).expect("utf8").to_owned();
			ext_for(&name).execute_with(|| {
				assert_eq!(Balances::total_issuance(), TOTAL_SUPPLY, "preset {name}");
			});
		}
	}

	#[test]
	fn local_testnet_has_six_validators_each_holding_well_above_a_bond() {
		ext_for("local_testnet").execute_with(|| {
			let validators = Session::validators();
			assert_eq!(validators.len(), 6);
			for v in validators {
				assert!(Balances::balance(&v) >= 10 * crate::token::MIN_SERVICE_NODE_BOND);
			}
		});
	}

	#[test]
	fn fast_preset_has_short_hours_and_the_others_real_ones() {
		ext_for(LOCAL_TESTNET_FAST_PRESET).execute_with(|| {
			assert_eq!(Hours::hour_length(), FAST_HOUR_BLOCKS);
		});
		ext_for("local_testnet").execute_with(|| {
			assert_eq!(Hours::hour_length(), crate::HOURS);
		});
		ext_for("development").execute_with(|| {
			assert_eq!(Session::validators().len(), 1);
			assert_eq!(pallet_hours::HourLength::<Runtime>::get(), 600);
		});
	}
}
