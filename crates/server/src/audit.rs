//! Recording reads and hit queries in the audit log without making every
//! read wait for a disk flush.
//!
//! Events go into a bounded queue; one task appends them to the store's
//! hash-chained log in batches (a few milliseconds apart under load). When
//! the queue is full — the store is down or far behind — the read is
//! refused with `unavailable`: an unaudited read is never served. Events
//! already queued are retried until the store takes them, and drained on
//! shutdown.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use cordon_store::{AuditEvent, Store};
use tokio::sync::mpsc;

use crate::access::Viewer;
use crate::error::ApiError;

/// Events waiting to be written; beyond this, reads are refused.
const QUEUE: usize = 200_000;
/// Most events appended in one store call.
const BATCH: usize = 5_000;
/// How long the writer lets events gather after the first of a batch.
/// Every append is a durable transaction (an fsync); under a stream of hit
/// queries, appending whatever is queued at each moment made a commit per
/// few events and cost a quarter of the server's CPU. Reads do not wait for
/// the append, so gathering for a few milliseconds costs them nothing.
const GATHER: Duration = Duration::from_millis(20);

#[derive(Debug, Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<AuditEvent>,
}

/// The writer task; await it after dropping every sink to drain the queue.
pub type AuditWriter = tokio::task::JoinHandle<()>;

impl AuditSink {
    pub fn start(store: Arc<dyn Store>) -> (AuditSink, AuditWriter) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = tokio::spawn(write_loop(store, rx));
        (AuditSink { tx }, writer)
    }

    /// Queues one event; refuses when the log cannot keep up.
    pub fn record(&self, event: AuditEvent) -> Result<(), ApiError> {
        self.tx.try_send(event).map_err(|_| {
            metrics::counter!("cordon_audit_refused_total").increment(1);
            ApiError::unavailable(
                "the audit log is not keeping up, so reads are paused; retry in a moment",
            )
        })
    }

    /// Queues several events, all or none.
    pub fn record_all(&self, events: Vec<AuditEvent>) -> Result<(), ApiError> {
        let permits = match self.tx.try_reserve_many(events.len().max(1)) {
            Ok(p) => p,
            Err(_) => {
                metrics::counter!("cordon_audit_refused_total").increment(1);
                return Err(ApiError::unavailable(
                    "the audit log is not keeping up, so reads are paused; retry in a moment",
                ));
            }
        };
        for (permit, event) in permits.zip(events) {
            permit.send(event);
        }
        Ok(())
    }
}

/// An event done by `viewer` now.
pub fn event(viewer: &Viewer, action: &str, owner: Option<&str>, subject: &str) -> AuditEvent {
    AuditEvent {
        at: Utc::now(),
        actor: viewer.actor().to_owned(),
        user: viewer.member().map(|m| m.user_id),
        action: action.to_owned(),
        owner: owner.map(str::to_owned),
        subject: subject.to_owned(),
    }
}

async fn write_loop(store: Arc<dyn Store>, mut rx: mpsc::Receiver<AuditEvent>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if batch.len() < BATCH {
            let deadline = tokio::time::Instant::now() + GATHER;
            while batch.len() < BATCH {
                let room = BATCH - batch.len();
                match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
        let mut backoff = Duration::from_millis(50);
        loop {
            match store.append_audit(&batch).await {
                Ok(_) => {
                    metrics::counter!("cordon_audit_written_total").increment(batch.len() as u64);
                    break;
                }
                Err(e) => {
                    // Keep the batch: an event taken off the queue is
                    // written eventually or the process is stopping.
                    tracing::error!(error = %e, events = batch.len(), "audit append failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
        batch.clear();
    }
}
