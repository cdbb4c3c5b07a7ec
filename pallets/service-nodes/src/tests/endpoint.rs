//! `update_endpoint`.

use super::*;
use crate::Error;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn update_endpoint_replaces_the_multiaddrs() {
	ExtBuilder::default().build_and_execute(|| {
		let new = addrs(&["/dns4/relay-1.example.org/tcp/443/wss", "/ip4/10.9.9.9/udp/9/quic-v1"]);
		assert_ok!(ServiceNodes::update_endpoint(RuntimeOrigin::signed(1), new.clone()));
		assert_eq!(node(1).multiaddrs, new);
		System::assert_last_event(Event::EndpointUpdated { who: 1, multiaddrs: new }.into());
		// Nothing else changed.
		assert_eq!(node(1).bond, MIN_BOND);
		assert_eq!(node(1).peer_id, peer_arg(1));
	});
}

#[test]
fn update_endpoint_works_while_unbonding() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(1)));
		let new = addrs(&["/ip4/10.9.9.9/tcp/1"]);
		assert_ok!(ServiceNodes::update_endpoint(RuntimeOrigin::signed(1), new.clone()));
		assert_eq!(node(1).multiaddrs, new);
	});
}

#[test]
fn update_endpoint_needs_a_signed_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::update_endpoint(RuntimeOrigin::root(), addrs(&[&addr(1)])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn update_endpoint_fails_with_not_registered() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::update_endpoint(RuntimeOrigin::signed(5), addrs(&[&addr(5)])),
			Error::<Test>::NotRegistered
		);
	});
}

#[test]
fn update_endpoint_fails_with_invalid_multiaddr() {
	ExtBuilder::default().build_and_execute(|| {
		// A `/p2p` component must name the node's own peer id.
		let foreign = format!("/ip4/1.2.3.4/tcp/1/p2p/{}", peer_id::to_base58(&peer(2)));
		assert_noop!(
			ServiceNodes::update_endpoint(RuntimeOrigin::signed(1), addrs(&[&foreign])),
			Error::<Test>::InvalidMultiaddr
		);
		let own = format!("/ip4/1.2.3.4/tcp/1/p2p/{}", peer_id::to_base58(&peer(1)));
		assert_ok!(ServiceNodes::update_endpoint(RuntimeOrigin::signed(1), addrs(&[&own])));
	});
}

#[test]
fn update_endpoint_fails_with_no_multiaddrs() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::update_endpoint(RuntimeOrigin::signed(1), addrs(&[])),
			Error::<Test>::NoMultiaddrs
		);
	});
}

#[test]
fn update_endpoint_fails_with_duplicate_multiaddr() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			ServiceNodes::update_endpoint(RuntimeOrigin::signed(1), addrs(&[&addr(1), &addr(1)])),
			Error::<Test>::DuplicateMultiaddr
		);
	});
}
