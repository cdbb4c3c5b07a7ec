//! The textual multiaddr and peer id checks, against the grammar and against rust-libp2p.

use crate::{
	mock::peer,
	multiaddr::{validate, MultiaddrError as E},
	peer_id,
};

#[test]
fn dialable_addresses_are_accepted() {
	let own = peer(1);
	let with_id = format!("/ip4/192.168.1.20/tcp/30433/p2p/{}", peer_id::to_base58(&own));
	for ok in [
		"/ip4/1.2.3.4/tcp/30433",
		"/ip4/255.255.255.255/tcp/65535",
		"/ip6/::1/tcp/1",
		"/ip6/2001:db8::8a2e:370:7334/udp/443/quic-v1",
		"/dns/example.org/tcp/443/wss",
		"/dns4/relay-1.example.org/tcp/80/ws",
		"/dns6/a/tcp/1",
		&with_id,
	] {
		assert_eq!(validate(ok.as_bytes(), &own), Ok(()), "{ok}");
	}
}

#[test]
fn every_malformed_address_is_rejected_with_its_reason() {
	let own = peer(1);
	let other = format!("/ip4/1.2.3.4/tcp/1/p2p/{}", peer_id::to_base58(&peer(2)));
	let rsa = "/ip4/1.2.3.4/tcp/1/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
	let trailing = format!("/ip4/1.2.3.4/tcp/1/p2p/{}/tcp/2", peer_id::to_base58(&own));
	let long_label = format!("/dns4/{}.org/tcp/1", "a".repeat(64));
	let long_name = format!("/dns4/{}/tcp/1", ["a"; 128].join("."));
	for (bad, why) in [
		("", E::Empty),
		("/ip4/1.2.3.4/tcp/1 ", E::NotAscii),
		("/dns4/exämple.org/tcp/1", E::NotAscii),
		("ip4/1.2.3.4/tcp/1", E::Malformed),
		("/", E::Malformed),
		("/ip4//tcp/1", E::Malformed),
		("/ip4/1.2.3.4/tcp/1/", E::Malformed),
		("/unix/x/tcp/1", E::UnsupportedProtocol),
		("/ip4/1.2.3.4/sctp/1", E::UnsupportedProtocol),
		("/ip4/1.2.3.4/tcp/1/tls", E::UnsupportedProtocol),
		("/ip4", E::MissingValue),
		("/ip4/1.2.3.4/tcp", E::MissingValue),
		("/ip4/1.2.3.4/tcp/1/p2p", E::MissingValue),
		("/ip4/1.2.3.256/tcp/1", E::InvalidIp4),
		("/ip4/01.2.3.4/tcp/1", E::InvalidIp4),
		("/ip6/1.2.3.4/tcp/1", E::InvalidIp6),
		("/dns4/-bad.org/tcp/1", E::InvalidDnsName),
		("/dns4/bad_.org/tcp/1", E::InvalidDnsName),
		("/dns4/a..b/tcp/1", E::InvalidDnsName),
		(&long_label, E::InvalidDnsName),
		(&long_name, E::InvalidDnsName),
		("/ip4/1.2.3.4/tcp/0", E::InvalidPort),
		("/ip4/1.2.3.4/tcp/65536", E::InvalidPort),
		("/ip4/1.2.3.4/tcp/030433", E::InvalidPort),
		("/ip4/1.2.3.4/tcp/+1", E::InvalidPort),
		("/ip4/1.2.3.4", E::Incomplete),
		("/ip4/1.2.3.4/udp/1", E::UdpWithoutQuic),
		("/ip4/1.2.3.4/udp/1/quic", E::UdpWithoutQuic),
		(rsa, E::InvalidPeerId),
		(&other, E::PeerIdMismatch),
		(&trailing, E::TrailingComponents),
		("/ip4/1.2.3.4/tcp/1/ws/wss", E::UnsupportedProtocol),
	] {
		assert_eq!(validate(bad.as_bytes(), &own), Err(why), "{bad:?}");
	}
}

#[test]
fn peer_ids_match_rust_libp2p() {
	for seed in [[0u8; 32], [7u8; 32], [0xff; 32]] {
		let keypair = libp2p_identity::Keypair::ed25519_from_bytes(seed).expect("32-byte secret");
		let public = keypair.public().try_into_ed25519().expect("ed25519 key").to_bytes();
		let id = keypair.public().to_peer_id();

		let ours = peer_id::from_ed25519_public(&public);
		assert_eq!(ours.to_vec(), id.to_bytes());
		assert!(peer_id::is_valid(&ours));
		assert_eq!(peer_id::to_base58(&ours), id.to_base58());
		assert_eq!(peer_id::from_base58(&id.to_base58()), Some(id.to_bytes()));
	}
}

#[test]
fn only_ed25519_peer_ids_are_accepted() {
	// An sha2-256 multihash peer id (RSA keys): valid libp2p, not accepted by iChat.
	assert_eq!(peer_id::from_base58("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"), None);
	// Not base58 (`0`, `O`, `I` and `l` are not in the alphabet).
	assert_eq!(peer_id::from_base58("12D3KooW0000"), None);
	assert_eq!(peer_id::from_base58(""), None);
	assert_eq!(peer_id::from_base58(&"1".repeat(65)), None);
	assert!(!peer_id::is_valid(&peer(1)[..37]));
}
