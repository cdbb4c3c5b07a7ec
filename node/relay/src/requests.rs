//! Request dispatch: every client request, whichever way it came (`request-response`, a pipe
//! from [`crate::streams`]), meets [`Engine::handle_client`]; every mesh request
//! [`Engine::handle_mesh`]. Each decodes the frame, answers what does not decode with the error
//! it gives, checks signed requests ([`crate::auth`]) and hands the request to the module that
//! owns it ([`crate::presence`], [`crate::delivery`], [`crate::tasks`] for `nodes`).
//!
//! A `subscribe` is served on its own protocol by [`crate::streams`], which checks it here too.

use std::sync::Arc;

use ichat_relay_net::now_ms;
use ichat_relay_proto::{
	frame::extension, ClientMessage, EntrySet, ErrorCode, ErrorReply, Frame, HeaderPrefix,
	MeshMessage, MeshRequest, MeshResponse, MessageId, Request, Response,
};
use libp2p::{request_response::ResponseChannel, PeerId};

use crate::{
	auth,
	delivery::store_error,
	engine::{err, lock, Engine, LOG},
	swarm::SwarmCommand,
};

/// `arg` of a `Busy` answer: retry after this many milliseconds.
pub(crate) const RETRY_BUSY_MS: u64 = 100;
/// `arg` of a `RateLimited` answer: retry after this many milliseconds.
pub(crate) const RETRY_RATE_LIMITED_MS: u64 = 10_000;

/// The `Busy` answer of a node at its concurrency limit.
pub(crate) fn node_busy() -> ErrorReply {
	err(ErrorCode::Busy, RETRY_BUSY_MS, "node busy")
}

/// The request id of a frame, or 0 if it is too short to have one.
fn request_id_of(bytes: &[u8]) -> u64 {
	HeaderPrefix::peek(bytes).map_or(0, |h| h.request_id)
}

/// The encoded answer to the client request `request`.
pub(crate) fn client_frame(request: &[u8], answer: Result<Response, ErrorReply>) -> Vec<u8> {
	let response = answer.unwrap_or_else(Response::Error);
	let frame = Frame::<ClientMessage>::new(request_id_of(request), response.into());
	frame.encode().unwrap_or_else(|e| {
		tracing::error!(target: LOG, error = %e, "cannot encode an answer");
		let fallback = Response::Error(err(ErrorCode::Internal, 0, "answer too large"));
		Frame::<ClientMessage>::new(request_id_of(request), fallback.into())
			.encode()
			.unwrap_or_default()
	})
}

/// The encoded answer to the mesh request `request`.
pub(crate) fn mesh_frame(request: &[u8], answer: Result<MeshResponse, ErrorReply>) -> Vec<u8> {
	let response = answer.unwrap_or_else(MeshResponse::Error);
	Frame::<MeshMessage>::new(request_id_of(request), response.into())
		.encode()
		.unwrap_or_else(|e| {
			tracing::error!(target: LOG, error = %e, "cannot encode a mesh answer");
			Vec::new()
		})
}

/// Which family a `request-response` request came on.
#[derive(Clone, Copy)]
enum Family {
	Client,
	Mesh,
}

impl Engine {
	/// Handles a client request from `request-response` (see [`Engine::spawn_handler`]).
	pub(crate) fn spawn_client(
		self: Arc<Self>,
		request: Vec<u8>,
		channel: ResponseChannel<Vec<u8>>,
	) {
		self.spawn_handler(request, channel, Family::Client);
	}

	/// Handles a mesh request from an active service node (see [`Engine::spawn_handler`]).
	pub(crate) fn spawn_mesh(self: Arc<Self>, request: Vec<u8>, channel: ResponseChannel<Vec<u8>>) {
		self.spawn_handler(request, channel, Family::Mesh);
	}

	/// Handles one request on its own task, within the concurrency limit (`Busy` beyond it),
	/// and hands the answer back to the swarm task.
	fn spawn_handler(
		self: Arc<Self>,
		request: Vec<u8>,
		channel: ResponseChannel<Vec<u8>>,
		family: Family,
	) {
		let respond = move |channel, frame| match family {
			Family::Client => SwarmCommand::RespondClient { channel, frame },
			Family::Mesh => SwarmCommand::RespondMesh { channel, frame },
		};
		let Ok(permit) = self.permits.clone().try_acquire_owned() else {
			let frame = match family {
				Family::Client => client_frame(&request, Err(node_busy())),
				Family::Mesh => mesh_frame(&request, Err(node_busy())),
			};
			let _ = self.commands.try_send(respond(channel, frame));
			return;
		};
		let engine = self.clone();
		self.spawn(async move {
			let frame = match family {
				Family::Client => engine.handle_client(&request).await,
				Family::Mesh => engine.handle_mesh(&request).await,
			};
			drop(permit);
			let _ = engine.commands.send(respond(channel, frame)).await;
		});
	}

	/// The encoded answer to one encoded client request.
	pub(crate) async fn handle_client(&self, bytes: &[u8]) -> Vec<u8> {
		let frame = match Frame::<ClientMessage>::decode(bytes) {
			Ok(frame) => frame,
			Err(e) => {
				tracing::debug!(target: LOG, error = %e, "malformed client frame");
				return Frame::<ClientMessage>::error_answer(bytes, &e)
					.encode()
					.unwrap_or_default();
			},
		};
		let entries = frame.extension(extension::ENTRY_SET).and_then(EntrySet::decode);
		let answer = match frame.message {
			ClientMessage::Request(request) => self.client_request(request, entries).await,
			ClientMessage::Response(r) => Err(err(
				ErrorCode::UnknownKind,
				u64::from(r.kind()),
				"an answer kind sent as a request",
			)),
		};
		client_frame(bytes, answer)
	}

	/// Serves one client request; `entries` is the `ENTRY_SET` hint of a `send` or an `ack`, if
	/// any.
	async fn client_request(
		&self,
		request: Request,
		entries: Option<EntrySet>,
	) -> Result<Response, ErrorReply> {
		let now = now_ms();
		match request {
			Request::Ping { nonce } => Ok(Response::Pong { nonce, node_time_ms: now }),
			Request::Nodes { limit } => Ok(Response::NodeList { nodes: self.online_nodes(limit) }),
			Request::Presence(signed) => {
				auth::check_signed(&signed, &self.replay, now)?;
				auth::check_presence(&signed, now)?;
				self.publish_presence(signed).await
			},
			Request::Send { routing_id, envelope } => {
				self.send(routing_id, envelope, entries).await
			},
			Request::Lookup { routing_id } => {
				Ok(Response::Found(self.find_presence(&routing_id).await))
			},
			Request::Withdraw(signed) => {
				auth::check_signed(&signed, &self.replay, now)?;
				Ok(self.withdraw_presence(signed).await)
			},
			Request::Subscribe(_) => Err(err(
				ErrorCode::Malformed,
				0,
				"subscribe is served on /ichat/relay-subscribe/1, not on /ichat/relay/1",
			)),
			Request::Fetch(signed) => {
				auth::check_signed(&signed, &self.replay, now)?;
				let routing = signed.auth.routing_id();
				let (messages, next_cursor, more) = self
					.store
					.fetch(&routing, signed.body.cursor, usize::from(signed.body.limit), now)
					.map_err(store_error)?;
				if let Some(m) = self.metrics() {
					m.delivered.inc_by(messages.len() as u64);
				}
				Ok(Response::Fetched { messages, next_cursor, more })
			},
			Request::Ack(signed) => {
				auth::check_signed(&signed, &self.replay, now)?;
				let deleted = self.ack_local(&signed).await?;
				// With a hint naming this node, the client acks on each node it names itself and
				// replication is left to it (docs/protocol/relay.md, section 3).
				if self.hinted_peers(entries).is_empty() {
					self.replicate_ack(signed).await;
				}
				Ok(Response::Acked { deleted })
			},
		}
	}

	/// The encoded answer to one encoded mesh request (its sender is an active service node).
	pub(crate) async fn handle_mesh(&self, bytes: &[u8]) -> Vec<u8> {
		let frame = match Frame::<MeshMessage>::decode(bytes) {
			Ok(frame) => frame,
			Err(e) => {
				tracing::debug!(target: LOG, error = %e, "malformed mesh frame");
				return Frame::<MeshMessage>::error_answer(bytes, &e).encode().unwrap_or_default();
			},
		};
		let answer = match frame.message {
			MeshMessage::Request(request) => self.mesh_request(request).await,
			MeshMessage::Response(r) => Err(err(
				ErrorCode::UnknownKind,
				u64::from(MeshMessage::Response(r).kind()),
				"an answer kind sent as a request",
			)),
		};
		mesh_frame(bytes, answer)
	}

	async fn mesh_request(&self, request: MeshRequest) -> Result<MeshResponse, ErrorReply> {
		let now = now_ms();
		match request {
			MeshRequest::Ping { nonce } => Ok(MeshResponse::Pong { nonce }),
			MeshRequest::Forward { routing_id, accepted_at_ms, envelope } => {
				let message_id = MessageId::of(&envelope);
				self.store_unread(routing_id, message_id, accepted_at_ms, envelope).await
			},
			MeshRequest::ReplicateAck(signed) => {
				// Not held to the timestamp window (docs/protocol/relay.md, section 6).
				auth::check_signature(&signed)?;
				Ok(MeshResponse::AckReplicated { deleted: self.ack_local(&signed).await? })
			},
			MeshRequest::StorePresence(signed) => {
				auth::check_signed(&signed, &self.replay, now)?;
				auth::check_presence(&signed, now)?;
				lock(&self.presence).insert(signed, now)?;
				Ok(MeshResponse::PresenceKept)
			},
			MeshRequest::LookupPresence { routing_id } => {
				Ok(MeshResponse::PresenceFound(lock(&self.presence).get(&routing_id, now)))
			},
			MeshRequest::WithdrawPresence(signed) => {
				auth::check_signed(&signed, &self.replay, now)?;
				let removed = lock(&self.presence)
					.withdraw(&signed.auth.routing_id(), signed.body.published_at_ms);
				Ok(MeshResponse::PresenceWithdrawn { removed })
			},
		}
	}

	/// The peers of an `ENTRY_SET` hint naming this node (empty without one), sorted.
	pub(crate) fn hinted_peers(&self, entries: Option<EntrySet>) -> Vec<PeerId> {
		let hint = entries
			.map(|set| set.0.into_iter().filter_map(|p| PeerId::from_bytes(p.as_bytes()).ok()));
		ichat_relay_proto::routing::hinted_peers(hint, &self.local)
	}
}
