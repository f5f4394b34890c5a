//! Importing money: `POST /api/v1/money/flows` (Cordon JSON lines, or the
//! CSV exports of block explorers and banks, docs/FLOWS.md),
//! `POST /api/v1/money/conversions` (JSON lines) and
//! `POST /api/v1/money/tags` (a GraphSense TagPack, YAML), each kept under
//! the marking the query names (default AMBER, your agency alone). A file
//! with any bad line imports nothing; the answer names every bad line and
//! its field.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use chrono::Utc;
use cordon_core::{Marking, Tlp};
use cordon_finance::asset::Network;
use cordon_finance::import::{self, Rejected, Skipped};
use cordon_store::{NewMoney, PutOutcome};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, Body, Query};
use crate::Shared;
use crate::error::{ApiError, ApiResult, ErrorCode, ItemError};
use crate::money::records;

/// How an upload is marked, and read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `CLEAR`, `GREEN`, `AMBER` (default), `AMBER+STRICT` or `RED`.
    tlp: Option<String>,
    /// Comma-separated recipients: agency codes, or `AGENCY/user` for RED.
    recipients: Option<String>,
    /// Whether others may learn that you hold an address (default true).
    hit_notification: Option<bool>,
    /// The network of a transfer export whose addresses do not say it:
    /// `ethereum` or `tron`.
    network: Option<String>,
}

/// What an import kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    /// Lines read, the header and blank lines included.
    pub lines: u64,
    /// Records kept as new (or as new revisions).
    pub added: u64,
    /// Records already kept with the same content and marking.
    pub unchanged: u64,
    /// Lines left out on purpose (a zero-value transfer, a failed
    /// transaction, a tag on a chain Cordon does not read), with why.
    pub skipped: Vec<SkippedLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedLine {
    pub line: u64,
    pub reason: String,
}

/// The marking an upload asks for, checked: recipients of member agencies
/// and users, RED for named people.
async fn marking(state: &Shared, q: &ImportQuery) -> ApiResult<Marking> {
    let tlp = match q.tlp.as_deref() {
        None => Tlp::Amber,
        Some(t) => t.parse::<Tlp>().map_err(|_| {
            ApiError::bad_request(format!(
                "tlp {t:?} is not one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"
            ))
            .field("tlp")
        })?,
    };
    let mut marking = Marking {
        tlp,
        recipients: q
            .recipients
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        hit_notification: q.hit_notification.unwrap_or(true),
    };
    marking.canonicalize();
    if let Err((i, message)) = marking.check_recipients() {
        let recipient = &marking.recipients[i];
        return Err(ApiError::new(
            ErrorCode::InvalidField,
            format!("recipient '{recipient}': {message}"),
        )
        .field(format!("recipients[{i}]")));
    }
    let mut check = super::marking::Recipients::default();
    for (i, r) in marking.recipients.iter().enumerate() {
        if let Some(problem) = check.problem(state, r).await? {
            return Err(
                ApiError::new(ErrorCode::InvalidField, problem).field(format!("recipients[{i}]"))
            );
        }
    }
    Ok(marking)
}

/// A rejected file as the error body: every bad line and its field.
fn rejected(r: Rejected) -> ApiError {
    let first = r.errors.first();
    let mut error = ApiError::new(
        ErrorCode::InvalidField,
        format!(
            "{} bad line(s) and nothing was imported; first: {}",
            r.errors.len(),
            first.map(|e| e.message.as_str()).unwrap_or("unreadable")
        ),
    );
    if let Some(e) = first {
        error = error.line(e.line);
        if let Some(f) = &e.field {
            error = error.field(f.clone());
        }
    }
    error.errors = r
        .errors
        .into_iter()
        .map(|e| ItemError {
            line: e.line,
            field: e.field,
            message: e.message,
        })
        .collect();
    error
}

/// Keeps records for the member's agency, then reads them back so that
/// they are in this server's analyses when the request answers.
async fn keep(
    state: &Shared,
    agency: &str,
    marking: &Marking,
    lines: u64,
    records: Vec<NewMoney>,
    skipped: Vec<Skipped>,
) -> ApiResult<Imported> {
    let outcomes = state
        .store
        .put_money(agency, marking, &records, Utc::now())
        .await?;
    state.money.sync(state.store.as_ref()).await?;
    let added = outcomes
        .iter()
        .filter(|o| matches!(o, PutOutcome::Added { .. }))
        .count() as u64;
    metrics::counter!("cordon_money_records_added_total").increment(added);
    Ok(Imported {
        lines,
        added,
        unchanged: outcomes.len() as u64 - added,
        skipped: skipped
            .into_iter()
            .map(|s| SkippedLine {
                line: s.line,
                reason: s.reason,
            })
            .collect(),
    })
}

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/csv"))
}

/// Imports flows: JSON lines (one flow per line), or with
/// `Content-Type: text/csv` an explorer's or bank's CSV export.
#[utoipa::path(
    post,
    operation_id = "import_flows",
    path = "/api/v1/money/flows",
    tag = "money",
    params(ImportQuery),
    request_body(content = String, description = "JSON lines of flows, or a CSV export (docs/FLOWS.md)", content_type = "application/x-ndjson"),
    security(("token" = [])),
    responses(
        (status = 200, description = "What was kept", body = Imported),
        (status = 400, description = "A bad query parameter", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Bad lines (`errors` lists each with its line and field); nothing was kept", body = ApiError),
    )
)]
pub async fn flows(
    State(state): State<Shared>,
    api: Api,
    headers: HeaderMap,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<Imported>> {
    let member = api.member()?.member.clone();
    let marking = marking(&state, &q).await?;
    let network = match q.network.as_deref() {
        None => None,
        Some("ethereum") => Some(Network::Ethereum),
        Some("tron") => Some(Network::Tron),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "network {other:?} is not ethereum or tron"
            ))
            .field("network"));
        }
    };
    let read = if is_csv(&headers) {
        import::csv::flows_from_csv(&body[..], &import::csv::CsvOptions { network })
    } else {
        import::jsonl::flows_from_json_lines(&body[..])
    }
    .map_err(rejected)?;
    let records = records::of_flows(&read.items);
    Ok(Json(
        keep(
            &state,
            &member.agency,
            &marking,
            read.lines,
            records,
            read.skipped,
        )
        .await?,
    ))
}

/// Imports conversions between assets (swaps, bridges, exchange deposits),
/// JSON lines.
#[utoipa::path(
    post,
    operation_id = "import_conversions",
    path = "/api/v1/money/conversions",
    tag = "money",
    params(ImportQuery),
    request_body(content = String, description = "JSON lines of conversions (docs/FLOWS.md)", content_type = "application/x-ndjson"),
    security(("token" = [])),
    responses(
        (status = 200, description = "What was kept", body = Imported),
        (status = 400, description = "A bad query parameter", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Bad lines (`errors` lists each); nothing was kept", body = ApiError),
    )
)]
pub async fn conversions(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<Imported>> {
    let member = api.member()?.member.clone();
    let marking = marking(&state, &q).await?;
    let read = import::jsonl::conversions_from_json_lines(&body[..], None).map_err(rejected)?;
    let records = records::of_conversions(&read.items);
    Ok(Json(
        keep(
            &state,
            &member.agency,
            &marking,
            read.lines,
            records,
            read.skipped,
        )
        .await?,
    ))
}

/// Imports attribution tags: a GraphSense TagPack (YAML).
#[utoipa::path(
    post,
    operation_id = "import_tags",
    path = "/api/v1/money/tags",
    tag = "money",
    params(ImportQuery),
    request_body(content = String, description = "A GraphSense TagPack (docs/FLOWS.md)", content_type = "application/yaml"),
    security(("token" = [])),
    responses(
        (status = 200, description = "What was kept", body = Imported),
        (status = 400, description = "A bad query parameter", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Bad lines (`errors` lists each); nothing was kept", body = ApiError),
    )
)]
pub async fn tags(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> ApiResult<Json<Imported>> {
    let member = api.member()?.member.clone();
    let marking = marking(&state, &q).await?;
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidField,
            format!("a tag pack is UTF-8 text: {e}"),
        )
        .line(1)
    })?;
    let pack = cordon_finance::tags::tagpack::read_tagpack(text).map_err(rejected)?;
    let lines = text.lines().count() as u64;
    let records = records::of_tags(&pack.tags);
    Ok(Json(
        keep(
            &state,
            &member.agency,
            &marking,
            lines,
            records,
            pack.skipped,
        )
        .await?,
    ))
}

/// A trace asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceRequest {
    /// Where to start: `{"kind": "leg", "flow": "…", "address": "trx:…"}`
    /// (a victim's payment), or `{"kind": "address", "address": "…"}` (a
    /// wallet or an account).
    #[schema(value_type = Vec<Object>)]
    pub seeds: Vec<cordon_finance::trace::Seed>,
    /// `forward` (default: where the money went) or `backward`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub direction: Option<cordon_finance::trace::Direction>,
    /// Models to run (default all): `poison`, `haircut`, `fifo`, `lifo`,
    /// `tiho`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub models: Option<Vec<cordon_finance::trace::Model>>,
    /// Hops to follow, 1 to 10 (default 5).
    #[serde(default)]
    pub max_hops: Option<u8>,
}

/// Who holds flows onward from where a trace stopped, that you may only
/// learn of.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeldElsewhere {
    pub agency: String,
    pub country: String,
    pub contact: String,
    /// The reached addresses their flows move money from.
    pub addresses: Vec<String>,
}

/// A trace over the money you may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraceAnswer {
    #[schema(value_type = Object)]
    pub trace: cordon_finance::trace::Trace,
    pub held_elsewhere: Vec<HeldElsewhere>,
}

/// Most seeds of one trace.
const MAX_SEEDS: usize = 1_000;

/// Traces money from seeds over the flows, conversions and tags you may
/// read, with every model side by side: amounts reaching each service with
/// a confidence band, the freezable balances with the flows that carried
/// them, and who holds the flows you may only learn of.
#[utoipa::path(
    post,
    operation_id = "trace_money",
    path = "/api/v1/money/trace",
    tag = "money",
    request_body = TraceRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The trace", body = TraceAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "A seed you may not trace from (`field` names it)", body = ApiError),
    )
)]
pub async fn trace(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<Json<TraceAnswer>> {
    api.member()?;
    let request: TraceRequest = super::reports::json_body(&body)?;
    Ok(Json(trace_for(&state, &api.viewer, &request).await?))
}

/// A trace for the API and the console alike.
pub(crate) async fn trace_for(
    state: &Shared,
    viewer: &crate::access::Viewer,
    request: &TraceRequest,
) -> ApiResult<TraceAnswer> {
    if request.seeds.is_empty() || request.seeds.len() > MAX_SEEDS {
        return Err(ApiError::bad_request(format!(
            "a trace starts from 1 to {MAX_SEEDS} seeds, not {}",
            request.seeds.len()
        ))
        .field("seeds"));
    }
    let max_hops = request.max_hops.unwrap_or(5);
    if !(1..=10).contains(&max_hops) {
        return Err(ApiError::bad_request("max_hops is 1 to 10").field("max_hops"));
    }
    let options = cordon_finance::trace::TraceOptions {
        direction: request.direction.unwrap_or_default(),
        models: request.models.as_deref().filter(|m| !m.is_empty()).map_or(
            cordon_finance::trace::Models::ALL,
            cordon_finance::trace::Models::of,
        ),
        max_hops,
        ..Default::default()
    };
    let (money, viewer2) = (state.clone(), viewer.clone());
    let readable = tokio::task::spawn_blocking(move || money.money.readable(&viewer2))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let seeds = request.seeds.clone();
    let traced = {
        let readable = readable.clone();
        tokio::task::spawn_blocking(move || {
            cordon_finance::trace::trace(&readable.graph, &readable.services, &seeds, &options)
        })
        .await
        .map_err(ApiError::internal)?
    };
    // A seed that names nothing readable answers the same as one that
    // names nothing at all.
    let trace = traced.map_err(|e| {
        let seed = match &e {
            cordon_finance::trace::TraceError::UnknownFlow { seed, .. }
            | cordon_finance::trace::TraceError::NotInFlow { seed, .. }
            | cordon_finance::trace::TraceError::UnknownAddress { seed, .. }
            | cordon_finance::trace::TraceError::Amount { seed, .. } => *seed,
        };
        ApiError::new(
            ErrorCode::InvalidField,
            format!("{e}, among the flows you may read"),
        )
        .field(format!("seeds[{seed}]"))
    })?;
    let reached: std::collections::BTreeSet<&str> =
        trace.addresses.iter().map(|a| a.address.as_str()).collect();
    let held_elsewhere = state
        .money
        .held_elsewhere(viewer, &reached)
        .into_iter()
        .map(|(agency, addresses)| {
            let (country, contact) = state.directory.contact(&agency);
            HeldElsewhere {
                agency,
                country,
                contact,
                addresses: addresses.into_iter().collect(),
            }
        })
        .collect();
    // The owners whose flows carried the traced money learn who traced.
    let own = viewer.member().map(|m| m.agency.as_str());
    let touched: std::collections::BTreeSet<&str> = trace
        .steps
        .iter()
        .filter_map(|s| readable.owners.get(&s.flow).map(String::as_str))
        .filter(|o| Some(*o) != own)
        .collect();
    let subject = request
        .seeds
        .iter()
        .map(|s| match s {
            cordon_finance::trace::Seed::Leg { flow, address, .. } => format!("{flow}/{address}"),
            cordon_finance::trace::Seed::Address { address, .. } => address.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    state.audit.record_all(
        touched
            .into_iter()
            .map(|owner| crate::audit::event(viewer, "money_trace", Some(owner), &subject))
            .collect(),
    )?;
    Ok(TraceAnswer {
        trace,
        held_elsewhere,
    })
}
