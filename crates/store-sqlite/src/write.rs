//! The write operations, run on the writer thread inside a transaction (see
//! [`crate::writer`]), and the preparation of reports that callers do
//! beside it.

use std::collections::HashSet;
use std::sync::mpsc;

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use cordon_core::Report;
use cordon_store::audit::{self, GENESIS};
use cordon_store::{
    Agency, AuditEvent, AuditRecord, Decision, NewAgency, NewDecision, NewStixObject, NewToken,
    NewUser, PutOutcome, StoreError, SubmitOutcome, Token, User,
};
use cordon_store::{derived, terms};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::codec::{KEY_PROBES, backend, fingerprint, home_key, is_unique_violation, time_text};
use crate::writer::WriteCtx;

/// A report turned into column values, ready for the writer.
#[derive(Debug)]
pub(crate) struct ReportRow {
    id: String,
    digest: String,
    kind: &'static str,
    country: String,
    /// `None` when the report gives no receipt time: the row takes its
    /// acceptance time.
    received: Option<String>,
    tlp: &'static str,
    recipients: String,
    hit_notification: bool,
    body: String,
    selectors: Vec<SelectorRow>,
    /// What `list_reports` finds the revision by, space-separated (see
    /// [`terms_text`]).
    terms: String,
}

/// A selector of a report, with its fingerprint
/// ([`codec::fingerprint`](crate::codec::fingerprint)).
#[derive(Debug)]
struct SelectorRow {
    text: String,
    kind: &'static str,
    print: u128,
}

/// Turns a checked report (`check::report`) of `agency` into column values:
/// the serialisation, hashing, finding of terms and deriving of STIX ids
/// are done by the caller, off the writer thread, so that they run beside
/// it.
pub(crate) fn prepare(
    report: &Report,
    agency: &str,
    accepted: DateTime<Utc>,
) -> Result<ReportRow, StoreError> {
    let body = serde_json::to_string(report).map_err(|e| {
        StoreError::Invalid(format!("report {} cannot be serialised: {e}", report.id))
    })?;
    let recipients = serde_json::to_string(&report.marking.recipients)
        .map_err(|e| StoreError::Invalid(format!("report {} recipients: {e}", report.id)))?;
    Ok(ReportRow {
        id: report.id.clone(),
        digest: digest(report, &body),
        kind: report.kind.as_str(),
        country: report.country.clone(),
        received: report.received.map(time_text),
        tlp: report.marking.tlp.as_str(),
        recipients,
        hit_notification: report.marking.hit_notification,
        body,
        selectors: report
            .selectors
            .iter()
            .map(|s| SelectorRow {
                text: s.as_str().to_owned(),
                kind: s.kind().as_str(),
                print: fingerprint(s.as_str()),
            })
            .collect(),
        terms: terms_text(agency, report, report.received.unwrap_or(accepted)),
    })
}

/// The terms a current revision is indexed under in `report_terms`, as one
/// space-separated text for the FTS5 `ascii` tokenizer: those of
/// [`cordon_store::terms::write_terms`], the month it was received, and
/// the keys of its derived STIX ids: the report's ([`report_stix_term`])
/// and each of its selectors' ([`selector_stix_terms`]).
pub(crate) fn terms_text(agency: &str, report: &Report, received: DateTime<Utc>) -> String {
    let narrative = report.narrative.as_ref().map_or(0, String::len);
    let mut text = String::with_capacity(narrative + 512);
    terms::write_terms(agency, report, &mut text);
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(&month_term(received));
    text.push(' ');
    text.push_str(&report_stix_term(derived::report_key(agency, &report.id)));
    for s in &report.selectors {
        for term in selector_stix_terms(derived::selector_key(s)) {
            term.push_to(&mut text);
        }
    }
    text
}

/// The term of a report's derived STIX UUID: `stix=` and the 12 hex
/// digits of its key ([`cordon_store::derived::key`]). Alphanumeric and
/// `=` only, so that the tokenizer keeps it whole; never a word, which
/// holds no `=`.
pub(crate) fn report_stix_term(key: i64) -> String {
    format!("stix={key:012x}")
}

/// The two terms of a selector's derived STIX id: ten bits each of its key
/// (`stixa=` and `stixb=` and 3 hex digits). A look-up asks for both and
/// checks the selectors of the revisions that hold them. Two terms of 1,024
/// values rather than one of the whole key: a term that few revisions
/// share costs FTS5 an entry of its own in every segment it is in. Measured on FTS5 alone, 1,000,000 documents
/// of 4.7 selectors in transactions of 5,000: without selector terms 5.3
/// and 5.6 s and 133 MiB written, one term of 12 hex digits each 11.1 and
/// 14.0 s and 469 MiB, these two 8.1 and 10.8 s and 165 MiB (the whole
/// import: see migration 0004). A revision holds both terms of another
/// selector's id by chance once in (1024 / 4.7)^2, about 47,000.
pub(crate) fn selector_stix_terms(key: i64) -> [StixTerm; 2] {
    [
        StixTerm("stixa", key & 0x3ff),
        StixTerm("stixb", (key >> 10) & 0x3ff),
    ]
}

/// One of [`selector_stix_terms`]: its field and value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StixTerm(&'static str, i64);

impl StixTerm {
    /// Appends the term after a space, without a string of its own.
    fn push_to(self, text: &mut String) {
        use std::fmt::Write;
        let _ = write!(text, " {self}");
    }
}

impl std::fmt::Display for StixTerm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={:03x}", self.0, self.1)
    }
}

/// The term of the month a report was received in (UTC): `month=YYYYMM`.
/// Years beyond four digits are clamped, so that every report has one term
/// of this form and the terms sort as their months.
pub(crate) fn month_term(t: DateTime<Utc>) -> String {
    format!("month={:04}{:02}", t.year().clamp(0, 9999), t.month())
}

/// [`Report::digest`] (SHA-256 of the report's JSON with an empty id), taken
/// from the body already serialised instead of cloning the report and
/// serialising it a second time.
///
/// `id` is the first field of a report, so the body is `{"id":<id>,…}` and
/// the digested JSON is the same bytes with `<id>` replaced by `""`. Should
/// the core ever move the field, the slow path keeps the digest right.
fn digest(report: &Report, body: &str) -> String {
    let Ok(id) = serde_json::to_string(&report.id) else {
        return report.digest();
    };
    let rest = body
        .strip_prefix("{\"id\":")
        .and_then(|rest| rest.strip_prefix(id.as_str()));
    match rest {
        Some(rest) => {
            let mut hash = Sha256::new();
            hash.update(b"{\"id\":\"\"");
            hash.update(rest.as_bytes());
            hex::encode(hash.finalize())
        }
        None => report.digest(),
    }
}

/// The rows of a batch as its caller prepares them, in order.
#[derive(Debug)]
pub(crate) struct Incoming {
    chunks: mpsc::Receiver<Vec<ReportRow>>,
    expected: usize,
}

impl Incoming {
    /// The sending side for the caller, and the receiving side for a
    /// `submit` job, of a batch of `expected` rows.
    pub(crate) fn channel(expected: usize) -> (mpsc::Sender<Vec<ReportRow>>, Incoming) {
        let (tx, chunks) = mpsc::channel();
        (tx, Incoming { chunks, expected })
    }
}

/// Stores one agency's batch; see `Store::submit`.
///
/// Reports are written in order, as they arrive (a later report of the
/// batch may revise an earlier one); their selectors and links are written
/// afterwards, each set sorted, so that the random B-tree inserts they cost
/// walk the indexes in order instead of jumping between pages.
pub(crate) fn submit(
    ctx: &mut WriteCtx<'_>,
    agency: &str,
    incoming: Incoming,
    accepted: DateTime<Utc>,
) -> Result<Vec<SubmitOutcome>, StoreError> {
    let conn = ctx.conn;
    let known = conn
        .prepare_cached("SELECT 1 FROM agencies WHERE code = ?1")
        .and_then(|mut s| s.exists([agency]))
        .map_err(backend)?;
    if !known {
        return Err(StoreError::NotFound(format!(
            "agency '{agency}' does not exist; create it first"
        )));
    }
    let accepted = time_text(accepted);
    // Most reports of an import are new: one statement inserts them, and
    // only a conflict (the id is known) costs the look-up of its newest
    // revision.
    let mut insert_first = conn
        .prepare_cached(
            "INSERT INTO reports (agency, id, revision, current, digest, kind, country, received,
                                  accepted, tlp, recipients, hit_notification, body)
             VALUES (?1, ?2, 1, 1, ?3, ?4, ?5, COALESCE(?6, ?7), ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (agency, id, revision) DO NOTHING",
        )
        .map_err(backend)?;
    let mut latest = conn
        .prepare_cached(
            "SELECT seq, revision, digest FROM reports
             WHERE agency = ?1 AND id = ?2 ORDER BY revision DESC LIMIT 1",
        )
        .map_err(backend)?;
    let mut supersede = conn
        .prepare_cached("UPDATE reports SET current = 0 WHERE seq = ?1")
        .map_err(backend)?;
    let mut forget_terms = conn
        .prepare_cached("DELETE FROM report_terms WHERE rowid = ?1")
        .map_err(backend)?;
    let mut insert_next = conn
        .prepare_cached(
            "INSERT INTO reports (agency, id, revision, current, digest, kind, country, received,
                                  accepted, tlp, recipients, hit_notification, body)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, COALESCE(?7, ?8), ?8, ?9, ?10, ?11, ?12)",
        )
        .map_err(backend)?;

    // The revisions written, with their seqs, and the seqs among them that
    // a later row of the batch superseded.
    let mut written: Vec<(ReportRow, i64)> = Vec::with_capacity(incoming.expected);
    let mut superseded: HashSet<i64> = HashSet::new();
    // Every seq from this one on was written by this job: seqs only grow.
    let mut first_seq: Option<i64> = None;
    let mut outcomes = Vec::with_capacity(incoming.expected);
    while outcomes.len() < incoming.expected {
        let Ok(chunk) = incoming.chunks.recv() else {
            return Err(StoreError::Backend(
                "the batch was abandoned before all of it arrived; nothing of it was written"
                    .into(),
            ));
        };
        for row in chunk {
            let inserted = insert_first
                .execute(params![
                    agency,
                    row.id,
                    row.digest,
                    row.kind,
                    row.country,
                    row.received,
                    accepted,
                    row.tlp,
                    row.recipients,
                    row.hit_notification,
                    row.body,
                ])
                .map_err(backend)?;
            if inserted == 1 {
                let seq = conn.last_insert_rowid();
                first_seq.get_or_insert(seq);
                outcomes.push(SubmitOutcome::Accepted { revision: 1, seq });
                written.push((row, seq));
                continue;
            }
            let (seq, revision, digest): (i64, u32, String) = latest
                .query_row(params![agency, row.id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .map_err(backend)?;
            if digest == row.digest {
                outcomes.push(SubmitOutcome::Unchanged { revision, seq });
                continue;
            }
            supersede.execute([seq]).map_err(backend)?;
            unlink(ctx, seq)?;
            // This job indexes its own revisions only once they are known
            // to stay current; an earlier one's is indexed already.
            if first_seq.is_none_or(|first| seq < first) {
                forget_terms.execute([seq]).map_err(backend)?;
            }
            superseded.insert(seq);
            let revision = revision + 1;
            insert_next
                .execute(params![
                    agency,
                    row.id,
                    revision,
                    row.digest,
                    row.kind,
                    row.country,
                    row.received,
                    accepted,
                    row.tlp,
                    row.recipients,
                    row.hit_notification,
                    row.body,
                ])
                .map_err(backend)?;
            let seq = conn.last_insert_rowid();
            first_seq.get_or_insert(seq);
            outcomes.push(SubmitOutcome::Accepted { revision, seq });
            written.push((row, seq));
        }
    }
    link(ctx, &written, &superseded)?;
    index_terms(ctx, &written, &superseded)?;
    Ok(outcomes)
}

/// Adds the terms of the revisions a batch wrote and left current to the
/// full-text index, in seq order (FTS5 appends ascending rowids cheaply).
fn index_terms(
    ctx: &mut WriteCtx<'_>,
    written: &[(ReportRow, i64)],
    superseded: &HashSet<i64>,
) -> Result<(), StoreError> {
    let mut insert = ctx
        .conn
        .prepare_cached("INSERT INTO report_terms (rowid, terms) VALUES (?1, ?2)")
        .map_err(backend)?;
    for (row, seq) in written {
        if !superseded.contains(seq) {
            insert.execute(params![seq, row.terms]).map_err(backend)?;
        }
    }
    Ok(())
}

/// Deletes the links of the revision `seq`: the selectors its body lists,
/// by primary key (the links have no index by report).
fn unlink(ctx: &mut WriteCtx<'_>, seq: i64) -> Result<(), StoreError> {
    let conn = ctx.conn;
    let texts: Vec<String> = conn
        .prepare_cached(
            "SELECT j.value FROM reports r, json_each(r.body, '$.selectors') j WHERE r.seq = ?1",
        )
        .and_then(|mut s| {
            s.query_map([seq], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .map_err(backend)?;
    let mut find = conn
        .prepare_cached(&format!(
            "SELECT id FROM selectors WHERE key BETWEEN ?1 AND ?1 + {} AND text = ?2",
            KEY_PROBES - 1
        ))
        .map_err(backend)?;
    let mut delete = conn
        .prepare_cached("DELETE FROM report_selectors WHERE selector_id = ?1 AND report_seq = ?2")
        .map_err(backend)?;
    for text in texts {
        let print = fingerprint(&text);
        let id = match ctx.selectors.get(print) {
            Some(id) => Some(id),
            None => find
                .query_row(params![home_key(print), text], |r| r.get::<_, i64>(0))
                .optional()
                .map_err(backend)?,
        };
        if let Some(id) = id {
            delete.execute([id, seq]).map_err(backend)?;
        }
    }
    Ok(())
}

/// Links the revisions written by a batch, except those it superseded
/// itself, to their selectors, inserting the selectors not seen before
/// (those of superseded revisions too: every selector a stored revision
/// names is known, as when the revisions come in separate batches).
fn link(
    ctx: &mut WriteCtx<'_>,
    written: &[(ReportRow, i64)],
    superseded: &HashSet<i64>,
) -> Result<(), StoreError> {
    let conn = ctx.conn;
    let mut links: Vec<(i64, i64)> = Vec::with_capacity(written.len() * 5);
    // Selectors the cache does not know, with the revision to link them to.
    let mut unknown: Vec<(&SelectorRow, Option<i64>)> = Vec::new();
    for (row, seq) in written {
        let seq = (!superseded.contains(seq)).then_some(*seq);
        for selector in &row.selectors {
            match (ctx.selectors.get(selector.print), seq) {
                (Some(id), Some(seq)) => links.push((id, seq)),
                (Some(_), None) => {}
                (None, seq) => unknown.push((selector, seq)),
            }
        }
    }
    // In key order, new selectors fill the key index page by page, and a
    // selector named by several reports of the batch is looked up once.
    // (Measured with the links' sort below on the 1,000,000-report import
    // in batches of 5,000: 24.1 s of store time sorted, 28.5 s in batch
    // order.)
    unknown.sort_unstable_by_key(|(s, _)| s.print);
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO selectors (key, text, kind) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO NOTHING",
        )
        .map_err(backend)?;
    let mut holder = conn
        .prepare_cached("SELECT id, text = ?2 FROM selectors WHERE key = ?1")
        .map_err(backend)?;
    let mut last: Option<(u128, i64)> = None;
    for (selector, seq) in unknown {
        let id = match last {
            Some((print, id)) if print == selector.print => id,
            _ => {
                let id = selector_id(ctx, &mut insert, &mut holder, selector)?;
                last = Some((selector.print, id));
                id
            }
        };
        if let Some(seq) = seq {
            links.push((id, seq));
        }
    }
    // In key order: the new selectors' links append at the end of the
    // table, the others go in one pass over it.
    links.sort_unstable();
    let mut add = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO report_selectors (selector_id, report_seq) VALUES (?1, ?2)",
        )
        .map_err(backend)?;
    for (selector, seq) in links {
        add.execute([selector, seq]).map_err(backend)?;
    }
    Ok(())
}

/// The id of a selector the cache does not know, inserting it when new: one
/// statement for a new selector, two for a known one.
fn selector_id(
    ctx: &mut WriteCtx<'_>,
    insert: &mut rusqlite::CachedStatement<'_>,
    holder: &mut rusqlite::CachedStatement<'_>,
    selector: &SelectorRow,
) -> Result<i64, StoreError> {
    let home = home_key(selector.print);
    for key in home..home + KEY_PROBES {
        if insert
            .execute(params![key, selector.text, selector.kind])
            .map_err(backend)?
            == 1
        {
            let id = ctx.conn.last_insert_rowid();
            ctx.selectors.insert_pending(selector.print, id);
            return Ok(id);
        }
        // The key is taken: by this text, or by another one with the same
        // first bits, and then this text is further on.
        let (id, same): (i64, bool) = holder
            .query_row(params![key, selector.text], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        if same {
            ctx.selectors.remember(selector.print, id);
            return Ok(id);
        }
    }
    Err(StoreError::Backend(format!(
        "selector '{}' finds its {KEY_PROBES} keys from {home} taken by others; \
         the selector table is damaged",
        selector.text
    )))
}

pub(crate) fn create_agency(
    ctx: &mut WriteCtx<'_>,
    agency: &NewAgency,
    created: DateTime<Utc>,
) -> Result<Agency, StoreError> {
    let inserted = ctx
        .conn
        .prepare_cached(
            "INSERT INTO agencies (code, name, country, kind, contact, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (code) DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute(params![
                agency.code,
                agency.name,
                agency.country,
                agency.kind,
                agency.contact,
                time_text(created)
            ])
        })
        .map_err(backend)?;
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "agency '{}' already exists",
            agency.code
        )));
    }
    Ok(Agency {
        code: agency.code.clone(),
        name: agency.name.clone(),
        country: agency.country.clone(),
        kind: agency.kind.clone(),
        contact: agency.contact.clone(),
        created: created.trunc_subsecs(6),
    })
}

pub(crate) fn create_user(
    ctx: &mut WriteCtx<'_>,
    user: &NewUser,
    created: DateTime<Utc>,
) -> Result<User, StoreError> {
    let conn = ctx.conn;
    let known = conn
        .prepare_cached("SELECT 1 FROM agencies WHERE code = ?1")
        .and_then(|mut s| s.exists([&user.agency]))
        .map_err(backend)?;
    if !known {
        return Err(StoreError::NotFound(format!(
            "agency '{}' does not exist",
            user.agency
        )));
    }
    let inserted = conn
        .prepare_cached(
            "INSERT INTO users (agency, name, role, created) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (agency, name) DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute(params![
                user.agency,
                user.name,
                user.role,
                time_text(created)
            ])
        })
        .map_err(backend)?;
    if inserted == 0 {
        return Err(StoreError::Conflict(format!(
            "agency '{}' already has a user named '{}'",
            user.agency, user.name
        )));
    }
    Ok(User {
        id: conn.last_insert_rowid(),
        agency: user.agency.clone(),
        name: user.name.clone(),
        role: user.role.clone(),
        created: created.trunc_subsecs(6),
    })
}

pub(crate) fn create_token(ctx: &mut WriteCtx<'_>, token: &NewToken) -> Result<Token, StoreError> {
    let conn = ctx.conn;
    let owner: Option<(String, String)> = conn
        .prepare_cached("SELECT agency, role FROM users WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([token.user_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(backend)?;
    let Some((agency, role)) = owner else {
        return Err(StoreError::NotFound(format!(
            "user {} does not exist",
            token.user_id
        )));
    };
    let inserted = conn
        .prepare_cached(
            "INSERT INTO tokens (user_id, digest, label, created) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| {
            s.execute(params![
                token.user_id,
                token.digest,
                token.label,
                time_text(token.created)
            ])
        });
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(
                "a token with this digest already exists; generate a new secret".into(),
            ));
        }
        Err(e) => return Err(backend(e)),
    }
    Ok(Token {
        id: conn.last_insert_rowid(),
        user_id: token.user_id,
        agency,
        role,
        label: token.label.clone(),
        created: token.created.trunc_subsecs(6),
        revoked: None,
    })
}

pub(crate) fn revoke_token(
    ctx: &mut WriteCtx<'_>,
    id: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = ctx
        .conn
        .prepare_cached("UPDATE tokens SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL")
        .and_then(|mut s| s.execute(params![id, time_text(at)]))
        .map_err(backend)?;
    Ok(changed == 1)
}

/// Appends events to the chain, reading its end inside the transaction so
/// that another process writing the same file cannot fork it.
pub(crate) fn append_audit(
    ctx: &mut WriteCtx<'_>,
    events: &[AuditEvent],
) -> Result<Vec<AuditRecord>, StoreError> {
    let conn = ctx.conn;
    let (last_seq, last_hash): (i64, String) = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(backend)?
        .unwrap_or((0, GENESIS.to_owned()));
    // The hash must cover the time as stored, to the microsecond.
    let events: Vec<AuditEvent> = events
        .iter()
        .map(|e| AuditEvent {
            at: e.at.trunc_subsecs(6),
            ..e.clone()
        })
        .collect();
    let records = audit::extend(last_seq, &last_hash, &events);
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO audit (seq, at, actor, user_id, action, owner, subject, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .map_err(backend)?;
    for r in &records {
        insert
            .execute(params![
                r.seq,
                time_text(r.event.at),
                r.event.actor,
                r.event.user,
                r.event.action,
                r.event.owner,
                r.event.subject,
                r.prev_hash,
                r.hash
            ])
            .map_err(backend)?;
    }
    Ok(records)
}

/// Appends decisions, each with its body's JSON text (`bodies`, made by
/// the caller), all stamped with one reading of the writer's clock. `seq`
/// is the rowid SQLite gives, one past the largest since no row is ever
/// deleted, so the single writer commits sequence numbers in order.
pub(crate) fn append_decisions(
    ctx: &mut WriteCtx<'_>,
    decisions: Vec<NewDecision>,
    bodies: &[String],
) -> Result<Vec<Decision>, StoreError> {
    let conn = ctx.conn;
    let at = Utc::now().trunc_subsecs(6);
    let at_text = time_text(at);
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO decisions (at, kind, subject, agency, user_name, reason, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(backend)?;
    let mut kept = Vec::with_capacity(decisions.len());
    for (d, body) in decisions.into_iter().zip(bodies) {
        insert
            .execute(params![
                at_text, d.kind, d.subject, d.agency, d.user, d.reason, body
            ])
            .map_err(backend)?;
        kept.push(Decision::kept(conn.last_insert_rowid(), at, d));
    }
    Ok(kept)
}

/// Keeps one agency's batch of STIX objects; see `Store::put_stix_objects`.
/// Runs after [`submit`] in the same job, which checked the agency.
///
/// Most objects of an import are new: one statement inserts each, and only
/// a version already kept costs the look-up that tells a repeat from a
/// conflict. A conflict fails the job, which the writer rolls back whole.
pub(crate) fn put_stix_objects(
    ctx: &mut WriteCtx<'_>,
    agency: &str,
    objects: &[NewStixObject],
    at: DateTime<Utc>,
) -> Result<Vec<PutOutcome>, StoreError> {
    let conn = ctx.conn;
    let added = time_text(at);
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO stix_objects (agency, added, id, kind, version, spec_version, tlp,
                                       recipients, hit_notification, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (agency, id, version) DO NOTHING",
        )
        .map_err(backend)?;
    let mut kept = conn
        .prepare_cached(
            "SELECT seq, json = ?4 FROM stix_objects
             WHERE agency = ?1 AND id = ?2 AND version = ?3",
        )
        .map_err(backend)?;
    let mut outcomes = Vec::with_capacity(objects.len());
    for o in objects {
        let recipients = serde_json::to_string(&o.marking.recipients)
            .map_err(|e| StoreError::Invalid(format!("stix object {} recipients: {e}", o.id)))?;
        let inserted = insert
            .execute(params![
                agency,
                added,
                o.id,
                o.kind(),
                o.version,
                o.spec_version,
                o.marking.tlp.as_str(),
                recipients,
                o.marking.hit_notification,
                o.json,
            ])
            .map_err(backend)?;
        if inserted == 1 {
            outcomes.push(PutOutcome::Added {
                seq: conn.last_insert_rowid(),
            });
            continue;
        }
        let (seq, same): (i64, bool) = kept
            .query_row(params![agency, o.id, o.version, o.json], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(backend)?;
        if !same {
            return Err(StoreError::stix_version_conflict(&o.id, &o.version));
        }
        outcomes.push(PutOutcome::Unchanged { seq });
    }
    Ok(outcomes)
}

/// Deletes an agency's rows of a STIX id (of one version when given).
pub(crate) fn delete_stix_objects(
    ctx: &mut WriteCtx<'_>,
    agency: &str,
    id: &str,
    version: Option<&str>,
) -> Result<u64, StoreError> {
    let deleted = match version {
        Some(version) => ctx
            .conn
            .prepare_cached(
                "DELETE FROM stix_objects WHERE agency = ?1 AND id = ?2 AND version = ?3",
            )
            .and_then(|mut s| s.execute(params![agency, id, version])),
        None => ctx
            .conn
            .prepare_cached("DELETE FROM stix_objects WHERE agency = ?1 AND id = ?2")
            .and_then(|mut s| s.execute(params![agency, id])),
    }
    .map_err(backend)?;
    Ok(deleted as u64)
}

/// Keeps an agency's money records; see `Store::put_money`. A record is a
/// new row unless the newest row of its (agency, kind, key) holds the
/// same body and marking.
pub(crate) fn put_money(
    ctx: &mut WriteCtx<'_>,
    agency: &str,
    marking: &cordon_core::Marking,
    records: &[cordon_store::NewMoney],
    at: DateTime<Utc>,
) -> Result<Vec<PutOutcome>, StoreError> {
    let conn = ctx.conn;
    let known = conn
        .prepare_cached("SELECT 1 FROM agencies WHERE code = ?1")
        .and_then(|mut s| s.exists([agency]))
        .map_err(backend)?;
    if !known {
        return Err(StoreError::NotFound(format!(
            "agency '{agency}' does not exist; create it first"
        )));
    }
    let accepted = time_text(at);
    let tlp = marking.tlp.as_str();
    let recipients = serde_json::to_string(&marking.recipients)
        .map_err(|e| StoreError::Invalid(format!("money recipients: {e}")))?;
    let mut newest = conn
        .prepare_cached(
            "SELECT seq, body = ?4 AND tlp = ?5 AND recipients = ?6 AND hit_notification = ?7
             FROM money WHERE agency = ?1 AND kind = ?2 AND key = ?3
             ORDER BY seq DESC LIMIT 1",
        )
        .map_err(backend)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO money (agency, kind, key, accepted, tlp, recipients, hit_notification, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(backend)?;
    let mut outcomes = Vec::with_capacity(records.len());
    for r in records {
        let kept: Option<(i64, bool)> = newest
            .query_row(
                params![
                    agency,
                    r.kind.as_str(),
                    r.key,
                    r.body,
                    tlp,
                    recipients,
                    marking.hit_notification
                ],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(backend)?;
        if let Some((seq, true)) = kept {
            outcomes.push(PutOutcome::Unchanged { seq });
            continue;
        }
        insert
            .execute(params![
                agency,
                r.kind.as_str(),
                r.key,
                accepted,
                tlp,
                recipients,
                marking.hit_notification,
                r.body
            ])
            .map_err(backend)?;
        outcomes.push(PutOutcome::Added {
            seq: conn.last_insert_rowid(),
        });
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_core::{Marking, ReportKind, Selector, Tlp};
    use rusqlite::Connection;

    fn report(id: &str, narrative: Option<&str>) -> Report {
        Report {
            id: id.to_owned(),
            kind: ReportKind::Tip,
            received: None,
            country: "KH".into(),
            language: None,
            marking: Marking::new(Tlp::Amber),
            grading: None,
            mo: Vec::new(),
            narrative: narrative.map(str::to_owned),
            selectors: vec![Selector::parse_canonical("phone:+85512345678").unwrap()],
            losses: Vec::new(),
            location: None,
        }
    }

    #[test]
    fn the_digest_from_the_body_is_the_reports_own() {
        for (id, narrative) in [
            ("r-1", Some("plain")),
            ("", None),
            (
                "quote\"back\\slash/é\u{1}\u{7f}\u{2028}",
                Some("{\"id\":\"x\"}"),
            ),
            (
                "sha256-0123abcd",
                Some("ids that look like json: \"id\":\"\""),
            ),
        ] {
            let r = report(id, narrative);
            let body = serde_json::to_string(&r).unwrap();
            let id_json = serde_json::to_string(&r.id).unwrap();
            assert!(
                body.starts_with(&format!("{{\"id\":{id_json}")),
                "the fast path applies: {body}"
            );
            assert_eq!(digest(&r, &body), r.digest(), "{id:?}");
        }
    }

    /// The statements of an import and of a supersession, and the posting
    /// look-up, each find their rows through an index.
    #[test]
    fn no_statement_scans_a_table() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        for sql in [
            "SELECT j.value FROM reports r, json_each(r.body, '$.selectors') j WHERE r.seq = ?1",
            "SELECT id FROM selectors WHERE key BETWEEN ?1 AND ?1 + 15 AND text = ?2",
            "DELETE FROM report_selectors WHERE selector_id = ?1 AND report_seq = ?2",
            "SELECT id, text = ?2 FROM selectors WHERE key = ?1",
            "SELECT seq, revision, digest FROM reports
             WHERE agency = ?1 AND id = ?2 ORDER BY revision DESC LIMIT 1",
            "SELECT r.seq FROM selectors s
             JOIN report_selectors rs ON rs.selector_id = s.id
             JOIN reports r ON r.seq = rs.report_seq
             WHERE s.key BETWEEN ?1 AND ?1 + 15 AND s.text = ?2
             ORDER BY r.seq",
            "SELECT seq, json = ?4 FROM stix_objects
             WHERE agency = ?1 AND id = ?2 AND version = ?3",
            "DELETE FROM stix_objects WHERE agency = ?1 AND id = ?2 AND version = ?3",
            "DELETE FROM stix_objects WHERE agency = ?1 AND id = ?2",
        ] {
            let mut explain = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let args: Vec<i64> = vec![1; explain.parameter_count()];
            let plan: Vec<String> = explain
                .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(
                plan.iter()
                    .all(|step| !step.starts_with("SCAN") || step.starts_with("SCAN j")),
                "{sql}\n{plan:#?}"
            );
        }
    }
}
