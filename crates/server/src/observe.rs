//! Watching the service: Prometheus metrics at `/metrics`, `/healthz`
//! (the process answers) and `/readyz` (it can serve everything, hit index
//! included), and one log line per request without secrets.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::Router;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::Shared;
use crate::error::ApiError;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide metrics recorder once; later servers in the
/// same process (tests) share it.
pub fn install_recorder() {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
            .expect("static buckets are valid")
            .build_recorder();
        let handle = recorder.handle();
        start_upkeep(handle.clone());
        // Another recorder may already be installed by an embedding
        // program; then its metrics win and ours render empty.
        let _ = metrics::set_global_recorder(recorder);
        handle
    });
}

/// How often histogram samples are folded into their buckets. The recorder
/// holds every sample (16 bytes) until then: left to scrapes alone, a
/// server nobody scraped grew by 280 MB an hour at 5,000 requests a second.
const UPKEEP: Duration = Duration::from_secs(1);

/// Folds the samples on a thread of its own, so that it runs whichever
/// runtime (or none) the recorder was installed from.
fn start_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP);
                handle.run_upkeep();
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the metrics upkeep thread; histograms grow until scraped");
    }
}

pub fn routes(state: Shared) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .with_state(state)
}

async fn metrics_text(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !may_scrape(&state, peer, &headers) {
        return ApiError::forbidden(
            "metrics are served to loopback peers, or to scrapers sending the configured metrics token",
        )
        .into_response();
    }
    let stats = state.hits.stats();
    metrics::gauge!("cordon_hit_index_selectors").set(stats.selectors as f64);
    metrics::gauge!("cordon_hit_index_reports").set(stats.reports as f64);
    metrics::gauge!("cordon_hit_index_postings").set(stats.postings as f64);
    metrics::gauge!("cordon_hit_index_heap_bytes").set(stats.heap_bytes as f64);
    metrics::gauge!("cordon_hit_index_ready").set(if state.hits.is_ready() { 1.0 } else { 0.0 });
    metrics::gauge!("cordon_bus_state").set(state.bus.state() as u8 as f64);
    metrics::gauge!("cordon_uptime_seconds").set(state.started.elapsed().as_secs_f64());
    let body = HANDLE.get().map(|h| h.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Loopback peers may scrape; others only with the configured token.
fn may_scrape(state: &Shared, peer: SocketAddr, headers: &HeaderMap) -> bool {
    if let Some(expected) = &state.config.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        return sent.is_some_and(|sent| crate::auth::same_secret(sent, expected));
    }
    peer.ip().is_loopback()
}

async fn ready(State(state): State<Shared>) -> Response {
    if !state.hits.is_ready() {
        return ApiError::unavailable("the hit index is loading").into_response();
    }
    match state.store.counts().await {
        Ok(_) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Counts and times every request by route and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let seconds = started.elapsed().as_secs_f64();
    metrics::histogram!("cordon_http_request_seconds", "route" => route.clone(), "method" => method.clone()).record(seconds);
    metrics::counter!("cordon_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status.clone()).increment(1);
    if response.status().is_server_error() {
        tracing::warn!(%route, %method, %status, seconds, "request failed");
    } else {
        tracing::debug!(%route, %method, %status, seconds, "request");
    }
    response
}

/// A handler that panicked: the request gets the internal error body, the
/// server keeps running.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal(format!("handler panicked: {what}")).into_response()
}
