//! Named locks for work too long for one transaction (planning a round, importing a roster):
//! held while the work runs, released when the guard is dropped.
//!
//! On PostgreSQL a lock is a session advisory lock on a connection of its own (outside the
//! pool, so that a held lock never takes a connection the work itself needs); it covers
//! every sweep process on the database, and is released by the database if the process
//! dies. On SQLite it covers this process only: another process's writes still wait for
//! SQLite's single write lock, so they are serialised, though not refused.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex};

use diesel::sql_types::{Bool, Text};
use diesel::{PgConnection, RunQueryDsl};

use super::{Db, DbConnection, StoreError, Target};

/// Held while its work runs.
pub struct Lock {
    held: Held,
}

enum Held {
    /// Closing the connection ends its session, and with it the lock.
    Postgres(#[allow(dead_code)] PgConnection),
    Local(String),
}

/// This process's SQLite locks: database path and lock name.
static LOCAL: Mutex<Option<HashSet<String>>> = Mutex::new(None);
static RELEASED: Condvar = Condvar::new();

impl Db {
    /// Takes the lock `name` of this database, waiting for it if another holds it.
    pub fn lock(&self, name: &str) -> Result<Lock, StoreError> {
        Ok(self
            .take(name, true)?
            .expect("a waiting lock is always taken"))
    }

    /// Takes the lock `name` if nobody holds it; `None` otherwise.
    pub fn try_lock(&self, name: &str) -> Result<Option<Lock>, StoreError> {
        self.take(name, false)
    }

    fn take(&self, name: &str, wait: bool) -> Result<Option<Lock>, StoreError> {
        match self.target() {
            Target::Postgres(_) => {
                let DbConnection::Pg(mut conn) = self
                    .unpooled_connection()
                    .map_err(|e| StoreError::Commit(e.to_string()))?
                else {
                    unreachable!("a PostgreSQL target opens PostgreSQL connections")
                };
                // Advisory locks belong to the whole database: the name is qualified by the
                // schema, which holds one district's tables.
                let id = "hashtextextended(current_database() || '.' || current_schema() || ' ' || $1, 0)";
                #[derive(diesel::QueryableByName)]
                struct Taken {
                    #[diesel(sql_type = Bool)]
                    taken: bool,
                }
                let statement = if wait {
                    format!("SELECT true AS taken FROM (SELECT pg_advisory_lock({id})) AS waited")
                } else {
                    format!("SELECT pg_try_advisory_lock({id}) AS taken")
                };
                let taken: Taken = diesel::sql_query(statement)
                    .bind::<Text, _>(name)
                    .get_result(&mut conn)?;
                if !taken.taken {
                    return Ok(None);
                }
                Ok(Some(Lock {
                    held: Held::Postgres(conn),
                }))
            }
            Target::Sqlite(path) => {
                let key = format!("{path}\n{name}");
                let mut held = LOCAL.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    let names = held.get_or_insert_with(HashSet::new);
                    if names.insert(key.clone()) {
                        return Ok(Some(Lock {
                            held: Held::Local(key),
                        }));
                    }
                    if !wait {
                        return Ok(None);
                    }
                    held = RELEASED.wait(held).unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Held::Local(key) = &self.held {
            let mut held = LOCAL.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(names) = held.as_mut() {
                names.remove(key);
            }
            RELEASED.notify_all();
        }
    }
}
