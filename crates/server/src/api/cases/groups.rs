//! Groups held together and separated: a split moves some people into a
//! new case that keeps the stage and its clock; a merge joins another case
//! into this one and closes it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cordon_protect::Event;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{MAX_TEXT, Opened, case_error, member, readable, seal_personal, sealed_text, write};
use crate::Shared;
use crate::access::Viewer;
use crate::api::reports::json_body;
use crate::api::{Api, Body, Path};
use crate::cases::decision;
use crate::error::{ApiError, ApiResult};

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
    let why = crate::api::required_text(&request.why, "why", MAX_TEXT)?;
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
        returned: case.returned,
        escalated: case.escalated,
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
    let why = crate::api::required_text(&request.why, "why", MAX_TEXT)?;
    // A merge lets each case's agencies read the other's people: an
    // analyst's decision.
    if actor.role == crate::access::Role::Contributor {
        return Err(ApiError::forbidden(
            "contributors work the cases they are given; an analyst or admin of your agency merges cases",
        ));
    }
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
