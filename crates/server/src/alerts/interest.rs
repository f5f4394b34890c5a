//! Interest in RED data: an agency that asks is told when another agency's
//! watch or hit query touches one of its RED reports — which reports, by
//! which selectors, and whom to contact — so that the two can talk before
//! they collide. The other agency learns nothing from this.
//!
//! Asking is a decision (`interest.ask`, subject the agency). Each
//! interest shown is a decision too (`interest`, subject the owner), so
//! that every replica tells its own subscribers and the owner can list
//! them later. Only the replica where the query ran or the report was
//! accepted writes it, once per owner, asking agency, way and selector per
//! [`QUIET`]: a case worked every minute is one notice an hour, not sixty.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use cordon_store::{Decision, NewDecision};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::ToSchema;

use super::Alert;
use crate::Shared;
use crate::access::Viewer;

/// The decision kind of an agency asking (or no longer asking).
pub const ASK: &str = "interest.ask";
/// The decision kind of one interest shown to an owner.
pub const SHOWN: &str = "interest";
/// How long the same interest is not shown again.
pub const QUIET: Duration = Duration::from_secs(3600);
/// Interests remembered for [`QUIET`] before the oldest are forgotten.
const REMEMBERED: usize = 100_000;

/// How the other agency touched the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// A hit query (one or a batch).
    Query,
    /// A watch alerted on a report accepted now.
    Watch,
}

/// What an owner is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Interest {
    pub how: How,
    /// The agency whose query or watch it was, and how to reach it.
    pub by_agency: String,
    pub by_country: String,
    pub by_contact: String,
    /// The owner's selectors it touched.
    pub selectors: Vec<String>,
    /// The owner's RED reports holding them.
    pub reports: Vec<String>,
    /// When it was shown (the decision's time; absent when it is sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
}

/// The body of an `interest.ask` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ask {
    pub ask: bool,
}

/// Interest touched, not yet written: owner, and who touched how.
#[derive(Debug)]
struct Touch {
    owner: String,
    by: String,
    /// The user whose query or watch it was: the decision's author, never
    /// shown to the owner.
    user: String,
    how: How,
    selectors: Vec<String>,
    reports: Vec<String>,
}

/// Which agencies ask, and the queue of interests to write.
#[derive(Debug)]
pub struct Interests {
    asking: parking_lot::RwLock<HashSet<String>>,
    outbox: mpsc::UnboundedSender<Touch>,
    inbox: Mutex<Option<mpsc::UnboundedReceiver<Touch>>>,
    /// When each (owner, by, how, selector) was last shown.
    shown: Mutex<HashMap<(String, String, How, String), Instant>>,
}

impl Default for Interests {
    fn default() -> Self {
        let (outbox, inbox) = mpsc::unbounded_channel();
        Interests {
            asking: Default::default(),
            outbox,
            inbox: Mutex::new(Some(inbox)),
            shown: Default::default(),
        }
    }
}

impl Interests {
    pub fn asks(&self, agency: &str) -> bool {
        self.asking.read().contains(agency)
    }

    /// Folds an `interest.ask` decision in.
    pub(super) fn apply(&self, d: &Decision) {
        let Ok(ask) = serde_json::from_value::<Ask>(d.body.clone()) else {
            tracing::warn!(agency = %d.subject, "an interest.ask decision does not parse; skipped");
            return;
        };
        let mut asking = self.asking.write();
        if ask.ask {
            asking.insert(d.subject.clone());
        } else {
            asking.remove(&d.subject);
        }
    }

    /// A hit query by `viewer` for `selectors` (canonical): the RED
    /// reports of asking owners it touched, queued to be shown.
    pub fn queried<'s>(
        &self,
        hits: &crate::hits::Hits,
        viewer: &Viewer,
        selectors: impl IntoIterator<Item = &'s str>,
    ) {
        let Some(member) = viewer.member() else {
            return;
        };
        if self.asking.read().is_empty() {
            return;
        }
        let mut touched: HashMap<String, Touch> = HashMap::new();
        for selector in selectors {
            for (owner, report) in hits.red_reports(selector) {
                if owner == member.agency || !self.asks(&owner) {
                    continue;
                }
                let t = touched.entry(owner.clone()).or_insert_with(|| Touch {
                    owner,
                    by: member.agency.clone(),
                    user: member.user.clone(),
                    how: How::Query,
                    selectors: Vec::new(),
                    reports: Vec::new(),
                });
                if !t.selectors.iter().any(|s| s == selector) {
                    t.selectors.push(selector.to_owned());
                }
                if !t.reports.contains(&report) {
                    t.reports.push(report);
                }
            }
        }
        for t in touched.into_values() {
            self.queue(t);
        }
    }

    /// Alerts raised by a report this replica accepted: the owner, if it
    /// asks and the report is RED, is shown each other agency's watch.
    pub fn alerted(&self, alerts: &[Alert]) {
        for a in alerts {
            if a.tlp == Tlp::Red && a.watch_agency != a.owner && self.asks(&a.owner) {
                self.queue(Touch {
                    owner: a.owner.clone(),
                    by: a.watch_agency.clone(),
                    user: a.watch_user.clone(),
                    how: How::Watch,
                    selectors: a.matched.clone(),
                    reports: vec![a.report_id.clone()],
                });
            }
        }
    }

    /// Queues a touch unless every selector of it was shown lately.
    fn queue(&self, mut t: Touch) {
        let now = Instant::now();
        {
            let mut shown = self.shown.lock();
            if shown.len() > REMEMBERED {
                shown.retain(|_, at| now.duration_since(*at) < QUIET);
            }
            t.selectors.retain(|s| {
                let key = (t.owner.clone(), t.by.clone(), t.how, s.clone());
                match shown.get(&key) {
                    Some(at) if now.duration_since(*at) < QUIET => false,
                    _ => {
                        shown.insert(key, now);
                        true
                    }
                }
            });
        }
        // A watch on a text or network target names no selector; it is
        // shown once per report instead.
        if t.selectors.is_empty() && t.how == How::Query {
            return;
        }
        let _ = self.outbox.send(t);
    }
}

/// Writes queued interests to the decision log, off the request path.
pub async fn run(state: Shared) {
    let Some(mut inbox) = state.alerts.interests.inbox.lock().take() else {
        return;
    };
    let mut batch = Vec::new();
    while inbox.recv_many(&mut batch, 500).await > 0 {
        let decisions: Vec<NewDecision> = batch
            .drain(..)
            .map(|t| {
                let (country, contact) = state.directory.contact(&t.by);
                let interest = Interest {
                    how: t.how,
                    by_agency: t.by,
                    by_country: country,
                    by_contact: contact,
                    selectors: t.selectors,
                    reports: t.reports,
                    at: None,
                };
                NewDecision {
                    kind: SHOWN.to_owned(),
                    subject: t.owner,
                    agency: interest.by_agency.clone(),
                    user: t.user,
                    reason: String::new(),
                    body: serde_json::to_value(&interest).unwrap_or_default(),
                }
            })
            .collect();
        match crate::api::networks::decide(&state, decisions).await {
            Ok(_) => {
                if let Err(e) = state.alerts.sync(state.store.as_ref()).await {
                    tracing::warn!(error = %e, "cannot read back the interests just written");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e.message, "cannot write interests shown to owners; they are dropped");
            }
        }
    }
}

/// The interest a decision shows, with its time.
pub fn shown(d: &Decision) -> Option<Interest> {
    let mut interest: Interest = serde_json::from_value(d.body.clone()).ok()?;
    interest.at = Some(d.at);
    Some(interest)
}
