//! `ichat wallet balance|transfer|history`.

use anyhow::{bail, Result};
use futures::StreamExt;
use serde::Serialize;
use subxt::{dynamic, ext::scale_decode::DecodeAsType};

use crate::{
	amount,
	chain::{self, Chain, Client},
	cli::{WalletBalanceArgs, WalletCommand, WalletHistoryArgs, WalletTransferArgs},
	context::{Context, Target},
	output::{field, short_hash, Render, Style},
	prompt,
};

/// Run a `wallet` subcommand.
pub async fn run(command: WalletCommand, ctx: &Context) -> Result<()> {
	match command {
		WalletCommand::Balance(a) => balance(a, ctx).await,
		WalletCommand::Transfer(a) => transfer(a, ctx).await,
		WalletCommand::History(a) => history(a, ctx).await,
	}
}

fn label(t: &Target) -> String {
	match &t.name {
		Some(n) => format!("{} ({n})", chain::ss58(&t.id)),
		None => chain::ss58(&t.id),
	}
}

/// `wallet balance` result.
#[derive(Debug, Serialize)]
pub struct BalanceReport {
	/// SS58 address.
	pub address: String,
	/// Keystore name, when local.
	pub account: Option<String>,
	/// Free balance, ICHAT.
	pub free: String,
	/// Held/reserved (bonds), ICHAT.
	pub reserved: String,
	/// Frozen part of free, ICHAT.
	pub frozen: String,
	/// What a keep-alive transfer can move (free minus max(frozen, existential deposit)).
	pub transferable: String,
	/// `free` in planck.
	pub free_planck: String,
	/// `reserved` in planck.
	pub reserved_planck: String,
	/// `frozen` in planck.
	pub frozen_planck: String,
	/// `transferable` in planck.
	pub transferable_planck: String,
	/// The finalized block the balance was read at.
	pub block_number: u64,
}

impl Render for BalanceReport {
	fn render(&self, s: &Style) -> String {
		let w = 13;
		let who = match &self.account {
			Some(n) => format!("{} {}", s.bold(n), s.cyan(&self.address)),
			None => s.cyan(&self.address),
		};
		let p = |x: &str| amount::human(x.parse().unwrap_or(0));
		let mut lines = vec![
			who,
			field(s, "free", &s.bold(&p(&self.free_planck)), w),
			field(s, "transferable", &p(&self.transferable_planck), w),
		];
		if self.reserved_planck != "0" {
			lines.push(field(s, "held (bond)", &p(&self.reserved_planck), w));
		}
		if self.frozen_planck != "0" {
			lines.push(field(s, "frozen", &p(&self.frozen_planck), w));
		}
		lines.push(s.dim(&format!("at finalized block #{}", self.block_number)));
		lines.join("\n")
	}
}

async fn balance(args: WalletBalanceArgs, ctx: &Context) -> Result<()> {
	let target = ctx.target(args.address.as_deref())?;
	let chain = ctx.connect().await?;
	let b = chain.balance(&target.id).await?;
	let ed = chain.existential_deposit().await?;
	let block_number = chain.finalized_number().await?;
	let t = b.spendable(ed);
	ctx.out.print(&BalanceReport {
		address: chain::ss58(&target.id),
		account: target.name,
		free: amount::plain(b.free),
		reserved: amount::plain(b.reserved),
		frozen: amount::plain(b.frozen),
		transferable: amount::plain(t),
		free_planck: b.free.to_string(),
		reserved_planck: b.reserved.to_string(),
		frozen_planck: b.frozen.to_string(),
		transferable_planck: t.to_string(),
		block_number,
	})
}

/// `wallet transfer` result.
#[derive(Debug, Serialize)]
pub struct TransferReport {
	/// Sender address.
	pub from: String,
	/// Recipient address.
	pub to: String,
	/// Amount, ICHAT.
	pub amount: String,
	/// Amount, planck.
	pub amount_planck: String,
	/// Fee paid, ICHAT (when the chain reported it).
	pub fee: Option<String>,
	/// Fee paid, planck.
	pub fee_planck: Option<String>,
	/// Finalized block hash.
	pub block_hash: String,
	/// Finalized block number.
	pub block_number: u64,
	/// Transaction hash.
	pub tx_hash: String,
}

impl Render for TransferReport {
	fn render(&self, s: &Style) -> String {
		let w = 8;
		let p = |x: &str| amount::human(x.parse().unwrap_or(0));
		let mut lines = vec![format!(
			"{} {} to {}",
			s.green("Sent"),
			s.bold(&p(&self.amount_planck)),
			s.cyan(&self.to)
		)];
		if let Some(fee) = &self.fee_planck {
			lines.push(field(s, "fee", &p(fee), w));
		}
		lines.push(field(
			s,
			"block",
			&format!("#{} {}", self.block_number, short_hash(&self.block_hash)),
			w,
		));
		lines.push(field(s, "tx", &self.tx_hash, w));
		lines.join("\n")
	}
}

async fn transfer(args: WalletTransferArgs, ctx: &Context) -> Result<()> {
	let value = amount::parse(&args.amount)?;
	if value == 0 {
		bail!("the amount must be more than 0");
	}
	let to = ctx.target(Some(&args.to))?;
	let (_name, account) = ctx.unlock()?;
	let chain = ctx.connect().await?;
	if to.id == account.id() {
		ctx.out.warn("you are sending to yourself; only the fee will leave the account");
	}
	let call = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(chain::multi_address(&to.id), value),
	);
	let prepared = chain.prepare(&call, &account).await?;
	let ed = chain.existential_deposit().await?;
	let mine = chain.balance(&account.id()).await?;
	let need = value.saturating_add(prepared.fee);
	if mine.free < need {
		bail!(
			"insufficient balance: you have {}, need {} + fee {}",
			amount::human(mine.free),
			amount::human(value),
			amount::human(prepared.fee)
		);
	}
	if mine.spendable(ed) < need {
		bail!(
			"insufficient balance: you have {}, need {} + fee {} and must keep {} (the existential deposit{})",
			amount::human(mine.free),
			amount::human(value),
			amount::human(prepared.fee),
			amount::human(mine.frozen.max(ed)),
			if mine.frozen > ed { " and frozen funds" } else { "" }
		);
	}
	if value < ed && chain.balance(&to.id).await?.free == 0 {
		bail!(
			"{} is below the existential deposit ({}) needed to create the recipient's account",
			amount::human(value),
			amount::human(ed)
		);
	}
	let question = format!(
		"Send {} to {} (fee about {})?",
		amount::human(value),
		label(&to),
		amount::human(prepared.fee)
	);
	let action = format!("send {}", amount::human(value));
	if !prompt::confirm(&question, &action, ctx.settings.yes)? {
		bail!("cancelled: nothing was sent");
	}
	let spinner = ctx.out.spinner("submitting…");
	let done = chain.submit(prepared, &spinner).await;
	spinner.finish();
	let done = done?;
	ctx.out.print(&TransferReport {
		from: chain::ss58(&account.id()),
		to: chain::ss58(&to.id),
		amount: amount::plain(value),
		amount_planck: value.to_string(),
		fee: done.fee.map(amount::plain),
		fee_planck: done.fee.map(|f| f.to_string()),
		block_hash: done.block_hash,
		block_number: done.block_number,
		tx_hash: done.tx_hash,
	})
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct TransferEvent {
	from: [u8; 32],
	to: [u8; 32],
	amount: u128,
}

/// One transfer in `wallet history`.
#[derive(Debug, Serialize, Clone)]
pub struct HistoryEntry {
	/// Block number.
	pub block_number: u64,
	/// Block hash.
	pub block_hash: String,
	/// `in`, `out` or `self`.
	pub direction: &'static str,
	/// Sender address.
	pub from: String,
	/// Recipient address.
	pub to: String,
	/// Amount, ICHAT.
	pub amount: String,
	/// Amount, planck.
	pub amount_planck: String,
	/// Block time, milliseconds since the Unix epoch (when readable).
	pub timestamp_ms: Option<u64>,
}

/// `wallet history` result.
#[derive(Debug, Serialize)]
pub struct HistoryReport {
	/// The account's address.
	pub address: String,
	/// Keystore name, when local.
	pub account: Option<String>,
	/// The newest block scanned (the latest finalized).
	pub to_block: u64,
	/// The oldest block scanned.
	pub from_block: u64,
	/// Blocks scanned.
	pub scanned: u64,
	/// Set when the node no longer has the state of older blocks: the first block it could
	/// not read.
	pub pruned_at: Option<u64>,
	/// Transfers, newest first.
	pub transfers: Vec<HistoryEntry>,
}

impl Render for HistoryReport {
	fn render(&self, s: &Style) -> String {
		let mut lines = Vec::new();
		let who = self.account.clone().unwrap_or_else(|| self.address.clone());
		if self.transfers.is_empty() {
			lines.push(format!(
				"No transfers of {who} in blocks #{}–#{}.",
				self.from_block, self.to_block
			));
		} else {
			lines.push(format!(
				"Transfers of {} in blocks #{}–#{}:",
				s.bold(&who),
				self.from_block,
				self.to_block
			));
		}
		let width = self
			.transfers
			.iter()
			.map(|t| amount::human(t.amount_planck.parse().unwrap_or(0)).len())
			.max()
			.unwrap_or(0);
		for t in &self.transfers {
			let amt = amount::human(t.amount_planck.parse().unwrap_or(0));
			let amt = format!("{amt:>width$}");
			let (dir, other) = match t.direction {
				"in" => (s.green("in "), format!("from {}", t.from)),
				"out" => (s.red("out"), format!("to   {}", t.to)),
				_ => (s.dim("self"), "to yourself".to_owned()),
			};
			lines.push(format!(
				"  {}  {dir}  {}  {other}",
				s.dim(&format!("#{:<7}", t.block_number)),
				s.bold(&amt)
			));
		}
		if let Some(p) = self.pruned_at {
			lines.push(s.dim(&format!(
				"The node has pruned the state of block #{p} and older; run it with --state-pruning archive for a full history."
			)));
		}
		lines.join("\n")
	}
}

async fn scan_block(client: &Client, n: u64, who: [u8; 32]) -> Result<Vec<HistoryEntry>> {
	let at = client.at_block(n).await?;
	let events = at.events().fetch().await?;
	let mut out = Vec::new();
	for ev in events.iter() {
		let ev = ev?;
		if ev.pallet_name() != "Balances" || ev.event_name() != "Transfer" {
			continue;
		}
		let t = ev.decode_fields_unchecked_as::<TransferEvent>()?;
		if t.from != who && t.to != who {
			continue;
		}
		let direction = match (t.from == who, t.to == who) {
			(true, true) => "self",
			(true, false) => "out",
			_ => "in",
		};
		out.push(HistoryEntry {
			block_number: n,
			block_hash: format!("{:?}", at.block_hash()),
			direction,
			from: chain::ss58(&t.from.into()),
			to: chain::ss58(&t.to.into()),
			amount: amount::plain(t.amount),
			amount_planck: t.amount.to_string(),
			timestamp_ms: None,
		});
	}
	if !out.is_empty() {
		let now = at
			.storage()
			.fetch(dynamic::storage::<(), u64>("Timestamp", "Now"), ())
			.await
			.ok()
			.and_then(|v| v.decode().ok());
		for e in &mut out {
			e.timestamp_ms = now;
		}
	}
	Ok(out)
}

async fn history(args: WalletHistoryArgs, ctx: &Context) -> Result<()> {
	if args.blocks == 0 {
		bail!("--blocks must be at least 1");
	}
	let target = ctx.target(args.address.as_deref())?;
	let chain: Chain = ctx.connect().await?;
	let to_block = chain.finalized_number().await?;
	let from_wanted = to_block.saturating_sub(u64::from(args.blocks) - 1);
	let total = to_block - from_wanted + 1;
	let who = target.id.0;
	let client = chain.client.clone();
	let mut stream = futures::stream::iter((from_wanted..=to_block).rev())
		.map(|n| {
			let client = client.clone();
			async move { (n, scan_block(&client, n, who).await) }
		})
		.buffered(8);
	let mut transfers = Vec::new();
	let mut scanned = 0u64;
	let mut from_block = to_block;
	let mut pruned_at = None;
	while let Some((n, result)) = stream.next().await {
		match result {
			Ok(found) => {
				transfers.extend(found);
				scanned += 1;
				from_block = n;
			},
			Err(e) if scanned > 0 => {
				let _ = e;
				pruned_at = Some(n);
				break;
			},
			Err(e) => bail!("cannot read block #{n} from {}: {}", chain.url, chain::one_line(&e)),
		}
		if scanned.is_multiple_of(25) {
			ctx.out.progress("scanning blocks", scanned, total);
		}
	}
	drop(stream);
	ctx.out.progress_done();
	ctx.out.print(&HistoryReport {
		address: chain::ss58(&target.id),
		account: target.name,
		to_block,
		from_block,
		scanned,
		pruned_at,
		transfers,
	})
}
