//! Interest in your RED data: `GET /api/v1/interest` (whether your agency
//! asks, and what it was shown lately) and `PUT /api/v1/interest` (ask, or
//! stop). While it asks, each other agency's hit query or watch touching
//! one of its RED reports is shown to it — on its members' alert streams
//! as `event: interest`, and here ([`crate::alerts::interest`]).

use axum::Json;
use axum::extract::State;
use cordon_store::NewDecision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::networks::{analyst, decide};
use super::reports::json_body;
use super::{Api, Body};
use crate::Shared;
use crate::alerts::interest::{self, Ask, Interest};
use crate::error::{ApiError, ApiResult};

/// Interests listed, newest first.
const LISTED: usize = 200;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestRequest {
    /// Whether your agency is told of others' interest in its RED data.
    pub ask: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterestAnswer {
    pub agency: String,
    pub ask: bool,
    /// What it was shown, newest first (at most 200).
    pub shown: Vec<Interest>,
}

/// Whether your agency asks, and the interests shown to it.
#[utoipa::path(
    operation_id = "get_interest",
    get,
    path = "/api/v1/interest",
    tag = "alerts",
    security(("token" = [])),
    responses(
        (status = 200, description = "Your agency's setting and what it was shown", body = InterestAnswer),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors are not told", body = ApiError),
    )
)]
pub async fn get(State(state): State<Shared>, api: Api) -> ApiResult<Json<InterestAnswer>> {
    let member = analyst(&api.viewer)?;
    Ok(Json(answer(&state, &member.agency).await?))
}

/// Asks to be told of others' interest in your agency's RED data, or
/// stops asking.
#[utoipa::path(
    operation_id = "set_interest",
    put,
    path = "/api/v1/interest",
    tag = "alerts",
    request_body = InterestRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The new setting", body = InterestAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not decide it", body = ApiError),
    )
)]
pub async fn put(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<Json<InterestAnswer>> {
    let request: InterestRequest = json_body(&body)?;
    put_for(&state, &api.viewer, request.ask).await.map(Json)
}

/// Asks or stops asking, for the API and the console alike.
pub(crate) async fn put_for(
    state: &Shared,
    viewer: &crate::access::Viewer,
    ask: bool,
) -> ApiResult<InterestAnswer> {
    let member = analyst(viewer)?.clone();
    let request = InterestRequest { ask };
    if state.alerts.interests.asks(&member.agency) != request.ask {
        decide(
            state,
            vec![NewDecision {
                kind: interest::ASK.to_owned(),
                subject: member.agency.clone(),
                agency: member.agency.clone(),
                user: member.user.clone(),
                reason: String::new(),
                body: serde_json::to_value(Ask { ask: request.ask }).map_err(ApiError::internal)?,
            }],
        )
        .await?;
        state.alerts.sync(state.store.as_ref()).await?;
    }
    answer(state, &member.agency).await
}

pub(crate) async fn answer(state: &Shared, agency: &str) -> ApiResult<InterestAnswer> {
    let about = state.store.decisions_about(agency).await?;
    let shown = about
        .iter()
        .rev()
        .filter(|d| d.kind == interest::SHOWN)
        .filter_map(interest::shown)
        .take(LISTED)
        .collect();
    Ok(InterestAnswer {
        agency: agency.to_owned(),
        ask: state.alerts.interests.asks(agency),
        shown,
    })
}
