//! `POST /api/v1/money/freeze`: a freeze package, the request an
//! investigator sends to an exchange, a token's issuer or a bank, as JSON
//! (the console prints the same package, `/money/freeze`). The building is
//! [`crate::money::freeze`]'s.

use axum::Json;
use axum::extract::State;

use super::{Api, Body};
use crate::Shared;
use crate::error::{ApiError, ApiResult};
use crate::money::freeze::{FreezePackage, FreezeRequest, package};

/// A freeze package for chosen freezable balances of a forward trace over
/// the money you may read: for each, the amount under the chosen model
/// with the band of the others, every evidence path as its flows, the
/// reports you may read naming the seeds' victims' side, and the SHA-256
/// of that evidence in canonical JSON (RFC 8785). Audited for the owners
/// of the flows it carries; the report look-ups are audited as a hit query.
#[utoipa::path(
    post,
    operation_id = "freeze_package",
    path = "/api/v1/money/freeze",
    tag = "money",
    request_body = FreezeRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The freeze package", body = FreezePackage),
        (status = 400, description = "Bad request (`field` names it: `seeds`, `targets`, `direction`, `max_hops`)", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not ask for a freeze", body = ApiError),
        (status = 422, description = "A seed you may not trace from, or a target that is not a freezable balance of the trace (`field` names it: `seeds[i]`, `targets[i]`)", body = ApiError),
        (status = 503, description = "The hit index is loading, or the audit log is not keeping up; retry", body = ApiError),
    )
)]
pub async fn freeze(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<Json<FreezePackage>> {
    api.member()?;
    let request: FreezeRequest = super::reports::json_body(&body)?;
    Ok(Json(package(&state, &api.viewer, &request).await?))
}
