//! Orange notices: an agency's urgent warning of a threat — a new
//! compound, a recruitment wave, an imminent transfer of victims — pushed
//! at once to every agency it is shared with, acknowledged per agency, and
//! tracked (and reminded) until every one of them has.
//!
//! A notice is shared as its marking says, decided by [`crate::access`]:
//! CLEAR and GREEN reach every member agency, AMBER the agencies it names,
//! RED the people it names. Who it reaches is fixed when it is issued, so
//! that "acknowledged by all" means the same list throughout. Issuing and
//! acknowledging are decisions (`orange.issue`, `orange.ack`), folded on
//! every replica; each replica pushes to, and reminds, the members
//! connected to it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use cordon_core::{Marking, Tlp};
use cordon_store::Decision;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::notify::{Notification, Notifier};
use crate::access::{Marked, Member, Sight, Viewer, sight};

pub const ISSUE: &str = "orange.issue";
pub const ACK: &str = "orange.ack";

/// What the warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Threat {
    NewCompound,
    RecruitmentWave,
    VictimTransfer,
    Other,
}

/// The body of an `orange.issue` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issued {
    pub title: String,
    pub threat: Threat,
    pub text: String,
    #[serde(default)]
    pub selectors: Vec<String>,
    #[serde(default)]
    pub site: Option<String>,
    pub tlp: Tlp,
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The agencies it reaches, fixed at issue.
    pub audience: Vec<String>,
}

/// One agency's acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Ack {
    pub agency: String,
    pub user: String,
    pub at: DateTime<Utc>,
}

/// An orange notice as its reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrangeNotice {
    pub id: String,
    pub agency: String,
    pub issued: DateTime<Utc>,
    pub title: String,
    pub threat: Threat,
    pub text: String,
    pub selectors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: Tlp,
    /// Your agency's acknowledgement, if it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Ack>,
    /// For the issuing agency only: every agency it reached, who
    /// acknowledged, and who has not yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Tracking {
    pub audience: Vec<String>,
    pub acks: Vec<Ack>,
    pub outstanding: Vec<String>,
}

#[derive(Debug, Clone)]
struct Held {
    id: String,
    agency: String,
    issued: DateTime<Utc>,
    body: Issued,
    acks: Vec<Ack>,
}

impl Held {
    fn marking(&self) -> Marking {
        Marking {
            tlp: self.body.tlp,
            recipients: self.body.recipients.clone(),
            hit_notification: false,
        }
    }

    fn outstanding(&self) -> Vec<String> {
        self.body
            .audience
            .iter()
            .filter(|a| !self.acks.iter().any(|k| k.agency == **a))
            .cloned()
            .collect()
    }

    /// What `member` sees, or `None` when it may not read it.
    fn seen_by(&self, member: &Member) -> Option<OrangeNotice> {
        let viewer = Viewer::Member(member.clone());
        let marking = self.marking();
        if sight(&viewer, Marked::of_marking(&self.agency, &marking)) != Sight::Read {
            return None;
        }
        let issuer = member.agency == self.agency;
        Some(OrangeNotice {
            id: self.id.clone(),
            agency: self.agency.clone(),
            issued: self.issued,
            title: self.body.title.clone(),
            threat: self.body.threat,
            text: self.body.text.clone(),
            selectors: self.body.selectors.clone(),
            site: self.body.site.clone(),
            tlp: self.body.tlp,
            acknowledged: self
                .acks
                .iter()
                .find(|k| k.agency == member.agency)
                .cloned(),
            tracking: issuer.then(|| Tracking {
                audience: self.body.audience.clone(),
                acks: self.acks.clone(),
                outstanding: self.outstanding(),
            }),
        })
    }

    /// The pushed summary: enough to decide to open it.
    fn pushed(&self, reminder: bool) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "agency": self.agency,
            "title": self.body.title,
            "threat": self.body.threat,
            "issued": self.issued,
            "reminder": reminder,
        })
    }
}

/// Every orange notice, folded from the log.
#[derive(Debug, Default)]
pub struct OrangeNotices {
    held: RwLock<HashMap<String, Held>>,
    reminded: parking_lot::Mutex<HashMap<String, Instant>>,
}

impl OrangeNotices {
    /// Folds a decision in; `live` ones are pushed.
    pub(super) fn apply(&self, d: &Decision, live: bool, notifier: &Notifier) {
        match d.kind.as_str() {
            ISSUE => {
                let Ok(body) = serde_json::from_value::<Issued>(d.body.clone()) else {
                    tracing::warn!(notice = %d.subject, "an orange notice in the log does not parse; skipped");
                    return;
                };
                let held = Held {
                    id: d.subject.clone(),
                    agency: d.agency.clone(),
                    issued: d.at,
                    body,
                    acks: Vec::new(),
                };
                if live {
                    notifier.send(
                        Notification {
                            kind: "orange_notice",
                            agencies: held.body.audience.clone(),
                            marked: None,
                            admins_only: false,
                            data: held.pushed(false),
                        }
                        .marked(&held.agency, &held.marking()),
                    );
                }
                self.reminded.lock().insert(held.id.clone(), Instant::now());
                self.held.write().insert(held.id.clone(), held);
            }
            ACK => {
                let mut all = self.held.write();
                let Some(held) = all.get_mut(&d.subject) else {
                    return;
                };
                if held.acks.iter().any(|k| k.agency == d.agency) {
                    return;
                }
                let ack = Ack {
                    agency: d.agency.clone(),
                    user: d.user.clone(),
                    at: d.at,
                };
                held.acks.push(ack.clone());
                if live {
                    notifier.send(Notification::new(
                        "orange_ack",
                        vec![held.agency.clone()],
                        &serde_json::json!({
                            "id": held.id,
                            "ack": ack,
                            "outstanding": held.outstanding(),
                        }),
                    ));
                }
            }
            _ => {}
        }
    }

    /// A notice as `member` sees it, if it may read it.
    pub fn get(&self, member: &Member, id: &str) -> Option<OrangeNotice> {
        self.held.read().get(id)?.seen_by(member)
    }

    /// Whether `agency` is one the notice reached and has not acknowledged.
    pub fn awaits(&self, id: &str, agency: &str) -> bool {
        self.held.read().get(id).is_some_and(|h| {
            h.body.audience.iter().any(|a| a == agency)
                && !h.acks.iter().any(|k| k.agency == agency)
        })
    }

    /// Every notice `member` may read, newest first.
    pub fn list(&self, member: &Member) -> Vec<OrangeNotice> {
        let mut out: Vec<OrangeNotice> = self
            .held
            .read()
            .values()
            .filter_map(|h| h.seen_by(member))
            .collect();
        out.sort_by(|a, b| b.issued.cmp(&a.issued).then(a.id.cmp(&b.id)));
        out
    }

    /// Pushes again, to the agencies that have not acknowledged, every
    /// notice last pushed more than `every` ago.
    pub fn remind(&self, every: Duration, notifier: &Notifier) {
        let now = Instant::now();
        let held = self.held.read();
        let mut reminded = self.reminded.lock();
        for h in held.values() {
            let outstanding = h.outstanding();
            if outstanding.is_empty() {
                continue;
            }
            let last = reminded.entry(h.id.clone()).or_insert(now);
            if now.duration_since(*last) < every {
                continue;
            }
            *last = now;
            metrics::counter!("cordon_orange_reminders_total").increment(1);
            notifier.send(
                Notification {
                    kind: "orange_notice",
                    agencies: outstanding,
                    marked: None,
                    admins_only: false,
                    data: h.pushed(true),
                }
                .marked(&h.agency, &h.marking()),
            );
        }
    }
}
