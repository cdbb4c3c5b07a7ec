//! The relay inside `ichat-node`: command-line options, the relay identity, and the registry
//! feed read in-process from the node's own finalized chain state.

use std::{path::PathBuf, sync::Arc, time::Duration};

use ichat_relay::{registry::NodeAddress, RegistrySnapshot, RelayConfig};
use ichat_runtime::{
	genesis_config_presets::{dev_relay_port, DEV_RELAY_KEYS},
	opaque::Block,
	AccountId, Balance,
};
use pallet_service_nodes::runtime_api::ServiceNodesApi;
use sc_client_api::{BlockchainEvents, HeaderBackend};
use sc_service::{error::Error as ServiceError, TaskManager};
use sp_api::ProvideRuntimeApi;
use sp_core::Pair;
use sp_keyring::Sr25519Keyring;

/// The relay port when nothing else says otherwise (the first dev validator's).
pub(crate) const DEFAULT_RELAY_PORT: u16 = dev_relay_port(0);

/// Options of the relay, the off-chain network that carries encrypted messages.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RelayParams {
	/// TCP port of the relay [default: 40333; with --alice .. --ferdie, 40333 + the validator's
	/// index, matching the local chains' genesis registry]. Giving it also turns the relay on
	/// for a node that is not a validator.
	#[arg(long, value_name = "PORT")]
	pub(crate) relay_port: Option<u16>,

	/// IP address the relay listens on [default: 0.0.0.0; 127.0.0.1 with --alice .. --ferdie].
	#[arg(long, value_name = "IP")]
	pub(crate) relay_listen_ip: Option<std::net::IpAddr>,

	/// Do not run the relay, even on a validator.
	#[arg(long)]
	pub(crate) no_relay: bool,

	/// The relay identity as an ed25519 secret URI (development only; for example
	/// `//Alice//ichat-relay`, which --alice implies). Without it the identity is kept in
	/// `<base path>/chains/<chain>/relay/identity`, created on first start.
	#[arg(long, value_name = "SURI")]
	pub(crate) relay_key_suri: Option<String>,

	/// File holding the relay identity: an ed25519 secret, 32 bytes raw or 64 hex characters
	/// (the format of `ichat-node key generate-node-key --file`). Default:
	/// `<base path>/chains/<chain>/relay/identity`, created on first start.
	#[arg(long, value_name = "PATH", conflicts_with = "relay_key_suri")]
	pub(crate) relay_key_file: Option<PathBuf>,

	/// Seconds an unread message is kept before the sweeper deletes it.
	#[arg(long, value_name = "SECS", default_value_t = 6 * 3600)]
	pub(crate) relay_unread_ttl: u64,

	/// Most unread messages per recipient.
	#[arg(long, value_name = "N", default_value_t = 1_000)]
	pub(crate) relay_mailbox_messages: u32,

	/// Most unread bytes per recipient.
	#[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
	pub(crate) relay_mailbox_bytes: u64,

	/// fsync the unread store's log before acknowledging a message (survives power loss, not only
	/// a crash of the process; slower).
	#[arg(long)]
	pub(crate) relay_fsync: bool,

	/// Do not test the service nodes the chain assigns this node each hour. For test networks
	/// and benchmarks that count relay traffic exactly: on a real network the rewards rest on
	/// every service node testing its share (docs/economics.md).
	#[arg(long)]
	pub(crate) relay_no_tester: bool,
}

/// What the service needs to start the relay.
#[derive(Debug, Clone)]
pub(crate) struct RelayOptions {
	params: RelayParams,
	keyring: Option<Sr25519Keyring>,
}

impl RelayParams {
	/// Whether the relay runs, and with which dev identity.
	pub(crate) fn options(
		&self,
		keyring: Option<Sr25519Keyring>,
		is_authority: bool,
	) -> Option<RelayOptions> {
		let on = !self.no_relay && (is_authority || self.relay_port.is_some());
		on.then(|| RelayOptions { params: self.clone(), keyring })
	}
}

impl RelayOptions {
	/// Whether the node tests the nodes the chain assigns it (`--relay-no-tester` not given).
	pub(crate) fn tests_others(&self) -> bool {
		!self.params.relay_no_tester
	}
}

fn dev_index(keyring: Sr25519Keyring) -> Option<usize> {
	use Sr25519Keyring::*;
	[Alice, Bob, Charlie, Dave, Eve, Ferdie].iter().position(|k| *k == keyring)
}

fn keypair_from_seed(seed: [u8; 32]) -> Result<libp2p::identity::Keypair, ServiceError> {
	libp2p::identity::Keypair::ed25519_from_bytes(seed)
		.map_err(|e| ServiceError::Other(format!("relay identity: {e}")))
}

/// The relay identity: a given SURI, the dev validator's, or the identity file.
fn identity(
	options: &RelayOptions,
	dir: &std::path::Path,
) -> Result<libp2p::identity::Keypair, ServiceError> {
	let suri = options
		.params
		.relay_key_suri
		.clone()
		.or_else(|| options.keyring.map(|k| format!("{}//ichat-relay", k.to_seed())));
	if let Some(suri) = suri {
		let pair = sp_core::ed25519::Pair::from_string(&suri, None)
			.map_err(|e| ServiceError::Other(format!("--relay-key-suri: {e:?}")))?;
		return keypair_from_seed(pair.seed());
	}
	let given = options.params.relay_key_file.clone();
	let path = given.clone().unwrap_or_else(|| dir.join("identity"));
	match std::fs::read(&path) {
		Ok(bytes) => {
			let text = String::from_utf8_lossy(&bytes);
			let seed: Option<[u8; 32]> = match bytes.len() {
				32 => bytes.try_into().ok(),
				_ => hex::decode(text.trim()).ok().and_then(|b| b.try_into().ok()),
			};
			let seed = seed.ok_or_else(|| {
				ServiceError::Other(format!(
					"{}: expected an ed25519 secret (32 bytes, or 64 hex characters)",
					path.display()
				))
			})?;
			keypair_from_seed(seed)
		},
		Err(e) if given.is_some() => {
			Err(ServiceError::Other(format!("--relay-key-file {}: {e}", path.display())))
		},
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			let seed: [u8; 32] = rand::random();
			std::fs::create_dir_all(dir)
				.map_err(|e| ServiceError::Other(format!("{}: {e}", dir.display())))?;
			write_secret(&path, &seed)?;
			keypair_from_seed(seed)
		},
		Err(e) => Err(ServiceError::Other(format!("{}: {e}", path.display()))),
	}
}

fn write_secret(path: &std::path::Path, seed: &[u8; 32]) -> Result<(), ServiceError> {
	use std::io::Write;
	let mut opts = std::fs::OpenOptions::new();
	opts.write(true).create_new(true);
	#[cfg(unix)]
	std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
	opts.open(path)
		.and_then(|mut f| f.write_all(seed))
		.map_err(|e| ServiceError::Other(format!("{}: {e}", path.display())))
}

/// The active service nodes at block `hash`, as the relay wants them.
fn snapshot<C>(
	client: &C,
	hash: <Block as sp_runtime::traits::Block>::Hash,
) -> Option<RegistrySnapshot>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: ServiceNodesApi<Block, AccountId, Balance>,
{
	let api = client.runtime_api();
	let session = api.current_session(hash).ok()?;
	let nodes = api
		.active_nodes(hash)
		.ok()?
		.into_iter()
		.filter_map(|n| match NodeAddress::from_registry(&n.peer_id, &n.multiaddrs) {
			Ok(a) => Some(a),
			Err(e) => {
				log::warn!(target: "relay", "registry entry with an unusable peer id skipped: {e}");
				None
			},
		})
		.collect();
	Some(RegistrySnapshot { session, nodes })
}

/// Starts the relay on the node's task manager, fed by the registry at every finalized block.
/// Returns the relay identity (the RPC signs relay ownership proofs with it).
pub(crate) fn spawn<C>(
	options: RelayOptions,
	data_path: PathBuf,
	client: Arc<C>,
	task_manager: &TaskManager,
	prometheus: Option<substrate_prometheus_endpoint::Registry>,
) -> Result<libp2p::identity::Keypair, ServiceError>
where
	C: ProvideRuntimeApi<Block>
		+ BlockchainEvents<Block>
		+ HeaderBackend<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: ServiceNodesApi<Block, AccountId, Balance>,
{
	let dir = data_path.join("relay");
	let keypair = identity(&options, &dir)?;
	let identity = keypair.clone();
	let p = &options.params;
	let index = options.keyring.and_then(dev_index);
	let port = p.relay_port.unwrap_or_else(|| index.map_or(DEFAULT_RELAY_PORT, dev_relay_port));
	let ip = p.relay_listen_ip.unwrap_or(if options.keyring.is_some() {
		std::net::Ipv4Addr::LOCALHOST.into()
	} else {
		std::net::Ipv4Addr::UNSPECIFIED.into()
	});
	let listen: libp2p::Multiaddr =
		format!("/{}/{ip}/tcp/{port}", if ip.is_ipv4() { "ip4" } else { "ip6" })
			.parse()
			.map_err(|e| ServiceError::Other(format!("relay listen address: {e}")))?;
	let mut config = RelayConfig::new(keypair, vec![listen], dir.join("unread"));
	config.unread_ttl = Duration::from_secs(p.relay_unread_ttl.max(1));
	// Sweep often enough that a message outlives its lifetime by at most a tenth of it (30 s
	// at most); `fetch` never serves an expired message in between anyway.
	config.sweep_interval = Duration::from_secs((p.relay_unread_ttl / 10).clamp(1, 30));
	config.store.max_messages_per_mailbox = p.relay_mailbox_messages;
	config.store.max_bytes_per_mailbox = p.relay_mailbox_bytes;
	config.store.fsync = p.relay_fsync;
	let peer_id = config.keypair.public().to_peer_id();
	if let Some(i) = index {
		debug_assert_eq!(
			libp2p::identity::PublicKey::from(
				libp2p::identity::ed25519::PublicKey::try_from_bytes(&DEV_RELAY_KEYS[i])
					.expect("dev relay keys are valid ed25519 keys")
			)
			.to_peer_id(),
			peer_id
		);
	}
	log::info!(
		target: "relay",
		"💬 relay identity {peer_id}; register it with `ichat operator register --relay-addr /ip4/<public ip>/tcp/{port}`"
	);

	let initial = snapshot(&*client, client.info().finalized_hash).unwrap_or_default();
	let (registry_tx, registry_rx) = ichat_relay::registry::channel(initial);
	let feed_client = client.clone();
	task_manager.spawn_handle().spawn("relay-registry", Some("relay"), async move {
		use futures::StreamExt;
		let mut finality = feed_client.finality_notification_stream();
		while let Some(n) = finality.next().await {
			if let Some(s) = snapshot(&*feed_client, n.hash) {
				registry_tx.send_if_modified(|current| {
					let changed = **current != s;
					if changed {
						*current = Arc::new(s);
					}
					changed
				});
			}
		}
	});
	task_manager.spawn_essential_handle().spawn("relay", Some("relay"), async move {
		match ichat_relay::start(config, registry_rx, prometheus.as_ref()).await {
			Ok(handle) => {
				// Runs until the node stops (dropping the handle stops the relay).
				let _handle = handle;
				std::future::pending::<()>().await
			},
			Err(e) => log::error!(target: "relay", "the relay could not start: {e}"),
		}
	});
	Ok(identity)
}
