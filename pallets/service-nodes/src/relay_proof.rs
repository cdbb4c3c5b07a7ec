//! Proof that a relay's identity key consents to its registration by one operator account.
//!
//! A peer id is public (every relay announces it), so without a proof anyone could register
//! someone else's relay: squat its peer id, or collect the rewards for its service. `register`
//! therefore takes a signature by the relay's ed25519 identity key (the key inside the peer id)
//! over
//!
//! ```text
//! offset  size  field
//!      0    18  context  "ichat/relay-pop/v1" (ASCII; the version names this layout)
//!     18    32  genesis  the chain's genesis hash (a proof for one chain is void on another)
//!     50     n  operator the SCALE encoding of the operator account (32 bytes on iChat)
//! ```
//!
//! `ichat-node` makes the signature with its relay key on request
//! (`ichat_relayOwnershipProof(operator)`, an unsafe RPC); `ichat operator register` fetches it.
//! The same functions run in the runtime and off-chain, so a client can check a proof before it
//! pays for a transaction.

use alloc::vec::Vec;
use sp_core::ed25519;
use sp_runtime::traits::Verify;

use crate::peer_id::{self, ED25519_PEER_ID_PREFIX};

/// The context tag that starts every signed payload.
pub const CONTEXT: &[u8; 18] = b"ichat/relay-pop/v1";

/// Length of a proof: one ed25519 signature.
pub const PROOF_LEN: usize = 64;

/// A relay ownership proof as the `register` call takes it (an ed25519 signature).
pub type RelayProof = [u8; PROOF_LEN];

/// The bytes the relay key signs for `operator` (its SCALE encoding) on the chain with
/// `genesis_hash`.
pub fn payload(genesis_hash: &[u8; 32], operator: &[u8]) -> Vec<u8> {
	let mut out = Vec::with_capacity(CONTEXT.len() + 32 + operator.len());
	out.extend_from_slice(CONTEXT);
	out.extend_from_slice(genesis_hash);
	out.extend_from_slice(operator);
	out
}

/// The ed25519 public key inside an ed25519 peer id, if `peer_id` is one.
pub fn public_key(peer_id: &[u8]) -> Option<[u8; 32]> {
	if !peer_id::is_valid(peer_id) {
		return None;
	}
	peer_id[ED25519_PEER_ID_PREFIX.len()..].try_into().ok()
}

/// Whether `proof` is the signature of `peer_id`'s key over [`payload`]`(genesis_hash,
/// operator)`.
pub fn verify(
	peer_id: &[u8],
	genesis_hash: &[u8; 32],
	operator: &[u8],
	proof: &RelayProof,
) -> bool {
	let Some(key) = public_key(peer_id) else { return false };
	let signature = ed25519::Signature::from_raw(*proof);
	signature.verify(&payload(genesis_hash, operator)[..], &ed25519::Public::from_raw(key))
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::Pair as _;

	fn signed(seed: u8, genesis: [u8; 32], operator: &[u8]) -> (Vec<u8>, RelayProof) {
		let pair = ed25519::Pair::from_seed(&[seed; 32]);
		let peer = peer_id::from_ed25519_public(&pair.public().0).to_vec();
		(peer, pair.sign(&payload(&genesis, operator)).0)
	}

	#[test]
	fn the_layout_is_context_genesis_operator() {
		let p = payload(&[7; 32], &[9; 32]);
		assert_eq!(p.len(), 82);
		assert_eq!(&p[..18], b"ichat/relay-pop/v1");
		assert_eq!(&p[18..50], &[7; 32]);
		assert_eq!(&p[50..], &[9; 32]);
	}

	#[test]
	fn a_proof_verifies_only_for_its_key_chain_and_operator() {
		let (peer, proof) = signed(1, [7; 32], &[9; 32]);
		assert!(verify(&peer, &[7; 32], &[9; 32], &proof));
		// Another chain, another operator, another relay, a changed signature.
		assert!(!verify(&peer, &[8; 32], &[9; 32], &proof));
		assert!(!verify(&peer, &[7; 32], &[10; 32], &proof));
		let (other_peer, _) = signed(2, [7; 32], &[9; 32]);
		assert!(!verify(&other_peer, &[7; 32], &[9; 32], &proof));
		let mut bent = proof;
		bent[0] ^= 1;
		assert!(!verify(&peer, &[7; 32], &[9; 32], &bent));
	}

	#[test]
	fn a_peer_id_that_is_not_ed25519_never_verifies() {
		let (peer, proof) = signed(1, [7; 32], &[9; 32]);
		assert!(!verify(&peer[1..], &[7; 32], &[9; 32], &proof));
		assert_eq!(public_key(&[0u8; 38]), None);
	}

	/// The relay signs with libp2p's ed25519 (ed25519-dalek); the runtime verifies with
	/// sp-core's: both must agree on the same bytes.
	#[test]
	fn a_libp2p_signature_verifies() {
		let key = libp2p_identity::Keypair::ed25519_from_bytes([3u8; 32]).expect("32 bytes");
		let peer = key.public().to_peer_id().to_bytes();
		let sig = key.sign(&payload(&[7; 32], &[9; 32])).expect("ed25519 signs");
		let proof: RelayProof = sig.try_into().expect("64 bytes");
		assert!(verify(&peer, &[7; 32], &[9; 32], &proof));
	}
}
