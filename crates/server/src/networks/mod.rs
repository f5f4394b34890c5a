//! Networks held by the server: every report grouped into the networks
//! behind them ([`cordon_analysis`]), kept current as reports arrive and
//! recomputed from time to time, with the analysts' decisions (merges,
//! splits, compound statuses, purple notices) folded in from the store's
//! decision log.
//!
//! Analysis reads everything; what a viewer sees of it is decided in
//! [`view`], through [`crate::access`].
//!
//! - At start, [`run`] reads every current report and every decision,
//!   groups the reports, names the networks (ids tied to anchor reports,
//!   [`cordon_analysis::identity`]) and opens the service.
//! - A report accepted here or read by the tailer joins its network at
//!   once ([`Networks::put`]): the join reads the postings of the report's
//!   own selectors, whatever the size of the graph.
//! - Every `recompute_every`, when reports came since, the grouping is
//!   recomputed over a copy without holding the lock, and adopted with the
//!   reports that came meanwhile joined again.
//! - Decisions made on other replicas are read from the log each round.

pub mod casebook;
pub mod model;
pub mod view;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cordon_analysis::corpus::Corpus;
use cordon_analysis::live::LiveNetworks;
use cordon_analysis::networks::{self, Thresholds};
use cordon_store::{Decision, NewDecision, Store, StoredReport};
use parking_lot::{Mutex, RwLock};

use crate::Shared;
use crate::auth::TokenKey;
use crate::hits::NotReady;
pub use casebook::Casebook;
pub use model::Model;

/// Reports or decisions read per store round trip.
const PAGE: u32 = 5_000;
/// Rows copied per read lock when a recomputation takes its copy.
const COPY_SLICE: usize = 20_000;

#[derive(Default)]
pub struct Networks {
    model: RwLock<Option<Model>>,
    ready: AtomicBool,
    /// Compound statuses and notices.
    pub casebook: RwLock<Casebook>,
    follow: Mutex<Follow>,
}

/// Where the decision log has been read to, and decisions applied here
/// already (made through this server) that the log will show again.
#[derive(Default)]
struct Follow {
    seen: i64,
    applied: HashSet<i64>,
    /// Anchors of new networks not yet in the store.
    unkept: Vec<NewDecision>,
}

impl std::fmt::Debug for Networks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Networks")
            .field("ready", &self.is_ready())
            .finish_non_exhaustive()
    }
}

impl Networks {
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Reads the model, or `NotReady` while it loads.
    pub fn read<R>(&self, f: impl FnOnce(&Model) -> R) -> Result<R, NotReady> {
        let model = self.model.read();
        model.as_ref().map(f).ok_or(NotReady)
    }

    /// A report accepted or read from the store joins its network. Before
    /// the model has loaded, the loader will read it from the store.
    pub fn put(&self, report: &StoredReport) {
        // The tailer reads recent revisions again: those change nothing.
        if !self.read(|m| m.is_new(report)).unwrap_or(false) {
            return;
        }
        let started = Instant::now();
        let mut guard = self.model.write();
        let Some(model) = guard.as_mut() else {
            return;
        };
        let kept = model.put(report);
        drop(guard);
        // The join as a request sees it, waiting for the lock included.
        metrics::histogram!("cordon_network_join_seconds").record(started.elapsed().as_secs_f64());
        if !kept.is_empty() {
            self.follow.lock().unkept.extend(kept);
        }
    }

    /// Applies decisions this server just appended to the log, unless the
    /// follower read them first.
    pub fn applied(&self, decisions: &[Decision]) {
        let fresh: Vec<Decision> = {
            let mut follow = self.follow.lock();
            let seen = follow.seen;
            decisions
                .iter()
                .filter(|d| d.seq > seen && follow.applied.insert(d.seq))
                .cloned()
                .collect()
        };
        self.fold(&fresh);
    }

    /// The anchors of new networks not yet in the store, taken to be
    /// written with the next decision.
    pub fn take_unkept(&self) -> Vec<NewDecision> {
        std::mem::take(&mut self.follow.lock().unkept)
    }

    /// Anchors whose writing failed, to be tried again.
    pub fn keep_later(&self, anchors: Vec<NewDecision>) {
        self.follow.lock().unkept.extend(anchors);
    }

    fn fold(&self, decisions: &[Decision]) {
        let mut regrouped = false;
        {
            let mut casebook = self.casebook.write();
            for d in decisions {
                casebook.apply(d);
            }
        }
        let mut model = self.model.write();
        if let Some(model) = model.as_mut() {
            for d in decisions.iter().filter(|d| d.kind.starts_with("network.")) {
                model.apply(&d.kind, &d.subject, &d.body);
                regrouped |= d.kind != "network.anchor";
            }
            if regrouped {
                let kept = model.rename();
                self.follow.lock().unkept.extend(kept);
            }
        }
    }
}

/// Whether a viewer may read a notice: a draft is its agency's; a
/// published notice is its marking's (GREEN: members; CLEAR: anyone).
pub fn may_read_notice(viewer: &crate::access::Viewer, notice: &casebook::Notice) -> bool {
    match notice.state {
        casebook::NoticeState::Draft => viewer.member().is_some_and(|m| m.agency == notice.author),
        // A contributor reads its own agency's data and what is CLEAR.
        casebook::NoticeState::Published => match viewer.member() {
            _ if notice.tlp == cordon_core::Tlp::Clear => true,
            Some(m) => m.role != crate::access::Role::Contributor || m.agency == notice.author,
            None => false,
        },
    }
}

/// Loads, then follows: see the module doc.
pub async fn run(state: Shared) {
    let started = Instant::now();
    let loaded = loop {
        match load(state.store.as_ref(), state.auth.key()).await {
            Ok(loaded) => break loaded,
            Err(e) => {
                tracing::error!(error = %e, "cannot load the networks; network pages answer 503 until they load");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    let networks = &state.networks;
    let count = loaded.model.members().len();
    let watermark = loaded.reports_seen;
    *networks.casebook.write() = loaded.casebook;
    {
        let mut follow = networks.follow.lock();
        follow.seen = loaded.decisions_seen;
        follow.unkept.extend(loaded.unkept);
    }
    *networks.model.write() = Some(loaded.model);
    networks.ready.store(true, Ordering::Release);
    // Reports stored while the model loaded.
    catch_up(&state, watermark).await;
    tracing::info!(
        networks = count,
        seconds = started.elapsed().as_secs_f64(),
        "networks ready"
    );
    let mut last_compute = Instant::now();
    let mut heard = state.decisions_heard.subscribe();
    loop {
        state.next_round(&mut heard).await;
        keep_anchors(&state).await;
        follow_decisions(&state).await;
        let grown = networks
            .read(|m| m.corpus.len() > m.computed_over)
            .unwrap_or(false);
        if grown && last_compute.elapsed() >= state.config.recompute_every {
            last_compute = Instant::now();
            recompute(&state).await;
        }
    }
}

/// Every current report and decision of a store, grouped and folded.
#[derive(Debug)]
pub struct Loaded {
    pub model: Model,
    pub casebook: Casebook,
    /// The newest report revision read.
    pub reports_seen: i64,
    /// The newest decision read.
    pub decisions_seen: i64,
    /// Anchors of networks first seen now, to be kept in the store.
    pub unkept: Vec<NewDecision>,
}

/// Reads every current report and decision of `store` and groups them:
/// what a server starts from, and what `cordon analyze --db` reports.
pub async fn load(store: &dyn Store, key: &TokenKey) -> anyhow::Result<Loaded> {
    let mut corpus = Corpus::new();
    let mut held: Vec<model::Held> = Vec::new();
    // A report revised while the pages are read comes again, newer: it
    // replaces its row.
    let mut rows: std::collections::HashMap<(String, String), u32> = Default::default();
    let mut after = 0;
    loop {
        let page = store.reports_after(after, PAGE).await?;
        for r in &page {
            match rows.get(&(r.agency.clone(), r.report.id.clone())) {
                Some(&row) if held[row as usize].seq < r.seq => {
                    corpus.replace(row, &r.report);
                    held[row as usize] = model::Held::of(r);
                }
                Some(_) => {}
                None => {
                    let row = corpus.add(&r.report);
                    rows.insert((r.agency.clone(), r.report.id.clone()), row);
                    held.push(model::Held::of(r));
                }
            }
            after = after.max(r.seq);
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    let decisions = all_decisions(store, 0).await?;
    let thresholds = Thresholds::default();
    let key = key.clone();
    let mut model =
        tokio::task::spawn_blocking(move || Model::compute(corpus, held, thresholds, key)).await?;
    let mut casebook = Casebook::default();
    for d in &decisions {
        casebook.apply(d);
    }
    for d in decisions.iter().filter(|d| d.kind.starts_with("network.")) {
        model.apply(&d.kind, &d.subject, &d.body);
    }
    let unkept = model.rename();
    Ok(Loaded {
        model,
        casebook,
        reports_seen: after,
        decisions_seen: decisions.last().map_or(0, |d| d.seq),
        unkept,
    })
}

async fn all_decisions(store: &dyn Store, mut after: i64) -> anyhow::Result<Vec<Decision>> {
    let mut all = Vec::new();
    loop {
        let page = store.decisions_after(after, PAGE).await?;
        let full = page.len() == PAGE as usize;
        if let Some(last) = page.last() {
            after = last.seq;
        }
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}

async fn catch_up(state: &Shared, watermark: i64) {
    // Transactions may commit out of seq order (PostgreSQL): read again a
    // window behind, as the tailer does; a revision seen is skipped.
    let mut after = (watermark - 256).max(0);
    loop {
        match state.store.reports_after(after, PAGE).await {
            Ok(page) => {
                for r in &page {
                    state.networks.put(r);
                    after = after.max(r.seq);
                }
                if page.len() < PAGE as usize {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the reports stored while the networks loaded");
                return;
            }
        }
    }
}

/// Writes the anchors of networks first seen here to the log, so that
/// their ids hold after a restart and on other replicas.
async fn keep_anchors(state: &Shared) {
    let unkept = std::mem::take(&mut state.networks.follow.lock().unkept);
    if unkept.is_empty() {
        return;
    }
    match state.store.append_decisions(&unkept).await {
        Ok(kept) => {
            let mut follow = state.networks.follow.lock();
            follow.applied.extend(kept.iter().map(|d| d.seq));
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot keep network anchors; retrying");
            state.networks.follow.lock().unkept.extend(unkept);
        }
    }
}

/// Decisions other replicas made.
async fn follow_decisions(state: &Shared) {
    let seen = state.networks.follow.lock().seen;
    let page = match all_decisions(state.store.as_ref(), seen).await {
        Ok(page) => page,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the decision log");
            return;
        }
    };
    let Some(last) = page.last().map(|d| d.seq) else {
        return;
    };
    let fresh: Vec<Decision> = {
        let mut follow = state.networks.follow.lock();
        follow.seen = last;
        page.into_iter()
            .filter(|d| !follow.applied.remove(&d.seq))
            .collect()
    };
    state.networks.fold(&fresh);
}

/// Regroups every report over a copy, then adopts the grouping.
async fn recompute(state: &Shared) {
    // The copy is taken a slice at a time, so that a report arriving
    // meanwhile waits for one slice, not the whole copy.
    let started = Instant::now();
    let mut named: Vec<Vec<u32>> = Vec::new();
    loop {
        let Ok(done) = state.networks.read(|m| {
            let rows = m.corpus.named();
            let end = (named.len() + COPY_SLICE).min(rows.len());
            named.extend_from_slice(&rows[named.len()..end]);
            end == rows.len()
        }) else {
            return;
        };
        if done {
            break;
        }
        tokio::task::yield_now().await;
    }
    // Keys only grow: these cover every key the copied rows name.
    let Ok((evidence, thresholds)) = state.networks.read(|m| (m.corpus.evidence(), m.thresholds))
    else {
        return;
    };
    let over = named.len();
    // The grouping and the live state over it are built without the lock;
    // reports arriving meanwhile wait only for the few that came since.
    let built = tokio::task::spawn_blocking(move || {
        let found = networks::resolve(&named, &evidence, &thresholds);
        (found.count, LiveNetworks::new(&named, evidence, &found))
    })
    .await;
    let Ok((count, live)) = built else {
        tracing::error!("the network recomputation failed");
        return;
    };
    // Short: the joins since the copy, the corrections and the naming.
    let kept = state
        .networks
        .model
        .write()
        .as_mut()
        .map(|m| m.adopt(live, over));
    if let Some(kept) = kept {
        state.networks.follow.lock().unkept.extend(kept);
    }
    tracing::info!(
        reports = over,
        networks = count,
        seconds = started.elapsed().as_secs_f64(),
        "networks recomputed"
    );
}
