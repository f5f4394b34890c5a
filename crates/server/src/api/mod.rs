//! The JSON API under `/api/v1`, described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json` that utoipa generates from these handlers.

pub mod audit;
pub(crate) mod bulletins;
pub mod cases;
pub(crate) mod compounds;
pub(crate) mod federation;
mod freeze;
mod graph;
pub mod hits;
pub(crate) mod interest;
pub(crate) mod marking;
mod me;
pub(crate) mod money;
pub(crate) mod networks;
pub(crate) mod notices;
pub(crate) mod operations;
pub(crate) mod orange;
pub(crate) mod public;
pub mod reports;
pub(crate) mod watches;
pub(crate) mod webhooks;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::Shared;
use crate::access::Viewer;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::limits::Key;

pub fn routes(state: Shared) -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/me", get(me::me))
        .route("/api/v1/reports", post(reports::submit).get(reports::list))
        .route("/api/v1/reports/{agency}/{id}", get(reports::read))
        .route(
            "/api/v1/reports/{agency}/{id}/network",
            get(networks::of_report),
        )
        .route("/api/v1/hits", get(hits::one).post(hits::batch))
        .route(
            "/api/v1/cases",
            post(cases::open_case).get(cases::list_cases),
        )
        .route("/api/v1/cases/embassy", get(cases::embassy))
        .route(
            "/api/v1/cases/{id}",
            get(cases::read_case).patch(cases::update_case),
        )
        .route("/api/v1/cases/{id}/stage", post(cases::move_case))
        .route("/api/v1/cases/{id}/assign", post(cases::assign))
        .route("/api/v1/cases/{id}/evidence", post(cases::record_evidence))
        .route("/api/v1/cases/{id}/outcome", post(cases::record_outcome))
        .route("/api/v1/cases/{id}/demands", post(cases::record_demand))
        .route("/api/v1/cases/{id}/release", post(cases::release))
        .route("/api/v1/cases/{id}/split", post(cases::split))
        .route("/api/v1/cases/{id}/merge", post(cases::merge))
        .route("/api/v1/cases/{id}/tasks", post(cases::set_task))
        .route("/api/v1/cases/{id}/notes", post(cases::add_note))
        .route("/api/v1/cases/{id}/htcds", get(cases::htcds))
        .route("/api/v1/screening/indicators", get(cases::indicators))
        .route("/api/v1/graph/neighbourhood", get(graph::neighbourhood))
        .route("/api/v1/graph/path", get(graph::path))
        .route("/api/v1/graph/network", get(networks::graph))
        .route("/api/v1/networks", get(networks::list))
        .route("/api/v1/networks/merge", post(networks::merge))
        .route("/api/v1/networks/{id}", get(networks::read))
        .route("/api/v1/networks/{id}/history", get(networks::history))
        .route("/api/v1/networks/{id}/split", post(networks::split))
        .route("/api/v1/compounds", get(compounds::list))
        .route("/api/v1/compounds/{site}", get(compounds::read))
        .route(
            "/api/v1/compounds/{site}/status",
            post(compounds::set_status),
        )
        .route("/api/v1/notices", post(notices::draft).get(notices::list))
        .route(
            "/api/v1/notices/{id}",
            get(notices::read).put(notices::revise),
        )
        .route("/api/v1/notices/{id}/publish", post(notices::publish))
        .route("/api/v1/notices/{id}/stix", get(notices::stix))
        .route("/api/v1/watches", post(watches::create).get(watches::list))
        .route("/api/v1/money/flows", post(money::flows))
        .route("/api/v1/money/conversions", post(money::conversions))
        .route("/api/v1/money/tags", post(money::tags))
        .route("/api/v1/money/trace", post(money::trace))
        .route("/api/v1/money/mules", get(money::mules))
        .route("/api/v1/money/cluster", get(money::cluster))
        .route("/api/v1/money/freeze", post(freeze::freeze))
        .route(
            "/api/v1/orange-notices",
            post(orange::issue).get(orange::list),
        )
        .route("/api/v1/orange-notices/{id}", get(orange::read))
        .route("/api/v1/orange-notices/{id}/ack", post(orange::ack))
        .route("/api/v1/interest", get(interest::get).put(interest::put))
        .route(
            "/api/v1/watches/{id}",
            axum::routing::delete(watches::delete),
        )
        .route("/api/v1/alerts/stream", get(crate::alerts::stream::stream))
        .route(
            "/api/v1/webhooks",
            post(webhooks::create_webhook).get(webhooks::list_webhooks),
        )
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::delete(webhooks::delete_webhook),
        )
        .route(
            "/api/v1/webhooks/{id}/dead-letters",
            get(webhooks::list_dead_letters),
        )
        .route(
            "/api/v1/webhooks/{id}/dead-letters/{seq}/retry",
            post(webhooks::retry_dead_letter),
        )
        .route(
            "/api/v1/operations",
            post(operations::create_operation).get(operations::list_operations),
        )
        .route(
            "/api/v1/operations/{id}",
            get(operations::read_operation).patch(operations::update_operation),
        )
        .route(
            "/api/v1/operations/{id}/targets",
            post(operations::add_targets),
        )
        .route(
            "/api/v1/operations/{id}/targets/remove",
            post(operations::remove_targets),
        )
        .route("/api/v1/operations/{id}/tasks", post(operations::add_task))
        .route(
            "/api/v1/operations/{id}/tasks/{task}",
            axum::routing::patch(operations::update_task),
        )
        .route(
            "/api/v1/operations/{id}/log",
            post(operations::add_log_entry),
        )
        .route(
            "/api/v1/operations/{id}/stix",
            get(operations::operation_stix),
        )
        .route(
            "/api/v1/deconflictions",
            get(operations::list_deconflictions),
        )
        .route("/api/v1/audit", get(audit::owner_log))
        .route("/api/v1/public/check", post(public::check))
        .route("/api/v1/public/tips", post(public::tip))
        .route("/api/v1/tips", get(public::list))
        .route("/api/v1/bulletins/{origin}", get(bulletins::read))
        .route("/api/v1/bulletins/{origin}/stix", get(bulletins::stix))
        .route("/api/v1/tips/{id}/close", post(public::close))
        .route("/api/v1/federation/hits", get(federation::hits))
        .route("/api/v1/federation/status", get(federation::status))
        .route("/federation/v1/pseudonyms", get(federation::pseudonyms))
        .method_not_allowed_fallback(method_not_allowed)
        // Every answer is for its caller alone (and a case's is a person's):
        // never kept by a browser or a shared cache.
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            ),
        )
        .with_state(state)
}

/// axum sets the `Allow` header on this response itself.
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this path does not take that method; the Allow header lists the ones it takes",
    )
}

/// A required text field, trimmed: 400 naming the field when it is empty
/// or longer than `max` characters.
pub(crate) fn required_text(value: &str, field: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::bad_request(format!("{field} is required")).field(field));
    }
    if value.chars().count() > max {
        return Err(
            ApiError::bad_request(format!("{field} is at most {max} characters")).field(field),
        );
    }
    Ok(value.to_owned())
}

/// An unknown path under `/api`.
pub async fn not_found() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "no such endpoint; the api is described at /api/v1/openapi.json",
    )
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cordon exchange API",
        description = "Intelligence exchange against transnational scam compounds. Every answer obeys the TLP 2.0 access rules: what a caller may not read appears at most as a hit with the owner's contact.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        me::me,
        public::check,
        public::tip,
        public::list,
        public::close,
        bulletins::read,
        bulletins::stix,
        federation::hits,
        federation::status,
        cases::open_case,
        cases::list_cases,
        cases::read_case,
        cases::move_case,
        cases::update_case,
        cases::assign,
        cases::record_evidence,
        cases::record_outcome,
        cases::record_demand,
        cases::release,
        cases::split,
        cases::merge,
        cases::set_task,
        cases::add_note,
        cases::htcds,
        cases::embassy,
        cases::indicators,
        reports::submit,
        reports::list,
        reports::read,
        hits::one,
        hits::batch,
        graph::neighbourhood,
        graph::path,
        networks::graph,
        networks::of_report,
        networks::list,
        networks::read,
        networks::history,
        networks::merge,
        networks::split,
        compounds::list,
        compounds::read,
        compounds::set_status,
        notices::draft,
        notices::list,
        notices::read,
        notices::revise,
        notices::publish,
        notices::stix,
        watches::create,
        watches::list,
        watches::delete,
        interest::get,
        interest::put,
        money::flows,
        money::conversions,
        money::tags,
        money::trace,
        money::mules,
        money::cluster,
        freeze::freeze,
        orange::issue,
        orange::list,
        orange::read,
        orange::ack,
        crate::alerts::stream::stream,
        webhooks::create_webhook,
        webhooks::list_webhooks,
        webhooks::delete_webhook,
        webhooks::list_dead_letters,
        webhooks::retry_dead_letter,
        operations::create_operation,
        operations::list_operations,
        operations::read_operation,
        operations::update_operation,
        operations::add_targets,
        operations::remove_targets,
        operations::add_task,
        operations::update_task,
        operations::add_log_entry,
        operations::operation_stix,
        operations::list_deconflictions,
        audit::owner_log,
    ),
    components(schemas(
        crate::error::ApiError,
        crate::error::ErrorCode,
        crate::error::ItemError,
        cordon_core::ReportSubmission,
        cordon_core::Report,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "reports", description = "Submit, read, list and search reports"),
        (name = "hits", description = "Hit / no-hit: who holds a selector"),
        (name = "graph", description = "The report–selector graph around a selector, as far as you may read it"),
        (name = "audit", description = "Who read or hit your agency's data"),
        (name = "money", description = "Flows, conversions and tags of money; traces over what you may read, and freeze packages"),
        (name = "cases", description = "Victim-protection cases: the protocol from signal to follow-up, screening, and the HTCDS export; read only by the agencies assigned"),
        (name = "operations", description = "Joint operations of agencies, and deconfliction with other agencies' work"),
        (name = "identity", description = "Who you are"),
        (name = "public", description = "The public check of job offers and contacts, \"report this offer\", and the hotline's queue of tips"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cordon_…")
                    .description(Some("an api token from `cordon token create`"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(openapi_document())
}

/// Whoever calls the API: a bearer token's member, or the public. A bad or
/// revoked token is refused rather than treated as anonymous, so that a
/// mistake never silently narrows what a member sees. Every caller passes
/// the rate limiter here.
#[derive(Debug, Clone)]
pub struct Api {
    pub viewer: Viewer,
    pub caller: Option<Caller>,
    /// The client's address, for the public pages' own limits.
    pub address: Option<std::net::IpAddr>,
}

impl Api {
    /// The member calling, or 401.
    pub fn member(&self) -> Result<&Caller, ApiError> {
        self.caller.as_ref().ok_or_else(ApiError::unauthenticated)
    }
}

impl FromRequestParts<Shared> for Api {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        match bearer_caller(parts, state).await? {
            Some(caller) => {
                if caller.member.role == crate::access::Role::Peer {
                    return Err(ApiError::new(
                        ErrorCode::Forbidden,
                        "a federation peer's token serves TAXII and the federation's pseudonyms only; use a member's token for the API",
                    ));
                }
                Ok(Api {
                    viewer: Viewer::Member(caller.member.clone()),
                    caller: Some(caller),
                    address: address(parts),
                })
            }
            None => {
                let address = address(parts);
                if let Some(ip) = address {
                    state.limiter.check(Key::Address(ip))?;
                }
                Ok(Api {
                    viewer: Viewer::Public,
                    caller: None,
                    address,
                })
            }
        }
    }
}

/// The caller of a request's bearer token, rate-limited per token; `None`
/// without an Authorization header, 401 for a bad or unknown token. The
/// one way a token becomes a caller under `/api` and `/federation`.
pub(crate) async fn bearer_caller(
    parts: &Parts,
    state: &Shared,
) -> Result<Option<Caller>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(ApiError::unauthenticated)?;
    let caller = state
        .auth
        .resolve(state.store.as_ref(), token)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    state.limiter.check(Key::Token(caller.token_id))?;
    Ok(Some(caller))
}

fn address(parts: &Parts) -> Option<std::net::IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Parses a query string into `T`, with the error body on failure.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "bad query string: {}",
                    lowercase_first(&e.body_text())
                ))
            })
    }
}

/// The raw request body, with the error body when it is too large or
/// cannot be read.
#[derive(Debug)]
pub struct Body(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        ErrorCode::PayloadTooLarge,
                        "the request body is larger than this server accepts; split it",
                    )
                } else {
                    ApiError::bad_request(format!(
                        "cannot read the request body: {}",
                        lowercase_first(&e.body_text())
                    ))
                }
            })
    }
}

/// Path parameters, with the error body when they cannot be decoded.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| {
                ApiError::bad_request(format!("bad path: {}", lowercase_first(&e.body_text())))
            })
    }
}

/// axum's rejection texts start with a capital; ours are lowercase.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
