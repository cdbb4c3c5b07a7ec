//! `register`: the bond, the peer id, the multiaddrs and the session keys, and every way it fails.

use super::*;
use crate::Error;
use codec::Encode;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_core::Pair as _;
use sp_runtime::{traits::Dispatchable, DispatchError};

/// Register `who` with explicit arguments, dispatched as a runtime call (so a failure rolls back
/// everything, as in a block).
fn register_with(
	who: AccountId,
	bond: Balance,
	peer: Vec<u8>,
	relay_proof: crate::RelayProof,
	multiaddrs: &[&str],
	keys: MockSessionKeys,
	proof: Vec<u8>,
) -> frame_support::dispatch::DispatchResult {
	let call = RuntimeCall::ServiceNodes(crate::Call::register {
		bond,
		peer_id: peer.try_into().expect("short enough"),
		relay_proof,
		multiaddrs: addrs(multiaddrs),
		keys,
		proof,
	});
	call.dispatch(RuntimeOrigin::signed(who)).map(|_| ()).map_err(|e| e.error)
}

#[test]
fn register_bonds_records_and_sets_keys() {
	ExtBuilder::default().build_and_execute(|| {
		let free_before = Balances::free_balance(5);
		assert_ok!(register(5));

		assert_eq!(held(5), MIN_BOND);
		// The bond and pallet-session's key deposit leave the free balance.
		assert_eq!(Balances::free_balance(5), free_before - MIN_BOND - KEY_DEPOSIT);
		assert_eq!(Balances::total_balance_on_hold(&5), MIN_BOND + KEY_DEPOSIT);
		let record = node(5);
		assert_eq!(record.bond, MIN_BOND);
		assert_eq!(record.peer_id, peer_arg(5));
		assert_eq!(record.multiaddrs, addrs(&[&addr(5)]));
		assert_eq!(record.registered_at, 0);
		assert_eq!(record.since, None);
		assert_eq!(record.status, NodeStatus::Bonded);
		assert_eq!(peer_owner(5), Some(5));
		assert_eq!(Nodes::<Test>::count(), 5);
		assert_eq!(pallet_session::NextKeys::<Test>::get(5), Some(session_keys(5)));
		assert!(ServiceNodes::has_session_keys(&5));
		System::assert_last_event(
			Event::Registered { who: 5, peer_id: peer_arg(5), bond: MIN_BOND }.into(),
		);
		// Not in any set before the next session rotation.
		assert!(!queued_nodes().contains(&5));
	});
}

#[test]
fn register_accepts_more_than_the_minimum_and_several_addresses() {
	ExtBuilder::default().build_and_execute(|| {
		let own =
			format!("/dns4/relay.example.org/tcp/443/wss/p2p/{}", peer_id::to_base58(&peer(5)));
		assert_ok!(register_with(
			5,
			2 * MIN_BOND + 1,
			peer(5),
			relay_proof(5, 5),
			&["/ip4/10.0.0.5/tcp/30433", &own, "/ip6/::1/udp/30433/quic-v1"],
			session_keys(5),
			ownership_proof(5, 5)
		));
		assert_eq!(held(5), 2 * MIN_BOND + 1);
		assert_eq!(node(5).multiaddrs.len(), 3);
	});
}

#[test]
fn register_needs_a_signed_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::register(
				RuntimeOrigin::root(),
				MIN_BOND,
				peer_arg(5),
				relay_proof(5, 5),
				addrs(&[&addr(5)]),
				session_keys(5),
				ownership_proof(5, 5),
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_fails_with_bond_too_small() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			register_with(
				5,
				MIN_BOND - 1,
				peer(5),
				relay_proof(5, 5),
				&[&addr(5)],
				session_keys(5),
				ownership_proof(5, 5)
			),
			Error::<Test>::BondTooSmall
		);
	});
}

#[test]
fn register_fails_with_already_registered() {
	ExtBuilder::default().build_and_execute(|| {
		// A genesis node, with a fresh peer id: the account is what counts.
		assert_noop!(
			register_with(
				1,
				MIN_BOND,
				peer(9),
				relay_proof(9, 1),
				&[&addr(9)],
				session_keys(1),
				ownership_proof(1, 1)
			),
			Error::<Test>::AlreadyRegistered
		);
		// Still registered while unbonding.
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(1)));
		assert_noop!(
			register_with(
				1,
				MIN_BOND,
				peer(9),
				relay_proof(9, 1),
				&[&addr(9)],
				session_keys(1),
				ownership_proof(1, 1)
			),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn register_fails_with_peer_id_taken() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(1),
				relay_proof(1, 5),
				&[&addr(5)],
				session_keys(5),
				ownership_proof(5, 5)
			),
			Error::<Test>::PeerIdTaken
		);
	});
}

#[test]
fn register_fails_with_invalid_peer_id() {
	ExtBuilder::default().build_and_execute(|| {
		let mut wrong_prefix = peer(5);
		wrong_prefix[3] = 0x02; // secp256k1 key type
		for bad in [vec![], peer(5)[..37].to_vec(), wrong_prefix, [peer(5), vec![0]].concat()] {
			assert_noop!(
				register_with(
					5,
					MIN_BOND,
					bad,
					[0u8; 64],
					&[&addr(5)],
					session_keys(5),
					ownership_proof(5, 5)
				),
				Error::<Test>::InvalidPeerId
			);
		}
	});
}

#[test]
fn register_fails_with_invalid_multiaddr() {
	ExtBuilder::default().build_and_execute(|| {
		let foreign = format!("/ip4/1.2.3.4/tcp/1/p2p/{}", peer_id::to_base58(&peer(1)));
		for bad in ["/ip4/1.2.3.4/udp/30433", "ip4/1.2.3.4/tcp/1", "/ip4/1.2.3.4/tcp/0", &foreign] {
			assert_noop!(
				register_with(
					5,
					MIN_BOND,
					peer(5),
					relay_proof(5, 5),
					&[&addr(5), bad],
					session_keys(5),
					ownership_proof(5, 5)
				),
				Error::<Test>::InvalidMultiaddr
			);
		}
	});
}

#[test]
fn register_fails_with_no_multiaddrs() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof(5, 5),
				&[],
				session_keys(5),
				ownership_proof(5, 5)
			),
			Error::<Test>::NoMultiaddrs
		);
	});
}

#[test]
fn register_fails_with_duplicate_multiaddr() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof(5, 5),
				&[&addr(5), &addr(5)],
				session_keys(5),
				ownership_proof(5, 5)
			),
			Error::<Test>::DuplicateMultiaddr
		);
	});
}

#[test]
fn register_fails_with_too_many_nodes() {
	ExtBuilder::default().build_and_execute(|| {
		let last = 4 + MAX_NODES as u64 - 4;
		for who in 5..=last {
			assert_ok!(register(who));
		}
		assert_eq!(Nodes::<Test>::count(), MAX_NODES);
		assert_noop!(register(last + 1), Error::<Test>::TooManyNodes);
	});
}

#[test]
fn register_fails_with_insufficient_balance() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(register(POOR), Error::<Test>::InsufficientBalance);
		// An account that does not exist at all.
		assert_noop!(register(1_000), Error::<Test>::InsufficientBalance);
	});
}

#[test]
fn register_fails_with_a_wrong_ownership_proof() {
	ExtBuilder::default().build_and_execute(|| {
		// Signed by key 6 for owner 5, but the keys are key 5.
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof(5, 5),
				&[&addr(5)],
				session_keys(5),
				ownership_proof(5, 6)
			),
			pallet_session::Error::<Test>::InvalidProof
		);
		// Key 5 proving ownership for owner 6 (a proof replayed by another account).
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof(5, 5),
				&[&addr(5)],
				session_keys(5),
				ownership_proof(6, 5)
			),
			pallet_session::Error::<Test>::InvalidProof
		);
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof(5, 5),
				&[&addr(5)],
				session_keys(5),
				vec![]
			),
			pallet_session::Error::<Test>::InvalidProof
		);
	});
}

#[test]
fn register_fails_with_keys_of_another_validator() {
	ExtBuilder::default().build_and_execute(|| {
		// A valid proof for key 1, but key 1 belongs to node 1.
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof(5, 5),
				&[&addr(5)],
				session_keys(1),
				ownership_proof(5, 1)
			),
			pallet_session::Error::<Test>::DuplicatedKey
		);
	});
}

#[test]
fn a_failed_register_holds_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		// The bond is held before pallet-session checks the keys; the whole call is rolled back.
		assert_noop!(
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof(5, 5),
				&[&addr(5)],
				session_keys(5),
				vec![1]
			),
			pallet_session::Error::<Test>::InvalidProof
		);
		assert_eq!(held(5), 0);
		assert_eq!(Balances::free_balance(5), ENDOWMENT);
	});
}

#[test]
fn register_keeps_keys_set_earlier_through_pallet_session() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Session::set_keys(
			RuntimeOrigin::signed(5),
			session_keys(5),
			ownership_proof(5, 5)
		));
		assert_ok!(register(5));
		assert_eq!(pallet_session::NextKeys::<Test>::get(5), Some(session_keys(5)));
		// The key deposit was taken once.
		assert_eq!(Balances::total_balance_on_hold(&5), MIN_BOND + KEY_DEPOSIT);
	});
}

#[test]
fn register_fails_without_the_relay_keys_consent() {
	ExtBuilder::default().build_and_execute(|| {
		let with_proof = |relay_proof| {
			register_with(
				5,
				MIN_BOND,
				peer(5),
				relay_proof,
				&[&addr(5)],
				session_keys(5),
				ownership_proof(5, 5),
			)
		};
		// Signed by another relay key: someone registering a peer id they do not hold.
		assert_noop!(with_proof(relay_proof(6, 5)), Error::<Test>::InvalidRelayProof);
		// Relay 5's consent for operator 6, replayed by operator 5.
		assert_noop!(with_proof(relay_proof(5, 6)), Error::<Test>::InvalidRelayProof);
		// Relay 5's consent for operator 5 on another chain.
		let foreign = crate::relay_proof::payload(&[1; 32], &5u64.encode());
		assert_ne!(ServiceNodes::genesis_hash(), [1; 32]);
		assert_noop!(with_proof(relay_pair(5).sign(&foreign).0), Error::<Test>::InvalidRelayProof);
		assert_noop!(with_proof([0; 64]), Error::<Test>::InvalidRelayProof);
		// The real one.
		assert_ok!(with_proof(relay_proof(5, 5)));
	});
}

#[test]
fn a_squatter_cannot_take_a_relay_with_its_owners_proof() {
	ExtBuilder::default().build_and_execute(|| {
		// Operator 6 saw operator 5's registration and tries it first with the same proof.
		let squat = register_with(
			6,
			MIN_BOND,
			peer(5),
			relay_proof(5, 5),
			&[&addr(5)],
			session_keys(6),
			ownership_proof(6, 6),
		);
		assert_noop!(squat, Error::<Test>::InvalidRelayProof);
		assert_ok!(register(5));
		assert_eq!(peer_owner(5), Some(5));
	});
}
