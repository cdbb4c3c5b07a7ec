//! End to end on the real short-hour local network (`local-fast`: 10-block hours of 60 s):
//! the six validators test each other through their relays every hour (the node's tester,
//! `node/src/tester.rs`), report on chain with their service keys, and are paid for it.
//!
//! - healthy nodes are scored from every tester's report at full quality and earn the full
//!   `HourlyReward` for every full hour;
//! - a node stopped for a whole hour earns nothing for it and is flagged; one stopped for
//!   part of an hour earns less.

use anyhow::{ensure, Context, Result};
use codec::Decode;
use ichat_runtime::{AccountId, Runtime};
use ichat_testnet::Testnet;
use pallet_node_rewards::{Event, NoRewardReason};
use sp_runtime::Perbill;
use std::{
	path::Path,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

const ICHAT: u128 = 1_000_000_000_000;
/// `HourlyReward` of the runtime.
const FULL: u128 = 10 * ICHAT;
/// One hour of the `local-fast` chain.
const HOUR: Duration = Duration::from_secs(60);

type Events = Arc<Mutex<Vec<Event<Runtime>>>>;

fn lock(events: &Events) -> std::sync::MutexGuard<'_, Vec<Event<Runtime>>> {
	events.lock().unwrap_or_else(|p| p.into_inner())
}

/// `ev` as the runtime's `NodeRewards` event, if it is one.
fn rewards_event(
	ev: &subxt::events::Event<'_, subxt::SubstrateConfig>,
) -> Result<Option<Event<Runtime>>> {
	if ev.pallet_name() != "NodeRewards" {
		return Ok(None);
	}
	let mut bytes = vec![ev.event_index()];
	bytes.extend_from_slice(ev.field_bytes());
	let decoded = Event::<Runtime>::decode(&mut &bytes[..])
		.context("a NodeRewards event decodes as the runtime's type")?;
	Ok(Some(decoded))
}

/// Collects every `NodeRewards` event of the finalized chain, in order.
async fn collect(client: ichat_testnet::Client, events: Events) -> Result<()> {
	let mut blocks = client.stream_blocks().await?;
	while let Some(block) = blocks.next().await {
		let at = block?.at().await?;
		for ev in at.events().fetch().await?.iter() {
			if let Some(decoded) = rewards_event(&ev?)? {
				lock(&events).push(decoded);
			}
		}
	}
	Ok(())
}

/// Waits until hour `hour` is settled.
async fn settled(events: &Events, hour: u32, timeout: Duration) -> Result<()> {
	let deadline = Instant::now() + timeout;
	loop {
		if lock(events)
			.iter()
			.any(|e| matches!(e, Event::HourSettled { hour: h, .. } if *h == hour))
		{
			return Ok(());
		}
		ensure!(Instant::now() < deadline, "hour {hour} was not settled within {timeout:?}");
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

/// Waits until a best block opens hour `hour` (finalized blocks lag by a few seconds).
async fn opens(client: &ichat_testnet::Client, hour: u32, timeout: Duration) -> Result<()> {
	let wait = async {
		let mut blocks = client.stream_best_blocks().await?;
		while let Some(block) = blocks.next().await {
			let at = block?.at().await?;
			for ev in at.events().fetch().await?.iter() {
				if let Some(Event::HourOpened { hour: h, .. }) = rewards_event(&ev?)? {
					if h >= hour {
						return Ok(());
					}
				}
			}
		}
		anyhow::bail!("the best block stream ended")
	};
	tokio::time::timeout(timeout, wait)
		.await
		.with_context(|| format!("hour {hour} did not open within {timeout:?}"))?
}

/// A node's score of an hour (quality, reports), if scored.
type Score = Option<(Option<Perbill>, u32)>;
/// A node's score, payment and reason for no payment of an hour.
type Outcome = (Score, Option<u128>, Option<NoRewardReason>);

/// `who`'s score and payment for `hour`.
fn outcome(events: &Events, hour: u32, who: &AccountId) -> Outcome {
	let events = lock(events);
	let score = events.iter().find_map(|e| match e {
		Event::Scored { hour: h, who: w, quality, reports } if *h == hour && w == who => {
			Some((*quality, *reports))
		},
		_ => None,
	});
	let paid = events.iter().find_map(|e| match e {
		Event::Rewarded { hour: h, who: w, amount } if *h == hour && w == who => Some(*amount),
		_ => None,
	});
	let unpaid = events.iter().find_map(|e| match e {
		Event::NotRewarded { hour: h, who: w, reason } if *h == hour && w == who => Some(*reason),
		_ => None,
	});
	(score, paid, unpaid)
}

fn flagged(events: &Events, hour: u32, who: &AccountId) -> bool {
	lock(events)
		.iter()
		.any(|e| matches!(e, Event::NodeFlagged { hour: h, who: w, .. } if *h == hour && w == who))
}

#[tokio::test(flavor = "multi_thread")]
async fn testers_measure_each_other_and_the_chain_pays_for_service() -> Result<()> {
	let bin = Path::new(env!("CARGO_BIN_EXE_ichat-node"));
	let mut net = Testnet::local(bin, "local-fast", 6)?;
	let client = net.nodes[0].client(Duration::from_secs(120)).await?;
	let events: Events = Arc::default();
	let collector = tokio::spawn(collect(client, events.clone()));
	let observer = net.nodes[0].client(Duration::from_secs(120)).await?;
	let result = scenario(&mut net, &observer, &events).await;
	collector.abort();
	// On failure: each node's testing and reporting lines, and the end of its log.
	let tails = || {
		(0..net.nodes.len())
			.map(|i| {
				let node = &net.nodes[i];
				let log = std::fs::read_to_string(node.log_path()).unwrap_or_default();
				let rewards: Vec<&str> =
					log.lines().filter(|l| l.contains("hour ") || l.contains("rewards")).collect();
				format!("--- {}:\n{}\n...\n{}", node.name(), rewards.join("\n"), node.log_tail(8))
			})
			.collect::<Vec<_>>()
			.join("\n")
	};
	result.with_context(tails)
}

async fn scenario(
	net: &mut Testnet,
	client: &ichat_testnet::Client,
	events: &Events,
) -> Result<()> {
	use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve, Ferdie};
	let nodes: Vec<AccountId> = [Alice, Bob, Charlie, Dave, Eve, Ferdie]
		.iter()
		.map(|k| k.to_account_id())
		.collect();
	let ferdie = nodes[5].clone();

	// Ferdie stops 40 s into hour 3 and comes back as hour 5 opens: hour 3, down for its
	// last part, earns her less than a full one; hour 4, down all along, nothing, and it is
	// flagged.
	opens(client, 3, 6 * HOUR).await?;
	tokio::time::sleep(Duration::from_secs(40)).await;
	net.nodes[5].kill();
	opens(client, 5, 3 * HOUR).await?;
	net.nodes[5].restart()?;
	settled(events, 4, 3 * HOUR).await?;

	// Hours 1 and 2 (hour 0 began before every node ran): every tester ran the whole hour.
	// Everyone is scored from the reports of its 5 testers at full quality and paid in full.
	for hour in [1, 2] {
		for who in &nodes {
			let (score, paid, unpaid) = outcome(events, hour, who);
			ensure!(
				score == Some((Some(Perbill::one()), 5)),
				"hour {hour}, {who}: scored {score:?} (want full quality from 5 reports)"
			);
			ensure!(paid == Some(FULL), "hour {hour}, {who}: paid {paid:?} ({unpaid:?})");
		}
	}

	let (score, paid, _) = outcome(events, 3, &ferdie);
	ensure!(
		paid.is_some_and(|p| p > 0 && p < FULL),
		"hour 3: Ferdie, down for its last part, earned {paid:?} (scored {score:?})"
	);
	let (score, paid, unpaid) = outcome(events, 4, &ferdie);
	ensure!(
		matches!(score, Some((Some(q), reports)) if q == Perbill::from_parts(0) && reports >= 3),
		"hour 4: Ferdie, down, scored {score:?}"
	);
	ensure!(
		paid.is_none() && unpaid == Some(NoRewardReason::NoService),
		"hour 4: paid {paid:?} ({unpaid:?})"
	);
	ensure!(flagged(events, 4, &ferdie), "hour 4 flags Ferdie");
	// The others kept full service throughout (scored from 4 reports: Ferdie did not report).
	for who in &nodes[..5] {
		for hour in [3, 4] {
			let (score, paid, _) = outcome(events, hour, who);
			ensure!(paid == Some(FULL), "hour {hour}, {who}: paid {paid:?}, scored {score:?}");
		}
	}
	Ok(())
}
