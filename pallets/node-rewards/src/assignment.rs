//! Who tests whom in an hour: a pure function of the hour's tested nodes and seed, so that
//! anyone (the relays, the runtime, an auditor) computes the same quorums.
//!
//! The nodes are ordered on a ring by `blake2_256(seed ‖ SCALE(account))`; the testers of the
//! node at ring position `p` are the `q` nodes after it (`p + 1 … p + q`, wrapping), with
//! `q = min(Q, n − 1)`. So every node is tested by exactly `q` others and tests exactly `q`
//! others: probing costs every node the same, and no node tests itself. The seed changes every
//! hour (it mixes every block hash of the chain so far, see the pallet docs), so quorums change
//! every hour and no operator can keep testing its own other nodes.

use alloc::vec::Vec;
use codec::Encode;
use sp_io::hashing::blake2_256;

/// The ring order of `nodes` under `seed`: indices into `nodes`.
pub fn ring<A: Encode>(nodes: &[A], seed: &[u8; 32]) -> Vec<u32> {
	let mut keyed: Vec<([u8; 32], u32)> = nodes
		.iter()
		.enumerate()
		.map(|(i, a)| {
			let mut input = Vec::with_capacity(32 + 32);
			input.extend_from_slice(seed);
			a.encode_to(&mut input);
			(blake2_256(&input), i as u32)
		})
		.collect();
	keyed.sort_unstable();
	keyed.into_iter().map(|(_, i)| i).collect()
}

/// The effective quorum size for `n` nodes and a configured `q`.
pub fn quorum_size(n: usize, q: u32) -> usize {
	(q as usize).min(n.saturating_sub(1))
}

/// The testers of every node: `result[i]` lists the indices (into `nodes`) of the nodes that
/// test `nodes[i]`.
pub fn testers<A: Encode>(nodes: &[A], seed: &[u8; 32], q: u32) -> Vec<Vec<u32>> {
	let order = ring(nodes, seed);
	let n = order.len();
	let q = quorum_size(n, q);
	let mut out = alloc::vec![Vec::new(); n];
	for (p, &target) in order.iter().enumerate() {
		out[target as usize] = (1..=q).map(|k| order[(p + k) % n]).collect();
	}
	out
}

/// The nodes `tester` (an index into `nodes`) tests: the `q` nodes before it on the ring.
pub fn targets_of<A: Encode>(nodes: &[A], seed: &[u8; 32], q: u32, tester: u32) -> Vec<u32> {
	let order = ring(nodes, seed);
	let n = order.len();
	let q = quorum_size(n, q);
	let Some(p) = order.iter().position(|&i| i == tester) else { return Vec::new() };
	(1..=q).map(|k| order[(p + n - k) % n]).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn nodes(n: u64) -> Vec<u64> {
		(0..n).map(|i| 1000 + i).collect()
	}

	#[test]
	fn everyone_tests_q_and_is_tested_by_q_never_itself() {
		for n in [2u64, 3, 5, 8, 40] {
			let nodes = nodes(n);
			let t = testers(&nodes, &[7; 32], 7);
			let q = quorum_size(nodes.len(), 7);
			let mut load = alloc::vec![0usize; nodes.len()];
			for (target, ts) in t.iter().enumerate() {
				assert_eq!(ts.len(), q, "n {n}");
				assert!(!ts.contains(&(target as u32)), "n {n}: a node tests itself");
				let mut dedup = ts.clone();
				dedup.sort();
				dedup.dedup();
				assert_eq!(dedup.len(), q, "n {n}: a tester twice");
				for &tester in ts {
					load[tester as usize] += 1;
				}
			}
			assert!(load.iter().all(|&l| l == q), "n {n}: uneven load {load:?}");
		}
	}

	#[test]
	fn targets_of_is_the_inverse_of_testers() {
		let nodes = nodes(12);
		let seed = [3; 32];
		let t = testers(&nodes, &seed, 4);
		for tester in 0..12u32 {
			let mut mine = targets_of(&nodes, &seed, 4, tester);
			mine.sort();
			let mut expected: Vec<u32> =
				(0..12u32).filter(|target| t[*target as usize].contains(&tester)).collect();
			expected.sort();
			assert_eq!(mine, expected);
		}
		assert!(targets_of(&nodes, &seed, 4, 99).is_empty());
	}

	#[test]
	fn the_seed_changes_the_quorums_and_the_same_seed_gives_the_same() {
		let nodes = nodes(20);
		assert_eq!(testers(&nodes, &[1; 32], 5), testers(&nodes, &[1; 32], 5));
		assert_ne!(testers(&nodes, &[1; 32], 5), testers(&nodes, &[2; 32], 5));
	}

	#[test]
	fn one_node_has_no_testers() {
		assert_eq!(testers(&nodes(1), &[0; 32], 7), alloc::vec![Vec::<u32>::new()]);
		assert!(testers::<u64>(&[], &[0; 32], 7).is_empty());
	}
}
