//! The swarm: the composed behaviour ([`NodeBehaviour`]), the task that owns the libp2p
//! [`Swarm`](libp2p::Swarm) ([`run`]) and the commands other tasks send it ([`SwarmCommand`]),
//! and outbound mesh requests ([`Engine::mesh`]) with their typed failures ([`MeshError`]).
//!
//! Only this task touches the swarm. Inbound requests go to [`crate::requests`] on tasks of
//! their own and come back as `Respond*` commands; a mesh request from a peer that is not an
//! active service node of the hour is refused here, before any work.

use std::{
	collections::{HashMap, HashSet},
	sync::{atomic::Ordering, Arc},
	time::Duration,
};

use futures::StreamExt;
use ichat_relay_net::{AddressBook, AddressBookBehaviour, FrameCodec};
use ichat_relay_proto::{
	DecodeError, EncodeError, ErrorCode, Frame, MeshMessage, MeshRequest, MeshResponse,
};
use libp2p::{
	request_response::{self, OutboundFailure, OutboundRequestId, ResponseChannel},
	swarm::{NetworkBehaviour, SwarmEvent},
	PeerId,
};
use tokio::sync::{mpsc, oneshot};

use crate::{
	engine::{err, Engine, LOG},
	registry::RegistrySnapshot,
	requests::mesh_frame,
};

/// How long a stopping relay waits for the tasks it spawned (request handlers finishing a
/// store commit, streams closing) before it gives up on them.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(5);

/// Extra time an outbound mesh request is given beyond `request-response`'s own timeout, so
/// that its `Timeout` failure, not ours, normally reports it.
const MESH_TIMEOUT_MARGIN: Duration = Duration::from_millis(500);

/// The relay's behaviour: the address book the mesh dials from, the client and mesh families
/// on `request-response`, and raw streams for pipes and subscriptions.
#[derive(NetworkBehaviour)]
pub(crate) struct NodeBehaviour {
	pub(crate) book: AddressBookBehaviour,
	pub(crate) client: request_response::Behaviour<FrameCodec>,
	pub(crate) mesh: request_response::Behaviour<FrameCodec>,
	pub(crate) stream: libp2p_stream::Behaviour,
}

/// What other tasks ask of the swarm task.
pub(crate) enum SwarmCommand {
	/// Send a mesh request to `peer`; its answer (or failure) goes to `reply`.
	Mesh { peer: PeerId, frame: Vec<u8>, reply: oneshot::Sender<Result<Vec<u8>, MeshError>> },
	/// Answer a client request received on `request-response`.
	RespondClient { channel: ResponseChannel<Vec<u8>>, frame: Vec<u8> },
	/// Answer a mesh request.
	RespondMesh { channel: ResponseChannel<Vec<u8>>, frame: Vec<u8> },
	/// The registry changed: re-point the address book and drop peers that left it.
	RegistryChanged(Arc<RegistrySnapshot>),
}

/// Why an outbound mesh request got no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MeshError {
	/// The relay is stopping: the swarm task is gone.
	#[error("relay stopping")]
	Stopping,
	/// No answer within the mesh timeout.
	#[error("mesh request timed out")]
	Timeout,
	/// `request-response` failed (dial, connection, protocol or stream I/O).
	#[error("mesh request failed: {0}")]
	Outbound(#[from] OutboundFailure),
	/// The request could not be encoded (a bound of the wire format).
	#[error("cannot encode the mesh request: {0}")]
	Encode(#[from] EncodeError),
	/// The answer does not decode.
	#[error("mesh answer does not decode: {0}")]
	Decode(#[from] DecodeError),
	/// The answer is not an answer to this request.
	#[error("unexpected mesh answer")]
	UnexpectedAnswer,
}

/// The swarm task: serves commands and swarm events until `stop` fires or every command sender
/// is gone, then closes the swarm (ending every connection, hence every stream) and waits, at
/// most [`SHUTDOWN_DEADLINE`], for every task the relay spawned.
pub(crate) async fn run(
	mut swarm: libp2p::Swarm<NodeBehaviour>,
	engine: Arc<Engine>,
	book: AddressBook,
	mut commands: mpsc::Receiver<SwarmCommand>,
	mut stop: oneshot::Receiver<()>,
) {
	let mut pending: HashMap<OutboundRequestId, oneshot::Sender<Result<Vec<u8>, MeshError>>> =
		HashMap::new();
	let mut mesh_peers: HashSet<PeerId> = HashSet::new();
	loop {
		tokio::select! {
			_ = &mut stop => break,
			command = commands.recv() => match command {
				None => break,
				Some(SwarmCommand::Mesh { peer, frame, reply }) => {
					mesh_peers.insert(peer);
					let id = swarm.behaviour_mut().mesh.send_request(&peer, frame);
					pending.insert(id, reply);
				},
				Some(SwarmCommand::RespondClient { channel, frame }) => {
					let _ = swarm.behaviour_mut().client.send_response(channel, frame);
				},
				Some(SwarmCommand::RespondMesh { channel, frame }) => {
					let _ = swarm.behaviour_mut().mesh.send_response(channel, frame);
				},
				Some(SwarmCommand::RegistryChanged(snapshot)) => {
					engine.apply_registry(&book, &snapshot);
					let gone: Vec<PeerId> =
						mesh_peers.iter().filter(|p| !snapshot.contains(p)).copied().collect();
					for peer in gone {
						mesh_peers.remove(&peer);
						if swarm.disconnect_peer_id(peer).is_ok() {
							tracing::info!(
								target: LOG,
								%peer,
								session = snapshot.session,
								"disconnected mesh peer: no longer active in the registry"
							);
						}
					}
				},
			},
			event = swarm.select_next_some() => match event {
				SwarmEvent::Behaviour(NodeBehaviourEvent::Client(request_response::Event::Message {
					peer: _,
					message: request_response::Message::Request { request, channel, .. },
				})) => engine.clone().spawn_client(request, channel),
				SwarmEvent::Behaviour(NodeBehaviourEvent::Mesh(event)) => match event {
					request_response::Event::Message {
						peer,
						message: request_response::Message::Request { request, channel, .. },
					} => {
						if engine.registry.borrow().contains(&peer) {
							mesh_peers.insert(peer);
							engine.clone().spawn_mesh(request, channel);
						} else {
							let session = engine.registry.borrow().session;
							tracing::warn!(
								target: LOG,
								%peer,
								session,
								"refused mesh request: peer is not an active service node in the registry"
							);
							if let Some(m) = &engine.metrics {
								m.refused_peers.inc();
							}
							let reply = err(ErrorCode::Unauthorized, 0, "not an active service node in the registry");
							let frame = mesh_frame(&request, Err(reply));
							let _ = swarm.behaviour_mut().mesh.send_response(channel, frame);
						}
					},
					request_response::Event::Message {
						message: request_response::Message::Response { request_id, response },
						..
					} => {
						if let Some(reply) = pending.remove(&request_id) {
							let _ = reply.send(Ok(response));
						}
					},
					request_response::Event::OutboundFailure { request_id, error, .. } => {
						if let Some(reply) = pending.remove(&request_id) {
							let _ = reply.send(Err(MeshError::Outbound(error)));
						}
					},
					_ => {},
				},
				_ => {},
			},
		}
	}
	// Closing the swarm ends every connection, hence every pipe and subscription stream; the
	// waiting mesh callers get `Stopping`, and new commands can no longer be queued.
	drop(swarm);
	drop(pending);
	drop(commands);
	engine.shutdown.cancel();
	engine.tasks.close();
	if tokio::time::timeout(SHUTDOWN_DEADLINE, engine.tasks.wait()).await.is_err() {
		tracing::warn!(
			target: LOG,
			tasks = engine.tasks.len(),
			"relay tasks still running after the shutdown deadline; leaving them"
		);
	}
	tracing::info!(target: LOG, peer_id = %engine.local, "relay stopped");
}

impl Engine {
	/// One mesh request to `peer` and its answer (an `error` answer is `Ok(Error)`).
	pub(crate) async fn mesh(
		&self,
		peer: PeerId,
		request: MeshRequest,
	) -> Result<MeshResponse, MeshError> {
		let request_id = self.next_id.fetch_add(1, Ordering::Relaxed);
		let frame = Frame::<MeshMessage>::new(request_id, request.into()).encode()?;
		let (reply, rx) = oneshot::channel();
		self.commands
			.send(SwarmCommand::Mesh { peer, frame, reply })
			.await
			.map_err(|_| MeshError::Stopping)?;
		let bytes = tokio::time::timeout(self.config.mesh_timeout + MESH_TIMEOUT_MARGIN, rx)
			.await
			.map_err(|_| MeshError::Timeout)?
			.map_err(|_| MeshError::Stopping)??;
		let frame = Frame::<MeshMessage>::decode(&bytes)?;
		match frame.message {
			MeshMessage::Response(r) if frame.request_id == request_id => Ok(r),
			MeshMessage::Response(MeshResponse::Error(e)) => Ok(MeshResponse::Error(e)),
			_ => Err(MeshError::UnexpectedAnswer),
		}
	}
}
