//! `unbond` and `withdraw_unbonded`: leaving the set, the unbonding period, the release.

use super::*;
use crate::Error;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn unbond_of_a_validator_waits_for_the_next_rotation() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(1)));
		assert_eq!(status(1), NodeStatus::Unbonding { requested_at: 0, unlock_at: None });
		System::assert_last_event(Event::UnbondingStarted { who: 1, unlock_at: None }.into());
		// The bond stays held.
		assert_eq!(held(1), MIN_BOND);

		// Rotation into session 1 plans session 2 without node 1.
		start_session(1);
		assert!(has_event(Event::NodeDeactivated {
			who: 1,
			from: 2,
			reason: crate::DeactivationReason::Unbonded,
			unlock_at: Some(2 + 2),
		}));
		assert_eq!(status(1), NodeStatus::Unbonding { requested_at: 0, unlock_at: Some(4) });
		assert_eq!(validators(), vec![1, 2, 3, 4]);
		assert_eq!(queued_validators(), vec![2, 3, 4]);

		start_session(2);
		assert_eq!(validators(), vec![2, 3, 4]);
		assert_eq!(node(1).since, None);
		assert_eq!(held(1), MIN_BOND);
	});
}

#[test]
fn unbond_of_a_node_not_yet_planned_starts_the_period_at_once() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(5));
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(5)));
		// It could at most validate until the end of session 0 + 1; then 2 sessions.
		assert_eq!(status(5), NodeStatus::Unbonding { requested_at: 0, unlock_at: Some(3) });
		System::assert_last_event(Event::UnbondingStarted { who: 5, unlock_at: Some(3) }.into());
		start_session(2);
		assert!(!queued_validators().contains(&5));
		assert!(!validators().contains(&5));
		assert_noop!(
			ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(5)),
			Error::<Test>::StillUnbonding
		);
		start_session(3);
		assert_ok!(ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(5)));
		// Bond and key deposit are back.
		assert_eq!(Balances::free_balance(5), ENDOWMENT);
	});
}

#[test]
fn unbond_needs_a_signed_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(ServiceNodes::unbond(RuntimeOrigin::root()), DispatchError::BadOrigin);
	});
}

#[test]
fn unbond_fails_with_not_registered() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(ServiceNodes::unbond(RuntimeOrigin::signed(5)), Error::<Test>::NotRegistered);
	});
}

#[test]
fn unbond_fails_with_already_unbonding() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(
			ServiceNodes::unbond(RuntimeOrigin::signed(1)),
			Error::<Test>::AlreadyUnbonding
		);
		start_session(1);
		assert_noop!(
			ServiceNodes::unbond(RuntimeOrigin::signed(1)),
			Error::<Test>::AlreadyUnbonding
		);
	});
}

#[test]
fn withdraw_unbonded_releases_the_bond_after_the_period() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(
			ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::StillUnbonding
		);
		start_session(1); // unlock_at = 4
		for session in 2..4 {
			start_session(session);
			assert_noop!(
				ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
				Error::<Test>::StillUnbonding
			);
		}
		start_session(4);
		assert_ok!(ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)));
		System::assert_last_event(Event::Withdrawn { who: 1, amount: MIN_BOND }.into());
		assert_eq!(held(1), 0);
		assert_eq!(Balances::free_balance(1), ENDOWMENT);
		assert!(Nodes::<Test>::get(1).is_none());
		assert_eq!(peer_owner(1), None);
		assert_eq!(Nodes::<Test>::count(), 3);
		assert!(!ServiceNodes::has_session_keys(&1));

		// The account and its peer id can register again.
		assert_ok!(register(1));
	});
}

#[test]
fn withdraw_unbonded_needs_a_signed_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::withdraw_unbonded(RuntimeOrigin::root()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn withdraw_unbonded_fails_with_not_registered() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(5)),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn withdraw_unbonded_fails_with_not_unbonding() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NotUnbonding
		);
	});
}

#[test]
fn a_longer_unbonding_period_applies_to_periods_that_start_later() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(1)));
		assert_ok!(ServiceNodes::set_unbonding_period(RuntimeOrigin::root(), 5));
		start_session(1);
		// The period starts when node 1 leaves (session 2), with the period in force then.
		assert_eq!(status(1), NodeStatus::Unbonding { requested_at: 0, unlock_at: Some(7) });
	});
}
