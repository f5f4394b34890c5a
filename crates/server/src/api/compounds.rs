//! Compounds as far as you may read them: `GET /api/v1/compounds`,
//! `GET /api/v1/compounds/{site}` with evidence and status history, and
//! `POST /api/v1/compounds/{site}/status`.

use axum::Json;
use axum::extract::{Path, State};
use cordon_store::NewDecision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::networks::{analyst, decide, loading, reason};
use super::reports::json_body;
use super::{Api, Body};
use crate::Shared;
use crate::access::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::networks::casebook::CompoundStatus;
use crate::networks::view::{self, CompoundDetail, CompoundView};

#[derive(Debug, Serialize, ToSchema)]
pub struct CompoundList {
    pub compounds: Vec<CompoundView>,
}

/// Compounds: sites that two reports or more you may read locate, with
/// the networks operating there and their latest status.
#[utoipa::path(
    operation_id = "list_compounds",
    get,
    path = "/api/v1/compounds",
    tag = "networks",
    security(("token" = [])),
    responses(
        (status = 200, description = "Compounds", body = CompoundList),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn list(State(state): State<Shared>, api: Api) -> ApiResult<Json<CompoundList>> {
    api.member()?;
    let viewer = api.viewer.clone();
    let work = state.clone();
    let compounds = tokio::task::spawn_blocking(move || {
        work.networks
            .read(|m| view::compounds(m, &work.networks.casebook.read(), &viewer))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(loading)?;
    Ok(Json(CompoundList { compounds }))
}

/// One compound: its readable reports, networks and status history.
#[utoipa::path(
    operation_id = "read_compound",
    get,
    path = "/api/v1/compounds/{site}",
    tag = "networks",
    params(("site" = String, Path, description = "The site's H3 cell (resolution 9), as listed")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The compound", body = CompoundDetail),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No compound you may read", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn read(
    State(state): State<Shared>,
    api: Api,
    Path(site): Path<String>,
) -> ApiResult<Json<CompoundDetail>> {
    api.member()?;
    Ok(Json(detail(&state, &api.viewer, site).await?))
}

pub(crate) async fn detail(
    state: &Shared,
    viewer: &Viewer,
    site: String,
) -> ApiResult<CompoundDetail> {
    let (viewer, api_viewer) = (viewer.clone(), viewer);
    let work = state.clone();
    let found = tokio::task::spawn_blocking(move || {
        work.networks
            .read(|m| view::compound(m, &work.networks.casebook.read(), &viewer, &site))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(loading)?
    .ok_or_else(|| ApiError::not_found("compound"))?;
    let touched: view::Touched = found
        .reports
        .iter()
        .map(|r| r.agency.clone())
        .filter(|a| Some(a.as_str()) != api_viewer.member().map(|m| m.agency.as_str()))
        .collect();
    super::networks::audit_touched(
        state,
        api_viewer,
        "compound_read",
        &found.compound.site,
        &touched,
    )?;
    Ok(found)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `active`, `raided`, `relocated` or `closed`.
    pub status: String,
    pub reason: String,
}

/// Records a compound's new status (a raid, a move, a closure) with why.
#[utoipa::path(
    post,
    path = "/api/v1/compounds/{site}/status",
    tag = "networks",
    params(("site" = String, Path, description = "The site's H3 cell")),
    request_body = StatusRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The compound with its new status", body = CompoundDetail),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not decide", body = ApiError),
        (status = 404, description = "No compound you may read", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn set_status(
    State(state): State<Shared>,
    api: Api,
    Path(site): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<CompoundDetail>> {
    let request: StatusRequest = json_body(&body)?;
    Ok(Json(
        set_status_for(&state, &api.viewer, site, &request).await?,
    ))
}

/// Records a status for an analyst; returns the compound as it now is.
pub(crate) async fn set_status_for(
    state: &Shared,
    viewer: &Viewer,
    site: String,
    request: &StatusRequest,
) -> ApiResult<CompoundDetail> {
    let member = analyst(viewer)?.clone();
    let status = CompoundStatus::parse(&request.status).ok_or_else(|| {
        ApiError::bad_request(format!(
            "status is active, raided, relocated or closed, not {:?}",
            request.status
        ))
        .field("status")
    })?;
    let reason = reason(&request.reason)?;
    // Only a compound you may see is yours to update.
    detail(state, viewer, site.clone()).await?;
    decide(
        state,
        vec![NewDecision {
            kind: "compound.status".to_owned(),
            subject: site.clone(),
            agency: member.agency,
            user: member.user,
            reason,
            body: serde_json::json!({"status": status.as_str()}),
        }],
    )
    .await?;
    detail(state, viewer, site).await
}
