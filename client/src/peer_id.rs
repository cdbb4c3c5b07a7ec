//! Relay peer ids as the on-chain registry accepts them: the rules are the pallet's own
//! (`pallet_service_nodes::peer_id`: the identity multihash of an ed25519 public key, 38 bytes
//! `00 24 08 01 12 20 <key>`, written in base58btc, `12D3KooW…`); this module only turns them
//! into the CLI's error messages.

use anyhow::{bail, Result};
use pallet_service_nodes::peer_id as rules;

/// Decode a textual peer id (`12D3KooW…`) into its 38 bytes.
pub fn parse(text: &str) -> Result<Vec<u8>> {
	if let Some(bytes) = rules::from_base58(text) {
		return Ok(bytes);
	}
	// Say why, as precisely as the input allows.
	if text.is_empty() || text.len() > rules::MAX_PEER_ID_TEXT_LEN {
		bail!("{text:?} is not a libp2p peer id (expected 12D3KooW…)");
	}
	if bs58::decode(text).into_vec().is_err() {
		bail!("{text:?} is not a libp2p peer id (not base58)");
	}
	bail!("{text:?} is not an ed25519 libp2p peer id (expected 12D3KooW…)")
}

/// Encode peer id bytes as text.
pub fn to_text(bytes: &[u8]) -> String {
	rules::to_base58(bytes)
}

/// The peer id of an ed25519 public key.
pub fn from_ed25519_public(public: &[u8; 32]) -> Vec<u8> {
	rules::from_ed25519_public(public).to_vec()
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
