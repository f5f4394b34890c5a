//! Money records (migration 0006): a batch is put with three array-bound
//! statements inside the writer's group transaction (see
//! [`crate::writer`]), which holds the EXCLUSIVE lock on `money`, so that
//! each row is numbered one past the largest and sequence numbers commit in
//! ascending order across replicas; reads are single statements on the
//! pool.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use cordon_core::{Marking, Tlp};
use cordon_store::{MoneyKind, NewMoney, PutOutcome, StoreError, StoredMoney};
use sqlx::PgConnection;
use sqlx::postgres::{PgPool, PgRow};

use crate::{all, backend, get};

const MONEY_COLUMNS: &str =
    "seq, agency, kind, key, accepted, tlp, recipients, hit_notification, body";

fn stored(row: &PgRow) -> Result<StoredMoney, StoreError> {
    let kind: String = get(row, "kind")?;
    let tlp: String = get(row, "tlp")?;
    Ok(StoredMoney {
        seq: get(row, "seq")?,
        agency: get(row, "agency")?,
        kind: MoneyKind::parse(&kind)
            .ok_or_else(|| StoreError::Backend(format!("stored money kind '{kind}' is unknown")))?,
        key: get(row, "key")?,
        marking: Marking {
            tlp: tlp
                .parse::<Tlp>()
                .map_err(|e| StoreError::Backend(format!("stored marking is unreadable: {e}")))?,
            recipients: get(row, "recipients")?,
            hit_notification: get(row, "hit_notification")?,
        },
        accepted: get(row, "accepted")?,
        body: get(row, "body")?,
    })
}

/// What the newest revision of a key holds, to tell a repeat.
#[derive(PartialEq)]
struct Held {
    seq: i64,
    body: String,
    marking: Marking,
}

/// Keeps one agency's batch inside the caller's transaction; see
/// `Store::put_money`. The newest revisions of the batch's keys are read
/// first, every record is decided in order (a repeat of the newest, or a
/// new revision, which later records of the batch compare against), and
/// the new ones are inserted in one statement.
pub(crate) async fn put(
    conn: &mut PgConnection,
    agency: &str,
    marking: &Marking,
    records: &[NewMoney],
    at: DateTime<Utc>,
) -> Result<Vec<PutOutcome>, StoreError> {
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agencies WHERE code = $1)")
        .bind(agency)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
    if !known {
        return Err(StoreError::NotFound(format!(
            "agency '{agency}' does not exist; create it first"
        )));
    }
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    let rows = sqlx::query(
        "SELECT DISTINCT ON (m.kind, m.key) m.kind, m.key, m.seq, m.body, m.tlp, m.recipients,
                m.hit_notification
         FROM money m
         JOIN UNNEST($2::text[], $3::text[]) AS t(kind, key) ON m.kind = t.kind AND m.key = t.key
         WHERE m.agency = $1
         ORDER BY m.kind, m.key, m.seq DESC",
    )
    .bind(agency)
    .bind(&kinds)
    .bind(&keys)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut newest: HashMap<(String, String), Held> = HashMap::with_capacity(rows.len());
    for row in rows {
        let tlp: String = get(&row, "tlp")?;
        newest.insert(
            (get(&row, "kind")?, get(&row, "key")?),
            Held {
                seq: get(&row, "seq")?,
                body: get(&row, "body")?,
                marking: Marking {
                    tlp: tlp.parse::<Tlp>().map_err(|e| {
                        StoreError::Backend(format!("stored marking is unreadable: {e}"))
                    })?,
                    recipients: get(&row, "recipients")?,
                    hit_notification: get(&row, "hit_notification")?,
                },
            },
        );
    }
    let last: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM money")
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
    let mut outcomes = Vec::with_capacity(records.len());
    let mut new: Vec<(i64, &NewMoney)> = Vec::new();
    for r in records {
        let key = (r.kind.as_str().to_owned(), r.key.clone());
        match newest.get(&key) {
            Some(held) if held.body == r.body && held.marking == *marking => {
                outcomes.push(PutOutcome::Unchanged { seq: held.seq });
            }
            _ => {
                let seq = last + new.len() as i64 + 1;
                new.push((seq, r));
                outcomes.push(PutOutcome::Added { seq });
                newest.insert(
                    key,
                    Held {
                        seq,
                        body: r.body.clone(),
                        marking: marking.clone(),
                    },
                );
            }
        }
    }
    if new.is_empty() {
        return Ok(outcomes);
    }
    let seqs: Vec<i64> = new.iter().map(|(s, _)| *s).collect();
    let kinds: Vec<&str> = new.iter().map(|(_, r)| r.kind.as_str()).collect();
    let keys: Vec<&str> = new.iter().map(|(_, r)| r.key.as_str()).collect();
    let bodies: Vec<&str> = new.iter().map(|(_, r)| r.body.as_str()).collect();
    sqlx::query(
        "INSERT INTO money (seq, agency, kind, key, accepted, tlp, recipients, hit_notification,
                            body)
         SELECT t.seq, $1, t.kind, t.key, $2, $3, $4, $5, t.body
         FROM UNNEST($6::int8[], $7::text[], $8::text[], $9::text[]) AS t(seq, kind, key, body)",
    )
    .bind(agency)
    .bind(at.trunc_subsecs(6))
    .bind(marking.tlp.as_str())
    .bind(&marking.recipients)
    .bind(marking.hit_notification)
    .bind(&seqs)
    .bind(&kinds)
    .bind(&keys)
    .bind(&bodies)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(outcomes)
}

pub(crate) async fn after(
    pool: &PgPool,
    after: i64,
    limit: u32,
) -> Result<Vec<StoredMoney>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {MONEY_COLUMNS} FROM money WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    all(rows, stored)
}
