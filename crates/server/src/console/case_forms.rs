//! What the case page's forms post, `POST /cases/{id}/…`, and its
//! exports, `GET /cases/{id}/htcds.json` and `.csv`. Each handler reads
//! its form into the API's request and calls the API's function
//! (`move_for`, `evidence_for`, `outcome_for`, …), so a change through the
//! console is checked, written and audited exactly as through the API. A
//! change made goes back to the case page (post, redirect, get); a refused
//! one shows the page again with the form's values and the error next to
//! the field it names.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use cordon_protect::case::CompoundLink;
use cordon_protect::screening::{self, Presence};
use maud::Markup;

use super::case_page::{Again, render};
use super::case_personal::PersonalDraft;
use super::cases::{Problem, case_href, nth_line, page};
use super::failure::{Failure, bad_request};
use super::money::on_the_form;
use super::session::Console;
use crate::Shared;
use crate::api::cases::{
    AssignRequest, DemandRequest, EvidenceRequest, MergeRequest, MoveRequest, OutcomeRequest,
    ReleaseMarking, ReleaseRequest, SplitRequest, TaskRequest, UpdateRequest, assign_for,
    demand_for, evidence_for, htcds_for, merge_for, move_for, note_for, open_for, outcome_for,
    readable, release_for, split_for, task_for, update_for,
};
use crate::error::ApiError;

type Posted = Result<Form<Vec<(String, String)>>, FormRejection>;
type Pairs = Vec<(String, String)>;

/// `GET /cases/{id}`: the case, opened for a member of an assigned
/// agency (audited); to anyone else, a missing case.
pub async fn case(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Markup, Failure> {
    let viewer = console.viewer();
    let case = readable(&state, &viewer, &id).map_err(|e| console.fail(e))?;
    let view = open_for(&state, &viewer, &case, "case_read").map_err(|e| console.fail(e))?;
    let title = format!("Case {}", view.summary.id);
    Ok(page(
        &console,
        &title,
        render(&state, &console, &view, None),
    ))
}

/// A form's pairs, once its CSRF token is this session's.
fn posted(console: &Console, form: Posted) -> Result<Pairs, Failure> {
    let Form(pairs) = form.map_err(|e| {
        bad_request(
            format!("the form could not be read: {}", e.body_text()),
            Some(console.chrome()),
        )
    })?;
    console.check_csrf(
        pairs
            .iter()
            .find(|(n, _)| n == "csrf")
            .map(|(_, v)| v.as_str()),
    )?;
    Ok(pairs)
}

fn value(pairs: &Pairs, name: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn on(pairs: &Pairs, name: &str) -> bool {
    pairs.iter().any(|(n, v)| n == name && v == "on")
}

fn optional(text: String) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Where a change leads: the case page at the section changed, or the
/// page again with the refused form.
async fn answer(
    state: &Shared,
    console: &Console,
    id: &str,
    form: &'static str,
    pairs: Pairs,
    result: Result<String, ApiError>,
    place: impl Fn(&ApiError, &Pairs) -> Option<String>,
) -> Result<Response, Failure> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) if on_the_form(&e) => {
            let problem = Problem {
                field: place(&e, &pairs),
                message: e.message.clone(),
            };
            again(state, console, id, form, pairs, problem, e.code.status())
        }
        Err(e) => Err(console.fail(e)),
    }
}

/// The case page with a refused form shown again.
fn again(
    state: &Shared,
    console: &Console,
    id: &str,
    form: &'static str,
    values: Pairs,
    problem: Problem,
    status: StatusCode,
) -> Result<Response, Failure> {
    let again = Again {
        form,
        problem: Some(problem),
        values,
        more: None,
    };
    shown_again(state, console, id, &again, status)
}

/// The case page with one of its forms shown again.
fn shown_again(
    state: &Shared,
    console: &Console,
    id: &str,
    again: &Again,
    status: StatusCode,
) -> Result<Response, Failure> {
    let viewer = console.viewer();
    let case = readable(state, &viewer, id).map_err(|e| console.fail(e))?;
    let view = open_for(state, &viewer, &case, "case_read").map_err(|e| console.fail(e))?;
    let title = format!("Case {}", view.summary.id);
    let body = render(state, console, &view, Some(again));
    Ok((status, page(console, &title, body)).into_response())
}

fn section(id: &str, anchor: &str) -> String {
    format!("{}#{anchor}", case_href(id))
}

/// The API field named, if the form has it under that name.
fn same(names: &'static [&'static str]) -> impl Fn(&ApiError, &Pairs) -> Option<String> {
    move |e, _| {
        e.field
            .as_deref()
            .filter(|f| names.contains(f))
            .map(str::to_owned)
    }
}

/// `POST /cases/{id}/stage`.
pub async fn stage(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let request = MoveRequest {
        to: value(&pairs, "to"),
        closure: optional(value(&pairs, "closure")),
        informed_consent: on(&pairs, "informed_consent"),
        why: value(&pairs, "why"),
    };
    let result = move_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|()| section(&id, "stage"));
    let place = same(&["to", "closure", "why", "informed_consent"]);
    answer(&state, &console, &id, "stage", pairs, result, place).await
}

/// `POST /cases/{id}/evidence`: every indicator whose answer changed, or
/// that has a note, at once.
pub async fn evidence(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let case = readable(&state, &console.viewer(), &id).map_err(|e| console.fail(e))?;
    let mut items = Vec::new();
    let mut problem = None;
    for i in screening::catalogue() {
        let presence = value(&pairs, &format!("i.{}", i.id));
        let note = value(&pairs, &format!("n.{}", i.id));
        let now = case.evidence.get(&i.id).map(|e| e.presence);
        if presence.is_empty() {
            if !note.trim().is_empty() && problem.is_none() {
                problem = Some(Problem::on(
                    &format!("i.{}", i.id),
                    format!(
                        "choose present, absent or unclear for '{}' to record its note",
                        i.label
                    ),
                ));
            }
            continue;
        }
        if now != Presence::parse(&presence) || !note.trim().is_empty() {
            items.push(EvidenceRequest {
                indicator: i.id.clone(),
                presence,
                note,
            });
        }
    }
    if problem.is_none() && items.is_empty() {
        problem = Some(Problem {
            field: None,
            message: "nothing changed: choose present, absent or unclear for an indicator, or add a note to one".to_owned(),
        });
    }
    if let Some(problem) = problem {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return again(&state, &console, &id, "screening", pairs, problem, status);
    }
    let result = evidence_for(&state, &console.viewer(), &id, &items)
        .await
        .map(|()| section(&id, "screening"));
    // `[3].presence` names the fourth item sent.
    let place = move |e: &ApiError, _: &Pairs| {
        let field = e.field.as_deref()?;
        let i = super::cases::index_in(field)?;
        items.get(i).map(|item| format!("i.{}", item.indicator))
    };
    answer(&state, &console, &id, "screening", pairs, result, place).await
}

/// `POST /cases/{id}/outcome`.
pub async fn outcome(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let request = OutcomeRequest {
        status: value(&pairs, "status"),
        organisation: optional(value(&pairs, "organisation")),
        reasons: value(&pairs, "reasons"),
    };
    let result = outcome_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|()| section(&id, "outcome"));
    let place = same(&["status", "organisation", "reasons"]);
    answer(&state, &console, &id, "outcome", pairs, result, place).await
}

/// The marking a release form asks for.
fn marking(pairs: &Pairs) -> ReleaseMarking {
    let recipients: Vec<String> = value(pairs, "recipients")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    ReleaseMarking {
        tlp: optional(value(pairs, "tlp")),
        recipients: (!recipients.is_empty()).then_some(recipients),
    }
}

/// Where a release's refusal goes: a selector's line, the marking, or
/// another field of the form (`prefix` tells the release form's inputs
/// from the demand form's).
fn release_place(
    prefix: &'static str,
    others: &'static [&'static str],
) -> impl Fn(&ApiError, &Pairs) -> Option<String> {
    move |e, _| {
        let field = e.field.as_deref()?;
        if field.starts_with("selectors") {
            return Some(format!("{prefix}selectors"));
        }
        if field.contains("recipients") {
            return Some(format!("{prefix}recipients"));
        }
        if field.contains("tlp") || field.starts_with("marking") {
            return Some(format!("{prefix}tlp"));
        }
        others.contains(&field).then(|| field.to_owned())
    }
}

/// A refusal naming `selectors[i]` says which line of the form it was.
fn on_line(e: ApiError, text: &str) -> ApiError {
    let line = e
        .field
        .as_deref()
        .filter(|f| f.starts_with("selectors["))
        .and_then(super::cases::index_in)
        .and_then(|i| nth_line(text, i));
    match line {
        Some(n) => ApiError {
            message: format!("line {n}: {}", e.message),
            ..e
        },
        None => e,
    }
}

/// `POST /cases/{id}/demands`.
pub async fn demand(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let text = value(&pairs, "selectors");
    let request = DemandRequest {
        kind: value(&pairs, "kind"),
        selectors: text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        amount: optional(value(&pairs, "amount")),
        currency: optional(value(&pairs, "currency")),
        message: value(&pairs, "message"),
        marking: Some(marking(&pairs)),
    };
    let result = demand_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|_| section(&id, "demands"))
        .map_err(|e| on_line(e, &text));
    let place = release_place("", &["kind", "amount", "currency", "message"]);
    answer(&state, &console, &id, "demand", pairs, result, place).await
}

/// `POST /cases/{id}/release`.
pub async fn release(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let text = value(&pairs, "selectors");
    let request = ReleaseRequest {
        selectors: text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        marking: Some(marking(&pairs)),
    };
    let result = release_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|_| section(&id, "released-title"))
        .map_err(|e| on_line(e, &text));
    let place = release_place("release-", &[]);
    answer(&state, &console, &id, "release", pairs, result, place).await
}

/// `POST /cases/{id}/assign`: assigns, or unassigns with `remove=on`.
pub async fn assign(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let request = AssignRequest {
        agency: value(&pairs, "agency").trim().to_ascii_uppercase(),
        role: value(&pairs, "role"),
        embassy: !on(&pairs, "no_embassy"),
        remove: on(&pairs, "remove"),
    };
    let result = assign_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|()| section(&id, "agencies"));
    let place = same(&["agency", "role"]);
    answer(&state, &console, &id, "assign", pairs, result, place).await
}

/// `POST /cases/{id}/tasks`: a new task, or one marked done.
pub async fn task(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let due = match optional(value(&pairs, "due")) {
        None => None,
        Some(d) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(day) => day.and_hms_opt(23, 59, 59).map(|t| t.and_utc()),
            Err(_) => {
                let problem = Problem::on(
                    "due",
                    format!("'{d}' is not a date: write it as YYYY-MM-DD"),
                );
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return again(&state, &console, &id, "task", pairs, problem, status);
            }
        },
    };
    let request = TaskRequest {
        task: optional(value(&pairs, "task")),
        text: value(&pairs, "text"),
        agency: optional(value(&pairs, "agency")),
        due,
        done: on(&pairs, "done"),
    };
    let result = task_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|_| section(&id, "tasks"));
    let place = |e: &ApiError, _: &Pairs| match e.field.as_deref() {
        Some("text") => Some("text".to_owned()),
        Some("agency") => Some("task-agency".to_owned()),
        _ => None,
    };
    answer(&state, &console, &id, "task", pairs, result, place).await
}

/// `POST /cases/{id}/notes`.
pub async fn note(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let result = note_for(&state, &console.viewer(), &id, &value(&pairs, "text"))
        .await
        .map(|()| section(&id, "timeline"));
    let place =
        |e: &ApiError, _: &Pairs| (e.field.as_deref() == Some("text")).then(|| "note".to_owned());
    answer(&state, &console, &id, "note", pairs, result, place).await
}

/// `POST /cases/{id}/split`: the people ticked move into a new case,
/// whose page comes next.
pub async fn split(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let mut people = Vec::new();
    for (_, v) in pairs.iter().filter(|(n, _)| n == "people") {
        match v.trim().parse::<usize>() {
            Ok(i) => people.push(i),
            Err(_) => {
                let problem = Problem::on("people", "tick the people who move from the list");
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return again(&state, &console, &id, "split", pairs, problem, status);
            }
        }
    }
    let request = SplitRequest {
        people,
        why: value(&pairs, "why"),
    };
    let result = split_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|new| case_href(&new));
    let place = |e: &ApiError, _: &Pairs| match e.field.as_deref() {
        Some("people") => Some("people".to_owned()),
        Some("why") => Some("split-why".to_owned()),
        _ => None,
    };
    answer(&state, &console, &id, "split", pairs, result, place).await
}

/// `POST /cases/{id}/merge`: another case merges into this one.
pub async fn merge(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let request = MergeRequest {
        from: value(&pairs, "from").trim().to_owned(),
        why: value(&pairs, "why"),
    };
    let result = merge_for(&state, &console.viewer(), &id, &request)
        .await
        .map(|()| section(&id, "regroup"));
    let place = |e: &ApiError, _: &Pairs| match e.field.as_deref() {
        Some("from") => Some("from".to_owned()),
        Some("why") => Some("merge-why".to_owned()),
        _ => None,
    };
    answer(&state, &console, &id, "merge", pairs, result, place).await
}

/// `POST /cases/{id}/details`: nationality, compound, group size, consent.
pub async fn details(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let group_size = match optional(value(&pairs, "group_size")) {
        None => None,
        Some(g) => match g.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let problem = Problem::on(
                    "group_size",
                    format!("'{g}' is not a number of people: give a whole number"),
                );
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return again(&state, &console, &id, "details", pairs, problem, status);
            }
        },
    };
    let request = UpdateRequest {
        nationality: optional(value(&pairs, "nationality")),
        compound: Some(CompoundLink {
            site: optional(value(&pairs, "compound_site"))
                .map(|s| s.trim_start_matches("site:").to_ascii_lowercase()),
            country: optional(value(&pairs, "compound_country")).map(|c| c.to_ascii_uppercase()),
        }),
        consent: Some(on(&pairs, "consent")),
        group_size,
        personal: None,
    };
    let result = update_for(&state, &console.viewer(), &id, request)
        .await
        .map(|()| section(&id, "case-facts"));
    let place = |e: &ApiError, _: &Pairs| match e.field.as_deref() {
        Some("nationality") => Some("nationality".to_owned()),
        Some("compound.country") => Some("compound_country".to_owned()),
        Some("compound.site") => Some("compound_site".to_owned()),
        Some("group_size") => Some("group_size".to_owned()),
        _ => None,
    };
    answer(&state, &console, &id, "details", pairs, result, place).await
}

/// `POST /cases/{id}/personal`: the people, where they are held, the
/// recruitment, the forced criminality, the contacts and the account,
/// replacing the personal part whole (the group size grows to the people
/// named); or the form again with one more row, when asked.
pub async fn personal(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
    form: Posted,
) -> Result<Response, Failure> {
    let pairs = posted(&console, form)?;
    let case = readable(&state, &console.viewer(), &id).map_err(|e| console.fail(e))?;
    if let Some(more) = optional(value(&pairs, "more")) {
        let again = Again {
            form: "personal",
            problem: None,
            values: pairs,
            more: Some(more),
        };
        return shown_again(&state, &console, &id, &again, StatusCode::OK);
    }
    let draft = PersonalDraft::from_pairs(&pairs);
    let personal = match draft.personal() {
        Ok(p) => p,
        Err(problem) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return again(&state, &console, &id, "personal", pairs, problem, status);
        }
    };
    let people = u32::try_from(personal.people.len()).unwrap_or(u32::MAX);
    let request = UpdateRequest {
        group_size: (people > case.group_size).then_some(people),
        personal: Some(personal),
        ..UpdateRequest::default()
    };
    // The API names `personal.people[1].identifiers[0]`; the form, the
    // input and its line.
    let result = update_for(&state, &console.viewer(), &id, request)
        .await
        .map(|()| section(&id, "people"))
        .map_err(|e| {
            let problem = e
                .field
                .as_deref()
                .and_then(|f| draft.problem_of(f, &e.message));
            match problem {
                Some(p) => ApiError {
                    message: p.message,
                    field: p.field,
                    ..e
                },
                None => ApiError { field: None, ..e },
            }
        });
    let place = |e: &ApiError, _: &Pairs| e.field.clone();
    answer(&state, &console, &id, "personal", pairs, result, place).await
}

fn attachment(id: &str, ext: &str) -> String {
    // Case ids are `PC-` and hex digits; anything else is left out.
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("attachment; filename=\"{safe}-htcds.{ext}\"")
}

/// `GET /cases/{id}/htcds.json`: the case as IOM HTCDS v2 (audited).
pub async fn htcds_json(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let export = htcds_for(&state, &console.viewer(), &id).map_err(|e| console.fail(e))?;
    Ok((
        [(header::CONTENT_DISPOSITION, attachment(&id, "json"))],
        Json(export),
    )
        .into_response())
}

/// `GET /cases/{id}/htcds.csv`: the same, one line per person.
pub async fn htcds_csv(
    State(state): State<Shared>,
    console: Console,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let export = htcds_for(&state, &console.viewer(), &id).map_err(|e| console.fail(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, attachment(&id, "csv")),
        ],
        cordon_protect::htcds::to_csv(&export),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_selector_is_named_by_its_line() {
        let e = on_line(
            ApiError::invalid_field("selectors[1]", "not a selector"),
            "trx:T1\n\nnope\n",
        );
        assert_eq!(e.message, "line 3: not a selector");
        let place = release_place("release-", &[]);
        assert_eq!(place(&e, &Vec::new()).as_deref(), Some("release-selectors"));
        let e = ApiError::invalid_field("marking.tlp", "no");
        assert_eq!(place(&e, &Vec::new()).as_deref(), Some("release-tlp"));
        let e = ApiError::invalid_field("release.marking.recipients[0]", "no");
        assert_eq!(
            place(&e, &Vec::new()).as_deref(),
            Some("release-recipients")
        );
    }

    #[test]
    fn exports_are_named_after_the_case_alone() {
        assert_eq!(
            attachment("PC-0a1b\"\r\n", "csv"),
            "attachment; filename=\"PC-0a1b-htcds.csv\""
        );
    }
}
