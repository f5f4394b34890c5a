//! Moving a case through the protocol and working it: stages, assigned
//! agencies, screening evidence and outcome, tasks and notes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cordon_protect::case::{Assignment, Role};
use cordon_protect::screening::{self, Presence, Status};
use cordon_protect::stage::Closure;
use cordon_protect::{Event, Stage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    MAX_TEXT, case_error, check_agencies, member, readable, readable_open, sealed_text, write,
    write_one,
};
use crate::Shared;
use crate::access::Viewer;
use crate::api::reports::json_body;
use crate::api::{Api, Body, Path};
use crate::cases::decision;
use crate::error::{ApiError, ApiResult};

/// A change to a case, as the API takes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// The stage to move to.
    pub to: String,
    /// Closing: `completed`, `not_a_victim`, `declined_support`,
    /// `lost_contact`, `deceased` or `unfounded`.
    #[serde(default)]
    pub closure: Option<String>,
    /// Moving to `return_agreed`: the person's informed consent.
    #[serde(default)]
    pub informed_consent: bool,
    /// Why (sealed).
    pub why: String,
}

/// Moves a case to another stage.
pub async fn move_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &MoveRequest,
) -> ApiResult<()> {
    let actor = member(viewer)?.clone();
    let to = Stage::parse(&request.to)
        .ok_or_else(|| ApiError::invalid_field("to", format!("unknown stage '{}'", request.to)))?;
    let closure =
        match &request.closure {
            None => None,
            Some(c) if c.trim().is_empty() => None,
            Some(c) => Some(Closure::parse(c).ok_or_else(|| {
                ApiError::invalid_field("closure", format!("unknown closure '{c}'"))
            })?),
        };
    let why = crate::api::required_text(&request.why, "why", MAX_TEXT)?;
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    case.check_move(to, closure, request.informed_consent)
        .map_err(case_error)?;
    let event = Event::Stage {
        to,
        closure,
        informed_consent: request.informed_consent,
        why: sealed_text(&case, state, "stage.why", &why)?,
    };
    write_one(state, id, &actor, &event).await
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/stage",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = MoveRequest,
    security(("token" = [])),
    responses(
        (status = 204, description = "Moved"),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "The protocol does not allow it now; nothing was changed", body = ApiError),
    )
)]
pub async fn move_case(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let request: MoveRequest = json_body(&body)?;
    move_for(&state, &api.viewer, &id, &request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub agency: String,
    /// `origin`, `destination`, `transit`, `consulate` or `support`.
    pub role: String,
    /// For a consulate: false states that the origin country has no
    /// embassy in the compound's country and this agency stands in.
    #[serde(default = "yes")]
    pub embassy: bool,
    #[serde(default)]
    pub remove: bool,
}

fn yes() -> bool {
    true
}

fn role(text: &str) -> ApiResult<Role> {
    Ok(match text.trim() {
        "origin" => Role::Origin,
        "destination" => Role::Destination,
        "transit" => Role::Transit,
        "consulate" => Role::Consulate,
        "support" => Role::Support,
        other => {
            return Err(ApiError::invalid_field(
                "role",
                format!(
                    "unknown role '{other}'; expected origin, destination, transit, consulate or support"
                ),
            ));
        }
    })
}

pub async fn assign_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &AssignRequest,
) -> ApiResult<()> {
    let actor = member(viewer)?.clone();
    // Who reads a victim's case is an analyst's decision.
    if actor.role == crate::access::Role::Contributor {
        return Err(ApiError::forbidden(
            "contributors work the cases they are given; an analyst or admin of your agency assigns agencies",
        ));
    }
    let assignment = Assignment {
        agency: request.agency.trim().to_owned(),
        role: role(&request.role)?,
        embassy: request.embassy,
    };
    check_agencies(state, std::slice::from_ref(&assignment))
        .await
        .map_err(|e| e.field("agency"))?;
    let _writing = state.cases.writing.lock().await;
    let case = readable_open(state, viewer, id)?;
    if request.remove {
        let remaining = case
            .assigned
            .iter()
            .filter(|a| !(a.agency == assignment.agency && a.role == assignment.role))
            .count();
        if remaining == 0 {
            return Err(ApiError::invalid_field(
                "agency",
                "a case keeps at least one assigned agency",
            ));
        }
    }
    let event = Event::Assign {
        assignment,
        remove: request.remove,
    };
    write_one(state, id, &actor, &event).await
}

#[utoipa::path(
    post,
    operation_id = "assign_case",
    path = "/api/v1/cases/{id}/assign",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = AssignRequest,
    security(("token" = [])),
    responses(
        (status = 204, description = "Assigned or unassigned"),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn assign(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let request: AssignRequest = json_body(&body)?;
    assign_for(&state, &api.viewer, &id, &request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    /// An indicator id from `/api/v1/screening/indicators`.
    pub indicator: String,
    /// `present`, `absent` or `unclear`.
    pub presence: String,
    /// What was said or seen (sealed).
    #[serde(default)]
    pub note: String,
}

pub async fn evidence_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    items: &[EvidenceRequest],
) -> ApiResult<()> {
    let actor = member(viewer)?.clone();
    if items.is_empty() {
        return Err(ApiError::invalid_field(
            "indicator",
            "record evidence on at least one indicator",
        ));
    }
    let mut parsed = Vec::new();
    for (i, e) in items.iter().enumerate() {
        if screening::indicator(&e.indicator).is_none() {
            return Err(ApiError::invalid_field(
                format!("[{i}].indicator"),
                format!(
                    "unknown indicator '{}'; /api/v1/screening/indicators lists them",
                    e.indicator
                ),
            ));
        }
        let presence = Presence::parse(&e.presence).ok_or_else(|| {
            ApiError::invalid_field(
                format!("[{i}].presence"),
                "expected present, absent or unclear",
            )
        })?;
        parsed.push((e, presence));
    }
    let _writing = state.cases.writing.lock().await;
    let case = readable_open(state, viewer, id)?;
    let mut decisions = Vec::new();
    for (e, presence) in parsed {
        let event = Event::Evidence {
            indicator: e.indicator.clone(),
            presence,
            note: sealed_text(&case, state, "evidence.note", &e.note)?,
        };
        decisions.push(decision(id, &event, (&actor.agency, &actor.user)));
    }
    write(state, decisions).await
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/evidence",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = Vec<EvidenceRequest>,
    security(("token" = [])),
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn record_evidence(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let items: Vec<EvidenceRequest> = json_body(&body)?;
    evidence_for(&state, &api.viewer, &id, &items).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `possible_victim`, `actual_victim` or `not_a_victim`.
    pub status: String,
    /// The deciding organisation (an agency code); yours by default.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Why (sealed).
    pub reasons: String,
}

pub async fn outcome_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &OutcomeRequest,
) -> ApiResult<()> {
    let actor = member(viewer)?.clone();
    let status = Status::parse(&request.status).ok_or_else(|| {
        ApiError::invalid_field(
            "status",
            "expected possible_victim, actual_victim or not_a_victim",
        )
    })?;
    let reasons = crate::api::required_text(&request.reasons, "reasons", MAX_TEXT)?;
    let organisation = request
        .organisation
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .unwrap_or(&actor.agency)
        .to_owned();
    let _writing = state.cases.writing.lock().await;
    let case = readable_open(state, viewer, id)?;
    // The decision is the actor's agency's, or an assigned agency's whose
    // decision it records: never a stranger's name on it.
    if organisation != actor.agency && !case.assigns(&organisation) {
        return Err(ApiError::invalid_field(
            "organisation",
            "the deciding organisation is your agency or one assigned to the case",
        ));
    }
    let event = Event::Outcome {
        status,
        organisation,
        reasons: sealed_text(&case, state, "outcome.reasons", &reasons)?,
    };
    write_one(state, id, &actor, &event).await
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/outcome",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = OutcomeRequest,
    security(("token" = [])),
    responses(
        (status = 204, description = "Recorded"),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn record_outcome(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let request: OutcomeRequest = json_body(&body)?;
    outcome_for(&state, &api.viewer, &id, &request).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    /// The task to update; a new one without.
    #[serde(default)]
    pub task: Option<String>,
    pub text: String,
    /// The agency that does it; yours by default.
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub due: Option<DateTime<Utc>>,
    #[serde(default)]
    pub done: bool,
}

pub async fn task_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &TaskRequest,
) -> ApiResult<String> {
    let actor = member(viewer)?.clone();
    let text = crate::api::required_text(&request.text, "text", MAX_TEXT)?;
    let _writing = state.cases.writing.lock().await;
    let case = readable_open(state, viewer, id)?;
    let agency = request
        .agency
        .clone()
        .unwrap_or_else(|| actor.agency.clone());
    if !case.assigns(&agency) {
        return Err(ApiError::invalid_field(
            "agency",
            format!("agency {agency} is not assigned to the case"),
        ));
    }
    let task = match &request.task {
        Some(t) if case.tasks.contains_key(t) => t.clone(),
        Some(t) => {
            return Err(ApiError::invalid_field(
                "task",
                format!("no task {t} in this case"),
            ));
        }
        // Random, so that two replicas never give one number twice.
        None => format!("T-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
    };
    let event = Event::Task {
        task: task.clone(),
        agency,
        due: request.due,
        done: request.done,
        text: sealed_text(&case, state, "task.text", &text)?,
    };
    write_one(state, id, &actor, &event).await?;
    Ok(task)
}

/// A task's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskId {
    pub task: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/tasks",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = TaskRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The task set or updated", body = TaskId),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn set_task(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<TaskId>> {
    let request: TaskRequest = json_body(&body)?;
    let task = task_for(&state, &api.viewer, &id, &request).await?;
    Ok(Json(TaskId { task }))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    pub text: String,
}

pub async fn note_for(state: &Shared, viewer: &Viewer, id: &str, text: &str) -> ApiResult<()> {
    let actor = member(viewer)?.clone();
    let text = crate::api::required_text(text, "text", MAX_TEXT)?;
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    let event = Event::Note {
        text: sealed_text(&case, state, "note.text", &text)?,
    };
    write_one(state, id, &actor, &event).await
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/notes",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = NoteRequest,
    security(("token" = [])),
    responses(
        (status = 204, description = "Noted"),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn add_note(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let request: NoteRequest = json_body(&body)?;
    note_for(&state, &api.viewer, &id, &request.text).await?;
    Ok(StatusCode::NO_CONTENT)
}
