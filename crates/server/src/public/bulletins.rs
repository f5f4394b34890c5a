//! Awareness bulletins for agencies (issue 9): per origin country, what
//! recruitment looks like now, from the intelligence and cases the
//! asking agency may publish, as JSON, a printable page and a CLEAR STIX
//! bundle.
//!
//! A bulletin is made to be published, so it is built only from what
//! [`access::publishes`] allows: CLEAR reports, the agency's own reports,
//! and the cases the agency is assigned to (aggregated: age bands of
//! fewer than three people are folded away, see
//! [`cordon_prevent::bulletin`]).

use chrono::{DateTime, Duration, Utc};
use cordon_core::ReportKind;
use cordon_prevent::bulletin::{self, Bulletin, Observation, Source};
use cordon_store::ReportFilter;

use crate::AppState;
use crate::access::{self, Viewer};
use crate::error::ApiError;

/// The longest period a bulletin covers.
pub const MAX_DAYS: i64 = 366;
/// The most adverts read for one bulletin (both periods).
const MAX_ADVERTS: usize = 100_000;
const PAGE: u32 = 1_000;

/// The period asked for: `[from, to)`, 90 days to now when not given.
pub fn period(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - Duration::days(90));
    if from >= to {
        return Err(ApiError::invalid_field("from", "from must be before to"));
    }
    if to - from > Duration::days(MAX_DAYS) {
        return Err(ApiError::invalid_field(
            "from",
            format!("a bulletin covers at most {MAX_DAYS} days; ask for a shorter period"),
        ));
    }
    Ok((from, to))
}

/// The bulletin of `origin` for a member, over what its agency may publish.
pub async fn build(
    state: &AppState,
    viewer: &Viewer,
    origin: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Bulletin, ApiError> {
    let member = viewer.member().ok_or_else(ApiError::unauthenticated)?;
    let before_from = from - (to - from);
    let mut observations = Vec::new();
    let filter = ReportFilter {
        country: Some(origin.to_owned()),
        kind: Some(ReportKind::RecruitmentAd),
        received_from: Some(before_from),
        received_until: Some(to),
        ..ReportFilter::default()
    };
    let mut before = None;
    let mut read = 0;
    loop {
        let page = state
            .store
            .list_reports(&filter, before, PAGE)
            .await
            .map_err(ApiError::internal)?;
        read += page.len();
        for r in &page {
            if !access::publishes(viewer, &r.agency, r.report.marking.tlp) {
                continue;
            }
            let channel = r
                .report
                .mo
                .iter()
                .find_map(|m| m.strip_prefix("channel:"))
                .map(str::to_owned);
            observations.push(Observation {
                at: r.report.received.unwrap_or(r.accepted),
                source: Source::Advert,
                text: r.report.narrative.clone().unwrap_or_default(),
                job: None,
                channel,
                born: Vec::new(),
            });
        }
        if (page.len() as u32) < PAGE || read >= MAX_ADVERTS {
            break;
        }
        before = page.last().map(|r| r.seq);
    }
    let cases: Vec<cordon_protect::case::Case> = state.cases.read(|book| {
        book.values()
            .filter(|c| c.merged_into.is_none())
            .filter(|c| c.nationality == origin)
            .filter(|c| c.opened.at >= before_from && c.opened.at < to)
            .filter(|c| access::reads_case(viewer, &c.agencies()))
            .cloned()
            .collect()
    });
    for case in &cases {
        let personal = state.cases.personal(case).map_err(ApiError::internal)?;
        let recruitment = personal.recruitment.unwrap_or_default();
        observations.push(Observation {
            at: case.opened.at,
            source: Source::Case,
            text: recruitment.advert.clone(),
            job: Some(recruitment.promised_job.clone()).filter(|j| !j.trim().is_empty()),
            channel: Some(recruitment.channel.clone()).filter(|c| !c.trim().is_empty()),
            born: personal
                .people
                .iter()
                .filter(|p| p.nationality.is_empty() || p.nationality == origin)
                .filter_map(|p| p.birth_date)
                .collect(),
        });
    }
    if !cases.is_empty() {
        state.audit.record(crate::audit::event(
            viewer,
            "bulletin",
            Some(&member.agency),
            &format!("{origin}: {} cases", cases.len()),
        ))?;
    }
    Ok(bulletin::build(origin, from, to, &observations))
}

/// The bulletin's title.
pub fn title(b: &Bulletin) -> String {
    format!(
        "Recruitment into scam compounds from {}: {} to {}",
        b.origin,
        b.from.format("%Y-%m-%d"),
        b.to.format("%Y-%m-%d")
    )
}

fn trend_line(t: &bulletin::Trend) -> String {
    format!("{} ({}, before {})", t.name, t.now, t.before)
}

/// The bulletin as text: the STIX report's description, and what the
/// printable page says.
pub fn describe(b: &Bulletin) -> String {
    let mut out = vec![format!(
        "Adverts seen: {} (the period before: {}). Victim-protection cases: {} (before: {}).",
        b.adverts.now, b.adverts.before, b.cases.now, b.cases.before
    )];
    let list = |name: &str, items: &[bulletin::Trend]| {
        if items.is_empty() {
            None
        } else {
            Some(format!(
                "{name}: {}.",
                items.iter().map(trend_line).collect::<Vec<_>>().join("; ")
            ))
        }
    };
    out.extend(list("Jobs promised", &b.jobs));
    out.extend(list("Channels", &b.channels));
    out.extend(list("Places named", &b.destinations));
    out.extend(list("Red flags", &b.flags));
    if let Some(p) = &b.pay {
        let ratio = p
            .median_ratio
            .map(|r| format!(", about {r:.0} times a typical income at home"))
            .unwrap_or_default();
        out.push(format!(
            "Pay offered: a median of US${:.0} a month (half between US${:.0} and US${:.0}; {} adverts){ratio}.",
            p.median_usd, p.low_usd, p.high_usd, p.adverts
        ));
    }
    out.extend(list("Ages of the people recruited", &b.ages));
    out.join("\n")
}

/// The bulletin as a STIX 2.1 bundle marked CLEAR.
pub fn stix(
    author: &str,
    b: &Bulletin,
    created: DateTime<Utc>,
) -> Result<serde_json::Value, ApiError> {
    use cordon_interop::stix::bulletin::{BulletinView, bulletin_bundle};
    let title = title(b);
    let description = describe(b);
    bulletin_bundle(&BulletinView {
        author,
        origin: &b.origin,
        from: b.from,
        to: b.to,
        title: &title,
        description: &description,
        created,
    })
    .map_err(ApiError::internal)
}
