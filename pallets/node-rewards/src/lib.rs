//! # Node-Rewards Pallet
//!
//! Pays iChat service nodes for every full hour of good service, measured by their peers, and
//! takes their place and part of their bond when their service stays bad.
//!
//! - [`Config`]
//! - [`Call`]
//! - [`Pallet`]
//!
//! ## Overview
//!
//! An *hour* is one session ([`pallet_hours`]). When hour `h` opens, the pallet records the
//! nodes it tests (the active service nodes, plus the decommissioned ones so they can earn
//! their place back) and a seed; [`assignment`] turns them into quorums: every node is tested by
//! `Q` others and tests `Q` others. During the hour each tester measures its targets (RTT, probe
//! loss, reachability, up/down transitions) and, once the hour is over, submits one
//! [`Pallet::report`]: a fee-free general transaction authorized by the tester's *service key*
//! (`#[pallet::authorize]`), so the operator's account key never lives on the server.
//!
//! `ReportingLag` hours after hour `h` closed, its settlement runs, a bounded number of steps
//! per block in `on_initialize` (and more through the permissionless [`Pallet::settle`]):
//!
//! 1. *score*: for each tested node, the median of each metric over its testers and the
//!    [`quality`] in [0, 1] (fewer than `MinReports` reports: neutral, never bad). A tester whose
//!    measurement gives a quality far from the median one (`StrayTolerance`) strays.
//! 2. *pay*: each node that served the whole hour is paid `HourlyReward × quality` (scaled down
//!    if the hour was shorter than nominal in timestamp time), newly minted, unless it is
//!    decommissioned or strayed on most of the nodes it tested. A quality below
//!    `FlagThreshold` flags the hour ([`Event::NodeFlagged`]): it spends one unit of the node's
//!    credit; at zero the node is decommissioned (out of the validator set, no pay, bond still
//!    held) until good hours restore `RecommissionCredit`. `SlashAfterFlags` flagged hours
//!    within `PenaltyWindow` hours slash `SlashShare` of the bond (burned by the registry) and
//!    unbond the node.
//!
//! Stored measurements are taken (removed) as their node is scored, a tester's "reported" mark
//! as it is paid, and the hour's record and phase once the last node is paid: nothing is ever
//! cleared with an unbounded `clear_prefix`. A settlement step writes the small phase, never
//! the hour's node list.
//!
//! ## Design
//!
//! Why minted rewards, why medians, and every parameter's value: `docs/economics.md`.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod assignment;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod quality;
pub mod runtime_api;
pub mod standing;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use quality::{Measurement, Params as QualityParams};
pub use standing::Standing;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_service_nodes::{service_key::ServiceId, BalanceOf};
use scale_info::TypeInfo;
use sp_runtime::Perbill;
use sp_staking::SessionIndex;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::node-rewards";

/// The context tag of a signed report (the version names the layout of [`ReportPayload`]).
pub const REPORT_CONTEXT: &[u8; 15] = b"ichat/report/v1";

/// What a tester signs: the context, the genesis hash, then the report.
pub type ReportPayload = Vec<u8>;

/// The bytes a tester's service key signs for `report` (SCALE-encoded) on the chain whose
/// genesis hash is `genesis`: `"ichat/report/v1" ‖ genesis ‖ SCALE(report)`. The runtime and
/// the node's report submitter both build it here.
pub fn report_payload(genesis: &[u8], report: &impl Encode) -> ReportPayload {
	let mut out = REPORT_CONTEXT.to_vec();
	out.extend_from_slice(genesis);
	report.encode_to(&mut out);
	out
}

/// One tester's report on the nodes it tested in `hour`.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxQuorum))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct Report<AccountId, MaxQuorum: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// The hour measured.
	pub hour: SessionIndex,
	/// The tester's operator account.
	pub tester: AccountId,
	/// One entry per target, in the order of [`Pallet::targets_of`]; `None` for a target the
	/// tester could not measure (it started late, say): no evidence either way.
	pub measurements: BoundedVec<Option<Measurement>, MaxQuorum>,
}

/// The report type of a runtime.
pub type ReportOf<T> = Report<<T as frame_system::Config>::AccountId, <T as Config>::MaxQuorum>;

/// Where an hour's settlement is.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Phase {
	/// Reports are accepted (the hour is open, or closed less than `ReportingLag` hours ago).
	Reporting,
	/// Scoring node `next` (an index into the hour's nodes).
	Scoring {
		/// The next node to score.
		next: u32,
	},
	/// Paying node `next`.
	Paying {
		/// The next node to pay.
		next: u32,
	},
}

/// An hour's record, kept until its settlement is over.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxNodes))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct HourRecord<AccountId, MaxNodes: Get<u32>>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// The nodes tested in the hour, in the registry's order (sorted by account).
	pub nodes: BoundedVec<AccountId, MaxNodes>,
	/// The seed of the hour's quorums.
	pub seed: [u8; 32],
	/// The quorum size `Q` when the hour opened.
	pub quorum: u32,
	/// Timestamp (ms) when the hour opened.
	pub opened_at: u64,
	/// Timestamp (ms) when it closed, once it has.
	pub closed_at: Option<u64>,
}

/// The hour record type of a runtime.
pub type HourRecordOf<T> = HourRecord<
	<T as frame_system::Config>::AccountId,
	<T as pallet_service_nodes::Config>::MaxNodes,
>;

/// The outcome of scoring one node for one hour.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Score {
	/// The quality, or `None` with too few reports (neutral).
	pub quality: Option<Perbill>,
	/// How many of the node's own measurements (as a tester) strayed from the medians.
	pub strays: u32,
	/// How many measurements it made as a tester (that were compared).
	pub measured: u32,
}

/// The standing type of a runtime.
pub type StandingOf<T> = Standing<<T as Config>::SlashAfterFlags>;

#[allow(unused_qualifications)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible::Mutate};
	use frame_system::{ensure_authorized, pallet_prelude::*};
	use sp_runtime::{traits::Zero, RuntimeAppPublic, Saturating};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>>
		+ pallet_service_nodes::Config
		+ pallet_hours::Config
	{
		/// What a node earns for a full hour of perfect service.
		#[pallet::constant]
		type HourlyReward: Get<BalanceOf<Self>>;

		/// How many nodes test each node (`Q`; fewer when there are fewer other nodes).
		#[pallet::constant]
		type QuorumSize: Get<u32>;

		/// Upper bound of `QuorumSize` (the stored bound of a report).
		#[pallet::constant]
		type MaxQuorum: Get<u32>;

		/// The fewest reports a node's quality is computed from; fewer is neutral.
		#[pallet::constant]
		type MinReports: Get<u32>;

		/// How many hours after an hour closed its reports are still accepted.
		#[pallet::constant]
		type ReportingLag: Get<SessionIndex>;

		/// The hours over which flagged hours are counted for a slash.
		#[pallet::constant]
		type PenaltyWindow: Get<SessionIndex>;

		/// Flagged hours within `PenaltyWindow` that slash the bond and unbond the node.
		#[pallet::constant]
		type SlashAfterFlags: Get<u32>;

		/// The share of the bond such a slash takes.
		#[pallet::constant]
		type SlashShare: Get<Perbill>;

		/// Below this quality an hour is flagged.
		#[pallet::constant]
		type FlagThreshold: Get<Perbill>;

		/// The credit of a new node, and the most a node can hold.
		#[pallet::constant]
		type MaxCredit: Get<u32>;

		/// The credit at which a decommissioned node is planned into the set again.
		#[pallet::constant]
		type RecommissionCredit: Get<u32>;

		/// A tester whose measurement's quality differs from the median quality by more than
		/// this strays.
		#[pallet::constant]
		type StrayTolerance: Get<Perbill>;

		/// Nominal length of an hour in timestamp time (ms): a shorter hour pays pro rata. (Not
		/// a metadata constant: the runtime derives it from the hour length in storage.)
		type NominalHourMs: Get<u64>;

		/// The time (ms) an hour opens and closes at, read when a block opens an hour. The
		/// runtime gives the start of the block's Aura slot, so an hour without missed slots
		/// lasts exactly [`Config::NominalHourMs`] and pays in full: block timestamps are the
		/// authors' clocks and jitter by milliseconds.
		type HourClock: Get<u64>;

		/// The knobs of the quality formula.
		type QualityParams: Get<QualityParams>;

		/// Settlement steps (one node scored or paid) run in each block's `on_initialize`.
		#[pallet::constant]
		type SettleStepsPerBlock: Get<u32>;

		/// Weight information for the calls and hooks of this pallet.
		type WeightInfo: WeightInfo;
	}

	/// A running hash of every block's parent hash: the source of each hour's seed.
	#[pallet::storage]
	pub type Seed<T: Config> = StorageValue<_, [u8; 32], ValueQuery>;

	/// The hour (session index) open now, once the pallet has opened one.
	#[pallet::storage]
	pub type OpenHour<T: Config> = StorageValue<_, SessionIndex, OptionQuery>;

	/// The hours not settled yet (at most `ReportingLag + 2` of them).
	#[pallet::storage]
	pub type Hours<T: Config> =
		StorageMap<_, Twox64Concat, SessionIndex, HourRecordOf<T>, OptionQuery>;

	/// Where each unsettled hour's settlement is (kept apart from the hour's record, so that a
	/// settlement step writes a few bytes, not the hour's node list).
	#[pallet::storage]
	pub type Phases<T: Config> = StorageMap<_, Twox64Concat, SessionIndex, Phase, OptionQuery>;

	/// The testers (indices into the hour's nodes) that have reported on an hour; each entry
	/// is removed when that node is paid.
	#[pallet::storage]
	pub type Reported<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SessionIndex, Twox64Concat, u32, (), OptionQuery>;

	/// The measurements of node `index` (into the hour's nodes) in an hour, with the index of
	/// the tester that made each.
	#[pallet::storage]
	pub type Measurements<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		SessionIndex,
		Twox64Concat,
		u32,
		BoundedVec<(u32, Measurement), T::MaxQuorum>,
		ValueQuery,
	>;

	/// The score of node `index` in an hour, between its scoring and its payment.
	#[pallet::storage]
	pub type Scores<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SessionIndex, Twox64Concat, u32, Score, ValueQuery>;

	/// The standing of every node that has been flagged or decommissioned (absent: full credit).
	#[pallet::storage]
	pub type Standings<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, StandingOf<T>, OptionQuery>;

	/// The decommissioned nodes, sorted (still tested every hour, so they can earn back their
	/// place).
	#[pallet::storage]
	pub type Decommissioned<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxNodes>, ValueQuery>;

	/// Everything this pallet has minted.
	#[pallet::storage]
	pub type TotalRewarded<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Hour `hour` opened with `nodes` nodes tested by quorums of `quorum`.
		HourOpened {
			/// The hour.
			hour: SessionIndex,
			/// How many nodes are tested.
			nodes: u32,
			/// The quorum size.
			quorum: u32,
		},
		/// A tester reported on hour `hour`.
		Reported {
			/// The hour.
			hour: SessionIndex,
			/// The tester's operator account.
			tester: T::AccountId,
		},
		/// A node was scored for an hour (`quality` `None`: too few reports, neutral).
		Scored {
			/// The hour.
			hour: SessionIndex,
			/// The node's operator account.
			who: T::AccountId,
			/// Its quality.
			quality: Option<Perbill>,
			/// How many reports it was scored from.
			reports: u32,
		},
		/// A node was paid `amount` for hour `hour`.
		Rewarded {
			/// The hour.
			hour: SessionIndex,
			/// The node's operator account.
			who: T::AccountId,
			/// The amount minted to it.
			amount: BalanceOf<T>,
		},
		/// A node earned nothing for hour `hour`, and why.
		NotRewarded {
			/// The hour.
			hour: SessionIndex,
			/// The node's operator account.
			who: T::AccountId,
			/// Why.
			reason: NoRewardReason,
		},
		/// A node's hour was below the flag threshold: it has `credit` left.
		NodeFlagged {
			/// The hour.
			hour: SessionIndex,
			/// The node's operator account.
			who: T::AccountId,
			/// Its quality.
			quality: Perbill,
			/// The credit it has left.
			credit: u32,
		},
		/// A node ran out of credit: it leaves the validator set at the next plan and is not
		/// paid until good hours restore its credit.
		NodeDecommissioned {
			/// The node's operator account.
			who: T::AccountId,
		},
		/// A decommissioned node served well again: it is planned into the set again.
		NodeRecommissioned {
			/// The node's operator account.
			who: T::AccountId,
		},
		/// A node had `flags` flagged hours within the penalty window: `slashed` was taken from
		/// its bond and it was unbonded.
		NodePunished {
			/// The node's operator account.
			who: T::AccountId,
			/// Its flagged hours in the window.
			flags: u32,
			/// The amount slashed.
			slashed: BalanceOf<T>,
		},
		/// Hour `hour` is settled: `paid` in total to `rewarded` nodes.
		HourSettled {
			/// The hour.
			hour: SessionIndex,
			/// How many nodes were paid.
			rewarded: u32,
			/// The total paid.
			paid: BalanceOf<T>,
		},
	}

	/// Why a node earned nothing for an hour.
	#[derive(
		Clone,
		Copy,
		PartialEq,
		Eq,
		Debug,
		Encode,
		Decode,
		DecodeWithMemTracking,
		TypeInfo,
		MaxEncodedLen,
	)]
	pub enum NoRewardReason {
		/// Its quality was zero (down for most of the hour, or lost most probes).
		NoService,
		/// It is decommissioned.
		Decommissioned,
		/// Its own reports as a tester strayed from the medians on most of its targets.
		StrayReports,
		/// It is no longer bonded (unbonding or gone).
		NotBonded,
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The hour is not open for reports: it has not closed yet, or its reporting window
		/// (`ReportingLag` hours) is over. Report each hour once it has closed.
		NotReportable,
		/// The tester was not tested in that hour, so it tests no one. Only the hour's nodes
		/// report.
		NotATester,
		/// This tester has already reported on that hour. One report per tester and hour.
		AlreadyReported,
		/// The report does not list one entry per target of the tester. Use the targets of the
		/// `NodeRewardsApi.targets` runtime API, in its order.
		WrongTargets,
		/// A measurement is inconsistent (more delivered than sent, more answered than checks,
		/// or no checks). Report what was measured.
		InconsistentMeasurement,
		/// The tester has no service key, or the signature is not its service key's over the
		/// report. Sign with the node's keystore (`ichs` key).
		BadSignature,
		/// Nothing to settle: no hour is past its reporting window.
		NothingToSettle,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			let parent = frame_system::Pallet::<T>::parent_hash();
			let mut input = Seed::<T>::get().to_vec();
			input.extend_from_slice(parent.as_ref());
			Seed::<T>::put(sp_io::hashing::blake2_256(&input));
			let mut weight = T::DbWeight::get().reads_writes(2, 1);

			let current = pallet_session::CurrentIndex::<T>::get();
			if OpenHour::<T>::get() != Some(current) {
				weight.saturating_accrue(Self::open_hour(current));
			}
			let steps = Self::settle_steps(T::SettleStepsPerBlock::get());
			weight.saturating_accrue(Self::settle_step_weight().saturating_mul(steps.into()));
			weight
		}

		fn integrity_test() {
			assert!(T::QuorumSize::get() >= 1, "QuorumSize must be positive");
			assert!(T::QuorumSize::get() <= T::MaxQuorum::get(), "QuorumSize exceeds MaxQuorum");
			assert!(T::MinReports::get() <= T::QuorumSize::get(), "MinReports exceeds QuorumSize");
			assert!(T::ReportingLag::get() >= 1, "reports need at least one hour to land");
			assert!(T::SlashAfterFlags::get() >= 1, "SlashAfterFlags must be positive");
			assert!(
				T::RecommissionCredit::get() >= 1
					&& T::RecommissionCredit::get() <= T::MaxCredit::get(),
				"RecommissionCredit must be between 1 and MaxCredit"
			);
			assert!(T::NominalHourMs::get() > 0, "NominalHourMs must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Report what the tester measured of its targets in `report.hour`.
		///
		/// A general (unsigned, fee-free) transaction, authorized by `signature`: the tester's
		/// service key over `"ichat/report/v1" ‖ genesis hash ‖ SCALE(report)`. Accepted once
		/// the hour has closed and for `ReportingLag` hours after, once per tester and hour.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::report(T::MaxQuorum::get()))]
		#[pallet::authorize(|_source, report, signature| {
			Pallet::<T>::check_report(report, signature)
				.map(|()| {
					let validity: ValidTransaction = ValidTransaction::with_tag_prefix("NodeRewardsReport")
						.priority(TransactionPriority::MAX / 2)
						.and_provides((report.hour, report.tester.clone()))
						.longevity(64)
						.propagate(true)
						.into();
					(validity, Weight::zero())
				})
				.map_err(|e| TransactionValidityError::Invalid(InvalidTransaction::Custom(e.code())))
		})]
		#[pallet::weight_of_authorize(<T as Config>::WeightInfo::authorize_report(T::MaxQuorum::get()))]
		pub fn report(
			origin: OriginFor<T>,
			report: ReportOf<T>,
			signature: <ServiceId as RuntimeAppPublic>::Signature,
		) -> DispatchResult {
			ensure_authorized(origin)?;
			let checked = Self::checked_report(&report, &signature).map_err(Error::<T>::from)?;
			Self::store_report(report, checked);
			Ok(())
		}

		/// Run up to `steps` settlement steps now (each scores or pays one node).
		///
		/// Any signed account may call it (it pays the fee); blocks run
		/// `SettleStepsPerBlock` steps on their own, so this is only needed to catch up faster.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::settle_step_weight().saturating_mul((*steps).into()))]
		pub fn settle(origin: OriginFor<T>, steps: u32) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let done = Self::settle_steps(steps);
			ensure!(done > 0, Error::<T>::NothingToSettle);
			Ok(Some(Self::settle_step_weight().saturating_mul(done.into())).into())
		}
	}

	/// Why a report is refused, as a small code for `InvalidTransaction::Custom`.
	#[derive(Clone, Copy, PartialEq, Eq, Debug)]
	pub enum ReportError {
		/// See [`Error::NotReportable`].
		NotReportable,
		/// See [`Error::NotATester`].
		NotATester,
		/// See [`Error::AlreadyReported`].
		AlreadyReported,
		/// See [`Error::WrongTargets`].
		WrongTargets,
		/// See [`Error::InconsistentMeasurement`].
		InconsistentMeasurement,
		/// See [`Error::BadSignature`].
		BadSignature,
	}

	impl ReportError {
		/// The `InvalidTransaction::Custom` code.
		pub fn code(self) -> u8 {
			match self {
				ReportError::NotReportable => 1,
				ReportError::NotATester => 2,
				ReportError::AlreadyReported => 3,
				ReportError::WrongTargets => 4,
				ReportError::InconsistentMeasurement => 5,
				ReportError::BadSignature => 6,
			}
		}
	}

	impl<T> From<ReportError> for Error<T> {
		fn from(e: ReportError) -> Error<T> {
			match e {
				ReportError::NotReportable => Error::NotReportable,
				ReportError::NotATester => Error::NotATester,
				ReportError::AlreadyReported => Error::AlreadyReported,
				ReportError::WrongTargets => Error::WrongTargets,
				ReportError::InconsistentMeasurement => Error::InconsistentMeasurement,
				ReportError::BadSignature => Error::BadSignature,
			}
		}
	}

	impl<T: Config> Pallet<T> {
		/// The bytes a tester's service key signs for `report`.
		pub fn report_payload(report: &ReportOf<T>) -> ReportPayload {
			crate::report_payload(&pallet_service_nodes::Pallet::<T>::genesis_hash(), report)
		}

		/// Check a report against the hour's record and the tester's service key.
		pub fn check_report(
			report: &ReportOf<T>,
			signature: &<ServiceId as RuntimeAppPublic>::Signature,
		) -> Result<(), ReportError> {
			Self::checked_report(report, signature).map(|_| ())
		}

		/// [`Self::check_report`], returning what the check found for [`Self::store_report`].
		fn checked_report(
			report: &ReportOf<T>,
			signature: &<ServiceId as RuntimeAppPublic>::Signature,
		) -> Result<CheckedReport, ReportError> {
			let open = OpenHour::<T>::get().ok_or(ReportError::NotReportable)?;
			let reportable =
				report.hour < open && open <= report.hour.saturating_add(T::ReportingLag::get());
			ensure!(reportable, ReportError::NotReportable);
			ensure!(
				Phases::<T>::get(report.hour) == Some(Phase::Reporting),
				ReportError::NotReportable
			);
			let record = Hours::<T>::get(report.hour).ok_or(ReportError::NotReportable)?;
			let tester = record
				.nodes
				.binary_search(&report.tester)
				.map_err(|_| ReportError::NotATester)? as u32;
			ensure!(
				!Reported::<T>::contains_key(report.hour, tester),
				ReportError::AlreadyReported
			);
			let targets =
				assignment::targets_of(&record.nodes, &record.seed, record.quorum, tester);
			ensure!(targets.len() == report.measurements.len(), ReportError::WrongTargets);
			ensure!(
				report.measurements.iter().flatten().all(Measurement::is_consistent),
				ReportError::InconsistentMeasurement
			);
			let key = pallet_service_nodes::Pallet::<T>::service_key(&report.tester)
				.ok_or(ReportError::BadSignature)?;
			ensure!(
				key.verify(&Self::report_payload(report), signature),
				ReportError::BadSignature
			);
			Ok(CheckedReport { tester, targets })
		}

		/// Store a report with what its check found.
		fn store_report(report: ReportOf<T>, checked: CheckedReport) {
			let CheckedReport { tester, targets } = checked;
			Reported::<T>::insert(report.hour, tester, ());
			for (target, m) in targets.into_iter().zip(report.measurements.iter()) {
				if let Some(m) = m {
					Measurements::<T>::mutate(report.hour, target, |list| {
						// Bounded by the quorum: one entry per tester of the target.
						let _ = list.try_push((tester, *m));
					});
				}
			}
			Self::deposit_event(Event::Reported { hour: report.hour, tester: report.tester });
		}

		/// The targets `tester` measures in hour `hour`, in report order (the runtime API).
		pub fn targets_of(hour: SessionIndex, tester: &T::AccountId) -> Vec<T::AccountId> {
			let Some(record) = Hours::<T>::get(hour) else { return Vec::new() };
			let Ok(index) = record.nodes.binary_search(tester) else { return Vec::new() };
			assignment::targets_of(&record.nodes, &record.seed, record.quorum, index as u32)
				.into_iter()
				.filter_map(|i| record.nodes.get(i as usize).cloned())
				.collect()
		}

		/// The weight of one settlement step: the costlier of scoring and paying one node.
		pub fn settle_step_weight() -> Weight {
			let weights = (
				<T as Config>::WeightInfo::score_step(T::MaxQuorum::get()),
				<T as Config>::WeightInfo::pay_step(),
			);
			weights.0.max(weights.1)
		}

		/// The testers of `target` in `hour` (the runtime API).
		pub fn testers_of(hour: SessionIndex, target: &T::AccountId) -> Vec<T::AccountId> {
			let Some(record) = Hours::<T>::get(hour) else { return Vec::new() };
			let Ok(index) = record.nodes.binary_search(target) else { return Vec::new() };
			assignment::testers(&record.nodes, &record.seed, record.quorum)
				.get(index)
				.map(|testers| {
					testers.iter().filter_map(|i| record.nodes.get(*i as usize).cloned()).collect()
				})
				.unwrap_or_default()
		}

		/// Whether `tester`'s report on `hour` is on chain (the runtime API).
		pub fn has_reported(hour: SessionIndex, tester: &T::AccountId) -> bool {
			Hours::<T>::get(hour)
				.and_then(|r| r.nodes.binary_search(tester).ok())
				.is_some_and(|i| Reported::<T>::contains_key(hour, i as u32))
		}

		/// `who`'s standing (the runtime API).
		pub fn standing_of(who: &T::AccountId) -> runtime_api::NodeStanding {
			let s = Standings::<T>::get(who).unwrap_or_else(Self::fresh_standing);
			runtime_api::NodeStanding {
				credit: s.credit,
				decommissioned: s.decommissioned,
				flagged: s.flagged.into_inner(),
			}
		}

		/// Close the open hour and open `hour`.
		pub(crate) fn open_hour(hour: SessionIndex) -> Weight {
			let now = T::HourClock::get();
			if let Some(previous) = OpenHour::<T>::get() {
				Hours::<T>::mutate(previous, |r| {
					if let Some(r) = r.as_mut() {
						r.closed_at = Some(now);
					}
				});
			}
			let mut nodes: Vec<T::AccountId> =
				pallet_service_nodes::ActiveNodes::<T>::get().into_inner();
			nodes.extend(Decommissioned::<T>::get());
			nodes.sort();
			nodes.dedup();
			let nodes = BoundedVec::truncate_from(nodes);
			let quorum = T::QuorumSize::get();
			let count = nodes.len() as u32;
			Hours::<T>::insert(
				hour,
				HourRecord {
					nodes,
					seed: Seed::<T>::get(),
					quorum,
					opened_at: now,
					closed_at: None,
				},
			);
			Phases::<T>::insert(hour, Phase::Reporting);
			OpenHour::<T>::put(hour);
			Self::deposit_event(Event::HourOpened {
				hour,
				nodes: count,
				quorum: assignment::quorum_size(count as usize, quorum) as u32,
			});
			<T as Config>::WeightInfo::open_hour(count)
		}

		/// The oldest hour whose reporting window is over, if any.
		fn settling_hour() -> Option<SessionIndex> {
			let open = OpenHour::<T>::get()?;
			let last = open.checked_sub(T::ReportingLag::get().saturating_add(1))?;
			// At most `ReportingLag + 2` hours are stored; look from the oldest possible.
			let first = last.saturating_sub(T::ReportingLag::get().saturating_add(2));
			(first..=last).find(|h| Hours::<T>::contains_key(h))
		}

		/// Run up to `max` settlement steps; returns how many ran.
		pub(crate) fn settle_steps(max: u32) -> u32 {
			let mut done = 0;
			while done < max {
				let Some(hour) = Self::settling_hour() else { break };
				let Some(record) = Hours::<T>::get(hour) else { break };
				let n = record.nodes.len() as u32;
				// Only the small phase is written per step, never the hour's node list.
				match Phases::<T>::get(hour).unwrap_or(Phase::Reporting) {
					Phase::Reporting => Phases::<T>::insert(hour, Phase::Scoring { next: 0 }),
					Phase::Scoring { next } if next < n => {
						Self::score(hour, &record, next);
						Phases::<T>::insert(hour, Phase::Scoring { next: next + 1 });
						done += 1;
					},
					Phase::Scoring { .. } => Phases::<T>::insert(hour, Phase::Paying { next: 0 }),
					Phase::Paying { next } if next < n => {
						Self::pay(hour, &record, next);
						Reported::<T>::remove(hour, next);
						Phases::<T>::insert(hour, Phase::Paying { next: next + 1 });
						done += 1;
					},
					Phase::Paying { .. } => {
						Hours::<T>::remove(hour);
						Phases::<T>::remove(hour);
						let (rewarded, paid) = HourTotals::<T>::take(hour);
						Self::deposit_event(Event::HourSettled { hour, rewarded, paid });
					},
				}
			}
			done
		}

		/// Score node `index` of `hour`: medians, quality, and which testers strayed.
		fn score(hour: SessionIndex, record: &HourRecordOf<T>, index: u32) {
			let list = Measurements::<T>::take(hour, index);
			let measurements: Vec<Measurement> = list.iter().map(|(_, m)| *m).collect();
			let params = T::QualityParams::get();
			let aggregate = quality::aggregate(&measurements, T::MinReports::get());
			let q = aggregate.map(|a| quality::quality(&a, &params));
			if let Some(q) = q {
				let tolerance = T::StrayTolerance::get();
				for (tester, m) in list.iter() {
					let own = quality::aggregate(core::slice::from_ref(m), 0)
						.map(|a| quality::quality(&a, &params))
						.unwrap_or(q);
					let off = if own > q { own.saturating_sub(q) } else { q.saturating_sub(own) };
					Scores::<T>::mutate(hour, tester, |s| {
						s.measured = s.measured.saturating_add(1);
						if off > tolerance {
							s.strays = s.strays.saturating_add(1);
						}
					});
				}
			}
			Scores::<T>::mutate(hour, index, |s| s.quality = q);
			if let Some(who) = record.nodes.get(index as usize) {
				Self::deposit_event(Event::Scored {
					hour,
					who: who.clone(),
					quality: q,
					reports: measurements.len() as u32,
				});
			}
		}

		/// Pay node `index` of `hour`, and update its standing.
		fn pay(hour: SessionIndex, record: &HourRecordOf<T>, index: u32) {
			let score = Scores::<T>::take(hour, index);
			let Some(who) = record.nodes.get(index as usize).cloned() else { return };
			let mut standing = Standings::<T>::get(&who).unwrap_or_else(Self::fresh_standing);
			let was_decommissioned = standing.decommissioned;

			// Standing first: a flag or a good hour, evidence permitting.
			let changes = standing.record(hour, score.quality, &Self::rules());
			if let (Some(credit), Some(quality)) = (changes.flagged, score.quality) {
				Self::deposit_event(Event::NodeFlagged { hour, who: who.clone(), quality, credit });
			}
			if changes.decommissioned {
				Self::deposit_event(Event::NodeDecommissioned { who: who.clone() });
			}
			if changes.recommissioned {
				Self::deposit_event(Event::NodeRecommissioned { who: who.clone() });
			}

			// Then the payment.
			let bonded = pallet_service_nodes::Nodes::<T>::get(&who)
				.is_some_and(|n| n.status == pallet_service_nodes::NodeStatus::Bonded);
			let strayed =
				score.measured > 0 && u64::from(score.strays) * 2 > u64::from(score.measured);
			let quality = score.quality.unwrap_or(Perbill::one());
			let reason = if !bonded {
				Some(NoRewardReason::NotBonded)
			} else if was_decommissioned {
				Some(NoRewardReason::Decommissioned)
			} else if strayed {
				Some(NoRewardReason::StrayReports)
			} else if quality.is_zero() {
				Some(NoRewardReason::NoService)
			} else {
				None
			};
			match reason {
				Some(reason) => {
					Self::deposit_event(Event::NotRewarded { hour, who: who.clone(), reason })
				},
				None => {
					let amount = Self::hour_share(record)
						.mul_floor(quality.mul_floor(T::HourlyReward::get()));
					if !amount.is_zero()
						&& <T as pallet_service_nodes::Config>::NativeBalance::mint_into(
							&who, amount,
						)
						.is_ok()
					{
						TotalRewarded::<T>::mutate(|t| *t = t.saturating_add(amount));
						HourTotals::<T>::mutate(hour, |(n, total)| {
							*n = n.saturating_add(1);
							*total = total.saturating_add(amount);
						});
						Self::deposit_event(Event::Rewarded { hour, who: who.clone(), amount });
					}
				},
			}

			if let Some(flags) = changes.punished {
				let bond = pallet_service_nodes::Nodes::<T>::get(&who).map(|n| n.bond);
				let slashed = bond
					.map(|b| {
						pallet_service_nodes::Pallet::<T>::slash(&who, T::SlashShare::get() * b)
					})
					.unwrap_or_default();
				// On its way out: it is not tested again once it leaves the set.
				pallet_service_nodes::Pallet::<T>::force_unbond(&who);
				Self::deposit_event(Event::NodePunished { who: who.clone(), flags, slashed });
			}
			if standing.decommissioned != was_decommissioned {
				Self::set_decommissioned(&who, standing.decommissioned);
			}

			if standing == Self::fresh_standing() || !bonded && !standing.decommissioned {
				Standings::<T>::remove(&who);
			} else {
				Standings::<T>::insert(&who, standing);
			}
		}

		/// The share of `HourlyReward` an hour of its timestamp length is worth (at most one).
		fn hour_share(record: &HourRecordOf<T>) -> Perbill {
			let elapsed =
				record.closed_at.unwrap_or(record.opened_at).saturating_sub(record.opened_at);
			Perbill::from_rational(elapsed.min(T::NominalHourMs::get()), T::NominalHourMs::get())
		}

		fn fresh_standing() -> StandingOf<T> {
			Standing::fresh(&Self::rules())
		}

		/// The standing rules of this pallet's constants.
		pub fn rules() -> standing::Rules {
			standing::Rules {
				flag_threshold: T::FlagThreshold::get(),
				max_credit: T::MaxCredit::get(),
				recommission_credit: T::RecommissionCredit::get(),
				penalty_window: T::PenaltyWindow::get(),
				slash_after_flags: T::SlashAfterFlags::get(),
			}
		}

		/// Keep [`Decommissioned`] in step with a node's standing.
		fn set_decommissioned(who: &T::AccountId, on: bool) {
			Decommissioned::<T>::mutate(|set| match (set.binary_search(who), on) {
				(Err(at), true) => {
					let _ = set.try_insert(at, who.clone());
				},
				(Ok(at), false) => {
					set.remove(at);
				},
				_ => {},
			});
		}

		/// Whether `who` is decommissioned (the registry leaves it out of the validator set).
		pub fn is_decommissioned(who: &T::AccountId) -> bool {
			Decommissioned::<T>::get().binary_search(who).is_ok()
		}

		/// Check the pallet's invariants.
		#[cfg(any(test, feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let decommissioned = Decommissioned::<T>::get();
			ensure!(
				decommissioned.windows(2).all(|w| w[0] < w[1]),
				"Decommissioned is not sorted and unique"
			);
			for who in decommissioned.iter() {
				ensure!(
					Standings::<T>::get(who).is_some_and(|s| s.decommissioned),
					"a decommissioned node has no decommissioned standing"
				);
			}
			for (who, standing) in Standings::<T>::iter() {
				ensure!(standing.credit <= T::MaxCredit::get(), "credit above MaxCredit");
				ensure!(
					standing.decommissioned == decommissioned.binary_search(&who).is_ok(),
					"a standing disagrees with Decommissioned"
				);
			}
			let stored = Hours::<T>::iter_keys().count() as u32;
			ensure!(stored <= T::ReportingLag::get().saturating_add(2), "too many unsettled hours");
			for (hour, record) in Hours::<T>::iter() {
				ensure!(record.nodes.windows(2).all(|w| w[0] < w[1]), "hour nodes not sorted");
				ensure!(Phases::<T>::contains_key(hour), "an unsettled hour has no phase");
				if Some(hour) != OpenHour::<T>::get() {
					ensure!(record.closed_at.is_some(), "a past hour is not closed");
				}
			}
			ensure!(
				Phases::<T>::iter_keys().all(Hours::<T>::contains_key),
				"a phase without its hour"
			);
			for (hour, tester, ()) in Reported::<T>::iter() {
				let nodes = Hours::<T>::get(hour).map(|r| r.nodes.len()).unwrap_or(0);
				ensure!((tester as usize) < nodes, "a reporter of an unknown hour or out of range");
			}
			Ok(())
		}
	}

	/// What checking a report found: the tester's index and its targets.
	pub(crate) struct CheckedReport {
		tester: u32,
		targets: Vec<u32>,
	}

	/// Per hour being paid: how many nodes were paid, and how much in total.
	#[pallet::storage]
	pub type HourTotals<T: Config> =
		StorageMap<_, Twox64Concat, SessionIndex, (u32, BalanceOf<T>), ValueQuery>;
}

/// The registry's view of decommissioned nodes (`pallet_service_nodes::Config::Decommissioned`).
impl<T: Config> frame_support::traits::Contains<T::AccountId> for Pallet<T> {
	fn contains(who: &T::AccountId) -> bool {
		Self::is_decommissioned(who)
	}
}
