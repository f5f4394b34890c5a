//! What a case gives intelligence: ransom demands and proofs of life with
//! the perpetrators' selectors, and recruiter and compound selectors, each
//! released as a report of the releasing agency; never the person.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use cordon_core::report::SelectorInput;
use cordon_core::{Marking, ReportSubmission, Tlp};
use cordon_protect::case::DemandKind;
use cordon_protect::person::Personal;
use cordon_protect::{Case, Event};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MAX_TEXT, member, readable_open, sealed_text, write_one};
use crate::Shared;
use crate::access::{Member, Viewer};
use crate::api::reports::{json_body, store_reports};
use crate::api::{Api, Body, Path};
use crate::error::{ApiError, ApiResult};

/// A marking for what a case releases into intelligence.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseMarking {
    /// `GREEN`, `AMBER` (the default) or `AMBER+STRICT`: never RED (a hit
    /// must be able to tell others whom to call) and never CLEAR.
    #[serde(default)]
    pub tlp: Option<String>,
    /// AMBER recipients; the case's assigned agencies by default.
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandRequest {
    /// `ransom_demand` or `proof_of_life`.
    pub kind: String,
    /// The perpetrators' wallets, phones and handles, in any form: released
    /// into intelligence at once (by analysts and admins). None records the
    /// demand alone.
    #[serde(default)]
    pub selectors: Vec<String>,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    /// The message as received (sealed).
    pub message: String,
    #[serde(default)]
    pub marking: Option<ReleaseMarking>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Canonical selectors of recruiters and compounds from the case.
    pub selectors: Vec<String>,
    #[serde(default)]
    pub marking: Option<ReleaseMarking>,
}

/// The selectors as canonical text (with those normalising derives, such
/// as a URL's domain), none of them naming a person: not a name or a
/// passport, not an identifier of the case's people or contacts, and not
/// one of any protected person in any case. The refusal says no more than
/// that, so that it tells no one whose selector it was.
fn releasable(state: &Shared, selectors: &[String], personal: &Personal) -> ApiResult<Vec<String>> {
    if selectors.len() > MAX_RELEASED {
        return Err(ApiError::invalid_field(
            "selectors",
            format!("release at most {MAX_RELEASED} selectors at once"),
        ));
    }
    let hint = cordon_core::Hint::default();
    let contacts: std::collections::HashSet<String> = personal
        .contacts
        .iter()
        .flat_map(|c| [c.phone.as_str(), c.email.as_str()])
        .filter(|t| !t.trim().is_empty())
        .filter_map(|t| cordon_core::selector::normalize(t, &hint).ok())
        .flatten()
        .map(|s| s.into_string())
        .collect();
    let mut out: Vec<String> = Vec::new();
    for (i, text) in selectors.iter().enumerate() {
        let found = cordon_core::selector::normalize(text, &hint)
            .map_err(|e| ApiError::invalid_field(format!("selectors[{i}]"), e.message))?;
        if found.is_empty() {
            return Err(ApiError::invalid_field(
                format!("selectors[{i}]"),
                "not a selector",
            ));
        }
        for s in found {
            let names_a_person = matches!(
                s.kind(),
                cordon_core::SelectorKind::Name | cordon_core::SelectorKind::Passport
            ) || personal.identifiers().any(|own| own == s.as_str())
                || contacts.contains(s.as_str())
                || state.cases.protected(s.as_str()).is_some();
            if names_a_person {
                return Err(ApiError::invalid_field(
                    format!("selectors[{i}]"),
                    "this selector names a person (a name, a document, someone in a case or a contact of theirs): a case releases recruiters' and compounds' selectors only",
                ));
            }
            let canonical = s.into_string();
            if !out.contains(&canonical) {
                out.push(canonical);
            }
        }
    }
    Ok(out)
}

/// Most selectors one release carries.
const MAX_RELEASED: usize = 100;

/// Releasing into intelligence is an analyst's decision.
fn may_release(actor: &Member) -> ApiResult<()> {
    if actor.role == crate::access::Role::Contributor {
        return Err(ApiError::forbidden(
            "contributors record cases; an analyst or admin of your agency releases selectors into intelligence",
        ));
    }
    Ok(())
}

/// Submits the released selectors as a report of the actor's agency: no
/// narrative beyond where it came from, nothing about the person.
async fn release_report(
    state: &Shared,
    actor: &Member,
    case: &Case,
    selectors: &[String],
    marking: Option<&ReleaseMarking>,
    what: &str,
) -> ApiResult<String> {
    let marking = marking.cloned().unwrap_or_default();
    let tlp = match marking.tlp.as_deref().map(str::trim) {
        None | Some("") | Some("AMBER") => Tlp::Amber,
        Some("AMBER+STRICT") => Tlp::AmberStrict,
        Some("GREEN") => Tlp::Green,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "marking.tlp",
                format!("'{other}': release as GREEN, AMBER or AMBER+STRICT"),
            ));
        }
    };
    let recipients = match (tlp, marking.recipients) {
        (Tlp::Green, _) => Vec::new(),
        (_, Some(r)) => r,
        (_, None) => case
            .agencies()
            .into_iter()
            .filter(|a| *a != actor.agency)
            .map(str::to_owned)
            .collect(),
    };
    let country = actor
        .agency
        .split_once('-')
        .map_or("", |(c, _)| c)
        .to_owned();
    let submission = ReportSubmission {
        id: None,
        kind: Some("rescue_request".to_owned()),
        received: None,
        country: Some(country),
        language: None,
        marking: Some(Marking {
            tlp,
            recipients,
            hit_notification: true,
        }),
        grading: None,
        mo: Vec::new(),
        narrative: Some(format!("{what}, released from a victim-protection case")),
        selectors: selectors
            .iter()
            .map(|s| SelectorInput::Text(s.clone()))
            .collect(),
        losses: Vec::new(),
        location: None,
    };
    let report =
        cordon_core::ingest::check_submission(1, &submission, Utc::now()).map_err(|e| {
            ApiError::invalid_field(
                format!("release.{}", e.field.clone().unwrap_or_default()),
                e.message,
            )
        })?;
    let id = report.id.clone();
    store_reports(state, &actor.agency, &[(1, report)], &[]).await?;
    Ok(id)
}

pub async fn demand_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &DemandRequest,
) -> ApiResult<Option<String>> {
    let actor = member(viewer)?.clone();
    let demand = match request.kind.trim() {
        "ransom_demand" => DemandKind::RansomDemand,
        "proof_of_life" => DemandKind::ProofOfLife,
        _ => {
            return Err(ApiError::invalid_field(
                "kind",
                "expected ransom_demand or proof_of_life",
            ));
        }
    };
    let message = crate::api::required_text(&request.message, "message", MAX_TEXT)?;
    if let Some(a) = &request.amount
        && !a
            .trim()
            .parse::<rust_decimal::Decimal>()
            .is_ok_and(|d| d.is_sign_positive())
    {
        return Err(ApiError::invalid_field(
            "amount",
            "not a decimal amount of zero or more",
        ));
    }
    let currency = match request.currency.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) if (2..=10).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Some(c.to_ascii_uppercase())
        }
        Some(_) => {
            return Err(ApiError::invalid_field(
                "currency",
                "a currency or token code of 2 to 10 letters and digits (USD, USDT)",
            ));
        }
    };
    if !request.selectors.is_empty() {
        may_release(&actor)?;
    }
    let _writing = state.cases.writing.lock().await;
    let case = readable_open(state, viewer, id)?;
    let personal = state.cases.personal(&case).map_err(ApiError::internal)?;
    // A demand may be recorded before anyone decides what to release.
    let selectors = if request.selectors.is_empty() {
        Vec::new()
    } else {
        releasable(state, &request.selectors, &personal)?
    };
    // Sealed before anything is stored, so that nothing fails after.
    let sealed = sealed_text(&case, state, "demand.message", &message)?;
    let what = match demand {
        DemandKind::RansomDemand => "ransom demand",
        DemandKind::ProofOfLife => "proof-of-life message",
    };
    let report = if selectors.is_empty() {
        None
    } else {
        Some(
            release_report(
                state,
                &actor,
                &case,
                &selectors,
                request.marking.as_ref(),
                what,
            )
            .await?,
        )
    };
    let event = Event::Demand {
        demand,
        selectors,
        amount: request.amount.as_ref().map(|a| a.trim().to_owned()),
        currency,
        message: sealed,
        report: report.clone(),
    };
    write_one(state, id, &actor, &event).await?;
    Ok(report)
}

/// The report that carried selectors into intelligence.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleasedReport {
    pub report: String,
}

/// A demand recorded, and the report that carried its selectors into
/// intelligence (none when it released none).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedDemand {
    pub report: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/demands",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = DemandRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "Recorded; its selectors, if any, are in intelligence as this report", body = RecordedDemand),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong; nothing was changed", body = ApiError),
    )
)]
pub async fn record_demand(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<RecordedDemand>)> {
    let request: DemandRequest = json_body(&body)?;
    let report = demand_for(&state, &api.viewer, &id, &request).await?;
    Ok((StatusCode::CREATED, Json(RecordedDemand { report })))
}

pub async fn release_for(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    request: &ReleaseRequest,
) -> ApiResult<String> {
    let actor = member(viewer)?.clone();
    may_release(&actor)?;
    if request.selectors.is_empty() {
        return Err(ApiError::invalid_field(
            "selectors",
            "name at least one selector",
        ));
    }
    let _writing = state.cases.writing.lock().await;
    let case = readable_open(state, viewer, id)?;
    let personal = state.cases.personal(&case).map_err(ApiError::internal)?;
    let selectors = releasable(state, &request.selectors, &personal)?;
    let report = release_report(
        state,
        &actor,
        &case,
        &selectors,
        request.marking.as_ref(),
        "recruiter and compound selectors",
    )
    .await?;
    let event = Event::Release {
        report: report.clone(),
        selectors,
    };
    write_one(state, id, &actor, &event).await?;
    Ok(report)
}

#[utoipa::path(
    post,
    operation_id = "release_from_case",
    path = "/api/v1/cases/{id}/release",
    tag = "cases",
    params(("id" = String, Path, description = "The case id")),
    request_body = ReleaseRequest,
    security(("token" = [])),
    responses(
        (status = 201, description = "Released as this report", body = ReleasedReport),
        (status = 404, description = "No case you may read", body = ApiError),
        (status = 422, description = "A field is wrong (or names the person); nothing was changed", body = ApiError),
    )
)]
pub async fn release(
    State(state): State<Shared>,
    api: Api,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ReleasedReport>)> {
    let request: ReleaseRequest = json_body(&body)?;
    let report = release_for(&state, &api.viewer, &id, &request).await?;
    Ok((StatusCode::CREATED, Json(ReleasedReport { report })))
}
