//! The service key: a node's session key for what it states off-chain as a service node.
//!
//! Every registered node sets it with its other session keys (`register` calls pallet-session's
//! `set_keys`), validating or not, so the key is known for every node that relays. The node's
//! keystore holds the secret under [`KEY_TYPE`]; `author_rotateKeys` creates it with the Aura and
//! GRANDPA keys. Its first use is signing the hourly service-quality reports each node makes
//! about the nodes it tests; a reader finds a node's key in pallet-session's `NextKeys` and the
//! owner of a key with `KeyOwner`.
//!
//! The key type exists from the first runtime on, before any report does, so that adding reports
//! never needs a session-key migration.

use sp_runtime::KeyTypeId;

/// The keystore key type of the service key (`ichs`).
pub const KEY_TYPE: KeyTypeId = KeyTypeId(*b"ichs");

mod app {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::KEY_TYPE);
}

/// A service key's public half (sr25519).
pub type ServiceId = app::Public;

/// A signature by a service key.
pub type ServiceSignature = app::Signature;
