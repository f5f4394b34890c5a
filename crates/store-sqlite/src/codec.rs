//! Conversions between Cordon's records and SQLite values, and between
//! SQLite errors and [`StoreError`].

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use cordon_core::{Marking, Report, Tlp};
use cordon_store::{Posting, StoreError, StoredReport, StoredStixObject};
use rusqlite::Row;
use sha2::{Digest, Sha256};

/// A selector's fingerprint: the first 128 bits of the SHA-256 of its
/// canonical text. The writer's cache knows selectors by it (two texts
/// sharing one is as likely as a SHA-256 collision).
pub(crate) fn fingerprint(text: &str) -> u128 {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(first)
}

/// Keys a selector may be stored under, from [`home_key`] on: a text whose
/// key another text holds takes the next free one.
pub(crate) const KEY_PROBES: i64 = 16;

/// The first key a selector is stored under (`selectors.key`): the top 47
/// bits of its fingerprint, a non-negative integer SQLite keeps in 6 bytes.
/// Indexing this instead of the text makes the selector index a third the
/// size (see the migration).
pub(crate) fn home_key(fingerprint: u128) -> i64 {
    (fingerprint >> 81) as i64
}

/// A time as stored: RFC 3339, UTC, microseconds. PostgreSQL keeps
/// microseconds too, so both backends hand back the same instant.
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.trunc_subsecs(6)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The instant a stored time names.
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Backend(format!("stored time '{text}' is unreadable: {e}")))
}

/// Maps a SQLite failure to the error callers see.
pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
            StoreError::Full(format!("sqlite: {e}"))
        }
        _ => StoreError::Backend(format!("sqlite: {e}")),
    }
}

/// Whether the failure is a UNIQUE or PRIMARY KEY violation.
pub(crate) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// Reads a TLP label written by [`Tlp::as_str`].
pub(crate) fn parse_tlp(text: &str) -> Result<Tlp, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Backend(format!("stored marking is unreadable: {e}")))
}

/// Reads a JSON array of recipient codes.
pub(crate) fn parse_recipients(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("stored recipients '{text}' are unreadable: {e}")))
}

/// The columns [`stored_report`] reads, in its order.
pub(crate) const REPORT_COLUMNS: &str = "seq, agency, revision, accepted, digest, body";

/// Reads a row selected with [`REPORT_COLUMNS`].
pub(crate) fn stored_report(row: &Row<'_>) -> Result<StoredReport, StoreError> {
    let seq: i64 = row.get(0).map_err(backend)?;
    let agency: String = row.get(1).map_err(backend)?;
    let revision: u32 = row.get(2).map_err(backend)?;
    let accepted: String = row.get(3).map_err(backend)?;
    let digest: String = row.get(4).map_err(backend)?;
    let body: String = row.get(5).map_err(backend)?;
    let report: Report = serde_json::from_str(&body).map_err(|e| {
        StoreError::Backend(format!(
            "stored report {seq} of agency {agency} cannot be read back: {e}"
        ))
    })?;
    Ok(StoredReport {
        seq,
        agency,
        revision,
        accepted: parse_time(&accepted)?,
        digest,
        report,
    })
}

/// The columns [`posting`] reads, in its order, from a `reports` row
/// aliased `r`.
pub(crate) const POSTING_COLUMNS: &str =
    "r.seq, r.agency, r.id, r.tlp, r.recipients, r.hit_notification, r.received";

/// Reads a row selected with [`POSTING_COLUMNS`].
pub(crate) fn posting(row: &Row<'_>) -> Result<Posting, StoreError> {
    let tlp: String = row.get(3).map_err(backend)?;
    let recipients: String = row.get(4).map_err(backend)?;
    let received: String = row.get(6).map_err(backend)?;
    Ok(Posting {
        seq: row.get(0).map_err(backend)?,
        agency: row.get(1).map_err(backend)?,
        report_id: row.get(2).map_err(backend)?,
        tlp: parse_tlp(&tlp)?,
        recipients: parse_recipients(&recipients)?,
        hit_notification: row.get(5).map_err(backend)?,
        received: parse_time(&received)?,
    })
}

/// The columns [`stored_stix`] reads, in its order.
pub(crate) const STIX_COLUMNS: &str = "seq, agency, added, id, kind, version, spec_version, \
     tlp, recipients, hit_notification, json";

/// Reads a row selected with [`STIX_COLUMNS`].
pub(crate) fn stored_stix(row: &Row<'_>) -> Result<StoredStixObject, StoreError> {
    let added: String = row.get(2).map_err(backend)?;
    let tlp: String = row.get(7).map_err(backend)?;
    let recipients: String = row.get(8).map_err(backend)?;
    Ok(StoredStixObject {
        seq: row.get(0).map_err(backend)?,
        agency: row.get(1).map_err(backend)?,
        added: parse_time(&added)?,
        id: row.get(3).map_err(backend)?,
        kind: row.get(4).map_err(backend)?,
        version: row.get(5).map_err(backend)?,
        spec_version: row.get(6).map_err(backend)?,
        marking: Marking {
            tlp: parse_tlp(&tlp)?,
            recipients: parse_recipients(&recipients)?,
            hit_notification: row.get(9).map_err(backend)?,
        },
        json: row.get(10).map_err(backend)?,
    })
}

/// A money row, from `seq, agency, kind, key, accepted, tlp, recipients,
/// hit_notification, body`.
pub(crate) fn stored_money(row: &Row<'_>) -> Result<cordon_store::StoredMoney, StoreError> {
    let kind: String = row.get(2).map_err(backend)?;
    let accepted: String = row.get(4).map_err(backend)?;
    let tlp: String = row.get(5).map_err(backend)?;
    let recipients: String = row.get(6).map_err(backend)?;
    Ok(cordon_store::StoredMoney {
        seq: row.get(0).map_err(backend)?,
        agency: row.get(1).map_err(backend)?,
        kind: cordon_store::MoneyKind::parse(&kind)
            .ok_or_else(|| StoreError::Backend(format!("stored money kind '{kind}' is unknown")))?,
        key: row.get(3).map_err(backend)?,
        marking: Marking {
            tlp: parse_tlp(&tlp)?,
            recipients: parse_recipients(&recipients)?,
            hit_notification: row.get(7).map_err(backend)?,
        },
        accepted: parse_time(&accepted)?,
        body: row.get(8).map_err(backend)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fit_six_bytes_and_are_stable() {
        let print = fingerprint("phone:+85512345678");
        let key = home_key(print);
        assert!((0..1 << 47).contains(&key), "{key}");
        assert!((0..1 << 47).contains(&(key + KEY_PROBES - 1)));
        // Stored keys must never change: this is the SHA-256 of the text.
        assert_eq!(
            format!("{print:032x}"),
            hex::encode(&Sha256::digest(b"phone:+85512345678")[..16])
        );
        assert_eq!(home_key(u128::MAX), (1 << 47) - 1);
    }

    #[test]
    fn times_keep_microseconds_and_sort_as_text() {
        let t: DateTime<Utc> = "2026-03-01T10:00:00.123456789Z".parse().unwrap();
        assert_eq!(time_text(t), "2026-03-01T10:00:00.123456Z");
        assert_eq!(parse_time(&time_text(t)).unwrap(), t.trunc_subsecs(6));
        let later: DateTime<Utc> = "2026-03-01T10:00:01Z".parse().unwrap();
        assert!(time_text(t) < time_text(later));
    }

    #[test]
    fn unreadable_values_are_backend_errors_not_panics() {
        assert!(matches!(
            parse_time("yesterday"),
            Err(StoreError::Backend(_))
        ));
        assert!(matches!(parse_tlp("PINK"), Err(StoreError::Backend(_))));
        assert!(matches!(
            parse_recipients("[1"),
            Err(StoreError::Backend(_))
        ));
    }

    #[test]
    fn a_full_database_is_told_apart_from_other_failures() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        // A page limit fills an in-memory database as a full disk fills a
        // file: SQLite answers both with SQLITE_FULL.
        conn.execute_batch("PRAGMA max_page_count = 2; CREATE TABLE t (b BLOB)")
            .unwrap();
        let e = conn
            .execute("INSERT INTO t VALUES (zeroblob(100000))", [])
            .unwrap_err();
        let e = backend(e);
        assert!(matches!(e, StoreError::Full(_)), "{e:?}");
        assert!(e.to_string().starts_with("storage is full"), "{e}");
        let other = backend(
            conn.execute("INSERT INTO missing VALUES (1)", [])
                .unwrap_err(),
        );
        assert!(matches!(other, StoreError::Backend(_)), "{other:?}");
    }
}
