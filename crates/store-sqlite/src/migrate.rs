//! Schema migrations: the numbered `.sql` files of `migrations/`, applied in
//! order at open, each recorded in `schema_version`, and after a file the
//! Rust step that fills what SQL cannot compute (the terms of stored
//! reports, with the keys of their STIX ids).
//!
//! Hand-rolled because the whole job is a dozen lines: one IMMEDIATE
//! transaction (so two processes opening the same new file cannot both
//! migrate it), every pending file, one row per file.

use chrono::Utc;
use cordon_store::StoreError;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::codec::{backend, parse_time, time_text};

/// Work a migration does after its SQL, inside the same transaction.
type Step = fn(&Transaction<'_>) -> Result<(), StoreError>;

/// Every migration, in order: (version, name, SQL, step). A unit test
/// checks that this list and the `migrations/` directory agree.
pub(crate) const MIGRATIONS: &[(i64, &str, &str, Option<Step>)] = &[
    (
        1,
        "0001_initial.sql",
        include_str!("../migrations/0001_initial.sql"),
        None,
    ),
    (
        2,
        "0002_report_terms.sql",
        include_str!("../migrations/0002_report_terms.sql"),
        Some(index_stored_reports),
    ),
    (
        3,
        "0003_stix_objects.sql",
        include_str!("../migrations/0003_stix_objects.sql"),
        None,
    ),
    (
        4,
        "0004_stix_keys.sql",
        include_str!("../migrations/0004_stix_keys.sql"),
        Some(index_stored_reports),
    ),
    (
        5,
        "0005_decisions.sql",
        include_str!("../migrations/0005_decisions.sql"),
        None,
    ),
    (
        6,
        "0006_money.sql",
        include_str!("../migrations/0006_money.sql"),
        None,
    ),
];

/// Indexes the terms of every current revision stored before the terms
/// existed, or before the terms of its STIX ids, from its body, as the
/// writer indexes new ones.
fn index_stored_reports(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut read = tx
        .prepare("SELECT seq, agency, received, body FROM reports WHERE current = 1 ORDER BY seq")
        .map_err(backend)?;
    let mut insert = tx
        .prepare("INSERT INTO report_terms (rowid, terms) VALUES (?1, ?2)")
        .map_err(backend)?;
    let mut rows = read.query([]).map_err(backend)?;
    let mut indexed = 0u64;
    while let Some(row) = rows.next().map_err(backend)? {
        let seq: i64 = row.get(0).map_err(backend)?;
        let agency: String = row.get(1).map_err(backend)?;
        let received: String = row.get(2).map_err(backend)?;
        let body: String = row.get(3).map_err(backend)?;
        let report: cordon_core::Report = serde_json::from_str(&body).map_err(|e| {
            StoreError::Backend(format!(
                "stored report {seq} cannot be read back to index it: {e}"
            ))
        })?;
        let terms = crate::write::terms_text(&agency, &report, parse_time(&received)?);
        insert
            .execute(rusqlite::params![seq, terms])
            .map_err(backend)?;
        indexed += 1;
    }
    if indexed > 0 {
        tracing::info!(reports = indexed, "indexed the terms of stored reports");
    }
    Ok(())
}

/// Brings the database up to the newest schema this build knows.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version INTEGER PRIMARY KEY,
             name    TEXT NOT NULL,
             applied TEXT NOT NULL
         )",
    )
    .map_err(backend)?;
    let current: i64 = tx
        .query_row(
            "SELECT coalesce(max(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let newest = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > newest {
        return Err(StoreError::Invalid(format!(
            "the database has schema version {current} but this cordon knows only up to {newest}; use a newer cordon"
        )));
    }
    for (version, name, sql, step) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Backend(format!("sqlite migration {name} failed: {e}")))?;
        if let Some(step) = step {
            step(&tx)
                .map_err(|e| StoreError::Backend(format!("sqlite migration {name} failed: {e}")))?;
        }
        tx.execute(
            "INSERT INTO schema_version (version, name, applied) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, name, time_text(Utc::now())],
        )
        .map_err(backend)?;
        tracing::info!(version, name, "applied sqlite migration");
    }
    tx.commit().map_err(backend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_migrations_is_listed_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| m.1.to_owned()).collect();
        assert_eq!(files, listed);
        for (i, (version, name, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1);
            assert!(name.starts_with(&format!("{version:04}_")), "{name}");
        }
    }

    /// A database of the first schema, holding reports, gains their terms:
    /// those of current revisions only.
    #[test]
    fn reports_stored_before_the_terms_are_indexed() {
        use cordon_core::{Marking, Report, ReportKind, Tlp};
        use cordon_store::ReportFilter;

        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (
                 version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL
             );
             INSERT INTO schema_version VALUES (1, '0001_initial.sql', 'x');",
        )
        .unwrap();
        conn.execute_batch(MIGRATIONS[0].2).unwrap();
        conn.execute_batch("INSERT INTO agencies VALUES ('KH-NCB', 'n', 'KH', 'police', 'c', 't')")
            .unwrap();
        let report = |id: &str, narrative: &str| Report {
            id: id.to_owned(),
            kind: ReportKind::Tip,
            received: None,
            country: "KH".into(),
            language: None,
            marking: Marking::new(Tlp::Amber),
            grading: None,
            mo: vec!["investment".into()],
            narrative: Some(narrative.into()),
            selectors: Vec::new(),
            losses: Vec::new(),
            location: None,
        };
        for (id, revision, current, narrative, received) in [
            (
                "r1",
                1,
                0,
                "old casino story",
                "2026-01-05T00:00:00.000000Z",
            ),
            ("r1", 2, 1, "new hotel story", "2026-02-05T00:00:00.000000Z"),
            ("r2", 1, 1, "casino again", "2026-03-05T00:00:00.000000Z"),
        ] {
            conn.execute(
                "INSERT INTO reports (agency, id, revision, current, digest, kind, country,
                                      received, accepted, tlp, recipients, hit_notification, body)
                 VALUES ('KH-NCB', ?1, ?2, ?3, 'd', 'tip', 'KH', ?4, ?4, 'AMBER', '[]', 1, ?5)",
                rusqlite::params![
                    id,
                    revision,
                    current,
                    received,
                    serde_json::to_string(&report(id, narrative)).unwrap()
                ],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();

        let ids = |filter: ReportFilter| -> Vec<(String, u32)> {
            crate::read::list_reports(&conn, &filter, None, 10)
                .unwrap()
                .into_iter()
                .map(|r| (r.report.id, r.revision))
                .collect()
        };
        let text = |q: &str| ReportFilter {
            text: Some(q.into()),
            ..ReportFilter::default()
        };
        let pair = |id: &str, revision: u32| (id.to_owned(), revision);
        assert_eq!(ids(text("casino")), [pair("r2", 1)]);
        assert_eq!(ids(text("hotel")), [pair("r1", 2)]);
        assert_eq!(ids(text("old")), []);
        assert_eq!(
            ids(ReportFilter {
                agency: Some("KH-NCB".into()),
                mo: Some("investment".into()),
                ..ReportFilter::default()
            }),
            [pair("r2", 1), pair("r1", 2)]
        );
        assert_eq!(
            ids(ReportFilter {
                received_until: Some("2026-03-01T00:00:00Z".parse().unwrap()),
                ..ReportFilter::default()
            }),
            [pair("r1", 2)],
            "months come from the stored receipt times"
        );
    }

    /// A database of the third schema, holding reports, gains the terms of
    /// their STIX ids: reports are found by their UUID and the selectors of
    /// current revisions by their object's id; the other terms are kept.
    #[test]
    fn reports_stored_before_the_stix_terms_are_found_by_stix_id() {
        use cordon_core::selector::{Hint, normalize_one};
        use cordon_core::{Marking, Report, ReportKind, Selector, Tlp};
        use cordon_interop::stix::{ids, sco};
        use cordon_store::ReportFilter;

        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (
                 version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL
             );",
        )
        .unwrap();
        for (version, name, sql, _) in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_version VALUES (?1, ?2, 'x')",
                rusqlite::params![version, name],
            )
            .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO agencies VALUES ('KH-NCB', 'n', 'KH', 'police', 'c', 't');
             INSERT INTO agencies VALUES ('GB-NCA', 'n', 'GB', 'police', 'c', 't');",
        )
        .unwrap();
        let selector = |text: &str| normalize_one(text, &Hint::default()).unwrap();
        let (old, kept, gb) = (
            selector("phone:+85512345670"),
            selector("domain:example.vip"),
            selector("name:nguyen van an"),
        );
        let report = |id: &str, narrative: &str, selectors: &[&Selector]| Report {
            id: id.to_owned(),
            kind: ReportKind::Tip,
            received: None,
            country: "KH".into(),
            language: None,
            marking: Marking::new(Tlp::Amber),
            grading: None,
            mo: Vec::new(),
            narrative: Some(narrative.into()),
            selectors: selectors.iter().map(|s| (*s).clone()).collect(),
            losses: Vec::new(),
            location: None,
        };
        let other_tool = "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3";
        let rows = [
            ("KH-NCB", report("r1", "casino", &[&old, &kept]), 1, 0),
            ("KH-NCB", report("r1", "hotel", &[&kept]), 2, 1),
            ("GB-NCA", report("r1", "casino", &[&gb]), 1, 1),
            ("KH-NCB", report(other_tool, "casino", &[]), 1, 1),
        ];
        for (seq, (agency, report, revision, current)) in (1i64..).zip(&rows) {
            conn.execute(
                "INSERT INTO reports (agency, id, revision, current, digest, kind, country,
                                      received, accepted, tlp, recipients, hit_notification, body)
                 VALUES (?1, ?2, ?3, ?4, 'd', 'tip', 'KH', '2026-01-05T00:00:00.000000Z',
                         '2026-01-05T00:00:00.000000Z', 'AMBER', '[]', 1, ?5)",
                rusqlite::params![
                    agency,
                    report.id,
                    revision,
                    current,
                    serde_json::to_string(report).unwrap()
                ],
            )
            .unwrap();
            // Indexed as the third schema's writer indexed them.
            if *current == 1 {
                let mut terms = String::new();
                cordon_store::terms::write_terms(agency, report, &mut terms);
                conn.execute(
                    "INSERT INTO report_terms (rowid, terms) VALUES (?1, ?2)",
                    rusqlite::params![seq, format!("{terms} month=202601")],
                )
                .unwrap();
            }
        }

        migrate(&mut conn).unwrap();

        let found = |uuid| crate::read::report_by_stix(&conn, uuid).unwrap();
        let pair = |a: &str, id: &str| (a.to_owned(), id.to_owned());
        for (agency, id) in [("KH-NCB", "r1"), ("GB-NCA", "r1"), ("KH-NCB", other_tool)] {
            assert_eq!(found(ids::report_uuid(agency, id)), [pair(agency, id)]);
        }
        let by_id = |s: &Selector| crate::read::selector_by_stix(&conn, &sco::id(s)).unwrap();
        assert_eq!(by_id(&kept).as_deref(), Some(kept.as_str()));
        assert_eq!(by_id(&gb).as_deref(), Some(gb.as_str()));
        assert_eq!(by_id(&old), None, "no current revision holds it");

        // The other terms are there, once.
        let listed = crate::read::list_reports(
            &conn,
            &ReportFilter {
                text: Some("casino".into()),
                ..ReportFilter::default()
            },
            None,
            10,
        )
        .unwrap();
        let listed: Vec<(String, String)> = listed
            .into_iter()
            .map(|r| (r.agency, r.report.id))
            .collect();
        assert_eq!(listed, [pair("KH-NCB", other_tool), pair("GB-NCA", "r1")]);
    }

    #[test]
    fn migrating_twice_changes_nothing_and_a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, MIGRATIONS.len() as i64);

        conn.execute(
            "INSERT INTO schema_version (version, name, applied) VALUES (999, 'future', 'x')",
            [],
        )
        .unwrap();
        let e = migrate(&mut conn).unwrap_err();
        assert!(e.to_string().contains("newer cordon"), "{e}");
    }
}
