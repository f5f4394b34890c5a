//! A case: its clear part (who is assigned, where it stands, its clocks),
//! its sealed personal part, and the events that make and change it.
//!
//! Every change is one [`Event`], kept as a decision `case.<kind>` in the
//! store's log and folded here in log order, so every replica holds every
//! case and nothing acknowledged is lost. What identifies a person (names,
//! documents, phones, where they are held, what they said, why a stage
//! moved, screening notes, ransom messages, tasks) is inside [`Sealed`]
//! values that only the case's data key opens; the clear part carries only
//! what routing, clocks and counts need: nationality and origin country,
//! the compound's site, the assigned agencies, the stage and its times,
//! the screening outcome's status and the selectors released as
//! intelligence.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::{Clocks, Level};
use crate::error::CaseError;
use crate::screening::{Presence, Status};
use crate::seal::Sealed;
use crate::stage::{self, Closure, Move, Stage};

/// How a case came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A message from inside a compound.
    DistressSignal,
    FamilyReport,
    HotlineCall,
    /// A worker who got out and reached an embassy, a border post or police.
    EscapedWorker,
    NgoReferral,
    /// People found in a raid.
    Raid,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::DistressSignal,
        Source::FamilyReport,
        Source::HotlineCall,
        Source::EscapedWorker,
        Source::NgoReferral,
        Source::Raid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::DistressSignal => "distress_signal",
            Source::FamilyReport => "family_report",
            Source::HotlineCall => "hotline_call",
            Source::EscapedWorker => "escaped_worker",
            Source::NgoReferral => "ngo_referral",
            Source::Raid => "raid",
        }
    }
}

/// What an assigned agency does for the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The agency of the person's country of origin.
    Origin,
    /// The agency in the country of the compound.
    Destination,
    /// An agency of a country the person passed through.
    Transit,
    /// The consulate responsible for the person, or the partner agency
    /// standing in where the origin country has no embassy.
    Consulate,
    /// Shelter, NGO, hotline, legal aid.
    Support,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Origin => "origin",
            Role::Destination => "destination",
            Role::Transit => "transit",
            Role::Consulate => "consulate",
            Role::Support => "support",
        }
    }
}

/// An agency assigned to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub agency: String,
    pub role: Role,
    /// For the consulate: `false` states that the origin country has no
    /// embassy in the compound's country and this agency stands in.
    #[serde(default = "yes")]
    pub embassy: bool,
}

fn yes() -> bool {
    true
}

/// Where the case's people are held, as intelligence knows the place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompoundLink {
    /// The compound's site: its H3 cell at resolution 9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// ISO 3166-1 alpha-2 of the compound's country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A ransom demand or a proof-of-life message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandKind {
    RansomDemand,
    ProofOfLife,
}

/// A new case as submitted (API, CLI, the simulator's signals): the clear
/// part and the personal part, before sealing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    pub source: Source,
    /// ISO 3166-1 alpha-2 of the people's nationality.
    pub nationality: String,
    /// Their country of origin (residence) when it differs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
    #[serde(default)]
    pub compound: CompoundLink,
    /// How many are held together; the people named when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<u32>,
    pub assigned: Vec<Assignment>,
    /// Consent to use their data for the protocol.
    #[serde(default)]
    pub consent: bool,
    pub personal: crate::person::Personal,
    /// When the signal came in, if before it was entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<DateTime<Utc>>,
    /// The receiving agency's own reference for the signal (a hotline's
    /// call number): the same reference opened twice by one agency opens
    /// one case, so that a re-sent signal is no second case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl Opening {
    /// Writes codes the one way they are kept: countries upper case, the
    /// site lower case.
    pub fn normalize(&mut self) {
        self.nationality = self.nationality.trim().to_ascii_uppercase();
        self.origin = self.origin.trim().to_ascii_uppercase();
        if let Some(c) = &mut self.compound.country {
            *c = c.trim().to_ascii_uppercase();
        }
        if let Some(s) = &mut self.compound.site {
            *s = s.trim().to_ascii_lowercase();
        }
        self.personal.normalize();
    }

    /// Checks an opening: names the first bad field. `now` bounds
    /// `received`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), CaseError> {
        country(&self.nationality, "nationality")?;
        if !self.origin.is_empty() {
            country(&self.origin, "origin")?;
        }
        if let Some(c) = &self.compound.country {
            country(c, "compound.country")?;
        }
        if let Some(site) = &self.compound.site
            && (site.len() != 15 || !site.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(CaseError::invalid(
                "compound.site",
                "not an H3 cell (15 hex digits)",
            ));
        }
        if let Some(g) = self.group_size
            && !(1..=MAX_GROUP).contains(&g)
        {
            return Err(CaseError::invalid(
                "group_size",
                format!("a case holds 1 to {MAX_GROUP} people"),
            ));
        }
        if self.assigned.len() > MAX_ASSIGNED {
            return Err(CaseError::invalid(
                "assigned",
                format!("at most {MAX_ASSIGNED} agencies"),
            ));
        }
        if self.assigned.is_empty() {
            return Err(CaseError::invalid(
                "assigned",
                "assign at least the agency that takes the case",
            ));
        }
        for (i, a) in self.assigned.iter().enumerate() {
            cordon_core::agency::check_code(&a.agency)
                .map_err(|e| CaseError::invalid(format!("assigned[{i}].agency"), e.message))?;
        }
        if let Some(r) = &self.reference
            && (r.trim().is_empty() || r.len() > 200)
        {
            return Err(CaseError::invalid(
                "reference",
                "a reference is 1 to 200 characters, or left out",
            ));
        }
        if self.received.is_some_and(|r| r > now) {
            return Err(CaseError::invalid(
                "received",
                "a signal cannot come in the future",
            ));
        }
        self.personal.check().map_err(|e| CaseError {
            field: format!("personal.{}", e.field),
            ..e
        })
    }

    /// The `Open` event of case `id`: a fresh data key wrapped by `key`,
    /// the personal part sealed with it.
    pub fn seal(&self, id: &str, key: &crate::seal::CaseKey, now: DateTime<Utc>) -> Event {
        let data = crate::seal::DataKey::generate();
        let people = u32::try_from(self.personal.people.len()).unwrap_or(u32::MAX);
        Event::Open {
            source: self.source,
            nationality: self.nationality.to_ascii_uppercase(),
            origin: if self.origin.is_empty() {
                self.nationality.to_ascii_uppercase()
            } else {
                self.origin.to_ascii_uppercase()
            },
            compound: self.compound.clone(),
            group_size: self.group_size.unwrap_or(people).max(people),
            assigned: self.assigned.clone(),
            key: key.wrap(id, &data),
            personal: data.seal_json(id, PERSONAL, &self.personal),
            consent: self.consent,
            stage: Stage::SignalReceived,
            since: self.received.unwrap_or(now),
            split_from: None,
            reference: self.reference.clone(),
            returned: None,
            escalated: None,
        }
    }
}

fn country(code: &str, field: &str) -> Result<(), CaseError> {
    if is_alpha2(code) {
        Ok(())
    } else {
        Err(CaseError::invalid(
            field,
            "not an ISO 3166-1 alpha-2 country code (two letters, such as VN)",
        ))
    }
}

/// Whether `code` is an assigned ISO 3166-1 alpha-2 code, in any case.
pub fn is_alpha2(code: &str) -> bool {
    code.len() == 2
        && cordon_core::country::alpha2(code).is_some_and(|a2| a2.eq_ignore_ascii_case(code))
}

/// Most agencies assigned to one case.
pub const MAX_ASSIGNED: usize = 20;
/// Most people a group case may count.
pub const MAX_GROUP: u32 = 10_000;

/// One change to a case, as kept in the decision log (`case.<kind>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A new case (a signal received, or the part split off another case).
    Open {
        source: Source,
        nationality: String,
        origin: String,
        #[serde(default)]
        compound: CompoundLink,
        group_size: u32,
        assigned: Vec<Assignment>,
        /// The case's data key, wrapped by the server's case key.
        key: Sealed,
        /// [`crate::person::Personal`], sealed.
        personal: Sealed,
        /// Consent to use the person's data for the protocol.
        consent: bool,
        /// The stage it starts in and since when (a split keeps its
        /// source's, so that no clock restarts).
        stage: Stage,
        since: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        split_from: Option<String>,
        /// The opening agency's reference for the signal.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// A split carries its source's clocks on: when the people
        /// returned (the follow-ups' anchor) and the escalation already
        /// sent in the stage, so that none restarts or fires again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        returned: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        escalated: Option<Level>,
    },
    /// The clear or personal part changed.
    Update {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nationality: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        compound: Option<CompoundLink>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consent: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group_size: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        personal: Option<Sealed>,
    },
    /// A stage moved.
    Stage {
        to: Stage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closure: Option<Closure>,
        /// The person's informed consent to return, recorded with it.
        #[serde(default)]
        informed_consent: bool,
        why: Sealed,
    },
    /// An agency assigned or unassigned.
    Assign {
        assignment: Assignment,
        #[serde(default)]
        remove: bool,
    },
    /// Evidence on one screening indicator.
    Evidence {
        indicator: String,
        presence: Presence,
        note: Sealed,
    },
    /// The screening outcome, decided by an organisation.
    Outcome {
        status: Status,
        organisation: String,
        reasons: Sealed,
    },
    /// A ransom demand or proof of life, with the perpetrators' selectors.
    Demand {
        demand: DemandKind,
        selectors: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        currency: Option<String>,
        message: Sealed,
        /// The report that carried the selectors into intelligence.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<String>,
    },
    /// Selectors released as intelligence in a report.
    Release {
        report: String,
        selectors: Vec<String>,
    },
    /// An overdue stage escalated (written by the server's clock).
    Escalate {
        stage: Stage,
        level: Level,
        due: DateTime<Utc>,
    },
    /// Some people moved into a new case (the new case has its own
    /// `Open` with `split_from`).
    Split {
        into: String,
        moved: u32,
        personal: Sealed,
    },
    /// Another case merged into this one.
    MergeIn {
        from: String,
        group_size: u32,
        personal: Sealed,
    },
    /// This case merged into another, which it closes.
    MergedInto { into: String },
    /// A task set or updated.
    Task {
        task: String,
        agency: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<DateTime<Utc>>,
        #[serde(default)]
        done: bool,
        text: Sealed,
    },
    /// A note in the timeline.
    Note { text: Sealed },
}

impl Event {
    /// The decision kind it is kept under.
    pub fn decision_kind(&self) -> &'static str {
        match self {
            Event::Open { .. } => "case.open",
            Event::Update { .. } => "case.update",
            Event::Stage { .. } => "case.stage",
            Event::Assign { .. } => "case.assign",
            Event::Evidence { .. } => "case.evidence",
            Event::Outcome { .. } => "case.outcome",
            Event::Demand { .. } => "case.demand",
            Event::Release { .. } => "case.release",
            Event::Escalate { .. } => "case.escalate",
            Event::Split { .. } => "case.split",
            Event::MergeIn { .. } => "case.merge_in",
            Event::MergedInto { .. } => "case.merged_into",
            Event::Task { .. } => "case.task",
            Event::Note { .. } => "case.note",
        }
    }

    /// The sealed field of this event and its name (the associated data it
    /// is sealed under), if it has one.
    pub fn sealed(&self) -> Option<(&'static str, &Sealed)> {
        match self {
            Event::Open { personal, .. }
            | Event::Split { personal, .. }
            | Event::MergeIn { personal, .. }
            | Event::Update {
                personal: Some(personal),
                ..
            } => Some((PERSONAL, personal)),
            Event::Stage { why, .. } => Some(("stage.why", why)),
            Event::Evidence { note, .. } => Some(("evidence.note", note)),
            Event::Outcome { reasons, .. } => Some(("outcome.reasons", reasons)),
            Event::Demand { message, .. } => Some(("demand.message", message)),
            Event::Task { text, .. } => Some(("task.text", text)),
            Event::Note { text } => Some(("note.text", text)),
            _ => None,
        }
    }
}

/// The associated-data name of the personal part.
pub const PERSONAL: &str = "personal";

/// Who did something, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub agency: String,
    pub user: String,
}

/// One entry of the timeline: an event as applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub stamp: Stamp,
    pub event: Event,
}

/// The latest evidence on one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub presence: Presence,
    pub stamp: Stamp,
}

/// The screening outcome (its reasons are sealed in the timeline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub status: Status,
    pub organisation: String,
    pub at: DateTime<Utc>,
}

/// A task's latest state.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub agency: String,
    pub due: Option<DateTime<Utc>>,
    pub done: bool,
    pub text: Sealed,
    pub stamp: Stamp,
}

/// A case as folded from its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: String,
    pub opened: Stamp,
    pub source: Source,
    pub nationality: String,
    pub origin: String,
    pub compound: CompoundLink,
    pub group_size: u32,
    pub assigned: Vec<Assignment>,
    pub consent: bool,
    pub stage: Stage,
    pub stage_since: DateTime<Utc>,
    pub closure: Option<Closure>,
    pub repatriated: Option<DateTime<Utc>>,
    /// When the follow-ups count from: the return, or for a person who
    /// stayed, the start of reintegration.
    pub returned: Option<DateTime<Utc>>,
    /// The highest escalation sent in the current stage.
    pub escalated: Option<Level>,
    pub outcome: Option<Outcome>,
    /// The latest evidence per indicator.
    pub evidence: BTreeMap<String, Evidence>,
    pub tasks: BTreeMap<String, Task>,
    /// Selectors released as intelligence, with the reports that carry them.
    pub released: Vec<(String, Vec<String>)>,
    pub split_from: Option<String>,
    /// The opening agency's reference for the signal.
    pub reference: Option<String>,
    pub split_into: Vec<String>,
    pub merged_from: Vec<String>,
    pub merged_into: Option<String>,
    /// The wrapped data key and the current personal part.
    pub key: Sealed,
    pub personal: Sealed,
    pub timeline: Vec<Entry>,
}

impl Case {
    /// A case from its `Open` event; `None` for any other event.
    pub fn opened(id: &str, stamp: Stamp, event: Event) -> Option<Case> {
        let Event::Open {
            source,
            ref nationality,
            ref origin,
            ref compound,
            group_size,
            ref assigned,
            ref key,
            ref personal,
            consent,
            stage,
            since,
            ref split_from,
            ref reference,
            returned,
            escalated,
        } = event
        else {
            return None;
        };
        Some(Case {
            id: id.to_string(),
            source,
            nationality: nationality.clone(),
            origin: origin.clone(),
            compound: compound.clone(),
            group_size,
            assigned: assigned.clone(),
            consent,
            stage,
            stage_since: since,
            closure: None,
            repatriated: None,
            returned,
            escalated,
            outcome: None,
            evidence: BTreeMap::new(),
            tasks: BTreeMap::new(),
            released: Vec::new(),
            split_from: split_from.clone(),
            reference: reference.clone(),
            split_into: Vec::new(),
            merged_from: Vec::new(),
            merged_into: None,
            key: key.clone(),
            personal: personal.clone(),
            timeline: vec![Entry {
                stamp: stamp.clone(),
                event,
            }],
            opened: stamp,
        })
    }

    /// Folds in one later event. The log is the truth: events are applied
    /// as kept, whatever the checks before writing them said, except that
    /// a closed case takes notes only.
    pub fn apply(&mut self, stamp: Stamp, event: Event) {
        // A closed case takes notes only: a change two replicas raced to
        // write after the close is not folded.
        if !self.is_open() && !matches!(event, Event::Note { .. }) {
            return;
        }
        match &event {
            Event::Open { .. } => return,
            Event::Update {
                nationality,
                compound,
                consent,
                group_size,
                personal,
            } => {
                if let Some(n) = nationality {
                    self.nationality = n.clone();
                }
                if let Some(c) = compound {
                    self.compound = c.clone();
                }
                if let Some(c) = consent {
                    self.consent = *c;
                }
                if let Some(g) = group_size {
                    self.group_size = *g;
                }
                if let Some(p) = personal {
                    self.personal = p.clone();
                }
            }
            Event::Stage { to, closure, .. } => {
                self.enter(*to, stamp.at);
                self.closure = *closure;
            }
            Event::Assign { assignment, remove } => {
                self.assigned
                    .retain(|a| !(a.agency == assignment.agency && a.role == assignment.role));
                if !remove {
                    self.assigned.push(assignment.clone());
                }
            }
            Event::Evidence {
                indicator,
                presence,
                ..
            } => {
                self.evidence.insert(
                    indicator.clone(),
                    Evidence {
                        presence: *presence,
                        stamp: stamp.clone(),
                    },
                );
            }
            Event::Outcome {
                status,
                organisation,
                ..
            } => {
                self.outcome = Some(Outcome {
                    status: *status,
                    organisation: organisation.clone(),
                    at: stamp.at,
                });
            }
            Event::Demand {
                selectors, report, ..
            } => {
                if let Some(report) = report {
                    self.released.push((report.clone(), selectors.clone()));
                }
            }
            Event::Release { report, selectors } => {
                self.released.push((report.clone(), selectors.clone()));
            }
            Event::Escalate { stage, level, .. } => {
                if *stage == self.stage {
                    self.escalated = self.escalated.max(Some(*level));
                }
            }
            Event::Split {
                into,
                moved,
                personal,
            } => {
                self.split_into.push(into.clone());
                self.group_size = self.group_size.saturating_sub(*moved).max(1);
                self.personal = personal.clone();
            }
            Event::MergeIn {
                from,
                group_size,
                personal,
            } => {
                self.merged_from.push(from.clone());
                self.group_size = *group_size;
                self.personal = personal.clone();
            }
            Event::MergedInto { into } => {
                self.merged_into = Some(into.clone());
                self.enter(Stage::Closed, stamp.at);
                self.closure = Some(Closure::Merged);
            }
            Event::Task {
                task,
                agency,
                due,
                done,
                text,
            } => {
                self.tasks.insert(
                    task.clone(),
                    Task {
                        agency: agency.clone(),
                        due: *due,
                        done: *done,
                        text: text.clone(),
                        stamp: stamp.clone(),
                    },
                );
            }
            Event::Note { .. } => {}
        }
        self.timeline.push(Entry { stamp, event });
    }

    fn enter(&mut self, stage: Stage, at: DateTime<Utc>) {
        if stage != self.stage {
            self.stage = stage;
            self.stage_since = at;
            self.escalated = None;
        }
        if stage == Stage::Repatriated {
            self.repatriated = Some(at);
            self.returned = Some(at);
        }
        // A person who stays is followed up from the start of reintegration.
        if stage == Stage::Reintegration && self.returned.is_none() {
            self.returned = Some(at);
        }
    }

    pub fn is_open(&self) -> bool {
        self.stage.is_open()
    }

    /// Whether `agency` is assigned to the case in any role.
    pub fn assigns(&self, agency: &str) -> bool {
        self.assigned.iter().any(|a| a.agency == agency)
    }

    /// The assigned agencies, each once, in assignment order.
    pub fn agencies(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in &self.assigned {
            if !out.contains(&a.agency.as_str()) {
                out.push(&a.agency);
            }
        }
        out
    }

    /// When the current stage is due to move on.
    pub fn due(&self, clocks: &Clocks) -> Option<DateTime<Utc>> {
        clocks.due(self.stage, self.stage_since, self.returned)
    }

    /// Whether the case is past its stage's due time at `now`.
    pub fn overdue(&self, clocks: &Clocks, now: DateTime<Utc>) -> bool {
        self.due(clocks).is_some_and(|d| now >= d)
    }

    /// The escalations the case owes at `now`, lowest level first.
    pub fn owed_escalations(&self, clocks: &Clocks, now: DateTime<Utc>) -> Vec<Event> {
        let Some(due) = self.due(clocks) else {
            return Vec::new();
        };
        clocks
            .escalation(Some(due), now, self.escalated)
            .into_iter()
            .map(|level| Event::Escalate {
                stage: self.stage,
                level,
                due,
            })
            .collect()
    }

    /// Checks a move to `to` against the protocol and the case: what must
    /// hold before the next stage (a screening outcome before shelter,
    /// informed consent and a responsible consulate before return).
    pub fn check_move(
        &self,
        to: Stage,
        closure: Option<Closure>,
        informed_consent: bool,
    ) -> Result<Move, CaseError> {
        let kind = stage::check(self.stage, to, closure)?;
        let status = self.outcome.as_ref().map(|o| o.status);
        if self.stage == Stage::Screened
            && to != Stage::Closed
            && !status.is_some_and(|s| s.is_victim())
        {
            return Err(CaseError::protocol(
                "to",
                match status {
                    Some(Status::NotAVictim) => {
                        "screening found the person not to be a victim: close the case as not_a_victim"
                    }
                    _ => {
                        "record the screening outcome (possible or actual victim) before moving on"
                    }
                },
            ));
        }
        if closure == Some(Closure::NotAVictim) && status != Some(Status::NotAVictim) {
            return Err(CaseError::protocol(
                "closure",
                "close as not_a_victim only after screening recorded that outcome",
            ));
        }
        if to == Stage::ReturnAgreed {
            if !informed_consent {
                return Err(CaseError::protocol(
                    "informed_consent",
                    "return is agreed only with the person's informed consent: record it with the move",
                ));
            }
            if !self.assigned.iter().any(|a| a.role == Role::Consulate) {
                return Err(CaseError::protocol(
                    "assigned",
                    "assign the consulate responsible (or the partner standing in where there is no embassy) before agreeing return",
                ));
            }
        }
        if informed_consent && to != Stage::ReturnAgreed {
            return Err(CaseError::invalid(
                "informed_consent",
                "informed consent is recorded with the move to return_agreed",
            ));
        }
        Ok(kind)
    }

    /// Whether the non-punishment principle applies: screening found the
    /// person a possible or an actual victim.
    pub fn non_punishment(&self) -> Option<Status> {
        self.outcome
            .as_ref()
            .map(|o| o.status)
            .filter(|s| s.is_victim())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::seal::{CaseKey, DataKey};
    use chrono::{Duration, TimeZone};

    pub(crate) fn stamp(seq: i64, hours: i64) -> Stamp {
        Stamp {
            seq,
            at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::hours(hours),
            agency: "VN-MPS".into(),
            user: "lan".into(),
        }
    }

    fn sealed(text: &str) -> Sealed {
        DataKey::generate().seal("PC-1", "x", text.as_bytes())
    }

    pub(crate) fn open_case() -> Case {
        let data = DataKey::generate();
        let event = Event::Open {
            source: Source::FamilyReport,
            nationality: "VN".into(),
            origin: "VN".into(),
            compound: CompoundLink::default(),
            group_size: 1,
            assigned: vec![Assignment {
                agency: "VN-MPS".into(),
                role: Role::Origin,
                embassy: true,
            }],
            key: CaseKey::derive(&[1; 32]).wrap("PC-1", &data),
            personal: data.seal("PC-1", PERSONAL, b"{}"),
            consent: true,
            stage: Stage::SignalReceived,
            since: stamp(1, 0).at,
            split_from: None,
            reference: None,
            returned: None,
            escalated: None,
        };
        Case::opened("PC-1", stamp(1, 0), event).unwrap()
    }

    fn moved(case: &mut Case, seq: i64, hours: i64, to: Stage) {
        case.apply(
            stamp(seq, hours),
            Event::Stage {
                to,
                closure: None,
                informed_consent: to == Stage::ReturnAgreed,
                why: sealed("because"),
            },
        );
    }

    #[test]
    fn a_case_walks_the_whole_protocol_with_its_guards() {
        let mut case = open_case();
        let mut seq = 1;
        let mut hours = 0;
        for to in Stage::ALL.into_iter().skip(1) {
            seq += 1;
            hours += 1;
            let closure = (to == Stage::Closed).then_some(Closure::Completed);
            let consent = to == Stage::ReturnAgreed;
            if case.stage == Stage::Screened {
                assert!(case.check_move(to, None, false).is_err(), "no outcome yet");
                case.apply(
                    stamp(seq, hours),
                    Event::Outcome {
                        status: Status::ActualVictim,
                        organisation: "VN-MPS".into(),
                        reasons: sealed("eight indicators"),
                    },
                );
            }
            if to == Stage::ReturnAgreed {
                assert_eq!(
                    case.check_move(to, None, false).unwrap_err().field,
                    "informed_consent"
                );
                assert_eq!(
                    case.check_move(to, None, true).unwrap_err().field,
                    "assigned"
                );
                case.apply(
                    stamp(seq, hours),
                    Event::Assign {
                        assignment: Assignment {
                            agency: "VN-EMB-TH".into(),
                            role: Role::Consulate,
                            embassy: true,
                        },
                        remove: false,
                    },
                );
            }
            assert_eq!(
                case.check_move(to, closure, consent),
                Ok(Move::Advance),
                "{} → {to}",
                case.stage
            );
            case.apply(
                stamp(seq, hours),
                Event::Stage {
                    to,
                    closure,
                    informed_consent: consent,
                    why: sealed("next"),
                },
            );
            assert_eq!(case.stage, to);
            assert_eq!(case.stage_since, stamp(seq, hours).at);
        }
        assert_eq!(case.closure, Some(Closure::Completed));
        assert!(case.repatriated.is_some());
        assert!(!case.is_open());
    }

    #[test]
    fn not_a_victim_closes_and_only_after_that_outcome() {
        let mut case = open_case();
        for (i, to) in [
            Stage::Verified,
            Stage::Located,
            Stage::Extracted,
            Stage::Screened,
        ]
        .into_iter()
        .enumerate()
        {
            moved(&mut case, i as i64 + 2, i as i64, to);
        }
        assert_eq!(
            case.check_move(Stage::Closed, Some(Closure::NotAVictim), false)
                .unwrap_err()
                .field,
            "closure"
        );
        case.apply(
            stamp(9, 9),
            Event::Outcome {
                status: Status::NotAVictim,
                organisation: "TH-DSI".into(),
                reasons: sealed("recruiter, not recruited"),
            },
        );
        let e = case.check_move(Stage::Shelter, None, false).unwrap_err();
        assert!(e.message.contains("close the case as not_a_victim"));
        assert_eq!(
            case.check_move(Stage::Closed, Some(Closure::NotAVictim), false),
            Ok(Move::Close)
        );
        assert_eq!(case.non_punishment(), None);
    }

    #[test]
    fn an_overdue_stage_escalates_once_per_level_and_a_move_resets_it() {
        let clocks = Clocks::default();
        let mut case = open_case();
        let day = |d: i64| stamp(1, 0).at + Duration::days(d);
        assert!(case.owed_escalations(&clocks, day(0)).is_empty());
        let owed = case.owed_escalations(&clocks, day(1));
        let [Event::Escalate { level, stage, due }] = owed[..] else {
            panic!("a day after the signal, verification is overdue: {owed:?}");
        };
        assert_eq!(
            (level, stage, due),
            (Level::Assigned, Stage::SignalReceived, day(1))
        );
        case.apply(stamp(2, 24), Event::Escalate { stage, level, due });
        assert!(case.owed_escalations(&clocks, day(2)).is_empty());
        assert!(matches!(
            case.owed_escalations(&clocks, day(3))[..],
            [Event::Escalate {
                level: Level::Supervisors,
                ..
            }]
        ));
        moved(&mut case, 3, 80, Stage::Verified);
        assert_eq!(case.escalated, None);
        assert!(case.owed_escalations(&clocks, day(4)).is_empty());
        // Found late, both levels are owed at once.
        assert_eq!(case.owed_escalations(&clocks, day(30)).len(), 2);
    }

    #[test]
    fn a_person_who_stays_is_followed_up_from_the_start_of_reintegration() {
        let clocks = Clocks::default();
        let mut case = open_case();
        moved(&mut case, 2, 100, Stage::Reintegration);
        assert_eq!(case.repatriated, None);
        assert_eq!(case.returned, Some(stamp(2, 100).at));
        assert_eq!(
            case.due(&clocks),
            Some(stamp(2, 100).at + Duration::days(91))
        );
        moved(&mut case, 3, 3000, Stage::FollowUp3);
        assert_eq!(
            case.due(&clocks),
            Some(stamp(2, 100).at + Duration::days(182))
        );
    }

    #[test]
    fn a_closed_case_takes_notes_only() {
        let mut case = open_case();
        case.apply(
            stamp(2, 1),
            Event::Stage {
                to: Stage::Closed,
                closure: Some(Closure::Unfounded),
                informed_consent: false,
                why: sealed("prank"),
            },
        );
        let before = case.timeline.len();
        moved(&mut case, 3, 2, Stage::Verified);
        assert_eq!(case.stage, Stage::Closed);
        case.apply(
            stamp(4, 3),
            Event::Note {
                text: sealed("called back"),
            },
        );
        assert_eq!(case.timeline.len(), before + 1);
    }

    #[test]
    fn a_merge_closes_the_absorbed_case_and_escalations_of_old_stages_are_ignored() {
        let mut case = open_case();
        case.apply(
            stamp(2, 1),
            Event::Escalate {
                stage: Stage::Located,
                level: Level::Supervisors,
                due: stamp(2, 1).at,
            },
        );
        assert_eq!(case.escalated, None);
        case.apply(
            stamp(3, 2),
            Event::MergedInto {
                into: "PC-2".into(),
            },
        );
        assert_eq!(case.stage, Stage::Closed);
        assert_eq!(case.closure, Some(Closure::Merged));
        assert_eq!(
            case.check_move(Stage::Verified, None, false)
                .unwrap_err()
                .message,
            "case is closed: a closed case does not move; open a new case linked to it"
        );
    }

    #[test]
    fn assignments_are_added_and_removed_per_role() {
        let mut case = open_case();
        let a = Assignment {
            agency: "TH-DSI".into(),
            role: Role::Destination,
            embassy: true,
        };
        case.apply(
            stamp(2, 1),
            Event::Assign {
                assignment: a.clone(),
                remove: false,
            },
        );
        assert!(case.assigns("TH-DSI"));
        assert_eq!(case.agencies(), ["VN-MPS", "TH-DSI"]);
        case.apply(
            stamp(3, 1),
            Event::Assign {
                assignment: a,
                remove: true,
            },
        );
        assert!(!case.assigns("TH-DSI"));
    }

    #[test]
    fn events_keep_their_decision_kind_and_read_back_from_json() {
        let case = open_case();
        let event = case.timeline[0].event.clone();
        assert_eq!(event.decision_kind(), "case.open");
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["kind"], "open");
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}
