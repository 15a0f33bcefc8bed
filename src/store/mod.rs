//! Storage: one diesel code path over SQLite (the embedded default) and PostgreSQL (the
//! scale-out backend), chosen from the database URL. Migrations for each backend are built
//! into the binary and applied when the database is opened.
//!
//! Single-row reads filter on a unique key and use `get_result`, not `first`: `first` adds
//! `LIMIT ?`, and SQLite re-prepares a statement whose LIMIT is a bound parameter every
//! time it runs — a fifth of the time of a resident's lookup went to that.
//!
//! The statements of a busy request (a resident's lookup, a session check, a scan) run on
//! the backend's own connection, through [`on_backend!`]: diesel's two-backend connection
//! writes a query's SQL out afresh on every run, to find its prepared statement and again
//! to bind it, which took a fifth of a lookup's time.

pub mod access;
pub mod backup;
pub mod budget;
pub mod buildings;
pub mod completion;
pub mod districts;
mod locks;
mod replica;
pub mod residents;
pub mod roster;
pub mod rounds;
pub mod routes;
pub mod schema;
mod settings;
pub mod sites;
pub mod slots;
pub mod teams;
pub mod tubes;
mod writer;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{DatabaseConfig, SqliteSynchronous};
pub use locks::Lock;
pub use settings::personal_data_key;
pub use writer::Writer;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries written once with diesel's builder run on both;
/// code that must differ matches on the variant (see [`on_backend!`]).
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Runs the same code against the concrete connection of either backend: for statements
/// diesel's multi-backend builder does not express (bulk upserts), and for those on a busy
/// request's path (see the note at the top of this module).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConnection::Sqlite($c) => $body,
            $crate::store::DbConnection::Pg($c) => $body,
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Said once, in one line: the reason is the driver's, without a chain repeating it.
    #[error("cannot open the database {target}: {reason}")]
    Open { target: String, reason: String },
    #[error("there is no district database at {0}: import a roster first (sweep import DIR), or set database.url (SWEEP_DATABASE_URL)")]
    Missing(String),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
    #[error("database connection unavailable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("the changes could not be committed: {0}")]
    Commit(String),
    #[error("the change was not made: the database writer stopped")]
    WriterStopped,
}

/// Which backend a database URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file path (`sqlite://` prefix optional), relative to the working directory.
    Sqlite(String),
    Postgres(String),
}

impl Target {
    pub fn from_url(url: &str) -> Self {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Target::Postgres(url.to_string())
        } else {
            Target::Sqlite(url.strip_prefix("sqlite://").unwrap_or(url).to_string())
        }
    }

    /// The URL without a password, safe to print.
    pub fn display(&self) -> String {
        match self {
            Target::Sqlite(path) => format!("SQLite file {path}"),
            Target::Postgres(url) => {
                let shown = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => {
                        let credentials = &url[scheme + 3..at];
                        let user = credentials.split(':').next().unwrap_or("");
                        format!("{}{user}{}", &url[..scheme + 3], &url[at..])
                    }
                    _ => url.clone(),
                };
                format!("PostgreSQL {shown}")
            }
        }
    }
}

/// A driver's message of several lines (libpq adds hints on lines of their own) as one.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A PostgreSQL URL that gives up connecting after 2 s unless it says otherwise (an
/// unreachable server is reported at once, not after the system's TCP timeout), and whose
/// connections carry the pool's name (see [`budget`]).
fn pool_url(url: &str, application_name: &str) -> String {
    let mut url = url.to_string();
    let mut add = |key: &str, value: &str| {
        if !url.contains(&format!("{key}=")) {
            let joiner = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{joiner}{key}={value}");
        }
    };
    add("connect_timeout", "2");
    add(
        "application_name",
        &application_name.replace('/', "%2F").replace('=', "%3D"),
    );
    url
}

/// Opens connections for the pool; SQLite ones get their per-connection settings here.
#[derive(Debug, Clone)]
pub struct Manager {
    target: Target,
    /// PostgreSQL: the `application_name` of the pool's connections.
    application_name: String,
    busy_timeout_ms: u32,
    synchronous: SqliteSynchronous,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match &self.target {
            Target::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // The busy timeout comes first so that switching to WAL waits for a
                // connection opening alongside. WAL lets readers (the server) go on while an
                // import writes; NORMAL is durable across application crashes with WAL,
                // FULL across power cuts too. No memory map of the file (mmap_size): every
                // commit made each other connection drop its map and fault it in again,
                // which cost a third of the scans' rate (docs/performance.md).
                let synchronous = match self.synchronous {
                    SqliteSynchronous::Normal => "NORMAL",
                    SqliteSynchronous::Full => "FULL",
                };
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Target::Postgres(url) => {
                let mut conn = PgConnection::establish(&pool_url(url, &self.application_name))?;
                conn.set_instrumentation(note_closed_connections);
                // No JIT: it pays off for long analytical queries, and a team's route whose
                // estimate had gone wrong (a partitioned table without statistics) spent
                // 4.3 s compiling itself to run in 10 ms (docs/performance.md).
                conn.batch_execute("SET jit = off")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Pg(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    /// A connection left inside a transaction — one it cannot end, or one a panic left
    /// open — is dropped, not reused; so is one whose server went away (a restart, a
    /// replica that stopped), which diesel does not mark: a statement of this thread was
    /// told its connection was closed, and the connection fails a test.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking()
            || !is_idle(conn)
            || (CONNECTION_CLOSED.take() && self.is_valid(conn).is_err())
    }
}

thread_local! {
    /// Whether a statement run on this thread since the last connection went back to the
    /// pool was told its connection was closed. A connection is used by one thread at a time
    /// and given back by it, so the flag points at the connection to test.
    static CONNECTION_CLOSED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn note_closed_connections(event: diesel::connection::InstrumentationEvent<'_>) {
    use diesel::result::{DatabaseErrorKind, Error};
    if let diesel::connection::InstrumentationEvent::FinishQuery {
        error: Some(Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)),
        ..
    } = event
    {
        CONNECTION_CLOSED.set(true);
    }
}

pub type Conn = PooledConnection<Manager>;

/// The database of one district: a connection pool, migrated when opened. Holds no other
/// state, so several processes may share one PostgreSQL database.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    /// For a connection of its own outside the pool (the writer's).
    manager: Manager,
    target: Target,
    /// Read once: nothing changes the key, and every lookup and scan needs it.
    personal_key: std::sync::Arc<std::sync::OnceLock<crate::domain::PersonalDataKey>>,
    /// A streaming replica's pool (`database.read_url`), for the reads [`Db::reader`] sends.
    replica: Option<std::sync::Arc<replica::Replica>>,
}

impl Db {
    /// Opens the district's database, creating and migrating it when it is new; and its
    /// replica, where `read_url` names one.
    pub fn open(config: &DatabaseConfig) -> Result<Db, StoreError> {
        let mut db = Db::connect(config, &config.url)?;
        db.migrate()?;
        if !config.read_url.trim().is_empty() {
            // The key is made on first use, which a read-only replica cannot do: the
            // primary makes or reads it now, and the replica's reads share it.
            db.personal_data_key(&mut *db.conn()?)?;
            let mut replica = Db::connect(config, config.read_url.trim())?;
            replica.personal_key = db.personal_key.clone();
            db.replica = Some(std::sync::Arc::new(replica::Replica::new(replica)));
        }
        Ok(db)
    }

    /// A pool of connections to `url`, its first connection opened and (on PostgreSQL) the
    /// server's connection budget checked.
    fn connect(config: &DatabaseConfig, url: &str) -> Result<Db, StoreError> {
        let target = Target::from_url(url);
        let manager = Manager {
            target: target.clone(),
            application_name: budget::application_name(config.pool_size),
            busy_timeout_ms: config.busy_timeout_ms,
            synchronous: config.sqlite_synchronous,
        };
        // One connection first, so that a database that cannot be reached is said once and
        // at once, instead of by the pool's retries for its whole wait.
        let open_error = |reason: String| StoreError::Open {
            target: target.display(),
            reason,
        };
        if let Target::Sqlite(path) = &target {
            let folder = std::path::Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty());
            if let Some(folder) = folder.filter(|f| !f.is_dir()) {
                return Err(open_error(format!(
                    "the folder {} does not exist",
                    folder.display()
                )));
            }
        }
        let mut first = manager
            .connect()
            .map_err(|e| open_error(one_line(&e.to_string())))?;
        if let DbConnection::Pg(conn) = &mut first {
            let budget = budget::budget(conn, &manager.application_name)
                .map_err(|e| open_error(one_line(&e.to_string())))?;
            budget::check(&budget, config.pool_size).map_err(open_error)?;
        }
        drop(first);
        let pool = Pool::builder()
            .max_size(config.pool_size)
            .min_idle(Some(1))
            // Not a test query before every use: that doubled the statements of a lookup.
            // A connection that broke is found by its first real query and replaced.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(10))
            .build(manager.clone())
            .map_err(|e| open_error(one_line(&e.to_string())))?;
        Ok(Db {
            pool,
            manager,
            target,
            personal_key: Default::default(),
            replica: None,
        })
    }

    /// Opens a district's database that must exist already: for the commands that work on
    /// a district (plan, publish, export …), which should not leave an empty database
    /// behind where they were run by mistake.
    pub fn open_existing(config: &DatabaseConfig) -> Result<Db, StoreError> {
        if let Target::Sqlite(path) = Target::from_url(&config.url) {
            if !std::path::Path::new(&path).is_file() {
                return Err(StoreError::Missing(path));
            }
        }
        Db::open(config)
    }

    /// The district's key for ID-number hashes and tickets (made on first use).
    pub fn personal_data_key(
        &self,
        conn: &mut DbConnection,
    ) -> diesel::QueryResult<crate::domain::PersonalDataKey> {
        if let Some(key) = self.personal_key.get() {
            return Ok(key.clone());
        }
        let key = personal_data_key(conn)?;
        Ok(self.personal_key.get_or_init(|| key).clone())
    }

    /// The key, read (or made) on first use only: a caller that needs nothing else of the
    /// database takes no connection once it is known.
    pub fn cached_personal_data_key(&self) -> Result<crate::domain::PersonalDataKey, StoreError> {
        match self.personal_key.get() {
            Some(key) => Ok(key.clone()),
            None => Ok(self.personal_data_key(&mut *self.conn()?)?),
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn conn(&self) -> Result<Conn, StoreError> {
        let asked = std::time::Instant::now();
        let conn = self.pool.get();
        crate::metrics::get().waited_for_connection(asked.elapsed());
        Ok(conn?)
    }

    /// Pooled connections: open, and idle among them.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// A connection outside the pool, with the same settings.
    pub fn unpooled_connection(&self) -> Result<DbConnection, ConnectionError> {
        self.manager.connect()
    }

    /// Whether the database answers: one round trip.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    }

    /// The backend's name: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.target() {
            Target::Sqlite(_) => "sqlite",
            Target::Postgres(_) => "postgres",
        }
    }

    /// `None` when the database's schema is the one this build expects; otherwise why not.
    pub fn schema_mismatch(&self) -> Result<Option<String>, StoreError> {
        use diesel::migration::MigrationSource;
        let mut conn = self.conn()?;
        let failed =
            |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migrate(e.to_string());
        let (applied, known) = match &mut *conn {
            DbConnection::Sqlite(c) => (
                c.applied_migrations().map_err(failed)?,
                versions::<diesel::sqlite::Sqlite>(SQLITE_MIGRATIONS.migrations().map_err(failed)?),
            ),
            DbConnection::Pg(c) => (
                c.applied_migrations().map_err(failed)?,
                versions::<diesel::pg::Pg>(POSTGRES_MIGRATIONS.migrations().map_err(failed)?),
            ),
        };
        let applied: Vec<String> = applied.iter().map(ToString::to_string).collect();
        if let Some(missing) = known.iter().find(|v| !applied.contains(v)) {
            return Ok(Some(format!("migration {missing} is not applied")));
        }
        if let Some(newer) = applied.iter().find(|v| !known.contains(v)) {
            return Ok(Some(format!(
                "migration {newer} is not known to this build: the database was migrated by a newer sweep"
            )));
        }
        Ok(None)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let result = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
            DbConnection::Pg(c) => {
                // Several `sweep serve` processes may start together on one database.
                c.batch_execute("SELECT pg_advisory_lock(7265312)")?;
                let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop);
                c.batch_execute("SELECT pg_advisory_unlock(7265312)")?;
                result
            }
        };
        result.map_err(|e| StoreError::Migrate(e.to_string()))
    }
}

fn versions<DB: diesel::backend::Backend>(
    migrations: Vec<Box<dyn diesel::migration::Migration<DB>>>,
) -> Vec<String> {
    migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect()
}

/// Whether a connection is outside any transaction and able to begin one.
fn is_idle(conn: &mut DbConnection) -> bool {
    use diesel::connection::TransactionManager;
    matches!(
        <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth(),
        Ok(None)
    )
}

/// Runs `work` in a transaction that will write. On SQLite it takes the write lock as it
/// begins (`BEGIN IMMEDIATE`): a transaction that read first and asked for the lock only
/// at its first write would be refused at once ("database is locked", not retried) when
/// another writer had committed in between; this way it waits its turn under
/// `busy_timeout` instead. On PostgreSQL it is a plain transaction.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = work(conn);
    let DbConnection::Sqlite(sqlite) = conn else {
        unreachable!("the connection is the SQLite one that began the transaction")
    };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(sqlite) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(sqlite);
                Err(e.into())
            }
        },
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}

impl Db {
    /// Runs `write` (which makes transactions of its own) with SQLite tuned for writing many
    /// rows: a page cache large enough that index pages are not spilled and re-read
    /// mid-transaction, statement journals in memory, commits not flushed one by one
    /// (`synchronous = NORMAL`) and the log copied into the database once at the end instead
    /// of every thousand pages (`wal_autocheckpoint`): the import's hundreds of short
    /// transactions each flushed, and the checkpoints they set off, took most of a
    /// million-resident import. The end's checkpoint flushes the log first, so the import is
    /// durable when it returns; one cut short by a power cut is simply run again. Other
    /// connections' commits (the sites' scans) stay flushed each. The connection's usual
    /// settings come back afterwards.
    pub fn bulk_settings<T, E>(
        &self,
        conn: &mut DbConnection,
        write: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let sqlite = matches!(conn, DbConnection::Sqlite(_));
        if sqlite {
            conn.batch_execute(
                "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; \
                 PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;",
            )?;
        }
        let result = write(conn);
        if sqlite {
            let synchronous = match self.manager.synchronous {
                SqliteSynchronous::Normal => "NORMAL",
                SqliteSynchronous::Full => "FULL",
            };
            conn.batch_execute(&format!(
                "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; \
                 PRAGMA synchronous = {synchronous}; PRAGMA wal_autocheckpoint = 1000; \
                 PRAGMA wal_checkpoint(PASSIVE);"
            ))?;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(
            Target::from_url("sweep.db"),
            Target::Sqlite("sweep.db".into())
        );
        assert_eq!(
            Target::from_url("sqlite://x/y.db"),
            Target::Sqlite("x/y.db".into())
        );
        assert!(matches!(
            Target::from_url("postgres://h/db"),
            Target::Postgres(_)
        ));
        assert!(matches!(
            Target::from_url("postgresql://h/db"),
            Target::Postgres(_)
        ));
    }

    #[test]
    fn passwords_are_not_displayed() {
        let shown = Target::from_url("postgres://office:secret@db:5432/sweep").display();
        assert_eq!(shown, "PostgreSQL postgres://office@db:5432/sweep");
    }
}
