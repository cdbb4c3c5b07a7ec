//! `bond_extra`.

use super::*;
use crate::Error;
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
