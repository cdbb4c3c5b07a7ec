//! The libp2p protocol ids of the relay (`docs/protocol/relay.md`, section 1).
//!
//! | protocol | carried by | use |
//! |---|---|---|
//! | [`CLIENT_PROTOCOL`] `/ichat/relay/1` | `request-response` ([`FrameCodec`](crate::FrameCodec)) | one client request, one answer |
//! | [`PIPE_PROTOCOL`] `/ichat/relay-pipe/1` | a raw stream ([`read_frame`](crate::read_frame), [`write_frame`](crate::write_frame)) | any number of client requests and their answers, matched by request id |
//! | [`MESH_PROTOCOL`] `/ichat/relay-mesh/1` | `request-response` ([`FrameCodec`](crate::FrameCodec)) | one node-to-node request, one answer |
//! | [`SUBSCRIBE_PROTOCOL`] `/ichat/relay-subscribe/1` | a raw stream | one `subscribe`, its `subscribed` answer, then one `pushed` frame per new message |

use libp2p::StreamProtocol;

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
