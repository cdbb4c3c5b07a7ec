//! `ichat chat send|listen|open`: chatting over the relay network from the command line.
//!
//! The relay nodes come from [`relay_nodes`] (`--bootstrap`, or the chain registry). The
//! connection policy is `ichat_relay_client::Messenger`: the best 5 nodes by RTT, presence on them, every message
//! through 5 entry nodes, duplicates dropped, failed nodes replaced. Nothing is written to disk:
//! a read message is acknowledged (burned on every node) and gone once shown.

use std::{sync::Arc, time::Duration};

use anyhow::{anyhow, bail, Result};
use ichat_crypto::{account::AccountId, envelope::OpenedEnvelope, Account, Ss58Prefix};
use ichat_relay_client::{chat, Incoming, Messenger, MessengerConfig, SendReport};
use ichat_relay_proto::RoutingId;
use serde::Serialize;
use tokio::{io::AsyncBufReadExt, sync::mpsc};

use crate::{
	cli::ChatCommand,
	commands::nodes::relay_nodes,
	context::Context,
	output::{Render, Style},
};

/// Parses an address argument into the account and its routing id.
fn recipient(ctx: &Context, text: &str) -> Result<AccountId> {
	Ok(ctx.target(Some(text))?.id)
}

fn routing(id: &AccountId) -> RoutingId {
	RoutingId::for_account(&ichat_relay_proto::AccountId(id.0))
}

/// Connects to the relay network. A session that `receive`s subscribes and goes online; one
/// that only sends (`chat send`) never does, so nobody's message to this account is stored
/// because of it, and a listening session of the same account keeps its presence.
async fn start_messenger(
	ctx: &Context,
	account: Arc<Account>,
	receive: bool,
) -> Result<(Arc<Messenger>, mpsc::Receiver<Incoming>)> {
	let seeds = relay_nodes(ctx).await?;
	let spinner = ctx.out.spinner("connecting to the relay network…");
	let config = MessengerConfig { receive, ..MessengerConfig::default() };
	let started = Messenger::start(account, seeds, config).await;
	spinner.finish();
	let (m, rx) = started.map_err(|e| anyhow!("{e}"))?;
	if m.in_use().len() < 5 {
		ctx.out.warn(&format!(
			"only {} relay nodes reachable; messages go through fewer than 5",
			m.in_use().len()
		));
	}
	Ok((m, rx))
}

/// What `chat send` reports.
#[derive(Debug, Serialize)]
struct SendOutcome {
	to: String,
	state: &'static str,
	message_id: Option<String>,
	accepted_by: usize,
	stored_on: usize,
	failures: Vec<String>,
}

impl SendOutcome {
	fn new(to: &AccountId, report: &SendReport) -> SendOutcome {
		SendOutcome {
			to: crate::chain::ss58(to),
			state: state_of(report),
			message_id: report.message_id.map(|id| hex::encode(id.0)),
			accepted_by: report.accepted_by.len(),
			stored_on: report.stored_on.len(),
			failures: report.failures.iter().map(|(p, e)| format!("{p}: {e}")).collect(),
		}
	}
}

fn state_of(report: &SendReport) -> &'static str {
	if report.accepted() {
		"accepted"
	} else if report.offline {
		"recipient_offline"
	} else {
		"failed"
	}
}

fn describe(report: &SendReport, s: &Style) -> String {
	match state_of(report) {
		"accepted" => s.green(&format!(
			"✓ accepted by {} nodes, stored on {} of the recipient's",
			report.accepted_by.len(),
			report.stored_on.len()
		)),
		"recipient_offline" => s.yellow(
			"✗ recipient offline: not delivered (messages are never stored for offline users)",
		),
		_ => s.red(&format!(
			"✗ failed: {}",
			report
				.failures
				.first()
				.map_or("no relay node answered".to_string(), |(_, e)| e.clone())
		)),
	}
}

impl Render for SendOutcome {
	fn render(&self, s: &Style) -> String {
		match self.state {
			"accepted" => s.green(&format!(
				"✓ message to {} accepted by {} relay nodes, stored on {} of the recipient's nodes",
				self.to, self.accepted_by, self.stored_on
			)),
			"recipient_offline" => s.yellow(&format!(
				"✗ {} is offline: the message was dropped, not delivered",
				self.to
			)),
			_ => s.red(&format!("✗ message to {} failed: {}", self.to, self.failures.join("; "))),
		}
	}
}

async fn seal_to(
	m: &Messenger,
	sender: &Account,
	to: &AccountId,
	text: &str,
) -> Result<Option<Vec<u8>>> {
	let Some(binding) = m
		.lookup(routing(to))
		.await
		.map_err(|e| anyhow!("no relay node answered the lookup: {e}"))?
	else {
		return Ok(None);
	};
	if binding.account != *to {
		bail!("the relay returned another account's key; refusing to send");
	}
	Ok(Some(chat::seal_text(sender, &binding, text)?))
}

async fn send(ctx: &Context, to_text: &str, text: &str) -> Result<()> {
	let to = recipient(ctx, to_text)?;
	let (_, account) = ctx.unlock()?;
	let account = Arc::new(account);
	let (m, _rx) = start_messenger(ctx, account.clone(), false).await?;
	let Some(envelope) = seal_to(&m, &account, &to, text).await? else {
		m.close();
		if ctx.out.is_json() {
			let report = SendReport { offline: true, ..Default::default() };
			ctx.out.print(&SendOutcome::new(&to, &report))?;
		}
		bail!(
			"recipient offline: {} is not connected, so the message was not sent",
			crate::chain::ss58(&to)
		);
	};
	let spinner = ctx.out.spinner("sending through 5 relay nodes…");
	let report = m.send(envelope).await;
	spinner.finish();
	m.close();
	ctx.out.print(&SendOutcome::new(&to, &report))?;
	match state_of(&report) {
		"accepted" => Ok(()),
		"recipient_offline" => bail!("recipient offline: the message was dropped"),
		_ => bail!("the message was not accepted by any relay node"),
	}
}

/// One received (and burned) message, as `chat listen` prints it.
#[derive(Debug, Serialize)]
struct Received {
	from: String,
	sent_at_ms: u64,
	text: String,
	message_id: String,
	burned: bool,
}

impl Render for Received {
	fn render(&self, s: &Style) -> String {
		format!(
			"{} {} {}",
			s.cyan(&self.from),
			s.dim(&format!("[{}]", clock(self.sent_at_ms))),
			self.text
		)
	}
}

fn clock(ms: u64) -> String {
	let secs = ms / 1000;
	format!("{:02}:{:02}:{:02} UTC", (secs / 3600) % 24, (secs / 60) % 60, secs % 60)
}

/// Opens, then burns (acknowledges) one incoming message.
async fn read_and_burn(
	m: &Messenger,
	account: &Account,
	incoming: Incoming,
) -> Result<(OpenedEnvelope, bool)> {
	let opened = chat::open(account, &incoming.envelope);
	// Burn after reading, also when it does not open (it is not for us to keep).
	let burned = m.ack(vec![incoming.message_id]).await.is_ok();
	Ok((opened?, burned))
}

fn received(opened: &OpenedEnvelope, message_id: [u8; 32], burned: bool) -> Received {
	Received {
		from: opened.sender.to_ss58(Ss58Prefix::ICHAT),
		sent_at_ms: opened.timestamp_ms,
		text: String::from_utf8_lossy(&opened.body).into_owned(),
		message_id: hex::encode(message_id),
		burned,
	}
}

async fn listen(ctx: &Context, count: Option<usize>, timeout: Option<u64>) -> Result<()> {
	let (_, account) = ctx.unlock()?;
	let account = Arc::new(account);
	let (m, mut rx) = start_messenger(ctx, account.clone(), true).await?;
	// On stderr, also with --json: scripts wait for this line to know the user is online.
	eprintln!(
		"listening as {} on {} relay nodes; messages are burned once shown (Ctrl-C to stop)",
		account.address(Ss58Prefix::ICHAT),
		m.in_use().len()
	);
	let deadline = timeout.map(|t| tokio::time::Instant::now() + Duration::from_secs(t));
	let mut seen = 0usize;
	loop {
		if count.is_some_and(|c| seen >= c) {
			break;
		}
		let next = async {
			match deadline {
				Some(d) => tokio::time::timeout_at(d, rx.recv()).await.ok().flatten(),
				None => rx.recv().await,
			}
		};
		let incoming = tokio::select! {
			i = next => i,
			_ = tokio::signal::ctrl_c() => None,
		};
		let Some(incoming) = incoming else { break };
		let id = incoming.message_id.0;
		match read_and_burn(&m, &account, incoming).await {
			Ok((opened, burned)) => {
				seen += 1;
				print_line(ctx, &received(&opened, id, burned))?;
			},
			Err(e) => {
				ctx.out.warn(&format!("a message could not be opened and was discarded: {e}"))
			},
		}
	}
	leave(ctx, &m).await;
	if let Some(c) = count {
		if seen < c {
			bail!("timed out after {seen} of {c} messages");
		}
	}
	Ok(())
}

/// One line per event: JSON lines with --json, text otherwise.
fn print_line<T: Serialize + Render>(ctx: &Context, item: &T) -> Result<()> {
	if ctx.out.is_json() {
		println!("{}", serde_json::to_string(item)?);
	} else {
		println!("{}", item.render(&ctx.out.stdout_style()));
	}
	Ok(())
}

/// A sent line in `chat open`.
#[derive(Debug, Serialize)]
struct SentLine {
	to: String,
	text: String,
	state: &'static str,
	accepted_by: usize,
}

impl Render for SentLine {
	fn render(&self, s: &Style) -> String {
		format!("{} {}", s.bold("you:"), self.text)
	}
}

async fn open(ctx: &Context, to_text: &str) -> Result<()> {
	let to = recipient(ctx, to_text)?;
	let (_, account) = ctx.unlock()?;
	let account = Arc::new(account);
	let (m, mut rx) = start_messenger(ctx, account.clone(), true).await?;
	let style = ctx.out.stdout_style();
	let peer = crate::chain::ss58(&to);
	if !ctx.out.is_json() {
		println!(
			"{}",
			style.dim(&format!(
				"chat with {peer} on {} relay nodes. Type a message and press Enter; /quit or Ctrl-D leaves.\n\
				 Messages burn after reading: nothing is kept on disk.",
				m.in_use().len()
			))
		);
	}
	if ctx.out.is_json() {
		let nodes: Vec<String> = m.in_use().iter().map(|p| p.to_string()).collect();
		println!("{}", serde_json::json!({ "event": "connected", "with": peer, "nodes": nodes }));
	}
	let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
	loop {
		tokio::select! {
			line = lines.next_line() => {
				let Some(line) = line? else { break };
				let text = line.trim();
				if text.is_empty() {
					continue;
				}
				if text == "/quit" {
					break;
				}
				let report = match seal_to(&m, &account, &to, text).await? {
					Some(envelope) => m.send(envelope).await,
					None => SendReport { offline: true, ..Default::default() },
				};
				if ctx.out.is_json() {
					print_line(ctx, &SentLine { to: peer.clone(), text: text.into(), state: state_of(&report), accepted_by: report.accepted_by.len() })?;
				} else {
					println!("{} {}", style.dim("  ↳"), describe(&report, &style));
				}
			},
			incoming = rx.recv() => {
				let Some(incoming) = incoming else { break };
				let id = incoming.message_id.0;
				match read_and_burn(&m, &account, incoming).await {
					Ok((opened, burned)) => {
						let r = received(&opened, id, burned);
						if ctx.out.is_json() {
							print_line(ctx, &r)?;
						} else {
							let who = if opened.sender == to { style.cyan("them:") } else { style.cyan(&format!("{}:", r.from)) };
							println!("{who} {} {}", r.text, style.dim(if burned { "(read, burned)" } else { "(read)" }));
						}
					},
					Err(e) => ctx.out.warn(&format!("a message could not be opened and was discarded: {e}")),
				}
			},
			_ = tokio::signal::ctrl_c() => break,
		}
	}
	leave(ctx, &m).await;
	Ok(())
}

/// Ends a receiving session: goes offline (withdraws its presence record), so that messages
/// sent from now on are refused as offline rather than kept unread; says so if that failed.
async fn leave(ctx: &Context, m: &Messenger) {
	if let Err(e) = m.go_offline().await {
		let minutes = MessengerConfig::default().presence_ttl.as_secs().div_ceil(60);
		ctx.out.warn(&format!(
			"could not go offline ({e}): senders may still see you online for up to {minutes} minutes"
		));
	}
}

/// Runs `ichat nodes`.
/// Runs `ichat chat …`.
pub async fn run(command: ChatCommand, ctx: &Context) -> Result<()> {
	match command {
		ChatCommand::Send { to, message } => send(ctx, &to, &message).await,
		ChatCommand::Listen { count, timeout } => listen(ctx, count, timeout).await,
		ChatCommand::Open { to } => open(ctx, &to).await,
	}
}
