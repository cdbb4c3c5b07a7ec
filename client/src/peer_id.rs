//! Relay peer ids as the on-chain registry accepts them.
//!
//! The same rules as `pallet_service_nodes::peer_id` (kept here so the client does not compile
//! FRAME): an iChat relay's libp2p peer id is the identity multihash of its ed25519 public key,
//! 38 bytes `00 24 08 01 12 20 <key>`, written in base58btc (`12D3KooW…`).

use anyhow::{bail, Result};

/// Length of an ed25519 identity-multihash peer id.
pub const PEER_ID_LEN: usize = 38;
/// Its fixed prefix.
pub const PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// Decode a textual peer id (`12D3KooW…`) into its 38 bytes.
pub fn parse(text: &str) -> Result<Vec<u8>> {
	if text.is_empty() || text.len() > 64 {
		bail!("{text:?} is not a libp2p peer id (expected 12D3KooW…)");
	}
	let Ok(bytes) = bs58::decode(text).into_vec() else {
		bail!("{text:?} is not a libp2p peer id (not base58)");
	};
	if bytes.len() != PEER_ID_LEN || !bytes.starts_with(&PEER_ID_PREFIX) {
		bail!("{text:?} is not an ed25519 libp2p peer id (expected 12D3KooW…)");
	}
	Ok(bytes)
}

/// Encode peer id bytes as text.
pub fn to_text(bytes: &[u8]) -> String {
	bs58::encode(bytes).into_string()
}

/// The peer id of an ed25519 public key.
pub fn from_ed25519_public(public: &[u8; 32]) -> Vec<u8> {
	let mut out = PEER_ID_PREFIX.to_vec();
	out.extend_from_slice(public);
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn round_trip_and_rejections() {
		let id = from_ed25519_public(&[7u8; 32]);
		let text = to_text(&id);
		assert!(text.starts_with("12D3KooW"));
		assert_eq!(parse(&text).expect("valid"), id);
		assert!(parse("").is_err());
		assert!(parse("hello").is_err());
		// A secp256k1 / RSA style id (Qm…) is refused.
		assert!(parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N").is_err());
	}
}
