//! The one error body of the API: `{code, message, field?, line?}`
//! (FORMATS.md), with a small closed set of codes, each with one HTTP
//! status.
//!
//! Messages never carry what the caller may not read: a report it may not
//! read is `not_found`, exactly like one that does not exist.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The closed list of error codes (docs/API.md documents each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request is malformed (bad JSON, bad query parameter).
    InvalidRequest,
    /// 422: a report failed validation; `field` (and `line` in a batch or
    /// file) say where.
    InvalidReport,
    /// 422: a selector could not be normalised.
    InvalidSelector,
    /// 422: a field of a request (a watch's target, say) is not
    /// acceptable; `field` says which. Nothing was changed.
    InvalidField,
    /// 401: no valid token or session.
    Unauthenticated,
    /// 403: the caller's role may not do this, or the CSRF token is wrong.
    Forbidden,
    /// 404: no such thing, or nothing the caller may read.
    NotFound,
    /// 405: the path exists but not with this method; see `Allow`.
    MethodNotAllowed,
    /// 409: it already exists.
    Conflict,
    /// 413: the request body is larger than allowed.
    PayloadTooLarge,
    /// 429: too many requests for this token; see `Retry-After`.
    RateLimited,
    /// 503: not ready (the hit index is loading) or overloaded; retry.
    Unavailable,
    /// 500: a fault of the server; nothing was changed.
    Internal,
}

impl ErrorCode {
    /// The code as it is written in error bodies (`not_found`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidReport => "invalid_report",
            ErrorCode::InvalidSelector => "invalid_selector",
            ErrorCode::InvalidField => "invalid_field",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidRequest => StatusCode::BAD_REQUEST,
            ErrorCode::InvalidReport | ErrorCode::InvalidSelector => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ErrorCode::InvalidField => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApiError {
    pub code: ErrorCode,
    /// Lowercase, says what was wrong and what to do.
    pub message: String,
    /// The field at fault, as a path (`selectors[2]`, `marking.tlp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The line at fault in a batch or uploaded file (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Every bad item of a batch or file, when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ItemError>,
    /// Seconds to wait, for `rate_limited` and `unavailable`.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// One bad item of a batch or file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ItemError {
    /// 1-based line of a file, or 1-based position in a JSON batch.
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
            line: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidRequest, message)
    }

    /// 422 `invalid_field`: a request field is not acceptable; nothing
    /// was changed.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::InvalidField, message).field(field)
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no {what} found that you may read"),
        )
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "send a valid api token as 'Authorization: Bearer cordon_…', or log in to the console",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(ErrorCode::Unavailable, message).retry_after(1)
    }

    /// A fault of ours: logged in full, reported without detail.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed");
        ApiError::new(
            ErrorCode::Internal,
            "the server failed; nothing was changed, try again or contact the operator",
        )
    }
}

/// Retry-After for a full disk: space comes back by an operator's hand, not
/// within a second, so clients need not knock every second meanwhile.
const FULL_RETRY_SECONDS: u64 = 10;

impl From<cordon_store::StoreError> for ApiError {
    fn from(e: cordon_store::StoreError) -> Self {
        use cordon_store::StoreError;
        match e {
            StoreError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            StoreError::NotFound(m) => ApiError::new(ErrorCode::NotFound, m),
            StoreError::Invalid(m) => ApiError::bad_request(m),
            StoreError::Backend(m) => {
                tracing::error!(error = %m, "store failed");
                ApiError::unavailable("the database is not answering; nothing was changed, retry")
            }
            StoreError::Full(m) => {
                tracing::error!(error = %m, "store is full: free disk space");
                ApiError::unavailable(
                    "the database's disk is full; nothing was changed, retry once the operator has freed space",
                )
                .retry_after(FULL_RETRY_SECONDS)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let mut response = (status, axum::Json(&self)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&seconds.to_string()).expect("digits are a valid header"),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_store_is_refused_as_unavailable_and_says_so() {
        let e = ApiError::from(cordon_store::StoreError::Full(
            "sqlite: database or disk is full".into(),
        ));
        assert_eq!(e.code, ErrorCode::Unavailable);
        assert_eq!(e.retry_after, Some(FULL_RETRY_SECONDS));
        assert!(e.message.contains("disk is full"), "{}", e.message);
        // The backend's own words stay in the log.
        assert!(!e.message.contains("sqlite"), "{}", e.message);
    }

    #[test]
    fn every_code_has_its_status_and_snake_case_name() {
        let cases = [
            (ErrorCode::InvalidRequest, 400, "invalid_request"),
            (ErrorCode::InvalidReport, 422, "invalid_report"),
            (ErrorCode::InvalidSelector, 422, "invalid_selector"),
            (ErrorCode::Unauthenticated, 401, "unauthenticated"),
            (ErrorCode::Forbidden, 403, "forbidden"),
            (ErrorCode::NotFound, 404, "not_found"),
            (ErrorCode::MethodNotAllowed, 405, "method_not_allowed"),
            (ErrorCode::Conflict, 409, "conflict"),
            (ErrorCode::PayloadTooLarge, 413, "payload_too_large"),
            (ErrorCode::RateLimited, 429, "rate_limited"),
            (ErrorCode::Unavailable, 503, "unavailable"),
            (ErrorCode::Internal, 500, "internal"),
        ];
        for (code, status, name) in cases {
            assert_eq!(code.status().as_u16(), status);
            assert_eq!(serde_json::to_value(code).unwrap(), name);
            assert_eq!(code.name(), name);
        }
    }

    #[test]
    fn the_body_omits_absent_field_and_line() {
        let body = serde_json::to_value(ApiError::bad_request("x")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"code": "invalid_request", "message": "x"})
        );
        let body = serde_json::to_value(
            ApiError::new(ErrorCode::InvalidReport, "y")
                .field("selectors[2]")
                .line(17),
        )
        .unwrap();
        assert_eq!(body["field"], "selectors[2]");
        assert_eq!(body["line"], 17);
    }
}
