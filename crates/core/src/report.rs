//! Reports: one submission by an agency, validated into canonical form.
//!
//! A [`ReportSubmission`] is what arrives (FORMATS.md "Report"); a [`Report`]
//! is what is stored: every selector canonical, every tag known, the marking
//! and grading parsed. Validation collects nothing partial: the first problem
//! is returned with the field that caused it.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::grading::Grading;
use crate::marking::Marking;
use crate::mo::Taxonomy;
use crate::selector::{self, Hint, Region, Selector, SelectorError, SelectorKind};

/// Longest narrative accepted, in bytes.
pub const MAX_NARRATIVE: usize = 64 * 1024;
/// Most selectors one report may list.
pub const MAX_SELECTORS: usize = 1000;
/// Longest client-chosen report id.
pub const MAX_ID: usize = 128;

/// What a report is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    FraudComplaint,
    RecruitmentAd,
    CompoundIntel,
    RescueRequest,
    Tip,
}

impl ReportKind {
    pub const ALL: [ReportKind; 5] = [
        ReportKind::FraudComplaint,
        ReportKind::RecruitmentAd,
        ReportKind::CompoundIntel,
        ReportKind::RescueRequest,
        ReportKind::Tip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::FraudComplaint => "fraud_complaint",
            ReportKind::RecruitmentAd => "recruitment_ad",
            ReportKind::CompoundIntel => "compound_intel",
            ReportKind::RescueRequest => "rescue_request",
            ReportKind::Tip => "tip",
        }
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportKind {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                ReportError::new(
                    "kind",
                    format!("unknown report kind '{s}'; expected fraud_complaint, recruitment_ad, compound_intel, rescue_request or tip"),
                )
            })
    }
}

/// A selector as submitted: messy text, or a value with its kind and region.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SelectorInput {
    Text(String),
    Typed {
        kind: String,
        value: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
    },
}

/// A loss claimed by a victim. Amounts are decimal strings, never floats.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loss {
    pub amount: String,
    pub currency: String,
}

/// Where the reported activity took place.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// A report as it arrives, before validation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marking: Option<Marking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grading: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mo: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selectors: Vec<SelectorInput>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub losses: Vec<Loss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// A validated report in canonical form. Immutable once accepted; a
/// correction is a new revision with the same id.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub kind: ReportKind,
    /// When the agency received the report, if it says; stores fall back to
    /// the acceptance time. Never defaulted here: a default would make the
    /// same report differ from itself when sent twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<DateTime<Utc>>,
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub marking: Marking,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "B2"))]
    pub grading: Option<Grading>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mo: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narrative: Option<String>,
    /// Canonical selectors from the selector list and the narrative, sorted
    /// and without duplicates.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["phone:+85512345678"])))]
    pub selectors: Vec<Selector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub losses: Vec<Loss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Why a submission is not a valid report: the field at fault and what is
/// wrong with it. `code` is the selector error code when a selector failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ReportError {
    pub field: String,
    pub message: String,
    pub selector_error: Option<SelectorError>,
}

impl ReportError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ReportError {
            field: field.into(),
            message: message.into(),
            selector_error: None,
        }
    }
}

impl ReportSubmission {
    /// Validates this submission into a canonical report. `now` is the
    /// current time, against which a receipt time in the future is refused
    /// (the core reads no clock).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<Report, ReportError> {
        let kind: ReportKind = self
            .kind
            .as_deref()
            .ok_or_else(|| ReportError::new("kind", "kind is required"))?
            .parse()?;
        let country = parse_country(self.country.as_deref())?;
        let region: Option<Region> = country.parse().ok();

        let narrative = self
            .narrative
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if narrative.is_none() && self.selectors.is_empty() {
            return Err(ReportError::new(
                "narrative",
                "a report needs a narrative or at least one selector",
            ));
        }
        if let Some(n) = narrative
            && n.len() > MAX_NARRATIVE
        {
            return Err(ReportError::new(
                "narrative",
                format!(
                    "narrative is {} bytes; the limit is {MAX_NARRATIVE}",
                    n.len()
                ),
            ));
        }
        if self.selectors.len() > MAX_SELECTORS {
            return Err(ReportError::new(
                "selectors",
                format!(
                    "{} selectors given; the limit is {MAX_SELECTORS}",
                    self.selectors.len()
                ),
            ));
        }

        let mut selectors = BTreeSet::new();
        for (i, input) in self.selectors.iter().enumerate() {
            let field = format!("selectors[{i}]");
            let (value, hint) = match input {
                SelectorInput::Text(text) => (text.as_str(), Hint { kind: None, region }),
                SelectorInput::Typed {
                    kind,
                    value,
                    region: r,
                } => {
                    let kind: SelectorKind =
                        kind.parse().map_err(|e: SelectorError| ReportError {
                            field: format!("{field}.kind"),
                            message: e.message.clone(),
                            selector_error: Some(e),
                        })?;
                    let region = match r {
                        Some(r) => Some(r.parse::<Region>().map_err(|e| ReportError {
                            field: format!("{field}.region"),
                            message: e.message.clone(),
                            selector_error: Some(e),
                        })?),
                        None => region,
                    };
                    (
                        value.as_str(),
                        Hint {
                            kind: Some(kind),
                            region,
                        },
                    )
                }
            };
            let found = selector::normalize(value, &hint).map_err(|e| ReportError {
                field: field.clone(),
                message: e.message.clone(),
                selector_error: Some(e),
            })?;
            selectors.extend(found);
        }
        if let Some(n) = narrative {
            let hint = Hint { kind: None, region };
            selectors.extend(selector::extract(n, &hint).into_iter().map(|f| f.selector));
        }

        let mut mo = Vec::with_capacity(self.mo.len());
        let taxonomy = Taxonomy::get();
        for (i, tag) in self.mo.iter().enumerate() {
            let tag = taxonomy
                .canonical(tag)
                .map_err(|e| ReportError::new(format!("mo[{i}]"), e.to_string()))?;
            mo.push(tag);
        }
        mo.sort();
        mo.dedup();

        let grading = self
            .grading
            .as_deref()
            .map(|g| g.parse::<Grading>())
            .transpose()
            .map_err(|e| ReportError::new("grading", e.to_string()))?;

        let received = self
            .received
            .as_deref()
            .map(|text| parse_received(text, now))
            .transpose()?;

        for (i, loss) in self.losses.iter().enumerate() {
            validate_loss(loss).map_err(|m| ReportError::new(format!("losses[{i}]"), m))?;
        }
        if let Some(loc) = &self.location
            && (!(-90.0..=90.0).contains(&loc.lat) || !(-180.0..=180.0).contains(&loc.lon))
        {
            return Err(ReportError::new(
                "location",
                "latitude must lie in -90..90 and longitude in -180..180",
            ));
        }
        let language = self
            .language
            .as_deref()
            .map(|l| {
                let l = l.trim();
                let ok = (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic());
                ok.then(|| l.to_ascii_lowercase()).ok_or_else(|| {
                    ReportError::new(
                        "language",
                        format!("language '{l}' is not an iso 639 code like 'en'"),
                    )
                })
            })
            .transpose()?;

        let mut marking = self.marking.clone().unwrap_or_default();
        marking
            .check_recipients()
            .map_err(|(i, why)| ReportError::new(format!("marking.recipients[{i}]"), why))?;
        marking.canonicalize();

        let mut report = Report {
            id: String::new(),
            kind,
            received,
            country,
            language,
            marking,
            grading,
            mo,
            narrative: narrative.map(str::to_owned),
            selectors: selectors.into_iter().collect(),
            losses: self.losses.clone(),
            location: self.location.clone(),
        };
        report.id = match self.id.as_deref().map(str::trim) {
            Some(id) => validate_id(id)?,
            // Without a client id, the content decides the id, so that
            // sending the same report twice stores it once.
            None => format!("sha256-{}", &report.digest()[..32]),
        };
        Ok(report)
    }
}

impl Report {
    /// SHA-256 of the report's canonical JSON without its id: equal content,
    /// equal digest. Decides whether a re-submission is a new revision.
    pub fn digest(&self) -> String {
        let mut copy = self.clone();
        copy.id.clear();
        let json = serde_json::to_vec(&copy).expect("a report always serialises");
        hex::encode(Sha256::digest(&json))
    }
}

/// Parses a receipt time; one more than a day ahead of `now` is a mistake
/// (a swapped day and month, a wrong year), not a report from the future.
fn parse_received(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ReportError> {
    let t = DateTime::parse_from_rfc3339(text.trim())
        .map_err(|e| {
            ReportError::new(
                "received",
                format!("'{text}' is not an rfc 3339 time like 2026-03-01T10:00:00Z ({e})"),
            )
        })?
        .with_timezone(&Utc);
    if t > now + chrono::Duration::days(1) {
        return Err(ReportError::new(
            "received",
            format!("'{text}' is in the future; give the time the report was received"),
        ));
    }
    Ok(t)
}

fn parse_country(country: Option<&str>) -> Result<String, ReportError> {
    let c = country.ok_or_else(|| ReportError::new("country", "country is required"))?;
    c.parse::<Region>().map(|r| r.to_string()).map_err(|_| {
        ReportError::new(
            "country",
            format!("country '{c}' is not a two-letter iso 3166-1 code"),
        )
    })
}

fn validate_id(id: &str) -> Result<String, ReportError> {
    if id.is_empty() || id.len() > MAX_ID {
        return Err(ReportError::new(
            "id",
            format!("id must be 1 to {MAX_ID} characters"),
        ));
    }
    if let Some(bad) = id.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(ReportError::new(
            "id",
            format!("id may not contain whitespace or control characters (found {bad:?})"),
        ));
    }
    Ok(id.to_owned())
}

fn validate_loss(loss: &Loss) -> Result<(), String> {
    let amount = Decimal::from_str_exact(loss.amount.trim()).map_err(|_| {
        format!(
            "amount '{}' is not a decimal number like \"15000.50\"",
            loss.amount
        )
    })?;
    if amount.is_sign_negative() {
        return Err(format!("amount '{}' is negative", loss.amount));
    }
    let cur = loss.currency.trim();
    if !(3..=5).contains(&cur.len())
        || !cur
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(format!(
            "currency '{}' is not an iso 4217 or ticker code like USD or USDT",
            loss.currency
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    fn submission(json: &str) -> ReportSubmission {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn validates_the_formats_example() {
        let s = submission(
            r#"{"id":"gb-0001","kind":"fraud_complaint","received":"2026-03-01T10:00:00Z","country":"gb",
            "language":"en","marking":{"tlp":"AMBER","recipients":["KH-NCB"],"hit_notification":true},
            "grading":"B2","mo":["investment","channel:telegram"],
            "narrative":"they said to call +855 12 345 678",
            "selectors":["+855 12 345 678",{"kind":"phone","value":"012 345 678","region":"KH"}],
            "losses":[{"amount":"15000","currency":"USDT"}],
            "location":{"lat":16.69,"lon":98.51,"place":"Myawaddy"}}"#,
        );
        let r = s.validate(now()).unwrap();
        assert_eq!(r.id, "gb-0001");
        assert_eq!(r.country, "GB");
        assert_eq!(r.grading.unwrap().to_string(), "B2");
        let texts: Vec<&str> = r.selectors.iter().map(Selector::as_str).collect();
        assert_eq!(texts, vec!["phone:+85512345678"]);
    }

    #[test]
    fn requires_kind_country_and_content() {
        let e = submission(r#"{"country":"GB","narrative":"x"}"#)
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "kind");
        let e = submission(r#"{"kind":"tip","narrative":"x"}"#)
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "country");
        let e = submission(r#"{"kind":"tip","country":"GB","narrative":"  "}"#)
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "narrative");
    }

    #[test]
    fn names_the_bad_selector_by_index() {
        let e = submission(r#"{"kind":"tip","country":"GB","selectors":["+855 12 345 678","DE00 1234 5678 9012 3456 78"]}"#)
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "selectors[1]");
        assert!(e.selector_error.is_some());
    }

    #[test]
    fn rejects_bad_fields_with_their_names() {
        let cases = [
            (r#""grading":"Z9""#, "grading"),
            (r#""mo":["investment","crypto stuff"]"#, "mo[1]"),
            (
                r#""losses":[{"amount":"1e5","currency":"USD"}]"#,
                "losses[0]",
            ),
            (
                r#""losses":[{"amount":"100","currency":"dollars"}]"#,
                "losses[0]",
            ),
            (r#""received":"yesterday""#, "received"),
            (r#""received":"2027-03-01T10:00:00Z""#, "received"),
            (r#""location":{"lat":95.0,"lon":0.0}"#, "location"),
            (r#""id":"has space""#, "id"),
            (r#""language":"english""#, "language"),
        ];
        for (extra, field) in cases {
            let json = format!(r#"{{"kind":"tip","country":"GB","narrative":"x",{extra}}}"#);
            let e = submission(&json).validate(now()).unwrap_err();
            assert_eq!(e.field, field, "{json}");
        }
    }

    #[test]
    fn unknown_fields_are_rejected_when_parsing() {
        let r: Result<ReportSubmission, _> =
            serde_json::from_str(r#"{"kind":"tip","contry":"GB"}"#);
        assert!(r.unwrap_err().to_string().contains("contry"));
    }

    #[test]
    fn a_report_without_receipt_time_is_the_same_report_later() {
        let s = submission(r#"{"id":"x","kind":"tip","country":"GB","narrative":"n"}"#);
        let later = now() + chrono::Duration::hours(5);
        assert_eq!(
            s.validate(now()).unwrap().digest(),
            s.validate(later).unwrap().digest()
        );
        assert_eq!(s.validate(now()).unwrap().received, None);
    }

    #[test]
    fn content_decides_the_id_when_none_is_given() {
        let a = submission(r#"{"kind":"tip","country":"GB","narrative":"same"}"#)
            .validate(now())
            .unwrap();
        let b = submission(r#"{"kind":"tip","country":"gb","narrative":" same "}"#)
            .validate(now())
            .unwrap();
        let c = submission(r#"{"kind":"tip","country":"GB","narrative":"other"}"#)
            .validate(now())
            .unwrap();
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert!(a.id.starts_with("sha256-"));
        assert_eq!(a.digest(), b.digest());
    }
}
