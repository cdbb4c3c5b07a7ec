//! Unit tests of the hours pallet on a minimal mock runtime.

use crate as pallet_hours;
use frame_support::{
	derive_impl,
	traits::{ConstU64, EstimateNextSessionRotation},
};
use pallet_session::ShouldEndSession;
use sp_runtime::{BuildStorage, Permill};

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Hours = pallet_hours;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

impl pallet_hours::Config for Test {
	type DefaultHourLength = ConstU64<600>;
}

fn ext(hour_length: u64) -> sp_io::TestExternalities {
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		hours: pallet_hours::GenesisConfig { hour_length },
	}
	.build_storage()
	.expect("mock genesis builds; qed");
	storage.into()
}

#[test]
fn default_length_is_used_when_genesis_leaves_it_unset() {
	ext(0).execute_with(|| {
		assert_eq!(Hours::hour_length(), 600);
		assert!(!Hours::should_end_session(599));
		assert!(Hours::should_end_session(600));
		assert!(Hours::should_end_session(1200));
	});
}

#[test]
fn genesis_stores_the_length_even_when_it_is_the_default() {
	ext(0).execute_with(|| {
		// In storage, not only the storage default: an upgrade that changes
		// `DefaultHourLength` leaves this chain's hours where they are.
		assert_eq!(pallet_hours::HourLength::<Test>::try_get(), Ok(600));
	});
	ext(10).execute_with(|| {
		assert_eq!(pallet_hours::HourLength::<Test>::try_get(), Ok(10));
	});
}

#[test]
fn genesis_sets_a_short_hour() {
	ext(10).execute_with(|| {
		assert_eq!(Hours::hour_length(), 10);
		let ends: Vec<u64> = (1..=35).filter(|n| Hours::should_end_session(*n)).collect();
		assert_eq!(ends, vec![10, 20, 30]);
	});
}

#[test]
fn estimates_follow_the_hour_length() {
	ext(10).execute_with(|| {
		assert_eq!(Hours::average_session_length(), 10);
		assert_eq!(Hours::estimate_next_session_rotation(3).0, Some(10));
		assert_eq!(Hours::estimate_next_session_rotation(10).0, Some(20));
		assert_eq!(Hours::estimate_current_session_progress(5).0, Some(Permill::from_percent(50)));
		assert_eq!(Hours::estimate_current_session_progress(10).0, Some(Permill::one()));
	});
}

#[test]
fn a_zero_in_storage_never_divides_by_zero() {
	ext(10).execute_with(|| {
		pallet_hours::HourLength::<Test>::put(0);
		assert_eq!(Hours::hour_length(), 1);
		assert!(Hours::should_end_session(7));
	});
}
