//! Runtime API of the rewards pallet: what a tester's node needs to probe and report, and
//! what an operator's client shows.
//!
//! The runtime implements it with the helpers on [`crate::Pallet`] (and pallet-session's key
//! owner lookup for [`NodeRewardsApi::operator_of_service_key`]). Runtime APIs are described
//! in the metadata, so polkadot.js calls them as `api.call.nodeRewardsApi.targets(hour, who)`
//! with no custom types.

use alloc::vec::Vec;
use codec::Codec;
use sp_staking::SessionIndex;

/// A node's standing as the API returns it.
#[derive(Clone, PartialEq, Eq, Debug, codec::Encode, codec::Decode, scale_info::TypeInfo)]
pub struct NodeStanding {
	/// Flagged hours it can still afford; at zero it is decommissioned.
	pub credit: u32,
	/// Whether it is decommissioned (not planned to validate, not paid).
	pub decommissioned: bool,
	/// Its flagged hours within the penalty window, oldest first.
	pub flagged: Vec<SessionIndex>,
}

sp_api::decl_runtime_apis! {
	/// Queries on the rewards pallet.
	pub trait NodeRewardsApi<AccountId>
	where
		AccountId: Codec,
	{
		/// The hour (session) open now, once the pallet has opened one.
		fn current_hour() -> Option<SessionIndex>;

		/// The nominal length of an hour in timestamp time, milliseconds (testers spread their
		/// probes over it).
		fn hour_length_ms() -> u64;

		/// The nodes `tester` tests in `hour`, in the order its report lists them (empty when
		/// it is not one of the hour's nodes, or the hour is settled).
		fn targets(hour: SessionIndex, tester: AccountId) -> Vec<AccountId>;

		/// The nodes that test `target` in `hour`.
		fn testers(hour: SessionIndex, target: AccountId) -> Vec<AccountId>;

		/// Whether `tester`'s report on `hour` is on chain.
		fn has_reported(hour: SessionIndex, tester: AccountId) -> bool;

		/// The operator whose service key (`ichs`, sr25519) is `key`.
		fn operator_of_service_key(key: [u8; 32]) -> Option<AccountId>;

		/// `who`'s standing: credit, decommissioned, flagged hours (full credit and no flags
		/// for a node never flagged).
		fn standing(who: AccountId) -> NodeStanding;
	}
}
