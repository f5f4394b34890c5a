//! Cordon's embedded storage backend: one SQLite file.
//!
//! ```text
//! SqliteStore::open("sqlite://./cordon.db")
//!   ├─ writer thread ── owns the only write connection; group-commits queued
//!   │                   writes, one SAVEPOINT per caller when several share
//!   │                   a commit (see `writer`); checkpoints when idle
//!   ├─ checkpoint thread  copies the WAL into the file beside the writer
//!   │                   (see `checkpoint`)
//!   └─ reader pool ──── read-only connections used on tokio's blocking pool
//! ```
//!
//! - **Durable:** WAL journal with `synchronous=FULL`; a write is answered
//!   only after its COMMIT returned (ARCHITECTURE.md invariant 2).
//! - **All or nothing:** each `submit` is rolled back alone if it fails: to
//!   its savepoint when it shares the group's transaction, else with it.
//! - **Append-only:** a correction is a new revision row; the previous
//!   revision keeps its body and loses only its selector links. Triggers
//!   refuse deletes and rewrites of reports, audit records and decisions.
//! - **Fast import:** report serialisation and hashing happen in the caller
//!   and are streamed to the writer while it writes; statements are
//!   prepared once (`prepare_cached`); a batch's selectors and links are
//!   inserted sorted; selectors are indexed by a short key of their hash
//!   rather than their text, and links by selector only (see the
//!   migration); selector ids are cached in a bounded two-generation map;
//!   4 KiB pages (for the live path's small commits) and a 256 MiB WAL
//!   (see [`SqliteOptions`]). The
//!   `import_world` example measures the store's part of a real import.
//! - **Listing:** `list_reports` finds current revisions through one FTS5
//!   index of their terms (narrative words and filter values, see
//!   `cordon_store::terms` and migration 0002), newest first; the writer
//!   adds a revision's terms in the transaction that stores it and deletes
//!   those of the revision it supersedes.
//! - **STIX objects kept verbatim** (migration 0003): one row per
//!   (agency, id, version) holding the JSON text as received; puts go
//!   through the writer like `submit` (one job, rolled back whole on a
//!   conflict), deletes too; `seq` is AUTOINCREMENT so that a deleted row's
//!   number is never given again.
//! - **Derived STIX ids** (migration 0004): the caller computes the key of
//!   a report's UUID and of each of its selectors' object ids while
//!   preparing its terms, and they are terms of the revision's full-text
//!   document like the others (no B-tree index: see the migration); a
//!   look-up reads the current revisions holding the term and keeps what
//!   derives the id asked for.
//! - **Decision log** (migration 0005): one row per decision, its body the
//!   JSON text serde_json writes; appends go through the writer like audit
//!   records, so `seq` commits in order for the server that polls the log.
//! - **Leadership** (see `lead`): an exclusive lock on a file beside the
//!   database, `cordon.db-lead-ROLE`.
//! - **Migrations:** the numbered files of `migrations/`, applied at open
//!   and recorded in `schema_version`, with a Rust step where SQL cannot do
//!   the work (indexing the terms of reports stored before them, with the
//!   keys of their STIX ids).
//!
//! Times are kept to the microsecond, as PostgreSQL keeps them.

use cordon_store::check;
pub mod backup;
mod checkpoint;
mod codec;
mod lead;
mod migrate;
mod read;
mod write;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use cordon_core::Report;
use cordon_store::{
    Agency, AuditEvent, AuditRecord, Counts, Decision, NewAgency, NewDecision, NewStixObject,
    NewToken, NewUser, Posting, ReportFilter, Result, SelectorPosting, StixFilter, Store,
    StoreError, StoredReport, StoredStixObject, Submitted, Token, User,
};
use rusqlite::{Connection, OpenFlags};

use crate::codec::backend;
use crate::read::Readers;
use crate::writer::WriterHandle;

/// How long a connection waits for a lock held by another process (another
/// `cordon` on the same file) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Tuning for [`SqliteStore::open_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Read connections in the pool.
    pub readers: usize,
    /// Selector ids kept per cache generation (at most twice this many are
    /// held), about 40 bytes each; 0 disables the cache.
    ///
    /// A hit saves the two statements that find a known selector. Measured
    /// on the 1,000,000-report import in batches of 5,000 (3.2 million
    /// distinct selectors; three in four reuses name one of 27,000 hot
    /// ones), two runs each: no cache 27.1 and 24.5 s of store time,
    /// 100,000 25.8 and 23.5 s, 1,000,000 25.3 and 23.0 s for 90 MiB more.
    pub selector_cache: usize,
    /// SQLite page cache of the write connection, in KiB.
    ///
    /// Measured on the 1,000,000-report import: 256 MiB instead of 64 MiB
    /// gained nothing (24.3 s of store time against 24.1 s); pages the
    /// cache misses come from the operating system's cache at the cost of a
    /// copy.
    pub writer_cache_kib: i64,
    /// Page size of a new database file, in bytes; a file keeps the size it
    /// was made with.
    ///
    /// Larger pages mean fewer pages to find, write, checksum and sync per
    /// commit, and more bytes: each random insert into an index rewrites a
    /// whole page. Measured on the 1,000,000-report import in batches of
    /// 5,000 (checkpoints every 256 MiB): 4 KiB pages 26.3 s of store time
    /// and 9.8 GiB written, 8 KiB 25.1 s and 11.5 GiB, 16 KiB 22.8 s and
    /// 13.2 GiB, 64 KiB 21.1 s and 16.1 GiB. But the exchange's live work
    /// is small commits (a group of at most a few dozen submissions), where
    /// each random index insert rewrites a whole page into the WAL: one
    /// report per request over 64 connections on the large world measured
    /// 4,543–5,032 req/s with 16 KiB pages and 6,904–7,113 req/s with 4 KiB
    /// (docs/BENCHMARKS.md), the whole import 21,450 reports/s against
    /// about 24,000. 4 KiB (SQLite's own default) serves the live path.
    pub page_size: u32,
    /// WAL size, in MiB, beyond which a commit copies the WAL back into the
    /// database file (a passive checkpoint), so that the next can write
    /// the WAL from its start. The writer also checkpoints when it has been
    /// idle for a second.
    ///
    /// Every commit of an import dirties many pages of the selector and
    /// link indexes; a larger WAL holds several commits, and a checkpoint
    /// writes each page once instead of once per commit. Measured on the
    /// 1,000,000-report import in batches of 5,000 with 16 KiB pages: 16 MiB
    /// (SQLite's default) 29.1 s of store time and 19.6 GiB written, 64 MiB
    /// 27.3 s and 16.8 GiB, 256 MiB 22.8 s and 13.2 GiB, 512 MiB 22.7 s and
    /// 12.1 GiB, 1 GiB 21.9 s and 11.5 GiB. The WAL file grows to about
    /// this size plus one commit.
    pub checkpoint_mib: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            readers: 4,
            selector_cache: 100_000,
            writer_cache_kib: 64 * 1024,
            page_size: 4 * 1024,
            checkpoint_mib: 256,
        }
    }
}

/// A Cordon store in one SQLite file. Cheap to clone; the file is closed
/// when the last clone is dropped, which waits (milliseconds) for the
/// writer to finish its current group and close the file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Option<WriterHandle>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Arc<Readers>,
    checkpointer: Mutex<Option<checkpoint::Checkpointer>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue stops the writer; waiting for it means the file
        // is closed (and its WAL checkpointed) when the store is gone, so it
        // can be reopened at once. The readers go first: SQLite checkpoints
        // and removes the WAL only when the last connection closes.
        if let Ok(mut c) = self.checkpointer.lock() {
            c.take();
        }
        self.readers.close();
        self.writer.take();
        if let Some(thread) = self.writer_thread.lock().ok().and_then(|mut t| t.take())
            && thread.join().is_err()
        {
            tracing::error!("the sqlite writer thread panicked");
        }
    }
}

/// The file a `sqlite://PATH`, `sqlite:PATH` or plain path names.
fn path_of_url(url: &str) -> Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() {
        return Err(StoreError::Invalid(format!(
            "sqlite url '{url}' names no file; use sqlite://PATH such as sqlite://./cordon.db"
        )));
    }
    if path == ":memory:" || path.starts_with("file:") {
        return Err(StoreError::Invalid(format!(
            "sqlite url '{url}' is not a file path; cordon keeps its data in a file (use a temporary file in tests)"
        )));
    }
    Ok(PathBuf::from(path))
}

fn pragma(conn: &Connection, name: &str, value: &dyn rusqlite::ToSql) -> Result<()> {
    conn.pragma_update(None, name, value).map_err(backend)
}

fn open_writer(path: &Path, options: &SqliteOptions) -> Result<Connection> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| {
        StoreError::Backend(format!(
            "cannot open sqlite database {}: {e}",
            path.display()
        ))
    })?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    // Only a new file takes it (before WAL mode is set, which writes the
    // header); an existing one keeps the page size it was made with.
    pragma(&conn, "page_size", &options.page_size)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(backend)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!(
            "sqlite database {} refused wal mode (it stays in {mode}); is it on a network file system?",
            path.display()
        )));
    }
    // FULL: the WAL is synced at every commit, so a commit that returned
    // survives power loss, not only a crash of the process.
    pragma(&conn, "synchronous", &"FULL")?;
    pragma(&conn, "foreign_keys", &true)?;
    pragma(&conn, "temp_store", &"MEMORY")?;
    pragma(&conn, "cache_size", &(-options.writer_cache_kib))?;
    // No `mmap_size`: reading the file through a memory map measured the
    // same (1,000,000-report import in batches of 5,000: 23.3 s of store
    // time against 24.1 s, within the noise) and would turn an I/O error
    // into a SIGBUS.
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .map_err(backend)?;
    let checkpoint_bytes = i64::from(options.checkpoint_mib.max(1)) << 20;
    pragma(
        &conn,
        "wal_autocheckpoint",
        &(checkpoint_bytes / page_size).max(1),
    )?;
    // A checkpoint lets the next commit write the WAL from its start again;
    // this trims what one large commit added beyond the threshold (keeping
    // the file at its largest instead measured the same).
    pragma(&conn, "journal_size_limit", &checkpoint_bytes)?;
    conn.set_prepared_statement_cache_capacity(64);
    migrate::migrate(&mut conn)?;
    Ok(conn)
}

/// Opens a read-only connection for the pool.
pub(crate) fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| {
        StoreError::Backend(format!(
            "cannot open sqlite database {} for reading: {e}",
            path.display()
        ))
    })?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    pragma(&conn, "cache_size", &-16384)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `sqlite://PATH`,
    /// `sqlite:PATH` or a plain path, and migrates it to the newest schema.
    /// Blocking: call it before serving, or from `spawn_blocking`.
    pub fn open(url_or_path: &str) -> Result<SqliteStore> {
        Self::open_with(url_or_path, SqliteOptions::default())
    }

    /// [`open`](Self::open) with explicit tuning.
    pub fn open_with(url_or_path: &str, options: SqliteOptions) -> Result<SqliteStore> {
        let path = path_of_url(url_or_path)?;
        let conn = open_writer(&path, &options)?;
        let readers = Arc::new(Readers::new(path.clone(), options.readers.max(1))?);
        let (writer, thread) = writer::spawn(conn, options.selector_cache).map_err(|e| {
            StoreError::Backend(format!("cannot start the sqlite writer thread: {e}"))
        })?;
        // A quarter of the writer's threshold: the background checkpoints
        // keep the WAL mostly copied before the writer's own one fires.
        let slice = (u64::from(options.checkpoint_mib.max(1)) << 20) / 4;
        let checkpointer = checkpoint::Checkpointer::spawn(&path, slice).map_err(|e| {
            StoreError::Backend(format!("cannot start the sqlite checkpoint thread: {e}"))
        })?;
        tracing::info!(path = %path.display(), "opened sqlite store");
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: Some(writer),
                writer_thread: Mutex::new(Some(thread)),
                readers,
                checkpointer: Mutex::new(Some(checkpointer)),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn write<T, F>(&self, weight: usize, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut writer::WriteCtx<'_>) -> Result<T> + Send + 'static,
    {
        match &self.inner.writer {
            Some(w) => w.write(weight, work).await,
            None => Err(StoreError::Backend("the sqlite store is closed".into())),
        }
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.inner.readers.read(f).await
    }
}

/// Reports prepared at a time: about half a millisecond of work, handed to
/// the writer as soon as it is done, and a yield to the async runtime
/// between two, so a large batch never stalls other tasks.
const PREPARE_CHUNK: usize = 128;

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn create_agency(&self, agency: &NewAgency) -> Result<Agency> {
        check::agency(agency)?;
        let agency = agency.clone();
        let now = Utc::now().trunc_subsecs(6);
        self.write(0, move |ctx| write::create_agency(ctx, &agency, now))
            .await
    }

    async fn agency(&self, code: &str) -> Result<Option<Agency>> {
        let code = code.to_owned();
        self.read(move |c| read::agency_by_code(c, &code)).await
    }

    async fn agencies(&self) -> Result<Vec<Agency>> {
        self.read(read::agencies).await
    }

    async fn create_user(&self, user: &NewUser) -> Result<User> {
        check::user(user)?;
        let user = user.clone();
        let now = Utc::now().trunc_subsecs(6);
        self.write(0, move |ctx| write::create_user(ctx, &user, now))
            .await
    }

    async fn users(&self, agency: &str) -> Result<Vec<User>> {
        let agency = agency.to_owned();
        self.read(move |c| read::users(c, &agency)).await
    }

    async fn user(&self, agency: &str, name: &str) -> Result<Option<User>> {
        let (agency, name) = (agency.to_owned(), name.to_owned());
        self.read(move |c| read::user_by_name(c, &agency, &name))
            .await
    }

    async fn create_token(&self, token: &NewToken) -> Result<Token> {
        check::token(token)?;
        let token = token.clone();
        self.write(0, move |ctx| write::create_token(ctx, &token))
            .await
    }

    async fn token_by_digest(&self, digest: &[u8]) -> Result<Option<Token>> {
        let digest = digest.to_vec();
        self.read(move |c| read::token_by_digest(c, &digest)).await
    }

    async fn revoke_token(&self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        self.write(0, move |ctx| write::revoke_token(ctx, id, at))
            .await
    }

    async fn tokens(&self, agency: &str) -> Result<Vec<Token>> {
        let agency = agency.to_owned();
        self.read(move |c| read::tokens(c, &agency)).await
    }

    async fn submit_with_kept(
        &self,
        agency: &str,
        reports: &[Report],
        kept: &[NewStixObject],
        accepted: DateTime<Utc>,
    ) -> Result<Submitted> {
        for report in reports {
            check::report(report)?;
        }
        check::stix_objects(kept)?;
        let Some(writer) = &self.inner.writer else {
            return Err(StoreError::Backend("the sqlite store is closed".into()));
        };
        // The writer starts on the first rows while the caller serialises
        // and hashes the rest, instead of waiting for all of them
        // (1,000,000-report import in batches of 5,000 sent one at a time:
        // 25.1 s of store time against 26.1 s, the mean of two runs each).
        let (rows, incoming) = write::Incoming::channel(reports.len());
        let (owner, kept) = (agency.to_owned(), kept.to_vec());
        let answer = writer
            .queue(reports.len() + kept.len(), move |ctx| {
                let reports = write::submit(ctx, &owner, incoming, accepted)?;
                let kept = write::put_stix_objects(ctx, &owner, &kept, accepted)?;
                Ok(Submitted { reports, kept })
            })
            .await?;
        for (i, chunk) in reports.chunks(PREPARE_CHUNK).enumerate() {
            if i > 0 {
                tokio::task::yield_now().await;
            }
            match chunk
                .iter()
                .map(|r| write::prepare(r, agency, accepted))
                .collect()
            {
                // The writer has given up only if the job already failed,
                // which its answer says.
                Ok(prepared) => {
                    if rows.send(prepared).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    // An incomplete batch is rolled back by the writer.
                    drop(rows);
                    let _ = WriterHandle::answer(answer).await;
                    return Err(e);
                }
            }
        }
        WriterHandle::answer(answer).await
    }

    async fn report(&self, agency: &str, id: &str) -> Result<Option<StoredReport>> {
        let (agency, id) = (agency.to_owned(), id.to_owned());
        self.read(move |c| read::report(c, &agency, &id)).await
    }

    async fn revisions(&self, agency: &str, id: &str) -> Result<Vec<StoredReport>> {
        let (agency, id) = (agency.to_owned(), id.to_owned());
        self.read(move |c| read::revisions(c, &agency, &id)).await
    }

    async fn reports_after(&self, after: i64, limit: u32) -> Result<Vec<StoredReport>> {
        self.read(move |c| read::reports_after(c, after, limit))
            .await
    }

    async fn list_reports(
        &self,
        filter: &ReportFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredReport>> {
        let filter = filter.clone();
        self.read(move |c| read::list_reports(c, &filter, before, limit))
            .await
    }

    async fn postings(&self, selector: &str) -> Result<Vec<Posting>> {
        let selector = selector.to_owned();
        self.read(move |c| read::postings(c, &selector)).await
    }

    async fn postings_after(&self, after: i64, limit: u32) -> Result<Vec<SelectorPosting>> {
        self.read(move |c| read::postings_after(c, after, limit))
            .await
    }

    async fn counts(&self) -> Result<Counts> {
        self.read(read::counts).await
    }

    async fn report_by_stix(&self, uuid: uuid::Uuid) -> Result<Vec<(String, String)>> {
        self.read(move |c| read::report_by_stix(c, uuid)).await
    }

    async fn selector_by_stix(&self, id: &str) -> Result<Option<String>> {
        let id = id.to_owned();
        self.read(move |c| read::selector_by_stix(c, &id)).await
    }

    async fn stix_objects_after(
        &self,
        after: i64,
        limit: u32,
        filter: &StixFilter,
    ) -> Result<Vec<StoredStixObject>> {
        check::stix_filter(filter)?;
        let filter = filter.clone();
        self.read(move |c| read::stix_objects_after(c, after, limit, &filter))
            .await
    }

    async fn stix_object_versions(&self, id: &str) -> Result<Vec<StoredStixObject>> {
        check::stix_names([id])?;
        let id = id.to_owned();
        self.read(move |c| read::stix_object_versions(c, &id)).await
    }

    async fn delete_stix_objects(
        &self,
        agency: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<u64> {
        check::stix_names([agency, id].into_iter().chain(version))?;
        let (agency, id) = (agency.to_owned(), id.to_owned());
        let version = version.map(str::to_owned);
        self.write(0, move |ctx| {
            write::delete_stix_objects(ctx, &agency, &id, version.as_deref())
        })
        .await
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>> {
        check::audit(events)?;
        let events = events.to_vec();
        self.write(events.len(), move |ctx| write::append_audit(ctx, &events))
            .await
    }

    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditRecord>> {
        self.read(move |c| read::audit_after(c, after, limit)).await
    }

    async fn audit_for_owner(
        &self,
        owner: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let owner = owner.to_owned();
        self.read(move |c| read::audit_for_owner(c, &owner, after, limit))
            .await
    }

    async fn recent_audit_for_owner(
        &self,
        owner: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let owner = owner.to_owned();
        self.read(move |c| read::recent_audit_for_owner(c, &owner, before, limit))
            .await
    }

    async fn append_decisions(&self, decisions: &[NewDecision]) -> Result<Vec<Decision>> {
        check::decisions(decisions)?;
        if decisions.is_empty() {
            return Ok(Vec::new());
        }
        // Serialised here rather than on the writer thread, which others
        // wait for.
        let bodies: Vec<String> = decisions.iter().map(|d| d.body.to_string()).collect();
        let decisions = decisions.to_vec();
        self.write(decisions.len(), move |ctx| {
            write::append_decisions(ctx, decisions, &bodies)
        })
        .await
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
        let (owner, marking, records) = (agency.to_owned(), marking.clone(), records.to_vec());
        self.write(records.len(), move |ctx| {
            write::put_money(ctx, &owner, &marking, &records, at)
        })
        .await
    }

    async fn money_after(&self, after: i64, limit: u32) -> Result<Vec<cordon_store::StoredMoney>> {
        self.read(move |c| read::money_after(c, after, limit)).await
    }

    async fn decisions_after(&self, after: i64, limit: u32) -> Result<Vec<Decision>> {
        self.read(move |c| read::decisions_after(c, after, limit))
            .await
    }

    async fn decisions_about(&self, subject: &str) -> Result<Vec<Decision>> {
        check::decision_subject(subject)?;
        let subject = subject.to_owned();
        self.read(move |c| read::decisions_about(c, &subject)).await
    }

    async fn try_lead(&self, role: &str) -> Result<Option<Box<dyn cordon_store::Lead>>> {
        check::lead_role(role)?;
        let (path, role) = (self.inner.path.clone(), role.to_owned());
        tokio::task::spawn_blocking(move || lead::try_lead(&path, &role))
            .await
            .map_err(|e| StoreError::Backend(format!("the lead check did not run: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_store::NewAgency;

    #[test]
    fn urls_name_files() {
        assert_eq!(
            path_of_url("sqlite://./cordon.db").unwrap(),
            PathBuf::from("./cordon.db")
        );
        assert_eq!(
            path_of_url("sqlite:///var/lib/c.db").unwrap(),
            PathBuf::from("/var/lib/c.db")
        );
        assert_eq!(
            path_of_url("sqlite:c.db?mode=rwc").unwrap(),
            PathBuf::from("c.db")
        );
        assert_eq!(
            path_of_url("/tmp/x.db").unwrap(),
            PathBuf::from("/tmp/x.db")
        );
        assert!(matches!(
            path_of_url("sqlite://"),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            path_of_url("sqlite::memory:"),
            Err(StoreError::Invalid(_))
        ));
    }

    #[test]
    fn a_missing_directory_is_an_error_not_a_panic() {
        let e = SqliteStore::open("sqlite:///nonexistent-dir-for-cordon/x.db").unwrap_err();
        assert!(matches!(e, StoreError::Backend(_)));
        assert!(
            e.to_string()
                .starts_with("storage backend failed: cannot open"),
            "{e}"
        );
    }

    #[test]
    fn the_file_is_in_wal_mode_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let store = SqliteStore::open(path.to_str().unwrap()).unwrap();
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(store);
        // synchronous is per connection: check the writer's setting through
        // a fresh writer connection built the same way.
        let w = open_writer(&path, &SqliteOptions::default()).unwrap();
        let sync: i64 = w.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "2 is FULL");
        let fk: i64 = w
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let page: i64 = w.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(page, 4096, "a new file takes the configured page size");
        let pages: i64 = w
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(pages, 256 * 1024 * 1024 / 4096);
    }

    #[test]
    fn an_existing_file_keeps_its_page_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let small = SqliteOptions {
            page_size: 4096,
            checkpoint_mib: 8,
            ..SqliteOptions::default()
        };
        drop(open_writer(&path, &small).unwrap());
        let w = open_writer(&path, &SqliteOptions::default()).unwrap();
        let page: i64 = w.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(page, 4096);
        let pages: i64 = w
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(pages, 256 * 1024 * 1024 / 4096, "the threshold is in bytes");
    }

    #[test]
    fn the_database_refuses_to_rewrite_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let w = open_writer(&path, &SqliteOptions::default()).unwrap();
        w.execute_batch(
            "INSERT INTO audit (seq, at, actor, action, subject, prev_hash, hash)
             VALUES (1, 't', 'A', 'x', 's', 'p', 'h');
             INSERT INTO agencies VALUES ('A', 'a', 'GB', 'police', 'c', 't');
             INSERT INTO reports (agency, id, revision, current, digest, kind, country, received,
                                  accepted, tlp, recipients, hit_notification, body)
             VALUES ('A', 'r', 1, 1, 'd', 'tip', 'GB', 't', 't', 'AMBER', '[]', 1, '{}');
             INSERT INTO decisions (at, kind, subject, agency, user_name, reason, body)
             VALUES ('t', 'network.merge', 'n-1', 'A', 'u', '', '{}');",
        )
        .unwrap();
        for sql in [
            "UPDATE audit SET subject = 'z'",
            "DELETE FROM audit",
            "DELETE FROM reports",
            "UPDATE reports SET body = '{\"x\":1}'",
            "UPDATE decisions SET body = '{\"x\":1}'",
            "DELETE FROM decisions",
        ] {
            let e = w.execute_batch(sql).unwrap_err();
            assert!(e.to_string().contains("append-only"), "{sql}: {e}");
        }
        w.execute_batch("UPDATE reports SET current = 0").unwrap();
        let e = w
            .execute_batch("UPDATE reports SET current = 1")
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }

    #[test]
    fn the_database_refuses_to_change_a_kept_stix_object() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let w = open_writer(&path, &SqliteOptions::default()).unwrap();
        w.execute_batch(
            "INSERT INTO agencies VALUES ('A', 'a', 'GB', 'police', 'c', 't');
             INSERT INTO stix_objects (agency, added, id, kind, version, spec_version, tlp,
                                       recipients, hit_notification, json)
             VALUES ('A', 't', 'x--1', 'x', 'v', '2.1', 'AMBER', '[]', 1, '{}');",
        )
        .unwrap();
        for sql in [
            "UPDATE stix_objects SET json = '{\"x\":1}'",
            "UPDATE stix_objects SET tlp = 'CLEAR'",
        ] {
            let e = w.execute_batch(sql).unwrap_err();
            assert!(e.to_string().contains("never changes"), "{sql}: {e}");
        }
        w.execute_batch("DELETE FROM stix_objects").unwrap();
    }

    fn report(id: &str, selectors: &[&str]) -> Report {
        let mut selectors: Vec<cordon_core::Selector> = selectors
            .iter()
            .map(|s| cordon_core::Selector::parse_canonical(s).unwrap())
            .collect();
        selectors.sort();
        Report {
            id: id.to_owned(),
            kind: cordon_core::ReportKind::Tip,
            received: None,
            country: "KH".into(),
            language: None,
            marking: cordon_core::Marking::new(cordon_core::Tlp::Amber),
            grading: None,
            mo: Vec::new(),
            narrative: None,
            selectors,
            losses: Vec::new(),
            location: None,
        }
    }

    async fn store_with_agency(dir: &Path) -> SqliteStore {
        let store = SqliteStore::open(dir.join("c.db").to_str().unwrap()).unwrap();
        store
            .create_agency(&NewAgency {
                code: "KH-NCB".into(),
                name: "n".into(),
                country: "KH".into(),
                kind: "police".into(),
                contact: "c".into(),
            })
            .await
            .unwrap();
        store
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_is_copied_into_the_file_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        // The writer's own checkpoint fires at 8 MiB; the background one
        // at every 2 MiB of WAL.
        let options = SqliteOptions {
            checkpoint_mib: 8,
            ..SqliteOptions::default()
        };
        let store = SqliteStore::open_with(path.to_str().unwrap(), options).unwrap();
        store
            .create_agency(&NewAgency {
                code: "KH-NCB".into(),
                name: "n".into(),
                country: "KH".into(),
                kind: "police".into(),
                contact: "c".into(),
            })
            .await
            .unwrap();
        let file_size = || std::fs::metadata(&path).unwrap().len();
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let before = file_size();
        // Small commits, as the live path makes them, one after another so
        // that the writer is never idle (it checkpoints after a second of
        // rest) and the WAL stays below the writer's own threshold: only the
        // background thread can copy pages into the file, which then grows.
        let mut i = 0;
        while file_size() <= before {
            let batch: Vec<Report> = (0..20)
                .map(|j| {
                    let n = i * 20 + j;
                    report(&format!("r{n}"), &[&format!("phone:+85512{n:06}")])
                })
                .collect();
            store.submit("KH-NCB", &batch, Utc::now()).await.unwrap();
            let wal_size = std::fs::metadata(&wal).map_or(0, |m| m.len());
            // Past a slice, give the background thread (which looks every
            // 100 ms) its turn: on a fast disk the writes alone would fill
            // the WAL between two looks, which says nothing about it.
            if wal_size > 2 << 20 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert!(
                wal_size < 6 << 20,
                "the wal reached {wal_size} bytes without a background checkpoint"
            );
            i += 1;
            assert!(
                i < 20_000,
                "no background checkpoint copied the wal into the file"
            );
        }
    }

    #[tokio::test]
    async fn a_batch_abandoned_half_way_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_agency(dir.path()).await;
        let before = store.counts().await.unwrap();
        let reports: Vec<Report> = (0..10)
            .map(|i| report(&format!("r{i}"), &[&format!("phone:+8551234567{i}")]))
            .collect();
        let (rows, incoming) = write::Incoming::channel(reports.len());
        let writer = store.inner.writer.as_ref().unwrap();
        let answer = writer
            .queue(reports.len(), move |ctx| {
                write::submit(ctx, "KH-NCB", incoming, Utc::now())
            })
            .await
            .unwrap();
        let half: Vec<_> = reports[..5]
            .iter()
            .map(|r| write::prepare(r, "KH-NCB", Utc::now()).unwrap())
            .collect();
        rows.send(half).unwrap();
        drop(rows); // the caller went away
        let e = WriterHandle::answer(answer).await.unwrap_err();
        assert!(e.to_string().contains("abandoned"), "{e}");
        assert_eq!(store.counts().await.unwrap(), before);
        // The keys of the STIX ids of the rows it had written went with them.
        let r0 = cordon_store::derived::report_uuid("KH-NCB", "r0");
        assert!(store.report_by_stix(r0).await.unwrap().is_empty());
        // The writer carries on.
        store.submit("KH-NCB", &reports, Utc::now()).await.unwrap();
        assert_eq!(store.counts().await.unwrap().links, 10);
        assert_eq!(
            store.report_by_stix(r0).await.unwrap(),
            [("KH-NCB".to_owned(), "r0".to_owned())]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn revisions_in_one_group_keep_only_current_links() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_agency(dir.path()).await;
        let (a, b, c) = (
            "phone:+85512345670",
            "phone:+85512345671",
            "phone:+85512345672",
        );
        // Queued together, the three batches usually share a group: the
        // later ones supersede links that an earlier job of the same
        // transaction wrote.
        let batches = [
            vec![report("r", &[a, b])],
            vec![report("r", &[b, c]), report("s", &[a])],
            vec![report("r", &[c])],
        ];
        let tasks: Vec<_> = batches
            .into_iter()
            .map(|batch| {
                let store = store.clone();
                tokio::spawn(async move { store.submit("KH-NCB", &batch, Utc::now()).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let revisions = store.revisions("KH-NCB", "r").await.unwrap();
        let current = revisions.last().unwrap();
        // Whatever order the batches ran in, only the current revision of
        // "r" holds selectors.
        for selector in [a, b, c] {
            let mut holders: Vec<String> = store
                .postings(selector)
                .await
                .unwrap()
                .into_iter()
                .map(|p| p.report_id)
                .collect();
            holders.sort();
            let mut expected = Vec::new();
            if current
                .report
                .selectors
                .iter()
                .any(|s| s.as_str() == selector)
            {
                expected.push("r".to_owned());
            }
            if selector == a {
                expected.push("s".to_owned());
            }
            assert_eq!(holders, expected, "{selector}");
        }
        let counts = store.counts().await.unwrap();
        assert_eq!(
            counts.links,
            1 + current.report.selectors.len() as u64,
            "links of current revisions only"
        );
        // And only current revisions are found by their terms, whichever
        // job of the group superseded which.
        let phones = cordon_store::ReportFilter {
            selector_kind: Some("phone".into()),
            ..cordon_store::ReportFilter::default()
        };
        let mut listed: Vec<(String, u32)> = store
            .list_reports(&phones, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.report.id, r.revision))
            .collect();
        listed.sort();
        assert_eq!(
            listed,
            [("r".to_owned(), current.revision), ("s".to_owned(), 1)]
        );
    }

    #[tokio::test]
    async fn a_selector_whose_key_is_taken_is_stored_further_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_agency(dir.path()).await;
        let text = "phone:+85512345678";
        let home = codec::home_key(codec::fingerprint(text));
        // Two other texts hold its first two keys, as if their fingerprints
        // began with the same 47 bits.
        let conn = Connection::open(store.path()).unwrap();
        conn.execute(
            "INSERT INTO selectors (key, text, kind)
             VALUES (?1, 'phone:+10000000001', 'phone'), (?1 + 1, 'phone:+10000000002', 'phone')",
            [home],
        )
        .unwrap();
        store
            .submit("KH-NCB", &[report("r1", &[text])], Utc::now())
            .await
            .unwrap();
        let key: i64 = conn
            .query_row("SELECT key FROM selectors WHERE text = ?1", [text], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(key, home + 2);
        // A fresh writer (empty cache) finds it rather than storing it again.
        drop(store);
        let store = SqliteStore::open(dir.path().join("c.db").to_str().unwrap()).unwrap();
        store
            .submit("KH-NCB", &[report("r2", &[text])], Utc::now())
            .await
            .unwrap();
        assert_eq!(store.counts().await.unwrap().selectors, 3);
        let holders: Vec<String> = store
            .postings(text)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.report_id)
            .collect();
        assert_eq!(holders, ["r1", "r2"]);
        assert!(
            store
                .postings("phone:+10000000003")
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn an_idle_writer_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_agency(dir.path()).await;
        let reports: Vec<Report> = (0..200)
            .map(|i| report(&format!("r{i}"), &[&format!("phone:+85512{i:06}")]))
            .collect();
        store.submit("KH-NCB", &reports, Utc::now()).await.unwrap();
        let file = || std::fs::metadata(store.path()).unwrap().len();
        let before = file();
        tokio::time::sleep(writer::IDLE * 2).await;
        assert!(
            file() > before,
            "the database file grew from {before} bytes once the writer idled"
        );
    }

    #[tokio::test]
    async fn a_revision_superseded_in_its_own_batch_leaves_its_selectors_known() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_agency(dir.path()).await;
        let (a, b, c) = (
            "phone:+85512345670",
            "phone:+85512345671",
            "phone:+85512345672",
        );
        let batch = [report("r", &[a, b]), report("r", &[c])];
        store.submit("KH-NCB", &batch, Utc::now()).await.unwrap();
        let counts = store.counts().await.unwrap();
        assert_eq!(
            (counts.revisions, counts.selectors, counts.links),
            (2, 3, 1),
            "as when the revisions come one batch each"
        );
        assert!(store.postings(a).await.unwrap().is_empty());
        assert_eq!(store.postings(c).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_closed_store_leaves_no_wal() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_agency(dir.path()).await;
        store
            .submit(
                "KH-NCB",
                &[report("r", &["phone:+85512345678"])],
                Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(store.counts().await.unwrap().reports, 1);
        let wal = dir.path().join("c.db-wal");
        assert!(wal.exists());
        drop(store);
        assert!(
            !wal.exists(),
            "the last connection checkpoints and removes the WAL"
        );
    }
}
