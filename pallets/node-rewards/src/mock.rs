//! Mock runtime: System, Timestamp, Balances, Hours (5-block hours), ServiceNodes, Session
//! (with real sr25519 service keys) and NodeRewards.

use crate::{self as pallet_node_rewards, Measurement, QualityParams, ReportOf};
use frame_support::{
	derive_impl, parameter_types,
	traits::{Authorize, ConstU32, ConstU64, Hooks},
};
use pallet_service_nodes::{peer_id, service_key::ServiceId, GenesisNode};
use sp_core::{sr25519, Pair as _};
use sp_runtime::{
	impl_opaque_keys,
	traits::{ConvertInto, Dispatchable},
	transaction_validity::TransactionSource,
	BuildStorage, DispatchError, Perbill,
};

type Block = frame_system::mocking::MockBlock<Test>;
pub(crate) type AccountId = u64;
pub(crate) type Balance = u64;

/// The bond of every test node.
pub(crate) const BOND: Balance = 1_000_000;
/// What a perfect hour pays.
pub(crate) const REWARD: Balance = 1_000;
/// Blocks per hour.
pub(crate) const HOUR: u64 = 5;
/// Milliseconds per block.
pub(crate) const BLOCK_MS: u64 = 6_000;

impl_opaque_keys! {
	pub struct MockSessionKeys {
		pub service: ServiceNodes,
	}
}

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
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(3)]
	pub type Hours = pallet_hours;
	#[runtime::pallet_index(4)]
	pub type ServiceNodes = pallet_service_nodes;
	#[runtime::pallet_index(5)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(6)]
	pub type NodeRewards = pallet_node_rewards;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

/// The mock's hour clock: the timestamp `run_to_block` sets.
pub struct TimestampNow;
impl frame_support::traits::Get<u64> for TimestampNow {
	fn get() -> u64 {
		pallet_timestamp::Now::<Test>::get()
	}
}

impl pallet_timestamp::Config for Test {
	type Moment = u64;
	type OnTimestampSet = ();
	type MinimumPeriod = ConstU64<1>;
	type WeightInfo = ();
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_hours::Config for Test {
	type DefaultHourLength = ConstU64<HOUR>;
}

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = Hours;
	type NextSessionRotation = Hours;
	type SessionManager = ServiceNodes;
	type SessionHandler = <MockSessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = MockSessionKeys;
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU64<0>;
}

parameter_types! {
	pub const MinBond: Balance = BOND;
	pub const Quality: QualityParams = QualityParams::ICHAT;
}

impl pallet_service_nodes::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type NativeBalance = Balances;
	type Slash = ();
	type MinBond = MinBond;
	type MaxNodes = ConstU32<16>;
	type MaxMultiaddrs = ConstU32<2>;
	type MaxMultiaddrLen = ConstU32<64>;
	type DefaultUnbondingPeriod = ConstU32<8>;
	type MinUnbondingPeriod = ConstU32<7>;
	type Decommissioned = NodeRewards;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarks;
}

/// Keys for the benchmarks' registrations: session keys generated in the keystore of
/// [`bench_ext`] (so the benchmarks sign reports with them), relay keys from the payload.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_service_nodes::BenchmarkHelper<AccountId, MockSessionKeys> for MockBenchmarks {
	fn session_keys_and_proof(owner: &AccountId) -> (MockSessionKeys, Vec<u8>) {
		use codec::Encode;
		let generated = MockSessionKeys::generate(&owner.encode(), None);
		(generated.keys, generated.proof.encode())
	}
	fn relay_key_and_signature(payload: &[u8]) -> ([u8; 32], pallet_service_nodes::RelayProof) {
		let pair = sp_core::ed25519::Pair::from_seed(&sp_io::hashing::blake2_256(payload));
		(pair.public().0, pair.sign(payload).0)
	}
}

/// A chain for the benchmarks: three genesis nodes and an in-memory keystore.
#[cfg(feature = "runtime-benchmarks")]
pub(crate) fn bench_ext() -> sp_io::TestExternalities {
	let mut ext = new_test_ext(&[1, 2, 3]);
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext
}

impl pallet_node_rewards::Config for Test {
	type HourlyReward = ConstU64<REWARD>;
	type QuorumSize = ConstU32<3>;
	type MaxQuorum = ConstU32<4>;
	type MinReports = ConstU32<2>;
	type ReportingLag = ConstU32<1>;
	type PenaltyWindow = ConstU32<6>;
	type SlashAfterFlags = ConstU32<4>;
	type SlashShare = SlashShare;
	type FlagThreshold = FlagThreshold;
	type MaxCredit = ConstU32<3>;
	type RecommissionCredit = ConstU32<2>;
	type StrayTolerance = StrayTolerance;
	type NominalHourMs = ConstU64<{ HOUR * BLOCK_MS }>;
	type HourClock = TimestampNow;
	type QualityParams = Quality;
	type SettleStepsPerBlock = ConstU32<4>;
	type WeightInfo = ();
}

parameter_types! {
	pub const SlashShare: Perbill = Perbill::from_percent(10);
	pub const FlagThreshold: Perbill = Perbill::from_percent(50);
	pub const StrayTolerance: Perbill = Perbill::from_percent(30);
}

/// The service key pair of test account `who`.
pub(crate) fn service_pair(who: AccountId) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[who as u8; 32])
}

/// The session keys of test account `who`.
pub(crate) fn session_keys(who: AccountId) -> MockSessionKeys {
	MockSessionKeys { service: ServiceId::from(service_pair(who).public()) }
}

fn genesis_node(who: AccountId) -> GenesisNode<AccountId, Balance> {
	let mut key = [0u8; 32];
	key[..8].copy_from_slice(&who.to_le_bytes());
	GenesisNode {
		account: who,
		peer_id: peer_id::to_base58(&peer_id::from_ed25519_public(&key)),
		multiaddrs: vec![format!("/ip4/10.0.0.{who}/tcp/40333")],
		bond: BOND,
	}
}

/// A test chain with genesis nodes `nodes`.
pub(crate) fn new_test_ext(nodes: &[AccountId]) -> sp_io::TestExternalities {
	let balances: Vec<(AccountId, Balance)> = (1..=20).map(|who| (who, 2 * BOND)).collect();
	let genesis = RuntimeGenesisConfig {
		system: Default::default(),
		balances: pallet_balances::GenesisConfig { balances, ..Default::default() },
		hours: pallet_hours::GenesisConfig { hour_length: HOUR },
		service_nodes: pallet_service_nodes::GenesisConfig {
			nodes: nodes.iter().copied().map(genesis_node).collect(),
			min_validators: 1,
			unbonding_period: 8,
		},
		session: pallet_session::GenesisConfig {
			keys: nodes.iter().map(|who| (*who, *who, session_keys(*who))).collect(),
			non_authority_keys: vec![],
		},
	};
	let storage = genesis.build_storage().expect("valid mock genesis");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| run_to_block(1));
	ext
}

/// Run `test` on a chain with `nodes`, then check both pallets' invariants.
pub(crate) fn execute(nodes: &[AccountId], test: impl FnOnce()) {
	new_test_ext(nodes).execute_with(|| {
		test();
		NodeRewards::do_try_state().expect("node-rewards invariants hold");
		// The registry's checks are compiled in only with try-runtime (the benchmark pass).
		#[cfg(feature = "try-runtime")]
		ServiceNodes::do_try_state().expect("service-nodes invariants hold");
	});
}

/// Advance to block `n`, as a block author would: timestamp, then the hooks in runtime order.
pub(crate) fn run_to_block(n: u64) {
	while System::block_number() < n || System::block_number() == 0 {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		System::set_parent_hash(sp_core::H256::repeat_byte(next as u8));
		pallet_timestamp::Now::<Test>::put(next * BLOCK_MS);
		Session::on_initialize(next);
		NodeRewards::on_initialize(next);
	}
}

/// Advance to the first block of hour `hour`.
pub(crate) fn run_to_hour(hour: u32) {
	run_to_block(u64::from(hour) * HOUR + 1);
	assert_eq!(pallet_session::CurrentIndex::<Test>::get(), hour);
}

/// A signed report by `tester` on `hour`, with `measure(target)` for each of its targets.
pub(crate) fn signed_report(
	tester: AccountId,
	hour: u32,
	measure: impl Fn(AccountId) -> Option<Measurement>,
) -> (ReportOf<Test>, sr25519::Signature) {
	let targets = NodeRewards::targets_of(hour, &tester);
	let report = ReportOf::<Test> {
		hour,
		tester,
		measurements: targets.into_iter().map(measure).collect::<Vec<_>>().try_into().expect("q"),
	};
	let signature = service_pair(tester).sign(&NodeRewards::report_payload(&report));
	(report, signature)
}

/// Authorize and dispatch a report as a block would.
pub(crate) fn submit(
	report: ReportOf<Test>,
	signature: sr25519::Signature,
) -> Result<(), DispatchError> {
	let call =
		RuntimeCall::NodeRewards(crate::Call::report { report, signature: signature.into() });
	match call.authorize(TransactionSource::External) {
		Some(Ok(_)) => {},
		Some(Err(e)) => {
			return Err(DispatchError::Other(if e.exhausted_resources() {
				"exhausted"
			} else {
				"refused by authorize"
			}))
		},
		None => return Err(DispatchError::Other("not an authorized call")),
	}
	call.dispatch(frame_system::RawOrigin::Authorized.into())
		.map(|_| ())
		.map_err(|e| e.error)
}

/// Every node reports `measure` for each of its targets on `hour`.
pub(crate) fn all_report(
	nodes: &[AccountId],
	hour: u32,
	measure: impl Fn(AccountId, AccountId) -> Option<Measurement>,
) {
	for &tester in nodes {
		let (report, signature) = signed_report(tester, hour, |target| measure(tester, target));
		submit(report, signature).expect("a valid report is accepted");
	}
}

pub(crate) use crate::quality::tests::healthy;

/// The events of this pallet so far (the mock never clears events).
pub(crate) fn events() -> Vec<pallet_node_rewards::Event<Test>> {
	System::read_events_for_pallet::<pallet_node_rewards::Event<Test>>()
}
