//! The transport every relay swarm uses: TCP + Noise + Yamux on tokio.

use std::{io, time::Duration};

use libp2p::{identity::Keypair, noise, swarm::NetworkBehaviour, tcp, yamux, Swarm};

/// Builds a swarm on TCP + Noise + Yamux (tokio) with `behaviour`. Connections idle for
/// `idle_timeout` are closed.
pub fn build_swarm<B: NetworkBehaviour>(
	keypair: Keypair,
	behaviour: B,
	idle_timeout: Duration,
) -> io::Result<Swarm<B>> {
	let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
		.with_tokio()
		.with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
		.map_err(|e| io::Error::other(format!("cannot set up the TCP transport: {e}")))?
		.with_behaviour(|_| behaviour)
		.map_err(|e| io::Error::other(format!("cannot set up the behaviour: {e}")))?
		.with_swarm_config(|c| c.with_idle_connection_timeout(idle_timeout))
		.build();
	Ok(swarm)
}
