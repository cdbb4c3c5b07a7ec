//! Every strict prefix of a valid frame, and every frame with a byte appended, is rejected.

mod common;

use common::*;
use ichat_relay_proto::*;

fn check<M>(bytes: &[u8], decode: impl Fn(&[u8]) -> Result<M, DecodeError>) {
	assert!(decode(bytes).is_ok(), "the sample itself decodes");
	for len in 0..bytes.len() {
		match decode(&bytes[..len]) {
			Err(DecodeError::Truncated { .. }) => {},
			other => panic!(
				"prefix of {len}/{} bytes: expected Truncated, got {:?}",
				bytes.len(),
				other.err()
			),
		}
	}
	let mut longer = bytes.to_vec();
	longer.push(0);
	assert!(
		matches!(decode(&longer), Err(DecodeError::TrailingBytes { .. })),
		"an appended byte is rejected"
	);
}

#[test]
fn every_truncation_of_every_client_kind_is_rejected() {
	let samples = client_samples();
	assert_eq!(samples.len(), 22, "one sample per client kind (found and withdrawn: two each)");
	for f in samples {
		check(&f.encode().expect("in bounds"), Frame::<ClientMessage>::decode);
	}
}

#[test]
fn every_truncation_of_every_mesh_kind_is_rejected() {
	for f in mesh_samples() {
		check(&f.encode().expect("in bounds"), Frame::<MeshMessage>::decode);
	}
}

/// The body length is consistent but the body itself ends early: still an error, never a panic.
#[test]
fn inner_truncation_with_patched_length_is_rejected() {
	for f in client_samples() {
		let bytes = f.encode().expect("in bounds");
		let body_len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
		for cut in 1..=body_len {
			let mut b = bytes[..bytes.len() - cut].to_vec();
			b[12..16].copy_from_slice(&((body_len - cut) as u32).to_le_bytes());
			if let Ok(g) = Frame::<ClientMessage>::decode(&b) {
				// Only a shorter variable field can still parse; it must then be canonical.
				assert_eq!(g.encode().expect("re-encodes"), b);
				assert_ne!(g, f);
			}
		}
	}
}
