//! Passport numbers: `passport:<issuing country>:<NUMBER>`.
//!
//! A passport number is only an identity together with its issuing country,
//! so the country is part of the selector: written before the number
//! (`KE:AK1234567`, `KE AK1234567`, `KEN AK1234567` — ICAO documents use
//! alpha-3 codes, and the MRZ of German passports uses `D`) or taken from the
//! region hint (`AK1234567`). An explicit country wins over the hint.
//!
//! The number is uppercased with spaces, dashes and MRZ filler (`<`) removed,
//! and must then be 5 to 20 ASCII letters and digits with at least one digit
//! (every issuing state's numbers have one; a word without digits is not a
//! passport number).

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use super::{ErrorCode, Region, Selector, SelectorError, SelectorKind};

/// Normalises a passport number with its issuing country.
pub(crate) fn normalize(value: &str, region: Option<Region>) -> Result<Selector, SelectorError> {
    let value: Cow<'_, str> = if value.is_ascii() {
        Cow::Borrowed(value)
    } else {
        // Full-width letters and digits, as typed on East Asian keyboards.
        Cow::Owned(value.nfkc().collect())
    };
    let value = value.trim();
    if value.is_empty() {
        return Err(SelectorError::new(
            ErrorCode::Empty,
            "passport number is empty",
        ));
    }
    let (country, number) = split_country(value)?;
    let country = match (country, region) {
        (Some(c), _) => c,
        (None, Some(r)) => country_code(r.as_str()).ok_or_else(|| {
            invalid(format!("region '{r}' is not an iso 3166-1 country; give the issuing country as 'KE:AK1234567'"))
        })?,
        (None, None) => {
            return Err(SelectorError::new(
                ErrorCode::MissingRegion,
                "passport number needs its issuing country; write it as 'KE:AK1234567' or give a region",
            ));
        }
    };
    let number = clean_number(number)?;
    let mut out = String::with_capacity(3 + number.len());
    out.push_str(country);
    out.push(':');
    out.push_str(&number);
    Ok(Selector::from_parts(
        SelectorKind::Passport,
        "passport",
        &out,
    ))
}

fn invalid(message: String) -> SelectorError {
    SelectorError::new(ErrorCode::InvalidPassport, message)
}

/// Splits an explicit issuing country off the front: `KE:…` always names
/// one, `KE …` does when the word is a known country code.
fn split_country(value: &str) -> Result<(Option<&'static str>, &str), SelectorError> {
    if let Some((head, rest)) = value.split_once(':') {
        let head = head.trim();
        let country = country_code(head).ok_or_else(|| {
            invalid(format!(
                "passport country '{head}' is not an iso 3166-1 country code; write it as 'KE:AK1234567'"
            ))
        })?;
        return Ok((Some(country), rest));
    }
    if let Some((head, rest)) = value.split_once(char::is_whitespace)
        && let Some(country) = country_code(head)
    {
        return Ok((Some(country), rest));
    }
    Ok((None, value))
}

/// The alpha-2 code for an alpha-2 or alpha-3 code (any case), or `D`.
fn country_code(code: &str) -> Option<&'static str> {
    crate::country::alpha2(code)
}

/// Uppercases and compacts the number and checks its shape.
fn clean_number(number: &str) -> Result<String, SelectorError> {
    let mut out = String::with_capacity(number.len());
    for c in number.trim().trim_end_matches('<').chars() {
        match c {
            ' ' | '-' | '\t' => {}
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            other => {
                return Err(invalid(format!(
                    "passport number contains '{other}'; only letters and digits are allowed"
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(SelectorError::new(
            ErrorCode::Empty,
            "passport number is empty",
        ));
    }
    if !(5..=20).contains(&out.len()) {
        return Err(invalid(format!(
            "passport number '{out}' has {} characters; expected 5 to 20 letters and digits",
            out.len()
        )));
    }
    if !out.bytes().any(|b| b.is_ascii_digit()) {
        return Err(invalid(format!("passport number '{out}' has no digit")));
    }
    Ok(out)
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
    fn accepts() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("KE:AK1234567", None, "passport:KE:AK1234567"),
            ("ke:ak1234567", None, "passport:KE:AK1234567"),
            ("KE AK1234567", None, "passport:KE:AK1234567"),
            ("KEN AK1234567", None, "passport:KE:AK1234567"),
            ("AK1234567", Some("KE"), "passport:KE:AK1234567"),
            ("AK 123-4567", Some("KE"), "passport:KE:AK1234567"),
            ("TH:AA1234567", Some("KH"), "passport:TH:AA1234567"),
            ("D:C01X00T47", None, "passport:DE:C01X00T47"),
            ("P1234567A<<<", Some("PH"), "passport:PH:P1234567A"),
            ("ＡＫ１２３４５６７", Some("KE"), "passport:KE:AK1234567"),
            ("VNM: C1234567", None, "passport:VN:C1234567"),
        ];
        for (input, r, want) in cases {
            let got = normalize(input, r.and_then(region));
            assert_eq!(
                got.as_ref().map(Selector::as_str),
                Ok(*want),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn rejects() {
        let cases: &[(&str, Option<&str>, ErrorCode)] = &[
            ("AK1234567", None, ErrorCode::MissingRegion),
            ("ZZ:AK1234567", None, ErrorCode::InvalidPassport),
            ("KE:AK12", None, ErrorCode::InvalidPassport),
            ("KE:ABCDEFGH", None, ErrorCode::InvalidPassport),
            ("KE:AK1234567890123456789", None, ErrorCode::InvalidPassport),
            ("KE:AK12#4567", None, ErrorCode::InvalidPassport),
            ("KE:", None, ErrorCode::Empty),
            ("", Some("KE"), ErrorCode::Empty),
        ];
        for (input, r, code) in cases {
            let err = normalize(input, r.and_then(region)).expect_err(input);
            assert_eq!(err.code, *code, "input {input:?}: {}", err.message);
            assert!(!err.message.ends_with('.'));
        }
    }

    #[test]
    fn through_the_dispatcher() {
        let got = normalize_one("passport:KE:AK1234567", &Hint::default()).expect("canonical");
        assert_eq!(got.as_str(), "passport:KE:AK1234567");
        let hint = Hint {
            kind: Some(SelectorKind::Passport),
            region: region("KE"),
        };
        let got = normalize_one("ak1234567", &hint).expect("hinted");
        assert_eq!(got.as_str(), "passport:KE:AK1234567");
        assert_eq!(got.kind(), SelectorKind::Passport);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}", r in proptest::option::of("[A-Z]{2}")) {
            let _ = normalize(&s, r.and_then(|r| r.parse().ok()));
        }

        #[test]
        fn idempotent(country in "(KE|KH|TH|VN|ken|D|GBR)", sep in "(:| )", number in "[A-Za-z0-9 -]{0,22}") {
            let input = format!("{country}{sep}{number}");
            if let Ok(sel) = normalize(&input, None) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical renormalises");
                prop_assert_eq!(again, sel);
            }
        }
    }
}
