//! Benchmarks of the rewards pallet (frame-benchmarking v2).
//!
//! Every benchmark also runs as a unit test against the mock runtime
//! (`cargo test --features runtime-benchmarks`, see `impl_benchmark_test_suite!` below); the
//! runtime's weights come from running them with `scripts/bench-weights.sh`.
//!
//! Each sets up its worst case: hours over `MaxNodes` nodes (a report's check hashes every one
//! of them to find the tester's targets), every target already holding the other testers'
//! measurements, and a payment step that flags, slashes and unbonds a decommissioned node and
//! rewrites a full decommissioned list.

use super::*;
use crate::Pallet as NodeRewards;
use frame_benchmarking::v2::*;
use frame_support::traits::Authorize;
use frame_system::RawOrigin;
use pallet_service_nodes::benchmarking::register_node;
use sp_runtime::{transaction_validity::TransactionSource, RuntimeAppPublic};

const SEED: u32 = 0;
/// The hour the benchmarks report on or settle: late enough that a full window of earlier
/// flagged hours fits before it.
const HOUR: SessionIndex = 1_000;

type SignatureOf = <ServiceId as RuntimeAppPublic>::Signature;

/// A measurement with every counter set (none of the short cuts of an empty one).
fn busy() -> Measurement {
	Measurement {
		rtt_ms: 420,
		probes_sent: 12,
		probes_delivered: 11,
		checks: 12,
		checks_ok: 12,
		transitions: 3,
	}
}

/// `count` distinct filler accounts.
fn fillers<T: Config>(count: u32) -> Vec<T::AccountId> {
	(0..count).map(|i| account("filler", i, SEED)).collect()
}

/// `members` plus fillers, `MaxNodes` in all, sorted.
fn full_set<T: Config>(members: &[T::AccountId]) -> Vec<T::AccountId> {
	let mut nodes = members.to_vec();
	nodes.extend(fillers::<T>(
		<T as pallet_service_nodes::Config>::MaxNodes::get().saturating_sub(members.len() as u32),
	));
	nodes.sort();
	nodes.dedup();
	nodes
}

/// Record hour [`HOUR`] as closed, over `members` plus fillers, with quorums of `quorum`.
fn closed_hour<T: Config>(members: &[T::AccountId], quorum: u32) -> HourRecordOf<T> {
	let record = HourRecord {
		nodes: BoundedVec::truncate_from(full_set::<T>(members)),
		seed: [7; 32],
		quorum,
		opened_at: 0,
		closed_at: Some(T::NominalHourMs::get()),
	};
	Hours::<T>::insert(HOUR, record.clone());
	Phases::<T>::insert(HOUR, Phase::Reporting);
	record
}

/// Open the hour after [`HOUR`]: its reports are due.
fn reporting<T: Config>() {
	OpenHour::<T>::put(HOUR + 1);
}

/// Open the first hour after [`HOUR`]'s reporting window: it settles.
fn settling<T: Config>() {
	OpenHour::<T>::put(HOUR + T::ReportingLag::get() + 1);
}

fn index_of<T: Config>(
	record: &HourRecordOf<T>,
	who: &T::AccountId,
) -> Result<u32, BenchmarkError> {
	record
		.nodes
		.binary_search(who)
		.map(|i| i as u32)
		.map_err(|_| BenchmarkError::Stop("the node is not in the hour"))
}

/// Give each target of `tester` the measurements of `q − 1` other testers already.
fn crowd_targets<T: Config>(record: &HourRecordOf<T>, tester: u32, q: u32) {
	let n = record.nodes.len() as u32;
	for target in assignment::targets_of(&record.nodes, &record.seed, record.quorum, tester) {
		let others: Vec<(u32, Measurement)> = (0..n)
			.filter(|i| *i != tester && *i != target)
			.take(q.saturating_sub(1) as usize)
			.map(|i| (i, busy()))
			.collect();
		Measurements::<T>::insert(HOUR, target, BoundedVec::truncate_from(others));
	}
}

/// `tester`'s report on [`HOUR`], every target measured, signed with its service key (in the
/// benchmark keystore: see [`register_node`]).
fn signed_report<T: Config>(
	tester: &T::AccountId,
) -> Result<(ReportOf<T>, SignatureOf), BenchmarkError> {
	let targets = NodeRewards::<T>::targets_of(HOUR, tester);
	let report = Report {
		hour: HOUR,
		tester: tester.clone(),
		measurements: BoundedVec::truncate_from(targets.iter().map(|_| Some(busy())).collect()),
	};
	let key = pallet_service_nodes::Pallet::<T>::service_key(tester)
		.ok_or(BenchmarkError::Stop("the tester has no service key"))?;
	let signature = key
		.sign(&NodeRewards::<T>::report_payload(&report))
		.ok_or(BenchmarkError::Stop("the keystore has no private service key to sign with"))?;
	Ok((report, signature))
}

/// A registered tester in a closed hour of `MaxNodes` nodes with quorums of `q`, its targets
/// crowded, and its signed report.
fn tester_ready<T: Config>(q: u32) -> Result<(u32, ReportOf<T>, SignatureOf), BenchmarkError> {
	let tester = register_node::<T>(0)?;
	let record = closed_hour::<T>(core::slice::from_ref(&tester), q);
	reporting::<T>();
	let index = index_of::<T>(&record, &tester)?;
	crowd_targets::<T>(&record, index, q);
	let (report, signature) = signed_report::<T>(&tester)?;
	assert_eq!(report.measurements.len() as u32, q);
	Ok((index, report, signature))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn report(q: Linear<1, { T::MaxQuorum::get() }>) -> Result<(), BenchmarkError> {
		// (`report` names this benchmark inside the macro: the local binding is `signed`.)
		let (index, signed, signature) = tester_ready::<T>(q)?;

		#[extrinsic_call]
		_(RawOrigin::Authorized, signed, signature);

		assert!(Reported::<T>::contains_key(HOUR, index));
		Ok(())
	}

	#[benchmark]
	fn authorize_report(q: Linear<1, { T::MaxQuorum::get() }>) -> Result<(), BenchmarkError> {
		let (_, signed, signature) = tester_ready::<T>(q)?;
		let call = Call::<T>::report { report: signed, signature };
		let outcome;

		#[block]
		{
			outcome = call.authorize(TransactionSource::External);
		}

		assert!(matches!(outcome, Some(Ok(_))), "a valid report is authorized");
		Ok(())
	}

	#[benchmark]
	fn score_step(q: Linear<1, { T::MaxQuorum::get() }>) -> Result<(), BenchmarkError> {
		closed_hour::<T>(&[], q);
		settling::<T>();
		// Every other tester far from the others, so every tester's score is written.
		let list: Vec<(u32, Measurement)> = (1..=q)
			.map(|i| (i, if i % 2 == 0 { busy() } else { Measurement { checks_ok: 0, ..busy() } }))
			.collect();
		Measurements::<T>::insert(HOUR, 0, BoundedVec::truncate_from(list));
		Phases::<T>::insert(HOUR, Phase::Scoring { next: 0 });
		let done;

		#[block]
		{
			done = NodeRewards::<T>::settle_steps(1);
		}

		assert_eq!(done, 1);
		assert_eq!(Phases::<T>::get(HOUR), Some(Phase::Scoring { next: 1 }));
		assert!(!Measurements::<T>::contains_key(HOUR, 0));
		Ok(())
	}

	#[benchmark]
	fn pay_step() -> Result<(), BenchmarkError> {
		let who = register_node::<T>(0)?;
		let record = closed_hour::<T>(core::slice::from_ref(&who), T::QuorumSize::get());
		settling::<T>();
		let index = index_of::<T>(&record, &who)?;
		// A decommissioned node's flagged hour that is the last flag before the slash: it is
		// slashed, unbonded and taken out of a full decommissioned list (which is rewritten).
		let quality = Perbill::from_parts(T::FlagThreshold::get().deconstruct() / 2);
		Scores::<T>::insert(
			HOUR,
			index,
			Score { quality: Some(quality), strays: 0, measured: T::QuorumSize::get() },
		);
		let earlier = (1..T::SlashAfterFlags::get()).rev().map(|back| HOUR - back).collect();
		Standings::<T>::insert(
			&who,
			Standing {
				credit: 0,
				decommissioned: true,
				flagged: BoundedVec::truncate_from(earlier),
			},
		);
		let mut decommissioned =
			fillers::<T>(<T as pallet_service_nodes::Config>::MaxNodes::get().saturating_sub(1));
		decommissioned.push(who.clone());
		decommissioned.sort();
		Decommissioned::<T>::put(BoundedVec::truncate_from(decommissioned));
		Reported::<T>::insert(HOUR, index, ());
		Phases::<T>::insert(HOUR, Phase::Paying { next: index });
		let bond = pallet_service_nodes::Nodes::<T>::get(&who).map(|n| n.bond);
		let done;

		#[block]
		{
			done = NodeRewards::<T>::settle_steps(1);
		}

		assert_eq!(done, 1);
		let node = pallet_service_nodes::Nodes::<T>::get(&who).ok_or("the node is gone")?;
		assert!(Some(node.bond) < bond, "the bond is slashed");
		assert_ne!(node.status, pallet_service_nodes::NodeStatus::Bonded, "the node unbonds");
		assert!(!NodeRewards::<T>::is_decommissioned(&who), "it leaves the decommissioned list");
		Ok(())
	}

	#[benchmark]
	fn open_hour(
		n: Linear<1, { <T as pallet_service_nodes::Config>::MaxNodes::get() }>,
	) -> Result<(), BenchmarkError> {
		let mut nodes = fillers::<T>(n);
		nodes.sort();
		// Half active, half decommissioned: both lists are read and merged.
		let decommissioned = nodes.split_off(nodes.len() / 2);
		pallet_service_nodes::ActiveNodes::<T>::put(BoundedVec::truncate_from(nodes));
		Decommissioned::<T>::put(BoundedVec::truncate_from(decommissioned));
		// The hour before is open and gets closed.
		Hours::<T>::insert(
			HOUR,
			HourRecord {
				nodes: BoundedVec::new(),
				seed: [0; 32],
				quorum: 1,
				opened_at: 0,
				closed_at: None,
			},
		);
		Phases::<T>::insert(HOUR, Phase::Reporting);
		OpenHour::<T>::put(HOUR);

		#[block]
		{
			NodeRewards::<T>::open_hour(HOUR + 1);
		}

		let record = Hours::<T>::get(HOUR + 1).ok_or("the hour did not open")?;
		assert_eq!(record.nodes.len() as u32, n);
		assert!(Hours::<T>::get(HOUR).is_some_and(|r| r.closed_at.is_some()));
		Ok(())
	}

	impl_benchmark_test_suite!(NodeRewards, mock::bench_ext(), mock::Test);
}
