//! Prometheus metrics of the relay, registered beside Substrate's own (`ichat_relay_*`).

use substrate_prometheus_endpoint::{
	exponential_buckets, register, Counter, Gauge, Histogram, HistogramOpts, PrometheusError,
	Registry, U64,
};

use crate::store::Totals;

/// The relay's metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
	/// Messages this node stored as unread (new, not duplicates).
	pub accepted: Counter<U64>,
	/// Messages handed to the recipient (pushed on a subscription or fetched), counted once
	/// per message and node.
	pub delivered: Counter<U64>,
	/// Messages dropped at this entry node because the recipient had no live presence.
	pub dropped_offline: Counter<U64>,
	/// Unread messages deleted by the sweeper after their lifetime.
	pub expired: Counter<U64>,
	/// Unread messages deleted by the recipient's read acknowledgement.
	pub acked: Counter<U64>,
	/// Messages refused because the recipient's mailbox was full.
	pub mailbox_full: Counter<U64>,
	/// Mesh streams refused because the peer is not active in the registry.
	pub refused_peers: Counter<U64>,
	/// Unread messages held.
	pub unread_messages: Gauge<U64>,
	/// Unread envelope bytes held.
	pub unread_bytes: Gauge<U64>,
	/// Recipients with unread mail.
	pub mailboxes: Gauge<U64>,
	/// The largest mailbox, in messages.
	pub largest_mailbox: Gauge<U64>,
	/// Active registry peers answering mesh pings.
	pub relay_peers: Gauge<U64>,
	/// Open subscriptions (clients listening).
	pub subscriptions: Gauge<U64>,
	/// Round-trip times of mesh pings, in seconds.
	pub mesh_rtt: Histogram,
}

impl Metrics {
	/// Creates the metrics and registers them in `registry`.
	pub fn register(registry: &Registry) -> Result<Metrics, PrometheusError> {
		let counter = |name: &str, help: &str| register(Counter::new(name, help)?, registry);
		let gauge = |name: &str, help: &str| register(Gauge::new(name, help)?, registry);
		Ok(Metrics {
			accepted: counter("ichat_relay_accepted_total", "Messages stored as unread")?,
			delivered: counter(
				"ichat_relay_delivered_total",
				"Messages handed to their recipient",
			)?,
			dropped_offline: counter(
				"ichat_relay_dropped_offline_total",
				"Messages dropped because the recipient was offline",
			)?,
			expired: counter(
				"ichat_relay_expired_total",
				"Unread messages deleted after their lifetime",
			)?,
			acked: counter(
				"ichat_relay_acked_total",
				"Unread messages deleted by a read acknowledgement",
			)?,
			mailbox_full: counter(
				"ichat_relay_mailbox_full_total",
				"Messages refused because the mailbox was full",
			)?,
			refused_peers: counter(
				"ichat_relay_refused_peers_total",
				"Mesh streams refused from peers not active in the registry",
			)?,
			unread_messages: gauge("ichat_relay_unread_messages", "Unread messages held")?,
			unread_bytes: gauge("ichat_relay_unread_bytes", "Unread envelope bytes held")?,
			mailboxes: gauge("ichat_relay_mailboxes", "Recipients with unread mail")?,
			largest_mailbox: gauge("ichat_relay_largest_mailbox_messages", "The largest mailbox")?,
			relay_peers: gauge("ichat_relay_peers", "Active registry peers answering mesh pings")?,
			subscriptions: gauge("ichat_relay_subscriptions", "Open client subscriptions")?,
			mesh_rtt: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"ichat_relay_mesh_rtt_seconds",
						"Round-trip time of mesh pings",
					)
					.buckets(exponential_buckets(0.000_1, 2.0, 16)?),
				)?,
				registry,
			)?,
		})
	}

	/// Sets the mailbox gauges.
	pub fn set_totals(&self, t: &Totals) {
		self.unread_messages.set(t.messages);
		self.unread_bytes.set(t.bytes);
		self.mailboxes.set(t.mailboxes);
		self.largest_mailbox.set(t.largest_mailbox);
	}
}
