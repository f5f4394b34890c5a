//! The console's alerts: `/alerts` lists your watches and shows alerts as
//! they arrive; `/alerts/stream` is the same event stream as the API's,
//! for the signed-in session. The header's badge counts alerts live (the
//! script opens the stream; without it the page still lists the watches).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox, when};
use super::selector_href;
use super::session::Console;
use crate::Shared;

pub async fn page(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let watches = state.alerts.watches_of(console.member());
    let body = html! {
        h1 { "Alerts" }
        p.lead { "Reports naming a selector you watch, as they are accepted, as far as you may read them." }
        p { "To have them POSTed to your own systems, keep a " a href="/webhooks" { "webhook" } "." }
        section aria-labelledby="live-title" {
            h2 #live-title { "Arriving now" }
            ol #alert-list aria-live="polite" {}
            p.note #alert-empty { "None since this page opened." }
        }
        section aria-labelledby="watches-title" {
            h2 #watches-title { "Your watches" }
            @if watches.is_empty() {
                p.empty { "No watches yet: keep one with POST /api/v1/watches." }
            }
            ul.plain #watches {
                @for w in &watches {
                    li {
                        strong { (w.name) } " (" (if w.scope == crate::alerts::Scope::Agency { "your agency" } else { "you" }) ", since " (when(w.created)) "): "
                        @for (i, s) in w.selectors.iter().take(20).enumerate() {
                            @if i > 0 { ", " }
                            a href=(selector_href(s)) { code { (s) } }
                        }
                        @if w.selectors.len() > 20 { " and " (w.selectors.len() - 20) " more" }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        "Alerts",
        Some(&console.chrome()),
        &SearchBox::default(),
        body,
    ))
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
