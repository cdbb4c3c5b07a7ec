//! The node as a tester of other service nodes: every hour it probes the nodes the chain
//! assigned it (`NodeRewardsApi.targets`) and, once the hour is over, submits its report.
//!
//! * The node's operator is found from its keystore: the account whose service key (`ichs`,
//!   a session key) is there (`NodeRewardsApi.operator_of_service_key`). A node with no
//!   registered service key tests nobody.
//! * When a new best block opens an hour, the campaign of the hour before is finished and its
//!   report submitted, and a campaign over the new hour's targets starts
//!   ([`ichat_relay_client::probe`]), spread over 90 % of the nominal hour.
//! * A report is a general transaction authorized by the service key's signature: the key
//!   signs in the keystore, the operator's account key is never needed, and no fee is paid.
//!   It is submitted to the local pool, which gossips it, and offered again on every new best
//!   block until a block holds it or its reporting window closes.

use std::{sync::Arc, time::Duration};

use codec::Encode;
use futures::StreamExt;
use ichat_relay::registry::NodeAddress;
use ichat_relay_client::probe::{self, Campaign, ProbeConfig, Target};
use ichat_runtime::{opaque::Block, AccountId, Runtime, RuntimeCall};
use pallet_node_rewards::{runtime_api::NodeRewardsApi, Measurement, ReportOf};
use pallet_service_nodes::{runtime_api::ServiceNodesApi, service_key::KEY_TYPE};
use rand::seq::SliceRandom;
use sc_client_api::{BlockchainEvents, HeaderBackend};
use sc_service::TaskManager;
use sc_transaction_pool_api::{error::IntoPoolError, TransactionPool, TransactionSource};
use sp_api::ProvideRuntimeApi;
use sp_keystore::KeystorePtr;

use crate::service::FullClient;

type Hash = <Block as sp_runtime::traits::Block>::Hash;

/// Nodes a probe mailbox listens on.
const MAILBOX_NODES: usize = 2;

/// The share of the nominal hour a campaign spreads its checks and probes over: the rest is
/// slack for an hour that ends early by a block or two.
const SPREAD: f64 = 0.9;

/// Starts the tester on the node's task manager.
pub(crate) fn spawn<P>(
	client: Arc<FullClient>,
	pool: Arc<P>,
	keystore: KeystorePtr,
	task_manager: &TaskManager,
) where
	P: TransactionPool<Block = Block, Hash = Hash> + 'static,
{
	task_manager
		.spawn_handle()
		.spawn("node-tester", Some("rewards"), run(client, pool, keystore));
}

/// The campaign of one hour.
struct Running {
	hour: u32,
	tester: AccountId,
	key: sp_core::sr25519::Public,
	/// Which targets (in report order) the campaign probes: `None` for one whose registry
	/// entry is unusable (it is reported as not measured).
	slots: Vec<Option<usize>>,
	campaign: Campaign,
}

async fn run<P>(client: Arc<FullClient>, pool: Arc<P>, keystore: KeystorePtr)
where
	P: TransactionPool<Block = Block, Hash = Hash> + 'static,
{
	let mut blocks = client.import_notification_stream();
	let mut running: Option<Running> = None;
	let mut pending: Option<Pending> = None;
	while let Some(block) = blocks.next().await {
		if !block.is_new_best {
			continue;
		}
		let Ok(Some(hour)) = client.runtime_api().current_hour(block.hash) else { continue };
		if let Some(report) = pending.take() {
			pending = report.retry(&client, &keystore, &*pool, block.hash, hour).await;
		}
		if running.as_ref().is_some_and(|r| r.hour == hour) {
			continue;
		}
		if let Some(done) = running.take() {
			let measured = done.campaign.finish().await;
			let measurements = done
				.slots
				.iter()
				.map(|slot| slot.and_then(|i| measured.get(i).copied().flatten()).map(convert))
				.collect();
			let report = ReportOf::<Runtime> {
				hour: done.hour,
				tester: done.tester,
				measurements: sp_runtime::BoundedVec::truncate_from(measurements),
			};
			let report = Pending { report, key: done.key, offered: None, refused: None };
			pending = report.retry(&client, &keystore, &*pool, block.hash, hour).await;
		}
		running = start(&client, &keystore, block.hash, hour);
	}
}

/// The operator whose service key is in the keystore, with the key.
fn operator(
	client: &FullClient,
	keystore: &KeystorePtr,
	at: Hash,
) -> Option<(AccountId, sp_core::sr25519::Public)> {
	let api = client.runtime_api();
	keystore
		.sr25519_public_keys(KEY_TYPE)
		.into_iter()
		.find_map(|key| api.operator_of_service_key(at, key.0).ok().flatten().map(|who| (who, key)))
}

/// Starts the campaign of `hour` over this node's targets.
fn start(client: &FullClient, keystore: &KeystorePtr, at: Hash, hour: u32) -> Option<Running> {
	let (tester, key) = operator(client, keystore, at)?;
	let api = client.runtime_api();
	let targets = api.targets(at, hour, tester.clone()).ok()?;
	if targets.is_empty() {
		log::debug!(target: "rewards", "not a tester in hour {hour}");
		return None;
	}
	let active: Vec<(AccountId, NodeAddress)> = api
		.active_nodes(at)
		.ok()?
		.into_iter()
		.filter_map(|n| {
			NodeAddress::from_registry(&n.peer_id, &n.multiaddrs)
				.ok()
				.map(|a| (n.account, a))
		})
		.collect();
	let address_of = |who: &AccountId| {
		api.node(at, who.clone())
			.ok()
			.flatten()
			.and_then(|n| NodeAddress::from_registry(&n.peer_id, &n.multiaddrs).ok())
	};
	let mut slots = Vec::with_capacity(targets.len());
	let mut probed = Vec::new();
	for target in &targets {
		let Some(node) = address_of(target) else {
			slots.push(None);
			continue;
		};
		let testers = api.testers(at, hour, target.clone()).unwrap_or_default();
		let mailbox_nodes = mailbox_nodes(&active, target, &testers);
		slots.push(Some(probed.len()));
		probed.push(Target { node, mailbox_nodes });
	}
	let length_ms = api.hour_length_ms(at).ok()?;
	let length = Duration::from_millis(length_ms).mul_f64(SPREAD);
	// A probe arrives within a second on a healthy network; short (test) hours wait less.
	let config = ProbeConfig {
		delivery_timeout: (length / 6).min(ProbeConfig::default().delivery_timeout),
		..ProbeConfig::default()
	};
	match Campaign::start(config, probed, length) {
		Ok(campaign) => {
			log::info!(
				target: "rewards",
				"🔎 hour {hour}: testing {} nodes over {} s",
				targets.len(),
				length.as_secs()
			);
			Some(Running { hour, tester, key, slots, campaign })
		},
		Err(e) => {
			log::warn!(target: "rewards", "hour {hour}: probing could not start: {e}");
			None
		},
	}
}

/// Up to [`MAILBOX_NODES`] random active nodes for the mailbox of probes through `target`:
/// neither the target nor its testers when there are such nodes, else any but the target.
fn mailbox_nodes(
	active: &[(AccountId, NodeAddress)],
	target: &AccountId,
	testers: &[AccountId],
) -> Vec<NodeAddress> {
	let others: Vec<&(AccountId, NodeAddress)> =
		active.iter().filter(|(who, _)| who != target).collect();
	let outsiders: Vec<&(AccountId, NodeAddress)> =
		others.iter().copied().filter(|(who, _)| !testers.contains(who)).collect();
	let pool = if outsiders.is_empty() { others } else { outsiders };
	pool.choose_multiple(&mut rand::thread_rng(), MAILBOX_NODES)
		.map(|(_, node)| node.clone())
		.collect()
}

fn convert(m: probe::Measurement) -> Measurement {
	Measurement {
		rtt_ms: m.rtt_ms,
		probes_sent: m.probes_sent,
		probes_delivered: m.probes_delivered,
		checks: m.checks,
		checks_ok: m.checks_ok,
		transitions: m.transitions,
	}
}

/// A report on its way into a block.
struct Pending {
	report: ReportOf<Runtime>,
	key: sp_core::sr25519::Public,
	/// The last extrinsic offered to the pool, while the pool holds it.
	offered: Option<sp_runtime::OpaqueExtrinsic>,
	/// Why the pool refused it the last time.
	refused: Option<String>,
}

impl Pending {
	/// Offers the report (again) at the new best block `at` of `current` hour, unless a block
	/// already holds it or its reporting window closed; returns it while it is still pending.
	///
	/// A report submitted at the block that opens the next hour can be refused as "not
	/// reportable yet" when the pool validates it against the block before, and the pool then
	/// bans that extrinsic for a while. So a refused report is signed afresh (sr25519
	/// signatures are randomized: a new extrinsic) and offered on the next best block, and a
	/// refusal is logged only once the window closed.
	async fn retry<P>(
		mut self,
		client: &FullClient,
		keystore: &KeystorePtr,
		pool: &P,
		at: Hash,
		current: u32,
	) -> Option<Self>
	where
		P: TransactionPool<Block = Block, Hash = Hash>,
	{
		let hour = self.report.hour;
		let api = client.runtime_api();
		let measurements = &self.report.measurements;
		let (measured, targets) = (measurements.iter().flatten().count(), measurements.len());
		if api.has_reported(at, hour, self.report.tester.clone()).unwrap_or(false) {
			log::info!(
				target: "rewards",
				"📝 hour {hour}: report on chain ({measured} of {targets} targets measured)"
			);
			return None;
		}
		if current > hour.saturating_add(ichat_runtime::configs::REPORTING_LAG_HOURS) {
			match self.refused {
				Some(why) => {
					log::warn!(target: "rewards", "hour {hour}: the report was refused: {why}")
				},
				None => log::warn!(
					target: "rewards",
					"hour {hour}: the report found no block before its window closed"
				),
			}
			return None;
		}
		let extrinsic = match self.offered.take() {
			Some(extrinsic) => extrinsic,
			None => sign(client, keystore, &self.report, &self.key)?,
		};
		match pool.submit_one(at, TransactionSource::Local, extrinsic.clone()).await {
			Ok(_) => {
				// New to the pool (later offers of the same extrinsic are `AlreadyImported`).
				log::debug!(target: "rewards", "hour {hour}: report submitted to the pool");
				self.offered = Some(extrinsic);
			},
			Err(e) => match e.into_pool_error() {
				Ok(sc_transaction_pool_api::error::Error::AlreadyImported(_)) => {
					self.offered = Some(extrinsic)
				},
				Ok(e) => self.refused = Some(e.to_string()),
				Err(e) => self.refused = Some(e.to_string()),
			},
		}
		Some(self)
	}
}

/// `report` signed with the service key `key`, as an extrinsic for the pool.
fn sign(
	client: &FullClient,
	keystore: &KeystorePtr,
	report: &ReportOf<Runtime>,
	key: &sp_core::sr25519::Public,
) -> Option<sp_runtime::OpaqueExtrinsic> {
	let hour = report.hour;
	let payload = pallet_node_rewards::report_payload(client.info().genesis_hash.as_ref(), report);
	let signature = match keystore.sr25519_sign(KEY_TYPE, key, &payload) {
		Ok(Some(signature)) => signature,
		Ok(None) => {
			log::warn!(target: "rewards", "hour {hour}: the service key left the keystore; no report");
			return None;
		},
		Err(e) => {
			log::warn!(target: "rewards", "hour {hour}: the keystore could not sign the report: {e}");
			return None;
		},
	};
	let call = RuntimeCall::NodeRewards(pallet_node_rewards::Call::report {
		report: report.clone(),
		signature: signature.into(),
	});
	let xt = <Runtime as frame_system::offchain::CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(call);
	let extrinsic = sp_runtime::OpaqueExtrinsic::try_from_encoded_extrinsic(&xt.encode());
	if extrinsic.is_err() {
		log::error!(target: "rewards", "hour {hour}: the report does not encode as an extrinsic");
	}
	extrinsic.ok()
}
