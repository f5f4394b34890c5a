//! The single writer: one thread that owns the write connection and commits
//! whatever writes are waiting in one transaction (group commit).
//!
//! SQLite allows one writer at a time and an fsync per commit costs far more
//! than the inserts themselves, so concurrent callers are coalesced: the
//! thread takes the first job, then every job already queued (up to a bound),
//! runs each inside its own SAVEPOINT, commits once, and only then answers
//! each caller. A job that fails rolls back to its savepoint alone; the
//! others still commit. A caller hears "ok" only after COMMIT returned with
//! `synchronous=FULL` (invariant 2).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use cordon_store::StoreError;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::codec::backend;

/// Most jobs in one group commit.
const MAX_JOBS: usize = 512;
/// Most reports in one group commit: large enough to amortise the fsync,
/// small enough that one transaction does not hold the WAL for long.
const MAX_WEIGHT: usize = 20_000;

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
            // The job's own error is its answer; the writer only needs to
            // know that it must roll back.
            Err(e) => Err(StoreError::Backend(e.to_string())),
        };
        self.outcome = Some(outcome);
        status
    }

    fn finish(self: Box<Self>, committed: Result<(), &StoreError>) {
        let answer = match (self.outcome, committed) {
            (Some(Err(own)), _) => Err(own),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(e)) => Err(StoreError::Backend(format!(
                "the write was rolled back: {e}"
            ))),
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
            // Built on the thread that owns it: the cache's keys are shared
            // with `Rc`, not `Arc`.
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
        while let Some(first) = jobs.blocking_recv() {
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
        // SQLite copy every page the job touches to a sub-journal first,
        // (measured: 4 % of the writer's time on the 1,000,000-report
        // import, where the CLI sends one batch at a time).
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
                Ok(Err(_)) => {
                    if conn.is_autocommit() {
                        // SQLite itself rolled the whole transaction back
                        // (disk full, I/O error): nothing of the group stands.
                        return Err(StoreError::Backend(
                            "sqlite rolled the transaction back after an error".into(),
                        ));
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

/// Selector ids by canonical text, so that re-seen selectors cost no
/// statement.
///
/// Committed ids are never wrong (selectors are never deleted), so the
/// cache need not be complete: a miss falls back to the database. Two
/// generations bound its memory: when the young map reaches its capacity it
/// becomes the old one and the previous old one is dropped, which keeps
/// recently used selectors (roughly LRU) at a cost of at most two maps.
/// Ids inserted by the open transaction are cached at once (one map insert
/// and one shared key per new selector) and listed, so that a rollback can
/// take them out again: afterwards they would point at nothing.
#[derive(Debug)]
pub(crate) struct SelectorIds {
    capacity: usize,
    young: HashMap<Rc<str>, i64>,
    old: HashMap<Rc<str>, i64>,
    /// Inserted by the open transaction, in order, for savepoint rollback.
    pending: Vec<Rc<str>>,
}

impl SelectorIds {
    pub(crate) fn new(capacity: usize) -> Self {
        SelectorIds {
            capacity,
            young: HashMap::new(),
            old: HashMap::new(),
            pending: Vec::new(),
        }
    }

    pub(crate) fn get(&mut self, text: &str) -> Option<i64> {
        if let Some(id) = self.young.get(text) {
            return Some(*id);
        }
        let (key, id) = self.old.remove_entry(text)?;
        self.put(key, id);
        Some(id)
    }

    fn put(&mut self, key: Rc<str>, id: i64) {
        if self.young.len() >= self.capacity {
            // Sized once: growing a map of this size rehashes every key.
            let young = HashMap::with_capacity(self.capacity);
            self.old = std::mem::replace(&mut self.young, young);
        }
        self.young.insert(key, id);
    }

    /// Records an id read from committed data.
    pub(crate) fn remember(&mut self, text: &str, id: i64) {
        if self.capacity > 0 {
            self.put(text.into(), id);
        }
    }

    /// Records an id inserted by the open transaction.
    pub(crate) fn insert_pending(&mut self, text: &str, id: i64) {
        if self.capacity > 0 {
            let key: Rc<str> = text.into();
            self.pending.push(Rc::clone(&key));
            self.put(key, id);
        }
    }

    fn mark(&self) -> usize {
        self.pending.len()
    }

    fn rollback_to(&mut self, mark: usize) {
        for key in self.pending.drain(mark..) {
            self.young.remove(&key);
            self.old.remove(&key);
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
                    ctx.selectors.insert_pending(&format!("s{x}"), x);
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
                Ok((0..30)
                    .map(|x| ctx.selectors.get(&format!("s{x}")))
                    .collect())
            })
            .await
            .unwrap();
        for (x, id) in cached.iter().enumerate() {
            assert_eq!(*id, (x % 3 != 0).then_some(x as i64), "cached id of s{x}");
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
        ids.remember("a", 1);
        ids.remember("b", 2);
        ids.remember("c", 3); // a, b become old
        assert_eq!(ids.get("a"), Some(1)); // promoted back to young
        ids.remember("d", 4); // young {c, a} full: it becomes old
        assert_eq!(ids.get("b"), None);
        assert_eq!(ids.get("c"), Some(3));
        assert!(ids.young.len() + ids.old.len() <= 4);
    }

    #[test]
    fn pending_ids_vanish_on_rollback_and_stay_on_commit() {
        let mut ids = SelectorIds::new(10);
        ids.insert_pending("a", 1);
        let mark = ids.mark();
        ids.insert_pending("b", 2);
        assert_eq!(ids.get("b"), Some(2));
        ids.rollback_to(mark);
        assert_eq!(ids.get("b"), None);
        assert_eq!(ids.get("a"), Some(1));
        ids.commit();
        assert_eq!(ids.get("a"), Some(1));
        ids.insert_pending("c", 3);
        ids.abort();
        assert_eq!(ids.get("c"), None);
    }
}
