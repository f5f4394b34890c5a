//! Online backups of the embedded store, and their restore.
//!
//! A backup is one consistent snapshot taken while the server runs:
//! `VACUUM INTO` copies the database as one read transaction sees it (in
//! WAL mode the writer goes on committing meanwhile), compacted, into a new
//! file. A restore checks a backup whole (SQLite's integrity check, and
//! that it is a Cordon store) before it writes anything, and never
//! overwrites a database: it creates the file, through a temporary file
//! and a rename, so that a failed restore leaves nothing half-written.

use std::path::Path;

use cordon_store::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};

use crate::codec::backend;
use crate::path_of_url;

/// What a backup or a restore wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub bytes: u64,
    /// Current report revisions in it, as a plausibility figure.
    pub reports: u64,
}

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

fn io(what: &str, e: std::io::Error) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

/// Writes a consistent copy of the store at `url` into the new file `out`.
pub fn backup(url: &str, out: &Path) -> Result<Copied> {
    let path = path_of_url(url)?;
    if !path.exists() {
        return Err(invalid(format!(
            "there is no database at {}",
            path.display()
        )));
    }
    if out.exists() {
        return Err(invalid(format!(
            "{} exists; a backup never overwrites a file, name a new one",
            out.display()
        )));
    }
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(backend)?;
    let target = out
        .to_str()
        .ok_or_else(|| invalid(format!("{} is not a UTF-8 path", out.display())))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(backend)?;
    check(out)
}

/// Checks that `file` is a whole Cordon store: SQLite's integrity check,
/// and the tables every store has.
pub fn check(file: &Path) -> Result<Copied> {
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| {
        invalid(format!(
            "{} cannot be opened as SQLite: {e}",
            file.display()
        ))
    })?;
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| invalid(format!("{} is not a SQLite database: {e}", file.display())))?;
    if verdict != "ok" {
        return Err(invalid(format!(
            "{} is damaged (integrity check: {verdict})",
            file.display()
        )));
    }
    let reports: u64 = conn
        .query_row("SELECT count(*) FROM reports WHERE current = 1", [], |r| {
            r.get(0)
        })
        .map_err(|_| {
            invalid(format!(
                "{} is not a Cordon store (it has no reports table)",
                file.display()
            ))
        })?;
    conn.query_row("SELECT count(*) FROM audit", [], |r| r.get::<_, i64>(0))
        .map_err(|_| {
            invalid(format!(
                "{} is not a Cordon store (it has no audit log)",
                file.display()
            ))
        })?;
    let bytes = std::fs::metadata(file)
        .map_err(|e| io(&file.display().to_string(), e))?
        .len();
    Ok(Copied { bytes, reports })
}

/// Restores the backup `from` as the new database at `url`: checked
/// whole first, then copied in. An existing database is never replaced.
pub fn restore(from: &Path, url: &str) -> Result<Copied> {
    let path = path_of_url(url)?;
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    for existing in [path.clone(), wal] {
        if existing.exists() {
            return Err(invalid(format!(
                "{} exists; restore into a new path (and move it into place with the server stopped)",
                existing.display()
            )));
        }
    }
    let copied = check(from)?;
    let tmp = std::path::PathBuf::from(format!("{}.restoring", path.display()));
    let what = tmp.display().to_string();
    std::fs::copy(from, &tmp).map_err(|e| io(&what, e))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&what, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io(&path.display().to_string(), e))?;
    Ok(copied)
}
