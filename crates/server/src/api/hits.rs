//! `GET /api/v1/hits?selector=…` and `POST /api/v1/hits`: hit / no-hit.

use axum::Json;
use axum::extract::State;
use cordon_core::selector::Region;
use cordon_store::AuditEvent;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, Body, Query};
use crate::Shared;
use crate::access::Viewer;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::hits::{HeldElsewhere, NotReady, ReadableHit, SelectorHits, TouchedOwners, canonical};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HitQuery {
    /// A selector in any form: `+855 12-345-678`, `hxxp://bad[.]example/x`, `@handle`.
    selector: String,
    /// ISO 3166-1 alpha-2 region for national phone numbers and bank accounts.
    region: Option<String>,
}

/// Who holds a selector: the reports you may read, and for the others only
/// the holder, its contact and counts.
#[utoipa::path(
    get,
    path = "/api/v1/hits",
    tag = "hits",
    params(HitQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The hits (empty lists: no hit)", body = SelectorHits),
        (status = 400, description = "Bad query", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 422, description = "Not a selector", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
        (status = 503, description = "The hit index is loading; retry", body = ApiError),
    )
)]
pub async fn one(
    State(state): State<Shared>,
    api: Api,
    Query(q): Query<HitQuery>,
) -> ApiResult<Json<SelectorHits>> {
    api.member()?;
    let region = parse_region(q.region.as_deref())?;
    let selector = selector_param(&q.selector, region, "selector")?;
    let (hits, touched) = state
        .hits
        .answer(&api.viewer, selector.as_str(), &state.directory)
        .map_err(not_ready)?;
    let asked = [(selector.as_str(), &touched[..])];
    state.audit.record_all(hit_events(&api.viewer, asked))?;
    asked_of(&state, &api.viewer, &asked);
    Ok(Json(hits))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HitBatch {
    /// Up to 10,000 selectors in any form.
    selectors: Vec<String>,
    /// ISO 3166-1 alpha-2 region for national numbers, applied to all.
    #[serde(default)]
    region: Option<String>,
}

/// The answer for one selector of a batch, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    /// The selector as sent.
    input: String,
    /// Its canonical form; absent when it is not a selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
    /// Why it is not a selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ItemProblem>,
    readable: Vec<ReadableHit>,
    held_elsewhere: Vec<HeldElsewhere>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemProblem {
    /// The selector error code (`invalid_phone`, `unrecognized` …).
    code: String,
    message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    results: Vec<BatchItem>,
    /// How many selectors had at least one hit you may see.
    hits: u64,
}

/// Hit / no-hit for up to 10,000 selectors at once; a selector that cannot
/// be normalised gets its error in place, the others are answered.
#[utoipa::path(
    post,
    path = "/api/v1/hits",
    tag = "hits",
    request_body = HitBatch,
    security(("token" = [])),
    responses(
        (status = 200, description = "One answer per selector, in order", body = BatchAnswer),
        (status = 400, description = "Bad body or too many selectors", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 413, description = "Body too large", body = ApiError),
        (status = 429, description = "Rate limited", body = ApiError),
        (status = 503, description = "The hit index is loading; retry", body = ApiError),
    )
)]
pub async fn batch(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<Json<BatchAnswer>> {
    api.member()?;
    let batch: HitBatch = super::reports::json_body(&body)?;
    if batch.selectors.len() > state.config.max_hit_batch {
        return Err(ApiError::bad_request(format!(
            "{} selectors sent; a batch holds at most {}",
            batch.selectors.len(),
            state.config.max_hit_batch
        ))
        .field("selectors"));
    }
    let region = parse_region(batch.region.as_deref())?;
    if !state.hits.is_ready() {
        return Err(not_ready(NotReady));
    }
    // Normalising and answering 10,000 selectors is pure CPU: split it
    // over the cores, off the async workers, keeping input order.
    let viewer = api.viewer.clone();
    let work = state.clone();
    let parts = tokio::task::spawn_blocking(move || {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per = batch.selectors.len().div_ceil(cores).max(1);
        let mut inputs = batch.selectors;
        let mut chunks = Vec::new();
        while inputs.len() > per {
            let rest = inputs.split_off(per);
            chunks.push(std::mem::replace(&mut inputs, rest));
        }
        chunks.push(inputs);
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|chunk| scope.spawn(|| answer_chunk(&work, &viewer, chunk, region)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect::<Result<Vec<_>, NotReady>>()
        })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(not_ready)?;
    let mut results = Vec::new();
    let mut touched = Vec::new();
    for part in parts {
        for (item, owners) in part {
            results.push(item);
            touched.push(owners);
        }
    }
    let hits = results
        .iter()
        .filter(|i| !i.readable.is_empty() || !i.held_elsewhere.is_empty())
        .count() as u64;
    let asked: Vec<(&str, &[String])> = results
        .iter()
        .zip(&touched)
        .filter_map(|(item, owners)| Some((item.selector.as_deref()?, &owners[..])))
        .collect();
    state
        .audit
        .record_all(hit_events(&api.viewer, asked.iter().copied()))?;
    asked_of(&state, &api.viewer, &asked);
    Ok(Json(BatchAnswer { results, hits }))
}

/// What else a hit query answered (audited already) sets going, with
/// each canonical selector asked and the owners it touched: it is kept
/// for deconfliction, told to the operations holding it
/// ([`super::operations::tell_met_by_query`]), and shown to owners who
/// asked to know of interest in their RED data
/// ([`crate::alerts::interest`]).
pub(crate) fn asked_of(state: &Shared, viewer: &Viewer, asked: &[(&str, &[String])]) {
    let selectors = || asked.iter().map(|(s, _)| *s);
    state.operations.queries.record(viewer, selectors());
    super::operations::tell_met_by_query(state, viewer, selectors());
    let touching = asked
        .iter()
        .filter(|(_, owners)| !owners.is_empty())
        .map(|(s, _)| *s);
    state
        .alerts
        .interests
        .queried(&state.hits, viewer, touching);
}

/// Answers one slice of a batch, in order, with the owners each touched.
fn answer_chunk(
    state: &Shared,
    viewer: &Viewer,
    inputs: Vec<String>,
    region: Option<Region>,
) -> Result<Vec<(BatchItem, TouchedOwners)>, NotReady> {
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        match canonical(&input, region) {
            Ok(selector) => {
                let (answer, touched) =
                    state
                        .hits
                        .answer(viewer, selector.as_str(), &state.directory)?;
                out.push((
                    BatchItem {
                        input,
                        selector: Some(answer.selector),
                        error: None,
                        readable: answer.readable,
                        held_elsewhere: answer.held_elsewhere,
                    },
                    touched,
                ));
            }
            Err(e) => out.push((
                BatchItem {
                    input,
                    selector: None,
                    error: Some(ItemProblem {
                        code: e.code.as_str().to_owned(),
                        message: e.message,
                    }),
                    readable: Vec::new(),
                    held_elsewhere: Vec::new(),
                },
                Vec::new(),
            )),
        }
    }
    Ok(out)
}

/// The audit records of a hit query, single or batch: one per owner whose
/// data it touched, naming every selector that touched it (space-separated),
/// and one without owner for the selectors that touched no one. Every hit
/// query is accountable, at a few dozen appends for a batch of 10,000.
pub(crate) fn hit_events<'a>(
    viewer: &Viewer,
    answers: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> Vec<AuditEvent> {
    let mut by_owner: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    let mut untouched = Vec::new();
    for (selector, touched) in answers {
        if touched.is_empty() {
            untouched.push(selector);
        }
        for owner in touched {
            by_owner.entry(owner).or_default().push(selector);
        }
    }
    let mut events: Vec<AuditEvent> = by_owner
        .into_iter()
        .map(|(owner, selectors)| {
            crate::audit::event(viewer, "hit_query", Some(owner), &selectors.join(" "))
        })
        .collect();
    if !untouched.is_empty() {
        events.push(crate::audit::event(
            viewer,
            "hit_query",
            None,
            &untouched.join(" "),
        ));
    }
    events
}

/// A query parameter holding one selector, made canonical; a typed error
/// naming the parameter when it is not a selector.
pub(crate) fn selector_param(
    text: &str,
    region: Option<Region>,
    field: &str,
) -> ApiResult<cordon_core::Selector> {
    canonical(text, region)
        .map_err(|e| ApiError::new(ErrorCode::InvalidSelector, e.message).field(field))
}

pub fn parse_region(region: Option<&str>) -> ApiResult<Option<Region>> {
    region
        .filter(|r| !r.trim().is_empty())
        .map(|r| {
            r.parse::<Region>()
                .map_err(|e| ApiError::bad_request(e.message).field("region"))
        })
        .transpose()
}

pub(crate) fn not_ready(_: NotReady) -> ApiError {
    ApiError::unavailable("the hit index is still loading; hit queries resume in a few seconds")
}
