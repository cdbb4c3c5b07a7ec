//! The wall clock both sides stamp and check signed requests with (`docs/protocol/relay.md`,
//! section 6: a request is fresh within +-60 s of the node's clock).

/// Milliseconds since the unix epoch by the local clock (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or(0)
}
