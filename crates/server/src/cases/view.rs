//! A case opened for a member of an assigned agency: its clear part, its
//! personal part and every sealed note decrypted, its clock and the
//! screening's reading; and the clear summary that lists and queues show.

use chrono::{DateTime, Utc};
use cordon_protect::case::{Assignment, CompoundLink, DemandKind, Entry, Outcome, Source};
use cordon_protect::clock::{Clocks, Level};
use cordon_protect::person::Personal;
use cordon_protect::screening::{self, Assessment, Presence, Status};
use cordon_protect::seal::{DataKey, SealError};
use cordon_protect::stage::Closure;
use cordon_protect::{Case, CaseKey, Event, Stage};
use serde::Serialize;
use utoipa::ToSchema;

/// What a list or a queue shows of a case: nothing personal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    #[schema(value_type = String)]
    pub source: Source,
    pub nationality: String,
    pub origin: String,
    #[schema(value_type = Object)]
    pub compound: CompoundLink,
    pub group_size: u32,
    #[schema(value_type = Vec<Object>)]
    pub assigned: Vec<Assignment>,
    #[schema(value_type = String)]
    pub stage: Stage,
    pub stage_label: &'static str,
    pub stage_since: DateTime<Utc>,
    /// When the stage is due to move on (none once closed).
    pub due: Option<DateTime<Utc>>,
    pub overdue: bool,
    #[schema(value_type = Option<String>)]
    pub escalated: Option<Level>,
    #[schema(value_type = Option<String>)]
    pub closure: Option<Closure>,
    /// The screening outcome's status, if recorded.
    #[schema(value_type = Option<String>)]
    pub status: Option<Status>,
    /// The non-punishment principle applies.
    pub non_punishment: bool,
    pub opened: DateTime<Utc>,
    pub opened_by: String,
}

impl CaseSummary {
    pub fn of(case: &Case, clocks: &Clocks, now: DateTime<Utc>) -> CaseSummary {
        CaseSummary {
            id: case.id.clone(),
            source: case.source,
            nationality: case.nationality.clone(),
            origin: case.origin.clone(),
            compound: case.compound.clone(),
            group_size: case.group_size,
            assigned: case.assigned.clone(),
            stage: case.stage,
            stage_label: case.stage.label(),
            stage_since: case.stage_since,
            due: case.due(clocks),
            overdue: case.overdue(clocks, now),
            escalated: case.escalated,
            closure: case.closure,
            status: case.outcome.as_ref().map(|o| o.status),
            non_punishment: case.non_punishment().is_some(),
            opened: case.opened.at,
            opened_by: case.opened.agency.clone(),
        }
    }
}

/// One timeline entry, opened.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// `AGENCY/user`.
    pub by: String,
    /// The event's kind (`stage`, `evidence`, …).
    pub kind: String,
    /// What happened, in clear words.
    pub summary: String,
    /// The sealed note, reason or message, opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One piece of screening evidence, latest per indicator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceView {
    pub indicator: String,
    pub label: String,
    #[schema(value_type = String)]
    pub presence: Presence,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A ransom demand or proof of life.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandView {
    #[schema(value_type = String)]
    pub kind: DemandKind,
    pub selectors: Vec<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub message: String,
    /// The report that carried the selectors into intelligence.
    pub report: Option<String>,
    pub at: DateTime<Utc>,
}

/// A task.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    pub id: String,
    pub agency: String,
    pub due: Option<DateTime<Utc>>,
    pub done: bool,
    pub text: String,
}

/// The screening outcome with its reasons.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeView {
    #[schema(value_type = String)]
    pub status: Status,
    pub organisation: String,
    pub at: DateTime<Utc>,
    pub reasons: String,
}

/// A case as an assigned agency reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub consent: bool,
    pub repatriated: Option<DateTime<Utc>>,
    #[schema(value_type = Object)]
    pub personal: Personal,
    pub outcome: Option<OutcomeView>,
    pub evidence: Vec<EvidenceView>,
    /// What the evidence suggests: a decision aid, never a verdict.
    #[schema(value_type = Object)]
    pub assessment: Assessment,
    pub demands: Vec<DemandView>,
    pub tasks: Vec<TaskView>,
    /// Reports that carried the case's selectors into intelligence.
    pub released: Vec<Released>,
    pub split_from: Option<String>,
    pub split_into: Vec<String>,
    pub merged_from: Vec<String>,
    pub merged_into: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    /// Compounds the reader's intelligence locates near where the people
    /// are believed held, nearest first: where to look, for an analyst to
    /// link (`compound.site`). Empty without coordinates.
    pub likely_compounds: Vec<LikelyCompound>,
}

/// A compound near where a case's people are believed held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LikelyCompound {
    /// The site's H3 cell.
    pub site: String,
    pub lat: f64,
    pub lon: f64,
    /// How far from the case's coordinates.
    pub km: f64,
    /// Readable reports locating it.
    pub reports: usize,
    /// Its networks, with how many of those reports each.
    pub networks: Vec<(String, usize)>,
}

/// The compounds among `compounds` near (`lat`, `lon`), nearest first,
/// at most five (`cordon_analysis::compounds::near`).
pub fn likely(
    compounds: &[crate::networks::view::CompoundView],
    lat: f64,
    lon: f64,
) -> Vec<LikelyCompound> {
    let sites = compounds.iter().enumerate().map(|(i, c)| (i, c.lat, c.lon));
    cordon_analysis::compounds::near(sites, lat, lon, cordon_analysis::compounds::NEAR_KM, 5)
        .into_iter()
        .map(|(i, km)| {
            let c = &compounds[i];
            LikelyCompound {
                site: c.site.clone(),
                lat: c.lat,
                lon: c.lon,
                km: (km * 10.0).round() / 10.0,
                reports: c.readable,
                networks: c.networks.clone(),
            }
        })
        .collect()
}

/// Selectors released in one report, of the agency that released them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Released {
    /// The releasing agency, which owns the report.
    pub agency: String,
    pub report: String,
    pub selectors: Vec<String>,
}

/// Opens a case for a reader.
pub fn open(
    case: &Case,
    key: &CaseKey,
    clocks: &Clocks,
    now: DateTime<Utc>,
) -> Result<CaseView, SealError> {
    let data = key.unwrap(&case.id, &case.key)?;
    let personal: Personal =
        data.open_json(&case.id, cordon_protect::case::PERSONAL, &case.personal)?;
    let text = |entry: &Entry| -> Result<Option<String>, SealError> {
        match entry.event.sealed() {
            Some((field, sealed)) if field != cordon_protect::case::PERSONAL => {
                opened_text(&data, &case.id, field, sealed).map(Some)
            }
            _ => Ok(None),
        }
    };
    let mut timeline = Vec::with_capacity(case.timeline.len());
    let mut demands = Vec::new();
    let mut released = Vec::new();
    let mut outcome_reasons = String::new();
    for entry in &case.timeline {
        let detail = text(entry)?;
        // A release is a report of the agency that made it.
        match &entry.event {
            Event::Demand {
                report: Some(report),
                selectors,
                ..
            }
            | Event::Release { report, selectors } => released.push(Released {
                agency: entry.stamp.agency.clone(),
                report: report.clone(),
                selectors: selectors.clone(),
            }),
            _ => {}
        }
        match &entry.event {
            Event::Demand {
                demand,
                selectors,
                amount,
                currency,
                report,
                ..
            } => demands.push(DemandView {
                kind: *demand,
                selectors: selectors.clone(),
                amount: amount.clone(),
                currency: currency.clone(),
                message: detail.clone().unwrap_or_default(),
                report: report.clone(),
                at: entry.stamp.at,
            }),
            Event::Outcome { .. } => outcome_reasons = detail.clone().unwrap_or_default(),
            _ => {}
        }
        timeline.push(TimelineEntry {
            seq: entry.stamp.seq,
            at: entry.stamp.at,
            by: format!("{}/{}", entry.stamp.agency, entry.stamp.user),
            kind: entry
                .event
                .decision_kind()
                .trim_start_matches("case.")
                .to_owned(),
            summary: summary(&entry.event),
            detail,
        });
    }
    let mut tasks = Vec::new();
    for (id, t) in &case.tasks {
        tasks.push(TaskView {
            id: id.clone(),
            agency: t.agency.clone(),
            due: t.due,
            done: t.done,
            text: opened_text(&data, &case.id, "task.text", &t.text)?,
        });
    }
    let evidence = case
        .evidence
        .iter()
        .map(|(id, e)| EvidenceView {
            indicator: id.clone(),
            label: screening::indicator(id).map_or_else(|| id.clone(), |i| i.label.clone()),
            presence: e.presence,
            at: e.stamp.at,
            by: format!("{}/{}", e.stamp.agency, e.stamp.user),
        })
        .collect();
    Ok(CaseView {
        summary: CaseSummary::of(case, clocks, now),
        consent: case.consent,
        repatriated: case.repatriated,
        personal,
        outcome: case.outcome.as_ref().map(|o: &Outcome| OutcomeView {
            status: o.status,
            organisation: o.organisation.clone(),
            at: o.at,
            reasons: outcome_reasons,
        }),
        evidence,
        assessment: screening::assess(
            case.evidence
                .iter()
                .map(|(id, e)| (id.as_str(), e.presence)),
        ),
        demands,
        tasks,
        released,
        split_from: case.split_from.clone(),
        split_into: case.split_into.clone(),
        merged_from: case.merged_from.clone(),
        merged_into: case.merged_into.clone(),
        timeline,
        likely_compounds: Vec::new(),
    })
}

fn opened_text(
    data: &DataKey,
    case: &str,
    field: &str,
    sealed: &cordon_protect::Sealed,
) -> Result<String, SealError> {
    let plain = data.open(case, field, sealed)?;
    String::from_utf8(plain.to_vec()).map_err(|_| SealError::Malformed("sealed text is not utf-8"))
}

/// What an event did, in clear words: nothing sealed.
pub fn summary(event: &Event) -> String {
    match event {
        Event::Open { source, .. } => {
            format!("case opened from a {}", source.as_str().replace('_', " "))
        }
        Event::Update { .. } => "details updated".to_owned(),
        Event::Stage { to, closure, .. } => match closure {
            Some(c) => format!("closed: {}", c.as_str().replace('_', " ")),
            None => format!("moved to {}", to.label().to_lowercase()),
        },
        Event::Assign { assignment, remove } => format!(
            "{} {} as {}",
            if *remove { "unassigned" } else { "assigned" },
            assignment.agency,
            assignment.role.as_str()
        ),
        Event::Evidence {
            indicator,
            presence,
            ..
        } => format!(
            "screening: {} {}",
            screening::indicator(indicator).map_or(indicator.as_str(), |i| i.label.as_str()),
            match presence {
                Presence::Present => "present",
                Presence::Absent => "absent",
                Presence::Unclear => "unclear",
            }
        ),
        Event::Outcome {
            status,
            organisation,
            ..
        } => format!(
            "outcome: {} (decided by {organisation})",
            status.as_str().replace('_', " ")
        ),
        Event::Demand {
            demand, selectors, ..
        } => format!(
            "{} recorded with {} selector(s)",
            match demand {
                DemandKind::RansomDemand => "ransom demand",
                DemandKind::ProofOfLife => "proof of life",
            },
            selectors.len()
        ),
        Event::Release { report, selectors } => {
            format!(
                "{} selector(s) released as intelligence in {report}",
                selectors.len()
            )
        }
        Event::Escalate { stage, level, .. } => format!(
            "overdue in {}: escalated to {}",
            stage.label().to_lowercase(),
            match level {
                Level::Assigned => "the assigned agencies",
                Level::Supervisors => "their supervisors",
            }
        ),
        Event::Split { into, moved, .. } => format!("{moved} person(s) split into {into}"),
        Event::MergeIn { from, .. } => format!("{from} merged in"),
        Event::MergedInto { into } => format!("merged into {into}"),
        Event::Task { task, done, .. } => {
            format!("task {task} {}", if *done { "done" } else { "set" })
        }
        Event::Note { .. } => "note".to_owned(),
    }
}
