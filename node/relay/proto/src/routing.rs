//! The routing rules of the relay, as pure functions that the relay engine and the routing
//! simulation ([`crate::sim`]) both call, so the simulation measures what runs.
//!
//! They are generic over the peer type (`libp2p::PeerId` in the engine, an index in the
//! simulation) and return sorted lists without duplicates, so the result depends only on the
//! sets given, never on their order. The home swarm, the fourth rule, is
//! [`home_swarm()`](crate::home_swarm()).
//!
//! * [`active_listen_nodes`]: which of the nodes a presence record lists may hold the
//!   recipient's mail.
//! * [`hinted_peers`]: the other entry nodes named by a request's `ENTRY_SET` hint.
//! * [`forward_targets`]: where an entry node puts a message.
//! * [`ack_replication_targets`]: where a listen node replicates an ack without a hint.

/// Sorts and removes duplicates.
fn canonical<P: Ord>(mut peers: Vec<P>) -> Vec<P> {
	peers.sort_unstable();
	peers.dedup();
	peers
}

/// The listen nodes of a presence record that may hold the recipient's mail: `local` (this
/// node) if listed, and the listed nodes that are active in the registry (`is_active`).
pub fn active_listen_nodes<P: Ord + Clone>(
	listen: impl IntoIterator<Item = P>,
	local: &P,
	is_active: impl Fn(&P) -> bool,
) -> Vec<P> {
	canonical(listen.into_iter().filter(|p| p == local || is_active(p)).collect())
}

/// The nodes of an `ENTRY_SET` hint, which the client sent the same request to itself; empty
/// without a hint, or when the hint does not name `local` (then it is not about this copy).
pub fn hinted_peers<P: Ord + Clone>(
	hint: Option<impl IntoIterator<Item = P>>,
	local: &P,
) -> Vec<P> {
	let Some(hint) = hint else { return Vec::new() };
	let hint = canonical(hint.into_iter().collect());
	if hint.binary_search(local).is_ok() {
		hint
	} else {
		Vec::new()
	}
}

/// Where an entry node puts a message, from [`forward_targets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardTargets<P> {
	/// Stored on first: `local` if it is a listen node, and every listen node that is not
	/// another entry node of the hint.
	pub targets: Vec<P>,
	/// The listen nodes that are other entry nodes: they get the envelope from the sender
	/// directly, so they are tried only if storing on `targets` fails everywhere.
	pub spared: Vec<P>,
}

/// Where entry node `local` puts a message: every active listen node (`listen`, from
/// [`active_listen_nodes`]), except the other entry nodes of the hint (`hinted`, from
/// [`hinted_peers`]), which are spared. When sparing them would leave nothing to do (`local`
/// is not a listen node and every listen node is an entry node), nothing is spared, so an entry
/// node always puts the message somewhere.
pub fn forward_targets<P: Ord + Clone>(listen: &[P], hinted: &[P], local: &P) -> ForwardTargets<P> {
	let listen = canonical(listen.to_vec());
	let (targets, spared): (Vec<P>, Vec<P>) =
		listen.into_iter().partition(|p| p == local || !hinted.contains(p));
	if targets.is_empty() {
		ForwardTargets { targets: spared, spared: Vec::new() }
	} else {
		ForwardTargets { targets, spared }
	}
}

/// The nodes a listen node (`local`) sends a recipient's signed ack to when the ack carries no
/// hint naming it: the other active listen nodes of the recipient's presence record.
pub fn ack_replication_targets<P: Ord + Clone>(listen: &[P], local: &P) -> Vec<P> {
	canonical(listen.iter().filter(|p| *p != local).cloned().collect())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_hint_spares_other_entry_nodes_but_never_leaves_nothing() {
		// Entry node 1 is a listen node; 2 and 3 are entries too: only 1 and 4 get it.
		let hinted = hinted_peers(Some([3, 2, 1]), &1);
		assert_eq!(hinted, vec![1, 2, 3]);
		let got = forward_targets(&[4, 3, 2, 1], &hinted, &1);
		assert_eq!(got, ForwardTargets { targets: vec![1, 4], spared: vec![2, 3] });
		// Every listen node is another entry: the hint is ignored.
		let hinted = hinted_peers(Some([9, 2, 3]), &9);
		let got = forward_targets(&[2, 3], &hinted, &9);
		assert_eq!(got, ForwardTargets { targets: vec![2, 3], spared: vec![] });
		// A hint that does not name this node is not about this copy.
		assert!(hinted_peers(Some([2, 3]), &9).is_empty());
		assert!(hinted_peers(None::<[u8; 0]>, &9).is_empty());
	}

	#[test]
	fn inactive_listen_nodes_are_dropped_but_this_node_is_kept() {
		let active = [2, 5];
		let got = active_listen_nodes([7, 5, 1, 2, 5], &1, |p| active.contains(p));
		assert_eq!(got, vec![1, 2, 5]);
		assert_eq!(ack_replication_targets(&got, &1), vec![2, 5]);
	}
}
