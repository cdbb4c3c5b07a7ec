//! The node's own JSON-RPC methods, beside Substrate's built-in ones: `system_accountNextIndex`
//! and the transaction-payment fee queries that wallets such as polkadot.js use, and
//! `ichat_relayOwnershipProof` (unsafe), which an operator needs to register the node's relay.

use std::sync::Arc;

use ichat_runtime::{opaque::Block, AccountId, Balance, Nonce};
use jsonrpsee::{types::ErrorObjectOwned, RpcModule};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC extensions need.
pub(crate) struct FullDeps<C, P> {
	/// The client instance to use.
	pub(crate) client: Arc<C>,
	/// Transaction pool instance.
	pub(crate) pool: Arc<P>,
	/// The relay identity, when the node runs a relay.
	pub(crate) relay_key: Option<libp2p::identity::Keypair>,
	/// The chain's genesis hash (relay proofs name it).
	pub(crate) genesis_hash: [u8; 32],
}

/// The reply of `ichat_relayOwnershipProof`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RelayOwnershipProof {
	/// The relay's peer id, textual (`12D3KooW…`).
	peer_id: String,
	/// The relay's peer id, binary, as `serviceNodes.register` takes it (hex).
	peer_id_hex: String,
	/// The genesis hash the proof names (hex).
	genesis_hash: String,
	/// The relay key's ed25519 signature (hex, 64 bytes): `register`'s `relay_proof`.
	proof: String,
}

/// JSON-RPC error codes of the `ichat_*` methods.
mod code {
	/// The node runs no relay.
	pub(super) const NO_RELAY: i32 = 7001;
	/// The owner is not a 32-byte account.
	pub(super) const BAD_OWNER: i32 = 7002;
	/// The relay key could not sign.
	pub(super) const SIGNING_FAILED: i32 = 7003;
}

/// `ichat_relayOwnershipProof(owner)`: the relay key's consent to be registered by `owner` (the
/// SCALE-encoded operator account, 32 bytes) on this chain. See `pallet_service_nodes::relay_proof`.
///
/// Unsafe, like `author_rotateKeysWithOwner`: it signs with a secret key of the node, so only the
/// node's operator may call it (nodes allow unsafe methods on 127.0.0.1 only, by default).
pub(crate) fn relay_ownership_proof(
	relay_key: Option<&libp2p::identity::Keypair>,
	genesis_hash: &[u8; 32],
	owner: &[u8],
) -> Result<RelayOwnershipProof, ErrorObjectOwned> {
	let err = |code, message: String| ErrorObjectOwned::owned(code, message, None::<()>);
	let key = relay_key.ok_or_else(|| {
		err(
			code::NO_RELAY,
			"this node runs no relay (it was started with --no-relay, or is not a validator \
			 and has no --relay-port): start it with its relay and ask again"
				.into(),
		)
	})?;
	if owner.len() != 32 {
		return Err(err(
			code::BAD_OWNER,
			format!("the owner must be a 32-byte account id (hex), got {} bytes", owner.len()),
		));
	}
	let payload = pallet_service_nodes::relay_proof::payload(genesis_hash, owner);
	let proof = key
		.sign(&payload)
		.map_err(|e| err(code::SIGNING_FAILED, format!("the relay key cannot sign: {e}")))?;
	let peer_id = key.public().to_peer_id();
	Ok(RelayOwnershipProof {
		peer_id: peer_id.to_base58(),
		peer_id_hex: format!("0x{}", hex::encode(peer_id.to_bytes())),
		genesis_hash: format!("0x{}", hex::encode(genesis_hash)),
		proof: format!("0x{}", hex::encode(proof)),
	})
}

/// Builds the RPC extension module.
pub(crate) fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>,
	C: HeaderBackend<Block> + HeaderMetadata<Block, Error = BlockChainError> + 'static,
	C: Send + Sync + 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, relay_key, genesis_hash } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client).into_rpc())?;

	let mut ichat = RpcModule::new(relay_key);
	ichat.register_method("ichat_relayOwnershipProof", move |params, relay_key, ext| {
		sc_rpc_api::check_if_safe(ext)?;
		let owner: sp_core::Bytes = params.one()?;
		relay_ownership_proof(relay_key.as_ref(), &genesis_hash, &owner)
	})?;
	module.merge(ichat)?;

	Ok(module)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_proof_verifies_as_the_pallet_checks_it() {
		let key = libp2p::identity::Keypair::ed25519_from_bytes([5u8; 32]).expect("32 bytes");
		let genesis = [3u8; 32];
		let owner = [9u8; 32];
		let reply = relay_ownership_proof(Some(&key), &genesis, &owner).expect("signs");
		let peer = hex::decode(reply.peer_id_hex.trim_start_matches("0x")).expect("hex");
		let proof: [u8; 64] = hex::decode(reply.proof.trim_start_matches("0x"))
			.expect("hex")
			.try_into()
			.expect("64 bytes");
		assert_eq!(reply.peer_id, key.public().to_peer_id().to_base58());
		assert!(pallet_service_nodes::relay_proof::verify(&peer, &genesis, &owner, &proof));
		assert!(!pallet_service_nodes::relay_proof::verify(&peer, &[4; 32], &owner, &proof));
	}

	#[test]
	fn no_relay_and_bad_owners_are_refused() {
		let e = relay_ownership_proof(None, &[0; 32], &[0; 32]).expect_err("no relay");
		assert_eq!(e.code(), code::NO_RELAY);
		let key = libp2p::identity::Keypair::ed25519_from_bytes([5u8; 32]).expect("32 bytes");
		let e = relay_ownership_proof(Some(&key), &[0; 32], &[0; 31]).expect_err("short owner");
		assert_eq!(e.code(), code::BAD_OWNER);
	}
}
