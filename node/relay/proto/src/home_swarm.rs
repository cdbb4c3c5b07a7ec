//! Home swarms: the k nodes that keep an account's presence record, chosen by rendezvous
//! (highest-random-weight) hashing of its routing id over the hour's active registry.
//!
//! Every node computes the same swarm from the same registry with no coordination, and when a
//! node joins or leaves only the routing ids for which it is (or becomes) one of the top k move:
//! about `k / n` of them.

use blake2::{digest::consts::U32, Blake2b, Digest};

use crate::limits::{MAX_HOME_SWARM, MIN_HOME_SWARM};
use crate::types::RoutingId;

/// Domain tag of [`score`].
pub const HOME_SWARM_DOMAIN: &[u8] = b"ichat/home-swarm/v1";

/// The weight of `peer` for `routing_id`:
/// `BLAKE2b-256(HOME_SWARM_DOMAIN || routing id || peer id bytes)`, compared as big-endian
/// bytes; the highest weights win.
pub fn score(routing_id: &RoutingId, peer: &[u8]) -> [u8; 32] {
	let mut h = Blake2b::<U32>::new();
	h.update(HOME_SWARM_DOMAIN);
	h.update(routing_id.0);
	h.update(peer);
	h.finalize().into()
}

/// The home swarm of `routing_id`: the `k` peers of `active` with the highest [`score`], best
/// first. `k` is raised to [`MIN_HOME_SWARM`] and capped at [`MAX_HOME_SWARM`] and at the number
/// of distinct peers. The result does not depend on the order of `active`; duplicates count once;
/// equal scores (never seen in practice) are broken by the smaller peer id.
///
/// Cost: one BLAKE2b per active node, so `O(n)` hashing but no network traffic; an engine caches
/// the answer per routing id for the hour (the registry only changes at the hour boundary).
pub fn home_swarm<'a, P: AsRef<[u8]>>(
	routing_id: &RoutingId,
	active: &'a [P],
	k: usize,
) -> Vec<&'a P> {
	let k = k.clamp(MIN_HOME_SWARM, MAX_HOME_SWARM);
	let mut scored: Vec<([u8; 32], &'a P)> =
		active.iter().map(|p| (score(routing_id, p.as_ref()), p)).collect();
	scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.as_ref().cmp(b.1.as_ref())));
	scored.dedup_by(|a, b| a.1.as_ref() == b.1.as_ref());
	scored.into_iter().take(k).map(|(_, p)| p).collect()
}
