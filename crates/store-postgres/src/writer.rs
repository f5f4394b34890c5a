//! Group commit for PostgreSQL: one task per store takes the submissions
//! (reports and the STIX objects kept beside them), audit appends and
//! decision appends waiting in its queue and writes them in one
//! transaction, each inside its own SAVEPOINT, then answers each caller
//! after COMMIT.
//!
//! Report, audit, STIX and decision writers hold an EXCLUSIVE table lock
//! until they commit (so that sequence numbers commit in order and the
//! audit chain cannot fork), which makes every such write wait for the
//! previous one's WAL flush. Coalescing pays that flush once for many
//! callers: with many concurrent single-report submissions this is the
//! difference between a few hundred and several thousand per second. A
//! rejected job rolls back to its savepoint alone; the others still
//! commit.

use chrono::{DateTime, Utc};
use cordon_store::{
    AuditEvent, AuditRecord, Decision, NewMoney, NewStixObject, PutOutcome, StoreError, Submitted,
};
use sqlx::PgConnection;
use sqlx::postgres::PgPool;
use tokio::sync::{mpsc, oneshot};

use crate::backend;
use crate::decisions::DecisionRow;
use crate::submit::ReportRow;

/// Most jobs in one transaction.
const MAX_JOBS: usize = 256;
/// Most reports in one transaction.
const MAX_WEIGHT: usize = 20_000;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A queued write.
#[derive(Debug)]
pub(crate) enum Job {
    /// Reports, then the STIX objects kept beside them: both or neither.
    Submit {
        agency: String,
        rows: Vec<ReportRow>,
        kept: Vec<NewStixObject>,
        accepted: DateTime<Utc>,
        reply: Reply<Submitted>,
    },
    Audit {
        events: Vec<AuditEvent>,
        reply: Reply<Vec<AuditRecord>>,
    },
    Decisions {
        rows: Vec<DecisionRow>,
        reply: Reply<Vec<Decision>>,
    },
    Money {
        agency: String,
        marking: cordon_core::Marking,
        records: Vec<NewMoney>,
        at: DateTime<Utc>,
        reply: Reply<Vec<PutOutcome>>,
    },
}

impl Job {
    fn weight(&self) -> usize {
        match self {
            Job::Submit { rows, kept, .. } => (rows.len() + kept.len()).max(1),
            Job::Audit { events, .. } => events.len().max(1),
            Job::Decisions { rows, .. } => rows.len().max(1),
            Job::Money { records, .. } => records.len().max(1),
        }
    }
}

/// A job's successful result, held until the group commits.
enum Done {
    Submit(Submitted, Reply<Submitted>),
    Audit(Vec<AuditRecord>, Reply<Vec<AuditRecord>>),
    Decisions(Vec<Decision>, Reply<Vec<Decision>>),
    Money(Vec<PutOutcome>, Reply<Vec<PutOutcome>>),
}

impl Done {
    fn answer(self, committed: Result<(), &StoreError>) {
        // A caller that went away (a cancelled request) needs no answer;
        // its write stands either way.
        let failed = |e: &StoreError| e.for_group("the write was rolled back");
        match self {
            Done::Submit(v, reply) => {
                let _ = reply.send(committed.map(|()| v).map_err(failed));
            }
            Done::Audit(v, reply) => {
                let _ = reply.send(committed.map(|()| v).map_err(failed));
            }
            Done::Decisions(v, reply) => {
                let _ = reply.send(committed.map(|()| v).map_err(failed));
            }
            Done::Money(v, reply) => {
                let _ = reply.send(committed.map(|()| v).map_err(failed));
            }
        }
    }
}

/// Queue of the writer task.
#[derive(Debug, Clone)]
pub(crate) struct WriterHandle {
    jobs: mpsc::Sender<Job>,
}

impl WriterHandle {
    pub(crate) async fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError::Backend("the postgres writer has stopped".into()))
    }
}

/// Waits for the answer to a queued job.
pub(crate) async fn answer<T>(
    rx: oneshot::Receiver<Result<T, StoreError>>,
) -> Result<T, StoreError> {
    rx.await
        .map_err(|_| StoreError::Backend("the postgres writer stopped before answering".into()))?
}

/// Starts the writer task; it ends when every handle is dropped.
pub(crate) fn spawn(pool: PgPool) -> WriterHandle {
    let (tx, rx) = mpsc::channel(MAX_JOBS * 2);
    tokio::spawn(run(pool, rx));
    WriterHandle { jobs: tx }
}

async fn run(pool: PgPool, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
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
        commit_group(&pool, group).await;
    }
}

async fn exec(conn: &mut PgConnection, sql: &str) -> Result<(), StoreError> {
    sqlx::query(sql)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(backend)
}

/// Writes a group in one transaction and answers every job.
async fn commit_group(pool: &PgPool, group: Vec<Job>) {
    let mut done = Vec::with_capacity(group.len());
    let result = write_group(pool, group, &mut done).await;
    if let Err(e) = &result {
        tracing::error!(error = %e, jobs = done.len(), "postgres group commit failed");
    }
    let committed = result.as_ref().map(|_| ());
    for d in done {
        d.answer(committed);
    }
}

async fn write_group(
    pool: &PgPool,
    group: Vec<Job>,
    done: &mut Vec<Done>,
) -> Result<(), StoreError> {
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            let e = backend(e);
            fail_all(group, &e);
            return Err(e);
        }
    };
    // Statements bind arrays (`= ANY($1)`) of any length, from one element
    // to thousands; a cached generic plan assumes some length and once chose
    // a sequential scan of all selectors for every single-report submit.
    // Planning each statement for its actual arrays costs far less.
    let mut setup = vec!["SET LOCAL plan_cache_mode = force_custom_plan"];
    // Always in this order, in every replica, so two groups cannot deadlock.
    if group
        .iter()
        .any(|j| matches!(j, Job::Submit { rows, .. } if !rows.is_empty()))
    {
        setup.push("LOCK TABLE reports IN EXCLUSIVE MODE");
    }
    if group.iter().any(|j| matches!(j, Job::Audit { .. })) {
        setup.push("LOCK TABLE audit IN EXCLUSIVE MODE");
    }
    if group
        .iter()
        .any(|j| matches!(j, Job::Submit { kept, .. } if !kept.is_empty()))
    {
        setup.push("LOCK TABLE stix_objects IN EXCLUSIVE MODE");
    }
    if group.iter().any(|j| matches!(j, Job::Decisions { .. })) {
        setup.push("LOCK TABLE decisions IN EXCLUSIVE MODE");
    }
    if group.iter().any(|j| matches!(j, Job::Money { .. })) {
        setup.push("LOCK TABLE money IN EXCLUSIVE MODE");
    }
    for statement in setup {
        if let Err(e) = exec(&mut tx, statement).await {
            fail_all(group, &e);
            return Err(e);
        }
    }

    let mut jobs = group.into_iter();
    while let Some(job) = jobs.next() {
        if let Err(e) = exec(&mut tx, "SAVEPOINT job").await {
            fail_all(std::iter::once(job).chain(jobs), &e);
            return Err(e);
        }
        let outcome = match job {
            Job::Submit {
                agency,
                rows,
                kept,
                accepted,
                reply,
            } => match submit(&mut tx, &agency, &rows, &kept, accepted).await {
                Ok(v) => Ok(Done::Submit(v, reply)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    Err(())
                }
            },
            Job::Audit { events, reply } => match crate::append_audit(&mut tx, &events).await {
                Ok(v) => Ok(Done::Audit(v, reply)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    Err(())
                }
            },
            Job::Decisions { rows, reply } => match crate::decisions::append(&mut tx, rows).await {
                Ok(v) => Ok(Done::Decisions(v, reply)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    Err(())
                }
            },
            Job::Money {
                agency,
                marking,
                records,
                at,
                reply,
            } => match crate::money::put(&mut tx, &agency, &marking, &records, at).await {
                Ok(v) => Ok(Done::Money(v, reply)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    Err(())
                }
            },
        };
        let end = match outcome {
            Ok(d) => {
                done.push(d);
                exec(&mut tx, "RELEASE SAVEPOINT job").await
            }
            Err(()) => match exec(&mut tx, "ROLLBACK TO SAVEPOINT job").await {
                Ok(()) => exec(&mut tx, "RELEASE SAVEPOINT job").await,
                Err(e) => Err(e),
            },
        };
        if let Err(e) = end {
            fail_all(jobs, &e);
            return Err(e);
        }
    }
    // Dropping an uncommitted transaction rolls it back.
    tx.commit().await.map_err(backend)
}

/// One submission: its reports, then its kept objects (which
/// `crate::submit::submit` found the agency for).
async fn submit(
    conn: &mut PgConnection,
    agency: &str,
    rows: &[ReportRow],
    kept: &[NewStixObject],
    accepted: DateTime<Utc>,
) -> Result<Submitted, StoreError> {
    let reports = crate::submit::submit(conn, agency, rows, accepted).await?;
    let kept = crate::stix::put(conn, agency, kept, accepted).await?;
    Ok(Submitted { reports, kept })
}

fn fail_all(jobs: impl IntoIterator<Item = Job>, e: &StoreError) {
    let err = || e.for_group("the write was not attempted");
    for job in jobs {
        match job {
            Job::Submit { reply, .. } => {
                let _ = reply.send(Err(err()));
            }
            Job::Audit { reply, .. } => {
                let _ = reply.send(Err(err()));
            }
            Job::Decisions { reply, .. } => {
                let _ = reply.send(Err(err()));
            }
            Job::Money { reply, .. } => {
                let _ = reply.send(Err(err()));
            }
        }
    }
}
