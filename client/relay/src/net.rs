//! libp2p plumbing shared by relay clients and relay nodes.
//!
//! Three libp2p protocols carry the frames of `docs/protocol/relay.md`:
//!
//! | protocol | carried by | use |
//! |---|---|---|
//! | [`CLIENT_PROTOCOL`] `/ichat/relay/1` | `request-response` ([`FrameCodec`]) | one client request, one answer |
//! | [`PIPE_PROTOCOL`] `/ichat/relay-pipe/1` | a raw stream ([`read_frame`], [`write_frame`]) | any number of client requests and their answers, matched by request id |
//! | [`MESH_PROTOCOL`] `/ichat/relay-mesh/1` | `request-response` ([`FrameCodec`]) | one node-to-node request, one answer |
//! | [`SUBSCRIBE_PROTOCOL`] `/ichat/relay-subscribe/1` | a raw stream ([`read_frame`], [`write_frame`]) | one `subscribe`, its `subscribed` answer, then one `pushed` frame per new message |

use std::{
	collections::HashMap,
	io,
	str::FromStr,
	sync::{Arc, Mutex},
	task::{Context, Poll},
	time::Duration,
};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ichat_relay_proto::{frame_len, MultiaddrBytes, NodeAddr, PeerIdBytes, HEADER_LEN};
use libp2p::{
	core::{transport::PortUse, Endpoint},
	identity::Keypair,
	multiaddr::Protocol,
	noise,
	swarm::{
		dummy, ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler,
		THandlerInEvent, THandlerOutEvent, ToSwarm,
	},
	tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};

/// The client family: `/ichat/relay/1`.
pub const CLIENT_PROTOCOL: StreamProtocol =
	StreamProtocol::new(ichat_relay_proto::client::PROTOCOL_NAME);
/// The mesh family: `/ichat/relay-mesh/1`.
pub const MESH_PROTOCOL: StreamProtocol =
	StreamProtocol::new(ichat_relay_proto::mesh::PROTOCOL_NAME);
/// The client family, pipelined: `/ichat/relay-pipe/1`.
pub const PIPE_PROTOCOL: StreamProtocol = StreamProtocol::new("/ichat/relay-pipe/1");
/// The push stream of `subscribe`: `/ichat/relay-subscribe/1`.
pub const SUBSCRIBE_PROTOCOL: StreamProtocol = StreamProtocol::new("/ichat/relay-subscribe/1");

/// Reads one frame from a stream.
///
/// Returns `Ok(None)` when the stream ends before its first byte. When the header is refused
/// (a version this side does not speak, a length over its limit) or the stream ends inside the
/// frame, it returns the bytes read so far: decoding them gives the error to answer with
/// (`UnsupportedVersion`, `TooLarge`, `Malformed`), so the peer always gets a reply. Never
/// buffers more than [`ichat_relay_proto::MAX_FRAME_LEN`] bytes.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<Vec<u8>>> {
	let mut buf = vec![0u8; HEADER_LEN];
	let mut filled = 0;
	while filled < HEADER_LEN {
		let n = r.read(&mut buf[filled..HEADER_LEN]).await?;
		if n == 0 {
			if filled == 0 {
				return Ok(None);
			}
			buf.truncate(filled);
			return Ok(Some(buf));
		}
		filled += n;
		if frame_len(&buf[..filled]).is_err() {
			buf.truncate(filled);
			return Ok(Some(buf));
		}
	}
	let total = match frame_len(&buf) {
		Ok(Some(total)) => total,
		_ => return Ok(Some(buf)),
	};
	buf.resize(total, 0);
	while filled < total {
		let n = r.read(&mut buf[filled..]).await?;
		if n == 0 {
			buf.truncate(filled);
			break;
		}
		filled += n;
	}
	Ok(Some(buf))
}

/// Writes the frames of `queue` as they come, each burst (whatever is queued by the time the
/// previous write ends) with one flush, until the queue closes or a write fails.
pub async fn write_queued<W: AsyncWrite + Unpin>(
	w: &mut W,
	queue: &mut tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> io::Result<()> {
	while let Some(first) = queue.recv().await {
		w.write_all(&first).await?;
		while let Ok(more) = queue.try_recv() {
			w.write_all(&more).await?;
		}
		w.flush().await?;
	}
	Ok(())
}

/// Writes one encoded frame and flushes.
pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &[u8]) -> io::Result<()> {
	w.write_all(frame).await?;
	w.flush().await
}

/// The `request-response` codec of both families: requests and answers are whole encoded
/// frames, decoded by the caller so that a malformed one still gets an error answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameCodec;

#[async_trait::async_trait]
impl libp2p::request_response::Codec for FrameCodec {
	type Protocol = StreamProtocol;
	type Request = Vec<u8>;
	type Response = Vec<u8>;

	async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
	where
		T: AsyncRead + Unpin + Send,
	{
		read_frame(io).await?.ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
	}

	async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Vec<u8>>
	where
		T: AsyncRead + Unpin + Send,
	{
		read_frame(io).await?.ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
	}

	async fn write_request<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		req: Vec<u8>,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_frame(io, &req).await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		res: Vec<u8>,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_frame(io, &res).await
	}
}

/// A `request-response` behaviour for one family with the frame codec.
pub fn frame_behaviour(
	protocol: StreamProtocol,
	support: libp2p::request_response::ProtocolSupport,
	timeout: Duration,
	max_concurrent_streams: usize,
) -> libp2p::request_response::Behaviour<FrameCodec> {
	libp2p::request_response::Behaviour::with_codec(
		FrameCodec,
		[(protocol, support)],
		libp2p::request_response::Config::default()
			.with_request_timeout(timeout)
			.with_max_concurrent_streams(max_concurrent_streams),
	)
}

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

/// Builds a swarm on TCP + Noise + Yamux (tokio) with `behaviour`. Connections idle for
/// `idle_timeout` are closed.
pub fn build_swarm<B: NetworkBehaviour>(
	keypair: Keypair,
	behaviour: B,
	idle_timeout: Duration,
) -> io::Result<Swarm<B>> {
	let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
		.with_tokio()
		.with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
		.map_err(|e| io::Error::other(format!("cannot set up the TCP transport: {e}")))?
		.with_behaviour(|_| behaviour)
		.map_err(|e| io::Error::other(format!("cannot set up the behaviour: {e}")))?
		.with_swarm_config(|c| c.with_idle_connection_timeout(idle_timeout))
		.build();
	Ok(swarm)
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
	Encode(String),
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
		let enc = |e: ichat_relay_proto::EncodeError| AddressError::Encode(e.to_string());
		Ok(NodeAddr {
			peer_id: PeerIdBytes::new(self.peer_id.to_bytes()).map_err(enc)?,
			addrs: self
				.addrs
				.iter()
				.take(ichat_relay_proto::limits::MAX_ADDRS_PER_NODE)
				.map(|a| MultiaddrBytes::new(a.to_vec()).map_err(enc))
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
	use ichat_relay_proto::{ClientMessage, Frame, Request};

	#[tokio::test]
	async fn read_frame_returns_whole_frames_and_refused_headers() {
		let bytes = Frame::<ClientMessage>::new(9, Request::Ping { nonce: 1 }.into())
			.encode()
			.expect("encodes");
		let mut two = bytes.clone();
		two.extend_from_slice(&bytes);
		let mut r = futures::io::Cursor::new(two);
		assert_eq!(read_frame(&mut r).await.expect("io"), Some(bytes.clone()));
		assert_eq!(read_frame(&mut r).await.expect("io"), Some(bytes.clone()));
		assert_eq!(read_frame(&mut r).await.expect("io"), None);

		// Version 2: at most the header is taken, and decoding it names the version.
		let mut v2 = bytes.clone();
		v2[0] = 2;
		let got = read_frame(&mut futures::io::Cursor::new(v2)).await.expect("io").expect("some");
		assert!(got.len() <= HEADER_LEN && got[0] == 2);
		assert!(matches!(
			Frame::<ClientMessage>::decode(&got),
			Err(ichat_relay_proto::DecodeError::UnsupportedVersion { version: 2 })
		));

		// A body length over the limit: the header alone, never the body.
		let mut huge = bytes.clone();
		huge[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
		let got = read_frame(&mut futures::io::Cursor::new(huge))
			.await
			.expect("io")
			.expect("some");
		assert_eq!(got.len(), HEADER_LEN);

		// Truncated: what was there.
		let got = read_frame(&mut futures::io::Cursor::new(bytes[..20].to_vec()))
			.await
			.expect("io")
			.expect("some");
		assert_eq!(got, bytes[..20].to_vec());
		assert!(Frame::<ClientMessage>::decode(&got).is_err());
	}

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
