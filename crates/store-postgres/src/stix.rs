//! STIX objects kept verbatim (migration 0003): a batch is put with a
//! handful of array-bound statements inside the writer's group transaction
//! (see [`crate::writer`]), which holds the EXCLUSIVE lock on
//! `stix_objects`; reads and deletes are single statements on the pool.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SubsecRound, Utc};
use cordon_core::{Marking, Tlp};
use cordon_store::{NewStixObject, PutOutcome, StixFilter, StoreError, StoredStixObject};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::{all, backend, get};

const STIX_COLUMNS: &str = "seq, agency, added, id, kind, version, spec_version, tlp, \
     recipients, hit_notification, json";

fn stored(row: &PgRow) -> Result<StoredStixObject, StoreError> {
    let tlp: String = get(row, "tlp")?;
    Ok(StoredStixObject {
        seq: get(row, "seq")?,
        agency: get(row, "agency")?,
        added: get(row, "added")?,
        id: get(row, "id")?,
        kind: get(row, "kind")?,
        version: get(row, "version")?,
        spec_version: get(row, "spec_version")?,
        marking: Marking {
            tlp: tlp
                .parse::<Tlp>()
                .map_err(|e| StoreError::Backend(format!("stored marking is unreadable: {e}")))?,
            recipients: get(row, "recipients")?,
            hit_notification: get(row, "hit_notification")?,
        },
        json: get(row, "json")?,
    })
}

/// Where the object a batch names by (id, version) already is.
#[derive(Clone, Copy)]
enum Place {
    /// Kept before, with this sequence number.
    Stored(i64),
    /// Added by this batch: index into the new rows.
    New(usize),
}

/// Keeps one agency's batch inside the caller's transaction, after its
/// reports were submitted (which found the agency); see
/// `Store::put_stix_objects`. The objects already kept under the batch's
/// (id, version) pairs are read first, every object is decided in order
/// (added, unchanged or a conflict that fails the whole job) and the new
/// ones are inserted in one statement.
pub(crate) async fn put(
    conn: &mut PgConnection,
    agency: &str,
    objects: &[NewStixObject],
    at: DateTime<Utc>,
) -> Result<Vec<PutOutcome>, StoreError> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }

    let pairs: BTreeSet<(&str, &str)> = objects
        .iter()
        .map(|o| (o.id.as_str(), o.version.as_str()))
        .collect();
    let (ids, versions): (Vec<&str>, Vec<&str>) = pairs.into_iter().unzip();
    let rows = sqlx::query(
        "SELECT s.seq, s.id, s.version, s.json
         FROM UNNEST($2::text[], $3::text[]) AS t(id, version)
         JOIN stix_objects s ON s.agency = $1 AND s.id = t.id AND s.version = t.version",
    )
    .bind(agency)
    .bind(&ids)
    .bind(&versions)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    // The text each (id, version) is kept with, and where.
    let mut kept: HashMap<(String, String), (String, Place)> = HashMap::with_capacity(rows.len());
    for row in rows {
        kept.insert(
            (get(&row, "id")?, get(&row, "version")?),
            (get(&row, "json")?, Place::Stored(get(&row, "seq")?)),
        );
    }

    enum Outcome {
        Added(usize),
        Unchanged(Place),
    }
    let mut outcomes = Vec::with_capacity(objects.len());
    let mut new: Vec<&NewStixObject> = Vec::new();
    for o in objects {
        let key = (o.id.clone(), o.version.clone());
        match kept.get(&key) {
            Some((json, place)) if *json == o.json => outcomes.push(Outcome::Unchanged(*place)),
            Some(_) => return Err(StoreError::stix_version_conflict(&o.id, &o.version)),
            None => {
                kept.insert(key, (o.json.clone(), Place::New(new.len())));
                outcomes.push(Outcome::Added(new.len()));
                new.push(o);
            }
        }
    }

    let seqs = insert(conn, agency, &new, at).await?;
    Ok(outcomes
        .into_iter()
        .map(|o| match o {
            Outcome::Added(i) => PutOutcome::Added { seq: seqs[i] },
            Outcome::Unchanged(Place::Stored(seq)) => PutOutcome::Unchanged { seq },
            Outcome::Unchanged(Place::New(i)) => PutOutcome::Unchanged { seq: seqs[i] },
        })
        .collect())
}

/// Inserts new objects in order and returns their sequence numbers.
async fn insert(
    conn: &mut PgConnection,
    agency: &str,
    new: &[&NewStixObject],
    at: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let n = new.len();
    let mut ids = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut versions = Vec::with_capacity(n);
    let mut spec_versions = Vec::with_capacity(n);
    let mut tlps = Vec::with_capacity(n);
    let mut recipients = Vec::with_capacity(n);
    let mut hits = Vec::with_capacity(n);
    let mut texts = Vec::with_capacity(n);
    for o in new {
        ids.push(o.id.as_str());
        kinds.push(o.kind());
        versions.push(o.version.as_str());
        spec_versions.push(o.spec_version.as_str());
        tlps.push(o.marking.tlp.as_str());
        // Arrays of arrays must be rectangular: each row's recipients
        // travel as one JSON text, as the reports' do.
        recipients.push(
            serde_json::to_string(&o.marking.recipients).map_err(|e| {
                StoreError::Invalid(format!("stix object {} recipients: {e}", o.id))
            })?,
        );
        hits.push(o.marking.hit_notification);
        texts.push(o.json.as_str());
    }
    let inserted = sqlx::query(
        "INSERT INTO stix_objects (agency, added, id, kind, version, spec_version, tlp,
                                   recipients, hit_notification, json)
         SELECT $1, $2, t.id, t.kind, t.version, t.spec_version, t.tlp,
                ARRAY(SELECT json_array_elements_text(t.recipients::json)), t.hit, t.json
         FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::bool[], $10::text[])
              WITH ORDINALITY
              AS t(id, kind, version, spec_version, tlp, recipients, hit, json, ord)
         ORDER BY t.ord
         RETURNING seq, id, version",
    )
    .bind(agency)
    .bind(at.trunc_subsecs(6))
    .bind(&ids)
    .bind(&kinds)
    .bind(&versions)
    .bind(&spec_versions)
    .bind(&tlps)
    .bind(&recipients)
    .bind(&hits)
    .bind(&texts)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;

    // (id, version) is unique within the agency: it maps each returned
    // sequence number back to its object whatever order RETURNING used.
    let mut by_key: HashMap<(String, String), i64> = HashMap::with_capacity(inserted.len());
    for row in inserted {
        by_key.insert((get(&row, "id")?, get(&row, "version")?), get(&row, "seq")?);
    }
    new.iter()
        .map(|o| {
            by_key
                .get(&(o.id.clone(), o.version.clone()))
                .copied()
                .ok_or_else(|| {
                    StoreError::Backend(format!(
                        "postgres returned no sequence number for stix object {}",
                        o.id
                    ))
                })
        })
        .collect()
}

/// See `Store::stix_objects_after`. Only the conditions the filter sets
/// are written, so that the planner sees each query as it is and picks the
/// primary key, `stix_objects_by_id`, `_by_kind` or `_by_agency`.
pub(crate) async fn after(
    pool: &PgPool,
    after: i64,
    limit: u32,
    filter: &StixFilter,
) -> Result<Vec<StoredStixObject>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut q: QueryBuilder<'_, Postgres> = QueryBuilder::new(format!(
        "SELECT {STIX_COLUMNS} FROM stix_objects WHERE seq > "
    ));
    q.push_bind(after);
    if !filter.ids.is_empty() {
        q.push(" AND id = ANY(").push_bind(&filter.ids).push(")");
    }
    if !filter.types.is_empty() {
        q.push(" AND kind = ANY(")
            .push_bind(&filter.types)
            .push(")");
    }
    if let Some(agency) = &filter.agency {
        q.push(" AND agency = ").push_bind(agency);
    }
    q.push(" ORDER BY seq LIMIT ").push_bind(i64::from(limit));
    let rows = q.build().fetch_all(pool).await.map_err(backend)?;
    all(rows, stored)
}

/// See `Store::stix_object_versions`. Versions compare byte by byte
/// (`COLLATE "C"`), as in SQLite, not in the database's locale.
pub(crate) async fn versions(pool: &PgPool, id: &str) -> Result<Vec<StoredStixObject>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {STIX_COLUMNS} FROM stix_objects WHERE id = $1
         ORDER BY version COLLATE \"C\", seq"
    ))
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    all(rows, stored)
}

/// See `Store::delete_stix_objects`. One statement: its ROW EXCLUSIVE lock
/// waits for a writer's EXCLUSIVE one, so a delete and a put of the same
/// rows never interleave.
pub(crate) async fn delete(
    pool: &PgPool,
    agency: &str,
    id: &str,
    version: Option<&str>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM stix_objects
         WHERE agency = $1 AND id = $2 AND ($3::text IS NULL OR version = $3)",
    )
    .bind(agency)
    .bind(id)
    .bind(version)
    .execute(pool)
    .await
    .map_err(backend)?;
    Ok(done.rows_affected())
}
