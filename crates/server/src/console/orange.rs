//! The console's orange notices: `/orange-notices` lists those you may read
//! and issues new ones; `/orange-notices/{id}` shows one, with its
//! acknowledgements to the issuing agency and an acknowledge button to the
//! agencies it reached. The same functions as the API decide everything.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cordon_core::Tlp;
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox, tlp_badge, when};
use super::networks::fields;
use super::session::Console;
use crate::Shared;
use crate::access::Role;
use crate::alerts::orange::{OrangeNotice, Threat};
use crate::api::orange::{IssueRequest, acknowledge, issue_for, readable};
use crate::error::ApiError;

fn threat_words(t: Threat) -> &'static str {
    match t {
        Threat::NewCompound => "new compound",
        Threat::RecruitmentWave => "recruitment wave",
        Threat::VictimTransfer => "transfer of victims",
        Threat::Other => "other threat",
    }
}

fn page(console: &Console, title: &str, body: Markup) -> Markup {
    layout::page(title, Some(&console.chrome()), &SearchBox::default(), body)
}

/// `GET /orange-notices`.
pub async fn list(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let notices = state.alerts.orange.list(console.member());
    let csrf = console.chrome().csrf;
    let may_issue = console.member().role != Role::Contributor;
    Ok(page(
        &console,
        "Orange notices",
        html! {
            h1 { "Orange notices" }
            p.lead { "Urgent warnings between agencies: pushed at once, acknowledged by each agency, tracked until all have." }
            @if notices.is_empty() {
                p.empty { "No orange notices you may read." }
            }
            ul.plain #orange-notices {
                @for n in &notices {
                    li {
                        (tlp_badge(n.tlp)) " "
                        a href=(format!("/orange-notices/{}", super::encode(&n.id))) { strong { (n.title) } }
                        " — " (threat_words(n.threat)) ", from " (n.agency) ", " (when(n.issued)) " "
                        (status(n))
                    }
                }
            }
            @if may_issue {
                section aria-labelledby="issue-title" {
                    h2 #issue-title { "Issue an orange notice" }
                    form.stacked.narrow method="post" action="/orange-notices" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="o-title" { "Title" }
                        input #o-title name="title" required maxlength="200";
                        label for="o-threat" { "Threat" }
                        select #o-threat name="threat" {
                            option value="new_compound" { "New compound" }
                            option value="recruitment_wave" { "Recruitment wave" }
                            option value="victim_transfer" { "Transfer of victims" }
                            option value="other" { "Other" }
                        }
                        label for="o-text" { "What is happening, and what readers should do" }
                        textarea #o-text name="text" required rows="5" maxlength="8000" {}
                        label for="o-tlp" { "Marking" }
                        select #o-tlp name="tlp" {
                            option value="GREEN" { "TLP:GREEN — every member agency" }
                            option value="AMBER" { "TLP:AMBER — the agencies named below" }
                            option value="RED" { "TLP:RED — the people named below" }
                        }
                        label for="o-recipients" { "Recipients (AMBER: agency codes; RED: AGENCY/user), one per line" }
                        textarea #o-recipients name="recipients" rows="2" {}
                        label for="o-selectors" { "Selectors of the threat, one per line (optional)" }
                        textarea #o-selectors name="selectors" rows="3" {}
                        button type="submit" { "Issue and push" }
                    }
                }
            }
        },
    ))
}

fn status(n: &OrangeNotice) -> Markup {
    html! {
        @if let Some(t) = &n.tracking {
            @if t.outstanding.is_empty() {
                span.note { "acknowledged by all " (t.audience.len()) }
            } @else {
                span.warning { (t.outstanding.len()) " of " (t.audience.len()) " agencies have not acknowledged" }
            }
        } @else if let Some(a) = &n.acknowledged {
            span.note { "acknowledged by " (a.user) " " (when(a.at)) }
        } @else {
            span.warning { "not yet acknowledged by your agency" }
        }
    }
}

fn lines(text: Option<&String>) -> Vec<String> {
    text.map(|t| {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// A form's choice of a closed list, read as the API reads it.
fn choice<T: serde::de::DeserializeOwned>(
    console: &Console,
    f: &std::collections::HashMap<String, String>,
    field: &str,
) -> Result<T, Failure> {
    let picked = f.get(field).cloned().unwrap_or_default();
    serde_json::from_value(serde_json::Value::String(picked))
        .map_err(|_| console.fail(ApiError::bad_request(format!("choose a {field}")).field(field)))
}

/// `POST /orange-notices`.
pub async fn issue(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let threat: Threat = choice(&console, &f, "threat")?;
    let tlp: Tlp = choice(&console, &f, "tlp")?;
    let request = IssueRequest {
        title: f.get("title").cloned().unwrap_or_default(),
        threat,
        text: f.get("text").cloned().unwrap_or_default(),
        tlp,
        recipients: lines(f.get("recipients")),
        selectors: lines(f.get("selectors")),
        site: None,
    };
    let viewer = console.viewer();
    let notice = issue_for(&state, &viewer, request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to(&format!("/orange-notices/{}", super::encode(&notice.id))).into_response())
}

/// `GET /orange-notices/{id}`.
pub async fn notice(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let member = console.member();
    let n = readable(&state, member, &id).map_err(|e| console.fail(e))?;
    if n.agency != member.agency {
        state
            .audit
            .record(crate::audit::event(
                &console.viewer(),
                "orange_notice",
                Some(&n.agency),
                &id,
            ))
            .map_err(|e| console.fail(e))?;
    }
    let csrf = console.chrome().csrf;
    let may_ack =
        n.tracking.is_none() && n.acknowledged.is_none() && member.role != Role::Contributor;
    Ok(page(
        &console,
        &n.title,
        html! {
            p { a href="/orange-notices" { "Orange notices" } }
            h1 { (n.title) }
            p { (tlp_badge(n.tlp)) " " (threat_words(n.threat)) ", from " (n.agency) ", " (when(n.issued)) }
            p #orange-status { (status(&n)) }
            p.narrative { (n.text) }
            @if !n.selectors.is_empty() {
                h2 { "Selectors" }
                ul.plain {
                    @for s in &n.selectors {
                        li { a href=(super::selector_href(s)) { code { (s) } } }
                    }
                }
            }
            @if may_ack {
                form method="post" action=(format!("/orange-notices/{}/ack", super::encode(&n.id))) {
                    input type="hidden" name="csrf" value=(csrf);
                    button #orange-ack type="submit" { "Acknowledge for " (member.agency) }
                }
            }
            @if let Some(t) = &n.tracking {
                h2 { "Acknowledgements" }
                table {
                    thead { tr { th { "Agency" } th { "Acknowledged" } } }
                    tbody {
                        @for agency in &t.audience {
                            tr {
                                td { (agency) }
                                td {
                                    @match t.acks.iter().find(|a| a.agency == *agency) {
                                        Some(a) => { (a.user) ", " (when(a.at)) }
                                        None => { span.warning { "not yet" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// `POST /orange-notices/{id}/ack`.
pub async fn ack(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    fields(&console, form)?;
    let member = crate::api::networks::analyst(&console.viewer())
        .map_err(|e| console.fail(e))?
        .clone();
    acknowledge(&state, &member, &id)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to(&format!("/orange-notices/{}", super::encode(&id))).into_response())
}
