//! The `try_state` invariants catch every kind of corruption they describe.
//!
//! These tests break the state on purpose, so they use `build()` rather than
//! `build_and_execute()` (which would fail on the broken state).

use super::*;
use crate::{ActiveNodes, MinValidators};
use frame_support::{
	assert_ok,
	traits::{fungible::MutateHold, tokens::Precision},
	BoundedVec,
};
use sp_runtime::DispatchError;

fn assert_broken(why: &'static str) {
	assert_eq!(ServiceNodes::do_try_state(), Err(DispatchError::Other(why)));
}

fn reason() -> RuntimeHoldReason {
	RuntimeHoldReason::ServiceNodes(HoldReason::ServiceNodeBond)
}

#[test]
fn a_fresh_chain_is_consistent() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(ServiceNodes::do_try_state());
	});
}

#[test]
fn a_recorded_bond_that_is_not_held_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(<Balances as MutateHold<_>>::release(&reason(), &1, 1, Precision::Exact));
		assert_broken("held amount differs from the bond");
	});
}

#[test]
fn a_held_amount_above_the_bond_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		assert_ok!(<Balances as MutateHold<_>>::hold(&reason(), &2, 1));
		assert_broken("held amount differs from the bond");
	});
}

#[test]
fn an_active_set_that_is_not_the_validator_set_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		// What the old `force_remove` did: out of the registry's set, still validating.
		ActiveNodes::<Test>::put(BoundedVec::truncate_from(vec![2, 3, 4]));
		Nodes::<Test>::mutate(1, |n| n.as_mut().expect("genesis node").since = None);
		QueuedNodes::<Test>::put(BoundedVec::truncate_from(vec![2, 3, 4]));
		assert_broken("the active nodes are not pallet-session's validators");
	});
}

#[test]
fn a_set_naming_an_unknown_node_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		ActiveNodes::<Test>::put(BoundedVec::truncate_from(vec![1, 2, 3, 4, 9]));
		assert_broken("a node set names an unknown node");
	});
}

#[test]
fn an_unsorted_set_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		QueuedNodes::<Test>::put(BoundedVec::truncate_from(vec![2, 1, 3, 4]));
		assert_broken("a node set is not strictly sorted");
	});
}

#[test]
fn an_active_node_missing_from_the_sets_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		ActiveNodes::<Test>::put(BoundedVec::truncate_from(vec![1, 2, 3]));
		QueuedNodes::<Test>::put(BoundedVec::truncate_from(vec![1, 2, 3]));
		assert_broken("`since` disagrees with the node sets");
	});
}

#[test]
fn a_dangling_peer_id_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		PeerIds::<Test>::insert(peer_arg(1), 2);
		assert_broken("a node's peer id does not map back to it");
		PeerIds::<Test>::insert(peer_arg(9), 9);
		assert_broken("PeerIds and Nodes differ in size");
	});
}

#[test]
fn an_unbonding_node_outside_the_plan_without_unlock_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		Nodes::<Test>::mutate(1, |n| {
			n.as_mut().expect("genesis node").status =
				NodeStatus::Unbonding { requested_at: 0, unlock_at: None }
		});
		assert_ok!(ServiceNodes::do_try_state());
		QueuedNodes::<Test>::mutate(|set| set.retain(|a| *a != 1));
		ActiveNodes::<Test>::mutate(|set| set.retain(|a| *a != 1));
		Nodes::<Test>::mutate(1, |n| n.as_mut().expect("genesis node").since = None);
		assert_broken("an unbonding node without unlock is not queued");
	});
}

#[test]
fn a_zero_floor_is_caught() {
	ExtBuilder::default().build().execute_with(|| {
		MinValidators::<Test>::put(0);
		assert_broken("the validator floor is zero");
	});
}
