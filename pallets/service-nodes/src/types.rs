//! Types stored, emitted and returned by the service-node registry.
//!
//! Every type here is a plain SCALE struct or enum with `TypeInfo`, so polkadot.js and subxt decode
//! storage, events and runtime-API results from the metadata alone.

use crate::Config;
use alloc::{string::String, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{fungible, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::traits::ConstU32;
use sp_staking::SessionIndex;

/// The balance type of the currency bonds are held in.
pub type BalanceOf<T> = <<T as Config>::NativeBalance as fungible::Inspect<
	<T as frame_system::Config>::AccountId,
>>::Balance;

/// Funds taken from the bond hold by a slash, handed to `Config::Slash`.
pub type CreditOf<T> =
	fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::NativeBalance>;

/// Upper bound on the stored length of a peer id.
///
/// Only 38-byte ed25519 peer ids are accepted today (see [`crate::peer_id`]); the bound leaves room
/// for other identity-multihash key types without a storage migration.
pub const MAX_PEER_ID_LEN: u32 = 64;

/// A libp2p peer id in its binary (multihash) form.
pub type PeerId = BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>>;

/// One textual multiaddr, e.g. `/dns4/relay.example.org/tcp/30433/ws`, as UTF-8 bytes.
pub type Multiaddr<T> = BoundedVec<u8, <T as Config>::MaxMultiaddrLen>;

/// The multiaddrs a node announces.
pub type Multiaddrs<T> = BoundedVec<Multiaddr<T>, <T as Config>::MaxMultiaddrs>;

/// The registry record of a [`ServiceNode`] for runtime `T`.
pub type ServiceNodeOf<T> =
	ServiceNode<BalanceOf<T>, <T as Config>::MaxMultiaddrs, <T as Config>::MaxMultiaddrLen>;

/// The life cycle of a registered node.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum NodeStatus {
	/// Bonded: the node is planned into the validator set at every session rotation, as long as
	/// it has session keys.
	Bonded,
	/// The operator called `unbond` in session `requested_at`.
	///
	/// `unlock_at` is `None` while the node is still in the planned validator set (it leaves at
	/// the next session rotation, unless the validator floor keeps it). Once it is out of the
	/// planned set, `unlock_at` is the session from which `withdraw_unbonded` releases the bond:
	/// the first session in which the node no longer validates, plus the unbonding period.
	Unbonding {
		/// The session in which `unbond` was called.
		requested_at: SessionIndex,
		/// The session from which the bond can be withdrawn, once known.
		unlock_at: Option<SessionIndex>,
	},
}

/// Why a node left the validator set.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum DeactivationReason {
	/// The operator called `unbond`.
	Unbonded,
	/// The node has no session keys (they were purged through pallet-session), so it cannot
	/// validate. It rejoins once it sets keys again.
	NoSessionKeys,
	/// A slash left the bond below `MinBond`. The node rejoins once `bond_extra` tops it up.
	BelowMinBond,
	/// The rewards pallet decommissioned it for bad service. It rejoins once it is
	/// recommissioned (good hours restore its credit).
	Decommissioned,
}

/// A registered service node.
#[derive(
	Encode, Decode, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxAddrs, MaxAddrLen))]
#[codec(mel_bound(Balance: MaxEncodedLen))]
pub struct ServiceNode<Balance, MaxAddrs: Get<u32>, MaxAddrLen: Get<u32>>
where
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
{
	/// The relay's libp2p peer id (binary form, see [`crate::peer_id`]).
	pub peer_id: PeerId,
	/// The textual multiaddrs the relay listens on (see [`crate::multiaddr`]).
	pub multiaddrs: BoundedVec<BoundedVec<u8, MaxAddrLen>, MaxAddrs>,
	/// The amount held from the operator's account under `HoldReason::ServiceNodeBond`.
	pub bond: Balance,
	/// The session (hour) in which the node registered.
	pub registered_at: SessionIndex,
	/// The first session of the node's current uninterrupted run in the validator set; `None`
	/// while it is neither validating nor planned to.
	pub since: Option<SessionIndex>,
	/// Where the node is in its life cycle.
	pub status: NodeStatus,
}

/// A service node as the runtime API returns it: plain vectors, no runtime-specific bounds.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct NodeInfo<AccountId, Balance> {
	/// The operator's account, which is also the node's validator id.
	pub account: AccountId,
	/// The relay's libp2p peer id (binary form).
	pub peer_id: Vec<u8>,
	/// The textual multiaddrs the relay listens on, as UTF-8 bytes.
	pub multiaddrs: Vec<Vec<u8>>,
	/// The bonded amount.
	pub bond: Balance,
	/// The session in which the node registered.
	pub registered_at: SessionIndex,
	/// The first session of the node's current run in the validator set (always `Some` for
	/// entries returned by `active_nodes`).
	pub since: Option<SessionIndex>,
	/// Where the node is in its life cycle.
	pub status: NodeStatus,
}

impl<AccountId, Balance: Clone + PartialEq + Eq + core::fmt::Debug, MaxAddrs, MaxAddrLen>
	From<(AccountId, ServiceNode<Balance, MaxAddrs, MaxAddrLen>)> for NodeInfo<AccountId, Balance>
where
	MaxAddrs: Get<u32>,
	MaxAddrLen: Get<u32>,
{
	fn from((account, node): (AccountId, ServiceNode<Balance, MaxAddrs, MaxAddrLen>)) -> Self {
		NodeInfo {
			account,
			peer_id: node.peer_id.into_inner(),
			multiaddrs: node.multiaddrs.into_iter().map(BoundedVec::into_inner).collect(),
			bond: node.bond,
			registered_at: node.registered_at,
			since: node.since,
			status: node.status,
		}
	}
}

/// A service node bonded at genesis.
///
/// In a chain spec (JSON) it reads:
///
/// ```json
/// {
///   "account": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
///   "peerId": "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp",
///   "multiaddrs": ["/ip4/127.0.0.1/tcp/30433"],
///   "bond": 1000000000000000000
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisNode<AccountId, Balance> {
	/// The operator's account. Its free balance (from the balances genesis) must cover `bond`.
	pub account: AccountId,
	/// The relay's peer id in its textual base58 form (`12D3KooW…`).
	pub peer_id: String,
	/// The relay's textual multiaddrs.
	pub multiaddrs: Vec<String>,
	/// The amount to hold as bond; at least `MinBond`.
	pub bond: Balance,
}

/// Creates session keys and their ownership proof for benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Keys> {
	/// Session keys owned by `owner` (distinct for distinct owners) and the proof pallet-session's
	/// `set_keys` accepts for them when signed by `owner`.
	fn session_keys_and_proof(owner: &AccountId) -> (Keys, Vec<u8>);

	/// A fresh ed25519 relay key (distinct for distinct payloads) and its signature over
	/// `payload` (see [`crate::relay_proof`]).
	fn relay_key_and_signature(payload: &[u8]) -> ([u8; 32], crate::RelayProof);
}
