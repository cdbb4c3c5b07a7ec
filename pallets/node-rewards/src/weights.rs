//! Weights of the rewards pallet.
//!
//! The `()` implementation is for mock runtimes only. The runtime's weights are measured by
//! `scripts/bench-weights.sh` from `benchmarking.rs` and written to `SubstrateWeight` here;
//! until that run lands, `()` holds deliberately generous estimates (reads and writes counted
//! from the code, 50 µs per signature check, 25 µs per median).

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions of the rewards pallet.
pub trait WeightInfo {
	/// `report` storing `q` measurements.
	fn report(q: u32) -> Weight;
	/// Authorizing a `report` of `q` measurements (signature check included).
	fn authorize_report(q: u32) -> Weight;
	/// Scoring one node from `q` measurements (a settlement step).
	fn score_step(q: u32) -> Weight;
	/// Paying one node, in the worst case: a decommissioned node flagged, slashed, unbonded and
	/// taken out of a full decommissioned list in one step (a settlement step).
	fn pay_step() -> Weight;
	/// Opening an hour over `n` nodes.
	fn open_hour(n: u32) -> Weight;
}

/// Estimates for the runtime until the benchmark run replaces them.
pub struct SubstrateWeight<T>(PhantomData<T>);

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn report(q: u32) -> Weight {
		Weight::from_parts(80_000_000, 4_000)
			.saturating_add(Weight::from_parts(30_000_000, 600).saturating_mul(q.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 1))
			.saturating_add(T::DbWeight::get().reads_writes(q.into(), q.into()))
	}
	fn authorize_report(q: u32) -> Weight {
		Weight::from_parts(80_000_000, 4_000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(q.into()))
			.saturating_add(T::DbWeight::get().reads(5))
	}
	fn score_step(q: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(Weight::from_parts(10_000_000, 100).saturating_mul(q.into()))
			.saturating_add(T::DbWeight::get().reads_writes(4, 2))
			.saturating_add(T::DbWeight::get().reads_writes(q.into(), q.into()))
	}
	fn pay_step() -> Weight {
		Weight::from_parts(120_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 8))
	}
	fn open_hour(n: u32) -> Weight {
		Weight::from_parts(20_000_000, 2_000)
			.saturating_add(Weight::from_parts(200_000, 40).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads_writes(5, 3))
	}
}

impl WeightInfo for () {
	fn report(q: u32) -> Weight {
		Weight::from_parts(80_000_000, 4_000)
			.saturating_add(Weight::from_parts(30_000_000, 600).saturating_mul(q.into()))
	}
	fn authorize_report(q: u32) -> Weight {
		Weight::from_parts(80_000_000, 4_000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(q.into()))
	}
	fn score_step(q: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(Weight::from_parts(10_000_000, 100).saturating_mul(q.into()))
	}
	fn pay_step() -> Weight {
		Weight::from_parts(120_000_000, 8_000)
	}
	fn open_hour(n: u32) -> Weight {
		Weight::from_parts(20_000_000, 2_000)
			.saturating_add(Weight::from_parts(200_000, 40).saturating_mul(n.into()))
	}
}
