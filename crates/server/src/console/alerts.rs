//! The console's alerts: `/alerts` lists your watches, keeps new ones
//! (`POST /alerts/watches`), says whether your agency is told of interest in
//! its RED data (`POST /alerts/interest`), and shows alerts as they arrive; `/alerts/stream` is the same event stream as the API's,
//! for the signed-in session. The header's badge counts alerts live (the
//! script opens the stream; without it the page still lists the watches).

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox, when};
use super::networks::fields;
use super::selector_href;
use super::session::Console;
use crate::Shared;
use crate::access::Role;
use crate::alerts::interest::How;
use crate::alerts::{Scope, Target};
use crate::api::interest::{answer, put_for};
use crate::api::watches::{WatchRequest, create_for};
use crate::error::ApiError;

pub async fn page(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    Ok(layout::page(
        "Alerts",
        Some(&console.chrome()),
        &SearchBox::default(),
        body(&state, &console, None).await?,
    ))
}

async fn body(state: &Shared, console: &Console, note: Option<Markup>) -> Result<Markup, Failure> {
    let watches = state.alerts.watches_of(console.member());
    let csrf = console.chrome().csrf;
    let analyst = console.member().role != Role::Contributor;
    let interest = if analyst {
        Some(
            answer(state, &console.member().agency)
                .await
                .map_err(|e| console.fail(e))?,
        )
    } else {
        None
    };
    Ok(html! {
        h1 { "Alerts" }
        @if let Some(note) = note { (note) }
        p.lead { "Reports matching what you watch, as they are accepted, as far as you may read them." }
        p { "To have them POSTed to your own systems, keep a " a href="/webhooks" { "webhook" } "." }
        section aria-labelledby="live-title" {
            h2 #live-title { "Arriving now" }
            ol #alert-list aria-live="polite" {}
            p.note #alert-empty { "None since this page opened." }
        }
        section aria-labelledby="watches-title" {
            h2 #watches-title { "Your watches" }
            @if watches.is_empty() {
                p.empty { "No watches yet." }
            }
            ul.plain #watches {
                @for w in &watches {
                    li {
                        strong { (w.name) } " (" (if w.scope == Scope::Agency { "your agency" } else { "you" }) ", since " (when(w.created)) "): "
                        @if let Some(t) = &w.target {
                            (t.describe())
                        }
                        @for (i, s) in w.selectors.iter().take(20).enumerate() {
                            @if i > 0 { ", " }
                            a href=(selector_href(s)) { code { (s) } }
                        }
                        @if w.selectors.len() > 20 { " and " (w.selectors.len() - 20) " more" }
                    }
                }
            }
        }
        @if analyst {
            section aria-labelledby="keep-title" {
                h2 #keep-title { "Keep a watch" }
                form.stacked.narrow method="post" action="/alerts/watches" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="w-name" { "Name" }
                    input #w-name name="name" required maxlength="200";
                    label for="w-scope" { "For" }
                    select #w-scope name="scope" {
                        option value="user" { "you alone" }
                        option value="agency" { "your whole agency" }
                    }
                    label for="w-kind" { "Watch" }
                    select #w-kind name="kind" {
                        option value="selectors" { "selectors (one per line, any form)" }
                        option value="network" { "a network (its id, N-…)" }
                        option value="compound" { "a compound (its site)" }
                        option value="pattern" { "a country, and modi operandi (KH romance investment)" }
                        option value="text" { "a text pattern (a regular expression, any case)" }
                    }
                    label for="w-what" { "What" }
                    textarea #w-what name="what" required rows="4" {}
                    button type="submit" { "Keep watch" }
                }
            }
        }
        @if let Some(interest) = interest {
            section aria-labelledby="interest-title" {
                h2 #interest-title { "Interest in your agency's RED data" }
                @if interest.ask {
                    p { "Your agency is told when another agency's query or watch touches its RED reports." }
                } @else {
                    p { "Your agency is not told when others' queries or watches touch its RED reports." }
                }
                form method="post" action="/alerts/interest" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="ask" value=(if interest.ask { "false" } else { "true" });
                    button #interest-toggle type="submit" {
                        (if interest.ask { "Stop telling us" } else { "Tell us" })
                    }
                }
                @if !interest.shown.is_empty() {
                    ul.plain #interest-shown {
                        @for i in &interest.shown {
                            li {
                                (i.by_agency) " (" (if i.how == How::Query { "query" } else { "watch" }) ") touched "
                                (i.reports.join(", ")) "; contact " (i.by_contact)
                                @if let Some(at) = i.at { ", " (when(at)) }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// `POST /alerts/watches`: keeps a watch through the API's own checks.
pub async fn keep(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Markup, Failure> {
    let f = fields(&console, form)?;
    let what = f.get("what").map(String::as_str).unwrap_or_default().trim();
    let lines: Vec<String> = what
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let target = match f.get("kind").map(String::as_str) {
        None | Some("selectors") => None,
        Some("network") => Some(Target::Network {
            network: what.to_owned(),
        }),
        Some("compound") => Some(Target::Compound {
            site: what.to_owned(),
        }),
        Some("pattern") => {
            let mut words = what.split_whitespace().map(str::to_owned);
            Some(Target::Pattern {
                country: words.next().unwrap_or_default(),
                mo: words.collect(),
            })
        }
        Some("text") => Some(Target::Text {
            pattern: what.to_owned(),
        }),
        Some(other) => {
            return Err(console.fail(
                ApiError::bad_request(format!("there is no watch of {other:?}")).field("kind"),
            ));
        }
    };
    let scope = match f.get("scope").map(String::as_str) {
        Some("agency") => Scope::Agency,
        _ => Scope::User,
    };
    let request = WatchRequest {
        name: f.get("name").cloned().unwrap_or_default(),
        scope: Some(scope),
        selectors: if target.is_none() { lines } else { Vec::new() },
        target,
        region: None,
    };
    let watch = create_for(&state, &console.viewer(), request)
        .await
        .map_err(|e| console.fail(e))?;
    let note = html! { p.notice role="status" { "Watch " strong { (watch.name) } " kept." } };
    Ok(layout::page(
        "Alerts",
        Some(&console.chrome()),
        &SearchBox::default(),
        body(&state, &console, Some(note)).await?,
    ))
}

/// `POST /alerts/interest`: asks, or stops asking.
pub async fn interest(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let ask = f.get("ask").map(String::as_str) == Some("true");
    put_for(&state, &console.viewer(), ask)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to("/alerts").into_response())
}

pub async fn stream(
    State(state): State<Shared>,
    console: Console,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let member = console.member().clone();
    crate::alerts::stream::open(state, member, &headers, None)
        .await
        .map(IntoResponse::into_response)
        .map_err(|e| console.fail(e))
}
