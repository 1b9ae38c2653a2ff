//! Group commit for SQLite: the writes on the token paths (code redemption, refresh
//! rotation, revocation, consent, new codes and sessions) share transactions, so that
//! concurrent requests pay for one `fsync` together instead of one each.
//!
//! SQLite has one writer and `synchronous=FULL` syncs the WAL at every commit (REL-07), so
//! a write-per-transaction store is capped at the disk's fsync rate. Here each such write is
//! a job sent to one writer task. The task takes every job waiting in its queue (up to
//! [`MAX_BATCH`]), runs them one after the other inside one `BEGIN IMMEDIATE` transaction,
//! each inside its own savepoint, commits once, and only then answers each caller. Nothing
//! waits on a timer: while one batch is being synced, the next one queues up, so an idle
//! server answers a lone request as fast as before and a busy one batches as much as its
//! disk is slow.
//!
//! What each caller sees is what it would see alone:
//! - a job that fails is rolled back to its savepoint and gets its own error; the others in
//!   the batch are unaffected;
//! - a job that succeeds is answered only after the commit that made it durable, and gets
//!   the commit's error if that failed;
//! - jobs run in arrival order, each seeing the writes of the jobs before it (two
//!   redemptions of one code in one batch: the first wins, the second reads `AlreadyUsed`).
//!
//! PostgreSQL needs none of this: its backends commit concurrently and the WAL writer
//! already flushes the commits that wait together in one `fsync`.

use crate::error::backend;
use latchkey_core::store::{GroupCommitStats, StoreError, StoreResult};
use sqlx::{SqliteConnection, SqlitePool};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most jobs one transaction takes; a longer queue is served by the next batches.
pub(crate) const MAX_BATCH: usize = 256;

/// A write's body, run on the batch's connection inside its transaction.
pub(crate) type OpFuture<'c, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'c>>;

/// Called once the batch's fate is known: the commit's outcome.
type Answer = Box<dyn FnOnce(&StoreResult<()>) + Send>;
/// A job: runs its write, says whether it succeeded, and how to answer its caller.
type Job = Box<
    dyn for<'c> FnOnce(
            &'c mut SqliteConnection,
        ) -> Pin<Box<dyn Future<Output = (bool, Answer)> + Send + 'c>>
        + Send,
>;

/// The sending side of the writer task's queue. Cloning shares the writer.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    jobs: mpsc::UnboundedSender<Job>,
    counters: Arc<Counters>,
}

/// Batches committed and the jobs they held (failed batches not counted).
#[derive(Debug, Default)]
struct Counters {
    commits: AtomicU64,
    writes: AtomicU64,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Start the writer task on `pool`. It ends when every `GroupCommit` clone is dropped.
    pub(crate) fn start(pool: SqlitePool) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let counters = Arc::new(Counters::default());
        tokio::spawn(writer(pool, queue, Arc::clone(&counters)));
        GroupCommit { jobs, counters }
    }

    pub(crate) fn stats(&self) -> GroupCommitStats {
        GroupCommitStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }

    /// Run `op` in the next batch; its result once the batch is durable.
    pub(crate) async fn run<T, F>(&self, op: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> OpFuture<'c, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let result = op(conn).await;
                let ok = result.is_ok();
                let answer: Answer = Box::new(move |commit| {
                    let out = match commit {
                        Ok(()) => result,
                        // Not durable: whatever the job computed did not happen.
                        Err(e) => Err(StoreError::Backend(format!("commit failed: {e}"))),
                    };
                    // The caller may have gone away (a dropped request); the write stands.
                    let _ = reply.send(out);
                });
                (ok, answer)
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| StoreError::Backend("the database writer has stopped".into()))?;
        answer.await.map_err(|_| {
            StoreError::Backend("the database writer failed before this write committed".into())
        })?
    }
}

async fn writer(
    pool: SqlitePool,
    mut queue: mpsc::UnboundedReceiver<Job>,
    counters: Arc<Counters>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        let size = jobs.len();
        let mut answers = Vec::with_capacity(size);
        let outcome = run_batch(&pool, jobs, &mut answers).await;
        match &outcome {
            Ok(()) => {
                counters.commits.fetch_add(1, Ordering::Relaxed);
                counters.writes.fetch_add(size as u64, Ordering::Relaxed);
            }
            Err(e) => tracing::error!(error = %e, jobs = size, "a group commit failed"),
        }
        for answer in answers {
            answer(&outcome);
        }
        // Jobs the failed batch never reached were dropped with it: their callers hear
        // that the writer failed before their write committed.
    }
}

async fn run_batch(
    pool: &SqlitePool,
    jobs: Vec<Job>,
    answers: &mut Vec<Answer>,
) -> StoreResult<()> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(backend)?;
    // Each job in its own savepoint. Releasing one and opening the next is one trip to
    // SQLite's thread, not two; COMMIT releases the last.
    let mut open = "SAVEPOINT job";
    for job in jobs {
        sqlx::query(open).execute(&mut *tx).await.map_err(backend)?;
        open = "RELEASE job; SAVEPOINT job";
        let (ok, answer) = job(&mut tx).await;
        answers.push(answer);
        if !ok {
            sqlx::query("ROLLBACK TO job")
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
    }
    tx.commit().await.map_err(backend)
}
