//! Properties of the routing rules (`ichat_relay_proto::routing`) over arbitrary peer sets.

use std::collections::BTreeSet;

use ichat_relay_proto::routing::{
	ack_replication_targets, active_listen_nodes, forward_targets, hinted_peers,
};
use proptest::prelude::*;

fn is_sorted_set(v: &[u8]) -> bool {
	v.windows(2).all(|w| w[0] < w[1])
}

/// A peer set (as a vector that may repeat and is in any order), and a permutation of it.
fn shuffled(max: usize) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
	prop::collection::vec(0u8..24, 0..max).prop_flat_map(|v| {
		let w = v.clone();
		(Just(v), Just(w).prop_shuffle())
	})
}

proptest! {
	#[test]
	fn listen_nodes_are_active_or_local_unique_and_order_free(
		(listen, listen2) in shuffled(12),
		active in prop::collection::btree_set(0u8..24, 0..24),
		local in 0u8..24,
	) {
		let got = active_listen_nodes(listen.iter().copied(), &local, |p| active.contains(p));
		prop_assert!(is_sorted_set(&got));
		for p in &got {
			prop_assert!(*p == local || active.contains(p));
			prop_assert!(listen.contains(p));
		}
		for p in &listen {
			prop_assert_eq!(got.contains(p), *p == local || active.contains(p));
		}
		let again = active_listen_nodes(listen2.iter().copied(), &local, |p| active.contains(p));
		prop_assert_eq!(got, again);
	}

	#[test]
	fn forward_targets_are_listen_nodes_and_skip_entries_only_when_something_else_stores(
		(listen, listen2) in shuffled(12),
		(hint, hint2) in shuffled(8),
		active in prop::collection::btree_set(0u8..24, 0..24),
		local in 0u8..24,
		with_hint in any::<bool>(),
	) {
		let listen_nodes = active_listen_nodes(listen.iter().copied(), &local, |p| active.contains(p));
		let hinted = hinted_peers(with_hint.then(|| hint.iter().copied()), &local);
		let got = forward_targets(&listen_nodes, &hinted, &local);

		prop_assert!(is_sorted_set(&got.targets));
		prop_assert!(is_sorted_set(&got.spared));
		// Every target and every spared node is an active listen node; together they are all of
		// them, each once.
		let all: BTreeSet<u8> = got.targets.iter().chain(&got.spared).copied().collect();
		prop_assert_eq!(all.len(), got.targets.len() + got.spared.len());
		prop_assert_eq!(all, listen_nodes.iter().copied().collect::<BTreeSet<u8>>());
		// A node is spared only as another entry node of a hint naming this one, and only when
		// something else stores the message.
		if !got.spared.is_empty() {
			prop_assert!(!got.targets.is_empty());
			prop_assert!(hinted.contains(&local));
			for p in &got.spared {
				prop_assert!(*p != local && hinted.contains(p));
			}
		}
		// Something stores whenever there is a listen node.
		prop_assert_eq!(got.targets.is_empty(), listen_nodes.is_empty());
		// Without a hint naming this node, nothing is spared.
		if !hint.contains(&local) || !with_hint {
			prop_assert!(hinted.is_empty());
			prop_assert!(got.spared.is_empty());
		}

		// The order of the inputs changes nothing.
		let listen_nodes2 = active_listen_nodes(listen2.iter().copied(), &local, |p| active.contains(p));
		let hinted2 = hinted_peers(with_hint.then(|| hint2.iter().copied()), &local);
		prop_assert_eq!(&hinted, &hinted2);
		prop_assert_eq!(got, forward_targets(&listen_nodes2, &hinted2, &local));
	}

	#[test]
	fn acks_are_replicated_to_every_other_listen_node_once(
		(listen, listen2) in shuffled(12),
		local in 0u8..24,
	) {
		let got = ack_replication_targets(&listen, &local);
		prop_assert!(is_sorted_set(&got));
		prop_assert!(!got.contains(&local));
		let want: BTreeSet<u8> = listen.iter().copied().filter(|p| *p != local).collect();
		prop_assert_eq!(&got, &want.into_iter().collect::<Vec<u8>>());
		prop_assert_eq!(got, ack_replication_targets(&listen2, &local));
	}
}
