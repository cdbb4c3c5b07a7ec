//! The genesis build: bonded nodes, the session genesis hand-over, and rejected configs.

use super::*;
use crate::{ActiveNodes, MinValidators, UnbondingPeriod};

#[test]
fn genesis_nodes_are_bonded_and_validate_from_session_zero() {
	ExtBuilder::default().build_and_execute(|| {
		for who in 1..=4 {
			assert_eq!(held(who), MIN_BOND);
			assert_eq!(Balances::free_balance(who), ENDOWMENT - MIN_BOND);
			let node = node(who);
			assert_eq!(node.bond, MIN_BOND);
			assert_eq!(node.peer_id.to_vec(), peer(who));
			assert_eq!(node.multiaddrs[0].to_vec(), addr(who).into_bytes());
			assert_eq!(node.registered_at, 0);
			assert_eq!(node.since, Some(0));
			assert_eq!(node.status, NodeStatus::Bonded);
			assert_eq!(peer_owner(who), Some(who));
		}
		assert_eq!(Nodes::<Test>::count(), 4);
		// pallet-session took the set from `new_session_genesis`, for session 0 and 1.
		assert_eq!(validators(), vec![1, 2, 3, 4]);
		assert_eq!(queued_validators(), vec![1, 2, 3, 4]);
		assert_eq!(ActiveNodes::<Test>::get().into_inner(), vec![1, 2, 3, 4]);
		assert_eq!(queued_nodes(), vec![1, 2, 3, 4]);
		assert_eq!(MinValidators::<Test>::get(), 2);
		assert_eq!(UnbondingPeriod::<Test>::get(), 2);
	});
}

#[test]
fn genesis_set_is_sorted_by_account_whatever_the_config_order() {
	ExtBuilder::default().genesis_nodes(vec![7, 3, 5]).build_and_execute(|| {
		assert_eq!(validators(), vec![3, 5, 7]);
		assert_eq!(ActiveNodes::<Test>::get().into_inner(), vec![3, 5, 7]);
	});
}

#[test]
fn genesis_floor_and_period_are_configurable() {
	ExtBuilder::default()
		.min_validators(4)
		.unbonding_period(7)
		.build_and_execute(|| {
			assert_eq!(MinValidators::<Test>::get(), 4);
			assert_eq!(UnbondingPeriod::<Test>::get(), 7);
		});
}

#[test]
fn genesis_accepts_a_bond_above_the_minimum() {
	let mut rich = genesis_node(5);
	rich.bond = 3 * MIN_BOND;
	ExtBuilder::default().with_genesis_node(rich).build_and_execute(|| {
		assert_eq!(held(5), 3 * MIN_BOND);
		assert_eq!(node(5).bond, 3 * MIN_BOND);
		assert_eq!(validators(), vec![1, 2, 3, 4, 5]);
	});
}

#[test]
#[should_panic(expected = "bond is below MinBond")]
fn genesis_rejects_a_small_bond() {
	let mut node = genesis_node(5);
	node.bond = MIN_BOND - 1;
	ExtBuilder::default().with_genesis_node(node).build();
}

#[test]
#[should_panic(expected = "cannot hold the bond")]
fn genesis_rejects_an_unaffordable_bond() {
	ExtBuilder::default().with_genesis_node(genesis_node(POOR)).build();
}

#[test]
#[should_panic(expected = "account listed twice")]
fn genesis_rejects_a_duplicate_account() {
	let mut again = genesis_node(1);
	again.peer_id = peer_id::to_base58(&peer(9));
	ExtBuilder::default().with_genesis_node(again).build();
}

#[test]
#[should_panic(expected = "peer id listed twice")]
fn genesis_rejects_a_duplicate_peer_id() {
	let mut node = genesis_node(5);
	node.peer_id = peer_id::to_base58(&peer(1));
	ExtBuilder::default().with_genesis_node(node).build();
}

#[test]
#[should_panic(expected = "peer id is not a base58 ed25519 peer id")]
fn genesis_rejects_an_invalid_peer_id() {
	let mut node = genesis_node(5);
	// A valid base58 string, but an sha2-256 (RSA-style) peer id.
	node.peer_id = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N".into();
	ExtBuilder::default().with_genesis_node(node).build();
}

#[test]
#[should_panic(expected = "InvalidMultiaddr")]
fn genesis_rejects_an_invalid_multiaddr() {
	let mut node = genesis_node(5);
	node.multiaddrs = vec!["/ip4/1.2.3.4/udp/30433".into()];
	ExtBuilder::default().with_genesis_node(node).build();
}

#[test]
#[should_panic(expected = "NoMultiaddrs")]
fn genesis_rejects_a_node_without_multiaddrs() {
	let mut node = genesis_node(5);
	node.multiaddrs = vec![];
	ExtBuilder::default().with_genesis_node(node).build();
}

#[test]
#[should_panic(expected = "more multiaddrs than MaxMultiaddrs")]
fn genesis_rejects_too_many_multiaddrs() {
	let mut node = genesis_node(5);
	node.multiaddrs = (1..=5).map(|i| format!("/ip4/10.0.0.{i}/tcp/30433")).collect();
	ExtBuilder::default().with_genesis_node(node).build();
}

#[test]
#[should_panic(expected = "more nodes than MaxNodes")]
fn genesis_rejects_more_nodes_than_max_nodes() {
	ExtBuilder::default()
		.genesis_nodes((1..=MAX_NODES as u64 + 1).collect())
		.build();
}

#[test]
#[should_panic(expected = "min_validators must be between 1 and MaxNodes")]
fn genesis_rejects_a_zero_floor() {
	ExtBuilder::default().min_validators(0).build();
}

#[test]
fn genesis_config_reads_from_chain_spec_json() {
	let json = serde_json::json!({
		"nodes": [{
			"account": 5,
			"peerId": peer_id::to_base58(&peer(5)),
			"multiaddrs": ["/dns4/relay.example.org/tcp/443/wss"],
			"bond": MIN_BOND,
		}],
		"minValidators": 4,
		"unbondingPeriod": 24,
	});
	let config: crate::GenesisConfig<Test> =
		serde_json::from_value(json).expect("the documented JSON shape decodes");
	assert_eq!(
		config.nodes,
		vec![crate::GenesisNode {
			account: 5,
			peer_id: peer_id::to_base58(&peer(5)),
			multiaddrs: vec!["/dns4/relay.example.org/tcp/443/wss".into()],
			bond: MIN_BOND,
		}]
	);
	assert_eq!(config.min_validators, 4);
	assert_eq!(config.unbonding_period, 24);
	// Unknown fields are a mistake in the chain spec, not something to ignore.
	let typo = serde_json::json!({ "nodes": [], "minValidator": 4, "unbondingPeriod": 1 });
	assert!(serde_json::from_value::<crate::GenesisConfig<Test>>(typo).is_err());
}
