//! Several `sweep serve` processes on one PostgreSQL database, as a city deploys them behind
//! a load balancer (docs/scale.md). Each process has its own connection pool, writer and
//! per-client rate limits; everything a request relies on — sessions, the request keys that
//! make a retry safe, the rules of a round, the migrations — lives in the database, so it
//! holds whichever process a request reaches. Two `Application`s, each with a pool of its
//! own, stand for the two processes. (SQLite is one district served by one process on one
//! machine: there is no second process to test.)

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::json;

use common::api::{district, new_id, walkers, Api, DATE};
use common::{TestDb, POSTGRES_URL_VARIABLE};
use sweep::api::Application;
use sweep::store::schema::{handled_requests, samples, tubes};
use sweep::store::Db;

/// Runs `check` against two applications on the same database.
fn with_two_processes<F, Fut>(db: &TestDb, check: F)
where
    F: FnOnce(Api, Api) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let second = Db::open(&db.config.database).expect("a second process opens the database");
    actix_web::rt::System::new().block_on(async {
        let mut handles = Vec::new();
        let mut apis = Vec::new();
        for pool in [db.db.clone(), second] {
            let app = Application::build(&db.config, pool).expect("bind port 0");
            apis.push(Api {
                base: format!("http://127.0.0.1:{}", app.port()),
                client: awc::Client::default(),
            });
            handles.push(app.handle());
            actix_web::rt::spawn(app.run_until_stopped());
        }
        let b = apis.pop().unwrap();
        let a = apis.pop().unwrap();
        check(a, b).await;
        for handle in handles {
            handle.stop(true).await;
        }
    });
}

#[test]
fn two_processes_on_one_database_act_as_one() {
    // In a city of two districts, as a city's processes serve it.
    let Some(db) = TestDb::postgres().map(TestDb::in_a_city) else {
        return;
    };
    district(&db);
    let people = walkers(&db, 4);
    with_two_processes(&db, |a, b| async move {
        // A session opened through one process is honoured by the other.
        let office = a.login("wang", "office-password").await;
        let (status, _) = b
            .send("GET", "/api/v1/office/rounds", Some(&office), None)
            .await;
        assert_eq!(status, 200);
        let samplers = b.login_team("T002", "2222").await;

        // The same request reaching both at once (a phone's retry routed elsewhere): done
        // once, and both get the same answer.
        let open = json!({"request_id": new_id(), "tube": "X-001", "pool_size": 2, "date": DATE});
        let answers = join_all([&a, &b].map(|api| {
            api.send(
                "POST",
                "/api/v1/site/tubes",
                Some(&samplers),
                Some(open.clone()),
            )
        }))
        .await;
        assert_eq!(answers[0].0, 201, "{}", answers[0].1);
        assert_eq!(answers[0], answers[1]);

        // Three swabs for a tube of two, through both processes at once: two go in.
        let scans = join_all(people[..3].iter().enumerate().map(|(k, who)| {
            let api = if k % 2 == 0 { &a } else { &b };
            api.scan(&samplers, "X-001", json!(who))
        }))
        .await;
        let taken = scans.iter().filter(|(status, _)| *status == 201).count();
        assert_eq!(taken, 2, "{scans:?}");
        let refused: Vec<_> = scans.iter().filter(|(s, _)| *s != 201).collect();
        assert_eq!(refused[0].1["error"], "tube_closed", "{scans:?}");

        // One resident scanned into two tubes at once, one through each process: sampled
        // once, and the other scan names the first tube.
        a.open_tube(&samplers, "Y-001", None).await;
        b.open_tube(&samplers, "Y-002", None).await;
        let both = join_all(
            [(&a, "Y-001"), (&b, "Y-002")]
                .map(|(api, tube)| api.scan(&samplers, tube, json!(people[3]))),
        )
        .await;
        let statuses: Vec<u16> = both.iter().map(|(status, _)| *status).collect();
        assert!(statuses == [201, 409] || statuses == [409, 201], "{both:?}");
        let refusal = &both[usize::from(statuses[0] == 201)].1;
        assert_eq!(refusal["error"], "already_sampled", "{refusal}");
    });

    let mut conn = db.db.conn().unwrap();
    let opened: i64 = tubes::table
        .filter(tubes::code.eq("X-001"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(opened, 1, "the tube opened twice");
    let swabs: i64 = samples::table.count().get_result(&mut conn).unwrap();
    assert_eq!(
        swabs, 3,
        "X-001 holds two, one resident is in Y-001 or Y-002"
    );
    let remembered: i64 = handled_requests::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(remembered >= 6, "every change is remembered under its key");
}

#[test]
fn processes_starting_at_once_on_a_new_database_migrate_it_once() {
    let Ok(base) = std::env::var(POSTGRES_URL_VARIABLE) else {
        return;
    };
    let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&base).unwrap();
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut config = sweep::config::Config::load_with_env(None, |_| None).unwrap();
    config.database.url = format!("{base}{separator}options=-csearch_path%3D{schema}");
    config.database.pool_size = 2;
    let opened: Vec<bool> = std::thread::scope(|threads| {
        let starts: Vec<_> = (0..4)
            .map(|_| threads.spawn(|| Db::open(&config.database).is_ok()))
            .collect();
        starts.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let applied: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "SELECT count(*) FROM {schema}.__diesel_schema_migrations"
    ))
    .get_result(&mut admin)
    .unwrap();
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
    assert_eq!(opened, [true; 4], "a process failed to start");
    let known = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count() as i64;
    assert_eq!(applied, known, "each migration applied once");
}

/// N processes must not exhaust the server's connections silently: each process's pool is
/// seen by the next one starting (whether its connections are open yet or not), and a
/// process whose pool does not fit in what is left refuses to start, saying why.
#[test]
fn a_process_whose_pool_does_not_fit_the_server_refuses_to_start() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    // A first process promising itself 40 connections (it holds one so far) …
    let mut config = db.config.database.clone();
    config.pool_size = 40;
    let first = Db::open(&config).expect("a pool of 40 fits a fresh server");
    let (open, promised): (i64, i64) =
        diesel::dsl::sql::<(diesel::sql_types::BigInt, diesel::sql_types::BigInt)>(
            "SELECT count(*), count(DISTINCT application_name) FROM pg_stat_activity \
         WHERE application_name LIKE 'sweep/%/pool=40'",
        )
        .get_result(
            &mut first
                .unpooled_connection()
                .map(|c| match c {
                    sweep::store::DbConnection::Pg(c) => c,
                    _ => unreachable!("a PostgreSQL test"),
                })
                .unwrap(),
        )
        .unwrap();
    assert!(
        (1..40).contains(&open) && promised >= 1,
        "its pool is named after its size before it is full: {open} open, {promised} pools"
    );
    // … and a second asking for more than any server here has.
    config.pool_size = 100_000;
    let refused = Db::open(&config)
        .err()
        .expect("a pool of 100,000 is refused");
    let said = refused.to_string();
    assert!(
        said.contains("database.pool_size is 100000")
            && said.contains("max_connections")
            && said.contains("promised to other sweep processes"),
        "{said}"
    );
    drop(first);
}
