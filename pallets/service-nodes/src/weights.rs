
//! Weights for `pallet_service_nodes`, measured by `ichat-node benchmark pallet` (frame-benchmarking CLI
//! 64.0.0). Regenerate with `scripts/bench-weights.sh`; do not edit by hand.
//!
//! DATE: 2026-11-24, STEPS: `20`, REPEAT: `5`, LOW RANGE: `[]`, HIGH RANGE: `[]`
//! WORST CASE MAP SIZE: `1000000`
//! HOSTNAME: `vm`, CPU: `AMD EPYC`
//! WASM-EXECUTION: `Compiled`, CHAIN: `None`, DB CACHE: `1024`

// Executed Command:
// /root/.cache/ichat-target/release/ichat-node
// benchmark
// pallet
// --runtime
// /root/.cache/ichat-target/release/wbuild/ichat-runtime/ichat_runtime.compact.compressed.wasm
// --genesis-builder=runtime
// --genesis-builder-preset=development
// --pallet=pallet_service_nodes
// --extrinsic=*
// --steps=20
// --repeat=5
// --template=scripts/pallet-weight-template.hbs
// --output=pallets/service-nodes/src/weights.rs

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]
#![allow(dead_code)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// The weight of each call of `pallet_service_nodes`.
pub trait WeightInfo {
	fn register(m: u32, ) -> Weight;
	fn bond_extra() -> Weight;
	fn update_endpoint(m: u32, ) -> Weight;
	fn unbond() -> Weight;
	fn withdraw_unbonded() -> Weight;
	fn force_remove() -> Weight;
	fn set_min_validators() -> Weight;
	fn set_unbonding_period() -> Weight;
	fn new_session(n: u32, ) -> Weight;
}

/// Measured weights, priced with the runtime's database weights (`T::DbWeight`).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `ServiceNodes::Nodes` (r:1 w:1)
	/// Proof: `ServiceNodes::Nodes` (`max_values`: None, `max_size`: Some(2214), added: 4689, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::PeerIds` (r:1 w:1)
	/// Proof: `ServiceNodes::PeerIds` (`max_values`: None, `max_size`: Some(114), added: 2589, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::CounterForNodes` (r:1 w:1)
	/// Proof: `ServiceNodes::CounterForNodes` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:1 w:1)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `Session::KeyOwner` (r:2 w:2)
	/// Proof: `Session::KeyOwner` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `Session::CurrentIndex` (r:1 w:0)
	/// Proof: `Session::CurrentIndex` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// The range of component `m` is `[1, 8]`.
	fn register(m: u32, ) -> Weight {
		// Minimum execution time: 151_839_000 picoseconds.
		Weight::from_parts(163_656_858, 6770)
			.saturating_add(Weight::from_parts(1_757_729, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	/// Storage: `ServiceNodes::Nodes` (r:1 w:1)
	/// Proof: `ServiceNodes::Nodes` (`max_values`: None, `max_size`: Some(2214), added: 4689, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	fn bond_extra() -> Weight {
		// Minimum execution time: 58_939_000 picoseconds.
		Weight::from_parts(61_993_000, 5679)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(3_u64))
	}
	/// Storage: `ServiceNodes::Nodes` (r:1 w:1)
	/// Proof: `ServiceNodes::Nodes` (`max_values`: None, `max_size`: Some(2214), added: 4689, mode: `MaxEncodedLen`)
	/// The range of component `m` is `[1, 8]`.
	fn update_endpoint(m: u32, ) -> Weight {
		// Minimum execution time: 16_194_000 picoseconds.
		Weight::from_parts(15_402_778, 5679)
			.saturating_add(Weight::from_parts(2_178_143, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `Session::CurrentIndex` (r:1 w:0)
	/// Proof: `Session::CurrentIndex` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `ServiceNodes::Nodes` (r:1 w:1)
	/// Proof: `ServiceNodes::Nodes` (`max_values`: None, `max_size`: Some(2214), added: 4689, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::QueuedNodes` (r:1 w:0)
	/// Proof: `ServiceNodes::QueuedNodes` (`max_values`: Some(1), `max_size`: Some(32002), added: 32497, mode: `MaxEncodedLen`)
	fn unbond() -> Weight {
		// Minimum execution time: 24_256_000 picoseconds.
		Weight::from_parts(26_741_000, 34344)
			.saturating_add(T::DbWeight::get().reads(3_u64))
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `ServiceNodes::Nodes` (r:1 w:1)
	/// Proof: `ServiceNodes::Nodes` (`max_values`: None, `max_size`: Some(2214), added: 4689, mode: `MaxEncodedLen`)
	/// Storage: `Session::CurrentIndex` (r:1 w:0)
	/// Proof: `Session::CurrentIndex` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `ServiceNodes::ActiveNodes` (r:1 w:0)
	/// Proof: `ServiceNodes::ActiveNodes` (`max_values`: Some(1), `max_size`: Some(32002), added: 32497, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::QueuedNodes` (r:1 w:0)
	/// Proof: `ServiceNodes::QueuedNodes` (`max_values`: Some(1), `max_size`: Some(32002), added: 32497, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::CounterForNodes` (r:1 w:1)
	/// Proof: `ServiceNodes::CounterForNodes` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:1 w:1)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `Session::ExternallySetKeys` (r:1 w:0)
	/// Proof: `Session::ExternallySetKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `ServiceNodes::PeerIds` (r:0 w:1)
	/// Proof: `ServiceNodes::PeerIds` (`max_values`: None, `max_size`: Some(114), added: 2589, mode: `MaxEncodedLen`)
	/// Storage: `Session::KeyOwner` (r:0 w:2)
	/// Proof: `Session::KeyOwner` (`max_values`: None, `max_size`: None, mode: `Measured`)
	fn withdraw_unbonded() -> Weight {
		// Minimum execution time: 103_575_000 picoseconds.
		Weight::from_parts(111_177_000, 36649)
			.saturating_add(T::DbWeight::get().reads(9_u64))
			.saturating_add(T::DbWeight::get().writes(8_u64))
	}
	/// Storage: `ServiceNodes::Nodes` (r:1 w:1)
	/// Proof: `ServiceNodes::Nodes` (`max_values`: None, `max_size`: Some(2214), added: 4689, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::CounterForNodes` (r:1 w:1)
	/// Proof: `ServiceNodes::CounterForNodes` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Balances::Holds` (r:1 w:1)
	/// Proof: `Balances::Holds` (`max_values`: None, `max_size`: Some(85), added: 2560, mode: `MaxEncodedLen`)
	/// Storage: `System::Account` (r:1 w:1)
	/// Proof: `System::Account` (`max_values`: None, `max_size`: Some(128), added: 2603, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:1 w:1)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `Session::ExternallySetKeys` (r:1 w:0)
	/// Proof: `Session::ExternallySetKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `ServiceNodes::ActiveNodes` (r:1 w:1)
	/// Proof: `ServiceNodes::ActiveNodes` (`max_values`: Some(1), `max_size`: Some(32002), added: 32497, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::QueuedNodes` (r:1 w:1)
	/// Proof: `ServiceNodes::QueuedNodes` (`max_values`: Some(1), `max_size`: Some(32002), added: 32497, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::PeerIds` (r:0 w:1)
	/// Proof: `ServiceNodes::PeerIds` (`max_values`: None, `max_size`: Some(114), added: 2589, mode: `MaxEncodedLen`)
	/// Storage: `Session::KeyOwner` (r:0 w:2)
	/// Proof: `Session::KeyOwner` (`max_values`: None, `max_size`: None, mode: `Measured`)
	fn force_remove() -> Weight {
		// Minimum execution time: 108_403_000 picoseconds.
		Weight::from_parts(114_813_000, 36612)
			.saturating_add(T::DbWeight::get().reads(8_u64))
			.saturating_add(T::DbWeight::get().writes(10_u64))
	}
	/// Storage: `ServiceNodes::MinValidators` (r:0 w:1)
	/// Proof: `ServiceNodes::MinValidators` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn set_min_validators() -> Weight {
		// Minimum execution time: 3_796_000 picoseconds.
		Weight::from_parts(4_216_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `ServiceNodes::UnbondingPeriod` (r:0 w:1)
	/// Proof: `ServiceNodes::UnbondingPeriod` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	fn set_unbonding_period() -> Weight {
		// Minimum execution time: 3_826_000 picoseconds.
		Weight::from_parts(4_256_000, 0)
			.saturating_add(T::DbWeight::get().writes(1_u64))
	}
	/// Storage: `ServiceNodes::QueuedNodes` (r:1 w:1)
	/// Proof: `ServiceNodes::QueuedNodes` (`max_values`: Some(1), `max_size`: Some(32002), added: 32497, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::Nodes` (r:1001 w:1000)
	/// Proof: `ServiceNodes::Nodes` (`max_values`: None, `max_size`: Some(2214), added: 4689, mode: `MaxEncodedLen`)
	/// Storage: `Session::NextKeys` (r:1000 w:0)
	/// Proof: `Session::NextKeys` (`max_values`: None, `max_size`: None, mode: `Measured`)
	/// Storage: `ServiceNodes::MinValidators` (r:1 w:0)
	/// Proof: `ServiceNodes::MinValidators` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `ServiceNodes::UnbondingPeriod` (r:1 w:0)
	/// Proof: `ServiceNodes::UnbondingPeriod` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// Storage: `Session::Validators` (r:1 w:0)
	/// Proof: `Session::Validators` (`max_values`: Some(1), `max_size`: None, mode: `Measured`)
	/// Storage: `ServiceNodes::PlannedSession` (r:0 w:1)
	/// Proof: `ServiceNodes::PlannedSession` (`max_values`: Some(1), `max_size`: Some(4), added: 499, mode: `MaxEncodedLen`)
	/// The range of component `n` is `[1, 1000]`.
	fn new_session(n: u32, ) -> Weight {
		// Minimum execution time: 22_964_000 picoseconds.
		Weight::from_parts(23_335_000, 33487)
			.saturating_add(Weight::from_parts(16_921_135, 0).saturating_mul(n.into()))
			.saturating_add(T::DbWeight::get().reads(5_u64))
			.saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(T::DbWeight::get().writes(2_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 4689).saturating_mul(n.into()))
	}
}

/// The same measurements priced with RocksDB weights, for mock runtimes in tests.
impl WeightInfo for () {
	fn register(m: u32, ) -> Weight {
		Weight::from_parts(163_656_858, 6770)
			.saturating_add(Weight::from_parts(1_757_729, 0).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads(9_u64))
			.saturating_add(RocksDbWeight::get().writes(8_u64))
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(61_993_000, 5679)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(3_u64))
	}
	fn update_endpoint(m: u32, ) -> Weight {
		Weight::from_parts(15_402_778, 5679)
			.saturating_add(Weight::from_parts(2_178_143, 0).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn unbond() -> Weight {
		Weight::from_parts(26_741_000, 34344)
			.saturating_add(RocksDbWeight::get().reads(3_u64))
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn withdraw_unbonded() -> Weight {
		Weight::from_parts(111_177_000, 36649)
			.saturating_add(RocksDbWeight::get().reads(9_u64))
			.saturating_add(RocksDbWeight::get().writes(8_u64))
	}
	fn force_remove() -> Weight {
		Weight::from_parts(114_813_000, 36612)
			.saturating_add(RocksDbWeight::get().reads(8_u64))
			.saturating_add(RocksDbWeight::get().writes(10_u64))
	}
	fn set_min_validators() -> Weight {
		Weight::from_parts(4_216_000, 0)
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn set_unbonding_period() -> Weight {
		Weight::from_parts(4_256_000, 0)
			.saturating_add(RocksDbWeight::get().writes(1_u64))
	}
	fn new_session(n: u32, ) -> Weight {
		Weight::from_parts(23_335_000, 33487)
			.saturating_add(Weight::from_parts(16_921_135, 0).saturating_mul(n.into()))
			.saturating_add(RocksDbWeight::get().reads(5_u64))
			.saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(n.into())))
			.saturating_add(RocksDbWeight::get().writes(2_u64))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(n.into())))
			.saturating_add(Weight::from_parts(0, 4689).saturating_mul(n.into()))
	}
}
