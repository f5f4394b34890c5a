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
use cordon_finance::import::Rejected;
use cordon_store::PutOutcome;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, Body, Query};
use crate::Shared;
use crate::access::Member;
use crate::error::{ApiError, ApiResult, ErrorCode, ItemError};
use crate::money::records;
use crate::money::trace::{TraceAnswer, TraceRequest};

/// How an upload is marked, and read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `CLEAR`, `GREEN`, `AMBER` (default), `AMBER+STRICT` or `RED`.
    pub(crate) tlp: Option<String>,
    /// Comma-separated recipients: agency codes, or `AGENCY/user` for RED.
    pub(crate) recipients: Option<String>,
    /// Whether others may learn that you hold an address (default true).
    pub(crate) hit_notification: Option<bool>,
    /// The network of a transfer export whose addresses do not say it:
    /// `ethereum` or `tron`.
    pub(crate) network: Option<String>,
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
        return Err(ApiError::invalid_field(
            format!("recipients[{i}]"),
            format!("recipient '{recipient}': {message}"),
        ));
    }
    let mut check = super::marking::Recipients::default();
    for (i, r) in marking.recipients.iter().enumerate() {
        if let Some(problem) = check.problem(state, r).await? {
            return Err(ApiError::invalid_field(format!("recipients[{i}]"), problem));
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

/// The network a transfer export's query names, if any.
pub(crate) fn network(q: &ImportQuery) -> ApiResult<Option<Network>> {
    match q.network.as_deref() {
        None => Ok(None),
        Some("ethereum") => Ok(Some(Network::Ethereum)),
        Some("tron") => Ok(Some(Network::Tron)),
        Some(other) => Err(ApiError::bad_request(format!(
            "network {other:?} is not ethereum or tron"
        ))
        .field("network")),
    }
}

/// An upload for the API and the console alike: kept for the member's
/// agency under the marking `q` asks for (checked first), or refused
/// whole with every bad line; then read back so that the records are in
/// this server's analyses when the request answers. `network` is the
/// network of a transfer export whose addresses do not say it.
pub(crate) async fn import_for(
    state: &Shared,
    member: &Member,
    q: &ImportQuery,
    upload: records::Upload,
    bytes: &[u8],
    network: Option<Network>,
) -> ApiResult<Imported> {
    let marking = marking(state, q).await?;
    let read = records::read(upload, bytes, network).map_err(rejected)?;
    let outcomes = state
        .store
        .put_money(&member.agency, &marking, &read.records, Utc::now())
        .await?;
    state.money.sync(state.store.as_ref()).await?;
    let added = outcomes
        .iter()
        .filter(|o| matches!(o, PutOutcome::Added { .. }))
        .count() as u64;
    metrics::counter!("cordon_money_records_added_total").increment(added);
    Ok(Imported {
        lines: read.lines,
        added,
        unchanged: outcomes.len() as u64 - added,
        skipped: read
            .skipped
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
    let network = network(&q)?;
    let upload = if is_csv(&headers) {
        records::Upload::FlowCsv
    } else {
        records::Upload::FlowLines
    };
    let member = &api.member()?.member;
    Ok(Json(
        import_for(&state, member, &q, upload, &body, network).await?,
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
    let member = &api.member()?.member;
    let upload = records::Upload::Conversions;
    Ok(Json(
        import_for(&state, member, &q, upload, &body, None).await?,
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
    let member = &api.member()?.member;
    let upload = records::Upload::TagPack;
    Ok(Json(
        import_for(&state, member, &q, upload, &body, None).await?,
    ))
}

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

/// A trace for the API and the console alike: run, then audited for the
/// owners whose flows carried the traced money.
pub(crate) async fn trace_for(
    state: &Shared,
    viewer: &crate::access::Viewer,
    request: &TraceRequest,
) -> ApiResult<TraceAnswer> {
    let (money, viewer2, request2) = (state.clone(), viewer.clone(), request.clone());
    let (answer, touched) = tokio::task::spawn_blocking(move || {
        crate::money::trace::run(&money.money, &money.directory, &viewer2, &request2)
    })
    .await
    .map_err(ApiError::internal)??;
    let subject = crate::money::trace::subject(request);
    audit_touched(state, viewer, "money_trace", &touched, &subject)?;
    Ok(answer)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MuleQuery {
    /// The lowest score listed, 0 to 1 (default 0.4, where precision on the
    /// simulated worlds is 0.97 or more).
    min_score: Option<f64>,
    /// Wallets too, not only bank accounts (default false).
    crypto: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MuleList {
    /// Accounts, most suspect first (at most 1,000), each with the
    /// patterns that make it suspect, explained, and the flows that show
    /// them.
    #[schema(value_type = Vec<Object>)]
    pub accounts: Vec<cordon_finance::mules::MuleScore>,
}

/// Accounts whose traffic, among the flows you may read, looks like a
/// money mule's: fan-in, fan-out, rapid pass-through, scatter-gather,
/// cycles, scored and explained.
#[utoipa::path(
    get,
    operation_id = "list_mules",
    path = "/api/v1/money/mules",
    tag = "money",
    params(MuleQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "Suspect accounts", body = MuleList),
        (status = 400, description = "A bad query parameter", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn mules(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<MuleQuery>,
) -> ApiResult<Json<MuleList>> {
    api.member()?;
    let accounts = mules_for(&state, &api.viewer, q.min_score, q.crypto.unwrap_or(false)).await?;
    Ok(Json(MuleList { accounts }))
}

/// The lowest score listed when the query names none.
pub(crate) const MIN_SCORE: f64 = cordon_finance::mules::FLAGGED;

/// Mule accounts for the API and the console alike: `min_score` checked,
/// then found off the async threads.
pub(crate) async fn mules_for(
    state: &Shared,
    viewer: &crate::access::Viewer,
    min_score: Option<f64>,
    crypto: bool,
) -> ApiResult<Vec<cordon_finance::mules::MuleScore>> {
    let min_score = min_score.unwrap_or(MIN_SCORE);
    if !(0.0..=1.0).contains(&min_score) {
        return Err(ApiError::bad_request("min_score is between 0 and 1").field("min_score"));
    }
    let (s, who) = (state.clone(), viewer.clone());
    let (found, touched) = tokio::task::spawn_blocking(move || {
        crate::money::patterns::mules(&s.money, &who, min_score, crypto)
    })
    .await
    .map_err(ApiError::internal)??;
    let subject = format!("mules min_score={min_score} crypto={crypto}");
    audit_touched(state, viewer, "money_mules", &touched, &subject)?;
    Ok(found)
}

/// The owners of other agencies' flows an answer used learn of it in
/// their audit log.
fn audit_touched(
    state: &Shared,
    viewer: &crate::access::Viewer,
    action: &str,
    touched: &std::collections::BTreeSet<String>,
    subject: &str,
) -> ApiResult<()> {
    state.audit.record_all(
        touched
            .iter()
            .map(|owner| crate::audit::event(viewer, action, Some(owner), subject))
            .collect(),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClusterQuery {
    /// A wallet, in any form.
    address: String,
}

/// The addresses the owner of a wallet controls, as clustering finds them
/// among the flows you may read (co-spend, one-time change, peel chains),
/// each joined by the merges that say so.
#[utoipa::path(
    get,
    operation_id = "read_cluster",
    path = "/api/v1/money/cluster",
    tag = "money",
    params(ClusterQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The cluster", body = crate::money::patterns::Cluster),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Not a wallet, or in no flow you may read", body = ApiError),
    )
)]
pub async fn cluster(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<ClusterQuery>,
) -> ApiResult<Json<crate::money::patterns::Cluster>> {
    api.member()?;
    Ok(Json(cluster_for(&state, &api.viewer, &q.address).await?))
}

/// A wallet's cluster for the API and the console alike: the address read
/// as a wallet in any form, then clustered off the async threads.
pub(crate) async fn cluster_for(
    state: &Shared,
    viewer: &crate::access::Viewer,
    address: &str,
) -> ApiResult<crate::money::patterns::Cluster> {
    let address = cordon_finance::tags::money_selector(address)
        .map_err(|e| ApiError::invalid_field("address", e.message))?;
    let (s, who, asked) = (state.clone(), viewer.clone(), address.clone());
    let (found, touched) = tokio::task::spawn_blocking(move || {
        crate::money::patterns::cluster(&s.money, &who, &asked)
    })
    .await
    .map_err(ApiError::internal)??;
    audit_touched(state, viewer, "money_cluster", &touched, &address)?;
    Ok(found)
}
