//! Leadership: an exclusive lock (`flock`) on a file beside the database,
//! `cordon.db-lead-ROLE`, held by the guard's open file.
//!
//! Every store on the file contends for it, in this process (each guard
//! opens the file afresh) or in another on the same machine, which is
//! where every process sharing an SQLite file runs. The operating system
//! gives the lock up when the guard closes the file or the process dies.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use async_trait::async_trait;
use cordon_store::{Lead, Result, StoreError};

/// Opens the role's lock file and tries its lock, without waiting.
pub(crate) fn try_lead(database: &Path, role: &str) -> Result<Option<Box<dyn Lead>>> {
    let mut name = database.as_os_str().to_owned();
    name.push(format!("-lead-{role}"));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(|e| {
            StoreError::Backend(format!(
                "cannot open the lead file {}: {e}",
                Path::new(&name).display()
            ))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Box::new(FileLead { _file: file }))),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(StoreError::Backend(format!(
            "cannot lock the lead file {}: {e}",
            Path::new(&name).display()
        ))),
    }
}

/// A held file lock: released when the file closes.
#[derive(Debug)]
struct FileLead {
    _file: File,
}

#[async_trait]
impl Lead for FileLead {
    /// A lock on an open file is never taken away.
    async fn holds(&self) -> bool {
        true
    }
}
