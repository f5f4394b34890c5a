//! `GET /api/v1/me`: who the token belongs to.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::Api;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub agency: String,
    pub user: String,
    /// `admin`, `analyst` or `contributor`.
    pub role: String,
}

/// The member a token belongs to.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "identity",
    security(("token" = [])),
    responses(
        (status = 200, description = "Who you are", body = Me),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
    )
)]
pub async fn me(api: Api) -> ApiResult<Json<Me>> {
    let m = &api.member()?.member;
    Ok(Json(Me {
        agency: m.agency.clone(),
        user: m.user.clone(),
        role: m.role.as_str().to_owned(),
    }))
}
