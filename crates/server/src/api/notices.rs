//! Purple notices: a modus operandi described for every member agency.
//! An analyst drafts one from a network (`POST /api/v1/notices`), which
//! freezes what the notice may carry; the draft is revised by its agency
//! (`PUT /api/v1/notices/{id}`) and published by a second analyst of that
//! agency (`POST /api/v1/notices/{id}/publish`: four eyes). A draft is
//! seen by its agency only; a published notice by whoever its marking
//! (TLP:GREEN: members; TLP:CLEAR: everyone) allows. It is read as JSON,
//! as a STIX 2.1 report bundle (`/stix`), and in the console as a page
//! and a print view.

use axum::Json;
use axum::extract::{Path, State};
use cordon_core::Tlp;
use cordon_store::NewDecision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::networks::{analyst, decide, loading};
use super::reports::json_body;
use super::{Api, Body, required_text};
use crate::Shared;
use crate::access::Viewer;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::networks::casebook::{Draft, Notice, NoticeState, Revision};
use crate::networks::view;

use crate::networks::may_read_notice as may_read;

/// A notice the viewer may read, or 404.
pub(crate) fn readable(state: &Shared, viewer: &Viewer, id: &str) -> ApiResult<Notice> {
    state
        .networks
        .casebook
        .read()
        .notice(id)
        .filter(|n| may_read(viewer, n))
        .cloned()
        .ok_or_else(|| ApiError::not_found("notice"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// The network the notice describes.
    pub network: String,
    pub title: String,
    pub summary: String,
    /// `CLEAR` (the public too) or `GREEN` (every member agency).
    #[schema(value_type = String, example = "GREEN")]
    pub tlp: Tlp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeList {
    pub notices: Vec<Notice>,
}

/// Drafts a notice from a network. It carries only what every reader of
/// its marking may read: your agency's reports and those marked no
/// tighter than the notice.
#[utoipa::path(
    post,
    path = "/api/v1/notices",
    tag = "notices",
    request_body = DraftRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "The draft", body = Notice),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not draft", body = ApiError),
        (status = 404, description = "No network you may read", body = ApiError),
        (status = 422, description = "Nothing the notice may carry", body = ApiError),
        (status = 503, description = "The networks are loading; retry", body = ApiError),
    )
)]
pub async fn draft(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<(axum::http::StatusCode, Json<Notice>)> {
    let request: DraftRequest = json_body(&body)?;
    let notice = draft_for(&state, &api.viewer, &request).await?;
    Ok((axum::http::StatusCode::CREATED, Json(notice)))
}

/// Drafts a notice for an analyst.
pub(crate) async fn draft_for(
    state: &Shared,
    viewer: &Viewer,
    request: &DraftRequest,
) -> ApiResult<Notice> {
    let member = analyst(viewer)?.clone();
    if request.tlp > Tlp::Green {
        return Err(ApiError::bad_request(
            "a purple notice goes to every member agency: mark it CLEAR or GREEN",
        )
        .field("tlp"));
    }
    let title = required_text(&request.title, "title", 200)?;
    let summary = required_text(&request.summary, "summary", 20_000)?;
    let network = required_text(&request.network, "network", 64)?;
    let tlp = request.tlp;
    let found = state
        .networks
        .read(|m| {
            let (seen, _) = view::network(m, viewer, &state.directory, &network);
            let view::Seen::Network(v) = seen else {
                return None;
            };
            let (n, _) = m.network(&v.id)?;
            Some((v.id.clone(), view::notice_content(m, viewer, n, tlp)))
        })
        .map_err(loading)?;
    let Some((network, (content, sources))) = found else {
        return Err(ApiError::not_found("network").field("network"));
    };
    if content.reports == 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "none of this network's reports may go out as TLP:{}: mark the notice less openly or draft from your own reports",
                if tlp == Tlp::Clear { "CLEAR" } else { "GREEN" }
            ),
        )
        .field("tlp"));
    }
    let id = format!("PN-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let body = serde_json::to_value(Draft {
        network,
        title,
        summary,
        tlp,
        content,
        sources,
    })
    .map_err(ApiError::internal)?;
    decide(
        state,
        vec![NewDecision {
            kind: "notice.draft".to_owned(),
            subject: id.clone(),
            agency: member.agency,
            user: member.user,
            reason: String::new(),
            body,
        }],
    )
    .await?;
    readable(state, viewer, &id)
}

/// The notices you may read: published ones, and your agency's drafts.
#[utoipa::path(
    operation_id = "list_notices",
    get,
    path = "/api/v1/notices",
    tag = "notices",
    responses(
        (status = 200, description = "Notices, newest first", body = NoticeList),
        (status = 401, description = "Bad token", body = ApiError),
    )
)]
pub async fn list(State(state): State<Shared>, api: Api) -> ApiResult<Json<NoticeList>> {
    Ok(Json(NoticeList {
        notices: visible(&state, &api.viewer),
    }))
}

pub(crate) fn visible(state: &Shared, viewer: &Viewer) -> Vec<Notice> {
    let mut notices: Vec<Notice> = state
        .networks
        .casebook
        .read()
        .notices()
        .filter(|n| may_read(viewer, n))
        .cloned()
        .collect();
    notices.sort_by(|a, b| b.modified.cmp(&a.modified).then(a.id.cmp(&b.id)));
    notices
}

/// A notice.
#[utoipa::path(
    operation_id = "read_notice",
    get,
    path = "/api/v1/notices/{id}",
    tag = "notices",
    params(("id" = String, Path, description = "The notice id, `PN-…`")),
    responses(
        (status = 200, description = "The notice", body = Notice),
        (status = 401, description = "Bad token", body = ApiError),
        (status = 404, description = "No notice you may read", body = ApiError),
    )
)]
pub async fn read(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<Notice>> {
    Ok(Json(readable(&state, &api.viewer, &id)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviseRequest {
    pub title: String,
    pub summary: String,
}

/// Revises a draft of your agency.
#[utoipa::path(
    put,
    path = "/api/v1/notices/{id}",
    tag = "notices",
    params(("id" = String, Path, description = "The notice id")),
    request_body = ReviseRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The revised draft", body = Notice),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not revise", body = ApiError),
        (status = 404, description = "No notice you may read", body = ApiError),
        (status = 409, description = "Already published", body = ApiError),
    )
)]
pub async fn revise(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Notice>> {
    let member = analyst(&api.viewer)?.clone();
    let request: ReviseRequest = json_body(&body)?;
    let notice = own_draft(&state, &api.viewer, &id)?;
    let body = serde_json::to_value(Revision {
        title: required_text(&request.title, "title", 200)?,
        summary: required_text(&request.summary, "summary", 20_000)?,
    })
    .map_err(ApiError::internal)?;
    decide(
        &state,
        vec![NewDecision {
            kind: "notice.revise".to_owned(),
            subject: notice.id,
            agency: member.agency,
            user: member.user,
            reason: String::new(),
            body,
        }],
    )
    .await?;
    Ok(Json(readable(&state, &api.viewer, &id)?))
}

fn own_draft(state: &Shared, viewer: &Viewer, id: &str) -> ApiResult<Notice> {
    let notice = readable(state, viewer, id)?;
    if viewer.member().is_none_or(|m| m.agency != notice.author) {
        return Err(ApiError::forbidden(
            "only the drafting agency changes a notice",
        ));
    }
    if notice.state != NoticeState::Draft {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this notice is published and no longer changes; draft a new one",
        ));
    }
    Ok(notice)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// What the reviewer checked (optional).
    #[serde(default)]
    pub reason: String,
}

/// Publishes a draft after review by a second analyst of its agency.
#[utoipa::path(
    post,
    path = "/api/v1/notices/{id}/publish",
    tag = "notices",
    params(("id" = String, Path, description = "The notice id")),
    request_body = PublishRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The published notice", body = Notice),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Not a second analyst of the drafting agency", body = ApiError),
        (status = 404, description = "No notice you may read", body = ApiError),
        (status = 409, description = "Already published", body = ApiError),
    )
)]
pub async fn publish(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Notice>> {
    let request: PublishRequest = if body.is_empty() {
        PublishRequest::default()
    } else {
        json_body(&body)?
    };
    Ok(Json(
        publish_for(&state, &api.viewer, &id, &request.reason).await?,
    ))
}

/// Publishes a draft for a second analyst of its agency.
pub(crate) async fn publish_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    reason: &str,
) -> ApiResult<Notice> {
    let member = analyst(viewer)?.clone();
    let notice = own_draft(state, viewer, id)?;
    if notice.drafted_by == member.user {
        return Err(ApiError::forbidden(
            "a notice is published by a second analyst of its agency: you drafted this one",
        ));
    }
    let tightened = state
        .networks
        .read(|m| view::tightened_source(m, &notice.sources, notice.tlp))
        .map_err(loading)?;
    if tightened.is_some() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "a report this notice was drawn from has been marked more tightly since; draft the notice again",
        ));
    }
    decide(
        state,
        vec![NewDecision {
            kind: "notice.publish".to_owned(),
            subject: notice.id,
            agency: member.agency,
            user: member.user,
            reason: reason.trim().to_owned(),
            body: serde_json::json!({}),
        }],
    )
    .await?;
    readable(state, viewer, id)
}

/// A notice as a STIX 2.1 bundle around a `report` object.
#[utoipa::path(
    get,
    path = "/api/v1/notices/{id}/stix",
    tag = "notices",
    params(("id" = String, Path, description = "The notice id")),
    responses(
        (status = 200, description = "A STIX 2.1 bundle", body = Object, content_type = "application/stix+json;version=2.1"),
        (status = 401, description = "Bad token", body = ApiError),
        (status = 404, description = "No notice you may read", body = ApiError),
    )
)]
pub async fn stix(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let notice = readable(&state, &api.viewer, &id)?;
    let bundle = stix_bundle(&notice)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/stix+json;version=2.1",
        )],
        Json(bundle),
    ))
}

pub(crate) fn stix_bundle(notice: &Notice) -> ApiResult<serde_json::Value> {
    use cordon_interop::stix::notice::{NoticeView, notice_bundle};
    let view = NoticeView {
        id: &notice.id,
        title: &notice.title,
        summary: &notice.summary,
        author: &notice.author,
        tlp: notice.tlp,
        published: notice.published.unwrap_or(notice.drafted),
        modified: notice.modified,
        mo: &notice.content.mo,
        countries: &notice.content.countries,
        languages: &notice.content.languages,
        first_seen: notice.content.first_seen,
        last_seen: notice.content.last_seen,
        indicators: &notice.content.indicators,
        network: &notice.network,
    };
    notice_bundle(&view).map_err(ApiError::internal)
}
