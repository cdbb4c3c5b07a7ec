//! End to end on the real short-hour local network (`local-fast`: 10-block hours):
//!
//! - a 7th account runs a node with its relay, gets session keys with
//!   `author_rotateKeysWithOwner` and its relay's consent with `ichat_relayOwnershipProof`,
//!   registers through subxt with a 1,000,000 ICHAT bond, and is a validator (and authors
//!   blocks) after the next session;
//! - another account cannot register that relay with the proof made for the 7th
//!   (`InvalidRelayProof`);
//! - it unbonds and leaves the validator set;
//! - a registration bonding 999,999 ICHAT fails with `BondTooSmall`;
//! - polkadot.js reads the registry, the runtime API and the events with no custom types.

use anyhow::{bail, ensure, Context, Result};
use ichat_testnet::{finalized_number, Client, Testnet};
use std::{
	path::Path,
	process::Command,
	time::{Duration, Instant},
};
use subxt::{
	dynamic,
	ext::scale_encode::EncodeAsType,
	extrinsics::ExtrinsicEvents,
	rpcs::{rpc_params, RpcClient},
	transactions::Payload,
	SubstrateConfig,
};
use subxt_signer::sr25519::{dev, Keypair};

const ICHAT: u128 = 1_000_000_000_000;
/// One hour of the `local-fast` chain: 10 blocks of 6 s.
const HOUR: Duration = Duration::from_secs(60);

/// The runtime's `SessionKeys`, as subxt encodes it.
#[derive(EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
struct SessionKeys {
	aura: [u8; 32],
	grandpa: [u8; 32],
	service: [u8; 32],
}

/// The reply of `author_rotateKeysWithOwner`.
#[derive(serde::Deserialize)]
struct GeneratedKeys {
	keys: String,
	proof: Option<String>,
}

/// The reply of `ichat_relayOwnershipProof`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelayOwnership {
	peer_id: String,
	peer_id_hex: String,
	proof: String,
}

impl RelayOwnership {
	fn peer_id(&self) -> Result<Vec<u8>> {
		hex::decode(self.peer_id_hex.trim_start_matches("0x")).context("peer id hex")
	}

	fn proof(&self) -> Result<[u8; 64]> {
		hex::decode(self.proof.trim_start_matches("0x"))
			.context("relay proof hex")?
			.try_into()
			.map_err(|_| anyhow::anyhow!("the relay proof is not 64 bytes"))
	}
}

fn account(k: &Keypair) -> [u8; 32] {
	k.public_key().0
}

async fn validators(client: &Client) -> Result<Vec<[u8; 32]>> {
	let at = client.at_current_block().await?;
	let addr = dynamic::storage::<(), Vec<[u8; 32]>>("Session", "Validators");
	Ok(at.storage().fetch(addr, ()).await.context("Session.Validators")?.decode()?)
}

/// Polls the finalized validator set until `pred` holds.
async fn wait_for_validators(
	client: &Client,
	what: &str,
	timeout: Duration,
	pred: impl Fn(&[[u8; 32]]) -> bool,
) -> Result<()> {
	let deadline = Instant::now() + timeout;
	loop {
		let set = validators(client).await?;
		if pred(&set) {
			return Ok(());
		}
		if Instant::now() > deadline {
			bail!("timed out after {timeout:?} waiting until {what} (validators: {})", set.len());
		}
		tokio::time::sleep(Duration::from_secs(3)).await;
	}
}

async fn submit(
	client: &Client,
	call: &impl Payload,
	signer: &Keypair,
) -> Result<(ExtrinsicEvents<SubstrateConfig>, String)> {
	let progress = client.tx().await?.sign_and_submit_then_watch_default(call, signer).await?;
	let in_block = progress.wait_for_finalized().await?;
	let hash = format!("{:?}", in_block.block_hash());
	let events = in_block.wait_for_success().await?;
	Ok((events, hash))
}

fn has_event(events: &ExtrinsicEvents<SubstrateConfig>, pallet: &str, name: &str) -> bool {
	events
		.iter()
		.filter_map(Result::ok)
		.any(|e| e.pallet_name() == pallet && e.event_name() == name)
}

fn register_call(
	bond: u128,
	peer_id: Vec<u8>,
	relay_proof: [u8; 64],
	keys: &GeneratedKeys,
) -> Result<impl Payload> {
	let raw = hex::decode(keys.keys.trim_start_matches("0x")).context("session keys hex")?;
	ensure!(
		raw.len() == 96,
		"session keys are Aura, GRANDPA and the service key (32 bytes each), got {}",
		raw.len()
	);
	let proof = keys.proof.as_deref().context("the node returned no ownership proof")?;
	let proof = hex::decode(proof.trim_start_matches("0x")).context("proof hex")?;
	let key = |i: usize| -> [u8; 32] {
		let mut k = [0u8; 32];
		k.copy_from_slice(&raw[32 * i..32 * (i + 1)]);
		k
	};
	let keys = SessionKeys { aura: key(0), grandpa: key(1), service: key(2) };
	let multiaddrs: Vec<Vec<u8>> = vec![b"/ip4/127.0.0.1/tcp/40340".to_vec()];
	Ok(dynamic::transaction(
		"ServiceNodes",
		"register",
		(bond, peer_id, relay_proof, multiaddrs, keys, proof),
	))
}

async fn relay_ownership(url: &str, owner: [u8; 32]) -> Result<RelayOwnership> {
	let rpc = RpcClient::from_insecure_url(url).await?;
	rpc.request("ichat_relayOwnershipProof", rpc_params![format!("0x{}", hex::encode(owner))])
		.await
		.context("ichat_relayOwnershipProof")
}

async fn rotate_keys_with_owner(url: &str, owner: [u8; 32]) -> Result<GeneratedKeys> {
	let rpc = RpcClient::from_insecure_url(url).await?;
	let keys: GeneratedKeys = rpc
		.request("author_rotateKeysWithOwner", rpc_params![format!("0x{}", hex::encode(owner))])
		.await
		.context("author_rotateKeysWithOwner")?;
	Ok(keys)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_seventh_service_node_registers_validates_and_leaves() -> Result<()> {
	let js_dir = ichat_testnet::manifest_dir().join("../scripts/js");
	ensure!(
		js_dir.join("node_modules/@polkadot/api").exists(),
		"@polkadot/api is not installed: run scripts/setup.sh"
	);
	let bin = Path::new(env!("CARGO_BIN_EXE_ichat-node"));
	let mut net = Testnet::local(bin, "local-fast", 6)?;
	let relay_port = ichat_testnet::free_port()?.to_string();
	let (grace_node, _) =
		net.add_node(bin, "grace", &["--validator", "--relay-port", &relay_port])?;
	let client = net.nodes[0].client(Duration::from_secs(120)).await?;
	net.nodes[grace_node].client(Duration::from_secs(120)).await?;

	let genesis_set = validators(&client).await?;
	ensure!(genesis_set.len() == 6, "the 6 genesis validators are service nodes");

	// Fund the new operator and an under-funded one.
	let alice = dev::alice();
	let grace = Keypair::from_secret_key(rand_secret())?;
	let mallory = Keypair::from_secret_key(rand_secret())?;
	for (who, amount) in [(&grace, 1_100_000 * ICHAT), (&mallory, 1_100_000 * ICHAT)] {
		let call = dynamic::transaction(
			"Balances",
			"transfer_keep_alive",
			(who.public_key().to_address::<()>(), amount),
		);
		submit(&client, &call, &alice).await.context("funding transfer")?;
	}

	// 999,999 ICHAT is one short of the minimum bond.
	let mallory_keys = rotate_keys_with_owner(&net.nodes[0].ws_url(), account(&mallory)).await?;
	let fake_peer = pallet_service_nodes::peer_id::from_ed25519_public(&rand_secret()).to_vec();
	let short = register_call(999_999 * ICHAT, fake_peer, [0; 64], &mallory_keys)?;
	match submit(&client, &short, &mallory).await {
		Ok(_) => bail!("a 999,999 ICHAT registration succeeded"),
		Err(e) => {
			let msg = format!("{e:?}");
			ensure!(msg.contains("BondTooSmall"), "expected BondTooSmall, got: {msg}");
		},
	}

	// Grace's relay consents to be registered by Grace; Mallory cannot use that consent.
	let relay = relay_ownership(&net.nodes[grace_node].ws_url(), account(&grace)).await?;
	let peer_id = relay.peer_id()?;
	ensure!(
		bs58::decode(&relay.peer_id).into_vec().ok().as_ref() == Some(&peer_id),
		"the textual and binary peer ids agree"
	);
	let squat = register_call(1_000_000 * ICHAT, peer_id.clone(), relay.proof()?, &mallory_keys)?;
	match submit(&client, &squat, &mallory).await {
		Ok(_) => bail!("Mallory registered Grace's relay with Grace's proof"),
		Err(e) => {
			let msg = format!("{e:?}");
			ensure!(msg.contains("InvalidRelayProof"), "expected InvalidRelayProof, got: {msg}");
		},
	}

	// Grace registers her node with keys her own node generated.
	let keys = rotate_keys_with_owner(&net.nodes[grace_node].ws_url(), account(&grace)).await?;
	let call = register_call(1_000_000 * ICHAT, peer_id.clone(), relay.proof()?, &keys)?;
	let (events, register_block) = submit(&client, &call, &grace).await.context("register")?;
	ensure!(has_event(&events, "ServiceNodes", "Registered"), "Registered event");
	ensure!(has_event(&events, "Balances", "Held"), "the bond is held");

	// Planned at the next rotation, validating from the one after: within 3 hours.
	let g = account(&grace);
	wait_for_validators(&client, "Grace validates", 4 * HOUR, |set| set.contains(&g))
		.await
		.with_context(|| format!("grace log:\n{}", net.nodes[grace_node].log_tail(30)))?;

	// ... and her node really authors blocks (7 validators: one slot in 7).
	let deadline = Instant::now() + 2 * HOUR;
	loop {
		let log = std::fs::read_to_string(net.nodes[grace_node].log_path())?;
		if log.contains("Pre-sealed block for proposal") {
			break;
		}
		ensure!(
			Instant::now() < deadline,
			"grace never authored a block:\n{}",
			net.nodes[grace_node].log_tail(30)
		);
		tokio::time::sleep(Duration::from_secs(3)).await;
	}
	let finalized_before = finalized_number(&client).await?;

	// polkadot.js decodes the registry, the runtime API and the events.
	let out = Command::new("node")
		.arg(js_dir.join("check-registry.mjs"))
		.arg(net.nodes[0].ws_url())
		.arg(&register_block)
		.output()
		.context("cannot run `node`: install Node.js")?;
	ensure!(out.status.success(), "check-registry.mjs: {}", String::from_utf8_lossy(&out.stderr));
	let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
	let g_hex = format!("0x{}", hex::encode(g));
	ensure!(v["nodes"].as_array().map(Vec::len) == Some(7), "7 registered nodes: {}", v["nodes"]);
	ensure!(
		v["activeStorage"].as_array().is_some_and(|a| a.iter().any(|x| x == &g_hex[..])),
		"ActiveNodes lists Grace: {}",
		v["activeStorage"]
	);
	let api_entry = v["activeApi"]
		.as_array()
		.and_then(|a| a.iter().find(|n| n["account"] == g_hex[..]))
		.context("ServiceNodesApi.activeNodes lists Grace")?;
	ensure!(
		api_entry["peerId"] == format!("0x{}", hex::encode(&peer_id))[..],
		"peer id: {api_entry}"
	);
	ensure!(api_entry["bond"] == (1_000_000 * ICHAT).to_string()[..], "bond: {api_entry}");
	ensure!(
		v["events"]
			.as_array()
			.is_some_and(|e| e.iter().any(|x| x["method"] == "Registered")),
		"polkadot.js reads the Registered event: {}",
		v["events"]
	);

	// Grace unbonds and leaves the set at the next rotations; finality goes on without her.
	let unbond = dynamic::transaction("ServiceNodes", "unbond", ());
	let (events, _) = submit(&client, &unbond, &grace).await.context("unbond")?;
	ensure!(has_event(&events, "ServiceNodes", "UnbondingStarted"), "UnbondingStarted event");
	wait_for_validators(&client, "Grace has left", 4 * HOUR, |set| !set.contains(&g)).await?;
	ensure!(validators(&client).await?.len() == 6, "back to the 6 genesis validators");
	ensure!(finalized_number(&client).await? > finalized_before, "finality advanced throughout");
	Ok(())
}

fn rand_secret() -> [u8; 32] {
	let mut s = [0u8; 32];
	getrandom::fill(&mut s).expect("OS randomness");
	s
}
