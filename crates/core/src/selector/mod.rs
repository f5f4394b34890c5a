//! Selectors: the normalised identifiers seen in reports.
//!
//! A selector's identity is its canonical text `prefix:value` (FORMATS.md).
//! The prefix is the kind for most selectors (`phone:`, `email:`), the chain
//! for crypto addresses (`btc:`, `eth:`, `trx:`), the platform for social
//! handles (`telegram:`) and the algorithm for hashes (`sha256:`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

mod bank;
mod crypto;
mod defang;
mod domain;
mod email;
mod extract;
mod handle;
mod hash;
mod ip;
mod name;
mod passport;
mod phone;

pub use extract::{PLATFORM_WORDS, extract};
pub use name::fold as fold_name;

/// The broad kind of a selector; the canonical prefix refines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectorKind {
    Phone,
    Email,
    Domain,
    Url,
    Ip,
    Crypto,
    Iban,
    Bank,
    Handle,
    Passport,
    Hash,
    Name,
    Company,
}

impl SelectorKind {
    pub const ALL: [SelectorKind; 13] = [
        SelectorKind::Phone,
        SelectorKind::Email,
        SelectorKind::Domain,
        SelectorKind::Url,
        SelectorKind::Ip,
        SelectorKind::Crypto,
        SelectorKind::Iban,
        SelectorKind::Bank,
        SelectorKind::Handle,
        SelectorKind::Passport,
        SelectorKind::Hash,
        SelectorKind::Name,
        SelectorKind::Company,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SelectorKind::Phone => "phone",
            SelectorKind::Email => "email",
            SelectorKind::Domain => "domain",
            SelectorKind::Url => "url",
            SelectorKind::Ip => "ip",
            SelectorKind::Crypto => "crypto",
            SelectorKind::Iban => "iban",
            SelectorKind::Bank => "bank",
            SelectorKind::Handle => "handle",
            SelectorKind::Passport => "passport",
            SelectorKind::Hash => "hash",
            SelectorKind::Name => "name",
            SelectorKind::Company => "company",
        }
    }

    /// Fuzzy kinds (person and company names) never make an exact hit.
    pub fn is_fuzzy(self) -> bool {
        matches!(self, SelectorKind::Name | SelectorKind::Company)
    }

    /// The error code for a value that claims to be of this kind but is not.
    pub fn error_code(self) -> ErrorCode {
        match self {
            SelectorKind::Phone => ErrorCode::InvalidPhone,
            SelectorKind::Email => ErrorCode::InvalidEmail,
            SelectorKind::Domain => ErrorCode::InvalidDomain,
            SelectorKind::Url => ErrorCode::InvalidUrl,
            SelectorKind::Ip => ErrorCode::InvalidIp,
            SelectorKind::Crypto => ErrorCode::InvalidCrypto,
            SelectorKind::Iban => ErrorCode::InvalidIban,
            SelectorKind::Bank => ErrorCode::InvalidBank,
            SelectorKind::Handle => ErrorCode::InvalidHandle,
            SelectorKind::Passport => ErrorCode::InvalidPassport,
            SelectorKind::Hash => ErrorCode::InvalidHash,
            SelectorKind::Name | SelectorKind::Company => ErrorCode::InvalidName,
        }
    }
}

impl fmt::Display for SelectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SelectorKind {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SelectorKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                SelectorError::new(
                    ErrorCode::UnknownKind,
                    format!(
                        "unknown selector kind '{s}'; expected one of phone, email, domain, url, ip, crypto, iban, bank, handle, passport, hash, name, company"
                    ),
                )
            })
    }
}

/// Why an input is not a selector. The codes form a closed list; the server
/// maps all of them to its `invalid_selector` HTTP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Empty,
    TooLong,
    UnknownKind,
    Unrecognized,
    MissingRegion,
    InvalidPhone,
    InvalidEmail,
    InvalidDomain,
    InvalidUrl,
    InvalidIp,
    InvalidCrypto,
    InvalidIban,
    InvalidBank,
    InvalidHandle,
    InvalidPassport,
    InvalidHash,
    InvalidName,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Empty => "empty",
            ErrorCode::TooLong => "too_long",
            ErrorCode::UnknownKind => "unknown_kind",
            ErrorCode::Unrecognized => "unrecognized",
            ErrorCode::MissingRegion => "missing_region",
            ErrorCode::InvalidPhone => "invalid_phone",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::InvalidDomain => "invalid_domain",
            ErrorCode::InvalidUrl => "invalid_url",
            ErrorCode::InvalidIp => "invalid_ip",
            ErrorCode::InvalidCrypto => "invalid_crypto",
            ErrorCode::InvalidIban => "invalid_iban",
            ErrorCode::InvalidBank => "invalid_bank",
            ErrorCode::InvalidHandle => "invalid_handle",
            ErrorCode::InvalidPassport => "invalid_passport",
            ErrorCode::InvalidHash => "invalid_hash",
            ErrorCode::InvalidName => "invalid_name",
        }
    }
}

/// A typed normalisation error: a closed code and a lowercase, actionable
/// message (no trailing period).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct SelectorError {
    pub code: ErrorCode,
    pub message: String,
}

impl SelectorError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SelectorError {
            code,
            message: message.into(),
        }
    }
}

/// Longest input accepted for one selector; longer text is not an identifier.
pub const MAX_SELECTOR_INPUT: usize = 2048;

/// What the caller knows about an input: its kind, and the region (ISO 3166-1
/// alpha-2) used for national phone numbers and bank accounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hint {
    pub kind: Option<SelectorKind>,
    pub region: Option<Region>,
}

impl Hint {
    pub fn region(region: Region) -> Self {
        Hint {
            kind: None,
            region: Some(region),
        }
    }

    pub fn kind(kind: SelectorKind) -> Self {
        Hint {
            kind: Some(kind),
            region: None,
        }
    }
}

/// An ISO 3166-1 alpha-2 region code, uppercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region([u8; 2]);

impl Region {
    pub fn as_str(&self) -> &str {
        // Constructed only from two ASCII uppercase letters.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

impl FromStr for Region {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let [a, b] = s.trim().as_bytes() {
            let code = [a.to_ascii_uppercase(), b.to_ascii_uppercase()];
            if crate::country::is_country(code) {
                return Ok(Region(code));
            }
        }
        Err(SelectorError::new(
            ErrorCode::MissingRegion,
            format!("region '{s}' is not an assigned two-letter iso 3166-1 country code"),
        ))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A canonical selector. Two inputs are the same selector exactly when their
/// canonical texts are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector {
    kind: SelectorKind,
    text: String,
}

impl Selector {
    /// Builds a selector from parts already in canonical form. Only the
    /// normalisers call this; everyone else goes through [`normalize`].
    pub(crate) fn from_parts(kind: SelectorKind, prefix: &str, value: &str) -> Self {
        let mut text = String::with_capacity(prefix.len() + 1 + value.len());
        text.push_str(prefix);
        text.push(':');
        text.push_str(value);
        Selector { kind, text }
    }

    pub fn kind(&self) -> SelectorKind {
        self.kind
    }

    /// The canonical text, `prefix:value`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The part before the first `:` (kind, chain, platform or algorithm).
    pub fn prefix(&self) -> &str {
        self.text.split_once(':').map_or("", |(p, _)| p)
    }

    /// The part after the first `:`.
    pub fn value(&self) -> &str {
        self.text.split_once(':').map_or("", |(_, v)| v)
    }

    pub fn into_string(self) -> String {
        self.text
    }

    /// Parses text that should already be canonical, verifying it by
    /// normalising it again. Used when reading selectors back from storage
    /// or from a peer that claims to send canonical text.
    pub fn parse_canonical(text: &str) -> Result<Selector, SelectorError> {
        let selector = normalize_one(text, &Hint::default())?;
        if selector.text == text {
            Ok(selector)
        } else {
            Err(SelectorError::new(
                selector.kind.error_code(),
                format!(
                    "'{text}' is not canonical; its canonical form is '{}'",
                    selector.text
                ),
            ))
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Selector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Selector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Selector::parse_canonical(&text).map_err(serde::de::Error::custom)
    }
}

/// A selector found in free text, with the byte span it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub selector: Selector,
    pub span: [usize; 2],
}

/// Normalises one input to its selectors: usually one, but a URL also yields
/// its registrable domain (FORMATS.md), and a WhatsApp handle resolves to a
/// phone.
pub fn normalize(input: &str, hint: &Hint) -> Result<Vec<Selector>, SelectorError> {
    let primary = normalize_one(input, hint)?;
    let mut out = Vec::with_capacity(2);
    if primary.kind == SelectorKind::Url
        && let Some(domain) = domain::domain_of_url(&primary)
    {
        out.push(primary);
        out.push(domain);
        return Ok(out);
    }
    out.push(primary);
    Ok(out)
}

/// Normalises one input to its primary selector.
pub fn normalize_one(input: &str, hint: &Hint) -> Result<Selector, SelectorError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(SelectorError::new(ErrorCode::Empty, "selector is empty"));
    }
    if trimmed.len() > MAX_SELECTOR_INPUT {
        return Err(SelectorError::new(
            ErrorCode::TooLong,
            format!(
                "selector is {} bytes long; the limit is {MAX_SELECTOR_INPUT}",
                trimmed.len()
            ),
        ));
    }
    if let Some((kind, prefix, rest)) = split_prefix(trimmed)
        && hint.kind.is_none_or(|k| k == kind)
    {
        return normalize_kind(kind, Some(prefix), rest, hint);
    }
    match hint.kind {
        Some(kind) => normalize_kind(kind, None, trimmed, hint),
        None => guess(trimmed, hint),
    }
}

/// Recognises an explicit canonical prefix (`phone:`, `btc:`, `telegram:`,
/// `sha256:` …) and returns the kind, the prefix in lowercase and the rest.
fn split_prefix(input: &str) -> Option<(SelectorKind, &'static str, &str)> {
    let (head, rest) = input.split_once(':')?;
    if head.is_empty() || head.len() > 12 {
        return None;
    }
    let lower = head.to_ascii_lowercase();
    let (kind, prefix) = match lower.as_str() {
        "phone" | "tel" => (SelectorKind::Phone, "phone"),
        "email" | "mailto" => (SelectorKind::Email, "email"),
        "domain" => (SelectorKind::Domain, "domain"),
        "url" => (SelectorKind::Url, "url"),
        "ip" => (SelectorKind::Ip, "ip"),
        "iban" => (SelectorKind::Iban, "iban"),
        "bank" => (SelectorKind::Bank, "bank"),
        "passport" => (SelectorKind::Passport, "passport"),
        "name" => (SelectorKind::Name, "name"),
        "company" => (SelectorKind::Company, "company"),
        other => {
            if let Some(p) = crypto::chain_prefix(other) {
                (SelectorKind::Crypto, p)
            } else if let Some(p) = handle::platform_prefix(other) {
                (SelectorKind::Handle, p)
            } else if let Some(p) = hash::algorithm_prefix(other) {
                (SelectorKind::Hash, p)
            } else {
                return None;
            }
        }
    };
    Some((kind, prefix, rest))
}

/// Normalises `value` as `kind`. `prefix` is the explicit canonical prefix
/// when the input carried one (it selects the chain, platform or algorithm).
fn normalize_kind(
    kind: SelectorKind,
    prefix: Option<&'static str>,
    value: &str,
    hint: &Hint,
) -> Result<Selector, SelectorError> {
    let value = value.trim();
    match kind {
        SelectorKind::Phone => phone::normalize(value, hint.region),
        SelectorKind::Email => email::normalize(value),
        SelectorKind::Domain => domain::normalize_domain(value),
        SelectorKind::Url => domain::normalize_url(value),
        SelectorKind::Ip => ip::normalize(value),
        SelectorKind::Crypto => crypto::normalize(value, prefix),
        SelectorKind::Iban => bank::normalize_iban(value),
        SelectorKind::Bank => bank::normalize_bank(value, hint.region),
        SelectorKind::Handle => handle::normalize(value, prefix, hint.region),
        SelectorKind::Passport => passport::normalize(value, hint.region),
        SelectorKind::Hash => hash::normalize(value, prefix),
        SelectorKind::Name => name::normalize(SelectorKind::Name, value),
        SelectorKind::Company => name::normalize(SelectorKind::Company, value),
    }
}

/// Decides the kind of an input that carries no kind and no prefix, from its
/// shape alone. Fuzzy kinds are never guessed.
fn guess(input: &str, hint: &Hint) -> Result<Selector, SelectorError> {
    let refanged = defang::refang(input);
    let s = refanged.as_ref();
    let kind = if domain::looks_like_url(s) {
        if let Some(found) = handle::from_profile_url(s, hint.region) {
            return found;
        }
        SelectorKind::Url
    } else if email::looks_like_email(s) {
        SelectorKind::Email
    } else if ip::looks_like_ip(s) {
        SelectorKind::Ip
    } else if hash::looks_like_hash(s) {
        SelectorKind::Hash
    } else if crypto::looks_like_address(s) {
        SelectorKind::Crypto
    } else if bank::looks_like_iban(s) {
        SelectorKind::Iban
    } else if phone::looks_like_phone(s) {
        SelectorKind::Phone
    } else if domain::looks_like_domain(s) {
        SelectorKind::Domain
    } else {
        return Err(SelectorError::new(
            ErrorCode::Unrecognized,
            "not a recognised selector; give its kind (for example 'phone:', 'btc:', 'telegram:') or a region for national numbers",
        ));
    };
    normalize_kind(kind, None, s, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_assigned_country_codes() {
        assert_eq!("kh".parse::<Region>().unwrap().as_str(), "KH");
        assert_eq!(" XK ".parse::<Region>().unwrap().as_str(), "XK");
        for bad in ["ZZ", "XX", "UK", "KHM", "K", "", "k1"] {
            let err = bad.parse::<Region>().unwrap_err();
            assert_eq!(err.code, ErrorCode::MissingRegion, "{bad}");
        }
    }

    #[test]
    fn kinds_parse_by_name_and_name_their_error_code() {
        for kind in SelectorKind::ALL {
            assert_eq!(kind.as_str().parse::<SelectorKind>().unwrap(), kind);
            assert!(kind.error_code().as_str().starts_with("invalid_"));
        }
        assert_eq!(
            "telephone".parse::<SelectorKind>().unwrap_err().code,
            ErrorCode::UnknownKind
        );
    }

    #[test]
    fn a_url_yields_its_domain_and_canonical_text_parses_back() {
        let found = normalize(
            "hxxps://Trade-USDT[.]vip/login?utm_source=x#top",
            &Hint::default(),
        )
        .unwrap();
        let texts: Vec<&str> = found.iter().map(Selector::as_str).collect();
        assert_eq!(
            texts,
            ["url:https://trade-usdt.vip/login", "domain:trade-usdt.vip"]
        );
        for s in &found {
            assert_eq!(&Selector::parse_canonical(s.as_str()).unwrap(), s);
        }
        let err = Selector::parse_canonical("phone:+855 12 345 678").unwrap_err();
        assert!(
            err.message
                .contains("its canonical form is 'phone:+85512345678'"),
            "{}",
            err.message
        );
    }

    #[test]
    fn empty_and_oversized_inputs_are_typed_errors() {
        assert_eq!(
            normalize_one("  ", &Hint::default()).unwrap_err().code,
            ErrorCode::Empty
        );
        let long = "a".repeat(MAX_SELECTOR_INPUT + 1);
        assert_eq!(
            normalize_one(&long, &Hint::default()).unwrap_err().code,
            ErrorCode::TooLong
        );
        assert_eq!(
            normalize_one("hello world", &Hint::default())
                .unwrap_err()
                .code,
            ErrorCode::Unrecognized
        );
    }
}
