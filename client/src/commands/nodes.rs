//! `ichat nodes`: the relay nodes online, measured from here, and the relay nodes every
//! relay command starts from ([`relay_nodes`]).
//!
//! The relay nodes come from `--bootstrap`/config `bootstrap` when given, else from the chain
//! registry (the `ServiceNodesApi_active_nodes` runtime API over `--rpc`).

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use codec::Decode;
use ichat_relay_client::{ClientConfig, NodeAddress, RelayClient};
use serde::Serialize;
use subxt::rpcs::rpc_params;

use crate::{
	cli::NodesArgs,
	context::Context,
	output::{Render, Style},
};

/// The relay nodes to start from.
pub async fn relay_nodes(ctx: &Context) -> Result<Vec<NodeAddress>> {
	if !ctx.settings.bootstrap.is_empty() {
		return ctx
			.settings
			.bootstrap
			.iter()
			.map(|b| NodeAddress::parse(b).map_err(|e| anyhow!("bootstrap node {b}: {e}")))
			.collect();
	}
	let rpc = crate::chain::rpc_connect(&ctx.settings.rpc).await?;
	let hex: String = rpc
		.request("state_call", rpc_params!["ServiceNodesApi_active_nodes", "0x"])
		.await
		.map_err(|e| {
			anyhow!(
				"cannot read the relay registry from {}: {}",
				ctx.settings.rpc,
				crate::chain::one_line(&e)
			)
		})?;
	let bytes = hex::decode(hex.trim_start_matches("0x")).context("registry answer is not hex")?;
	let nodes = Vec::<pallet_service_nodes::NodeInfo<[u8; 32], u128>>::decode(&mut &bytes[..])
		.map_err(|e| {
			anyhow!(
				"cannot decode the relay registry ({e}): is {} an iChat node?",
				ctx.settings.rpc
			)
		})?;
	let nodes: Vec<NodeAddress> = nodes
		.iter()
		.filter_map(|n| NodeAddress::from_registry(&n.peer_id, &n.multiaddrs).ok())
		.filter(|n| !n.addrs.is_empty())
		.collect();
	if nodes.is_empty() {
		bail!("the chain registry lists no relay node; give one with --bootstrap");
	}
	Ok(nodes)
}

/// One relay node in `ichat nodes`.
#[derive(Debug, Serialize)]
struct NodeRow {
	peer_id: String,
	address: String,
	rtt_ms: Option<f64>,
	uptime_secs: u64,
	in_use: bool,
}

#[derive(Debug, Serialize)]
struct NodesReport {
	nodes: Vec<NodeRow>,
	online: usize,
}

impl Render for NodesReport {
	fn render(&self, s: &Style) -> String {
		let mut out = format!(
			"{} online relay nodes ({} marked * would carry your chat)\n",
			self.online,
			self.nodes.iter().filter(|n| n.in_use).count()
		);
		out.push_str(
			&s.dim(&format!("   {:<54} {:>9} {:>9}  {}", "PEER ID", "RTT", "UPTIME", "ADDRESS")),
		);
		for n in &self.nodes {
			let rtt = n.rtt_ms.map_or("down".into(), |r| format!("{r:.1} ms"));
			let mark = if n.in_use { s.green("*") } else { " ".into() };
			out.push_str(&format!(
				"\n {mark} {:<54} {:>9} {:>8}s  {}",
				s.cyan(&n.peer_id),
				rtt,
				n.uptime_secs,
				n.address
			));
		}
		out
	}
}

/// Runs `ichat nodes`.
pub async fn run(args: NodesArgs, ctx: &Context) -> Result<()> {
	let seeds = relay_nodes(ctx).await?;
	let spinner = ctx.out.spinner(&format!("measuring {} relay nodes…", seeds.len()));
	let client = RelayClient::start(ClientConfig {
		request_timeout: Duration::from_secs(5),
		..Default::default()
	})?;
	// Ask a reachable node for its online list (uptime, and nodes the chain may not list yet).
	let mut all: Vec<(NodeAddress, u64)> = seeds.iter().map(|n| (n.clone(), 0)).collect();
	for seed in &seeds {
		client.add_node(seed);
		if let Ok(list) = client.nodes(seed.peer_id, 256).await {
			for info in list {
				let Ok(node) = NodeAddress::from_wire(&info.node) else { continue };
				match all.iter_mut().find(|(n, _)| n.peer_id == node.peer_id) {
					Some(entry) => entry.1 = info.uptime_secs,
					None if !node.addrs.is_empty() => all.push((node, info.uptime_secs)),
					None => {},
				}
			}
			break;
		}
	}
	let rtts = futures::future::join_all(all.iter().map(|(n, _)| {
		let client = &client;
		async move {
			client.add_node(n);
			client.ping(n.peer_id).await.ok().map(|(rtt, _)| rtt)
		}
	}))
	.await;
	spinner.finish();
	let mut rows: Vec<NodeRow> = all
		.iter()
		.zip(rtts)
		.map(|((n, up), rtt)| NodeRow {
			peer_id: n.peer_id.to_string(),
			address: n.addrs.first().map(|a| a.to_string()).unwrap_or_default(),
			rtt_ms: rtt.map(|r| r.as_secs_f64() * 1e3),
			uptime_secs: *up,
			in_use: false,
		})
		.collect();
	rows.sort_by(|a, b| {
		a.rtt_ms
			.unwrap_or(f64::MAX)
			.partial_cmp(&b.rtt_ms.unwrap_or(f64::MAX))
			.unwrap_or(std::cmp::Ordering::Equal)
	});
	for row in rows.iter_mut().filter(|r| r.rtt_ms.is_some()).take(args.use_nodes) {
		row.in_use = true;
	}
	let online = rows.iter().filter(|r| r.rtt_ms.is_some()).count();
	if online == 0 {
		bail!("no reachable relay node (tried {} nodes)", rows.len());
	}
	ctx.out.print(&NodesReport { nodes: rows, online })
}
