//! # Hours pallet
//!
//! The iChat "hour": the session length that is also the network's reward and postage
//! settlement epoch.
//!
//! ## Overview
//!
//! iChat pays service nodes for every *full hour* of service and settles postage once an
//! hour. On chain an hour is one `pallet-session` session. On the production chain an hour
//! is 600 blocks of 6 s; a test chain spec can choose a much shorter hour (say 10 blocks) so
//! that everything that happens "at the end of an hour" can be exercised in minutes.
//!
//! This pallet stores that length, set once in the genesis config of the chain spec, and
//! implements [`pallet_session::ShouldEndSession`] and
//! [`frame_support::traits::EstimateNextSessionRotation`] from it. The hour index is
//! `pallet_session::CurrentIndex`.
//!
//! ## Example
//!
//! In the runtime:
//!
//! ```ignore
//! impl pallet_hours::Config for Runtime {
//!     type DefaultHourLength = ConstU32<600>;
//! }
//! impl pallet_session::Config for Runtime {
//!     type ShouldEndSession = Hours;
//!     type NextSessionRotation = Hours;
//!     // ...
//! }
//! ```
//!
//! and in a genesis preset: `"hours": { "hourLength": 10 }`.
//!
//! ## Design
//!
//! An hour ends at every block whose number is a multiple of the hour length, the same rule
//! as `pallet_session::PeriodicSessions` with offset 0. The length is a storage value rather
//! than a compile-time constant so that one runtime build serves both the production chain
//! and fast test chains. The genesis build always writes it (the default included), so the
//! length of a chain lives in its state, not in the runtime code: a runtime upgrade can never
//! move an hour boundary. It has no setter: changing it on a live chain would move every
//! hour boundary, which the reward and postage accounting must not see.
//!
//! ## Terminology
//!
//! - *Hour*: one session; the unit in which rewards are earned and postage is settled.
//! - *Hour length*: the number of blocks in an hour.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(test)]
mod tests;

// The FRAME macros (`#[pallet::storage]`, `#[pallet::genesis_build]`) expand to fully
// qualified paths with call-site spans, which trips the workspace's `unused_qualifications`
// lint inside this module only.
#[allow(unused_qualifications)]
#[frame_support::pallet]
pub mod pallet {
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::{traits::Zero, Permill, Saturating};

	/// Configuration of the hours pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Hour length used when the genesis config does not set one (600 blocks of 6 s on
		/// the production chain).
		#[pallet::constant]
		type DefaultHourLength: Get<BlockNumberFor<Self>>;
	}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Number of blocks in one hour (one session). Never zero.
	#[pallet::storage]
	pub type HourLength<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, T::DefaultHourLength>;

	/// Genesis configuration: the hour length of this chain.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Blocks per hour; `0` keeps [`Config::DefaultHourLength`].
		pub hour_length: BlockNumberFor<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let length = if self.hour_length.is_zero() {
				T::DefaultHourLength::get()
			} else {
				self.hour_length
			};
			assert!(
				!length.is_zero(),
				"the hour length must be at least one block; set hours.hourLength or DefaultHourLength"
			);
			// Always written, never left to the storage default: a runtime upgrade that changes
			// `DefaultHourLength` must not move the hour boundaries of a running chain.
			HourLength::<T>::put(length);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(!HourLength::<T>::get().is_zero(), "hour length is zero");
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The hour length, never zero (a zero in storage would be a corrupted state; it is
		/// read as one block so that no division by zero can happen).
		pub fn hour_length() -> BlockNumberFor<T> {
			let len = HourLength::<T>::get();
			if len.is_zero() {
				1u32.into()
			} else {
				len
			}
		}

		/// Blocks already elapsed in the current hour at block `now`.
		fn elapsed(now: BlockNumberFor<T>) -> BlockNumberFor<T> {
			now % Self::hour_length()
		}
	}

	impl<T: Config> pallet_session::ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
		fn should_end_session(now: BlockNumberFor<T>) -> bool {
			Self::elapsed(now).is_zero()
		}
	}

	impl<T: Config> frame_support::traits::EstimateNextSessionRotation<BlockNumberFor<T>>
		for Pallet<T>
	{
		fn average_session_length() -> BlockNumberFor<T> {
			Self::hour_length()
		}

		fn estimate_current_session_progress(now: BlockNumberFor<T>) -> (Option<Permill>, Weight) {
			let len = Self::hour_length();
			// The block that ends an hour is the first block of the next one: progress 0 is
			// reported as a full hour, as `PeriodicSessions` does.
			let elapsed = Self::elapsed(now);
			let progress = if elapsed.is_zero() {
				Permill::one()
			} else {
				Permill::from_rational(elapsed, len)
			};
			(Some(progress), T::DbWeight::get().reads(1))
		}

		fn estimate_next_session_rotation(
			now: BlockNumberFor<T>,
		) -> (Option<BlockNumberFor<T>>, Weight) {
			let len = Self::hour_length();
			let next = now.saturating_add(len.saturating_sub(Self::elapsed(now)));
			(Some(next), T::DbWeight::get().reads(1))
		}
	}
}
