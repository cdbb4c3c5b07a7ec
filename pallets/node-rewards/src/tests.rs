//! Unit tests of the rewards pallet against the mock runtime: reports, scoring, payment,
//! flags, decommission and recommission, slashing, paging.

use crate::{mock::*, Event, Hours, Measurement, NoRewardReason, Phase, Standings, TotalRewarded};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use sp_core::Pair as _;
use sp_runtime::DispatchError;

const NODES: [AccountId; 5] = [1, 2, 3, 4, 5];

fn balance(who: AccountId) -> Balance {
	<Balances as Inspect<AccountId>>::total_balance(&who)
}

fn total_in_events() -> Balance {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::Rewarded { amount, .. } => Some(amount),
			_ => None,
		})
		.sum()
}

fn rewarded(hour: u32, who: AccountId) -> Option<Balance> {
	events().into_iter().find_map(|e| match e {
		Event::Rewarded { hour: h, who: w, amount } if h == hour && w == who => Some(amount),
		_ => None,
	})
}

fn not_rewarded(hour: u32, who: AccountId) -> Option<NoRewardReason> {
	events().into_iter().find_map(|e| match e {
		Event::NotRewarded { hour: h, who: w, reason } if h == hour && w == who => Some(reason),
		_ => None,
	})
}

/// Every node reports on `hour`; `down` are measured as unreachable by everyone.
fn hour_with_down(hour: u32, down: &[AccountId]) {
	run_to_hour(hour + 1);
	let nodes: Vec<AccountId> = Hours::<Test>::get(hour).expect("recorded").nodes.into_inner();
	all_report(&nodes, hour, |_, target| {
		Some(if down.contains(&target) {
			Measurement { checks_ok: 0, ..healthy() }
		} else {
			healthy()
		})
	});
}

#[test]
fn healthy_nodes_earn_the_full_reward_every_full_hour() {
	execute(&NODES, || {
		for hour in 1..=3 {
			hour_with_down(hour, &[]);
		}
		run_to_hour(6);
		for hour in 1..=3 {
			for who in NODES {
				assert_eq!(rewarded(hour, who), Some(REWARD), "hour {hour} node {who}");
			}
		}
		assert!(events().contains(&Event::HourSettled { hour: 2, rewarded: 5, paid: 5 * REWARD }));
		// Minted exactly what the events say, and it reached the operators.
		assert_eq!(TotalRewarded::<Test>::get(), total_in_events());
		// Hour 0 was short (it opened at block 1): 4/5 of a reward.
		assert!(balance(1) >= 2 * BOND + 3 * REWARD + REWARD * 4 / 5);
	});
}

#[test]
fn an_hour_shorter_than_nominal_pays_pro_rata_and_no_report_is_neutral() {
	execute(&NODES, || {
		run_to_hour(3);
		// Hour 0 ran from block 1 to block 5: 24 of 30 seconds; nobody reported (neutral).
		assert_eq!(rewarded(0, 1), Some(REWARD * 4 / 5));
	});
}

#[test]
fn a_node_down_for_the_hour_earns_nothing_and_is_flagged() {
	execute(&NODES, || {
		hour_with_down(1, &[3]);
		run_to_hour(4);
		assert_eq!(not_rewarded(1, 3), Some(NoRewardReason::NoService));
		assert!(events()
			.iter()
			.any(|e| matches!(e, Event::NodeFlagged { hour: 1, who: 3, credit: 2, .. })));
		for who in [1, 2, 4, 5] {
			assert_eq!(rewarded(1, who), Some(REWARD));
		}
	});
}

#[test]
fn a_node_slow_or_lossy_earns_less() {
	execute(&NODES, || {
		run_to_hour(2);
		all_report(&NODES, 1, |_, target| {
			Some(match target {
				2 => Measurement { rtt_ms: 575, ..healthy() },
				4 => Measurement { probes_delivered: 5, ..healthy() },
				_ => healthy(),
			})
		});
		run_to_hour(4);
		assert_eq!(rewarded(1, 2), Some(REWARD * 3 / 4));
		assert_eq!(rewarded(1, 4), Some(666));
		assert_eq!(rewarded(1, 1), Some(REWARD));
	});
}

#[test]
fn a_lying_minority_cannot_move_a_score() {
	execute(&NODES, || {
		run_to_hour(2);
		// Node 5 slanders everyone it tests; node 1 praises everything (all healthy anyway).
		let slander = Measurement { checks_ok: 0, probes_delivered: 0, ..healthy() };
		all_report(&NODES, 1, |tester, _| Some(if tester == 5 { slander } else { healthy() }));
		run_to_hour(4);
		for who in [1, 2, 3, 4] {
			assert_eq!(rewarded(1, who), Some(REWARD), "node {who} slandered by a minority");
		}
		// The liar strayed on every target: it loses its own reward for the hour.
		assert_eq!(not_rewarded(1, 5), Some(NoRewardReason::StrayReports));
		assert!(!events().iter().any(|e| matches!(e, Event::NodeFlagged { .. })));
	});
}

#[test]
fn a_lying_minority_cannot_praise_a_dead_node() {
	execute(&NODES, || {
		run_to_hour(2);
		let testers_of_3: Vec<AccountId> = NODES
			.iter()
			.copied()
			.filter(|t| NodeRewards::targets_of(1, t).contains(&3))
			.collect();
		assert_eq!(testers_of_3.len(), 3);
		let flatterer = testers_of_3[0];
		all_report(&NODES, 1, |tester, target| {
			Some(if target == 3 && tester != flatterer {
				Measurement { checks_ok: 0, ..healthy() }
			} else {
				healthy()
			})
		});
		run_to_hour(4);
		assert_eq!(not_rewarded(1, 3), Some(NoRewardReason::NoService));
		// Straying on one target of three is not "most": the flatterer is still paid.
		assert_eq!(rewarded(1, flatterer), Some(REWARD));
	});
}

#[test]
fn a_lying_majority_decides_which_is_outside_the_model() {
	execute(&NODES, || {
		run_to_hour(2);
		all_report(&NODES, 1, |_, target| {
			Some(if target == 2 { Measurement { checks_ok: 0, ..healthy() } } else { healthy() })
		});
		run_to_hour(4);
		assert_eq!(not_rewarded(1, 2), Some(NoRewardReason::NoService));
	});
}

#[test]
fn out_of_credit_decommissions_and_good_hours_recommission() {
	execute(&NODES, || {
		for hour in 1..=3 {
			hour_with_down(hour, &[3]);
		}
		run_to_hour(6);
		assert!(events().contains(&Event::NodeDecommissioned { who: 3 }));
		assert!(NodeRewards::is_decommissioned(&3));
		// Left out of the validator set at the next plan, still tested.
		run_to_hour(8);
		assert!(!pallet_service_nodes::ActiveNodes::<Test>::get().contains(&3));
		assert!(Hours::<Test>::get(8).expect("open").nodes.contains(&3));
		// Good hours while decommissioned are not paid but restore credit.
		for hour in 8..=9 {
			hour_with_down(hour, &[]);
		}
		run_to_hour(12);
		assert_eq!(not_rewarded(8, 3), Some(NoRewardReason::Decommissioned));
		assert!(events().contains(&Event::NodeRecommissioned { who: 3 }));
		assert!(!NodeRewards::is_decommissioned(&3));
		run_to_hour(14);
		assert!(pallet_service_nodes::ActiveNodes::<Test>::get().contains(&3));
	});
}

#[test]
fn persistent_bad_service_is_slashed_and_unbonded() {
	execute(&NODES, || {
		for hour in 1..=4 {
			hour_with_down(hour, &[3]);
		}
		run_to_hour(7);
		assert!(events().contains(&Event::NodePunished { who: 3, flags: 4, slashed: BOND / 10 }));
		let node = pallet_service_nodes::Nodes::<Test>::get(3).expect("still registered");
		assert_eq!(node.bond, BOND - BOND / 10);
		assert!(matches!(node.status, pallet_service_nodes::NodeStatus::Unbonding { .. }));
		assert_eq!(balance(3), 2 * BOND - BOND / 10 + REWARD * 4 / 5);
	});
}

#[test]
fn settlement_is_paged_under_the_block_budget() {
	execute(&NODES, || {
		hour_with_down(1, &[]);
		// The first block of hour 3 starts hour 1's settlement: 4 steps per block.
		run_to_block(15);
		let phase = crate::Phases::<Test>::get(1);
		assert_eq!(phase, Some(Phase::Scoring { next: 4 }));
		// Anyone can push it on; it says when there is nothing left.
		assert_ok!(NodeRewards::settle(RuntimeOrigin::signed(9), 100));
		assert_eq!(Hours::<Test>::get(1), None);
		assert_eq!(rewarded(1, 5), Some(REWARD));
		assert_noop!(
			NodeRewards::settle(RuntimeOrigin::signed(9), 1),
			crate::Error::<Test>::NothingToSettle
		);
	});
}

#[test]
fn reports_are_refused_unless_timely_unique_assigned_and_signed() {
	execute(&NODES, || {
		// Hour 1 is still open.
		run_to_hour(1);
		let (r, s) = signed_report(1, 1, |_| Some(healthy()));
		assert!(NodeRewards::check_report(&r, &s.into()).is_err());
		run_to_hour(2);
		// Not a tester of the hour.
		let (mut r, _) = signed_report(1, 1, |_| Some(healthy()));
		r.tester = 9;
		let s = service_pair(9).sign(&NodeRewards::report_payload(&r));
		assert_eq!(NodeRewards::check_report(&r, &s.into()), Err(crate::ReportError::NotATester));
		// Signed by another key.
		let (r, _) = signed_report(1, 1, |_| Some(healthy()));
		let s = service_pair(2).sign(&NodeRewards::report_payload(&r));
		assert_eq!(NodeRewards::check_report(&r, &s.into()), Err(crate::ReportError::BadSignature));
		// Wrong number of entries.
		let (mut r, _) = signed_report(1, 1, |_| Some(healthy()));
		r.measurements.pop();
		let s = service_pair(1).sign(&NodeRewards::report_payload(&r));
		assert_eq!(NodeRewards::check_report(&r, &s.into()), Err(crate::ReportError::WrongTargets));
		// Inconsistent counts.
		let (r, s) = signed_report(1, 1, |_| Some(Measurement { checks_ok: 99, ..healthy() }));
		assert_eq!(
			NodeRewards::check_report(&r, &s.into()),
			Err(crate::ReportError::InconsistentMeasurement)
		);
		// The real one, once.
		let (r, s) = signed_report(1, 1, |_| Some(healthy()));
		assert_ok!(submit(r.clone(), s));
		assert!(events().contains(&Event::Reported { hour: 1, tester: 1 }));
		assert_eq!(
			NodeRewards::check_report(&r, &s.into()),
			Err(crate::ReportError::AlreadyReported)
		);
		// Too late: hour 1's window ends when hour 3 opens.
		run_to_hour(3);
		let (r, s) = signed_report(2, 1, |_| Some(healthy()));
		assert_eq!(
			NodeRewards::check_report(&r, &s.into()),
			Err(crate::ReportError::NotReportable)
		);
		// And the call path says the same, with the origin checked.
		let call = crate::Call::<Test>::report { report: r, signature: s.into() };
		let e = sp_runtime::traits::Dispatchable::dispatch(
			RuntimeCall::NodeRewards(call),
			RuntimeOrigin::signed(2),
		)
		.expect_err("a signed origin is not an authorized one");
		assert_eq!(e.error, DispatchError::BadOrigin);
	});
}

#[test]
fn a_report_can_leave_out_targets_it_could_not_measure() {
	execute(&NODES, || {
		run_to_hour(2);
		let (r, s) = signed_report(1, 1, |_| None);
		assert_ok!(submit(r, s));
		run_to_hour(4);
		// Only node 1 reported, measuring nothing: too few reports everywhere, neutral.
		assert_eq!(rewarded(1, 2), Some(REWARD));
		assert!(Standings::<Test>::iter().next().is_none());
	});
}

#[test]
fn the_runtime_api_helpers_agree_with_the_assignment_and_the_reports() {
	execute(&NODES, || {
		run_to_hour(2);
		for tester in NODES {
			let targets = NodeRewards::targets_of(1, &tester);
			assert_eq!(targets.len(), 3, "quorum 3 of 5 nodes");
			assert!(!targets.contains(&tester), "nobody tests itself");
			for target in NODES {
				assert_eq!(
					targets.contains(&target),
					NodeRewards::testers_of(1, &target).contains(&tester),
					"{tester} tests {target} exactly when it is among {target}'s testers"
				);
			}
		}
		// Not a node of the hour, or an hour not recorded: nothing.
		assert!(NodeRewards::targets_of(1, &9).is_empty());
		assert!(NodeRewards::testers_of(7, &1).is_empty());

		assert!(!NodeRewards::has_reported(1, &1));
		let (r, s) = signed_report(1, 1, |_| Some(healthy()));
		assert_ok!(submit(r, s));
		assert!(NodeRewards::has_reported(1, &1));
		assert!(!NodeRewards::has_reported(1, &2));

		let fresh = NodeRewards::standing_of(&1);
		assert_eq!((fresh.credit, fresh.decommissioned, fresh.flagged.len()), (3, false, 0));
	});
}
