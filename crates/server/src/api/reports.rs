//! Reports: submit (JSON, a JSON array, CSV or JSON lines), read one, list
//! and search.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use chrono::{DateTime, Utc};
use cordon_core::ingest::{self, Checked, LineError};
use cordon_core::{Report, ReportKind, ReportSubmission, Tlp};
use cordon_store::{NewStixObject, ReportFilter, StoredReport, SubmitOutcome};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, Body, Path, Query};
use crate::Shared;
use crate::access::{Readable, Viewer, readable_report};
use crate::error::{ApiError, ApiResult, ErrorCode, ItemError};

/// A stored report revision as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    /// The owning agency.
    pub agency: String,
    pub revision: u32,
    /// When the exchange accepted this revision.
    pub accepted: DateTime<Utc>,
    /// Global ingest sequence number of this revision.
    pub seq: i64,
    pub report: Report,
    /// Selectors of the report that identify a person screened as a
    /// possible or actual victim of trafficking: the non-punishment
    /// principle applies to them (the case itself stays with its agencies).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_punishment: Vec<NonPunishment>,
}

/// A report's selector that identifies a protected person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NonPunishment {
    pub selector: String,
    /// `possible_victim` or `actual_victim`.
    #[schema(value_type = String)]
    pub status: cordon_protect::screening::Status,
}

/// The report's selectors that identify protected people.
pub fn non_punishment(cases: &crate::cases::Cases, report: &Report) -> Vec<NonPunishment> {
    report
        .selectors
        .iter()
        .filter_map(|s| {
            cases.protected(s.as_str()).map(|status| NonPunishment {
                selector: s.as_str().to_owned(),
                status,
            })
        })
        .collect()
}

/// Every non-punishment flag shown is in the audit log of the agencies
/// whose cases raised it, so that probing selectors for victims leaves a
/// trace with the people who protect them.
pub fn audit_non_punishment(
    state: &Shared,
    viewer: &Viewer,
    flags: &[NonPunishment],
) -> ApiResult<()> {
    let events: Vec<_> = flags
        .iter()
        .flat_map(|f| {
            state
                .cases
                .protecting(&f.selector)
                .into_iter()
                .map(|owner| {
                    crate::audit::event(viewer, "non_punishment_shown", Some(&owner), &f.selector)
                })
        })
        .collect();
    if events.is_empty() {
        return Ok(());
    }
    state.audit.record_all(events)
}

impl ReportView {
    /// Only readable reports can be shown.
    pub fn of(readable: Readable<StoredReport>, cases: &crate::cases::Cases) -> Self {
        let r = readable.into_inner();
        ReportView {
            non_punishment: non_punishment(cases, &r.report),
            agency: r.agency,
            revision: r.revision,
            accepted: r.accepted,
            seq: r.seq,
            report: r.report,
        }
    }
}

/// What happened to one submitted report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmitResult {
    /// 1-based position in the batch (or line of the file).
    pub line: u64,
    pub id: String,
    /// `accepted` (stored as a new report or revision) or `unchanged`
    /// (same content as the current revision; nothing written).
    pub status: String,
    pub revision: u32,
    pub seq: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmitAnswer {
    pub results: Vec<SubmitResult>,
    pub accepted: u64,
    pub unchanged: u64,
}

/// Submits one report (a JSON object), a batch (a JSON array), a CSV file
/// (`text/csv`) or JSON lines (`application/x-ndjson`). The whole
/// submission is checked first: if any report is invalid, nothing is
/// stored and every bad item is listed with its line and field. The answer
/// comes only after the reports are durable.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    request_body(
        description = "One report, an array of reports, CSV or JSON lines",
        content(
            (ReportSubmission = "application/json"),
            (String = "text/csv"),
            (String = "application/x-ndjson"),
        )
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "Stored; one result per report, in order", body = SubmitAnswer),
        (status = 400, description = "Not JSON, CSV or JSON lines", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 413, description = "Too large", body = ApiError),
        (status = 422, description = "Invalid reports; nothing stored", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
        (status = 503, description = "The database is not answering or its disk is full; nothing stored", body = ApiError),
    )
)]
pub async fn submit(
    State(state): State<Shared>,
    api: Api,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Json<SubmitAnswer>> {
    let caller = api.member()?.clone();
    let now = Utc::now();
    let media = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let checked = match media.as_str() {
        "" | "application/json" => check_json(&body, now)?,
        "text/csv" => ingest::csv::validate(&body[..], now).map_err(line_error)?,
        "application/x-ndjson" | "application/jsonl" => {
            ingest::validate_json_lines(&body[..], now).map_err(line_error)?
        }
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "cannot read a body of type '{other}'; send application/json, text/csv or application/x-ndjson"
                ),
            ));
        }
    };
    let reports = accept_checked(checked, state.config.max_reports)?;
    let stored = store_reports(&state, &caller.member.agency, &reports, &[]).await?;
    Ok(Json(stored.answer))
}

/// What [`store_reports`] wrote.
#[derive(Debug)]
pub struct Stored {
    pub answer: SubmitAnswer,
    /// When the reports were accepted and the kept objects added.
    pub at: DateTime<Utc>,
}

/// Stores validated reports for an agency, with the STIX objects an import
/// keeps beside them, in one transaction; the hit index learns of the
/// stored revisions in the request that stored them. Shared by the API's
/// submit, the console's form and TAXII's add.
pub async fn store_reports(
    state: &Shared,
    agency: &str,
    reports: &[(u64, Report)],
    kept: &[NewStixObject],
) -> ApiResult<Stored> {
    check_recipients(state, reports).await?;
    let accepted_at = Utc::now();
    let only: Vec<Report> = reports.iter().map(|(_, r)| r.clone()).collect();
    let written = state
        .store
        .submit_with_kept(agency, &only, kept, accepted_at)
        .await?;
    let mut results = Vec::with_capacity(reports.len());
    let (mut accepted, mut unchanged) = (0, 0);
    for ((line, report), outcome) in reports.iter().zip(written.reports) {
        let (status, revision, seq) = match outcome {
            SubmitOutcome::Accepted { revision, seq } => {
                accepted += 1;
                let stored = StoredReport {
                    seq,
                    agency: agency.to_owned(),
                    revision,
                    accepted: accepted_at,
                    digest: report.digest(),
                    report: report.clone(),
                };
                state.accepted(&stored);
                ("accepted", revision, seq)
            }
            SubmitOutcome::Unchanged { revision, seq } => {
                unchanged += 1;
                ("unchanged", revision, seq)
            }
        };
        results.push(SubmitResult {
            line: *line,
            id: report.id.clone(),
            status: status.to_owned(),
            revision,
            seq,
        });
    }
    metrics::counter!("cordon_reports_accepted_total").increment(accepted);
    Ok(Stored {
        answer: SubmitAnswer {
            results,
            accepted,
            unchanged,
        },
        at: accepted_at,
    })
}

/// Decodes a JSON body into `T` with the error body on failure.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("the body is not valid json for this request: {e}"))
    })
}

/// One JSON object or an array of them, each validated; line = position.
fn check_json(body: &[u8], now: DateTime<Utc>) -> ApiResult<Checked> {
    // The common case, one well-formed report, is read straight into its
    // type; anything else goes through a JSON value for per-item errors.
    if let Ok(submission) = serde_json::from_slice::<ReportSubmission>(body) {
        let mut checked = Checked {
            lines: 1,
            ..Checked::default()
        };
        match ingest::check_submission(1, &submission, now) {
            Ok(r) => checked.reports.push(r),
            Err(e) => checked.errors.push(e),
        }
        return Ok(checked);
    }
    let value: serde_json::Value = json_body(body)?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => {
            return Err(ApiError::bad_request(
                "send one report as a json object or several as a json array",
            ));
        }
    };
    let mut checked = Checked::default();
    for (i, item) in items.into_iter().enumerate() {
        let line = i as u64 + 1;
        checked.lines = line;
        let result = serde_json::from_value::<ReportSubmission>(item)
            .map_err(|e| LineError {
                line,
                field: None,
                message: format!("not a report: {e}"),
            })
            .and_then(|s| ingest::check_submission(line, &s, now));
        match result {
            Ok(r) => checked.reports.push(r),
            Err(e) => checked.errors.push(e),
        }
    }
    Ok(checked)
}

/// Turns a checked submission into reports with their lines, or the error
/// that lists every bad one.
fn accept_checked(checked: Checked, max: usize) -> ApiResult<Vec<(u64, Report)>> {
    if !checked.errors.is_empty() {
        let bad = checked
            .errors
            .iter()
            .map(|e| e.line)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        return Err(invalid_reports(
            &checked.errors,
            bad + checked.reports.len(),
        ));
    }
    if checked.reports.is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidReport,
            "the submission holds no report",
        ));
    }
    if checked.reports.len() > max {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "{} reports sent; one submission holds at most {max}, split it",
                checked.reports.len()
            ),
        ));
    }
    // Reports keep their position: the checkers preserve input order, and
    // JSON-lines/CSV lines are renumbered from the reports' own order.
    Ok(checked
        .reports
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i as u64 + 1, r))
        .collect())
}

/// The error that lists every bad report of a submission.
/// `total` counts the good reports too; a report may have several errors.
pub(crate) fn invalid_reports(errors: &[LineError], total: usize) -> ApiError {
    let first = &errors[0];
    let bad = errors
        .iter()
        .map(|e| e.line)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut error = ApiError::new(
        ErrorCode::InvalidReport,
        format!(
            "{bad} of {total} reports are invalid and nothing was stored; first: {}",
            first.message
        ),
    )
    .line(first.line);
    if let Some(f) = &first.field {
        error = error.field(f.clone());
    }
    error.errors = errors
        .iter()
        .take(1000)
        .map(|e| ItemError {
            line: e.line,
            field: e.field.clone(),
            message: e.message.clone(),
        })
        .collect();
    error
}

/// Recipients must name member agencies, and individuals must be users of
/// theirs: a misspelt recipient would otherwise grant nobody, silently.
async fn check_recipients(state: &Shared, reports: &[(u64, Report)]) -> ApiResult<()> {
    let mut check = super::marking::Recipients::default();
    let mut errors = Vec::new();
    for (line, report) in reports {
        for recipient in &report.marking.recipients {
            if let Some(message) = check.problem(state, recipient).await? {
                errors.push(LineError {
                    line: *line,
                    field: Some("marking.recipients".into()),
                    message,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid_reports(&errors, reports.len()))
    }
}

fn line_error(e: LineError) -> ApiError {
    let mut error = ApiError::new(ErrorCode::InvalidRequest, e.message.clone()).line(e.line);
    if let Some(f) = e.field {
        error = error.field(f);
    }
    error
}

/// One report, its newest revision, if you may read it. A report you may
/// not read answers exactly like one that does not exist.
#[utoipa::path(
    operation_id = "read_report",
    get,
    path = "/api/v1/reports/{agency}/{id}",
    tag = "reports",
    params(
        ("agency" = String, Path, description = "The owning agency's code"),
        ("id" = String, Path, description = "The report id"),
    ),
    security((), ("token" = [])),
    responses(
        (status = 200, description = "The report", body = ReportView),
        (status = 400, description = "Bad path", body = ApiError),
        (status = 401, description = "Bad token", body = ApiError),
        (status = 404, description = "No such report that you may read", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
    )
)]
pub async fn read(
    State(state): State<Shared>,
    api: Api,
    Path((agency, id)): Path<(String, String)>,
) -> ApiResult<Json<ReportView>> {
    let view = read_one(&state, &api.viewer, &agency, &id).await?;
    let view = ReportView::of(view, &state.cases);
    audit_non_punishment(&state, &api.viewer, &view.non_punishment)?;
    Ok(Json(view))
}

/// Reads one report through the access rules and audits the read of
/// another agency's data. Shared with the console.
pub async fn read_one(
    state: &Shared,
    viewer: &Viewer,
    agency: &str,
    id: &str,
) -> ApiResult<Readable<StoredReport>> {
    let stored = state.store.report(agency, id).await?;
    let readable = stored
        .and_then(|r| readable_report(viewer, r))
        .ok_or_else(|| ApiError::not_found("report"))?;
    if viewer.member().is_none_or(|m| m.agency != agency) {
        state.audit.record(crate::audit::event(
            viewer,
            "read_report",
            Some(agency),
            &format!("{agency}/{id}"),
        ))?;
    }
    Ok(readable)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Owning agency code.
    pub agency: Option<String>,
    /// ISO 3166-1 alpha-2 country of the report.
    pub country: Option<String>,
    /// Report kind.
    pub kind: Option<ReportKind>,
    /// Modus-operandi tag (taxonomy id).
    pub mo: Option<String>,
    /// TLP level.
    pub tlp: Option<Tlp>,
    /// Reports holding a selector of this kind (canonical prefix: `phone`, `iban`, `telegram` …).
    pub selector_kind: Option<String>,
    /// Received at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Received before (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Full-text search over narratives: all words must occur.
    pub q: Option<String>,
    /// Continue after a previous page: its `next_before`.
    pub before: Option<i64>,
    /// Reports per page, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub reports: Vec<ReportView>,
    /// Pass as `before` for the next page; absent at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

/// Lists and searches the reports you may read, newest first.
#[utoipa::path(
    operation_id = "list_reports",
    get,
    path = "/api/v1/reports",
    tag = "reports",
    params(ListQuery),
    security((), ("token" = [])),
    responses(
        (status = 200, description = "A page of reports you may read", body = ReportPage),
        (status = 400, description = "Bad filter", body = ApiError),
        (status = 401, description = "Bad token", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<ReportPage>> {
    let (reports, next_before) = list_readable(&state, &api.viewer, &q).await?;
    let reports: Vec<ReportView> = reports
        .into_iter()
        .map(|r| ReportView::of(r, &state.cases))
        .collect();
    let flags: Vec<NonPunishment> = reports
        .iter()
        .flat_map(|r| r.non_punishment.iter().cloned())
        .collect();
    audit_non_punishment(&state, &api.viewer, &flags)?;
    Ok(Json(ReportPage {
        reports,
        next_before,
    }))
}

/// Store pages scanned for one answer page at most; a viewer who may read
/// little of a large store gets a shorter page and a cursor to go on.
const SCAN_PAGES: usize = 20;

/// The readable reports of one page of a listing, and the cursor to go on;
/// every read of another agency's report is audited.
pub async fn list_readable(
    state: &Shared,
    viewer: &Viewer,
    q: &ListQuery,
) -> ApiResult<(Vec<Readable<StoredReport>>, Option<i64>)> {
    let (out, next) = scan_readable(state, viewer, q).await?;
    let events: Vec<_> = out
        .iter()
        .filter(|r| viewer.member().is_none_or(|m| m.agency != r.get().agency))
        .map(|r| {
            let r = r.get();
            crate::audit::event(
                viewer,
                "read_report",
                Some(&r.agency),
                &format!("{}/{}", r.agency, r.report.id),
            )
        })
        .collect();
    if !events.is_empty() {
        state.audit.record_all(events)?;
    }
    Ok((out, next))
}

/// Like [`list_readable`] but without auditing each report: for figures
/// computed over many reports, whose caller records one aggregate event per
/// owner instead (a dashboard must not flood owners' logs with thousands
/// of reads that showed no report).
pub async fn scan_readable(
    state: &Shared,
    viewer: &Viewer,
    q: &ListQuery,
) -> ApiResult<(Vec<Readable<StoredReport>>, Option<i64>)> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request("limit must lie in 1..200").field("limit"));
    }
    let filter = ReportFilter {
        agency: q.agency.clone(),
        country: q.country.clone().map(|c| c.trim().to_ascii_uppercase()),
        kind: q.kind,
        mo: q.mo.clone(),
        tlp: q.tlp,
        selector_kind: q.selector_kind.clone(),
        received_from: q.from,
        received_until: q.until,
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
    };
    let mut out = Vec::new();
    let mut before = q.before;
    let mut exhausted = false;
    for _ in 0..SCAN_PAGES {
        let page = state.store.list_reports(&filter, before, limit).await?;
        let full = page.len() == limit as usize;
        for r in page {
            before = Some(r.seq);
            if let Some(readable) = readable_report(viewer, r) {
                out.push(readable);
                if out.len() == limit as usize {
                    break;
                }
            }
        }
        if !full {
            exhausted = out.len() < limit as usize;
            break;
        }
        if out.len() == limit as usize {
            break;
        }
    }
    Ok((out, if exhausted { None } else { before }))
}
