//! Benchmarks of the service-node registry (frame-benchmarking v2).
//!
//! Every benchmark also runs as a unit test against the mock runtime
//! (`cargo test --features runtime-benchmarks`, see `impl_benchmark_test_suite!` below). The
//! weights in `weights.rs` come from running them on the real runtime with
//! `ichat-node benchmark pallet` (the command is in that file's header).
//!
//! Each benchmark sets up its worst case: multiaddrs as long as `MaxMultiaddrLen` allows, each a
//! DNS name with a `/p2p` peer id (the costliest address to check), and node sets of `MaxNodes`
//! entries where a call searches or rewrites them.

use super::*;
use crate::Pallet as ServiceNodes;
use alloc::{format, string::String};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::{Inspect, Mutate};
use frame_system::RawOrigin;
use pallet_session::SessionManager;
use sp_runtime::traits::{StaticLookup, Zero};

const SEED: u32 = 0;

/// An account funded with four minimum bonds plus what pallet-session needs for a key deposit.
fn funded_account<T: Config>(
	name: &'static str,
	index: u32,
) -> Result<T::AccountId, BenchmarkError> {
	let who: T::AccountId = account(name, index, SEED);
	let amount = T::MinBond::get()
		.saturating_mul(4u32.into())
		.saturating_add(T::NativeBalance::minimum_balance());
	T::NativeBalance::set_balance(&who, amount);
	pallet_session::Pallet::<T>::ensure_can_pay_key_deposit(&who)?;
	Ok(who)
}

/// A fresh relay key's peer id and its proof that `who` may register it.
fn relay_of<T: Config>(who: &T::AccountId) -> (PeerId, RelayProof) {
	let payload = relay_proof::payload(&ServiceNodes::<T>::genesis_hash(), &who.encode());
	let (key, proof) = <T as Config>::BenchmarkHelper::relay_key_and_signature(&payload);
	(PeerId::truncate_from(peer_id::from_ed25519_public(&key).to_vec()), proof)
}

/// A DNS name of `len` characters or one less: labels of 63 letters separated by dots.
fn dns_name(len: usize) -> String {
	let mut name = String::with_capacity(len);
	while name.len() < len {
		name.push(if name.len() % 64 == 63 { '.' } else { 'a' });
	}
	if name.ends_with('.') {
		name.pop();
	}
	name
}

/// `m` distinct valid multiaddrs for `peer`, each as long as `MaxMultiaddrLen` allows.
fn multiaddrs<T: Config>(peer: &PeerId, m: u32, first_port: u32) -> Multiaddrs<T> {
	let max_len = T::MaxMultiaddrLen::get() as usize;
	let id = peer_id::to_base58(peer);
	let addrs = (0..m)
		.map(|i| {
			let port = first_port.saturating_add(i);
			let tail = format!("/tcp/{port}/wss/p2p/{id}");
			let room = max_len.saturating_sub(tail.len() + "/dns4/".len()).min(253);
			let addr = if room > 0 {
				format!("/dns4/{}{tail}", dns_name(room))
			} else {
				format!("/ip4/10.0.0.1/tcp/{port}")
			};
			Multiaddr::<T>::truncate_from(addr.into_bytes())
		})
		.collect::<Vec<_>>();
	Multiaddrs::<T>::truncate_from(addrs)
}

/// Register a node for a funded account `("node", index)`: bonded with `MinBond`, its session
/// keys (from [`Config::BenchmarkHelper`], so their private halves are in the benchmark
/// keystore) set. Other pallets' benchmarks use it for a real registered node.
pub fn register_node<T: Config>(index: u32) -> Result<T::AccountId, BenchmarkError> {
	let who = funded_account::<T>("node", index)?;
	let (peer, relay_proof) = relay_of::<T>(&who);
	let addrs = multiaddrs::<T>(&peer, 1, 1_000);
	let (keys, proof) = <T as Config>::BenchmarkHelper::session_keys_and_proof(&who);
	ServiceNodes::<T>::register(
		RawOrigin::Signed(who.clone()).into(),
		T::MinBond::get(),
		peer,
		relay_proof,
		addrs,
		keys,
		proof,
	)?;
	Ok(who)
}

/// A sorted node set of `MaxNodes` accounts: `members` plus fillers.
fn full_set<T: Config>(members: &[T::AccountId]) -> BoundedVec<T::AccountId, T::MaxNodes> {
	let fillers = T::MaxNodes::get().saturating_sub(members.len() as u32);
	let mut set: Vec<T::AccountId> = members.to_vec();
	set.extend((0..fillers).map(|i| account::<T::AccountId>("filler", i, SEED)));
	set.sort();
	set.dedup();
	BoundedVec::truncate_from(set)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register(m: Linear<1, { T::MaxMultiaddrs::get() }>) -> Result<(), BenchmarkError> {
		let caller = funded_account::<T>("node", 0)?;
		let (peer, relay_proof) = relay_of::<T>(&caller);
		let addrs = multiaddrs::<T>(&peer, m, 1_000);
		let (keys, proof) = <T as Config>::BenchmarkHelper::session_keys_and_proof(&caller);
		let bond = T::MinBond::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), bond, peer, relay_proof, addrs, keys, proof);

		let node = Nodes::<T>::get(&caller).ok_or("node not registered")?;
		assert_eq!(node.bond, bond);
		assert_eq!(node.multiaddrs.len() as u32, m);
		Ok(())
	}

	#[benchmark]
	fn bond_extra() -> Result<(), BenchmarkError> {
		let caller = register_node::<T>(0)?;
		let amount = T::MinBond::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), amount);

		assert_eq!(ServiceNodes::<T>::bond_on_hold(&caller), amount.saturating_mul(2u32.into()));
		Ok(())
	}

	#[benchmark]
	fn update_endpoint(m: Linear<1, { T::MaxMultiaddrs::get() }>) -> Result<(), BenchmarkError> {
		let caller = register_node::<T>(0)?;
		let peer = Nodes::<T>::get(&caller).ok_or("registered")?.peer_id;
		let addrs = multiaddrs::<T>(&peer, m, 2_000);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), addrs.clone());

		assert_eq!(Nodes::<T>::get(&caller).map(|n| n.multiaddrs), Some(addrs));
		Ok(())
	}

	#[benchmark]
	fn unbond() -> Result<(), BenchmarkError> {
		let caller = register_node::<T>(0)?;
		// Worst case: a full planned set to search.
		QueuedNodes::<T>::put(full_set::<T>(core::slice::from_ref(&caller)));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		let status = Nodes::<T>::get(&caller).map(|n| n.status);
		assert!(matches!(status, Some(NodeStatus::Unbonding { unlock_at: None, .. })));
		Ok(())
	}

	#[benchmark]
	fn withdraw_unbonded() -> Result<(), BenchmarkError> {
		let caller = register_node::<T>(0)?;
		ServiceNodes::<T>::unbond(RawOrigin::Signed(caller.clone()).into())?;
		let unlock_at = match Nodes::<T>::get(&caller).map(|n| n.status) {
			Some(NodeStatus::Unbonding { unlock_at: Some(unlock_at), .. }) => unlock_at,
			_ => return Err("a node that was never planned unlocks at once".into()),
		};
		pallet_session::CurrentIndex::<T>::put(unlock_at);
		// Worst case: full sets to search.
		ActiveNodes::<T>::put(full_set::<T>(&[]));
		QueuedNodes::<T>::put(full_set::<T>(&[]));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()));

		assert!(!Nodes::<T>::contains_key(&caller));
		assert!(ServiceNodes::<T>::bond_on_hold(&caller).is_zero());
		Ok(())
	}

	#[benchmark]
	fn force_remove() -> Result<(), BenchmarkError> {
		let who = register_node::<T>(0)?;
		// Worst case: full sets to rewrite.
		ActiveNodes::<T>::put(full_set::<T>(core::slice::from_ref(&who)));
		QueuedNodes::<T>::put(full_set::<T>(core::slice::from_ref(&who)));
		let lookup = T::Lookup::unlookup(who.clone());
		// Worst case: a slash (hold, balance and issuance written) on top of the unbonding.
		let bond = ServiceNodes::<T>::bond_on_hold(&who);
		let slash = bond / 2u32.into();

		#[extrinsic_call]
		_(RawOrigin::Root, lookup, slash);

		let node = Nodes::<T>::get(&who).ok_or(BenchmarkError::Stop("node removed"))?;
		assert!(matches!(node.status, NodeStatus::Unbonding { .. }));
		assert_eq!(ServiceNodes::<T>::bond_on_hold(&who), bond - slash);
		Ok(())
	}

	#[benchmark]
	fn set_min_validators() {
		let min_validators = T::MaxNodes::get();

		#[extrinsic_call]
		_(RawOrigin::Root, min_validators);

		assert_eq!(MinValidators::<T>::get(), min_validators);
	}

	#[benchmark]
	fn set_unbonding_period() {
		#[extrinsic_call]
		_(RawOrigin::Root, 7);

		assert_eq!(UnbondingPeriod::<T>::get(), 7);
	}

	/// Planning the next validator set with `n` nodes in the registry, all new to the set (each
	/// gets `since` and an event).
	#[benchmark]
	fn new_session(n: Linear<1, { T::MaxNodes::get() }>) -> Result<(), BenchmarkError> {
		let to_add = n.saturating_sub(Nodes::<T>::count());
		for i in 0..to_add {
			register_node::<T>(i)?;
		}
		// Worst case: the set differs from the current one, so it is handed to pallet-session.
		pallet_session::Validators::<T>::kill();
		let index = ServiceNodes::<T>::current_session().saturating_add(1);
		let planned;

		#[block]
		{
			planned = <ServiceNodes<T> as SessionManager<T::ValidatorId>>::new_session(index);
		}

		assert!(planned.is_some());
		assert!(QueuedNodes::<T>::get().len() as u32 >= to_add);
		Ok(())
	}

	impl_benchmark_test_suite!(
		ServiceNodes,
		mock::ExtBuilder::default().genesis_nodes(vec![]).build(),
		mock::Test
	);
}
