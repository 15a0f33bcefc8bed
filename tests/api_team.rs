//! The API as a mobile team and the office use it, over HTTP on a random port, on both
//! backends: logins, a team's own route, outcomes at the doors (idempotent), who may do what.

mod common;

use chrono::NaiveDate;
use diesel::prelude::*;
use indicatif::ProgressBar;
use serde_json::{json, Value};

use common::TestDb;
use sweep::api::Application;
use sweep::demo::{self, DemoSpec};
use sweep::import::{self, RosterFiles};
use sweep::rounds::{self, PlanOptions};
use sweep::store::schema::{audit, visit_outcomes};

const DATE: &str = "2026-12-01";

/// A planned demo district with an office account and PINs for teams T001 and T002.
fn district(db: &TestDb) {
    let dir = db.dir.path().join("demo");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 6_000,
            seed: 3,
        },
    )
    .unwrap();
    let files = RosterFiles::from_dir(&dir, &ProgressBar::hidden()).unwrap();
    let mut conn = db.db.conn().unwrap();
    import::import(&mut conn, files).unwrap();
    let date: NaiveDate = DATE.parse().unwrap();
    rounds::plan_round(&db.db, &db.config, PlanOptions::on(date)).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let hash = sweep::access::hash_secret("office-password");
    sweep::store::access::add_account(&mut conn, "wang", "office", &hash, now).unwrap();
    for (team, pin) in [("T001", "1111"), ("T002", "2222")] {
        let (id, _, _) = sweep::store::access::team_pin(&mut conn, team)
            .unwrap()
            .unwrap();
        sweep::store::access::set_team_pin(&mut conn, id, &sweep::access::hash_secret(pin))
            .unwrap();
    }
}

struct Api {
    base: String,
    client: awc::Client,
}

impl Api {
    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url),
        };
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut response = match body {
            Some(body) => request.send_json(&body).await.unwrap(),
            None => request.send().await.unwrap(),
        };
        let status = response.status().as_u16();
        let bytes = response.body().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn login_team(&self, team: &str, pin: &str) -> String {
        let (status, body) = self
            .send(
                "POST",
                "/api/v1/team-sessions",
                None,
                Some(json!({"team": team, "pin": pin})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_string()
    }
}

fn with_api<F, Fut>(db: &TestDb, check: F)
where
    F: FnOnce(Api) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(&db.config, db.db.clone()).expect("bind port 0");
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        check(Api {
            base,
            client: awc::Client::default(),
        })
        .await;
        handle.stop(true).await;
    });
}

fn logins_give_tokens_and_wrong_ones_say_nothing_more(db: &TestDb) {
    district(db);
    with_api(db, |api| async move {
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/sessions",
                None,
                Some(json!({"login": "wang", "password": "office-password"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["role"], "office");
        let office = body["token"].as_str().unwrap().to_string();

        let wrong_password = api
            .send(
                "POST",
                "/api/v1/sessions",
                None,
                Some(json!({"login": "wang", "password": "nope-nope"})),
            )
            .await;
        let unknown_login = api
            .send(
                "POST",
                "/api/v1/sessions",
                None,
                Some(json!({"login": "li", "password": "nope-nope"})),
            )
            .await;
        assert_eq!(wrong_password.0, 401);
        assert_eq!(wrong_password, unknown_login, "the same answer either way");
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team-sessions",
                None,
                Some(json!({"team": "T001", "pin": "2222"})),
            )
            .await;
        assert_eq!(status, 401);

        // No token, a made-up token, the wrong role.
        assert_eq!(
            api.send("GET", "/api/v1/team/route", None, None).await.0,
            401
        );
        assert_eq!(
            api.send("GET", "/api/v1/team/route", Some("f00d"), None)
                .await
                .0,
            401
        );
        let (status, body) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
        let team = api.login_team("T001", "1111").await;
        assert_eq!(
            api.send("GET", "/api/v1/office/audit", Some(&team), None)
                .await
                .0,
            403
        );
        assert_eq!(
            api.send("GET", "/api/v1/office/audit", Some(&office), None)
                .await
                .0,
            200
        );
    });
}

fn a_team_sees_its_own_route_and_records_outcomes_once(db: &TestDb) {
    district(db);
    with_api(db, |api| async move {
        let t1 = api.login_team("T001", "1111").await;
        let t2 = api.login_team("T002", "2222").await;
        let (status, route) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&t1),
                None,
            )
            .await;
        assert_eq!(status, 200, "{route}");
        assert_eq!(route["team"], "T001");
        let stops = route["stops"].as_array().unwrap();
        assert!(!stops.is_empty());
        for (k, stop) in stops.iter().enumerate() {
            assert_eq!(stop["seq"], k + 1);
            assert!(stop["eta"].as_str().unwrap().contains(':'));
            if let Some(phone) = stop["phone"].as_str() {
                assert!(phone.contains('*'), "phones are shown masked: {phone}");
            }
        }
        assert!(!route.to_string().contains("id_number"));
        let (_, other) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&t2),
                None,
            )
            .await;
        let theirs = other["stops"][0]["resident"].as_str().unwrap().to_string();
        let mine = stops[0]["resident"].as_str().unwrap().to_string();

        let outcome = |request_id: &str, resident: &str, outcome: &str, tube: Option<&str>| {
            json!({"request_id": request_id, "resident": resident, "outcome": outcome,
                   "tube_code": tube, "date": DATE})
        };
        let id = uuid::Uuid::new_v4().to_string();
        // Another team's resident, a sampled visit without its tube, nonsense.
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &theirs, "refused", None)),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("not_on_your_route"))
        );
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "sampled", None)),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (422, Some("tube_code")));
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "asleep", None)),
            )
            .await;
        assert_eq!(status, 422);
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome("not-a-uuid", &mine, "refused", None)),
            )
            .await;
        assert_eq!(status, 422);
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, "R9999999", "refused", None)),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (404, Some("resident")));

        // Sampled, sent twice (the stairwell lost the first answer): recorded once, same answer.
        let first = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "sampled", Some("TUBE-0001"))),
            )
            .await;
        assert_eq!(first.0, 201, "{}", first.1);
        let again = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "sampled", Some("TUBE-0001"))),
            )
            .await;
        assert_eq!(first, again);
        // The same request id from another team is refused, not replayed.
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t2),
                Some(outcome(&id, &theirs, "refused", None)),
            )
            .await;
        assert_eq!(status, 409);
        let (_, route) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&t1),
                None,
            )
            .await;
        assert_eq!(route["stops"][0]["outcome"], "sampled");
    });
    let mut conn = db.db.conn().unwrap();
    let recorded: i64 = visit_outcomes::table.count().get_result(&mut conn).unwrap();
    assert_eq!(recorded, 1);
    let audited: Vec<String> = audit::table.select(audit::actor).load(&mut conn).unwrap();
    assert_eq!(audited, vec!["team:T001".to_string()]);
}

on_both_backends!(
    logins_give_tokens_and_wrong_ones_say_nothing_more,
    a_team_sees_its_own_route_and_records_outcomes_once,
);
