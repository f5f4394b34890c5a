//! Normalises file and app hashes to `algorithm:lowercase-hex`
//! (`md5:`, `sha1:`, `sha256:`, `sha512:`).
//!
//! With an algorithm prefix the digest length must match it; without one the
//! algorithm follows from the length (32, 40, 64 or 128 hex digits), which is
//! unambiguous for these four. Whitespace inside the digest (a hash wrapped
//! across lines or grouped for reading) is dropped.

use super::domain::quoted;
use super::{ErrorCode, Selector, SelectorError, SelectorKind};

/// The algorithms, as (canonical prefix, digest length in hex digits).
const ALGORITHMS: [(&str, usize); 4] = [("md5", 32), ("sha1", 40), ("sha256", 64), ("sha512", 128)];

/// Normalises a digest; `prefix` is the canonical algorithm when the input
/// named one (`sha256:…`).
pub(crate) fn normalize(
    value: &str,
    prefix: Option<&'static str>,
) -> Result<Selector, SelectorError> {
    let mut hex = [0u8; 128];
    let mut len = 0;
    for c in value.chars() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_ascii_hexdigit() {
            return Err(SelectorError::new(
                ErrorCode::InvalidHash,
                format!(
                    "hash {} contains '{c}', which is not a hex digit (0-9, a-f)",
                    quoted(value)
                ),
            ));
        }
        if len == hex.len() {
            return Err(too_long(value, prefix));
        }
        // `c` is an ASCII hex digit, so it fits in one byte.
        hex[len] = (c as u8).to_ascii_lowercase();
        len += 1;
    }
    if len == 0 {
        return Err(SelectorError::new(ErrorCode::InvalidHash, "hash is empty"));
    }
    let algorithm = match prefix {
        Some(p) => {
            let want = ALGORITHMS
                .iter()
                .find(|(a, _)| *a == p)
                .map_or(0, |(_, n)| *n);
            if len != want {
                return Err(SelectorError::new(
                    ErrorCode::InvalidHash,
                    format!("{p} hash must be {want} hex digits; got {len}"),
                ));
            }
            p
        }
        None => match ALGORITHMS.iter().find(|(_, n)| *n == len) {
            Some((a, _)) => *a,
            None => {
                return Err(SelectorError::new(
                    ErrorCode::InvalidHash,
                    format!(
                        "hash has {len} hex digits; expected 32 (md5), 40 (sha1), 64 (sha256) or 128 (sha512), or name the algorithm as 'sha256:…'"
                    ),
                ));
            }
        },
    };
    // Only ASCII hex digits were stored.
    let digest = std::str::from_utf8(&hex[..len]).unwrap_or("");
    Ok(Selector::from_parts(SelectorKind::Hash, algorithm, digest))
}

fn too_long(value: &str, prefix: Option<&str>) -> SelectorError {
    SelectorError::new(
        ErrorCode::InvalidHash,
        format!(
            "{} {} is longer than 128 hex digits",
            prefix.unwrap_or("hash"),
            quoted(value)
        ),
    )
}

/// Maps an algorithm name, already lowercase (`sha-256`), to its canonical
/// prefix (`sha256`).
pub(crate) fn algorithm_prefix(s: &str) -> Option<&'static str> {
    match s {
        "md5" => Some("md5"),
        "sha1" | "sha-1" => Some("sha1"),
        "sha256" | "sha-256" => Some("sha256"),
        "sha512" | "sha-512" => Some("sha512"),
        _ => None,
    }
}

/// Cheap shape test used to guess the kind: only hex digits, and the length
/// of one of the known digests.
pub(crate) fn looks_like_hash(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.len(), 32 | 40 | 64 | 128) && b.iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize_one};
    use super::*;
    use proptest::prelude::*;

    const SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn accepts() {
        let upper = SHA256.to_ascii_uppercase();
        let wrapped = format!("{} {}", &SHA256[..32], &SHA256[32..]);
        let cases: [(&str, Option<&'static str>, String); 6] = [
            (SHA256, None, format!("sha256:{SHA256}")),
            (&upper, None, format!("sha256:{SHA256}")),
            (&upper, Some("sha256"), format!("sha256:{SHA256}")),
            (&wrapped, None, format!("sha256:{SHA256}")),
            (
                "D41D8CD98F00B204E9800998ECF8427E",
                None,
                "md5:d41d8cd98f00b204e9800998ecf8427e".into(),
            ),
            (
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                Some("sha1"),
                "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709".into(),
            ),
        ];
        for (input, prefix, want) in cases {
            let sel = normalize(input, prefix).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(sel.as_str(), want);
            assert_eq!(sel.kind(), SelectorKind::Hash);
        }
        let sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
        let sel = normalize(sha512, None).expect("sha512");
        assert_eq!(sel.prefix(), "sha512");
    }

    #[test]
    fn rejects() {
        let cases: [(&str, Option<&'static str>, &str); 6] = [
            ("", None, "empty"),
            ("abc", None, "3 hex digits"),
            (
                &SHA256[..63],
                Some("sha256"),
                "sha256 hash must be 64 hex digits; got 63",
            ),
            (
                SHA256,
                Some("md5"),
                "md5 hash must be 32 hex digits; got 64",
            ),
            (
                "g41d8cd98f00b204e9800998ecf8427e",
                None,
                "'g', which is not a hex digit",
            ),
            (
                "d41d8cd98f00b204e9800998ecf8427é",
                None,
                "'é', which is not a hex digit",
            ),
        ];
        for (input, prefix, why) in cases {
            let e = normalize(input, prefix).expect_err(input);
            assert_eq!(e.code, ErrorCode::InvalidHash);
            assert!(e.message.contains(why), "{input}: {}", e.message);
        }
        let long = "a".repeat(200);
        assert!(
            normalize(&long, None)
                .unwrap_err()
                .message
                .contains("longer than 128")
        );
    }

    #[test]
    fn prefixes_and_shape() {
        assert_eq!(algorithm_prefix("sha-256"), Some("sha256"));
        assert_eq!(algorithm_prefix("sha-1"), Some("sha1"));
        assert_eq!(algorithm_prefix("md5"), Some("md5"));
        assert_eq!(algorithm_prefix("sha512"), Some("sha512"));
        assert_eq!(algorithm_prefix("sha3"), None);
        assert!(looks_like_hash(SHA256));
        assert!(!looks_like_hash(&SHA256[1..]));
        assert!(!looks_like_hash("zz41d8cd98f00b204e9800998ecf8427"));
    }

    #[test]
    fn dispatcher_with_kind_hint() {
        let sel = normalize_one(SHA256, &Hint::kind(SelectorKind::Hash)).expect("valid");
        assert_eq!(sel.as_str(), format!("sha256:{SHA256}"));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,140}", p in prop::sample::select(vec![None, Some("md5"), Some("sha1"), Some("sha256"), Some("sha512")])) {
            let _ = normalize(&s, p);
            let _ = looks_like_hash(&s);
        }

        #[test]
        fn idempotent(len in prop::sample::select(vec![32usize, 40, 64, 128]), seed in "[0-9a-fA-F]{128}") {
            let sel = normalize(&seed[..len], None).expect("hex of a known length");
            let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
            prop_assert_eq!(again.as_str(), sel.as_str());
        }
    }
}
