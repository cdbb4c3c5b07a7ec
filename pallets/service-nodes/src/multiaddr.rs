//! A small `no_std` validator for the textual multiaddrs a service node may announce.
//!
//! The registry stores multiaddrs as their textual form (UTF-8 bytes, e.g.
//! `/ip4/1.2.3.4/tcp/30433`), so clients and polkadot.js can read them with no decoder. Only
//! addresses another node or a client can actually dial are accepted:
//!
//! ```text
//! multiaddr := host transport [ "/p2p/" peer-id ]
//! host      := "/ip4/" ipv4 | "/ip6/" ipv6 | ( "/dns/" | "/dns4/" | "/dns6/" ) dns-name
//! transport := "/tcp/" port [ "/ws" | "/wss" ] | "/udp/" port "/quic-v1"
//! ```
//!
//! - `ipv4` and `ipv6` are what [`core::net`] parses (no leading zeros in IPv4 octets, no IPv6
//!   zone ids);
//! - `dns-name` is 1 to 253 characters of dot-separated labels, each 1 to 63 characters of
//!   `[A-Za-z0-9-]` that neither start nor end with `-`;
//! - `port` is a decimal number from 1 to 65535 without leading zeros (port 0 cannot be dialed);
//! - `peer-id`, when present, is the base58 form of the node's own registered peer id.
//!
//! Anything else (unknown protocols, `/udp` without `/quic-v1`, empty components, a trailing
//! `/`, non-ASCII bytes) is rejected.

use crate::peer_id;
use core::{
	net::{Ipv4Addr, Ipv6Addr},
	str::FromStr,
};

/// Why a multiaddr was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultiaddrError {
	/// The address is empty.
	Empty,
	/// The address is not printable ASCII.
	NotAscii,
	/// The address does not start with `/`, has an empty component or ends with `/`.
	Malformed,
	/// A protocol name we do not support (or one in a place the grammar does not allow).
	UnsupportedProtocol,
	/// A protocol that needs a value (`/ip4/…`, `/tcp/…`, …) is missing it.
	MissingValue,
	/// The value of `/ip4` is not an IPv4 address.
	InvalidIp4,
	/// The value of `/ip6` is not an IPv6 address.
	InvalidIp6,
	/// The value of `/dns`, `/dns4` or `/dns6` is not a DNS name.
	InvalidDnsName,
	/// A port is not a number from 1 to 65535.
	InvalidPort,
	/// The address has no host (`/ip4`, `/ip6`, `/dns*`) or no transport (`/tcp`, `/udp`).
	Incomplete,
	/// `/udp` must be followed by `/quic-v1` (plain UDP cannot carry libp2p).
	UdpWithoutQuic,
	/// The `/p2p` component is not a valid ed25519 peer id.
	InvalidPeerId,
	/// The `/p2p` component names another peer than the node's registered peer id.
	PeerIdMismatch,
	/// Components follow the end of the address (e.g. anything after `/p2p/…`).
	TrailingComponents,
}

/// Validate one textual multiaddr announced by the node whose peer id is `own_peer_id`.
pub fn validate(addr: &[u8], own_peer_id: &[u8]) -> Result<(), MultiaddrError> {
	if addr.is_empty() {
		return Err(MultiaddrError::Empty);
	}
	if !addr.iter().all(|b| b.is_ascii_graphic()) {
		return Err(MultiaddrError::NotAscii);
	}
	// All bytes are ASCII, so this cannot fail; fall back to an error rather than panic.
	let text = core::str::from_utf8(addr).map_err(|_| MultiaddrError::NotAscii)?;
	let rest = text.strip_prefix('/').ok_or(MultiaddrError::Malformed)?;
	if rest.is_empty() || rest.split('/').any(str::is_empty) {
		return Err(MultiaddrError::Malformed);
	}
	let mut parts = rest.split('/');

	// host
	let host = parts.next().ok_or(MultiaddrError::Incomplete)?;
	let host_value = parts.next().ok_or(MultiaddrError::MissingValue)?;
	match host {
		"ip4" => {
			Ipv4Addr::from_str(host_value).map_err(|_| MultiaddrError::InvalidIp4)?;
		},
		"ip6" => {
			Ipv6Addr::from_str(host_value).map_err(|_| MultiaddrError::InvalidIp6)?;
		},
		"dns" | "dns4" | "dns6" => validate_dns_name(host_value)?,
		_ => return Err(MultiaddrError::UnsupportedProtocol),
	}

	// transport
	let transport = parts.next().ok_or(MultiaddrError::Incomplete)?;
	let port = parts.next().ok_or(MultiaddrError::MissingValue)?;
	let mut next = match transport {
		"tcp" => {
			validate_port(port)?;
			match parts.next() {
				Some("ws") | Some("wss") => parts.next(),
				other => other,
			}
		},
		"udp" => {
			validate_port(port)?;
			match parts.next() {
				Some("quic-v1") => parts.next(),
				_ => return Err(MultiaddrError::UdpWithoutQuic),
			}
		},
		_ => return Err(MultiaddrError::UnsupportedProtocol),
	};

	// optional peer id
	if let Some(protocol) = next {
		if protocol != "p2p" {
			return Err(MultiaddrError::UnsupportedProtocol);
		}
		let id = parts.next().ok_or(MultiaddrError::MissingValue)?;
		let bytes = peer_id::from_base58(id).ok_or(MultiaddrError::InvalidPeerId)?;
		if bytes.as_slice() != own_peer_id {
			return Err(MultiaddrError::PeerIdMismatch);
		}
		next = parts.next();
	}

	match next {
		None => Ok(()),
		Some(_) => Err(MultiaddrError::TrailingComponents),
	}
}

fn validate_port(port: &str) -> Result<(), MultiaddrError> {
	let digits_only =
		!port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
	if !digits_only || port.starts_with('0') {
		return Err(MultiaddrError::InvalidPort);
	}
	match port.parse::<u32>() {
		Ok(p) if (1..=u32::from(u16::MAX)).contains(&p) => Ok(()),
		_ => Err(MultiaddrError::InvalidPort),
	}
}

fn validate_dns_name(name: &str) -> Result<(), MultiaddrError> {
	if name.is_empty() || name.len() > 253 {
		return Err(MultiaddrError::InvalidDnsName);
	}
	let label_ok = |label: &str| {
		!label.is_empty()
			&& label.len() <= 63
			&& !label.starts_with('-')
			&& !label.ends_with('-')
			&& label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
	};
	if name.split('.').all(label_ok) {
		Ok(())
	} else {
		Err(MultiaddrError::InvalidDnsName)
	}
}
