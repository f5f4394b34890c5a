//! The public check and "report this offer" (issue 9): anyone, without a
//! login, checks a job advert or a contact before they travel.
//!
//! What the public learns goes through [`crate::access`] like every other
//! read: a selector's reports are looked up as [`Viewer::Public`], which
//! [`crate::access::sight`] lets read CLEAR reports only, and the answer
//! carries only how many of those hold it — never who filed them, never
//! what they say. Nothing of a check is stored; counts of verdicts are
//! kept as metrics.
//!
//! Both are rate-limited per client address, apart from the API's own
//! limits: checks by the minute, tips by the hour.

pub mod bulletins;
pub mod tips;

use std::net::IpAddr;
use std::num::NonZeroU32;

use cordon_prevent::check::{self, Answer, Known, Question};
use governor::Quota;
use serde::Deserialize;

use crate::AppState;
use crate::access::Viewer;
use crate::error::ApiError;
use crate::limits::{Key, Limiter};

/// How the public check runs.
#[derive(Debug, Clone)]
pub struct PublicConfig {
    /// Checks one client address may make a minute; 0 turns the limit off
    /// (load tests).
    pub checks_per_minute: u32,
    /// Tips one client address may send an hour; 0 turns the limit off.
    pub tips_per_hour: u32,
    /// The agency whose hotline team reads the public's tips; without one,
    /// "report this offer" is closed.
    pub hotline: Option<String>,
}

impl Default for PublicConfig {
    fn default() -> Self {
        PublicConfig {
            checks_per_minute: 60,
            tips_per_hour: 5,
            hotline: None,
        }
    }
}

/// Per-address limits of the public pages, and the hotline's tips.
pub struct Public {
    checks: Limiter,
    tips_limit: Limiter,
    pub tips: tips::Tips,
}

impl std::fmt::Debug for Public {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Public").finish_non_exhaustive()
    }
}

impl Public {
    pub fn new(config: &PublicConfig) -> Public {
        let per_minute = NonZeroU32::new(config.checks_per_minute).map(Quota::per_minute);
        let per_hour = NonZeroU32::new(config.tips_per_hour).map(Quota::per_hour);
        Public {
            checks: Limiter::with_quota(per_minute, "checks from this address"),
            tips_limit: Limiter::with_quota(per_hour, "reports from this address"),
            tips: tips::Tips::default(),
        }
    }

    pub fn take_check(&self, address: Option<IpAddr>) -> Result<(), ApiError> {
        address.map_or(Ok(()), |a| self.checks.check(Key::Address(a)))
    }

    pub fn take_tip(&self, address: Option<IpAddr>) -> Result<(), ApiError> {
        address.map_or(Ok(()), |a| self.tips_limit.check(Key::Address(a)))
    }
}

/// A check as asked through the API or the page.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// A job advert, a chat message, a phone number, a handle, a URL or a
    /// bank account.
    pub text: String,
    /// The job seeker's country (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub country: Option<String>,
    /// The language to answer in (ISO 639-1): en, id, sw or th; English
    /// when another is asked for.
    #[serde(default)]
    pub language: Option<String>,
}

/// The job seeker's country, checked: two letters of a country, or none.
pub fn country(text: Option<&str>) -> Result<Option<String>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => cordon_core::country::alpha2(&t.to_ascii_uppercase())
            .map(|c| Some(c.to_owned()))
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "country",
                    format!("'{t}' is no ISO 3166-1 alpha-2 country code"),
                )
            }),
    }
}

/// The text of a check or a tip, checked for size and emptiness.
pub fn text(text: &str, max: usize) -> Result<&str, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ApiError::invalid_field(
            "text",
            "the text is empty; paste an advert or a contact",
        ));
    }
    if t.chars().count() > max {
        return Err(ApiError::invalid_field(
            "text",
            format!("the text is longer than {max} characters; paste the advert alone"),
        ));
    }
    Ok(t)
}

/// Answers a check: the selectors in the text are looked up as the public
/// may see them, and the advert's words are scored.
pub fn answer(state: &AppState, request: &CheckRequest) -> Result<Answer, ApiError> {
    let text = text(&request.text, check::MAX_TEXT)?;
    let country = country(request.country.as_deref())?;
    if !state.hits.is_ready() {
        return Err(crate::api::hits::not_ready(crate::hits::NotReady));
    }
    let question = Question {
        text,
        country: country.as_deref(),
        language: request.language.as_deref().unwrap_or("en"),
    };
    let answer = check::answer_looking_up(question, |selectors| known(state, selectors));
    metrics::counter!("cordon_public_checks_total", "verdict" => answer.verdict.as_str())
        .increment(1);
    Ok(answer)
}

/// What the public may learn of each selector: how many reports it may
/// read hold it. [`crate::hits::Hits::answer`] asks [`crate::access::sight`]
/// for every report; for the public only CLEAR ones are readable, and
/// whoever holds the others is not even counted. The index was ready when
/// the check began and never unloads, so every selector is answered.
fn known(state: &AppState, selectors: &[String]) -> Vec<Known> {
    selectors
        .iter()
        .filter_map(|s| {
            let (hits, _) = state
                .hits
                .answer(&Viewer::Public, s, &state.directory)
                .ok()?;
            Some(Known {
                selector: s.clone(),
                reports: hits.readable.len() as u64,
            })
        })
        .collect()
}
