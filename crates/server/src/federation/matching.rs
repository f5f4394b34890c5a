//! `cordon match-service`: the federation's matching service. It holds the
//! OPRF key ring and evaluates the blinded elements nodes send, without
//! learning what they blind; it never sees a pseudonym or a selector.
//!
//! Every node has a token (only its SHA-256 digest is kept, in the nodes
//! file) and a quota of evaluations per hour, so that no node can use the
//! service as a dictionary oracle: testing a guess costs one evaluation.
//! Each batch is logged with its node and size.
//!
//! Keys rotate on the schedule ([`cordon_federation::keyring`]); the ring
//! is written back to its file (mode 0600, written whole and renamed) each
//! time it changes, before a new key is used.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use cordon_federation::keyring::{KeyRing, Schedule};
use cordon_federation::protocol::{
    EpochInfo, Epochs, EvaluateRequest, EvaluateResponse, MAX_BATCH,
};
use governor::{DefaultDirectRateLimiter, Quota};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode};

/// A node the service evaluates for, as kept in the nodes file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeEntry {
    pub node: String,
    /// SHA-256 of the node's token, hex.
    pub token_sha256: String,
    pub evaluations_per_hour: u32,
}

/// The nodes file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nodes {
    pub nodes: Vec<NodeEntry>,
}

/// The digest under which a token is kept.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Nodes {
    pub fn read(path: &Path) -> anyhow::Result<Nodes> {
        if !path.exists() {
            return Ok(Nodes::default());
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let nodes: Nodes = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a nodes file: {e}", path.display()))?;
        for (i, n) in nodes.nodes.iter().enumerate() {
            if (n.evaluations_per_hour as usize) < MAX_BATCH {
                anyhow::bail!(
                    "{}: nodes[{i}].evaluations_per_hour must be at least {MAX_BATCH} (one full batch)",
                    path.display()
                );
            }
            if n.token_sha256.len() != 64 || hex::decode(&n.token_sha256).is_err() {
                anyhow::bail!(
                    "{}: nodes[{i}].token_sha256 must be 64 hex digits",
                    path.display()
                );
            }
        }
        Ok(nodes)
    }

    /// Adds a node with a new random token, which is returned (and never
    /// kept); a node added again gets a new token, the old one stops.
    pub fn add(&mut self, node: &str, evaluations_per_hour: u32) -> String {
        let token = format!("match_{}", crate::auth::random_id());
        self.nodes.retain(|n| n.node != node);
        self.nodes.push(NodeEntry {
            node: node.to_owned(),
            token_sha256: token_digest(&token),
            evaluations_per_hour,
        });
        token
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self).expect("nodes always serialise");
        write_private(path, &text)
    }
}

/// Writes a secret file whole: a temporary file of this writer's own
/// beside it (mode 0600), synced, then renamed over it, so a crash or a
/// second writer leaves the old or a new file, never a torn one.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension(format!(
        "{}.{}.tmp",
        std::process::id(),
        crate::auth::random_id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&tmp)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
        .map_err(|e| anyhow::anyhow!("cannot replace {}: {e}", path.display()))?;
    Ok(())
}

/// Holds the key file's lock (a file beside it) until dropped, so that
/// the service's schedule and an operator's rotation never interleave.
fn lock(keys: &Path) -> anyhow::Result<std::fs::File> {
    let path = keys.with_extension("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    file.lock()
        .map_err(|e| anyhow::anyhow!("cannot lock {}: {e}", path.display()))?;
    Ok(file)
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct MatchConfig {
    pub keys: PathBuf,
    pub nodes: Nodes,
    pub schedule: Schedule,
    /// How often the schedule is applied.
    pub check_every: Duration,
}

struct Node {
    name: String,
    limiter: DefaultDirectRateLimiter,
}

/// The service's state.
pub struct MatchService {
    ring: RwLock<KeyRing>,
    keys: PathBuf,
    schedule: Schedule,
    nodes: HashMap<String, Node>,
}

impl std::fmt::Debug for MatchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchService")
            .field("keys", &self.keys)
            .field("nodes", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

impl MatchService {
    /// Opens the key ring (a new one when the file does not exist yet) and
    /// applies the schedule once.
    pub fn open(config: &MatchConfig) -> anyhow::Result<MatchService> {
        let _locked = lock(&config.keys)?;
        let now = Utc::now();
        let mut ring = if config.keys.exists() {
            let text = std::fs::read_to_string(&config.keys)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", config.keys.display()))?;
            KeyRing::from_json(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", config.keys.display()))?
        } else {
            let ring = KeyRing::new(now);
            write_private(&config.keys, &ring.to_json())?;
            ring
        };
        if ring.apply(config.schedule, now) {
            write_private(&config.keys, &ring.to_json())?;
        }
        let nodes = config
            .nodes
            .nodes
            .iter()
            .map(|n| {
                let per_hour = NonZeroU32::new(n.evaluations_per_hour).unwrap_or(NonZeroU32::MIN);
                // The whole hour's quota may be spent at once (a node's first
                // pseudonymisation), then it refills over the hour.
                let quota = Quota::per_hour(per_hour).allow_burst(per_hour);
                (
                    n.token_sha256.clone(),
                    Node {
                        name: n.node.clone(),
                        limiter: DefaultDirectRateLimiter::direct(quota),
                    },
                )
            })
            .collect();
        Ok(MatchService {
            ring: RwLock::new(ring),
            keys: config.keys.clone(),
            schedule: config.schedule,
            nodes,
        })
    }

    /// Applies the schedule now: rotates and destroys keys when due. A
    /// newer ring in the file (`cordon match-service rotate` while serving)
    /// is taken first, so the service never writes over it; the file is
    /// read and written under its lock (`KEYS.lock`), which the command
    /// takes too.
    pub fn tick(&self) -> anyhow::Result<()> {
        let _locked = lock(&self.keys)?;
        let mut ring = self.ring.write();
        let before = ring.current().key.epoch();
        if let Ok(text) = std::fs::read_to_string(&self.keys)
            && let Ok(kept) = KeyRing::from_json(&text)
            && kept.current().key.epoch() > before
        {
            *ring = kept;
        }
        if ring.apply(self.schedule, Utc::now()) {
            // Kept before any new key is used: a restart never loses it.
            write_private(&self.keys, &ring.to_json())?;
            let now = ring.current().key.epoch();
            if now != before {
                tracing::info!(epoch = now, "matching key rotated");
            }
        }
        Ok(())
    }

    /// Begins a new epoch now (an operator's rotation) and keeps it.
    pub fn rotate_now(&self) -> anyhow::Result<u32> {
        let _locked = lock(&self.keys)?;
        let mut ring = self.ring.write();
        // The file may have moved on since this ring was read.
        if let Ok(text) = std::fs::read_to_string(&self.keys)
            && let Ok(kept) = KeyRing::from_json(&text)
            && kept.current().key.epoch() > ring.current().key.epoch()
        {
            *ring = kept;
        }
        let epoch = ring.rotate_now(Utc::now());
        write_private(&self.keys, &ring.to_json())?;
        Ok(epoch)
    }

    fn epochs(&self) -> Epochs {
        let ring = self.ring.read();
        Epochs {
            current: ring.current().key.epoch(),
            epochs: ring
                .epochs()
                .iter()
                .map(|e| EpochInfo {
                    epoch: e.key.epoch(),
                    from: e.from,
                })
                .collect(),
            next_rotation: ring.current().from + self.schedule.rotate_every,
        }
    }

    fn node(&self, headers: &HeaderMap) -> Result<&Node, ApiError> {
        let token = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthenticated)?;
        self.nodes
            .get(&token_digest(token.trim()))
            .ok_or_else(ApiError::unauthenticated)
    }
}

pub type SharedMatch = Arc<MatchService>;

pub fn routes(service: SharedMatch) -> Router {
    Router::new()
        .route("/match/v1/epochs", get(epochs))
        .route("/match/v1/evaluate", post(evaluate))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(service)
}

async fn epochs(
    State(service): State<SharedMatch>,
    headers: HeaderMap,
) -> Result<Json<Epochs>, ApiError> {
    service.node(&headers)?;
    Ok(Json(service.epochs()))
}

async fn evaluate(
    State(service): State<SharedMatch>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<EvaluateResponse>, ApiError> {
    let node = service.node(&headers)?;
    let request: EvaluateRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not an evaluation request ({{\"epoch\": n, \"blinded\": [hex, …]}}): {e}"
        ))
    })?;
    let n = request.blinded.len();
    if n == 0 || n > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "send 1 to {MAX_BATCH} blinded elements at a time, not {n}"
        )));
    }
    let count = NonZeroU32::new(n as u32).unwrap_or(NonZeroU32::MIN);
    match node.limiter.check_n(count) {
        Ok(Ok(())) => {}
        _ => {
            tracing::warn!(node = %node.name, asked = n, "evaluation quota spent");
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "node {} has spent its evaluations for this hour; ask again later or in smaller batches",
                    node.name
                ),
            ));
        }
    }
    let key_epoch = {
        let ring = service.ring.read();
        let epoch = request.epoch.unwrap_or(ring.current().key.epoch());
        if ring.key(epoch).is_none() {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "epoch {epoch} does not evaluate (the current one is {}); ask /match/v1/epochs",
                    ring.current().key.epoch()
                ),
            ));
        }
        epoch
    };
    // Scalar multiplications on a blocking thread, off the async workers.
    let worker = service.clone();
    let evaluated = tokio::task::spawn_blocking(move || {
        let ring = worker.ring.read();
        // The key may have been destroyed since it was checked.
        match ring.key(key_epoch) {
            Some(key) => key.evaluate(&request.blinded).map(Some),
            None => Ok(None),
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        cordon_federation::oprf::OprfError::Element(i) => ApiError::bad_request(format!(
            "blinded[{i}] is not a ristretto255 element; blind with RFC 9497's ristretto255-SHA512"
        )),
        other => ApiError::bad_request(other.to_string()),
    })?
    .ok_or_else(|| {
        ApiError::new(
            ErrorCode::Conflict,
            format!("epoch {key_epoch} stopped evaluating; ask /match/v1/epochs"),
        )
    })?;
    tracing::info!(node = %node.name, epoch = key_epoch, count = n, "evaluated");
    metrics::counter!("cordon_match_evaluations_total", "node" => node.name.clone())
        .increment(n as u64);
    Ok(Json(EvaluateResponse {
        epoch: key_epoch,
        evaluated,
    }))
}

/// Serves the matching service until asked to stop, applying the key
/// schedule every `check_every`.
pub async fn serve(
    config: MatchConfig,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let service = Arc::new(MatchService::open(&config)?);
    let ticker = {
        let service = service.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(config.check_every).await;
                if let Err(e) = service.tick() {
                    tracing::error!("the key ring could not be kept: {e}");
                }
            }
        })
    };
    let app = routes(service).layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024));
    crate::listen::serve(listener, app, crate::Config::default().header_timeout, stop).await;
    ticker.abort();
    Ok(())
}
