//! Victim-protection cases through the API, `/api/v1/cases…`: open, list,
//! read, move through the protocol, assign, screen, record ransom demands
//! and proof of life, release selectors as intelligence, split, merge,
//! tasks, notes, the HTCDS export and the embassy view; and the screening
//! indicators, `/api/v1/screening/indicators`.
//!
//! A case is read only by the members of its assigned agencies
//! ([`crate::access::reads_case`]); to anyone else a missing and a
//! forbidden case answer the same 404, in no list or count. Every read is
//! audited (`case_read`, `case_export`, `case_list`). Every change is
//! checked whole before its decisions are written: bad input changes
//! nothing and names the field at fault.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cordon_core::report::SelectorInput;
use cordon_core::{Marking, ReportSubmission, Tlp};
use cordon_protect::case::{Assignment, CompoundLink, DemandKind, Opening, Role};
use cordon_protect::person::Personal;
use cordon_protect::screening::{self, Presence, Status};
use cordon_protect::stage::Closure;
use cordon_protect::{Case, CaseError, Event, Stage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reports::{json_body, store_reports};
use super::{Api, Body, Path, Query};
use crate::Shared;
use crate::access::{Member, Viewer, reads_case};
use crate::cases::decision;
use crate::cases::view::{self, CaseSummary, CaseView};
use crate::error::{ApiError, ApiResult};

/// Longest sealed text (a reason, a note, a message).
const MAX_TEXT: usize = 20_000;

fn case_error(e: CaseError) -> ApiError {
    ApiError::invalid_field(e.field, e.message)
}

fn member(viewer: &Viewer) -> ApiResult<&Member> {
    viewer.member().ok_or_else(ApiError::unauthenticated)
}

/// A case the viewer reads, or 404.
pub fn readable(state: &Shared, viewer: &Viewer, id: &str) -> ApiResult<Case> {
    state
        .cases
        .get(id)
        .filter(|c| reads_case(viewer, &c.agencies()))
        .ok_or_else(|| ApiError::not_found("case"))
}

fn sealed_text(
    case: &Case,
    state: &Shared,
    field: &str,
    text: &str,
) -> ApiResult<cordon_protect::Sealed> {
    if text.chars().count() > MAX_TEXT {
        return Err(ApiError::invalid_field(
            "text",
            format!("at most {MAX_TEXT} characters"),
        ));
    }
    let data = state
        .cases
        .key()
        .unwrap(&case.id, &case.key)
        .map_err(ApiError::internal)?;
    Ok(data.seal(&case.id, field, text.trim().as_bytes()))
}

fn seal_personal(
    case_id: &str,
    key: &cordon_protect::Sealed,
    state: &Shared,
    personal: &Personal,
) -> ApiResult<cordon_protect::Sealed> {
    let data = state
        .cases
        .key()
        .unwrap(case_id, key)
        .map_err(ApiError::internal)?;
    Ok(data.seal_json(case_id, cordon_protect::case::PERSONAL, personal))
}

/// Writes a case's decisions and folds them in.
async fn write(state: &Shared, decisions: Vec<cordon_store::NewDecision>) -> ApiResult<()> {
    super::networks::decide(state, decisions).await?;
    state
        .cases
        .sync(state.store.as_ref(), &state.alerts.notifier)
        .await?;
    Ok(())
}

/// Opens a case for the reader, audited.
pub fn open_for(state: &Shared, viewer: &Viewer, case: &Case, action: &str) -> ApiResult<CaseView> {
    state.audit.record(crate::audit::event(
        viewer,
        action,
        Some(&case.opened.agency),
        &case.id,
    ))?;
    view::open(
        case,
        state.cases.key(),
        &state.config.cases.clocks,
        state.config.cases.clock.now(),
    )
    .map_err(ApiError::internal)
}

async fn check_agencies(state: &Shared, assigned: &[Assignment]) -> ApiResult<()> {
    for (i, a) in assigned.iter().enumerate() {
        if !state
            .directory
            .knows(state.store.as_ref(), &a.agency)
            .await?
        {
            return Err(ApiError::invalid_field(
                format!("assigned[{i}].agency"),
                format!("no member agency {}", a.agency),
            ));
        }
    }
    Ok(())
}

/// Opens a case; answers its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct Opened {
    pub id: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases",
    tag = "cases",
    request_body(content = Object, description = "A case opening: source, nationality, assigned agencies, personal part (docs/PROTECT.md)"),
    security(("token" = [])),
    responses(
        (status = 201, description = "The case is open", body = Opened),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn open_case(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Opened>)> {
    let opening: Opening = json_body(&body)?;
    let id = open_with(&state, &api.viewer, opening).await?;
    Ok((StatusCode::CREATED, Json(Opened { id })))
}

/// Opens a case for a member: its agency is assigned (as support when it
/// did not name itself).
pub async fn open_with(state: &Shared, viewer: &Viewer, mut opening: Opening) -> ApiResult<String> {
    let actor = member(viewer)?.clone();
    if !opening.assigned.iter().any(|a| a.agency == actor.agency) {
        opening.assigned.push(Assignment {
            agency: actor.agency.clone(),
            role: Role::Support,
            embassy: true,
        });
    }
    let now = Utc::now();
    opening.check(now).map_err(case_error)?;
    check_agencies(state, &opening.assigned).await?;
    let id = format!("PC-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let event = opening.seal(&id, state.cases.key(), now);
    let _writing = state.cases.writing.lock().await;
    if let Some(reference) = &opening.reference {
        // A re-sent signal: the case it opened.
        let known = state.cases.read(|book| {
            book.values()
                .find(|c| {
                    c.opened.agency == actor.agency && c.reference.as_deref() == Some(reference)
                })
                .map(|c| c.id.clone())
        });
        if let Some(known) = known {
            return Ok(known);
        }
    }
    write(
        state,
        vec![decision(&id, &event, (&actor.agency, &actor.user))],
    )
    .await?;
    Ok(id)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    /// Only cases in this stage.
    #[serde(default)]
    pub stage: Option<String>,
    /// Only overdue cases.
    #[serde(default)]
    pub overdue: Option<bool>,
    /// Closed cases too (left out by default).
    #[serde(default)]
    pub closed: Option<bool>,
}

/// The cases the viewer's agency is assigned to, most overdue first.
pub fn list_for(
    state: &Shared,
    viewer: &Viewer,
    filter: &CaseFilter,
) -> ApiResult<Vec<CaseSummary>> {
    let stage = match &filter.stage {
        Some(s) => Some(
            Stage::parse(s)
                .ok_or_else(|| ApiError::invalid_field("stage", format!("unknown stage '{s}'")))?,
        ),
        None => None,
    };
    let clocks = &state.config.cases.clocks;
    let now = state.config.cases.clock.now();
    let mut out: Vec<CaseSummary> = state.cases.read(|book| {
        book.values()
            .filter(|c| reads_case(viewer, &c.agencies()))
            .filter(|c| stage.is_none_or(|s| c.stage == s))
            .filter(|c| filter.closed.unwrap_or(false) || stage.is_some() || c.is_open())
            .map(|c| CaseSummary::of(c, clocks, now))
            .filter(|c| !filter.overdue.unwrap_or(false) || c.overdue)
            .collect()
    });
    out.sort_by(|a, b| {
        (b.overdue, std::cmp::Reverse(a.due))
            .cmp(&(a.overdue, std::cmp::Reverse(b.due)))
            .then_with(|| a.id.cmp(&b.id))
    });
    if let Some(m) = viewer.member() {
        state.audit.record(crate::audit::event(
            viewer,
            "case_list",
            Some(&m.agency),
            &format!("{} cases", out.len()),
        ))?;
    }
    Ok(out)
}

#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "cases",
    params(
        ("stage" = Option<String>, Query, description = "Only cases in this stage"),
        ("overdue" = Option<bool>, Query, description = "Only overdue cases"),
        ("closed" = Option<bool>, Query, description = "Closed cases too"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "Your agency's cases, most overdue first", body = Vec<CaseSummary>),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list_cases(
    State(state): State<Shared>,
    api: Api,
    Query(filter): Query<CaseFilter>,
) -> ApiResult<Json<Vec<CaseSummary>>> {
    member(&api.viewer)?;
    Ok(Json(list_for(&state, &api.viewer, &filter)?))
}

#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    tag = "cases",
    params(("id" = String, Path, description = "The case id, `PC-…`")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The case, opened", body = CaseView),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 503, description = "The audit log is behind; retry", body = ApiError),
    )
)]
pub async fn read_case(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseView>> {
    member(&api.viewer)?;
    let case = readable(&state, &api.viewer, &id)?;
    Ok(Json(open_for(&state, &api.viewer, &case, "case_read")?))
}

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
    let why = super::required_text(&request.why, "why", MAX_TEXT)?;
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
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await
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

/// Changes to the case's details.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    #[serde(default)]
    pub nationality: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub compound: Option<CompoundLink>,
    #[serde(default)]
    pub consent: Option<bool>,
    #[serde(default)]
    pub group_size: Option<u32>,
    /// The whole personal part, replacing the old one.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub personal: Option<Personal>,
}

pub async fn update_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: UpdateRequest,
) -> ApiResult<()> {
    let actor = member(viewer)?.clone();
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    if !case.is_open() {
        return Err(ApiError::invalid_field(
            "id",
            "a closed case does not change",
        ));
    }
    // Checked as an opening would be, with the case's other fields.
    let check = Opening {
        source: case.source,
        nationality: request
            .nationality
            .clone()
            .unwrap_or_else(|| case.nationality.clone()),
        origin: case.origin.clone(),
        compound: request
            .compound
            .clone()
            .unwrap_or_else(|| case.compound.clone()),
        group_size: request.group_size,
        assigned: case.assigned.clone(),
        consent: request.consent.unwrap_or(case.consent),
        personal: match &request.personal {
            Some(p) => p.clone(),
            None => state.cases.personal(&case).map_err(ApiError::internal)?,
        },
        received: None,
        reference: None,
    };
    check.check(Utc::now()).map_err(case_error)?;
    let personal = match &request.personal {
        Some(p) => Some(seal_personal(id, &case.key, state, p)?),
        None => None,
    };
    let event = Event::Update {
        nationality: request.nationality.map(|n| n.to_ascii_uppercase()),
        compound: request.compound,
        consent: request.consent,
        group_size: request.group_size,
        personal,
    };
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await
}

#[utoipa::path(
    patch,
    path = "/api/v1/cases/{id}",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = UpdateRequest,
    security(("token" = [])),
    responses(
        (status = 204, description = "Updated"),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn update_case(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let request: UpdateRequest = json_body(&body)?;
    update_for(&state, &api.viewer, &id, request).await?;
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
    let assignment = Assignment {
        agency: request.agency.trim().to_owned(),
        role: role(&request.role)?,
        embassy: request.embassy,
    };
    check_agencies(state, std::slice::from_ref(&assignment))
        .await
        .map_err(|e| e.field("agency"))?;
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
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
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await
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
    let case = readable(state, viewer, id)?;
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
    let reasons = super::required_text(&request.reasons, "reasons", MAX_TEXT)?;
    let organisation = request
        .organisation
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .unwrap_or(&actor.agency)
        .to_owned();
    if !state
        .directory
        .knows(state.store.as_ref(), &organisation)
        .await?
    {
        return Err(ApiError::invalid_field(
            "organisation",
            format!("no member agency {organisation}"),
        ));
    }
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    if !case.is_open() {
        return Err(ApiError::invalid_field(
            "id",
            "a closed case does not change",
        ));
    }
    let event = Event::Outcome {
        status,
        organisation,
        reasons: sealed_text(&case, state, "outcome.reasons", &reasons)?,
    };
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await
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

/// A marking for what a case releases into intelligence.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseMarking {
    /// `GREEN`, `AMBER` (the default) or `AMBER+STRICT`: never RED (a hit
    /// must be able to tell others whom to call) and never CLEAR.
    #[serde(default)]
    pub tlp: Option<String>,
    /// AMBER recipients; the case's assigned agencies by default.
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandRequest {
    /// `ransom_demand` or `proof_of_life`.
    pub kind: String,
    /// The perpetrators' wallets, phones and handles, in any form.
    pub selectors: Vec<String>,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    /// The message as received (sealed).
    pub message: String,
    #[serde(default)]
    pub marking: Option<ReleaseMarking>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Canonical selectors of recruiters and compounds from the case.
    pub selectors: Vec<String>,
    #[serde(default)]
    pub marking: Option<ReleaseMarking>,
}

/// The selectors as canonical text, none of them the person's own.
fn releasable(selectors: &[String], personal: &Personal) -> ApiResult<Vec<String>> {
    if selectors.is_empty() {
        return Err(ApiError::invalid_field(
            "selectors",
            "name at least one selector",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, text) in selectors.iter().enumerate() {
        let found = cordon_core::selector::normalize(text, &cordon_core::Hint::default())
            .map_err(|e| ApiError::invalid_field(format!("selectors[{i}]"), e.message))?;
        let Some(s) = found.into_iter().next() else {
            return Err(ApiError::invalid_field(
                format!("selectors[{i}]"),
                "not a selector",
            ));
        };
        let canonical = s.into_string();
        if personal.identifiers().any(|own| own == canonical) {
            return Err(ApiError::invalid_field(
                format!("selectors[{i}]"),
                "this is the person's own identifier: a case never releases the person into intelligence",
            ));
        }
        if !out.contains(&canonical) {
            out.push(canonical);
        }
    }
    Ok(out)
}

/// Submits the released selectors as a report of the actor's agency: no
/// narrative beyond where it came from, nothing about the person.
async fn release_report(
    state: &Shared,
    actor: &Member,
    case: &Case,
    selectors: &[String],
    marking: Option<&ReleaseMarking>,
    what: &str,
) -> ApiResult<String> {
    let marking = marking.cloned().unwrap_or_default();
    let tlp = match marking.tlp.as_deref().map(str::trim) {
        None | Some("") | Some("AMBER") => Tlp::Amber,
        Some("AMBER+STRICT") => Tlp::AmberStrict,
        Some("GREEN") => Tlp::Green,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "marking.tlp",
                format!("'{other}': release as GREEN, AMBER or AMBER+STRICT"),
            ));
        }
    };
    let recipients = match (tlp, marking.recipients) {
        (Tlp::Green, _) => Vec::new(),
        (_, Some(r)) => r,
        (_, None) => case
            .agencies()
            .into_iter()
            .filter(|a| *a != actor.agency)
            .map(str::to_owned)
            .collect(),
    };
    let country = actor
        .agency
        .split_once('-')
        .map_or("", |(c, _)| c)
        .to_owned();
    let submission = ReportSubmission {
        id: None,
        kind: Some("rescue_request".to_owned()),
        received: None,
        country: Some(country),
        language: None,
        marking: Some(Marking {
            tlp,
            recipients,
            hit_notification: true,
        }),
        grading: None,
        mo: Vec::new(),
        narrative: Some(format!("{what}, released from a victim-protection case")),
        selectors: selectors
            .iter()
            .map(|s| SelectorInput::Text(s.clone()))
            .collect(),
        losses: Vec::new(),
        location: None,
    };
    let report =
        cordon_core::ingest::check_submission(1, &submission, Utc::now()).map_err(|e| {
            ApiError::invalid_field(
                format!("release.{}", e.field.clone().unwrap_or_default()),
                e.message,
            )
        })?;
    let id = report.id.clone();
    store_reports(state, &actor.agency, &[(1, report)], &[]).await?;
    Ok(id)
}

pub async fn demand_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &DemandRequest,
) -> ApiResult<String> {
    let actor = member(viewer)?.clone();
    let demand = match request.kind.trim() {
        "ransom_demand" => DemandKind::RansomDemand,
        "proof_of_life" => DemandKind::ProofOfLife,
        _ => {
            return Err(ApiError::invalid_field(
                "kind",
                "expected ransom_demand or proof_of_life",
            ));
        }
    };
    let message = super::required_text(&request.message, "message", MAX_TEXT)?;
    if let Some(a) = &request.amount
        && a.trim().parse::<rust_decimal::Decimal>().is_err()
    {
        return Err(ApiError::invalid_field(
            "amount",
            format!("'{a}' is not a decimal amount"),
        ));
    }
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    let personal = state.cases.personal(&case).map_err(ApiError::internal)?;
    let selectors = releasable(&request.selectors, &personal)?;
    let what = match demand {
        DemandKind::RansomDemand => "ransom demand",
        DemandKind::ProofOfLife => "proof-of-life message",
    };
    let report = release_report(
        state,
        &actor,
        &case,
        &selectors,
        request.marking.as_ref(),
        what,
    )
    .await?;
    let event = Event::Demand {
        demand,
        selectors,
        amount: request.amount.as_ref().map(|a| a.trim().to_owned()),
        currency: request.currency.as_ref().map(|c| c.trim().to_uppercase()),
        message: sealed_text(&case, state, "demand.message", &message)?,
        report: Some(report.clone()),
    };
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await?;
    Ok(report)
}

/// The report that carried selectors into intelligence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleasedReport {
    pub report: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/demands",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = DemandRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "Recorded; its selectors are in intelligence as this report", body = ReleasedReport),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn record_demand(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ReleasedReport>)> {
    let request: DemandRequest = json_body(&body)?;
    let report = demand_for(&state, &api.viewer, &id, &request).await?;
    Ok((StatusCode::CREATED, Json(ReleasedReport { report })))
}

pub async fn release_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &ReleaseRequest,
) -> ApiResult<String> {
    let actor = member(viewer)?.clone();
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    let personal = state.cases.personal(&case).map_err(ApiError::internal)?;
    let selectors = releasable(&request.selectors, &personal)?;
    let report = release_report(
        state,
        &actor,
        &case,
        &selectors,
        request.marking.as_ref(),
        "recruiter and compound selectors",
    )
    .await?;
    let event = Event::Release {
        report: report.clone(),
        selectors,
    };
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await?;
    Ok(report)
}

#[utoipa::path(
    post,
    operation_id = "release_from_case",
    path = "/api/v1/cases/{id}/release",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = ReleaseRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "Released as this report", body = ReleasedReport),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong (or names the person); nothing was changed", body = ApiError),
    )
)]
pub async fn release(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ReleasedReport>)> {
    let request: ReleaseRequest = json_body(&body)?;
    let report = release_for(&state, &api.viewer, &id, &request).await?;
    Ok((StatusCode::CREATED, Json(ReleasedReport { report })))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// Indexes (from 0) of the people who move into the new case.
    pub people: Vec<usize>,
    /// Why (sealed).
    pub why: String,
}

pub async fn split_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &SplitRequest,
) -> ApiResult<String> {
    let actor = member(viewer)?.clone();
    let why = super::required_text(&request.why, "why", MAX_TEXT)?;
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    if !case.is_open() {
        return Err(ApiError::invalid_field(
            "id",
            "a closed case does not split",
        ));
    }
    let mut kept = state.cases.personal(&case).map_err(ApiError::internal)?;
    let moved = kept.split_off(&request.people).map_err(case_error)?;
    let new_id = format!("PC-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let data = cordon_protect::DataKey::generate();
    let who = (actor.agency.as_str(), actor.user.as_str());
    let open = Event::Open {
        source: case.source,
        nationality: case.nationality.clone(),
        origin: case.origin.clone(),
        compound: case.compound.clone(),
        group_size: u32::try_from(moved.people.len()).unwrap_or(u32::MAX),
        assigned: case.assigned.clone(),
        key: state.cases.key().wrap(&new_id, &data),
        personal: data.seal_json(&new_id, cordon_protect::case::PERSONAL, &moved),
        consent: case.consent,
        stage: case.stage,
        since: case.stage_since,
        split_from: Some(id.to_owned()),
        reference: None,
    };
    let mut decisions = vec![decision(&new_id, &open, who)];
    // The new case carries the screening and outcome so far.
    for (indicator, e) in &case.evidence {
        let note = data.seal(&new_id, "evidence.note", b"carried over from the split");
        decisions.push(decision(
            &new_id,
            &Event::Evidence {
                indicator: indicator.clone(),
                presence: e.presence,
                note,
            },
            who,
        ));
    }
    if let Some(o) = &case.outcome {
        let reasons = data.seal(
            &new_id,
            "outcome.reasons",
            format!("carried over from {id}").as_bytes(),
        );
        decisions.push(decision(
            &new_id,
            &Event::Outcome {
                status: o.status,
                organisation: o.organisation.clone(),
                reasons,
            },
            who,
        ));
    }
    decisions.push(decision(
        &new_id,
        &Event::Note {
            text: data.seal(&new_id, "note.text", why.as_bytes()),
        },
        who,
    ));
    let split = Event::Split {
        into: new_id.clone(),
        moved: u32::try_from(moved.people.len()).unwrap_or(u32::MAX),
        personal: seal_personal(id, &case.key, state, &kept)?,
    };
    decisions.push(decision(id, &split, who));
    decisions.push(decision(
        id,
        &Event::Note {
            text: sealed_text(&case, state, "note.text", &why)?,
        },
        who,
    ));
    write(state, decisions).await?;
    Ok(new_id)
}

#[utoipa::path(
    post,
    operation_id = "split_case",
    path = "/api/v1/cases/{id}/split",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = SplitRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "The new case", body = Opened),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn split(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Opened>)> {
    let request: SplitRequest = json_body(&body)?;
    let id = split_for(&state, &api.viewer, &id, &request).await?;
    Ok((StatusCode::CREATED, Json(Opened { id })))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The case that merges into this one (and closes).
    pub from: String,
    pub why: String,
}

pub async fn merge_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &MergeRequest,
) -> ApiResult<()> {
    let actor = member(viewer)?.clone();
    let why = super::required_text(&request.why, "why", MAX_TEXT)?;
    if request.from == id {
        return Err(ApiError::invalid_field(
            "from",
            "a case does not merge into itself",
        ));
    }
    let _writing = state.cases.writing.lock().await;
    let into = readable(state, viewer, id)?;
    let from = readable(state, viewer, &request.from).map_err(|e| e.field("from"))?;
    if !into.is_open() || !from.is_open() {
        return Err(ApiError::invalid_field(
            "from",
            "both cases must be open to merge",
        ));
    }
    let mut personal = state.cases.personal(&into).map_err(ApiError::internal)?;
    personal.absorb(state.cases.personal(&from).map_err(ApiError::internal)?);
    let who = (actor.agency.as_str(), actor.user.as_str());
    let mut decisions = vec![decision(
        id,
        &Event::MergeIn {
            from: from.id.clone(),
            group_size: into.group_size + from.group_size,
            personal: seal_personal(id, &into.key, state, &personal)?,
        },
        who,
    )];
    for a in from.assigned.iter().filter(|a| !into.assigned.contains(a)) {
        decisions.push(decision(
            id,
            &Event::Assign {
                assignment: a.clone(),
                remove: false,
            },
            who,
        ));
    }
    decisions.push(decision(
        id,
        &Event::Note {
            text: sealed_text(&into, state, "note.text", &why)?,
        },
        who,
    ));
    decisions.push(decision(
        &from.id,
        &Event::MergedInto {
            into: id.to_owned(),
        },
        who,
    ));
    write(state, decisions).await
}

#[utoipa::path(
    post,
    operation_id = "merge_cases",
    path = "/api/v1/cases/{id}/merge",
    tag = "cases",
    params(("id" = String, Path, description = "The case that stays")),
    request_body = MergeRequest,
    security(("token" = [])),
    responses(
        (status = 204, description = "Merged; the other case is closed as merged"),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn merge(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let request: MergeRequest = json_body(&body)?;
    merge_for(&state, &api.viewer, &id, &request).await?;
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
    let text = super::required_text(&request.text, "text", MAX_TEXT)?;
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
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
        None => format!("T{}", case.tasks.len() + 1),
    };
    let event = Event::Task {
        task: task.clone(),
        agency,
        due: request.due,
        done: request.done,
        text: sealed_text(&case, state, "task.text", &text)?,
    };
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await?;
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
    let text = super::required_text(text, "text", MAX_TEXT)?;
    let _writing = state.cases.writing.lock().await;
    let case = readable(state, viewer, id)?;
    let event = Event::Note {
        text: sealed_text(&case, state, "note.text", &text)?,
    };
    write(
        state,
        vec![decision(id, &event, (&actor.agency, &actor.user))],
    )
    .await
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

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

/// A case as HTCDS v2, checked against the field list, audited.
pub fn htcds_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
) -> ApiResult<cordon_protect::htcds::Export> {
    let case = readable(state, viewer, id)?;
    state.audit.record(crate::audit::event(
        viewer,
        "case_export",
        Some(&case.opened.agency),
        &case.id,
    ))?;
    let personal = state.cases.personal(&case).map_err(ApiError::internal)?;
    let export =
        cordon_protect::htcds::export(&case, &personal, &|agency| state.directory.kind_of(agency));
    cordon_protect::htcds::validate(&export).map_err(|p| ApiError::internal(p.join("; ")))?;
    Ok(export)
}

#[utoipa::path(
    get,
    operation_id = "export_case_htcds",
    path = "/api/v1/cases/{id}/htcds",
    tag = "cases",
    params(
        ("id" = String, Path, description = "The case id"),
        ("format" = Option<String>, Query, description = "`json` (the default) or `csv`"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "The case as IOM HTCDS v2 with the forced-criminality extension (docs/HTCDS.md)", content_type = "application/json"),
        (status = 404, description = "No case you may read", body = ApiError),
    )
)]
pub async fn htcds(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    member(&api.viewer)?;
    let export = htcds_for(&state, &api.viewer, &id)?;
    Ok(match q.format.as_deref().unwrap_or("json") {
        "json" => Json(export).into_response(),
        "csv" => (
            [(CONTENT_TYPE, "text/csv; charset=utf-8")],
            cordon_protect::htcds::to_csv(&export),
        )
            .into_response(),
        other => {
            return Err(ApiError::invalid_field(
                "format",
                format!("'{other}': expected json or csv"),
            ));
        }
    })
}

/// How many of a country's nationals are where, at which stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmbassyView {
    /// The viewer's country.
    pub country: String,
    pub cases: usize,
    pub people: u32,
    pub overdue: usize,
    /// Cases and people per stage, in protocol order.
    pub by_stage: Vec<Count>,
    /// Per country of the compound (`??` when not known yet).
    pub by_compound_country: Vec<Count>,
    /// Cases with no embassy of ours in the compound's country, and the
    /// partner standing in.
    pub partners: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub cases: usize,
    pub people: u32,
}

/// The embassy view: the viewer's country's nationals among the cases its
/// agency is assigned to.
pub fn embassy_for(state: &Shared, viewer: &Viewer) -> ApiResult<EmbassyView> {
    let m = member(viewer)?;
    let country = m.agency.split_once('-').map_or("", |(c, _)| c).to_owned();
    let clocks = &state.config.cases.clocks;
    let now = state.config.cases.clock.now();
    let mut view = EmbassyView {
        country: country.clone(),
        cases: 0,
        people: 0,
        overdue: 0,
        by_stage: Vec::new(),
        by_compound_country: Vec::new(),
        partners: Vec::new(),
    };
    let mut by_stage: std::collections::BTreeMap<Stage, (usize, u32)> = Default::default();
    let mut by_country: std::collections::BTreeMap<String, (usize, u32)> = Default::default();
    state.cases.read(|book| {
        for c in book.values().filter(|c| {
            c.is_open() && c.nationality == country && reads_case(viewer, &c.agencies())
        }) {
            view.cases += 1;
            view.people += c.group_size;
            view.overdue += usize::from(c.overdue(clocks, now));
            let s = by_stage.entry(c.stage).or_default();
            s.0 += 1;
            s.1 += c.group_size;
            let k = by_country
                .entry(c.compound.country.clone().unwrap_or_else(|| "??".into()))
                .or_default();
            k.0 += 1;
            k.1 += c.group_size;
            for a in c
                .assigned
                .iter()
                .filter(|a| a.role == Role::Consulate && !a.embassy)
            {
                if !view.partners.contains(&a.agency) {
                    view.partners.push(a.agency.clone());
                }
            }
        }
    });
    view.by_stage = by_stage
        .into_iter()
        .map(|(s, (cases, people))| Count {
            key: s.as_str().to_owned(),
            cases,
            people,
        })
        .collect();
    view.by_compound_country = by_country
        .into_iter()
        .map(|(k, (cases, people))| Count {
            key: k,
            cases,
            people,
        })
        .collect();
    state.audit.record(crate::audit::event(
        viewer,
        "case_embassy",
        Some(&m.agency),
        &format!("{} cases", view.cases),
    ))?;
    Ok(view)
}

#[utoipa::path(
    get,
    operation_id = "embassy_view",
    path = "/api/v1/cases/embassy",
    tag = "cases",
    security(("token" = [])),
    responses(
        (status = 200, description = "Your country's nationals in your agency's cases", body = EmbassyView),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn embassy(State(state): State<Shared>, api: Api) -> ApiResult<Json<EmbassyView>> {
    Ok(Json(embassy_for(&state, &api.viewer)?))
}

#[utoipa::path(
    get,
    operation_id = "screening_indicators",
    path = "/api/v1/screening/indicators",
    tag = "cases",
    security(("token" = [])),
    responses(
        (status = 200, description = "The ILO, Delphi and scam-compound indicators with their help text", body = Vec<Object>),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn indicators(api: Api) -> ApiResult<Json<&'static [screening::Indicator]>> {
    api.member()?;
    Ok(Json(screening::catalogue()))
}
