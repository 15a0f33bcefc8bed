//! A district's database written by an earlier sweep opens with this one, migrated, with
//! nothing lost: every table keeps its rows, the round reads back as it was recorded, and
//! every row of the district's now belongs to its one district, `D1`.
//!
//! The databases are fixtures in `tests/fixtures/before-districts/`, made once by the sweep
//! of commit 79f1948 (the last before districts became tenants) with the ignored test
//! below: a small demo district imported, a round planned and published, lanes closed, a
//! tube filled, a result, a door's outcome, logins good and bad. `sweep.db` is a SQLite
//! backup; `postgres.sql` is `pg_dump --inserts` of its PostgreSQL twin, the schema's name
//! replaced by `__SCHEMA__`; `expected.json` holds what both held. Remake them only from
//! that commit: made by a later sweep they would not be from before anything.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::json;

use common::api::{new_id, with_api, DATE};
use common::{TestDb, POSTGRES_URL_VARIABLE};
use sweep::rounds::{self, PlanOptions};
use sweep::store::{Db, DbConnection};

const TABLES: &[&str] = &[
    "settings",
    "communities",
    "buildings",
    "residents",
    "sites",
    "teams",
    "rounds",
    "slot_assignments",
    "slot_loads",
    "slot_unplaced",
    "slot_moves",
    "team_routes",
    "route_stops",
    "route_unvisited",
    "visit_outcomes",
    "accounts",
    "sessions",
    "audit",
    "handled_requests",
    "tubes",
    "samples",
    "login_failures",
    "lane_closures",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/before-districts")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConnection, table: &str) -> i64 {
    let query = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"));
    sweep::on_backend!(conn, |c| query.get_result::<Count>(c))
        .unwrap()
        .n
}

/// Rows per table, and the round's completion as the office reads it.
fn what_it_holds(db: &Db) -> serde_json::Value {
    let mut conn = db.conn().unwrap();
    let rows: BTreeMap<&str, i64> = TABLES.iter().map(|t| (*t, count(&mut conn, t))).collect();
    let date: NaiveDate = DATE.parse().unwrap();
    let config = sweep::config::Config::load_with_env(None, |_| None).unwrap();
    let district = sweep::districts::named(&mut conn, &config, None).unwrap();
    let c = rounds::completion(&mut conn, &district, date, None)
        .unwrap()
        .counts;
    json!({
        "rows": rows,
        "completion": [c.expected, c.sampled, c.recalled, c.not_home, c.refused, c.pending],
    })
}

/// Tables whose every row belongs to a district since districts became tenants (accounts,
/// sessions and the audit may also hold the city's, which a database from before has none of).
const TENANT_TABLES: &[&str] = &[
    "communities",
    "buildings",
    "residents",
    "sites",
    "teams",
    "rounds",
    "tubes",
    "accounts",
    "sessions",
    "audit",
];

/// The upgraded database holds one district, `D1`, on the configured clock, and every
/// tenant row is its.
fn all_in_one_district(db: &Db) {
    let mut conn = db.conn().unwrap();
    let config = sweep::config::Config::load_with_env(None, |_| None).unwrap();
    let all = sweep::districts::all(&mut conn, &config).unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].code, "D1");
    assert_eq!(all[0].timezone, config.district.timezone);
    for table in TENANT_TABLES {
        let query = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {table} WHERE district_id = {}",
            all[0].id
        ));
        let theirs = sweep::on_backend!(&mut *conn, |c| query.get_result::<Count>(c))
            .unwrap()
            .n;
        assert_eq!(theirs, count(&mut conn, table), "rows of {table} in D1");
    }
}

fn expected() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("expected.json")).unwrap())
        .unwrap()
}

#[test]
fn a_sqlite_district_from_before_districts_opens_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sweep.db");
    std::fs::copy(fixtures().join("sweep.db"), &file).unwrap();
    let mut config = sweep::config::Config::load_with_env(None, |_| None).unwrap();
    config.database.url = file.display().to_string();
    let db = Db::open(&config.database).expect("the old database opens and migrates");
    assert_eq!(what_it_holds(&db), expected());
    all_in_one_district(&db);
}

#[test]
fn a_postgres_district_from_before_districts_opens_with_nothing_lost() {
    let Ok(base) = std::env::var(POSTGRES_URL_VARIABLE) else {
        return;
    };
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    let dump = std::fs::read_to_string(fixtures().join("postgres.sql"))
        .unwrap()
        .replace("__SCHEMA__", &schema);
    let mut admin = PgConnection::establish(&base).unwrap();
    admin.batch_execute(&dump).expect("the dump loads");
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut config = sweep::config::Config::load_with_env(None, |_| None).unwrap();
    config.database.url = format!("{base}{separator}options=-csearch_path%3D{schema}");
    config.database.pool_size = 2;
    let held = Db::open(&config.database).map(|db| {
        let held = what_it_holds(&db);
        let one_district =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| all_in_one_district(&db)));
        (held, one_district)
    });
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
    let (held, one_district) = held.expect("the old database opens and migrates");
    assert_eq!(held, expected());
    if let Err(panic) = one_district {
        std::panic::resume_unwind(panic);
    }
}

/// A small district with a little of everything a round records. (Kept as it was, save the
/// district each call now names: the fixtures came from the commit named above.)
fn fill(db: &TestDb) {
    let dir = db.dir.path().join("demo");
    sweep::demo::write_district(
        &dir,
        sweep::demo::DemoSpec {
            residents: 800,
            seed: 5,
            ..Default::default()
        },
    )
    .unwrap();
    let files =
        sweep::import::RosterFiles::from_dir(&dir, &indicatif::ProgressBar::hidden()).unwrap();
    sweep::import::import(&db.db, &db.district(), files, 100).unwrap();
    let date: NaiveDate = DATE.parse().unwrap();
    rounds::plan_round(&db.db, &db.config, &db.district(), PlanOptions::on(date)).unwrap();
    let mut conn = db.db.conn().unwrap();
    let now = chrono::Utc::now().naive_utc();
    for (login, role) in [("wang", "office"), ("lab1", "lab")] {
        let hash = sweep::access::hash_secret("a-password");
        let district = Some(db.district().id);
        sweep::store::access::add_account(&mut conn, login, role, district, &hash, now).unwrap();
    }
    let (team, _, _) = sweep::store::access::team_pin(&mut conn, db.district().id, "T001")
        .unwrap()
        .unwrap();
    sweep::store::access::set_team_pin(&mut conn, team, &sweep::access::hash_secret("1111"))
        .unwrap();
    drop(conn);
    let walkers = common::api::walkers(db, 2);
    with_api(db, |api| async move {
        api.send(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"login": "wang", "password": "wrong"})),
        )
        .await;
        let office = api.login("wang", "a-password").await;
        let lab = api.login("lab1", "a-password").await;
        let team = api.login_team("T001", "1111").await;
        let (_, slots) = api
            .send(
                "GET",
                &format!("/api/v1/office/rounds/{DATE}/slots"),
                Some(&office),
                None,
            )
            .await;
        let site = slots[0]["site"].as_str().unwrap().to_string();
        let lanes = format!("/api/v1/office/rounds/{DATE}/sites/{site}/lanes");
        let body = json!({"request_id": new_id(), "closed": 1});
        assert_eq!(
            api.send("POST", &lanes, Some(&office), Some(body)).await.0,
            200
        );
        let publish = format!("/api/v1/office/rounds/{DATE}/publish");
        let body = json!({"request_id": new_id()});
        assert_eq!(
            api.send("POST", &publish, Some(&office), Some(body))
                .await
                .0,
            200
        );
        let (_, route) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&team),
                None,
            )
            .await;
        let door = route["stops"][0]["resident"].clone();
        let (status, _) = api
            .record_outcome(&team, json!({"resident": door, "outcome": "not_home"}))
            .await;
        assert_eq!(status, 201);
        api.open_tube(&team, "F-001", Some(2)).await;
        for who in &walkers {
            assert_eq!(api.scan(&team, "F-001", json!(who)).await.0, 201);
        }
        assert_eq!(api.record_result(&lab, "F-001", "negative").await.0, 201);
    });
}

/// Remakes the fixtures: `SWEEP_TEST_DATABASE_URL=… cargo test --test upgrade -- --ignored`,
/// only with the sweep of the commit named above.
#[test]
#[ignore]
fn make_the_fixtures() {
    let out = fixtures();
    std::fs::create_dir_all(&out).unwrap();

    let sqlite = TestDb::sqlite();
    fill(&sqlite);
    let held = what_it_holds(&sqlite.db);
    let file = sqlite.dir.path().join("sweep.db");
    let copy = out.join("sweep.db");
    let _ = std::fs::remove_file(&copy);
    sweep::store::backup::backup(&file, &copy).unwrap();

    let postgres = TestDb::postgres().expect("SWEEP_TEST_DATABASE_URL for the PostgreSQL twin");
    fill(&postgres);
    assert_eq!(what_it_holds(&postgres.db), held, "the twins differ");
    let url = postgres.config.database.url.clone();
    let schema = url.rsplit("%3D").next().unwrap().to_string();
    let base = std::env::var(POSTGRES_URL_VARIABLE).unwrap();
    let dump = std::process::Command::new("pg_dump")
        .args([
            "--inserts",
            "--no-owner",
            "--no-privileges",
            "--schema",
            &schema,
            &base,
        ])
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    // psql's own commands (`\restrict` …) are not SQL: the test loads the dump without psql.
    let text: String = String::from_utf8(dump.stdout)
        .unwrap()
        .replace(&schema, "__SCHEMA__")
        .lines()
        .filter(|line| !line.starts_with('\\'))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(out.join("postgres.sql"), text).unwrap();
    std::fs::write(
        out.join("expected.json"),
        serde_json::to_string_pretty(&held).unwrap() + "\n",
    )
    .unwrap();
}
