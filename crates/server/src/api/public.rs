//! The public check and "report this offer" (`/api/v1/public/…`, no token
//! needed), and the hotline's queue of tips (`/api/v1/tips`, members of
//! the hotline agency). What each may learn is decided in
//! [`crate::public`] and [`crate::access`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reports::json_body;
use super::{Api, Body, Path, Query};
use crate::Shared;
use crate::error::{ApiError, ApiResult};
use crate::public::tips::{self, Closing, Tip, TipRequest};
use crate::public::{self, CheckRequest};

/// Checks a job advert, a message or a contact: a verdict on three levels
/// with every reason, what to do next and the hotlines of the job
/// seeker's country, in their language. Reveals only how many CLEAR
/// reports hold each selector found; rate-limited per address.
#[utoipa::path(
    post,
    path = "/api/v1/public/check",
    operation_id = "public_check",
    tag = "public",
    request_body = CheckRequest,
    responses(
        (status = 200, description = "The answer: verdict, headline, score, reasons, advice, hotlines, selectors", body = Object),
        (status = 400, description = "Bad request: empty or too long text, unknown country", body = ApiError),
        (status = 429, description = "Too many checks from this address", body = ApiError),
        (status = 503, description = "The index is loading; retry", body = ApiError),
    )
)]
pub async fn check(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<Json<cordon_prevent::check::Answer>> {
    state.public.take_check(api.address)?;
    let request: CheckRequest = json_body(&body)?;
    Ok(Json(public::answer(&state, &request)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TipReceipt {
    pub id: String,
    /// False when the same text had been sent before: nothing was added.
    pub new: bool,
}

/// Sends an advert or a contact to the hotline agency's queue, marked
/// TLP:CLEAR. Leave `website` empty (it catches bots). Rate-limited per
/// address; the same text twice is one tip.
#[utoipa::path(
    post,
    path = "/api/v1/public/tips",
    operation_id = "send_tip",
    tag = "public",
    request_body = TipRequest,
    responses(
        (status = 201, description = "Received", body = TipReceipt),
        (status = 200, description = "The same text was received before", body = TipReceipt),
        (status = 400, description = "Bad request: empty, too long or spam", body = ApiError),
        (status = 429, description = "Too many reports from this address", body = ApiError),
        (status = 503, description = "No hotline receives reports here", body = ApiError),
    )
)]
pub async fn tip(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<TipReceipt>)> {
    state.public.take_tip(api.address)?;
    let request: TipRequest = json_body(&body)?;
    let (id, new) = tips::submit(&state, &request).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(TipReceipt { id, new })))
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TipsQuery {
    /// Include closed tips.
    #[serde(default)]
    pub closed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TipList {
    pub tips: Vec<Tip>,
}

/// The tips in your agency's queue, newest first (your agency must be the
/// deployment's hotline).
#[utoipa::path(
    get,
    path = "/api/v1/tips",
    operation_id = "list_tips",
    tag = "public",
    params(TipsQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The queue", body = TipList),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<TipsQuery>,
) -> ApiResult<Json<TipList>> {
    api.member()?;
    Ok(Json(TipList {
        tips: state.public.tips.readable(&api.viewer, q.closed),
    }))
}

/// Takes a tip off the queue: `filed` (you filed it as your agency's
/// report, named in `report`) or `dismissed`.
#[utoipa::path(
    post,
    path = "/api/v1/tips/{id}/close",
    operation_id = "close_tip",
    tag = "public",
    request_body = Closing,
    params(("id" = String, Path, description = "The tip")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Closed", body = Tip),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No tip in your queue", body = ApiError),
        (status = 409, description = "Already closed", body = ApiError),
    )
)]
pub async fn close(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Tip>> {
    api.member()?;
    let closing: Closing = json_body(&body)?;
    Ok(Json(tips::close(&state, &api.viewer, &id, closing).await?))
}
