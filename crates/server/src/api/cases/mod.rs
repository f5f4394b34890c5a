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

mod groups;
mod intelligence;
mod protocol;
mod views;

pub use groups::*;
pub use intelligence::*;
pub use protocol::*;
pub use views::*;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use cordon_core::agency::AgencyKind;
use cordon_protect::case::{Assignment, CompoundLink, Opening, Role};
use cordon_protect::person::Personal;
use cordon_protect::{Case, CaseError, Event, Stage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reports::json_body;
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

/// Writes a case's decisions and folds them in. Once the append is
/// durable the change is made: a fold that fails then is logged, not
/// answered as a failure (the follower folds it on its next round), so
/// that a retry does not make it twice.
async fn write(state: &Shared, decisions: Vec<cordon_store::NewDecision>) -> ApiResult<()> {
    super::networks::decide(state, decisions).await?;
    if let Err(e) = state
        .cases
        .sync(state.store.as_ref(), &state.alerts.notifier)
        .await
    {
        tracing::warn!(error = %e, "a case change is stored but not yet folded here");
    }
    Ok(())
}

/// Writes one change to case `id` by `actor`.
async fn write_one(state: &Shared, id: &str, actor: &Member, event: &Event) -> ApiResult<()> {
    write(
        state,
        vec![decision(id, event, (&actor.agency, &actor.user))],
    )
    .await
}

/// The compounds the reader's intelligence locates near where the case's
/// people are believed held (none without coordinates, or while the
/// networks load).
pub async fn likely_compounds(
    state: &Shared,
    viewer: &Viewer,
    case: &CaseView,
) -> ApiResult<Vec<view::LikelyCompound>> {
    let Some((lat, lon)) = case.personal.held.as_ref().and_then(|h| h.lat.zip(h.lon)) else {
        return Ok(Vec::new());
    };
    let (work, viewer) = (state.clone(), viewer.clone());
    tokio::task::spawn_blocking(move || {
        work.networks
            .read(|m| crate::networks::view::compounds(m, &work.networks.casebook.read(), &viewer))
            .map(|all| view::likely(&all, lat, lon))
            .unwrap_or_default()
    })
    .await
    .map_err(ApiError::internal)
}

/// An open case the viewer reads, or 404; a closed one is 422: it takes
/// notes only.
pub fn readable_open(state: &Shared, viewer: &Viewer, id: &str) -> ApiResult<Case> {
    let case = readable(state, viewer, id)?;
    if !case.is_open() {
        return Err(ApiError::invalid_field(
            "id",
            "the case is closed: it takes notes only; open a new case linked to it",
        ));
    }
    Ok(case)
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
        // Banks, telecoms and platforms take intelligence, never a person.
        if matches!(
            state.directory.kind_of(&a.agency),
            Some(AgencyKind::Bank | AgencyKind::Telecom | AgencyKind::Platform)
        ) {
            return Err(ApiError::invalid_field(
                format!("assigned[{i}].agency"),
                "banks, telecoms and platforms are not assigned to victims' cases",
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
    let now = state.config.cases.clock.now();
    opening.normalize();
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
    let mut opened = open_for(&state, &api.viewer, &case, "case_read")?;
    opened.likely_compounds = likely_compounds(&state, &api.viewer, &opened).await?;
    Ok(Json(opened))
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
    write_one(state, id, &actor, &event).await
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
