//! The pallets whose benchmarks the node's `benchmark pallet` command runs.
//!
//! `define_benchmarks!` defines the `list_benchmarks!` and `add_benchmarks!` macros that the
//! benchmark runtime API in `apis.rs` expands; the paths are absolute so that they resolve
//! there. (`crate::` is meant: the macros expand in this crate, so `$crate` is not needed.)
#![allow(clippy::crate_in_macro_def)]

pub use frame_benchmarking::baseline::Pallet as BaselineBench;
pub use frame_system_benchmarking::Pallet as SystemBench;

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, crate::benchmarks::BaselineBench::<crate::Runtime>]
	[frame_system, crate::benchmarks::SystemBench::<crate::Runtime>]
	[pallet_balances, crate::Balances]
	[pallet_timestamp, crate::Timestamp]
	[pallet_sudo, crate::Sudo]
	[pallet_service_nodes, crate::ServiceNodes]
	[pallet_node_rewards, crate::NodeRewards]
);
