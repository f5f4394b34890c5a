//! Why a plain hash does not hide a selector: a country's numbering plan
//! is small enough to hash whole, so a list of SHA-256 digests of phone
//! numbers (as MISP's hashed attributes and many "privacy-preserving"
//! sharing schemes publish) reverses to the numbers by trying them all.
//!
//! [`reverse`] does that over a range of a numbering plan; the test shows
//! it recovering every planted number from digests, and none from OPRF
//! pseudonyms of the same numbers, which only the key's holder could
//! compute. `bench/` times it over a whole mobile range.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// A range of phone numbers: a country code and national prefix, then
/// `digits` free digits (`+855 12 xxxxxx` is `("85512", 6)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range<'a> {
    pub prefix: &'a str,
    pub digits: u32,
}

impl Range<'_> {
    /// How many numbers the range holds.
    pub fn size(&self) -> u64 {
        10u64.pow(self.digits)
    }

    /// The `n`th number of the range, in E.164 (`+85512000042`).
    pub fn number(&self, n: u64) -> String {
        format!(
            "+{}{:0width$}",
            self.prefix,
            n,
            width = self.digits as usize
        )
    }
}

/// The SHA-256 digest of a text, hex: how hashed sharing lists a selector.
pub fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Every digest in `digests` that is the SHA-256 of a number of `range`,
/// with that number: a dictionary attack over the whole range.
pub fn reverse(digests: &[String], range: Range<'_>) -> HashMap<String, String> {
    let wanted: HashMap<[u8; 32], &String> = digests
        .iter()
        .filter_map(|d| {
            let bytes: [u8; 32] = hex::decode(d).ok()?.try_into().ok()?;
            Some((bytes, d))
        })
        .collect();
    let mut found = HashMap::new();
    let mut text = String::with_capacity(24);
    for n in 0..range.size() {
        text.clear();
        use std::fmt::Write;
        let _ = write!(
            text,
            "+{}{:0width$}",
            range.prefix,
            n,
            width = range.digits as usize
        );
        let d: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        if let Some(hex) = wanted.get(&d) {
            found.insert((*hex).clone(), text.clone());
            if found.len() == wanted.len() {
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oprf::MatchingKey;

    #[test]
    fn hashed_numbers_fall_to_the_numbering_plan_but_pseudonyms_do_not() {
        // A range of 100,000 numbers: the test stays quick; bench/ runs a
        // whole mobile prefix of 10 million.
        let range = Range {
            prefix: "8551299",
            digits: 5,
        };
        let planted: Vec<String> = [4_242u64, 31_337, 77_001, 99_999]
            .iter()
            .map(|n| range.number(*n))
            .collect();
        let digests: Vec<String> = planted.iter().map(|n| digest(n)).collect();
        let found = reverse(&digests, range);
        assert_eq!(
            found.len(),
            planted.len(),
            "every hashed number is recovered"
        );
        for (d, n) in digests.iter().zip(&planted) {
            assert_eq!(&found[d], n);
        }
        // The same numbers as OPRF pseudonyms: their values are 64-byte
        // outputs of a keyed function; hashing candidates finds nothing,
        // and without the key there is nothing else to try.
        let key = MatchingKey::generate(1);
        let pseudonyms: Vec<String> = planted
            .iter()
            .map(|n| key.pseudonym(&format!("phone:{n}")).unwrap().value)
            .collect();
        let truncated: Vec<String> = pseudonyms.iter().map(|p| p[..64].to_owned()).collect();
        assert!(reverse(&truncated, range).is_empty());
        // Another key gives other pseudonyms: knowing the function is not
        // enough, one needs this key.
        let other = MatchingKey::generate(1);
        assert_ne!(
            other
                .pseudonym(&format!("phone:{}", planted[0]))
                .unwrap()
                .value,
            pseudonyms[0]
        );
    }
}
