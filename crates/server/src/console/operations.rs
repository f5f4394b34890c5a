//! Operation pages: `/operations` (the operations you take part in, and a
//! form to start one), `/operations/{id}` (parties, targets, tasks, log and
//! the overlaps with other agencies' work, with the forms that change
//! them) and `/deconflictions` (every overlap you are party to). Everything
//! goes through the same functions as the API, so the console shows and
//! changes no more than the API would.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox, tlp_badge, when};
use super::networks::{field, fields};
use super::selector_href;
use super::session::Console;
use crate::Shared;
use crate::access::Role;
use crate::api::operations::{
    CreateOperation, LogRequest, MarkingRequest, OperationAnswer, TargetsRequest, TaskRequest,
    TaskUpdate, UpdateOperation, add_log_for, add_targets_for, add_task_for, answer, audit_read,
    create_for, readable, remove_targets_for, update_for, update_task_for, visible,
};
use crate::operations::deconflict::{self, DeconflictionView};
use crate::operations::model::{Operation, SideKind, Target, TargetKind, TaskState};

fn page(console: &Console, title: &str, body: Markup) -> Markup {
    layout::page(title, Some(&console.chrome()), &SearchBox::default(), body)
}

fn href(id: &str) -> String {
    format!("/operations/{}", super::encode(id))
}

/// A target, linked to its page where it has one.
fn target_link(t: &Target) -> Markup {
    match t.kind {
        TargetKind::Selector => html! { a href=(selector_href(&t.value)) { code { (t.value) } } },
        TargetKind::Network => {
            html! { a href=(format!("/networks/{}", t.value)) { code { (t.value) } } }
        }
        TargetKind::Compound => {
            html! { a href=(format!("/compounds/{}", t.value)) { code { "site:" (t.value) } } }
        }
    }
}

fn side_kind(kind: SideKind) -> &'static str {
    match kind {
        SideKind::Operation => "an operation",
        SideKind::Watch => "a watch",
        SideKind::Query => "a recent hit query",
    }
}

/// Items of a comma- or space-separated field.
fn words(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n', '\r', '\t'])
        .filter(|w| !w.trim().is_empty())
        .map(|w| w.trim().to_owned())
        .collect()
}

/// Items of a field with one per line (selectors may hold spaces).
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned())
        .collect()
}

fn overlaps_table(overlaps: &[DeconflictionView], with_yours: bool) -> Markup {
    html! {
        @if overlaps.is_empty() {
            p.empty { "No overlaps with other agencies' operations, watches or recent hit queries." }
        } @else {
            table.data.overlaps {
                thead {
                    tr {
                        th { "Found" } th { "Target" }
                        @if with_yours { th { "Yours" } }
                        th { "Other agency" } th { "Has it in" } th { "Contact" }
                    }
                }
                tbody {
                    @for d in overlaps {
                        tr {
                            td { (when(d.at)) }
                            td { (target_link(&d.target)) }
                            @if with_yours {
                                td {
                                    @match (&d.yours.operation, &d.yours.watch) {
                                        (Some(op), _) => { "operation " a href=(href(op)) { code { (op) } } }
                                        (None, Some(w)) => { "watch " code { (w) } }
                                        _ => { "query" @if let Some(u) = &d.yours.user { " by " (u) } }
                                    }
                                }
                            }
                            td { (d.other.agency) " (" (d.other.country) ")" }
                            td { (side_kind(d.other.kind)) }
                            td.contact { (d.other.contact) }
                        }
                    }
                }
            }
        }
    }
}

fn marking_fields(prefix: &str, tlp: &str, recipients: &[String]) -> Markup {
    html! {
        div.field {
            label for=(format!("{prefix}-tlp")) { "Marking" }
            select id=(format!("{prefix}-tlp")) name="tlp" {
                @for level in ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"] {
                    option value=(level) selected[level == tlp] { "TLP:" (level) }
                }
            }
        }
        div.field {
            label for=(format!("{prefix}-recipients")) { "Readers under TLP:RED (AGENCY/user, comma-separated)" }
            input id=(format!("{prefix}-recipients")) type="text" name="recipients" value=(recipients.join(", ")) maxlength="4000";
        }
    }
}

fn marking_of(f: &std::collections::HashMap<String, String>) -> MarkingRequest {
    MarkingRequest {
        tlp: field(f, "tlp"),
        recipients: words(&field(f, "recipients")),
    }
}

pub async fn list(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let viewer = console.viewer();
    let contributor = console.member().role == Role::Contributor;
    let operations = visible(&state, &viewer);
    let body = html! {
        h1 { "Operations" }
        @if contributor {
            p.lead { "Contributors take no part in operations; an analyst of your agency does." }
        } @else {
            p.lead {
                "Joint operations your agency takes part in. Targets that another agency's operation, watch or recent hit query shares are "
                a href="/deconflictions" { "deconflicted" } ": both sides are told, with each other's contact."
            }
            @if operations.is_empty() { p.empty { "None yet." } }
            @else {
                table.data #operations {
                    thead { tr { th { "Operation" } th { "Lead" } th { "Participants" } th { "State" } th { "Marking" } th { "Targets" } th { "Open tasks" } th { "Changed" } } }
                    tbody {
                        @for op in &operations {
                            tr {
                                td { a href=(href(&op.id)) { (op.name) } " " code { (op.id) } }
                                td { (op.lead) }
                                td { (op.participants.join(", ")) }
                                td { (op.state.as_str()) }
                                td { (tlp_badge(op.marking.tlp)) }
                                td.num { (op.targets.len()) }
                                td.num { (op.tasks.iter().filter(|t| t.task.state == TaskState::Open).count()) }
                                td { (when(op.updated)) }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="new-title" {
                h2 #new-title { "Start an operation" }
                p.hint { "Your agency leads it. Its parties' analysts read it; under TLP:RED only the individuals named." }
                form #new-operation method="post" action="/operations" {
                    input type="hidden" name="csrf" value=(console.chrome().csrf);
                    div.field {
                        label for="op-name" { "Name" }
                        input #op-name type="text" name="name" required maxlength="200";
                    }
                    div.field {
                        label for="op-summary" { "Summary" }
                        textarea #op-summary name="summary" maxlength="20000" rows="3" {}
                    }
                    div.field {
                        label for="op-participants" { "Participating agencies (codes, comma-separated)" }
                        input #op-participants type="text" name="participants" maxlength="4000" placeholder="KH-NCB, TH-DSI";
                    }
                    div.field {
                        label for="op-targets" { "Targets, one per line: selectors, network ids (N-…), compounds (site:<cell>)" }
                        textarea #op-targets name="targets" rows="4" maxlength="200000" {}
                    }
                    div.field {
                        label for="op-region" { "Region for national numbers" }
                        input #op-region.short type="text" name="region" maxlength="2" pattern="[A-Za-z]{2}";
                    }
                    (marking_fields("op", "AMBER", &[]))
                    div.field {
                        label for="op-state" { "State" }
                        select #op-state name="state" {
                            option value="planned" selected { "planned" }
                            option value="active" { "active" }
                        }
                    }
                    button type="submit" { "Start operation" }
                }
            }
        }
    };
    Ok(page(&console, "Operations", body))
}

/// `POST /operations`.
pub async fn create(
    State(state): State<Shared>,
    console: Console,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let region = field(&f, "region");
    let request = CreateOperation {
        name: field(&f, "name"),
        summary: field(&f, "summary"),
        participants: words(&field(&f, "participants")),
        targets: lines(&field(&f, "targets")),
        region: (!region.trim().is_empty()).then_some(region),
        marking: Some(marking_of(&f)),
        state: Some(field(&f, "state")).filter(|s| !s.is_empty()),
    };
    let created = create_for(&state, &console.viewer(), &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(Redirect::to(&href(&created.operation.id)).into_response())
}

fn operation_body(console: &Console, a: &OperationAnswer) -> Markup {
    let op: &Operation = &a.operation;
    let csrf = console.chrome().csrf;
    let action = |path: &str| format!("{}/{path}", href(&op.id));
    let lead = console.member().agency == op.lead;
    html! {
        p.kicker { "Operation · " (tlp_badge(op.marking.tlp)) " · " strong { (op.state.as_str()) } }
        h1 { (op.name) }
        dl.facts {
            dt { "Id" } dd { code { (op.id) } }
            dt { "Lead" } dd { (op.lead) }
            dt { "Participants" } dd { @if op.participants.is_empty() { span.empty { "none" } } (op.participants.join(", ")) }
            @if !op.marking.recipients.is_empty() {
                dt { "Readers" } dd { (op.marking.recipients.join(", ")) }
            }
            dt { "Started" } dd { (when(op.created)) " by " (op.created_by) }
            dt { "Changed" } dd { (when(op.updated)) }
        }
        @if !op.summary.is_empty() { p.summary { (op.summary) } }
        section aria-labelledby="overlaps-title" {
            h2 #overlaps-title { "Overlaps with other agencies" }
            p.hint { "Each side is told of the target and the other's contact, nothing more of the other's work." }
            (overlaps_table(&a.overlaps, false))
        }
        section aria-labelledby="targets-title" {
            h2 #targets-title { "Targets" }
            @if op.targets.is_empty() { p.empty { "No targets yet." } }
            ul.plain #targets {
                @for t in &op.targets {
                    li {
                        (target_link(&t.target)) " — added " (when(t.added)) " by " (t.by)
                        form.inline method="post" action=(action("targets/remove")) {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="target" value=(match t.target.kind {
                                TargetKind::Compound => format!("site:{}", t.target.value),
                                _ => t.target.value.clone(),
                            });
                            button.link type="submit" { "remove" }
                        }
                    }
                }
            }
            @if op.state.is_open() {
                form #add-targets method="post" action=(action("targets")) {
                    input type="hidden" name="csrf" value=(csrf);
                    div.field {
                        label for="targets-input" { "Add targets, one per line" }
                        textarea #targets-input name="targets" rows="3" required maxlength="200000" {}
                    }
                    div.field {
                        label for="targets-region" { "Region for national numbers" }
                        input #targets-region.short type="text" name="region" maxlength="2" pattern="[A-Za-z]{2}";
                    }
                    button type="submit" { "Add targets" }
                }
            }
        }
        section aria-labelledby="tasks-title" {
            h2 #tasks-title { "Tasks" }
            @if op.tasks.is_empty() { p.empty { "No tasks yet." } }
            @else {
                table.data #tasks {
                    thead { tr { th { "Task" } th { "Owner" } th { "Due" } th { "State" } th { "" } } }
                    tbody {
                        @for t in &op.tasks {
                            tr {
                                td { (t.task.title) }
                                td { (t.task.owner) }
                                td { @if let Some(d) = t.task.due { (d.format("%Y-%m-%d")) } }
                                td { (t.task.state.as_str()) }
                                td {
                                    form method="post" action=(action(&format!("tasks/{}", t.task.id))) {
                                        input type="hidden" name="csrf" value=(csrf);
                                        @if t.task.state == TaskState::Open {
                                            input type="hidden" name="state" value="done";
                                            button.link type="submit" { "mark done" }
                                        } @else {
                                            input type="hidden" name="state" value="open";
                                            button.link type="submit" { "reopen" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form #add-task method="post" action=(action("tasks")) {
                input type="hidden" name="csrf" value=(csrf);
                div.field {
                    label for="task-title" { "Task" }
                    input #task-title type="text" name="title" required maxlength="500";
                }
                div.field {
                    label for="task-owner" { "Owner (a party, or AGENCY/user)" }
                    input #task-owner type="text" name="owner" required maxlength="200" value=(console.member().agency);
                }
                div.field {
                    label for="task-due" { "Due (YYYY-MM-DD)" }
                    input #task-due type="date" name="due";
                }
                button type="submit" { "Add task" }
            }
        }
        section aria-labelledby="log-title" {
            h2 #log-title { "Log" }
            @if op.log.is_empty() { p.empty { "Nothing written yet." } }
            ol #log {
                @for l in &op.log {
                    li { (when(l.at)) " " strong { (l.agency) "/" (l.user) } ": " (l.text) }
                }
            }
            form #add-log method="post" action=(action("log")) {
                input type="hidden" name="csrf" value=(csrf);
                div.field {
                    label for="log-text" { "Write in the log" }
                    textarea #log-text name="text" required maxlength="20000" rows="3" {}
                }
                button type="submit" { "Write" }
            }
        }
        @if lead {
            section aria-labelledby="update-title" {
                h2 #update-title { "Change the operation" }
                p.hint { "The lead agency changes its name, state, participants and marking." }
                form #update-operation method="post" action=(action("update")) {
                    input type="hidden" name="csrf" value=(csrf);
                    div.field {
                        label for="update-name" { "Name" }
                        input #update-name type="text" name="name" required maxlength="200" value=(op.name);
                    }
                    div.field {
                        label for="update-summary" { "Summary" }
                        textarea #update-summary name="summary" maxlength="20000" rows="3" { (op.summary) }
                    }
                    div.field {
                        label for="update-participants" { "Participating agencies" }
                        input #update-participants type="text" name="participants" maxlength="4000" value=(op.participants.join(", "));
                    }
                    (marking_fields("update", op.marking.tlp.as_str(), &op.marking.recipients))
                    div.field {
                        label for="update-state" { "State" }
                        select #update-state name="state" {
                            @for s in ["planned", "active", "closed"] {
                                option value=(s) selected[s == op.state.as_str()] { (s) }
                            }
                        }
                    }
                    button type="submit" { "Save" }
                }
            }
        }
        p { a href=(format!("/api/v1/operations/{}/stix", super::encode(&op.id))) { "STIX 2.1 bundle (grouping)" } }
    }
}

pub async fn operation(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let viewer = console.viewer();
    let op = readable(&state, &viewer, &id).map_err(|e| console.fail(e))?;
    audit_read(&state, &viewer, &op).map_err(|e| console.fail(e))?;
    let title = op.name.clone();
    let a = answer(&state, &viewer, op);
    Ok(page(&console, &title, operation_body(&console, &a)))
}

/// The page of an operation after a change.
fn back(id: &str) -> Response {
    Redirect::to(&href(id)).into_response()
}

/// `POST /operations/{id}/targets`.
pub async fn add_targets(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let region = field(&f, "region");
    let request = TargetsRequest {
        targets: lines(&field(&f, "targets")),
        region: (!region.trim().is_empty()).then_some(region),
    };
    add_targets_for(&state, &console.viewer(), &id, &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(back(&id))
}

/// `POST /operations/{id}/targets/remove`.
pub async fn remove_target(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let request = TargetsRequest {
        targets: vec![field(&f, "target")],
        region: None,
    };
    remove_targets_for(&state, &console.viewer(), &id, &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(back(&id))
}

/// `POST /operations/{id}/tasks`.
pub async fn add_task(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let request = TaskRequest {
        title: field(&f, "title"),
        owner: field(&f, "owner"),
        due: Some(field(&f, "due")),
        state: None,
    };
    add_task_for(&state, &console.viewer(), &id, &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(back(&id))
}

/// `POST /operations/{id}/tasks/{task}`: marks it done or open again.
pub async fn update_task(
    State(state): State<Shared>,
    console: Console,
    Path((id, task)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let request = TaskUpdate {
        state: Some(field(&f, "state")),
        ..TaskUpdate::default()
    };
    update_task_for(&state, &console.viewer(), &id, &task, &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(back(&id))
}

/// `POST /operations/{id}/log`.
pub async fn add_log(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let request = LogRequest {
        text: field(&f, "text"),
    };
    add_log_for(&state, &console.viewer(), &id, &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(back(&id))
}

/// `POST /operations/{id}/update`: the lead's changes.
pub async fn update(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, Failure> {
    let f = fields(&console, form)?;
    let request = UpdateOperation {
        name: Some(field(&f, "name")),
        summary: Some(field(&f, "summary")),
        participants: Some(words(&field(&f, "participants"))),
        marking: Some(marking_of(&f)),
        state: Some(field(&f, "state")),
    };
    update_for(&state, &console.viewer(), &id, &request)
        .await
        .map_err(|e| console.fail(e))?;
    Ok(back(&id))
}

/// `/deconflictions`: every overlap you are party to.
pub async fn deconflictions(
    State(state): State<Shared>,
    console: Console,
) -> Result<Markup, Failure> {
    let viewer = console.viewer();
    let overlaps = state
        .operations
        .read(|book| deconflict::visible(book, &viewer, &state.directory));
    let body = html! {
        h1 { "Deconfliction" }
        p.lead {
            "Where a target of an operation is also a target, watch or recent hit query of another agency. "
            "Both sides are told at once; each learns the target and the other's contact, nothing more of the other's work."
        }
        (overlaps_table(&overlaps, true))
    };
    Ok(page(&console, "Deconfliction", body))
}
