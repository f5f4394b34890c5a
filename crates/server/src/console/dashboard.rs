//! `/`: what is coming in — reports per day over the 30 days up to the
//! newest report, the top modi operandi and countries, computed over the
//! newest reports the viewer may read (its own agency's for a contributor)
//! — and, for admins and analysts, the newest hits and reads on the
//! agency's own data.
//!
//! The figures come from `scan_readable`, the API's listing, so they count
//! only readable reports; each other agency whose reports went into them
//! gets one `aggregate_read` event saying how many, rather than one event
//! per report.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use chrono::{Duration, NaiveDate, Utc};
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox, bar_step, role_scope, when};
use super::report::mo_description;
use super::session::Console;
use super::{report_href, selector_href};
use crate::Shared;
use crate::access::Role;
use crate::api::audit::{AuditEntry, owner_page};
use crate::api::reports::{ListQuery, scan_readable};

/// Most reports the figures are computed over: enough for a month of a
/// busy agency, few enough for one page load.
pub const SCAN_REPORTS: usize = 5_000;
/// Reports per listing call.
const PAGE: u32 = 200;
/// Listing calls at most; each scans a bounded number of store pages, so a
/// viewer who may read little of a large store still gets a quick page.
const MAX_CALLS: usize = 40;
/// Days in the per-day chart.
const DAYS: i64 = 30;
/// Rows in the top lists.
const TOP: usize = 10;
/// Audit records on the dashboard.
const RECENT_HITS: usize = 10;

#[derive(Debug, Default)]
struct Figures {
    scanned: usize,
    per_day: BTreeMap<NaiveDate, u64>,
    mo: HashMap<String, u64>,
    countries: HashMap<String, u64>,
}

pub async fn page(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let member = console.member();
    let viewer = console.viewer();
    let today = Utc::now().date_naive();
    let mut figures = Figures::default();
    let mut query = ListQuery {
        limit: Some(PAGE),
        agency: (member.role == Role::Contributor).then(|| member.agency.clone()),
        ..ListQuery::default()
    };
    let mut owners: BTreeMap<String, u64> = BTreeMap::new();
    for _ in 0..MAX_CALLS {
        let (reports, next) = scan_readable(&state, &viewer, &query)
            .await
            .map_err(|e| console.fail(e))?;
        for readable in reports.iter().take(SCAN_REPORTS - figures.scanned) {
            let stored = readable.get();
            let day = stored
                .report
                .received
                .unwrap_or(stored.accepted)
                .date_naive();
            *figures.per_day.entry(day).or_default() += 1;
            for tag in &stored.report.mo {
                *figures.mo.entry(tag.clone()).or_default() += 1;
            }
            *figures
                .countries
                .entry(stored.report.country.clone())
                .or_default() += 1;
            figures.scanned += 1;
            if stored.agency != member.agency {
                *owners.entry(stored.agency.clone()).or_default() += 1;
            }
        }
        match next {
            Some(before) if figures.scanned < SCAN_REPORTS => query.before = Some(before),
            _ => break,
        }
    }
    // The chart ends at the newest report's day, not at today: a desk that
    // went quiet (or an archive, or the demo's simulated past) still shows
    // its last month of activity.
    let last_day = figures
        .per_day
        .keys()
        .next_back()
        .copied()
        .unwrap_or(today)
        .min(today);
    let first_day = last_day - Duration::days(DAYS - 1);
    figures.per_day = (0..DAYS)
        .map(|offset| {
            let day = first_day + Duration::days(offset);
            (day, figures.per_day.get(&day).copied().unwrap_or(0))
        })
        .collect();
    let events: Vec<_> = owners
        .iter()
        .map(|(owner, n)| {
            crate::audit::event(
                &viewer,
                "aggregate_read",
                Some(owner),
                &format!("dashboard figures over {n} of its reports"),
            )
        })
        .collect();
    if !events.is_empty() {
        state
            .audit
            .record_all(events)
            .map_err(|e| console.fail(e))?;
    }
    let recent = if member.role == Role::Contributor {
        None
    } else {
        let page = owner_page(&state, &member.agency, None, Some(100))
            .await
            .map_err(|e| console.fail(e))?;
        Some(
            page.records
                .into_iter()
                .filter(|r| r.action == "hit_query" || r.action == "read_report")
                .take(RECENT_HITS)
                .collect::<Vec<_>>(),
        )
    };

    let scope = role_scope(member.role);
    let body = html! {
        h1 { "Dashboard of " (member.agency) }
        p.lead {
            "Computed over the " strong { (grouped(figures.scanned)) } " newest of " (scope)
            " (at most " (grouped(SCAN_REPORTS)) ")."
        }
        div.grid {
            section.card.wide aria-labelledby="per-day-title" {
                h2 #per-day-title {
                    "Reports per day, the " (DAYS) " days to " (last_day.format("%-d %b %Y"))
                }
                (per_day(&figures.per_day))
            }
            section.card aria-labelledby="mo-title" {
                h2 #mo-title { "Top modi operandi" }
                (top_bars(&figures.mo, true))
            }
            section.card aria-labelledby="countries-title" {
                h2 #countries-title { "Top countries" }
                (top_bars(&figures.countries, false))
            }
            @if let Some(records) = &recent {
                section.card.wide aria-labelledby="hits-title" {
                    h2 #hits-title { "Newest hits on your data" }
                    (audit_table(records, "Who queried or read your agency's data, newest first", false))
                    p { a href="/audit" { "The whole audit log of your data" } }
                }
            }
        }
    };
    Ok(layout::page(
        "Dashboard",
        Some(&console.chrome()),
        &SearchBox::default(),
        body,
    ))
}

/// A count with thousands separated: `5,000`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A column per day, its height the day's share of the busiest day, with
/// the figures in text for screen readers and in a tooltip.
fn per_day(days: &BTreeMap<NaiveDate, u64>) -> Markup {
    let max = days.values().copied().max().unwrap_or(0);
    let total: u64 = days.values().sum();
    html! {
        p.hint {
            (total) @if total == 1 { " report" } @else { " reports" }
            " received in these days; the busiest day had " (max) "."
        }
        ol.days {
            @for (day, count) in days {
                @let label = format!("{}: {count}", day.format("%Y-%m-%d"));
                li.day title=(label) {
                    span class=(format!("col h{}", bar_step(*count, max))) {}
                    span.sr { (label) }
                }
            }
        }
        div.days-axis aria-hidden="true" {
            @if let (Some(first), Some(last)) = (days.keys().next(), days.keys().next_back()) {
                span { (first.format("%d %b")) }
                span { (last.format("%d %b")) }
            }
        }
    }
}

/// The most frequent keys with horizontal bars.
fn top_bars(counts: &HashMap<String, u64>, mo: bool) -> Markup {
    let mut top: Vec<(&String, &u64)> = counts.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    top.truncate(TOP);
    let max = top.first().map_or(0, |(_, n)| **n);
    html! {
        @if top.is_empty() {
            p.empty { "No reports yet." }
        } @else {
            ol.bars {
                @for (key, count) in &top {
                    li {
                        span.bar-label title=[mo.then(|| mo_description(key)).flatten()] { (key) }
                        span.bar-track { span class=(format!("bar w{}", bar_step(**count, max))) {} }
                        span.bar-count { (count) }
                    }
                }
            }
        }
    }
}

/// Audit records as a table; report and selector subjects link to their
/// pages.
pub fn audit_table(records: &[AuditEntry], caption: &str, with_hash: bool) -> Markup {
    html! {
        @if records.is_empty() {
            p.empty { "No one has queried or read your data yet." }
        } @else {
            table.data {
                caption.sr { (caption) }
                thead { tr {
                    th scope="col" { "When" } th scope="col" { "Agency" }
                    th scope="col" { "Action" } th scope="col" { "Subject" }
                    @if with_hash { th scope="col" { "Record hash" } }
                } }
                tbody {
                    @for r in records {
                        tr {
                            td { (when(r.at)) }
                            td { (r.actor) }
                            td { (r.action.replace('_', " ")) }
                            td { (subject_link(&r.action, &r.subject)) }
                            @if with_hash {
                                td { code.hash title=(r.hash) { (r.hash.get(..12).unwrap_or(&r.hash)) "…" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A read's subject is `AGENCY/id`, a hit query's a canonical selector.
fn subject_link(action: &str, subject: &str) -> Markup {
    match (action, subject.split_once('/')) {
        ("read_report", Some((agency, id))) => {
            html! { a href=(report_href(agency, id)) { code { (subject) } } }
        }
        ("hit_query", _) => html! { a href=(selector_href(subject)) { code { (subject) } } },
        _ => html! { code { (subject) } },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(5_000), "5,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
