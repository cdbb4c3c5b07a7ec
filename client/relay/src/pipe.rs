//! Pipelined client requests: one long-lived `/ichat/relay-pipe/1` stream per node carries any
//! number of request frames one way and their answers the other, matched by request id
//! (`docs/protocol/relay.md`, section 1).
//!
//! A request on `request-response` costs a new Yamux stream, a protocol negotiation and several
//! timers on each side; on a pipe it costs one frame write. A node that does not speak the pipe
//! protocol is remembered for a minute and served over `request-response` meanwhile.

use std::{
	collections::HashMap,
	future::Future,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	time::{Duration, Instant},
};

use futures::AsyncReadExt;
use ichat_relay_proto::HeaderPrefix;
use libp2p::PeerId;
use tokio::sync::{mpsc, oneshot};

use crate::{client::ClientError, net};

/// Frames queued for one pipe's writer before callers wait.
const QUEUE: usize = 256;
/// How long a node that refused the pipe protocol is served over `request-response`.
const UNSUPPORTED_FOR: Duration = Duration::from_secs(60);

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Vec<u8>>>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One open pipe: its writer queue, the callers waiting for answers, and whether an answer
/// ever came back on it.
#[derive(Clone)]
struct Pipe {
	tx: mpsc::Sender<Vec<u8>>,
	pending: Pending,
	answered: Arc<AtomicBool>,
}

enum Slot {
	Empty,
	Open(Pipe),
	Unsupported(Instant),
}

/// Why a call did not go over a pipe.
pub(crate) enum PipeError {
	/// The node does not speak the pipe protocol, or dropped the pipe before answering anything
	/// on it (a node takes a burst of new streams only as fast as it polls for them), so it
	/// never saw the request: send `frame` another way.
	Unsupported(Vec<u8>),
	/// The call failed.
	Failed(ClientError),
}

/// The pipes of one client, opened on first use and reopened after a failure.
pub(crate) struct Pipes {
	control: libp2p_stream::Control,
	slots: Mutex<HashMap<PeerId, Arc<tokio::sync::Mutex<Slot>>>>,
}

impl Pipes {
	pub(crate) fn new(control: libp2p_stream::Control) -> Pipes {
		Pipes { control, slots: Mutex::new(HashMap::new()) }
	}

	/// Sends `frame` (whose request id is `request_id`) to `peer` and waits up to `timeout` for
	/// its answer. `connect` establishes the connection, awaited only when a pipe is opened.
	pub(crate) async fn call(
		&self,
		peer: PeerId,
		request_id: u64,
		frame: Vec<u8>,
		timeout: Duration,
		connect: impl Future<Output = Result<(), ClientError>>,
	) -> Result<Vec<u8>, PipeError> {
		let pipe = match self.pipe(peer, timeout, connect).await {
			Ok(Some(pipe)) => pipe,
			Ok(None) => return Err(PipeError::Unsupported(frame)),
			Err(e) => return Err(PipeError::Failed(e)),
		};
		// Kept until the answer: resent another way if the pipe turns out never to have been
		// served.
		let copy = frame.clone();
		let closed = |frame: Vec<u8>| {
			if pipe.answered.load(Ordering::Relaxed) {
				PipeError::Failed(ClientError::Unreachable {
					peer,
					reason: "connection closed".into(),
				})
			} else {
				tracing::debug!(%peer, "pipe closed before any answer; using request-response");
				PipeError::Unsupported(frame)
			}
		};
		let (reply, rx) = oneshot::channel();
		lock(&pipe.pending).insert(request_id, reply);
		if pipe.tx.send(frame).await.is_err() {
			lock(&pipe.pending).remove(&request_id);
			return Err(closed(copy));
		}
		match tokio::time::timeout(timeout, rx).await {
			Ok(Ok(answer)) => Ok(answer),
			Ok(Err(_)) => Err(closed(copy)),
			Err(_) => {
				lock(&pipe.pending).remove(&request_id);
				Err(PipeError::Failed(ClientError::Timeout { peer }))
			},
		}
	}

	/// The open pipe to `peer`, opening one if needed; `None` if the node does not speak the
	/// protocol.
	async fn pipe(
		&self,
		peer: PeerId,
		timeout: Duration,
		connect: impl Future<Output = Result<(), ClientError>>,
	) -> Result<Option<Pipe>, ClientError> {
		let slot = lock(&self.slots)
			.entry(peer)
			.or_insert_with(|| Arc::new(tokio::sync::Mutex::new(Slot::Empty)))
			.clone();
		// One opener per node: concurrent callers wait for it and share the pipe.
		let mut slot = slot.lock().await;
		match &*slot {
			Slot::Open(pipe) if !pipe.tx.is_closed() => return Ok(Some(pipe.clone())),
			Slot::Unsupported(since) if since.elapsed() < UNSUPPORTED_FOR => return Ok(None),
			_ => {},
		}
		// libp2p-stream dials an unconnected peer itself, but one dial request at a time: a
		// burst of new peers would wait. Connect first.
		connect.await?;
		let mut control = self.control.clone();
		match tokio::time::timeout(timeout, control.open_stream(peer, net::PIPE_PROTOCOL)).await {
			Err(_) => Err(ClientError::Timeout { peer }),
			Ok(Err(libp2p_stream::OpenStreamError::UnsupportedProtocol(_))) => {
				tracing::debug!(%peer, "node does not speak the pipe protocol; using request-response");
				*slot = Slot::Unsupported(Instant::now());
				Ok(None)
			},
			Ok(Err(e)) => Err(ClientError::Unreachable { peer, reason: e.to_string() }),
			Ok(Ok(stream)) => {
				let (tx, rx) = mpsc::channel(QUEUE);
				let pipe = Pipe {
					tx,
					pending: Pending::default(),
					answered: Arc::new(AtomicBool::new(false)),
				};
				tokio::spawn(run(peer, stream, rx, pipe.clone()));
				*slot = Slot::Open(pipe.clone());
				Ok(Some(pipe))
			},
		}
	}
}

/// Writes queued frames (a burst with one flush) and hands each answer to its caller, until the
/// stream fails or every handle is gone. Callers still waiting then see the pipe closed.
///
/// Reader and writer share this one task on purpose: Yamux wakes a single task when a stream's
/// outgoing queue frees up, and the read side also queues on it (window updates).
async fn run(peer: PeerId, stream: libp2p::Stream, mut rx: mpsc::Receiver<Vec<u8>>, pipe: Pipe) {
	// The queue's sender stays with the callers only, so the writer ends when they are all gone.
	let Pipe { tx, pending, answered } = pipe;
	drop(tx);
	let (mut reader, mut writer) = stream.split();
	let read = async {
		loop {
			match net::read_frame(&mut reader).await {
				Ok(Some(answer)) => {
					answered.store(true, Ordering::Relaxed);
					let id = HeaderPrefix::peek(&answer).map_or(0, |h| h.request_id);
					if let Some(reply) = lock(&pending).remove(&id) {
						let _ = reply.send(answer);
					}
				},
				Ok(None) => break,
				Err(e) => {
					tracing::debug!(%peer, error = %e, "pipe read failed");
					break;
				},
			}
		}
	};
	let write = async {
		if let Err(e) = net::write_queued(&mut writer, &mut rx).await {
			tracing::debug!(%peer, error = %e, "pipe write failed");
		}
	};
	tokio::select! {
		_ = read => {},
		_ = write => {},
	}
	rx.close();
	lock(&pending).clear();
}
