//! What analysts decided about compounds and notices, folded from the
//! decision log: each compound's status history, each purple notice's
//! drafts and publication.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cordon_core::Tlp;
use cordon_store::Decision;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A compound's state as agencies report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompoundStatus {
    Active,
    Raided,
    Relocated,
    Closed,
}

impl CompoundStatus {
    pub fn parse(text: &str) -> Option<CompoundStatus> {
        match text {
            "active" => Some(CompoundStatus::Active),
            "raided" => Some(CompoundStatus::Raided),
            "relocated" => Some(CompoundStatus::Relocated),
            "closed" => Some(CompoundStatus::Closed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CompoundStatus::Active => "active",
            CompoundStatus::Raided => "raided",
            CompoundStatus::Relocated => "relocated",
            CompoundStatus::Closed => "closed",
        }
    }
}

/// Who decided what, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub agency: String,
    pub user: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatusChange {
    pub status: CompoundStatus,
    #[serde(flatten)]
    pub by: Entry,
}

/// What a notice says about a modus operandi, frozen when it is drafted
/// from the reports its author may pass on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoticeContent {
    /// How many reports it was drawn from.
    pub reports: usize,
    /// Modus-operandi tags with how many of those reports give them.
    pub mo: Vec<(String, usize)>,
    pub countries: Vec<(String, usize)>,
    pub languages: Vec<(String, usize)>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Selectors to watch for.
    pub indicators: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    Draft,
    Published,
}

/// A purple notice.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Notice {
    pub id: String,
    /// The network it describes.
    pub network: String,
    pub title: String,
    pub summary: String,
    #[schema(value_type = String, example = "green")]
    pub tlp: Tlp,
    /// The agency that drafted it; only it sees the draft.
    pub author: String,
    pub drafted_by: String,
    pub drafted: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub state: NoticeState,
    pub published: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub content: NoticeContent,
    pub history: Vec<NoticeEvent>,
    /// The reports it was drawn from (agency, id): checked again when it
    /// is published, never shown.
    #[serde(skip)]
    pub sources: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NoticeEvent {
    /// `drafted`, `revised` or `published`.
    pub event: String,
    #[serde(flatten)]
    pub by: Entry,
}

/// The body of a `notice.draft` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Draft {
    pub network: String,
    pub title: String,
    pub summary: String,
    pub tlp: Tlp,
    pub content: NoticeContent,
    #[serde(default)]
    pub sources: Vec<(String, String)>,
}

/// The body of a `notice.revise` decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revision {
    pub title: String,
    pub summary: String,
}

#[derive(Debug, Default)]
pub struct Casebook {
    statuses: HashMap<String, Vec<StatusChange>>,
    notices: HashMap<String, Notice>,
}

impl Casebook {
    /// Folds one decision in; decisions of other kinds are not its.
    pub fn apply(&mut self, d: &Decision) {
        let by = Entry {
            at: d.at,
            agency: d.agency.clone(),
            user: d.user.clone(),
            reason: d.reason.clone(),
        };
        match d.kind.as_str() {
            "compound.status" => {
                if let Some(status) = d.body["status"].as_str().and_then(CompoundStatus::parse) {
                    self.statuses
                        .entry(d.subject.clone())
                        .or_default()
                        .push(StatusChange { status, by });
                }
            }
            "notice.draft" => {
                let Ok(draft) = serde_json::from_value::<Draft>(d.body.clone()) else {
                    tracing::warn!(notice = %d.subject, "a notice draft in the log does not parse; skipped");
                    return;
                };
                self.notices.insert(
                    d.subject.clone(),
                    Notice {
                        id: d.subject.clone(),
                        network: draft.network,
                        title: draft.title,
                        summary: draft.summary,
                        tlp: draft.tlp,
                        author: d.agency.clone(),
                        drafted_by: d.user.clone(),
                        drafted: d.at,
                        modified: d.at,
                        state: NoticeState::Draft,
                        published: None,
                        published_by: None,
                        content: draft.content,
                        sources: draft.sources,
                        history: vec![NoticeEvent {
                            event: "drafted".to_owned(),
                            by,
                        }],
                    },
                );
            }
            "notice.revise" => {
                let (Some(notice), Ok(revision)) = (
                    self.notices.get_mut(&d.subject),
                    serde_json::from_value::<Revision>(d.body.clone()),
                ) else {
                    return;
                };
                if notice.state == NoticeState::Draft {
                    notice.title = revision.title;
                    notice.summary = revision.summary;
                    notice.modified = d.at;
                    notice.history.push(NoticeEvent {
                        event: "revised".to_owned(),
                        by,
                    });
                }
            }
            "notice.publish" => {
                if let Some(notice) = self.notices.get_mut(&d.subject)
                    && notice.state == NoticeState::Draft
                {
                    notice.state = NoticeState::Published;
                    notice.published = Some(d.at);
                    notice.published_by = Some(d.user.clone());
                    notice.modified = d.at;
                    notice.history.push(NoticeEvent {
                        event: "published".to_owned(),
                        by,
                    });
                }
            }
            _ => {}
        }
    }

    /// A compound's status history, oldest first.
    pub fn statuses(&self, site: &str) -> &[StatusChange] {
        self.statuses.get(site).map_or(&[], Vec::as_slice)
    }

    pub fn notice(&self, id: &str) -> Option<&Notice> {
        self.notices.get(id)
    }

    pub fn notices(&self) -> impl Iterator<Item = &Notice> {
        self.notices.values()
    }
}
