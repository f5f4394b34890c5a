//! The console's stylesheet and script, compiled into the binary: the
//! console runs air-gapped, with no CDN and no file beside the binary.

use axum::http::header;
use axum::response::{IntoResponse, Response};

pub const CSS_PATH: &str = "/static/console.css";
pub const JS_PATH: &str = "/static/console.js";
pub const PUBLIC_CSS_PATH: &str = "/static/public.css";

const CSS: &str = include_str!("../../static/console.css");
const JS: &str = include_str!("../../static/console.js");
const PUBLIC_CSS: &str = include_str!("../../static/public.css");

/// An hour: short enough that a new release's files arrive the same day,
/// long enough that pages do not fetch them again on every click.
const CACHING: &str = "public, max-age=3600";

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHING),
        ],
        CSS,
    )
        .into_response()
}

pub async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHING),
        ],
        JS,
    )
        .into_response()
}

/// The public check's stylesheet: the page works without it too.
pub async fn public_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHING),
        ],
        PUBLIC_CSS,
    )
        .into_response()
}
