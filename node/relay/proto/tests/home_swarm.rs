//! Home-swarm selection and the O(k) routing simulation.

use std::collections::HashMap;

use ichat_relay_proto::limits::{MAX_HOME_SWARM, MIN_HOME_SWARM};
use ichat_relay_proto::sim::{run, SimConfig};
use ichat_relay_proto::*;

fn peers(n: usize) -> Vec<Vec<u8>> {
	(0..n)
		.map(|i| {
			let mut p = vec![0x00, 0x24];
			p.extend_from_slice(&(i as u64).to_be_bytes());
			p
		})
		.collect()
}

fn rid(i: u64) -> RoutingId {
	RoutingId::for_account(&AccountId({
		let mut a = [0u8; 32];
		a[..8].copy_from_slice(&i.to_le_bytes());
		a
	}))
}

#[test]
fn swarm_is_the_top_k_by_score_and_independent_of_order() {
	let all = peers(50);
	let r = rid(1);
	let swarm = home_swarm(&r, &all, 5);
	assert_eq!(swarm.len(), 5);
	let mut by_score: Vec<_> = all.iter().collect();
	by_score.sort_by_key(|p| std::cmp::Reverse(home_swarm_score(&r, p)));
	assert_eq!(swarm, by_score[..5].to_vec());

	let mut reversed = all.clone();
	reversed.reverse();
	let again: Vec<_> = home_swarm(&r, &reversed, 5).into_iter().cloned().collect();
	assert_eq!(again, swarm.into_iter().cloned().collect::<Vec<_>>());

	let mut doubled = all.clone();
	doubled.extend(all.iter().cloned());
	let dedup: Vec<_> = home_swarm(&r, &doubled, 5).into_iter().cloned().collect();
	assert_eq!(dedup, again, "duplicates count once");
}

#[test]
fn k_is_at_least_five_and_at_most_the_registry() {
	let all = peers(20);
	assert_eq!(home_swarm(&rid(2), &all, 1).len(), MIN_HOME_SWARM);
	assert_eq!(home_swarm(&rid(2), &all, 7).len(), 7);
	assert_eq!(home_swarm(&rid(2), &all, 1000).len(), MAX_HOME_SWARM);
	assert_eq!(home_swarm(&rid(2), &all[..3], 5).len(), 3);
	assert!(home_swarm(&rid(2), &Vec::<Vec<u8>>::new(), 5).is_empty());
}

#[test]
fn load_is_spread_and_a_join_moves_few_swarms() {
	let all = peers(100);
	let mut load: HashMap<&[u8], usize> = HashMap::new();
	let n = 2_000u64;
	let before: Vec<Vec<Vec<u8>>> = (0..n)
		.map(|i| {
			let s = home_swarm(&rid(i), &all, 5);
			s.iter().for_each(|p| *load.entry(p.as_slice()).or_default() += 1);
			s.into_iter().cloned().collect()
		})
		.collect();
	// Mean load is 2000 * 5 / 100 = 100 per node.
	assert_eq!(load.len(), 100, "every node serves some swarm");
	assert!(load.values().all(|&l| (40..=180).contains(&l)), "{load:?}");

	let mut joined = all.clone();
	joined.push(b"newcomer".to_vec());
	let changed = (0..n)
		.filter(|&i| {
			let after: Vec<Vec<u8>> =
				home_swarm(&rid(i), &joined, 5).into_iter().cloned().collect();
			after != before[i as usize]
		})
		.count();
	// Expected k / (n + 1) = 5 %: about 99 of 2000. Modulo hashing would move nearly all.
	assert!(changed < 200, "{changed} swarms changed");
	assert!(changed > 0);
}

#[test]
fn messages_per_delivery_do_not_grow_with_network_size() {
	let reports: Vec<_> = [10, 100, 1_000]
		.into_iter()
		.map(|n| {
			let cfg = SimConfig { messages: 150, ..SimConfig::new(n) };
			(run(&cfg), cfg)
		})
		.collect();
	for (r, cfg) in &reports {
		assert!(r.delivered > 0 && r.dropped_offline > 0, "{r:?}");
		assert_eq!(r.delivered + r.dropped_offline, cfg.messages as u64);
		assert_eq!(r.unread_left, 0, "every read message burnt everywhere");
		assert!(r.max_send_messages <= cfg.bound_send(), "{r:?}");
		assert!(r.per_ack() <= cfg.bound_ack() as f64, "{r:?}");
		assert!(r.per_offline() <= cfg.bound_send() as f64, "{r:?}");
		// Each listen node pushes once; the client keeps one copy.
		assert_eq!(r.duplicate_pushes, r.delivered * (cfg.listen_nodes as u64 - 1));
	}
	let per: Vec<f64> = reports.iter().map(|(r, _)| r.per_delivered()).collect();
	// Local shortcuts (an entry node in the home swarm, a listen node, or another entry node
	// that is a listen node: no forward) make small networks cheaper: with 10 nodes, half of the
	// 5 entry nodes are listen nodes. Beyond that the cost is flat: 100x the nodes, at most 2x
	// the messages, and 10x the nodes from 100 to 1,000, within 5 %.
	assert!(per[2] <= per[0] * 2.0, "{per:?}");
	assert!(per[2] <= per[1] * 1.05, "{per:?}");
}
