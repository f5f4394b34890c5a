//! Cordon's storage contract.
//!
//! One [`Store`] trait for every backend (SQLite embedded, PostgreSQL
//! scale-out), the records it keeps, the audit hash chain, the terms that
//! `list_reports` matches ([`terms`]), and — behind the `contract` feature —
//! the contract test suite that every backend runs.
//!
//! Architecture invariants: reports, audit records and decisions are
//! append-only (a correction is a new revision or a new decision); a write
//! returns only after it is durable; a rejected batch writes nothing. SQL
//! lives in the backend crates, never here.
//!
//! Beside reports the store keeps STIX objects verbatim
//! ([`NewStixObject`]): imported whole from other tools, each version
//! immutable, their JSON text never parsed or re-serialised, so that they
//! can be exported unchanged and served over TAXII; and it finds reports
//! and selectors by the STIX ids Cordon derives for them ([`derived`]).
//!
//! And it keeps the decision log ([`NewDecision`]): what analysts and the
//! analysis decided about networks, compounds and notices, append-only,
//! for the server to fold into its state and follow.

pub mod audit;
pub mod check;
#[cfg(feature = "contract")]
pub mod contract;
pub mod derived;
pub mod terms;
mod types;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cordon_core::Report;

pub use audit::{AuditEvent, AuditRecord, ChainError};
pub use types::*;

/// Storage errors. Messages are lowercase and say what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The thing already exists (an agency code, a user name).
    #[error("{0}")]
    Conflict(String),
    /// A referenced thing does not exist (an unknown agency).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed for the store (a bad URL, an empty code).
    #[error("{0}")]
    Invalid(String),
    /// The backend failed; the operation had no effect.
    #[error("storage backend failed: {0}")]
    Backend(String),
    /// The database's disk is full; the operation had no effect. Apart
    /// from [`StoreError::Backend`] because only an operator freeing space
    /// ends it, and the refusal should say so.
    #[error("storage is full: {0}")]
    Full(String),
}

impl StoreError {
    /// What a write hears when its group or transaction failed with `self`:
    /// a full disk stays a full disk, which only an operator ends and the
    /// sender must be told of; anything else becomes a backend failure,
    /// `what` saying what became of the write.
    pub fn for_group(&self, what: &str) -> StoreError {
        match self {
            StoreError::Full(_) => self.clone(),
            // Already a backend failure: its words, not its prefix twice.
            StoreError::Backend(m) => StoreError::Backend(format!("{what}: {m}")),
            e => StoreError::Backend(format!("{what}: {e}")),
        }
    }

    /// The answer of both backends when an agency puts a STIX version it
    /// already keeps with other JSON.
    pub fn stix_version_conflict(id: &str, version: &str) -> StoreError {
        let version = if version.is_empty() {
            "(unversioned)".to_owned()
        } else {
            format!("'{version}'")
        };
        StoreError::Conflict(format!(
            "stix object {id} version {version} is already kept with different content; \
             a stix version never changes, so a changed object needs a new modified time"
        ))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The storage contract every backend fulfils and the contract suite checks.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The backend's name for logs and metrics (`sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    // ---- agencies, users, tokens ----

    async fn create_agency(&self, agency: &NewAgency) -> Result<Agency>;
    async fn agency(&self, code: &str) -> Result<Option<Agency>>;
    async fn agencies(&self) -> Result<Vec<Agency>>;

    async fn create_user(&self, user: &NewUser) -> Result<User>;
    async fn users(&self, agency: &str) -> Result<Vec<User>>;
    /// One user of an agency by name.
    async fn user(&self, agency: &str, name: &str) -> Result<Option<User>>;

    /// Stores a token by its keyed digest; the secret itself is never stored.
    async fn create_token(&self, token: &NewToken) -> Result<Token>;
    async fn token_by_digest(&self, digest: &[u8]) -> Result<Option<Token>>;
    /// Revokes a token; returns false when no live token had that id.
    async fn revoke_token(&self, id: i64, at: DateTime<Utc>) -> Result<bool>;
    /// Every token of an agency's users, revoked ones included, by id.
    async fn tokens(&self, agency: &str) -> Result<Vec<Token>>;

    // ---- reports ----

    /// Stores a batch of validated reports from one agency in one durable
    /// transaction: all or nothing. A report whose id the agency already
    /// used becomes a new revision, unless its content is unchanged, in which
    /// case nothing is written for it (re-submission is idempotent).
    async fn submit(
        &self,
        agency: &str,
        reports: &[Report],
        accepted: DateTime<Utc>,
    ) -> Result<Vec<SubmitOutcome>> {
        Ok(self
            .submit_with_kept(agency, reports, &[], accepted)
            .await?
            .reports)
    }

    /// Stores one agency's reports and the STIX objects kept beside them
    /// (an import's two halves) in one durable transaction: all or nothing,
    /// under the rules of [`Store::submit`] and [`Store::put_stix_objects`].
    /// The kept objects are stamped `accepted`, the moment their reports
    /// were accepted, so that an export can tell which objects represent a
    /// report. This is the one write path of both.
    async fn submit_with_kept(
        &self,
        agency: &str,
        reports: &[Report],
        kept: &[NewStixObject],
        accepted: DateTime<Utc>,
    ) -> Result<Submitted>;

    /// The newest revision of a report.
    async fn report(&self, agency: &str, id: &str) -> Result<Option<StoredReport>>;
    /// Every revision of a report, oldest first.
    async fn revisions(&self, agency: &str, id: &str) -> Result<Vec<StoredReport>>;
    /// Current reports in ingest order, after sequence number `after`.
    async fn reports_after(&self, after: i64, limit: u32) -> Result<Vec<StoredReport>>;
    /// Current revisions matching every field of `filter`, newest first
    /// (descending `seq`), only those with `seq < before` when given. The
    /// store does not decide who may read them: callers filter each result
    /// through the access rules.
    async fn list_reports(
        &self,
        filter: &ReportFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredReport>>;
    /// Postings of the current revisions that hold this canonical selector.
    async fn postings(&self, selector: &str) -> Result<Vec<Posting>>;
    /// Every posting of current revisions, after sequence number `after`, in
    /// ingest order: for rebuilding in-memory indexes page by page.
    async fn postings_after(&self, after: i64, limit: u32) -> Result<Vec<SelectorPosting>>;
    /// How much the store holds.
    async fn counts(&self) -> Result<Counts>;

    // ---- reports and selectors by the STIX ids Cordon derives ----
    //
    // What a TAXII client asks for by id (see `derived`): the store keeps a
    // key of each derived id, written with the report that names it.

    /// The reports, as (agency, report id), whose objects share `uuid`
    /// (`cordon_interop::stix::ids::report_uuid`), in (agency, id) order:
    /// the UUID is the same for every revision, and the caller reads the
    /// current one with `report()`. Usually one: several only when reports
    /// of different agencies keep one STIX id from another tool
    /// (`report--<uuid>`), or an id was chosen to collide.
    async fn report_by_stix(&self, uuid: uuid::Uuid) -> Result<Vec<(String, String)>>;

    /// The canonical text of the selector whose object has the STIX id `id`
    /// (`cordon_interop::stix::sco::id`: type and UUID), while a current
    /// revision holds it (as for `postings`); `None` otherwise, or when
    /// `id` is no STIX identifier.
    async fn selector_by_stix(&self, id: &str) -> Result<Option<String>>;

    // ---- STIX objects kept verbatim ----
    //
    // Objects imported from other tools that Cordon cannot turn into
    // reports, kept as their JSON text to be exported unchanged and served
    // over TAXII.

    /// Stores a batch of one agency's STIX objects, stamped `at` (TAXII
    /// `date_added`), in one durable transaction: all or nothing. A STIX
    /// version is immutable: an (agency, id, version) already kept with the
    /// same JSON is `Unchanged` (nothing written), with other JSON a
    /// `Conflict` that rejects the whole batch. Objects of one batch are
    /// taken in order, so a repeat within it is `Unchanged` too.
    async fn put_stix_objects(
        &self,
        agency: &str,
        objects: &[NewStixObject],
        at: DateTime<Utc>,
    ) -> Result<Vec<PutOutcome>> {
        Ok(self.submit_with_kept(agency, &[], objects, at).await?.kept)
    }

    /// Kept objects with `seq > after` that match `filter`, ascending
    /// `seq`, at most `limit`. The store does not decide who may read them:
    /// callers filter each through the access rules.
    async fn stix_objects_after(
        &self,
        after: i64,
        limit: u32,
        filter: &StixFilter,
    ) -> Result<Vec<StoredStixObject>>;

    /// Every kept row of one STIX id, whoever owns it, ascending by
    /// (version, seq); versions compare as text, byte by byte.
    async fn stix_object_versions(&self, id: &str) -> Result<Vec<StoredStixObject>>;

    /// Deletes an agency's rows of one STIX id, only the given version
    /// when there is one (TAXII DELETE); returns how many went. The
    /// sequence number of a deleted row is never given again.
    async fn delete_stix_objects(
        &self,
        agency: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<u64>;

    // ---- audit ----

    /// Appends events to the hash-chained audit log, in order, durably.
    async fn append_audit(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>>;
    /// Audit records after sequence number `after`, in order.
    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditRecord>>;
    /// Audit records about one owner's data, after `after`, in order.
    async fn audit_for_owner(
        &self,
        owner: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>>;
    /// The newest audit records about one owner's data, newest first, only
    /// those with `seq < before` when given: for the owner's audit view.
    async fn recent_audit_for_owner(
        &self,
        owner: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>>;

    // ---- decisions ----
    //
    // The decision log: what analysts and the analysis decided about
    // networks, compounds and notices (`network.merge`, `compound.status`,
    // `notice.publish`, …). Append-only: a decision is revised by a later
    // one. The server folds the log into its state at start and follows new
    // decisions by polling `decisions_after`, as it follows reports, so
    // sequence numbers become visible in ascending order.

    /// Appends decisions in order, durably, in one transaction: all or
    /// none. Each gets the same time (the store's clock, to the
    /// microsecond). A batch with an invalid decision is `Invalid`, naming
    /// its field and index, and writes nothing; an empty one writes nothing.
    async fn append_decisions(&self, decisions: &[NewDecision]) -> Result<Vec<Decision>>;
    /// Decisions after sequence number `after`, in order, at most `limit`.
    async fn decisions_after(&self, after: i64, limit: u32) -> Result<Vec<Decision>>;
    /// Every decision about one subject, in order (a network's or a
    /// notice's history).
    async fn decisions_about(&self, subject: &str) -> Result<Vec<Decision>>;

    // ---- money (crates/finance) ----
    //
    // Flows, conversions and attribution tags an agency imported, each
    // under the agency's marking, append-only like reports: a record put
    // again with the same body and marking changes nothing; with another,
    // it is a new revision, and the newest revision of a key is current.

    /// Keeps an agency's money records under one marking, durably and in
    /// one transaction: all or nothing, one outcome per record in order.
    /// The agency must exist.
    async fn put_money(
        &self,
        agency: &str,
        marking: &cordon_core::Marking,
        records: &[NewMoney],
        at: DateTime<Utc>,
    ) -> Result<Vec<PutOutcome>>;
    /// Money records after sequence number `after`, in order, at most
    /// `limit`: how the server loads and follows them.
    async fn money_after(&self, after: i64, limit: u32) -> Result<Vec<StoredMoney>>;

    // ---- leadership ----
    //
    // Work that one replica of many must do alone (webhook deliveries).

    /// Takes `role` (such as `webhooks`) when no holder has it, among every
    /// store on this database, in this process or another; `None` when
    /// someone holds it. The role is held while the returned guard lives
    /// and given up when it is dropped. A store that already holds a role
    /// does not get it twice. PostgreSQL: a session advisory lock on a
    /// connection of the guard's own (lost with that connection). SQLite:
    /// an exclusive lock on a file beside the database. A bad role name is
    /// `Invalid`.
    async fn try_lead(&self, role: &str) -> Result<Option<Box<dyn Lead>>>;
}

/// A role held through [`Store::try_lead`]: held while this lives.
#[async_trait]
pub trait Lead: Send + Sync + std::fmt::Debug {
    /// Whether the role is still held: false once it was lost (the
    /// database connection holding it broke). A holder that lost it stops
    /// the work it led and asks again.
    async fn holds(&self) -> bool;
}

/// Opens the backend that a database URL names: `sqlite://path` or
/// `postgres://…`. Lives in the CLI and server, which know every backend;
/// this helper only classifies the URL.
pub fn backend_of_url(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::Invalid(format!(
            "database url '{url}' names no known backend; use sqlite://PATH or postgres://HOST/DB"
        )))
    }
}

/// The storage backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_failure_keeps_a_full_disk_and_wraps_the_rest() {
        let full = StoreError::Full("sqlite: database or disk is full".into());
        assert!(matches!(
            full.for_group("the write was rolled back"),
            StoreError::Full(m) if m == "sqlite: database or disk is full"
        ));
        let other = StoreError::Backend("connection reset".into());
        assert_eq!(
            other.for_group("the write was rolled back").to_string(),
            "storage backend failed: the write was rolled back: connection reset"
        );
        let refused = StoreError::Conflict("agency 'KH-NP' already exists".into());
        assert_eq!(
            refused.for_group("the write was not attempted").to_string(),
            "storage backend failed: the write was not attempted: agency 'KH-NP' already exists"
        );
    }
}
