//! The quality of one hour of service, from the testers' measurements: pure functions, the same
//! in the runtime, the relay and the simulation script.
//!
//! Each tester reports, for each node it tested in the hour, one [`Measurement`]. Settlement
//! takes the **median of each metric** over the node's testers ([`aggregate`]), then maps the
//! medians to a quality in [0, 1] ([`quality`]). A median over `n` reports of which fewer than
//! half lie lies within the range of the honest reports: a lying minority can neither raise nor
//! lower a node's score beyond what honest testers measured. A lying majority can; the quorum is
//! drawn at random each hour so that a minority of colluding operators rarely holds one (see
//! `docs/economics.md`).
//!
//! ```text
//! quality = availability · latency · loss · flapping      (each factor in [0, 1])
//!   availability = share of reachability checks answered; 0 below MinAvailability
//!   latency      = 1 up to RttGood, falling linearly to LatencyFloor at RttBad and beyond
//!   loss         = 1 − LossWeight · lost share (at least 0)
//!   flapping     = 1 − FlapPenalty per up/down transition beyond FreeTransitions (at least 0)
//! ```

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{Perbill, Saturating};

/// What one tester measured of one node during one hour.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Measurement {
	/// Median round-trip time of the answered probes, milliseconds (0 when none was answered).
	pub rtt_ms: u32,
	/// Probe messages sent through the node to a mailbox the tester controls.
	pub probes_sent: u16,
	/// Of those, how many arrived.
	pub probes_delivered: u16,
	/// Reachability checks made.
	pub checks: u16,
	/// Of those, how many the node answered.
	pub checks_ok: u16,
	/// Up/down transitions seen (a restart is two: down, then up).
	pub transitions: u16,
}

impl Measurement {
	/// Whether the counts are consistent (delivered ≤ sent, answered ≤ made, at least one
	/// check). Reports with inconsistent measurements are refused.
	pub fn is_consistent(&self) -> bool {
		self.probes_delivered <= self.probes_sent
			&& self.checks_ok <= self.checks
			&& self.checks > 0
	}

	/// The share of checks answered.
	pub fn availability(&self) -> Perbill {
		Perbill::from_rational(u32::from(self.checks_ok), u32::from(self.checks.max(1)))
	}

	/// The share of probes lost (zero when none was sent: no evidence of loss).
	pub fn loss(&self) -> Perbill {
		if self.probes_sent == 0 {
			return Perbill::zero();
		}
		let lost = self.probes_sent.saturating_sub(self.probes_delivered);
		Perbill::from_rational(u32::from(lost), u32::from(self.probes_sent))
	}
}

/// The medians of each metric over a node's testers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct Aggregate {
	/// Median availability.
	pub availability: Perbill,
	/// Median RTT in milliseconds, over the testers that had an answered probe (0 if none).
	pub rtt_ms: u32,
	/// Median loss.
	pub loss: Perbill,
	/// Median number of transitions.
	pub transitions: u16,
	/// How many reports the medians are taken over.
	pub reports: u32,
}

/// The knobs of the formula (runtime constants; their reasons are in `docs/economics.md`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Params {
	/// Below this median availability the hour pays nothing ("down for most of it").
	pub min_availability: Perbill,
	/// RTT up to which latency costs nothing, ms.
	pub rtt_good_ms: u32,
	/// RTT at and beyond which the latency factor is `latency_floor`, ms.
	pub rtt_bad_ms: u32,
	/// The least the latency factor falls to.
	pub latency_floor: Perbill,
	/// How much each lost share costs: factor = 1 − weight · loss.
	pub loss_weight: u32,
	/// Transitions that cost nothing (one restart).
	pub free_transitions: u16,
	/// What each further transition costs.
	pub flap_penalty: Perbill,
}

impl Params {
	/// The iChat chain's values (their reasons are in `docs/economics.md`).
	pub const ICHAT: Params = Params {
		min_availability: Perbill::from_percent(50),
		rtt_good_ms: 150,
		rtt_bad_ms: 1_000,
		latency_floor: Perbill::from_percent(50),
		loss_weight: 2,
		free_transitions: 2,
		flap_penalty: Perbill::from_percent(10),
	};
}

/// The lower median of `values` (sorted in place): for `n` values, the one at index `(n − 1) / 2`.
/// `None` for no values.
pub fn lower_median<V: Ord + Copy>(values: &mut [V]) -> Option<V> {
	if values.is_empty() {
		return None;
	}
	values.sort_unstable();
	Some(values[(values.len() - 1) / 2])
}

/// The per-metric medians of `reports`; `None` when there are fewer than `min_reports` (too
/// little evidence: the hour counts as neutral, never as bad).
pub fn aggregate(reports: &[Measurement], min_reports: u32) -> Option<Aggregate> {
	let n = reports.len();
	if n == 0 || (n as u64) < u64::from(min_reports) {
		return None;
	}
	let median_of = |f: &dyn Fn(&Measurement) -> u64| -> u64 {
		let mut v: Vec<u64> = reports.iter().map(f).collect();
		lower_median(&mut v).unwrap_or_default()
	};
	let availability = median_of(&|m| u64::from(m.availability().deconstruct()));
	let loss = median_of(&|m| u64::from(m.loss().deconstruct()));
	let transitions = median_of(&|m| u64::from(m.transitions));
	let mut rtts: Vec<u32> = reports.iter().map(|m| m.rtt_ms).filter(|r| *r > 0).collect();
	let rtt_ms = lower_median(&mut rtts).unwrap_or(0);
	Some(Aggregate {
		availability: Perbill::from_parts(availability as u32),
		rtt_ms,
		loss: Perbill::from_parts(loss as u32),
		transitions: transitions.min(u64::from(u16::MAX)) as u16,
		reports: n as u32,
	})
}

/// The latency factor for a median RTT of `rtt_ms`.
pub fn latency_factor(rtt_ms: u32, p: &Params) -> Perbill {
	if rtt_ms <= p.rtt_good_ms || p.rtt_bad_ms <= p.rtt_good_ms {
		return Perbill::one();
	}
	if rtt_ms >= p.rtt_bad_ms {
		return p.latency_floor;
	}
	// Linear from 1 at rtt_good to latency_floor at rtt_bad.
	let span = p.rtt_bad_ms - p.rtt_good_ms;
	let over = rtt_ms - p.rtt_good_ms;
	let drop = Perbill::one().saturating_sub(p.latency_floor);
	Perbill::one().saturating_sub(Perbill::from_rational(over, span) * drop)
}

/// The quality of an hour with medians `a`.
pub fn quality(a: &Aggregate, p: &Params) -> Perbill {
	if a.availability < p.min_availability {
		return Perbill::zero();
	}
	let loss_cost = a.loss.times(p.loss_weight);
	let loss = Perbill::one().saturating_sub(loss_cost);
	let extra = u32::from(a.transitions.saturating_sub(p.free_transitions));
	let flapping = Perbill::one().saturating_sub(p.flap_penalty.times(extra));
	a.availability * latency_factor(a.rtt_ms, p) * loss * flapping
}

/// `n` times a share, saturating at one.
trait Times {
	fn times(self, n: u32) -> Self;
}

impl Times for Perbill {
	fn times(self, n: u32) -> Perbill {
		Perbill::from_parts((u64::from(self.deconstruct()) * u64::from(n)).min(1_000_000_000) as u32)
	}
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;

	const P: Params = Params::ICHAT;

	/// A perfect measurement (the mock runtime's tests use it too).
	pub(crate) fn healthy() -> Measurement {
		Measurement {
			rtt_ms: 40,
			probes_sent: 6,
			probes_delivered: 6,
			checks: 12,
			checks_ok: 12,
			transitions: 0,
		}
	}

	/// Equal up to rounding (one part in a billion per factor).
	fn assert_close(got: Perbill, want: Perbill) {
		let (g, w) = (got.deconstruct(), want.deconstruct());
		assert!(g.abs_diff(w) <= 4, "{got:?} is not {want:?}");
	}

	fn q(reports: &[Measurement]) -> Perbill {
		quality(&aggregate(reports, 1).expect("enough reports"), &P)
	}

	#[test]
	fn a_healthy_hour_is_worth_everything() {
		assert_eq!(q(&[healthy(); 5]), Perbill::one());
	}

	#[test]
	fn each_factor_costs_what_the_formula_says() {
		// Latency: halfway between good and bad costs half of the way to the floor.
		let slow = Measurement { rtt_ms: 575, ..healthy() };
		assert_eq!(q(&[slow]), Perbill::from_percent(75));
		assert_eq!(q(&[Measurement { rtt_ms: 5_000, ..healthy() }]), Perbill::from_percent(50));
		assert_eq!(q(&[Measurement { rtt_ms: 150, ..healthy() }]), Perbill::one());
		// Loss: a sixth lost costs a third.
		let lossy = Measurement { probes_delivered: 5, ..healthy() };
		assert_close(q(&[lossy]), Perbill::from_rational(2u32, 3u32));
		// Half lost or more: nothing.
		assert_eq!(q(&[Measurement { probes_delivered: 3, ..healthy() }]), Perbill::zero());
		// Availability scales linearly down to the threshold, then nothing.
		let patchy = Measurement { checks_ok: 9, ..healthy() };
		assert_eq!(q(&[patchy]), Perbill::from_percent(75));
		assert_eq!(q(&[Measurement { checks_ok: 6, ..healthy() }]), Perbill::from_percent(50));
		assert_eq!(q(&[Measurement { checks_ok: 5, ..healthy() }]), Perbill::zero());
		// One restart (down, up) is free; each transition beyond costs 10 %.
		assert_eq!(q(&[Measurement { transitions: 2, ..healthy() }]), Perbill::one());
		assert_eq!(q(&[Measurement { transitions: 4, ..healthy() }]), Perbill::from_percent(80));
		assert_eq!(q(&[Measurement { transitions: 40, ..healthy() }]), Perbill::zero());
	}

	#[test]
	fn no_probe_answered_is_no_evidence_of_latency_but_sent_probes_count_as_lost() {
		let m = Measurement { rtt_ms: 0, probes_delivered: 0, ..healthy() };
		assert_eq!(aggregate(&[m], 1).expect("one report").rtt_ms, 0);
		assert_eq!(q(&[m]), Perbill::zero());
		let none_sent = Measurement { rtt_ms: 0, probes_sent: 0, probes_delivered: 0, ..healthy() };
		assert_eq!(q(&[none_sent]), Perbill::one());
	}

	#[test]
	fn too_few_reports_are_neutral() {
		assert_eq!(aggregate(&[healthy(); 2], 3), None);
		assert_eq!(aggregate(&[], 0), None);
		assert!(aggregate(&[healthy(); 3], 3).is_some());
	}

	#[test]
	fn inconsistent_measurements_are_detected() {
		assert!(healthy().is_consistent());
		assert!(!Measurement { probes_delivered: 7, ..healthy() }.is_consistent());
		assert!(!Measurement { checks_ok: 13, ..healthy() }.is_consistent());
		assert!(!Measurement { checks: 0, checks_ok: 0, ..healthy() }.is_consistent());
	}

	#[test]
	fn the_lower_median_is_within_the_honest_range_whatever_a_minority_says() {
		// 7 testers, 3 liars: whatever the liars report, the median is one of the honest values.
		let honest = [40u32, 55, 60, 70];
		for lie in [0u32, 1, 30, 65, 10_000, u32::MAX] {
			let mut v: Vec<u32> = honest.iter().copied().chain([lie; 3]).collect();
			let m = lower_median(&mut v).expect("values");
			assert!((40..=70).contains(&m), "lie {lie}: median {m}");
		}
		assert_eq!(lower_median(&mut [3u32, 1, 2, 4]), Some(2));
		assert_eq!(lower_median::<u32>(&mut []), None);
	}

	#[test]
	fn a_lying_minority_cannot_move_the_quality_out_of_the_honest_range() {
		let honest = [healthy(), Measurement { rtt_ms: 60, ..healthy() }, healthy(), healthy()];
		let bad = Measurement {
			rtt_ms: 5_000,
			probes_sent: 6,
			probes_delivered: 0,
			checks: 12,
			checks_ok: 0,
			transitions: 30,
		};
		let mut reports = honest.to_vec();
		reports.extend([bad; 3]);
		assert_eq!(q(&reports), Perbill::one(), "three slanderers out of seven");
		// Nor can a minority praise a bad node.
		let poor = Measurement { checks_ok: 8, ..healthy() };
		let mut reports = alloc::vec![poor; 4];
		reports.extend([healthy(); 3]);
		assert_eq!(
			q(&reports),
			Perbill::from_rational(2u32, 3u32),
			"three flatterers out of seven"
		);
	}

	#[test]
	fn a_lying_majority_decides_which_is_outside_the_model() {
		let mut reports = alloc::vec![healthy(); 3];
		reports.extend([Measurement { checks_ok: 0, ..healthy() }; 4]);
		assert_eq!(q(&reports), Perbill::zero());
	}
}
