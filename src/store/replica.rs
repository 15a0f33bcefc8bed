//! Reads from a streaming replica (`database.read_url`). A read that may lag a moment behind
//! the primary — a resident's lookup, the office's and the city's views — is sent
//! to the replica; writes, and the reads that decide a write, stay on the primary. A caller
//! who wrote reads their own write: their session carries the primary's WAL position after
//! the write, and the replica serves them only once it has replayed that far. A replica that
//! does not answer sends its reads back to the primary rather than failing them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::{Db, DbConnection, StoreError};

/// How long a read waits for one of the replica's connections before the primary serves it.
const REPLICA_WAIT: Duration = Duration::from_millis(500);
/// After the replica failed to give a connection, how long its reads go to the primary
/// without asking it again (so that an outage does not cost every read the wait above).
const REPLICA_REST: Duration = Duration::from_secs(5);

/// The replica's pool, and until when it is left alone after failing.
pub(super) struct Replica {
    db: Db,
    resting_until_ms: AtomicI64,
}

impl Replica {
    pub(super) fn new(db: Db) -> Replica {
        Replica {
            db,
            resting_until_ms: AtomicI64::new(i64::MIN),
        }
    }
}

impl Db {
    /// Whether reads may go to a replica.
    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// The database a read-only use case reads: the replica where one is configured, answers,
    /// and has replayed the caller's last write (`not_before`, from [`Db::fence_after_write`]);
    /// otherwise the primary.
    pub fn reader(&self, not_before: Option<&str>) -> Db {
        let Some(replica) = &self.replica else {
            return self.clone();
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        let served = if now_ms < replica.resting_until_ms.load(Ordering::Relaxed) {
            Err("resting after a failure".to_string())
        } else {
            match replica.db.pool.get_timeout(REPLICA_WAIT) {
                Ok(mut conn) => match not_before {
                    None => Ok(true),
                    Some(fence) => has_replayed(&mut conn, fence),
                },
                Err(e) => {
                    let rest = REPLICA_REST.as_millis() as i64;
                    replica
                        .resting_until_ms
                        .store(now_ms.saturating_add(rest), Ordering::Relaxed);
                    Err(e.to_string())
                }
            }
        };
        let metrics = crate::metrics::get();
        match served {
            Ok(true) => {
                metrics.read_served("replica");
                replica.db.clone()
            }
            Ok(false) => {
                metrics.read_served("primary_after_write");
                self.clone()
            }
            Err(reason) => {
                metrics.read_served("primary_replica_down");
                warn_now_and_then(&reason);
                self.clone()
            }
        }
    }

    /// After a caller's write committed, records on their session where the primary's WAL
    /// is, so that their next reads see it ([`Db::reader`]). Nothing without a replica.
    pub fn fence_after_write(&self, token_hash: &[u8]) -> Result<(), StoreError> {
        if self.replica.is_none() {
            return Ok(());
        }
        if let DbConnection::Pg(conn) = &mut *self.conn()? {
            super::access::set_read_fence(conn, token_hash)?;
        }
        Ok(())
    }
}

/// Whether the replica has replayed the primary's WAL up to `fence`. A server that is not
/// in recovery (a read URL naming a primary) has everything it will ever have.
fn has_replayed(conn: &mut DbConnection, fence: &str) -> Result<bool, String> {
    #[derive(QueryableByName)]
    struct Replayed {
        #[diesel(sql_type = Bool)]
        replayed: bool,
    }
    let DbConnection::Pg(conn) = conn else {
        return Ok(true);
    };
    diesel::sql_query("SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true) AS replayed")
        .bind::<Text, _>(fence)
        .get_result::<Replayed>(conn)
        .map(|r| r.replayed)
        .map_err(|e| e.to_string())
}

/// A replica that is down is said once a minute, not once a read.
fn warn_now_and_then(reason: &str) {
    static LAST_SAID: AtomicI64 = AtomicI64::new(i64::MIN);
    let now = chrono::Utc::now().timestamp();
    let last = LAST_SAID.load(Ordering::Relaxed);
    if now.saturating_sub(last) >= 60
        && LAST_SAID
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(
            reason,
            "the replica did not answer; its reads go to the primary"
        );
    }
}
