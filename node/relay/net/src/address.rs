//! Where relay nodes are: [`NodeAddress`] (a peer id and its multiaddrs, in the registry's,
//! the user's and the wire's forms) and the [`AddressBook`] a swarm dials from.

use std::{
	collections::HashMap,
	str::FromStr,
	sync::{Arc, Mutex},
	task::{Context, Poll},
};

use ichat_relay_proto::{MultiaddrBytes, NodeAddr, PeerIdBytes};
use libp2p::{
	core::{transport::PortUse, Endpoint},
	multiaddr::Protocol,
	swarm::{
		dummy, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler,
		THandlerInEvent, THandlerOutEvent, ToSwarm,
	},
	Multiaddr, PeerId,
};

/// Known addresses of peers, shared between the owner (which fills it from the registry or
/// from the user) and the swarm (which dials them).
#[derive(Debug, Clone, Default)]
pub struct AddressBook(Arc<Mutex<HashMap<PeerId, Vec<Multiaddr>>>>);

impl AddressBook {
	/// Replaces the addresses of `peer`.
	pub fn set(&self, peer: PeerId, addrs: Vec<Multiaddr>) {
		self.lock().insert(peer, addrs);
	}

	/// Replaces the whole book.
	pub fn replace_all(&self, entries: impl IntoIterator<Item = (PeerId, Vec<Multiaddr>)>) {
		let mut book = self.lock();
		book.clear();
		book.extend(entries);
	}

	/// The addresses of `peer`.
	pub fn get(&self, peer: &PeerId) -> Vec<Multiaddr> {
		self.lock().get(peer).cloned().unwrap_or_default()
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PeerId, Vec<Multiaddr>>> {
		self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}
}

/// A behaviour that only answers "where is this peer?" from an [`AddressBook`] when the swarm
/// (or another behaviour, such as `request-response`) dials a peer by id.
#[derive(Debug, Clone, Default)]
pub struct AddressBookBehaviour {
	book: AddressBook,
}

impl AddressBookBehaviour {
	/// A behaviour reading `book`.
	pub fn new(book: AddressBook) -> Self {
		AddressBookBehaviour { book }
	}
}

impl NetworkBehaviour for AddressBookBehaviour {
	type ConnectionHandler = dummy::ConnectionHandler;
	type ToSwarm = void::Void;

	fn handle_established_inbound_connection(
		&mut self,
		_: ConnectionId,
		_: PeerId,
		_: &Multiaddr,
		_: &Multiaddr,
	) -> Result<THandler<Self>, ConnectionDenied> {
		Ok(dummy::ConnectionHandler)
	}

	fn handle_pending_outbound_connection(
		&mut self,
		_: ConnectionId,
		maybe_peer: Option<PeerId>,
		_: &[Multiaddr],
		_: Endpoint,
	) -> Result<Vec<Multiaddr>, ConnectionDenied> {
		Ok(maybe_peer.map(|p| self.book.get(&p)).unwrap_or_default())
	}

	fn handle_established_outbound_connection(
		&mut self,
		_: ConnectionId,
		_: PeerId,
		_: &Multiaddr,
		_: Endpoint,
		_: PortUse,
	) -> Result<THandler<Self>, ConnectionDenied> {
		Ok(dummy::ConnectionHandler)
	}

	fn on_swarm_event(&mut self, _: FromSwarm) {}

	fn on_connection_handler_event(
		&mut self,
		_: PeerId,
		_: ConnectionId,
		event: THandlerOutEvent<Self>,
	) {
		void::unreachable(event)
	}

	fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
		Poll::Pending
	}
}

/// A relay node: its peer id and the addresses to dial it on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeAddress {
	/// The node's libp2p peer id.
	pub peer_id: PeerId,
	/// Where it listens (without the `/p2p/` suffix).
	pub addrs: Vec<Multiaddr>,
}

/// Why a node address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
	/// Not a multiaddr.
	#[error("not a multiaddr: {0}")]
	Multiaddr(String),
	/// No `/p2p/<peer id>` at the end.
	#[error("{0} does not end in /p2p/<peer id>: the node's peer id is needed to authenticate it")]
	MissingPeerId(String),
	/// A peer id that does not parse.
	#[error("not a libp2p peer id: {0}")]
	PeerId(String),
	/// Field out of bounds.
	#[error("node address does not fit the wire format: {0}")]
	Encode(#[from] ichat_relay_proto::EncodeError),
}

impl NodeAddress {
	/// Parses `/ip4/…/tcp/…/p2p/<peer id>`.
	pub fn parse(s: &str) -> Result<NodeAddress, AddressError> {
		let mut addr = Multiaddr::from_str(s.trim())
			.map_err(|e| AddressError::Multiaddr(format!("{s}: {e}")))?;
		match addr.pop() {
			Some(Protocol::P2p(peer_id)) => Ok(NodeAddress { peer_id, addrs: vec![addr] }),
			_ => Err(AddressError::MissingPeerId(s.to_owned())),
		}
	}

	/// From the registry's binary peer id and textual multiaddrs (UTF-8 bytes); addresses that
	/// do not parse are skipped, and a `/p2p/` suffix is removed.
	pub fn from_registry(
		peer_id: &[u8],
		multiaddrs: &[Vec<u8>],
	) -> Result<NodeAddress, AddressError> {
		let peer_id =
			PeerId::from_bytes(peer_id).map_err(|e| AddressError::PeerId(e.to_string()))?;
		let addrs = multiaddrs
			.iter()
			.filter_map(|a| std::str::from_utf8(a).ok())
			.filter_map(|a| Multiaddr::from_str(a).ok())
			.map(|mut a| {
				if matches!(a.iter().last(), Some(Protocol::P2p(_))) {
					a.pop();
				}
				a
			})
			.collect();
		Ok(NodeAddress { peer_id, addrs })
	}

	/// The wire form (`NodeAddr`): binary peer id and binary multiaddrs, at most 8.
	pub fn to_wire(&self) -> Result<NodeAddr, AddressError> {
		Ok(NodeAddr {
			peer_id: PeerIdBytes::new(self.peer_id.to_bytes()).map_err(AddressError::Encode)?,
			addrs: self
				.addrs
				.iter()
				.take(ichat_relay_proto::limits::MAX_ADDRS_PER_NODE)
				.map(|a| MultiaddrBytes::new(a.to_vec()).map_err(AddressError::Encode))
				.collect::<Result<_, _>>()?,
		})
	}

	/// From the wire form; addresses that do not parse are skipped.
	pub fn from_wire(node: &NodeAddr) -> Result<NodeAddress, AddressError> {
		let peer_id = PeerId::from_bytes(node.peer_id.as_bytes())
			.map_err(|e| AddressError::PeerId(e.to_string()))?;
		let addrs = node
			.addrs
			.iter()
			.filter_map(|a| Multiaddr::try_from(a.as_bytes().to_vec()).ok())
			.collect();
		Ok(NodeAddress { peer_id, addrs })
	}
}

impl std::fmt::Display for NodeAddress {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self.addrs.first() {
			Some(a) => write!(f, "{a}/p2p/{}", self.peer_id),
			None => write!(f, "/p2p/{}", self.peer_id),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use libp2p::identity::Keypair;

	#[test]
	fn node_address_parses_and_round_trips() {
		let kp = Keypair::generate_ed25519();
		let s = format!("/ip4/127.0.0.1/tcp/40333/p2p/{}", kp.public().to_peer_id());
		let a = NodeAddress::parse(&s).expect("parses");
		assert_eq!(a.to_string(), s);
		assert_eq!(NodeAddress::from_wire(&a.to_wire().expect("wire")).expect("back"), a);
		assert!(matches!(
			NodeAddress::parse("/ip4/127.0.0.1/tcp/1"),
			Err(AddressError::MissingPeerId(_))
		));
		let reg = NodeAddress::from_registry(
			&kp.public().to_peer_id().to_bytes(),
			&[b"/ip4/127.0.0.1/tcp/40333".to_vec(), b"garbage".to_vec()],
		)
		.expect("registry");
		assert_eq!(reg, a);
	}
}
