//! What an operation is: its parties, targets, tasks, log and marking, as
//! the book holds them and the API shows them to its parties, and the
//! bodies of the decisions that make and change it.

use chrono::{DateTime, NaiveDate, Utc};
use cordon_core::Tlp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperationState {
    Planned,
    Active,
    Closed,
}

impl OperationState {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationState::Planned => "planned",
            OperationState::Active => "active",
            OperationState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "planned" => Some(OperationState::Planned),
            "active" => Some(OperationState::Active),
            "closed" => Some(OperationState::Closed),
            _ => None,
        }
    }

    /// Open operations are compared with others for deconfliction.
    pub fn is_open(self) -> bool {
        self != OperationState::Closed
    }
}

/// What a target is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A canonical selector (`phone:+85512345678`).
    Selector,
    /// A network id (`N-0a1b2c3d4e5f`).
    Network,
    /// A compound, by its site's H3 cell (resolution 9).
    Compound,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Selector => "selector",
            TargetKind::Network => "network",
            TargetKind::Compound => "compound",
        }
    }
}

/// Something an operation is after.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub kind: TargetKind,
    /// Canonical: the selector's text, the network id, the site's cell.
    pub value: String,
}

impl Target {
    /// One text per target, the key of every comparison.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.value)
    }
}

/// A target and who added it when.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TargetEntry {
    #[serde(flatten)]
    pub target: Target,
    pub added: DateTime<Utc>,
    /// `AGENCY/user`.
    pub by: String,
}

/// An operation's own marking: TLP 2.0 and, for RED, the individuals
/// (`AGENCY/user`) of its parties who read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OperationMarking {
    #[schema(value_type = String, example = "AMBER")]
    pub tlp: Tlp,
    #[serde(default)]
    pub recipients: Vec<String>,
}

impl Default for OperationMarking {
    /// Unmarked is AMBER, as for reports: never wider by accident.
    fn default() -> Self {
        OperationMarking {
            tlp: Tlp::Amber,
            recipients: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Open,
    Done,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "open" => Some(TaskState::Open),
            "done" => Some(TaskState::Done),
            _ => None,
        }
    }
}

/// A task of an operation, as the `operation.task` decision that last
/// changed it states it whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    /// `T-…`, unique in its operation.
    pub id: String,
    pub title: String,
    /// A party agency (`KH-NCB`) or one of its users (`KH-NCB/sokha`).
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    pub state: TaskState,
}

/// An entry of an operation's shared log.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub agency: String,
    pub user: String,
    pub text: String,
}

/// A task with when it was set and last changed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TaskEntry {
    #[serde(flatten)]
    pub task: Task,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// `AGENCY/user` who last changed it.
    pub by: String,
}

/// An operation as its parties read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Operation {
    /// `OP-…`.
    pub id: String,
    pub name: String,
    pub summary: String,
    /// The lead agency: the creator's.
    pub lead: String,
    /// Participating agencies besides the lead.
    pub participants: Vec<String>,
    pub marking: OperationMarking,
    pub state: OperationState,
    pub targets: Vec<TargetEntry>,
    pub tasks: Vec<TaskEntry>,
    pub log: Vec<LogEntry>,
    pub created: DateTime<Utc>,
    /// `AGENCY/user` who created it.
    pub created_by: String,
    pub updated: DateTime<Utc>,
}

impl Operation {
    /// The lead and the participants.
    pub fn parties(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.lead.as_str()).chain(self.participants.iter().map(String::as_str))
    }

    pub fn is_party(&self, agency: &str) -> bool {
        self.parties().any(|p| p == agency)
    }

    pub fn has_target(&self, target: &Target) -> bool {
        self.targets.iter().any(|t| &t.target == target)
    }

    /// The facts [`crate::access::reads_operation`] decides on.
    pub fn marked(&self) -> crate::access::OperationParties<'_> {
        crate::access::OperationParties {
            lead: &self.lead,
            participants: &self.participants,
            tlp: self.marking.tlp,
            recipients: &self.marking.recipients,
        }
    }
}

/// The body of `operation.create`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Created {
    pub name: String,
    pub summary: String,
    pub participants: Vec<String>,
    pub marking: OperationMarking,
    pub state: OperationState,
    pub targets: Vec<Target>,
}

/// The body of `operation.update`: what the lead may change, whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Updated {
    pub name: String,
    pub summary: String,
    pub participants: Vec<String>,
    pub marking: OperationMarking,
    pub state: OperationState,
}

/// The body of `operation.target.add` and `operation.target.remove`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Targets {
    pub targets: Vec<Target>,
}

/// The body of `operation.log`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Logged {
    pub text: String,
}

/// Which side of an overlap: an operation, a watch or a recent hit query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideKind {
    Operation,
    Watch,
    Query,
}

/// One side of an overlap as the `deconfliction` decision records it.
/// Only the side's own members are shown its operation, watch or user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Side {
    pub kind: SideKind,
    pub agency: String,
    /// The agency's contact from the directory when the overlap was found.
    pub contact: String,
    /// The operation (`OP-…`), for an operation's side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The watch (`W-…`), for a watch's side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<String>,
    /// The user a watch alerts alone, or who asked a query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// When the query was asked, for a query's side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<DateTime<Utc>>,
}

impl Side {
    /// What makes the side the same side again (not its contact or time).
    pub fn key(&self) -> String {
        let kind = match self.kind {
            SideKind::Operation => "operation",
            SideKind::Watch => "watch",
            SideKind::Query => "query",
        };
        format!(
            "{kind}/{}/{}/{}",
            self.agency,
            self.operation
                .as_deref()
                .or(self.watch.as_deref())
                .unwrap_or(""),
            if self.kind == SideKind::Watch {
                self.user.as_deref().unwrap_or("")
            } else {
                ""
            }
        )
    }
}

/// The body of a `deconfliction` decision: one target, two sides, the
/// first always the operation whose change found the overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlap {
    pub target: Target,
    pub sides: [Side; 2],
}

impl Overlap {
    /// The same target between the same two sides is one overlap,
    /// whichever side found it.
    pub fn key(&self) -> String {
        let mut sides = [self.sides[0].key(), self.sides[1].key()];
        sides.sort();
        format!("{}|{}|{}", self.target.key(), sides[0], sides[1])
    }
}

/// An overlap as kept: the decision's id and time.
#[derive(Debug, Clone, PartialEq)]
pub struct Deconfliction {
    /// `D-…`.
    pub id: String,
    pub at: DateTime<Utc>,
    pub overlap: Overlap,
}
