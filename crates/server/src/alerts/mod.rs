//! Watches and alerts: standing queries evaluated at ingest.
//!
//! A watch is a set of selectors (a case's whole list, up to 10,000), or
//! one other target ([`target`]: a network, a compound, a country and modus
//! operandi pattern, a free-text pattern), that a user keeps for themselves
//! or for their agency. It is a decision in the
//! store's log (`watch.create`, `watch.delete`), so every replica holds
//! every watch. Each accepted report revision — accepted here, or read from
//! the store by the tailer — is matched against the watches once, through
//! an index from selector to watches, and every match is broadcast to the
//! alert streams of this replica.
//!
//! An alert is a function of a watch and a stored report: its id is the
//! report's sequence number, so a subscriber resuming with `Last-Event-ID`
//! is served the alerts of every later report again from the store, and
//! nothing acknowledged is lost across a reconnect or a restart. What a
//! subscriber learns of the report is decided by [`crate::access`]: a
//! report it may read is named; one it may only learn of shows its
//! holder's contact; a hidden one raises nothing.

pub mod interest;
pub mod notify;
pub mod orange;
pub(crate) mod stream;
pub mod target;
pub mod webhook;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use cordon_store::{Decision, StoredReport};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use utoipa::ToSchema;

pub use target::Target;
use target::{Matcher, Place};

/// Alerts a slow subscriber may fall behind by before it is told to
/// resume from its last event.
const BACKLOG: usize = 16_384;

/// Who a watch alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The user who keeps it.
    User,
    /// Every member of its agency.
    Agency,
}

/// A standing query.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Watch {
    pub id: String,
    pub name: String,
    pub agency: String,
    pub user: String,
    pub scope: Scope,
    /// Canonical selectors (none for a watch of another target).
    pub selectors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub created: DateTime<Utc>,
}

/// The body of a `watch.create` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewWatch {
    pub name: String,
    pub scope: Scope,
    #[serde(default)]
    pub selectors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

/// A watch matched a report revision.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The report revision's sequence number: the event id.
    pub seq: i64,
    pub watch: String,
    pub watch_name: String,
    pub watch_agency: String,
    pub watch_user: String,
    pub scope: Scope,
    /// The watch's selectors the report names.
    pub matched: Vec<String>,
    /// What else it matched, in words (`network N-…`), for target watches.
    pub target: Option<String>,
    /// Whether the alert may name only the holder of a report its owner
    /// may not read ([`target`] says which may).
    pub with_contact: bool,
    pub owner: String,
    pub report_id: String,
    pub tlp: Tlp,
    pub recipients: Vec<String>,
    pub hit_notification: bool,
    pub received: DateTime<Utc>,
}

impl Alert {
    /// Whether `member` is one this alert is for.
    pub fn is_for(&self, member: &crate::access::Member) -> bool {
        member.agency == self.watch_agency
            && (self.scope == Scope::Agency || member.user == self.watch_user)
    }

    /// What `viewer` may learn of the alerted report: as the access rules
    /// say, except that a target watch that may not alert with a contact
    /// hides what it may not read.
    pub fn sight(&self, viewer: &crate::access::Viewer) -> crate::access::Sight {
        match crate::access::sight(viewer, self.marked()) {
            crate::access::Sight::Contact if !self.with_contact => crate::access::Sight::Hidden,
            sight => sight,
        }
    }

    pub fn marked(&self) -> crate::access::Marked<'_> {
        crate::access::Marked {
            owner: &self.owner,
            tlp: self.tlp,
            recipients: &self.recipients,
            hit_notification: self.hit_notification,
        }
    }
}

/// The watches, by id and by selector.
#[derive(Debug, Default)]
struct Book {
    watches: HashMap<String, Watch>,
    by_selector: HashMap<String, Vec<String>>,
    /// Watches of other targets, matched one by one.
    targeted: HashMap<String, Matcher>,
}

impl Book {
    fn add(&mut self, watch: Watch) {
        self.remove(&watch.id);
        if let Some(matcher) = watch.target.as_ref().and_then(Matcher::of) {
            self.targeted.insert(watch.id.clone(), matcher);
        }
        for s in &watch.selectors {
            self.by_selector
                .entry(s.clone())
                .or_default()
                .push(watch.id.clone());
        }
        self.watches.insert(watch.id.clone(), watch);
    }

    fn remove(&mut self, id: &str) {
        let Some(watch) = self.watches.remove(id) else {
            return;
        };
        self.targeted.remove(id);
        for s in &watch.selectors {
            if let Some(ids) = self.by_selector.get_mut(s) {
                ids.retain(|w| w != id);
                if ids.is_empty() {
                    self.by_selector.remove(s);
                }
            }
        }
    }
}

/// Every watch, and the broadcast of this replica's alerts.
pub struct Alerts {
    book: RwLock<Book>,
    sender: broadcast::Sender<Arc<Vec<Alert>>>,
    /// The newest decision read from the log; held while reading, so that
    /// decisions apply once and in the log's order.
    seen: tokio::sync::Mutex<i64>,
    /// Set after the first read of the log: decisions read from then on
    /// are news, and their notifications are sent.
    live: std::sync::atomic::AtomicBool,
    pub interests: interest::Interests,
    pub orange: orange::OrangeNotices,
    pub notifier: notify::Notifier,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            book: RwLock::default(),
            sender: broadcast::channel(BACKLOG).0,
            seen: tokio::sync::Mutex::new(0),
            live: Default::default(),
            interests: Default::default(),
            orange: Default::default(),
            notifier: Default::default(),
        }
    }
}

impl std::fmt::Debug for Alerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerts")
            .field("watches", &self.book.read().watches.len())
            .finish_non_exhaustive()
    }
}

impl Alerts {
    /// Reads the decision log up to its end and folds in the watches: at
    /// start, on every round of the follower, and after this replica
    /// wrote a watch decision (so that it holds when the request answers).
    pub async fn sync(
        &self,
        store: &dyn cordon_store::Store,
    ) -> Result<(), cordon_store::StoreError> {
        let mut seen = self.seen.lock().await;
        loop {
            let page = store.decisions_after(*seen, 5_000).await?;
            for d in &page {
                self.apply(d);
                *seen = d.seq;
            }
            if page.len() < 5_000 {
                self.live.store(true, std::sync::atomic::Ordering::Release);
                return Ok(());
            }
        }
    }

    /// Follows the decision log for watches made on other replicas, and
    /// writes the interests shown to owners.
    pub async fn follow(state: crate::Shared) {
        tokio::join!(Self::read_log(state.clone()), interest::run(state));
    }

    async fn read_log(state: crate::Shared) {
        let mut heard = state.decisions_heard.subscribe();
        loop {
            state.next_round(&mut heard).await;
            state
                .alerts
                .orange
                .remind(state.config.orange_remind_every, &state.alerts.notifier);
            if let Err(e) = state.alerts.sync(state.store.as_ref()).await {
                tracing::warn!(error = %e, "cannot read watches from the decision log");
            }
        }
    }

    /// Folds a decision in; other kinds are not about watches.
    fn apply(&self, d: &Decision) {
        match d.kind.as_str() {
            "watch.create" => {
                let Ok(new) = serde_json::from_value::<NewWatch>(d.body.clone()) else {
                    tracing::warn!(watch = %d.subject, "a watch in the log does not parse; skipped");
                    return;
                };
                self.book.write().add(Watch {
                    id: d.subject.clone(),
                    name: new.name,
                    agency: d.agency.clone(),
                    user: d.user.clone(),
                    scope: new.scope,
                    selectors: new.selectors,
                    target: new.target,
                    created: d.at,
                });
            }
            "watch.delete" => self.book.write().remove(&d.subject),
            interest::ASK => self.interests.apply(d),
            orange::ISSUE | orange::ACK => self.orange.apply(
                d,
                self.live.load(std::sync::atomic::Ordering::Acquire),
                &self.notifier,
            ),
            interest::SHOWN if self.live.load(std::sync::atomic::Ordering::Acquire) => {
                if let Some(shown) = interest::shown(d) {
                    self.notifier.send(notify::Notification::new(
                        "interest",
                        vec![d.subject.clone()],
                        &shown,
                    ));
                }
            }
            _ => {}
        }
    }

    /// The watches naming a selector: who else is looking at it
    /// (deconfliction, [`crate::operations`]).
    pub fn watching(&self, selector: &str) -> Vec<Watch> {
        let book = self.book.read();
        let ids = book.by_selector.get(selector).into_iter().flatten();
        ids.filter_map(|id| book.watches.get(id)).cloned().collect()
    }

    /// The watches of another target (a network, a compound) that
    /// `wanted` picks, for deconfliction.
    pub fn watching_target(&self, wanted: impl Fn(&Target) -> bool) -> Vec<Watch> {
        let book = self.book.read();
        let watches = book.targeted.keys().filter_map(|id| book.watches.get(id));
        watches
            .filter(|w| w.target.as_ref().is_some_and(&wanted))
            .cloned()
            .collect()
    }

    /// A watch by id.
    pub fn watch(&self, id: &str) -> Option<Watch> {
        self.book.read().watches.get(id).cloned()
    }

    /// The watches a member keeps or that alert its agency.
    pub fn watches_of(&self, member: &crate::access::Member) -> Vec<Watch> {
        let mut out: Vec<Watch> = self
            .book
            .read()
            .watches
            .values()
            .filter(|w| {
                w.agency == member.agency && (w.scope == Scope::Agency || w.user == member.user)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        out
    }

    /// The alerts a report revision raises: one per watch naming any of
    /// its selectors, or whose other target it matches (`networks` says
    /// which network the report joined).
    pub fn matches(&self, r: &StoredReport, networks: &crate::networks::Networks) -> Vec<Alert> {
        let book = self.book.read();
        let mut matched: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for s in &r.report.selectors {
            if let Some(ids) = book.by_selector.get(s.as_str()) {
                for id in ids {
                    matched.entry(id.as_str()).or_default().insert(s.as_str());
                }
            }
        }
        if !book.targeted.is_empty() {
            let joined = networks
                .read(|m| {
                    m.row(&r.agency, &r.report.id)
                        .and_then(|row| m.network_of(row))
                })
                .ok()
                .flatten();
            let place = Place {
                site: Place::site_of(r),
                in_network: Box::new(|id: &str| {
                    joined.is_some_and(|n| {
                        networks
                            .read(|m| m.network(id).map(|(found, _)| found))
                            .ok()
                            .flatten()
                            == Some(n)
                    })
                }),
            };
            for (id, matcher) in &book.targeted {
                if matcher.matches(r, &place) {
                    matched.entry(id.as_str()).or_default();
                }
            }
        }
        let mut alerts: Vec<Alert> = matched
            .into_iter()
            .filter_map(|(id, selectors)| {
                let w = book.watches.get(id)?;
                Some(Alert {
                    seq: r.seq,
                    watch: w.id.clone(),
                    watch_name: w.name.clone(),
                    watch_agency: w.agency.clone(),
                    watch_user: w.user.clone(),
                    scope: w.scope,
                    matched: selectors.into_iter().map(str::to_owned).collect(),
                    target: w.target.as_ref().map(Target::describe),
                    with_contact: w.target.as_ref().is_none_or(Target::alerts_with_contact),
                    owner: r.agency.clone(),
                    report_id: r.report.id.clone(),
                    tlp: r.report.marking.tlp,
                    recipients: r.report.marking.recipients.clone(),
                    hit_notification: r.report.marking.hit_notification,
                    received: r.report.received.unwrap_or(r.accepted),
                })
            })
            .collect();
        alerts.sort_by(|a, b| a.watch.cmp(&b.watch));
        alerts
    }

    /// Matches a newly applied report revision and broadcasts its alerts.
    /// Returns them, for the replica that accepted the report.
    pub fn raise(&self, r: &StoredReport, networks: &crate::networks::Networks) -> Arc<Vec<Alert>> {
        let started = std::time::Instant::now();
        let alerts = self.matches(r, networks);
        metrics::histogram!("cordon_watch_match_seconds").record(started.elapsed().as_secs_f64());
        let alerts = Arc::new(alerts);
        if alerts.is_empty() {
            return alerts;
        }
        metrics::counter!("cordon_alerts_raised_total").increment(alerts.len() as u64);
        // No subscriber is no error: alerts are derived again from the
        // store when someone resumes.
        let _ = self.sender.send(alerts.clone());
        alerts
    }

    /// This replica's alerts as they are raised, a report's at a time.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Vec<Alert>>> {
        self.sender.subscribe()
    }
}
