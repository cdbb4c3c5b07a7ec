//! The configuration of every pallet in the runtime.

#[cfg(feature = "runtime-benchmarks")]
use alloc::vec::Vec;
use frame_support::dispatch::DispatchClass;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, VariantCountOf},
	weights::{
		constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	traits::{ConvertInto, One, OpaqueKeys},
	Perbill,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Hours, NodeRewards, Nonce,
	PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
	RuntimeOrigin, RuntimeTask, ServiceNodes, SessionKeys, System, EXISTENTIAL_DEPOSIT, HOURS,
	ICHAT, MIN_SERVICE_NODE_BOND, SLOT_DURATION, SS58_PREFIX, VERSION,
};

/// The most validators (and so service nodes) the consensus pallets can hold.
pub const MAX_AUTHORITIES: u32 = 1_000;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute per 6 s block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB per block, of which normal extrinsics may use `NORMAL_DISPATCH_RATIO`.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	pub const SS58Prefix: u16 = SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = RocksDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_hours::Config for Runtime {
	type DefaultHourLength = ConstU32<HOURS>;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = Hours;
	type NextSessionRotation = Hours;
	// The validator set of each hour is the registry's active service nodes.
	type SessionManager = ServiceNodes;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	// Service nodes bond far more than this through the registry; the session pallet's own
	// deposit only prices the key storage.
	type KeyDeposit = ConstU128<0>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The minimum bond of a service node: 1,000,000 ICHAT.
	pub const MinServiceNodeBond: Balance = MIN_SERVICE_NODE_BOND;
}

impl pallet_service_nodes::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type NativeBalance = Balances;
	// Slashed bond is burned.
	type Slash = ();
	type MinBond = MinServiceNodeBond;
	// Aura and GRANDPA accept as many authorities.
	type MaxNodes = ConstU32<MAX_AUTHORITIES>;
	type MaxMultiaddrs = ConstU32<8>;
	type MaxMultiaddrLen = ConstU32<256>;
	// One day of hours; genesis may set a shorter period (the test preset does).
	type DefaultUnbondingPeriod = ConstU32<24>;
	// No bond leaves before the slash for the hours its node served can land.
	type MinUnbondingPeriod = ConstU32<{ PENALTY_WINDOW_HOURS + REPORTING_LAG_HOURS }>;
	type Decommissioned = NodeRewards;
	type WeightInfo = pallet_service_nodes::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ServiceNodesBenchmarkHelper;
}

/// The hours over which flagged hours count towards a slash (see `docs/economics.md`).
pub const PENALTY_WINDOW_HOURS: u32 = 12;
/// The hours after an hour's end in which its reports are accepted.
pub const REPORTING_LAG_HOURS: u32 = 1;

parameter_types! {
	/// What a full hour of perfect service earns: 10 ICHAT.
	pub const HourlyReward: Balance = 10 * ICHAT;
	pub const SlashShare: Perbill = Perbill::from_percent(5);
	pub const FlagThreshold: Perbill = Perbill::from_percent(50);
	pub const StrayTolerance: Perbill = Perbill::from_percent(30);
	/// The quality formula's knobs (`docs/economics.md` gives the reasons).
	pub const QualityParams: pallet_node_rewards::QualityParams =
		pallet_node_rewards::QualityParams::ICHAT;
}

/// The nominal length of an hour in timestamp time: the chain's hour length (in its genesis
/// state) times the slot duration.
pub struct NominalHourMs;
impl frame_support::traits::Get<u64> for NominalHourMs {
	fn get() -> u64 {
		u64::from(pallet_hours::HourLength::<Runtime>::get()).saturating_mul(SLOT_DURATION)
	}
}

/// The start of the current block's Aura slot (ms): hours open and close on slot boundaries,
/// so an hour without missed slots lasts exactly [`NominalHourMs`].
pub struct SlotStartMs;
impl frame_support::traits::Get<u64> for SlotStartMs {
	fn get() -> u64 {
		u64::from(pallet_aura::CurrentSlot::<Runtime>::get()).saturating_mul(SLOT_DURATION)
	}
}

impl pallet_node_rewards::Config for Runtime {
	type HourlyReward = HourlyReward;
	type QuorumSize = ConstU32<7>;
	type MaxQuorum = ConstU32<10>;
	type MinReports = ConstU32<3>;
	type ReportingLag = ConstU32<REPORTING_LAG_HOURS>;
	type PenaltyWindow = ConstU32<PENALTY_WINDOW_HOURS>;
	type SlashAfterFlags = ConstU32<6>;
	type SlashShare = SlashShare;
	type FlagThreshold = FlagThreshold;
	type MaxCredit = ConstU32<6>;
	type RecommissionCredit = ConstU32<3>;
	type StrayTolerance = StrayTolerance;
	type NominalHourMs = NominalHourMs;
	type HourClock = SlotStartMs;
	type QualityParams = QualityParams;
	type SettleStepsPerBlock = ConstU32<8>;
	type WeightInfo = pallet_node_rewards::weights::SubstrateWeight<Runtime>;
}

/// Real session keys and ownership proofs for the registry's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ServiceNodesBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_service_nodes::BenchmarkHelper<AccountId, SessionKeys> for ServiceNodesBenchmarkHelper {
	fn session_keys_and_proof(owner: &AccountId) -> (SessionKeys, Vec<u8>) {
		use codec::Encode;
		let generated = SessionKeys::generate(&owner.encode(), None);
		(generated.keys, generated.proof.encode())
	}

	fn relay_key_and_signature(payload: &[u8]) -> ([u8; 32], pallet_service_nodes::RelayProof) {
		use sp_runtime::app_crypto::RuntimePublic;
		// A key type of the benchmarks' own, so no real key is ever touched.
		const BENCH_RELAY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"ibrl");
		let public = sp_core::ed25519::Public::generate_pair(BENCH_RELAY, None);
		let signature = public
			.sign(BENCH_RELAY, &payload)
			.expect("the benchmark keystore signs with the key it just generated");
		(public.0, signature.0)
	}
}

/// The extension values of a general transaction: a call its pallet authorizes
/// (`#[pallet::authorize]`, such as a node-rewards report), with no signer, so no nonce and no
/// fee (both extensions skip a transaction without a signed origin), valid in every era.
pub fn general_tx_extension() -> super::TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(0),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = super::UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = super::TxExtension;

	fn create_transaction(
		call: RuntimeCall,
		extension: super::TxExtension,
	) -> super::UncheckedExtrinsic {
		super::UncheckedExtrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> super::TxExtension {
		general_tx_extension()
	}
}
