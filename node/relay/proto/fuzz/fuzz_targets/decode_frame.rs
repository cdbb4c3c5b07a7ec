//! Fuzz the relay frame decoders of both families: never a panic, `frame_len` agrees with the
//! decoder, and every accepted frame re-encodes to exactly the input (canonical encoding). The
//! extension values the engine reads (the entry set) are decoded too.
#![no_main]

use ichat_relay_proto::{frame, frame_len, ClientMessage, EntrySet, Frame, MeshMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let client = Frame::<ClientMessage>::decode(data);
    let mesh = Frame::<MeshMessage>::decode(data);
    if let Ok(f) = &client {
        assert_eq!(f.encode().expect("accepted frames re-encode"), data);
        assert_eq!(frame_len(data), Ok(Some(data.len())));
        assert!(mesh.is_err(), "families are disjoint");
        if let Some(value) = f.extension(frame::extension::ENTRY_SET) {
            if let Some(set) = EntrySet::decode(value) {
                assert_eq!(set.to_extension().expect("decoded sets re-encode").value, value);
            }
        }
    }
    if let Ok(f) = &mesh {
        assert_eq!(f.encode().expect("accepted frames re-encode"), data);
        assert_eq!(frame_len(data), Ok(Some(data.len())));
    }
    if let Err(e) = &client {
        // The error answer always encodes.
        let answer = Frame::<ClientMessage>::error_answer(data, e);
        assert!(answer.encode().is_ok());
    }
    if let Err(e) = &mesh {
        assert!(Frame::<MeshMessage>::error_answer(data, e).encode().is_ok());
    }
});
