//! The web console: server-rendered pages for the members' analysts, on the
//! same port as the API.
//!
//! Every page reads without JavaScript; the one script (`/static/console.js`)
//! only adds niceties. Nothing is loaded from elsewhere: the stylesheet and
//! the script are compiled into the binary, and a strict
//! Content-Security-Policy forbids inline script and style, so that an
//! injected `<script>` or `style=` could not run even if escaping failed.
//!
//! Every page that shows report content takes it from an
//! [`access::Readable`](crate::access::Readable), through the same shared
//! functions as the API (`read_one`, `list_readable`, `Hits::answer`), so
//! the console can show no more than the API would, and audits the same.

mod alerts;
mod assets;
mod audit;
mod bulletins;
mod case_forms;
mod case_open;
mod case_page;
mod case_personal;
mod case_screening;
mod cases;
mod check;
mod dashboard;
mod drawing;
pub(crate) mod failure;
mod layout;
mod login;
mod money;
mod money_import;
mod money_patterns;
mod networks;
mod operations;
mod orange;
mod report;
mod sankey;
mod search;
mod selector;
mod session;
mod submit;
mod tips;
mod webhooks;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::Shared;

/// Only this origin's own files; no inline script or style, no framing, no
/// form posting elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; object-src 'none'";

pub fn routes(state: Shared) -> Router {
    let headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        // Pages hold intelligence: never kept by the browser or a proxy, so
        // that "back" after logging out shows nothing. The static files set
        // their own caching.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    Router::new()
        .route("/", get(dashboard::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/check", get(check::form).post(check::check))
        .route("/check/report", post(check::report))
        .route("/logout", post(login::logout))
        .route("/search", get(search::page))
        // Wildcards: a selector (`url:https://x/y`) or a report id may hold
        // a slash even after decoding.
        .route("/selectors/{*selector}", get(selector::page))
        .route("/reports/new", get(submit::form).post(submit::submit))
        .route("/reports/{agency}/{*id}", get(report::page))
        .route("/audit", get(audit::page))
        .route("/bulletins", get(bulletins::page))
        .route("/tips", get(tips::page))
        .route("/tips/{id}/close", post(tips::close))
        .route("/alerts", get(alerts::page))
        .route("/alerts/stream", get(alerts::stream))
        .route("/alerts/watches", post(alerts::keep))
        .route("/alerts/interest", post(alerts::interest))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}/delete", post(webhooks::delete))
        .route(
            "/webhooks/{id}/dead-letters/{seq}/retry",
            post(webhooks::retry),
        )
        .route("/networks", get(networks::list))
        .route("/networks/{id}", get(networks::network))
        .route("/networks/{id}/notices", post(networks::draft_notice))
        .route("/networks/{id}/merge", post(networks::merge))
        .route("/compounds", get(networks::compounds))
        .route("/compounds/{site}", get(networks::compound))
        .route("/compounds/{site}/status", post(networks::set_status))
        .route("/notices/{id}", get(networks::notice))
        .route("/notices/{id}/publish", post(networks::publish))
        .route("/notices/{id}/print", get(networks::print))
        .route(
            "/operations",
            get(operations::list).post(operations::create),
        )
        .route("/operations/{id}", get(operations::operation))
        .route("/operations/{id}/targets", post(operations::add_targets))
        .route(
            "/operations/{id}/targets/remove",
            post(operations::remove_target),
        )
        .route("/operations/{id}/tasks", post(operations::add_task))
        .route(
            "/operations/{id}/tasks/{task}",
            post(operations::update_task),
        )
        .route("/operations/{id}/log", post(operations::add_log))
        .route("/operations/{id}/update", post(operations::update))
        .route("/deconflictions", get(operations::deconflictions))
        .route("/money", get(money::trace))
        .route("/money/freeze", post(money::freeze))
        .route(
            "/money/import",
            get(money_import::form).post(money_import::import),
        )
        .route("/money/mules", get(money_patterns::mules))
        .route("/money/cluster", get(money_patterns::cluster))
        .route("/cases", get(cases::queue).post(case_open::open))
        .route("/cases/new", get(case_open::new))
        .route("/cases/embassy", get(cases::embassy))
        .route("/cases/{id}", get(case_forms::case))
        .route("/cases/{id}/stage", post(case_forms::stage))
        .route("/cases/{id}/evidence", post(case_forms::evidence))
        .route("/cases/{id}/outcome", post(case_forms::outcome))
        .route("/cases/{id}/demands", post(case_forms::demand))
        .route("/cases/{id}/release", post(case_forms::release))
        .route("/cases/{id}/assign", post(case_forms::assign))
        .route("/cases/{id}/tasks", post(case_forms::task))
        .route("/cases/{id}/notes", post(case_forms::note))
        .route("/cases/{id}/split", post(case_forms::split))
        .route("/cases/{id}/merge", post(case_forms::merge))
        .route("/cases/{id}/details", post(case_forms::details))
        .route("/cases/{id}/personal", post(case_forms::personal))
        .route("/cases/{id}/htcds.json", get(case_forms::htcds_json))
        .route("/cases/{id}/htcds.csv", get(case_forms::htcds_csv))
        .route("/orange-notices", get(orange::list).post(orange::issue))
        .route("/orange-notices/{id}", get(orange::notice))
        .route("/orange-notices/{id}/ack", post(orange::ack))
        .route(assets::CSS_PATH, get(assets::css))
        .route(assets::PUBLIC_CSS_PATH, get(assets::public_css))
        .route(assets::JS_PATH, get(assets::js))
        .with_state(state)
        .layer(headers)
}

/// `text` as one URL path segment or query value: everything but the
/// unreserved characters percent-encoded, so that the `:`, `@`, `+`, `/`, `?`
/// and `#` of selectors and ids survive the round trip.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The console page of a canonical selector.
pub(crate) fn selector_href(selector: &str) -> String {
    format!("/selectors/{}", encode(selector))
}

/// The console page of a report.
pub(crate) fn report_href(agency: &str, id: &str) -> String {
    format!("/reports/{}/{}", encode(agency), encode(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_ids_are_encoded_whole() {
        assert_eq!(
            selector_href("phone:+85512345678"),
            "/selectors/phone%3A%2B85512345678"
        );
        assert_eq!(
            selector_href("url:https://bad.example/a?b#c"),
            "/selectors/url%3Ahttps%3A%2F%2Fbad.example%2Fa%3Fb%23c"
        );
        assert_eq!(
            report_href("GB-NCA", "case 7/ü"),
            "/reports/GB-NCA/case%207%2F%C3%BC"
        );
    }
}
