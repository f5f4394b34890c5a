//! Operations: joint workspaces of agencies against one scam network or
//! compound, and deconfliction between them and other agencies' work.
//!
//! An operation has a lead agency (its creator's), participating agencies,
//! targets (canonical selectors, networks, compounds), tasks with owners and
//! due dates, a shared log and a marking of its own. Every change is a
//! decision in the store's log (`operation.create`, `operation.update`,
//! `operation.target.add`, `operation.target.remove`, `operation.task`,
//! `operation.log`), folded into the [`book::Book`] at start and followed
//! like the watches, so every replica holds every operation.
//!
//! Who may do what (checked by `api::operations` before a decision is
//! written; who reads is [`crate::access::reads_operation`]):
//! - analysts and admins create operations; their agency leads;
//! - the lead's analysts and admins who read it change its name, summary,
//!   state, participants and marking;
//! - every analyst and admin of a party who reads it adds and removes
//!   targets, sets and updates tasks, and writes in the log;
//! - contributors take no part.
//!
//! When targets enter an open operation, [`deconflict`] compares them with
//! other agencies' open operations, watches ([`crate::alerts`]) and hit
//! queries of the last 30 days ([`queries`]); each overlap is one
//! `deconfliction` decision, written in the same append as the targets,
//! that tells both sides at once. A watch kept or a hit query answered
//! later on a target of an open operation is the same overlap from the
//! other end ([`deconflict::met_by`]).

pub mod book;
pub mod deconflict;
pub mod model;
pub mod queries;

use chrono::Utc;
use cordon_store::Store;
use parking_lot::RwLock;

use self::book::Book;
use self::model::{Operation, Overlap, Side, SideKind, Target, TargetKind};
use crate::alerts::{Scope, Target as WatchTarget};

/// Every operation and overlap, and the recent hit queries.
#[derive(Debug, Default)]
pub struct Operations {
    book: RwLock<Book>,
    /// The hit queries of the last 30 days, fed by the hit handlers.
    pub queries: queries::RecentQueries,
    /// The newest decision read from the log; held while reading, so that
    /// decisions apply once and in the log's order.
    seen: tokio::sync::Mutex<i64>,
    /// Held by a request from its checks until its decisions are folded
    /// in, so that two changes on this replica do not check against the
    /// same state (and tell one overlap twice).
    pub writing: tokio::sync::Mutex<()>,
}

impl Operations {
    /// Reads the decision log up to its end and folds in the operations: at
    /// start, on every round of the follower, and after this replica wrote
    /// (so that the change holds when the request answers).
    pub async fn sync(&self, store: &dyn Store) -> Result<(), cordon_store::StoreError> {
        let mut seen = self.seen.lock().await;
        loop {
            let page = store.decisions_after(*seen, 5_000).await?;
            {
                let mut book = self.book.write();
                for d in &page {
                    book.apply(d);
                    *seen = d.seq;
                }
            }
            if page.len() < 5_000 {
                return Ok(());
            }
        }
    }

    /// Follows the decision log for changes made on other replicas, until
    /// the server stops (it holds the state, which must go for the audit
    /// writer to finish).
    pub async fn follow(state: crate::Shared) {
        let mut stopping = state.stopping.clone();
        let mut heard = state.decisions_heard.subscribe();
        loop {
            tokio::select! {
                () = state.next_round(&mut heard) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            if let Err(e) = state.operations.sync(state.store.as_ref()).await {
                tracing::warn!(error = %e, "cannot read operations from the decision log");
            }
        }
    }

    /// Reads the book.
    pub fn read<R>(&self, f: impl FnOnce(&Book) -> R) -> R {
        f(&self.book.read())
    }

    /// The overlaps not yet told that a new watch or hit query (`side`)
    /// makes with other agencies' open operations, over `targets`.
    pub fn met_by(
        &self,
        targets: &[Target],
        side: &Side,
        directory: &crate::directory::Directory,
    ) -> Vec<Overlap> {
        self.read(|book| {
            let mut out: Vec<Overlap> = Vec::new();
            for target in targets {
                for o in deconflict::met_by(book, target, side, directory) {
                    if !out.iter().any(|k| k.key() == o.key()) {
                        out.push(o);
                    }
                }
            }
            out
        })
    }

    /// The overlaps not yet told that `targets`, now in `op`, make with
    /// other agencies' operations, watches and recent hit queries.
    pub fn overlaps(
        &self,
        op: &Operation,
        targets: &[Target],
        alerts: &crate::alerts::Alerts,
        directory: &crate::directory::Directory,
    ) -> Vec<Overlap> {
        let now = Utc::now();
        let others = |target: &Target| -> Vec<Side> {
            let watches = match target.kind {
                TargetKind::Selector => alerts.watching(&target.value),
                TargetKind::Network => alerts.watching_target(
                    |t| matches!(t, WatchTarget::Network { network } if *network == target.value),
                ),
                TargetKind::Compound => alerts.watching_target(
                    |t| matches!(t, WatchTarget::Compound { site } if *site == target.value),
                ),
            };
            let watches = watches.into_iter().map(|w| Side {
                kind: SideKind::Watch,
                contact: String::new(),
                operation: None,
                watch: Some(w.id),
                user: (w.scope == Scope::User).then_some(w.user),
                asked: None,
                agency: w.agency,
            });
            // Hit queries ask about selectors only.
            let asked = match target.kind {
                TargetKind::Selector => self.queries.askers(&target.value, now),
                _ => Vec::new(),
            };
            let queries = asked.into_iter().map(|q| Side {
                kind: SideKind::Query,
                agency: q.agency,
                contact: String::new(),
                operation: None,
                watch: None,
                user: Some(q.user),
                asked: Some(q.at),
            });
            watches.chain(queries).collect()
        };
        self.read(|book| deconflict::overlaps(book, op, targets, &others, directory))
    }
}
