//! Property tests: every value round-trips, and every accepted byte string re-encodes to itself.

mod common;

use common::*;
use ichat_relay_proto::*;
use proptest::prelude::*;

proptest! {
	#![proptest_config(ProptestConfig::with_cases(256))]

	#[test]
	fn request_round_trips(id in any::<u64>(), ext in extensions(), r in request()) {
		let f = Frame { request_id: id, extensions: ext, message: ClientMessage::Request(r) };
		let bytes = f.encode().expect("in bounds");
		prop_assert_eq!(frame_len(&bytes), Ok(Some(bytes.len())));
		let back = Frame::<ClientMessage>::decode(&bytes).expect("decodes");
		prop_assert_eq!(&back, &f);
		prop_assert_eq!(back.encode().expect("in bounds"), bytes);
	}

	#[test]
	fn response_round_trips(id in any::<u64>(), ext in extensions(), r in response()) {
		let f = Frame { request_id: id, extensions: ext, message: ClientMessage::Response(r) };
		let bytes = f.encode().expect("in bounds");
		let back = Frame::<ClientMessage>::decode(&bytes).expect("decodes");
		prop_assert_eq!(&back, &f);
		prop_assert_eq!(back.encode().expect("in bounds"), bytes);
	}

	#[test]
	fn mesh_round_trips(id in any::<u64>(), ext in extensions(), m in mesh_message()) {
		let f = Frame { request_id: id, extensions: ext, message: m };
		let bytes = f.encode().expect("in bounds");
		let back = Frame::<MeshMessage>::decode(&bytes).expect("decodes");
		prop_assert_eq!(&back, &f);
		prop_assert_eq!(back.encode().expect("in bounds"), bytes.clone());
		// The families are disjoint: a mesh frame is never a client frame.
		prop_assert!(
			matches!(
				Frame::<ClientMessage>::decode(&bytes),
				Err(DecodeError::UnknownKind { .. })
			),
			"mesh frame accepted by the client decoder"
		);
	}

	#[test]
	fn entry_sets_round_trip_inside_a_send_frame(
		peers in proptest::collection::vec(peer(), 1..=limits::MAX_LISTEN_NODES),
		r in request(),
	) {
		let set = EntrySet(peers);
		let mut f = Frame::new(3, ClientMessage::Request(r));
		f.extensions = vec![set.to_extension().expect("in bounds")];
		let back = Frame::<ClientMessage>::decode(&f.encode().expect("in bounds")).expect("decodes");
		let value = back.extension(frame::extension::ENTRY_SET).expect("kept");
		prop_assert_eq!(EntrySet::decode(value), Some(set));
	}

	/// Any bytes as an entry-set value: never a panic; what decodes re-encodes to itself.
	#[test]
	fn entry_set_values_are_total_and_canonical(value in proptest::collection::vec(any::<u8>(), 0..200)) {
		if let Some(set) = EntrySet::decode(&value) {
			prop_assert_eq!(set.to_extension().expect("in bounds").value, value);
		}
	}

	/// Arbitrary bytes behind a valid header: never a panic, and anything accepted is canonical.
	#[test]
	fn arbitrary_bodies_are_total_and_canonical(
		kind in any::<u8>(),
		ext in proptest::collection::vec(any::<u8>(), 0..24),
		body in proptest::collection::vec(any::<u8>(), 0..400),
	) {
		let mut bytes = vec![VERSION, kind];
		bytes.extend_from_slice(&9u64.to_le_bytes());
		bytes.extend_from_slice(&(ext.len() as u16).to_le_bytes());
		bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
		bytes.extend_from_slice(&ext);
		bytes.extend_from_slice(&body);
		if let Ok(f) = Frame::<ClientMessage>::decode(&bytes) {
			prop_assert_eq!(f.encode().expect("accepted frames re-encode"), bytes.clone());
		}
		if let Ok(f) = Frame::<MeshMessage>::decode(&bytes) {
			prop_assert_eq!(f.encode().expect("accepted frames re-encode"), bytes);
		}
	}

	/// Mutating one byte of a valid frame gives an error or another canonical frame.
	#[test]
	fn single_byte_changes_stay_canonical(r in request(), at in any::<prop::sample::Index>(), x in 1u8..) {
		let mut bytes = Frame::new(1, ClientMessage::Request(r)).encode().expect("in bounds");
		let i = at.index(bytes.len());
		bytes[i] ^= x;
		if let Ok(f) = Frame::<ClientMessage>::decode(&bytes) {
			prop_assert_eq!(f.encode().expect("accepted frames re-encode"), bytes);
		}
	}
}
