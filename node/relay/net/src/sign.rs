//! Signing and verifying mailbox requests (`docs/protocol/relay.md`, section 6) with the
//! account keys of `ichat-crypto`.

use ichat_crypto::Account;
use ichat_relay_proto::{
	signing_payload, AccountId, Auth, EncodeError, Signature, Signed, SignedBody, SIGNING_CONTEXT,
};

/// Signs `body` as `account` at `timestamp_ms` with a random nonce.
pub fn sign<B: SignedBody>(
	account: &Account,
	body: B,
	timestamp_ms: u64,
) -> Result<Signed<B>, EncodeError> {
	let account_id = AccountId(account.id().0);
	let nonce = rand::random::<u64>();
	let payload = signing_payload(&account_id, timestamp_ms, nonce, &body)?;
	let signature = Signature(account.sign(SIGNING_CONTEXT, &payload).0);
	Ok(Signed { auth: Auth { account: account_id, timestamp_ms, nonce, signature }, body })
}

/// Whether the signature of a signed request verifies (rule 1 of section 6).
pub fn verify<B: SignedBody>(signed: &Signed<B>) -> bool {
	let Ok(payload) = signed.signing_payload() else { return false };
	ichat_crypto::AccountId(signed.auth.account.0)
		.verify(SIGNING_CONTEXT, &payload, &ichat_crypto::Signature(signed.auth.signature.0))
		.is_ok()
}

#[cfg(test)]
mod tests {
	use super::*;
	use ichat_crypto::Suri;
	use ichat_relay_proto::{AckBody, MessageId, RoutingId};

	#[test]
	fn signatures_verify_and_any_change_breaks_them() {
		let alice = Account::from_suri(&Suri::parse("//Alice").expect("suri")).expect("account");
		let signed = sign(&alice, AckBody { ids: vec![MessageId([7; 32])] }, 1_000).expect("sign");
		assert!(verify(&signed));
		let mut other = signed.clone();
		other.body.ids[0].0[0] ^= 1;
		assert!(!verify(&other));
		let mut other = signed.clone();
		other.auth.timestamp_ms += 1;
		assert!(!verify(&other));
		let mut other = signed.clone();
		other.auth.nonce ^= 1;
		assert!(!verify(&other));
		// The proto crate's routing id equals the envelope's for the same account.
		assert_eq!(
			signed.auth.routing_id().0,
			ichat_crypto::envelope::RoutingId::for_account(&alice.id()).0
		);
		let _ = RoutingId::for_account(&signed.auth.account);
	}
}
