//! The hotline's queue of public tips ("report this offer") in the
//! console: its members read each tip with what the check said and close
//! it, filed as their own report or dismissed. To anyone else the queue is
//! empty ([`crate::access::reads_tips`]).

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox};
use super::networks::{field, fields};
use super::session::Console;
use crate::Shared;
use crate::public::tips::{self, Closing};

pub async fn page(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let open = state.public.tips.readable(&console.viewer(), false);
    let csrf = console.chrome().csrf;
    let body = html! {
        h1 { "Tips from the public" }
        p.lead { "Job offers and contacts the public sent with \"report this offer\" on the public check, marked TLP:CLEAR. A tip counts nowhere until you file it as your agency's report." }
        @if open.is_empty() {
            p #no-tips { "No open tips." }
        }
        @for t in &open {
            article.tip id=(t.id) {
                h2 { (t.received.format("%Y-%m-%d %H:%M UTC")) " · " (t.body.country.as_deref().unwrap_or("no country")) " · check said: " (t.body.verdict) }
                pre.advert { (t.body.text) }
                @if !t.body.selectors.is_empty() {
                    p { "Selectors: " @for s in &t.body.selectors { code { (s) } " " } }
                }
                form.inline method="post" action={ "/tips/" (t.id) "/close" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label for={ "o-" (t.id) } { "Outcome" }
                    select id={ "o-" (t.id) } name="outcome" {
                        option value="filed" { "filed as our report" }
                        option value="dismissed" { "dismissed" }
                    }
                    label for={ "r-" (t.id) } { "Report id" }
                    input id={ "r-" (t.id) } name="report" maxlength="200";
                    label for={ "n-" (t.id) } { "Note" }
                    input id={ "n-" (t.id) } name="note" maxlength="2000";
                    button type="submit" { "Close" }
                }
            }
        }
    };
    Ok(layout::page(
        "Tips",
        Some(&console.chrome()),
        &SearchBox::default(),
        body,
    ))
}

pub async fn close(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let report = field(&f, "report");
    let closing = Closing {
        outcome: field(&f, "outcome"),
        note: field(&f, "note"),
        report: (!report.trim().is_empty()).then_some(report),
    };
    tips::close(&state, &console.viewer(), &id, closing)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to("/tips").into_response())
}
