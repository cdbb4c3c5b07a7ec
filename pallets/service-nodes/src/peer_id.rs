//! libp2p peer ids as the registry accepts them.
//!
//! A libp2p peer id is a multihash of the node's public key. For keys of 42 bytes or less the
//! multihash is the *identity* multihash, so the peer id carries the key itself. iChat relays use
//! ed25519 identity keys, so the only form the registry accepts is the 38-byte
//!
//! ```text
//! 0x00 0x24          identity multihash, 36-byte digest
//! 0x08 0x01          protobuf field 1 (KeyType) = 1 (Ed25519)
//! 0x12 0x20          protobuf field 2 (Data), 32 bytes
//! <32-byte ed25519 public key>
//! ```
//!
//! Its textual form (what `ichat-node` logs and what `/p2p/…` multiaddr components carry) is the
//! base58btc encoding of those bytes, which always starts with `12D3KooW`.

use alloc::{string::String, vec::Vec};

/// Length in bytes of an ed25519 identity-multihash peer id.
pub const ED25519_PEER_ID_LEN: usize = 38;

/// The fixed prefix of an ed25519 identity-multihash peer id.
pub const ED25519_PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// Upper bound on the length of a textual (base58) peer id we are willing to decode.
///
/// An ed25519 peer id is 52 or 53 characters; anything much longer is garbage and is rejected
/// before any work is done on it.
pub const MAX_PEER_ID_TEXT_LEN: usize = 64;

/// Whether `bytes` is an ed25519 identity-multihash peer id (the only kind iChat accepts).
pub fn is_valid(bytes: &[u8]) -> bool {
	bytes.len() == ED25519_PEER_ID_LEN && bytes.starts_with(&ED25519_PEER_ID_PREFIX)
}

/// Build the peer id of an ed25519 public key.
pub fn from_ed25519_public(public: &[u8; 32]) -> [u8; ED25519_PEER_ID_LEN] {
	let mut out = [0u8; ED25519_PEER_ID_LEN];
	out[..ED25519_PEER_ID_PREFIX.len()].copy_from_slice(&ED25519_PEER_ID_PREFIX);
	out[ED25519_PEER_ID_PREFIX.len()..].copy_from_slice(public);
	out
}

/// Decode a textual (base58btc) peer id into bytes, accepting only valid ed25519 peer ids.
pub fn from_base58(text: &str) -> Option<Vec<u8>> {
	if text.is_empty() || text.len() > MAX_PEER_ID_TEXT_LEN {
		return None;
	}
	let bytes = bs58::decode(text).into_vec().ok()?;
	is_valid(&bytes).then_some(bytes)
}

/// Encode peer id bytes in their textual (base58btc) form.
pub fn to_base58(bytes: &[u8]) -> String {
	bs58::encode(bytes).into_string()
}
