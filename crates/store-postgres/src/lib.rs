//! Cordon's scale-out storage backend: PostgreSQL through sqlx.
//!
//! ```text
//! PostgresStore::connect("postgres://user@host/db")
//!   ├─ runs migrations/ (sqlx::migrate!) in the connection's search_path
//!   ├─ writer task ── group-commits queued submissions, audit appends,
//!   │                 STIX puts and decision appends, one SAVEPOINT per
//!   │                 caller (see `writer`)
//!   └─ connection pool for reads, account writes and STIX deletes
//! ```
//!
//! - **Durable:** a call returns after its transaction committed (with the
//!   server's default `synchronous_commit = on`).
//! - **All or nothing:** each `submit` runs in its own savepoint; a rejected
//!   batch rolls back alone.
//! - **Ordered:** report, audit, STIX and decision writers take an
//!   EXCLUSIVE table lock (readers still run), so sequence numbers commit
//!   in ascending order across replicas and the audit chain cannot fork.
//! - **Bulk:** a batch is a handful of statements whatever its size; rows
//!   travel as bound arrays expanded by `UNNEST` (see `submit`).
//! - **Append-only:** a correction is a new revision row; triggers refuse
//!   deletes and rewrites of reports, audit records and decisions.
//! - **Listing:** `list_reports` finds current revisions by their terms
//!   (`cordon_store::terms`) in a `tsvector` column with a GIN index, and by
//!   received time through a B-tree (migration 0002); reports stored before
//!   the terms existed get theirs when the store connects.
//! - **STIX objects kept verbatim** (migration 0003, see `stix`): the JSON
//!   text as received in a TEXT column, one row per (agency, id, version);
//!   a batch is a job of the group writer, deletes a single statement.
//! - **Derived STIX ids** (migration 0004): the key of a report's UUID and
//!   of each selector's object id, computed while preparing the rows and
//!   stored in the rows inserted anyway (a first revision, a new selector);
//!   rows stored before them get theirs when the store connects.
//! - **Leadership** (see `lead`): a session advisory lock on a connection
//!   taken out of the pool, keyed by the schema and the role.
//! - **Decision log** (migration 0005, see `decisions`): one row per
//!   decision, its body the JSON text serde_json writes, numbered one past
//!   the largest under the table lock; a batch is a job of the group
//!   writer.
//!
//! Tables live in the first schema of the connection's `search_path`, so
//! tests isolate themselves in a schema each (`options=-csearch_path=…`).
//! Times are kept to the microsecond. The writer task runs on the tokio
//! runtime that connected the store: use the store within that runtime.

// The input checks are the SQLite backend's, so both refuse alike.
use cordon_store::check;
mod decisions;
mod lead;
mod money;
mod stix;
mod submit;
mod writer;

use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use cordon_core::{Report, Tlp};
use cordon_store::audit::{self, GENESIS};
use cordon_store::derived;
use cordon_store::terms::{self, TermQuery};
use cordon_store::{
    Agency, AuditEvent, AuditRecord, Counts, Decision, NewAgency, NewDecision, NewStixObject,
    NewToken, NewUser, Posting, ReportFilter, Result, SelectorPosting, StixFilter, Store,
    StoreError, StoredReport, StoredStixObject, Submitted, Token, User,
};
pub use sqlx::postgres::PgConnectOptions;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use crate::writer::{Job, WriterHandle};

/// Connections in the pool when the caller does not say.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// A Cordon store in a PostgreSQL database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    writer: WriterHandle,
}

/// SQLSTATE `disk_full`: a table or index could not grow.
const DISK_FULL: &str = "53100";

/// Maps a sqlx failure to the error callers see.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some(DISK_FULL) => {
            StoreError::Full(format!("postgres: {e}"))
        }
        _ => StoreError::Backend(format!("postgres: {e}")),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23505"))
}

impl PostgresStore {
    /// Connects to `postgres://…` and migrates the schema.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("postgres url is malformed: {e}")))?;
        Self::connect_with(options, DEFAULT_POOL_SIZE).await
    }

    /// Connects with explicit options (a `search_path`, a pool size) and
    /// migrates the schema.
    pub async fn connect_with(options: PgConnectOptions, pool_size: u32) -> Result<PostgresStore> {
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(1))
            // While PostgreSQL is away a request is refused within seconds
            // (`unavailable`, retry), not held for sqlx's default 30 s.
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot connect to postgres: {e}")))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("postgres migration failed: {e}")))?;
        index_stored_reports(&pool).await?;
        key_stored_rows(&pool).await?;
        tracing::info!("connected to postgres store");
        let writer = writer::spawn(pool.clone());
        Ok(PostgresStore { pool, writer })
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Reports indexed per statement when filling in missing terms.
const INDEX_PAGE: i64 = 1000;

/// Gives their terms to the current revisions that have none: those stored
/// before the terms existed (migration 0002), or by an older cordon still
/// running beside a newer one. Found through `reports_unindexed`, so when
/// there are none this is one empty index look-up. Each page commits on
/// its own; a connect that stops half-way leaves the rest to the next.
async fn index_stored_reports(pool: &PgPool) -> Result<()> {
    let mut indexed = 0usize;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE current AND terms IS NULL
             ORDER BY seq LIMIT $1"
        ))
        .bind(INDEX_PAGE)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
        if rows.is_empty() {
            break;
        }
        let mut seqs = Vec::with_capacity(rows.len());
        let mut texts = Vec::with_capacity(rows.len());
        for row in &rows {
            let report = stored_report(row)?;
            seqs.push(report.seq);
            texts.push(submit::terms_text(&report.agency, &report.report));
        }
        sqlx::query(
            "UPDATE reports SET terms = array_to_tsvector(string_to_array(t.terms, ' '))
             FROM UNNEST($1::int8[], $2::text[]) AS t(seq, terms)
             WHERE reports.seq = t.seq AND reports.terms IS NULL",
        )
        .bind(&seqs)
        .bind(&texts)
        .execute(pool)
        .await
        .map_err(backend)?;
        indexed += rows.len();
    }
    if indexed > 0 {
        tracing::info!(reports = indexed, "indexed the terms of stored reports");
    }
    Ok(())
}

/// Gives the keys of their derived STIX ids (`cordon_store::derived`) to
/// the first revisions and selectors that have none: those stored before
/// the keys existed (migration 0004), or by an older cordon still running
/// beside a newer one. Found through `reports_unkeyed` and
/// `selectors_unkeyed`, so when there are none this is two empty index
/// look-ups. Each page commits on its own. A selector whose text no longer
/// reads as canonical keeps none (no derived id names it), and is passed
/// over by paging on its id.
async fn key_stored_rows(pool: &PgPool) -> Result<()> {
    let mut reports = 0usize;
    loop {
        let rows = sqlx::query(
            "SELECT seq, agency, id FROM reports WHERE revision = 1 AND stix IS NULL
             ORDER BY seq LIMIT $1",
        )
        .bind(INDEX_PAGE)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
        if rows.is_empty() {
            break;
        }
        let mut seqs = Vec::with_capacity(rows.len());
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            seqs.push(get::<i64>(row, "seq")?);
            keys.push(derived::report_key(
                &get::<String>(row, "agency")?,
                &get::<String>(row, "id")?,
            ));
        }
        sqlx::query(
            "UPDATE reports SET stix = t.stix
             FROM UNNEST($1::int8[], $2::int8[]) AS t(seq, stix)
             WHERE reports.seq = t.seq AND reports.stix IS NULL",
        )
        .bind(&seqs)
        .bind(&keys)
        .execute(pool)
        .await
        .map_err(backend)?;
        reports += rows.len();
    }
    let (mut selectors, mut last) = (0usize, 0i64);
    loop {
        let rows = sqlx::query(
            "SELECT id, text FROM selectors WHERE stix IS NULL AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(last)
        .bind(INDEX_PAGE)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
        let Some(end) = rows.last() else { break };
        last = get(end, "id")?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            let text: String = get(row, "text")?;
            match cordon_core::Selector::parse_canonical(&text) {
                Ok(selector) => {
                    ids.push(get::<i64>(row, "id")?);
                    keys.push(derived::selector_key(&selector));
                }
                Err(e) => tracing::warn!(selector = %text, error = %e,
                    "a stored selector is no longer canonical; no stix id finds it"),
            }
        }
        sqlx::query(
            "UPDATE selectors SET stix = t.stix
             FROM UNNEST($1::int8[], $2::int8[]) AS t(id, stix)
             WHERE selectors.id = t.id AND selectors.stix IS NULL",
        )
        .bind(&ids)
        .bind(&keys)
        .execute(pool)
        .await
        .map_err(backend)?;
        selectors += ids.len();
    }
    if reports + selectors > 0 {
        tracing::info!(
            reports,
            selectors,
            "keyed the stix ids of stored reports and selectors"
        );
    }
    Ok(())
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(backend)
}

fn agency_of(row: &PgRow) -> Result<Agency> {
    Ok(Agency {
        code: get(row, "code")?,
        name: get(row, "name")?,
        country: get(row, "country")?,
        kind: get(row, "kind")?,
        contact: get(row, "contact")?,
        created: get(row, "created")?,
    })
}

fn user_of(row: &PgRow) -> Result<User> {
    Ok(User {
        id: get(row, "id")?,
        agency: get(row, "agency")?,
        name: get(row, "name")?,
        role: get(row, "role")?,
        created: get(row, "created")?,
    })
}

const REPORT_COLUMNS: &str = "seq, agency, revision, accepted, digest, body";

fn stored_report(row: &PgRow) -> Result<StoredReport> {
    let seq: i64 = get(row, "seq")?;
    let agency: String = get(row, "agency")?;
    let revision: i32 = get(row, "revision")?;
    let body: String = get(row, "body")?;
    let report: Report = serde_json::from_str(&body).map_err(|e| {
        StoreError::Backend(format!(
            "stored report {seq} of agency {agency} cannot be read back: {e}"
        ))
    })?;
    Ok(StoredReport {
        seq,
        agency,
        revision: u32::try_from(revision).unwrap_or(0),
        accepted: get(row, "accepted")?,
        digest: get(row, "digest")?,
        report,
    })
}

const POSTING_COLUMNS: &str =
    "r.seq, r.agency, r.id, r.tlp, r.recipients, r.hit_notification, r.received";

fn posting(row: &PgRow) -> Result<Posting> {
    let tlp: String = get(row, "tlp")?;
    Ok(Posting {
        seq: get(row, "seq")?,
        agency: get(row, "agency")?,
        report_id: get(row, "id")?,
        tlp: tlp
            .parse::<Tlp>()
            .map_err(|e| StoreError::Backend(format!("stored marking is unreadable: {e}")))?,
        recipients: get(row, "recipients")?,
        hit_notification: get(row, "hit_notification")?,
        received: get(row, "received")?,
    })
}

const AUDIT_COLUMNS: &str =
    "SELECT seq, at, actor, user_id, action, owner, subject, prev_hash, hash FROM audit";

fn audit_record(row: &PgRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: get(row, "seq")?,
        event: AuditEvent {
            at: get(row, "at")?,
            actor: get(row, "actor")?,
            user: get(row, "user_id")?,
            action: get(row, "action")?,
            owner: get(row, "owner")?,
            subject: get(row, "subject")?,
        },
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

const TOKEN_COLUMNS: &str =
    "SELECT t.id, t.user_id, u.agency, u.role, t.label, t.created, t.revoked
     FROM tokens t JOIN users u ON u.id = t.user_id";

fn token_of(row: &PgRow) -> Result<Token> {
    Ok(Token {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        agency: get(row, "agency")?,
        role: get(row, "role")?,
        label: get(row, "label")?,
        created: get(row, "created")?,
        revoked: get(row, "revoked")?,
    })
}

/// Terms as a `tsquery` of quoted lexemes joined by `&`: each term is a
/// literal (a quote doubled, a backslash escaped), never operators; terms
/// hold neither (see `cordon_store::terms`). Quoted lexemes are taken as
/// they are, without normalisation, as `array_to_tsvector` stored them.
fn tsquery(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

fn all<T>(rows: Vec<PgRow>, read: impl Fn(&PgRow) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(read).collect()
}

/// Appends events to the chain inside the caller's transaction, which holds
/// the EXCLUSIVE lock on `audit`: one appender at a time across every
/// replica, so the chain cannot fork.
pub(crate) async fn append_audit(
    conn: &mut PgConnection,
    events: &[AuditEvent],
) -> Result<Vec<AuditRecord>> {
    // The hash must cover the time as stored, to the microsecond.
    let events: Vec<AuditEvent> = events
        .iter()
        .map(|e| AuditEvent {
            at: e.at.trunc_subsecs(6),
            ..e.clone()
        })
        .collect();
    let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    let (last_seq, last_hash) = match last {
        Some(row) => (get::<i64>(&row, "seq")?, get::<String>(&row, "hash")?),
        None => (0, GENESIS.to_owned()),
    };
    let records = audit::extend(last_seq, &last_hash, &events);
    sqlx::query(
        "INSERT INTO audit (seq, at, actor, user_id, action, owner, subject, prev_hash, hash)
         SELECT * FROM UNNEST($1::int8[], $2::timestamptz[], $3::text[], $4::int8[],
                              $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])",
    )
    .bind(records.iter().map(|r| r.seq).collect::<Vec<_>>())
    .bind(records.iter().map(|r| r.event.at).collect::<Vec<_>>())
    .bind(
        records
            .iter()
            .map(|r| r.event.actor.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(records.iter().map(|r| r.event.user).collect::<Vec<_>>())
    .bind(
        records
            .iter()
            .map(|r| r.event.action.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        records
            .iter()
            .map(|r| r.event.owner.as_deref())
            .collect::<Vec<_>>(),
    )
    .bind(
        records
            .iter()
            .map(|r| r.event.subject.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(
        records
            .iter()
            .map(|r| r.prev_hash.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(records.iter().map(|r| r.hash.as_str()).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(records)
}

/// Reports prepared between two yields to the async runtime.
const PREPARE_CHUNK: usize = 128;

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn create_agency(&self, agency: &NewAgency) -> Result<Agency> {
        check::agency(agency)?;
        let row = sqlx::query(
            "INSERT INTO agencies (code, name, country, kind, contact, created)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING
             RETURNING code, name, country, kind, contact, created",
        )
        .bind(&agency.code)
        .bind(&agency.name)
        .bind(&agency.country)
        .bind(&agency.kind)
        .bind(&agency.contact)
        .bind(Utc::now().trunc_subsecs(6))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        match row {
            Some(row) => agency_of(&row),
            None => Err(StoreError::Conflict(format!(
                "agency '{}' already exists",
                agency.code
            ))),
        }
    }

    async fn agency(&self, code: &str) -> Result<Option<Agency>> {
        let row = sqlx::query(
            "SELECT code, name, country, kind, contact, created FROM agencies WHERE code = $1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(agency_of).transpose()
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        let rows = sqlx::query(
            "SELECT code, name, country, kind, contact, created FROM agencies ORDER BY code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, agency_of)
    }

    async fn create_user(&self, user: &NewUser) -> Result<User> {
        check::user(user)?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let known = sqlx::query("SELECT 1 FROM agencies WHERE code = $1")
            .bind(&user.agency)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if known.is_none() {
            return Err(StoreError::NotFound(format!(
                "agency '{}' does not exist",
                user.agency
            )));
        }
        let row = sqlx::query(
            "INSERT INTO users (agency, name, role, created) VALUES ($1, $2, $3, $4)
             ON CONFLICT (agency, name) DO NOTHING
             RETURNING id, agency, name, role, created",
        )
        .bind(&user.agency)
        .bind(&user.name)
        .bind(&user.role)
        .bind(Utc::now().trunc_subsecs(6))
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "agency '{}' already has a user named '{}'",
                user.agency, user.name
            )));
        };
        let user = user_of(&row)?;
        tx.commit().await.map_err(backend)?;
        Ok(user)
    }

    async fn user(&self, agency: &str, name: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT id, agency, name, role, created FROM users WHERE agency = $1 AND name = $2",
        )
        .bind(agency)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(user_of).transpose()
    }

    async fn users(&self, agency: &str) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT id, agency, name, role, created FROM users WHERE agency = $1 ORDER BY id",
        )
        .bind(agency)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, user_of)
    }

    async fn create_token(&self, token: &NewToken) -> Result<Token> {
        check::token(token)?;
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let owner = sqlx::query("SELECT agency, role FROM users WHERE id = $1")
            .bind(token.user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let Some(owner) = owner else {
            return Err(StoreError::NotFound(format!(
                "user {} does not exist",
                token.user_id
            )));
        };
        let created = token.created.trunc_subsecs(6);
        let inserted = sqlx::query(
            "INSERT INTO tokens (user_id, digest, label, created) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(token.user_id)
        .bind(&token.digest)
        .bind(&token.label)
        .bind(created)
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(row) => get(&row, "id")?,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "a token with this digest already exists; generate a new secret".into(),
                ));
            }
            Err(e) => return Err(backend(e)),
        };
        tx.commit().await.map_err(backend)?;
        Ok(Token {
            id,
            user_id: token.user_id,
            agency: get(&owner, "agency")?,
            role: get(&owner, "role")?,
            label: token.label.clone(),
            created,
            revoked: None,
        })
    }

    async fn token_by_digest(&self, digest: &[u8]) -> Result<Option<Token>> {
        let row = sqlx::query(&format!("{TOKEN_COLUMNS} WHERE t.digest = $1"))
            .bind(digest)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(token_of).transpose()
    }

    async fn tokens(&self, agency: &str) -> Result<Vec<Token>> {
        // Through `users`' (agency, name) index; an agency's users hold few
        // tokens, so `tokens` needs no index by user.
        let rows = sqlx::query(&format!(
            "{TOKEN_COLUMNS} WHERE u.agency = $1 ORDER BY t.id"
        ))
        .bind(agency)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, token_of)
    }

    async fn revoke_token(&self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query("UPDATE tokens SET revoked = $2 WHERE id = $1 AND revoked IS NULL")
            .bind(id)
            .bind(at.trunc_subsecs(6))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn submit_with_kept(
        &self,
        agency: &str,
        reports: &[Report],
        kept: &[NewStixObject],
        accepted: DateTime<Utc>,
    ) -> Result<Submitted> {
        check::stix_objects(kept)?;
        let mut rows = Vec::with_capacity(reports.len());
        for chunk in reports.chunks(PREPARE_CHUNK) {
            for report in chunk {
                rows.push(submit::prepare(report, agency)?);
            }
            if reports.len() > PREPARE_CHUNK {
                tokio::task::yield_now().await;
            }
        }
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(Job::Submit {
                agency: agency.to_owned(),
                rows,
                kept: kept.to_vec(),
                accepted,
                reply,
            })
            .await?;
        writer::answer(rx).await
    }

    async fn report(&self, agency: &str, id: &str) -> Result<Option<StoredReport>> {
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE agency = $1 AND id = $2 AND current"
        ))
        .bind(agency)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(stored_report).transpose()
    }

    async fn revisions(&self, agency: &str, id: &str) -> Result<Vec<StoredReport>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE agency = $1 AND id = $2 ORDER BY revision"
        ))
        .bind(agency)
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, stored_report)
    }

    async fn reports_after(&self, after: i64, limit: u32) -> Result<Vec<StoredReport>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE seq > $1 AND current ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, stored_report)
    }

    async fn list_reports(
        &self,
        filter: &ReportFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredReport>> {
        let terms = match terms::filter_terms(filter) {
            TermQuery::Nothing => return Ok(Vec::new()),
            TermQuery::Any => None,
            TermQuery::All(terms) => Some(tsquery(&terms)),
        };
        let (from, until) = (filter.received_from, filter.received_until);
        if limit == 0 || from.zip(until).is_some_and(|(f, u)| f >= u) {
            return Ok(Vec::new());
        }
        // Only the conditions set, so that the planner sees each query as
        // it is: the GIN index on `terms` and the B-tree on `received` are
        // partial on `current`, which every query states.
        let mut q: QueryBuilder<'_, Postgres> = QueryBuilder::new(format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE current"
        ));
        if let Some(before) = before {
            q.push(" AND seq < ").push_bind(before);
        }
        if let Some(terms) = terms {
            q.push(" AND terms @@ ").push_bind(terms).push("::tsquery");
        }
        if let Some(from) = from {
            q.push(" AND received >= ").push_bind(from.trunc_subsecs(6));
        }
        if let Some(until) = until {
            q.push(" AND received < ").push_bind(until.trunc_subsecs(6));
        }
        q.push(" ORDER BY seq DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        all(rows, stored_report)
    }

    async fn postings(&self, selector: &str) -> Result<Vec<Posting>> {
        let rows = sqlx::query(&format!(
            "SELECT {POSTING_COLUMNS}
             FROM selectors s
             JOIN report_selectors rs ON rs.selector_id = s.id
             JOIN reports r ON r.seq = rs.report_seq
             WHERE s.text = $1
             ORDER BY r.seq"
        ))
        .bind(selector)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, posting)
    }

    async fn postings_after(&self, after: i64, limit: u32) -> Result<Vec<SelectorPosting>> {
        // The postings of whole reports, so that paging never splits one;
        // only reports holding selectors count toward the limit.
        let rows = sqlx::query(&format!(
            "WITH page AS (
                 SELECT seq FROM reports
                 WHERE seq > $1 AND current
                   AND EXISTS (SELECT 1 FROM report_selectors WHERE report_seq = reports.seq)
                 ORDER BY seq LIMIT $2
             )
             SELECT {POSTING_COLUMNS}, s.text AS selector
             FROM page
             JOIN reports r ON r.seq = page.seq
             JOIN report_selectors rs ON rs.report_seq = r.seq
             JOIN selectors s ON s.id = rs.selector_id
             ORDER BY r.seq, s.text COLLATE \"C\""
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, |row| {
            Ok(SelectorPosting {
                selector: get(row, "selector")?,
                posting: posting(row)?,
            })
        })
    }

    async fn counts(&self) -> Result<Counts> {
        // One statement: one snapshot.
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM agencies) AS agencies,
                    (SELECT count(*) FROM reports WHERE current) AS reports,
                    (SELECT count(*) FROM reports) AS revisions,
                    (SELECT count(*) FROM selectors) AS selectors,
                    (SELECT count(*) FROM report_selectors) AS links,
                    (SELECT count(*) FROM audit) AS audit,
                    (SELECT count(*) FROM stix_objects) AS stix_objects",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        let n = |c: &str| -> Result<u64> { get::<i64>(&row, c).map(|v| v.max(0) as u64) };
        Ok(Counts {
            agencies: n("agencies")?,
            reports: n("reports")?,
            revisions: n("revisions")?,
            selectors: n("selectors")?,
            links: n("links")?,
            audit: n("audit")?,
            stix_objects: n("stix_objects")?,
        })
    }

    async fn report_by_stix(&self, uuid: uuid::Uuid) -> Result<Vec<(String, String)>> {
        // Through `reports_by_stix`: only first revisions hold a key.
        let rows = sqlx::query("SELECT agency, id FROM reports WHERE stix = $1")
            .bind(derived::key(uuid))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            let (agency, id): (String, String) = (get(row, "agency")?, get(row, "id")?);
            if derived::report_derives(&agency, &id, uuid) {
                found.push((agency, id));
            }
        }
        found.sort();
        Ok(found)
    }

    async fn selector_by_stix(&self, id: &str) -> Result<Option<String>> {
        let Some((kind, uuid)) = derived::parse(id) else {
            return Ok(None);
        };
        // Held by a current revision: only those have links.
        let rows = sqlx::query(
            "SELECT s.text FROM selectors s
             WHERE s.stix = $1
               AND EXISTS (SELECT 1 FROM report_selectors rs WHERE rs.selector_id = s.id)",
        )
        .bind(derived::key(uuid))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        for row in &rows {
            let text: String = get(row, "text")?;
            if derived::selector_becomes(&text, kind, uuid) {
                return Ok(Some(text));
            }
        }
        Ok(None)
    }

    async fn stix_objects_after(
        &self,
        after: i64,
        limit: u32,
        filter: &StixFilter,
    ) -> Result<Vec<StoredStixObject>> {
        check::stix_filter(filter)?;
        stix::after(&self.pool, after, limit, filter).await
    }

    async fn stix_object_versions(&self, id: &str) -> Result<Vec<StoredStixObject>> {
        check::stix_names([id])?;
        stix::versions(&self.pool, id).await
    }

    async fn delete_stix_objects(
        &self,
        agency: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<u64> {
        check::stix_names([agency, id].into_iter().chain(version))?;
        stix::delete(&self.pool, agency, id, version).await
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>> {
        check::audit(events)?;
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(Job::Audit {
                events: events.to_vec(),
                reply,
            })
            .await?;
        writer::answer(rx).await
    }

    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "{AUDIT_COLUMNS} WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, audit_record)
    }

    async fn recent_audit_for_owner(
        &self,
        owner: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        // Backwards through `audit_by_owner` (owner, seq).
        let rows = sqlx::query(&format!(
            "{AUDIT_COLUMNS} WHERE owner = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
        ))
        .bind(owner)
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, audit_record)
    }

    async fn audit_for_owner(
        &self,
        owner: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "{AUDIT_COLUMNS} WHERE owner = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(owner)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        all(rows, audit_record)
    }

    async fn append_decisions(&self, decisions: &[NewDecision]) -> Result<Vec<Decision>> {
        check::decisions(decisions)?;
        if decisions.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(Job::Decisions {
                rows: decisions::prepare(decisions),
                reply,
            })
            .await?;
        writer::answer(rx).await
    }

    async fn decisions_after(&self, after: i64, limit: u32) -> Result<Vec<Decision>> {
        decisions::after(&self.pool, after, limit).await
    }

    async fn put_money(
        &self,
        agency: &str,
        marking: &cordon_core::Marking,
        records: &[cordon_store::NewMoney],
        at: DateTime<Utc>,
    ) -> Result<Vec<cordon_store::PutOutcome>> {
        check::money(records)?;
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = tokio::sync::oneshot::channel();
        self.writer
            .send(Job::Money {
                agency: agency.to_owned(),
                marking: marking.clone(),
                records: records.to_vec(),
                at,
                reply,
            })
            .await?;
        writer::answer(rx).await
    }

    async fn money_after(&self, after: i64, limit: u32) -> Result<Vec<cordon_store::StoredMoney>> {
        money::after(&self.pool, after, limit).await
    }

    async fn decisions_about(&self, subject: &str) -> Result<Vec<Decision>> {
        check::decision_subject(subject)?;
        decisions::about(&self.pool, subject).await
    }

    async fn try_lead(&self, role: &str) -> Result<Option<Box<dyn cordon_store::Lead>>> {
        check::lead_role(role)?;
        lead::try_lead(&self.pool, role).await
    }
}
