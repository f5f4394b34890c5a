//! The object endpoints of a collection: objects and manifest (pages of
//! the collection's stream, [`super::stream`]), one object, its versions,
//! DELETE, and POST through the import path of `cordon import`.
//!
//! Paging: `next` is a cursor this server gave (a position in the stream,
//! or an offset in the answer of `match[id]`, an object or its versions);
//! `more` is true only when another object the caller reads follows.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use cordon_core::Marking;
use cordon_interop::stix::{self, ImportOptions};
use cordon_store::NewStixObject;
use serde::Serialize;
use serde_json::value::RawValue;

use super::collections::{self, View};
use super::status::{Detail, Status};
use super::stream::{self, Cursor, Entry, Match, Page, Reader, Versions};
use super::{Client, Params, Taxii, TaxiiBody, TaxiiError, TaxiiPath, TaxiiResult, is_taxii_body};
use crate::Shared;
use crate::access::Viewer;
use crate::error::{ApiError, ErrorCode};
use cordon_interop::taxii::{DELETE_FILTERS, OBJECT_FILTERS, ONE_FILTERS, Query, VERSION_FILTERS};

/// The parameters of a request (TAXII 2.1 §3.4), parsed by
/// [`cordon_interop::taxii::Query`].
#[derive(Debug, Default)]
struct Filters {
    m: Match,
    limit: usize,
    next: Option<Cursor>,
    ids: Vec<String>,
}

impl Filters {
    fn parse(Params(query): Params, allowed: &[&str]) -> TaxiiResult<Filters> {
        let q =
            Query::parse(&query, allowed).map_err(|m| TaxiiError::Api(ApiError::bad_request(m)))?;
        Ok(Filters {
            m: Match {
                added_after: q.added_after,
                types: q.types,
                versions: q.versions,
                spec_versions: q.spec_versions,
            },
            limit: q.limit,
            next: q.next,
            ids: q.ids,
        })
    }
}

fn record(state: &Shared, viewer: &Viewer, what: &str, taken: &stream::Taken) -> TaxiiResult<()> {
    let events = crate::export::audit_events(viewer, what, taken);
    if !events.is_empty() {
        state.audit.record_all(events)?;
    }
    Ok(())
}

fn not_found() -> TaxiiError {
    TaxiiError::Api(ApiError::new(
        ErrorCode::NotFound,
        "no such object in this collection, or none you may read",
    ))
}

/// Adds `X-TAXII-Date-Added-First/Last`: the oldest and newest
/// `date_added` of the objects in the answer.
fn with_dates(mut response: Response, entries: &[Entry]) -> Response {
    let first = entries.iter().map(|e| e.date_added).min();
    let last = entries.iter().map(|e| e.date_added).max();
    for (name, at) in [
        ("x-taxii-date-added-first", first),
        ("x-taxii-date-added-last", last),
    ] {
        if let Some(at) = at
            && let Ok(v) = HeaderValue::from_str(&stix::timestamp(at))
        {
            response.headers_mut().insert(name, v);
        }
    }
    response
}

/// One page of entries at an offset (the cursor's `skip`).
fn offset_page(mut entries: Vec<Entry>, f: &Filters) -> Page {
    let from = f.next.map_or(0, |c| c.skip).min(entries.len());
    entries.drain(..from);
    let next = (entries.len() > f.limit).then(|| Cursor {
        skip: from + f.limit,
        ..Cursor::default()
    });
    entries.truncate(f.limit);
    Page { entries, next }
}

/// The page a listing (objects or manifest) asks for, audited.
async fn listing(
    state: &Shared,
    client: &Client,
    collection: &str,
    query: Params,
    what: &str,
) -> TaxiiResult<Page> {
    let view = collections::resolve(state, collection)?;
    let f = Filters::parse(query, OBJECT_FILTERS)?;
    let viewer = client.viewer();
    let mut reader = Reader::new(state, &viewer, &view);
    let page = if f.ids.is_empty() {
        stream::page(&mut reader, &f.m, f.next, f.limit).await?
    } else {
        let mut entries = Vec::new();
        for id in &f.ids {
            entries.extend(f.m.select(reader.lookup(id).await?));
        }
        offset_page(entries, &f)
    };
    record(state, &viewer, what, &reader.taken)?;
    Ok(page)
}

#[derive(Serialize)]
struct Envelope {
    more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<Box<RawValue>>,
}

fn envelope(page: Page) -> Response {
    let body = Envelope {
        more: page.next.is_some(),
        next: page.next.map(|c| c.text()),
        objects: page.entries.iter().map(Entry::object).collect(),
    };
    with_dates(Taxii(body).into_response(), &page.entries)
}

pub async fn page(
    State(state): State<Shared>,
    client: Client,
    TaxiiPath(collection): TaxiiPath<String>,
    query: Params,
) -> TaxiiResult<Response> {
    let page = listing(&state, &client, &collection, query, "taxii").await?;
    Ok(envelope(page))
}

#[derive(Serialize)]
struct ManifestEntry {
    id: String,
    date_added: String,
    version: String,
    media_type: &'static str,
}

#[derive(Serialize)]
struct Manifest {
    more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<ManifestEntry>,
}

pub async fn manifest(
    State(state): State<Shared>,
    client: Client,
    TaxiiPath(collection): TaxiiPath<String>,
    query: Params,
) -> TaxiiResult<Response> {
    let page = listing(&state, &client, &collection, query, "taxii manifest").await?;
    let manifest = Manifest {
        more: page.next.is_some(),
        next: page.next.map(|c| c.text()),
        objects: page
            .entries
            .iter()
            .map(|e| ManifestEntry {
                id: e.id.clone(),
                date_added: stix::timestamp(e.date_added),
                version: e.version.clone(),
                media_type: super::STIX_MEDIA_TYPE,
            })
            .collect(),
    };
    Ok(with_dates(Taxii(manifest).into_response(), &page.entries))
}

/// Every version of one object the caller reads in a view, audited; 404
/// when there is none, exactly as for an object that does not exist.
async fn found(
    state: &Shared,
    client: &Client,
    view: &View,
    id: &str,
    what: &str,
) -> TaxiiResult<Vec<Entry>> {
    let viewer = client.viewer();
    let mut reader = Reader::new(state, &viewer, view);
    let entries = reader.lookup(id).await?;
    if entries.is_empty() {
        return Err(not_found());
    }
    record(state, &viewer, what, &reader.taken)?;
    Ok(entries)
}

pub async fn one(
    State(state): State<Shared>,
    client: Client,
    TaxiiPath((collection, id)): TaxiiPath<(String, String)>,
    query: Params,
) -> TaxiiResult<Response> {
    let view = collections::resolve(&state, &collection)?;
    let f = Filters::parse(query, ONE_FILTERS)?;
    let entries = found(&state, &client, &view, &id, "taxii").await?;
    Ok(envelope(offset_page(f.m.select(entries), &f)))
}

#[derive(Serialize)]
struct VersionList {
    more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    versions: Vec<String>,
}

pub async fn versions(
    State(state): State<Shared>,
    client: Client,
    TaxiiPath((collection, id)): TaxiiPath<(String, String)>,
    query: Params,
) -> TaxiiResult<Response> {
    let view = collections::resolve(&state, &collection)?;
    let mut f = Filters::parse(query, VERSION_FILTERS)?;
    f.m.versions = Versions::all();
    let entries = found(&state, &client, &view, &id, "taxii versions").await?;
    let mut entries = f.m.select(entries);
    // One version kept and derived alike is one version.
    entries.dedup_by(|a, b| a.version == b.version);
    let page = offset_page(entries, &f);
    let list = VersionList {
        more: page.next.is_some(),
        next: page.next.map(|c| c.text()),
        versions: page.entries.iter().map(|e| e.version.clone()).collect(),
    };
    Ok(with_dates(Taxii(list).into_response(), &page.entries))
}

pub async fn delete(
    State(state): State<Shared>,
    client: Client,
    TaxiiPath((collection, id)): TaxiiPath<(String, String)>,
    query: Params,
) -> TaxiiResult<Response> {
    let view = collections::resolve(&state, &collection)?;
    if client.member().role == crate::access::Role::Peer {
        return Err(TaxiiError::Api(ApiError::new(
            ErrorCode::Forbidden,
            "a federation peer's token only pulls; it deletes nothing",
        )));
    }
    let f = Filters::parse(query, DELETE_FILTERS)?;
    // What the caller may not read answers as if it did not exist.
    found(&state, &client, &view, &id, "taxii").await?;
    if !view.can_write(&client) {
        return Err(TaxiiError::Api(ApiError::new(
            ErrorCode::Forbidden,
            "you may delete only from your own agency's collection or from all",
        )));
    }
    let agency = client.member().agency.clone();
    let own: Vec<_> = state
        .store
        .stix_object_versions(&id)
        .await?
        .into_iter()
        .filter(|o| o.agency == agency)
        .collect();
    // An object that became one of the agency's reports is that report's
    // text, and reports are append-only.
    if own.is_empty() || state.store.report(&agency, &id).await?.is_some() {
        return Err(TaxiiError::Api(ApiError::new(
            ErrorCode::Forbidden,
            "only objects your agency added from other tools, and that did not become reports, can be deleted; Cordon's reports are append-only, so send a revision instead",
        )));
    }
    // Without match[version], TAXII's default applies: the last version.
    let first = own.first().map(|o| o.version.clone()).unwrap_or_default();
    let last = own.last().map(|o| o.version.clone()).unwrap_or_default();
    let mut removed = 0;
    for o in &own {
        let spec = f.m.spec_versions.is_empty() || f.m.spec_versions.contains(&o.spec_version);
        if spec && f.m.versions.wants(&o.version, &first, &last) {
            removed += state
                .store
                .delete_stix_objects(&agency, &id, Some(&o.version))
                .await?;
        }
    }
    if removed == 0 {
        return Err(not_found());
    }
    state.audit.record_all(vec![crate::audit::event(
        &client.viewer(),
        "taxii_delete",
        Some(&agency),
        &format!("{id}: {removed} versions"),
    )])?;
    Ok(StatusCode::OK.into_response())
}

pub async fn add(
    State(state): State<Shared>,
    client: Client,
    TaxiiPath(collection): TaxiiPath<String>,
    headers: HeaderMap,
    TaxiiBody(body): TaxiiBody,
) -> TaxiiResult<Response> {
    let view = collections::resolve(&state, &collection)?;
    if !view.can_write(&client) {
        return Err(TaxiiError::Api(ApiError::new(
            ErrorCode::Forbidden,
            "you may add objects only to your own agency's collection or to all",
        )));
    }
    is_taxii_body(&headers)?;
    let agency = client.member().agency.clone();
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| TaxiiError::Api(ApiError::bad_request("the envelope is not UTF-8 text")))?;
    let country = state
        .directory
        .get(&agency)
        .map(|a| a.country)
        .unwrap_or_else(|| agency.split('-').next().unwrap_or_default().to_owned());
    let request_time = Utc::now();
    let options = ImportOptions {
        country,
        marking: Marking::default(),
    };
    // Reading and validating is CPU work: off the async threads.
    let checked =
        tokio::task::spawn_blocking(move || stix::check_envelope(&text, &options, request_time))
            .await
            .map_err(|e| {
                TaxiiError::Api(ApiError::new(
                    ErrorCode::Internal,
                    format!("import failed: {e}"),
                ))
            })?;
    if !checked.errors.is_empty() {
        return Err(TaxiiError::Api(crate::api::reports::invalid_reports(
            &checked.errors,
            checked.objects.max(checked.errors.len()),
        )));
    }
    if checked.reports.len() > state.config.max_reports {
        return Err(TaxiiError::Api(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the envelope makes {} reports; one request makes at most {}, split it",
                checked.reports.len(),
                state.config.max_reports
            ),
        )));
    }
    let kept: Vec<NewStixObject> = checked.kept.into_iter().map(NewStixObject::from).collect();
    let numbered: Vec<(u64, cordon_core::Report)> = checked
        .reports
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i as u64 + 1, r))
        .collect();
    // One transaction: a kept version that would change, or a bad
    // recipient, refuses the whole envelope before anything is written.
    let added = crate::api::reports::store_reports(&state, &agency, &numbered, &kept)
        .await?
        .at;
    let successes: Vec<Detail> = checked
        .listed
        .into_iter()
        .map(|(id, version)| Detail {
            // An unversioned object's version is its date_added.
            version: if version.is_empty() {
                stix::timestamp(added)
            } else {
                version
            },
            id,
            message: None,
        })
        .collect();
    let status = Status {
        id: uuid::Uuid::new_v4().to_string(),
        status: "complete",
        request_timestamp: stix::timestamp(request_time),
        total_count: successes.len(),
        success_count: successes.len(),
        failure_count: 0,
        pending_count: 0,
        successes,
        failures: Vec::new(),
        pendings: Vec::new(),
    };
    state.taxii_statuses.put(&agency, status.clone());
    Ok((StatusCode::ACCEPTED, Taxii(status)).into_response())
}
