//! The protection desk: `/cases` (the queue of the cases your agency is
//! assigned to, overdue first, filtered by stage) and `/cases/embassy`
//! (your country's nationals across those cases, for an embassy's desk),
//! and the pieces the desk's other pages share. Opening a case is
//! [`super::case_open`]; the case page is [`super::case_page`] and what
//! its forms post [`super::case_forms`]. Everything goes through the API's
//! functions (`list_for`, `open_with`, `open_for`, `embassy_for`, …), so
//! the console shows, changes and audits no more than the API would.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cordon_protect::Stage;
use cordon_protect::case::{Assignment, Role};
use cordon_protect::clock::Level;
use cordon_protect::screening::Status;
use cordon_protect::stage::Closure;
use maud::{Markup, html};

use super::failure::Failure;
use super::layout::{self, SearchBox, when};
use super::money::query_pairs;
use super::session::Console;
use crate::Shared;
use crate::api::cases::{CaseFilter, embassy_for, list_for};
use crate::cases::view::CaseSummary;

/// The console page of a case.
pub(super) fn case_href(id: &str) -> String {
    format!("/cases/{}", super::encode(id))
}

pub(super) fn page(console: &Console, title: &str, body: Markup) -> Markup {
    layout::page(title, Some(&console.chrome()), &SearchBox::default(), body)
}

/// A refused form: the form input it belongs to (`None`: the form as a
/// whole) and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn on(field: &str, message: impl Into<String>) -> Problem {
        Problem {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// The message for input `name`, if the problem is there.
    pub fn at(problem: Option<&Problem>, name: &str) -> Option<String> {
        problem
            .filter(|p| p.field.as_deref() == Some(name))
            .map(|p| p.message.clone())
    }
}

/// The id of input `name` (`p0.given_name` → `f-p0-given_name`).
pub(super) fn input_id(name: &str) -> String {
    format!("f-{}", name.replace('.', "-"))
}

/// A labelled field with its hint and, when refused, its error: the
/// control's id must be [`input_id`] of `name`.
pub(super) fn field(
    name: &str,
    label: &str,
    hint: Option<&str>,
    error: Option<String>,
    control: Markup,
) -> Markup {
    let id = input_id(name);
    html! {
        div.field.has-error[error.is_some()] {
            label for=(id) { (label) }
            @if let Some(h) = hint { p.hint { (h) } }
            @if let Some(e) = &error { p.field-error id=(format!("e-{id}")) { "Error: " (e) } }
            (control)
        }
    }
}

/// Why a form was refused, at its top, linking to the field at fault.
pub(super) fn error_summary(heading: &str, problem: Option<&Problem>) -> Markup {
    html! {
        @if let Some(p) = problem {
            div #error-summary.error-summary role="alert" tabindex="-1" {
                h2 { (heading) }
                p {
                    @if let Some(f) = &p.field {
                        a href=(format!("#{}", input_id(f))) { (p.message) }
                    } @else {
                        (p.message)
                    }
                }
            }
        }
    }
}

/// The `n`th (from 0) non-empty line of `text`, counted from 1.
pub(super) fn nth_line(text: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .nth(n)
        .map(|(i, _)| i + 1)
}

/// The index inside the first `[…]` of an API field name.
pub(super) fn index_in(field: &str) -> Option<usize> {
    let (_, rest) = field.split_once('[')?;
    rest.split_once(']')?.0.parse().ok()
}

/// One selector per non-empty line, canonical where it reads as one (a
/// desk officer types `+66 81 234 5678`; the case keeps
/// `phone:+66812345678`); anything else is passed on as typed for the
/// API's checks to name.
pub(super) fn selector_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            crate::hits::canonical(l, None)
                .map(|s| s.into_string())
                .unwrap_or_else(|_| l.to_owned())
        })
        .collect()
}

/// A `datetime-local` value (the form says UTC) as a time.
pub(super) fn utc_of_local(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    let parsed = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"));
    match parsed {
        Ok(t) => Some(t.and_utc()),
        Err(_) => DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
    }
}

pub(super) const ROLES: [Role; 5] = [
    Role::Origin,
    Role::Destination,
    Role::Transit,
    Role::Consulate,
    Role::Support,
];

pub(super) fn role_label(role: Role) -> &'static str {
    match role {
        Role::Origin => "origin country",
        Role::Destination => "compound's country",
        Role::Transit => "transit country",
        Role::Consulate => "consulate",
        Role::Support => "support (shelter, NGO, hotline, legal aid)",
    }
}

/// An assigned agency as the header and lists show it: a consulate
/// standing in for a missing embassy is marked.
pub(super) fn assignment_text(a: &Assignment) -> String {
    if a.role == Role::Consulate && !a.embassy {
        format!(
            "{} (consulate, standing in: no embassy of the origin country)",
            a.agency
        )
    } else {
        format!("{} ({})", a.agency, a.role.as_str())
    }
}

pub(super) fn status_words(status: Status) -> &'static str {
    match status {
        Status::PossibleVictim => "possible victim",
        Status::ActualVictim => "actual victim",
        Status::NotAVictim => "not a victim",
    }
}

pub(super) fn level_words(level: Level) -> &'static str {
    match level {
        Level::Assigned => "escalated to the assigned agencies",
        Level::Supervisors => "escalated to their supervisors",
    }
}

pub(super) fn closure_words(c: Closure) -> String {
    c.as_str().replace('_', " ")
}

/// Where a case stands against its clock: due, or overdue and how far
/// escalated.
pub(super) fn clock_badges(s: &CaseSummary) -> Markup {
    html! {
        @if s.overdue {
            span.badge.overdue { "OVERDUE" }
            @if let Some(level) = s.escalated { " " span.escalation { (level_words(level)) } }
        }
    }
}

pub(super) fn non_punishment_badge(s: &CaseSummary) -> Markup {
    html! {
        @if s.non_punishment {
            span.badge.protected title="The non-punishment principle applies: screened as a possible or actual victim" { "non-punishment" }
        }
    }
}

/// That the non-punishment principle applies to a person a report or a
/// selector names, and how screening found them: nothing of the case (no
/// id, no name), which stays with its agencies.
pub(super) fn protected_badge(status: Status) -> Markup {
    html! {
        span.badge.protected title="The non-punishment principle applies: this identifies a person screened as a victim of trafficking" { "non-punishment" }
        " " span.protected-status { "(" (status_words(status)) ")" }
    }
}

/// The strongest status among a report's protected selectors.
pub(super) fn strongest(protected: &[crate::api::reports::NonPunishment]) -> Option<Status> {
    protected
        .iter()
        .map(|p| p.status)
        .max_by_key(|s| *s == Status::ActualVictim)
}

/// What the queue's filter holds.
#[derive(Debug, Default)]
struct Filter {
    stage: String,
    overdue: bool,
    closed: bool,
}

impl Filter {
    fn read(pairs: &[(String, String)]) -> Filter {
        let mut f = Filter::default();
        for (name, value) in pairs {
            match name.as_str() {
                "stage" => f.stage = value.trim().to_owned(),
                "overdue" => f.overdue = value == "on",
                "closed" => f.closed = value == "on",
                _ => {}
            }
        }
        f
    }

    fn href(&self, stage: Option<Stage>) -> String {
        let mut href = format!("/cases?stage={}", stage.map_or("", |s| s.as_str()));
        if self.overdue {
            href.push_str("&overdue=on");
        }
        if self.closed {
            href.push_str("&closed=on");
        }
        href
    }
}

/// `GET /cases`: the queue.
pub async fn queue(
    State(state): State<Shared>,
    console: Console,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let pairs = query_pairs(&console, query)?;
    let filter = Filter::read(&pairs);
    let mut problem = None;
    let stage = match filter.stage.as_str() {
        "" => None,
        s => match Stage::parse(s) {
            Some(s) => Some(s),
            None => {
                problem = Some(Problem::on(
                    "stage",
                    format!("unknown stage '{s}': choose one from the list"),
                ));
                None
            }
        },
    };
    // One audited list of every case the agency is assigned to: the
    // counts per stage and the rows shown both come from it.
    let everything = CaseFilter {
        stage: None,
        overdue: None,
        closed: Some(true),
    };
    let all = list_for(&state, &console.viewer(), &everything).map_err(|e| console.fail(e))?;
    let shown: Vec<&CaseSummary> = all
        .iter()
        .filter(|c| stage.is_none_or(|s| c.stage == s))
        .filter(|c| filter.closed || stage.is_some() || c.stage.is_open())
        .filter(|c| !filter.overdue || c.overdue)
        .collect();
    let agency = console.member().agency.clone();
    let counts: Vec<(Stage, usize, usize)> = Stage::ALL
        .into_iter()
        .map(|s| {
            let of: Vec<&CaseSummary> = all.iter().filter(|c| c.stage == s).collect();
            (s, of.len(), of.iter().filter(|c| c.overdue).count())
        })
        .filter(|(_, n, _)| *n > 0)
        .collect();
    let overdue = all.iter().filter(|c| c.overdue).count();
    let body = html! {
        h1 { "Protection desk" }
        p.lead {
            "Victim-protection cases your agency is assigned to, overdue first. "
            "Only the assigned agencies read a case; every read is in your audit log."
        }
        p.actions {
            a.button #open-case-link href="/cases/new" { "Open a case" }
            " · " a href="/cases/embassy" { "Our nationals (embassy view)" }
        }
        @if overdue > 0 {
            p.overdue-line { strong { (overdue) } " overdue " (if overdue == 1 { "case" } else { "cases" }) "." }
        }
        @if !counts.is_empty() {
            nav.stages aria-label="Cases per stage" {
                ul.plain {
                    li { a href=(filter.href(None)) aria-current=[stage.is_none().then_some("true")] { "All open" } }
                    @for (s, n, late) in &counts {
                        li {
                            a href=(filter.href(Some(*s))) aria-current=[(stage == Some(*s)).then_some("true")] {
                                (s.label()) " (" (n) @if *late > 0 { ", " (late) " overdue" } ")"
                            }
                        }
                    }
                }
            }
        }
        (error_summary("The filter could not be used", problem.as_ref()))
        form #case-filter.filters method="get" action="/cases" {
            div.form-grid {
                (field("stage", "Stage", None, Problem::at(problem.as_ref(), "stage"), html! {
                    select #f-stage name="stage" {
                        option value="" selected[stage.is_none()] { "Any stage" }
                        @for s in Stage::ALL {
                            option value=(s.as_str()) selected[stage == Some(s)] { (s.label()) }
                        }
                    }
                }))
                div.field {
                    label.inline-check { input #f-overdue type="checkbox" name="overdue" value="on" checked[filter.overdue]; " Overdue only" }
                    label.inline-check { input #f-closed type="checkbox" name="closed" value="on" checked[filter.closed]; " Include closed cases" }
                }
                div.field.actions { button type="submit" { "Show" } }
            }
        }
        @if shown.is_empty() {
            p.empty { "No cases here." }
        } @else {
            table.data #cases {
                thead {
                    tr {
                        th { "Case" } th { "Stage" } th { "Since" } th { "Due" } th { "Clock" }
                        th { "Nationality" } th.num { "People" } th { "Compound country" }
                        th { "Screening" } th { "Your role" }
                    }
                }
                tbody {
                    @for c in &shown {
                        tr.overdue[c.overdue] {
                            td { a href=(case_href(&c.id)) { code { (c.id) } } }
                            td {
                                (c.stage_label)
                                @if let Some(cl) = c.closure { " (" (closure_words(cl)) ")" }
                            }
                            td { (when(c.stage_since)) }
                            td { @if let Some(d) = c.due { (when(d)) } @else { "—" } }
                            td { (clock_badges(c)) }
                            td { (c.nationality) }
                            td.num { (c.group_size) }
                            td { (c.compound.country.as_deref().unwrap_or("not known")) }
                            td {
                                @match c.status { Some(s) => (status_words(s)), None => span.empty { "not screened" } }
                                " " (non_punishment_badge(c))
                            }
                            td {
                                (c.assigned.iter().filter(|a| a.agency == agency).map(|a| a.role.as_str()).collect::<Vec<_>>().join(", "))
                            }
                        }
                    }
                }
            }
        }
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page(&console, "Protection desk", body)).into_response())
}

/// `GET /cases/embassy`: your country's nationals among your cases.
pub async fn embassy(State(state): State<Shared>, console: Console) -> Result<Markup, Failure> {
    let view = embassy_for(&state, &console.viewer()).map_err(|e| console.fail(e))?;
    let body = html! {
        h1 { "Our nationals: " (view.country) }
        p.lead {
            "Open cases your agency is assigned to whose people are nationals of "
            (view.country) ", by stage and by the compound's country."
        }
        dl.facts #embassy-totals {
            dt { "Open cases" } dd #embassy-cases { (view.cases) }
            dt { "People" } dd #embassy-people { (view.people) }
            dt { "Overdue" } dd #embassy-overdue { (view.overdue) }
        }
        div.grid {
            section.card aria-labelledby="by-stage-title" {
                h2 #by-stage-title { "Per stage" }
                @if view.by_stage.is_empty() { p.empty { "None." } }
                @else {
                    table.data #by-stage {
                        thead { tr { th { "Stage" } th.num { "Cases" } th.num { "People" } } }
                        tbody {
                            @for c in &view.by_stage {
                                tr {
                                    td { a href=(format!("/cases?stage={}", c.key)) { (Stage::parse(&c.key).map_or(c.key.as_str(), |s| s.label())) } }
                                    td.num { (c.cases) }
                                    td.num { (c.people) }
                                }
                            }
                        }
                    }
                }
            }
            section.card aria-labelledby="by-country-title" {
                h2 #by-country-title { "Per country of the compound" }
                @if view.by_compound_country.is_empty() { p.empty { "None." } }
                @else {
                    table.data #by-country {
                        thead { tr { th { "Country" } th.num { "Cases" } th.num { "People" } } }
                        tbody {
                            @for c in &view.by_compound_country {
                                tr {
                                    td { @if c.key == "??" { span.empty { "not known yet" } } @else { (c.key) } }
                                    td.num { (c.cases) }
                                    td.num { (c.people) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="partners-title" {
            h2 #partners-title { "Partners standing in" }
            p.hint { "Agencies assigned as consulate where " (view.country) " has no embassy in the compound's country." }
            @if view.partners.is_empty() { p.empty { "None." } }
            @else { ul #partners { @for p in &view.partners { li { (p) } } } }
        }
        p { a href="/cases" { "Back to the queue" } }
    };
    Ok(page(&console, "Our nationals", body))
}

/// The member agencies' codes, offered as the agency fields are typed.
pub(super) fn agency_codes(state: &Shared) -> Markup {
    html! {
        datalist #agency-codes {
            @for a in state.directory.all() { option value=(a.code) { (a.name) } }
        }
    }
}
