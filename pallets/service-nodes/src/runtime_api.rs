//! Runtime API of the service-node registry.
//!
//! The runtime implements it by calling the helpers on [`crate::Pallet`]:
//!
//! ```ignore
//! impl pallet_service_nodes::runtime_api::ServiceNodesApi<Block, AccountId, Balance> for Runtime {
//!     fn active_nodes() -> Vec<NodeInfo<AccountId, Balance>> { ServiceNodes::active_nodes() }
//!     fn registered_nodes() -> Vec<NodeInfo<AccountId, Balance>> { ServiceNodes::registered_nodes() }
//!     fn node(account: AccountId) -> Option<NodeInfo<AccountId, Balance>> { ServiceNodes::node(account) }
//!     fn node_by_peer_id(peer_id: Vec<u8>) -> Option<NodeInfo<AccountId, Balance>> {
//!         ServiceNodes::node_by_peer_id(peer_id)
//!     }
//!     fn current_session() -> u32 { ServiceNodes::current_session() }
//! }
//! ```
//!
//! Runtime APIs are described in the metadata (v15+), so polkadot.js calls them as
//! `api.call.serviceNodesApi.activeNodes()` with no custom types.

use crate::types::NodeInfo;
use alloc::vec::Vec;
use codec::Codec;
use sp_staking::SessionIndex;

sp_api::decl_runtime_apis! {
	/// Queries on the service-node registry, for relays (which peers are legitimate), clients
	/// (which nodes to connect to) and the rewards logic (who served the hour).
	pub trait ServiceNodesApi<AccountId, Balance>
	where
		AccountId: Codec,
		Balance: Codec,
	{
		/// The nodes validating the current session (hour), in validator order: account, peer id,
		/// multiaddrs, bond and `since` (the first session of their current run).
		fn active_nodes() -> Vec<NodeInfo<AccountId, Balance>>;

		/// Every registered node, bonded or unbonding, sorted by account.
		fn registered_nodes() -> Vec<NodeInfo<AccountId, Balance>>;

		/// The node of operator `account`, if registered.
		fn node(account: AccountId) -> Option<NodeInfo<AccountId, Balance>>;

		/// The node registered under the binary peer id `peer_id`, if any.
		fn node_by_peer_id(peer_id: Vec<u8>) -> Option<NodeInfo<AccountId, Balance>>;

		/// The current session (hour) index.
		fn current_session() -> SessionIndex;
	}
}
