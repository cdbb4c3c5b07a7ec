//! The chain specifications the node knows by name.
//!
//! | `--chain` | preset | notes |
//! |---|---|---|
//! | `dev` | `development` | one validator (Alice), used by `--dev` |
//! | `local` | `local_testnet` | six validators Alice..Ferdie, 600-block hours |
//! | `local-fast` | `local_testnet_fast` | as `local`, 10-block hours, for tests |
//! | a path | from the JSON file | e.g. one written by `export-chain-spec` |

use ichat_runtime::{genesis_config_presets::LOCAL_TESTNET_FAST_PRESET, WASM_BINARY};
use sc_service::ChainType;

/// The chain spec type of the iChat chain (no extensions).
pub(crate) type ChainSpec = sc_service::GenericChainSpec;

fn builder(name: &str, id: &str, chain_type: ChainType, preset: &str) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"The iChat runtime WASM blob is missing: this node was built with SKIP_WASM_BUILD set. \
		 Rebuild without it."
			.to_string()
	})?;
	Ok(ChainSpec::builder(wasm, Default::default())
		.with_name(name)
		.with_id(id)
		.with_protocol_id("ichat")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(ichat_runtime::token::chain_properties())
		.build())
}

/// The one-validator development chain.
pub(crate) fn development() -> Result<ChainSpec, String> {
	builder(
		"iChat Development",
		"ichat_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// The six-validator local network.
pub(crate) fn local_testnet() -> Result<ChainSpec, String> {
	builder(
		"iChat Local Testnet",
		"ichat_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// The six-validator local network with 10-block hours.
pub(crate) fn local_testnet_fast() -> Result<ChainSpec, String> {
	builder(
		"iChat Local Testnet (fast hours)",
		"ichat_local_fast",
		ChainType::Local,
		LOCAL_TESTNET_FAST_PRESET,
	)
}
