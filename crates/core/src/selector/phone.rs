//! Phone numbers: any written form to E.164, by Google's libphonenumber rules.
//!
//! Parsing and validation are `rlibphonenumber`'s (a port of Google's
//! libphonenumber, checked against the C++ original), so a number is a
//! selector exactly when libphonenumber calls it valid. Around that core this
//! module adds a small, documented input policy; `scripts/oracle_phone.py`
//! applies the same policy with Google's Python port, and
//! `tests/phone_oracle.rs` checks that both agree:
//!
//! 1. the input as written, with the optional default region (this alone is
//!    what libphonenumber does, so whenever it succeeds the answers match);
//! 2. when that fails, the span from the first `+` or digit to the last digit,
//!    so that words around a number ("call +855 12 345 678 now") do not turn
//!    into vanity-number digits, as libphonenumber would read them;
//! 3. when that fails too and the span starts with `00`, the span read as
//!    `+…`: `00` is the international prefix in most of the world, and no
//!    national number starts with it.
//!
//! `tel:` URIs arrive here without their scheme (the dispatcher strips it);
//! libphonenumber itself understands their `;ext=`, `;isub=` and
//! `;phone-context=` parameters. Extensions are not part of E.164 and are
//! dropped.
//!
//! **Speed.** The parser is one lazily built static, shared by all threads.
//! It is built from libphonenumber's metadata (`data/phone_metadata.bin`, the
//! file rlibphonenumber 2.2.15 embeds) with every `\d` in its patterns
//! written `[0-9]`. In the `regex` crate `\d` means any Unicode digit, which
//! makes each of the ~2,000 metadata patterns about 8× slower to compile and
//! far slower to warm up; libphonenumber only ever matches these patterns
//! against ASCII digits (it normalises digits first), so the meaning is the
//! same. On a 200,000-number corpus this cuts the whole-process time by a
//! third. If the file cannot be read, the crate's own parser is used
//! instead. The test `ascii_metadata_changes_no_answer` checks that both
//! parsers agree on every region's example numbers, which also catches the
//! file falling behind an upgraded rlibphonenumber (refresh it from the
//! crate's `src/generated/metadata/metadata.bin`).

use std::borrow::Cow;
use std::sync::LazyLock;

use prost::Message;
use rlibphonenumber::enums::Region as PnRegion;
use rlibphonenumber::{
    PHONE_NUMBER_UTIL, ParseError, PhoneMetadataCollection, PhoneNumber, PhoneNumberFormat,
    PhoneNumberUtil, ValidationError,
};

use super::{ErrorCode, Region, Selector, SelectorError, SelectorKind};

/// libphonenumber refuses longer inputs (`_MAX_INPUT_STRING_LENGTH`, in
/// characters); refusing them here too keeps the oracle comparison exact.
const MAX_PHONE_INPUT_CHARS: usize = 250;

/// libphonenumber's metadata as rlibphonenumber 2.2.15 compiles it.
static METADATA: &[u8] = include_bytes!("../../data/phone_metadata.bin");

/// The shared parser over ASCII-digit patterns (see the module doc), built
/// on first use and then reused by every thread.
static UTIL: LazyLock<Option<PhoneNumberUtil>> = LazyLock::new(|| {
    let metadata = ascii_metadata(METADATA)?;
    PhoneNumberUtil::new_for_metadata(metadata).ok()
});

fn util() -> &'static PhoneNumberUtil {
    UTIL.as_ref().unwrap_or(&PHONE_NUMBER_UTIL)
}

/// Decodes the metadata and writes `\d` as `[0-9]` in every pattern.
// rlibphonenumber marks the pattern fields deprecated because its parser
// moves them into compiled-regex wrappers; here they are edited before any
// parser exists.
#[allow(deprecated)]
fn ascii_metadata(bytes: &[u8]) -> Option<PhoneMetadataCollection> {
    fn ascii(pattern: &mut String) {
        if pattern.contains("\\d") {
            *pattern = pattern.replace("\\d", "[0-9]");
        }
    }
    let mut collection = PhoneMetadataCollection::decode(bytes).ok()?;
    for m in &mut collection.metadata {
        let descs = [
            &mut m.general_desc,
            &mut m.fixed_line,
            &mut m.mobile,
            &mut m.toll_free,
            &mut m.premium_rate,
            &mut m.shared_cost,
            &mut m.personal_number,
            &mut m.voip,
            &mut m.pager,
            &mut m.uan,
            &mut m.emergency,
            &mut m.voicemail,
            &mut m.short_code,
            &mut m.standard_rate,
            &mut m.carrier_specific,
            &mut m.sms_services,
            &mut m.no_international_dialling,
        ];
        for desc in descs.into_iter().flatten() {
            desc.national_number_pattern.iter_mut().for_each(ascii);
        }
        m.leading_digits.iter_mut().for_each(ascii);
        m.international_prefix.iter_mut().for_each(ascii);
        m.national_prefix_for_parsing.iter_mut().for_each(ascii);
        for format in m
            .number_format
            .iter_mut()
            .chain(m.intl_number_format.iter_mut())
        {
            ascii(&mut format.pattern);
            format.leading_digits_pattern.iter_mut().for_each(ascii);
        }
    }
    Some(collection)
}

/// Normalises a written phone number to `phone:+E164`. `region` is the
/// default region for numbers written in national form.
pub(crate) fn normalize(value: &str, region: Option<Region>) -> Result<Selector, SelectorError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(SelectorError::new(
            ErrorCode::Empty,
            "phone number is empty",
        ));
    }
    if value.chars().count() > MAX_PHONE_INPUT_CHARS {
        return Err(SelectorError::new(
            ErrorCode::TooLong,
            format!("phone number input is longer than {MAX_PHONE_INPUT_CHARS} characters"),
        ));
    }
    let pn_region = region.and_then(|r| PnRegion::from_code(r.as_str()).ok());

    let mut failure = match attempt(value, pn_region) {
        Ok(number) => return Ok(selector_of(&number)),
        Err(failure) => failure,
    };
    let span = number_span(value);
    if span.len() != value.len() && !span.is_empty() {
        match attempt(span, pn_region) {
            Ok(number) => return Ok(selector_of(&number)),
            // The span's reason is the more telling one: it is about the
            // number, not about the words around it.
            Err(f) => failure = f,
        }
    }
    if let Some(rest) = span.strip_prefix("00") {
        let international = format!("+{rest}");
        if let Ok(number) = attempt(&international, None) {
            return Ok(selector_of(&number));
        }
    }
    Err(explain(failure, span, region, pn_region))
}

/// A cheap shape check for inputs of unknown kind: an optional leading `+`,
/// then only digits and phone punctuation, with 7 to 17 digits.
pub(crate) fn looks_like_phone(s: &str) -> bool {
    let s = s.trim();
    let body = s.strip_prefix('+').unwrap_or(s);
    let mut digits = 0usize;
    for b in body.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            _ => return false,
        }
    }
    (7..=17).contains(&digits)
}

/// Why one parse attempt did not give a valid number.
enum Failure {
    Parse(ParseError),
    Invalid(PhoneNumber),
}

/// Parses and validates one candidate text.
fn attempt(text: &str, region: Option<PnRegion>) -> Result<PhoneNumber, Failure> {
    let util = util();
    let number = util.parse(text, region).map_err(Failure::Parse)?;
    if util.is_valid_number(&number) {
        Ok(number)
    } else {
        Err(Failure::Invalid(number))
    }
}

fn selector_of(number: &PhoneNumber) -> Selector {
    let e164: Cow<'_, str> = util().format(number, PhoneNumberFormat::E164);
    Selector::from_parts(SelectorKind::Phone, "phone", &e164)
}

/// The part of `s` from its first `+` or ASCII digit to its last ASCII digit
/// (empty when there is no digit).
pub(crate) fn number_span(s: &str) -> &str {
    let bytes = s.as_bytes();
    let Some(end) = bytes.iter().rposition(u8::is_ascii_digit) else {
        return "";
    };
    let start = bytes
        .iter()
        .position(|b| *b == b'+' || b.is_ascii_digit())
        .unwrap_or(end);
    // Both ends sit on ASCII bytes, so they are char boundaries.
    s.get(start..=end).unwrap_or("")
}

/// Turns the last failure into an error a user can act on.
fn explain(
    failure: Failure,
    span: &str,
    region: Option<Region>,
    pn_region: Option<PnRegion>,
) -> SelectorError {
    let shown = if span.is_empty() { "input" } else { span };
    let invalid = |message: String| SelectorError::new(ErrorCode::InvalidPhone, message);
    match failure {
        Failure::Parse(ParseError::InvalidCountryCode) => {
            let international = span.starts_with('+') || span.starts_with("00");
            match (international, region) {
                (false, None) => SelectorError::new(
                    ErrorCode::MissingRegion,
                    format!(
                        "phone number '{shown}' is in national form; give its region (for example KH) or write it with + and the country code"
                    ),
                ),
                (false, Some(r))
                    if pn_region
                        .is_none_or(|p| util().get_country_code_for_region(p).is_none()) =>
                {
                    SelectorError::new(
                        ErrorCode::MissingRegion,
                        format!(
                            "region {r} has no phone numbering plan; give the number with + and its country code"
                        ),
                    )
                }
                _ => invalid(format!(
                    "phone number '{shown}' has an unknown country calling code"
                )),
            }
        }
        Failure::Parse(ParseError::NotANumber(_)) => invalid(format!(
            "'{shown}' is not a phone number; expected digits with an optional + and country code"
        )),
        Failure::Parse(ParseError::TooShortAfterIdd | ParseError::TooShortNsn) => {
            invalid(format!("phone number '{shown}' has too few digits"))
        }
        Failure::Parse(ParseError::TooLongNsn) => {
            invalid(format!("phone number '{shown}' has too many digits"))
        }
        Failure::Invalid(number) => {
            let util = util();
            let place = util
                .get_region_for_country_code(number.country_code)
                .map(|r| r.as_region_str().as_str().to_owned())
                .unwrap_or_else(|| format!("+{}", number.country_code));
            match util.is_possible_number_with_reason(&number) {
                Err(ValidationError::TooShort) => invalid(format!(
                    "phone number '{shown}' has too few digits for {place}"
                )),
                Err(ValidationError::TooLong) => invalid(format!(
                    "phone number '{shown}' has too many digits for {place}"
                )),
                Err(ValidationError::InvalidCountryCode) => invalid(format!(
                    "phone number '{shown}' has an unknown country calling code"
                )),
                Err(_) => invalid(format!(
                    "phone number '{shown}' has a digit count that no number in {place} has"
                )),
                Ok(_) => invalid(format!(
                    "phone number '{shown}' is not in use in the numbering plan of {place}; check for a missing or extra digit"
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Hint, normalize_one};
    use super::*;
    use proptest::prelude::*;

    fn region(s: &str) -> Option<Region> {
        Some(s.parse().expect("test region"))
    }

    #[test]
    fn accepts_messy_forms() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("+855 12 345 678", None, "phone:+85512345678"),
            ("+85512345678", None, "phone:+85512345678"),
            ("012 345 678", Some("KH"), "phone:+85512345678"),
            ("(012) 345-678", Some("KH"), "phone:+85512345678"),
            ("012.345.678", Some("KH"), "phone:+85512345678"),
            ("+855 (0) 12 345 678", None, "phone:+85512345678"),
            ("00855 12 345 678", None, "phone:+85512345678"),
            ("00855 12 345 678", Some("TH"), "phone:+85512345678"),
            ("+855-12-345-678;ext=12", None, "phone:+85512345678"),
            ("call +855 12 345 678 now", None, "phone:+85512345678"),
            (
                "Phone 012 345 678 (mobile)",
                Some("KH"),
                "phone:+85512345678",
            ),
            ("+66 81 234 5678", None, "phone:+66812345678"),
            ("081-234-5678", Some("TH"), "phone:+66812345678"),
            ("+1 202-555-0173", Some("GB"), "phone:+12025550173"),
            ("0917 123 4567", Some("PH"), "phone:+639171234567"),
            ("+95 9 421 234 567", None, "phone:+959421234567"),
        ];
        for (input, r, want) in cases {
            let got = normalize(input, r.and_then(region));
            assert_eq!(
                got.as_ref().map(Selector::as_str),
                Ok(*want),
                "input {input:?} region {r:?}"
            );
            let sel = got.expect("checked above");
            assert_eq!(sel.kind(), SelectorKind::Phone);
        }
    }

    #[test]
    fn rejects_with_typed_errors() {
        let cases: &[(&str, Option<&str>, ErrorCode)] = &[
            ("012 345 678", None, ErrorCode::MissingRegion),
            ("+855 12 345", None, ErrorCode::InvalidPhone),
            ("+855 12 345 678 999 999", None, ErrorCode::InvalidPhone),
            ("+999 12 345 678", None, ErrorCode::InvalidPhone),
            ("hello", Some("KH"), ErrorCode::InvalidPhone),
            ("", Some("KH"), ErrorCode::Empty),
        ];
        for (input, r, code) in cases {
            let err = normalize(input, r.and_then(region)).expect_err(input);
            assert_eq!(err.code, *code, "input {input:?}: {}", err.message);
            assert!(!err.message.ends_with('.'), "{}", err.message);
            assert!(
                !err.message.starts_with(char::is_uppercase),
                "{}",
                err.message
            );
        }
        let long = "1".repeat(300);
        assert_eq!(
            normalize(&long, None).expect_err("too long").code,
            ErrorCode::TooLong
        );
    }

    #[test]
    fn error_messages_name_the_problem() {
        let err = normalize("012 345 67", region("KH")).expect_err("short");
        assert!(err.message.contains("KH"), "{}", err.message);
        let err = normalize("012 345 678", None).expect_err("national");
        assert!(err.message.contains("region"), "{}", err.message);
    }

    #[test]
    fn through_the_dispatcher() {
        let hint = Hint {
            kind: None,
            region: region("KH"),
        };
        let got = normalize_one("tel:+855-12-345-678", &hint).expect("tel uri");
        assert_eq!(got.as_str(), "phone:+85512345678");
        let got = normalize_one("phone:+85512345678", &Hint::default()).expect("canonical");
        assert_eq!(got.as_str(), "phone:+85512345678");
        let got = normalize_one(
            "012 345 678",
            &Hint {
                kind: Some(SelectorKind::Phone),
                region: region("KH"),
            },
        )
        .expect("hinted");
        assert_eq!(got.as_str(), "phone:+85512345678");
    }

    #[test]
    fn ascii_metadata_is_in_use() {
        assert!(UTIL.is_some(), "data/phone_metadata.bin did not load");
        let collection = ascii_metadata(METADATA).expect("metadata decodes");
        assert!(collection.metadata.len() > 240);
    }

    #[test]
    fn ascii_metadata_changes_no_answer() {
        use rlibphonenumber::PhoneNumberType;
        let ours = util();
        let theirs: &PhoneNumberUtil = &PHONE_NUMBER_UTIL;
        let mut checked = 0;
        for region in theirs.get_supported_regions() {
            for kind in [
                PhoneNumberType::Mobile,
                PhoneNumberType::FixedLine,
                PhoneNumberType::TollFree,
            ] {
                let Ok(example) = theirs.get_example_number_for_type_and_region(region, kind)
                else {
                    continue;
                };
                let e164 = theirs
                    .format(&example, PhoneNumberFormat::E164)
                    .into_owned();
                let national = theirs
                    .format(&example, PhoneNumberFormat::National)
                    .into_owned();
                // The example itself, a neighbour, and a truncated form.
                let variants = [
                    e164.clone(),
                    national,
                    format!("{}7", &e164[..e164.len() - 1]),
                    e164[..e164.len() - 2].to_owned(),
                ];
                for text in variants {
                    let a = ours.parse(&text, Some(region));
                    let b = theirs.parse(&text, Some(region));
                    assert_eq!(a.is_ok(), b.is_ok(), "{region:?} {text}");
                    if let (Ok(a), Ok(b)) = (a, b) {
                        assert_eq!(a, b, "{region:?} {text}");
                        assert_eq!(
                            ours.is_valid_number(&a),
                            theirs.is_valid_number(&b),
                            "{region:?} {text}"
                        );
                        assert_eq!(
                            ours.format(&a, PhoneNumberFormat::E164),
                            theirs.format(&b, PhoneNumberFormat::E164)
                        );
                        assert_eq!(
                            ours.get_number_type(&a),
                            theirs.get_number_type(&b),
                            "{region:?} {text}"
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "only {checked} numbers checked");
    }

    #[test]
    fn shape_check() {
        for yes in [
            "+855 12 345 678",
            "012-345-678",
            "(012) 345 678",
            "0044.20.7946.0958",
        ] {
            assert!(looks_like_phone(yes), "{yes}");
        }
        for no in [
            "123456",
            "+855 12 345 678 x",
            "12+34567890",
            "abc",
            "1".repeat(18).as_str(),
            "",
        ] {
            assert!(!looks_like_phone(no), "{no}");
        }
    }

    #[test]
    fn span_of_number() {
        assert_eq!(number_span("call +855 12 345 678 now"), "+855 12 345 678");
        assert_eq!(number_span("no digits"), "");
        assert_eq!(number_span("é 12 ü"), "12");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}", r in proptest::option::of("[A-Z]{2}")) {
            let r = r.and_then(|r| r.parse::<Region>().ok());
            let _ = normalize(&s, r);
            let _ = looks_like_phone(&s);
        }

        #[test]
        fn idempotent(digits in "[0-9 ().-]{6,20}", plus in any::<bool>(),
                      r in proptest::sample::select(vec!["KH", "TH", "VN", "PH", "MY", "ID", "CN", "IN", "KE", "NG", "US", "GB"])) {
            let input = if plus { format!("+{digits}") } else { digits };
            if let Ok(sel) = normalize(&input, region(r)) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical renormalises");
                prop_assert_eq!(again, sel);
            }
        }
    }
}
