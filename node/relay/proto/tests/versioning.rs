//! Unknown versions, kinds and extensions, limits, and the answers a node gives to each.

mod common;

use common::*;
use ichat_relay_proto::limits::*;
use ichat_relay_proto::*;

fn ping() -> Vec<u8> {
	Frame::new(0xabcd, ClientMessage::Request(Request::Ping { nonce: 1 }))
		.encode()
		.expect("in bounds")
}

fn error_of(f: &Frame<ClientMessage>) -> &ErrorReply {
	match &f.message {
		ClientMessage::Response(Response::Error(e)) => e,
		other => panic!("not an error: {other:?}"),
	}
}

#[test]
fn unknown_version_is_answered_in_v1_with_the_request_id() {
	for v in [0u8, 2, 0x7f, 0xff] {
		let mut b = ping();
		b[0] = v;
		let err = Frame::<ClientMessage>::decode(&b).expect_err("version refused");
		assert_eq!(err, DecodeError::UnsupportedVersion { version: v });
		assert!(!err.is_protocol_breach());
		assert_eq!(frame_len(&b), Err(err.clone()));
		let answer = Frame::<ClientMessage>::error_answer(&b, &err);
		assert_eq!(answer.request_id, 0xabcd);
		let e = error_of(&answer);
		assert_eq!(e.code, ErrorCode::UnsupportedVersion);
		assert_eq!(e.arg, u64::from(VERSION));
		let bytes = answer.encode().expect("in bounds");
		assert_eq!(bytes[0], VERSION);
		assert_eq!(bytes[1], client::kind::ERROR);
	}
	// A future version may change everything after byte 10: still answered with the id.
	let mut b = vec![9u8, 0x01];
	b.extend_from_slice(&77u64.to_le_bytes());
	let err = Frame::<ClientMessage>::decode(&b).expect_err("refused");
	assert_eq!(Frame::<ClientMessage>::error_answer(&b, &err).request_id, 77);
}

#[test]
fn every_unknown_kind_is_answered_unknown_kind() {
	let known_client: Vec<u8> = client_samples().iter().map(|f| f.message.kind()).collect();
	let known_mesh: Vec<u8> = mesh_samples().iter().map(|f| f.message.kind()).collect();
	for kind in 0..=u8::MAX {
		let mut b = ping();
		b[1] = kind;
		let r = Frame::<ClientMessage>::decode(&b);
		if known_client.contains(&kind) {
			assert!(!matches!(r, Err(DecodeError::UnknownKind { .. })), "{kind:#x} is known");
			continue;
		}
		let err = r.expect_err("unknown kind refused");
		assert_eq!(err, DecodeError::UnknownKind { kind });
		assert!(!err.is_protocol_breach());
		let answer = Frame::<ClientMessage>::error_answer(&b, &err);
		assert_eq!(answer.request_id, 0xabcd);
		assert_eq!(error_of(&answer).code, ErrorCode::UnknownKind);
		assert_eq!(error_of(&answer).arg, u64::from(kind));

		let m = Frame::<MeshMessage>::decode(&b);
		if !known_mesh.contains(&kind) {
			assert_eq!(m, Err(DecodeError::UnknownKind { kind }));
		}
	}
	for k in client::kind::RESERVED_REQUESTS.chain(client::kind::RESERVED_RESPONSES) {
		assert!(!known_client.contains(&k));
	}
	for k in mesh::kind::RESERVED_PROBES.chain(mesh::kind::RESERVED_PROBE_ANSWERS) {
		assert!(!known_mesh.contains(&k));
	}
}

#[test]
fn extensions_non_critical_are_kept_critical_are_refused() {
	let mut f = Frame::new(5, ClientMessage::Request(Request::Ping { nonce: 1 }));
	f.extensions = vec![
		Extension { ty: frame::extension::POSTAGE_VOUCHER, value: vec![1, 2, 3] },
		Extension { ty: 0x4001, value: vec![] },
	];
	let b = f.encode().expect("in bounds");
	assert_eq!(Frame::<ClientMessage>::decode(&b), Ok(f.clone()));

	f.extensions.push(Extension { ty: 0x8001, value: vec![9] });
	let b = f.encode().expect("senders may send critical extensions");
	let err = Frame::<ClientMessage>::decode(&b).expect_err("refused");
	assert_eq!(err, DecodeError::UnsupportedExtension { ty: 0x8001 });
	let answer = Frame::<ClientMessage>::error_answer(&b, &err);
	assert_eq!(error_of(&answer).code, ErrorCode::UnsupportedExtension);
	assert_eq!(error_of(&answer).arg, 0x8001);

	f.extensions.swap(0, 1);
	assert!(f.encode().is_err(), "unordered extensions are not encoded");
}

#[test]
fn entry_set_is_non_critical_and_bounded() {
	assert_eq!(frame::extension::ENTRY_SET & frame::EXTENSION_CRITICAL, 0);
	let peer = PeerIdBytes::new(vec![0, 4, 1, 2, 3, 4]).expect("in bounds");
	let too_many = EntrySet(vec![peer.clone(); MAX_LISTEN_NODES + 1]);
	assert!(too_many.to_extension().is_err(), "more than 16 entries is not encoded");
	assert!(EntrySet(vec![]).to_extension().is_err(), "an empty set is not encoded");
	// A value that is not an entry set is ignored by the node (decoded as none), and the frame
	// carrying it still decodes: the extension is non-critical.
	for bad in [vec![], vec![0], vec![1], vec![1, 0], vec![1, 1, 7, 9], vec![17; 40]] {
		assert_eq!(EntrySet::decode(&bad), None, "{bad:?}");
	}
	let mut f = Frame::new(5, ClientMessage::Request(Request::Ping { nonce: 1 }));
	f.extensions = vec![Extension { ty: frame::extension::ENTRY_SET, value: vec![1, 0] }];
	let b = f.encode().expect("in bounds");
	assert_eq!(Frame::<ClientMessage>::decode(&b), Ok(f));
}

#[test]
fn unordered_extensions_on_the_wire_are_malformed() {
	let ext: Vec<u8> = [2u16, 1u16]
		.iter()
		.flat_map(|t| [t.to_le_bytes(), 0u16.to_le_bytes()].concat())
		.collect();
	let mut b = vec![VERSION, client::kind::PING];
	b.extend_from_slice(&1u64.to_le_bytes());
	b.extend_from_slice(&(ext.len() as u16).to_le_bytes());
	b.extend_from_slice(&8u32.to_le_bytes());
	b.extend_from_slice(&ext);
	b.extend_from_slice(&[0; 8]);
	let err = Frame::<ClientMessage>::decode(&b).expect_err("refused");
	assert!(err.is_protocol_breach());
	assert_eq!(err.error_code(), ErrorCode::Malformed);
}

#[test]
fn oversized_lengths_are_refused_from_the_header_alone() {
	let mut b = ping();
	b[12..16].copy_from_slice(&((MAX_BODY_LEN + 1) as u32).to_le_bytes());
	assert_eq!(frame_len(&b[..HEADER_LEN]).expect_err("refused").error_code(), ErrorCode::TooLarge);
	let err = Frame::<ClientMessage>::decode(&b).expect_err("refused");
	assert_eq!(err.error_code(), ErrorCode::TooLarge);
	assert_eq!(err.error_arg(), MAX_BODY_LEN as u64);

	let mut b = ping();
	b[10..12].copy_from_slice(&((MAX_EXTENSIONS_LEN + 1) as u16).to_le_bytes());
	assert_eq!(
		Frame::<ClientMessage>::decode(&b).expect_err("refused").error_code(),
		ErrorCode::TooLarge
	);
	assert_eq!(frame_len(&b[..5]), Ok(None));
}

#[test]
fn counts_over_their_bound_are_refused_before_reading() {
	// An ack claiming 257 ids, with no ids behind it.
	let f = &client_samples()[5];
	let mut b = f.encode().expect("in bounds");
	let at = HEADER_LEN + Auth::LEN;
	b[at..at + 2].copy_from_slice(&((MAX_ACK_IDS + 1) as u16).to_le_bytes());
	assert!(matches!(
		Frame::<ClientMessage>::decode(&b),
		Err(DecodeError::OutOfBounds { field: "ack ids", .. })
	));
	// A send whose envelope length says 4 GiB.
	let f = &client_samples()[2];
	let mut b = f.encode().expect("in bounds");
	let at = HEADER_LEN + 32;
	b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
	assert!(matches!(
		Frame::<ClientMessage>::decode(&b),
		Err(DecodeError::OutOfBounds { field: "envelope", .. })
	));
}

#[test]
fn presence_expiry_is_at_most_ten_minutes_after_the_timestamp() {
	let mut p = sample_presence();
	for (ttl, ok) in
		[(0, false), (1, true), (MAX_PRESENCE_TTL_MS, true), (MAX_PRESENCE_TTL_MS + 1, false)]
	{
		p.body.expires_at_ms = p.auth.timestamp_ms + ttl;
		let f = Frame::new(1, ClientMessage::Request(Request::Presence(p.clone())));
		assert_eq!(f.encode().is_ok(), ok, "ttl {ttl}");
	}
	// Decoders enforce it too: patch an encoded record's expiry.
	p.body.expires_at_ms = p.auth.timestamp_ms + 1;
	let mut b = Frame::new(1, ClientMessage::Request(Request::Presence(p.clone())))
		.encode()
		.expect("valid");
	let at = HEADER_LEN + Auth::LEN + 2 + p.body.binding.len();
	b[at..at + 8].copy_from_slice(&(p.auth.timestamp_ms - 1).to_le_bytes());
	assert!(matches!(Frame::<ClientMessage>::decode(&b), Err(DecodeError::InvalidValue { .. })));
}

#[test]
fn a_withdrawal_names_a_record_published_at_or_before_it() {
	let auth = sample_auth(9);
	let frame = |published_at_ms| {
		Frame::new(
			1,
			ClientMessage::Request(Request::Withdraw(Signed {
				auth,
				body: WithdrawBody { published_at_ms },
			})),
		)
	};
	assert!(frame(auth.timestamp_ms).encode().is_ok());
	assert!(frame(auth.timestamp_ms - 1).encode().is_ok());
	assert!(frame(auth.timestamp_ms + 1).encode().is_err(), "a record from the future");
	// Decoders enforce it too: patch the encoded body.
	let mut b = frame(auth.timestamp_ms).encode().expect("valid");
	let at = HEADER_LEN + Auth::LEN;
	b[at..at + 8].copy_from_slice(&(auth.timestamp_ms + 1).to_le_bytes());
	assert!(matches!(Frame::<ClientMessage>::decode(&b), Err(DecodeError::InvalidValue { .. })));
}

#[test]
fn non_canonical_booleans_and_utf8_are_malformed() {
	let f = Frame::new(
		1,
		ClientMessage::Response(Response::Fetched { messages: vec![], next_cursor: 0, more: true }),
	);
	let mut b = f.encode().expect("in bounds");
	*b.last_mut().expect("non-empty") = 2;
	assert!(matches!(
		Frame::<ClientMessage>::decode(&b),
		Err(DecodeError::InvalidValue { field: "more", .. })
	));

	let f = Frame::new(
		1,
		ClientMessage::Response(Response::Error(ErrorReply::new(ErrorCode::Busy, 0, "ab"))),
	);
	let mut b = f.encode().expect("in bounds");
	*b.last_mut().expect("non-empty") = 0xff;
	assert!(matches!(
		Frame::<ClientMessage>::decode(&b),
		Err(DecodeError::InvalidValue { field: "error detail", .. })
	));
}

#[test]
fn error_codes_round_trip_and_unknown_codes_survive() {
	for v in 0..=u16::MAX {
		assert_eq!(ErrorCode::from_u16(v).to_u16(), v);
	}
	assert_eq!(ErrorCode::from_u16(0x0020), ErrorCode::RecipientOffline);
	assert_eq!(ErrorCode::from_u16(0x0999), ErrorCode::Other(0x0999));
	let f = Frame::new(
		1,
		ClientMessage::Response(Response::Error(ErrorReply::new(ErrorCode::Other(0x0001), 0, ""))),
	);
	assert!(f.encode().is_err(), "Other never holds a known code");
	let long = "é".repeat(200);
	let e = ErrorReply::new(ErrorCode::Internal, 0, &long);
	assert!(e.detail.len() <= MAX_ERROR_DETAIL_LEN && long.starts_with(&e.detail));
}

#[test]
fn fetched_answers_over_the_body_limit_are_not_encoded() {
	let d = Delivery { accepted_at_ms: 0, envelope: vec![0; MAX_ENVELOPE_LEN] };
	let n = MAX_BODY_LEN / d.encoded_len() + 1;
	let f = Frame::new(
		1,
		ClientMessage::Response(Response::Fetched {
			messages: vec![d; n],
			next_cursor: 0,
			more: false,
		}),
	);
	assert!(matches!(f.encode(), Err(EncodeError::OutOfBounds { field: "body length", .. })));
}

#[test]
fn signing_payload_binds_kind_account_time_nonce_and_fields() {
	let p = sample_presence();
	let payload = p.signing_payload().expect("in bounds");
	assert!(payload.starts_with(SIGNING_DOMAIN));
	assert_eq!(payload[SIGNING_DOMAIN.len()], client::kind::PRESENCE);
	// The fields are the wire bytes after the auth block.
	let wire = Frame::new(1, ClientMessage::Request(Request::Presence(p.clone())))
		.encode()
		.expect("in bounds");
	let fields = &wire[HEADER_LEN + Auth::LEN..];
	assert!(payload.ends_with(fields));
	assert_eq!(payload.len(), SIGNING_DOMAIN.len() + 1 + 32 + 8 + 8 + fields.len());

	let mut q = p.clone();
	q.auth.nonce += 1;
	assert_ne!(q.signing_payload(), p.signing_payload());
	let mut q = p.clone();
	q.auth.timestamp_ms += 1;
	q.body.expires_at_ms += 1;
	assert_ne!(q.signing_payload(), p.signing_payload());
	// The signature is not part of what is signed.
	let mut q = p.clone();
	q.auth.signature.0[0] ^= 1;
	assert_eq!(q.signing_payload(), p.signing_payload());
	// Same account, time and nonce but another kind: another payload.
	let sub = signing_payload(&p.auth.account, p.auth.timestamp_ms, p.auth.nonce, &SubscribeBody)
		.expect("in bounds");
	assert_ne!(sub[SIGNING_DOMAIN.len()], payload[SIGNING_DOMAIN.len()]);
}

#[test]
fn freshness_window_is_sixty_seconds_either_side() {
	let now = 1_000_000;
	assert_eq!(check_freshness(now, now), Ok(()));
	assert_eq!(check_freshness(now, now + 60_000), Ok(()));
	assert_eq!(check_freshness(now, now - 60_000), Ok(()));
	assert_eq!(check_freshness(now, now + 60_001), Err(ErrorCode::StaleTimestamp));
	assert_eq!(check_freshness(now, now - 60_001), Err(ErrorCode::StaleTimestamp));
	assert_eq!(check_freshness(0, u64::MAX), Err(ErrorCode::StaleTimestamp));
}

#[test]
fn ids_match_their_definitions() {
	// Cross-checked with Python: hashlib.blake2b(b"ichat/routing-id/v1" + bytes(32), digest_size=32)
	let rid = RoutingId::for_account(&AccountId([0; 32]));
	assert_eq!(hex::encode(rid.0), include_str!("vectors/routing_id_zero.hex").trim());
	let mid = MessageId::of(b"");
	assert_eq!(hex::encode(mid.0), include_str!("vectors/message_id_empty.hex").trim());
}
