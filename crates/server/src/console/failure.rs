//! Error pages: the API's error, as HTML with the same status and message.
//!
//! The message is the API's own (a report one may not read is "no report
//! found that you may read", exactly like one that does not exist), so the
//! console reveals no more through its errors than the API does.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout::{self, Chrome};
use crate::error::{ApiError, ErrorCode};

/// A page that could not be shown, and why. Boxed: handlers return it in
/// every `Err`, and the error body is large.
#[derive(Debug)]
pub struct Failure(Box<Shown>);

#[derive(Debug)]
struct Shown {
    error: ApiError,
    /// The signed-in member's header, when there is one.
    chrome: Option<Chrome>,
}

impl Failure {
    pub fn new(error: ApiError, chrome: Option<Chrome>) -> Self {
        Failure(Box::new(Shown { error, chrome }))
    }
}

fn title(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidRequest => "Bad request",
        ErrorCode::InvalidReport => "Invalid report",
        ErrorCode::InvalidSelector => "Not a selector",
        ErrorCode::InvalidField => "Invalid field",
        ErrorCode::Unauthenticated => "Not logged in",
        ErrorCode::Forbidden => "Forbidden",
        ErrorCode::NotFound => "Not found",
        ErrorCode::MethodNotAllowed => "Method not allowed",
        ErrorCode::Conflict => "Conflict",
        ErrorCode::PayloadTooLarge => "Too large",
        ErrorCode::RateLimited => "Too many requests",
        ErrorCode::Unavailable => "Unavailable, retry",
        ErrorCode::Internal => "Server error",
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let Shown { error, chrome } = *self.0;
        let status = error.code.status();
        let title = title(error.code);
        let retry = matches!(error.code, ErrorCode::Unavailable | ErrorCode::RateLimited);
        let body = html! {
            h1 { (title) }
            p.error-message role="alert" { (error.message) }
            @if retry {
                p { "Reload this page in a few seconds." }
            }
            p { a href="/" { "Back to the dashboard" } }
        };
        let page = layout::page(title, chrome.as_ref(), &layout::SearchBox::default(), body);
        let mut response = (status, page).into_response();
        if let Some(seconds) = error.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// Any page: a 404 for a path the console does not have.
pub fn not_found(chrome: Option<Chrome>) -> Failure {
    Failure::new(ApiError::not_found("page"), chrome)
}

/// The answer for a malformed query string or form body.
pub fn bad_request(message: String, chrome: Option<Chrome>) -> Failure {
    Failure::new(ApiError::bad_request(message), chrome)
}
