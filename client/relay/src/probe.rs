//! Service-quality probing: what a tester measures of the nodes it tests during one hour.
//!
//! Each hour the chain assigns every service node a few others to test
//! (`pallet_node_rewards::assignment`). A tester runs one [`Campaign`] per hour over its
//! targets and, once the hour is over, reports each target's [`Measurement`] on chain. What it
//! does to a target, at random moments spread over the hour:
//!
//! * **checks** (reachability, RTT, restarts): two `ping`s and a `nodes` request from the
//!   campaign's checker, a client with a transport identity of its own (fresh every hour, never
//!   the tester node's peer id). A check is answered when the first ping is (it may have to
//!   dial); the RTT is the second one's, on the open connection.
//!   Up/down transitions are the changes between answered and unanswered checks, plus two (down,
//!   then up) for every restart between two answered checks, seen from the node's own uptime
//!   in its `nodes` answer going backwards.
//! * **probes** (message loss): a text message of a realistic, random size, sealed as every
//!   user's message is (envelope v1), from a fresh account and a fresh transport identity, sent
//!   through the target alone to a **mailbox** the tester controls: an account of its own (one
//!   per target and hour) online on other nodes, chosen where possible among nodes that are
//!   neither the target nor its testers (see [`Target::mailbox_nodes`]), so that the target
//!   cannot tell a probe from a user's message or single out mail to its testers. A probe the
//!   target accepted (or refused, or took and never answered) counts as sent; it is delivered
//!   when the mailbox receives it within [`ProbeConfig::delivery_timeout`], and then burned like
//!   any read message. A probe the target could not even be reached for counts in the checks
//!   (availability), not as a lost message.
//!
//! Probes never reach a user: the mailbox and the sender are the tester's own throwaway
//! accounts. What probing costs a node is in `docs/performance.md`.

use std::{
	sync::Arc,
	time::{Duration, Instant},
};

use ichat_crypto::{Account, ChatKeyBinding, Suri};
use rand::{seq::SliceRandom, Rng};
use tokio::{
	sync::{mpsc, watch},
	task::JoinHandle,
};

use crate::{
	chat, ClientConfig, ClientError, Incoming, Messenger, MessengerConfig, NodeAddress, RelayClient,
};

/// Settings of a [`Campaign`].
#[derive(Debug, Clone)]
pub struct ProbeConfig {
	/// Reachability checks per target and hour.
	pub checks: u16,
	/// Probe messages per target and hour.
	pub probes: u16,
	/// How long a probe may take to reach the mailbox before it counts as lost.
	pub delivery_timeout: Duration,
	/// Slack when comparing a node's uptime with the time between two checks (its uptime is
	/// in whole seconds and the two clocks drift).
	pub uptime_slack: Duration,
	/// The clients' settings (the request timeout is the check's).
	pub client: ClientConfig,
}

impl Default for ProbeConfig {
	fn default() -> Self {
		ProbeConfig {
			checks: 12,
			probes: 6,
			delivery_timeout: Duration::from_secs(30),
			uptime_slack: Duration::from_secs(3),
			client: ClientConfig {
				request_timeout: Duration::from_secs(5),
				..ClientConfig::default()
			},
		}
	}
}

/// One node to test.
#[derive(Debug, Clone)]
pub struct Target {
	/// The node.
	pub node: NodeAddress,
	/// Where the probes' mailbox listens (one to five nodes): active nodes other than the target,
	/// preferably not among its testers either (the assignment is public, so a node knows who
	/// tests it and could otherwise deliver only their mail).
	pub mailbox_nodes: Vec<NodeAddress>,
}

/// What a tester measured of one node during one hour (the on-chain report's entry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measurement {
	/// Median round-trip time of the answered checks, milliseconds (0 when none was answered).
	pub rtt_ms: u32,
	/// Probe messages the node took (or refused, or swallowed).
	pub probes_sent: u16,
	/// Of those, how many reached the mailbox in time.
	pub probes_delivered: u16,
	/// Reachability checks made.
	pub checks: u16,
	/// Of those, how many the node answered.
	pub checks_ok: u16,
	/// Up/down transitions seen (a restart is two).
	pub transitions: u16,
}

/// Why a campaign could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
	/// The checker's client could not start.
	#[error("cannot start the probing client: {0}")]
	Io(#[from] std::io::Error),
}

/// One hour of probing over a tester's targets. Its tasks stop when it is finished or dropped.
pub struct Campaign {
	stop: watch::Sender<bool>,
	tasks: Vec<JoinHandle<Tally>>,
}

impl std::fmt::Debug for Campaign {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Campaign").field("targets", &self.tasks.len()).finish()
	}
}

impl Campaign {
	/// Starts probing `targets`, spreading each one's checks and probes at random moments over
	/// `length` from now (the hour's expected length). Runs on the current tokio runtime.
	pub fn start(
		config: ProbeConfig,
		targets: Vec<Target>,
		length: Duration,
	) -> Result<Campaign, ProbeError> {
		let checker = Arc::new(RelayClient::start(config.client.clone())?);
		let config = Arc::new(config);
		let (stop, stopped) = watch::channel(false);
		let started = tokio::time::Instant::now();
		let tasks = targets
			.into_iter()
			.map(|target| {
				let plan = schedule(&mut rand::thread_rng(), length, config.checks, config.probes);
				let prober = TargetProber {
					config: config.clone(),
					checker: checker.clone(),
					target,
					stop: stopped.clone(),
				};
				tokio::spawn(prober.run(started, plan))
			})
			.collect();
		Ok(Campaign { stop, tasks })
	}

	/// Stops probing (an unfinished probe does not count) and returns each target's
	/// measurement, in the order of the targets; `None` for a target no check was made of
	/// (the campaign started too late in the hour), which reports no evidence either way.
	pub async fn finish(mut self) -> Vec<Option<Measurement>> {
		let _ = self.stop.send(true);
		let mut out = Vec::with_capacity(self.tasks.len());
		for task in std::mem::take(&mut self.tasks) {
			out.push(task.await.ok().and_then(|tally| tally.measurement()));
		}
		out
	}
}

impl Drop for Campaign {
	fn drop(&mut self) {
		for task in &self.tasks {
			task.abort();
		}
	}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
	Check,
	Probe,
}

/// `checks` checks and `probes` probes at independent uniformly random moments in
/// `[0, length)`, in time order.
fn schedule(
	rng: &mut impl Rng,
	length: Duration,
	checks: u16,
	probes: u16,
) -> Vec<(Duration, Event)> {
	let mut plan: Vec<(Duration, Event)> = std::iter::repeat_n(Event::Check, checks.into())
		.chain(std::iter::repeat_n(Event::Probe, probes.into()))
		.map(|e| (length.mul_f64(rng.gen::<f64>()), e))
		.collect();
	plan.sort_by_key(|(at, _)| *at);
	plan
}

/// What happened to one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeOutcome {
	/// It reached the mailbox in time.
	Delivered,
	/// The node took it, refused it or never answered, and it did not arrive.
	Lost,
	/// It could not be sent (the node was unreachable, or the mailbox is offline): no evidence.
	NotSent,
}

/// The counters of one target, as the campaign goes.
#[derive(Debug, Default)]
struct Tally {
	rtts_ms: Vec<u32>,
	checks: u16,
	checks_ok: u16,
	probes_sent: u16,
	probes_delivered: u16,
	transitions: u16,
	/// The last check: whether it was answered, and the node's uptime then, with when.
	last: Option<(bool, Option<(Duration, Instant)>)>,
}

impl Tally {
	/// Counts a check made at `at`: its RTT if answered, and the node's uptime if it said.
	fn check(
		&mut self,
		at: Instant,
		rtt: Option<Duration>,
		uptime: Option<Duration>,
		slack: Duration,
	) {
		self.checks = self.checks.saturating_add(1);
		let up = rtt.is_some();
		if let Some(rtt) = rtt {
			self.checks_ok = self.checks_ok.saturating_add(1);
			self.rtts_ms.push(u32::try_from(rtt.as_millis()).unwrap_or(u32::MAX));
		}
		match self.last {
			Some((was_up, _)) if was_up != up => {
				self.transitions = self.transitions.saturating_add(1)
			},
			// Up at both checks, yet the node has been up for less than the time between them:
			// it restarted in between (down, then up).
			Some((true, Some((before, then)))) if up => {
				if let Some(now) = uptime {
					if now + slack < before + at.saturating_duration_since(then) {
						self.transitions = self.transitions.saturating_add(2);
					}
				}
			},
			_ => {},
		}
		self.last = Some((up, uptime.map(|u| (u, at))));
	}

	fn probe(&mut self, outcome: ProbeOutcome) {
		match outcome {
			ProbeOutcome::Delivered => {
				self.probes_sent = self.probes_sent.saturating_add(1);
				self.probes_delivered = self.probes_delivered.saturating_add(1);
			},
			ProbeOutcome::Lost => self.probes_sent = self.probes_sent.saturating_add(1),
			ProbeOutcome::NotSent => {},
		}
	}

	/// The hour's measurement, once at least one check was made.
	fn measurement(mut self) -> Option<Measurement> {
		if self.checks == 0 {
			return None;
		}
		self.rtts_ms.sort_unstable();
		let rtt_ms = match self.rtts_ms.len() {
			0 => 0,
			n => self.rtts_ms[(n - 1) / 2],
		};
		Some(Measurement {
			rtt_ms,
			probes_sent: self.probes_sent,
			probes_delivered: self.probes_delivered,
			checks: self.checks,
			checks_ok: self.checks_ok,
			transitions: self.transitions,
		})
	}
}

/// The mailbox probes through one target go to.
struct Mailbox {
	messenger: Arc<Messenger>,
	incoming: mpsc::Receiver<Incoming>,
	binding: ChatKeyBinding,
}

struct TargetProber {
	config: Arc<ProbeConfig>,
	checker: Arc<RelayClient>,
	target: Target,
	stop: watch::Receiver<bool>,
}

impl TargetProber {
	async fn run(self, started: tokio::time::Instant, plan: Vec<(Duration, Event)>) -> Tally {
		let mut tally = Tally::default();
		let mut mailbox: Option<Mailbox> = None;
		let mut stop = self.stop.clone();
		self.checker.add_node(&self.target.node);
		for (at, event) in plan {
			tokio::select! {
				() = tokio::time::sleep_until(started + at) => {},
				_ = stop.wait_for(|stop| *stop) => break,
			}
			let step = async {
				match event {
					Event::Check => {
						let (rtt, uptime) = self.check().await;
						tally.check(Instant::now(), rtt, uptime, self.config.uptime_slack);
					},
					Event::Probe => {
						if mailbox.is_none() {
							mailbox = self.open_mailbox().await;
						}
						if let Some(mb) = mailbox.as_mut() {
							tally.probe(probe(&self.config, &self.target.node, mb).await);
						}
					},
				}
			};
			tokio::select! {
				() = step => {},
				// An unfinished check or probe counts neither way.
				_ = stop.wait_for(|stop| *stop) => break,
			}
		}
		if let Some(mb) = mailbox {
			let _ = mb.messenger.go_offline().await;
		}
		tally
	}

	/// One check: the RTT if answered, and the node's own uptime from `nodes`.
	async fn check(&self) -> (Option<Duration>, Option<Duration>) {
		let peer = self.target.node.peer_id;
		// The first ping may dial (the connection idles out between checks); the second one,
		// on the open connection, is the RTT.
		let Ok((first, _)) = self.checker.ping(peer).await else { return (None, None) };
		let rtt = self.checker.ping(peer).await.map_or(first, |(rtt, _)| rtt);
		let uptime = match self.checker.nodes(peer, 1).await {
			// The node lists itself first.
			Ok(list) => list
				.first()
				.filter(|n| NodeAddress::from_wire(&n.node).is_ok_and(|a| a.peer_id == peer))
				.map(|n| Duration::from_secs(n.uptime_secs)),
			Err(_) => None,
		};
		(Some(rtt), uptime)
	}

	/// Brings a fresh mailbox account online on the target's mailbox nodes.
	async fn open_mailbox(&self) -> Option<Mailbox> {
		let account = Arc::new(fresh_account()?);
		let binding = account.bind_chat_key(&account.chat_key(0).ok()?);
		let config = MessengerConfig {
			min_nodes: self.target.mailbox_nodes.len(),
			send_fanout: 1,
			discover: false,
			// Presence is refreshed within its lifetime; a failed node is noticed within
			// seconds, which is plenty for probes minutes apart.
			maintenance_interval: Duration::from_secs(5),
			client: self.config.client.clone(),
			..MessengerConfig::default()
		};
		match Messenger::start(account, self.target.mailbox_nodes.clone(), config).await {
			Ok((messenger, incoming)) => Some(Mailbox { messenger, incoming, binding }),
			Err(e) => {
				tracing::debug!(node = %self.target.node.peer_id, error = %e, "probe mailbox offline");
				None
			},
		}
	}
}

/// One probe through `node` to `mailbox`.
async fn probe(config: &ProbeConfig, node: &NodeAddress, mailbox: &mut Mailbox) -> ProbeOutcome {
	let Some(sender) = fresh_account() else { return ProbeOutcome::NotSent };
	let text = realistic_text(&mut rand::thread_rng());
	let Ok(envelope) = chat::seal_text(&sender, &mailbox.binding, &text) else {
		return ProbeOutcome::NotSent;
	};
	// A fresh transport identity too: the node sees an unknown client.
	let Ok(client) = RelayClient::start(config.client.clone()) else {
		return ProbeOutcome::NotSent;
	};
	client.add_node(node);
	let sent = match client.send(node.peer_id, envelope).await {
		Ok(sent) => sent,
		Err(ClientError::Unreachable { .. }) => return ProbeOutcome::NotSent,
		// It took the message and never answered, or refused mail for an online mailbox.
		Err(_) => return ProbeOutcome::Lost,
	};
	let deadline = tokio::time::Instant::now() + config.delivery_timeout;
	loop {
		match tokio::time::timeout_at(deadline, mailbox.incoming.recv()).await {
			Ok(Some(incoming)) => {
				// Read, so burned, like any message.
				let _ = mailbox.messenger.ack(vec![incoming.message_id]).await;
				if incoming.message_id == sent.message_id {
					return ProbeOutcome::Delivered;
				}
			},
			Ok(None) | Err(_) => return ProbeOutcome::Lost,
		}
	}
}

/// A throwaway account from a random seed (no mnemonic: nobody ever needs it again).
fn fresh_account() -> Option<Account> {
	let seed: [u8; 32] = rand::random();
	let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
	let suri = Suri::parse(&format!("0x{hex}")).ok()?;
	Account::from_suri(&suri).ok()
}

/// A message text of a size drawn like real chat: mostly short, sometimes a paragraph, rarely
/// a long one.
fn realistic_text(rng: &mut impl Rng) -> String {
	const WORDS: &[&str] = &[
		"ok", "see", "you", "at", "the", "station", "tomorrow", "thanks", "sure", "when", "are",
		"we", "meeting", "call", "me", "later", "sounds", "good", "where", "is", "it", "today",
	];
	let len = match rng.gen_range(0..100) {
		0..=69 => rng.gen_range(8..=160),
		70..=94 => rng.gen_range(160..=1_000),
		_ => rng.gen_range(1_000..=4_000),
	};
	let mut text = String::with_capacity(len + 16);
	while text.len() < len {
		if !text.is_empty() {
			text.push(' ');
		}
		text.push_str(WORDS.choose(rng).copied().unwrap_or("ok"));
	}
	text
}

#[cfg(test)]
mod tests {
	use super::*;

	const SLACK: Duration = Duration::from_secs(3);

	#[test]
	fn the_schedule_spreads_every_event_over_the_hour_in_order() {
		let mut rng = rand::thread_rng();
		let hour = Duration::from_secs(3_600);
		let plan = schedule(&mut rng, hour, 12, 6);
		assert_eq!(plan.iter().filter(|(_, e)| *e == Event::Check).count(), 12);
		assert_eq!(plan.iter().filter(|(_, e)| *e == Event::Probe).count(), 6);
		assert!(plan.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
		assert!(plan.iter().all(|(at, _)| *at < hour), "inside the hour");
		// Random moments: two campaigns' plans differ (18 draws agreeing is impossible).
		assert_ne!(plan, schedule(&mut rng, hour, 12, 6));
	}

	#[test]
	fn a_healthy_node_measures_as_such() {
		let t0 = Instant::now();
		let mut tally = Tally::default();
		for (i, rtt) in [30u64, 10, 20, 40].into_iter().enumerate() {
			let at = t0 + Duration::from_secs(600 * i as u64);
			let uptime = Duration::from_secs(5_000 + 600 * i as u64);
			tally.check(at, Some(Duration::from_millis(rtt)), Some(uptime), SLACK);
			tally.probe(ProbeOutcome::Delivered);
		}
		let m = tally.measurement().expect("checks were made");
		assert_eq!(
			m,
			Measurement {
				rtt_ms: 20,
				probes_sent: 4,
				probes_delivered: 4,
				checks: 4,
				checks_ok: 4,
				transitions: 0
			}
		);
	}

	#[test]
	fn downtime_restarts_and_loss_are_counted() {
		let t0 = Instant::now();
		let at = |s: u64| t0 + Duration::from_secs(s);
		let ms = |m: u64| Some(Duration::from_millis(m));
		let up = |s: u64| Some(Duration::from_secs(s));
		let mut tally = Tally::default();
		tally.check(at(0), ms(10), up(1_000), SLACK);
		// Up 300 s later and up for 1,298 s: no restart (within the slack).
		tally.check(at(300), ms(10), up(1_298), SLACK);
		// Down, then up again: two transitions.
		tally.check(at(600), None, None, SLACK);
		tally.check(at(900), ms(10), up(100), SLACK);
		// Up at both checks, but up for only 60 s of the 300 between them: a restart.
		tally.check(at(1_200), ms(10), up(60), SLACK);
		// A node that does not say its uptime is only judged by its answers.
		tally.check(at(1_500), ms(10), None, SLACK);
		tally.probe(ProbeOutcome::Delivered);
		tally.probe(ProbeOutcome::Lost);
		tally.probe(ProbeOutcome::NotSent);
		let m = tally.measurement().expect("checks were made");
		assert_eq!((m.checks, m.checks_ok), (6, 5));
		assert_eq!(m.transitions, 4);
		assert_eq!((m.probes_sent, m.probes_delivered), (2, 1));
	}

	#[test]
	fn no_check_is_no_evidence() {
		let mut tally = Tally::default();
		tally.probe(ProbeOutcome::Lost);
		assert_eq!(tally.measurement(), None);
		let mut tally = Tally::default();
		tally.check(Instant::now(), None, None, SLACK);
		let m = tally.measurement().expect("a check was made");
		assert_eq!((m.checks, m.checks_ok, m.rtt_ms), (1, 0, 0));
	}

	#[test]
	fn probe_texts_vary_in_size_like_chat() {
		let mut rng = rand::thread_rng();
		let sizes: Vec<usize> = (0..1_000).map(|_| realistic_text(&mut rng).len()).collect();
		assert!(sizes.iter().all(|s| (8..=4_100).contains(s)));
		let short = sizes.iter().filter(|s| **s <= 170).count();
		let long = sizes.iter().filter(|s| **s > 1_000).count();
		assert!((550..=850).contains(&short), "mostly short: {short}");
		assert!((10..=120).contains(&long), "rarely long: {long}");
	}
}
