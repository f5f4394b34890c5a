//! Records the store keeps.

use chrono::{DateTime, Utc};
use cordon_core::{Marking, Report, ReportKind, Tlp};
use serde::{Deserialize, Serialize};

/// The kinds of member organisation (ARCHITECTURE.md).
pub const AGENCY_KINDS: [&str; 9] = [
    "police", "ncb", "fiu", "ngo", "hotline", "bank", "telecom", "platform", "node",
];

/// A member organisation to create. `code` is its stable handle, such as
/// `KH-NCB`; `contact` is what others see on a hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgency {
    pub code: String,
    pub name: String,
    pub country: String,
    pub kind: String,
    pub contact: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub code: String,
    pub name: String,
    pub country: String,
    pub kind: String,
    pub contact: String,
    pub created: DateTime<Utc>,
}

/// Roles, from most to least privileged. `public` is never stored: it is
/// the anonymous caller.
pub const ROLES: [&str; 4] = ["admin", "analyst", "contributor", "peer"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub agency: String,
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub agency: String,
    pub name: String,
    pub role: String,
    pub created: DateTime<Utc>,
}

/// A token to store: only its keyed digest, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub user_id: i64,
    pub digest: Vec<u8>,
    pub label: String,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: i64,
    pub user_id: i64,
    pub agency: String,
    pub role: String,
    pub label: String,
    pub created: DateTime<Utc>,
    pub revoked: Option<DateTime<Utc>>,
}

/// What happened to one report of a submitted batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SubmitOutcome {
    /// Stored as a new report or a new revision.
    Accepted { revision: u32, seq: i64 },
    /// Same content as the current revision: nothing written.
    Unchanged { revision: u32, seq: i64 },
}

/// A stored revision of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    /// Global ingest sequence number of this revision.
    pub seq: i64,
    pub agency: String,
    pub revision: u32,
    pub accepted: DateTime<Utc>,
    pub digest: String,
    pub report: Report,
}

/// One report holding a selector, with what the access check and the hit
/// answer need, and nothing of the content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub seq: i64,
    pub agency: String,
    pub report_id: String,
    pub tlp: Tlp,
    pub recipients: Vec<String>,
    pub hit_notification: bool,
    pub received: DateTime<Utc>,
}

/// A posting together with its selector, for index rebuilds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectorPosting {
    pub selector: String,
    pub posting: Posting,
}

/// What the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub agencies: u64,
    /// Distinct (agency, id) reports.
    pub reports: u64,
    /// Every stored revision.
    pub revisions: u64,
    /// Distinct canonical selectors.
    pub selectors: u64,
    /// Links between current revisions and selectors.
    pub links: u64,
    pub audit: u64,
    /// STIX objects kept verbatim (deleted ones not counted).
    pub stix_objects: u64,
}

/// Which reports to list. Every field that is set narrows the result; an
/// empty filter lists everything (still subject to the access rules, which
/// the caller applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFilter {
    /// The owning agency's code.
    pub agency: Option<String>,
    /// ISO 3166-1 alpha-2 country of the report.
    pub country: Option<String>,
    pub kind: Option<ReportKind>,
    /// A modus-operandi tag the report carries (exact taxonomy id).
    pub mo: Option<String>,
    pub tlp: Option<Tlp>,
    /// Reports holding at least one selector of this kind: the canonical
    /// prefix without the colon (`phone`, `iban`, `telegram`).
    pub selector_kind: Option<String>,
    /// Reports received at or after this time (the report's `received`, or
    /// its acceptance time when it has none).
    pub received_from: Option<DateTime<Utc>>,
    /// Reports received strictly before this time.
    pub received_until: Option<DateTime<Utc>>,
    /// Full-text query over narratives: whitespace-separated words, all of
    /// which must occur (case-insensitive, whole words). Words are runs of
    /// letters and digits; any other character separates words and is never
    /// query syntax (see [`terms`](crate::terms)). A text without any word
    /// (empty, or only punctuation) is ignored, as if no text were given.
    pub text: Option<String>,
}

/// A STIX object kept verbatim: imported whole from another tool because
/// Cordon cannot turn it into a report, to be exported again unchanged and
/// served over TAXII.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStixObject {
    /// `type--uuid`.
    pub id: String,
    /// The object's `modified`, else its `created`, else "" (SCOs and other
    /// unversioned objects), exactly as written in the object.
    pub version: String,
    /// The object's `spec_version` ("2.1"; "2.0" when absent on old objects
    /// is the caller's business).
    pub spec_version: String,
    /// Who may read it, decided by the caller (the importer) from the
    /// object's markings.
    pub marking: Marking,
    /// The object's JSON text exactly as received: the store keeps it byte
    /// for byte and never parses or re-serialises it.
    pub json: String,
}

impl NewStixObject {
    /// The STIX type: the part of the id before `--` (the whole id when it
    /// has none, which `check::stix_id` refuses).
    pub fn kind(&self) -> &str {
        self.id.split_once("--").map_or(&self.id, |(kind, _)| kind)
    }
}

/// What an import decided to keep, as the store keeps it.
impl From<cordon_interop::stix::import::Kept> for NewStixObject {
    fn from(k: cordon_interop::stix::import::Kept) -> Self {
        NewStixObject {
            id: k.id,
            version: k.version,
            spec_version: k.spec_version,
            marking: k.marking,
            json: k.json,
        }
    }
}

/// A kept STIX object as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStixObject {
    /// Global sequence of kept objects (its own, not the reports' one),
    /// ascending by insertion; the number of a deleted object is never
    /// given again.
    pub seq: i64,
    /// The owner: the agency that imported it.
    pub agency: String,
    /// When it was added (TAXII `date_added`): the time given to
    /// `put_stix_objects`, to the microsecond.
    pub added: DateTime<Utc>,
    pub id: String,
    /// The STIX type: the part of `id` before `--`.
    pub kind: String,
    pub version: String,
    pub spec_version: String,
    pub marking: Marking,
    pub json: String,
}

/// What one `submit_with_kept` wrote, in the order of its inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submitted {
    pub reports: Vec<SubmitOutcome>,
    pub kept: Vec<PutOutcome>,
}

/// What happened to one object of a `put_stix_objects` batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PutOutcome {
    /// Stored as a new row.
    Added { seq: i64 },
    /// The owner already keeps this version with the same JSON: nothing
    /// written.
    Unchanged { seq: i64 },
}

/// Which kept STIX objects a page holds. Empty vectors mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StixFilter {
    /// Objects with one of these ids.
    pub ids: Vec<String>,
    /// Objects of one of these STIX types (`indicator`, `x-acme-widget`).
    pub types: Vec<String>,
    /// Objects owned by this agency.
    pub agency: Option<String>,
}

/// A decision to append to the decision log: what analysts and the
/// analysis decided about a network, a compound or a notice, and why. The
/// log is append-only: a decision is revised by a later one, never changed,
/// and the server folds the log into its state in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDecision {
    /// What kind of decision, dotted lowercase: `network.merge`,
    /// `compound.status`, …
    pub kind: String,
    /// What it is about: a network id, a compound's site, a notice id.
    pub subject: String,
    /// The agency and user who decided (`cordon` / `analysis` for the
    /// analysis itself).
    pub agency: String,
    pub user: String,
    /// Why, in the analyst's words (may be empty for the analysis's own
    /// decisions).
    pub reason: String,
    /// The decision's content; its shape depends on `kind`.
    pub body: serde_json::Value,
}

/// A decision as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Order of appending, increasing (gaps allowed on PostgreSQL).
    pub seq: i64,
    /// When it was appended, to the microsecond; the same for every
    /// decision of one batch.
    pub at: DateTime<Utc>,
    pub kind: String,
    pub subject: String,
    pub agency: String,
    pub user: String,
    pub reason: String,
    pub body: serde_json::Value,
}

impl Decision {
    /// The decision `new` as kept with this sequence number and time.
    pub fn kept(seq: i64, at: DateTime<Utc>, new: NewDecision) -> Decision {
        Decision {
            seq,
            at,
            kind: new.kind,
            subject: new.subject,
            agency: new.agency,
            user: new.user,
            reason: new.reason,
            body: new.body,
        }
    }
}

/// What a money record is: one of crates/finance's flows, conversions
/// between assets, or attribution tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyKind {
    Flow,
    Conversion,
    Tag,
}

impl MoneyKind {
    pub const ALL: [MoneyKind; 3] = [MoneyKind::Flow, MoneyKind::Conversion, MoneyKind::Tag];

    pub fn as_str(self) -> &'static str {
        match self {
            MoneyKind::Flow => "flow",
            MoneyKind::Conversion => "conversion",
            MoneyKind::Tag => "tag",
        }
    }

    pub fn parse(text: &str) -> Option<MoneyKind> {
        MoneyKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A money record to keep: its kind, its key (unique per agency and
/// kind: a flow's id, a tag's address and label) and its JSON text, whose
/// shape is crates/finance's business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMoney {
    pub kind: MoneyKind,
    pub key: String,
    pub body: String,
}

/// A kept money record: the newest revision of its (agency, kind, key) is
/// the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMoney {
    /// Global sequence of kept money records, ascending by insertion.
    pub seq: i64,
    /// The owner: the agency that imported it.
    pub agency: String,
    pub kind: MoneyKind,
    pub key: String,
    pub marking: Marking,
    /// When it was kept: the time given to `put_money`, to the microsecond.
    pub accepted: DateTime<Utc>,
    pub body: String,
}
