//! A node's standing from hour to hour: its credit, whether it is decommissioned, and the
//! flagged hours that lead to a slash. Pure: the pallet applies what [`Standing::record`]
//! decides (events, the registry's decommissioned set, the slash and the unbonding), and the
//! economics simulation (`examples/economics.rs`) runs the very same rules.
//!
//! Each scored hour ([`Standing::record`]):
//!
//! 1. a quality below `flag_threshold` **flags** the hour: one unit of credit is spent and the
//!    hour joins the flagged hours of the last `penalty_window` hours; any other quality gives
//!    one unit back, up to `max_credit`. No quality (too few reports) changes nothing;
//! 2. at zero credit the node is **decommissioned**; a decommissioned node with
//!    `recommission_credit` again is **recommissioned**;
//! 3. `slash_after_flags` flagged hours in the window **punish** it (the pallet slashes and
//!    unbonds); its flags are cleared and it is no longer decommissioned (it is on its way
//!    out).

use codec::{Decode, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use sp_runtime::Perbill;
use sp_staking::SessionIndex;

/// A node's standing: its credit and its recent flagged hours.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxFlags))]
#[codec(mel_bound())]
pub struct Standing<MaxFlags: Get<u32>> {
	/// Flagged hours it can still afford; at zero it is decommissioned.
	pub credit: u32,
	/// Whether it is decommissioned (not planned to validate, not paid).
	pub decommissioned: bool,
	/// Its flagged hours within the penalty window, oldest first.
	pub flagged: BoundedVec<SessionIndex, MaxFlags>,
}

/// The rules a standing follows (the pallet's constants).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rules {
	/// Below this quality an hour is flagged.
	pub flag_threshold: Perbill,
	/// The credit of a new node, and the most a node can hold.
	pub max_credit: u32,
	/// The credit at which a decommissioned node is recommissioned.
	pub recommission_credit: u32,
	/// The hours over which flagged hours are counted.
	pub penalty_window: SessionIndex,
	/// Flagged hours within the window that punish the node.
	pub slash_after_flags: u32,
}

/// What one hour changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Changes {
	/// The hour was flagged, leaving this much credit.
	pub flagged: Option<u32>,
	/// The node was decommissioned.
	pub decommissioned: bool,
	/// The node was recommissioned.
	pub recommissioned: bool,
	/// The node is punished (slashed and unbonded) for this many flagged hours in the window.
	pub punished: Option<u32>,
}

impl<MaxFlags: Get<u32>> Standing<MaxFlags> {
	/// The standing of a node never flagged.
	pub fn fresh(rules: &Rules) -> Self {
		Standing { credit: rules.max_credit, decommissioned: false, flagged: BoundedVec::new() }
	}

	/// Records hour `hour`, scored `quality` (`None`: too few reports, neutral).
	pub fn record(
		&mut self,
		hour: SessionIndex,
		quality: Option<Perbill>,
		rules: &Rules,
	) -> Changes {
		let mut changes = Changes::default();
		if let Some(q) = quality {
			if q < rules.flag_threshold {
				self.credit = self.credit.saturating_sub(1);
				let window_start = hour.saturating_sub(rules.penalty_window);
				self.flagged.retain(|h| *h > window_start);
				if self.flagged.is_full() {
					self.flagged.remove(0);
				}
				let _ = self.flagged.try_push(hour);
				changes.flagged = Some(self.credit);
			} else {
				self.credit = self.credit.saturating_add(1).min(rules.max_credit);
			}
		}
		if !self.decommissioned && self.credit == 0 {
			self.decommissioned = true;
			changes.decommissioned = true;
		} else if self.decommissioned && self.credit >= rules.recommission_credit {
			self.decommissioned = false;
			changes.recommissioned = true;
		}
		let flags = self.flagged.len() as u32;
		if flags >= rules.slash_after_flags {
			self.flagged.clear();
			self.decommissioned = false;
			changes.punished = Some(flags);
		}
		changes
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::traits::ConstU32;

	const RULES: Rules = Rules {
		flag_threshold: Perbill::from_percent(50),
		max_credit: 3,
		recommission_credit: 2,
		penalty_window: 6,
		slash_after_flags: 4,
	};
	const BAD: Option<Perbill> = Some(Perbill::from_percent(10));
	const GOOD: Option<Perbill> = Some(Perbill::from_percent(90));

	type S = Standing<ConstU32<4>>;

	#[test]
	fn flags_spend_credit_and_good_hours_earn_it_back() {
		let mut s = S::fresh(&RULES);
		assert_eq!(s.record(1, BAD, &RULES).flagged, Some(2));
		assert_eq!(s.record(2, GOOD, &RULES), Changes::default());
		assert_eq!(s.credit, 3);
		// Capped at max_credit, and no evidence changes nothing.
		s.record(3, GOOD, &RULES);
		s.record(4, None, &RULES);
		assert_eq!((s.credit, s.flagged.to_vec()), (3, vec![1]));
	}

	#[test]
	fn no_credit_decommissions_and_good_hours_recommission() {
		let mut s = S::fresh(&RULES);
		s.record(1, BAD, &RULES);
		s.record(2, BAD, &RULES);
		let c = s.record(3, BAD, &RULES);
		assert!(c.decommissioned && s.decommissioned && c.punished.is_none());
		assert!(!s.record(4, GOOD, &RULES).recommissioned, "credit 1 is not enough");
		assert!(s.record(5, GOOD, &RULES).recommissioned);
		assert!(!s.decommissioned);
	}

	#[test]
	fn flags_within_the_window_punish_and_older_ones_expire() {
		let mut s = S::fresh(&RULES);
		// Three flags, then a quiet week: they leave the window.
		for h in [1, 2, 3] {
			s.record(h, BAD, &RULES);
		}
		for h in 4..=12 {
			s.record(h, GOOD, &RULES);
		}
		assert!(s.record(13, BAD, &RULES).punished.is_none(), "hours 1-3 are outside 7..=13");
		assert_eq!(s.flagged.to_vec(), vec![13]);
		// Four within six hours punish, clear the flags and end the decommission.
		s.record(14, BAD, &RULES);
		assert!(s.record(15, BAD, &RULES).decommissioned, "credit ran out on the way");
		let c = s.record(16, BAD, &RULES);
		assert_eq!(c.punished, Some(4));
		assert!(s.flagged.is_empty() && !s.decommissioned);
	}
}
