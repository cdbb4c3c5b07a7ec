//! The economics simulation of `docs/economics.md`: a year of hours for typical service nodes,
//! measured by 7 simulated testers the way `ichat_relay_client::probe` measures (12 checks and
//! 6 probes at random moments of each hour), scored by the pallet's own medians and quality
//! formula, with the pallet's own standing rules and the runtime's parameters.
//!
//! `scripts/economics-sim.sh` runs it (`--json` for a machine-readable table); the output is
//! the table in `docs/economics.md`. Deterministic: the same seed gives the same table.

use frame_support::traits::Get;
use ichat_runtime::{Runtime, ICHAT};
use pallet_node_rewards::{quality, standing::Standing, Config, Measurement, Pallet};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sp_runtime::Perbill;

/// Hours in a (non-leap) year.
const YEAR: u32 = 8_760;
/// The seconds of an hour a tester spreads its checks over (90 % of it, as the tester does).
const SPREAD_SECS: f64 = 3_240.0;
/// Checks and probes per tester, target and hour (the tester's defaults).
const CHECKS: usize = 12;
const PROBES: usize = 6;

/// How a node behaves.
#[derive(Clone, Copy)]
struct Profile {
	name: &'static str,
	/// Median RTT seen by testers, ms.
	rtt_ms: f64,
	/// Share of accepted messages it loses.
	loss: f64,
	/// Every how many hours it goes down (0: never), and for how many seconds.
	down_every_hours: u32,
	down_secs: f64,
	/// Restarts (down for a few seconds, up again) per hour during its flapping hours, and
	/// every how many hours such a flapping hour comes (0: never).
	flaps_per_hour: u32,
	flap_every_hours: u32,
	/// How many of its 7 testers lie that it is down.
	liars: usize,
}

const HEALTHY: Profile = Profile {
	name: "healthy (40 ms, a 30 s restart a month)",
	rtt_ms: 40.0,
	loss: 0.0,
	down_every_hours: 720,
	down_secs: 30.0,
	flaps_per_hour: 0,
	flap_every_hours: 0,
	liars: 0,
};

const PROFILES: [Profile; 8] = [
	HEALTHY,
	Profile { name: "far away (400 ms)", rtt_ms: 400.0, ..HEALTHY },
	Profile { name: "loses 5 % of messages", loss: 0.05, ..HEALTHY },
	Profile { name: "restarts daily (30 s down)", down_every_hours: 24, ..HEALTHY },
	Profile { name: "down 2 hours a day", down_every_hours: 24, down_secs: 7_200.0, ..HEALTHY },
	Profile {
		name: "down 8 hours once a month",
		down_every_hours: 720,
		down_secs: 28_800.0,
		..HEALTHY
	},
	Profile {
		name: "flaps (6 restarts an hour, every hour)",
		flaps_per_hour: 6,
		flap_every_hours: 1,
		..HEALTHY
	},
	Profile { name: "healthy, 2 of 7 testers lie 'down'", liars: 2, ..HEALTHY },
];

/// Whether the node is up at second `t` of hour `h`.
fn up(p: &Profile, h: u32, t: f64, flaps: &[f64]) -> bool {
	if p.down_every_hours > 0 {
		// The outage starts at the beginning of every `down_every_hours`-th hour.
		let since = f64::from(h % p.down_every_hours) * 3_600.0 + t;
		if since < p.down_secs {
			return false;
		}
	}
	// Each flap is 10 s down.
	!flaps.iter().any(|f| t >= *f && t < f + 10.0)
}

/// What one honest tester measures of the node in hour `h`.
fn measure(p: &Profile, h: u32, flaps: &[f64], rng: &mut StdRng) -> Measurement {
	let mut checks: Vec<f64> = (0..CHECKS).map(|_| rng.gen::<f64>() * SPREAD_SECS).collect();
	checks.sort_by(f64::total_cmp);
	let mut m = Measurement { checks: CHECKS as u16, ..Measurement::default() };
	let mut rtts = Vec::new();
	let mut last: Option<(bool, f64)> = None;
	for t in checks {
		let now_up = up(p, h, t, flaps);
		if now_up {
			m.checks_ok += 1;
			rtts.push((p.rtt_ms * (0.9 + 0.2 * rng.gen::<f64>())) as u32);
		}
		if let Some((was_up, then)) = last {
			if was_up != now_up {
				m.transitions += 1;
			} else if now_up && flaps.iter().any(|f| *f > then && *f < t) {
				// A restart between two answered checks, seen from the node's uptime.
				m.transitions += 2;
			}
		}
		last = Some((now_up, t));
	}
	rtts.sort_unstable();
	m.rtt_ms = rtts.get(rtts.len().saturating_sub(1) / 2).copied().unwrap_or(0);
	for _ in 0..PROBES {
		let t = rng.gen::<f64>() * SPREAD_SECS;
		if up(p, h, t, flaps) {
			m.probes_sent += 1;
			if rng.gen::<f64>() >= p.loss {
				m.probes_delivered += 1;
			}
		}
	}
	m
}

#[derive(Default)]
struct Year {
	earned: u128,
	quality_sum: f64,
	scored: u32,
	flagged: u32,
	decommissioned_hours: u32,
	slashed_at: Option<u32>,
}

fn simulate(p: &Profile, seed: u64) -> Year {
	let quorum = <<Runtime as Config>::QuorumSize as Get<u32>>::get() as usize;
	let min_reports = <<Runtime as Config>::MinReports as Get<u32>>::get();
	let reward = <<Runtime as Config>::HourlyReward as Get<u128>>::get();
	let params = <<Runtime as Config>::QualityParams as Get<quality::Params>>::get();
	let rules = Pallet::<Runtime>::rules();
	let mut rng = StdRng::seed_from_u64(seed);
	let mut standing = Standing::<<Runtime as Config>::SlashAfterFlags>::fresh(&rules);
	let mut year = Year::default();
	for h in 0..YEAR {
		let flaps: Vec<f64> = if p.flap_every_hours > 0 && h % p.flap_every_hours == 0 {
			(0..p.flaps_per_hour).map(|_| rng.gen::<f64>() * 3_600.0).collect()
		} else {
			Vec::new()
		};
		let reports: Vec<Measurement> = (0..quorum)
			.map(|i| {
				if i < p.liars {
					Measurement { checks: CHECKS as u16, ..Measurement::default() }
				} else {
					measure(p, h, &flaps, &mut rng)
				}
			})
			.collect();
		let q = quality::aggregate(&reports, min_reports).map(|a| quality::quality(&a, &params));
		let was_decommissioned = standing.decommissioned;
		let changes = standing.record(h, q, &rules);
		let q = q.unwrap_or(Perbill::one());
		year.scored += 1;
		year.quality_sum += f64::from(q.deconstruct()) / 1e9;
		if changes.flagged.is_some() {
			year.flagged += 1;
		}
		if was_decommissioned {
			year.decommissioned_hours += 1;
		} else {
			year.earned += q.mul_floor(reward);
		}
		if changes.punished.is_some() {
			year.slashed_at = Some(h);
			break;
		}
	}
	year
}

fn main() {
	let json = std::env::args().any(|a| a == "--json");
	let reward = <<Runtime as Config>::HourlyReward as Get<u128>>::get();
	let full = reward * u128::from(YEAR);
	let share = <<Runtime as Config>::SlashShare as Get<Perbill>>::get();
	let slash = share * ichat_runtime::MIN_SERVICE_NODE_BOND;
	let rows: Vec<(Profile, Year)> = PROFILES
		.iter()
		.enumerate()
		.map(|(i, p)| (*p, simulate(p, 42 + i as u64)))
		.collect();
	if json {
		let out: Vec<String> = rows
			.iter()
			.map(|(p, y)| {
				format!(
					"{{\"profile\":\"{}\",\"mean_quality\":{:.4},\"earned_planck\":\"{}\",\"flagged_hours\":{},\"decommissioned_hours\":{},\"slashed_at_hour\":{}}}",
					p.name,
					y.quality_sum / f64::from(y.scored.max(1)),
					y.earned,
					y.flagged,
					y.decommissioned_hours,
					y.slashed_at.map_or("null".to_string(), |h| h.to_string())
				)
			})
			.collect();
		println!("[{}]", out.join(","));
		return;
	}
	println!("| node | mean quality | earned in a year | of the full {} ICHAT | flagged hours | hours decommissioned | slashed |", full / ICHAT);
	println!("|---|---:|---:|---:|---:|---:|---|");
	for (p, y) in &rows {
		let slashed = match y.slashed_at {
			Some(h) => format!("at hour {h}: {} ICHAT, unbonded", slash / ICHAT),
			None => "no".to_string(),
		};
		println!(
			"| {} | {:.1} % | {} ICHAT | {:.1} % | {} | {} | {} |",
			p.name,
			100.0 * y.quality_sum / f64::from(y.scored.max(1)),
			y.earned / ICHAT,
			100.0 * y.earned as f64 / full as f64,
			y.flagged,
			y.decommissioned_hours,
			slashed
		);
	}
	println!();
	println!("| nodes | issued in a year (all healthy) |");
	println!("|---:|---:|");
	for n in [10u128, 100, 1_000] {
		println!("| {n} | {} ICHAT |", n * full / ICHAT);
	}
}
