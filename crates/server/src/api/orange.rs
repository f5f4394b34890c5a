//! Orange notices ([`crate::alerts::orange`]): `POST /api/v1/orange-notices`
//! issues one, `GET /api/v1/orange-notices[/{id}]` reads them, and
//! `POST /api/v1/orange-notices/{id}/ack` acknowledges one for your agency.
//! A notice another agency may not read is, to it, the same 404 as none.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cordon_core::Tlp;
use cordon_store::NewDecision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::hits::selector_param;
use super::networks::{analyst, decide};
use super::reports::json_body;
use super::{Api, Body, required_text};
use crate::Shared;
use crate::access::Member;
use crate::alerts::orange::{self, Issued, OrangeNotice, Threat};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Most selectors one notice names.
const MAX_SELECTORS: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub title: String,
    pub threat: Threat,
    /// What is happening, where and when, and what the readers should do.
    pub text: String,
    /// `CLEAR` or `GREEN` (every member agency), `AMBER` (the agencies in
    /// `recipients`) or `RED` (the people in `recipients`, `AGENCY/user`).
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: Tlp,
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Selectors of the threat, in any form.
    #[serde(default)]
    pub selectors: Vec<String>,
    /// The compound's site (H3 cell, resolution 9), if it is about one.
    #[serde(default)]
    pub site: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrangeList {
    pub notices: Vec<OrangeNotice>,
}

/// Issues an orange notice: every agency it reaches is told at once and
/// asked to acknowledge it.
#[utoipa::path(
    operation_id = "issue_orange_notice",
    post,
    path = "/api/v1/orange-notices",
    tag = "notices",
    request_body = IssueRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "The notice, with its tracking", body = OrangeNotice),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not issue", body = ApiError),
        (status = 422, description = "A field that is not acceptable (`field` names it)", body = ApiError),
    )
)]
pub async fn issue(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<OrangeNotice>)> {
    let request: IssueRequest = json_body(&body)?;
    let notice = issue_for(&state, &api.viewer, request).await?;
    Ok((StatusCode::CREATED, Json(notice)))
}

/// Issues a notice, for the API and the console alike.
pub(crate) async fn issue_for(
    state: &Shared,
    viewer: &crate::access::Viewer,
    request: IssueRequest,
) -> ApiResult<OrangeNotice> {
    let member = analyst(viewer)?.clone();
    let title = required_text(&request.title, "title", 200)?;
    let text = required_text(&request.text, "text", 8000)?;
    if request.selectors.len() > MAX_SELECTORS {
        return Err(ApiError::bad_request(format!(
            "a notice names at most {MAX_SELECTORS} selectors"
        ))
        .field("selectors"));
    }
    let mut selectors = Vec::with_capacity(request.selectors.len());
    for (i, s) in request.selectors.iter().enumerate() {
        selectors.push(
            selector_param(s, None, &format!("selectors[{i}]"))?
                .as_str()
                .to_owned(),
        );
    }
    selectors.sort();
    selectors.dedup();
    let site = match request.site.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(cell) => {
            let cell = cell.to_ascii_lowercase();
            if cordon_analysis::places::site_centre(&cell).is_none() {
                return Err(ApiError::invalid_field(
                    "site",
                    format!("{cell:?} is not a compound site (an H3 cell of resolution 9)"),
                ));
            }
            Some(cell)
        }
    };
    let audience = audience(state, &member, request.tlp, &request.recipients).await?;
    let id = format!("O-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let issued = Issued {
        title,
        threat: request.threat,
        text,
        selectors,
        site,
        tlp: request.tlp,
        recipients: request
            .recipients
            .iter()
            .map(|r| r.trim().to_owned())
            .collect(),
        audience,
    };
    decide(
        state,
        vec![NewDecision {
            kind: orange::ISSUE.to_owned(),
            subject: id.clone(),
            agency: member.agency.clone(),
            user: member.user.clone(),
            reason: String::new(),
            body: serde_json::to_value(&issued).map_err(ApiError::internal)?,
        }],
    )
    .await?;
    state.alerts.sync(state.store.as_ref()).await?;
    state
        .alerts
        .orange
        .get(&member, &id)
        .ok_or_else(|| ApiError::internal("a notice just issued is not there"))
}

/// The agencies a notice reaches, from its marking: every other member
/// agency for CLEAR and GREEN, the agencies named for AMBER, the agencies
/// of the people named for RED. The error names a recipient at fault.
async fn audience(
    state: &Shared,
    member: &Member,
    tlp: Tlp,
    recipients: &[String],
) -> ApiResult<Vec<String>> {
    let mut check = super::marking::Recipients::default();
    let mut agencies = Vec::new();
    for (i, recipient) in recipients.iter().enumerate() {
        let field = format!("recipients[{i}]");
        let recipient = recipient.trim();
        let (agency, user) = match recipient.split_once('/') {
            Some((a, u)) => (a, Some(u)),
            None => (recipient, None),
        };
        if let Some(problem) = check.problem(state, recipient).await? {
            return Err(ApiError::invalid_field(field, problem));
        }
        if user.is_none() && tlp == Tlp::Red {
            return Err(ApiError::invalid_field(
                field,
                format!("a RED notice names people (AGENCY/user), not {recipient:?}"),
            ));
        }
        if agency != member.agency && !agencies.iter().any(|a| a == agency) {
            agencies.push(agency.to_owned());
        }
    }
    if matches!(tlp, Tlp::Clear | Tlp::Green) {
        if !recipients.is_empty() {
            return Err(ApiError::invalid_field(
                "recipients",
                "a CLEAR or GREEN notice reaches every member agency: leave recipients empty, or mark it AMBER",
            ));
        }
        agencies = state
            .directory
            .all()
            .into_iter()
            .map(|a| a.code)
            .filter(|c| *c != member.agency)
            .collect();
    }
    if agencies.is_empty() {
        return Err(ApiError::invalid_field(
            "recipients",
            "this notice would reach no other agency: name recipients of other agencies",
        ));
    }
    agencies.sort();
    Ok(agencies)
}

/// The orange notices you may read, newest first; your agency's with who
/// has acknowledged them.
#[utoipa::path(
    operation_id = "list_orange_notices",
    get,
    path = "/api/v1/orange-notices",
    tag = "notices",
    security(("token" = [])),
    responses(
        (status = 200, description = "Notices, newest first", body = OrangeList),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list(State(state): State<Shared>, api: Api) -> ApiResult<Json<OrangeList>> {
    let member = &api.member()?.member;
    Ok(Json(OrangeList {
        notices: state.alerts.orange.list(member),
    }))
}

/// One orange notice.
#[utoipa::path(
    operation_id = "read_orange_notice",
    get,
    path = "/api/v1/orange-notices/{id}",
    tag = "notices",
    params(("id" = String, Path, description = "The notice id, `O-…`")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The notice", body = OrangeNotice),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No notice you may read", body = ApiError),
    )
)]
pub async fn read(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<OrangeNotice>> {
    let member = &api.member()?.member;
    let notice = readable(&state, member, &id)?;
    if notice.agency != member.agency {
        state.audit.record(crate::audit::event(
            &api.viewer,
            "orange_notice",
            Some(&notice.agency),
            &id,
        ))?;
    }
    Ok(Json(notice))
}

pub(crate) fn readable(state: &Shared, member: &Member, id: &str) -> ApiResult<OrangeNotice> {
    state
        .alerts
        .orange
        .get(member, id)
        .ok_or_else(|| ApiError::not_found("orange notice"))
}

/// Acknowledges a notice for your agency (once; again changes nothing).
#[utoipa::path(
    operation_id = "ack_orange_notice",
    post,
    path = "/api/v1/orange-notices/{id}/ack",
    tag = "notices",
    params(("id" = String, Path, description = "The notice id, `O-…`")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The notice, acknowledged", body = OrangeNotice),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors may not acknowledge", body = ApiError),
        (status = 404, description = "No notice you may read", body = ApiError),
        (status = 409, description = "Your agency issued it", body = ApiError),
    )
)]
pub async fn ack(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<OrangeNotice>> {
    let member = analyst(&api.viewer)?.clone();
    acknowledge(&state, &member, &id).await.map(Json)
}

/// Acknowledges for the API and the console alike.
pub(crate) async fn acknowledge(
    state: &Shared,
    member: &Member,
    id: &str,
) -> ApiResult<OrangeNotice> {
    let notice = readable(state, member, id)?;
    if notice.agency == member.agency {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "your agency issued this notice; the agencies it reached acknowledge it",
        ));
    }
    if state.alerts.orange.awaits(id, &member.agency) {
        decide(
            state,
            vec![NewDecision {
                kind: orange::ACK.to_owned(),
                subject: id.to_owned(),
                agency: member.agency.clone(),
                user: member.user.clone(),
                reason: String::new(),
                body: serde_json::json!({}),
            }],
        )
        .await?;
        state.alerts.sync(state.store.as_ref()).await?;
    }
    readable(state, member, id)
}
