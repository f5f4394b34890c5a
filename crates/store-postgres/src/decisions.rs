//! The decision log (migration 0005): a batch is appended with one
//! array-bound statement inside the writer's group transaction (see
//! [`crate::writer`]), which holds the EXCLUSIVE lock on `decisions`; reads
//! are single statements on the pool.

use chrono::{SubsecRound, Utc};
use cordon_store::{Decision, NewDecision, StoreError};
use sqlx::PgConnection;
use sqlx::postgres::{PgPool, PgRow};

use crate::{all, backend, get};

/// A decision and its body's JSON text, made before the transaction opens
/// so that serialising does not hold the lock.
#[derive(Debug)]
pub(crate) struct DecisionRow {
    decision: NewDecision,
    body: String,
}

pub(crate) fn prepare(decisions: &[NewDecision]) -> Vec<DecisionRow> {
    decisions
        .iter()
        .map(|d| DecisionRow {
            decision: d.clone(),
            body: d.body.to_string(),
        })
        .collect()
}

/// Appends a batch inside the caller's transaction, which holds the
/// EXCLUSIVE lock on `decisions`: each row is numbered one past the
/// largest, so sequence numbers commit in ascending order across every
/// replica and follow the batch's order. All are stamped with this
/// moment.
pub(crate) async fn append(
    conn: &mut PgConnection,
    rows: Vec<DecisionRow>,
) -> Result<Vec<Decision>, StoreError> {
    let at = Utc::now().trunc_subsecs(6);
    let last: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM decisions")
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
    let seqs: Vec<i64> = (1..=rows.len() as i64).map(|i| last + i).collect();
    let column = |f: fn(&DecisionRow) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO decisions (seq, at, kind, subject, agency, user_name, reason, body)
         SELECT t.seq, $2, t.kind, t.subject, t.agency, t.user_name, t.reason, t.body
         FROM UNNEST($1::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[])
              AS t(seq, kind, subject, agency, user_name, reason, body)",
    )
    .bind(&seqs)
    .bind(at)
    .bind(column(|r| &r.decision.kind))
    .bind(column(|r| &r.decision.subject))
    .bind(column(|r| &r.decision.agency))
    .bind(column(|r| &r.decision.user))
    .bind(column(|r| &r.decision.reason))
    .bind(column(|r| &r.body))
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(seqs
        .into_iter()
        .zip(rows)
        .map(|(seq, r)| Decision::kept(seq, at, r.decision))
        .collect())
}

const DECISION_COLUMNS: &str =
    "SELECT seq, at, kind, subject, agency, user_name, reason, body FROM decisions";

fn decision(row: &PgRow) -> Result<Decision, StoreError> {
    let seq: i64 = get(row, "seq")?;
    let body: String = get(row, "body")?;
    Ok(Decision {
        seq,
        at: get(row, "at")?,
        kind: get(row, "kind")?,
        subject: get(row, "subject")?,
        agency: get(row, "agency")?,
        user: get(row, "user_name")?,
        reason: get(row, "reason")?,
        body: serde_json::from_str(&body).map_err(|e| {
            StoreError::Backend(format!(
                "stored decision {seq} has a body that is not json: {e}"
            ))
        })?,
    })
}

pub(crate) async fn after(
    pool: &PgPool,
    after: i64,
    limit: u32,
) -> Result<Vec<Decision>, StoreError> {
    let rows = sqlx::query(&format!(
        "{DECISION_COLUMNS} WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    all(rows, decision)
}

/// Through `decisions_by_subject`.
pub(crate) async fn about(pool: &PgPool, subject: &str) -> Result<Vec<Decision>, StoreError> {
    let rows = sqlx::query(&format!(
        "{DECISION_COLUMNS} WHERE subject = $1 ORDER BY seq"
    ))
    .bind(subject)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    all(rows, decision)
}
