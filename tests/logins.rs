//! Logins that cannot be guessed, on both backends: failures slow the next try down and then
//! lock, per team or account and per client; a locked login answers as a wrong one does;
//! attempts sent at once are counted, not let through together; each lock is audited.

mod common;

use std::time::Duration;

use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

use common::api::{district, with_api_config, Api};
use common::TestDb;
use sweep::store::schema::{audit, login_failures};

/// A team login from `client` (through a trusted proxy on loopback).
async fn team_login(api: &Api, client: &str, team: &str, pin: &str) -> (u16, Value) {
    let mut response = api
        .client
        .post(format!("{}/api/v1/team-sessions", api.base))
        .insert_header(("X-Forwarded-For", client))
        .send_json(&json!({"district": common::TEST_DISTRICT, "team": team, "pin": pin}))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.body().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn throttled(db: &TestDb) -> sweep::config::Config {
    let mut config = db.config.clone();
    // Long enough that "at once" holds on a busy machine, short enough for a test.
    config.access.login_delay_seconds = 1.0;
    config.access.login_lock_after = 4;
    config.access.login_lock_minutes = 10.0;
    config.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    config
}

async fn pause(seconds: f64) {
    actix_web::rt::time::sleep(Duration::from_secs_f64(seconds)).await;
}

fn failures_slow_the_next_try_and_then_lock(db: &TestDb) {
    district(db);
    with_api_config(db, &throttled(db), |api| async move {
        let wrong = team_login(&api, "1.1.1.1", "T001", "000000").await;
        assert_eq!(wrong.0, 401);
        // At once after a failure, even the right PIN is answered as a wrong one.
        assert_eq!(team_login(&api, "1.1.1.1", "T001", "1111").await, wrong);
        // The wait is per team and per client: another client for another team goes on.
        assert_eq!(team_login(&api, "2.2.2.2", "T002", "2222").await.0, 201);
        // The same client for another team waits too.
        assert_eq!(team_login(&api, "1.1.1.1", "T002", "2222").await, wrong);
        pause(1.1).await;
        // After the wait the right PIN works, and the count is forgotten.
        assert_eq!(team_login(&api, "1.1.1.1", "T001", "1111").await.0, 201);

        // Four wrong tries, each after its doubling wait, lock the team.
        for wait in [0.0, 1.1, 2.1, 4.1] {
            pause(wait).await;
            let client = format!("3.3.3.{}", (wait * 100.0) as u8);
            assert_eq!(team_login(&api, &client, "T001", "999999").await, wrong);
        }
        pause(0.5).await;
        let locked = team_login(&api, "4.4.4.4", "T001", "1111").await;
        assert_eq!(locked, wrong, "a locked team answers as a wrong PIN does");
        let unknown = team_login(&api, "5.5.5.5", "T999", "1111").await;
        assert_eq!(unknown, wrong, "and so does an unknown team");
    });
    let mut conn = db.db.conn().unwrap();
    let locks: Vec<(String, Option<i64>)> = audit::table
        .filter(audit::action.eq("login locked"))
        .select((audit::subject, audit::district_id))
        .load(&mut conn)
        .unwrap();
    assert_eq!(locks.len(), 1, "{locks:?}");
    // Audited in the team's district, named as its office names it.
    assert!(locks[0].0.starts_with("team T001 until "), "{locks:?}");
    assert_eq!(locks[0].1, Some(db.district().id), "{locks:?}");
}

fn attempts_sent_at_once_are_counted_not_let_through(db: &TestDb) {
    district(db);
    // A wait longer than the requests take to arrive on a busy machine.
    let mut config = throttled(db);
    config.access.login_delay_seconds = 30.0;
    with_api_config(db, &config, |api| async move {
        let tries = (0..12).map(|i| {
            let api = &api;
            async move { team_login(api, "6.6.6.6", "T001", &format!("{i:06}")).await }
        });
        let answers = join_all(tries).await;
        assert!(answers.iter().all(|(status, _)| *status == 401));
    });
    let mut conn = db.db.conn().unwrap();
    // One attempt took the turn; the others were refused without a check.
    let counted: Vec<(String, i32)> = login_failures::table
        .select((login_failures::who, login_failures::failures))
        .order(login_failures::who)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        counted,
        [
            ("client 6.6.6.6".to_string(), 1),
            ("team D1/T001".to_string(), 1)
        ]
    );
}

on_both_backends!(
    failures_slow_the_next_try_and_then_lock,
    attempts_sent_at_once_are_counted_not_let_through,
);
