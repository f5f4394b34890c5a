//! `/search?q=…&region=…`: one box for anything. Text that is a selector in
//! any spelling (`+855 (0)12-345 678`, `hxxp://bad[.]example`) goes to that
//! selector's page; anything else searches the narratives of the reports
//! the viewer may read.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::cases::{protected_badge, strongest};
use super::failure::{Failure, bad_request};
use super::layout::{self, SearchBox, tlp_badge, when};
use super::session::Console;
use super::{encode, report_href, selector_href};
use crate::Shared;
use crate::access::Readable;
use crate::api::hits::parse_region;
use crate::api::reports::{ListQuery, audit_non_punishment, list_readable, non_punishment};
use crate::hits::canonical;
use cordon_store::StoredReport;

/// Results per page.
const PAGE: u32 = 25;
/// Characters of a narrative shown in a result.
const SNIPPET: usize = 240;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    region: String,
    before: Option<i64>,
}

pub async fn page(
    State(state): State<Shared>,
    console: Console,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let Query(query) = query.map_err(|e| {
        bad_request(
            format!("bad query string: {}", e.body_text()),
            Some(console.chrome()),
        )
    })?;
    let q = query.q.trim();
    let search = SearchBox {
        q: q.to_owned(),
        region: query.region.trim().to_owned(),
    };
    let render = |title: &str, body: Markup| {
        layout::page(title, Some(&console.chrome()), &search, body).into_response()
    };
    if q.is_empty() {
        return Ok(render("Search", intro()));
    }
    let region = parse_region(Some(&query.region)).map_err(|e| console.fail(e))?;
    let why_text = match canonical(q, region) {
        Ok(selector) => {
            return Ok(Redirect::to(&selector_href(selector.as_str())).into_response());
        }
        Err(e) => e.message,
    };
    let list = ListQuery {
        q: Some(q.to_owned()),
        before: query.before,
        limit: Some(PAGE),
        ..ListQuery::default()
    };
    let (reports, next) = list_readable(&state, &console.viewer(), &list)
        .await
        .map_err(|e| console.fail(e))?;
    let flags: Vec<_> = reports
        .iter()
        .flat_map(|r| non_punishment(&state.cases, &r.get().report))
        .collect();
    audit_non_punishment(&state, &console.viewer(), &flags).map_err(|e| console.fail(e))?;
    let older = next.map(|before| {
        format!(
            "/search?q={}&region={}&before={before}",
            encode(q),
            encode(&search.region)
        )
    });
    let body = html! {
        h1 { "Search: " q.query { (q) } }
        p.hint {
            "Not a selector (" (why_text) "), so these are the reports you may read whose narrative holds every word, newest first."
        }
        (results(&state, &reports))
        @if let Some(href) = older {
            nav.pager aria-label="More results" { a href=(href) { "Older results" } }
        }
    };
    Ok(render(&format!("Search: {q}"), body))
}

fn intro() -> Markup {
    html! {
        h1 { "Search" }
        p { "Type a selector in any form — a phone number, wallet, IBAN, email, URL or handle — to see who holds it, or words to search the narratives of the reports you may read." }
        form.search-page role="search" method="get" action="/search" {
            div.field {
                label for="page-q" { "Selector or words" }
                input #page-q type="search" name="q" required maxlength="2048";
            }
            div.field {
                label for="page-region" { "Region (optional)" }
                p.hint #page-region-hint { "Two-letter country code for national numbers and bank accounts, like KH." }
                input #page-region.region type="text" name="region" maxlength="2"
                    pattern="[A-Za-z]{2}" aria-describedby="page-region-hint"
                    data-pattern-message="a region is a two-letter country code, like KH";
            }
            button type="submit" { "Search" }
        }
    }
}

/// A list of readable reports with a short piece of each narrative, each
/// naming a person the non-punishment principle protects badged so.
pub fn results(state: &Shared, reports: &[Readable<StoredReport>]) -> Markup {
    html! {
        @if reports.is_empty() {
            p.empty { "No report you may read matches." }
        } @else {
            ol.results {
                @for readable in reports {
                    @let stored = readable.get();
                    @let r = &stored.report;
                    li {
                        p.result-head {
                            a href=(report_href(&stored.agency, &r.id)) { code { (stored.agency) "/" (r.id) } }
                            " " (tlp_badge(r.marking.tlp))
                            " " span.kind { (r.kind.as_str().replace('_', " ")) ", " (r.country) }
                            " · " (when(r.received.unwrap_or(stored.accepted)))
                            @if let Some(status) = strongest(&non_punishment(&state.cases, r)) {
                                " " (protected_badge(status))
                            }
                        }
                        @if let Some(n) = &r.narrative {
                            p.snippet { (snippet(n)) }
                        }
                    }
                }
            }
        }
    }
}

/// The start of a narrative, cut at a character boundary.
fn snippet(text: &str) -> String {
    match text.char_indices().nth(SNIPPET) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
