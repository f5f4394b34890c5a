//! The console's webhooks: `/webhooks` lists yours and your agency's with
//! their dead letters; analysts make one (its secret shown once), end one
//! or retry a dead letter, through the API's own functions.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox, when};
use super::networks::fields;
use super::session::Console;
use crate::Shared;
use crate::access::Role;
use crate::alerts::Scope;
use crate::api::webhooks::{Retried, WebhookRequest, create_for, delete_for, retry_for};
use crate::error::ApiError;

fn page(console: &Console, body: Markup) -> Markup {
    layout::page(
        "Webhooks",
        Some(&console.chrome()),
        &SearchBox::default(),
        body,
    )
}

/// `GET /webhooks`.
pub async fn list(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    Ok(page(&console, listing(&state, &console, None).await?))
}

/// The page's body, with a note on what was just done.
async fn listing(
    state: &Shared,
    console: &Console,
    note: Option<Markup>,
) -> Result<Markup, Failure> {
    state
        .webhooks
        .sync(state.store.as_ref())
        .await
        .map_err(|e| console.fail(e.into()))?;
    let member = console.member();
    let analyst = member.role != Role::Contributor;
    let csrf = console.chrome().csrf;
    let hooks = state.webhooks.of(member);
    Ok(html! {
        h1 { "Webhooks" }
        p.lead { "Your alerts, POSTed to your own systems as they are raised, signed with the webhook's secret, as far as the webhook's owner may read them." }
        @if let Some(note) = note { (note) }
        @if hooks.is_empty() {
            p.empty { "No webhooks yet." }
        }
        @for w in &hooks {
            section.webhook aria-labelledby=(format!("hook-{}", w.id)) {
                h2 id=(format!("hook-{}", w.id)) { code { (w.id) } }
                dl {
                    dt { "URL" } dd { code { (w.url) } }
                    dt { "For" } dd { (if w.scope == Scope::Agency { "your agency" } else { "you" }) " (made by " (w.user) ", " (when(w.created)) ")" }
                    dt { "Watches" } dd {
                        @if w.watches.is_empty() { "all" } @else {
                            @for (i, id) in w.watches.iter().enumerate() {
                                @if i > 0 { ", " }
                                code { (id) }
                            }
                        }
                    }
                    dt { "Delivered through" } dd { "report " (w.delivered_through) }
                }
                @let dead = state.webhooks.dead_letters(&w.id);
                h3 { "Dead letters (" (dead.len()) ")" }
                @if dead.is_empty() {
                    p.note { "None: every alert so far was delivered." }
                } @else {
                    table {
                        thead { tr { th { "Alert" } th { "Attempts" } th { "Last failure" } th { "Since" } @if analyst { th { "" } } } }
                        tbody {
                            @for d in &dead {
                                tr {
                                    td { (d.seq) }
                                    td { (d.attempts) }
                                    td { (d.error) }
                                    td { (when(d.at)) }
                                    @if analyst {
                                        td {
                                            form method="post" action=(format!("/webhooks/{}/dead-letters/{}/retry", w.id, d.seq)) {
                                                input type="hidden" name="csrf" value=(csrf);
                                                button type="submit" { "Retry" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if analyst {
                    form method="post" action=(format!("/webhooks/{}/delete", w.id)) {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { "End this webhook" }
                    }
                }
            }
        }
        @if analyst {
            section aria-labelledby="new-hook-title" {
                h2 #new-hook-title { "New webhook" }
                form #new-webhook method="post" action="/webhooks" {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="hook-url" { "URL" }
                    input #hook-url type="url" name="url" required maxlength="2000" placeholder="https://soc.example/cordon";
                    label for="hook-scope" { "For" }
                    select #hook-scope name="scope" {
                        option value="user" selected { "you (every watch that alerts you)" }
                        option value="agency" { "your agency (its agency-wide watches)" }
                    }
                    p.note { "Its signing secret is shown once, on the next page." }
                    button type="submit" { "Make webhook" }
                }
            }
        }
    })
}

fn analyst(console: &Console) -> Result<(), Failure> {
    if console.member().role == Role::Contributor {
        return Err(console.fail(ApiError::forbidden(
            "contributors submit reports; ask an analyst of your agency to keep webhooks",
        )));
    }
    Ok(())
}

/// `POST /webhooks`: makes one and shows its secret, once.
pub async fn create(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Markup, Failure> {
    let f = fields(&console, form)?;
    analyst(&console)?;
    let scope = match f.get("scope").map(String::as_str) {
        None | Some("user") => Scope::User,
        Some("agency") => Scope::Agency,
        Some(other) => {
            return Err(console.fail(
                ApiError::bad_request(format!("a webhook is for user or agency, not {other:?}"))
                    .field("scope"),
            ));
        }
    };
    let request = WebhookRequest {
        url: f.get("url").cloned().unwrap_or_default(),
        scope: Some(scope),
        watches: Vec::new(),
        after: None,
    };
    let created = create_for(&state, console.member(), request)
        .await
        .map_err(|e| console.fail(e))?;
    let note = html! {
        div.notice role="status" {
            p { "Webhook " code { (created.webhook.id) } " made. Its signing secret, shown this once:" }
            p { code #webhook-secret { (created.secret) } }
            p.note { "Check each delivery's X-Cordon-Signature (t=…,v1=…): v1 is the hex HMAC-SHA256, keyed with this secret, of t, a dot and the body." }
        }
    };
    Ok(page(&console, listing(&state, &console, Some(note)).await?))
}

/// `POST /webhooks/{id}/delete`.
pub async fn delete(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    fields(&console, form)?;
    analyst(&console)?;
    delete_for(&state, console.member(), &id)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to("/webhooks").into_response())
}

/// `POST /webhooks/{id}/dead-letters/{seq}/retry`: delivers it once, now.
pub async fn retry(
    State(state): State<Shared>,
    console: Console,
    Path((id, seq)): Path<(String, i64)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Markup, Failure> {
    fields(&console, form)?;
    analyst(&console)?;
    let outcome = retry_for(&state, console.member(), &id, seq)
        .await
        .map_err(|e| console.fail(e))?;
    let said = match outcome.outcome {
        Retried::Delivered => "was delivered".to_owned(),
        Retried::Failed => format!(
            "failed again ({}); it stays a dead letter",
            outcome.error.as_deref().unwrap_or("no answer")
        ),
        Retried::Cleared => format!(
            "was cleared: {}",
            outcome.error.as_deref().unwrap_or("nothing to deliver")
        ),
    };
    let note =
        html! { p.notice role="status" { "Alert " (seq) " of " code { (id) } " " (said) "." } };
    Ok(page(&console, listing(&state, &console, Some(note)).await?))
}
