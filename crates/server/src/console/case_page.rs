//! The case page, `/cases/{id}`: where the case stands (stage, clock,
//! assigned agencies, the non-punishment banner), its people, where they
//! are held, the screening with its decision aid
//! ([`super::case_screening`]), the reports its releases made (linked to
//! their pages), the timeline with every entry's detail, and the forms
//! that move and change it, the personal part's edited whole in the
//! opening form's fields ([`super::case_personal`]). The forms post to
//! `/cases/{id}/…` ([`super::case_forms`]); a refused one comes back on
//! this page with its values kept and the error next to its field.
//!
//! The case is opened through the API's `readable` and `open_for`, so the
//! page is audited as `case_read` exactly like `GET /api/v1/cases/{id}`,
//! and to anyone not assigned it answers like a missing case.

use cordon_core::selector::SelectorKind;
use cordon_protect::Stage;
use cordon_protect::case::{DemandKind, Role};
use cordon_protect::person::ForcedCriminality;
use cordon_protect::screening::Status;
use cordon_protect::stage::{Closure, Move, TRANSITIONS};
use maud::{Markup, html};

use super::case_personal::PersonalDraft;
use super::cases::{
    Problem, ROLES, agency_codes, assignment_text, case_href, clock_badges, closure_words,
    error_summary, field, input_id, level_words, non_punishment_badge, role_label, status_words,
};
use super::layout::when;
use super::session::Console;
use super::{drawing, encode, report_href, selector_href};
use crate::Shared;
use crate::cases::view::CaseView;

/// A form shown again: which, why it was refused (none when it only
/// asked for one more row), the values it sent and the row asked for.
#[derive(Debug)]
pub(super) struct Again {
    pub form: &'static str,
    pub problem: Option<Problem>,
    pub values: Vec<(String, String)>,
    pub more: Option<String>,
}

/// What one form shows: the values it sent when it was refused, its
/// defaults otherwise.
#[derive(Clone, Copy)]
pub(super) struct Shown<'a> {
    again: Option<&'a Again>,
}

impl<'a> Shown<'a> {
    fn of(again: Option<&'a Again>, form: &str) -> Shown<'a> {
        Shown {
            again: again.filter(|a| a.form == form),
        }
    }

    pub(super) fn value(&self, name: &str, default: impl Into<String>) -> String {
        match self.again {
            Some(a) => a
                .values
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            None => default.into(),
        }
    }

    /// Whether a checkbox or radio button `name` = `value` is ticked.
    pub(super) fn ticked(&self, name: &str, value: &str, default: bool) -> bool {
        match self.again {
            Some(a) => a.values.iter().any(|(n, v)| n == name && v == value),
            None => default,
        }
    }

    pub(super) fn error(&self, name: &str) -> Option<String> {
        Problem::at(self.problem(), name)
    }

    pub(super) fn problem(&self) -> Option<&'a Problem> {
        self.again.and_then(|a| a.problem.as_ref())
    }

    /// Everything the form sent, when it is shown again.
    fn values(&self) -> Option<&'a [(String, String)]> {
        self.again.map(|a| a.values.as_slice())
    }

    /// The row the form asked for one more of ("person", "contact").
    fn more(&self) -> Option<&'a str> {
        self.again.and_then(|a| a.more.as_deref())
    }
}

pub(super) fn action(id: &str, path: &str) -> String {
    format!("{}/{path}", case_href(id))
}

/// The moves the protocol allows from `stage`, with why each exists.
pub(super) fn moves(stage: Stage) -> Vec<(Stage, &'static str)> {
    let mut out: Vec<(Stage, &'static str)> = TRANSITIONS
        .iter()
        .filter(|t| t.from == stage)
        .map(|t| {
            (
                t.to,
                match t.kind {
                    Move::Advance => "the next stage",
                    Move::HandedOver => {
                        "handed over: escaped, released in a raid or handed over, without a planned rescue"
                    }
                    Move::StayInCountry => "declined return: reintegration where they are",
                    Move::Close => "close",
                },
            )
        })
        .collect();
    if stage.is_open() && !out.iter().any(|(s, _)| *s == Stage::Closed) {
        out.push((Stage::Closed, "close the case, with a reason"));
    }
    out
}

/// The closure reasons a desk may choose now: never `merged` (a merge
/// sets it), `completed` only after the last follow-up, `not_a_victim`
/// only after screening found so.
fn closures(view: &CaseView) -> Vec<Closure> {
    let status = view.outcome.as_ref().map(|o| o.status);
    Closure::ALL
        .into_iter()
        .filter(|c| *c != Closure::Merged)
        .filter(|c| *c != Closure::Completed || view.summary.stage == Stage::FollowUp12)
        .filter(|c| *c != Closure::NotAVictim || status == Some(Status::NotAVictim))
        .collect()
}

/// Whether the money pages trace from this selector: wallets and accounts.
pub(super) fn traceable(selector: &str) -> bool {
    cordon_core::Selector::parse_canonical(selector).is_ok_and(|s| {
        matches!(
            s.kind(),
            SelectorKind::Crypto | SelectorKind::Iban | SelectorKind::Bank
        )
    })
}

fn selector_links(selectors: &[String]) -> Markup {
    html! {
        ul.plain.selectors-released {
            @for s in selectors {
                li {
                    a href=(selector_href(s)) { code { (s) } }
                    @if traceable(s) {
                        " " a.trace href=(format!("/money?address={}", encode(s))) { "trace the money" }
                    }
                }
            }
        }
    }
}

/// The whole case page; `again` is a refused form to show again.
pub(super) fn render(
    state: &Shared,
    console: &Console,
    v: &CaseView,
    again: Option<&Again>,
) -> Markup {
    let s = &v.summary;
    html! {
        p.kicker { "Victim-protection case · " (s.stage_label) }
        h1 { "Case " code { (s.id) } }
        @if s.non_punishment {
            div #non-punishment.banner.protected role="note" {
                strong { "Non-punishment principle applies." }
                @if let Some(o) = &v.outcome {
                    " Screened as " strong { (status_words(o.status)) } " by " (o.organisation) " on " (when(o.at)) "."
                }
                " Do not prosecute, detain or punish them for offences they were compelled to commit; their identifiers are flagged to every member that queries them."
            }
        }
        (header(v))
        nav.case-sections aria-label="Case sections" {
            ul.plain {
                @for (anchor, label) in [("people", "People"), ("held", "Where held"), ("stage", "Stage"), ("screening", "Screening"),
                    ("outcome", "Outcome"), ("agencies", "Agencies"), ("tasks", "Tasks"), ("demands", "Ransom and release"),
                    ("timeline", "Timeline"), ("regroup", "Split and merge")] {
                    li { a href=(format!("#{anchor}")) { (label) } }
                }
                @if s.stage.is_open() {
                    li { a href="#details" { "Change details" } }
                    li { a href="#edit-personal" { "Change the people" } }
                }
                li { a href="#export" { "Export" } }
            }
        }
        (people(v))
        (held(v))
        (stage_section(console, v, Shown::of(again, "stage")))
        (super::case_screening::section(console, v, Shown::of(again, "screening")))
        (outcome_section(console, v, Shown::of(again, "outcome")))
        (agencies_section(state, console, v, Shown::of(again, "assign")))
        (tasks_section(console, v, Shown::of(again, "task")))
        (demands_section(console, v, Shown::of(again, "demand"), Shown::of(again, "release")))
        (timeline_section(console, v, Shown::of(again, "note")))
        (regroup_section(console, v, Shown::of(again, "split"), Shown::of(again, "merge")))
        (details_section(console, v, Shown::of(again, "details")))
        (personal_section(console, v, Shown::of(again, "personal")))
        section #export aria-labelledby="export-title" {
            h2 #export-title { "Export" }
            p.hint { "IOM Human Trafficking Case Data Standard v2, with Cordon's forced-criminality fields. Every export is in your audit log." }
            ul.plain {
                li { a #htcds-json href=(action(&s.id, "htcds.json")) { "HTCDS JSON" } }
                li { a #htcds-csv href=(action(&s.id, "htcds.csv")) { "HTCDS CSV" } }
            }
        }
        p { a href="/cases" { "Back to the queue" } }
    }
}

fn header(v: &CaseView) -> Markup {
    let s = &v.summary;
    let case_link = |id: &String| html! { a href=(case_href(id)) { code { (id) } } };
    html! {
        dl.facts #case-facts {
            dt { "Stage" }
            dd #case-stage {
                strong { (s.stage_label) }
                @if let Some(c) = s.closure { " (" (closure_words(c)) ")" }
                " since " (when(s.stage_since))
            }
            dt { "Due" }
            dd #case-due {
                @if let Some(d) = s.due { (when(d)) } @else { "—" }
                " " (clock_badges(s))
                @if !s.overdue && let Some(level) = s.escalated { " " (level_words(level)) }
            }
            dt { "Opened" } dd { (when(s.opened)) " by " (s.opened_by) ", from a " (s.source.as_str().replace('_', " ")) }
            dt { "Nationality" } dd { (s.nationality) @if s.origin != s.nationality { ", from " (s.origin) } }
            dt { "People" } dd { (s.group_size) " held together" }
            dt { "Screening" }
            dd {
                @match s.status { Some(st) => (status_words(st)), None => span.empty { "no outcome yet" } }
                " " (non_punishment_badge(s))
            }
            dt { "Consent" } dd { @if v.consent { "given for the protocol" } @else { "not given" } }
            dt { "Assigned" }
            dd {
                ul.plain #assigned {
                    @for a in &s.assigned {
                        li.standing-in[a.role == Role::Consulate && !a.embassy] { (assignment_text(a)) }
                    }
                }
            }
            @if let Some(r) = v.repatriated { dt { "Repatriated" } dd { (when(r)) } }
            @if let Some(from) = &v.split_from { dt { "Split from" } dd { (case_link(from)) } }
            @if !v.split_into.is_empty() { dt { "Split into" } dd { @for c in &v.split_into { (case_link(c)) " " } } }
            @if !v.merged_from.is_empty() { dt { "Merged in" } dd { @for c in &v.merged_from { (case_link(c)) " " } } }
            @if let Some(into) = &v.merged_into { dt { "Merged into" } dd { (case_link(into)) } }
        }
    }
}

fn people(v: &CaseView) -> Markup {
    let p = &v.personal;
    html! {
        section #people aria-labelledby="people-title" {
            h2 #people-title { "People" }
            table.data #people-table {
                thead { tr { th { "#" } th { "Name" } th { "Gender" } th { "Born" } th { "Nationality" } th { "Languages" } th { "Their identifiers" } } }
                tbody {
                    @for (i, person) in p.people.iter().enumerate() {
                        tr {
                            td.num { (i + 1) }
                            td { (person.name()) }
                            td { (person.gender.htcds()) }
                            td { @if let Some(b) = person.birth_date { (b.format("%Y-%m-%d")) } }
                            td { @if person.nationality.is_empty() { (v.summary.nationality) } @else { (person.nationality) } }
                            td { (person.languages.join(", ")) }
                            td { @for id in &person.identifiers { code { (id) } br; } }
                        }
                    }
                }
            }
            p.hint { "Their own identifiers are never released as intelligence; they only flag them as protected." }
            @if let Some(r) = &p.recruitment {
                h3 { "Recruitment" }
                dl.facts {
                    @if !r.channel.is_empty() { dt { "Channel" } dd { (r.channel) } }
                    @if !r.promised_job.is_empty() { dt { "Job promised" } dd { (r.promised_job) } }
                    @if !r.recruiter.is_empty() { dt { "Recruiter" } dd { (r.recruiter) } }
                    @if !r.advert.is_empty() { dt { "Advert" } dd.narrative { (r.advert) } }
                    @if !r.selectors.is_empty() { dt { "Selectors" } dd { @for s in &r.selectors { code { (s) } br; } } }
                }
            }
            @if !p.contacts.is_empty() {
                h3 { "Contacts" }
                ul #contacts {
                    @for c in &p.contacts {
                        li {
                            (c.kind) ": " (c.name)
                            @if !c.relation.is_empty() { " (" (c.relation) ")" }
                            @if !c.phone.is_empty() { ", " (c.phone) }
                            @if !c.email.is_empty() { ", " (c.email) }
                        }
                    }
                }
            }
            @if p.forced_criminality != ForcedCriminality::default() {
                @let fc = &p.forced_criminality;
                h3 { "Forced criminality" }
                dl.facts #forced-criminality-facts {
                    @if !fc.scam_types.is_empty() { dt { "Scams run" } dd { (fc.scam_types.iter().map(|s| s.replace('_', " ")).collect::<Vec<_>>().join(", ")) } }
                    @if !fc.quota.is_empty() { dt { "Quota" } dd { (fc.quota) } }
                    @if !fc.coerced_offences.is_empty() { dt { "Coerced into" } dd { (fc.coerced_offences.join("; ")) } }
                    @if !fc.languages_used.is_empty() { dt { "Scammed in" } dd { (fc.languages_used.join(", ")) } }
                    @if fc.times_resold > 0 { dt { "Times resold" } dd { (fc.times_resold) } }
                }
            }
            @if !p.account.is_empty() {
                h3 { "The signal in its own words" }
                p.narrative #account { (p.account) }
            }
        }
    }
}

fn held(v: &CaseView) -> Markup {
    let compound = &v.summary.compound;
    let held = v.personal.held.as_ref();
    let point = held.and_then(|h| h.lat.zip(h.lon));
    let site = compound.site.as_deref().and_then(|cell| {
        cordon_analysis::places::site_centre(cell).map(|(lat, lon)| (cell, lat, lon))
    });
    html! {
        section #held aria-labelledby="held-title" {
            h2 #held-title { "Where they are held" }
            dl.facts {
                dt { "Compound" }
                dd {
                    @if let Some(cell) = &compound.site {
                        a #compound-link href=(format!("/compounds/{}", encode(cell))) { "compound " code { (cell) } }
                    } @else { span.empty { "not linked to a known compound" } }
                }
                dt { "Country" } dd { (compound.country.as_deref().unwrap_or("not known")) }
                @if let Some(h) = held {
                    @if !h.description.is_empty() { dt { "Description" } dd { (h.description) } }
                    @if let Some((lat, lon)) = point { dt { "Coordinates" } dd #held-coordinates { (format!("{lat:.5}, {lon:.5}")) } }
                    @if let Some(t) = h.last_contact { dt { "Last contact" } dd { (when(t)) } }
                }
            }
            @if point.is_some() || site.is_some() {
                (drawing::held_map(point, site))
            }
        }
    }
}

fn stage_section(console: &Console, v: &CaseView, f: Shown) -> Markup {
    let s = &v.summary;
    let offered = moves(s.stage);
    let consent_offered = offered.iter().any(|(to, _)| *to == Stage::ReturnAgreed);
    html! {
        section #stage aria-labelledby="stage-title" {
            h2 #stage-title { "Stage" }
            @if offered.is_empty() {
                p.empty { "The case is closed: a closed case does not move. A person trafficked again is a new case." }
            } @else {
                @if s.stage == Stage::Screened && s.status.is_none() {
                    p.hint { "Record the screening outcome before moving on." }
                }
                (error_summary("The case did not move", f.problem()))
                form #stage-form method="post" action=(action(&s.id, "stage")) {
                    input type="hidden" name="csrf" value=(console.chrome().csrf);
                    div.form-grid {
                        (field("to", "Move to", Some("Only the moves the protocol allows from here."), f.error("to"), html! {
                            select #f-to name="to" required {
                                @for (to, why) in &offered {
                                    option value=(to.as_str()) selected[f.value("to", "") == to.as_str()] { (to.label()) " — " (why) }
                                }
                            }
                        }))
                        (field("closure", "Closure reason", Some("Only when closing."), f.error("closure"), html! {
                            select #f-closure name="closure" {
                                option value="" { "—" }
                                @for c in closures(v) {
                                    option value=(c.as_str()) selected[f.value("closure", "") == c.as_str()] { (closure_words(c)) }
                                }
                            }
                        }))
                        @if consent_offered {
                            div.field.check.has-error[f.error("informed_consent").is_some()] {
                                @if let Some(e) = f.error("informed_consent") { p.field-error { "Error: " (e) } }
                                input #f-informed_consent type="checkbox" name="informed_consent" value="on"
                                    checked[f.ticked("informed_consent", "on", false)];
                                label for="f-informed_consent" { "The person gives informed consent to return" }
                            }
                        }
                    }
                    (field("why", "Why *", Some("Sealed: only the assigned agencies read it."), f.error("why"), html! {
                        textarea #f-why name="why" rows="2" required maxlength="20000" { (f.value("why", "")) }
                    }))
                    button #stage-submit type="submit" { "Move" }
                }
            }
        }
    }
}

fn outcome_section(console: &Console, v: &CaseView, f: Shown) -> Markup {
    let open = v.summary.stage.is_open();
    html! {
        section #outcome aria-labelledby="outcome-title" {
            h2 #outcome-title { "Outcome of screening" }
            @if let Some(o) = &v.outcome {
                p #outcome-recorded {
                    strong { (status_words(o.status)) } ", decided by " (o.organisation) " on " (when(o.at)) "."
                }
                @if !o.reasons.is_empty() { p.narrative { (o.reasons) } }
            } @else {
                p.empty { "No outcome recorded yet." }
            }
            @if open {
                (error_summary("The outcome was not recorded", f.problem()))
                form #outcome-form method="post" action=(action(&v.summary.id, "outcome")) {
                    input type="hidden" name="csrf" value=(console.chrome().csrf);
                    div.form-grid {
                        (field("status", "Status *", None, f.error("status"), html! {
                            select #f-status name="status" required {
                                option value="" { "Choose…" }
                                @for st in Status::ALL {
                                    option value=(st.as_str()) selected[f.value("status", "") == st.as_str()] { (status_words(st)) }
                                }
                            }
                        }))
                        (field("organisation", "Deciding organisation", Some("An agency code; yours when empty."), f.error("organisation"), html! {
                            input #f-organisation type="text" name="organisation" list="agency-codes" maxlength="32"
                                value=(f.value("organisation", console.member().agency.clone()));
                        }))
                    }
                    (field("reasons", "Reasons *", Some("Sealed."), f.error("reasons"), html! {
                        textarea #f-reasons name="reasons" rows="3" required maxlength="20000" { (f.value("reasons", "")) }
                    }))
                    button #outcome-submit type="submit" { "Record the outcome" }
                }
            }
        }
    }
}

fn agencies_section(state: &Shared, console: &Console, v: &CaseView, f: Shown) -> Markup {
    let id = &v.summary.id;
    let csrf = console.chrome().csrf;
    html! {
        section #agencies aria-labelledby="agencies-title" {
            h2 #agencies-title { "Assigned agencies" }
            p.hint { "Only the members of these agencies read the case. Return is agreed only once a consulate (or the partner standing in where there is no embassy) is assigned." }
            table.data #assignments {
                thead { tr { th { "Agency" } th { "Role" } th { "" } } }
                tbody {
                    @for a in &v.summary.assigned {
                        tr {
                            td { (a.agency) }
                            td {
                                (role_label(a.role))
                                @if a.role == Role::Consulate && !a.embassy { " — " strong { "standing in: no embassy of the origin country" } }
                            }
                            td {
                                form.inline method="post" action=(action(id, "assign")) {
                                    input type="hidden" name="csrf" value=(csrf);
                                    input type="hidden" name="agency" value=(a.agency);
                                    input type="hidden" name="role" value=(a.role.as_str());
                                    input type="hidden" name="remove" value="on";
                                    button.link type="submit" { "unassign" }
                                }
                            }
                        }
                    }
                }
            }
            (error_summary("The assignment did not change", f.problem()))
            form #assign-form method="post" action=(action(id, "assign")) {
                input type="hidden" name="csrf" value=(csrf);
                div.form-grid {
                    (field("agency", "Agency *", None, f.error("agency"), html! {
                        input #f-agency type="text" name="agency" required maxlength="32" list="agency-codes"
                            autocomplete="off" spellcheck="false" value=(f.value("agency", ""));
                    }))
                    (field("role", "Role *", None, f.error("role"), html! {
                        select #f-role name="role" required {
                            @for r in ROLES {
                                option value=(r.as_str()) selected[f.value("role", "") == r.as_str()] { (role_label(r)) }
                            }
                        }
                    }))
                    div.field.check {
                        input #f-no_embassy type="checkbox" name="no_embassy" value="on" checked[f.ticked("no_embassy", "on", false)];
                        label for="f-no_embassy" { "Consulate: no embassy, partner stands in" }
                    }
                }
                button #assign-submit type="submit" { "Assign" }
            }
            (agency_codes(state))
        }
    }
}

fn tasks_section(console: &Console, v: &CaseView, f: Shown) -> Markup {
    let id = &v.summary.id;
    let csrf = console.chrome().csrf;
    html! {
        section #tasks aria-labelledby="tasks-title" {
            h2 #tasks-title { "Tasks" }
            @if v.tasks.is_empty() { p.empty { "No tasks yet." } }
            @else {
                table.data #task-list {
                    thead { tr { th { "Task" } th { "Agency" } th { "Due" } th { "State" } th { "" } } }
                    tbody {
                        @for t in &v.tasks {
                            tr.done[t.done] {
                                td { code { (t.id) } " " (t.text) }
                                td { (t.agency) }
                                td { @if let Some(d) = t.due { (when(d)) } }
                                td { @if t.done { "done" } @else { "open" } }
                                td {
                                    @if !t.done {
                                        form.inline method="post" action=(action(id, "tasks")) {
                                            input type="hidden" name="csrf" value=(csrf);
                                            input type="hidden" name="task" value=(t.id);
                                            input type="hidden" name="text" value=(t.text);
                                            input type="hidden" name="agency" value=(t.agency);
                                            @if let Some(d) = t.due { input type="hidden" name="due" value=(d.format("%Y-%m-%d")); }
                                            input type="hidden" name="done" value="on";
                                            button.link type="submit" { "mark done" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (error_summary("The task was not set", f.problem()))
            form #task-form method="post" action=(action(id, "tasks")) {
                input type="hidden" name="csrf" value=(csrf);
                (field("text", "Task *", Some("Sealed."), f.error("text"), html! {
                    input #f-text type="text" name="text" required maxlength="20000" value=(f.value("text", ""));
                }))
                div.form-grid {
                    (field("task-agency", "Agency", None, f.error("task-agency"), html! {
                        select #f-task-agency name="agency" {
                            @for a in v.summary.assigned.iter().map(|a| a.agency.as_str()).collect::<std::collections::BTreeSet<_>>() {
                                option value=(a) selected[f.value("agency", console.member().agency.clone()) == a] { (a) }
                            }
                        }
                    }))
                    (field("due", "Due (end of the day, UTC)", None, f.error("due"), html! {
                        input #f-due type="date" name="due" value=(f.value("due", ""));
                    }))
                }
                button #task-submit type="submit" { "Add the task" }
            }
        }
    }
}

fn demands_section(console: &Console, v: &CaseView, f: Shown, r: Shown) -> Markup {
    let id = &v.summary.id;
    let csrf = console.chrome().csrf;
    let open = v.summary.stage.is_open();
    let marking = |f: Shown, prefix: &str| {
        html! {
            (field(&format!("{prefix}tlp"), "Marking", Some("Never RED: a hit must be able to tell others whom to call."), f.error(&format!("{prefix}tlp")), html! {
                select id=(input_id(&format!("{prefix}tlp"))) name="tlp" {
                    @for t in ["AMBER", "AMBER+STRICT", "GREEN"] {
                        option value=(t) selected[f.value("tlp", "AMBER") == t] { "TLP:" (t) }
                    }
                }
            }))
            (field(&format!("{prefix}recipients"), "AMBER recipients", Some("Agency codes, comma-separated; the case's other agencies when empty."), f.error(&format!("{prefix}recipients")), html! {
                input id=(input_id(&format!("{prefix}recipients"))) type="text" name="recipients" maxlength="2000" value=(f.value("recipients", ""));
            }))
        }
    };
    let suggested: Vec<String> = v
        .personal
        .recruitment
        .as_ref()
        .map(|r| r.selectors.clone())
        .unwrap_or_default();
    html! {
        section #demands aria-labelledby="demands-title" {
            h2 #demands-title { "Ransom demands and proof of life" }
            @if v.demands.is_empty() { p.empty { "None recorded." } }
            ol #demand-list {
                @for d in &v.demands {
                    li {
                        strong { @match d.kind { DemandKind::RansomDemand => "Ransom demand", DemandKind::ProofOfLife => "Proof of life" } }
                        ", " (when(d.at))
                        @if let Some(a) = &d.amount { ": " (a) @if let Some(c) = &d.currency { " " (c) } }
                        @if let Some(rep) = &d.report {
                            " — released as report "
                            @match v.released.iter().find(|r| &r.report == rep) {
                                Some(r) => a href=(report_href(&r.agency, &r.report)) { code { (r.agency) "/" (r.report) } },
                                None => code { (rep) },
                            }
                        }
                        p.narrative { (d.message) }
                        (selector_links(&d.selectors))
                    }
                }
            }
            h3 { "Record one" }
            p.hint { "The perpetrators' wallets, phones and handles go into intelligence at once as a report of your agency, nothing about the person; never the person's own identifiers." }
            (error_summary("The demand was not recorded", f.problem()))
            form #demand-form method="post" action=(action(id, "demands")) {
                input type="hidden" name="csrf" value=(csrf);
                div.form-grid {
                    (field("kind", "Kind *", None, f.error("kind"), html! {
                        select #f-kind name="kind" required {
                            option value="ransom_demand" selected[f.value("kind", "") == "ransom_demand"] { "ransom demand" }
                            option value="proof_of_life" selected[f.value("kind", "") == "proof_of_life"] { "proof of life" }
                        }
                    }))
                    (field("amount", "Amount", None, f.error("amount"), html! {
                        input #f-amount.short type="text" name="amount" inputmode="decimal" maxlength="40" value=(f.value("amount", ""));
                    }))
                    (field("currency", "Currency", Some("USDT, USD, THB…"), f.error("currency"), html! {
                        input #f-currency.short type="text" name="currency" maxlength="12" value=(f.value("currency", ""));
                    }))
                }
                (field("selectors", "Their selectors, one per line *", Some("Wallets, phones, handles, in any form."), f.error("selectors"), html! {
                    textarea #f-selectors name="selectors" rows="3" required spellcheck="false" { (f.value("selectors", "")) }
                }))
                (field("message", "The message as received *", Some("Sealed."), f.error("message"), html! {
                    textarea #f-message name="message" rows="3" required maxlength="20000" { (f.value("message", "")) }
                }))
                div.form-grid { (marking(f, "")) }
                button #demand-submit type="submit" { "Record and release the selectors" }
            }
            h3 #released-title { "Released as intelligence" }
            @if v.released.is_empty() { p.empty { "Nothing released yet." } }
            ul #released {
                @for rel in &v.released {
                    li { "report " a href=(report_href(&rel.agency, &rel.report)) { code { (rel.agency) "/" (rel.report) } } (selector_links(&rel.selectors)) }
                }
            }
            @if open || !v.released.is_empty() {
                (error_summary("Nothing was released", r.problem()))
                form #release-form method="post" action=(action(id, "release")) {
                    input type="hidden" name="csrf" value=(csrf);
                    (field("release-selectors", "Recruiters' and compounds' selectors, one per line *",
                        Some("From the case's recruitment and what the person told; never their own identifiers."), r.error("release-selectors"), html! {
                        textarea #f-release-selectors name="selectors" rows="3" required spellcheck="false" {
                            (r.value("selectors", suggested.join("\n")))
                        }
                    }))
                    div.form-grid { (marking(r, "release-")) }
                    button #release-submit type="submit" { "Release" }
                }
            }
        }
    }
}

fn timeline_section(console: &Console, v: &CaseView, f: Shown) -> Markup {
    html! {
        section #timeline aria-labelledby="timeline-title" {
            h2 #timeline-title { "Timeline" }
            ol #timeline-list.timeline {
                @for e in &v.timeline {
                    li class=(format!("entry {}", e.kind)) {
                        (when(e.at)) " " strong { (e.by) } ": " span.summary { (e.summary) }
                        @if let Some(d) = e.detail.as_ref().filter(|d| !d.is_empty()) { p.detail { (d) } }
                    }
                }
            }
            (error_summary("The note was not written", f.problem()))
            form #note-form method="post" action=(action(&v.summary.id, "notes")) {
                input type="hidden" name="csrf" value=(console.chrome().csrf);
                (field("note", "Add a note *", Some("Sealed."), f.error("note"), html! {
                    textarea #f-note name="text" rows="2" required maxlength="20000" { (f.value("text", "")) }
                }))
                button #note-submit type="submit" { "Write" }
            }
        }
    }
}

fn regroup_section(console: &Console, v: &CaseView, split: Shown, merge: Shown) -> Markup {
    let id = &v.summary.id;
    let csrf = console.chrome().csrf;
    let open = v.summary.stage.is_open();
    html! {
        section #regroup aria-labelledby="regroup-title" {
            h2 #regroup-title { "Split and merge" }
            @if !open { p.empty { "A closed case is neither split nor merged." } }
            @if open && v.personal.people.len() > 1 {
                h3 { "Split people into a new case" }
                p.hint { "The new case keeps the stage, its clock, the agencies and the screening so far." }
                (error_summary("The case was not split", split.problem()))
                form #split-form method="post" action=(action(id, "split")) {
                    input type="hidden" name="csrf" value=(csrf);
                    fieldset #f-people.field.has-error[split.error("people").is_some()] {
                        legend { "Who moves *" }
                        @if let Some(e) = split.error("people") { p.field-error { "Error: " (e) } }
                        @for (i, p) in v.personal.people.iter().enumerate() {
                            label.inline-check {
                                input type="checkbox" name="people" value=(i) checked[split.ticked("people", &i.to_string(), false)];
                                " " (p.name())
                            }
                        }
                    }
                    (field("split-why", "Why *", None, split.error("split-why"), html! {
                        textarea #f-split-why name="why" rows="2" required maxlength="20000" { (split.value("why", "")) }
                    }))
                    button #split-submit type="submit" { "Split" }
                }
            }
            @if open {
                h3 { "Merge another case into this one" }
                p.hint { "The other case closes as merged; its people, contacts and agencies join this one." }
                (error_summary("The cases were not merged", merge.problem()))
                form #merge-form method="post" action=(action(id, "merge")) {
                    input type="hidden" name="csrf" value=(csrf);
                    (field("from", "The other case's id *", Some("PC-…; one your agency is assigned to."), merge.error("from"), html! {
                        input #f-from type="text" name="from" required maxlength="40" spellcheck="false" value=(merge.value("from", ""));
                    }))
                    (field("merge-why", "Why *", None, merge.error("merge-why"), html! {
                        textarea #f-merge-why name="why" rows="2" required maxlength="20000" { (merge.value("why", "")) }
                    }))
                    button #merge-submit type="submit" { "Merge" }
                }
            }
        }
    }
}

fn details_section(console: &Console, v: &CaseView, f: Shown) -> Markup {
    let s = &v.summary;
    if !s.stage.is_open() {
        return html! {};
    }
    html! {
        section #details aria-labelledby="details-title" {
            h2 #details-title { "Change the details" }
            (error_summary("The details did not change", f.problem()))
            form #details-form method="post" action=(action(&s.id, "details")) {
                input type="hidden" name="csrf" value=(console.chrome().csrf);
                div.form-grid {
                    (field("nationality", "Nationality", None, f.error("nationality"), html! {
                        input #f-nationality.short type="text" name="nationality" required maxlength="2"
                            value=(f.value("nationality", s.nationality.clone()));
                    }))
                    (field("compound_country", "Compound's country", None, f.error("compound_country"), html! {
                        input #f-compound_country.short type="text" name="compound_country" maxlength="2"
                            value=(f.value("compound_country", s.compound.country.clone().unwrap_or_default()));
                    }))
                    (field("compound_site", "Compound site", Some("Its cell on the compounds page."), f.error("compound_site"), html! {
                        input #f-compound_site type="text" name="compound_site" maxlength="40" spellcheck="false"
                            value=(f.value("compound_site", s.compound.site.clone().unwrap_or_default()));
                    }))
                    (field("group_size", "Held together", None, f.error("group_size"), html! {
                        input #f-group_size.short type="number" name="group_size" min="1"
                            value=(f.value("group_size", s.group_size.to_string()));
                    }))
                    div.field.check {
                        input #f-consent type="checkbox" name="consent" value="on" checked[f.ticked("consent", "on", v.consent)];
                        label for="f-consent" { "Consent to use their data for the protocol" }
                    }
                }
                button #details-submit type="submit" { "Save the details" }
            }
        }
    }
}

/// The personal part, whole: the people, where held, the recruitment, the
/// forced criminality, the contacts and the account, in the opening form's
/// fields, filled with what the case holds (or what a refused form sent).
fn personal_section(console: &Console, v: &CaseView, f: Shown) -> Markup {
    if !v.summary.stage.is_open() {
        return html! {};
    }
    let draft = match f.values() {
        Some(values) => PersonalDraft::from_pairs(values),
        None => PersonalDraft::of(&v.personal),
    };
    let problem = f.problem();
    let extra = |what: &str| usize::from(f.more() == Some(what));
    let (held_grid, held_description) = draft.held_fields(problem);
    html! {
        section #edit-personal aria-labelledby="edit-personal-title" {
            h2 #edit-personal-title { "Change the people and what they told" }
            p.hint {
                "Add a person, correct names, identifiers, where they are held, how they were recruited and what they were made to do. "
                "Sealed like the rest; a person's new identifiers are flagged for non-punishment once screening found them a victim."
            }
            (error_summary("The people's details did not change", problem))
            form #personal-form.case-form method="post" action=(action(&v.summary.id, "personal")) {
                input type="hidden" name="csrf" value=(console.chrome().csrf);
                (draft.people_rows(problem, extra("person")))
                fieldset #held-fields {
                    legend { "Where they are held" }
                    div.form-grid { (held_grid) }
                    (held_description)
                }
                (draft.recruitment(problem))
                (draft.forced_criminality(problem))
                (draft.contact_rows(problem, extra("contact")))
                (draft.account_field(problem))
                button #personal-submit type="submit" { "Save the people's details" }
            }
        }
    }
}
