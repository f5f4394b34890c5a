//! `GET /api/v1/audit`: who read or hit your agency's data.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, Query};
use crate::Shared;
use crate::access::Role;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Continue after a previous page: its `next_before`.
    before: Option<i64>,
    /// Records per page, 1 to 500 (default 100).
    limit: Option<u32>,
}

/// One access to your data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The agency that acted.
    pub actor: String,
    /// `read_report`, `hit_query` …
    pub action: String,
    /// The report (`AGENCY/id`) or canonical selector touched; for a batch
    /// hit query, every selector of the batch that touched your data,
    /// space-separated.
    pub subject: String,
    /// The record's hash in the chain.
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub records: Vec<AuditEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// Who read or hit your agency's data, newest first. Admins and analysts
/// only; the user ids of other agencies are not shown.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(AuditQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "Accesses to your data", body = AuditPage),
        (status = 400, description = "Bad query", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not read the audit log", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
    )
)]
pub async fn owner_log(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let member = &api.member()?.member;
    if member.role == Role::Contributor {
        return Err(ApiError::forbidden(
            "contributors may not read the audit log; ask an analyst or admin of your agency",
        ));
    }
    Ok(Json(
        owner_page(&state, &member.agency, q.before, q.limit).await?,
    ))
}

pub async fn owner_page(
    state: &Shared,
    agency: &str,
    before: Option<i64>,
    limit: Option<u32>,
) -> ApiResult<AuditPage> {
    let limit = limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit must lie in 1..500").field("limit"));
    }
    let records = state
        .store
        .recent_audit_for_owner(agency, before, limit)
        .await?;
    let next_before = (records.len() == limit as usize)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    Ok(AuditPage {
        records: records
            .into_iter()
            .map(|r| AuditEntry {
                seq: r.seq,
                at: r.event.at,
                actor: r.event.actor,
                action: r.event.action,
                subject: r.event.subject,
                hash: r.hash,
            })
            .collect(),
        next_before,
    })
}
