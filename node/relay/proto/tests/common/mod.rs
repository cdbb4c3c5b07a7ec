//! Shared samples and proptest strategies.
#![allow(dead_code, unreachable_pub)]

use ichat_relay_proto::limits::*;
use ichat_relay_proto::*;
use proptest::collection::vec;
use proptest::prelude::*;

pub fn account() -> impl Strategy<Value = AccountId> {
	any::<[u8; 32]>().prop_map(AccountId)
}

pub fn signature() -> impl Strategy<Value = Signature> {
	vec(any::<u8>(), 64).prop_map(|v| {
		let mut s = [0u8; 64];
		s.copy_from_slice(&v);
		Signature(s)
	})
}

pub fn auth() -> impl Strategy<Value = Auth> {
	(account(), 0u64..u64::MAX / 2, any::<u64>(), signature()).prop_map(
		|(account, timestamp_ms, nonce, signature)| Auth {
			account,
			timestamp_ms,
			nonce,
			signature,
		},
	)
}

pub fn peer() -> impl Strategy<Value = PeerIdBytes> {
	vec(any::<u8>(), 1..=MAX_PEER_ID_LEN).prop_map(|b| PeerIdBytes::new(b).expect("in bounds"))
}

pub fn addr() -> impl Strategy<Value = MultiaddrBytes> {
	vec(any::<u8>(), 1..=40).prop_map(|b| MultiaddrBytes::new(b).expect("in bounds"))
}

pub fn node_addr() -> impl Strategy<Value = NodeAddr> {
	(peer(), vec(addr(), 0..=MAX_ADDRS_PER_NODE))
		.prop_map(|(peer_id, addrs)| NodeAddr { peer_id, addrs })
}

pub fn envelope() -> impl Strategy<Value = Vec<u8>> {
	prop_oneof![vec(any::<u8>(), MIN_ENVELOPE_LEN..=2048), Just(vec![0xee; MAX_ENVELOPE_LEN]),]
}

pub fn delivery() -> impl Strategy<Value = Delivery> {
	(any::<u64>(), vec(any::<u8>(), MIN_ENVELOPE_LEN..=512))
		.prop_map(|(accepted_at_ms, envelope)| Delivery { accepted_at_ms, envelope })
}

pub fn presence() -> impl Strategy<Value = Signed<PresenceBody>> {
	(
		auth(),
		vec(any::<u8>(), 1..=MAX_BINDING_LEN),
		1..=MAX_PRESENCE_TTL_MS,
		vec(node_addr(), 1..=MAX_LISTEN_NODES),
	)
		.prop_map(|(auth, binding, ttl, listen)| Signed {
			body: PresenceBody { binding, expires_at_ms: auth.timestamp_ms + ttl, listen },
			auth,
		})
}

pub fn ack() -> impl Strategy<Value = Signed<AckBody>> {
	(auth(), vec(any::<[u8; 32]>(), 1..=MAX_ACK_IDS)).prop_map(|(auth, ids)| Signed {
		auth,
		body: AckBody { ids: ids.into_iter().map(MessageId).collect() },
	})
}

pub fn error_reply() -> impl Strategy<Value = ErrorReply> {
	(any::<u16>(), any::<u64>(), "[a-zA-Z0-9 é€]{0,60}")
		.prop_map(|(c, arg, d)| ErrorReply::new(ErrorCode::from_u16(c), arg, &d))
}

pub fn request() -> impl Strategy<Value = Request> {
	prop_oneof![
		any::<u16>().prop_map(|limit| Request::Nodes { limit }),
		presence().prop_map(Request::Presence),
		(any::<[u8; 32]>(), envelope())
			.prop_map(|(r, envelope)| Request::Send { routing_id: RoutingId(r), envelope }),
		auth().prop_map(|auth| Request::Subscribe(Signed { auth, body: SubscribeBody })),
		(auth(), any::<u64>(), 1..=MAX_FETCH_MESSAGES as u16).prop_map(|(auth, cursor, limit)| {
			Request::Fetch(Signed { auth, body: FetchBody { cursor, limit } })
		}),
		ack().prop_map(Request::Ack),
		any::<u64>().prop_map(|nonce| Request::Ping { nonce }),
		any::<[u8; 32]>().prop_map(|r| Request::Lookup { routing_id: RoutingId(r) }),
		withdraw().prop_map(Request::Withdraw),
	]
}

pub fn withdraw() -> impl Strategy<Value = Signed<WithdrawBody>> {
	(auth(), any::<u64>()).prop_map(|(auth, back)| Signed {
		body: WithdrawBody { published_at_ms: auth.timestamp_ms.saturating_sub(back % 600_000) },
		auth,
	})
}

pub fn response() -> impl Strategy<Value = Response> {
	let node_info = (node_addr(), any::<u64>(), any::<u32>()).prop_map(|(node, u, r)| NodeInfo {
		node,
		uptime_secs: u,
		rtt_us: r,
	});
	prop_oneof![
		vec(node_info, 0..=20).prop_map(|nodes| Response::NodeList { nodes }),
		(any::<[u8; 32]>(), vec(peer(), 1..=MAX_HOME_SWARM))
			.prop_map(|(m, stored_on)| { Response::Sent { message_id: MessageId(m), stored_on } }),
		vec(peer(), 1..=MAX_HOME_SWARM)
			.prop_map(|stored_on| Response::PresenceStored { stored_on }),
		any::<u32>().prop_map(|unread| Response::Subscribed { unread }),
		delivery().prop_map(Response::Pushed),
		(vec(delivery(), 0..=8), any::<u64>(), any::<bool>()).prop_map(
			|(messages, next_cursor, more)| Response::Fetched { messages, next_cursor, more }
		),
		any::<u16>().prop_map(|deleted| Response::Acked { deleted }),
		(any::<u64>(), any::<u64>())
			.prop_map(|(nonce, node_time_ms)| Response::Pong { nonce, node_time_ms }),
		proptest::option::of(presence()).prop_map(Response::Found),
		vec(peer(), 0..=MAX_HOME_SWARM).prop_map(|removed_on| Response::Withdrawn { removed_on }),
		error_reply().prop_map(Response::Error),
	]
}

pub fn mesh_message() -> impl Strategy<Value = MeshMessage> {
	prop_oneof![
		(any::<[u8; 32]>(), any::<u64>(), envelope()).prop_map(|(r, a, envelope)| {
			MeshRequest::Forward { routing_id: RoutingId(r), accepted_at_ms: a, envelope }.into()
		}),
		ack().prop_map(|a| MeshRequest::ReplicateAck(a).into()),
		presence().prop_map(|p| MeshRequest::StorePresence(p).into()),
		any::<[u8; 32]>()
			.prop_map(|r| MeshRequest::LookupPresence { routing_id: RoutingId(r) }.into()),
		any::<u64>().prop_map(|nonce| MeshRequest::Ping { nonce }.into()),
		(any::<[u8; 32]>(), any::<bool>()).prop_map(|(m, duplicate)| MeshResponse::Stored {
			message_id: MessageId(m),
			duplicate
		}
		.into()),
		any::<u16>().prop_map(|deleted| MeshResponse::AckReplicated { deleted }.into()),
		Just(MeshResponse::PresenceKept.into()),
		proptest::option::of(presence()).prop_map(|p| MeshResponse::PresenceFound(p).into()),
		any::<u64>().prop_map(|nonce| MeshResponse::Pong { nonce }.into()),
		withdraw().prop_map(|w| MeshRequest::WithdrawPresence(w).into()),
		any::<bool>().prop_map(|removed| MeshResponse::PresenceWithdrawn { removed }.into()),
		error_reply().prop_map(|e| MeshResponse::Error(e).into()),
	]
}

/// Non-critical extensions with strictly increasing types.
pub fn extensions() -> impl Strategy<Value = Vec<Extension>> {
	proptest::collection::btree_map(0u16..0x8000, vec(any::<u8>(), 0..40), 0..4)
		.prop_map(|m| m.into_iter().map(|(ty, value)| Extension { ty, value }).collect())
}

pub fn sample_auth(kind_seed: u8) -> Auth {
	Auth {
		account: AccountId([kind_seed; 32]),
		timestamp_ms: 1_750_000_000_000,
		nonce: 0x0102_0304_0506_0708,
		signature: Signature([0x55; 64]),
	}
}

pub fn sample_peer(i: u8) -> PeerIdBytes {
	let mut b = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	b.resize(38, i);
	PeerIdBytes::new(b).expect("38 bytes")
}

pub fn sample_presence() -> Signed<PresenceBody> {
	let auth = sample_auth(0xa1);
	Signed {
		body: PresenceBody {
			binding: vec![0xbb; 132],
			expires_at_ms: auth.timestamp_ms + 300_000,
			listen: vec![NodeAddr {
				peer_id: sample_peer(1),
				addrs: vec![MultiaddrBytes::new(vec![0x04, 127, 0, 0, 1, 0x06, 0x75, 0x30])
					.expect("8 bytes")],
			}],
		},
		auth,
	}
}

/// One valid sample of every client kind.
pub fn client_samples() -> Vec<Frame<ClientMessage>> {
	let env = vec![0x01; 300];
	let d = Delivery { accepted_at_ms: 5, envelope: env.clone() };
	let msgs: Vec<ClientMessage> = vec![
		Request::Nodes { limit: 16 }.into(),
		Request::Presence(sample_presence()).into(),
		Request::Send { routing_id: RoutingId([3; 32]), envelope: env.clone() }.into(),
		Request::Subscribe(Signed { auth: sample_auth(4), body: SubscribeBody }).into(),
		Request::Fetch(Signed { auth: sample_auth(5), body: FetchBody { cursor: 0, limit: 10 } })
			.into(),
		Request::Ack(Signed {
			auth: sample_auth(6),
			body: AckBody { ids: vec![MessageId([6; 32]), MessageId([7; 32])] },
		})
		.into(),
		Request::Ping { nonce: 7 }.into(),
		Request::Lookup { routing_id: RoutingId([8; 32]) }.into(),
		Request::Withdraw(Signed {
			auth: sample_auth(9),
			body: WithdrawBody { published_at_ms: sample_auth(9).timestamp_ms - 150_000 },
		})
		.into(),
		Response::NodeList {
			nodes: vec![NodeInfo {
				node: sample_presence().body.listen[0].clone(),
				uptime_secs: 3600,
				rtt_us: 850,
			}],
		}
		.into(),
		Response::Sent {
			message_id: MessageId::of(&env),
			stored_on: vec![sample_peer(1), sample_peer(2)],
		}
		.into(),
		Response::PresenceStored { stored_on: (1..=5).map(sample_peer).collect() }.into(),
		Response::Subscribed { unread: 2 }.into(),
		Response::Pushed(d.clone()).into(),
		Response::Fetched { messages: vec![d.clone(), d], next_cursor: 9, more: true }.into(),
		Response::Acked { deleted: 2 }.into(),
		Response::Pong { nonce: 7, node_time_ms: 1 }.into(),
		Response::Found(Some(sample_presence())).into(),
		Response::Found(None).into(),
		Response::Withdrawn { removed_on: (1..=5).map(sample_peer).collect() }.into(),
		Response::Withdrawn { removed_on: Vec::new() }.into(),
		Response::Error(ErrorReply::new(ErrorCode::MailboxFull, 1000, "mailbox full")).into(),
	];
	msgs.into_iter().enumerate().map(|(i, m)| Frame::new(i as u64 + 1, m)).collect()
}

/// One valid sample of every mesh kind.
pub fn mesh_samples() -> Vec<Frame<MeshMessage>> {
	let msgs: Vec<MeshMessage> = vec![
		MeshRequest::Forward {
			routing_id: RoutingId([1; 32]),
			accepted_at_ms: 2,
			envelope: vec![0x01; 300],
		}
		.into(),
		MeshRequest::ReplicateAck(Signed {
			auth: sample_auth(6),
			body: AckBody { ids: vec![MessageId([6; 32])] },
		})
		.into(),
		MeshRequest::StorePresence(sample_presence()).into(),
		MeshRequest::LookupPresence { routing_id: RoutingId([9; 32]) }.into(),
		MeshRequest::Ping { nonce: 3 }.into(),
		MeshResponse::Stored { message_id: MessageId([1; 32]), duplicate: true }.into(),
		MeshResponse::AckReplicated { deleted: 1 }.into(),
		MeshResponse::PresenceKept.into(),
		MeshResponse::PresenceFound(Some(sample_presence())).into(),
		MeshResponse::PresenceFound(None).into(),
		MeshResponse::Pong { nonce: 3 }.into(),
		MeshRequest::WithdrawPresence(Signed {
			auth: sample_auth(9),
			body: WithdrawBody { published_at_ms: sample_auth(9).timestamp_ms },
		})
		.into(),
		MeshResponse::PresenceWithdrawn { removed: true }.into(),
		MeshResponse::Error(ErrorReply::new(ErrorCode::Unauthorized, 0, "not in registry")).into(),
	];
	msgs.into_iter()
		.enumerate()
		.map(|(i, m)| Frame::new(i as u64 + 100, m))
		.collect()
}
