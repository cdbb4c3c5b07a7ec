//! Routing-level simulation: network messages per delivered message at 10, 100 and 1,000 relay
//! nodes. Run with `cargo run --release --example routing_sim`.

use ichat_relay_proto::sim::{run, SimConfig};

fn main() {
	println!(
        "k = 5 home swarm, 5 entry nodes, 5 listen nodes, 1 KiB envelopes, 40 online + 10 offline recipients"
    );
	println!(
		"{:>6} {:>9} {:>8} {:>13} {:>9} {:>9} {:>11} {:>10} {:>10} {:>7}",
		"nodes",
		"delivered",
		"offline",
		"msgs/delivery",
		"max/msg",
		"msgs/ack",
		"msgs/offline",
		"presence",
		"KiB/deliv",
		"unread"
	);
	let mut bound = (0, 0);
	for nodes in [10, 100, 1_000] {
		let cfg = SimConfig { messages: 2_000, ..SimConfig::new(nodes) };
		bound = (cfg.bound_send(), cfg.bound_ack());
		let r = run(&cfg);
		println!(
			"{:>6} {:>9} {:>8} {:>13.2} {:>9} {:>9.2} {:>11.2} {:>10.2} {:>10.1} {:>7}",
			r.nodes,
			r.delivered,
			r.dropped_offline,
			r.per_delivered(),
			r.max_send_messages,
			r.per_ack(),
			r.per_offline(),
			r.presence_messages_per_recipient,
			r.send_bytes as f64 / r.delivered.max(1) as f64 / 1024.0,
			r.unread_left,
		);
	}
	println!("bound, any network size: {} messages per delivery, {} per ack", bound.0, bound.1);
}
