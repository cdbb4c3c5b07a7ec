//! Talking to the iChat chain through subxt's dynamic API (no generated code).
//!
//! - [`connect`]: one WebSocket to a node, checked to be on the iChat chain (`ss58Format` 4242,
//!   `tokenSymbol` ICHAT) before anything else; a node that cannot be reached or is on another
//!   chain gives one clear error line.
//! - [`AccountSigner`]: signs transactions with an [`ichat_crypto::Account`] (sr25519 under the
//!   `substrate` context, exactly what polkadot.js and subxt-signer produce).
//! - [`Chain::prepare`] / [`Chain::submit`]: sign once, estimate the fee, then submit and follow
//!   the transaction until it is final, turning pool and dispatch errors into readable lines.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use ichat_crypto::{account::AccountId, Account, Ss58Prefix};
use subxt::{
	client::OnlineClientAtBlockImpl,
	dynamic,
	error::{DispatchError, TransactionEventsError},
	ext::scale_decode::DecodeAsType,
	extrinsics::ExtrinsicEvents,
	rpcs::{rpc_params, RpcClient},
	transactions::{DefaultParams, Payload, SubmittableTransaction, TransactionStatus},
	utils::{AccountId32, MultiAddress, MultiSignature},
	OnlineClient, SubstrateConfig,
};

use crate::{amount, output::Spinner};

/// A subxt client for the iChat chain.
pub type Client = OnlineClient<SubstrateConfig>;

/// How long to wait for a node to accept the connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The SS58 prefix of the iChat chain.
pub const SS58_FORMAT: u16 = 4242;

/// The chain properties the node reports (`system_properties`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainProperties {
	/// SS58 address prefix.
	pub ss58_format: Option<u64>,
	/// Token symbol.
	pub token_symbol: Option<String>,
	/// Token decimals.
	pub token_decimals: Option<u64>,
}

impl ChainProperties {
	fn from_json(v: &serde_json::Value) -> ChainProperties {
		let first = |key: &str| match v.get(key) {
			Some(serde_json::Value::Array(a)) => a.first().cloned(),
			other => other.cloned(),
		};
		ChainProperties {
			ss58_format: first("ss58Format").and_then(|x| x.as_u64()),
			token_symbol: first("tokenSymbol").and_then(|x| x.as_str().map(str::to_owned)),
			token_decimals: first("tokenDecimals").and_then(|x| x.as_u64()),
		}
	}

	/// `Ok` when these are the iChat chain's properties.
	pub fn check(&self, url: &str) -> Result<()> {
		let is_ichat = self.ss58_format == Some(u64::from(SS58_FORMAT))
			&& self.token_symbol.as_deref() == Some(amount::SYMBOL)
			&& self.token_decimals == Some(u64::from(amount::DECIMALS));
		if !is_ichat {
			bail!(
				"the node at {url} is not on the iChat chain (ss58Format {}, token {}): point --rpc at an iChat node",
				self.ss58_format.map_or("unset".into(), |f| f.to_string()),
				self.token_symbol.as_deref().unwrap_or("unset"),
			);
		}
		Ok(())
	}
}

/// A connection to an iChat node.
#[derive(Clone)]
pub struct Chain {
	/// The subxt client.
	pub client: Client,
	/// The raw JSON-RPC client on the same connection.
	pub rpc: RpcClient,
	/// The endpoint.
	pub url: String,
	/// The chain's properties (checked to be iChat's).
	pub properties: ChainProperties,
}

/// Open a JSON-RPC connection to `url`, with a timeout and a one-line error naming the URL.
pub async fn rpc_connect(url: &str) -> Result<RpcClient> {
	match tokio::time::timeout(CONNECT_TIMEOUT, RpcClient::from_insecure_url(url)).await {
		Ok(Ok(rpc)) => Ok(rpc),
		Ok(Err(e)) => Err(anyhow!("cannot reach an iChat node at {url}: {}", root_cause(&e))),
		Err(_) => Err(anyhow!("cannot reach an iChat node at {url}: no answer within 15 s")),
	}
}

/// Connect to the node at `url` and check it is on the iChat chain.
pub async fn connect(url: &str) -> Result<Chain> {
	let rpc = rpc_connect(url).await?;
	let props: serde_json::Value = rpc
		.request("system_properties", rpc_params![])
		.await
		.map_err(|e| anyhow!("{url} does not answer like a Substrate node: {}", one_line(&e)))?;
	let properties = ChainProperties::from_json(&props);
	properties.check(url)?;
	let client = tokio::time::timeout(CONNECT_TIMEOUT, Client::from_rpc_client(rpc.clone()))
		.await
		.map_err(|_| anyhow!("the node at {url} did not send its metadata within 15 s"))?
		.map_err(|e| anyhow!("cannot use the node at {url}: {}", one_line(&e)))?;
	Ok(Chain { client, rpc, url: url.to_owned(), properties })
}

/// The innermost cause of an error, on one line (e.g. `Connection refused (os error 111)`).
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
	let mut inner = e;
	while let Some(next) = inner.source() {
		inner = next;
	}
	let mut text = one_line(&inner);
	// jsonrpsee nests its transport error in several "…error: " layers of text.
	loop {
		let before = text.len();
		for prefix in ["RPC error: ", "client error: ", "i/o error: "] {
			if let Some(rest) = text.strip_prefix(prefix) {
				text = rest.to_owned();
			}
		}
		if text.len() == before {
			break;
		}
	}
	if text.is_empty() {
		one_line(&e)
	} else {
		text
	}
}

/// The first line of an error's display (subxt errors can be long).
pub fn one_line(e: &dyn std::fmt::Display) -> String {
	let s = e.to_string();
	s.lines().next().unwrap_or_default().trim().to_owned()
}

/// Signs transactions with an iChat account.
pub struct AccountSigner<'a>(pub &'a Account);

impl subxt::transactions::Signer<SubstrateConfig> for AccountSigner<'_> {
	fn account_id(&self) -> AccountId32 {
		AccountId32(self.0.id().0)
	}

	fn sign(&self, signer_payload: &[u8]) -> MultiSignature {
		MultiSignature::Sr25519(self.0.sign_substrate(signer_payload).0)
	}
}

/// A `MultiAddress` for a transaction argument.
pub fn multi_address(who: &AccountId) -> MultiAddress<AccountId32, ()> {
	MultiAddress::Id(AccountId32(who.0))
}

/// `frame_system::AccountInfo`, the parts we read.
#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct AccountInfo {
	data: AccountData,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct AccountData {
	free: u128,
	reserved: u128,
	frozen: u128,
}

/// An account's balance, in planck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
	/// Free balance (includes the frozen part).
	pub free: u128,
	/// Held or reserved (e.g. a service node's bond).
	pub reserved: u128,
	/// Frozen part of the free balance.
	pub frozen: u128,
}

impl Balance {
	/// What can be spent while keeping `existential_deposit` (keep-alive transfers).
	pub fn spendable(&self, existential_deposit: u128) -> u128 {
		let untouchable = self.frozen.max(existential_deposit);
		self.free.saturating_sub(untouchable)
	}
}

/// A signed transaction ready to submit, with its fee estimate.
pub struct Prepared {
	tx: SubmittableTransaction<SubstrateConfig, OnlineClientAtBlockImpl<SubstrateConfig>>,
	/// The estimated fee, in planck.
	pub fee: u128,
}

/// The outcome of a finalized successful transaction.
pub struct Submitted {
	/// The finalized block's hash, `0x` hex.
	pub block_hash: String,
	/// The finalized block's number.
	pub block_number: u64,
	/// The transaction hash, `0x` hex.
	pub tx_hash: String,
	/// The fee actually paid (from `TransactionPayment.TransactionFeePaid`), when found.
	pub fee: Option<u128>,
	/// The transaction's events.
	pub events: ExtrinsicEvents<SubstrateConfig>,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct TransactionFeePaid {
	actual_fee: u128,
	tip: u128,
}

impl Chain {
	/// Connect to `url` (see [`connect`]).
	pub async fn connect(url: &str) -> Result<Chain> {
		connect(url).await
	}

	/// The balance of `who` at the latest finalized block.
	pub async fn balance(&self, who: &AccountId) -> Result<Balance> {
		let at = self
			.client
			.at_current_block()
			.await
			.map_err(|e| self.err("read the chain", &e))?;
		let addr = dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
		let value = at
			.storage()
			.fetch(addr, (who.0,))
			.await
			.map_err(|e| self.err("read System.Account", &e))?;
		let info = value.decode().map_err(|e| self.err("decode System.Account", &e))?;
		Ok(Balance { free: info.data.free, reserved: info.data.reserved, frozen: info.data.frozen })
	}

	/// `Balances.ExistentialDeposit`.
	pub async fn existential_deposit(&self) -> Result<u128> {
		let at = self
			.client
			.at_current_block()
			.await
			.map_err(|e| self.err("read the chain", &e))?;
		at.constants()
			.entry(dynamic::constant::<u128>("Balances", "ExistentialDeposit"))
			.map_err(|e| self.err("read Balances.ExistentialDeposit", &e))
	}

	/// The latest finalized block number.
	pub async fn finalized_number(&self) -> Result<u64> {
		let at = self
			.client
			.at_current_block()
			.await
			.map_err(|e| self.err("read the chain", &e))?;
		Ok(at.block_number())
	}

	fn err(&self, what: &str, e: &dyn std::fmt::Display) -> anyhow::Error {
		anyhow!("cannot {what} from {}: {}", self.url, one_line(e))
	}

	/// Sign `call` with `account` and estimate its fee (nothing is submitted yet).
	pub async fn prepare(&self, call: &impl Payload, account: &Account) -> Result<Prepared> {
		let mut txs = self.client.tx().await.map_err(|e| self.err("read the chain", &e))?;
		let tx = txs
			.create_signed(call, &AccountSigner(account), DefaultParams::default_params())
			.await
			.map_err(|e| explain_error(&e.to_string()))?;
		let fee = tx.partial_fee_estimate().await.map_err(|e| self.err("estimate the fee", &e))?;
		Ok(Prepared { tx, fee })
	}

	/// Submit a prepared transaction and wait until it is finalized and succeeded. The spinner
	/// follows its progress. Failures become one readable line (see [`explain_error`]).
	pub async fn submit(&self, prepared: Prepared, spinner: &Spinner) -> Result<Submitted> {
		let tx_hash = format!("{:?}", prepared.tx.hash());
		spinner.set_message("submitting…");
		let mut progress = prepared
			.tx
			.submit_and_watch()
			.await
			.map_err(|e| explain_error(&format!("{e}: {e:?}")))?;
		let in_block = loop {
			let status = match progress.next().await {
				Some(Ok(s)) => s,
				Some(Err(e)) => return Err(explain_error(&format!("{e}: {e:?}"))),
				None => bail!("the node stopped reporting on the transaction {tx_hash}"),
			};
			match status {
				TransactionStatus::Validated | TransactionStatus::Broadcasted => {
					spinner.set_message("waiting for a block…")
				},
				TransactionStatus::NoLongerInBestBlock => {
					spinner.set_message("re-organisation, waiting for a block…")
				},
				TransactionStatus::InBestBlock(_) => {
					spinner.set_message("in a block, waiting for finality…")
				},
				TransactionStatus::InFinalizedBlock(b) => break b,
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => return Err(explain_error(&message)),
			}
		};
		let block_hash = format!("{:?}", in_block.block_hash());
		let events = match in_block.wait_for_success().await {
			Ok(events) => events,
			Err(TransactionEventsError::ExtrinsicFailed(e)) => {
				return Err(explain_dispatch_error(&e))
			},
			Err(e) => {
				return Err(anyhow!("cannot read the transaction's outcome: {}", one_line(&e)))
			},
		};
		let block_number = in_block
			.at()
			.await
			.map(|at| at.block_number())
			.map_err(|e| self.err("read the block", &e))?;
		let fee = events
			.iter()
			.filter_map(Result::ok)
			.find(|e| {
				e.pallet_name() == "TransactionPayment" && e.event_name() == "TransactionFeePaid"
			})
			.and_then(|e| e.decode_fields_unchecked_as::<TransactionFeePaid>().ok())
			.map(|f| f.actual_fee + f.tip);
		Ok(Submitted { block_hash, block_number, tx_hash, fee, events })
	}
}

/// Whether `events` contains `pallet.name`.
pub fn has_event(events: &ExtrinsicEvents<SubstrateConfig>, pallet: &str, name: &str) -> bool {
	events
		.iter()
		.filter_map(Result::ok)
		.any(|e| e.pallet_name() == pallet && e.event_name() == name)
}

/// Turn a transaction-pool or submission error message into one readable line.
pub fn explain_error(message: &str) -> anyhow::Error {
	let m = message;
	if m.contains("Inability to pay some fees") || m.contains("balance too low") {
		return anyhow!("insufficient balance: the account cannot pay the transaction fee");
	}
	if m.contains("Transaction is outdated") || m.contains("Priority is too low") {
		return anyhow!(
			"another transaction from this account is pending; wait for it to finish and retry"
		);
	}
	if m.contains("Transaction has a bad signature") {
		return anyhow!("the node rejected the signature (is the account on this chain?)");
	}
	if m.contains("Transaction would exhaust the block limits") {
		return anyhow!("the transaction is too large for a block");
	}
	anyhow!("the transaction was rejected: {}", m.lines().next().unwrap_or(m))
}

/// Turn a dispatch error into one readable line: `Pallet.Error: its documentation`.
pub fn explain_dispatch_error(e: &DispatchError) -> anyhow::Error {
	use subxt::error::TokenError;
	match e {
		DispatchError::Module(m) => match m.details() {
			Ok(d) => {
				let docs = d.variant.docs.join(" ");
				let docs = docs.trim();
				if docs.is_empty() {
					anyhow!("the chain refused: {}.{}", d.pallet.name(), d.variant.name)
				} else {
					anyhow!("the chain refused: {}.{}: {docs}", d.pallet.name(), d.variant.name)
				}
			},
			Err(_) => anyhow!("the chain refused: {m}"),
		},
		DispatchError::Token(TokenError::FundsUnavailable) => {
			anyhow!("insufficient balance: the funds are not available")
		},
		DispatchError::Token(TokenError::NotExpendable) => anyhow!(
			"insufficient balance: the account must keep the existential deposit (send a little less)"
		),
		DispatchError::Token(TokenError::BelowMinimum) => anyhow!(
			"the amount is below the existential deposit needed to create the recipient's account"
		),
		DispatchError::Token(TokenError::Frozen) => anyhow!("the funds are frozen"),
		other => anyhow!("the chain refused: {other}"),
	}
}

/// Parse an address: SS58 with the iChat prefix (4242) or the generic one (42), or 32 bytes of
/// `0x` hex. Another network's prefix is refused.
pub fn parse_address(text: &str) -> Result<AccountId> {
	let t = text.trim();
	if let Some(hex) = t.strip_prefix("0x") {
		let bytes = hex::decode(hex).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
		return bytes
			.map(AccountId)
			.with_context(|| format!("{t:?} is not a 32-byte hex account id"));
	}
	let (id, prefix) =
		AccountId::from_ss58_any(t).map_err(|_| anyhow!("{t:?} is not a valid address"))?;
	if prefix != Ss58Prefix::ICHAT && prefix != Ss58Prefix::GENERIC {
		bail!(
			"{t:?} is an address of another network (prefix {}), not iChat (prefix {SS58_FORMAT})",
			prefix.get()
		);
	}
	Ok(id)
}

/// The iChat SS58 form of an account id.
pub fn ss58(id: &AccountId) -> String {
	id.to_ss58(Ss58Prefix::ICHAT)
}

#[cfg(test)]
mod tests {
	use super::*;
	use ichat_crypto::Suri;

	#[test]
	fn properties_check() {
		let ok = ChainProperties::from_json(&serde_json::json!({
			"ss58Format": 4242, "tokenSymbol": "ICHAT", "tokenDecimals": 12
		}));
		assert!(ok.check("ws://x").is_ok());
		let dot = ChainProperties::from_json(&serde_json::json!({
			"ss58Format": 0, "tokenSymbol": ["DOT"], "tokenDecimals": [10]
		}));
		let e = dot.check("ws://x").expect_err("wrong chain");
		assert_eq!(
			e.to_string(),
			"the node at ws://x is not on the iChat chain (ss58Format 0, token DOT): point --rpc at an iChat node"
		);
		assert!(ChainProperties::from_json(&serde_json::json!({})).check("ws://x").is_err());
	}

	#[test]
	fn addresses() {
		let alice = Account::from_suri(&Suri::parse("//Alice").expect("suri")).expect("account");
		let id = alice.id();
		assert_eq!(
			parse_address("mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E4").expect("4242"),
			id
		);
		assert_eq!(
			parse_address("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").expect("42"),
			id
		);
		assert_eq!(parse_address(&format!("0x{}", hex::encode(id.0))).expect("hex"), id);
		let polkadot = id.to_ss58(Ss58Prefix::new(0).expect("prefix"));
		assert!(parse_address(&polkadot)
			.expect_err("dot")
			.to_string()
			.contains("another network"));
		assert!(parse_address("mHpNjVNAj3mWbGmzwFqAt3Et9CLcYrpuYZbJ7um8uJY2uJ7E5").is_err());
		assert!(parse_address("0x1234").is_err());
	}

	#[test]
	fn signer_matches_the_account() {
		use subxt::transactions::Signer;
		let alice = Account::from_suri(&Suri::parse("//Alice").expect("suri")).expect("account");
		let signer = AccountSigner(&alice);
		assert_eq!(Signer::<SubstrateConfig>::account_id(&signer).0, alice.id().0);
		let MultiSignature::Sr25519(sig) = Signer::<SubstrateConfig>::sign(&signer, b"payload")
		else {
			panic!("sr25519 signature expected");
		};
		alice
			.id()
			.verify_substrate(b"payload", &ichat_crypto::Signature(sig))
			.expect("verifies under the substrate context");
	}

	#[test]
	fn pool_errors_are_explained() {
		let e = explain_error(
			"Invalid Transaction: Inability to pay some fees (e.g. account balance too low)",
		);
		assert!(e.to_string().starts_with("insufficient balance"));
	}

	#[test]
	fn spendable_keeps_existential_deposit_and_frozen() {
		let b = Balance { free: 100, reserved: 7, frozen: 0 };
		assert_eq!(b.spendable(10), 90);
		let b = Balance { free: 100, reserved: 0, frozen: 30 };
		assert_eq!(b.spendable(10), 70);
		assert_eq!(Balance::default().spendable(10), 0);
	}
}
