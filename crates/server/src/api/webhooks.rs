//! Webhooks: `POST /api/v1/webhooks` (a URL where alerts are POSTed,
//! signed), `GET /api/v1/webhooks`, `DELETE /api/v1/webhooks/{id}`, and
//! their dead letters: `GET /api/v1/webhooks/{id}/dead-letters`,
//! `POST /api/v1/webhooks/{id}/dead-letters/{seq}/retry`. Delivery is
//! [`crate::alerts::webhook::deliver`]'s.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cordon_store::{NewDecision, ReportFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::networks::{analyst, decide};
use super::reports::json_body;
use super::{Api, Body, Path};
use crate::Shared;
use crate::access::Member;
use crate::alerts::Scope;
use crate::alerts::stream::audit_alert;
use crate::alerts::webhook::deliver::{self, decision};
use crate::alerts::webhook::{self, Dead, DeadLetter, NewWebhook, Seq, Webhook};
use crate::error::{ApiError, ApiResult};

/// Most watches one webhook names.
const MAX_WATCHES: usize = 1_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where alerts are POSTed: an absolute `http` or `https` URL, without
    /// credentials.
    pub url: String,
    /// `user` (default: your alerts, as you may see them) or `agency`
    /// (your agency's watches, as any of its analysts may see them).
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Only these watches' alerts (ids `W-…` of yours); default: every
    /// watch that alerts the webhook's owner.
    #[serde(default)]
    pub watches: Vec<String>,
    /// Deliver the alerts of reports after this sequence number (an alert
    /// id), as `Last-Event-ID` resumes the stream; default: of reports
    /// accepted from now on.
    #[serde(default)]
    pub after: Option<i64>,
}

/// A webhook just made, with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Verifies `X-Cordon-Signature`: `v1` is the hex HMAC-SHA256, keyed
    /// with this text, of the header's `t`, a `.` and the body.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterList {
    pub dead_letters: Vec<DeadLetter>,
}

/// What a retried dead letter came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Retried {
    /// Delivered: no longer a dead letter.
    Delivered,
    /// Failed again: still a dead letter, one attempt more.
    Failed,
    /// Nothing left to deliver (the report was revised since, or nothing
    /// of it is for the webhook's owner any more): no longer a dead letter.
    Cleared,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetryOutcome {
    pub outcome: Retried,
    /// The endpoint's HTTP status, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What went wrong, or why it was cleared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Sends your alerts to your system: every report accepted from now on
/// that a watch of yours matches is POSTed to `url` as the alert stream's
/// `AlertEvent`, as far as the access rules let the webhook's owner learn
/// of it, signed with the secret in the answer (shown once).
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "alerts",
    request_body = WebhookRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "The webhook and its secret", body = CreatedWebhook),
        (status = 400, description = "Not a webhook request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors keep no webhooks", body = ApiError),
        (status = 422, description = "A bad url or watch (`field` names it)", body = ApiError),
    )
)]
pub async fn create_webhook(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    let member = analyst(&api.viewer)?.clone();
    let request: WebhookRequest = json_body(&body)?;
    let created = create_for(&state, &member, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Makes a webhook for `member` (the API's and the console's).
pub(crate) async fn create_for(
    state: &Shared,
    member: &Member,
    request: WebhookRequest,
) -> ApiResult<CreatedWebhook> {
    let url = webhook::check_url(&request.url).map_err(|m| ApiError::invalid_field("url", m))?;
    let scope = request.scope.unwrap_or(Scope::User);
    if request.watches.len() > MAX_WATCHES {
        return Err(ApiError::invalid_field(
            "watches",
            format!(
                "a webhook names at most {MAX_WATCHES} watches, not {}; name none for all of them",
                request.watches.len()
            ),
        ));
    }
    let allowed: Vec<String> = state
        .alerts
        .watches_of(member)
        .into_iter()
        .filter(|w| scope == Scope::User || w.scope == Scope::Agency)
        .map(|w| w.id)
        .collect();
    for (i, w) in request.watches.iter().enumerate() {
        if !allowed.contains(w) {
            let whose = match scope {
                Scope::User => "of yours",
                Scope::Agency => "of your agency's (scope agency)",
            };
            return Err(ApiError::invalid_field(
                format!("watches[{i}]"),
                format!(
                    "there is no watch '{}' {whose} for this webhook to carry",
                    w.escape_debug()
                ),
            ));
        }
    }
    let mut watches = request.watches;
    watches.sort();
    watches.dedup();
    let from = match request.after {
        Some(after) if after < 0 => {
            return Err(ApiError::invalid_field(
                "after",
                format!("after is a report sequence number (an alert id), 0 or more, not {after}"),
            ));
        }
        Some(after) => after,
        // Alerts of reports accepted from now on.
        None => state
            .store
            .list_reports(&ReportFilter::default(), None, 1)
            .await?
            .first()
            .map_or(0, |r| r.seq),
    };
    let id = format!("H-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let body = serde_json::to_value(NewWebhook {
        url,
        scope,
        watches,
        from,
    })
    .map_err(ApiError::internal)?;
    decide(
        state,
        vec![NewDecision {
            kind: "webhook.create".to_owned(),
            subject: id.clone(),
            agency: member.agency.clone(),
            user: member.user.clone(),
            reason: String::new(),
            body,
        }],
    )
    .await?;
    state.webhooks.sync(state.store.as_ref()).await?;
    let webhook = state
        .webhooks
        .get(&id)
        .ok_or_else(|| ApiError::internal("a webhook just made is not there"))?;
    Ok(CreatedWebhook {
        secret: webhook::secret(state.auth.key(), &id),
        webhook,
    })
}

/// Your webhooks and your agency's, newest first (without secrets).
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "alerts",
    security(("token" = [])),
    responses(
        (status = 200, description = "Webhooks, newest first", body = WebhookList),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list_webhooks(State(state): State<Shared>, api: Api) -> ApiResult<Json<WebhookList>> {
    let member = &api.member()?.member;
    state.webhooks.sync(state.store.as_ref()).await?;
    Ok(Json(WebhookList {
        webhooks: state.webhooks.of(member),
    }))
}

/// A webhook of the member's, read after the log is folded in, or 404.
async fn visible(state: &Shared, member: &Member, id: &str) -> ApiResult<Webhook> {
    state.webhooks.sync(state.store.as_ref()).await?;
    state
        .webhooks
        .of_member(member, id)
        .ok_or_else(|| ApiError::not_found("webhook"))
}

/// Ends a webhook of yours (or of your agency, for its analysts): nothing
/// more is POSTed to it.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "alerts",
    params(("id" = String, Path, description = "The webhook id, `H-…`")),
    security(("token" = [])),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors keep no webhooks", body = ApiError),
        (status = 404, description = "No webhook of yours", body = ApiError),
    )
)]
pub async fn delete_webhook(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let member = analyst(&api.viewer)?.clone();
    delete_for(&state, &member, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a webhook of `member`'s (the API's and the console's).
pub(crate) async fn delete_for(state: &Shared, member: &Member, id: &str) -> ApiResult<()> {
    visible(state, member, id).await?;
    decide(
        state,
        vec![NewDecision {
            kind: "webhook.delete".to_owned(),
            subject: id.to_owned(),
            agency: member.agency.clone(),
            user: member.user.clone(),
            reason: String::new(),
            body: serde_json::json!({}),
        }],
    )
    .await?;
    state.webhooks.sync(state.store.as_ref()).await?;
    Ok(())
}

/// A webhook's dead letters: alerts that failed every attempt, oldest
/// first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}/dead-letters",
    tag = "alerts",
    params(("id" = String, Path, description = "The webhook id, `H-…`")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Dead letters, by sequence number", body = DeadLetterList),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No webhook of yours", body = ApiError),
    )
)]
pub async fn list_dead_letters(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<DeadLetterList>> {
    let member = &api.member()?.member;
    visible(&state, member, &id).await?;
    Ok(Json(DeadLetterList {
        dead_letters: state.webhooks.dead_letters(&id),
    }))
}

/// Delivers a dead letter again, once, now (rendered afresh: what the
/// access rules let the owner learn today). Delivered, it is no longer a
/// dead letter; failed, it stays one.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/dead-letters/{seq}/retry",
    tag = "alerts",
    params(
        ("id" = String, Path, description = "The webhook id, `H-…`"),
        ("seq" = i64, Path, description = "The dead letter's sequence number"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "What the retry came to", body = RetryOutcome),
        (status = 400, description = "Bad path", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors keep no webhooks", body = ApiError),
        (status = 404, description = "No such dead letter of a webhook of yours", body = ApiError),
        (status = 503, description = "The audit log or the database is busy; retry", body = ApiError),
    )
)]
pub async fn retry_dead_letter(
    State(state): State<Shared>,
    api: Api,
    Path((id, seq)): Path<(String, i64)>,
) -> ApiResult<Json<RetryOutcome>> {
    let member = analyst(&api.viewer)?.clone();
    Ok(Json(retry_for(&state, &member, &id, seq).await?))
}

/// Retries a dead letter of `member`'s webhook (the API's and the
/// console's). The replica answering delivers it, whichever leads.
pub(crate) async fn retry_for(
    state: &Shared,
    member: &Member,
    id: &str,
    seq: i64,
) -> ApiResult<RetryOutcome> {
    let hook = visible(state, member, id).await?;
    let Some(letter) = state
        .webhooks
        .dead_letters(id)
        .into_iter()
        .find(|d| d.seq == seq)
    else {
        return Err(ApiError::not_found("dead letter"));
    };
    let owner = hook.owner(state.store.as_ref()).await?;
    let report = state
        .store
        .reports_after(seq.saturating_sub(1), 1)
        .await?
        .into_iter()
        .next()
        .filter(|r| r.seq == seq);
    let rendered = report
        .as_ref()
        .and_then(|r| deliver::render(state, &hook, &owner, r));
    let Some((event, touched)) = rendered else {
        let why = if report.is_none() {
            "the report was revised since; its newer revision raised its own alert"
        } else {
            "nothing of this report is for the webhook's owner any more"
        };
        resolve(state, id, seq).await?;
        return Ok(RetryOutcome {
            outcome: Retried::Cleared,
            status: None,
            error: Some(why.to_owned()),
        });
    };
    if let Some(other) = &touched {
        audit_alert(state, &owner, &event, other)?;
    }
    let body = serde_json::to_vec(&event).map_err(ApiError::internal)?;
    let secret = webhook::secret(state.auth.key(), id);
    match deliver::post(state.webhooks.client(), &hook, &secret, seq, &body).await {
        Ok(status) => {
            metrics::counter!("cordon_webhook_deliveries_total", "outcome" => "ok").increment(1);
            resolve(state, id, seq).await?;
            Ok(RetryOutcome {
                outcome: Retried::Delivered,
                status: Some(status),
                error: None,
            })
        }
        Err(failed) => {
            metrics::counter!("cordon_webhook_deliveries_total", "outcome" => "failed")
                .increment(1);
            let dead = Dead {
                seq,
                attempts: letter.attempts.saturating_add(1),
                status: failed.status,
                error: failed.error.clone(),
            };
            state
                .store
                .append_decisions(&[decision("webhook.dead", id, serde_json::json!(dead))])
                .await?;
            state.webhooks.sync(state.store.as_ref()).await?;
            Ok(RetryOutcome {
                outcome: Retried::Failed,
                status: failed.status,
                error: Some(failed.error),
            })
        }
    }
}

/// A dead letter is no more.
async fn resolve(state: &Shared, id: &str, seq: i64) -> ApiResult<()> {
    state
        .store
        .append_decisions(&[decision(
            "webhook.resolved",
            id,
            serde_json::json!(Seq { seq }),
        )])
        .await?;
    state.webhooks.sync(state.store.as_ref()).await?;
    Ok(())
}
