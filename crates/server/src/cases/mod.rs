//! Victim-protection cases: the protocol of `cordon-protect` kept in the
//! decision log, folded on every replica, opened only for the agencies
//! assigned to a case.
//!
//! Every change to a case is one decision `case.<kind>` whose body is a
//! [`cordon_protect::Event`]; the decision's own `reason` stays empty,
//! because reasons are personal and travel sealed inside the event. The
//! [`Cases`] book holds every case's clear part and sealed values; a case
//! is opened (its data key unwrapped, its personal part and timeline
//! decrypted) only to answer a member of an assigned agency
//! ([`crate::access::reads_case`]), and every such read is audited.
//!
//! Clocks: one replica (the holder of the store's `cases` lead) looks for
//! overdue stages every [`CasesConfig::escalate_every`] and writes each
//! escalation owed as a `case.escalate` decision; every replica pushes the
//! escalations it folds to its connected members: the assigned agencies,
//! then only their admins (the supervisors). The time comes from
//! [`Clock`], which tests set by hand.

pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cordon_protect::case::Stamp;
pub use cordon_protect::clock::Clocks;
use cordon_protect::clock::Level;
use cordon_protect::person::Personal;
use cordon_protect::screening::Status;
use cordon_protect::{Case, CaseKey, Event};
use cordon_store::{Decision, NewDecision, Store};
use parking_lot::RwLock;
use serde::Serialize;

use crate::alerts::notify::{Notification, Notifier};

/// The decision kinds of cases all start with this.
pub const KIND_PREFIX: &str = "case.";

/// The time the case clocks read: the system's, or one set by hand.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<RwLock<DateTime<Utc>>>),
}

impl Clock {
    /// A clock that stands at `at` until moved.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(RwLock::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(at) => *at.read(),
        }
    }

    /// Moves a manual clock on (a system clock moves by itself).
    pub fn advance(&self, by: chrono::Duration) {
        if let Clock::Manual(at) = self {
            *at.write() += by;
        }
    }
}

/// How cases are kept on this deployment.
#[derive(Debug, Clone)]
pub struct CasesConfig {
    /// The stages' targets.
    pub clocks: Clocks,
    pub clock: Clock,
    /// How often the leading replica looks for overdue stages.
    pub escalate_every: Duration,
}

impl Default for CasesConfig {
    fn default() -> Self {
        CasesConfig {
            clocks: Clocks::default(),
            clock: Clock::System,
            escalate_every: Duration::from_secs(60),
        }
    }
}

/// An escalation as pushed to members: never anything personal.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    pub case: String,
    pub stage: cordon_protect::Stage,
    pub level: Level,
    pub due: DateTime<Utc>,
}

/// The non-punishment index: identifier → the cases protecting it, and
/// case → its identifiers indexed (so that a case is re-indexed without
/// scanning every identifier).
#[derive(Debug, Default)]
struct Protected {
    by_identifier: HashMap<String, Vec<(String, Status)>>,
    of_case: HashMap<String, Vec<String>>,
}

/// Every case, folded from the log.
#[derive(Debug)]
pub struct Cases {
    book: RwLock<BTreeMap<String, Case>>,
    /// The person identifiers of cases screened as possible or actual
    /// victims: the non-punishment flag's index.
    protected: RwLock<Protected>,
    key: CaseKey,
    seen: tokio::sync::Mutex<i64>,
    /// Held by a request from its checks until its decisions are folded.
    pub writing: tokio::sync::Mutex<()>,
    /// Set once the log has been read to its end: from then on, folded
    /// escalations are pushed to members.
    live: AtomicBool,
}

impl Cases {
    pub fn new(key: CaseKey) -> Cases {
        Cases {
            book: RwLock::default(),
            protected: RwLock::default(),
            key,
            seen: tokio::sync::Mutex::new(0),
            writing: tokio::sync::Mutex::new(()),
            live: AtomicBool::new(false),
        }
    }

    pub fn key(&self) -> &CaseKey {
        &self.key
    }

    /// Reads the decision log up to its end and folds in the cases.
    pub async fn sync(
        &self,
        store: &dyn Store,
        notifier: &Notifier,
    ) -> Result<(), cordon_store::StoreError> {
        let mut seen = self.seen.lock().await;
        loop {
            let page = store.decisions_after(*seen, 5_000).await?;
            for d in &page {
                if d.kind.starts_with(KIND_PREFIX) {
                    self.apply(d, notifier);
                }
                *seen = d.seq;
            }
            if page.len() < 5_000 {
                self.live.store(true, Ordering::Release);
                return Ok(());
            }
        }
    }

    fn apply(&self, d: &Decision, notifier: &Notifier) {
        let event: Event = match serde_json::from_value(d.body.clone()) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(case = %d.subject, kind = %d.kind, error = %e, "a case decision does not parse; skipped");
                return;
            }
        };
        let stamp = Stamp {
            seq: d.seq,
            at: d.at,
            agency: d.agency.clone(),
            user: d.user.clone(),
        };
        let reindex = matches!(
            event,
            Event::Open { .. }
                | Event::Outcome { .. }
                | Event::Update {
                    personal: Some(_),
                    ..
                }
                | Event::Split { .. }
                | Event::MergeIn { .. }
        );
        let escalation = match &event {
            Event::Escalate { stage, level, due } => Some(Overdue {
                case: d.subject.clone(),
                stage: *stage,
                level: *level,
                due: *due,
            }),
            _ => None,
        };
        let mut book = self.book.write();
        let escalated_before = book.get(&d.subject).and_then(|c| c.escalated);
        if matches!(event, Event::Open { .. }) {
            if book.contains_key(&d.subject) {
                tracing::warn!(case = %d.subject, "a second opening of a case in the log; skipped");
                return;
            }
            if let Some(case) = Case::opened(&d.subject, stamp, event) {
                book.insert(d.subject.clone(), case);
            }
        } else if let Some(case) = book.get_mut(&d.subject) {
            case.apply(stamp, event);
        } else {
            tracing::warn!(case = %d.subject, kind = %d.kind, "a decision names a case the log never opened; skipped");
            return;
        }
        let case = &book[&d.subject];
        if reindex {
            self.index(case);
        }
        // Pushed only when it raised the case's level: an escalation of a
        // stage already left, or a level sent before, tells no one again.
        let raised = escalation.as_ref().is_some_and(|o| {
            o.stage == case.stage
                && case.escalated == Some(o.level)
                && escalated_before < case.escalated
        });
        if let Some(overdue) = escalation.filter(|_| raised)
            && self.live.load(Ordering::Acquire)
        {
            let agencies: Vec<String> = case.agencies().into_iter().map(str::to_owned).collect();
            let mut n = Notification::new("case_overdue", agencies, &overdue);
            n.admins_only = overdue.level == Level::Supervisors;
            notifier.send(n);
        }
    }

    /// Keeps the non-punishment index of one case current.
    fn index(&self, case: &Case) {
        let mut protected = self.protected.write();
        let Protected {
            by_identifier,
            of_case,
        } = &mut *protected;
        for id in of_case.remove(&case.id).unwrap_or_default() {
            if let Some(cases) = by_identifier.get_mut(&id) {
                cases.retain(|(c, _)| *c != case.id);
                if cases.is_empty() {
                    by_identifier.remove(&id);
                }
            }
        }
        let Some(status) = case.non_punishment() else {
            return;
        };
        let Ok(personal) = self.personal(case) else {
            tracing::warn!(case = %case.id, "cannot open a case's personal part to index it");
            return;
        };
        let ids: Vec<String> = personal.identifiers().map(str::to_owned).collect();
        for id in &ids {
            by_identifier
                .entry(id.clone())
                .or_default()
                .push((case.id.clone(), status));
        }
        of_case.insert(case.id.clone(), ids);
    }

    /// The personal part of a case, opened. Only for answers to members
    /// `access::reads_case` lets read the case, and for the server's own
    /// indexes.
    pub(crate) fn personal(
        &self,
        case: &Case,
    ) -> Result<Personal, cordon_protect::seal::SealError> {
        let data = self.key.unwrap(&case.id, &case.key)?;
        data.open_json(&case.id, cordon_protect::case::PERSONAL, &case.personal)
    }

    /// Whether `selector` identifies a person screened as a possible or an
    /// actual victim: their status (the strongest) if so.
    pub fn protected(&self, selector: &str) -> Option<Status> {
        let protected = self.protected.read();
        let cases = protected.by_identifier.get(selector)?;
        if cases.iter().any(|(_, s)| *s == Status::ActualVictim) {
            Some(Status::ActualVictim)
        } else {
            cases.first().map(|(_, s)| *s)
        }
    }

    /// The agencies that opened the cases protecting `selector`: whom a
    /// flag shown on it is audited for.
    pub fn protecting(&self, selector: &str) -> Vec<String> {
        let ids: Vec<String> = self
            .protected
            .read()
            .by_identifier
            .get(selector)
            .map(|cases| cases.iter().map(|(id, _)| id.clone()).collect())
            .unwrap_or_default();
        let book = self.book.read();
        let mut agencies: Vec<String> = ids
            .iter()
            .filter_map(|id| book.get(id).map(|c| c.opened.agency.clone()))
            .collect();
        agencies.sort();
        agencies.dedup();
        agencies
    }

    /// Reads the book.
    pub fn read<R>(&self, f: impl FnOnce(&BTreeMap<String, Case>) -> R) -> R {
        f(&self.book.read())
    }

    /// One case, cloned.
    pub fn get(&self, id: &str) -> Option<Case> {
        self.book.read().get(id).cloned()
    }

    /// The escalations owed at `now`, as decisions to append.
    pub fn owed(&self, clocks: &Clocks, now: DateTime<Utc>) -> Vec<NewDecision> {
        self.read(|book| {
            book.values()
                .filter(|c| c.is_open())
                .flat_map(|c| {
                    c.owed_escalations(clocks, now)
                        .into_iter()
                        .map(|e| decision(&c.id, &e, CLOCK))
                })
                .collect()
        })
    }

    /// Follows the log for cases changed on other replicas, and escalates
    /// overdue stages while this replica holds the `cases` lead.
    pub async fn follow(state: crate::Shared) {
        tokio::join!(Self::read_log(state.clone()), Self::escalate(state));
    }

    async fn read_log(state: crate::Shared) {
        let mut stopping = state.stopping.clone();
        let mut heard = state.decisions_heard.subscribe();
        loop {
            tokio::select! {
                () = state.next_round(&mut heard) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            if let Err(e) = state
                .cases
                .sync(state.store.as_ref(), &state.alerts.notifier)
                .await
            {
                tracing::warn!(error = %e, "cannot read cases from the decision log");
            }
        }
    }

    async fn escalate(state: crate::Shared) {
        let mut stopping = state.stopping.clone();
        let every = state.config.cases.escalate_every;
        let mut lead: Option<Box<dyn cordon_store::Lead>> = None;
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            // A lead lost (its PostgreSQL connection broke) is let go at
            // once: another replica may hold it now, and two keepers would
            // send a level twice.
            if let Some(held) = &lead
                && !tokio::time::timeout(every, held.holds())
                    .await
                    .unwrap_or(false)
            {
                tracing::warn!("this replica lost the case clocks; another takes over");
                lead = None;
            }
            if lead.is_none() {
                match state.store.try_lead("cases").await {
                    Ok(Some(l)) => {
                        tracing::info!("this replica keeps the case clocks");
                        lead = Some(l);
                    }
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot ask to keep the case clocks");
                        continue;
                    }
                }
            }
            if let Err(e) = escalate_once(&state).await {
                tracing::warn!(error = ?e, "cannot escalate overdue cases");
            }
        }
    }
}

/// One round of the case clocks: writes every escalation owed now.
pub async fn escalate_once(state: &crate::Shared) -> Result<usize, crate::error::ApiError> {
    let _writing = state.cases.writing.lock().await;
    state
        .cases
        .sync(state.store.as_ref(), &state.alerts.notifier)
        .await?;
    let owed = state
        .cases
        .owed(&state.config.cases.clocks, state.config.cases.clock.now());
    if owed.is_empty() {
        return Ok(0);
    }
    let n = owed.len();
    crate::api::networks::decide(state, owed).await?;
    metrics::counter!("cordon_case_escalations_total").increment(n as u64);
    state
        .cases
        .sync(state.store.as_ref(), &state.alerts.notifier)
        .await?;
    Ok(n)
}

/// Who writes the clocks' decisions.
pub const CLOCK: (&str, &str) = ("cordon", "clock");

/// The decision that keeps `event` of case `case`, by `who` (agency, user).
pub fn decision(case: &str, event: &Event, who: (&str, &str)) -> NewDecision {
    NewDecision {
        kind: event.decision_kind().to_owned(),
        subject: case.to_owned(),
        agency: who.0.to_owned(),
        user: who.1.to_owned(),
        // Reasons are personal: they travel sealed inside the event.
        reason: String::new(),
        body: serde_json::to_value(event).expect("case events serialise"),
    }
}
