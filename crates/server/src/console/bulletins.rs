//! Awareness bulletins in the console: choose an origin country and a
//! period, read the bulletin, print it (`?print=1` gives the page alone,
//! for paper or PDF), or take its CLEAR STIX bundle from the API.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use cordon_prevent::bulletin::{Bulletin, Trend};
use maud::{Markup, html};
use serde::Deserialize;

use super::failure::{Failure, bad_request};
use super::layout::{self, SearchBox};
use super::session::Console;
use crate::Shared;
use crate::public::{bulletins, country};

#[derive(Debug, Default, Deserialize)]
pub struct BulletinQuery {
    origin: Option<String>,
    /// `YYYY-MM-DD`.
    from: Option<String>,
    to: Option<String>,
    print: Option<String>,
}

fn day(text: Option<&str>, field: &str) -> Result<Option<DateTime<Utc>>, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))))
            .map_err(|_| format!("{field} '{t}' is not a date like 2026-07-01")),
    }
}

pub async fn page(
    State(state): State<Shared>,
    console: Console,
    query: Result<Query<BulletinQuery>, QueryRejection>,
) -> Result<Markup, Failure> {
    let Query(q) = query.map_err(|e| {
        bad_request(
            format!("bad query string: {}", e.body_text()),
            Some(console.chrome()),
        )
    })?;
    let origin = country(q.origin.as_deref()).map_err(|e| console.fail(e))?;
    let bad = |m: String| bad_request(m, Some(console.chrome()));
    let from = day(q.from.as_deref(), "from").map_err(bad)?;
    let to = day(q.to.as_deref(), "to").map_err(|m| bad_request(m, Some(console.chrome())))?;
    let built = match &origin {
        Some(origin) => {
            let (from, to) =
                bulletins::period(from, to, Utc::now()).map_err(|e| console.fail(e))?;
            Some(
                bulletins::build(&state, &console.viewer(), origin, from, to)
                    .await
                    .map_err(|e| console.fail(e))?,
            )
        }
        None => None,
    };
    if let (Some(b), Some(_)) = (&built, &q.print) {
        return Ok(html! {
            (maud::DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    title { (bulletins::title(b)) }
                    link rel="stylesheet" href=(super::assets::CSS_PATH);
                }
                body.print { main #main { (bulletin_body(b)) } }
            }
        });
    }
    let countries = cordon_prevent::check::countries();
    let body = html! {
        h1 { "Awareness bulletins" }
        p.lead { "What recruitment into scam compounds looks like now for job seekers of one country, against the period before: for campaigns that reach the groups targeted. Built from CLEAR reports, your agency's own reports and the cases it is assigned to, so it may be published as TLP:CLEAR." }
        form.bulletin method="get" action="/bulletins" {
            label for="origin" { "Origin country" }
            select #origin name="origin" {
                @for c in &countries {
                    option value=(c) selected[origin.as_deref() == Some(*c)] { (c) }
                }
            }
            label for="from" { "From" }
            input #from type="date" name="from" value=[q.from.as_deref()];
            label for="to" { "To (excluded)" }
            input #to type="date" name="to" value=[q.to.as_deref()];
            button type="submit" { "Show" }
        }
        @if let Some(b) = &built {
            (bulletin_body(b))
            p.actions {
                a href={ "/bulletins?origin=" (b.origin) "&from=" (b.from.format("%Y-%m-%d")) "&to=" (b.to.format("%Y-%m-%d")) "&print=1" } { "Printable bulletin" }
                " · "
                a href={ "/api/v1/bulletins/" (b.origin) "/stix?from=" (b.from.format("%Y-%m-%dT%H:%M:%SZ")) "&to=" (b.to.format("%Y-%m-%dT%H:%M:%SZ")) } { "STIX 2.1 (TLP:CLEAR), with an API token" }
            }
        }
    };
    Ok(layout::page(
        "Bulletins",
        Some(&console.chrome()),
        &SearchBox::default(),
        body,
    ))
}

fn trends(caption: &str, rows: &[Trend]) -> Markup {
    html! {
        @if !rows.is_empty() {
            table.bulletin {
                caption { (caption) }
                thead { tr { th scope="col" { "" } th scope="col" { "now" } th scope="col" { "before" } } }
                tbody {
                    @for t in rows {
                        tr { th scope="row" { (t.name) } td { (t.now) } td { (t.before) } }
                    }
                }
            }
        }
    }
}

fn bulletin_body(b: &Bulletin) -> Markup {
    html! {
        article #bulletin data-origin=(b.origin) {
            h2 { (bulletins::title(b)) }
            p.marking { "TLP:CLEAR" }
            p { "Compared with " (b.before_from.format("%Y-%m-%d")) " to " (b.from.format("%Y-%m-%d")) "." }
            ul.summary {
                li #adverts { "Adverts seen: " (b.adverts.now) " (before: " (b.adverts.before) ")" }
                li #cases { "Victim-protection cases: " (b.cases.now) " (before: " (b.cases.before) ")" }
                @if let Some(p) = &b.pay {
                    li #pay {
                        "Pay offered: median US$" (format!("{:.0}", p.median_usd)) " a month (half between US$"
                        (format!("{:.0}", p.low_usd)) " and US$" (format!("{:.0}", p.high_usd)) ")"
                        @if let Some(r) = p.median_ratio { ", about " (format!("{r:.0}")) " times a typical income at home" }
                    }
                }
            }
            (trends("Jobs promised", &b.jobs))
            (trends("Channels", &b.channels))
            (trends("Places named", &b.destinations))
            (trends("Red flags in the adverts", &b.flags))
            (trends("Ages of the people recruited", &b.ages))
        }
    }
}
