//! Awareness bulletins (`/api/v1/bulletins/{origin}`): per origin country,
//! what recruitment looks like now, from what the caller's agency may
//! publish ([`crate::public::bulletins`]); as JSON or a CLEAR STIX bundle.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Api, Path, Query};
use crate::Shared;
use crate::error::{ApiError, ApiResult};
use crate::public::{bulletins, country};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Start of the period (RFC 3339); 90 days before `to` when not given.
    pub from: Option<DateTime<Utc>>,
    /// End of the period, excluded; now when not given.
    pub to: Option<DateTime<Utc>>,
}

async fn built(
    state: &Shared,
    api: &Api,
    origin: &str,
    period: &Period,
) -> ApiResult<cordon_prevent::bulletin::Bulletin> {
    api.member()?;
    let origin = country(Some(origin))?
        .ok_or_else(|| ApiError::invalid_field("origin", "give the origin country"))?;
    let (from, to) = bulletins::period(period.from, period.to, Utc::now())?;
    bulletins::build(state, &api.viewer, &origin, from, to).await
}

/// The bulletin of an origin country: adverts and cases now and in the
/// period as long before, the jobs promised, channels, places named, red
/// flags, pay offered and age bands, from CLEAR reports, your agency's own
/// reports and the cases it is assigned to.
#[utoipa::path(
    get,
    path = "/api/v1/bulletins/{origin}",
    operation_id = "read_bulletin",
    tag = "public",
    params(("origin" = String, Path, description = "ISO 3166-1 alpha-2"), Period),
    security(("token" = [])),
    responses(
        (status = 200, description = "The bulletin", body = Object),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Bad country or period", body = ApiError),
    )
)]
pub async fn read(
    State(state): State<Shared>,
    api: Api,
    Path(origin): Path<String>,
    Query(period): Query<Period>,
) -> ApiResult<Json<cordon_prevent::bulletin::Bulletin>> {
    Ok(Json(built(&state, &api, &origin, &period).await?))
}

/// The bulletin as a STIX 2.1 bundle marked TLP:CLEAR, for publication.
#[utoipa::path(
    get,
    path = "/api/v1/bulletins/{origin}/stix",
    operation_id = "bulletin_stix",
    tag = "public",
    params(("origin" = String, Path, description = "ISO 3166-1 alpha-2"), Period),
    security(("token" = [])),
    responses(
        (status = 200, description = "A STIX 2.1 bundle", body = Object),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Bad country or period", body = ApiError),
    )
)]
pub async fn stix(
    State(state): State<Shared>,
    api: Api,
    Path(origin): Path<String>,
    Query(period): Query<Period>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let b = built(&state, &api, &origin, &period).await?;
    let author = api.member()?.member.agency.clone();
    let bundle = bulletins::stix(&author, &b, b.to.min(Utc::now()))?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/stix+json;version=2.1",
        )],
        Json(bundle),
    ))
}
