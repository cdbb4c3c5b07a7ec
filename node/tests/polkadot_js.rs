//! End to end: polkadot.js (`@polkadot/api` 16 from npm) reads the token properties and a
//! balance from a real dev node with no custom type definitions.

use anyhow::{bail, ensure, Context, Result};
use ichat_testnet::{wait_for_finalized, Testnet};
use std::{path::Path, process::Command, time::Duration};

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_reads_token_properties_and_balance() -> Result<()> {
	let js_dir = ichat_testnet::manifest_dir().join("../scripts/js");
	ensure!(
		js_dir.join("node_modules/@polkadot/api").exists(),
		"@polkadot/api is not installed: run `npm ci --prefix scripts/js` (scripts/test.sh does)"
	);

	let bin = Path::new(env!("CARGO_BIN_EXE_ichat-node"));
	let mut net = Testnet::dev(bin)?;
	let client = net.nodes[0].client(Duration::from_secs(120)).await?;
	wait_for_finalized(&client, 1, Duration::from_secs(120)).await?;

	let out = Command::new("node")
		.arg(js_dir.join("check-chain.mjs"))
		.arg(net.nodes[0].ws_url())
		.output()
		.context("cannot run `node`: install Node.js")?;
	if !out.status.success() {
		bail!("check-chain.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
	}
	let v: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
		format!("bad JSON from check-chain.mjs: {}", String::from_utf8_lossy(&out.stdout))
	})?;

	let props = &v["properties"];
	ensure!(
		props["tokenSymbol"] == serde_json::json!(["ICHAT"]) || props["tokenSymbol"] == "ICHAT",
		"tokenSymbol: {props}"
	);
	ensure!(
		props["tokenDecimals"] == serde_json::json!([12]) || props["tokenDecimals"] == 12,
		"tokenDecimals: {props}"
	);
	ensure!(props["ss58Format"] == 4242, "ss58Format: {props}");
	ensure!(v["registry"]["ss58"] == 4242, "polkadot.js registry prefix: {}", v["registry"]);
	ensure!(
		v["registry"]["tokens"] == serde_json::json!(["ICHAT"]),
		"registry tokens: {}",
		v["registry"]
	);
	ensure!(
		v["registry"]["decimals"] == serde_json::json!([12]),
		"registry decimals: {}",
		v["registry"]
	);

	// Alice's address in iChat's SS58 format, and her genesis balance: the sudo account holds
	// the supply not given to the other five development accounts.
	let free: u128 = v["free"].as_str().context("free")?.parse()?;
	let ichat: u128 = 1_000_000_000_000;
	ensure!(free > 900_000_000 * ichat && free <= 950_000_000 * ichat, "Alice holds {free}");
	let address = v["address"].as_str().context("address")?;
	ensure!(!address.starts_with('5'), "address {address} uses the generic prefix 42");
	let pallets = v["pallets"].as_array().context("pallets")?;
	for p in ["Balances", "Session", "Hours", "Aura", "Grandpa", "Sudo"] {
		ensure!(pallets.iter().any(|x| x == p), "metadata lacks pallet {p}: {pallets:?}");
	}
	Ok(())
}
