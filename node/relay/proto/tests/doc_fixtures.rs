//! The hex fixtures in `docs/protocol/relay.md` are the encodings of these values, byte for byte.

use ichat_relay_proto::*;

const DOC: &str =
	include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../docs/protocol/relay.md"));

/// The bytes of the fenced block that follows `<!-- fixture: name -->` in the doc.
fn fixture(name: &str) -> Vec<u8> {
	let marker = format!("<!-- fixture: {name} -->");
	let start = DOC
		.find(&marker)
		.unwrap_or_else(|| panic!("fixture {name} missing from relay.md"));
	let rest = &DOC[start + marker.len()..];
	let open = rest.find("```").expect("a fenced block follows the marker");
	let body = &rest[open + 3..];
	let body = &body[body.find('\n').expect("fence line ends") + 1..];
	let close = body.find("```").expect("the block is closed");
	let hex: String = body[..close]
		.split('\n')
		.map(|line| line.split('#').next().unwrap_or(""))
		.collect::<String>()
		.chars()
		.filter(|c| !c.is_whitespace())
		.collect();
	hex::decode(&hex).unwrap_or_else(|e| panic!("fixture {name}: bad hex: {e}"))
}

fn spaced(b: &[u8]) -> String {
	b.chunks(16)
		.map(|c| c.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" "))
		.collect::<Vec<_>>()
		.join("\n")
}

fn check_client(name: &str, frame: Frame<ClientMessage>) {
	let bytes = frame.encode().expect("in bounds");
	let doc = fixture(name);
	assert_eq!(doc, bytes, "fixture {name}; the encoding is:\n{}", spaced(&bytes));
	assert_eq!(Frame::<ClientMessage>::decode(&doc), Ok(frame));
}

fn signed_ack() -> Signed<AckBody> {
	Signed {
		auth: Auth {
			account: AccountId([0x11; 32]),
			timestamp_ms: 1_750_000_000_000,
			nonce: 42,
			signature: Signature([0x55; 64]),
		},
		body: AckBody { ids: vec![MessageId([0xaa; 32])] },
	}
}

#[test]
fn ping_request() {
	check_client(
		"ping-request",
		Frame::new(1, Request::Ping { nonce: 0x0102_0304_0506_0708 }.into()),
	);
}

#[test]
fn recipient_offline_response() {
	check_client(
		"recipient-offline-response",
		Frame::new(
			2,
			Response::Error(ErrorReply::new(ErrorCode::RecipientOffline, 0, "recipient offline"))
				.into(),
		),
	);
}

#[test]
fn send_with_an_entry_set() {
	let peers = [0xc1, 0xc2]
		.map(|b| PeerIdBytes::new(vec![0x00, 0x04, b, b, b, b]).expect("in bounds"))
		.to_vec();
	let mut envelope = vec![0x01];
	envelope.extend_from_slice(&[0x22; 32]);
	envelope.extend_from_slice(&1_750_003_600u64.to_le_bytes());
	let mut frame =
		Frame::new(4, Request::Send { routing_id: RoutingId([0x22; 32]), envelope }.into());
	frame.extensions = vec![EntrySet(peers.clone()).to_extension().expect("in bounds")];
	check_client("send-with-entry-set", frame.clone());
	let value = frame.extension(frame::extension::ENTRY_SET).expect("carried");
	assert_eq!(EntrySet::decode(value), Some(EntrySet(peers)));
}

#[test]
fn ack_request_and_its_signing_payload() {
	check_client("ack-request", Frame::new(3, Request::Ack(signed_ack()).into()));
	let payload = signed_ack().signing_payload().expect("in bounds");
	assert_eq!(fixture("ack-signing-payload"), payload, "the payload is:\n{}", spaced(&payload));
}

#[test]
fn unsupported_version_answer() {
	let input = fixture("future-version-request");
	let err = Frame::<ClientMessage>::decode(&input).expect_err("version 2 is refused");
	let answer = Frame::<ClientMessage>::error_answer(&input, &err);
	let bytes = answer.encode().expect("in bounds");
	assert_eq!(fixture("unsupported-version-answer"), bytes, "the answer is:\n{}", spaced(&bytes));
}
