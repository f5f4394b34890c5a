//! Schema migrations: the numbered `.sql` files of `migrations/`, applied in
//! order at open, each recorded in `schema_version`.
//!
//! Hand-rolled because the whole job is a dozen lines: one IMMEDIATE
//! transaction (so two processes opening the same new file cannot both
//! migrate it), every pending file, one row per file.

use chrono::Utc;
use cordon_store::StoreError;
use rusqlite::{Connection, TransactionBehavior};

use crate::codec::{backend, time_text};

/// Every migration, in order: (version, name, SQL). A unit test checks that
/// this list and the `migrations/` directory agree.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "0001_initial.sql",
    include_str!("../migrations/0001_initial.sql"),
)];

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
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Backend(format!("sqlite migration {name} failed: {e}")))?;
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
        for (i, (version, name, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1);
            assert!(name.starts_with(&format!("{version:04}_")), "{name}");
        }
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
