//! Checks on signed requests (`docs/protocol/relay.md`, section 6) and the state they need: the
//! seen-nonce cache and the presence table.

use std::collections::{HashMap, HashSet, VecDeque};

use ichat_crypto::ChatKeyBinding;
use ichat_relay_proto::{
	check_freshness, limits::TIMESTAMP_WINDOW_MS, AccountId, ErrorCode, ErrorReply, MessageId,
	PresenceBody, RoutingId, Signed, SignedBody,
};

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
	if ichat_relay_client::sign::verify(signed) {
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
			_ => ErrorReply::new(code, 10_000, "too many signed requests; retry later"),
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

/// Messages their recipient acknowledged recently. A `forward` can still be in flight from a
/// slow entry node when the recipient reads and acknowledges the first copy; without this the
/// late copy would be stored (and kept) again after the ack. Keyed by recipient and message, so
/// an ack only ever suppresses its signer's own mail. Bounded; entries live `ttl_ms`.
#[derive(Debug)]
pub struct Tombstones {
	ttl_ms: u64,
	max: usize,
	set: HashSet<(RoutingId, MessageId)>,
	order: VecDeque<(u64, RoutingId, MessageId)>,
}

impl Tombstones {
	/// At most `max` entries, each kept `ttl_ms`.
	pub fn new(ttl_ms: u64, max: usize) -> Self {
		Tombstones { ttl_ms, max, set: HashSet::new(), order: VecDeque::new() }
	}

	/// Records that `routing`'s owner acknowledged `id` at `now_ms`.
	pub fn insert(&mut self, routing: RoutingId, id: MessageId, now_ms: u64) {
		self.purge(now_ms);
		if self.set.insert((routing, id)) {
			self.order.push_back((now_ms + self.ttl_ms, routing, id));
			while self.order.len() > self.max {
				if let Some((_, r, i)) = self.order.pop_front() {
					self.set.remove(&(r, i));
				}
			}
		}
	}

	/// Whether `id` to `routing` was acknowledged recently.
	pub fn contains(&self, routing: &RoutingId, id: &MessageId) -> bool {
		self.set.contains(&(*routing, *id))
	}

	/// Forgets entries past their lifetime.
	pub fn purge(&mut self, now_ms: u64) {
		while self.order.front().is_some_and(|(until, _, _)| *until <= now_ms) {
			if let Some((_, r, i)) = self.order.pop_front() {
				self.set.remove(&(r, i));
			}
		}
	}
}

/// Live presence records of the recipients whose home swarm includes this node.
#[derive(Debug)]
pub struct PresenceTable {
	max: usize,
	records: HashMap<RoutingId, Signed<PresenceBody>>,
}

impl PresenceTable {
	/// A table of at most `max` records.
	pub fn new(max: usize) -> Self {
		PresenceTable { max, records: HashMap::new() }
	}

	/// Keeps `record` (checked by the caller) unless a newer one is held. Refuses with `Busy`
	/// when full of live records.
	pub fn insert(&mut self, record: Signed<PresenceBody>, now_ms: u64) -> Result<(), ErrorReply> {
		let routing = record.auth.routing_id();
		if let Some(old) = self.records.get(&routing) {
			if old.auth.timestamp_ms > record.auth.timestamp_ms {
				return Ok(());
			}
		} else if self.records.len() >= self.max {
			self.purge(now_ms);
			if self.records.len() >= self.max {
				return Err(ErrorReply::new(ErrorCode::Busy, 60_000, "presence table full"));
			}
		}
		self.records.insert(routing, record);
		Ok(())
	}

	/// The live record of `routing`.
	pub fn get(&mut self, routing: &RoutingId, now_ms: u64) -> Option<Signed<PresenceBody>> {
		match self.records.get(routing) {
			Some(r) if r.body.expires_at_ms > now_ms => Some(r.clone()),
			Some(_) => {
				self.records.remove(routing);
				None
			},
			None => None,
		}
	}

	/// Drops the record of `routing` if it is the one published at `published_at_ms` (a
	/// withdrawal checked by the caller); a newer record, of another session of the same account,
	/// stays. Returns whether a record was dropped.
	pub fn withdraw(&mut self, routing: &RoutingId, published_at_ms: u64) -> bool {
		let mine = self
			.records
			.get(routing)
			.is_some_and(|r| r.auth.timestamp_ms == published_at_ms);
		if mine {
			self.records.remove(routing);
		}
		mine
	}

	/// Drops expired records.
	pub fn purge(&mut self, now_ms: u64) {
		self.records.retain(|_, r| r.body.expires_at_ms > now_ms);
	}

	/// Records held.
	pub fn len(&self) -> usize {
		self.records.len()
	}

	/// No records held.
	pub fn is_empty(&self) -> bool {
		self.records.is_empty()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn tombstones_are_per_recipient_bounded_and_expire() {
		let mut t = Tombstones::new(1_000, 2);
		let (a, b) = (RoutingId([1; 32]), RoutingId([2; 32]));
		t.insert(a, MessageId([9; 32]), 0);
		assert!(t.contains(&a, &MessageId([9; 32])));
		assert!(!t.contains(&b, &MessageId([9; 32])), "only the signer's own mail");
		t.insert(a, MessageId([8; 32]), 10);
		t.insert(a, MessageId([7; 32]), 20);
		assert!(!t.contains(&a, &MessageId([9; 32])), "bounded: the oldest goes");
		t.purge(1_015);
		assert!(!t.contains(&a, &MessageId([8; 32])));
		assert!(t.contains(&a, &MessageId([7; 32])));
	}

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
