//! # Service-Nodes Pallet
//!
//! The registry of iChat service nodes: who bonded at least `MinBond` (1,000,000 iChat on the
//! iChat chain), under which libp2p peer id and at which multiaddrs their relay listens, and so
//! which relays are legitimate and who validates. It is pallet-session's `SessionManager`: the
//! validator set of every session (one hour) is the set of active service nodes.
//!
//! - [`Config`]
//! - [`Call`]
//! - [`Pallet`]
//! - [`runtime_api::ServiceNodesApi`]
//!
//! ## Overview
//!
//! An operator registers a node with [`Pallet::register`]: it bonds at least
//! [`Config::MinBond`] (held from its free balance under [`HoldReason::ServiceNodeBond`]), names
//! its relay's peer id (with the relay key's consent, [`relay_proof`]) and multiaddrs, and sets
//! the node's session keys (Aura, GRANDPA, and the [`service_key`]) through pallet-session with
//! the ownership proof `author_rotateKeysWithOwner` returns. From the next
//! session rotation on the node is planned into the validator set, and it validates from the
//! session after that (pallet-session queues every set one session ahead).
//!
//! [`Pallet::unbond`] takes it out of the set planned at the next rotation; the bond stays held for
//! [`UnbondingPeriod`] sessions after the node stopped validating, and
//! [`Pallet::withdraw_unbonded`] then releases it and clears the record and the session keys.
//! The set never shrinks below [`MinValidators`] because of unbonding: leaving nodes are kept
//! until others replace them.
//!
//! ## Example
//!
//! The textual multiaddrs and peer ids the registry accepts can be checked off-chain with the same
//! code the runtime runs:
//!
//! ```
//! use pallet_service_nodes::{multiaddr, peer_id};
//!
//! let id = peer_id::from_ed25519_public(&[7u8; 32]);
//! assert!(peer_id::to_base58(&id).starts_with("12D3KooW"));
//! assert!(multiaddr::validate(b"/ip4/1.2.3.4/tcp/30433", &id).is_ok());
//! assert!(multiaddr::validate(b"/dns4/relay.example.org/tcp/443/wss", &id).is_ok());
//! assert!(multiaddr::validate(b"/ip6/::1/udp/30433/quic-v1", &id).is_ok());
//! assert!(multiaddr::validate(b"/ip4/1.2.3.4/udp/30433", &id).is_err());
//! ```
//!
//! From polkadot.js (no custom types needed; `docs/operator-guide.md` has the whole procedure):
//!
//! ```text
//! // On the operator's own node (unsafe RPCs): keys and their proof for the operator account,
//! // and the relay key's consent to be registered by it.
//! const owner = u8aToHex(decodeAddress(operator.address));
//! const { keys, proof } = await provider.send('author_rotateKeysWithOwner', [owner]);
//! const relay = await provider.send('ichat_relayOwnershipProof', [owner]);
//! await api.tx.serviceNodes
//!   .register(bond, relay.peerIdHex, relay.proof, ['/ip4/203.0.113.7/tcp/40333'], keys, proof)
//!   .signAndSend(operator);
//! const active = await api.call.serviceNodesApi.activeNodes();
//! ```
//!
//! ## Design
//!
//! ### Life cycle of a node
//!
//! ```text
//!  register ──► Bonded ──unbond──► Unbonding { unlock_at: None }   (still in the planned set)
//!                 ▲                       │  next rotation (unless the floor keeps it)
//!                 │                       ▼
//!                 │          Unbonding { unlock_at: Some(s) } ──withdraw_unbonded (session ≥ s)──► gone
//!  force_remove (root): Bonded ──► Unbonding (as if the operator had called unbond), with an
//!                       optional slash; an unbonding node is only slashed
//! ```
//!
//! ### Timing
//!
//! At the rotation into session `n` pallet-session calls `start_session(n)` and then
//! `new_session(n + 1)`: the set returned there validates in session `n + 1`. So:
//!
//! - a node registered during session `i` is planned at the rotation into `i + 1` and validates
//!   from session `i + 2` (its `since`);
//! - a node that unbonds during session `i` (and is not kept by the floor) is left out of the set
//!   planned at the rotation into `i + 1`, validates for the last time in session `i + 1`, and its
//!   bond unlocks at session `i + 2 + UnbondingPeriod`.
//!
//! ### Validator set
//!
//! The set planned for session `n` is every `Bonded` node that has session keys, sorted by
//! account (so the order is deterministic and the same on every node), at most
//! [`Config::MaxNodes`] since the registry itself is bounded by it. When that is fewer than
//! [`MinValidators`], nodes that asked to leave but are still in the set are kept (in account
//! order) until enough nodes have registered to replace them; [`Event::ValidatorFloorKept`] says
//! which. Their unbonding period only starts once they actually leave, since they validate until
//! then. When the set is unchanged the pallet returns `None`, so pallet-session does not announce
//! a new authority set (and GRANDPA does not change set id) every hour. An empty set is never
//! returned: if no node is eligible, the current set is kept ([`Event::NoEligibleNodes`]).
//!
//! A node whose session keys were purged through pallet-session cannot validate; it is left out
//! of the set ([`DeactivationReason::NoSessionKeys`]) and rejoins once it sets keys again.
//!
//! ### Genesis
//!
//! [`GenesisConfig`] lists the nodes bonded from genesis (account, base58 peer id, multiaddrs,
//! bond), the validator floor and the unbonding period. Its build checks each node like
//! `register` does and holds the bond from the account's genesis balance, so the pallet must come
//! after Balances and before Session in the runtime. It does not touch session keys:
//! pallet-session's own genesis (`session.keys`) sets them, then calls
//! `new_session_genesis(0)` and `(1)`, which return the genesis nodes that have keys, sorted by
//! account. With no genesis nodes, pallet-session falls back to its `session.keys` list.
//!
//! ### Forced removal and slashing
//!
//! [`Pallet::force_remove`] (root) deactivates and unbonds a node on its operator's behalf, and
//! can slash part of its bond at the same time. It never releases a bond while the node still
//! validates: the node leaves the validator set at the next plan exactly as after `unbond`, and
//! its bond stays held for the unbonding period after that, so a penalty decided later (by the
//! rewards pallet, from the hours it still served) can still be taken from it. The validator
//! floor applies to forced removals too: GRANDPA needs more than two thirds of the set online,
//! so a removed node keeps validating until another node replaces it rather than letting the set
//! shrink below [`MinValidators`].
//!
//! [`Pallet::slash`] is the one place bonds are slashed (the rewards pallet calls it): it takes
//! the amount from the hold, lowers the recorded bond by the same amount (so the record and the
//! hold stay equal) and hands the slashed funds to [`Config::Slash`] (the iChat runtime burns
//! them). A node whose bond falls below [`Config::MinBond`] is left out of the next planned set
//! ([`DeactivationReason::BelowMinBond`]) until `bond_extra` tops it up again.
//!
//! The rewards pallet decides who serves badly: a node it decommissions ([`Config::Decommissioned`])
//! is left out of the next planned set ([`DeactivationReason::Decommissioned`]) until it is
//! recommissioned; persistent bad service is slashed through [`Pallet::slash`] and unbonded with
//! [`Pallet::force_unbond`]. No unbonding period may be shorter than
//! [`Config::MinUnbondingPeriod`] (the rewards penalty window plus its reporting lag), so a bond
//! is never withdrawn before the slash for the hours its node served can land.
//!
//! ## Terminology
//!
//! - **Service node:** a validator that also runs the iChat relay, identified by its operator's
//!   account (which is also its validator id).
//! - **Bond:** the amount held from the operator's account under
//!   [`HoldReason::ServiceNodeBond`]; at least [`Config::MinBond`].
//! - **Session / hour:** one pallet-session session (600 blocks of 6 s). Session indices count
//!   hours since genesis.
//! - **Active set:** the nodes validating the current session ([`ActiveNodes`]).
//! - **Queued set:** the nodes planned to validate the next session ([`QueuedNodes`]).
//! - **Validator floor:** [`MinValidators`], the size below which unbonding cannot shrink the set.
//! - **Unbonding period:** [`UnbondingPeriod`], the number of sessions a bond stays held after the
//!   node stopped validating.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub mod multiaddr;
pub mod peer_id;
pub mod relay_proof;
pub mod runtime_api;
pub mod service_key;
pub mod types;
pub mod weights;

pub use pallet::*;
pub use relay_proof::RelayProof;
pub use service_key::ServiceId;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{
		fungible::{self, BalancedHold, InspectHold, MutateHold},
		tokens::Precision,
		Contains, Get, Imbalance, OnUnbalanced,
	},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Convert, Saturating, Zero},
	DispatchError,
};
use sp_staking::SessionIndex;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::service-nodes";

// The FRAME macros (`#[pallet::storage]`, `#[pallet::error]`, `#[pallet::genesis_build]`) expand
// to fully qualified paths with call-site spans, which trips the workspace's
// `unused_qualifications` lint inside this module only.
#[allow(unused_qualifications)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::{StaticLookup, Zero};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	///
	/// The runtime's pallet-session must use this pallet as its `SessionManager`, and the pallet
	/// must be declared before `Session` in the runtime (its genesis must be built first).
	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>> + pallet_session::Config
	{
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The native currency bonds are held in (the runtime's pallet-balances).
		type NativeBalance: fungible::Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ BalancedHold<Self::AccountId>;

		/// Where slashed bond goes: `()` burns it (total issuance falls by the slashed amount);
		/// a treasury's `OnUnbalanced` would keep it.
		type Slash: OnUnbalanced<CreditOf<Self>>;

		/// The least a node must bond to register (1,000,000 iChat on the iChat chain).
		#[pallet::constant]
		type MinBond: Get<BalanceOf<Self>>;

		/// The most nodes the registry holds (registered and unbonding); also the largest
		/// validator set.
		#[pallet::constant]
		type MaxNodes: Get<u32>;

		/// The most multiaddrs a node may announce.
		#[pallet::constant]
		type MaxMultiaddrs: Get<u32>;

		/// The longest textual multiaddr, in bytes.
		#[pallet::constant]
		type MaxMultiaddrLen: Get<u32>;

		/// The unbonding period (in sessions) used when the genesis config does not set one.
		#[pallet::constant]
		type DefaultUnbondingPeriod: Get<SessionIndex>;

		/// The shortest unbonding period root (or a genesis) may set: the rewards pallet's
		/// penalty window plus its reporting lag, so that no bond is withdrawn before the slash
		/// for the hours its node served can land.
		#[pallet::constant]
		type MinUnbondingPeriod: Get<SessionIndex>;

		/// Nodes the rewards pallet decommissioned: left out of the planned validator set
		/// ([`DeactivationReason::Decommissioned`]) until it recommissions them.
		type Decommissioned: Contains<Self::AccountId>;

		/// Weight information for the calls of this pallet.
		type WeightInfo: WeightInfo;

		/// Creates session keys and ownership proofs for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<
			Self::AccountId,
			<Self as pallet_session::Config>::Keys,
		>;
	}

	/// A reason for the pallet placing a hold on funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The bond of a service node.
		#[codec(index = 0)]
		ServiceNodeBond,
	}

	/// The registry: every registered (bonded or unbonding) service node by operator account.
	#[pallet::storage]
	pub type Nodes<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, ServiceNodeOf<T>, OptionQuery>;

	/// The owner of each registered peer id.
	#[pallet::storage]
	pub type PeerIds<T: Config> =
		StorageMap<_, Blake2_128Concat, PeerId, T::AccountId, OptionQuery>;

	/// The nodes validating the current session, sorted by account.
	#[pallet::storage]
	pub type ActiveNodes<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxNodes>, ValueQuery>;

	/// The nodes planned to validate session [`PlannedSession`], sorted by account.
	#[pallet::storage]
	pub type QueuedNodes<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxNodes>, ValueQuery>;

	/// The session [`QueuedNodes`] was planned for.
	#[pallet::storage]
	pub type PlannedSession<T: Config> = StorageValue<_, SessionIndex, ValueQuery>;

	/// The validator floor: unbonding never shrinks the validator set below this many nodes.
	#[pallet::storage]
	pub type MinValidators<T: Config> = StorageValue<_, u32, ValueQuery, ConstU32<1>>;

	/// How many sessions a bond stays held after its node stopped validating.
	#[pallet::storage]
	pub type UnbondingPeriod<T: Config> =
		StorageValue<_, SessionIndex, ValueQuery, T::DefaultUnbondingPeriod>;

	/// Genesis configuration.
	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// Service nodes bonded from genesis. Their accounts must be endowed by the balances
		/// genesis, and their session keys set by the session genesis (`session.keys`).
		pub nodes: Vec<GenesisNode<T::AccountId, BalanceOf<T>>>,
		/// The validator floor (4 on the local network, 1 on the dev chain).
		pub min_validators: u32,
		/// The unbonding period in sessions (short on test chains).
		pub unbonding_period: SessionIndex,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self {
				nodes: Vec::new(),
				min_validators: 1,
				unbonding_period: T::DefaultUnbondingPeriod::get(),
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(
				self.min_validators >= 1 && self.min_validators <= T::MaxNodes::get(),
				"service-nodes genesis: min_validators must be between 1 and MaxNodes",
			);
			assert!(
				self.nodes.len() <= T::MaxNodes::get() as usize,
				"service-nodes genesis: more nodes than MaxNodes",
			);
			MinValidators::<T>::put(self.min_validators);
			assert!(
				self.unbonding_period >= T::MinUnbondingPeriod::get(),
				"service-nodes genesis: unbonding_period is below MinUnbondingPeriod",
			);
			UnbondingPeriod::<T>::put(self.unbonding_period);

			for node in &self.nodes {
				if node.bond < T::MinBond::get() {
					genesis_failure(&node.account, "bond is below MinBond");
				}
				if Nodes::<T>::contains_key(&node.account) {
					genesis_failure(&node.account, "account listed twice");
				}
				let peer_id: PeerId = peer_id::from_base58(&node.peer_id)
					.and_then(|bytes| PeerId::try_from(bytes).ok())
					.unwrap_or_else(|| {
						genesis_failure(&node.account, "peer id is not a base58 ed25519 peer id")
					});
				if PeerIds::<T>::contains_key(&peer_id) {
					genesis_failure(&node.account, "peer id listed twice");
				}
				let addrs: Vec<Multiaddr<T>> = node
					.multiaddrs
					.iter()
					.map(|a| {
						Multiaddr::<T>::try_from(a.as_bytes().to_vec()).unwrap_or_else(|_| {
							genesis_failure(&node.account, "multiaddr longer than MaxMultiaddrLen")
						})
					})
					.collect();
				let multiaddrs = Multiaddrs::<T>::try_from(addrs).unwrap_or_else(|_| {
					genesis_failure(&node.account, "more multiaddrs than MaxMultiaddrs")
				});
				if let Err(e) = Pallet::<T>::validate_multiaddrs(&multiaddrs, &peer_id) {
					panic!("service-nodes genesis: node {:?}: {:?}", node.account, e);
				}
				if let Err(e) = Pallet::<T>::hold_bond(&node.account, node.bond) {
					panic!(
						"service-nodes genesis: node {:?}: cannot hold the bond ({:?}); endow \
						 the account in the balances genesis",
						node.account, e
					);
				}
				PeerIds::<T>::insert(&peer_id, &node.account);
				Nodes::<T>::insert(
					&node.account,
					ServiceNode {
						peer_id,
						multiaddrs,
						bond: node.bond,
						registered_at: 0,
						since: None,
						status: NodeStatus::Bonded,
					},
				);
			}
		}
	}

	/// Abort the genesis build with a message naming the faulty node.
	fn genesis_failure<A: Debug>(account: &A, what: &str) -> ! {
		panic!("service-nodes genesis: node {:?}: {}", account, what)
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A node registered and bonded `bond`; it is planned into the validator set at the next
		/// session rotation.
		Registered {
			/// The operator account.
			who: T::AccountId,
			/// The relay's peer id.
			peer_id: PeerId,
			/// The bonded amount.
			bond: BalanceOf<T>,
		},
		/// A node bonded `amount` more; its bond is now `bond`.
		BondIncreased {
			/// The operator account.
			who: T::AccountId,
			/// The amount added.
			amount: BalanceOf<T>,
			/// The new total bond.
			bond: BalanceOf<T>,
		},
		/// A node announced new multiaddrs.
		EndpointUpdated {
			/// The operator account.
			who: T::AccountId,
			/// The new multiaddrs.
			multiaddrs: Multiaddrs<T>,
		},
		/// A node started unbonding. `unlock_at` is the session from which the bond can be
		/// withdrawn, or `None` while the node is still in the planned validator set (it is then
		/// set by [`Event::NodeDeactivated`]).
		UnbondingStarted {
			/// The operator account.
			who: T::AccountId,
			/// The session from which `withdraw_unbonded` succeeds, when known.
			unlock_at: Option<SessionIndex>,
		},
		/// A node was planned into the validator set: it validates from session `since`.
		NodeActivated {
			/// The operator account.
			who: T::AccountId,
			/// The first session it validates.
			since: SessionIndex,
		},
		/// A node was left out of the planned validator set: it no longer validates from session
		/// `from`.
		NodeDeactivated {
			/// The operator account.
			who: T::AccountId,
			/// The first session it does not validate.
			from: SessionIndex,
			/// Why it left.
			reason: DeactivationReason,
			/// For an unbonding node, the session from which its bond can be withdrawn.
			unlock_at: Option<SessionIndex>,
		},
		/// Fewer than `min_validators` bonded nodes were eligible, so the leaving nodes `kept`
		/// stay in the validator set planned for `session` until others replace them.
		ValidatorFloorKept {
			/// The session planned.
			session: SessionIndex,
			/// The validator floor.
			min_validators: u32,
			/// The unbonding nodes kept in the set.
			kept: BoundedVec<T::AccountId, T::MaxNodes>,
		},
		/// A new validator set of `validators` nodes was planned for session `session`.
		ValidatorSetPlanned {
			/// The session the set validates.
			session: SessionIndex,
			/// The number of validators in it.
			validators: u32,
		},
		/// No node was eligible to validate session `session`; the current set is kept.
		NoEligibleNodes {
			/// The session being planned.
			session: SessionIndex,
		},
		/// An unbonded node withdrew: `amount` was released and its record removed.
		Withdrawn {
			/// The operator account.
			who: T::AccountId,
			/// The amount released.
			amount: BalanceOf<T>,
		},
		/// Root removed a node: it unbonds as if its operator had called `unbond` (`unlock_at`
		/// as in [`Event::UnbondingStarted`]; unchanged if it was already unbonding), and
		/// `slashed` was taken from its bond.
		ForceRemoved {
			/// The operator account.
			who: T::AccountId,
			/// The amount slashed from the bond (zero for none).
			slashed: BalanceOf<T>,
			/// The session from which `withdraw_unbonded` succeeds, when known.
			unlock_at: Option<SessionIndex>,
		},
		/// `amount` was slashed from a node's bond, which is now `bond`.
		Slashed {
			/// The operator account.
			who: T::AccountId,
			/// The amount taken from the hold.
			amount: BalanceOf<T>,
			/// The bond left.
			bond: BalanceOf<T>,
		},
		/// Root set the validator floor.
		MinValidatorsSet {
			/// The new floor.
			min_validators: u32,
		},
		/// Root set the unbonding period (it applies to unbonding periods that start from now on).
		UnbondingPeriodSet {
			/// The new period, in sessions.
			sessions: SessionIndex,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The bond is below `MinBond`. Bond at least `MinBond` (1,000,000 iChat).
		BondTooSmall,
		/// The account's free balance cannot cover the amount to hold (plus the existential
		/// deposit, and pallet-session's key deposit on registration). Top up the account first.
		InsufficientBalance,
		/// This account already has a node (bonded or unbonding). Use `bond_extra` or
		/// `update_endpoint`, or `withdraw_unbonded` the old node before registering again.
		AlreadyRegistered,
		/// This account has no registered node. Register first.
		NotRegistered,
		/// Another registered node uses this peer id. Every relay needs its own node key.
		PeerIdTaken,
		/// The relay proof is not the relay key's signature over this chain's genesis hash and
		/// the caller's account. Ask the relay's own node for it with
		/// `ichat_relayOwnershipProof(<your account>)` (`ichat operator register` does), and
		/// register from the account you passed.
		InvalidRelayProof,
		/// The peer id is not an ed25519 identity-multihash peer id (38 bytes starting with
		/// `0x0024080112 20`). Pass the binary form of the relay's `12D3KooW…` peer id.
		InvalidPeerId,
		/// A multiaddr is not a dialable textual multiaddr we support (`/ip4|ip6|dns|dns4|dns6/…`
		/// then `/tcp/<port>[/ws|/wss]` or `/udp/<port>/quic-v1`, optionally `/p2p/<own peer
		/// id>`). Fix the address.
		InvalidMultiaddr,
		/// No multiaddr was given. Announce at least one address the relay listens on.
		NoMultiaddrs,
		/// The same multiaddr is listed twice. List each address once.
		DuplicateMultiaddr,
		/// The registry is full (`MaxNodes`). Wait until a node withdraws.
		TooManyNodes,
		/// The node is already unbonding, so its bond cannot change and it cannot unbond again.
		/// Wait for the unbonding period, then `withdraw_unbonded`.
		AlreadyUnbonding,
		/// The node is bonded, not unbonding. Call `unbond` first.
		NotUnbonding,
		/// The unbonding period has not passed yet (or the node is still validating because the
		/// validator floor keeps it). Try again from the session in the node's `unlock_at`.
		StillUnbonding,
		/// The amount is zero. Pass a positive amount.
		ZeroAmount,
		/// The validator floor must be at least 1 and at most `MaxNodes`.
		InvalidMinValidators,
		/// The unbonding period must be at least `MinUnbondingPeriod` sessions (the rewards
		/// pallet's penalty window plus its reporting lag).
		UnbondingPeriodTooShort,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxNodes::get() > 0, "MaxNodes must be positive");
			assert!(T::MaxMultiaddrs::get() > 0, "MaxMultiaddrs must be positive");
			assert!(
				T::MaxMultiaddrLen::get() >= 32,
				"MaxMultiaddrLen must fit at least a simple address"
			);
			assert!(!T::MinBond::get().is_zero(), "MinBond must be positive");
			assert!(
				T::DefaultUnbondingPeriod::get() >= T::MinUnbondingPeriod::get(),
				"DefaultUnbondingPeriod is below MinUnbondingPeriod"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register a service node, bond `bond` and set its session keys.
		///
		/// The dispatch origin must be **Signed** by the operator account, which becomes the
		/// node's validator id.
		///
		/// - `bond`: at least `MinBond`; held from the caller's free balance.
		/// - `peer_id`: the binary form of the relay's ed25519 libp2p peer id (38 bytes).
		/// - `relay_proof`: the relay key's signature over this chain's genesis hash and the
		///   caller's account (see [`crate::relay_proof`]), from the node's
		///   `ichat_relayOwnershipProof(caller)` RPC. Without it anyone could register another
		///   operator's relay.
		/// - `multiaddrs`: the textual multiaddrs the relay listens on (see [`crate::multiaddr`]).
		/// - `keys`, `proof`: the session keys and ownership proof from
		///   `author_rotateKeysWithOwner(caller)`; checked by pallet-session's `set_keys` exactly
		///   as a direct `session.setKeys` call would be (a wrong proof fails with
		///   `Session.InvalidProof`, keys used by another account with `Session.DuplicatedKey`).
		///
		/// The node is planned into the validator set at the next session rotation.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::register(multiaddrs.len() as u32))]
		pub fn register(
			origin: OriginFor<T>,
			#[pallet::compact] bond: BalanceOf<T>,
			peer_id: PeerId,
			relay_proof: RelayProof,
			multiaddrs: Multiaddrs<T>,
			keys: <T as pallet_session::Config>::Keys,
			proof: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin.clone())?;
			ensure!(!Nodes::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(bond >= T::MinBond::get(), Error::<T>::BondTooSmall);
			ensure!(peer_id::is_valid(&peer_id), Error::<T>::InvalidPeerId);
			ensure!(!PeerIds::<T>::contains_key(&peer_id), Error::<T>::PeerIdTaken);
			ensure!(
				relay_proof::verify(&peer_id, &Self::genesis_hash(), &who.encode(), &relay_proof),
				Error::<T>::InvalidRelayProof
			);
			Self::validate_multiaddrs(&multiaddrs, &peer_id)?;
			ensure!(Nodes::<T>::count() < T::MaxNodes::get(), Error::<T>::TooManyNodes);

			Self::hold_bond(&who, bond)?;
			pallet_session::Pallet::<T>::set_keys(origin, keys, proof)?;

			PeerIds::<T>::insert(&peer_id, &who);
			Nodes::<T>::insert(
				&who,
				ServiceNode {
					peer_id: peer_id.clone(),
					multiaddrs,
					bond,
					registered_at: Self::current_session(),
					since: None,
					status: NodeStatus::Bonded,
				},
			);
			Self::deposit_event(Event::Registered { who, peer_id, bond });
			Ok(())
		}

		/// Add `amount` to the caller's bond.
		///
		/// The dispatch origin must be **Signed** by the operator of a bonded (not unbonding)
		/// node.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::bond_extra())]
		pub fn bond_extra(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let bond = Nodes::<T>::try_mutate(&who, |maybe_node| {
				let node = maybe_node.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(node.status == NodeStatus::Bonded, Error::<T>::AlreadyUnbonding);
				Self::hold_bond(&who, amount)?;
				node.bond = node.bond.saturating_add(amount);
				Ok::<_, DispatchError>(node.bond)
			})?;
			Self::deposit_event(Event::BondIncreased { who, amount, bond });
			Ok(())
		}

		/// Replace the multiaddrs the caller's relay announces.
		///
		/// The dispatch origin must be **Signed** by the operator of a registered node (bonded or
		/// unbonding: an unbonding node may still be relaying).
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::update_endpoint(multiaddrs.len() as u32))]
		pub fn update_endpoint(origin: OriginFor<T>, multiaddrs: Multiaddrs<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Nodes::<T>::try_mutate(&who, |maybe_node| {
				let node = maybe_node.as_mut().ok_or(Error::<T>::NotRegistered)?;
				Self::validate_multiaddrs(&multiaddrs, &node.peer_id)?;
				node.multiaddrs = multiaddrs.clone();
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::EndpointUpdated { who, multiaddrs });
			Ok(())
		}

		/// Start unbonding the caller's node.
		///
		/// The dispatch origin must be **Signed** by the operator of a bonded node.
		///
		/// The node is left out of the validator set planned at the next session rotation
		/// (unless the validator floor keeps it until a replacement registers). Its bond stays
		/// held until [`UnbondingPeriod`] sessions after it stopped validating; then call
		/// `withdraw_unbonded`.
		#[pallet::call_index(3)]
		#[pallet::weight(<T as Config>::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let unlock_at = Nodes::<T>::try_mutate(&who, |maybe_node| {
				let node = maybe_node.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(node.status == NodeStatus::Bonded, Error::<T>::AlreadyUnbonding);
				Ok::<_, DispatchError>(Self::start_unbonding(&who, node))
			})?;
			Self::deposit_event(Event::UnbondingStarted { who, unlock_at });
			Ok(())
		}

		/// Release the caller's bond after its unbonding period, and remove the node's record,
		/// peer id and session keys.
		///
		/// The dispatch origin must be **Signed** by the operator of an unbonding node whose
		/// `unlock_at` session has been reached.
		#[pallet::call_index(4)]
		#[pallet::weight(<T as Config>::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let node = Nodes::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			match node.status {
				NodeStatus::Bonded => return Err(Error::<T>::NotUnbonding.into()),
				NodeStatus::Unbonding { unlock_at: Some(unlock_at), .. }
					if Self::current_session() >= unlock_at => {},
				NodeStatus::Unbonding { .. } => return Err(Error::<T>::StillUnbonding.into()),
			}
			// Defensive: an unlocked node is never in a set (see `do_try_state`).
			ensure!(!Self::is_in_sets(&who), Error::<T>::StillUnbonding);
			let amount = Self::remove_node(&who, &node)?;
			Self::deposit_event(Event::Withdrawn { who, amount });
			Ok(())
		}

		/// Deactivate and unbond a node on its operator's behalf, and slash `slash` from its
		/// bond (zero for none; at most the whole bond is taken).
		///
		/// The dispatch origin must be **Root** (governance). The node leaves the validator set
		/// at the next plan (the validator floor applies) and its bond stays held for the
		/// unbonding period after that; an already unbonding node is only slashed. See the
		/// pallet docs ("Forced removal and slashing").
		#[pallet::call_index(5)]
		#[pallet::weight(<T as Config>::WeightInfo::force_remove())]
		pub fn force_remove(
			origin: OriginFor<T>,
			who: <T::Lookup as StaticLookup>::Source,
			#[pallet::compact] slash: BalanceOf<T>,
		) -> DispatchResult {
			ensure_root(origin)?;
			let who = T::Lookup::lookup(who)?;
			ensure!(Nodes::<T>::contains_key(&who), Error::<T>::NotRegistered);
			let slashed = if slash.is_zero() { Zero::zero() } else { Self::slash(&who, slash) };
			let unlock_at = Nodes::<T>::mutate(&who, |maybe_node| match maybe_node.as_mut() {
				Some(node) => match node.status {
					NodeStatus::Bonded => Self::start_unbonding(&who, node),
					NodeStatus::Unbonding { unlock_at, .. } => unlock_at,
				},
				None => None,
			});
			Self::deposit_event(Event::ForceRemoved { who, slashed, unlock_at });
			Ok(())
		}

		/// Set the validator floor.
		///
		/// The dispatch origin must be **Root**. `min_validators` must be between 1 and
		/// `MaxNodes`; it applies from the next session rotation.
		#[pallet::call_index(6)]
		#[pallet::weight(<T as Config>::WeightInfo::set_min_validators())]
		pub fn set_min_validators(origin: OriginFor<T>, min_validators: u32) -> DispatchResult {
			ensure_root(origin)?;
			ensure!(
				(1..=T::MaxNodes::get()).contains(&min_validators),
				Error::<T>::InvalidMinValidators
			);
			MinValidators::<T>::put(min_validators);
			Self::deposit_event(Event::MinValidatorsSet { min_validators });
			Ok(())
		}

		/// Set the unbonding period, in sessions.
		///
		/// The dispatch origin must be **Root**. Unbonding periods that already started keep
		/// their `unlock_at`.
		#[pallet::call_index(7)]
		#[pallet::weight(<T as Config>::WeightInfo::set_unbonding_period())]
		pub fn set_unbonding_period(
			origin: OriginFor<T>,
			sessions: SessionIndex,
		) -> DispatchResult {
			ensure_root(origin)?;
			ensure!(sessions >= T::MinUnbondingPeriod::get(), Error::<T>::UnbondingPeriodTooShort);
			UnbondingPeriod::<T>::put(sessions);
			Self::deposit_event(Event::UnbondingPeriodSet { sessions });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The current session (hour) index, as pallet-session counts it.
	pub fn current_session() -> SessionIndex {
		pallet_session::CurrentIndex::<T>::get()
	}

	/// The nodes validating the current session, in validator order (sorted by account).
	pub fn active_nodes() -> Vec<NodeInfo<T::AccountId, BalanceOf<T>>> {
		ActiveNodes::<T>::get()
			.into_iter()
			.filter_map(|who| Nodes::<T>::get(&who).map(|node| (who, node).into()))
			.collect()
	}

	/// Every registered node (bonded or unbonding), sorted by account.
	pub fn registered_nodes() -> Vec<NodeInfo<T::AccountId, BalanceOf<T>>> {
		let mut nodes: Vec<NodeInfo<_, _>> = Nodes::<T>::iter().map(Into::into).collect();
		nodes.sort_by(|a, b| a.account.cmp(&b.account));
		nodes
	}

	/// The node registered by `who`, if any.
	pub fn node(who: T::AccountId) -> Option<NodeInfo<T::AccountId, BalanceOf<T>>> {
		Nodes::<T>::get(&who).map(|node| (who, node).into())
	}

	/// The node registered under the binary peer id `peer_id`, if any.
	pub fn node_by_peer_id(peer_id: Vec<u8>) -> Option<NodeInfo<T::AccountId, BalanceOf<T>>> {
		let peer_id = PeerId::try_from(peer_id).ok()?;
		let who = PeerIds::<T>::get(&peer_id)?;
		Self::node(who)
	}

	/// Check a node's multiaddrs: at least one, each valid (see [`crate::multiaddr`]), no
	/// duplicates.
	pub(crate) fn validate_multiaddrs(
		multiaddrs: &Multiaddrs<T>,
		peer_id: &PeerId,
	) -> Result<(), Error<T>> {
		ensure!(!multiaddrs.is_empty(), Error::<T>::NoMultiaddrs);
		for (i, addr) in multiaddrs.iter().enumerate() {
			multiaddr::validate(addr, peer_id).map_err(|e| {
				log::debug!(target: LOG_TARGET, "rejected multiaddr {:?}: {:?}", addr, e);
				Error::<T>::InvalidMultiaddr
			})?;
			ensure!(!multiaddrs[..i].contains(addr), Error::<T>::DuplicateMultiaddr);
		}
		Ok(())
	}

	/// Slash up to `amount` from `who`'s bond: taken from the hold, the recorded bond lowered
	/// by the same amount, the funds handed to [`Config::Slash`]. Returns the amount slashed
	/// (less than `amount` only when the bond is smaller); zero when `who` has no node.
	///
	/// A node left below [`Config::MinBond`] is not planned into the validator set again until
	/// `bond_extra` tops it up (see the pallet docs, "Forced removal and slashing").
	pub fn slash(who: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
		let Some(mut node) = Nodes::<T>::get(who) else { return Zero::zero() };
		let amount = amount.min(node.bond);
		let (credit, _missing) =
			T::NativeBalance::slash(&HoldReason::ServiceNodeBond.into(), who, amount);
		let slashed = credit.peek();
		node.bond = node.bond.saturating_sub(slashed);
		let bond = node.bond;
		Nodes::<T>::insert(who, node);
		T::Slash::on_unbalanced(credit);
		Self::deposit_event(Event::Slashed { who: who.clone(), amount: slashed, bond });
		slashed
	}

	/// Unbond `who`'s node on its operator's behalf (the rewards pallet does, after a slash for
	/// persistent bad service), exactly as `unbond` would; a no-op for a node already unbonding
	/// or absent. Returns its `unlock_at`.
	pub fn force_unbond(who: &T::AccountId) -> Option<SessionIndex> {
		let started = Nodes::<T>::mutate(who, |maybe_node| match maybe_node.as_mut() {
			Some(node) if node.status == NodeStatus::Bonded => {
				Some(Self::start_unbonding(who, node))
			},
			_ => None,
		});
		let unlock_at = started?;
		Self::deposit_event(Event::UnbondingStarted { who: who.clone(), unlock_at });
		unlock_at
	}

	/// `who`'s service key (see [`service_key`]), from pallet-session's next keys.
	pub fn service_key(who: &T::AccountId) -> Option<ServiceId> {
		use sp_runtime::traits::OpaqueKeys;
		let validator = <T as pallet_session::Config>::ValidatorIdOf::convert(who.clone())?;
		pallet_session::NextKeys::<T>::get(validator)?.get::<ServiceId>(service_key::KEY_TYPE)
	}

	/// Put a bonded `node` of `who` into `Unbonding` from the current session; returns its
	/// `unlock_at` (`None` while it is still in the planned set: the period starts when it
	/// leaves).
	fn start_unbonding(who: &T::AccountId, node: &mut ServiceNodeOf<T>) -> Option<SessionIndex> {
		let now = Self::current_session();
		let unlock_at = if QueuedNodes::<T>::get().binary_search(who).is_ok() {
			None
		} else {
			// Validates at most until the end of the current session.
			Some(now.saturating_add(1).saturating_add(UnbondingPeriod::<T>::get()))
		};
		node.status = NodeStatus::Unbonding { requested_at: now, unlock_at };
		unlock_at
	}

	/// The genesis hash, which relay proofs name (frame-system keeps block 0's hash for ever).
	pub fn genesis_hash() -> [u8; 32] {
		let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let mut out = [0u8; 32];
		let bytes = hash.as_ref();
		let n = bytes.len().min(32);
		out[..n].copy_from_slice(&bytes[..n]);
		out
	}

	/// Hold `amount` of `who`'s free balance as bond.
	pub(crate) fn hold_bond(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let reason = HoldReason::ServiceNodeBond.into();
		ensure!(T::NativeBalance::can_hold(&reason, who, amount), Error::<T>::InsufficientBalance);
		T::NativeBalance::hold(&reason, who, amount)
	}

	/// The amount held from `who` as bond.
	pub fn bond_on_hold(who: &T::AccountId) -> BalanceOf<T> {
		T::NativeBalance::balance_on_hold(&HoldReason::ServiceNodeBond.into(), who)
	}

	/// Whether `who` has session keys in pallet-session.
	pub fn has_session_keys(who: &T::AccountId) -> bool {
		<T as pallet_session::Config>::ValidatorIdOf::convert(who.clone())
			.is_some_and(pallet_session::NextKeys::<T>::contains_key)
	}

	fn is_in_sets(who: &T::AccountId) -> bool {
		ActiveNodes::<T>::get().binary_search(who).is_ok()
			|| QueuedNodes::<T>::get().binary_search(who).is_ok()
	}

	/// Remove `who`'s record and peer id, release its bond and purge its session keys.
	/// Returns the amount released.
	fn remove_node(
		who: &T::AccountId,
		node: &ServiceNodeOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		Nodes::<T>::remove(who);
		PeerIds::<T>::remove(&node.peer_id);
		let released = T::NativeBalance::release_all(
			&HoldReason::ServiceNodeBond.into(),
			who,
			Precision::BestEffort,
		)?;
		if Self::has_session_keys(who) {
			pallet_session::Pallet::<T>::purge_keys(
				frame_system::RawOrigin::Signed(who.clone()).into(),
			)?;
		}
		Ok(released)
	}

	/// Plan the validator set of session `session` (see the pallet docs, "Validator set").
	///
	/// Returns `None` (and changes nothing but [`PlannedSession`]) when no node is eligible.
	pub(crate) fn plan(session: SessionIndex) -> Option<BoundedVec<T::AccountId, T::MaxNodes>> {
		let queued = QueuedNodes::<T>::get();
		let mut eligible = Vec::new();
		let mut leaving = Vec::new();
		let mut dropped = Vec::new();
		let min_bond = T::MinBond::get();
		for (who, node) in Nodes::<T>::iter() {
			let in_queue = queued.binary_search(&who).is_ok();
			let has_keys = Self::has_session_keys(&who);
			let bonded_enough = node.bond >= min_bond;
			let decommissioned = T::Decommissioned::contains(&who);
			match node.status {
				NodeStatus::Bonded if has_keys && bonded_enough && !decommissioned => {
					eligible.push(who)
				},
				NodeStatus::Bonded if in_queue && !bonded_enough => {
					dropped.push((who, DeactivationReason::BelowMinBond))
				},
				NodeStatus::Bonded if in_queue && decommissioned => {
					dropped.push((who, DeactivationReason::Decommissioned))
				},
				NodeStatus::Bonded if in_queue => {
					dropped.push((who, DeactivationReason::NoSessionKeys))
				},
				NodeStatus::Bonded => {},
				NodeStatus::Unbonding { unlock_at: None, .. } if has_keys && in_queue => {
					leaving.push(who)
				},
				NodeStatus::Unbonding { unlock_at: None, .. } => {
					dropped.push((who, DeactivationReason::Unbonded))
				},
				NodeStatus::Unbonding { unlock_at: Some(_), .. } => {},
			}
		}
		eligible.sort();
		leaving.sort();

		let min_validators = MinValidators::<T>::get();
		let missing = (min_validators as usize).saturating_sub(eligible.len());
		let kept: Vec<T::AccountId> = leaving.drain(..missing.min(leaving.len())).collect();
		dropped.extend(leaving.into_iter().map(|who| (who, DeactivationReason::Unbonded)));

		let mut set = eligible;
		set.extend(kept.iter().cloned());
		set.sort();

		PlannedSession::<T>::put(session);
		if set.is_empty() {
			log::warn!(
				target: LOG_TARGET,
				"no service node is eligible to validate session {}; keeping the current set",
				session
			);
			Self::deposit_event(Event::NoEligibleNodes { session });
			return None;
		}
		if set.len() < min_validators as usize {
			log::warn!(
				target: LOG_TARGET,
				"only {} validators for session {}, below the floor of {}",
				set.len(),
				session,
				min_validators
			);
		}

		let unbonding_period = UnbondingPeriod::<T>::get();
		for (who, reason) in dropped {
			let unlock_at = Nodes::<T>::mutate(&who, |maybe_node| {
				let node = maybe_node.as_mut()?;
				match node.status {
					NodeStatus::Unbonding { requested_at, .. } => {
						let unlock_at = session.saturating_add(unbonding_period);
						node.status =
							NodeStatus::Unbonding { requested_at, unlock_at: Some(unlock_at) };
						Some(unlock_at)
					},
					NodeStatus::Bonded => None,
				}
			});
			Self::deposit_event(Event::NodeDeactivated { who, from: session, reason, unlock_at });
		}
		for who in &set {
			Nodes::<T>::mutate(who, |maybe_node| {
				if let Some(node) = maybe_node.as_mut() {
					if node.since.is_none() {
						node.since = Some(session);
						Self::deposit_event(Event::NodeActivated {
							who: who.clone(),
							since: session,
						});
					}
				}
			});
		}
		if !kept.is_empty() {
			Self::deposit_event(Event::ValidatorFloorKept {
				session,
				min_validators,
				kept: BoundedVec::truncate_from(kept),
			});
		}

		// The registry holds at most `MaxNodes` nodes, so this never truncates.
		let set = BoundedVec::truncate_from(set);
		QueuedNodes::<T>::put(&set);
		Some(set)
	}

	fn to_validator_ids(set: &[T::AccountId]) -> Vec<T::ValidatorId> {
		set.iter()
			.filter_map(|who| <T as pallet_session::Config>::ValidatorIdOf::convert(who.clone()))
			.collect()
	}

	/// Check the pallet's invariants (run after every test, and by try-runtime).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let count = Nodes::<T>::count();
		ensure!(count as usize == Nodes::<T>::iter().count(), "Nodes counter is off");
		ensure!(count <= T::MaxNodes::get(), "more nodes than MaxNodes");
		ensure!(PeerIds::<T>::iter().count() == count as usize, "PeerIds and Nodes differ in size");

		let active = ActiveNodes::<T>::get();
		let queued = QueuedNodes::<T>::get();
		for set in [&active, &queued] {
			ensure!(set.windows(2).all(|w| w[0] < w[1]), "a node set is not strictly sorted");
			ensure!(set.iter().all(Nodes::<T>::contains_key), "a node set names an unknown node");
		}

		for (who, node) in Nodes::<T>::iter() {
			ensure!(
				PeerIds::<T>::get(&node.peer_id).as_ref() == Some(&who),
				"a node's peer id does not map back to it"
			);
			ensure!(peer_id::is_valid(&node.peer_id), "a stored peer id is invalid");
			ensure!(
				Self::validate_multiaddrs(&node.multiaddrs, &node.peer_id).is_ok(),
				"stored multiaddrs are invalid"
			);
			ensure!(Self::bond_on_hold(&who) == node.bond, "held amount differs from the bond");
			let in_active = active.binary_search(&who).is_ok();
			let in_queue = queued.binary_search(&who).is_ok();
			ensure!(
				node.since.is_some() == (in_active || in_queue),
				"`since` disagrees with the node sets"
			);
			// No bond check beyond the hold: a slash may leave any node below MinBond (or at
			// zero), still in the sets planned before it; `plan` leaves it out of the next one.
			match node.status {
				NodeStatus::Bonded => {},
				NodeStatus::Unbonding { unlock_at: None, .. } => {
					ensure!(in_queue, "an unbonding node without unlock is not queued")
				},
				NodeStatus::Unbonding { unlock_at: Some(_), .. } => {
					ensure!(!in_queue, "an unlocking node is still queued")
				},
			}
		}

		// The registry's active set is what pallet-session validates with (unless the registry
		// is empty and pallet-session runs on its own genesis keys).
		if !active.is_empty() {
			ensure!(
				Self::to_validator_ids(&active) == pallet_session::Validators::<T>::get(),
				"the active nodes are not pallet-session's validators"
			);
		}

		ensure!(MinValidators::<T>::get() >= 1, "the validator floor is zero");
		Ok(())
	}
}

impl<T: Config> pallet_session::SessionManager<T::ValidatorId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::ValidatorId>> {
		let set = Self::plan(new_index)?;
		let validators = Self::to_validator_ids(&set);
		if validators == pallet_session::Validators::<T>::get() {
			// Unchanged: let pallet-session keep the set (no new authority set announced).
			return None;
		}
		Self::deposit_event(Event::ValidatorSetPlanned {
			session: new_index,
			validators: validators.len() as u32,
		});
		Some(validators)
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<T::ValidatorId>> {
		let set = Self::plan(new_index)?;
		if new_index == 0 {
			ActiveNodes::<T>::put(&set);
		}
		Some(Self::to_validator_ids(&set))
	}

	fn end_session(_end_index: SessionIndex) {}

	fn start_session(start_index: SessionIndex) {
		if PlannedSession::<T>::get() != start_index {
			// Genesis: session 0 was set up by `new_session_genesis(0)`.
			return;
		}
		let next = QueuedNodes::<T>::get();
		for who in ActiveNodes::<T>::get() {
			if next.binary_search(&who).is_err() {
				Nodes::<T>::mutate(&who, |maybe_node| {
					if let Some(node) = maybe_node.as_mut() {
						node.since = None;
					}
				});
			}
		}
		ActiveNodes::<T>::put(next);
	}
}

/// The service key's slot in the runtime's `SessionKeys` (see [`service_key`]).
impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = ServiceId;
}

/// pallet-session hands every session's keys to a handler per key type; the service key needs
/// no bookkeeping of its own (readers look keys up in pallet-session's `NextKeys`).
impl<T: Config> frame_support::traits::OneSessionHandler<T::AccountId> for Pallet<T> {
	type Key = ServiceId;

	fn on_genesis_session<'a, I>(_validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
	}

	fn on_new_session<'a, I>(_changed: bool, _validators: I, _queued_validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
	}

	fn on_disabled(_validator_index: u32) {}
}
