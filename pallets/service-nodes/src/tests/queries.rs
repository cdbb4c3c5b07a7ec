//! The read side: the helpers behind the runtime API, and the stored layout polkadot.js decodes.

use super::*;
use crate::{NodeInfo, ServiceNode};
use codec::Encode;
use frame_support::assert_ok;

#[test]
fn active_nodes_are_the_current_sessions_validators() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(5));
		let active = ServiceNodes::active_nodes();
		assert_eq!(active.iter().map(|n| n.account).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
		assert_eq!(
			active[0],
			NodeInfo {
				account: 1,
				peer_id: peer(1),
				multiaddrs: vec![addr(1).into_bytes()],
				bond: MIN_BOND,
				registered_at: 0,
				since: Some(0),
				status: NodeStatus::Bonded,
			}
		);
		// Planned, not yet validating.
		start_session(1);
		assert_eq!(ServiceNodes::active_nodes().len(), 4);
		start_session(2);
		let active = ServiceNodes::active_nodes();
		assert_eq!(active.len(), 5);
		assert_eq!(active[4].account, 5);
		assert_eq!(active[4].since, Some(2));
		// The runtime API's list is pallet-session's validator list.
		assert_eq!(active.iter().map(|n| n.account).collect::<Vec<_>>(), validators());
	});
}

#[test]
fn registered_nodes_lists_every_node_sorted() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(register(9));
		assert_ok!(register(5));
		assert_ok!(ServiceNodes::unbond(RuntimeOrigin::signed(2)));
		let all = ServiceNodes::registered_nodes();
		assert_eq!(all.iter().map(|n| n.account).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 9]);
		assert_eq!(all[1].status, NodeStatus::Unbonding { requested_at: 0, unlock_at: None });
		assert_eq!(all[4].since, None);
	});
}

#[test]
fn node_and_node_by_peer_id_find_a_node() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(ServiceNodes::node(3).map(|n| n.peer_id), Some(peer(3)));
		assert_eq!(ServiceNodes::node(5), None);
		assert_eq!(ServiceNodes::node_by_peer_id(peer(2)).map(|n| n.account), Some(2));
		assert_eq!(ServiceNodes::node_by_peer_id(peer(5)), None);
		// Longer than any stored peer id: no match, no panic.
		assert_eq!(ServiceNodes::node_by_peer_id(vec![0; 1_000]), None);
	});
}

#[test]
fn current_session_follows_pallet_session() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(ServiceNodes::current_session(), 0);
		start_session(3);
		assert_eq!(ServiceNodes::current_session(), 3);
	});
}

#[test]
fn stored_record_layout_is_plain_scale() {
	// Field order and encodings are what the metadata describes to polkadot.js; lock them.
	let record: ServiceNodeOf<Test> = ServiceNode {
		peer_id: peer_arg(1),
		multiaddrs: addrs(&["/ip4/1.2.3.4/tcp/1"]),
		bond: 0x0102,
		registered_at: 7,
		since: Some(9),
		status: NodeStatus::Unbonding { requested_at: 3, unlock_at: None },
	};
	let mut expected = vec![38 << 2];
	expected.extend(peer(1));
	expected.extend([1 << 2, 18 << 2]);
	expected.extend(b"/ip4/1.2.3.4/tcp/1");
	expected.extend(0x0102u64.to_le_bytes());
	expected.extend(7u32.to_le_bytes());
	expected.extend([1, 9, 0, 0, 0]);
	expected.extend([1, 3, 0, 0, 0, 0]);
	assert_eq!(record.encode(), expected);
}
