//! `ichat operator register|status|unbond|withdraw` (pallet ServiceNodes).

use anyhow::{anyhow, bail, Context as _, Result};
use ichat_crypto::account::AccountId;
use serde::Serialize;
use subxt::{
	dynamic,
	ext::{scale_decode::DecodeAsType, scale_encode::EncodeAsType},
	rpcs::rpc_params,
};

use crate::{
	amount,
	chain::{self, Chain},
	cli::{OperatorCommand, OperatorRegisterArgs, OperatorStatusArgs},
	context::Context,
	output::{field, short_hash, Render, Style},
	peer_id, prompt,
};

/// Run an `operator` subcommand.
pub async fn run(command: OperatorCommand, ctx: &Context) -> Result<()> {
	match command {
		OperatorCommand::Register(a) => register(a, ctx).await,
		OperatorCommand::Status(a) => status(a, ctx).await,
		OperatorCommand::Unbond => unbond(ctx).await,
		OperatorCommand::Withdraw => withdraw(ctx).await,
	}
}

/// `pallet_service_nodes::NodeStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum NodeStatus {
	/// Bonded.
	Bonded,
	/// Unbonding.
	Unbonding {
		/// Session of the `unbond` call.
		requested_at: u32,
		/// Session from which the bond can be withdrawn, once known.
		unlock_at: Option<u32>,
	},
}

/// `pallet_service_nodes::ServiceNode`, as stored in `ServiceNodes.Nodes`.
#[derive(Debug, Clone, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ServiceNode {
	/// Relay peer id (binary).
	pub peer_id: Vec<u8>,
	/// Textual multiaddrs (UTF-8 bytes).
	pub multiaddrs: Vec<Vec<u8>>,
	/// Bond, planck.
	pub bond: u128,
	/// Session of registration.
	pub registered_at: u32,
	/// First session of the current run in the validator set.
	pub since: Option<u32>,
	/// Life-cycle state.
	pub status: NodeStatus,
}

/// The runtime's `SessionKeys`, as the `register` call takes them.
#[derive(EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
struct SessionKeys {
	aura: [u8; 32],
	grandpa: [u8; 32],
	service: [u8; 32],
}

impl SessionKeys {
	/// Split the concatenated keys `author_rotateKeysWithOwner` returns.
	fn from_raw(raw: &[u8]) -> Result<SessionKeys> {
		let key = |i: usize| -> [u8; 32] {
			let mut k = [0u8; 32];
			k.copy_from_slice(&raw[32 * i..32 * (i + 1)]);
			k
		};
		if raw.len() != 96 {
			bail!(
				"the node returned {} bytes of session keys, expected 96 (Aura + GRANDPA + service key): is it an up-to-date ichat-node?",
				raw.len()
			);
		}
		Ok(SessionKeys { aura: key(0), grandpa: key(1), service: key(2) })
	}
}

/// The reply of `ichat_relayOwnershipProof`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelayOwnership {
	peer_id: String,
	proof: String,
}

/// The reply of `author_rotateKeysWithOwner`.
#[derive(serde::Deserialize)]
struct GeneratedKeys {
	keys: String,
	proof: Option<String>,
}

/// One operator's registration as the chain sees it: its node record and the session sets.
pub struct Registration {
	/// The node record, if registered.
	pub node: Option<ServiceNode>,
	/// The current session index.
	pub current_session: u32,
	/// Whether the node validates this session.
	pub active: bool,
	/// Whether it is planned to validate the next session.
	pub queued: bool,
}

/// Read the registry record of `who` and the session sets.
pub async fn read_registration(chain: &Chain, who: &AccountId) -> Result<Registration> {
	let err = |what: &str, e: &dyn std::fmt::Display| {
		anyhow!("cannot read {what} from {}: {}", chain.url, chain::one_line(e))
	};
	let at = chain.client.at_current_block().await.map_err(|e| err("the chain", &e))?;
	let node = at
		.storage()
		.try_fetch(dynamic::storage::<([u8; 32],), ServiceNode>("ServiceNodes", "Nodes"), (who.0,))
		.await
		.map_err(|e| err("ServiceNodes.Nodes", &e))?
		.map(|v| v.decode())
		.transpose()
		.map_err(|e| err("ServiceNodes.Nodes", &e))?;
	let set = |name: &'static str| {
		let at = &at;
		async move {
			at.storage()
				.fetch(dynamic::storage::<(), Vec<[u8; 32]>>("ServiceNodes", name), ())
				.await
				.map_err(|e| err(name, &e))?
				.decode()
				.map_err(|e| err(name, &e))
		}
	};
	let active = set("ActiveNodes").await?.contains(&who.0);
	let queued = set("QueuedNodes").await?.contains(&who.0);
	let current_session = at
		.storage()
		.fetch(dynamic::storage::<(), u32>("Session", "CurrentIndex"), ())
		.await
		.map_err(|e| err("Session.CurrentIndex", &e))?
		.decode()
		.map_err(|e| err("Session.CurrentIndex", &e))?;
	Ok(Registration { node, current_session, active, queued })
}

/// Check the multiaddrs a relay announces (the chain checks them fully).
fn check_addrs(addrs: &[String], peer: &[u8]) -> Result<()> {
	let own = peer_id::to_text(peer);
	for (i, a) in addrs.iter().enumerate() {
		if !a.starts_with('/') || a.contains(char::is_whitespace) {
			bail!("--relay-addr {a:?} is not a multiaddr (like /ip4/203.0.113.7/tcp/40333)");
		}
		if let Some((_, id)) = a.rsplit_once("/p2p/") {
			if id != own {
				bail!("--relay-addr {a:?} names peer {id}, not the relay's peer id {own}");
			}
		}
		if addrs[..i].contains(a) {
			bail!("--relay-addr {a:?} is given twice");
		}
	}
	Ok(())
}

fn decode_hex(what: &str, text: &str) -> Result<Vec<u8>> {
	hex::decode(text.trim_start_matches("0x"))
		.with_context(|| format!("the node's {what} is not hex"))
}

/// `operator register` result.
#[derive(Debug, Serialize)]
pub struct RegisterReport {
	/// Operator address.
	pub account: String,
	/// Relay peer id.
	pub peer_id: String,
	/// Relay addresses.
	pub multiaddrs: Vec<String>,
	/// Bond, ICHAT.
	pub bond: String,
	/// Bond, planck.
	pub bond_planck: String,
	/// Session public keys set (`0x` hex, Aura then GRANDPA).
	pub session_keys: String,
	/// Finalized block hash.
	pub block_hash: String,
	/// Finalized block number.
	pub block_number: u64,
	/// Fee, ICHAT.
	pub fee: Option<String>,
}

impl Render for RegisterReport {
	fn render(&self, s: &Style) -> String {
		let w = 9;
		[
			format!(
				"{} service node of {}",
				s.green("Registered"),
				s.cyan(&self.account)
			),
			field(s, "bond", &amount::human(self.bond_planck.parse().unwrap_or(0)), w),
			field(s, "peer id", &self.peer_id, w),
			field(s, "addrs", &self.multiaddrs.join(", "), w),
			field(s, "block", &format!("#{} {}", self.block_number, short_hash(&self.block_hash)), w),
			s.dim("The node is planned into the validator set at the next session and validates from the one after."),
		]
		.join("\n")
	}
}

async fn register(args: OperatorRegisterArgs, ctx: &Context) -> Result<()> {
	let bond = amount::parse(&args.bond).context("--bond")?;
	let given_peer = args
		.relay_peer_id
		.as_deref()
		.map(peer_id::parse)
		.transpose()
		.context("--relay-peer-id")?;
	if let Some(peer) = &given_peer {
		check_addrs(&args.relay_addrs, peer)?;
	}
	let node_rpc = args.node_rpc.clone().unwrap_or_else(|| ctx.settings.rpc.clone());
	crate::config::check_rpc_url(&node_rpc).context("--node-rpc")?;
	let (_name, account) = ctx.unlock()?;
	let chain = ctx.connect().await?;
	let at = chain.client.at_current_block().await?;
	if let Ok(min) = at.constants().entry(dynamic::constant::<u128>("ServiceNodes", "MinBond")) {
		if bond < min {
			bail!("the bond must be at least {} (got {})", amount::human(min), amount::human(bond));
		}
	}
	let reg = read_registration(&chain, &account.id()).await?;
	if reg.node.is_some() {
		bail!(
			"{} already has a registered node: see `ichat operator status`",
			chain::ss58(&account.id())
		);
	}
	let ed = chain.existential_deposit().await?;
	let mine = chain.balance(&account.id()).await?;
	if mine.spendable(ed) < bond {
		bail!(
			"insufficient balance: you have {}, need {} for the bond + fee (and must keep {})",
			amount::human(mine.free),
			amount::human(bond),
			amount::human(ed)
		);
	}

	// The relay's consent, from the operator's own node, checked before anything is paid.
	let genesis = genesis_hash(&chain).await?;
	let spinner = ctx.out.spinner(&format!("asking the relay on {node_rpc} for its proof…"));
	let relay = relay_ownership(&node_rpc, &account.id()).await;
	spinner.finish();
	let relay = relay?;
	let peer = peer_id::parse(&relay.peer_id).context("the node's relay peer id")?;
	if let Some(given) = &given_peer {
		if *given != peer {
			bail!(
				"the node at {node_rpc} runs relay {}, not --relay-peer-id {}: register the relay of the node you ask (or leave --relay-peer-id out)",
				relay.peer_id,
				args.relay_peer_id.as_deref().unwrap_or_default()
			);
		}
	}
	check_addrs(&args.relay_addrs, &peer)?;
	let relay_proof: [u8; 64] = decode_hex("relay proof", &relay.proof)?
		.try_into()
		.map_err(|_| anyhow!("the node's relay proof is not 64 bytes: is it an iChat node?"))?;
	if !pallet_service_nodes::relay_proof::verify(&peer, &genesis, &account.id().0, &relay_proof) {
		bail!(
			"the relay proof from {node_rpc} does not verify for {} on the chain at {}: is --node-rpc a node of the same chain?",
			chain::ss58(&account.id()),
			chain.url
		);
	}

	// Session keys from the operator's own node, bound to the operator account.
	let spinner = ctx.out.spinner(&format!("generating session keys on {node_rpc}…"));
	let keys = rotate_keys(&node_rpc, &account.id()).await;
	spinner.finish();
	let keys = keys?;
	let raw = decode_hex("session keys", &keys.keys)?;
	let session_keys = SessionKeys::from_raw(&raw)?;
	let proof = keys
		.proof
		.as_deref()
		.context("the node returned no ownership proof: is it an up-to-date ichat-node?")?;
	let proof = decode_hex("ownership proof", proof)?;
	let multiaddrs: Vec<Vec<u8>> = args.relay_addrs.iter().map(|a| a.as_bytes().to_vec()).collect();
	let call = dynamic::transaction(
		"ServiceNodes",
		"register",
		(bond, peer.clone(), relay_proof, multiaddrs, session_keys, proof),
	);
	let prepared = chain.prepare(&call, &account).await?;
	if mine.spendable(ed) < bond.saturating_add(prepared.fee) {
		bail!(
			"insufficient balance: you have {}, need {} + fee {} (and must keep {})",
			amount::human(mine.free),
			amount::human(bond),
			amount::human(prepared.fee),
			amount::human(ed)
		);
	}
	let question = format!(
		"Bond {} (held until you unbond and withdraw) and register relay {} (fee about {})?",
		amount::human(bond),
		relay.peer_id,
		amount::human(prepared.fee)
	);
	if !prompt::confirm(&question, "bond and register", ctx.settings.yes)? {
		bail!("cancelled: nothing was registered");
	}
	let spinner = ctx.out.spinner("registering…");
	let done = chain.submit(prepared, &spinner).await;
	spinner.finish();
	let done = done?;
	ctx.out.print(&RegisterReport {
		account: chain::ss58(&account.id()),
		peer_id: relay.peer_id,
		multiaddrs: args.relay_addrs,
		bond: amount::plain(bond),
		bond_planck: bond.to_string(),
		session_keys: format!("0x{}", hex::encode(&raw)),
		block_hash: done.block_hash,
		block_number: done.block_number,
		fee: done.fee.map(amount::plain),
	})
}

/// The chain's genesis hash, which relay proofs name.
async fn genesis_hash(chain: &Chain) -> Result<[u8; 32]> {
	let hash: String =
		chain.rpc.request("chain_getBlockHash", rpc_params![0u32]).await.map_err(|e| {
			anyhow!("cannot read the genesis hash from {}: {}", chain.url, chain::one_line(&e))
		})?;
	decode_hex("genesis hash", &hash)?
		.try_into()
		.map_err(|_| anyhow!("the chain at {} has a genesis hash that is not 32 bytes", chain.url))
}

async fn relay_ownership(url: &str, owner: &AccountId) -> Result<RelayOwnership> {
	let rpc = chain::rpc_connect(url).await?;
	rpc.request("ichat_relayOwnershipProof", rpc_params![format!("0x{}", hex::encode(owner.0))])
		.await
		.map_err(|e| {
			anyhow!(
				"the node at {url} refused ichat_relayOwnershipProof ({}): use the RPC of the node that runs your relay with --node-rpc; it must allow unsafe RPC methods (it does on 127.0.0.1 by default)",
				chain::one_line(&e)
			)
		})
}

async fn rotate_keys(url: &str, owner: &AccountId) -> Result<GeneratedKeys> {
	let rpc = chain::rpc_connect(url).await?;
	rpc.request("author_rotateKeysWithOwner", rpc_params![format!("0x{}", hex::encode(owner.0))])
		.await
		.map_err(|e| {
			anyhow!(
				"the node at {url} refused author_rotateKeysWithOwner ({}): use your own node's RPC with --node-rpc; it must allow unsafe RPC methods (it does on 127.0.0.1 by default)",
				chain::one_line(&e)
			)
		})
}

/// `operator status` result.
#[derive(Debug, Serialize)]
pub struct StatusReport {
	/// Operator address.
	pub account: String,
	/// Keystore name, when local.
	pub name: Option<String>,
	/// `not_registered`, `active`, `queued` (validates from the next session), `waiting`
	/// (bonded, planned at the next rotation), `unbonding` or `withdrawable`.
	pub state: &'static str,
	/// Bond, ICHAT.
	pub bond: Option<String>,
	/// Bond, planck.
	pub bond_planck: Option<String>,
	/// Relay peer id.
	pub peer_id: Option<String>,
	/// Relay addresses.
	pub multiaddrs: Vec<String>,
	/// Session of registration.
	pub registered_at: Option<u32>,
	/// First session of the current validating run.
	pub since: Option<u32>,
	/// Session of the `unbond` call.
	pub unbond_requested_at: Option<u32>,
	/// Session from which `withdraw` works (unknown while still in the set).
	pub unlock_session: Option<u32>,
	/// The current session (one session is one hour).
	pub current_session: u32,
	// Rewards and quality (pallet-node-rewards) will be added here as `rewards` / `quality`.
}

impl Render for StatusReport {
	fn render(&self, s: &Style) -> String {
		let w = 14;
		let who = match &self.name {
			Some(n) => format!("{} {}", s.bold(n), s.cyan(&self.account)),
			None => s.cyan(&self.account),
		};
		if self.state == "not_registered" {
			return format!("{who}\nNo service node is registered for this account.\nRegister one with `ichat operator register` (see --help).");
		}
		let state = match self.state {
			"active" => s.green("active (validating this session)"),
			"queued" => s.green("queued (validates from the next session)"),
			"waiting" => "bonded (joins the validator set at the next session)".to_owned(),
			"unbonding" => match self.unlock_session {
				Some(u) => s.yellow(&format!(
					"unbonding: withdrawable from session {u} (in about {} h)",
					u.saturating_sub(self.current_session)
				)),
				None => {
					s.yellow("unbonding: still in the validator set; leaves at the next session")
				},
			},
			"withdrawable" => {
				s.yellow("unbonded: run `ichat operator withdraw` to release the bond")
			},
			other => other.to_owned(),
		};
		let mut lines = vec![
			who,
			field(s, "state", &state, w),
			field(
				s,
				"bond",
				&amount::human(self.bond_planck.as_deref().unwrap_or("0").parse().unwrap_or(0)),
				w,
			),
			field(s, "peer id", self.peer_id.as_deref().unwrap_or("-"), w),
			field(s, "addrs", &self.multiaddrs.join(", "), w),
			field(s, "registered", &format!("session {}", self.registered_at.unwrap_or(0)), w),
		];
		if let Some(since) = self.since {
			lines.push(field(s, "validating", &format!("since session {since}"), w));
		}
		lines.push(s.dim(&format!("current session {}", self.current_session)));
		lines.join("\n")
	}
}

async fn status(args: OperatorStatusArgs, ctx: &Context) -> Result<()> {
	let target = ctx.target(args.address.as_deref())?;
	let chain = ctx.connect().await?;
	let reg = read_registration(&chain, &target.id).await?;
	let mut report = StatusReport {
		account: chain::ss58(&target.id),
		name: target.name,
		state: "not_registered",
		bond: None,
		bond_planck: None,
		peer_id: None,
		multiaddrs: Vec::new(),
		registered_at: None,
		since: None,
		unbond_requested_at: None,
		unlock_session: None,
		current_session: reg.current_session,
	};
	if let Some(node) = reg.node {
		report.state = match node.status {
			NodeStatus::Bonded if reg.active => "active",
			NodeStatus::Bonded if reg.queued => "queued",
			NodeStatus::Bonded => "waiting",
			NodeStatus::Unbonding { unlock_at: Some(u), .. } if reg.current_session >= u => {
				"withdrawable"
			},
			NodeStatus::Unbonding { .. } => "unbonding",
		};
		if let NodeStatus::Unbonding { requested_at, unlock_at } = node.status {
			report.unbond_requested_at = Some(requested_at);
			report.unlock_session = unlock_at;
		}
		report.bond = Some(amount::plain(node.bond));
		report.bond_planck = Some(node.bond.to_string());
		report.peer_id = Some(peer_id::to_text(&node.peer_id));
		report.multiaddrs = node
			.multiaddrs
			.iter()
			.map(|a| String::from_utf8_lossy(a).into_owned())
			.collect();
		report.registered_at = Some(node.registered_at);
		report.since = node.since;
	}
	ctx.out.print(&report)
}

/// `operator unbond` / `operator withdraw` result.
#[derive(Debug, Serialize)]
pub struct TxReport {
	/// Operator address.
	pub account: String,
	/// `unbond` or `withdraw`.
	pub action: &'static str,
	/// For `unbond`: the session from which the bond can be withdrawn (unknown while the node
	/// is still in the planned set).
	pub unlock_session: Option<u32>,
	/// For `withdraw`: the amount released, ICHAT.
	pub released: Option<String>,
	/// Finalized block hash.
	pub block_hash: String,
	/// Finalized block number.
	pub block_number: u64,
	/// Fee, ICHAT.
	pub fee: Option<String>,
}

impl Render for TxReport {
	fn render(&self, s: &Style) -> String {
		let head = match (self.action, &self.released, self.unlock_session) {
			("withdraw", Some(r), _) => format!(
				"{} {} to {}",
				s.green("Released"),
				amount::human(amount::parse(r).unwrap_or(0)),
				self.account
			),
			(_, _, Some(u)) => format!(
				"{} the bond can be withdrawn from session {u} (`ichat operator withdraw`).",
				s.yellow("Unbonding:")
			),
			_ => format!(
				"{} the node leaves the validator set at the next session; `ichat operator status` then shows when the bond unlocks.",
				s.yellow("Unbonding:")
			),
		};
		format!(
			"{head}\n{}",
			s.dim(&format!("block #{} {}", self.block_number, short_hash(&self.block_hash)))
		)
	}
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct UnbondingStarted {
	unlock_at: Option<u32>,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct Withdrawn {
	amount: u128,
}

async fn unbond(ctx: &Context) -> Result<()> {
	let (_name, account) = ctx.unlock()?;
	let chain = ctx.connect().await?;
	let reg = read_registration(&chain, &account.id()).await?;
	match reg.node.as_ref().map(|n| n.status) {
		None => bail!("{} has no registered node", chain::ss58(&account.id())),
		Some(NodeStatus::Unbonding { .. }) => {
			bail!("the node is already unbonding: see `ichat operator status`")
		},
		Some(NodeStatus::Bonded) => {},
	}
	let call = dynamic::transaction("ServiceNodes", "unbond", ());
	let prepared = chain.prepare(&call, &account).await?;
	let question = format!(
		"Unbond your service node? It leaves the validator set and stops earning (fee about {}).",
		amount::human(prepared.fee)
	);
	if !prompt::confirm(&question, "unbond", ctx.settings.yes)? {
		bail!("cancelled");
	}
	let spinner = ctx.out.spinner("unbonding…");
	let done = chain.submit(prepared, &spinner).await;
	spinner.finish();
	let done = done?;
	let unlock_session = done
		.events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "ServiceNodes" && e.event_name() == "UnbondingStarted")
		.and_then(|e| e.decode_fields_unchecked_as::<UnbondingStarted>().ok())
		.and_then(|e| e.unlock_at);
	ctx.out.print(&TxReport {
		account: chain::ss58(&account.id()),
		action: "unbond",
		unlock_session,
		released: None,
		block_hash: done.block_hash,
		block_number: done.block_number,
		fee: done.fee.map(amount::plain),
	})
}

async fn withdraw(ctx: &Context) -> Result<()> {
	let (_name, account) = ctx.unlock()?;
	let chain = ctx.connect().await?;
	let reg = read_registration(&chain, &account.id()).await?;
	match reg.node.as_ref().map(|n| n.status) {
		None => bail!("{} has no registered node", chain::ss58(&account.id())),
		Some(NodeStatus::Bonded) => bail!("the node is still bonded: run `ichat operator unbond` first"),
		Some(NodeStatus::Unbonding { unlock_at: None, .. }) => bail!(
			"the node is still in the validator set; the unbonding period starts when it leaves (see `ichat operator status`)"
		),
		Some(NodeStatus::Unbonding { unlock_at: Some(u), .. }) if reg.current_session < u => bail!(
			"the bond unlocks at session {u}; this is session {} (about {} h to go)",
			reg.current_session,
			u - reg.current_session
		),
		Some(NodeStatus::Unbonding { .. }) => {},
	}
	let call = dynamic::transaction("ServiceNodes", "withdraw_unbonded", ());
	let prepared = chain.prepare(&call, &account).await?;
	let spinner = ctx.out.spinner("withdrawing…");
	let done = chain.submit(prepared, &spinner).await;
	spinner.finish();
	let done = done?;
	let released = done
		.events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "ServiceNodes" && e.event_name() == "Withdrawn")
		.and_then(|e| e.decode_fields_unchecked_as::<Withdrawn>().ok())
		.map(|w| amount::plain(w.amount));
	ctx.out.print(&TxReport {
		account: chain::ss58(&account.id()),
		action: "withdraw",
		unlock_session: None,
		released,
		block_hash: done.block_hash,
		block_number: done.block_number,
		fee: done.fee.map(amount::plain),
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn relay_addresses_are_checked() {
		let peer = peer_id::from_ed25519_public(&[7u8; 32]);
		let own = peer_id::to_text(&peer);
		let other = peer_id::to_text(&peer_id::from_ed25519_public(&[8u8; 32]));
		assert!(check_addrs(&["/ip4/1.2.3.4/tcp/1".into()], &peer).is_ok());
		assert!(check_addrs(&[format!("/ip4/1.2.3.4/tcp/1/p2p/{own}")], &peer).is_ok());
		assert!(check_addrs(&[format!("/ip4/1.2.3.4/tcp/1/p2p/{other}")], &peer).is_err());
		assert!(check_addrs(&["1.2.3.4:30333".into()], &peer).is_err());
		assert!(check_addrs(&["/ip4/1.2.3.4/tcp/1".into(), "/ip4/1.2.3.4/tcp/1".into()], &peer)
			.is_err());
	}

	#[test]
	fn session_keys_are_aura_grandpa_service() {
		let raw: Vec<u8> = (0..96u8).collect();
		let keys = SessionKeys::from_raw(&raw).expect("96 bytes");
		assert_eq!(keys.aura[0], 0);
		assert_eq!(keys.grandpa[0], 32);
		assert_eq!(keys.service[31], 95);
		// The layout of older nodes (Aura + GRANDPA) is refused with a reason.
		let e = SessionKeys::from_raw(&raw[..64]).err().expect("64 bytes refused");
		assert!(e.to_string().contains("expected 96"), "{e}");
	}
}
