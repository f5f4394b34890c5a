//! Reads: a small pool of read-only connections, each query run on tokio's
//! blocking pool. WAL lets these readers work beside the writer and see
//! every committed transaction.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cordon_store::{
    Agency, AuditEvent, AuditRecord, Counts, Posting, SelectorPosting, StoreError, StoredReport,
    Token, User,
};
use rusqlite::{Connection, Row, params};
use tokio::sync::Semaphore;

use crate::codec::{
    KEY_PROBES, POSTING_COLUMNS, REPORT_COLUMNS, backend, fingerprint, home_key, parse_time,
    posting, stored_report,
};

/// Read connections and the permits that bound how many are in use.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf, size: usize) -> Result<Self, StoreError> {
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size {
            idle.push(crate::open_reader(&path)?);
        }
        Ok(Readers {
            path,
            idle: Mutex::new(idle),
            permits: Arc::new(Semaphore::new(size)),
        })
    }

    /// Closes the idle connections and refuses further reads, so that the
    /// writer's connection is the file's last one and its close checkpoints
    /// the WAL and removes it.
    pub(crate) fn close(&self) {
        self.permits.close();
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    /// Runs `f` on a read connection, off the async threads.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Backend("the sqlite reader pool is closed".into()))?;
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let taken = readers.idle.lock().ok().and_then(|mut idle| idle.pop());
            // A connection lost to a panicking query is replaced here.
            let conn = match taken {
                Some(conn) => conn,
                None => crate::open_reader(&readers.path)?,
            };
            let result = f(&conn);
            if let Ok(mut idle) = readers.idle.lock()
                && !readers.permits.is_closed()
            {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("a sqlite read failed unexpectedly: {e}")))?
    }
}

fn agency(row: &Row<'_>) -> Result<Agency, StoreError> {
    let created: String = row.get(5).map_err(backend)?;
    Ok(Agency {
        code: row.get(0).map_err(backend)?,
        name: row.get(1).map_err(backend)?,
        country: row.get(2).map_err(backend)?,
        kind: row.get(3).map_err(backend)?,
        contact: row.get(4).map_err(backend)?,
        created: parse_time(&created)?,
    })
}

/// Collects every row of a query through a fallible row reader.
fn collect<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    read: impl Fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let mut rows = stmt.query(params).map_err(backend)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(backend)? {
        out.push(read(row)?);
    }
    Ok(out)
}

const AGENCY_COLUMNS: &str = "SELECT code, name, country, kind, contact, created FROM agencies";

pub(crate) fn agency_by_code(conn: &Connection, code: &str) -> Result<Option<Agency>, StoreError> {
    let sql = format!("{AGENCY_COLUMNS} WHERE code = ?1");
    Ok(collect(conn, &sql, [code], agency)?.pop())
}

pub(crate) fn agencies(conn: &Connection) -> Result<Vec<Agency>, StoreError> {
    collect(conn, &format!("{AGENCY_COLUMNS} ORDER BY code"), [], agency)
}

pub(crate) fn users(conn: &Connection, agency: &str) -> Result<Vec<User>, StoreError> {
    collect(
        conn,
        "SELECT id, agency, name, role, created FROM users WHERE agency = ?1 ORDER BY id",
        [agency],
        |row| {
            let created: String = row.get(4).map_err(backend)?;
            Ok(User {
                id: row.get(0).map_err(backend)?,
                agency: row.get(1).map_err(backend)?,
                name: row.get(2).map_err(backend)?,
                role: row.get(3).map_err(backend)?,
                created: parse_time(&created)?,
            })
        },
    )
}

pub(crate) fn token_by_digest(
    conn: &Connection,
    digest: &[u8],
) -> Result<Option<Token>, StoreError> {
    let found = collect(
        conn,
        "SELECT t.id, t.user_id, u.agency, u.role, t.label, t.created, t.revoked
         FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = ?1",
        [digest],
        |row| {
            let created: String = row.get(5).map_err(backend)?;
            let revoked: Option<String> = row.get(6).map_err(backend)?;
            Ok(Token {
                id: row.get(0).map_err(backend)?,
                user_id: row.get(1).map_err(backend)?,
                agency: row.get(2).map_err(backend)?,
                role: row.get(3).map_err(backend)?,
                label: row.get(4).map_err(backend)?,
                created: parse_time(&created)?,
                revoked: revoked.as_deref().map(parse_time).transpose()?,
            })
        },
    )?;
    Ok(found.into_iter().next())
}

pub(crate) fn report(
    conn: &Connection,
    agency: &str,
    id: &str,
) -> Result<Option<StoredReport>, StoreError> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE agency = ?1 AND id = ?2
         ORDER BY revision DESC LIMIT 1"
    );
    Ok(collect(conn, &sql, [agency, id], stored_report)?.pop())
}

pub(crate) fn revisions(
    conn: &Connection,
    agency: &str,
    id: &str,
) -> Result<Vec<StoredReport>, StoreError> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE agency = ?1 AND id = ?2 ORDER BY revision"
    );
    collect(conn, &sql, [agency, id], stored_report)
}

pub(crate) fn reports_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<StoredReport>, StoreError> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE seq > ?1 AND current = 1
         ORDER BY seq LIMIT ?2"
    );
    collect(conn, &sql, params![after, limit], stored_report)
}

pub(crate) fn postings(conn: &Connection, selector: &str) -> Result<Vec<Posting>, StoreError> {
    // The text is stored under one of the keys from its home key on.
    let sql = format!(
        "SELECT {POSTING_COLUMNS}
         FROM selectors s
         JOIN report_selectors rs ON rs.selector_id = s.id
         JOIN reports r ON r.seq = rs.report_seq
         WHERE s.key BETWEEN ?1 AND ?1 + {} AND s.text = ?2
         ORDER BY r.seq",
        KEY_PROBES - 1
    );
    let key = home_key(fingerprint(selector));
    collect(conn, &sql, params![key, selector], posting)
}

/// Postings of the next `limit` current reports that hold any selector. A
/// page ends on a report boundary, so paging by the last posting's `seq`
/// never splits a report, and a page is empty only at the end.
///
/// A current report's links are exactly the selectors its body lists (the
/// writer keeps it so), so they are read from the body rather than through
/// an index of links by report, which would cost every import one more
/// B-tree insert per link.
pub(crate) fn postings_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<SelectorPosting>, StoreError> {
    let sql = format!(
        "WITH page AS (
             SELECT seq FROM reports
             WHERE seq > ?1 AND current = 1 AND json_array_length(body, '$.selectors') > 0
             ORDER BY seq LIMIT ?2
         )
         SELECT {POSTING_COLUMNS}, j.value
         FROM page
         JOIN reports r ON r.seq = page.seq
         JOIN json_each(r.body, '$.selectors') j
         ORDER BY r.seq, j.value"
    );
    collect(conn, &sql, params![after, limit], |row| {
        Ok(SelectorPosting {
            selector: row.get(7).map_err(backend)?,
            posting: posting(row)?,
        })
    })
}

pub(crate) fn counts(conn: &Connection) -> Result<Counts, StoreError> {
    let count = |sql: &str| -> Result<u64, StoreError> {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
            .map(|n| n.max(0) as u64)
            .map_err(backend)
    };
    // One read transaction: the counts describe one moment.
    let tx = conn.unchecked_transaction().map_err(backend)?;
    let counts = Counts {
        agencies: count("SELECT count(*) FROM agencies")?,
        reports: count("SELECT count(*) FROM reports WHERE current = 1")?,
        revisions: count("SELECT count(*) FROM reports")?,
        selectors: count("SELECT count(*) FROM selectors")?,
        links: count("SELECT count(*) FROM report_selectors")?,
        audit: count("SELECT count(*) FROM audit")?,
    };
    tx.finish().map_err(backend)?;
    Ok(counts)
}

fn audit_record(row: &Row<'_>) -> Result<AuditRecord, StoreError> {
    let at: String = row.get(1).map_err(backend)?;
    Ok(AuditRecord {
        seq: row.get(0).map_err(backend)?,
        event: AuditEvent {
            at: parse_time(&at)?,
            actor: row.get(2).map_err(backend)?,
            user: row.get(3).map_err(backend)?,
            action: row.get(4).map_err(backend)?,
            owner: row.get(5).map_err(backend)?,
            subject: row.get(6).map_err(backend)?,
        },
        prev_hash: row.get(7).map_err(backend)?,
        hash: row.get(8).map_err(backend)?,
    })
}

const AUDIT_COLUMNS: &str =
    "SELECT seq, at, actor, user_id, action, owner, subject, prev_hash, hash FROM audit";

pub(crate) fn audit_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let sql = format!("{AUDIT_COLUMNS} WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    collect(conn, &sql, params![after, limit], audit_record)
}

pub(crate) fn audit_for_owner(
    conn: &Connection,
    owner: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let sql = format!("{AUDIT_COLUMNS} WHERE owner = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
    collect(conn, &sql, params![owner, after, limit], audit_record)
}
