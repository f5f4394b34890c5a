//! Bank accounts: IBANs, and `bank:<country>:<bank code>:<account>` for
//! accounts in countries without IBAN.
//!
//! Decisions, so that one account makes one selector:
//!
//! - A country whose IBAN is in the SWIFT registry (or covered by another
//!   country's entry) has every account as an IBAN, so the `bank:` form is
//!   refused there with a pointer to `iban:`. In the national-extension
//!   countries (Morocco, the UEMOA and CEMAC states, Iran …) domestic
//!   account numbers (RIB) are still what victims are given, so both forms
//!   are accepted there.
//! - A BIC is kept as its 8-character institution code: the branch code
//!   (`XXX` or a real branch) is a routing detail, and reports of one mule
//!   account cite it inconsistently. The BIC's country must be the account's.
//! - A national bank code is digits (a US routing number is checked with its
//!   ABA check digit), or an Indian IFSC. Codes are not translated to BICs:
//!   `bank:TH:BKKBTHBK:…` and `bank:TH:002:…` stay two selectors.
//! - The account keeps its leading zeros; spaces, dashes, dots and slashes
//!   are dropped and letters uppercased.

mod iban;
mod registry;

use super::{ErrorCode, Region, Selector, SelectorError, SelectorKind};
use registry::Status;

pub(crate) use iban::{looks_like_iban, normalize_iban};

/// Normalises a bank account given as `<country>:<bank code>:<account>`,
/// `<bank code>:<account>` or `<bank code> <account>` (the country then
/// comes from a BIC or from `region`). An IBAN given as a bank account is
/// normalised as an IBAN.
pub(crate) fn normalize_bank(
    value: &str,
    region: Option<Region>,
) -> Result<Selector, SelectorError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid("bank account is empty"));
    }
    if !value.contains(':') && looks_like_iban(value) {
        return normalize_iban(value);
    }
    let parts = split(value)?;
    let explicit = match parts.country {
        Some(text) => Some(parse_country(text)?),
        None => None,
    };
    let bank = parse_bank_code(parts.bank)?;
    let country = match (explicit, bank.bic_country) {
        (Some(c), Some(b)) if c != b => {
            return Err(invalid(format!(
                "bic {} belongs to {}, not {}; check the country or the bic",
                bank.code,
                as_str(&b),
                as_str(&c)
            )));
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => match region {
            Some(r) => parse_country(r.as_str())?,
            None => {
                return Err(SelectorError::new(
                    ErrorCode::MissingRegion,
                    "bank account needs a country: give bank:<country>:<bank code>:<account>, a bic, or a region",
                ));
            }
        },
    };
    let cc = as_str(&country);
    if let Some(format) = registry::registry().get(country)
        && format.status != Status::National
    {
        return Err(invalid(format!(
            "{cc} uses iban; give the account as its iban (iban:{cc}…)"
        )));
    }
    if cc == "US" && bank.bic_country.is_none() {
        check_aba(&bank.code)?;
    }
    if cc == "IN"
        && bank.bic_country.is_none()
        && !bank.code.bytes().all(|c| c.is_ascii_digit())
        && !is_ifsc(&bank.code)
    {
        return Err(invalid(format!(
            "indian bank code '{}' is not an ifsc (4 letters, 0, 6 letters or digits)",
            bank.code
        )));
    }
    let account = parse_account(&parts.account)?;
    let text = format!("{cc}:{}:{account}", bank.code);
    Ok(Selector::from_parts(SelectorKind::Bank, "bank", &text))
}

/// The raw parts of a bank account input.
#[derive(Debug)]
struct Parts<'a> {
    country: Option<&'a str>,
    bank: &'a str,
    account: String,
}

const FORM: &str =
    "give bank:<country>:<bank code>:<account>, for example bank:KH:ABAAKHPP:000123456";

fn split(value: &str) -> Result<Parts<'_>, SelectorError> {
    let fields: Vec<&str> = value.split(':').map(str::trim).collect();
    match fields[..] {
        [country, bank, account] => Ok(Parts {
            country: Some(country),
            bank,
            account: account.to_owned(),
        }),
        // `KH:ABAAKHPP 000123456` or `ABAAKHPP:000123456`: a bank code is
        // never two letters, so two letters first are a country.
        [first, rest] if is_two_letters(first) => {
            let (bank, account) = first_word(rest).ok_or_else(|| {
                invalid(format!(
                    "bank account after {first} needs a bank code and an account; {FORM}"
                ))
            })?;
            Ok(Parts {
                country: Some(first),
                bank,
                account,
            })
        }
        [bank, account] => Ok(Parts {
            country: None,
            bank,
            account: account.to_owned(),
        }),
        // `ABAAKHPP 000 123 456` or `KH ABAAKHPP 000123456`.
        [whole] => {
            let (first, rest) = first_word(whole).ok_or_else(|| {
                invalid(format!(
                    "bank account needs a bank code and an account number; {FORM}"
                ))
            })?;
            if is_two_letters(first) {
                let rest_text = whole[first.len()..].trim_start();
                let (bank, account) = first_word(rest_text).ok_or_else(|| {
                    invalid(format!(
                        "bank account after {first} needs a bank code and an account; {FORM}"
                    ))
                })?;
                Ok(Parts {
                    country: Some(first),
                    bank,
                    account,
                })
            } else {
                Ok(Parts {
                    country: None,
                    bank: first,
                    account: rest,
                })
            }
        }
        _ => Err(invalid(format!(
            "bank account has too many ':' separators; {FORM}"
        ))),
    }
}

/// Splits off the first whitespace-separated word; the rest joined (the
/// account may be written in groups). `None` when there is no second word.
fn first_word(s: &str) -> Option<(&str, String)> {
    let mut words = s.split_whitespace();
    let first = words.next()?;
    let rest: String = words.collect();
    (!rest.is_empty()).then_some((first, rest))
}

fn is_two_letters(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|c| c.is_ascii_alphabetic())
}

fn parse_country(text: &str) -> Result<[u8; 2], SelectorError> {
    let b = text.as_bytes();
    if b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic) {
        let code = [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()];
        if crate::country::is_country(code) {
            return Ok(code);
        }
    }
    Err(invalid(format!(
        "bank country '{text}' is not an iso 3166-1 two-letter country code"
    )))
}

/// A validated bank code: a BIC's 8-character institution code (with its
/// country) or a national code.
#[derive(Debug)]
struct BankCode {
    code: String,
    bic_country: Option<[u8; 2]>,
}

fn parse_bank_code(text: &str) -> Result<BankCode, SelectorError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if cleaned.is_empty() {
        return Err(invalid(format!("bank code is missing; {FORM}")));
    }
    let b = cleaned.as_bytes();
    if (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b.iter().all(u8::is_ascii_alphanumeric)
    {
        let country = [b[4], b[5]];
        if !crate::country::is_country(country) {
            return Err(invalid(format!(
                "bic {cleaned} has '{}' where its country code belongs (characters 5 and 6)",
                as_str(&country)
            )));
        }
        return Ok(BankCode {
            code: cleaned[..8].to_owned(),
            bic_country: Some(country),
        });
    }
    if (2..=12).contains(&b.len()) && b.iter().all(u8::is_ascii_digit) {
        return Ok(BankCode {
            code: cleaned,
            bic_country: None,
        });
    }
    if is_ifsc(&cleaned) {
        return Ok(BankCode {
            code: cleaned,
            bic_country: None,
        });
    }
    Err(invalid(format!(
        "bank code '{text}' is neither a bic (8 or 11 characters: 4-letter bank, 2-letter country, 2-character location, optional 3-character branch) nor a national bank code of 2 to 12 digits"
    )))
}

/// An Indian Financial System Code: 4 letters (bank), `0`, 6 letters or
/// digits (branch).
fn is_ifsc(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 11
        && b[..4].iter().all(u8::is_ascii_uppercase)
        && b[4] == b'0'
        && b[5..].iter().all(u8::is_ascii_alphanumeric)
}

/// A US ABA routing number: 9 digits, weights 3 7 1, sum divisible by 10.
fn check_aba(code: &str) -> Result<(), SelectorError> {
    let b = code.as_bytes();
    if b.len() != 9 {
        return Err(invalid(format!(
            "us routing number must have 9 digits; '{code}' has {}",
            b.len()
        )));
    }
    let sum: u32 = b
        .iter()
        .zip([3, 7, 1].iter().cycle())
        .map(|(&c, &w)| u32::from(c - b'0') * w)
        .sum();
    if !sum.is_multiple_of(10) {
        return Err(invalid(format!(
            "us routing number {code} fails its check digit; check for a mistyped digit"
        )));
    }
    Ok(())
}

fn parse_account(text: &str) -> Result<String, SelectorError> {
    let mut account = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ' ' | '-' | '.' | '/' => {}
            c if c.is_ascii_alphanumeric() => account.push(c.to_ascii_uppercase()),
            c if c.is_whitespace() => {}
            c => {
                return Err(invalid(format!(
                    "account number contains '{c}'; give only its letters and digits"
                )));
            }
        }
    }
    if account.len() < 4 {
        return Err(invalid(format!(
            "account number has {} letters or digits; at least 4 are needed",
            account.len()
        )));
    }
    if account.len() > 34 {
        return Err(invalid(format!(
            "account number has {} letters or digits; at most 34 are allowed",
            account.len()
        )));
    }
    Ok(account)
}

fn as_str(code: &[u8; 2]) -> &str {
    std::str::from_utf8(code).unwrap_or("??")
}

fn invalid(message: impl Into<String>) -> SelectorError {
    SelectorError::new(ErrorCode::InvalidBank, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selector::{Hint, normalize_one};
    use proptest::prelude::*;

    fn region(s: &str) -> Option<Region> {
        Some(s.parse().expect("region"))
    }

    #[test]
    fn accepts_accounts_in_their_usual_forms() {
        let cases: &[(&str, Option<Region>, &str)] = &[
            ("KH:ABAAKHPP:000123456", None, "bank:KH:ABAAKHPP:000123456"),
            (
                "kh:abaakhppxxx:000-123-456",
                None,
                "bank:KH:ABAAKHPP:000123456",
            ),
            (
                "ABAAKHPP 000123456",
                region("KH"),
                "bank:KH:ABAAKHPP:000123456",
            ),
            (
                "ABAAKHPP:000-123-456",
                region("KH"),
                "bank:KH:ABAAKHPP:000123456",
            ),
            // A BIC names its own country, and outranks the region hint.
            ("ABAAKHPP 000 123 456", None, "bank:KH:ABAAKHPP:000123456"),
            (
                "BKKBTHBK 123-4-56789-0",
                region("KH"),
                "bank:TH:BKKBTHBK:1234567890",
            ),
            ("KH ABAAKHPP 000123456", None, "bank:KH:ABAAKHPP:000123456"),
            ("KH:ABAAKHPP 000123456", None, "bank:KH:ABAAKHPP:000123456"),
            ("TH:002:123-4-56789-0", None, "bank:TH:002:1234567890"),
            ("002 1234567890", region("TH"), "bank:TH:002:1234567890"),
            (
                "US:021000021:1234567890",
                None,
                "bank:US:021000021:1234567890",
            ),
            (
                "IN:SBIN0001234:00000012345678",
                None,
                "bank:IN:SBIN0001234:00000012345678",
            ),
            (
                "PH:BOPIPHMM:1234.5678.90",
                None,
                "bank:PH:BOPIPHMM:1234567890",
            ),
            // National-extension countries also have domestic (RIB) accounts.
            (
                "MA:011:519000001205000534921",
                None,
                "bank:MA:011:519000001205000534921",
            ),
            // An IBAN given as a bank account is an IBAN.
            (
                "DE89 3704 0044 0532 0130 00",
                None,
                "iban:DE89370400440532013000",
            ),
        ];
        for &(input, region, want) in cases {
            match normalize_bank(input, region) {
                Ok(sel) => assert_eq!(sel.as_str(), want, "{input}"),
                Err(e) => panic!("{input:?} rejected: {}", e.message),
            }
        }
    }

    #[test]
    fn rejects_with_an_actionable_message() {
        let cases: &[(&str, Option<Region>, ErrorCode, &str)] = &[
            (
                "DE:37040044:0532013000",
                None,
                ErrorCode::InvalidBank,
                "DE uses iban; give the account as its iban",
            ),
            (
                "FR:30004:12345678901",
                None,
                ErrorCode::InvalidBank,
                "FR uses iban",
            ),
            (
                "002 1234567890",
                None,
                ErrorCode::MissingRegion,
                "needs a country",
            ),
            (
                "XX:002:1234567890",
                None,
                ErrorCode::InvalidBank,
                "not an iso 3166-1",
            ),
            (
                "KH:BKKBTHBK:1234567890",
                None,
                ErrorCode::InvalidBank,
                "bic BKKBTHBK belongs to TH, not KH",
            ),
            (
                "KH:ABA BANK:000123456",
                None,
                ErrorCode::InvalidBank,
                "neither a bic",
            ),
            ("KH:ABAAKHPP:12", None, ErrorCode::InvalidBank, "at least 4"),
            (
                "KH:ABAAKHPP:1234567890123456789012345678901234567",
                None,
                ErrorCode::InvalidBank,
                "at most 34",
            ),
            (
                "KH:ABAAKHPP:0001#23",
                None,
                ErrorCode::InvalidBank,
                "contains '#'",
            ),
            ("KH:ABAAKHPP:", None, ErrorCode::InvalidBank, "at least 4"),
            (
                "KH::000123456",
                None,
                ErrorCode::InvalidBank,
                "bank code is missing",
            ),
            (
                "US:021000022:1234567890",
                None,
                ErrorCode::InvalidBank,
                "check digit",
            ),
            (
                "US:02100002:1234567890",
                None,
                ErrorCode::InvalidBank,
                "9 digits",
            ),
            (
                "ABAAKHPP000123456",
                region("KH"),
                ErrorCode::InvalidBank,
                "needs a bank code and an account",
            ),
            ("KH:A:B:C", None, ErrorCode::InvalidBank, "too many"),
            (
                "ABAAXXPP 000123456",
                None,
                ErrorCode::InvalidBank,
                "country code belongs",
            ),
            ("", None, ErrorCode::InvalidBank, "empty"),
        ];
        for &(input, region, code, needle) in cases {
            match normalize_bank(input, region) {
                Ok(sel) => panic!("{input:?} accepted as {sel}"),
                Err(e) => {
                    assert_eq!(e.code, code, "{input:?}: {}", e.message);
                    assert!(
                        e.message.contains(needle),
                        "{input:?}: '{}' lacks '{needle}'",
                        e.message
                    );
                    assert!(!e.message.ends_with('.'), "{}", e.message);
                }
            }
        }
    }

    #[test]
    fn canonical_text_round_trips_through_the_dispatcher() {
        for (input, region) in [
            ("ABAAKHPPXXX 000-123-456", region("KH")),
            ("TH:002:123-4-56789-0", None),
        ] {
            let sel = normalize_bank(input, region).expect(input);
            let again = normalize_one(sel.as_str(), &Hint::default())
                .unwrap_or_else(|e| panic!("{sel}: {}", e.message));
            assert_eq!(again, sel);
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}", with_region in any::<bool>()) {
            let _ = normalize_bank(&s, if with_region { region("KH") } else { None });
        }

        #[test]
        fn whatever_normalises_is_canonical(
            country in "(KH|TH|PH|MM|LA|US|MA|SN|CN|kh)",
            bank in "([A-Z]{4}(KH|TH|PH|US)[A-Z0-9]{2}([A-Z0-9]{3})?|[0-9]{2,12})",
            account in "[0-9A-Za-z][0-9A-Za-z -]{2,30}[0-9A-Za-z]",
        ) {
            let input = format!("{country}:{bank}:{account}");
            if let Ok(sel) = normalize_bank(&input, None) {
                let again = normalize_one(sel.as_str(), &Hint::default()).expect("canonical text normalises");
                prop_assert_eq!(again, sel);
            }
        }
    }
}
