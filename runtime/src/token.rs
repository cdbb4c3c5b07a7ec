//! The iChat token: units, supply and the chain properties wallets read.
//!
//! iChat (`ICHAT`) is the native token, kept by `pallet-balances`. One ICHAT is 10^12 planck
//! (12 decimals, like DOT's smallest-unit naming). The genesis supply is
//! [`TOTAL_SUPPLY`] = 1,000,000,000 ICHAT on every preset: each preset endows its accounts
//! with fixed amounts and gives the rest to its sudo account, and a test checks that the sum
//! is exact. Later issuance (hourly service rewards) and burning (postage buy-back) change the
//! total issuance from there; `pallet_balances::TotalIssuance` is the live figure.

use crate::Balance;

/// Ticker symbol shown by wallets (`tokenSymbol` chain property).
pub const TOKEN_SYMBOL: &str = "ICHAT";

/// Decimal places (`tokenDecimals` chain property).
pub const TOKEN_DECIMALS: u8 = 12;

/// One ICHAT in planck.
pub const ICHAT: Balance = 1_000_000_000_000;

/// One thousandth of an ICHAT.
pub const MILLI_ICHAT: Balance = ICHAT / 1_000;

/// One millionth of an ICHAT.
pub const MICRO_ICHAT: Balance = ICHAT / 1_000_000;

/// The genesis supply: one billion ICHAT.
pub const TOTAL_SUPPLY: Balance = 1_000_000_000 * ICHAT;

/// The minimum balance an account must keep to exist (0.001 ICHAT).
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_ICHAT;

/// The minimum bond of a service node: 1,000,000 ICHAT.
pub const MIN_SERVICE_NODE_BOND: Balance = 1_000_000 * ICHAT;

/// The chain properties every chain spec carries, as JSON, so that polkadot.js and wallets
/// show balances and addresses correctly.
#[cfg(feature = "std")]
pub fn chain_properties() -> serde_json::Map<String, serde_json::Value> {
	let mut props = serde_json::Map::new();
	props.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	props.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	props.insert("ss58Format".into(), crate::SS58_PREFIX.into());
	props
}
