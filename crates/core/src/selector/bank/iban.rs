//! IBANs: checks country, length, BBAN structure and the ISO 7064 mod-97
//! check digits, and returns the compact uppercase form.
//!
//! Formatting is forgiven (spaces, dashes, dots, lowercase, a leading
//! `IBAN`); content is not. National check digits inside the BBAN are not
//! verified: their algorithms are per country and often per bank, and an
//! IBAN with wrong national digits but right IBAN check digits is rare.

use super::registry::registry;
use crate::country::is_country;
use crate::selector::{ErrorCode, Selector, SelectorError, SelectorKind};

/// The longest IBAN any country issues (ISO 13616).
const MAX_IBAN: usize = 34;

/// Normalises an IBAN to `iban:<COMPACT>`.
pub(crate) fn normalize_iban(value: &str) -> Result<Selector, SelectorError> {
    let mut compact = [0u8; MAX_IBAN + 4];
    let len = compact_into(value, &mut compact)?;
    let iban = &compact[..len];
    check(iban)?;
    // Only ASCII letters and digits were copied into `compact`.
    let text = std::str::from_utf8(iban).map_err(|_| invalid("iban is not ascii"))?;
    Ok(Selector::from_parts(SelectorKind::Iban, "iban", text))
}

/// A cheap shape test for the guesser: two letters, two digits, then letters
/// and digits, 15 to 34 characters once spaces are removed.
pub(crate) fn looks_like_iban(s: &str) -> bool {
    let s = s.trim();
    let s = match s.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("iban") => &s[4..],
        _ => s,
    };
    let mut n = 0usize;
    for c in s.bytes().filter(|&c| c != b' ') {
        let fits = match n {
            0 | 1 => c.is_ascii_alphabetic(),
            2 | 3 => c.is_ascii_digit(),
            _ => c.is_ascii_alphanumeric(),
        };
        n += 1;
        if !fits || n > MAX_IBAN {
            return false;
        }
    }
    n >= 15
}

/// Copies the letters and digits of `value`, uppercased, dropping
/// whitespace, dashes, dots and a leading `IBAN`. Returns the length.
fn compact_into(value: &str, out: &mut [u8; MAX_IBAN + 4]) -> Result<usize, SelectorError> {
    let mut len = 0usize;
    let mut total = 0usize;
    for (i, c) in value.chars().enumerate() {
        if c.is_whitespace() || c == '-' || c == '.' {
            continue;
        }
        if !c.is_ascii_alphanumeric() {
            return Err(invalid(format!(
                "iban contains '{c}' at position {}; an iban has only letters and digits",
                i + 1
            )));
        }
        if len < out.len() {
            out[len] = c.to_ascii_uppercase() as u8;
            len += 1;
        }
        total += 1;
    }
    let skip = if len >= 4 && &out[..4] == b"IBAN" {
        4
    } else {
        0
    };
    let total = total - skip;
    if total > MAX_IBAN {
        return Err(invalid(format!(
            "iban has {total} characters; no country's iban is longer than {MAX_IBAN}"
        )));
    }
    out.copy_within(skip..len, 0);
    Ok(len - skip)
}

/// Checks a compact uppercase IBAN against the registry and its check digits.
fn check(iban: &[u8]) -> Result<(), SelectorError> {
    if iban.is_empty() {
        return Err(invalid("iban is empty"));
    }
    if iban.len() < 4 {
        return Err(invalid(
            "iban is too short; it starts with a two-letter country code and two check digits",
        ));
    }
    let country = [iban[0], iban[1]];
    if !country.iter().all(u8::is_ascii_uppercase) {
        return Err(invalid("iban must start with a two-letter country code"));
    }
    let cc = std::str::from_utf8(&country).unwrap_or("??");
    if !iban[2..4].iter().all(u8::is_ascii_digit) {
        return Err(invalid(format!(
            "iban must have two check digits after the country code {cc}"
        )));
    }
    let Some(format) = registry().get(country) else {
        return Err(invalid(if is_country(country) {
            format!("{cc} does not use iban; give the account as bank:{cc}:<bank code>:<account>")
        } else {
            format!("'{cc}' is not a country code that issues ibans")
        }));
    };
    if iban.len() != format.length {
        return Err(invalid(format!(
            "iban for {} ({cc}) must have {} characters; this one has {}",
            format.name,
            format.length,
            iban.len()
        )));
    }
    for (i, (&c, class)) in iban[4..].iter().zip(&format.bban).enumerate() {
        if !class.admits(c) {
            return Err(invalid(format!(
                "{cc} iban has '{}' at position {} where its format ({cc}2!n{}) needs {}",
                c as char,
                i + 5,
                format.bban_spec,
                class.describe()
            )));
        }
    }
    let given = u32::from(iban[2] - b'0') * 10 + u32::from(iban[3] - b'0');
    let expected = check_digits(iban);
    if given != expected {
        return Err(invalid(if given % 97 == expected % 97 {
            // 00, 01 and 99 pass a bare "mod 97 = 1" test but are never
            // issued: ISO 7064 check digits run from 02 to 98.
            format!(
                "iban check digits {given:02} are never issued; for this account they are {expected:02}"
            )
        } else {
            "iban checksum does not match; check for a mistyped or swapped character".to_owned()
        }));
    }
    Ok(())
}

/// ISO 7064 MOD 97-10 check digits of an IBAN: 98 minus the remainder of
/// BBAN + country + "00", letters counted as 10–35. Always 2..=98.
fn check_digits(iban: &[u8]) -> u32 {
    let rearranged = iban[4..].iter().chain(&iban[..2]).chain(b"00");
    let remainder = rearranged.fold(0u32, |r, &c| {
        if c.is_ascii_digit() {
            (r * 10 + u32::from(c - b'0')) % 97
        } else {
            (r * 100 + u32::from(c - b'A') + 10) % 97
        }
    });
    98 - remainder
}

fn invalid(message: impl Into<String>) -> SelectorError {
    SelectorError::new(ErrorCode::InvalidIban, message)
}

#[cfg(test)]
mod tests {
    use super::super::registry::CharClass;
    use super::*;
    use crate::selector::{Hint, normalize_one};
    use proptest::prelude::*;

    fn ok(input: &str) -> String {
        match normalize_iban(input) {
            Ok(s) => s.into_string(),
            Err(e) => panic!("{input:?} was rejected: {}", e.message),
        }
    }

    fn err(input: &str) -> String {
        match normalize_iban(input) {
            Ok(s) => panic!("{input:?} was accepted as {s}"),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::InvalidIban);
                assert!(!e.message.ends_with('.'), "{}", e.message);
                e.message
            }
        }
    }

    #[test]
    fn accepts_valid_ibans_in_any_formatting() {
        let cases = [
            ("DE89370400440532013000", "iban:DE89370400440532013000"),
            ("DE89 3704 0044 0532 0130 00", "iban:DE89370400440532013000"),
            ("de89-3704-0044-0532-0130-00", "iban:DE89370400440532013000"),
            (
                "IBAN DE89 3704.0044.0532.0130.00",
                "iban:DE89370400440532013000",
            ),
            ("GB82 WEST 1234 5698 7654 32", "iban:GB82WEST12345698765432"),
            ("NO9386011117947", "iban:NO9386011117947"),
            (
                "FR1420041010050500013M02606",
                "iban:FR1420041010050500013M02606",
            ),
            ("BE68539007547034", "iban:BE68539007547034"),
            ("PK36SCBL0000001123456702", "iban:PK36SCBL0000001123456702"),
            (
                "MT84MALT011000012345MTLCAST001S",
                "iban:MT84MALT011000012345MTLCAST001S",
            ),
            (
                "LC55HEMM000100010012001200023015",
                "iban:LC55HEMM000100010012001200023015",
            ),
            // National extensions: Morocco, Senegal, Côte d'Ivoire.
            (
                "MA64011519000001205000534921",
                "iban:MA64011519000001205000534921",
            ),
            (
                "SN08SN0100152000048500003035",
                "iban:SN08SN0100152000048500003035",
            ),
            (
                "CI93CI0080111301134291200589",
                "iban:CI93CI0080111301134291200589",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(ok(input), want, "{input}");
        }
    }

    #[test]
    fn rejects_with_the_failed_check_named() {
        let cases = [
            ("DE89370400440532013001", "checksum does not match"),
            ("DE98370400440532013000", "checksum does not match"),
            ("DE89370400440532031000", "checksum does not match"),
            (
                "DE8937040044053201300",
                "iban for Germany (DE) must have 22 characters; this one has 21",
            ),
            ("DE893704004405320130000", "must have 22 characters"),
            (
                "DE89 3704 0044 0532 0130 00 00 00 00 00 00 00 00",
                "no country's iban is longer than 34",
            ),
            (
                "US64SVBKUS6S3300958879",
                "US does not use iban; give the account as bank:US:",
            ),
            (
                "XX89370400440532013000",
                "'XX' is not a country code that issues ibans",
            ),
            ("D189370400440532013000", "two-letter country code"),
            ("DEX9370400440532013000", "two check digits"),
            ("DE8937040044053201300A", "needs a digit"),
            ("GB82W3ST12345698765432", "needs a letter"),
            ("DE89_370400440532013000", "only letters and digits"),
            ("DÉ89370400440532013000", "only letters and digits"),
            ("DE", "too short"),
            ("", "empty"),
            (" - ", "empty"),
        ];
        for (input, needle) in cases {
            let message = err(input);
            assert!(
                message.contains(needle),
                "{input:?}: '{message}' lacks '{needle}'"
            );
        }
    }

    #[test]
    fn never_issued_check_digits_are_rejected() {
        // 00, 01 and 99 are the aliases of 97, 98 and 02: they pass a bare
        // "mod 97 = 1" test. Find accounts whose genuine digits are those.
        let mut seen = [false; 3];
        for n in 0..10_000u32 {
            let mut iban = format!("GB00WEST123456987{n:05}").into_bytes();
            let (alias, slot) = match check_digits(&iban) {
                97 => (0, 0),
                98 => (1, 1),
                2 => (99, 2),
                _ => continue,
            };
            let genuine = check_digits(&iban);
            iban[2] = b'0' + (genuine / 10) as u8;
            iban[3] = b'0' + (genuine % 10) as u8;
            let text = String::from_utf8(iban).expect("ascii");
            ok(&text);
            let aliased = format!("GB{alias:02}{}", &text[4..]);
            assert!(err(&aliased).contains("are never issued"), "{aliased}");
            seen[slot] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn looks_like_iban_shapes() {
        for s in [
            "DE89370400440532013000",
            "DE89 3704 0044 0532 0130 00",
            "no9386011117947",
            "IBAN GB82 WEST 1234 5698 7654 32",
        ] {
            assert!(looks_like_iban(s), "{s}");
        }
        for s in [
            "DE89",
            "+85512345678",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "DEAB370400440532013000",
            "DE89-3704-0044-0532-0130-00-x",
        ] {
            assert!(!looks_like_iban(s), "{s}");
        }
    }

    #[test]
    fn unkinded_ibans_are_guessed_through_the_dispatcher() {
        let sel =
            normalize_one("DE89 3704 0044 0532 0130 00", &Hint::default()).expect("valid iban");
        assert_eq!(sel.as_str(), "iban:DE89370400440532013000");
        assert_eq!(sel.kind(), SelectorKind::Iban);
        let e = normalize_one("DE89 3704 0044 0532 0130 01", &Hint::default())
            .expect_err("bad checksum");
        assert_eq!(e.code, ErrorCode::InvalidIban, "{}", e.message);
    }

    /// A valid IBAN of `country`, built from its registry structure and a
    /// seed, for property tests.
    fn generated(country: [u8; 2], seed: u64) -> String {
        let format = registry().get(country).expect("known country");
        let mut x = seed | 1;
        let mut next = || {
            // xorshift: enough spread for test data.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut iban = vec![country[0], country[1], b'0', b'0'];
        for class in &format.bban {
            let r = next();
            iban.push(match class {
                CharClass::Digit => b'0' + (r % 10) as u8,
                CharClass::Letter => b'A' + (r % 26) as u8,
                CharClass::Alnum => b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(r % 36) as usize],
            });
        }
        let d = check_digits(&iban);
        iban[2] = b'0' + (d / 10) as u8;
        iban[3] = b'0' + (d % 10) as u8;
        String::from_utf8(iban).expect("ascii")
    }

    fn any_country() -> impl Strategy<Value = [u8; 2]> {
        prop::sample::select(
            registry()
                .formats()
                .iter()
                .map(|f| f.country)
                .collect::<Vec<_>>(),
        )
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = normalize_iban(&s);
            let _ = looks_like_iban(&s);
        }

        #[test]
        fn generated_ibans_are_valid_and_canonical_text_round_trips(country in any_country(), seed in any::<u64>()) {
            let iban = generated(country, seed);
            let sel = normalize_iban(&iban).map_err(|e| TestCaseError::fail(format!("{iban}: {}", e.message)))?;
            prop_assert_eq!(sel.value(), iban.as_str());
            let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
            prop_assert_eq!(&again, &sel);
            prop_assert!(looks_like_iban(&iban));
        }

        #[test]
        fn one_changed_character_is_rejected(country in any_country(), seed in any::<u64>(), pos in 0usize..34, delta in 1u8..36) {
            let iban = generated(country, seed);
            let mut bytes = iban.clone().into_bytes();
            let pos = pos % bytes.len();
            // Replace with another character of the same kind (digit for
            // digit, letter for letter): ISO 7064 mod 97 catches every such
            // single substitution.
            let c = bytes[pos];
            bytes[pos] = if c.is_ascii_digit() {
                b'0' + (c - b'0' + delta % 9 + 1) % 10
            } else {
                b'A' + (c - b'A' + delta % 25 + 1) % 26
            };
            let mutated = String::from_utf8(bytes).expect("ascii");
            prop_assert!(normalize_iban(&mutated).is_err(), "{} (from {}) was accepted", mutated, iban);
        }

        #[test]
        fn two_swapped_neighbours_are_rejected(country in any_country(), seed in any::<u64>(), pos in 4usize..33) {
            let iban = generated(country, seed);
            let mut bytes = iban.clone().into_bytes();
            let pos = pos.min(bytes.len() - 2);
            prop_assume!(bytes[pos] != bytes[pos + 1] && bytes[pos].is_ascii_digit() && bytes[pos + 1].is_ascii_digit());
            bytes.swap(pos, pos + 1);
            let mutated = String::from_utf8(bytes).expect("ascii");
            prop_assert!(normalize_iban(&mutated).is_err(), "{} (from {}) was accepted", mutated, iban);
        }
    }
}
