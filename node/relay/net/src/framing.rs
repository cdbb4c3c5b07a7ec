//! Frame I/O on libp2p streams and the `request-response` codec that carries whole frames.
//!
//! Framing is the 16-byte header of `ichat-relay-proto` ([`frame_len`] reads its length);
//! nothing here decodes a message, so a malformed one still reaches its handler and gets an
//! error answer.

use std::{io, time::Duration};

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ichat_relay_proto::{frame_len, HEADER_LEN};
use libp2p::StreamProtocol;

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
}
