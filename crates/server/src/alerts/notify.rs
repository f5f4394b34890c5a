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

/// One notification, for the members of some agencies.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The SSE event type.
    pub kind: &'static str,
    /// The agencies whose members receive it.
    pub agencies: Vec<String>,
    /// When it carries marked content: only members who may read it, as
    /// [`crate::access::sight`] decides, receive it.
    pub marked: Option<(String, cordon_core::Marking)>,
    /// Only for the agencies' admins (their supervisors: an overdue case
    /// escalated a second time).
    pub admins_only: bool,
    pub data: serde_json::Value,
}

impl Notification {
    pub fn new(kind: &'static str, agencies: Vec<String>, data: &impl Serialize) -> Notification {
        Notification {
            kind,
            agencies,
            marked: None,
            admins_only: false,
            data: serde_json::to_value(data).unwrap_or_default(),
        }
    }

    /// Only for those of its agencies' members who may read content of
    /// `owner` marked `marking`.
    pub fn marked(mut self, owner: &str, marking: &cordon_core::Marking) -> Notification {
        self.marked = Some((owner.to_owned(), marking.clone()));
        self
    }

    pub fn is_for(&self, member: &Member) -> bool {
        self.agencies.contains(&member.agency)
            && (!self.admins_only || member.role == crate::access::Role::Admin)
            && self.marked.as_ref().is_none_or(|(owner, marking)| {
                let viewer = crate::access::Viewer::Member(member.clone());
                crate::access::sight(&viewer, crate::access::Marked::of_marking(owner, marking))
                    == crate::access::Sight::Read
            })
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
