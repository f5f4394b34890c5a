//! TAXII 2.1: Cordon as a collections server, so that MISP, OpenCTI and
//! every other TAXII client can pull what an agency may read and push what
//! it shares, under the same access rules as the API.
//!
//! One API root, `/taxii2/cordon/`. Its collections are views of the
//! exchange ([`collections`]): everything the caller may read, and each
//! agency's share of it. Objects are Cordon's reports as STIX (derived on
//! the fly, like `cordon export`) and the objects of other tools kept
//! verbatim, merged in the order they were added ([`objects`]). POSTed
//! objects take the same import path as `cordon import bundle.json`.
//!
//! Callers authenticate with HTTP Basic (any user name, an API token as the
//! password: what TAXII clients can send) or a bearer token.

mod collections;
mod objects;
mod status;
mod stream;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use serde::Serialize;

use crate::Shared;
use crate::access::Member;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::limits::Key;

pub use status::Statuses;

/// The TAXII media type, of every request and answer.
pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The media type of the objects a collection holds.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// The one API root's path.
pub const ROOT: &str = "/taxii2/cordon/";

pub fn routes(state: Shared) -> Router {
    let c = "/taxii2/cordon/collections/{collection}";
    Router::new()
        .route("/taxii2/", get(discovery))
        .route(ROOT, get(api_root))
        .route("/taxii2/cordon/status/{status}/", get(status::get))
        // taxii2-client polls the status without the trailing slash.
        .route("/taxii2/cordon/status/{status}", get(status::get))
        .route("/taxii2/cordon/collections/", get(collections::list))
        .route(&format!("{c}/"), get(collections::one))
        .route(&format!("{c}/manifest/"), get(objects::manifest))
        .route(
            &format!("{c}/objects/"),
            get(objects::page).post(objects::add),
        )
        .route(
            &format!("{c}/objects/{{object}}/"),
            get(objects::one).delete(objects::delete),
        )
        .route(
            &format!("{c}/objects/{{object}}/versions/"),
            get(objects::versions),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn method_not_allowed() -> TaxiiError {
    TaxiiError::Api(ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this TAXII endpoint does not take that method; the Allow header lists the ones it takes",
    ))
}

/// A TAXII answer: JSON with the TAXII media type.
#[derive(Debug)]
pub struct Taxii<T>(pub T);

impl<T: Serialize> IntoResponse for Taxii<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => {
                ([(CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE))], body).into_response()
            }
            Err(e) => TaxiiError::Api(ApiError::new(
                ErrorCode::Internal,
                format!("cannot write the answer: {e}"),
            ))
            .into_response(),
        }
    }
}

/// A TAXII error message resource.
#[derive(Debug)]
pub enum TaxiiError {
    Api(ApiError),
    /// The client accepts no TAXII 2.1 answer (406).
    NotAcceptable,
    /// The body is not TAXII 2.1 JSON (415).
    UnsupportedMediaType(String),
}

impl From<ApiError> for TaxiiError {
    fn from(e: ApiError) -> Self {
        TaxiiError::Api(e)
    }
}

impl From<cordon_store::StoreError> for TaxiiError {
    fn from(e: cordon_store::StoreError) -> Self {
        TaxiiError::Api(e.into())
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    title: &'a str,
    description: String,
    error_code: &'a str,
    http_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Value>,
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let (status, title, code, description, details, retry) = match self {
            TaxiiError::Api(e) => {
                let details = if !e.errors.is_empty() {
                    Some(serde_json::json!({ "errors": e.errors }))
                } else {
                    e.field
                        .as_ref()
                        .map(|f| serde_json::json!({ "field": f, "line": e.line }))
                };
                (
                    e.code.status(),
                    e.code.name(),
                    e.code.name(),
                    e.message,
                    details,
                    e.retry_after,
                )
            }
            TaxiiError::NotAcceptable => (
                StatusCode::NOT_ACCEPTABLE,
                "not acceptable",
                "not_acceptable",
                format!("this server answers {MEDIA_TYPE}; send it in Accept"),
                None,
                None,
            ),
            TaxiiError::UnsupportedMediaType(got) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported media type",
                "unsupported_media_type",
                format!("send objects as {MEDIA_TYPE}, not '{got}'"),
                None,
                None,
            ),
        };
        let body = ErrorBody {
            title,
            description,
            error_code: code,
            http_status: status.as_u16().to_string(),
            details,
        };
        let mut response = (status, Taxii(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Cordon TAXII\", Bearer"),
            );
        }
        if let Some(seconds) = retry {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from_str(&seconds.to_string()).expect("digits are a valid header"),
            );
        }
        response
    }
}

pub type TaxiiResult<T> = Result<T, TaxiiError>;

/// Path parameters, with the TAXII error body when they cannot be decoded.
#[derive(Debug)]
pub struct TaxiiPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for TaxiiPath<T> {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> TaxiiResult<Self> {
        let crate::api::Path(p) = crate::api::Path::<T>::from_request_parts(parts, state).await?;
        Ok(TaxiiPath(p))
    }
}

/// The raw query string (without `?`), parsed by the endpoint that knows
/// which parameters it takes.
#[derive(Debug)]
pub struct Params(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> TaxiiResult<Self> {
        Ok(Params(parts.uri.query().unwrap_or_default().to_owned()))
    }
}

/// The request body, with the TAXII error body when it cannot be read.
#[derive(Debug)]
pub struct TaxiiBody(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for TaxiiBody {
    type Rejection = TaxiiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> TaxiiResult<Self> {
        let crate::api::Body(b) = crate::api::Body::from_request(req, state).await?;
        Ok(TaxiiBody(b))
    }
}

/// An authenticated TAXII caller whose client accepts TAXII 2.1.
#[derive(Debug, Clone)]
pub struct Client {
    pub caller: Caller,
}

impl Client {
    pub fn member(&self) -> &Member {
        &self.caller.member
    }

    pub fn viewer(&self) -> crate::access::Viewer {
        crate::access::Viewer::Member(self.caller.member.clone())
    }
}

impl FromRequestParts<Shared> for Client {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> TaxiiResult<Self> {
        if !accepts_taxii(&parts.headers) {
            return Err(TaxiiError::NotAcceptable);
        }
        let token = token_of(&parts.headers).ok_or_else(unauthenticated)?;
        let caller = state
            .auth
            .resolve(state.store.as_ref(), &token)
            .await?
            .ok_or_else(unauthenticated)?;
        state.limiter.check(Key::Token(caller.token_id))?;
        Ok(Client { caller })
    }
}

fn unauthenticated() -> TaxiiError {
    TaxiiError::Api(ApiError::new(
        ErrorCode::Unauthenticated,
        "authenticate with HTTP Basic (any user name, an api token from `cordon token create` as the password) or 'Authorization: Bearer cordon_…'",
    ))
}

/// The API token a request carries, as Basic password or Bearer token.
fn token_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (_, password) = text.split_once(':')?;
        return Some(password.to_owned());
    }
    None
}

/// Whether the Accept header admits a TAXII 2.1 answer. No header, `*/*`
/// and `application/*` do; `application/taxii+json` with version 2.1 or no
/// version does.
fn accepts_taxii(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let version = parts
            .find_map(|p| p.strip_prefix("version="))
            .map(str::to_owned);
        match media.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => version.is_none_or(|v| v == "2.1"),
            _ => false,
        }
    })
}

/// Whether a request body is declared TAXII 2.1 JSON.
fn is_taxii_body(headers: &HeaderMap) -> Result<(), TaxiiError> {
    let got = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = got.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let version = parts.find_map(|p| p.strip_prefix("version="));
    if media == "application/taxii+json" && version.is_none_or(|v| v == "2.1") {
        Ok(())
    } else {
        Err(TaxiiError::UnsupportedMediaType(got.to_owned()))
    }
}

/// The absolute URL of the API root, as the caller reached this server.
fn root_url(headers: &HeaderMap, secure: bool) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}{ROOT}")
}

#[derive(Serialize)]
struct Discovery {
    title: &'static str,
    description: &'static str,
    contact: &'static str,
    default: String,
    api_roots: Vec<String>,
}

async fn discovery(
    axum::extract::State(state): axum::extract::State<Shared>,
    _client: Client,
    headers: HeaderMap,
) -> Taxii<Discovery> {
    let root = root_url(&headers, state.config.secure_cookies);
    Taxii(Discovery {
        title: "Cordon",
        description: "Intelligence exchange against transnational scam compounds: what your agency may read, as STIX 2.1, under TLP 2.0.",
        contact: "your Cordon node's operator",
        default: root.clone(),
        api_roots: vec![root],
    })
}

#[derive(Serialize)]
struct ApiRoot {
    title: &'static str,
    description: &'static str,
    versions: [&'static str; 1],
    max_content_length: usize,
}

async fn api_root(
    axum::extract::State(state): axum::extract::State<Shared>,
    _client: Client,
) -> Taxii<ApiRoot> {
    Taxii(ApiRoot {
        title: "Cordon exchange",
        description: "Collections: everything you may read, and each member agency's share of it.",
        versions: [MEDIA_TYPE],
        max_content_length: state.config.max_body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: axum::http::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn accept_admits_taxii_21_and_wildcards_only() {
        for ok in [
            "application/taxii+json;version=2.1",
            "application/taxii+json",
            "application/json, application/taxii+json; version=2.1",
            "*/*",
        ] {
            assert!(accepts_taxii(&headers(ACCEPT, ok)), "{ok}");
        }
        for bad in [
            "application/json",
            "application/taxii+json;version=2.0",
            "text/html",
        ] {
            assert!(!accepts_taxii(&headers(ACCEPT, bad)), "{bad}");
        }
        assert!(accepts_taxii(&HeaderMap::new()));
    }

    #[test]
    fn tokens_come_from_basic_passwords_and_bearer() {
        let basic = base64::engine::general_purpose::STANDARD.encode("GB-NCA:cordon_secret:x");
        assert_eq!(
            token_of(&headers(AUTHORIZATION, &format!("Basic {basic}"))).as_deref(),
            Some("cordon_secret:x")
        );
        assert_eq!(
            token_of(&headers(AUTHORIZATION, "Bearer cordon_abc")).as_deref(),
            Some("cordon_abc")
        );
        assert_eq!(token_of(&headers(AUTHORIZATION, "Basic !!!")), None);
        assert_eq!(token_of(&HeaderMap::new()), None);
    }

    #[test]
    fn the_root_url_never_carries_a_hostile_host() {
        let h = headers(axum::http::header::HOST, "evil.example/\"><script>");
        assert_eq!(root_url(&h, false), "http://localhost/taxii2/cordon/");
        let h = headers(axum::http::header::HOST, "127.0.0.1:8080");
        assert_eq!(root_url(&h, true), "https://127.0.0.1:8080/taxii2/cordon/");
    }
}
