//! Root calls: `force_remove`, `set_min_validators`, `set_unbonding_period`.

use super::*;
use crate::{Error, MinValidators, UnbondingPeriod};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn force_remove_unbonds_and_keeps_the_bond_until_the_node_stopped_validating() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::force_remove(RuntimeOrigin::root(), 1, 0));
		// Still in the planned set: the unbonding period starts when it leaves.
		System::assert_last_event(
			Event::ForceRemoved { who: 1, slashed: 0, unlock_at: None }.into(),
		);
		assert_eq!(status(1), NodeStatus::Unbonding { requested_at: 0, unlock_at: None });
		assert_eq!(held(1), MIN_BOND);
		assert_eq!(peer_owner(1), Some(1));
		// Out of the set planned at the next rotation, validating for the last time in
		// session 1, like after `unbond`.
		start_session(1);
		assert_eq!(validators(), vec![1, 2, 3, 4]);
		assert_eq!(queued_validators(), vec![2, 3, 4]);
		// Last validates in session 1, so the period of 2 ends at session 2 + 2.
		assert_eq!(status(1), NodeStatus::Unbonding { requested_at: 0, unlock_at: Some(4) });
		start_session(2);
		assert_eq!(validators(), vec![2, 3, 4]);
		start_session(3);
		assert_noop!(
			ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::StillUnbonding
		);
		start_session(4);
		assert_ok!(ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_eq!(held(1), 0);
		assert_eq!(Balances::free_balance(1), ENDOWMENT);
	});
}

#[test]
fn force_remove_slashes_and_burns() {
	ExtBuilder::default().build_and_execute(|| {
		let issuance = Balances::total_issuance();
		assert_ok!(ServiceNodes::force_remove(RuntimeOrigin::root(), 2, MIN_BOND / 4));
		assert!(has_event(Event::Slashed { who: 2, amount: MIN_BOND / 4, bond: MIN_BOND * 3 / 4 }));
		System::assert_last_event(
			Event::ForceRemoved { who: 2, slashed: MIN_BOND / 4, unlock_at: None }.into(),
		);
		assert_eq!(node(2).bond, MIN_BOND * 3 / 4);
		assert_eq!(held(2), MIN_BOND * 3 / 4);
		assert_eq!(Balances::total_issuance(), issuance - MIN_BOND / 4);
		// What is left is released after the unbonding period, nothing more.
		start_session(4);
		assert_ok!(ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(2)));
		assert_eq!(Balances::free_balance(2), ENDOWMENT - MIN_BOND / 4);
	});
}

#[test]
fn force_remove_of_an_unbonding_node_only_slashes() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(2)));
		start_session(1);
		let before = status(2);
		assert_eq!(before, NodeStatus::Unbonding { requested_at: 0, unlock_at: Some(4) });
		// More than the bond: only the bond is taken.
		assert_ok!(ServiceNodes::force_remove(RuntimeOrigin::root(), 2, MIN_BOND * 5));
		System::assert_last_event(
			Event::ForceRemoved { who: 2, slashed: MIN_BOND, unlock_at: Some(4) }.into(),
		);
		assert_eq!(status(2), before);
		assert_eq!(held(2), 0);
	});
}

#[test]
fn force_remove_respects_the_floor() {
	ExtBuilder::default().min_validators(4).build_and_execute(|| {
		assert_ok!(ServiceNodes::force_remove(RuntimeOrigin::root(), 3, 0));
		start_session(2);
		// GRANDPA needs more than two thirds online: the removed node validates until a
		// replacement registers, and its bond stays held meanwhile.
		assert_eq!(validators(), vec![1, 2, 3, 4]);
		assert_eq!(held(3), MIN_BOND);
		assert_ok!(register(5));
		start_session(4);
		assert_eq!(validators(), vec![1, 2, 4, 5]);
	});
}

#[test]
fn force_remove_needs_root() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::force_remove(RuntimeOrigin::signed(1), 1, 0),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn force_remove_fails_with_not_registered() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::force_remove(RuntimeOrigin::root(), 5, 0),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn set_min_validators_works() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::set_min_validators(RuntimeOrigin::root(), MAX_NODES));
		assert_eq!(MinValidators::<Test>::get(), MAX_NODES);
		System::assert_last_event(Event::MinValidatorsSet { min_validators: MAX_NODES }.into());
		assert_ok!(ServiceNodes::set_min_validators(RuntimeOrigin::root(), 1));
		assert_eq!(MinValidators::<Test>::get(), 1);
	});
}

#[test]
fn set_min_validators_needs_root() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::set_min_validators(RuntimeOrigin::signed(1), 3),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn set_min_validators_fails_with_invalid_min_validators() {
	ExtBuilder::default().build_and_execute(|| {
		for bad in [0, MAX_NODES + 1] {
			assert_noop!(
				ServiceNodes::set_min_validators(RuntimeOrigin::root(), bad),
				Error::<Test>::InvalidMinValidators
			);
		}
	});
}

#[test]
fn a_raised_floor_applies_at_the_next_rotation() {
	ExtBuilder::default().min_validators(1).build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(4)));
		assert_ok!(ServiceNodes::set_min_validators(RuntimeOrigin::root(), 4));
		start_session(2);
		assert_eq!(validators(), vec![1, 2, 3, 4]);
	});
}

#[test]
fn set_unbonding_period_works() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::set_unbonding_period(RuntimeOrigin::root(), 0));
		assert_eq!(UnbondingPeriod::<Test>::get(), 0);
		System::assert_last_event(Event::UnbondingPeriodSet { sessions: 0 }.into());
		// With no period, a node that never validated can withdraw after this session.
		assert_ok!(register(5));
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(5)));
		assert_eq!(status(5), NodeStatus::Unbonding { requested_at: 0, unlock_at: Some(1) });
		start_session(1);
		assert_ok!(ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(5)));
	});
}

#[test]
fn set_unbonding_period_refuses_less_than_the_penalty_window() {
	ExtBuilder::default().build_and_execute(|| {
		MinUnbondingPeriod::set(3);
		assert_noop!(
			ServiceNodes::set_unbonding_period(RuntimeOrigin::root(), 2),
			Error::<Test>::UnbondingPeriodTooShort
		);
		assert_ok!(ServiceNodes::set_unbonding_period(RuntimeOrigin::root(), 3));
		MinUnbondingPeriod::set(0);
	});
}

#[test]
#[should_panic(expected = "unbonding_period is below MinUnbondingPeriod")]
fn a_genesis_with_a_short_unbonding_period_is_refused() {
	MinUnbondingPeriod::set(3);
	let _ = ExtBuilder::default().unbonding_period(2).build();
}

#[test]
fn set_unbonding_period_needs_root() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::set_unbonding_period(RuntimeOrigin::signed(1), 0),
			DispatchError::BadOrigin
		);
	});
}
