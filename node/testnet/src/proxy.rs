//! A TCP proxy that stands between a node's relay and the world, for fault tests: kernel
//! `netem` is not available on the test machines, so latency and outages are made here, in
//! user space.
//!
//! Register the proxy's address as the node's relay address (`ServiceNodes.update_endpoint`)
//! and everyone, clients and other relays alike, reaches the node through it. The node itself
//! is unchanged: it has no flag for faults.
//!
//! Each direction of each connection is a bounded pipe: a reader task timestamps what it
//! reads and a writer task holds every chunk until its due time, so the added delay is the
//! same for every byte and the order is kept. Taken down ([`FaultProxy::set_down`]), the
//! proxy cuts every open connection and closes new ones at once, as a node that went away
//! would. All tasks belong to the proxy and stop with it.

use anyhow::{Context, Result};
use std::{net::SocketAddr, time::Duration};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::{TcpListener, TcpStream},
	sync::{mpsc, watch},
	task::JoinSet,
	time::Instant,
};

/// Chunks in flight per direction of a connection: at 16 KiB each, at most 1 MiB held.
const PIPE_CHUNKS: usize = 64;
const CHUNK: usize = 16 * 1024;

/// A TCP proxy in front of one upstream address that adds latency and can be taken down.
pub struct FaultProxy {
	addr: SocketAddr,
	down: watch::Sender<bool>,
	task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
	/// Listens on a free port of 127.0.0.1 and forwards every connection to `upstream`, each
	/// way delayed by `delay` (so a round trip takes `2 × delay` more).
	pub async fn start(upstream: SocketAddr, delay: Duration) -> Result<Self> {
		let listener = TcpListener::bind("127.0.0.1:0").await.context("the proxy's port")?;
		let addr = listener.local_addr()?;
		let (down, _) = watch::channel(false);
		let task = tokio::spawn(accept(listener, upstream, delay, down.clone()));
		Ok(FaultProxy { addr, down, task })
	}

	/// Where the proxy listens.
	pub fn addr(&self) -> SocketAddr {
		self.addr
	}

	/// Takes the proxy down (every connection is cut, new ones are closed at once) or up.
	pub fn set_down(&self, down: bool) {
		self.down.send_replace(down);
	}
}

impl Drop for FaultProxy {
	fn drop(&mut self) {
		// The accept task owns every connection's tasks (a JoinSet): aborting it stops them all.
		self.task.abort();
	}
}

async fn accept(
	listener: TcpListener,
	upstream: SocketAddr,
	delay: Duration,
	down: watch::Sender<bool>,
) {
	let mut connections = JoinSet::new();
	loop {
		tokio::select! {
			accepted = listener.accept() => {
				let Ok((inbound, _)) = accepted else { continue };
				if *down.borrow() {
					continue; // dropped: closed at once
				}
				connections.spawn(forward(inbound, upstream, delay, down.subscribe()));
			},
			Some(_) = connections.join_next(), if !connections.is_empty() => {},
		}
	}
}

/// Forwards one connection both ways until either side closes or the proxy goes down.
async fn forward(
	inbound: TcpStream,
	upstream: SocketAddr,
	delay: Duration,
	mut down: watch::Receiver<bool>,
) {
	let Ok(outbound) = TcpStream::connect(upstream).await else { return };
	let _ = (inbound.set_nodelay(true), outbound.set_nodelay(true));
	let (in_read, in_write) = inbound.into_split();
	let (out_read, out_write) = outbound.into_split();
	let mut pipes = JoinSet::new();
	pipes.spawn(pipe(in_read, out_write, delay));
	pipes.spawn(pipe(out_read, in_write, delay));
	// One direction closed: the connection is over (the other side sees it close). Going
	// down drops both pipes, which closes both sockets.
	tokio::select! {
		_ = pipes.join_next() => {},
		_ = down.wait_for(|down| *down) => {},
	}
}

/// Copies `from` to `to`, each chunk held until `delay` after it was read.
async fn pipe(
	mut from: tokio::net::tcp::OwnedReadHalf,
	mut to: tokio::net::tcp::OwnedWriteHalf,
	delay: Duration,
) {
	let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(PIPE_CHUNKS);
	let writer = async move {
		while let Some((due, chunk)) = rx.recv().await {
			tokio::time::sleep_until(due).await;
			if to.write_all(&chunk).await.is_err() {
				return;
			}
		}
		let _ = to.shutdown().await;
	};
	let reader = async move {
		let mut buf = vec![0u8; CHUNK];
		loop {
			let n = match from.read(&mut buf).await {
				Ok(0) | Err(_) => return,
				Ok(n) => n,
			};
			let due = Instant::now() + delay;
			if tx.send((due, buf[..n].to_vec())).await.is_err() {
				return;
			}
		}
	};
	// The writer drains what was read before the reader's end closed the channel.
	tokio::join!(reader, writer);
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Echoes what one connection sends until it closes.
	async fn echo_once(listener: TcpListener) -> Result<()> {
		let (mut s, _) = listener.accept().await?;
		let mut buf = vec![0u8; 4096];
		loop {
			let n = s.read(&mut buf).await?;
			if n == 0 {
				return Ok(());
			}
			s.write_all(&buf[..n]).await?;
		}
	}

	#[tokio::test]
	async fn adds_the_delay_each_way_keeps_every_byte_and_goes_down_and_up() -> Result<()> {
		let echo = TcpListener::bind("127.0.0.1:0").await?;
		let upstream = echo.local_addr()?;
		let server = tokio::spawn(echo_once(echo));
		let proxy = FaultProxy::start(upstream, Duration::from_millis(100)).await?;
		let mut c = TcpStream::connect(proxy.addr()).await?;
		let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
		let started = Instant::now();
		c.write_all(&data).await?;
		let mut back = vec![0u8; data.len()];
		c.read_exact(&mut back).await?;
		assert!(started.elapsed() >= Duration::from_millis(200), "{:?}", started.elapsed());
		assert_eq!(back, data, "every byte back, in order");

		// Down: the open connection is cut and a new one is closed at once; up: served again.
		proxy.set_down(true);
		assert_eq!(c.read(&mut back).await.unwrap_or(0), 0, "cut");
		let mut again = TcpStream::connect(proxy.addr()).await?;
		assert_eq!(again.read(&mut back).await.unwrap_or(0), 0, "closed at once");
		server.await??;
		proxy.set_down(false);
		let server = tokio::spawn(echo_once(TcpListener::bind(upstream).await?));
		let mut c = TcpStream::connect(proxy.addr()).await?;
		c.write_all(b"ping").await?;
		let mut four = [0u8; 4];
		c.read_exact(&mut four).await?;
		assert_eq!(&four, b"ping");
		drop(c);
		server.await??;
		Ok(())
	}
}
