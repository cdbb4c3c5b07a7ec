//! Sealing and opening text messages for the relay (envelope v1 of `ichat-crypto`).

use ichat_crypto::{
	envelope::{self, Draft, MessageKind, OpenedEnvelope, Recipient},
	Account, ChatKeyBinding,
};

/// How long a sealed message may live in the network (the relays' own limit is 6 hours).
pub const MESSAGE_LIFETIME_SECS: u64 = 6 * 3600;

/// Why a message could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
	/// The recipient's chat-key binding does not verify.
	#[error("the recipient's chat key is not validly bound to its account")]
	BadBinding,
	/// Sealing failed (body too long, ...).
	#[error("cannot seal the message: {0}")]
	Seal(String),
	/// The envelope did not open with this account's chat key.
	#[error("cannot open the message: {0}")]
	Open(String),
	/// The account's chat key could not be derived.
	#[error("cannot derive the chat key: {0}")]
	Key(String),
}

/// Seals `text` from `sender` to the account of `recipient` (its verified chat-key binding).
pub fn seal_text(
	sender: &Account,
	recipient: &ChatKeyBinding,
	text: &str,
) -> Result<Vec<u8>, ChatError> {
	let recipient = Recipient::from_binding(recipient).map_err(|_| ChatError::BadBinding)?;
	let chat_key = sender.chat_key(0).map_err(|e| ChatError::Key(e.to_string()))?;
	let now_ms = crate::now_ms();
	let draft = Draft {
		kind: MessageKind::Text,
		body: text.as_bytes(),
		timestamp_ms: now_ms,
		expiry: now_ms / 1000 + MESSAGE_LIFETIME_SECS,
	};
	envelope::seal(sender, &chat_key.public(), &recipient, &draft)
		.map(|s| s.bytes)
		.map_err(|e| ChatError::Seal(e.to_string()))
}

/// Opens an envelope addressed to `account` and checks the sender's signature.
pub fn open(account: &Account, envelope_bytes: &[u8]) -> Result<OpenedEnvelope, ChatError> {
	let chat_key = account.chat_key(0).map_err(|e| ChatError::Key(e.to_string()))?;
	envelope::open(envelope_bytes, &account.id(), &chat_key)
		.map_err(|e| ChatError::Open(e.to_string()))
}
