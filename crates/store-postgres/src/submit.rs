//! Storing a batch of reports with a handful of array-bound statements,
//! however large the batch: `UNNEST` turns bound arrays into rows, so 5,000
//! reports cost the same ten round trips as one.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SubsecRound, Utc};
use cordon_core::Report;
use cordon_store::{StoreError, SubmitOutcome, derived};
use sqlx::{PgConnection, Row};

use crate::backend;

/// A report turned into column values.
#[derive(Debug)]
pub(crate) struct ReportRow {
    id: String,
    digest: String,
    kind: &'static str,
    country: String,
    /// `None` when the report gives no receipt time: the row takes its
    /// acceptance time.
    received: Option<DateTime<Utc>>,
    tlp: &'static str,
    recipients: String,
    hit_notification: bool,
    body: String,
    /// Each selector's text, kind and the key of its object's STIX id
    /// ([`cordon_store::derived::selector_key`]).
    selectors: Vec<(String, &'static str, i64)>,
    /// What `list_reports` finds the revision by, space-separated.
    terms: String,
    /// The key of the report's derived STIX UUID
    /// ([`cordon_store::derived::report_key`]), stored with its first
    /// revision.
    stix: i64,
}

/// Turns a report of `agency` into column values; done before the
/// transaction opens, so that serialising, hashing, finding its terms and
/// deriving its STIX ids do not hold the lock.
pub(crate) fn prepare(report: &Report, agency: &str) -> Result<ReportRow, StoreError> {
    cordon_store::check::report(report)?;
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
        received: report.received.map(|t| t.trunc_subsecs(6)),
        tlp: report.marking.tlp.as_str(),
        recipients,
        hit_notification: report.marking.hit_notification,
        body,
        selectors: report
            .selectors
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    s.kind().as_str(),
                    derived::selector_key(s),
                )
            })
            .collect(),
        terms: terms_text(agency, report),
        stix: derived::report_key(agency, &report.id),
    })
}

/// A revision's terms as one space-separated text, which the statements
/// turn into a `tsvector` with `array_to_tsvector(string_to_array(t, ' '))`
/// (terms hold no whitespace; repeats are dropped there).
pub(crate) fn terms_text(agency: &str, report: &Report) -> String {
    let narrative = report.narrative.as_ref().map_or(0, String::len);
    let mut text = String::with_capacity(narrative + 512);
    cordon_store::terms::write_terms(agency, report, &mut text);
    text
}

/// The newest revision of an id, stored or written earlier in this batch.
struct Latest {
    revision: u32,
    digest: String,
    place: Place,
}

#[derive(Clone, Copy)]
enum Place {
    /// Already stored, with this sequence number.
    Stored(i64),
    /// Written by this batch: index into the new rows.
    New(usize),
}

/// One new revision to insert.
struct NewRow<'a> {
    row: &'a ReportRow,
    revision: u32,
    current: bool,
}

/// Stores one agency's batch inside the caller's transaction, which holds
/// the EXCLUSIVE lock on `reports` (see [`crate::writer`]): writers of
/// reports are serialised across every replica, so sequence numbers commit
/// in ascending order. Readers are not blocked.
pub(crate) async fn submit(
    conn: &mut PgConnection,
    agency: &str,
    rows: &[ReportRow],
    accepted: DateTime<Utc>,
) -> Result<Vec<SubmitOutcome>, StoreError> {
    let known = sqlx::query("SELECT 1 FROM agencies WHERE code = $1")
        .bind(agency)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    if known.is_none() {
        return Err(StoreError::NotFound(format!(
            "agency '{agency}' does not exist; create it first"
        )));
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }

    let mut ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let stored = sqlx::query(
        "SELECT id, seq, revision, digest FROM reports
         WHERE agency = $1 AND current AND id = ANY($2)",
    )
    .bind(agency)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut latest: HashMap<String, Latest> = HashMap::with_capacity(stored.len());
    for r in stored {
        let revision: i32 = r.try_get("revision").map_err(backend)?;
        latest.insert(
            r.try_get("id").map_err(backend)?,
            Latest {
                revision: u32::try_from(revision).unwrap_or(0),
                digest: r.try_get("digest").map_err(backend)?,
                place: Place::Stored(r.try_get("seq").map_err(backend)?),
            },
        );
    }

    // Decide every report in order, as if submitted one by one.
    enum Outcome {
        Accepted(usize),
        Unchanged(u32, Place),
    }
    let mut outcomes = Vec::with_capacity(rows.len());
    let mut new_rows: Vec<NewRow<'_>> = Vec::with_capacity(rows.len());
    let mut superseded: Vec<i64> = Vec::new();
    for row in rows {
        let revision = match latest.get(&row.id) {
            Some(l) if l.digest == row.digest => {
                outcomes.push(Outcome::Unchanged(l.revision, l.place));
                continue;
            }
            Some(l) => {
                match l.place {
                    Place::Stored(seq) => superseded.push(seq),
                    Place::New(i) => new_rows[i].current = false,
                }
                l.revision + 1
            }
            None => 1,
        };
        let index = new_rows.len();
        new_rows.push(NewRow {
            row,
            revision,
            current: true,
        });
        outcomes.push(Outcome::Accepted(index));
        latest.insert(
            row.id.clone(),
            Latest {
                revision,
                digest: row.digest.clone(),
                place: Place::New(index),
            },
        );
    }

    if !superseded.is_empty() {
        // Before the inserts: at most one current revision per id.
        sqlx::query("UPDATE reports SET current = false WHERE seq = ANY($1)")
            .bind(&superseded)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM report_selectors WHERE report_seq = ANY($1)")
            .bind(&superseded)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
    }

    let seqs = insert_reports(conn, agency, &new_rows, accepted).await?;
    link_selectors(conn, &new_rows, &seqs).await?;

    let seq_of = |place: Place| match place {
        Place::Stored(seq) => seq,
        Place::New(i) => seqs[i],
    };
    Ok(outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Accepted(i) => SubmitOutcome::Accepted {
                revision: new_rows[i].revision,
                seq: seqs[i],
            },
            Outcome::Unchanged(revision, place) => SubmitOutcome::Unchanged {
                revision,
                seq: seq_of(place),
            },
        })
        .collect())
}

/// Inserts the new revisions in order and returns their sequence numbers.
async fn insert_reports(
    conn: &mut PgConnection,
    agency: &str,
    new_rows: &[NewRow<'_>],
    accepted: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    if new_rows.is_empty() {
        return Ok(Vec::new());
    }
    let n = new_rows.len();
    let mut ids = Vec::with_capacity(n);
    let mut revisions = Vec::with_capacity(n);
    let mut currents = Vec::with_capacity(n);
    let mut digests = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut countries = Vec::with_capacity(n);
    let mut received = Vec::with_capacity(n);
    let mut tlps = Vec::with_capacity(n);
    let mut recipients = Vec::with_capacity(n);
    let mut hits = Vec::with_capacity(n);
    let mut bodies = Vec::with_capacity(n);
    let mut terms = Vec::with_capacity(n);
    let mut stix = Vec::with_capacity(n);
    for r in new_rows {
        ids.push(r.row.id.as_str());
        revisions.push(i32::try_from(r.revision).unwrap_or(i32::MAX));
        currents.push(r.current);
        digests.push(r.row.digest.as_str());
        kinds.push(r.row.kind);
        countries.push(r.row.country.as_str());
        received.push(r.row.received);
        tlps.push(r.row.tlp);
        recipients.push(r.row.recipients.as_str());
        hits.push(r.row.hit_notification);
        bodies.push(r.row.body.as_str());
        terms.push(r.row.terms.as_str());
        stix.push((r.revision == 1).then_some(r.row.stix));
    }
    let inserted = sqlx::query(
        "INSERT INTO reports (agency, id, revision, current, digest, kind, country, received,
                              accepted, tlp, recipients, hit_notification, body, terms, stix)
         SELECT $1, t.id, t.revision, t.current, t.digest, t.kind, t.country, COALESCE(t.received, $2),
                $2, t.tlp, ARRAY(SELECT json_array_elements_text(t.recipients::json)),
                t.hit, t.body, array_to_tsvector(string_to_array(t.terms, ' ')), t.stix
         FROM UNNEST($3::text[], $4::int4[], $5::bool[], $6::text[], $7::text[], $8::text[],
                     $9::timestamptz[], $10::text[], $11::text[], $12::bool[], $13::text[],
                     $14::text[], $15::int8[])
              WITH ORDINALITY
              AS t(id, revision, current, digest, kind, country, received, tlp, recipients, hit,
                   body, terms, stix, ord)
         ORDER BY t.ord
         RETURNING seq, id, revision",
    )
    .bind(agency)
    .bind(accepted.trunc_subsecs(6))
    .bind(&ids)
    .bind(&revisions)
    .bind(&currents)
    .bind(&digests)
    .bind(&kinds)
    .bind(&countries)
    .bind(&received)
    .bind(&tlps)
    .bind(&recipients)
    .bind(&hits)
    .bind(&bodies)
    .bind(&terms)
    .bind(&stix)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;

    // (id, revision) is unique within the agency: it maps each returned
    // sequence number back to its row whatever order RETURNING used.
    let mut by_key: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for r in inserted {
        by_key.insert(
            (
                r.try_get("id").map_err(backend)?,
                r.try_get("revision").map_err(backend)?,
            ),
            r.try_get("seq").map_err(backend)?,
        );
    }
    ids.iter()
        .zip(&revisions)
        .map(|(id, rev)| {
            by_key
                .get(&((*id).to_owned(), *rev))
                .copied()
                .ok_or_else(|| {
                    StoreError::Backend(format!(
                        "postgres returned no sequence number for report {id}"
                    ))
                })
        })
        .collect()
}

/// Upserts the selectors of the current new revisions and links them.
async fn link_selectors(
    conn: &mut PgConnection,
    new_rows: &[NewRow<'_>],
    seqs: &[i64],
) -> Result<(), StoreError> {
    // Sorted, so that concurrent upserts (another database user) cannot
    // deadlock on the unique index.
    let mut kinds: BTreeMap<&str, (&str, i64)> = BTreeMap::new();
    for r in new_rows.iter().filter(|r| r.current) {
        for (text, kind, stix) in &r.row.selectors {
            kinds.insert(text.as_str(), (kind, *stix));
        }
    }
    if kinds.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = kinds.keys().copied().collect();
    let kind_list: Vec<&str> = kinds.values().map(|v| v.0).collect();
    let stix: Vec<i64> = kinds.values().map(|v| v.1).collect();
    sqlx::query(
        "INSERT INTO selectors (text, kind, stix)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[])
         ON CONFLICT (text) DO NOTHING",
    )
    .bind(&texts)
    .bind(&kind_list)
    .bind(&stix)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    let found = sqlx::query("SELECT id, text FROM selectors WHERE text = ANY($1)")
        .bind(&texts)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?;
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(found.len());
    for r in found {
        ids.insert(
            r.try_get("text").map_err(backend)?,
            r.try_get("id").map_err(backend)?,
        );
    }

    let mut selector_ids = Vec::new();
    let mut report_seqs = Vec::new();
    for (r, seq) in new_rows.iter().zip(seqs).filter(|(r, _)| r.current) {
        for (text, _, _) in &r.row.selectors {
            let id = ids.get(text).ok_or_else(|| {
                StoreError::Backend(format!("postgres lost selector {text} while storing it"))
            })?;
            selector_ids.push(*id);
            report_seqs.push(*seq);
        }
    }
    sqlx::query(
        "INSERT INTO report_selectors (selector_id, report_seq)
         SELECT * FROM UNNEST($1::int8[], $2::int8[])
         ON CONFLICT DO NOTHING",
    )
    .bind(&selector_ids)
    .bind(&report_seqs)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}
