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
	token::{MIN_SERVICE_NODE_BOND, TOTAL_SUPPLY},
	AccountId, BalancesConfig, HoursConfig, RuntimeGenesisConfig, ServiceNodesConfig,
	SessionConfig, SessionKeys, SudoConfig, FAST_HOUR_BLOCKS, ICHAT,
};
use alloc::format;
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_service_nodes::{peer_id, GenesisNode, ServiceId};
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

/// The relay identity (libp2p ed25519) public keys of the development validators, in
/// validator order: the keys of the SURIs `//Alice//ichat-relay`, `//Bob//ichat-relay`, ...
/// (a test derives them again). Their peer ids are registered at genesis.
pub const DEV_RELAY_KEYS: [[u8; 32]; 6] = [
	sp_core::hex2array!("64608907d776c8165eaaf41afd21a2d3a1d1d7d8aa257cc86d7685fb65362361"),
	sp_core::hex2array!("3f6ba4cd1cf4b473e09bbc96fb24118f608838fb9c752ab8d03ddc00311dd192"),
	sp_core::hex2array!("39858d0905dce20ddf261677f9bee7e4273de0df2e385fccf4f543e2ec594755"),
	sp_core::hex2array!("eb964a650ffaafe9571ec563cdb20b4a8e58fc311838544e4bdb9a58870e3a8a"),
	sp_core::hex2array!("82356cf2ade3f8cdbb085ef572db96f8e0ddce3d4a23ba025480aa52fe31efe7"),
	sp_core::hex2array!("fbd557b127221a6f2bfb671761ed7e6701550af2f45e3efedf3fed1c78706e1b"),
];

/// The relay port of the `i`-th development validator on the local network
/// (`scripts/localnet.sh` uses the same ports).
pub const fn dev_relay_port(i: usize) -> u16 {
	40333 + i as u16
}

/// The bond of each development validator at genesis: the minimum, 1,000,000 ICHAT.
pub const DEV_BOND: Balance = MIN_SERVICE_NODE_BOND;

/// Unbonding period of the real-hour presets, in hours (sessions): one day.
pub const UNBONDING_PERIOD: u32 = 24;

/// Unbonding period of the short-hour test preset, in hours (sessions): the shortest the
/// registry allows (the rewards penalty window plus the reporting lag), plus one.
pub const FAST_UNBONDING_PERIOD: u32 = 14;

/// A validator at genesis: its account, session keys, and service-node record.
struct GenesisValidator {
	account: AccountId,
	keys: SessionKeys,
	node: GenesisNode<AccountId, Balance>,
}

fn dev_validator(i: usize) -> GenesisValidator {
	let (sr, ed) = DEV_KEYS[i];
	let account = sr.to_account_id();
	GenesisValidator {
		account: account.clone(),
		keys: SessionKeys {
			aura: AuraId::from(sr.public()),
			grandpa: GrandpaId::from(ed.public()),
			// `--alice` derives every sr25519 session key from the same seed, Aura's included.
			service: ServiceId::from(sr.public()),
		},
		node: GenesisNode {
			account,
			peer_id: peer_id::to_base58(&peer_id::from_ed25519_public(&DEV_RELAY_KEYS[i])),
			multiaddrs: vec![format!("/ip4/127.0.0.1/tcp/{}", dev_relay_port(i))],
			bond: DEV_BOND,
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

/// The chain-specific knobs of a preset. Every preset names its hour length, so that the chain
/// spec states it and the genesis stores it (see pallet-hours).
struct Params {
	hour_length: u32,
	min_validators: u32,
	unbonding_period: u32,
}

fn genesis(validators: Vec<GenesisValidator>, sudo: AccountId, p: Params) -> serde_json::Value {
	let nodes = validators.iter().map(|v| v.node.clone()).collect::<Vec<_>>();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances: endowments(&sudo) },
		hours: HoursConfig { hour_length: p.hour_length },
		service_nodes: ServiceNodesConfig {
			nodes,
			min_validators: p.min_validators,
			unbonding_period: p.unbonding_period,
		},
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
	genesis(
		vec![dev_validator(0)],
		Sr25519Keyring::Alice.to_account_id(),
		Params { hour_length: crate::HOURS, min_validators: 1, unbonding_period: UNBONDING_PERIOD },
	)
}

fn local_testnet(hour_length: u32, unbonding_period: u32) -> serde_json::Value {
	genesis(
		(0..DEV_KEYS.len()).map(dev_validator).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		// GRANDPA needs more than 2/3 of the validators online: never fewer than 4.
		Params { hour_length, min_validators: 4, unbonding_period },
	)
}

/// The genesis patch of preset `id`, as JSON bytes.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => {
			local_testnet(crate::HOURS, UNBONDING_PERIOD)
		},
		LOCAL_TESTNET_FAST_PRESET => local_testnet(FAST_HOUR_BLOCKS, FAST_UNBONDING_PERIOD),
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
	use crate::{Balances, BuildStorage, Runtime, Session};
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
				assert!(Balances::total_balance(&v) >= 10 * MIN_SERVICE_NODE_BOND);
			}
		});
	}

	#[test]
	fn local_testnet_validators_are_bonded_service_nodes() {
		use pallet_service_nodes::{HoldReason, Nodes};
		for preset in ["local_testnet", LOCAL_TESTNET_FAST_PRESET] {
			ext_for(preset).execute_with(|| {
				let validators = Session::validators();
				assert_eq!(validators.len(), 6);
				let active = crate::ServiceNodes::active_nodes();
				assert_eq!(active.len(), 6, "{preset}");
				for v in &validators {
					assert!(Nodes::<Runtime>::contains_key(v), "{preset}: {v} is registered");
					let held = <Balances as frame_support::traits::fungible::InspectHold<_>>::balance_on_hold(
						&crate::RuntimeHoldReason::ServiceNodes(HoldReason::ServiceNodeBond),
						v,
					);
					assert_eq!(held, DEV_BOND, "{preset}: {v} holds its bond");
				}
				assert_eq!(pallet_service_nodes::MinValidators::<Runtime>::get(), 4);
			});
		}
	}

	#[test]
	fn dev_relay_keys_are_the_keys_of_their_suris() {
		use sp_core::Pair;
		for (i, name) in ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"].iter().enumerate() {
			let pair = sp_core::ed25519::Pair::from_string(&format!("//{name}//ichat-relay"), None)
				.expect("valid SURI");
			assert_eq!(pair.public().0, DEV_RELAY_KEYS[i], "relay key of {name}");
		}
	}

	#[test]
	fn fast_preset_has_short_hours_and_the_others_real_ones() {
		// `try_get`: stored by the genesis, not read from the storage default.
		ext_for(LOCAL_TESTNET_FAST_PRESET).execute_with(|| {
			assert_eq!(pallet_hours::HourLength::<Runtime>::try_get(), Ok(FAST_HOUR_BLOCKS));
		});
		ext_for("local_testnet").execute_with(|| {
			assert_eq!(pallet_hours::HourLength::<Runtime>::try_get(), Ok(crate::HOURS));
		});
		ext_for("development").execute_with(|| {
			assert_eq!(Session::validators().len(), 1);
			assert_eq!(pallet_hours::HourLength::<Runtime>::try_get(), Ok(600));
		});
	}
}
