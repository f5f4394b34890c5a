//! Copying the WAL back into the database file beside the writer, not in it.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses the
//! WAL threshold, on the writer thread: with hundreds of megabytes to copy,
//! every write queued behind that commit waited up to a second (submissions'
//! p99 was 0.7 s). This thread runs passive checkpoints on its own
//! connection whenever the WAL has grown by a slice, while the writer goes
//! on committing; the WAL restarts from its start at the first commit after
//! a checkpoint that copied everything, and the writer's own automatic
//! checkpoint (kept as a backstop) finds little left to copy.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// How often the WAL's size is looked at.
const EVERY: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub(crate) struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Checkpoints `path` whenever its WAL holds more than `slice` bytes.
    pub(crate) fn spawn(path: &Path, slice: u64) -> std::io::Result<Checkpointer> {
        let stop = Arc::new(AtomicBool::new(false));
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let path = path.to_path_buf();
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("cordon-sqlite-checkpoint".into())
            .spawn(move || run(&path, &wal, slice, &flag))?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

fn run(path: &Path, wal: &Path, slice: u64, stop: &AtomicBool) {
    let conn = match Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "no background sqlite checkpoints: cannot open a connection");
            return;
        }
    };
    // The database file is synced before the WAL may be reused.
    if let Err(e) = conn.pragma_update(None, "synchronous", "FULL") {
        tracing::warn!(error = %e, "no background sqlite checkpoints: cannot set synchronous");
        return;
    }
    // Frames copied so far count as copied: a slice is measured from the
    // WAL's size after the last checkpoint.
    let mut copied_at = 0u64;
    while !stop.load(Ordering::Acquire) {
        std::thread::park_timeout(EVERY);
        let size = std::fs::metadata(wal).map_or(0, |m| m.len());
        if size < copied_at {
            // The WAL restarted or was truncated.
            copied_at = 0;
        }
        if size < copied_at + slice {
            continue;
        }
        match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        }) {
            Ok((frames, done)) => {
                tracing::debug!(frames, done, "background sqlite checkpoint");
                copied_at = size;
            }
            Err(e) => tracing::warn!(error = %e, "background sqlite checkpoint failed"),
        }
    }
}
