//! Reads from a streaming replica (`database.read_url`), against a real one: `.ci/replica
//! start` makes a standby of the local PostgreSQL and SWEEP_TEST_REPLICA_URL names it (.ci/run
//! does both); without it these tests are skipped. Which server answered is shown by what
//! it holds: the replica's replay is paused while the primary takes a write.

mod common;

use std::sync::Mutex;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::json;

use common::api::{district, id_number_of, walkers, with_api_config, Api, DATE};
use common::TestDb;

/// The replica's replay is paused by one test at a time: the tests here take turns.
static REPLAY: Mutex<()> = Mutex::new(());

/// Pauses the replica's replay until dropped (also when a test fails, so that the
/// replica is never left behind).
struct ReplayPaused(PgConnection);

impl ReplayPaused {
    fn pause(read_url: &str) -> ReplayPaused {
        let mut conn = PgConnection::establish(read_url).expect("the replica");
        conn.batch_execute("SELECT pg_wal_replay_pause()")
            .expect("pause the replica's replay");
        ReplayPaused(conn)
    }
}

impl Drop for ReplayPaused {
    fn drop(&mut self) {
        let _ = self.0.batch_execute("SELECT pg_wal_replay_resume()");
    }
}

/// A lookup of the district's first resident who walks to a site, as they would send it.
fn a_walkers_lookup(db: &TestDb) -> serde_json::Value {
    let walker = walkers(db, 1).remove(0);
    let name = csv::Reader::from_path(db.dir.path().join("demo/residents.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .find(|r| r[0] == walker)
        .map(|r| r[1].to_string())
        .unwrap();
    json!({"id_number": id_number_of(db, &walker), "name": name, "date": DATE})
}

async fn look_up(api: &Api, lookup: &serde_json::Value) -> (u16, serde_json::Value) {
    api.send(
        "POST",
        "/api/v1/resident/lookup",
        None,
        Some(lookup.clone()),
    )
    .await
}

/// The status of the office's first round, as its rounds list shows it.
async fn round_status(api: &Api, office: &str) -> String {
    let (status, body) = api
        .send("GET", "/api/v1/office/rounds", Some(office), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["rounds"][0]["status"].as_str().unwrap().to_string()
}

#[test]
fn lookups_are_served_by_the_replica_and_an_office_reads_its_own_writes() {
    let Some(db) = TestDb::postgres_with_replica() else {
        return;
    };
    let _turn = REPLAY.lock().unwrap_or_else(|e| e.into_inner());
    district(&db);
    let lookup = a_walkers_lookup(&db);
    let read_url = db.config.database.read_url.clone();
    let mut replica = PgConnection::establish(&read_url).expect("the replica");
    db.wait_for_replica(&mut replica);

    let test = &db;
    with_api_config(&db, &db.config, |api| async move {
        let office = api.login("wang", "office-password").await;
        assert_eq!(round_status(&api, &office).await, "draft");

        // The office publishes while the replica stands still.
        let paused = ReplayPaused::pause(&read_url);
        let (status, body) = api
            .send(
                "POST",
                &format!("/api/v1/office/rounds/{DATE}/publish"),
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4()})),
            )
            .await;
        assert_eq!((status, body["status"].as_str()), (200, Some("published")));
        // The office reads its own write: from the primary, as the replica lacks it.
        assert_eq!(round_status(&api, &office).await, "published");
        // A resident's lookup is served by the replica, which has not replayed it yet.
        let (status, body) = look_up(&api, &lookup).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_published")),
            "{body}"
        );
        // Once replayed, the replica shows the write.
        drop(paused);
        test.wait_for_replica(&mut replica);
        let (status, body) = look_up(&api, &lookup).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (200, Some("site")),
            "{body}"
        );
        let (_, metrics) = api.text("/metrics", "").await;
        for served_by in ["replica", "primary_after_write"] {
            assert!(
                metrics.contains(&format!("sweep_reads_total{{served_by=\"{served_by}\"}}")),
                "{served_by} in {metrics}"
            );
        }
    });
}

/// The office's slots as it reads them: each slot's site, start and planned count.
async fn planned(api: &Api, office: &str) -> Vec<(String, String, i64, i64)> {
    let (status, slots) = api
        .send(
            "GET",
            &format!("/api/v1/office/rounds/{DATE}/slots"),
            Some(office),
            None,
        )
        .await;
    assert_eq!(status, 200, "{slots}");
    slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["site"].as_str().unwrap().to_string(),
                s["from"].as_str().unwrap().to_string(),
                s["planned"].as_i64().unwrap(),
                s["capacity"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// One office sending several changes at the same moment (each writes where its session's
/// reads may next come from): every change is answered, and the office reads all of them
/// back at once although the replica has replayed none.
#[test]
fn an_office_sending_changes_at_once_reads_them_all_back() {
    let Some(db) = TestDb::postgres_with_replica() else {
        return;
    };
    let _turn = REPLAY.lock().unwrap_or_else(|e| e.into_inner());
    district(&db);
    let movers = walkers(&db, 6);
    let read_url = db.config.database.read_url.clone();
    let mut replica = PgConnection::establish(&read_url).expect("the replica");
    db.wait_for_replica(&mut replica);

    with_api_config(&db, &db.config, |api| async move {
        let office = api.login("wang", "office-password").await;
        let before = planned(&api, &office).await;
        let (site, from, _, _) = before
            .iter()
            .filter(|(_, _, planned, capacity)| capacity - planned >= movers.len() as i64)
            .max_by_key(|(_, _, planned, capacity)| capacity - planned)
            .cloned()
            .expect("a slot with room for every mover");
        let _paused = ReplayPaused::pause(&read_url);
        let path = format!("/api/v1/office/rounds/{DATE}/moves");
        let moves = movers.iter().map(|resident| {
            api.send(
                "POST",
                &path,
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4(), "resident": resident, "site": site, "start": from})),
            )
        });
        for (status, body) in futures_util::future::join_all(moves).await {
            assert_eq!(status, 200, "{body}");
        }
        // Each mover's slot as the office's export gives it: the one it was moved to.
        let (status, csv) = api
            .text(&format!("/api/v1/office/rounds/{DATE}/slots.csv"), &office)
            .await;
        assert_eq!(status, 200, "{csv}");
        for resident in &movers {
            let row = csv
                .lines()
                .find(|line| line.starts_with(&format!("{resident},")))
                .unwrap_or_else(|| panic!("{resident} in the export"));
            let fields: Vec<&str> = row.split(',').collect();
            assert_eq!(fields[1], site, "{row}");
            assert!(fields[2].ends_with(&format!(" {from}")), "{row}");
        }
    });
}

/// A TCP relay to the replica that can be cut: the replica as the network sees it going down.
struct Relay {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    streams: std::sync::Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn to(target: &str) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Relay {
            port,
            cut: Default::default(),
            streams: Default::default(),
        };
        let (cut, streams, target) = (relay.cut.clone(), relay.streams.clone(), target.to_string());
        std::thread::spawn(move || {
            while !cut.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let server = std::net::TcpStream::connect(&target).unwrap();
                let mut all = streams.lock().unwrap();
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server.try_clone().unwrap(), client.try_clone().unwrap()),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
                all.extend([client, server]);
            }
        });
        relay
    }

    /// Closes every connection through the relay and takes no more.
    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(50));
        for stream in self.streams.lock().unwrap().iter() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[test]
fn reads_go_back_to_the_primary_when_the_replica_is_down() {
    let Some(mut db) = TestDb::postgres_with_replica() else {
        return;
    };
    let _turn = REPLAY.lock().unwrap_or_else(|e| e.into_inner());
    district(&db);
    sweep::rounds::publish_round(&db.db, &db.district(), DATE.parse().unwrap()).unwrap();
    let lookup = a_walkers_lookup(&db);
    let mut replica = PgConnection::establish(&db.config.database.read_url).unwrap();
    db.wait_for_replica(&mut replica);
    // The same replica, reached through a relay that the test cuts.
    let url: url::Url = db.config.database.read_url.parse().unwrap();
    let relay = Relay::to(&format!("127.0.0.1:{}", url.port().unwrap_or(5432)));
    let mut through = url.clone();
    through.set_port(Some(relay.port)).unwrap();
    db.config.database.read_url = through.to_string();
    db.config.access.lookups_per_minute = 100;
    db.db = sweep::store::Db::open(&db.config.database).unwrap();

    with_api_config(&db, &db.config, |api| async move {
        let mut answers = Vec::new();
        for replica_up in [true, false] {
            if !replica_up {
                relay.cut();
            }
            // More lookups than the pool has connections to the replica.
            for _ in 0..10 {
                let (status, body) = look_up(&api, &lookup).await;
                assert!(
                    (status, body["kind"].as_str()) == (200, Some("site"))
                        || (!replica_up && status == 503),
                    "{status} {body}"
                );
                answers.push(status);
            }
        }
        // A lookup on a pooled connection the cut closed is asked to send again; that
        // connection leaves the pool, and the next lookups are answered by the primary.
        assert!(answers[..10].iter().all(|&s| s == 200), "{answers:?}");
        assert!(answers[15..].iter().all(|&s| s == 200), "{answers:?}");
        let (_, metrics) = api.text("/metrics", "").await;
        assert!(
            metrics.contains("sweep_reads_total{served_by=\"primary_replica_down\"}"),
            "{metrics}"
        );
    });
}
