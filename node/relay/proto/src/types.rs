//! Field types shared by both message families, with their wire encodings.

use core::fmt;

use blake2::{digest::consts::U32, Blake2b, Digest};

use crate::codec::{self, Reader};
use crate::error::{DecodeError, EncodeError};
use crate::limits::{
	MAX_ADDRS_PER_NODE, MAX_ENVELOPE_LEN, MAX_MULTIADDR_LEN, MAX_PEER_ID_LEN, MIN_ENVELOPE_LEN,
};

fn hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
	bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

macro_rules! fixed_bytes {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Length on the wire.
            pub const LEN: usize = $len;

            pub(crate) fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, DecodeError> {
                Ok($name(r.array(field)?))
            }

            pub(crate) fn write(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0);
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                hex(f, &self.0)?;
                f.write_str(")")
            }
        }
    };
}

fixed_bytes!(
	/// An sr25519 account id (public key), 32 bytes.
	AccountId,
	32
);
fixed_bytes!(
	/// A recipient's routing id: `BLAKE2b-256("ichat/routing-id/v1" || account_id)`, the same
	/// value as `ichat_crypto::RoutingId` and as bytes `1..33` of every envelope.
	RoutingId,
	32
);
fixed_bytes!(
	/// A relay message id: `BLAKE2b-256("ichat/relay/message-id/v1" || envelope)`. Relays
	/// cannot read the envelope's inner message id, so they name a message by its bytes; the
	/// same envelope sent through 5 entry nodes has the same id everywhere.
	MessageId,
	32
);
fixed_bytes!(
	/// An sr25519 signature, 64 bytes.
	Signature,
	64
);

/// Domain tag of [`RoutingId::for_account`].
pub const ROUTING_ID_DOMAIN: &[u8] = b"ichat/routing-id/v1";
/// Domain tag of [`MessageId::of`].
pub const MESSAGE_ID_DOMAIN: &[u8] = b"ichat/relay/message-id/v1";

fn blake2b_256(parts: &[&[u8]]) -> [u8; 32] {
	let mut h = Blake2b::<U32>::new();
	for p in parts {
		h.update(p);
	}
	h.finalize().into()
}

impl RoutingId {
	/// The routing id of an account (how a node finds the mailbox of a signed request).
	pub fn for_account(account: &AccountId) -> RoutingId {
		RoutingId(blake2b_256(&[ROUTING_ID_DOMAIN, &account.0]))
	}
}

impl MessageId {
	/// The id of an envelope.
	pub fn of(envelope: &[u8]) -> MessageId {
		MessageId(blake2b_256(&[MESSAGE_ID_DOMAIN, envelope]))
	}
}

macro_rules! var_bytes {
    ($(#[$doc:meta])* $name:ident, $max:expr, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Vec<u8>);

        impl $name {
            /// Largest length.
            pub const MAX_LEN: usize = $max;

            /// Wrap bytes, checking `1..=MAX_LEN`.
            pub fn new(bytes: Vec<u8>) -> Result<$name, EncodeError> {
                codec::bound($field, bytes.len(), 1, $max)?;
                Ok($name(bytes))
            }

            /// The bytes.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name(r.bytes_u8($field, 1, $max)?.to_vec()))
            }

            pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
                codec::put_bytes_u8(out, $field, &self.0, 1, $max)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                hex(f, &self.0)?;
                f.write_str(")")
            }
        }
    };
}

var_bytes!(
	/// A libp2p peer id in its binary (multihash) form, 1 to 64 bytes. This crate does not parse
	/// it; the engine converts with `PeerId::from_bytes`.
	PeerIdBytes,
	MAX_PEER_ID_LEN,
	"peer id"
);
var_bytes!(
	/// A multiaddr in its binary form, 1 to 255 bytes. Not parsed here
	/// (`Multiaddr::try_from(Vec<u8>)` in the engine).
	MultiaddrBytes,
	MAX_MULTIADDR_LEN,
	"multiaddr"
);

pub(crate) fn read_peers(
	r: &mut Reader<'_>,
	field: &'static str,
	min: usize,
	max: usize,
) -> Result<Vec<PeerIdBytes>, DecodeError> {
	let n = r.count_u8(field, min, max)?;
	(0..n).map(|_| PeerIdBytes::read(r)).collect()
}

pub(crate) fn write_peers(
	out: &mut Vec<u8>,
	field: &'static str,
	peers: &[PeerIdBytes],
	min: usize,
	max: usize,
) -> Result<(), EncodeError> {
	codec::put_count_u8(out, field, peers.len(), min, max)?;
	peers.iter().try_for_each(|p| p.write(out))
}

/// A node and the addresses it can be dialled on.
///
/// Wire: `peer id (u8 len + bytes) | address count u8 (0..=8) | each address (u8 len + bytes)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeAddr {
	/// The node's peer id.
	pub peer_id: PeerIdBytes,
	/// Its addresses, at most [`MAX_ADDRS_PER_NODE`].
	pub addrs: Vec<MultiaddrBytes>,
}

impl NodeAddr {
	pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		let peer_id = PeerIdBytes::read(r)?;
		let n = r.count_u8("address count", 0, MAX_ADDRS_PER_NODE)?;
		let addrs = (0..n).map(|_| MultiaddrBytes::read(r)).collect::<Result<_, _>>()?;
		Ok(NodeAddr { peer_id, addrs })
	}

	pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		self.peer_id.write(out)?;
		codec::put_count_u8(out, "address count", self.addrs.len(), 0, MAX_ADDRS_PER_NODE)?;
		self.addrs.iter().try_for_each(|a| a.write(out))
	}
}

/// `rtt_us` value meaning "not measured yet".
pub const RTT_UNKNOWN: u32 = u32::MAX;

/// One entry of the `nodes` answer.
///
/// Wire: `NodeAddr | uptime secs u64 | rtt us u32`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
	/// The node and its addresses.
	pub node: NodeAddr,
	/// Seconds the node has been online without interruption.
	pub uptime_secs: u64,
	/// Round-trip time measured by the answering node, in microseconds, or [`RTT_UNKNOWN`].
	pub rtt_us: u32,
}

impl NodeInfo {
	pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		Ok(NodeInfo {
			node: NodeAddr::read(r)?,
			uptime_secs: r.u64("uptime")?,
			rtt_us: r.u32("rtt")?,
		})
	}

	pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		self.node.write(out)?;
		codec::put_u64(out, self.uptime_secs);
		codec::put_u32(out, self.rtt_us);
		Ok(())
	}
}

/// An unread message as a node hands it to its recipient.
///
/// Wire: `accepted at ms u64 | envelope length u32 (MIN..=MAX_ENVELOPE_LEN) | envelope`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
	/// When the first node accepted the message (unix ms); it is deleted 6 hours later.
	pub accepted_at_ms: u64,
	/// The sealed envelope, opaque to relays. Its id is [`MessageId::of`] these bytes.
	pub envelope: Vec<u8>,
}

impl Delivery {
	/// The message id (what an `ack` names).
	pub fn id(&self) -> MessageId {
		MessageId::of(&self.envelope)
	}

	/// Encoded size in bytes (to fill a `fetched` answer up to its body limit).
	pub fn encoded_len(&self) -> usize {
		8 + 4 + self.envelope.len()
	}

	pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
		Ok(Delivery { accepted_at_ms: r.u64("accepted at")?, envelope: read_envelope(r)? })
	}

	pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
		codec::put_u64(out, self.accepted_at_ms);
		write_envelope(out, &self.envelope)
	}
}

pub(crate) fn read_envelope(r: &mut Reader<'_>) -> Result<Vec<u8>, DecodeError> {
	Ok(r.bytes_u32("envelope", MIN_ENVELOPE_LEN, MAX_ENVELOPE_LEN)?.to_vec())
}

pub(crate) fn write_envelope(out: &mut Vec<u8>, envelope: &[u8]) -> Result<(), EncodeError> {
	codec::put_bytes_u32(out, "envelope", envelope, MIN_ENVELOPE_LEN, MAX_ENVELOPE_LEN)
}
