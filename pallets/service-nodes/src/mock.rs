//! Mock runtime: System, Balances, ServiceNodes and Session (sessions of [`SESSION_LENGTH`]
//! blocks, `UintAuthorityId` session keys whose ownership proof is really checked).

use crate::{self as pallet_service_nodes, peer_id, GenesisNode};
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
};
use sp_core::Pair as _;
use sp_runtime::{
	impl_opaque_keys,
	testing::{TestSignature, UintAuthorityId},
	traits::ConvertInto,
	BuildStorage,
};
use sp_staking::SessionIndex;

type Block = frame_system::mocking::MockBlock<Test>;
pub(crate) type AccountId = u64;
pub(crate) type Balance = u64;

/// The bond every test node needs.
pub(crate) const MIN_BOND: Balance = 1_000;
/// pallet-session's key deposit.
pub(crate) const KEY_DEPOSIT: Balance = 10;
/// Free balance of every endowed test account.
pub(crate) const ENDOWMENT: Balance = 10 * MIN_BOND;
/// An endowed account that cannot afford the bond.
pub(crate) const POOR: AccountId = 99;
/// Blocks per session.
pub(crate) const SESSION_LENGTH: u64 = 5;
/// `MaxNodes` of the mock.
pub(crate) const MAX_NODES: u32 = 12;

impl_opaque_keys! {
	pub struct MockSessionKeys {
		pub dummy: UintAuthorityId,
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
	pub type Balances = pallet_balances;
	// Before Session: its genesis must be built first.
	#[runtime::pallet_index(2)]
	pub type ServiceNodes = pallet_service_nodes;
	#[runtime::pallet_index(3)]
	pub type Session = pallet_session;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = pallet_session::PeriodicSessions<ConstU64<SESSION_LENGTH>, ConstU64<0>>;
	type NextSessionRotation =
		pallet_session::PeriodicSessions<ConstU64<SESSION_LENGTH>, ConstU64<0>>;
	type SessionManager = ServiceNodes;
	type SessionHandler = pallet_session::TestSessionHandler;
	type Keys = MockSessionKeys;
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = ConstU64<KEY_DEPOSIT>;
}

parameter_types! {
	pub const MinBond: Balance = MIN_BOND;
	/// Zero unless a test raises it.
	pub static MinUnbondingPeriod: SessionIndex = 0;
}

impl pallet_service_nodes::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type NativeBalance = Balances;
	// Slashed bond is burned.
	type Slash = ();
	type MinBond = MinBond;
	type MaxNodes = ConstU32<MAX_NODES>;
	type MaxMultiaddrs = ConstU32<4>;
	type MaxMultiaddrLen = ConstU32<128>;
	type DefaultUnbondingPeriod = ConstU32<24>;
	type MinUnbondingPeriod = MinUnbondingPeriod;
	type Decommissioned = frame_support::traits::Nothing;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Session keys and proofs for the benchmarks: the key of account `a` is `UintAuthorityId(a)`.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId, MockSessionKeys> for MockBenchmarkHelper {
	fn session_keys_and_proof(owner: &AccountId) -> (MockSessionKeys, Vec<u8>) {
		(session_keys(*owner), ownership_proof(*owner, *owner))
	}

	fn relay_key_and_signature(payload: &[u8]) -> ([u8; 32], crate::RelayProof) {
		// A key of its own for every payload (so for every operator).
		let pair = sp_core::ed25519::Pair::from_seed(&sp_io::hashing::blake2_256(payload));
		(pair.public().0, pair.sign(payload).0)
	}
}

/// The session keys of test account `who`.
pub(crate) fn session_keys(who: AccountId) -> MockSessionKeys {
	MockSessionKeys { dummy: UintAuthorityId(who) }
}

/// The proof that `owner` holds the session key `UintAuthorityId(key)`.
pub(crate) fn ownership_proof(owner: AccountId, key: u64) -> Vec<u8> {
	TestSignature(key, owner.encode()).encode()
}

/// The relay identity key of test account `who`.
pub(crate) fn relay_pair(who: AccountId) -> sp_core::ed25519::Pair {
	let mut seed = [0xEC; 32];
	seed[..8].copy_from_slice(&who.to_le_bytes());
	sp_core::ed25519::Pair::from_seed(&seed)
}

/// The (ed25519) peer id of test account `who`'s relay.
pub(crate) fn peer(who: AccountId) -> Vec<u8> {
	peer_id::from_ed25519_public(&relay_pair(who).public().0).to_vec()
}

/// The proof that the relay of test account `relay` may be registered by `operator`.
pub(crate) fn relay_proof(relay: AccountId, operator: AccountId) -> crate::RelayProof {
	let payload = crate::relay_proof::payload(&ServiceNodes::genesis_hash(), &operator.encode());
	relay_pair(relay).sign(&payload).0
}

/// [`peer`] as the bounded call argument.
pub(crate) fn peer_arg(who: AccountId) -> crate::PeerId {
	peer(who).try_into().expect("38 bytes fit; qed")
}

/// A valid multiaddr of test account `who`.
pub(crate) fn addr(who: AccountId) -> String {
	format!("/ip4/10.0.0.{}/tcp/30433", who % 250 + 1)
}

/// Multiaddrs as the bounded call argument.
pub(crate) fn addrs(list: &[&str]) -> crate::Multiaddrs<Test> {
	list.iter()
		.map(|a| a.as_bytes().to_vec().try_into().expect("short enough"))
		.collect::<Vec<_>>()
		.try_into()
		.expect("few enough")
}

/// The genesis record of test account `who`: its own peer id, one address, the minimum bond.
pub(crate) fn genesis_node(who: AccountId) -> GenesisNode<AccountId, Balance> {
	GenesisNode {
		account: who,
		peer_id: peer_id::to_base58(&peer(who)),
		multiaddrs: vec![addr(who)],
		bond: MIN_BOND,
	}
}

/// Genesis builder for the mock.
pub(crate) struct ExtBuilder {
	nodes: Vec<GenesisNode<AccountId, Balance>>,
	min_validators: u32,
	unbonding_period: SessionIndex,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self {
			nodes: [1, 2, 3, 4].into_iter().map(genesis_node).collect(),
			min_validators: 2,
			unbonding_period: 2,
		}
	}
}

impl ExtBuilder {
	/// The accounts bonded as service nodes at genesis (default 1, 2, 3, 4).
	pub(crate) fn genesis_nodes(mut self, nodes: Vec<AccountId>) -> Self {
		self.nodes = nodes.into_iter().map(genesis_node).collect();
		self
	}

	/// Add a hand-made genesis node (its account gets session keys in the session genesis).
	pub(crate) fn with_genesis_node(mut self, node: GenesisNode<AccountId, Balance>) -> Self {
		self.nodes.push(node);
		self
	}

	/// The validator floor (default 2).
	pub(crate) fn min_validators(mut self, min: u32) -> Self {
		self.min_validators = min;
		self
	}

	/// The unbonding period (default 2 sessions).
	pub(crate) fn unbonding_period(mut self, sessions: SessionIndex) -> Self {
		self.unbonding_period = sessions;
		self
	}

	pub(crate) fn build(self) -> sp_io::TestExternalities {
		let mut balances: Vec<(AccountId, Balance)> =
			(1..=40).map(|who| (who, ENDOWMENT)).collect();
		balances.push((POOR, MIN_BOND / 2));
		let genesis = RuntimeGenesisConfig {
			system: Default::default(),
			balances: pallet_balances::GenesisConfig { balances, ..Default::default() },
			service_nodes: pallet_service_nodes::GenesisConfig {
				nodes: self.nodes.clone(),
				min_validators: self.min_validators,
				unbonding_period: self.unbonding_period,
			},
			session: pallet_session::GenesisConfig {
				keys: self
					.nodes
					.iter()
					.map(|node| (node.account, node.account, session_keys(node.account)))
					.collect(),
				non_authority_keys: vec![],
			},
		};
		let storage = genesis.build_storage().expect("valid mock genesis");
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Run `test`, then check the pallet's invariants.
	pub(crate) fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			ServiceNodes::do_try_state().expect("try_state holds after the test");
		})
	}
}

/// Advance block by block until session `index` has started.
pub(crate) fn start_session(index: SessionIndex) {
	while Session::current_index() < index {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		<Session as Hooks<u64>>::on_initialize(next);
		ServiceNodes::do_try_state().expect("try_state holds at every block");
	}
}

/// The events of this pallet deposited so far.
pub(crate) fn service_node_events() -> Vec<pallet_service_nodes::Event<Test>> {
	System::read_events_for_pallet::<pallet_service_nodes::Event<Test>>()
}

/// Register `who` with the minimum bond, its own peer id, session key and one address.
pub(crate) fn register(who: AccountId) -> frame_support::dispatch::DispatchResult {
	ServiceNodes::register(
		RuntimeOrigin::signed(who),
		MIN_BOND,
		peer_arg(who),
		relay_proof(who, who),
		addrs(&[&addr(who)]),
		session_keys(who),
		ownership_proof(who, who),
	)
}
