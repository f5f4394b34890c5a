//! The federation as members and peers see it:
//! - `GET /api/v1/federation/hits`: the selectors of the caller's agency
//!   that a peer node's agency holds too, found by blind matching, with
//!   whom to contact there;
//! - `GET /api/v1/federation/status`: each peer's sync, for admins;
//! - `GET /federation/v1/pseudonyms`: what this node publishes, for its
//!   peers' `peer` tokens only.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::http::request::Parts;
use chrono::Utc;
use cordon_federation::protocol::PseudonymPage;
use cordon_store::AuditEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Api, Query};
use crate::Shared;
use crate::access::Role;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::federation::pseudonyms::FederationHit;
use crate::federation::sync::PeerStatus;

#[derive(Debug, Serialize, ToSchema)]
pub struct FederationHits {
    /// This node's name (`null` when it is in no federation).
    pub node: Option<String>,
    /// The key epoch the pseudonyms were compared under.
    pub epoch: u32,
    pub hits: Vec<FederationHit>,
}

/// Selectors your agency holds that a peer node holds too.
#[utoipa::path(
    get,
    path = "/api/v1/federation/hits",
    operation_id = "federation_hits",
    tag = "federation",
    security(("token" = [])),
    responses(
        (status = 200, description = "Your agency's hits in the federation", body = FederationHits),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors and peers do not read hits", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
    )
)]
pub async fn hits(State(state): State<Shared>, api: Api) -> ApiResult<Json<FederationHits>> {
    let member = &api.member()?.member;
    if member.role == Role::Contributor {
        return Err(ApiError::forbidden(
            "federation hits are for analysts and admins; a contributor reads its own reports only",
        ));
    }
    let hits = state.federation.matching.hits_of(&member.agency);
    if !hits.is_empty() {
        state.audit.record(AuditEvent {
            at: Utc::now(),
            actor: member.agency.clone(),
            user: Some(member.user_id),
            action: "federation_hits".into(),
            owner: Some(member.agency.clone()),
            subject: format!("{} hits", hits.len()),
        })?;
    }
    Ok(Json(FederationHits {
        node: state.federation.config.as_ref().map(|c| c.node.clone()),
        epoch: state.federation.matching.epoch(),
        hits,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FederationStatus {
    pub node: Option<String>,
    pub epoch: u32,
    /// How many pseudonyms this node publishes under the epoch.
    pub published: usize,
    pub peers: Vec<PeerStatus>,
    /// The peers' agencies registered here, with the node each came from.
    pub origins: std::collections::BTreeMap<String, String>,
}

/// Each peer's sync since this node started (admins only).
#[utoipa::path(
    get,
    path = "/api/v1/federation/status",
    operation_id = "federation_status",
    tag = "federation",
    security(("token" = [])),
    responses(
        (status = 200, description = "The federation's state on this node", body = FederationStatus),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Admins only", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
    )
)]
pub async fn status(State(state): State<Shared>, api: Api) -> ApiResult<Json<FederationStatus>> {
    if api.member()?.member.role != Role::Admin {
        return Err(ApiError::forbidden("the federation's status is for admins"));
    }
    Ok(Json(FederationStatus {
        node: state.federation.config.as_ref().map(|c| c.node.clone()),
        epoch: state.federation.matching.epoch(),
        published: state.federation.matching.published(),
        peers: state.federation.status(),
        origins: state.federation.origins(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    epoch: u32,
    #[serde(default)]
    after: usize,
    #[serde(default)]
    limit: Option<usize>,
}

/// Most pseudonyms in one page.
const MAX_PAGE: usize = 50_000;

/// A page of the pseudonyms this node publishes, for a peer node.
/// A peer node's account, from its bearer token: the only caller the
/// pseudonym pages answer.
#[derive(Debug)]
pub struct PeerNode(crate::auth::Caller);

impl FromRequestParts<Shared> for PeerNode {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let caller = super::bearer_caller(parts, state)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        if caller.member.role != Role::Peer {
            return Err(ApiError::forbidden(
                "pseudonyms are published to peer nodes only (a token of the peer role)",
            ));
        }
        Ok(PeerNode(caller))
    }
}

pub async fn pseudonyms(
    State(state): State<Shared>,
    PeerNode(caller): PeerNode,
    Query(q): Query<PageQuery>,
) -> Result<Json<PseudonymPage>, ApiError> {
    let Some(config) = &state.federation.config else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "this node is in no federation; start it with --federation",
        ));
    };
    let limit = q.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let page = state
        .federation
        .matching
        .page(&config.node, q.epoch, q.after, limit)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "this node publishes under epoch {}, not {}; ask the matching service for the current epoch",
                    state.federation.matching.epoch(),
                    q.epoch
                ),
            )
        })?;
    if !page.items.is_empty() {
        state.audit.record(AuditEvent {
            at: Utc::now(),
            actor: caller.member.agency.clone(),
            user: Some(caller.member.user_id),
            action: "federation_pseudonyms".into(),
            owner: None,
            subject: format!(
                "{} pseudonyms of epoch {} from {}",
                page.items.len(),
                page.epoch,
                q.after
            ),
        })?;
    }
    Ok(Json(page))
}
