//! # The iChat runtime
//!
//! The FRAME runtime of the iChat chain: the native token iChat (`ICHAT`, 12 decimals) in
//! `pallet-balances`, Aura block production every 6 s and GRANDPA finality, sessions of one
//! *hour* (600 blocks by default, shorter on test chains, see `pallet-hours`) that are the
//! reward and settlement epoch of the network, and `pallet-sudo` as the governance
//! placeholder.
//!
//! Modules:
//! - [`configs`]: the `Config` of every pallet;
//! - [`apis`]: the runtime APIs served to the node and to RPC clients;
//! - [`genesis_config_presets`]: the `development`, `local_testnet` and
//!   `local_testnet_fast` chain presets;
//! - [`token`]: the iChat token's units and supply.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` and `impl_runtime_apis` expand to items without docs.
#![allow(missing_docs)]
// The runtime's generated types are public by design.
#![allow(unreachable_pub)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// Before `apis`: the `list_benchmarks!`/`add_benchmarks!` macros it defines are textually
// scoped and used by the benchmark runtime API.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod token;

use alloc::vec::Vec;
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;
pub use token::{
	EXISTENTIAL_DEPOSIT, ICHAT, MILLI_ICHAT, MIN_SERVICE_NODE_BOND, TOKEN_DECIMALS, TOKEN_SYMBOL,
	TOTAL_SUPPLY,
};

/// Opaque types, used by the node to handle blocks without knowing the runtime's types.
pub mod opaque {
	use super::*;
	use sp_runtime::{
		generic,
		traits::{BlakeTwo256, Hash as HashT},
	};

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	/// The session keys of a service node: Aura for block production, GRANDPA for finality,
	/// and the service key for what it states off-chain as a service node (its service-quality
	/// reports; see `pallet_service_nodes::service_key`).
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
		pub service: ServiceNodes,
	}
}

/// The runtime version.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("ichat"),
	impl_name: alloc::borrow::Cow::Borrowed("ichat"),
	authoring_version: 1,
	spec_version: 100,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. Aura produces one block per slot of this length.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;

/// Slot duration of Aura. Cannot change once the chain has started.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour: the default length of an iChat hour (session, reward epoch).
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// Hour length of the `local_testnet_fast` test preset: 10 blocks (one minute).
pub const FAST_HOUR_BLOCKS: BlockNumber = 10;

/// The SS58 address prefix of the iChat chain (unregistered in ss58-registry 1.51).
pub const SS58_PREFIX: u16 = 4242;

/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;

/// An account id: the public key of the transaction signing scheme (sr25519 for users).
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account, in planck (10^-12 ICHAT).
pub type Balance = u128;

/// Index of a transaction in the chain.
pub type Nonce = u32;

/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;

/// An index to a block.
pub type BlockNumber = u32;

/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;

/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;

/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// A Block signed with a Justification.
pub type SignedBlock = generic::SignedBlock<Block>;

/// BlockId type as expected by this runtime.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions that are added to every extrinsic.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// All migrations of the runtime, aside from the ones declared in the pallets.
#[allow(unused_parens)]
type Migrations = ();

/// Executive: handles dispatch to the various modules.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

// Compose the runtime. Genesis is built in declaration order: Balances must come before any
// pallet that holds funds at genesis, and the session manager before Session.
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(3)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(4)]
	pub type Hours = pallet_hours;

	// Before Session: its `SessionManager` hook plans the validator set at each rotation.
	#[runtime::pallet_index(5)]
	pub type ServiceNodes = pallet_service_nodes;

	#[runtime::pallet_index(6)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(7)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(8)]
	pub type Grandpa = pallet_grandpa;

	/// Governance placeholder: a single sudo key until on-chain governance is built.
	#[runtime::pallet_index(9)]
	pub type Sudo = pallet_sudo;

	// After Session: it opens each hour once pallet-session has rotated to it.
	#[runtime::pallet_index(10)]
	pub type NodeRewards = pallet_node_rewards;
}
