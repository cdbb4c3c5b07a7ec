//! [`RelayClient`]: typed calls of the client protocol over one libp2p swarm.

use std::{
	collections::HashMap,
	pin::Pin,
	sync::atomic::{AtomicU64, Ordering},
	time::{Duration, Instant},
};

use futures::{Stream, StreamExt};
use ichat_crypto::{Account, ChatKeyBinding};
use ichat_relay_proto::{
	AckBody, ClientMessage, Delivery, EncodeError, EntrySet, ErrorCode, ErrorReply, Extension,
	FetchBody, Frame, MessageId, NodeAddr, NodeInfo, PeerIdBytes, PresenceBody, Request, Response,
	RoutingId, Signed, SubscribeBody, WithdrawBody,
};
use libp2p::{
	identity::Keypair,
	request_response::{self, OutboundRequestId, ProtocolSupport},
	swarm::{
		dial_opts::{DialOpts, PeerCondition},
		NetworkBehaviour, SwarmEvent,
	},
	PeerId,
};
use tokio::sync::{mpsc, oneshot};

use crate::{
	net::{self, AddressBook, AddressBookBehaviour, AddressError, FrameCodec, NodeAddress},
	now_ms,
	pipe::{PipeError, Pipes},
	sign,
};

/// Settings of a [`RelayClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
	/// How long one request may take, dialling included.
	pub request_timeout: Duration,
	/// Connections without traffic are closed after this long (subscriptions keep theirs open).
	pub idle_timeout: Duration,
	/// The transport identity; a fresh random one by default (clients are anonymous to the
	/// transport: mailbox requests are authenticated by the account's signature instead).
	pub keypair: Option<Keypair>,
}

impl Default for ClientConfig {
	fn default() -> Self {
		ClientConfig {
			request_timeout: Duration::from_secs(10),
			idle_timeout: Duration::from_secs(120),
			keypair: None,
		}
	}
}

/// A presence record a node took ([`RelayClient::publish_presence`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
	/// The home-swarm nodes that stored it.
	pub stored_on: Vec<PeerIdBytes>,
	/// Its timestamp: what a [`RelayClient::withdraw_presence`] of this record names.
	pub published_at_ms: u64,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The node could not be reached (dial failure, connection closed).
	#[error("relay node {peer} is unreachable: {reason}")]
	Unreachable {
		/// The node.
		peer: PeerId,
		/// What happened.
		reason: String,
	},
	/// No answer in time.
	#[error("relay node {peer} did not answer in time")]
	Timeout {
		/// The node.
		peer: PeerId,
	},
	/// The node answered with an `error` frame.
	#[error("relay node {peer} refused the request: {} ({:?})", reply.detail, reply.code)]
	Refused {
		/// The node.
		peer: PeerId,
		/// Its error reply.
		reply: ErrorReply,
	},
	/// The node answered something that is not a valid answer to the request.
	#[error("relay node {peer} sent an invalid answer: {detail}")]
	Protocol {
		/// The node.
		peer: PeerId,
		/// What was wrong.
		detail: String,
	},
	/// The request could not be encoded (a value out of the protocol's bounds).
	#[error("cannot encode the request: {0}")]
	Encode(#[from] EncodeError),
	/// A node address to publish does not fit the wire format.
	#[error("cannot encode the request: {0}")]
	Address(#[from] AddressError),
	/// The envelope to send is shorter than its header (version byte and routing id), so it
	/// names no recipient.
	#[error("cannot send the envelope: {len} bytes is shorter than its {min}-byte header")]
	EnvelopeTooShort {
		/// The envelope's length.
		len: usize,
		/// The header's length.
		min: usize,
	},
	/// The client's network task has stopped.
	#[error("the relay client has stopped")]
	Stopped,
}

impl ClientError {
	/// The protocol error code, when the node refused the request.
	pub fn code(&self) -> Option<ErrorCode> {
		match self {
			ClientError::Refused { reply, .. } => Some(reply.code),
			_ => None,
		}
	}
}

/// The answer to `send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
	/// The relay-level message id.
	pub message_id: MessageId,
	/// The recipient's nodes that stored it.
	pub stored_on: Vec<PeerId>,
}

/// One page of `fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPage {
	/// Unread messages, oldest first.
	pub messages: Vec<Delivery>,
	/// Cursor of the next page.
	pub next_cursor: u64,
	/// More are waiting.
	pub more: bool,
}

/// An open `subscribe` stream: the unread count at subscription time and the pushed messages.
pub struct Subscription {
	/// The node.
	pub peer: PeerId,
	/// Unread messages waiting when the subscription opened (fetch them).
	pub unread: u32,
	/// New messages as the node pushes them; ends when the stream closes.
	pub deliveries: Pin<Box<dyn Stream<Item = Delivery> + Send>>,
}

impl std::fmt::Debug for Subscription {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Subscription")
			.field("peer", &self.peer)
			.field("unread", &self.unread)
			.finish()
	}
}

#[derive(NetworkBehaviour)]
struct ClientBehaviour {
	book: AddressBookBehaviour,
	rr: request_response::Behaviour<FrameCodec>,
	stream: libp2p_stream::Behaviour,
}

enum Command {
	Request { peer: PeerId, frame: Vec<u8>, reply: oneshot::Sender<Result<Vec<u8>, ClientError>> },
	Connect { peer: PeerId, reply: oneshot::Sender<Result<(), ClientError>> },
	Disconnect { peer: PeerId },
}

/// A client of the relay network: one libp2p swarm (run on a tokio task) and typed calls of the
/// client protocol. Cheap to share behind an `Arc`; dropping it stops the swarm.
pub struct RelayClient {
	commands: mpsc::Sender<Command>,
	control: libp2p_stream::Control,
	pipes: Pipes,
	book: AddressBook,
	local_peer_id: PeerId,
	next_request_id: AtomicU64,
	timeout: Duration,
}

impl std::fmt::Debug for RelayClient {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("RelayClient")
			.field("local_peer_id", &self.local_peer_id)
			.finish()
	}
}

impl RelayClient {
	/// Starts the client's swarm on the current tokio runtime.
	pub fn start(config: ClientConfig) -> std::io::Result<RelayClient> {
		let keypair = config.keypair.unwrap_or_else(Keypair::generate_ed25519);
		let local_peer_id = keypair.public().to_peer_id();
		let book = AddressBook::default();
		let stream = libp2p_stream::Behaviour::new();
		let control = stream.new_control();
		let behaviour = ClientBehaviour {
			book: AddressBookBehaviour::new(book.clone()),
			rr: net::frame_behaviour(
				net::CLIENT_PROTOCOL,
				ProtocolSupport::Outbound,
				config.request_timeout,
				256,
			),
			stream,
		};
		let swarm = net::build_swarm(keypair, behaviour, config.idle_timeout)?;
		let (commands, rx) = mpsc::channel(1024);
		tokio::spawn(run_swarm(swarm, rx));
		Ok(RelayClient {
			commands,
			pipes: Pipes::new(control.clone()),
			control,
			book,
			local_peer_id,
			next_request_id: AtomicU64::new(1),
			timeout: config.request_timeout,
		})
	}

	/// This client's transport peer id.
	pub fn local_peer_id(&self) -> PeerId {
		self.local_peer_id
	}

	/// Remembers where `node` listens (needed before any call to it).
	pub fn add_node(&self, node: &NodeAddress) {
		self.book.set(node.peer_id, node.addrs.clone());
	}

	/// Dials `node` (if not connected yet) and waits for the connection.
	pub async fn connect(&self, node: &NodeAddress) -> Result<(), ClientError> {
		self.add_node(node);
		self.dial(node.peer_id).await
	}

	/// Dials `peer` at the addresses in the book (if not connected yet) and waits for the
	/// connection.
	async fn dial(&self, peer: PeerId) -> Result<(), ClientError> {
		let (reply, rx) = oneshot::channel();
		self.command(Command::Connect { peer, reply }).await?;
		match tokio::time::timeout(self.timeout, rx).await {
			Ok(Ok(result)) => result,
			Ok(Err(_)) => Err(ClientError::Stopped),
			Err(_) => Err(ClientError::Timeout { peer }),
		}
	}

	/// Closes the connections to `peer`.
	pub async fn disconnect(&self, peer: PeerId) {
		let _ = self.command(Command::Disconnect { peer }).await;
	}

	async fn command(&self, command: Command) -> Result<(), ClientError> {
		self.commands.send(command).await.map_err(|_| ClientError::Stopped)
	}

	/// Sends `request` to `peer` and returns the answer; an `error` answer is
	/// [`ClientError::Refused`].
	pub async fn request(&self, peer: PeerId, request: Request) -> Result<Response, ClientError> {
		self.request_with(peer, request, Vec::new()).await
	}

	/// [`RelayClient::request`] with extensions (types strictly increasing).
	pub async fn request_with(
		&self,
		peer: PeerId,
		request: Request,
		extensions: Vec<Extension>,
	) -> Result<Response, ClientError> {
		let request_id = self.next_request_id.fetch_add(1, Ordering::Relaxed);
		let frame =
			Frame { request_id, extensions, message: ClientMessage::from(request) }.encode()?;
		// A pipe to the node when it speaks the protocol, else one `request-response` stream.
		let frame =
			match self.pipes.call(peer, request_id, frame, self.timeout, self.dial(peer)).await {
				Ok(answer) => return decode_answer(peer, request_id, &answer),
				Err(PipeError::Failed(e)) => return Err(e),
				Err(PipeError::Unsupported(frame)) => frame,
			};
		let (reply, rx) = oneshot::channel();
		self.command(Command::Request { peer, frame, reply }).await?;
		let bytes = match rx.await {
			Ok(result) => result?,
			Err(_) => return Err(ClientError::Stopped),
		};
		decode_answer(peer, request_id, &bytes)
	}

	/// Opens a raw stream of `protocol` to `peer` (diagnostics and tests of malformed input).
	pub async fn open_stream(
		&self,
		peer: PeerId,
		protocol: libp2p::StreamProtocol,
	) -> Result<libp2p::Stream, ClientError> {
		let mut control = self.control.clone();
		tokio::time::timeout(self.timeout, control.open_stream(peer, protocol))
			.await
			.map_err(|_| ClientError::Timeout { peer })?
			.map_err(|e| ClientError::Unreachable { peer, reason: e.to_string() })
	}

	/// Sends raw bytes as one request frame on the client protocol and returns the raw answer
	/// (for diagnostics and tests of malformed input).
	pub async fn request_raw(&self, peer: PeerId, frame: Vec<u8>) -> Result<Vec<u8>, ClientError> {
		let (reply, rx) = oneshot::channel();
		self.command(Command::Request { peer, frame, reply }).await?;
		rx.await.map_err(|_| ClientError::Stopped)?
	}

	/// `ping`: the round-trip time and the node's clock.
	pub async fn ping(&self, peer: PeerId) -> Result<(Duration, u64), ClientError> {
		let nonce = rand::random();
		let start = Instant::now();
		match self.request(peer, Request::Ping { nonce }).await? {
			Response::Pong { nonce: n, node_time_ms } if n == nonce => {
				Ok((start.elapsed(), node_time_ms))
			},
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `nodes`: the node's list of online relay nodes.
	pub async fn nodes(&self, peer: PeerId, limit: u16) -> Result<Vec<NodeInfo>, ClientError> {
		match self.request(peer, Request::Nodes { limit }).await? {
			Response::NodeList { nodes } => Ok(nodes),
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `send`: hands `envelope` (whose routing id is in its bytes 1..33) to `peer` as entry node.
	pub async fn send(&self, peer: PeerId, envelope: Vec<u8>) -> Result<Sent, ClientError> {
		self.send_with_entries(peer, envelope, &[]).await
	}

	/// `send` through `peer`, telling it every entry node of this envelope (`entries`, `peer`
	/// among them; extension `ENTRY_SET`), so that it forwards only to the recipient's listen
	/// nodes that are not entry nodes themselves. An empty `entries` sends no hint.
	pub async fn send_with_entries(
		&self,
		peer: PeerId,
		envelope: Vec<u8>,
		entries: &[PeerId],
	) -> Result<Sent, ClientError> {
		// Bytes 1..33 of every envelope version: the version byte, then the routing id.
		const HEADER: usize = 1 + RoutingId::LEN;
		let routing_id = envelope
			.get(1..HEADER)
			.and_then(|s| <[u8; RoutingId::LEN]>::try_from(s).ok())
			.map(RoutingId)
			.ok_or(ClientError::EnvelopeTooShort { len: envelope.len(), min: HEADER })?;
		match self
			.request_with(peer, Request::Send { routing_id, envelope }, entry_set(entries)?)
			.await?
		{
			Response::Sent { message_id, stored_on } => Ok(Sent {
				message_id,
				stored_on: stored_on
					.iter()
					.filter_map(|p| PeerId::from_bytes(p.as_bytes()).ok())
					.collect(),
			}),
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `presence`: publishes that `account` (chat key `binding`) listens on `listen` until
	/// `ttl` from now (at most 10 minutes). Returns the home-swarm nodes that stored it.
	pub async fn publish_presence(
		&self,
		peer: PeerId,
		account: &Account,
		binding: &ChatKeyBinding,
		listen: &[NodeAddress],
		ttl: Duration,
	) -> Result<Published, ClientError> {
		let now = now_ms();
		let listen =
			listen.iter().map(NodeAddress::to_wire).collect::<Result<Vec<NodeAddr>, _>>()?;
		let body = PresenceBody {
			binding: binding.to_bytes().to_vec(),
			expires_at_ms: now + ttl.as_millis() as u64,
			listen,
		};
		let signed = sign::sign(account, body, now)?;
		match self.request(peer, Request::Presence(signed)).await? {
			Response::PresenceStored { stored_on } => {
				Ok(Published { stored_on, published_at_ms: now })
			},
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `withdraw`: drops the presence record `account` published at `published_at_ms` (see
	/// [`Published`]) from its home swarm, through `peer`; a newer record (another session of
	/// the account) stays. Returns the nodes that held it.
	pub async fn withdraw_presence(
		&self,
		peer: PeerId,
		account: &Account,
		published_at_ms: u64,
	) -> Result<Vec<PeerIdBytes>, ClientError> {
		let signed =
			sign::sign(account, WithdrawBody { published_at_ms }, now_ms().max(published_at_ms))?;
		match self.request(peer, Request::Withdraw(signed)).await? {
			Response::Withdrawn { removed_on } => Ok(removed_on),
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `lookup`: the live chat-key binding of the account with routing id `routing_id`, checked
	/// here too (record signature, binding signature, binding names the signer, not expired);
	/// `None` when the recipient is offline.
	pub async fn lookup(
		&self,
		peer: PeerId,
		routing_id: RoutingId,
	) -> Result<Option<ChatKeyBinding>, ClientError> {
		match self.request(peer, Request::Lookup { routing_id }).await? {
			Response::Found(None) => Ok(None),
			Response::Found(Some(record)) => {
				let bad = |detail: &str| ClientError::Protocol { peer, detail: detail.into() };
				if record.auth.routing_id() != routing_id || !sign::verify(&record) {
					return Err(bad("presence record not signed by the recipient"));
				}
				let binding = ChatKeyBinding::from_bytes(&record.body.binding)
					.map_err(|_| bad("presence binding does not decode"))?;
				if binding.verify().is_err() || binding.account.0 != record.auth.account.0 {
					return Err(bad("presence binding invalid"));
				}
				Ok((record.body.expires_at_ms > now_ms()).then_some(binding))
			},
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `fetch`: unread messages of `account` from `cursor` (0 = oldest).
	pub async fn fetch(
		&self,
		peer: PeerId,
		account: &Account,
		cursor: u64,
		limit: u16,
	) -> Result<FetchPage, ClientError> {
		let signed = sign::sign(account, FetchBody { cursor, limit }, now_ms())?;
		match self.request(peer, Request::Fetch(signed)).await? {
			Response::Fetched { messages, next_cursor, more } => {
				Ok(FetchPage { messages, next_cursor, more })
			},
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `ack`: burn after reading. The node deletes the messages and has every other node holding
	/// them delete them too. Returns how many this node deleted.
	pub async fn ack(
		&self,
		peer: PeerId,
		account: &Account,
		ids: Vec<MessageId>,
	) -> Result<u16, ClientError> {
		self.ack_signed(peer, sign_ack(account, ids)?, &[]).await
	}

	/// `ack` of an already signed body (see [`sign_ack`]) through `peer`, telling it every node
	/// the client sends this same ack to (`entries`, `peer` among them; extension `ENTRY_SET`):
	/// the node then deletes its own copies and leaves replication to the client. An empty
	/// `entries` sends no hint: the node also replicates the ack to every other listen node of
	/// the recipient's presence record.
	pub async fn ack_signed(
		&self,
		peer: PeerId,
		signed: Signed<AckBody>,
		entries: &[PeerId],
	) -> Result<u16, ClientError> {
		match self.request_with(peer, Request::Ack(signed), entry_set(entries)?).await? {
			Response::Acked { deleted } => Ok(deleted),
			other => Err(unexpected(peer, &other)),
		}
	}

	/// `subscribe`: opens the push stream of `account`'s mailbox on `peer`.
	pub async fn subscribe(
		&self,
		peer: PeerId,
		account: &Account,
	) -> Result<Subscription, ClientError> {
		let request_id = self.next_request_id.fetch_add(1, Ordering::Relaxed);
		let signed = sign::sign(account, SubscribeBody, now_ms())?;
		let frame =
			Frame::<ClientMessage>::new(request_id, Request::Subscribe(signed).into()).encode()?;
		let mut control = self.control.clone();
		let open = async {
			let mut stream = control
				.open_stream(peer, net::SUBSCRIBE_PROTOCOL)
				.await
				.map_err(|e| ClientError::Unreachable { peer, reason: e.to_string() })?;
			let io = |e: std::io::Error| ClientError::Unreachable { peer, reason: e.to_string() };
			net::write_frame(&mut stream, &frame).await.map_err(io)?;
			let answer = net::read_frame(&mut stream).await.map_err(io)?.ok_or_else(|| {
				ClientError::Unreachable { peer, reason: "stream closed before the answer".into() }
			})?;
			Ok::<_, ClientError>((stream, answer))
		};
		let (stream, answer) = tokio::time::timeout(self.timeout, open)
			.await
			.map_err(|_| ClientError::Timeout { peer })??;
		let unread = match decode_answer(peer, request_id, &answer)? {
			Response::Subscribed { unread } => unread,
			other => return Err(unexpected(peer, &other)),
		};
		let deliveries = futures::stream::unfold(stream, move |mut stream| async move {
			let bytes = net::read_frame(&mut stream).await.ok()??;
			match decode_answer(peer, request_id, &bytes) {
				Ok(Response::Pushed(delivery)) => Some((delivery, stream)),
				Ok(other) => {
					tracing::debug!(%peer, kind = other.kind(), "subscription ended by an unexpected frame");
					None
				},
				Err(e) => {
					tracing::debug!(%peer, error = %e, "subscription ended");
					None
				},
			}
		});
		Ok(Subscription { peer, unread, deliveries: deliveries.boxed() })
	}
}

/// A signed `ack` body for `ids`, to send to one or more nodes ([`RelayClient::ack_signed`]).
/// Each node accepts it once.
pub fn sign_ack(account: &Account, ids: Vec<MessageId>) -> Result<Signed<AckBody>, ClientError> {
	sign::sign(account, AckBody { ids }, now_ms()).map_err(ClientError::from)
}

/// The `ENTRY_SET` extension naming `entries`; none for an empty list.
fn entry_set(entries: &[PeerId]) -> Result<Vec<Extension>, ClientError> {
	if entries.is_empty() {
		return Ok(Vec::new());
	}
	let peers = entries
		.iter()
		.map(|p| PeerIdBytes::new(p.to_bytes()))
		.collect::<Result<Vec<_>, _>>()?;
	Ok(vec![EntrySet(peers).to_extension()?])
}

fn unexpected(peer: PeerId, answer: &Response) -> ClientError {
	ClientError::Protocol { peer, detail: format!("unexpected answer kind {:#04x}", answer.kind()) }
}

fn decode_answer(peer: PeerId, request_id: u64, bytes: &[u8]) -> Result<Response, ClientError> {
	let frame = Frame::<ClientMessage>::decode(bytes)
		.map_err(|e| ClientError::Protocol { peer, detail: e.to_string() })?;
	match frame.message {
		ClientMessage::Response(Response::Error(reply)) => {
			Err(ClientError::Refused { peer, reply })
		},
		ClientMessage::Response(_) if frame.request_id != request_id => {
			Err(ClientError::Protocol {
				peer,
				detail: format!("answer to request {} instead of {request_id}", frame.request_id),
			})
		},
		ClientMessage::Response(r) => Ok(r),
		ClientMessage::Request(r) => Err(ClientError::Protocol {
			peer,
			detail: format!("a request (kind {:#04x}) instead of an answer", r.kind()),
		}),
	}
}

async fn run_swarm(
	mut swarm: libp2p::Swarm<ClientBehaviour>,
	mut commands: mpsc::Receiver<Command>,
) {
	let mut pending: HashMap<OutboundRequestId, oneshot::Sender<Result<Vec<u8>, ClientError>>> =
		HashMap::new();
	let mut dialing: HashMap<PeerId, Vec<oneshot::Sender<Result<(), ClientError>>>> =
		HashMap::new();
	loop {
		tokio::select! {
			command = commands.recv() => match command {
				None => break,
				Some(Command::Request { peer, frame, reply }) => {
					let id = swarm.behaviour_mut().rr.send_request(&peer, frame);
					pending.insert(id, reply);
				},
				Some(Command::Connect { peer, reply }) => {
					if swarm.is_connected(&peer) {
						let _ = reply.send(Ok(()));
						continue;
					}
					let opts = DialOpts::peer_id(peer).condition(PeerCondition::DisconnectedAndNotDialing).build();
					match swarm.dial(opts) {
						Ok(()) | Err(libp2p::swarm::DialError::DialPeerConditionFalse(_)) =>
							dialing.entry(peer).or_default().push(reply),
						Err(e) => {
							let _ = reply.send(Err(ClientError::Unreachable { peer, reason: e.to_string() }));
						},
					}
				},
				Some(Command::Disconnect { peer }) => {
					let _ = swarm.disconnect_peer_id(peer);
				},
			},
			event = swarm.select_next_some() => match event {
				SwarmEvent::Behaviour(ClientBehaviourEvent::Rr(event)) => match event {
					request_response::Event::Message {
						message: request_response::Message::Response { request_id, response },
						..
					} => {
						if let Some(reply) = pending.remove(&request_id) {
							let _ = reply.send(Ok(response));
						}
					},
					request_response::Event::OutboundFailure { peer, request_id, error } => {
						if let Some(reply) = pending.remove(&request_id) {
							let err = match error {
								request_response::OutboundFailure::Timeout => ClientError::Timeout { peer },
								other => ClientError::Unreachable { peer, reason: other.to_string() },
							};
							let _ = reply.send(Err(err));
						}
					},
					_ => {},
				},
				SwarmEvent::ConnectionEstablished { peer_id, .. } => {
					for reply in dialing.remove(&peer_id).unwrap_or_default() {
						let _ = reply.send(Ok(()));
					}
				},
				SwarmEvent::OutgoingConnectionError { peer_id: Some(peer), error, .. }
					if !swarm.is_connected(&peer) =>
				{
					for reply in dialing.remove(&peer).unwrap_or_default() {
						let _ = reply.send(Err(ClientError::Unreachable { peer, reason: error.to_string() }));
					}
				},
				_ => {},
			},
		}
	}
}
