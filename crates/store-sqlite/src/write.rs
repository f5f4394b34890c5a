//! The write operations, run on the writer thread inside a transaction and
//! a savepoint (see [`crate::writer`]), and the preparation of reports that
//! callers do before queueing them.

use chrono::{DateTime, SubsecRound, Utc};
use cordon_core::Report;
use cordon_store::audit::{self, GENESIS};
use cordon_store::{
    Agency, AuditEvent, AuditRecord, NewAgency, NewToken, NewUser, StoreError, SubmitOutcome,
    Token, User,
};
use rusqlite::{OptionalExtension, params};

use crate::codec::{backend, is_unique_violation, time_text};
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
    selectors: Vec<(String, &'static str)>,
}

/// Turns a report into column values: the serialisation and hashing are
/// done by the caller, off the writer thread, so that they run beside it.
pub(crate) fn prepare(report: &Report) -> Result<ReportRow, StoreError> {
    crate::check::report(report)?;
    let body = serde_json::to_string(report).map_err(|e| {
        StoreError::Invalid(format!("report {} cannot be serialised: {e}", report.id))
    })?;
    let recipients = serde_json::to_string(&report.marking.recipients)
        .map_err(|e| StoreError::Invalid(format!("report {} recipients: {e}", report.id)))?;
    Ok(ReportRow {
        id: report.id.clone(),
        digest: report.digest(),
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
            .map(|s| (s.as_str().to_owned(), s.kind().as_str()))
            .collect(),
    })
}

/// Stores one agency's batch; see `Store::submit`.
pub(crate) fn submit(
    ctx: &mut WriteCtx<'_>,
    agency: &str,
    rows: &[ReportRow],
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
    let mut latest = conn
        .prepare_cached(
            "SELECT seq, revision, digest FROM reports
             WHERE agency = ?1 AND id = ?2 ORDER BY revision DESC LIMIT 1",
        )
        .map_err(backend)?;
    let mut supersede = conn
        .prepare_cached("UPDATE reports SET current = 0 WHERE seq = ?1")
        .map_err(backend)?;
    let mut unlink = conn
        .prepare_cached("DELETE FROM report_selectors WHERE report_seq = ?1")
        .map_err(backend)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO reports (agency, id, revision, current, digest, kind, country, received,
                                  accepted, tlp, recipients, hit_notification, body)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, COALESCE(?7, ?8), ?8, ?9, ?10, ?11, ?12)",
        )
        .map_err(backend)?;
    let mut link = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO report_selectors (selector_id, report_seq) VALUES (?1, ?2)",
        )
        .map_err(backend)?;

    let mut outcomes = Vec::with_capacity(rows.len());
    for row in rows {
        let previous: Option<(i64, u32, String)> = latest
            .query_row(params![agency, row.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(backend)?;
        let revision = match &previous {
            Some((seq, revision, digest)) if *digest == row.digest => {
                outcomes.push(SubmitOutcome::Unchanged {
                    revision: *revision,
                    seq: *seq,
                });
                continue;
            }
            Some((seq, revision, _)) => {
                supersede.execute([seq]).map_err(backend)?;
                unlink.execute([seq]).map_err(backend)?;
                revision + 1
            }
            None => 1,
        };
        insert
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
        for (text, kind) in &row.selectors {
            let selector = selector_id(ctx, text, kind)?;
            link.execute([selector, seq]).map_err(backend)?;
        }
        outcomes.push(SubmitOutcome::Accepted { revision, seq });
    }
    Ok(outcomes)
}

/// The id of a selector, inserting it when new.
fn selector_id(ctx: &mut WriteCtx<'_>, text: &str, kind: &str) -> Result<i64, StoreError> {
    if let Some(id) = ctx.selectors.get(text) {
        return Ok(id);
    }
    let conn = ctx.conn;
    let inserted = conn
        .prepare_cached("INSERT OR IGNORE INTO selectors (text, kind) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute([text, kind]))
        .map_err(backend)?;
    if inserted == 1 {
        let id = conn.last_insert_rowid();
        ctx.selectors.insert_pending(text, id);
        return Ok(id);
    }
    let id: i64 = conn
        .prepare_cached("SELECT id FROM selectors WHERE text = ?1")
        .and_then(|mut s| s.query_row([text], |r| r.get(0)))
        .map_err(backend)?;
    ctx.selectors.remember(text.into(), id);
    Ok(id)
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
