//! The single writer: one thread that owns the write connection and commits
//! whatever writes are waiting in one transaction (group commit).
//!
//! SQLite allows one writer at a time and an fsync per commit costs far more
//! than the inserts themselves, so concurrent callers are coalesced: the
//! thread takes the first job, then every job already queued (up to a bound),
//! runs each inside its own SAVEPOINT, commits once, and only then answers
//! each caller. A job that fails rolls back to its savepoint alone; the
//! others still commit. (A job alone in its group needs no savepoint: the
//! transaction is its own.) A caller hears "ok" only after COMMIT returned
//! with `synchronous=FULL` (invariant 2).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cordon_store::StoreError;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::codec::backend;

/// Most jobs in one group commit.
const MAX_JOBS: usize = 512;
/// Most reports in one group commit: large enough to amortise the fsync,
/// small enough that one transaction does not hold the WAL for long.
const MAX_WEIGHT: usize = 20_000;
/// How long the queue stays empty after a commit before the writer
/// checkpoints the WAL (besides SQLite's checkpoint every
/// `SqliteOptions::checkpoint_mib`). Longer than the pause between two
/// batches of an import, which would only wait for it.
pub(crate) const IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// What a job sees while it runs: the connection, inside a transaction and
/// inside the job's savepoint, and the selector-id cache.
#[derive(Debug)]
pub(crate) struct WriteCtx<'a> {
    pub conn: &'a Connection,
    pub selectors: &'a mut SelectorIds,
}

/// A queued write.
pub(crate) trait Job: Send {
    /// How many reports the job writes; bounds the size of a group.
    fn weight(&self) -> usize;
    /// Runs the job's statements. `Err` rolls the job back to its savepoint.
    fn run(&mut self, ctx: &mut WriteCtx<'_>) -> Result<(), StoreError>;
    /// Answers the caller once the group's fate is known.
    fn finish(self: Box<Self>, committed: Result<(), &StoreError>);
}

type Work<T> = Box<dyn FnOnce(&mut WriteCtx<'_>) -> Result<T, StoreError> + Send>;

/// A job made of a closure and the channel its caller waits on.
struct Task<T> {
    weight: usize,
    work: Option<Work<T>>,
    outcome: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T: Send> Job for Task<T> {
    fn weight(&self) -> usize {
        self.weight
    }

    fn run(&mut self, ctx: &mut WriteCtx<'_>) -> Result<(), StoreError> {
        let Some(work) = self.work.take() else {
            return Err(StoreError::Backend("a write job ran twice".into()));
        };
        let outcome = work(ctx);
        let status = match &outcome {
            Ok(_) => Ok(()),
            // The job's own error is its answer; the writer needs to know
            // that it must roll back, and whether the disk is full.
            Err(e) => Err(e.clone()),
        };
        self.outcome = Some(outcome);
        status
    }

    fn finish(self: Box<Self>, committed: Result<(), &StoreError>) {
        let answer = match (self.outcome, committed) {
            (Some(Err(own)), _) => Err(own),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(e)) => Err(e.for_group("the write was rolled back")),
            (None, Ok(())) => Err(StoreError::Backend("the write never ran".into())),
        };
        // The caller may have gone away (a cancelled request); the write
        // stands either way.
        let _ = self.reply.send(answer);
    }
}

/// Handle for queueing writes.
#[derive(Debug, Clone)]
pub(crate) struct WriterHandle {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("weight", &self.weight())
            .finish()
    }
}

/// The answer to a queued write, once its group is committed.
pub(crate) type Answer<T> = oneshot::Receiver<Result<T, StoreError>>;

impl WriterHandle {
    /// Queues `work` and waits until it is committed (or has failed).
    pub(crate) async fn write<T, F>(&self, weight: usize, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteCtx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let answer = self.queue(weight, work).await?;
        Self::answer(answer).await
    }

    /// Queues `work` without waiting for it to run: the caller may go on
    /// feeding it (see `write::Incoming`) and then wait for [`Self::answer`].
    pub(crate) async fn queue<T, F>(&self, weight: usize, work: F) -> Result<Answer<T>, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteCtx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let task = Task {
            weight,
            work: Some(Box::new(work)),
            outcome: None,
            reply,
        };
        self.jobs
            .send(Box::new(task))
            .await
            .map_err(|_| StoreError::Backend("the sqlite writer has stopped".into()))?;
        Ok(answer)
    }

    /// Waits until a queued write is committed (or has failed).
    pub(crate) async fn answer<T>(answer: Answer<T>) -> Result<T, StoreError> {
        answer
            .await
            .map_err(|_| StoreError::Backend("the sqlite writer stopped before answering".into()))?
    }
}

/// Starts the writer thread on `conn`; it runs until every handle is dropped.
pub(crate) fn spawn(
    conn: Connection,
    selector_cache: usize,
) -> std::io::Result<(WriterHandle, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel(MAX_JOBS * 2);
    let thread = std::thread::Builder::new()
        .name("cordon-sqlite-writer".into())
        .spawn(move || {
            let writer = Writer {
                conn,
                selectors: SelectorIds::new(selector_cache),
            };
            writer.run(rx)
        })?;
    Ok((WriterHandle { jobs: tx }, thread))
}

struct Writer {
    conn: Connection,
    selectors: SelectorIds,
}

impl Writer {
    fn run(mut self, mut jobs: mpsc::Receiver<Box<dyn Job>>) {
        // A clock for waiting on the queue with a timeout; without one the
        // writer still works, only without idle checkpoints.
        let clock = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .ok();
        let mut committed_since_checkpoint = false;
        loop {
            let first = match &clock {
                Some(clock) if committed_since_checkpoint => {
                    // The timer must be made inside the clock's runtime.
                    let next =
                        clock.block_on(async { tokio::time::timeout(IDLE, jobs.recv()).await });
                    match next {
                        Ok(job) => job,
                        Err(_) => {
                            self.checkpoint();
                            committed_since_checkpoint = false;
                            continue;
                        }
                    }
                }
                _ => jobs.blocking_recv(),
            };
            let Some(first) = first else { break };
            let mut weight = first.weight();
            let mut group = vec![first];
            while group.len() < MAX_JOBS && weight < MAX_WEIGHT {
                match jobs.try_recv() {
                    Ok(job) => {
                        weight += job.weight();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.commit_group(group);
            committed_since_checkpoint = true;
        }
    }

    /// Copies the WAL back into the database file while nothing is queued,
    /// so that a store at rest has its data in the file and readers find
    /// pages without searching the WAL. Passive: it never waits for a
    /// reader, and whatever a reader still needs stays in the WAL for the
    /// next checkpoint.
    fn checkpoint(&self) {
        let done = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            });
        match done {
            Ok((wal, copied)) => tracing::debug!(wal, copied, "idle sqlite checkpoint"),
            Err(e) => tracing::warn!(error = %e, "idle sqlite checkpoint failed"),
        }
    }

    /// Runs a group of jobs in one transaction and answers each.
    fn commit_group(&mut self, mut group: Vec<Box<dyn Job>>) {
        let result = self.run_group(&mut group);
        match &result {
            Ok(()) => self.selectors.commit(),
            Err(e) => {
                self.selectors.abort();
                tracing::error!(error = %e, jobs = group.len(), "sqlite group commit failed");
                if !self.conn.is_autocommit() {
                    // Already failing; a failed rollback leaves nothing more
                    // to undo because SQLite rolls back on close.
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
            }
        }
        let committed = result.as_ref().map(|_| ());
        for job in group {
            job.finish(committed);
        }
    }

    fn run_group(&mut self, group: &mut [Box<dyn Job>]) -> Result<(), StoreError> {
        let conn = &self.conn;
        exec(conn, "BEGIN IMMEDIATE")?;
        // A job alone in its group needs no savepoint: if it fails, the
        // whole transaction is its own to roll back. A savepoint makes
        // SQLite copy each page the job touches to a sub-journal first
        // (measured on the 1,000,000-report import in batches of 5,000,
        // which `cordon import` sends one at a time: 27.2 s of store time
        // with it, 24.1 s without).
        let alone = group.len() == 1;
        for job in group.iter_mut() {
            if !alone {
                exec(conn, "SAVEPOINT job")?;
            }
            let mark = self.selectors.mark();
            let mut ctx = WriteCtx {
                conn,
                selectors: &mut self.selectors,
            };
            let ran = catch_unwind(AssertUnwindSafe(|| job.run(&mut ctx)));
            match ran {
                Ok(Ok(())) if alone => {}
                Ok(Ok(())) => exec(conn, "RELEASE job")?,
                Ok(Err(e)) => {
                    if conn.is_autocommit() {
                        // SQLite itself rolled the whole transaction back
                        // (disk full, I/O error): nothing of the group stands.
                        return Err(e.for_group("sqlite rolled the transaction back"));
                    }
                    self.selectors.rollback_to(mark);
                    if alone {
                        // Nothing left to commit; the job answers with its
                        // own error.
                        return exec(conn, "ROLLBACK");
                    }
                    exec(conn, "ROLLBACK TO job")?;
                    exec(conn, "RELEASE job")?;
                }
                Err(_) => {
                    return Err(StoreError::Backend(
                        "a write failed unexpectedly (internal error); nothing of its group was written".into(),
                    ));
                }
            }
        }
        exec(conn, "COMMIT")
    }
}

fn exec(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(backend)
}

/// Selector ids by fingerprint ([`crate::codec::fingerprint`]), so that
/// re-seen selectors cost no statement.
///
/// Committed ids are never wrong (selectors are never deleted), so the
/// cache need not be complete: a miss falls back to the database. Two
/// generations bound its memory: when the young map reaches its capacity it
/// becomes the old one and the previous old one is dropped, which keeps
/// recently used selectors (roughly LRU) at a cost of at most two maps.
/// Ids inserted by the open transaction are cached at once and listed, so
/// that a rollback can take them out again: afterwards they would point at
/// nothing.
#[derive(Debug)]
pub(crate) struct SelectorIds {
    capacity: usize,
    young: HashMap<u128, i64, Prints>,
    old: HashMap<u128, i64, Prints>,
    /// Inserted by the open transaction, in order, for savepoint rollback.
    pending: Vec<u128>,
}

/// Hashing for fingerprints, which are uniformly random already (SHA-256
/// bits) and cannot be chosen by a sender: their low half is the hash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Prints;

impl std::hash::BuildHasher for Prints {
    type Hasher = PrintHasher;

    fn build_hasher(&self) -> PrintHasher {
        PrintHasher(0)
    }
}

#[derive(Debug)]
pub(crate) struct PrintHasher(u64);

impl std::hash::Hasher for PrintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only fingerprints are hashed; any other input still hashes.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u128(&mut self, print: u128) {
        self.0 = print as u64;
    }
}

impl SelectorIds {
    pub(crate) fn new(capacity: usize) -> Self {
        SelectorIds {
            capacity,
            young: HashMap::default(),
            old: HashMap::default(),
            pending: Vec::new(),
        }
    }

    pub(crate) fn get(&mut self, print: u128) -> Option<i64> {
        if let Some(id) = self.young.get(&print) {
            return Some(*id);
        }
        let id = self.old.remove(&print)?;
        self.put(print, id);
        Some(id)
    }

    fn put(&mut self, print: u128, id: i64) {
        if self.young.len() >= self.capacity {
            // Sized once: growing a map of this size rehashes every key.
            let young = HashMap::with_capacity_and_hasher(self.capacity, Prints);
            self.old = std::mem::replace(&mut self.young, young);
        }
        self.young.insert(print, id);
    }

    /// Records an id read from committed data.
    pub(crate) fn remember(&mut self, print: u128, id: i64) {
        if self.capacity > 0 {
            self.put(print, id);
        }
    }

    /// Records an id inserted by the open transaction.
    pub(crate) fn insert_pending(&mut self, print: u128, id: i64) {
        if self.capacity > 0 {
            self.pending.push(print);
            self.put(print, id);
        }
    }

    fn mark(&self) -> usize {
        self.pending.len()
    }

    fn rollback_to(&mut self, mark: usize) {
        for print in self.pending.drain(mark..) {
            self.young.remove(&print);
            self.old.remove(&print);
        }
    }

    fn commit(&mut self) {
        self.pending.clear();
    }

    fn abort(&mut self) {
        self.rollback_to(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_rolls_back_alone_and_the_others_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER NOT NULL)")
            .unwrap();
        let (writer, thread) = spawn(conn, 100).unwrap();
        let insert = |ctx: &mut WriteCtx<'_>, x: i64| {
            ctx.conn
                .execute("INSERT INTO t (x) VALUES (?1)", [x])
                .map_err(backend)
        };
        let mut jobs = Vec::new();
        for x in 0..30i64 {
            let w = writer.clone();
            jobs.push(tokio::spawn(async move {
                w.write(1, move |ctx| {
                    insert(ctx, x)?;
                    ctx.selectors.insert_pending(x as u128, x);
                    if x % 3 == 0 {
                        // Fails after writing: its row and its cached id must go.
                        return Err(StoreError::Invalid(format!("job {x} refused")));
                    }
                    Ok(x)
                })
                .await
            }));
        }
        for (x, job) in jobs.into_iter().enumerate() {
            let answer = job.await.unwrap();
            if x % 3 == 0 {
                assert!(matches!(answer, Err(StoreError::Invalid(_))), "{answer:?}");
            } else {
                assert_eq!(answer.unwrap(), x as i64);
            }
        }
        let cached: Vec<Option<i64>> = writer
            .write(0, |ctx| {
                Ok((0..30).map(|x| ctx.selectors.get(x as u128)).collect())
            })
            .await
            .unwrap();
        for (x, id) in cached.iter().enumerate() {
            assert_eq!(
                *id,
                (x % 3 != 0).then_some(x as i64),
                "cached id of selector {x}"
            );
        }
        drop(writer);
        thread.join().unwrap();
        let conn = Connection::open(&path).unwrap();
        let stored: Vec<i64> = conn
            .prepare("SELECT x FROM t ORDER BY x")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected: Vec<i64> = (0..30).filter(|x| x % 3 != 0).collect();
        assert_eq!(stored, expected);
    }

    #[test]
    fn the_cache_stays_bounded_and_keeps_recent_ids() {
        let mut ids = SelectorIds::new(2);
        ids.remember(0xa, 1);
        ids.remember(0xb, 2);
        ids.remember(0xc, 3); // a, b become old
        assert_eq!(ids.get(0xa), Some(1)); // promoted back to young
        ids.remember(0xd, 4); // young {c, a} full: it becomes old
        assert_eq!(ids.get(0xb), None);
        assert_eq!(ids.get(0xc), Some(3));
        assert!(ids.young.len() + ids.old.len() <= 4);
    }

    #[test]
    fn pending_ids_vanish_on_rollback_and_stay_on_commit() {
        let mut ids = SelectorIds::new(10);
        ids.insert_pending(0xa, 1);
        let mark = ids.mark();
        ids.insert_pending(0xb, 2);
        assert_eq!(ids.get(0xb), Some(2));
        ids.rollback_to(mark);
        assert_eq!(ids.get(0xb), None);
        assert_eq!(ids.get(0xa), Some(1));
        ids.commit();
        assert_eq!(ids.get(0xa), Some(1));
        ids.insert_pending(0xc, 3);
        ids.abort();
        assert_eq!(ids.get(0xc), None);
    }
}
