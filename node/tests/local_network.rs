//! End to end: the 6-validator local network finalizes, and keeps finalizing with a node down.

use anyhow::{ensure, Context, Result};
use ichat_testnet::{finalized_number, wait_for_finalized, Testnet};
use std::{path::Path, time::Duration};

#[tokio::test(flavor = "multi_thread")]
async fn six_validators_keep_finalizing_when_one_is_killed() -> Result<()> {
	let bin = Path::new(env!("CARGO_BIN_EXE_ichat-node"));
	let mut net = Testnet::local(bin, "local", 6)?;

	let mut clients = Vec::new();
	for node in net.nodes.iter_mut() {
		clients.push(node.client(Duration::from_secs(120)).await?);
	}

	// All six see finality advance.
	for (i, client) in clients.iter().enumerate() {
		wait_for_finalized(client, 3, Duration::from_secs(180))
			.await
			.with_context(|| format!("node {} log tail:\n{}", i, net.nodes[i].log_tail(20)))?;
	}

	// Kill Ferdie as a crash would; 5 of 6 GRANDPA voters remain (> 2/3).
	net.nodes[5].kill();
	let observer = &clients[0];
	let before = finalized_number(observer).await?;
	let after = wait_for_finalized(observer, before + 3, Duration::from_secs(120))
		.await
		.with_context(|| format!("alice log tail:\n{}", net.nodes[0].log_tail(30)))?;
	ensure!(after >= before + 3, "finality advanced from #{before} to #{after}");

	// Every surviving node agrees that finality advanced.
	for client in &clients[1..5] {
		ensure!(finalized_number(client).await? > before, "a surviving node follows finality");
	}
	Ok(())
}
