//! Checks on signed client requests (`docs/protocol/relay.md`, section 6): the signature
//! (rule 1), the +-60 s timestamp window (rule 2), replays (rule 3, with the seen-nonce cache
//! [`ReplayCache`]) and, for presence, the chat-key binding and expiry (rule 4).

use std::collections::{HashMap, VecDeque};

use ichat_crypto::ChatKeyBinding;
use ichat_relay_proto::{
	check_freshness, limits::TIMESTAMP_WINDOW_MS, AccountId, ErrorCode, ErrorReply, PresenceBody,
	Signed, SignedBody,
};

use crate::requests::RETRY_RATE_LIMITED_MS;

/// Signed requests one account may have accepted by one node within the replay window (120 s):
/// about 34 a second, far above what a person reading messages sends, and room for a busy
/// client's acks (a client acks what it has read in one request).
pub(crate) const REPLAY_PER_ACCOUNT: usize = 4_096;
/// Seen (account, nonce) pairs a node keeps in all (16 bytes each, about 32 MB at most).
pub(crate) const REPLAY_PAIRS: usize = 2_000_000;

/// Remembers the (account, nonce) pairs accepted in the last two minutes.
///
/// Bounded twice: per account (so one busy account cannot take the whole cache) and in total
/// (16 bytes per pair plus the map's overhead), so its memory has a fixed ceiling.
#[derive(Debug)]
pub struct ReplayCache {
	per_account: usize,
	max_pairs: usize,
	pairs: usize,
	seen: HashMap<AccountId, VecDeque<(u64, u64)>>,
}

impl ReplayCache {
	/// A cache keeping at most `per_account` pairs per account and `max_pairs` in all.
	pub fn new(per_account: usize, max_pairs: usize) -> Self {
		ReplayCache { per_account, max_pairs, pairs: 0, seen: HashMap::new() }
	}

	/// Records the pair, or refuses it as `Replay` (seen) or `RateLimited` (the account's share
	/// of the window is used up, or the cache is full).
	pub fn check(&mut self, account: &AccountId, nonce: u64, now_ms: u64) -> Result<(), ErrorCode> {
		if self.pairs >= self.max_pairs {
			self.purge(now_ms);
			if self.pairs >= self.max_pairs {
				return Err(ErrorCode::RateLimited);
			}
		}
		let horizon = now_ms.saturating_sub(2 * TIMESTAMP_WINDOW_MS);
		let entries = self.seen.entry(*account).or_default();
		let before = entries.len();
		while entries.front().is_some_and(|(_, at)| *at < horizon) {
			entries.pop_front();
		}
		self.pairs -= before - entries.len();
		if entries.iter().any(|(n, _)| *n == nonce) {
			return Err(ErrorCode::Replay);
		}
		if entries.len() >= self.per_account {
			return Err(ErrorCode::RateLimited);
		}
		entries.push_back((nonce, now_ms));
		self.pairs += 1;
		Ok(())
	}

	/// Drops pairs older than the window.
	pub fn purge(&mut self, now_ms: u64) {
		let horizon = now_ms.saturating_sub(2 * TIMESTAMP_WINDOW_MS);
		let mut pairs = 0;
		self.seen.retain(|_, e| {
			while e.front().is_some_and(|(_, at)| *at < horizon) {
				e.pop_front();
			}
			pairs += e.len();
			!e.is_empty()
		});
		self.pairs = pairs;
	}

	/// How many pairs it holds.
	pub fn len(&self) -> usize {
		self.pairs
	}

	/// Whether it holds no pair.
	pub fn is_empty(&self) -> bool {
		self.pairs == 0
	}
}

/// Rule 1 of section 6: the signature.
pub fn check_signature<B: SignedBody>(signed: &Signed<B>) -> Result<(), ErrorReply> {
	if ichat_relay_net::sign::verify(signed) {
		Ok(())
	} else {
		Err(ErrorReply::new(ErrorCode::BadSignature, 0, "signature does not verify"))
	}
}

/// Rules 1 to 3: signature, timestamp window, replay.
pub fn check_signed<B: SignedBody>(
	signed: &Signed<B>,
	replay: &std::sync::Mutex<ReplayCache>,
	now_ms: u64,
) -> Result<(), ErrorReply> {
	check_signature(signed)?;
	check_freshness(now_ms, signed.auth.timestamp_ms).map_err(|code| {
		ErrorReply::new(
			code,
			now_ms,
			"timestamp outside +-60 s of the node's clock; arg = node time",
		)
	})?;
	replay
		.lock()
		.unwrap_or_else(|p| p.into_inner())
		.check(&signed.auth.account, signed.auth.nonce, now_ms)
		.map_err(|code| match code {
			ErrorCode::Replay => ErrorReply::new(code, 0, "request already seen (replay)"),
			_ => ErrorReply::new(
				code,
				RETRY_RATE_LIMITED_MS,
				"too many signed requests; retry later",
			),
		})
}

/// Rule 4 for presence, and its expiry: the binding verifies, names the signer, and the record
/// is still live.
pub fn check_presence(record: &Signed<PresenceBody>, now_ms: u64) -> Result<(), ErrorReply> {
	let bad = |why: &str| ErrorReply::new(ErrorCode::BadPresence, 0, why);
	let binding = ChatKeyBinding::from_bytes(&record.body.binding)
		.map_err(|_| bad("chat-key binding does not decode"))?;
	binding
		.verify()
		.map_err(|_| bad("chat-key binding signature does not verify"))?;
	if binding.account.0 != record.auth.account.0 {
		return Err(bad("chat-key binding belongs to another account"));
	}
	if record.body.expires_at_ms <= now_ms {
		return Err(bad("presence record expired"));
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn replay_cache_refuses_repeats_and_floods() {
		let mut c = ReplayCache::new(3, 4);
		let a = AccountId([1; 32]);
		assert_eq!(c.check(&a, 1, 1_000_000), Ok(()));
		assert_eq!(c.check(&a, 1, 1_000_001), Err(ErrorCode::Replay));
		assert_eq!(c.check(&a, 2, 1_000_002), Ok(()));
		assert_eq!(c.check(&a, 3, 1_000_003), Ok(()));
		assert_eq!(c.check(&a, 4, 1_000_004), Err(ErrorCode::RateLimited));
		// After the window the nonce is forgotten (rule 2 refuses such a request anyway).
		assert_eq!(c.check(&a, 1, 1_000_004 + 2 * TIMESTAMP_WINDOW_MS), Ok(()));
		assert_eq!(c.len(), 1, "the expired pairs were dropped");
		// The total bound: 4 pairs in all.
		let b = AccountId([2; 32]);
		let d = AccountId([3; 32]);
		let at = 1_000_005 + 2 * TIMESTAMP_WINDOW_MS;
		assert_eq!(c.check(&b, 1, at), Ok(()));
		assert_eq!(c.check(&b, 2, at), Ok(()));
		assert_eq!(c.check(&d, 1, at), Ok(()));
		assert_eq!(c.len(), 4);
		assert_eq!(c.check(&d, 2, at), Err(ErrorCode::RateLimited), "the cache is full");
		// Once the old pairs expire there is room again.
		let later = at + 2 * TIMESTAMP_WINDOW_MS + 1;
		assert_eq!(c.check(&d, 2, later), Ok(()));
		assert_eq!(c.len(), 1);
	}
}
