//! The tester's probing against real relays on 127.0.0.1: a healthy node measures healthy, a
//! stopped node unreachable, a restarted one as flapping; probes reach the tester's mailbox
//! through the node under test and nowhere else.

mod common;

use std::time::Duration;

use common::Net;
use ichat_relay_client::{
	probe::{Campaign, Measurement, ProbeConfig, Target},
	ClientConfig,
};

fn config(checks: u16, probes: u16) -> ProbeConfig {
	ProbeConfig {
		checks,
		probes,
		delivery_timeout: Duration::from_secs(3),
		uptime_slack: Duration::from_secs(1),
		client: ClientConfig { request_timeout: Duration::from_secs(2), ..ClientConfig::default() },
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn healthy_stopped_and_restarted_nodes_measure_as_they_are() {
	let mut net = Net::start(6, |_| {}).await;
	let mailbox = vec![net.address(4), net.address(5)];
	let target = |i: usize| Target { node: net.address(i), mailbox_nodes: mailbox.clone() };
	let targets = vec![target(0), target(1), target(2)];
	net.stop(1).await;

	let hour = Duration::from_secs(8);
	let campaign = Campaign::start(config(20, 4), targets, hour).expect("the campaign starts");
	tokio::time::sleep(hour / 2).await;
	net.restart(2).await;
	tokio::time::sleep(hour / 2 + Duration::from_millis(200)).await;
	let measured = campaign.finish().await;

	let healthy = measured[0].expect("node 0 was checked");
	assert_eq!(
		healthy,
		Measurement {
			rtt_ms: healthy.rtt_ms,
			probes_sent: 4,
			probes_delivered: 4,
			checks: 20,
			checks_ok: 20,
			transitions: 0
		},
		"every check answered, every probe delivered"
	);
	assert!(healthy.rtt_ms < 100, "a local node answers fast: {healthy:?}");

	let stopped = measured[1].expect("node 1 was checked");
	assert_eq!((stopped.checks, stopped.checks_ok), (20, 0), "{stopped:?}");
	assert_eq!(stopped.probes_sent, 0, "an unreachable node is not charged with lost probes");
	assert_eq!(stopped.transitions, 0, "down all along is no flapping");

	let restarted = measured[2].expect("node 2 was checked");
	assert!(restarted.transitions >= 2, "a restart is down and up again: {restarted:?}");
	assert!(restarted.checks_ok >= 18, "down only briefly: {restarted:?}");

	// Every probe was burned after delivery: the mailbox nodes hold nothing unread.
	for i in [4, 5] {
		assert_eq!(net.metric(i, "ichat_relay_unread_messages"), 0.0, "node {i} keeps no probe");
	}
	net.shutdown().await;
}
