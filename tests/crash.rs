//! The `sweep serve` process killed (SIGKILL) while samplers scan, several times, on both
//! backends: every scan it acknowledged is stored once, and a scan sent again with its
//! request id after the restart is stored once too, whether or not the first copy was.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use serde_json::{json, Value};

use common::api::{district, walkers, DATE};
use common::TestDb;
use sweep::store::schema::{residents, samples};

const CYCLES: usize = 3;
const WORKERS: usize = 4;

/// A `sweep serve` process on a free port of loopback.
struct Server {
    process: Child,
    base: String,
}

impl Server {
    fn start(db: &TestDb) -> Server {
        let mut process = Command::new(env!("CARGO_BIN_EXE_sweep"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(db.dir.path())
            .env("SWEEP_DATABASE_URL", db.url())
            .env("SWEEP_DATABASE_POOL_SIZE", "4")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sweep serve");
        let mut lines = BufReader::new(process.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("sweep serve said where it serves")
                .unwrap();
            if let Some(rest) = line.strip_prefix("sweep is serving on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // Whatever else it says is read, so that it never waits on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { process, base }
    }

    fn kill(mut self) {
        self.process.kill().expect("SIGKILL");
        self.process.wait().unwrap();
    }
}

async fn post(
    client: &awc::Client,
    base: &str,
    token: &str,
    path: &str,
    body: &Value,
) -> Option<(u16, Value)> {
    let mut response = client
        .post(format!("{base}{path}"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .timeout(Duration::from_secs(20))
        .send_json(body)
        .await
        .ok()?;
    let status = response.status().as_u16();
    let bytes = response.body().await.ok()?;
    Some((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// A scan as sent: its path and body, kept to be sent again.
type Sent = (String, Value);

/// Residents scanned by one worker until the server dies: what was acknowledged, and what
/// got no answer.
async fn scan_until_killed(
    base: String,
    token: String,
    worker: usize,
    cycle: usize,
    residents: Vec<String>,
) -> (Vec<String>, Vec<Sent>) {
    let client = awc::Client::default();
    let mut acknowledged = Vec::new();
    let mut unanswered = Vec::new();
    for (n, resident) in residents.into_iter().enumerate() {
        let tube = format!("C{cycle}-W{worker}-{}", n / 50);
        if n % 50 == 0 {
            let opened = post(
                &client,
                &base,
                &token,
                "/api/v1/site/tubes",
                &json!({"request_id": uuid::Uuid::new_v4(), "tube": tube, "pool_size": 50, "date": DATE}),
            )
            .await;
            if !matches!(opened, Some((201, _))) {
                break;
            }
        }
        let body = json!({"request_id": uuid::Uuid::new_v4(), "tube": tube, "resident": resident});
        match post(&client, &base, &token, "/api/v1/site/scans", &body).await {
            Some((201, _)) => acknowledged.push(resident),
            Some((status, answer)) => panic!("scan refused: {status} {answer}"),
            None => {
                unanswered.push(("/api/v1/site/scans".to_string(), body));
                break;
            }
        }
    }
    (acknowledged, unanswered)
}

/// Samples per resident code, as stored.
fn stored(db: &TestDb) -> HashMap<String, i64> {
    let mut conn = db.db.conn().unwrap();
    let codes: Vec<String> = samples::table
        .inner_join(
            residents::table.on(residents::district_id
                .eq(samples::district_id)
                .and(residents::id.eq(samples::resident_id))),
        )
        .select(residents::code)
        .load(&mut conn)
        .unwrap();
    let mut counts = HashMap::new();
    for code in codes {
        *counts.entry(code).or_insert(0) += 1;
    }
    counts
}

fn every_acknowledged_scan_survives_a_kill(db: &TestDb) {
    district(db);
    let mut queue = walkers(db, usize::MAX).into_iter();
    let mut acknowledged: Vec<String> = Vec::new();
    let mut unanswered: Vec<Sent> = Vec::new();
    let mut token = String::new();
    for cycle in 0..CYCLES {
        let server = Server::start(db);
        let base = server.base.clone();
        let share: Vec<Vec<String>> = (0..WORKERS)
            .map(|_| queue.by_ref().take(450).collect())
            .collect();
        let server = Arc::new(Mutex::new(Some(server)));
        let killer = Arc::clone(&server);
        let (acked, lost, login) = actix_web::rt::System::new().block_on(async move {
            let client = awc::Client::default();
            let (status, session) = {
                let mut response = client
                    .post(format!("{base}/api/v1/team-sessions"))
                    .send_json(&json!({"team": "T001", "pin": "1111"}))
                    .await
                    .unwrap();
                (
                    response.status().as_u16(),
                    response.json::<Value>().await.unwrap(),
                )
            };
            assert_eq!(status, 201, "{session}");
            let token = session["token"].as_str().unwrap().to_string();
            // The kill comes while the workers scan.
            actix_web::rt::spawn(async move {
                actix_web::rt::time::sleep(Duration::from_millis(1000)).await;
                if let Some(server) = killer.lock().unwrap().take() {
                    server.kill();
                }
            });
            let results = futures_util::future::join_all(share.into_iter().enumerate().map(
                |(worker, residents)| {
                    scan_until_killed(base.clone(), token.clone(), worker, cycle, residents)
                },
            ))
            .await;
            let (acked, lost): (Vec<_>, Vec<_>) = results.into_iter().unzip();
            (
                acked.into_iter().flatten().collect::<Vec<_>>(),
                lost.into_iter().flatten().collect::<Vec<_>>(),
                token,
            )
        });
        if let Some(server) = server.lock().unwrap().take() {
            server.kill();
        }
        assert!(
            !acked.is_empty(),
            "cycle {cycle}: some scans before the kill"
        );
        eprintln!(
            "cycle {cycle}: {} scans acknowledged, {} unanswered at the kill",
            acked.len(),
            lost.len()
        );
        acknowledged.extend(acked);
        unanswered.extend(lost);
        token = login;
        let counts = stored(db);
        for resident in &acknowledged {
            assert_eq!(
                counts.get(resident),
                Some(&1),
                "{resident}, acknowledged, stored once"
            );
        }
        assert!(counts.values().all(|&n| n == 1), "nobody sampled twice");
    }
    assert!(
        !unanswered.is_empty(),
        "no scan was in flight at a kill: the load was over before it came"
    );
    // After a restart, every scan that got no answer is sent again with its request id: each
    // is then stored once, whether its first copy was committed before the kill or not.
    let server = Server::start(db);
    let base = server.base.clone();
    let resent = unanswered.clone();
    actix_web::rt::System::new().block_on(async move {
        let client = awc::Client::default();
        for (path, body) in &resent {
            let answer = post(&client, &base, &token, path, body)
                .await
                .expect("an answer");
            assert_eq!(answer.0, 201, "{}", answer.1);
        }
    });
    server.kill();
    let counts = stored(db);
    for (_, body) in &unanswered {
        let resident = body["resident"].as_str().unwrap();
        assert_eq!(
            counts.get(resident),
            Some(&1),
            "{resident}, sent again, stored once"
        );
    }
    assert_eq!(counts.len(), acknowledged.len() + unanswered.len());
}

on_both_backends!(alone: every_acknowledged_scan_survives_a_kill);
