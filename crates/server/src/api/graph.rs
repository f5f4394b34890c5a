//! The report–selector graph as far as you may read it:
//! `GET /api/v1/graph/neighbourhood?selector=…&depth=N`, the reports and
//! selectors around a selector, and `GET /api/v1/graph/path?from=…&to=…`,
//! the shortest chain of reports linking two selectors.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use super::hits::{hit_events, not_ready, parse_region, selector_param};
use super::{Api, Query};
use crate::Shared;
use crate::error::{ApiError, ApiResult};
use crate::hits::neighbourhood::{Bounds, Neighbourhood};
use crate::hits::path::{Path, Reach};

/// Deepest walk: a selector's reports' selectors' reports' selectors.
const MAX_DEPTH: u8 = 4;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeighbourhoodQuery {
    /// A selector in any form: `+855 12-345-678`, `hxxp://bad[.]example/x`, `@handle`.
    selector: String,
    /// ISO 3166-1 alpha-2 region for national phone numbers and bank accounts.
    region: Option<String>,
    /// Steps from the selector, 1 to 4 (default 3): 1 is its reports, 2
    /// their selectors, 3 the reports holding those.
    depth: Option<u8>,
    /// A selector held by more reports than this (default 200, at most
    /// 10,000) is shown with its counts but not walked through.
    hub: Option<usize>,
    /// The walk stops at this many nodes (default 2,000, at most 20,000).
    max_nodes: Option<usize>,
}

/// The neighbourhood of a selector in the report–selector graph. The walk
/// goes only through reports you may read; the others appear as counts per
/// holder on the selectors that reach them, never as nodes.
#[utoipa::path(
    get,
    path = "/api/v1/graph/neighbourhood",
    tag = "graph",
    params(NeighbourhoodQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The neighbourhood (only the selector when nothing holds it)", body = Neighbourhood),
        (status = 400, description = "Bad query", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Not a selector", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
        (status = 503, description = "The index is loading; retry", body = ApiError),
    )
)]
pub async fn neighbourhood(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<NeighbourhoodQuery>,
) -> ApiResult<Json<Neighbourhood>> {
    api.member()?;
    let region = parse_region(q.region.as_deref())?;
    let selector = selector_param(&q.selector, region, "selector")?;
    let depth = q.depth.unwrap_or(3);
    if !(1..=MAX_DEPTH).contains(&depth) {
        return Err(
            ApiError::bad_request(format!("depth is 1 to {MAX_DEPTH}, not {depth}")).field("depth"),
        );
    }
    let bounds = Bounds {
        depth,
        hub: bounded(q.hub, 200, 10_000, "hub")?,
        max_nodes: bounded(q.max_nodes, 2_000, 20_000, "max_nodes")?,
    };
    let viewer = api.viewer.clone();
    let work = state.clone();
    let text = selector.as_str().to_owned();
    // A deep walk is CPU work under the index's read lock: off the async
    // workers.
    let (walk, touched) = tokio::task::spawn_blocking(move || {
        work.hits
            .neighbourhood(&viewer, &text, bounds, &work.directory)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the walk failed: {e}")))?
    .map_err(not_ready)?;
    state
        .audit
        .record_all(hit_events(&api.viewer, [(selector.as_str(), &touched[..])]))?;
    Ok(Json(walk))
}

fn bounded(value: Option<usize>, default: usize, max: usize, field: &str) -> ApiResult<usize> {
    match value {
        None => Ok(default),
        Some(v) if (1..=max).contains(&v) => Ok(v),
        Some(v) => {
            Err(ApiError::bad_request(format!("{field} is 1 to {max}, not {v}")).field(field))
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PathQuery {
    /// A selector in any form.
    from: String,
    /// Another selector in any form.
    to: String,
    /// ISO 3166-1 alpha-2 region for national numbers, applied to both.
    region: Option<String>,
    /// Most reports on the path, 1 to 8 (default 4).
    max_reports: Option<u8>,
    /// A selector held by more reports than this (default 200, at most
    /// 10,000) is not walked through.
    hub: Option<usize>,
}

/// The shortest chain linking two selectors: selector, report, selector,
/// … report, selector, through reports you may read only. No path (empty
/// `steps`) may mean that the only links are in reports you may not read.
#[utoipa::path(
    get,
    path = "/api/v1/graph/path",
    tag = "graph",
    params(PathQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The path (empty steps: none found)", body = Path),
        (status = 400, description = "Bad query", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Not a selector", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
        (status = 503, description = "The index is loading; retry", body = ApiError),
    )
)]
pub async fn path(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<PathQuery>,
) -> ApiResult<Json<Path>> {
    api.member()?;
    let region = parse_region(q.region.as_deref())?;
    let from = selector_param(&q.from, region, "from")?;
    let to = selector_param(&q.to, region, "to")?;
    let max_reports = q.max_reports.unwrap_or(4);
    if !(1..=8).contains(&max_reports) {
        return Err(
            ApiError::bad_request(format!("max_reports is 1 to 8, not {max_reports}"))
                .field("max_reports"),
        );
    }
    let reach = Reach {
        max_reports,
        hub: bounded(q.hub, 200, 10_000, "hub")?,
        max_nodes: 50_000,
    };
    let viewer = api.viewer.clone();
    let work = state.clone();
    let (a, b) = (from.as_str().to_owned(), to.as_str().to_owned());
    let (found, touched) =
        tokio::task::spawn_blocking(move || work.hits.path(&viewer, &a, &b, reach))
            .await
            .map_err(|e| ApiError::internal(format!("the search failed: {e}")))?
            .map_err(not_ready)?;
    state.audit.record_all(hit_events(
        &api.viewer,
        [(from.as_str(), &touched[..]), (to.as_str(), &[][..])],
    ))?;
    Ok(Json(found))
}
