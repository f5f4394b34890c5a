//! Operations through the API: `POST` and `GET /api/v1/operations`,
//! `GET` and `PATCH /api/v1/operations/{id}`, its targets
//! (`/targets`, `/targets/remove`), tasks (`/tasks`, `/tasks/{task}`), log
//! (`/log`) and STIX 2.1 `grouping` (`/stix`); and the overlaps found by
//! deconfliction, `GET /api/v1/deconflictions`.
//!
//! An operation is read only by its parties ([`crate::access::reads_operation`]);
//! to anyone else a missing and a forbidden operation answer the same 404.
//! Every change is checked whole before its decisions are written in one
//! append: bad input changes nothing, and names the field at fault.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use cordon_core::{Marking, Tlp};
use cordon_store::NewDecision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::hits::{parse_region, selector_param};
use super::networks::{analyst, decide};
use super::reports::json_body;
use super::{Api, Body, Path};
use crate::Shared;
use crate::access::{Member, Viewer, reads_operation};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::operations::deconflict::{self, DeconflictionView};
use crate::operations::model::{
    Created, Logged, Operation, OperationMarking, OperationState, Overlap, Side, SideKind, Target,
    TargetKind, Targets, Task, TaskState, Updated,
};

/// Most targets one operation holds.
const MAX_TARGETS: usize = 10_000;
/// Most participating agencies.
const MAX_PARTICIPANTS: usize = 100;
/// Most tasks one operation holds.
const MAX_TASKS: usize = 1_000;

/// A field that fails validation: 422 naming it.
/// A text field, trimmed; required ones may not be empty.
fn text(value: &str, field: &str, max: usize, required: bool) -> ApiResult<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ApiError::invalid_field(
            field,
            format!("{field} is required"),
        ));
    }
    if value.chars().count() > max {
        return Err(ApiError::invalid_field(
            field,
            format!("{field} is at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An operation the viewer reads, or 404: a missing and a forbidden one
/// answer alike.
pub(crate) fn readable(state: &Shared, viewer: &Viewer, id: &str) -> ApiResult<Operation> {
    state
        .operations
        .read(|book| book.operation(id).cloned())
        .filter(|op| reads_operation(viewer, op.marked()))
        .ok_or_else(|| ApiError::not_found("operation"))
}

/// An operation with the overlaps of its targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationAnswer {
    #[serde(flatten)]
    pub operation: Operation,
    /// Where its targets meet other agencies' operations, watches or
    /// recent hit queries: the target and whom to call, nothing more.
    pub overlaps: Vec<DeconflictionView>,
}

/// An operation and its overlaps as `viewer` (who reads it) sees them.
pub(crate) fn answer(state: &Shared, viewer: &Viewer, op: Operation) -> OperationAnswer {
    let overlaps = state.operations.read(|book| {
        deconflict::visible(book, viewer, &state.directory)
            .into_iter()
            .filter(|d| d.yours.operation.as_deref() == Some(op.id.as_str()))
            .collect()
    });
    OperationAnswer {
        operation: op,
        overlaps,
    }
}

/// Audits a read of an operation by another agency than its lead.
pub(crate) fn audit_read(state: &Shared, viewer: &Viewer, op: &Operation) -> ApiResult<()> {
    if viewer.member().is_some_and(|m| m.agency != op.lead) {
        state.audit.record(crate::audit::event(
            viewer,
            "operation_read",
            Some(&op.lead),
            &op.id,
        ))?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkingRequest {
    /// `CLEAR`, `GREEN`, `AMBER` (the default), `AMBER+STRICT` or `RED`.
    pub tlp: String,
    /// Under `RED` only: the individuals of its parties who read it
    /// (`KH-NCB/sokha`); you are added. Under other levels its parties
    /// read it and no recipients are named.
    #[serde(default)]
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOperation {
    pub name: String,
    #[serde(default)]
    pub summary: String,
    /// Agency codes of the participating agencies, besides yours.
    #[serde(default)]
    pub participants: Vec<String>,
    /// Selectors in any form, network ids (`N-…`) and compounds
    /// (`site:<h3 cell>`).
    #[serde(default)]
    pub targets: Vec<String>,
    /// ISO 3166-1 alpha-2 region for national numbers among the targets.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub marking: Option<MarkingRequest>,
    /// `planned` (the default) or `active`.
    #[serde(default)]
    pub state: Option<String>,
}

/// What the lead changes; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOperation {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// The participating agencies, whole.
    #[serde(default)]
    pub participants: Option<Vec<String>>,
    #[serde(default)]
    pub marking: Option<MarkingRequest>,
    /// `planned`, `active` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsRequest {
    /// Selectors in any form, network ids (`N-…`) and compounds
    /// (`site:<h3 cell>`).
    pub targets: Vec<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    pub title: String,
    /// A party agency (`KH-NCB`) or one of its users (`KH-NCB/sokha`).
    pub owner: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due: Option<String>,
    /// `open` (the default) or `done`.
    #[serde(default)]
    pub state: Option<String>,
}

/// What changes in a task; absent fields stay, an empty `due` clears it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogRequest {
    pub text: String,
}

/// An operation in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationSummary {
    pub id: String,
    pub name: String,
    pub lead: String,
    pub participants: Vec<String>,
    pub marking: OperationMarking,
    pub state: OperationState,
    pub targets: usize,
    pub open_tasks: usize,
    pub updated: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OperationList {
    /// How many operations you read.
    pub total: usize,
    pub operations: Vec<OperationSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeconflictionList {
    pub deconflictions: Vec<DeconflictionView>,
}

/// The operations the viewer reads, most recently changed first.
pub(crate) fn visible(state: &Shared, viewer: &Viewer) -> Vec<Operation> {
    let mut ops: Vec<Operation> = state.operations.read(|book| {
        book.operations()
            .filter(|op| reads_operation(viewer, op.marked()))
            .cloned()
            .collect()
    });
    ops.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.id.cmp(&b.id)));
    ops
}

/// Participating agencies: known member agencies, the lead left out,
/// sorted, each once.
async fn participants(state: &Shared, codes: &[String], lead: &str) -> ApiResult<Vec<String>> {
    if codes.len() > MAX_PARTICIPANTS {
        return Err(ApiError::invalid_field(
            "participants",
            format!("an operation has at most {MAX_PARTICIPANTS} participating agencies"),
        ));
    }
    let mut out = Vec::with_capacity(codes.len());
    let mut refreshed = false;
    for (i, code) in codes.iter().enumerate() {
        let field = format!("participants[{i}]");
        let code = code.trim();
        cordon_core::agency::check_code(code)
            .map_err(|e| ApiError::invalid_field(&field, e.message))?;
        if state.directory.get(code).is_none() && !refreshed {
            // Another replica may have added it a moment ago.
            state.directory.refresh(state.store.as_ref()).await?;
            refreshed = true;
        }
        if state.directory.get(code).is_none() {
            return Err(ApiError::invalid_field(
                &field,
                format!("there is no member agency {code}; participants are member agencies"),
            ));
        }
        if code != lead {
            out.push(code.to_owned());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A user `name` of a party `agency`, or 422 on `field`.
async fn party_user(state: &Shared, agency: &str, name: &str, field: &str) -> ApiResult<()> {
    cordon_core::agency::check_user_name(name)
        .map_err(|e| ApiError::invalid_field(field, e.message))?;
    if state.store.user(agency, name).await?.is_none() {
        return Err(ApiError::invalid_field(
            field,
            format!("there is no user {name} in {agency}"),
        ));
    }
    Ok(())
}

/// The operation's marking: its TLP, and under RED its named readers, each
/// a user of a party; `actor` is always among them.
async fn marking(
    state: &Shared,
    request: &MarkingRequest,
    parties: &[&str],
    actor: &Member,
) -> ApiResult<OperationMarking> {
    let tlp: Tlp = request
        .tlp
        .parse()
        .map_err(|e: cordon_core::marking::TlpError| {
            ApiError::invalid_field("marking.tlp", e.to_string())
        })?;
    let mut recipients: Vec<String> = request
        .recipients
        .iter()
        .map(|r| r.trim().to_owned())
        .collect();
    if tlp != Tlp::Red {
        if !recipients.is_empty() {
            return Err(ApiError::invalid_field(
                "marking.recipients",
                "only a TLP:RED operation names its readers; under other levels its parties read it",
            ));
        }
        return Ok(OperationMarking { tlp, recipients });
    }
    let checked = Marking {
        tlp,
        recipients: recipients.clone(),
        hit_notification: true,
    };
    checked.check_recipients().map_err(|(i, why)| {
        let field = format!("marking.recipients[{i}]");
        ApiError::invalid_field(&field, format!("{field}: {why}"))
    })?;
    check_recipients(state, &recipients, parties).await?;
    let me = format!("{}/{}", actor.agency, actor.user);
    if !recipients.contains(&me) {
        recipients.push(me);
    }
    recipients.sort();
    recipients.dedup();
    Ok(OperationMarking { tlp, recipients })
}

/// Each RED recipient is a user of a party.
async fn check_recipients(
    state: &Shared,
    recipients: &[String],
    parties: &[&str],
) -> ApiResult<()> {
    for (i, r) in recipients.iter().enumerate() {
        let field = format!("marking.recipients[{i}]");
        let (agency, user) = r.split_once('/').unwrap_or((r.as_str(), ""));
        if !parties.contains(&agency) {
            return Err(ApiError::invalid_field(
                field,
                format!(
                    "recipient {r} is not of an agency taking part; add {agency} as a participant first"
                ),
            ));
        }
        party_user(state, agency, user, &field).await?;
    }
    Ok(())
}

/// The targets as typed, made canonical, each once, in order. With
/// `seen_by`, a network is one that viewer may know of (404 otherwise,
/// like a missing one), by its current id.
pub(crate) fn targets(
    texts: &[String],
    region: Option<&str>,
    seen_by: Option<(&Shared, &Viewer)>,
) -> ApiResult<Vec<Target>> {
    let region = parse_region(region)?;
    let mut out: Vec<Target> = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let field = format!("targets[{i}]");
        let text = text.trim();
        let target = if let Some(hex) = text.strip_prefix("N-") {
            if hex.len() != 12
                || !hex
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            {
                return Err(ApiError::invalid_field(
                    field,
                    format!(
                        "no network id {text:?}: a network id is N- and 12 lowercase hex digits"
                    ),
                ));
            }
            let value = match seen_by {
                Some((state, viewer)) => known_network(state, viewer, text)?
                    .ok_or_else(|| ApiError::not_found("network").field(&field))?,
                None => text.to_owned(),
            };
            Target {
                kind: TargetKind::Network,
                value,
            }
        } else if let Some(cell) = text
            .strip_prefix("site:")
            .or_else(|| text.strip_prefix("compound:"))
        {
            let cell = cell.trim().to_ascii_lowercase();
            if cordon_analysis::places::site_centre(&cell).is_none() {
                return Err(ApiError::invalid_field(
                    field,
                    format!(
                        "no compound site {cell:?}: a site is an H3 cell of resolution 9, as /api/v1/compounds lists them"
                    ),
                ));
            }
            Target {
                kind: TargetKind::Compound,
                value: cell,
            }
        } else {
            Target {
                kind: TargetKind::Selector,
                value: selector_param(text, region, &field)?.as_str().to_owned(),
            }
        };
        if !out.contains(&target) {
            out.push(target);
        }
    }
    Ok(out)
}

/// The current id of a network the viewer may know of (one merged away
/// answers by the id it was merged into).
fn known_network(state: &Shared, viewer: &Viewer, id: &str) -> ApiResult<Option<String>> {
    state
        .networks
        .read(|m| {
            crate::networks::view::knows(m, viewer, id)
                .then(|| m.network(id).map(|(_, current)| current.to_owned()))
                .flatten()
        })
        .map_err(super::networks::loading)
}

fn state_of(text: &str, allowed: &[OperationState]) -> ApiResult<OperationState> {
    OperationState::parse(text)
        .filter(|s| allowed.contains(s))
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            ApiError::invalid_field(
                "state",
                format!("state is {}, not {text:?}", names.join(" or ")),
            )
        })
}

fn new_id(prefix: &str, len: usize) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..len]
    )
}

fn decision(
    kind: &str,
    subject: &str,
    actor: &Member,
    body: impl Serialize,
) -> ApiResult<NewDecision> {
    Ok(NewDecision {
        kind: kind.to_owned(),
        subject: subject.to_owned(),
        agency: actor.agency.clone(),
        user: actor.user.clone(),
        reason: String::new(),
        body: serde_json::to_value(body).map_err(ApiError::internal)?,
    })
}

/// The `deconfliction` decisions telling overlaps.
fn told(overlaps: Vec<Overlap>, actor: &Member) -> ApiResult<Vec<NewDecision>> {
    overlaps
        .into_iter()
        .map(|o| decision("deconfliction", &new_id("D", 12), actor, o))
        .collect()
}

/// Tells the overlaps a watch kept or a hit query answered now (`side`)
/// makes over `targets` with other agencies' open operations: one
/// `deconfliction` decision each, as when targets enter an operation.
pub(crate) async fn tell_met(
    state: &Shared,
    actor: &Member,
    targets: &[Target],
    side: Side,
) -> ApiResult<()> {
    if targets.is_empty() {
        return Ok(());
    }
    let _writing = state.operations.writing.lock().await;
    let met = state.operations.met_by(targets, &side, &state.directory);
    if met.is_empty() {
        return Ok(());
    }
    write(state, told(met, actor)?).await
}

/// Tells, off the request path, the overlaps a hit query answered now
/// makes with other agencies' open operations holding its selectors.
pub(crate) fn tell_met_by_query<'s>(
    state: &Shared,
    viewer: &Viewer,
    selectors: impl IntoIterator<Item = &'s str>,
) {
    let Some(member) = viewer.member() else {
        return;
    };
    let targets: Vec<Target> = selectors
        .into_iter()
        .map(|s| Target {
            kind: TargetKind::Selector,
            value: s.to_owned(),
        })
        .filter(|t| {
            state
                .operations
                .read(|book| book.holding(t).next().is_some())
        })
        .collect();
    if targets.is_empty() {
        return;
    }
    let side = Side {
        kind: SideKind::Query,
        agency: member.agency.clone(),
        contact: String::new(),
        operation: None,
        watch: None,
        user: Some(member.user.clone()),
        asked: Some(chrono::Utc::now()),
    };
    let (state, member) = (state.clone(), member.clone());
    tokio::spawn(async move {
        if let Err(e) = tell_met(&state, &member, &targets, side).await {
            tracing::warn!(error = %e.message, "cannot write the deconfliction a hit query found; the next query finds it again");
        }
    });
}

/// Writes decisions in one append and folds them in before answering.
async fn write(state: &Shared, decisions: Vec<NewDecision>) -> ApiResult<()> {
    decide(state, decisions).await?;
    state.operations.sync(state.store.as_ref()).await?;
    Ok(())
}

/// The operation after a write, as its writer now reads it.
fn after(state: &Shared, viewer: &Viewer, id: &str) -> ApiResult<OperationAnswer> {
    let op = state
        .operations
        .read(|book| book.operation(id).cloned())
        .ok_or_else(|| ApiError::internal("an operation just written is not there"))?;
    // A writer who took themselves off a RED marking's readers, or their
    // agency off the parties, reads it no more: it is gone for them.
    if !reads_operation(viewer, op.marked()) {
        return Err(ApiError::not_found("operation"));
    }
    Ok(answer(state, viewer, op))
}

/// Starts an operation led by your agency. Targets that other agencies'
/// operations, watches or recent hit queries share are deconflicted at
/// once: both sides are told, with each other's contact.
#[utoipa::path(
    post,
    path = "/api/v1/operations",
    tag = "operations",
    request_body = CreateOperation,
    security(("token" = [])),
    responses(
        (status = 201, description = "The operation", body = OperationAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors take no part in operations", body = ApiError),
        (status = 404, description = "A network target you may not know of (`field` names it)", body = ApiError),
        (status = 422, description = "A field that is not valid (`field` names it); nothing was changed", body = ApiError),
        (status = 503, description = "The networks are loading, or the database is not answering; retry", body = ApiError),
    )
)]
pub async fn create_operation(
    State(state): State<Shared>,
    api: Api,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<OperationAnswer>)> {
    let request: CreateOperation = json_body(&body)?;
    let created = create_for(&state, &api.viewer, &request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Creates an operation for an analyst.
pub(crate) async fn create_for(
    state: &Shared,
    viewer: &Viewer,
    request: &CreateOperation,
) -> ApiResult<OperationAnswer> {
    let actor = analyst(viewer)?.clone();
    let name = text(&request.name, "name", 200, true)?;
    let summary = text(&request.summary, "summary", 20_000, false)?;
    let participants = participants(state, &request.participants, &actor.agency).await?;
    if request.targets.len() > MAX_TARGETS {
        return Err(ApiError::invalid_field(
            "targets",
            format!("an operation holds at most {MAX_TARGETS} targets"),
        ));
    }
    let targets = targets(
        &request.targets,
        request.region.as_deref(),
        Some((state, viewer)),
    )?;
    let lifecycle = match &request.state {
        None => OperationState::Planned,
        Some(s) => state_of(s, &[OperationState::Planned, OperationState::Active])?,
    };
    let parties: Vec<&str> = std::iter::once(actor.agency.as_str())
        .chain(participants.iter().map(String::as_str))
        .collect();
    let marking = match &request.marking {
        Some(m) => self::marking(state, m, &parties, &actor).await?,
        None => OperationMarking::default(),
    };
    let id = new_id("OP", 12);
    let _writing = state.operations.writing.lock().await;
    state.operations.sync(state.store.as_ref()).await?;
    let now = chrono::Utc::now();
    // The operation as it will be, to deconflict its targets.
    let draft = Operation {
        id: id.clone(),
        name: name.clone(),
        summary: summary.clone(),
        lead: actor.agency.clone(),
        participants: participants.clone(),
        marking: marking.clone(),
        state: lifecycle,
        targets: Vec::new(),
        tasks: Vec::new(),
        log: Vec::new(),
        created: now,
        created_by: format!("{}/{}", actor.agency, actor.user),
        updated: now,
    };
    let overlaps = state
        .operations
        .overlaps(&draft, &targets, &state.alerts, &state.directory);
    let mut decisions = vec![decision(
        "operation.create",
        &id,
        &actor,
        Created {
            name,
            summary,
            participants,
            marking,
            state: lifecycle,
            targets,
        },
    )?];
    decisions.extend(told(overlaps, &actor)?);
    write(state, decisions).await?;
    after(state, viewer, &id)
}

/// The operations you take part in and may read.
#[utoipa::path(
    get,
    path = "/api/v1/operations",
    tag = "operations",
    security(("token" = [])),
    responses(
        (status = 200, description = "Operations, most recently changed first", body = OperationList),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list_operations(
    State(state): State<Shared>,
    api: Api,
) -> ApiResult<Json<OperationList>> {
    api.member()?;
    let operations: Vec<OperationSummary> = visible(&state, &api.viewer)
        .into_iter()
        .map(|op| OperationSummary {
            targets: op.targets.len(),
            open_tasks: op
                .tasks
                .iter()
                .filter(|t| t.task.state == TaskState::Open)
                .count(),
            id: op.id,
            name: op.name,
            lead: op.lead,
            participants: op.participants,
            marking: op.marking,
            state: op.state,
            updated: op.updated,
        })
        .collect();
    Ok(Json(OperationList {
        total: operations.len(),
        operations,
    }))
}

/// An operation: parties, targets, tasks, log, and where its targets meet
/// other agencies' work.
#[utoipa::path(
    get,
    path = "/api/v1/operations/{id}",
    tag = "operations",
    params(("id" = String, Path, description = "The operation id, `OP-…`")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The operation", body = OperationAnswer),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No operation you may read", body = ApiError),
        (status = 503, description = "The audit log is behind; retry", body = ApiError),
    )
)]
pub async fn read_operation(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<Json<OperationAnswer>> {
    api.member()?;
    let op = readable(&state, &api.viewer, &id)?;
    audit_read(&state, &api.viewer, &op)?;
    Ok(Json(answer(&state, &api.viewer, op)))
}

/// Changes an operation's name, summary, state, participants or marking:
/// the lead agency's analysts and admins do.
#[utoipa::path(
    patch,
    path = "/api/v1/operations/{id}",
    tag = "operations",
    params(("id" = String, Path, description = "The operation id")),
    request_body = UpdateOperation,
    security(("token" = [])),
    responses(
        (status = 200, description = "The operation as it now is", body = OperationAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Not of the lead agency, or a contributor", body = ApiError),
        (status = 404, description = "No operation you may read", body = ApiError),
        (status = 422, description = "A field that is not valid (`field` names it); nothing was changed", body = ApiError),
        (status = 503, description = "The database is not answering; retry", body = ApiError),
    )
)]
pub async fn update_operation(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<OperationAnswer>> {
    let request: UpdateOperation = json_body(&body)?;
    Ok(Json(update_for(&state, &api.viewer, &id, &request).await?))
}

/// Updates an operation for an analyst of its lead.
pub(crate) async fn update_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &UpdateOperation,
) -> ApiResult<OperationAnswer> {
    let actor = analyst(viewer)?.clone();
    let _writing = state.operations.writing.lock().await;
    state.operations.sync(state.store.as_ref()).await?;
    let op = readable(state, viewer, id)?;
    if actor.agency != op.lead {
        return Err(ApiError::forbidden(format!(
            "only the lead agency ({}) changes an operation's name, state, participants and marking",
            op.lead
        )));
    }
    let name = match &request.name {
        Some(n) => text(n, "name", 200, true)?,
        None => op.name.clone(),
    };
    let summary = match &request.summary {
        Some(s) => text(s, "summary", 20_000, false)?,
        None => op.summary.clone(),
    };
    let participants = match &request.participants {
        Some(p) => participants(state, p, &op.lead).await?,
        None => op.participants.clone(),
    };
    let lifecycle = match &request.state {
        Some(s) => state_of(
            s,
            &[
                OperationState::Planned,
                OperationState::Active,
                OperationState::Closed,
            ],
        )?,
        None => op.state,
    };
    let parties: Vec<&str> = std::iter::once(op.lead.as_str())
        .chain(participants.iter().map(String::as_str))
        .collect();
    let marking = match &request.marking {
        Some(m) => self::marking(state, m, &parties, &actor).await?,
        None => {
            // The readers a RED marking names must still take part.
            let gone = op.marking.recipients.iter().find(|r| {
                let agency = r.split_once('/').map_or(r.as_str(), |(a, _)| a);
                !parties.contains(&agency)
            });
            if let Some(r) = gone {
                return Err(ApiError::invalid_field(
                    "participants",
                    format!(
                        "a reader the RED marking names, {r}, would no longer take part; change the marking with the participants"
                    ),
                ));
            }
            op.marking.clone()
        }
    };
    let changed = Operation {
        name: name.clone(),
        summary: summary.clone(),
        participants: participants.clone(),
        marking: marking.clone(),
        state: lifecycle,
        ..op.clone()
    };
    // Reopened, or with fewer parties: its targets may meet others now.
    let overlaps = if lifecycle.is_open() {
        let all: Vec<Target> = op.targets.iter().map(|t| t.target.clone()).collect();
        state
            .operations
            .overlaps(&changed, &all, &state.alerts, &state.directory)
    } else {
        Vec::new()
    };
    let mut decisions = vec![decision(
        "operation.update",
        id,
        &actor,
        Updated {
            name,
            summary,
            participants,
            marking,
            state: lifecycle,
        },
    )?];
    decisions.extend(told(overlaps, &actor)?);
    write(state, decisions).await?;
    after(state, viewer, id)
}

/// An analyst or admin of a party who reads the operation, and the
/// operation as it is now (this replica's writes held off meanwhile).
async fn party_change<'a>(
    state: &'a Shared,
    viewer: &Viewer,
    id: &str,
) -> ApiResult<(Member, Operation, tokio::sync::MutexGuard<'a, ()>)> {
    let actor = analyst(viewer)?.clone();
    let writing = state.operations.writing.lock().await;
    state.operations.sync(state.store.as_ref()).await?;
    let op = readable(state, viewer, id)?;
    Ok((actor, op, writing))
}

/// Adds targets: any analyst of a party. Each new target is deconflicted
/// with other agencies' open operations, watches and hit queries of the
/// last 30 days, and both sides of each overlap are told.
#[utoipa::path(
    post,
    path = "/api/v1/operations/{id}/targets",
    tag = "operations",
    params(("id" = String, Path, description = "The operation id")),
    request_body = TargetsRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The operation with its targets and overlaps", body = OperationAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors take no part in operations", body = ApiError),
        (status = 404, description = "No operation you may read, or a network target you may not know of (`field` names it)", body = ApiError),
        (status = 409, description = "The operation is closed", body = ApiError),
        (status = 422, description = "A target that is not one (`field` names it); nothing was changed", body = ApiError),
        (status = 503, description = "The networks are loading, or the database is not answering; retry", body = ApiError),
    )
)]
pub async fn add_targets(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<OperationAnswer>> {
    let request: TargetsRequest = json_body(&body)?;
    Ok(Json(
        add_targets_for(&state, &api.viewer, &id, &request).await?,
    ))
}

pub(crate) async fn add_targets_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &TargetsRequest,
) -> ApiResult<OperationAnswer> {
    let (actor, op, _writing) = party_change(state, viewer, id).await?;
    if request.targets.is_empty() {
        return Err(ApiError::invalid_field(
            "targets",
            "name one target at least",
        ));
    }
    let targets = targets(
        &request.targets,
        request.region.as_deref(),
        Some((state, viewer)),
    )?;
    if !op.state.is_open() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this operation is closed; its lead reopens it before targets are added",
        ));
    }
    let new: Vec<Target> = targets.into_iter().filter(|t| !op.has_target(t)).collect();
    if op.targets.len() + new.len() > MAX_TARGETS {
        return Err(ApiError::invalid_field(
            "targets",
            format!("an operation holds at most {MAX_TARGETS} targets"),
        ));
    }
    if !new.is_empty() {
        let overlaps = state
            .operations
            .overlaps(&op, &new, &state.alerts, &state.directory);
        let mut decisions = vec![decision(
            "operation.target.add",
            id,
            &actor,
            Targets { targets: new },
        )?];
        decisions.extend(told(overlaps, &actor)?);
        write(state, decisions).await?;
    }
    after(state, viewer, id)
}

/// Takes targets out of an operation: any analyst of a party. Overlaps
/// already told stay told.
#[utoipa::path(
    post,
    path = "/api/v1/operations/{id}/targets/remove",
    tag = "operations",
    params(("id" = String, Path, description = "The operation id")),
    request_body = TargetsRequest,
    security(("token" = [])),
    responses(
        (status = 200, description = "The operation without them", body = OperationAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors take no part in operations", body = ApiError),
        (status = 404, description = "No operation you may read", body = ApiError),
        (status = 422, description = "A target that is not one, or not the operation's (`field` names it); nothing was changed", body = ApiError),
        (status = 503, description = "The database is not answering; retry", body = ApiError),
    )
)]
pub async fn remove_targets(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<OperationAnswer>> {
    let request: TargetsRequest = json_body(&body)?;
    Ok(Json(
        remove_targets_for(&state, &api.viewer, &id, &request).await?,
    ))
}

pub(crate) async fn remove_targets_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &TargetsRequest,
) -> ApiResult<OperationAnswer> {
    let (actor, op, _writing) = party_change(state, viewer, id).await?;
    if request.targets.is_empty() {
        return Err(ApiError::invalid_field(
            "targets",
            "name one target at least",
        ));
    }
    let targets = targets(&request.targets, request.region.as_deref(), None)?;
    if let Some(i) = targets.iter().position(|t| !op.has_target(t)) {
        return Err(ApiError::invalid_field(
            format!("targets[{i}]"),
            format!("not a target of this operation: {}", targets[i].value),
        ));
    }
    write(
        state,
        vec![decision(
            "operation.target.remove",
            id,
            &actor,
            Targets { targets },
        )?],
    )
    .await?;
    after(state, viewer, id)
}

/// An owner: a party agency or one of its users.
async fn owner(state: &Shared, op: &Operation, text: &str) -> ApiResult<String> {
    let owner = text.trim();
    let (agency, user) = match owner.split_once('/') {
        Some((a, u)) => (a, Some(u)),
        None => (owner, None),
    };
    if !op.is_party(agency) {
        return Err(ApiError::invalid_field(
            "owner",
            format!("a task's owner is an agency taking part or one of its users, not {owner:?}"),
        ));
    }
    if let Some(user) = user {
        party_user(state, agency, user, "owner").await?;
    }
    Ok(owner.to_owned())
}

fn due(text: &str) -> ApiResult<Option<NaiveDate>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            ApiError::invalid_field(
                "due",
                format!("due is a date written YYYY-MM-DD, not {text:?}"),
            )
        })
}

fn task_state(text: &str) -> ApiResult<TaskState> {
    TaskState::parse(text).ok_or_else(|| {
        ApiError::invalid_field(
            "state",
            format!("a task's state is open or done, not {text:?}"),
        )
    })
}

/// Sets a task: any analyst of a party.
#[utoipa::path(
    post,
    path = "/api/v1/operations/{id}/tasks",
    tag = "operations",
    params(("id" = String, Path, description = "The operation id")),
    request_body = TaskRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "The operation with the task", body = OperationAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors take no part in operations", body = ApiError),
        (status = 404, description = "No operation you may read", body = ApiError),
        (status = 422, description = "A field that is not valid (`field` names it); nothing was changed", body = ApiError),
        (status = 503, description = "The database is not answering; retry", body = ApiError),
    )
)]
pub async fn add_task(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<OperationAnswer>)> {
    let request: TaskRequest = json_body(&body)?;
    let answer = add_task_for(&state, &api.viewer, &id, &request).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

pub(crate) async fn add_task_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &TaskRequest,
) -> ApiResult<OperationAnswer> {
    let (actor, op, _writing) = party_change(state, viewer, id).await?;
    if op.tasks.len() >= MAX_TASKS {
        return Err(ApiError::invalid_field(
            "title",
            format!("an operation holds at most {MAX_TASKS} tasks"),
        ));
    }
    let task = Task {
        id: new_id("T", 8),
        title: text(&request.title, "title", 500, true)?,
        owner: owner(state, &op, &request.owner).await?,
        due: due(request.due.as_deref().unwrap_or(""))?,
        state: match &request.state {
            Some(s) => task_state(s)?,
            None => TaskState::Open,
        },
    };
    write(state, vec![decision("operation.task", id, &actor, task)?]).await?;
    after(state, viewer, id)
}

/// Changes a task (its title, owner, due date, or open / done): any
/// analyst of a party.
#[utoipa::path(
    patch,
    path = "/api/v1/operations/{id}/tasks/{task}",
    tag = "operations",
    params(
        ("id" = String, Path, description = "The operation id"),
        ("task" = String, Path, description = "The task id, `T-…`"),
    ),
    request_body = TaskUpdate,
    security(("token" = [])),
    responses(
        (status = 200, description = "The operation with the task changed", body = OperationAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors take no part in operations", body = ApiError),
        (status = 404, description = "No operation you may read, or no such task", body = ApiError),
        (status = 422, description = "A field that is not valid (`field` names it); nothing was changed", body = ApiError),
        (status = 503, description = "The database is not answering; retry", body = ApiError),
    )
)]
pub async fn update_task(
    State(state): State<Shared>,
    api: Api,
    Path((id, task)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<OperationAnswer>> {
    let request: TaskUpdate = json_body(&body)?;
    Ok(Json(
        update_task_for(&state, &api.viewer, &id, &task, &request).await?,
    ))
}

pub(crate) async fn update_task_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    task: &str,
    request: &TaskUpdate,
) -> ApiResult<OperationAnswer> {
    let (actor, op, _writing) = party_change(state, viewer, id).await?;
    let Some(entry) = op.tasks.iter().find(|t| t.task.id == task) else {
        return Err(ApiError::not_found("task"));
    };
    let old = &entry.task;
    let task = Task {
        id: old.id.clone(),
        title: match &request.title {
            Some(t) => text(t, "title", 500, true)?,
            None => old.title.clone(),
        },
        owner: match &request.owner {
            Some(o) => owner(state, &op, o).await?,
            None => old.owner.clone(),
        },
        due: match &request.due {
            Some(d) => due(d)?,
            None => old.due,
        },
        state: match &request.state {
            Some(s) => task_state(s)?,
            None => old.state,
        },
    };
    if &task != old {
        write(state, vec![decision("operation.task", id, &actor, task)?]).await?;
    }
    after(state, viewer, id)
}

/// Writes in the operation's shared log: any analyst of a party.
#[utoipa::path(
    post,
    path = "/api/v1/operations/{id}/log",
    tag = "operations",
    params(("id" = String, Path, description = "The operation id")),
    request_body = LogRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "The operation with the entry", body = OperationAnswer),
        (status = 400, description = "Bad request", body = ApiError),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 403, description = "Contributors take no part in operations", body = ApiError),
        (status = 404, description = "No operation you may read", body = ApiError),
        (status = 422, description = "An empty or too long entry; nothing was changed", body = ApiError),
        (status = 503, description = "The database is not answering; retry", body = ApiError),
    )
)]
pub async fn add_log_entry(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<OperationAnswer>)> {
    let request: LogRequest = json_body(&body)?;
    let answer = add_log_for(&state, &api.viewer, &id, &request).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

pub(crate) async fn add_log_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &LogRequest,
) -> ApiResult<OperationAnswer> {
    let (actor, _, _writing) = party_change(state, viewer, id).await?;
    let text = text(&request.text, "text", 20_000, true)?;
    write(
        state,
        vec![decision("operation.log", id, &actor, Logged { text })?],
    )
    .await?;
    after(state, viewer, id)
}

/// An operation as a STIX 2.1 bundle around a `grouping`: its targets as
/// indicators, threat actors (networks) and infrastructure at locations
/// (compounds), its parties as identities, its log as notes, under its
/// TLP marking.
#[utoipa::path(
    get,
    path = "/api/v1/operations/{id}/stix",
    tag = "operations",
    params(("id" = String, Path, description = "The operation id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "A STIX 2.1 bundle", body = Object, content_type = "application/stix+json;version=2.1"),
        (status = 401, description = "No valid token", body = ApiError),
        (status = 404, description = "No operation you may read", body = ApiError),
        (status = 503, description = "The audit log is behind; retry", body = ApiError),
    )
)]
pub async fn operation_stix(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
) -> ApiResult<impl axum::response::IntoResponse> {
    api.member()?;
    let op = readable(&state, &api.viewer, &id)?;
    audit_read(&state, &api.viewer, &op)?;
    let bundle = stix_bundle(&state, &op)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/stix+json;version=2.1",
        )],
        Json(bundle),
    ))
}

pub(crate) fn stix_bundle(state: &Shared, op: &Operation) -> ApiResult<serde_json::Value> {
    use cordon_interop::stix::export::AgencyView;
    use cordon_interop::stix::grouping::{CompoundSite, GroupingView, LogNote, operation_bundle};
    let mut selectors = Vec::new();
    let mut networks = Vec::new();
    let mut compounds = Vec::new();
    for t in &op.targets {
        match t.target.kind {
            TargetKind::Selector => selectors.push(t.target.value.clone()),
            TargetKind::Network => networks.push(t.target.value.clone()),
            TargetKind::Compound => {
                if let Some((lat, lon)) = cordon_analysis::places::site_centre(&t.target.value) {
                    compounds.push(CompoundSite {
                        cell: t.target.value.clone(),
                        lat,
                        lon,
                    });
                }
            }
        }
    }
    let agencies: Vec<AgencyView> = op
        .parties()
        .filter_map(|code| state.directory.get(code))
        .map(|a| AgencyView {
            code: a.code,
            name: a.name,
            country: a.country,
            contact: a.contact,
            kind: a.kind,
            created: a.created,
        })
        .collect();
    let log: Vec<LogNote<'_>> = op
        .log
        .iter()
        .map(|l| LogNote {
            at: l.at,
            author: &l.agency,
            user: &l.user,
            text: &l.text,
        })
        .collect();
    let view = GroupingView {
        id: &op.id,
        name: &op.name,
        summary: &op.summary,
        lead: &op.lead,
        participants: &op.participants,
        tlp: op.marking.tlp,
        state: op.state.as_str(),
        created: op.created,
        modified: op.updated,
        selectors: &selectors,
        networks: &networks,
        compounds: &compounds,
        log: &log,
        agencies,
    };
    operation_bundle(&view).map_err(ApiError::internal)
}

/// The overlaps you are party to: each with the target, your side, and of
/// the other side only its agency and contact.
#[utoipa::path(
    get,
    path = "/api/v1/deconflictions",
    tag = "operations",
    security(("token" = [])),
    responses(
        (status = 200, description = "Overlaps, newest first", body = DeconflictionList),
        (status = 401, description = "No valid token", body = ApiError),
    )
)]
pub async fn list_deconflictions(
    State(state): State<Shared>,
    api: Api,
) -> ApiResult<Json<DeconflictionList>> {
    api.member()?;
    let deconflictions = state
        .operations
        .read(|book| deconflict::visible(book, &api.viewer, &state.directory));
    Ok(Json(DeconflictionList { deconflictions }))
}
