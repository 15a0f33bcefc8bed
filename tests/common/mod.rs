//! Test databases: every test gets its own — a fresh SQLite file in a temporary folder,
//! or a fresh schema in the PostgreSQL database named by SWEEP_TEST_DATABASE_URL, dropped
//! afterwards — so tests run in parallel.

#![allow(dead_code)] // each test crate uses a different part of this module

pub mod api;

use std::io::Write;
use std::sync::Once;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use sweep::config::Config;
use sweep::districts;
use sweep::domain::District;
use sweep::store::Db;

pub const POSTGRES_URL_VARIABLE: &str = "SWEEP_TEST_DATABASE_URL";
/// A streaming replica of that server (`.ci/replica start` makes one and prints its URL).
pub const REPLICA_URL_VARIABLE: &str = "SWEEP_TEST_REPLICA_URL";

pub struct TestDb {
    pub db: Db,
    pub config: Config,
    pub dir: tempfile::TempDir,
    /// The admin URL and schema to drop, for PostgreSQL.
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = dir.path().join("sweep.db").display().to_string();
        Self::open(url, dir, None)
    }

    /// `None`, with a note on the terminal, when no PostgreSQL is configured for tests.
    pub fn postgres() -> Option<TestDb> {
        let Ok(base) = std::env::var(POSTGRES_URL_VARIABLE) else {
            static NOTE: Once = Once::new();
            NOTE.call_once(|| {
                // Written past the test harness's capture so that the skip is seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {POSTGRES_URL_VARIABLE} is not set; the PostgreSQL half of the tests is skipped \
                     (.ci/run sets it)"
                );
            });
            return None;
        };
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&base).unwrap_or_else(|e| {
            panic!("{POSTGRES_URL_VARIABLE} is set but PostgreSQL is not reachable: {e}")
        });
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create a test schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        let dir = tempfile::tempdir().expect("temporary folder");
        Some(Self::open(url, dir, Some((base, schema))))
    }

    /// A PostgreSQL test database whose reads may go to the replica named by
    /// SWEEP_TEST_REPLICA_URL (`database.read_url`, the same schema); `None`, with a note,
    /// without a replica.
    pub fn postgres_with_replica() -> Option<TestDb> {
        let Ok(replica) = std::env::var(REPLICA_URL_VARIABLE) else {
            let _ = writeln!(
                std::io::stderr(),
                "note: {REPLICA_URL_VARIABLE} is not set; the replica's tests are skipped \
                 (.ci/run sets it, from .ci/replica start)"
            );
            return None;
        };
        let mut test = Self::postgres()?;
        let (_, schema) = test.pg_schema.clone().expect("a PostgreSQL schema");
        let separator = if replica.contains('?') { '&' } else { '?' };
        let read_url = format!("{replica}{separator}options=-csearch_path%3D{schema}");
        // The schema and its tables reach the replica by replication: wait for them.
        let mut reader = PgConnection::establish(&read_url)
            .unwrap_or_else(|e| panic!("{REPLICA_URL_VARIABLE} is set but not reachable: {e}"));
        test.wait_for_replica(&mut reader);
        test.config.database.read_url = read_url;
        test.db = Db::open(&test.config.database).expect("open the test database and replica");
        Some(test)
    }

    /// Waits (at most 30 s) until the replica has replayed everything written so far.
    pub fn wait_for_replica(&self, replica: &mut PgConnection) {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Lsn {
            #[diesel(sql_type = diesel::sql_types::Text)]
            lsn: String,
        }
        #[derive(QueryableByName)]
        struct Replayed {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            replayed: bool,
        }
        let (base, _) = self.pg_schema.as_ref().expect("a PostgreSQL test database");
        let mut primary = PgConnection::establish(base).expect("the primary");
        let written = diesel::sql_query("SELECT pg_current_wal_lsn()::text AS lsn")
            .get_result::<Lsn>(&mut primary)
            .expect("the primary's WAL position")
            .lsn;
        let started = std::time::Instant::now();
        loop {
            let replayed =
                diesel::sql_query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed")
                    .bind::<diesel::sql_types::Text, _>(&written)
                    .get_result::<Replayed>(replica)
                    .expect("the replica's replay position")
                    .replayed;
            if replayed {
                return;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the replica did not replay {written} in 30 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn open(url: String, dir: tempfile::TempDir, pg_schema: Option<(String, String)>) -> TestDb {
        let mut config = Config::load_with_env(None, |_| None).expect("default config");
        config.database.url = url;
        config.database.pool_size = 4;
        config.server.bind = "127.0.0.1:0".into();
        // Test districts are small: a short route search finds their plans.
        config.visits.solver_seconds = 2.0;
        config.visits.replan_seconds = 1.0;
        config.visits.solver_patience = 300;
        // Tests log in at machine speed, a wrong PIN and the right one in the same
        // millisecond; the throttle's own test sets its delay.
        config.access.login_delay_seconds = 0.0;
        // The tests' rounds are on fixed dates, which must stay plannable in years to come.
        config.district.plan_window_days = 36_500;
        let db = Db::open(&config.database).expect("open the test database");
        TestDb {
            db,
            config,
            dir,
            pg_schema,
        }
    }

    pub fn url(&self) -> &str {
        &self.config.database.url
    }

    /// The district a test works in: `D1` (made on first use where the database has no
    /// district yet, as a first import makes it).
    pub fn district(&self) -> District {
        let mut conn = self.db.conn().expect("a connection");
        districts::named_or_first(&mut conn, &self.config, Some(TEST_DISTRICT))
            .expect("the test's district")
    }

    /// The database of a city: the test's district `D1` (empty, for the test to fill) and a
    /// neighbour `N2` with a small roster of its own whose codes are the same as a demo
    /// district's (B00001, R0000001, T001 …), its teams' PIN the demo's and an office
    /// account `office-N2` — so that every test shows that a district reads and writes
    /// nothing of another.
    pub fn in_a_city(self) -> TestDb {
        self.district();
        let mut conn = self.db.conn().expect("a connection");
        let neighbour = districts::add(&mut conn, &self.config, NEIGHBOUR, "Neighbour", None)
            .expect("the neighbour district");
        drop(conn);
        let dir = self.dir.path().join("neighbour");
        sweep::demo::write_district(
            &dir,
            sweep::demo::DemoSpec {
                residents: 60,
                seed: 2,
                district: 1,
                ..Default::default()
            },
        )
        .expect("the neighbour's roster");
        let files = sweep::import::RosterFiles::from_dir(&dir, &indicatif::ProgressBar::hidden())
            .expect("the neighbour's files");
        sweep::import::import(&self.db, &neighbour, files, 10).expect("the neighbour's roster");
        sweep::demo::open_logins(
            &mut self.db.conn().expect("a connection"),
            &neighbour,
            false,
        )
        .expect("the neighbour's logins");
        self
    }
}

/// The district every test works in, and the neighbour of [`TestDb::in_a_city`].
pub const TEST_DISTRICT: &str = "D1";
pub const NEIGHBOUR: &str = "N2";

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut admin) = PgConnection::establish(base) {
                let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
            }
        }
    }
}

/// Declares each named test `fn name(db: &TestDb)` twice: on SQLite, and on PostgreSQL
/// when SWEEP_TEST_DATABASE_URL is set; each in a city of two districts
/// ([`TestDb::in_a_city`]). `alone:` first: in a database of no district yet, as a district
/// on its own starts (for the command line's invocations without `--district`).
#[macro_export]
macro_rules! on_both_backends {
    (alone: $($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&$crate::common::TestDb::sqlite()); } )*
        }
        mod postgres {
            $( #[test] fn $name() {
                if let Some(db) = $crate::common::TestDb::postgres() { super::$name(&db); }
            } )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() {
                super::$name(&$crate::common::TestDb::sqlite().in_a_city());
            } )*
        }
        mod postgres {
            $( #[test] fn $name() {
                if let Some(db) = $crate::common::TestDb::postgres() {
                    super::$name(&db.in_a_city());
                }
            } )*
        }
    };
}
