//! The changes phones send (outcomes, tubes, scans, lab results), committed in groups on
//! SQLite.
//!
//! SQLite lets one writer in at a time, and with `synchronous = "full"` each commit waits
//! for the disk to flush: one flush a scan held scans to 1,271–1,515/s (docs/performance.md).
//! Here one thread takes every change waiting, runs each in a savepoint of its own inside
//! one transaction, and commits them all with one flush (group commit); each change is
//! answered only after that commit, so acknowledged still means committed. A change that
//! fails rolls back to its savepoint and does not spoil the others. PostgreSQL lets writers
//! work side by side and flushes concurrent commits together itself, so there each change is
//! its own transaction on a blocking thread, as before.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use diesel::Connection;

use super::{is_idle, write_transaction, Db, DbConnection, StoreError, Target};

/// What a change's waiting request is told once its group's commit is over.
type Answer = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A change, run inside the group's transaction; gives what to answer after the commit.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Answer + Send>;

/// More changes than this wait for the next group (a bound on one transaction's length).
const GROUP_MOST: usize = 256;

#[derive(Clone)]
pub struct Writer {
    db: Db,
    /// SQLite only: the committing thread's queue.
    queue: Option<mpsc::Sender<Job>>,
}

impl Writer {
    /// On SQLite, starts the thread that commits; it ends when the last `Writer` is dropped.
    pub fn start(db: Db) -> std::io::Result<Writer> {
        let queue = match db.target() {
            Target::Sqlite(_) => {
                let (sender, queue) = mpsc::channel();
                let committer = db.clone();
                std::thread::Builder::new()
                    .name("sweep-writer".into())
                    .spawn(move || commit_in_groups(&committer, &queue))?;
                Some(sender)
            }
            Target::Postgres(_) => None,
        };
        Ok(Writer { db, queue })
    }

    /// Runs `change` in a transaction; its result once that is committed (or its error, with
    /// nothing written).
    pub async fn write<T, E>(
        &self,
        change: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + From<StoreError> + Send + 'static,
    {
        let Some(queue) = &self.queue else {
            let db = self.db.clone();
            return tokio::task::spawn_blocking(move || {
                let mut conn = db.conn()?;
                write_transaction(&mut conn, change)
            })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        };
        let (tell, told) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = conn.transaction(change);
            Box::new(move |committed| {
                let _ = tell.send(match committed {
                    Ok(()) => result,
                    Err(e) => Err(StoreError::Commit(e).into()),
                });
            })
        });
        queue.send(job).map_err(|_| StoreError::WriterStopped)?;
        // Dropped unanswered: the group was abandoned (see `commit_in_groups`).
        told.await.map_err(|_| StoreError::WriterStopped)?
    }
}

fn commit_in_groups(db: &Db, queue: &mpsc::Receiver<Job>) {
    let mut connection: Option<DbConnection> = None;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        group.extend(queue.try_iter().take(GROUP_MOST - 1));
        let conn = match connection.as_mut() {
            Some(conn) => conn,
            None => match db.unpooled_connection() {
                Ok(conn) => connection.insert(conn),
                Err(e) => {
                    tracing::error!(error = %e, "the writer cannot connect");
                    // Dropped unrun: each waiting request is told its change was not made.
                    drop(group);
                    continue;
                }
            },
        };
        crate::metrics::get().group_committed(group.len());
        let mut answers = Vec::with_capacity(group.len());
        let committed = std::panic::catch_unwind(AssertUnwindSafe(|| {
            write_transaction(conn, |conn| {
                answers.extend(group.into_iter().map(|job| job(conn)));
                Ok::<_, diesel::result::Error>(())
            })
        }));
        match committed {
            Ok(committed) => {
                let committed = committed.map_err(|e| e.to_string());
                for answer in answers {
                    answer(committed.clone());
                }
                // One that could not end its transaction is replaced, as the pool does.
                if !connection.as_mut().is_some_and(is_idle) {
                    connection = None;
                }
            }
            // A change panicked (a defect): the connection, mid-transaction, is closed,
            // which rolls the group back, and the group's answers are dropped, which tells
            // each waiting request that its change was not made.
            Err(_) => {
                tracing::error!("a change panicked; its group was rolled back");
                connection = None;
            }
        }
    }
}
