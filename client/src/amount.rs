//! ICHAT amounts: parsing what users type and formatting what they read.
//!
//! One ICHAT is 10^12 planck (the chain's `tokenDecimals` is 12). Amounts are parsed exactly
//! (no floating point): `12.5`, `1000000`, `0.000000000001`, `1_000`. Formatting trims trailing
//! zeros and, for people, groups thousands: `1,000,000.5 ICHAT`.

use anyhow::{bail, Result};

/// Decimal places of ICHAT.
pub const DECIMALS: u32 = 12;
/// One ICHAT in planck.
pub const ICHAT: u128 = 1_000_000_000_000;
/// The token symbol.
pub const SYMBOL: &str = "ICHAT";

/// Parse an amount of ICHAT into planck.
pub fn parse(text: &str) -> Result<u128> {
	let t = text.trim();
	let t = t.strip_suffix(SYMBOL).or_else(|| t.strip_suffix("ichat")).unwrap_or(t).trim();
	let t: String = t.chars().filter(|c| *c != '_').collect();
	if t.is_empty() {
		bail!("no amount given");
	}
	if t.starts_with('-') {
		bail!("{text:?}: the amount cannot be negative");
	}
	let (whole, frac) = match t.split_once('.') {
		Some((w, f)) => (w, f),
		None => (t.as_str(), ""),
	};
	let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
	if !digits(whole) || !digits(frac) || (whole.is_empty() && frac.is_empty()) {
		bail!("{text:?} is not an amount (write it like 12.5)");
	}
	if frac.len() > DECIMALS as usize {
		bail!("{text:?} has more than {DECIMALS} decimals");
	}
	let too_large = || anyhow::anyhow!("{text:?} is too large");
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_large())? };
	let mut frac_planck: u128 = 0;
	for (i, b) in frac.bytes().enumerate() {
		frac_planck += u128::from(b - b'0') * 10u128.pow(DECIMALS - 1 - i as u32);
	}
	whole
		.checked_mul(ICHAT)
		.and_then(|w| w.checked_add(frac_planck))
		.ok_or_else(too_large)
}

/// Exact decimal ICHAT without separators or symbol, e.g. `1000000.5` (for JSON).
pub fn plain(planck: u128) -> String {
	let whole = planck / ICHAT;
	let frac = planck % ICHAT;
	if frac == 0 {
		return whole.to_string();
	}
	let frac = format!("{frac:012}");
	format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// For people: thousands grouped and the symbol, e.g. `1,000,000.5 ICHAT`.
pub fn human(planck: u128) -> String {
	let p = plain(planck);
	let (whole, frac) = match p.split_once('.') {
		Some((w, f)) => (w.to_owned(), Some(f.to_owned())),
		None => (p, None),
	};
	let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
	for (i, c) in whole.chars().enumerate() {
		if i > 0 && (whole.len() - i) % 3 == 0 {
			grouped.push(',');
		}
		grouped.push(c);
	}
	match frac {
		Some(f) => format!("{grouped}.{f} {SYMBOL}"),
		None => format!("{grouped} {SYMBOL}"),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_exactly() {
		assert_eq!(parse("12.5").expect("ok"), 12_500_000_000_000);
		assert_eq!(parse("1").expect("ok"), ICHAT);
		assert_eq!(parse("0.000000000001").expect("ok"), 1);
		assert_eq!(parse(".5").expect("ok"), ICHAT / 2);
		assert_eq!(parse("5.").expect("ok"), 5 * ICHAT);
		assert_eq!(parse("1_000_000").expect("ok"), 1_000_000 * ICHAT);
		assert_eq!(parse(" 2 ICHAT ").expect("ok"), 2 * ICHAT);
		assert_eq!(parse("0").expect("ok"), 0);
		assert_eq!(parse("340282366.920938463463").expect("ok"), 340_282_366_920_938_463_463);
	}

	#[test]
	fn rejects_bad_amounts() {
		for bad in ["", ".", "-1", "1.2.3", "1e5", "abc", "1,5", "0.0000000000001", "+1"] {
			assert!(parse(bad).is_err(), "{bad:?} should be rejected");
		}
		// u128::MAX planck is about 3.4e26 ICHAT.
		assert!(parse("340282366920938463463374607431768211455").is_err());
		assert!(parse("1000000000000000000000000000").is_err());
		let e = parse("0.0000000000001").expect_err("13 decimals");
		assert!(e.to_string().contains("more than 12 decimals"));
	}

	#[test]
	fn formats() {
		assert_eq!(plain(0), "0");
		assert_eq!(plain(1), "0.000000000001");
		assert_eq!(plain(12_500_000_000_000), "12.5");
		assert_eq!(plain(u128::MAX), "340282366920938463463374607.431768211455");
		assert_eq!(human(0), "0 ICHAT");
		assert_eq!(human(999 * ICHAT), "999 ICHAT");
		assert_eq!(human(1_000 * ICHAT), "1,000 ICHAT");
		assert_eq!(human(1_000_000 * ICHAT + ICHAT / 2), "1,000,000.5 ICHAT");
		assert_eq!(human(123_456_789 * ICHAT + 1), "123,456,789.000000000001 ICHAT");
	}

	#[test]
	fn parse_and_format_round_trip() {
		for p in [0u128, 1, 999, ICHAT, 12_345_678_901_234_567, u128::MAX / 7] {
			assert_eq!(parse(&plain(p)).expect("round trip"), p);
		}
	}
}
