//! The relay's two raw-stream protocols: pipes (`/ichat/relay-pipe/1`, any number of client
//! requests on one stream, answered as each is ready; each request goes to
//! [`Engine::handle_client`]) and subscriptions (`/ichat/relay-subscribe/1`: one signed
//! `subscribe`, then a `pushed` frame for every new message of the mailbox).

use std::{
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	task::Poll,
	time::Duration,
};

use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use ichat_relay_net::{self as net, now_ms};
use ichat_relay_proto::{ClientMessage, ErrorCode, Frame, Request, Response};
use libp2p::PeerId;
use tokio::sync::{mpsc, Semaphore};

use crate::{
	auth,
	engine::{err, lock, Engine, Subscriber, LOG},
	requests::{client_frame, node_busy, RETRY_RATE_LIMITED_MS},
};

/// How long a new subscription stream may take to send its `subscribe`.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pushes queued for one subscription; a subscriber that falls further behind is dropped (it
/// reconnects and fetches).
const SUBSCRIPTION_QUEUE: usize = 256;

/// Serves every incoming subscription stream, each on its own task, until the relay stops.
pub(crate) async fn accept_subscriptions(
	engine: Arc<Engine>,
	mut streams: libp2p_stream::IncomingStreams,
) {
	while let Some((peer, stream)) = next_stream(&engine, &mut streams).await {
		let subscription = engine.clone();
		engine.spawn(async move {
			if let Err(e) = subscription.serve_subscription(stream).await {
				tracing::debug!(target: LOG, %peer, error = %e, "subscription ended");
			}
		});
	}
}

static NEXT_SUBSCRIBER: AtomicU64 = AtomicU64::new(1);

/// Most requests of one pipe handled at once; its reader waits beyond that (backpressure on
/// the client instead of `Busy`).
const PIPE_IN_FLIGHT: usize = 64;

/// Serves every incoming pipe, each on its own task, until the relay stops.
pub(crate) async fn accept_pipes(engine: Arc<Engine>, mut streams: libp2p_stream::IncomingStreams) {
	while let Some((peer, stream)) = next_stream(&engine, &mut streams).await {
		engine.spawn(engine.clone().serve_pipe(peer, stream));
	}
}

/// The next incoming stream, or `None` once the relay stops or the listener closes.
async fn next_stream(
	engine: &Engine,
	streams: &mut libp2p_stream::IncomingStreams,
) -> Option<(PeerId, libp2p::Stream)> {
	tokio::select! {
		_ = engine.shutdown.cancelled() => None,
		next = streams.next() => next,
	}
}

impl Engine {
	/// Serves a pipe: reads request frames one after another, handles each at once or, when it
	/// has to wait, on its own task (within the pipe's and the node's concurrency limits), and
	/// writes each answer as it is ready, so answers may overtake each other; the client matches
	/// them by request id. A refused header (unknown version, a length over its limit) is
	/// answered and ends the pipe, as the stream cannot be resynchronised; any other malformed
	/// frame is answered and the pipe goes on.
	async fn serve_pipe(self: Arc<Self>, peer: PeerId, stream: libp2p::Stream) {
		let (mut reader, mut writer) = stream.split();
		let (tx, mut rx) = mpsc::channel::<Vec<u8>>(PIPE_IN_FLIGHT);
		// Reader and writer run in this one task. Yamux wakes one task per stream when its
		// outgoing queue frees up, and the read side queues window updates on that same queue:
		// with the writer on a task of its own, a burst of requests left the writer waiting for
		// a wake-up that went to the reader, for ever.
		let read = async move {
			let in_flight = Arc::new(Semaphore::new(PIPE_IN_FLIGHT));
			loop {
				let bytes = match net::read_frame(&mut reader).await {
					Ok(Some(bytes)) => bytes,
					Ok(None) => break,
					Err(e) => {
						tracing::debug!(target: LOG, %peer, error = %e, "pipe read failed");
						break;
					},
				};
				let whole = ichat_relay_proto::frame_len(&bytes) == Ok(Some(bytes.len()));
				let Ok(slot) = in_flight.clone().acquire_owned().await else { break };
				match self.permits.clone().try_acquire_owned() {
					Ok(permit) => {
						let engine = self.clone();
						let mut answer =
							Box::pin(async move { engine.handle_client(&bytes).await });
						// Most requests finish at once (a `send` whose store commit this caller
						// makes, a `ping`, a lookup answered from this node's own table): answer
						// them here; only one that has to wait (for a commit made by another
						// caller, a mesh round trip) gets a task of its own.
						match futures::poll!(answer.as_mut()) {
							Poll::Ready(answer) => {
								drop((permit, slot));
								let _ = tx.send(answer).await;
							},
							Poll::Pending => {
								let tx = tx.clone();
								self.spawn(async move {
									let answer = answer.await;
									drop((permit, slot));
									let _ = tx.send(answer).await;
								});
							},
						}
					},
					Err(_) => {
						let _ = tx.send(client_frame(&bytes, Err(node_busy()))).await;
					},
				}
				if !whole {
					tracing::debug!(target: LOG, %peer, "refused frame header: pipe closed");
					break;
				}
			}
			// Answers still being worked on hold clones of the queue's sender; the writer ends
			// after the last one.
		};
		let write = async move {
			match net::write_queued(&mut writer, &mut rx).await {
				Ok(()) => {
					let _ = writer.close().await;
				},
				Err(e) => tracing::debug!(target: LOG, %peer, error = %e, "pipe write failed"),
			}
		};
		futures::future::join(read, write).await;
	}

	/// Serves one subscription stream: checks its `subscribe`, admits it within the mailbox's
	/// bound, answers `subscribed`, then pushes every new message until either side closes.
	async fn serve_subscription(self: Arc<Self>, stream: libp2p::Stream) -> std::io::Result<()> {
		let (mut reader, mut writer) = stream.split();
		let Ok(first) = tokio::time::timeout(SUBSCRIBE_TIMEOUT, net::read_frame(&mut reader)).await
		else {
			return Ok(());
		};
		let Some(bytes) = first? else { return Ok(()) };
		let (request_id, signed) = match Frame::<ClientMessage>::decode(&bytes) {
			Ok(Frame {
				request_id,
				message: ClientMessage::Request(Request::Subscribe(s)),
				..
			}) => (request_id, s),
			Ok(_) => {
				let reply =
					err(ErrorCode::Malformed, 0, "only subscribe is served on this protocol");
				return net::write_frame(&mut writer, &client_frame(&bytes, Err(reply))).await;
			},
			Err(e) => {
				let answer =
					Frame::<ClientMessage>::error_answer(&bytes, &e).encode().unwrap_or_default();
				return net::write_frame(&mut writer, &answer).await;
			},
		};
		if let Err(reply) = auth::check_signed(&signed, &self.replay, now_ms()) {
			return net::write_frame(&mut writer, &client_frame(&bytes, Err(reply))).await;
		}
		let routing = signed.auth.routing_id();
		let (tx, mut rx) = mpsc::channel(SUBSCRIPTION_QUEUE);
		let id = NEXT_SUBSCRIBER.fetch_add(1, Ordering::Relaxed);
		let admitted = {
			let mut subs = lock(&self.subscribers);
			let list = subs.entry(routing).or_default();
			list.retain(|s| !s.tx.is_closed());
			let admitted = list.len() < self.config.max_subscriptions_per_mailbox;
			if admitted {
				list.push(Subscriber { id, tx });
			}
			admitted
		};
		if !admitted {
			let reply = err(
				ErrorCode::RateLimited,
				RETRY_RATE_LIMITED_MS,
				"too many subscriptions for this mailbox",
			);
			return net::write_frame(&mut writer, &client_frame(&bytes, Err(reply))).await;
		}
		if let Some(m) = self.metrics() {
			m.subscriptions.inc();
		}
		let unread = self.store.unread(&routing);
		let result = async {
			let answer =
				Frame::<ClientMessage>::new(request_id, Response::Subscribed { unread }.into())
					.encode()
					.map_err(std::io::Error::other)?;
			net::write_frame(&mut writer, &answer).await?;
			let mut probe = [0u8; 1];
			loop {
				tokio::select! {
					delivery = rx.recv() => {
						let Some(delivery) = delivery else { return Ok(()) };
						let frame = Frame::<ClientMessage>::new(request_id, Response::Pushed(delivery).into())
							.encode()
							.map_err(std::io::Error::other)?;
						net::write_frame(&mut writer, &frame).await?;
					},
					// The client closing its side (or sending anything) ends the subscription.
					_ = reader.read(&mut probe) => return Ok(()),
				}
			}
		}
		.await;
		let mut subs = lock(&self.subscribers);
		if let Some(list) = subs.get_mut(&routing) {
			let before = list.len();
			list.retain(|s| s.id != id);
			if before != list.len() {
				if let Some(m) = self.metrics() {
					m.subscriptions.dec();
				}
			}
			if list.is_empty() {
				subs.remove(&routing);
			}
		}
		result
	}
}
