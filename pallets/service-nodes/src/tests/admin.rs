//! Root calls: `force_remove`, `set_min_validators`, `set_unbonding_period`.

use super::*;
use crate::{ActiveNodes, Error, MinValidators, UnbondingPeriod};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn force_remove_releases_at_once_and_leaves_at_the_next_plan() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::force_remove(RuntimeOrigin::root(), 1));
		System::assert_last_event(Event::ForceRemoved { who: 1, released: MIN_BOND }.into());
		assert_eq!(held(1), 0);
		assert_eq!(Balances::free_balance(1), ENDOWMENT);
		assert!(Nodes::<Test>::get(1).is_none());
		assert_eq!(peer_owner(1), None);
		assert!(!ServiceNodes::has_session_keys(&1));
		assert_eq!(ActiveNodes::<Test>::get().into_inner(), vec![2, 3, 4]);
		assert_eq!(queued_nodes(), vec![2, 3, 4]);
		// pallet-session keeps what it already queued for session 1 ...
		start_session(1);
		assert_eq!(validators(), vec![1, 2, 3, 4]);
		assert_eq!(queued_validators(), vec![2, 3, 4]);
		// ... and the node is gone from session 2 on.
		start_session(2);
		assert_eq!(validators(), vec![2, 3, 4]);
		// Its peer id is free again.
		assert_ok!(ServiceNodes::register(
			RuntimeOrigin::signed(5),
			MIN_BOND,
			peer_arg(1),
			addrs(&[&addr(5)]),
			session_keys(5),
			ownership_proof(5, 5),
		));
	});
}

#[test]
fn force_remove_ignores_the_floor_and_works_while_unbonding() {
	ExtBuilder::default().min_validators(4).build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(2)));
		assert_ok!(ServiceNodes::force_remove(RuntimeOrigin::root(), 2));
		assert_ok!(ServiceNodes::force_remove(RuntimeOrigin::root(), 3));
		start_session(2);
		assert_eq!(validators(), vec![1, 4]);
	});
}

#[test]
fn force_remove_needs_root() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::force_remove(RuntimeOrigin::signed(1), 1),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn force_remove_fails_with_not_registered() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::force_remove(RuntimeOrigin::root(), 5),
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
fn set_unbonding_period_needs_root() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::set_unbonding_period(RuntimeOrigin::signed(1), 0),
			DispatchError::BadOrigin
		);
	});
}
