//! Watches: `POST /api/v1/watches` (a case's selectors, any form, up to
//! 10,000; or one target: a network, a compound, a country and modus
//! operandi pattern, a text pattern), `GET /api/v1/watches`,
//! `DELETE /api/v1/watches/{id}`. Alerts
//! arrive on `GET /api/v1/alerts/stream` ([`crate::alerts::stream`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_store::NewDecision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::hits::{parse_region, selector_param};
use super::networks::{analyst, decide};
use super::reports::json_body;
use super::{Api, Body, required_text};
use crate::Shared;
use crate::alerts::{NewWatch, Scope, Target, Watch};
use crate::error::{ApiError, ApiResult};

/// Most selectors one watch holds.
const MAX_SELECTORS: usize = 10_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchRequest {
    pub name: String,
    /// `user` (default: you alone) or `agency` (every member of yours).
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Selectors in any form: `+855 12-345-678`, `hxxp://bad[.]example`.
    /// Either selectors or a target, not both.
    #[serde(default)]
    pub selectors: Vec<String>,
    /// One other target instead of selectors.
    #[serde(default)]
    pub target: Option<Target>,
    /// ISO 3166-1 alpha-2 region for national numbers.
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchList {
    pub watches: Vec<Watch>,
}

/// Keeps a watch: every report accepted from now on that names one of its
/// selectors raises an alert, as far as the access rules let you learn of
/// it.
#[utoipa::path(
    post,
    path = "/api/v1/watches",
    tag = "alerts",
    request_body = WatchRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "The watch", body = Watch),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors keep no watches", body = ApiError),
        (status = 422, description = "A selector that is not one (`field` names it)", body = ApiError),
    )
)]
pub async fn create(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Watch>)> {
    let request: WatchRequest = json_body(&body)?;
    let watch = create_for(&state, &api.viewer, request).await?;
    Ok((StatusCode::CREATED, Json(watch)))
}

/// Keeps a watch, for the API and the console alike.
pub(crate) async fn create_for(
    state: &Shared,
    viewer: &crate::access::Viewer,
    request: WatchRequest,
) -> ApiResult<Watch> {
    let member = analyst(viewer)?.clone();
    let name = required_text(&request.name, "name", 200)?;
    let target = match request.target {
        Some(_) if !request.selectors.is_empty() => {
            return Err(ApiError::bad_request(
                "a watch has either selectors or a target, not both: keep two watches",
            )
            .field("target"));
        }
        Some(target) => Some(visible_target(state, viewer, target.canonical()?)?),
        None => None,
    };
    if target.is_none() && (request.selectors.is_empty() || request.selectors.len() > MAX_SELECTORS)
    {
        return Err(ApiError::bad_request(format!(
            "a watch holds 1 to {MAX_SELECTORS} selectors, not {}",
            request.selectors.len()
        ))
        .field("selectors"));
    }
    let region = parse_region(request.region.as_deref())?;
    let mut selectors = Vec::with_capacity(request.selectors.len());
    for (i, text) in request.selectors.iter().enumerate() {
        let s = selector_param(text, region, &format!("selectors[{i}]"))?;
        selectors.push(s.as_str().to_owned());
    }
    selectors.sort();
    selectors.dedup();
    let id = format!("W-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let body = serde_json::to_value(NewWatch {
        name,
        scope: request.scope.unwrap_or(Scope::User),
        selectors,
        target,
    })
    .map_err(ApiError::internal)?;
    decide(
        state,
        vec![NewDecision {
            kind: "watch.create".to_owned(),
            subject: id.clone(),
            agency: member.agency.clone(),
            user: member.user.clone(),
            reason: String::new(),
            body,
        }],
    )
    .await?;
    state.alerts.sync(state.store.as_ref()).await?;
    let watch = state
        .alerts
        .watch(&id)
        .ok_or_else(|| ApiError::internal("a watch just kept is not there"))?;
    tell_operations(state, &member, &watch).await?;
    Ok(watch)
}

/// A watch on a target of another agency's open operation: both are told
/// at once, as when the target enters the operation
/// ([`crate::operations::deconflict`]).
async fn tell_operations(
    state: &Shared,
    member: &crate::access::Member,
    watch: &Watch,
) -> ApiResult<()> {
    use crate::operations::model::{Side, SideKind, Target as OpTarget, TargetKind};
    let mut targets: Vec<OpTarget> = watch
        .selectors
        .iter()
        .map(|s| OpTarget {
            kind: TargetKind::Selector,
            value: s.clone(),
        })
        .collect();
    match &watch.target {
        Some(Target::Network { network }) => targets.push(OpTarget {
            kind: TargetKind::Network,
            value: network.clone(),
        }),
        Some(Target::Compound { site }) => targets.push(OpTarget {
            kind: TargetKind::Compound,
            value: site.clone(),
        }),
        _ => {}
    }
    targets.retain(|t| {
        state
            .operations
            .read(|book| book.holding(t).next().is_some())
    });
    let side = Side {
        kind: SideKind::Watch,
        agency: watch.agency.clone(),
        contact: String::new(),
        operation: None,
        watch: Some(watch.id.clone()),
        user: (watch.scope == Scope::User).then(|| watch.user.clone()),
        asked: None,
    };
    super::operations::tell_met(state, member, &targets, side).await
}

/// A network target must name a network the member may know of, as its
/// page would (the same 404 as a missing one otherwise); it is kept under
/// the id it has now, which later merges keep resolving.
fn visible_target(
    state: &Shared,
    viewer: &crate::access::Viewer,
    target: Target,
) -> ApiResult<Target> {
    let Target::Network { network } = &target else {
        return Ok(target);
    };
    let shown = state
        .networks
        .read(|m| {
            crate::networks::view::knows(m, viewer, network)
                .then(|| m.network(network).map(|(_, id)| id.to_owned()))
                .flatten()
        })
        .map_err(|_| {
            ApiError::unavailable("networks are loading; retry in a minute").retry_after(30)
        })?;
    match shown {
        Some(id) => Ok(Target::Network { network: id }),
        None => Err(ApiError::not_found("network").field("target.network")),
    }
}

/// Your watches and your agency's.
#[utoipa::path(
    operation_id = "list_watches",
    get,
    path = "/api/v1/watches",
    tag = "alerts",
    security(("token" = [])),
    responses(
        (status = 200, description = "Watches, newest first", body = WatchList),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list(State(state): State<Shared>, api: Api) -> ApiResult<Json<WatchList>> {
    let member = &api.member()?.member;
    Ok(Json(WatchList {
        watches: state.alerts.watches_of(member),
    }))
}

/// Ends a watch of yours (or of your agency, for its analysts).
#[utoipa::path(
    delete,
    path = "/api/v1/watches/{id}",
    tag = "alerts",
    params(("id" = String, Path, description = "The watch id, `W-…`")),
    security(("token" = [])),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors keep no watches", body = ApiError),
        (status = 404, description = "No watch of yours", body = ApiError),
    )
)]
pub async fn delete(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let member = analyst(&api.viewer)?.clone();
    if !state.alerts.watches_of(&member).iter().any(|w| w.id == id) {
        return Err(ApiError::not_found("watch"));
    }
    decide(
        &state,
        vec![NewDecision {
            kind: "watch.delete".to_owned(),
            subject: id,
            agency: member.agency,
            user: member.user,
            reason: String::new(),
            body: serde_json::json!({}),
        }],
    )
    .await?;
    state.alerts.sync(state.store.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}
