//! Federation of national nodes (issue 10): the matching service
//! ([`matching`]), a node's blind matching against its peers
//! ([`pseudonyms`]) and its sync of what peers may send it over TAXII
//! ([`sync`]). docs/FEDERATION.md explains what each party learns.

pub mod matching;
pub mod pseudonyms;
pub mod sync;

use std::collections::HashMap;
use std::time::Duration;

use cordon_federation::config::FederationConfig;
use parking_lot::RwLock;

use crate::Shared;

/// A node's federation: its configuration, its peers' agencies, the sync
/// status of each peer and the blind matching.
#[derive(Debug, Default)]
pub struct Federation {
    pub config: Option<FederationConfig>,
    origins: RwLock<sync::Origins>,
    /// The decision log's sequence number folded so far.
    folded: RwLock<i64>,
    /// Where each peer's pull resumes, once read from the log.
    checkpoints: RwLock<HashMap<String, sync::Checkpoint>>,
    status: RwLock<HashMap<String, sync::PeerStatus>>,
    pub matching: pseudonyms::Matching,
    http: reqwest::Client,
}

impl Federation {
    pub fn new(config: Option<FederationConfig>) -> Federation {
        Federation {
            config,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .expect("an HTTP client with a timeout builds"),
            ..Federation::default()
        }
    }

    /// The node an agency's reports came from, when they came from a peer.
    pub fn origin(&self, agency: &str) -> Option<String> {
        self.origins.read().get(agency).cloned()
    }

    /// Every peer agency registered here, with its node.
    pub fn origins(&self) -> std::collections::BTreeMap<String, String> {
        self.origins
            .read()
            .iter()
            .map(|(a, n)| (a.clone(), n.clone()))
            .collect()
    }

    /// Whether an agency belongs to a peer rather than to this node.
    pub fn is_foreign(&self, agency: &str) -> bool {
        self.origins.read().contains_key(agency)
    }

    /// Each peer's sync so far, by node.
    pub fn status(&self) -> Vec<sync::PeerStatus> {
        let mut all: Vec<_> = self.status.read().values().cloned().collect();
        all.sort_by(|a, b| a.node.cmp(&b.node));
        all
    }

    /// Reads the origins of peers' agencies from the decision log.
    pub async fn load(&self, store: &dyn cordon_store::Store) -> anyhow::Result<()> {
        loop {
            let after = *self.folded.read();
            let page = store.decisions_after(after, 10_000).await?;
            let Some(last) = page.last().map(|d| d.seq) else {
                return Ok(());
            };
            self.fold_origins(&page);
            *self.folded.write() = last;
        }
    }

    /// Follows the decision log while the server runs, so that every
    /// replica knows the agencies the leading one registered from peers
    /// (and never sends their data on, or publishes it).
    pub async fn follow(state: Shared) {
        let mut heard = state.decisions_heard.subscribe();
        let mut stopping = state.stopping.clone();
        loop {
            // Ends with the server: this task holds the state, which holds
            // the audit log open.
            tokio::select! {
                () = state.next_round(&mut heard) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            if let Err(e) = state.federation.load(state.store.as_ref()).await {
                tracing::warn!("federation origins not followed, retried: {e}");
            }
        }
    }
}

/// The store role of the replica that runs the federation.
const ROLE: &str = "federation";

/// Each peer's pull, then the blind matching; failures are logged and
/// retried next round.
async fn one_round(state: &Shared, config: &FederationConfig) {
    for peer in &config.peers {
        let result = sync::pull(state, &state.federation, peer).await;
        if let Err(e) = &result {
            tracing::warn!(peer = %peer.node, "sync stopped, resumes next round: {e}");
        }
        state.federation.pulled(&peer.node, &result);
    }
    if let Err(e) = pseudonyms::round(state, &state.federation).await {
        tracing::warn!("blind matching round failed, retried next round: {e}");
    }
}

/// Runs the node's federation while the server runs, on the one replica
/// that leads the `federation` role (the others ask again each round):
/// every `every_seconds`, a pull from each peer, then a round of blind
/// matching. A failure is logged and retried next round; nothing is lost,
/// since each page is kept before its checkpoint.
pub async fn run(state: Shared) {
    let Some(config) = state.federation.config.clone() else {
        return;
    };
    let mut stopping = state.stopping.clone();
    let mut lead = None;
    loop {
        if lead.is_none() {
            match state.store.try_lead(ROLE).await {
                Ok(Some(l)) => {
                    tracing::info!("this replica runs the federation");
                    lead = Some(l);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot ask to lead the federation"),
            }
        }
        let leads = match &lead {
            Some(l) => l.holds().await,
            None => false,
        };
        if !leads {
            lead = None;
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(config.every_seconds)) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            continue;
        }
        // A round in flight ends with the server: a page stored without
        // its checkpoint is taken again (unchanged) at the next start.
        tokio::select! {
            () = one_round(&state, &config) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(config.every_seconds)) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
    }
}
