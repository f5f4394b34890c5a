//! Reads: a small pool of read-only connections, each query run on tokio's
//! blocking pool. WAL lets these readers work beside the writer and see
//! every committed transaction.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use cordon_store::derived;
use cordon_store::terms::{self, TermQuery};
use cordon_store::{
    Agency, AuditEvent, AuditRecord, Counts, Decision, Posting, ReportFilter, SelectorPosting,
    StixFilter, StoreError, StoredReport, StoredStixObject, Token, User,
};
use rusqlite::{Connection, Row, ToSql, params};
use tokio::sync::Semaphore;

use crate::codec::{
    KEY_PROBES, POSTING_COLUMNS, REPORT_COLUMNS, STIX_COLUMNS, backend, fingerprint, home_key,
    parse_time, posting, stored_report, stored_stix, time_text,
};
use crate::write::{month_term, report_stix_term, selector_stix_terms};

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

const USER_COLUMNS: &str = "SELECT id, agency, name, role, created FROM users";

fn user(row: &Row<'_>) -> Result<User, StoreError> {
    let created: String = row.get(4).map_err(backend)?;
    Ok(User {
        id: row.get(0).map_err(backend)?,
        agency: row.get(1).map_err(backend)?,
        name: row.get(2).map_err(backend)?,
        role: row.get(3).map_err(backend)?,
        created: parse_time(&created)?,
    })
}

pub(crate) fn users(conn: &Connection, agency: &str) -> Result<Vec<User>, StoreError> {
    let sql = format!("{USER_COLUMNS} WHERE agency = ?1 ORDER BY id");
    collect(conn, &sql, [agency], user)
}

pub(crate) fn user_by_name(
    conn: &Connection,
    agency: &str,
    name: &str,
) -> Result<Option<User>, StoreError> {
    let sql = format!("{USER_COLUMNS} WHERE agency = ?1 AND name = ?2");
    Ok(collect(conn, &sql, [agency, name], user)?.pop())
}

const TOKEN_COLUMNS: &str =
    "SELECT t.id, t.user_id, u.agency, u.role, t.label, t.created, t.revoked
     FROM tokens t JOIN users u ON u.id = t.user_id";

fn token(row: &Row<'_>) -> Result<Token, StoreError> {
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
}

pub(crate) fn token_by_digest(
    conn: &Connection,
    digest: &[u8],
) -> Result<Option<Token>, StoreError> {
    let sql = format!("{TOKEN_COLUMNS} WHERE t.digest = ?1");
    Ok(collect(conn, &sql, [digest], token)?.into_iter().next())
}

/// The tokens of an agency's users, through `users`' (agency, name) index;
/// an agency has few users and each few tokens, so the scan of `tokens` by
/// user needs no index of its own.
pub(crate) fn tokens(conn: &Connection, agency: &str) -> Result<Vec<Token>, StoreError> {
    let sql = format!("{TOKEN_COLUMNS} WHERE u.agency = ?1 ORDER BY t.id");
    collect(conn, &sql, [agency], token)
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

/// The columns of [`REPORT_COLUMNS`] from a `reports` row aliased `r`.
const R_REPORT_COLUMNS: &str = "r.seq, r.agency, r.revision, r.accepted, r.digest, r.body";

/// Current revisions matching `filter`, newest first; see
/// `Store::list_reports`.
///
/// The filter's fields and words are terms of `report_terms` (see the
/// migration that made it), and its received range the month terms present
/// in that range, so that the FTS5 index finds the candidates newest first
/// and stops after `limit`; only the exact bounds of the range are checked
/// on the rows. Without any term, the current revisions are read newest
/// first through `reports_current`.
pub(crate) fn list_reports(
    conn: &Connection,
    filter: &ReportFilter,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<StoredReport>, StoreError> {
    let mut query: Vec<String> = Vec::new();
    match terms::filter_terms(filter) {
        TermQuery::Nothing => return Ok(Vec::new()),
        TermQuery::Any => {}
        TermQuery::All(terms) => query.extend(terms.iter().map(|t| fts_string(t))),
    }
    let (from, until) = (filter.received_from, filter.received_until);
    if limit == 0 || from.zip(until).is_some_and(|(f, u)| f >= u) {
        return Ok(Vec::new());
    }
    if from.is_some() || until.is_some() {
        let months = months_present(conn, from, until)?;
        if months.is_empty() {
            return Ok(Vec::new());
        }
        let months: Vec<String> = months.iter().map(|m| fts_string(m)).collect();
        query.push(format!("({})", months.join(" OR ")));
    }

    let query = query.join(" AND ");
    let before = before.unwrap_or(i64::MAX);
    let from = from.map(time_text);
    let until = until.map(time_text);
    let mut conditions = String::new();
    let mut args: Vec<(&str, &dyn ToSql)> = vec![(":before", &before), (":limit", &limit)];
    if let Some(from) = &from {
        conditions.push_str(" AND r.received >= :from");
        args.push((":from", from));
    }
    if let Some(until) = &until {
        conditions.push_str(" AND r.received < :until");
        args.push((":until", until));
    }
    let sql = if query.is_empty() {
        format!(
            "SELECT {R_REPORT_COLUMNS} FROM reports r
             WHERE r.current = 1 AND r.seq < :before{conditions}
             ORDER BY r.seq DESC LIMIT :limit"
        )
    } else {
        args.push((":query", &query));
        // CROSS JOIN keeps the index as the outer loop, whose rowid order
        // is the answer's order: no sort, and it stops after `limit`.
        format!(
            "SELECT {R_REPORT_COLUMNS}
             FROM report_terms CROSS JOIN reports r ON r.seq = report_terms.rowid
             WHERE report_terms MATCH :query AND report_terms.rowid < :before
               AND r.current = 1{conditions}
             ORDER BY report_terms.rowid DESC LIMIT :limit"
        )
    };
    collect(conn, &sql, args.as_slice(), stored_report)
}

/// A term as an FTS5 string: a quoted literal, never query syntax. Terms
/// hold no `"` (see `cordon_store::terms`), but one would be doubled.
fn fts_string(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// The month terms in the index from the month of `from` to that of the
/// last instant before `until`: the candidates of a received-time range.
/// Read from the index's vocabulary, so that an open or wide range costs
/// only the months that hold reports.
fn months_present(
    conn: &Connection,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<String>, StoreError> {
    let low = from.map_or_else(|| "month=".to_owned(), month_term);
    let high = match until {
        Some(u) => match u.checked_sub_signed(chrono::TimeDelta::microseconds(1)) {
            Some(last) => month_term(last),
            None => return Ok(Vec::new()),
        },
        None => "month=999999".to_owned(),
    };
    collect(
        conn,
        "SELECT term FROM report_terms_vocab WHERE term >= ?1 AND term <= ?2",
        [low, high],
        |row| row.get(0).map_err(backend),
    )
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

/// The current revisions holding an FTS5 string (`?1`): their agency and id.
const REPORTS_BY_STIX: &str = "SELECT r.agency, r.id
     FROM report_terms CROSS JOIN reports r ON r.seq = report_terms.rowid
     WHERE report_terms MATCH ?1";

/// The selectors of the current revisions matching an FTS5 query (`?1`),
/// a revision at a time, oldest first.
const SELECTORS_BY_STIX: &str = "SELECT j.value
     FROM report_terms CROSS JOIN reports r ON r.seq = report_terms.rowid,
          json_each(r.body, '$.selectors') j
     WHERE report_terms MATCH ?1";

/// The reports whose derived STIX UUID is `uuid`: those whose current
/// revision holds the term of its key in `report_terms` (migration 0004)
/// and that derive it.
pub(crate) fn report_by_stix(
    conn: &Connection,
    uuid: uuid::Uuid,
) -> Result<Vec<(String, String)>, StoreError> {
    let term = fts_string(&report_stix_term(derived::key(uuid)));
    let rows = collect(conn, REPORTS_BY_STIX, [term], |r| {
        Ok((r.get(0).map_err(backend)?, r.get(1).map_err(backend)?))
    })?;
    let mut found: Vec<(String, String)> = rows
        .into_iter()
        .filter(|(agency, id): &(String, String)| derived::report_derives(agency, id, uuid))
        .collect();
    found.sort();
    Ok(found)
}

/// The selector whose object has the STIX id `id`: read from the current
/// revisions that hold both terms of its key in `report_terms`, oldest
/// first, until one holds a selector that becomes that id. The terms are
/// ten bits of the key each, so revisions holding them by chance come
/// along (about one in 47,000; see `write::selector_stix_terms`); each
/// costs the check of its few selectors.
pub(crate) fn selector_by_stix(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    let Some((kind, uuid)) = derived::parse(id) else {
        return Ok(None);
    };
    let [a, b] = selector_stix_terms(derived::key(uuid));
    let terms = format!(
        "{} AND {}",
        fts_string(&a.to_string()),
        fts_string(&b.to_string())
    );
    let mut stmt = conn.prepare_cached(SELECTORS_BY_STIX).map_err(backend)?;
    let mut rows = stmt.query([terms]).map_err(backend)?;
    while let Some(row) = rows.next().map_err(backend)? {
        let text: String = row.get(0).map_err(backend)?;
        if derived::selector_becomes(&text, kind, uuid) {
            return Ok(Some(text));
        }
    }
    Ok(None)
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

/// Kept STIX objects after `after` matching `filter`, ascending seq; see
/// `Store::stix_objects_after`. Lists of ids and types travel as one JSON
/// array each.
pub(crate) fn stix_objects_after(
    conn: &Connection,
    after: i64,
    limit: u32,
    filter: &StixFilter,
) -> Result<Vec<StoredStixObject>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let list = |values: &[String]| {
        serde_json::to_string(values)
            .map_err(|e| StoreError::Invalid(format!("stix filter cannot be encoded: {e}")))
    };
    let ids = list(&filter.ids)?;
    let types = list(&filter.types)?;
    let mut args: Vec<(&str, &dyn ToSql)> = vec![(":after", &after), (":limit", &limit)];
    if !filter.ids.is_empty() {
        args.push((":ids", &ids));
    }
    if !filter.types.is_empty() {
        args.push((":types", &types));
    }
    if let Some(agency) = &filter.agency {
        args.push((":agency", agency));
    }
    collect(conn, &stix_after_sql(filter), args.as_slice(), stored_stix)
}

/// The statement [`stix_objects_after`] runs for `filter`: only the
/// conditions it sets are written, so that each of the few statements this
/// makes is planned for what it asks (by the primary key, by id, by
/// (kind, seq) or by (agency, seq)).
fn stix_after_sql(filter: &StixFilter) -> String {
    let mut conditions = String::new();
    // Ids are the most selective condition there is: the others are then
    // kept off their indexes (a unary `+`), which the planner would
    // otherwise walk for the agency's or type's every row, in seq order.
    let off = if filter.ids.is_empty() {
        ""
    } else {
        conditions.push_str(" AND id IN (SELECT value FROM json_each(:ids))");
        "+"
    };
    if !filter.types.is_empty() {
        conditions.push_str(&format!(
            " AND {off}kind IN (SELECT value FROM json_each(:types))"
        ));
    }
    if filter.agency.is_some() {
        conditions.push_str(&format!(" AND {off}agency = :agency"));
    }
    format!(
        "SELECT {STIX_COLUMNS} FROM stix_objects WHERE seq > :after{conditions}
         ORDER BY seq LIMIT :limit"
    )
}

/// Every kept row of a STIX id, ascending by (version, seq); versions
/// compare byte by byte (SQLite's BINARY collation).
pub(crate) fn stix_object_versions(
    conn: &Connection,
    id: &str,
) -> Result<Vec<StoredStixObject>, StoreError> {
    let sql =
        format!("SELECT {STIX_COLUMNS} FROM stix_objects WHERE id = ?1 ORDER BY version, seq");
    collect(conn, &sql, [id], stored_stix)
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
        stix_objects: count("SELECT count(*) FROM stix_objects")?,
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

/// An owner's newest audit records first, through `audit_by_owner`.
pub(crate) fn recent_audit_for_owner(
    conn: &Connection,
    owner: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditRecord>, StoreError> {
    let sql = format!("{AUDIT_COLUMNS} WHERE owner = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3");
    collect(
        conn,
        &sql,
        params![owner, before.unwrap_or(i64::MAX), limit],
        audit_record,
    )
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

fn decision(row: &Row<'_>) -> Result<Decision, StoreError> {
    let seq: i64 = row.get(0).map_err(backend)?;
    let at: String = row.get(1).map_err(backend)?;
    let body: String = row.get(7).map_err(backend)?;
    Ok(Decision {
        seq,
        at: parse_time(&at)?,
        kind: row.get(2).map_err(backend)?,
        subject: row.get(3).map_err(backend)?,
        agency: row.get(4).map_err(backend)?,
        user: row.get(5).map_err(backend)?,
        reason: row.get(6).map_err(backend)?,
        body: serde_json::from_str(&body).map_err(|e| {
            StoreError::Backend(format!(
                "stored decision {seq} has a body that is not json: {e}"
            ))
        })?,
    })
}

const DECISION_COLUMNS: &str =
    "SELECT seq, at, kind, subject, agency, user_name, reason, body FROM decisions";

pub(crate) fn decisions_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<Decision>, StoreError> {
    let sql = format!("{DECISION_COLUMNS} WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    collect(conn, &sql, params![after, limit], decision)
}

/// Through `decisions_by_subject`.
pub(crate) fn decisions_about(
    conn: &Connection,
    subject: &str,
) -> Result<Vec<Decision>, StoreError> {
    let sql = format!("{DECISION_COLUMNS} WHERE subject = ?1 ORDER BY seq");
    collect(conn, &sql, [subject], decision)
}

pub(crate) fn money_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<cordon_store::StoredMoney>, StoreError> {
    collect(
        conn,
        "SELECT seq, agency, kind, key, accepted, tlp, recipients, hit_notification, body
         FROM money WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        params![after, limit],
        crate::codec::stored_money,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str, args: &[(&str, &dyn ToSql)]) -> Vec<String> {
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(args, |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// A subject's history is read in order from `decisions_by_subject`,
    /// without sorting; a page after a seq from the primary key.
    #[test]
    fn decisions_are_read_through_their_indexes() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        let subject = "network-1".to_owned();
        let steps = plan(
            &conn,
            &format!("{DECISION_COLUMNS} WHERE subject = :subject ORDER BY seq"),
            &[(":subject", &subject)],
        );
        assert_eq!(steps.len(), 1, "{steps:#?}");
        assert!(
            steps[0].starts_with("SEARCH decisions USING INDEX decisions_by_subject"),
            "{steps:#?}"
        );
        let (after, limit) = (10i64, 5u32);
        let steps = plan(
            &conn,
            &format!("{DECISION_COLUMNS} WHERE seq > :after ORDER BY seq LIMIT :limit"),
            &[(":after", &after), (":limit", &limit)],
        );
        assert_eq!(steps.len(), 1, "{steps:#?}");
        assert!(
            steps[0].starts_with("SEARCH decisions USING INTEGER PRIMARY KEY"),
            "{steps:#?}"
        );
    }

    /// A filtered listing is read newest first from the full-text index
    /// and stops after `limit`: no sort of the matches, no scan of
    /// `reports`; the month look-up reads only the vocabulary's range.
    #[test]
    fn listing_reads_the_index_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        let q = "x".to_owned();
        let (before, limit, from) = (10i64, 5u32, "t".to_owned());
        let steps = plan(
            &conn,
            &format!(
                "SELECT {R_REPORT_COLUMNS}
                 FROM report_terms CROSS JOIN reports r ON r.seq = report_terms.rowid
                 WHERE report_terms MATCH :query AND report_terms.rowid < :before
                   AND r.current = 1 AND r.received >= :from
                 ORDER BY report_terms.rowid DESC LIMIT :limit"
            ),
            &[
                (":query", &q),
                (":before", &before),
                (":from", &from),
                (":limit", &limit),
            ],
        );
        // Two steps: no "USE TEMP B-TREE FOR ORDER BY". FTS5 takes the
        // match, the cursor bound and the order (idxNum 192: by rowid,
        // descending).
        assert_eq!(steps.len(), 2, "{steps:#?}");
        assert!(
            steps[0].starts_with("SCAN report_terms VIRTUAL TABLE INDEX 192:M")
                && steps[0].ends_with('<'),
            "{steps:#?}"
        );
        assert!(steps[1].starts_with("SEARCH r USING INTEGER PRIMARY KEY"));

        let steps = plan(
            &conn,
            &format!(
                "SELECT {R_REPORT_COLUMNS} FROM reports r
                 WHERE r.current = 1 AND r.seq < :before
                 ORDER BY r.seq DESC LIMIT :limit"
            ),
            &[(":before", &before), (":limit", &limit)],
        );
        assert!(
            steps.iter().all(|s| !s.contains("TEMP B-TREE")),
            "{steps:#?}"
        );
    }

    /// A look-up by derived STIX id reads the revisions that hold its term
    /// from the full-text index, each by its primary key.
    #[test]
    fn stix_id_look_ups_read_the_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        let term = "\"stix=000000000001\"".to_owned();
        for sql in [REPORTS_BY_STIX, SELECTORS_BY_STIX] {
            let steps = plan(&conn, sql, &[("?1", &term)]);
            assert!(
                steps[0].starts_with("SCAN report_terms VIRTUAL TABLE INDEX 0:M"),
                "{steps:#?}"
            );
            assert!(
                steps[1].starts_with("SEARCH r USING INTEGER PRIMARY KEY"),
                "{steps:#?}"
            );
            assert!(
                steps[2..].iter().all(|s| s.starts_with("SCAN j")),
                "{steps:#?}"
            );
        }
    }

    /// Revisions that hold the terms of an id by chance are passed over:
    /// what a look-up returns derives the id asked for.
    #[test]
    fn revisions_holding_the_terms_by_chance_are_passed_over() {
        use cordon_core::selector::{Hint, normalize_one};
        use cordon_interop::stix::{ids, sco};

        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        conn.execute_batch("INSERT INTO agencies VALUES ('KH-NCB', 'n', 'KH', 'police', 'c', 't')")
            .unwrap();
        let sought = normalize_one("email:sought@example.com", &Hint::default()).unwrap();
        let sought_id = sco::id(&sought);
        let key = derived::selector_key(&sought);
        let uuid = ids::report_uuid("KH-NCB", "elsewhere");
        let terms = |with_sought: bool| {
            let mut terms = format!("x {}", report_stix_term(derived::key(uuid)));
            if with_sought {
                for term in selector_stix_terms(key) {
                    terms.push_str(&format!(" {term}"));
                }
            }
            terms
        };
        // Revision 1 holds the terms of `sought` and of `uuid`, neither of
        // which it derives; revision 2 holds `sought`.
        for (seq, id, selectors, with_sought) in [
            (1, "r1", "[\"domain:example.vip\"]", true),
            (2, "r2", "[\"email:sought@example.com\"]", false),
        ] {
            conn.execute(
                "INSERT INTO reports (seq, agency, id, revision, current, digest, kind, country,
                                      received, accepted, tlp, recipients, hit_notification, body)
                 VALUES (?1, 'KH-NCB', ?2, 1, 1, 'd', 'tip', 'KH', 't', 't', 'AMBER', '[]', 1,
                         json_object('selectors', json(?3)))",
                params![seq, id, selectors],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO report_terms (rowid, terms) VALUES (?1, ?2)",
                params![seq, terms(with_sought)],
            )
            .unwrap();
        }
        assert_eq!(report_by_stix(&conn, uuid).unwrap(), []);
        assert_eq!(selector_by_stix(&conn, &sought_id).unwrap(), None);

        // Once a revision holding it has its terms, it is found past the
        // one that holds them by chance.
        conn.execute("DELETE FROM report_terms WHERE rowid = 2", [])
            .unwrap();
        conn.execute(
            "INSERT INTO report_terms (rowid, terms) VALUES (2, ?1)",
            [terms(true)],
        )
        .unwrap();
        assert_eq!(
            selector_by_stix(&conn, &sought_id).unwrap().as_deref(),
            Some(sought.as_str())
        );
    }

    /// Each page of kept STIX objects is found through an index, whatever
    /// the filter sets; none scans the table.
    #[test]
    fn stix_pages_search_an_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        let (after, limit) = (10i64, 5u32);
        let (list, agency) = ("[\"x\"]".to_owned(), "GB-NCA".to_owned());
        let set = |ids: bool, types: bool, agency: bool| StixFilter {
            ids: if ids { vec!["x".into()] } else { Vec::new() },
            types: if types { vec!["x".into()] } else { Vec::new() },
            agency: agency.then(|| "GB-NCA".into()),
        };
        for (filter, index) in [
            (set(false, false, false), "USING INTEGER PRIMARY KEY"),
            (set(true, false, false), "USING INDEX stix_objects_by_id"),
            (set(false, true, false), "USING INDEX stix_objects_by_kind"),
            (
                set(false, false, true),
                "USING INDEX stix_objects_by_agency",
            ),
            // Ids win over the rest: walking the agency's index in seq
            // order for a few ids read every row the agency keeps.
            (set(true, true, true), "USING INDEX stix_objects_by_id"),
            (set(true, false, true), "USING INDEX stix_objects_by_id"),
            (set(true, true, false), "USING INDEX stix_objects_by_id"),
            (set(false, true, true), "USING INDEX"),
        ] {
            let mut args: Vec<(&str, &dyn ToSql)> = vec![(":after", &after), (":limit", &limit)];
            if !filter.ids.is_empty() {
                args.push((":ids", &list));
            }
            if !filter.types.is_empty() {
                args.push((":types", &list));
            }
            if filter.agency.is_some() {
                args.push((":agency", &agency));
            }
            let steps = plan(&conn, &stix_after_sql(&filter), &args);
            assert!(
                steps
                    .iter()
                    .any(|s| s.starts_with("SEARCH stix_objects") && s.contains(index)),
                "{filter:?}: {steps:#?}"
            );
            assert!(
                !steps.iter().any(|s| s.starts_with("SCAN stix_objects")),
                "{filter:?}: {steps:#?}"
            );
        }
        let steps = plan(
            &conn,
            &format!("SELECT {STIX_COLUMNS} FROM stix_objects WHERE id = ?1 ORDER BY version, seq"),
            &[],
        );
        assert!(
            steps[0].starts_with("SEARCH stix_objects USING INDEX stix_objects_by_id"),
            "{steps:#?}"
        );
    }

    /// The index's own answers, straight from SQL: ordered by rowid
    /// descending, bounded by the cursor, folding no case, and a superseded
    /// document deleted by rowid.
    #[test]
    fn the_term_index_behaves_as_the_listing_needs() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        for (seq, terms) in [
            (1, "fee month=202601 agency=4b48"),
            (2, "fee visa month=202602"),
            (3, "visa month=202603 agency=4b48"),
            (4, "fee month=202603 élodie"),
        ] {
            conn.execute(
                "INSERT INTO report_terms (rowid, terms) VALUES (?1, ?2)",
                params![seq, terms],
            )
            .unwrap();
        }
        let find = |query: &str, before: i64| -> Vec<i64> {
            conn.prepare(
                "SELECT rowid FROM report_terms WHERE report_terms MATCH ?1 AND rowid < ?2
                 ORDER BY rowid DESC",
            )
            .unwrap()
            .query_map(params![query, before], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        assert_eq!(find("\"fee\"", i64::MAX), [4, 2, 1]);
        assert_eq!(find("\"fee\"", 4), [2, 1]);
        assert_eq!(find("\"agency=4b48\"", i64::MAX), [3, 1]);
        assert_eq!(find("\"agency=4b\"", i64::MAX), Vec::<i64>::new());
        assert_eq!(find("\"élodie\"", i64::MAX), [4]);
        assert_eq!(
            find(
                "\"fee\" AND (\"month=202603\" OR \"month=202602\")",
                i64::MAX
            ),
            [4, 2]
        );

        let months = |from: Option<&str>, until: Option<&str>| {
            months_present(
                &conn,
                from.map(|t| t.parse().unwrap()),
                until.map(|t| t.parse().unwrap()),
            )
            .unwrap()
        };
        assert_eq!(
            months(Some("2026-02-10T00:00:00Z"), Some("2026-03-01T00:00:00Z")),
            ["month=202602"],
            "until is exclusive"
        );
        assert_eq!(
            months(
                Some("2026-02-10T00:00:00Z"),
                Some("2026-03-01T00:00:00.000001Z")
            ),
            ["month=202602", "month=202603"]
        );
        assert_eq!(
            months(None, None),
            ["month=202601", "month=202602", "month=202603"]
        );
        assert_eq!(
            months(Some("2027-01-01T00:00:00Z"), None),
            Vec::<String>::new()
        );

        conn.execute("DELETE FROM report_terms WHERE rowid = 2", [])
            .unwrap();
        assert_eq!(find("\"fee\"", i64::MAX), [4, 1]);

        // A document added and deleted in one transaction (a revision
        // superseded by a later job of the same group) is gone too.
        conn.execute_batch(
            "BEGIN;
             INSERT INTO report_terms (rowid, terms) VALUES (5, 'fee month=202603');
             INSERT INTO report_terms (rowid, terms) VALUES (6, 'fee month=202603');
             DELETE FROM report_terms WHERE rowid = 5;
             COMMIT;",
        )
        .unwrap();
        assert_eq!(find("\"fee\"", i64::MAX), [6, 4, 1]);
        let steps = plan(
            &conn,
            "SELECT term FROM report_terms_vocab WHERE term >= :low AND term <= :high",
            &[(":low", &"a"), (":high", &"b")],
        );
        assert_eq!(
            steps,
            ["SCAN report_terms_vocab VIRTUAL TABLE INDEX 6:"],
            "both bounds of the range are taken by the vocabulary table (6: term >= and <=)"
        );
    }
}
