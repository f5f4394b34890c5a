//! Notifications: events for an agency that are not alerts on a report —
//! interest in its RED data, an urgent (orange) notice, a deconfliction.
//!
//! They travel on the members' alert streams as their own event types
//! (`event: interest`, …) without an id, so that they never move a
//! client's `Last-Event-ID`: each kind is kept where its owner reads it
//! again (the audit log, the notices, the deconflictions), and the stream
//! only makes it arrive at once.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::access::Member;

/// Notifications a slow subscriber may fall behind by.
const BACKLOG: usize = 4_096;

/// One notification, for every member of some agencies.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The SSE event type.
    pub kind: &'static str,
    /// The agencies whose members receive it.
    pub agencies: Vec<String>,
    pub data: serde_json::Value,
}

impl Notification {
    pub fn new(kind: &'static str, agencies: Vec<String>, data: &impl Serialize) -> Notification {
        Notification {
            kind,
            agencies,
            data: serde_json::to_value(data).unwrap_or_default(),
        }
    }

    pub fn is_for(&self, member: &Member) -> bool {
        self.agencies.iter().any(|a| *a == member.agency)
    }
}

/// This replica's notifications as they happen.
#[derive(Debug)]
pub struct Notifier {
    sender: broadcast::Sender<Arc<Notification>>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Notifier {
    pub fn send(&self, notification: Notification) {
        metrics::counter!("cordon_notifications_total", "kind" => notification.kind).increment(1);
        // No subscriber is no loss: each kind is kept where it is read again.
        let _ = self.sender.send(Arc::new(notification));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notification>> {
        self.sender.subscribe()
    }
}
