//! What a watch watches other than selectors: a network, a compound, a
//! country and modus operandi pattern, or a free-text pattern.
//!
//! Selector watches are matched through an index (one lookup per selector
//! of a report); these are few by comparison and matched one by one.
//!
//! A selector or network watch may alert on a report its owner may only
//! learn of (as a hit with the holder's contact), because a hit query and a
//! network page already tell that much. A compound, pattern or text watch
//! alerts only on reports its owner may read: otherwise it would answer,
//! one alert at a time, questions about the content of reports whose
//! marking withholds it.

use std::sync::Arc;

use cordon_analysis::places;
use cordon_store::StoredReport;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Longest free-text pattern.
const MAX_PATTERN: usize = 500;
/// Most memory a compiled text pattern may take.
const MAX_COMPILED: usize = 1 << 20;

/// One target that is not a list of selectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// Reports that join a network (its id, `N-…`, or any id merged into it).
    Network { network: String },
    /// Reports located at a compound's site (its H3 cell, resolution 9).
    Compound { site: String },
    /// Reports from a country, with any of these modi operandi (all when
    /// the list is empty).
    Pattern {
        country: String,
        #[serde(default)]
        mo: Vec<String>,
    },
    /// Reports whose narrative matches a case-insensitive regular
    /// expression (linear-time; no look-around or back-references).
    Text { pattern: String },
}

impl Target {
    /// Checks and canonicalises a target as asked for; the error names the
    /// field at fault. Networks are checked by the caller, which knows who
    /// may see them.
    pub fn canonical(self) -> Result<Target, ApiError> {
        match self {
            Target::Network { network } => {
                let network = network.trim().to_owned();
                if !network.starts_with("N-") || network.len() > 40 {
                    return Err(ApiError::invalid_field(
                        "target.network",
                        format!("{network:?} is not a network id (N-…)"),
                    ));
                }
                Ok(Target::Network { network })
            }
            Target::Compound { site } => {
                let site = site.trim().to_ascii_lowercase();
                if places::site_centre(&site).is_none() {
                    return Err(ApiError::invalid_field(
                        "target.site",
                        format!(
                            "{site:?} is not a compound site (an H3 cell of resolution 9, as /api/v1/compounds lists them)"
                        ),
                    ));
                }
                Ok(Target::Compound { site })
            }
            Target::Pattern { country, mo } => {
                let country = cordon_core::country::alpha2(country.trim())
                    .ok_or_else(|| {
                        ApiError::invalid_field(
                            "target.country",
                            format!("{country:?} is not an ISO 3166-1 country code"),
                        )
                    })?
                    .to_owned();
                let taxonomy = cordon_core::mo::Taxonomy::get();
                let mut tags = Vec::with_capacity(mo.len());
                for (i, tag) in mo.iter().enumerate() {
                    tags.push(taxonomy.canonical(tag).map_err(|e| {
                        ApiError::invalid_field(format!("target.mo[{i}]"), e.to_string())
                    })?);
                }
                tags.sort();
                tags.dedup();
                Ok(Target::Pattern { country, mo: tags })
            }
            Target::Text { pattern } => {
                let pattern = pattern.trim().to_owned();
                compile(&pattern)?;
                Ok(Target::Text { pattern })
            }
        }
    }

    /// Whether an alert of this target may name only the holder of a
    /// report its owner may not read (see the module's note).
    pub fn alerts_with_contact(&self) -> bool {
        matches!(self, Target::Network { .. })
    }

    /// What it matched, in words, for the alert.
    pub fn describe(&self) -> String {
        match self {
            Target::Network { network } => format!("network {network}"),
            Target::Compound { site } => format!("compound {site}"),
            Target::Pattern { country, mo } if mo.is_empty() => format!("country {country}"),
            Target::Pattern { country, mo } => format!("country {country}, {}", mo.join(" or ")),
            Target::Text { pattern } => format!("text /{pattern}/"),
        }
    }
}

fn compile(pattern: &str) -> Result<Regex, ApiError> {
    if pattern.is_empty() || pattern.chars().count() > MAX_PATTERN {
        return Err(ApiError::invalid_field(
            "target.pattern",
            format!("a text pattern has 1 to {MAX_PATTERN} characters"),
        ));
    }
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(MAX_COMPILED)
        .build()
        .map_err(|e| {
            ApiError::invalid_field(
                "target.pattern",
                format!("not a regular expression this server takes: {e}"),
            )
        })
}

/// A target ready to match reports.
#[derive(Debug, Clone)]
pub(super) enum Matcher {
    Network(String),
    Compound(String),
    Pattern { country: String, mo: Vec<String> },
    Text(Arc<Regex>),
}

impl Matcher {
    /// `None` for a target in the log that no longer compiles (it was
    /// checked when kept; a later, stricter server skips it).
    pub(super) fn of(target: &Target) -> Option<Matcher> {
        Some(match target {
            Target::Network { network } => Matcher::Network(network.clone()),
            Target::Compound { site } => Matcher::Compound(site.clone()),
            Target::Pattern { country, mo } => Matcher::Pattern {
                country: country.clone(),
                mo: mo.clone(),
            },
            Target::Text { pattern } => Matcher::Text(Arc::new(compile(pattern).ok()?)),
        })
    }

    /// Whether the report revision matches; `network_of` resolves a
    /// network id (or an alias merged into it) to the network the report
    /// joined, compared by `joined`.
    pub(super) fn matches(&self, r: &StoredReport, place: &Place<'_>) -> bool {
        match self {
            Matcher::Network(id) => place.in_network(id),
            Matcher::Compound(site) => place.site.as_deref() == Some(site.as_str()),
            Matcher::Pattern { country, mo } => {
                r.report.country == *country
                    && (mo.is_empty() || r.report.mo.iter().any(|m| mo.contains(m)))
            }
            Matcher::Text(re) => r
                .report
                .narrative
                .as_deref()
                .is_some_and(|n| re.is_match(n)),
        }
    }
}

/// Where a report revision sits: its compound site and its network.
pub(super) struct Place<'a> {
    pub site: Option<String>,
    /// Whether the report is in the network a (possibly merged) id names.
    pub in_network: Box<dyn Fn(&str) -> bool + 'a>,
}

impl Place<'_> {
    fn in_network(&self, id: &str) -> bool {
        (self.in_network)(id)
    }

    /// The report's compound site, when it gives a location.
    pub fn site_of(r: &StoredReport) -> Option<String> {
        let at = r.report.location.as_ref()?;
        places::site(at.lat, at.lon).map(|c| c.to_string())
    }
}
