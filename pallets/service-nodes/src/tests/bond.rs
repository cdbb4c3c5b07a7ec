//! `bond_extra`.

use super::*;
use crate::{DeactivationReason, Error};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn bond_extra_holds_more() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::bond_extra(RuntimeOrigin::signed(1), 250));
		assert_eq!(held(1), MIN_BOND + 250);
		assert_eq!(node(1).bond, MIN_BOND + 250);
		assert_eq!(Balances::free_balance(1), ENDOWMENT - MIN_BOND - 250);
		System::assert_last_event(
			Event::BondIncreased { who: 1, amount: 250, bond: MIN_BOND + 250 }.into(),
		);
		assert_ok!(ServiceNodes::bond_extra(RuntimeOrigin::signed(1), 1));
		assert_eq!(node(1).bond, MIN_BOND + 251);
		assert_eq!(held(1), MIN_BOND + 251);
	});
}

#[test]
fn bond_extra_needs_a_signed_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(ServiceNodes::bond_extra(RuntimeOrigin::root(), 1), DispatchError::BadOrigin);
	});
}

#[test]
fn bond_extra_fails_with_zero_amount() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::bond_extra(RuntimeOrigin::signed(1), 0),
			Error::<Test>::ZeroAmount
		);
	});
}

#[test]
fn bond_extra_fails_with_not_registered() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::bond_extra(RuntimeOrigin::signed(5), 1),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn bond_extra_fails_with_already_unbonding() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(
			ServiceNodes::bond_extra(RuntimeOrigin::signed(1), 1),
			Error::<Test>::AlreadyUnbonding
		);
	});
}

#[test]
fn bond_extra_fails_with_insufficient_balance() {
	ExtBuilder::default().build_and_execute(|| {
		// All that is free: holding it would reap the account (existential deposit).
		let free = Balances::free_balance(1);
		assert_noop!(
			ServiceNodes::bond_extra(RuntimeOrigin::signed(1), free + 1),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			ServiceNodes::bond_extra(RuntimeOrigin::signed(1), free),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn slash_keeps_the_record_and_the_hold_equal_and_burns() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = Balances::total_issuance();
		assert_eq!(ServiceNodes::slash(&1, 300), 300);
		System::assert_last_event(
			Event::Slashed { who: 1, amount: 300, bond: MIN_BOND - 300 }.into(),
		);
		assert_eq!(node(1).bond, MIN_BOND - 300);
		assert_eq!(held(1), MIN_BOND - 300);
		assert_eq!(Balances::free_balance(1), ENDOWMENT - MIN_BOND);
		assert_eq!(Balances::total_issuance(), issuance - 300);
		// Never more than the bond, and nothing from an account without a node.
		assert_eq!(ServiceNodes::slash(&1, 10 * MIN_BOND), MIN_BOND - 300);
		assert_eq!(held(1), 0);
		assert_eq!(ServiceNodes::slash(&7, 100), 0);
		assert_eq!(Balances::total_issuance(), issuance - MIN_BOND);
	});
}

#[test]
fn a_node_slashed_below_min_bond_leaves_until_it_tops_up() {
	ExtBuilder::default().build_and_execute(|| {
		ServiceNodes::slash(&4, 1);
		// The set planned at the next rotation leaves it out ...
		start_session(1);
		assert!(has_event(Event::NodeDeactivated {
			who: 4,
			from: 2,
			reason: DeactivationReason::BelowMinBond,
			unlock_at: None,
		}));
		start_session(2);
		assert_eq!(validators(), vec![1, 2, 3]);
		// ... it stays bonded (and slashable), and a top-up brings it back.
		assert_eq!(status(4), NodeStatus::Bonded);
		assert_ok!(ServiceNodes::bond_extra(RuntimeOrigin::signed(4), 1));
		start_session(4);
		assert_eq!(validators(), vec![1, 2, 3, 4]);
	});
}
