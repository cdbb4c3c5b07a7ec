//! Every bound of protocol v1. Decoders check each declared length or count against these before
//! reading or allocating; encoders refuse values outside them.

/// Largest extension block of a frame, in bytes.
pub const MAX_EXTENSIONS_LEN: usize = 1024;
/// Largest body of a frame, in bytes (1 MiB).
pub const MAX_BODY_LEN: usize = 1 << 20;
/// Smallest envelope a relay accepts: the prefix every envelope version keeps (version 1,
/// routing id 32, expiry 8). The node checks the full framing with `ichat_crypto::peek`.
pub const MIN_ENVELOPE_LEN: usize = 41;
/// Largest envelope (72 KiB: envelope v1's 65,637 bytes plus room for a post-quantum KEM
/// ciphertext in a later envelope version).
pub const MAX_ENVELOPE_LEN: usize = 73_728;
/// Longest peer id (binary multihash; an Ed25519 peer id is 38 bytes).
pub const MAX_PEER_ID_LEN: usize = 64;
/// Longest binary multiaddr.
pub const MAX_MULTIADDR_LEN: usize = 255;
/// Most addresses per node.
pub const MAX_ADDRS_PER_NODE: usize = 8;
/// Most entries in a `node-list`.
pub const MAX_NODES_LISTED: usize = 256;
/// Most nodes a presence record lists.
pub const MAX_LISTEN_NODES: usize = 16;
/// Longest chat-key binding (v1 bindings are 132 bytes).
pub const MAX_BINDING_LEN: usize = 256;
/// Most message ids in one `ack`.
pub const MAX_ACK_IDS: usize = 256;
/// Most messages in one `fetched` answer (also bounded by [`MAX_BODY_LEN`]).
pub const MAX_FETCH_MESSAGES: usize = 64;
/// Smallest home swarm.
pub const MIN_HOME_SWARM: usize = 5;
/// Largest home swarm (and most peers in a `sent` or `presence-stored` answer).
pub const MAX_HOME_SWARM: usize = 16;
/// Longest presence lifetime: expiry minus timestamp, 10 minutes.
pub const MAX_PRESENCE_TTL_MS: u64 = 10 * 60 * 1000;
/// Half-width of the timestamp window of signed requests: +-60 s.
pub const TIMESTAMP_WINDOW_MS: u64 = 60 * 1000;
