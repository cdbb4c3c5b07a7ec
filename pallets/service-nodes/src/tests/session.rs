//! The session hand-over: pallet-session asks the registry for the next validator set.

use super::*;
use crate::{ActiveNodes, DeactivationReason};
use frame_support::{assert_ok, BoundedVec};
use pallet_session::SessionManager;

/// Whether pallet-session announced a new queued validator set since the last `reset_events`.
fn session_queued_new_set() -> bool {
	System::read_events_for_pallet::<pallet_session::Event<Test>>()
		.contains(&pallet_session::Event::NewQueued)
}

#[test]
fn a_registered_node_validates_from_the_session_after_next() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(5));
		// Planned at the rotation into session 1 ...
		start_session(1);
		assert!(has_event(Event::NodeActivated { who: 5, since: 2 }));
		assert!(has_event(Event::ValidatorSetPlanned { session: 2, validators: 5 }));
		assert_eq!(validators(), vec![1, 2, 3, 4]);
		assert_eq!(queued_validators(), vec![1, 2, 3, 4, 5]);
		assert_eq!(queued_nodes(), vec![1, 2, 3, 4, 5]);
		assert_eq!(node(5).since, Some(2));
		// ... and validates in session 2.
		start_session(2);
		assert_eq!(validators(), vec![1, 2, 3, 4, 5]);
		assert_eq!(ActiveNodes::<Test>::get().into_inner(), vec![1, 2, 3, 4, 5]);
		assert_eq!(node(5).since, Some(2));
		start_session(4);
		assert_eq!(validators(), vec![1, 2, 3, 4, 5]);
		assert_eq!(node(5).since, Some(2));
	});
}

#[test]
fn a_node_registered_mid_session_waits_for_the_following_rotation() {
	ExtBuilder::default().build_and_execute(|| {
		start_session(1);
		System::set_block_number(System::block_number() + 2);
		assert_ok!(register(5));
		assert_eq!(node(5).registered_at, 1);
		start_session(2);
		assert_eq!(node(5).since, Some(3));
		assert!(!validators().contains(&5));
		start_session(3);
		assert!(validators().contains(&5));
	});
}

#[test]
fn the_validator_set_is_sorted_by_account() {
	ExtBuilder::default().build_and_execute(|| {
		for who in [9, 5, 7] {
			assert_ok!(register(who));
		}
		start_session(2);
		assert_eq!(validators(), vec![1, 2, 3, 4, 5, 7, 9]);
	});
}

#[test]
fn an_unchanged_set_is_not_announced_again() {
	ExtBuilder::default().build_and_execute(|| {
		start_session(1);
		assert!(!session_queued_new_set());
		assert!(service_node_events()
			.iter()
			.all(|e| !matches!(e, Event::ValidatorSetPlanned { .. })));
		// A change is announced.
		assert_ok!(register(5));
		System::reset_events();
		start_session(2);
		assert!(session_queued_new_set());
		// And the set after that is unchanged again.
		System::reset_events();
		start_session(3);
		assert!(!session_queued_new_set());
		assert_eq!(validators(), vec![1, 2, 3, 4, 5]);
	});
}

#[test]
fn the_floor_keeps_leaving_nodes_until_replaced() {
	ExtBuilder::default().min_validators(2).build_and_execute(|| {
		for who in [1, 2, 3] {
			assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(who)));
		}
		start_session(1);
		// Only node 4 stays bonded; the floor keeps node 1 (lowest account) as well.
		let kept: BoundedVec<AccountId, _> = BoundedVec::truncate_from(vec![1]);
		assert!(has_event(Event::ValidatorFloorKept { session: 2, min_validators: 2, kept }));
		for who in [2, 3] {
			assert!(has_event(Event::NodeDeactivated {
				who,
				from: 2,
				reason: DeactivationReason::Unbonded,
				unlock_at: Some(4),
			}));
		}
		assert_eq!(queued_validators(), vec![1, 4]);
		assert_eq!(status(1), NodeStatus::Unbonding { requested_at: 0, unlock_at: None });

		start_session(2);
		assert_eq!(validators(), vec![1, 4]);
		// Node 1 still validates, so its period has not even started.
		assert_eq!(
			ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Err(crate::Error::<Test>::StillUnbonding.into())
		);
		// The floor holds at every rotation while nobody replaces it.
		assert!(has_event(Event::ValidatorFloorKept {
			session: 3,
			min_validators: 2,
			kept: BoundedVec::truncate_from(vec![1]),
		}));

		// A new node replaces it: planned at the rotation into 3, node 1 leaves after session 3.
		assert_ok!(register(5));
		start_session(3);
		assert!(has_event(Event::NodeDeactivated {
			who: 1,
			from: 4,
			reason: DeactivationReason::Unbonded,
			unlock_at: Some(6),
		}));
		assert_eq!(queued_validators(), vec![4, 5]);
		start_session(4);
		assert_eq!(validators(), vec![4, 5]);
		start_session(6);
		assert_ok!(ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(1)));
	});
}

#[test]
fn the_floor_can_keep_the_whole_set() {
	ExtBuilder::default().min_validators(4).build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(3)));
		System::reset_events();
		start_session(1);
		assert!(has_event(Event::ValidatorFloorKept {
			session: 2,
			min_validators: 4,
			kept: BoundedVec::truncate_from(vec![3]),
		}));
		assert!(!session_queued_new_set());
		start_session(3);
		assert_eq!(validators(), vec![1, 2, 3, 4]);
	});
}

#[test]
fn without_a_floor_problem_all_leaving_nodes_leave() {
	ExtBuilder::default().min_validators(1).build_and_execute(|| {
		for who in [1, 2, 3] {
			assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(who)));
		}
		start_session(2);
		assert_eq!(validators(), vec![4]);
		assert!(service_node_events()
			.iter()
			.all(|e| !matches!(e, Event::ValidatorFloorKept { .. })));
	});
}

#[test]
fn a_node_without_session_keys_sits_out_until_it_sets_them_again() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Session::purge_keys(RuntimeOrigin::signed(2)));
		start_session(1);
		assert!(has_event(Event::NodeDeactivated {
			who: 2,
			from: 2,
			reason: DeactivationReason::NoSessionKeys,
			unlock_at: None,
		}));
		assert_eq!(status(2), NodeStatus::Bonded);
		assert_eq!(queued_validators(), vec![1, 3, 4]);
		start_session(2);
		assert_eq!(validators(), vec![1, 3, 4]);
		assert_eq!(node(2).since, None);

		assert_ok!(Session::set_keys(
			RuntimeOrigin::signed(2),
			session_keys(2),
			ownership_proof(2, 2)
		));
		start_session(3);
		assert!(has_event(Event::NodeActivated { who: 2, since: 4 }));
		start_session(4);
		assert_eq!(validators(), vec![1, 2, 3, 4]);
	});
}

#[test]
fn rotated_session_keys_reach_pallet_session() {
	ExtBuilder::default().build_and_execute(|| {
		// Node 2 rotates to key 102 directly through pallet-session.
		assert_ok!(Session::set_keys(
			RuntimeOrigin::signed(2),
			MockSessionKeys { dummy: 102.into() },
			ownership_proof(2, 102),
		));
		start_session(2);
		assert_eq!(validators(), vec![1, 2, 3, 4]);
		let keys: Vec<_> = Session::queued_keys().into_iter().map(|(_, k)| k.dummy.0).collect();
		assert_eq!(keys, vec![1, 102, 3, 4]);
	});
}

#[test]
fn no_eligible_node_keeps_the_current_set() {
	ExtBuilder::default()
		.genesis_nodes(vec![1, 2])
		.min_validators(1)
		.build_and_execute(|| {
			for who in [1, 2] {
				assert_ok!(Session::purge_keys(RuntimeOrigin::signed(who)));
			}
			assert_eq!(<ServiceNodes as SessionManager<AccountId>>::new_session(2), None);
			assert!(has_event(Event::NoEligibleNodes { session: 2 }));
		});
}

#[test]
fn genesis_hand_over_returns_the_genesis_nodes() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(
			<ServiceNodes as SessionManager<AccountId>>::new_session_genesis(1),
			Some(vec![1, 2, 3, 4])
		);
	});
}

#[test]
fn churn_over_many_sessions_keeps_the_invariants() {
	ExtBuilder::default().min_validators(3).build_and_execute(|| {
		// `start_session` checks `try_state` at every block.
		for (i, who) in (5..=10).enumerate() {
			assert_ok!(register(who));
			start_session(i as u32 * 2 + 1);
			let leaving = who - 4;
			assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(leaving)));
			start_session(i as u32 * 2 + 2);
		}
		start_session(20);
		for who in 1..=6 {
			assert_ok!(ServiceNodes::withdraw_unbonded(RuntimeOrigin::signed(who)));
		}
		start_session(22);
		assert_eq!(validators(), vec![7, 8, 9, 10]);
	});
}
