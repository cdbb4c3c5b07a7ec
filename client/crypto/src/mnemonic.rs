//! BIP39 English mnemonics: generation and validation with typed errors.
//!
//! The mnemonic is the user's only credential. It is parsed leniently where that cannot change
//! the key (surrounding and repeated whitespace, upper case), and then kept in a canonical form
//! (lower case, single spaces), which is what Substrate, polkadot.js and the wallets expect.

use core::fmt;

use bip39::Language;
use rand_core::{OsRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

/// Word counts a mnemonic may have when it is generated.
///
/// Parsing accepts every BIP39 length (12, 15, 18, 21 and 24 words) so that phrases made by
/// other wallets open the same account; generation offers the two lengths wallets produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WordCount {
	/// 12 words, 128 bits of entropy.
	Twelve,
	/// 24 words, 256 bits of entropy (the default).
	#[default]
	TwentyFour,
}

impl WordCount {
	/// The number of words.
	pub const fn words(self) -> usize {
		match self {
			WordCount::Twelve => 12,
			WordCount::TwentyFour => 24,
		}
	}

	const fn entropy_bytes(self) -> usize {
		self.words() / 3 * 4
	}
}

/// Why a phrase is not a valid BIP39 English mnemonic.
///
/// No variant carries any word of the phrase, so these errors are safe to print or log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MnemonicError {
	/// A word is not in the BIP39 English word list (position is 1-based).
	#[error("word {position} is not in the BIP39 English word list")]
	UnknownWord {
		/// 1-based position of the first unknown word.
		position: usize,
	},
	/// The phrase does not have 12, 15, 18, 21 or 24 words.
	#[error("wrong number of words: {count} (a mnemonic has 12, 15, 18, 21 or 24 words)")]
	WordCount {
		/// How many words were given.
		count: usize,
	},
	/// Every word is valid but the checksum does not match: a word is wrong or out of order.
	#[error("bad checksum: a word is wrong or the words are out of order")]
	BadChecksum,
}

/// A validated BIP39 English mnemonic, kept in canonical form and zeroized on drop.
///
/// `Debug` never prints the words.
#[derive(Clone)]
pub struct Mnemonic {
	phrase: Zeroizing<String>,
}

impl Mnemonic {
	/// Generate a fresh mnemonic from the operating system's random number generator.
	pub fn generate(count: WordCount) -> Mnemonic {
		let mut entropy = Zeroizing::new([0u8; 32]);
		let len = count.entropy_bytes();
		OsRng.fill_bytes(&mut entropy[..len]);
		Self::from_entropy_checked(&entropy[..len])
	}

	/// Build the mnemonic for 16 or 32 bytes of entropy (used for tests and vectors).
	///
	/// Returns `None` for any other entropy length.
	pub fn from_entropy(entropy: &[u8]) -> Option<Mnemonic> {
		if entropy.len() != 16 && entropy.len() != 32 {
			return None;
		}
		Some(Self::from_entropy_checked(entropy))
	}

	fn from_entropy_checked(entropy: &[u8]) -> Mnemonic {
		let m = bip39::Mnemonic::from_entropy_in(Language::English, entropy)
			.expect("16 and 32 bytes are valid BIP39 entropy lengths; qed");
		let mut phrase = Zeroizing::new(String::with_capacity(24 * 9));
		for (i, w) in m.words().enumerate() {
			if i > 0 {
				phrase.push(' ');
			}
			phrase.push_str(w);
		}
		Mnemonic { phrase }
	}

	/// Validate a phrase and return it in canonical form.
	///
	/// Errors are checked in this order: unknown word (the first one, 1-based), word count,
	/// checksum.
	pub fn parse(phrase: &str) -> Result<Mnemonic, MnemonicError> {
		let mut canonical = Zeroizing::new(String::with_capacity(phrase.len()));
		let mut count = 0usize;
		for word in phrase.split_whitespace() {
			count += 1;
			let mut lower = Zeroizing::new(word.to_lowercase());
			if Language::English.find_word(&lower).is_none() {
				lower.zeroize();
				return Err(MnemonicError::UnknownWord { position: count });
			}
			if count > 1 {
				canonical.push(' ');
			}
			canonical.push_str(&lower);
		}
		if !matches!(count, 12 | 15 | 18 | 21 | 24) {
			return Err(MnemonicError::WordCount { count });
		}
		match bip39::Mnemonic::parse_in_normalized(Language::English, &canonical) {
			Ok(_) => Ok(Mnemonic { phrase: canonical }),
			Err(bip39::Error::InvalidChecksum) => Err(MnemonicError::BadChecksum),
			Err(bip39::Error::BadWordCount(count)) => Err(MnemonicError::WordCount { count }),
			Err(bip39::Error::UnknownWord(i)) => {
				Err(MnemonicError::UnknownWord { position: i + 1 })
			},
			// Entropy and language errors cannot happen for a parsed English phrase.
			Err(_) => Err(MnemonicError::BadChecksum),
		}
	}

	/// The canonical phrase (lower case, words separated by one space). Handle with care.
	pub fn expose_phrase(&self) -> &str {
		&self.phrase
	}

	/// The number of words.
	pub fn word_count(&self) -> usize {
		self.phrase.split(' ').count()
	}
}

impl fmt::Debug for Mnemonic {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("Mnemonic(<redacted>)")
	}
}

impl PartialEq for Mnemonic {
	fn eq(&self, other: &Self) -> bool {
		// Not constant-time: mnemonics are only compared in tests and in user-driven flows.
		*self.phrase == *other.phrase
	}
}

impl Eq for Mnemonic {}

#[cfg(test)]
mod tests {
	use super::*;

	const VECTOR: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

	#[test]
	fn generates_24_words_by_default_and_12_on_request() {
		let m = Mnemonic::generate(WordCount::default());
		assert_eq!(m.word_count(), 24);
		assert_eq!(Mnemonic::parse(m.expose_phrase()).as_ref(), Ok(&m));
		let m = Mnemonic::generate(WordCount::Twelve);
		assert_eq!(m.word_count(), 12);
		assert_eq!(Mnemonic::parse(m.expose_phrase()).as_ref(), Ok(&m));
	}

	#[test]
	fn parse_canonicalises_whitespace_and_case() {
		let messy = "  Bottom drive\tobey lake  curtain smoke basket hold race lonely fit WALK\n";
		assert_eq!(
			Mnemonic::parse(messy).map(|m| m.expose_phrase().to_owned()),
			Ok(VECTOR.to_owned())
		);
	}

	#[test]
	fn unknown_word_reports_one_based_position() {
		let bad = VECTOR.replace("obey", "obay");
		assert_eq!(Mnemonic::parse(&bad), Err(MnemonicError::UnknownWord { position: 3 }));
		let bad = VECTOR.replace("bottom", "xyz");
		assert_eq!(Mnemonic::parse(&bad), Err(MnemonicError::UnknownWord { position: 1 }));
	}

	#[test]
	fn wrong_word_count() {
		let eleven = VECTOR.rsplit_once(' ').map(|(a, _)| a).unwrap_or_default();
		assert_eq!(Mnemonic::parse(eleven), Err(MnemonicError::WordCount { count: 11 }));
		assert_eq!(Mnemonic::parse(""), Err(MnemonicError::WordCount { count: 0 }));
	}

	#[test]
	fn bad_checksum() {
		let swapped = VECTOR.replace("bottom drive", "drive bottom");
		assert_eq!(Mnemonic::parse(&swapped), Err(MnemonicError::BadChecksum));
	}

	#[test]
	fn error_messages_are_clear() {
		assert_eq!(
			MnemonicError::UnknownWord { position: 3 }.to_string(),
			"word 3 is not in the BIP39 English word list"
		);
	}
}
