//! The API over HTTP on a random port, for tests: a planned demo district, a client that
//! logs in and sends JSON.

use chrono::NaiveDate;
use indicatif::ProgressBar;
use serde_json::{json, Value};

use super::TestDb;
use sweep::api::Application;
use sweep::demo::{self, DemoSpec};
use sweep::import::{self, RosterFiles};
use sweep::rounds::{self, PlanOptions};

pub const DATE: &str = "2026-12-01";

/// A planned demo district with an office account and PINs for teams T001 and T002.
pub fn district(db: &TestDb) {
    let dir = db.dir.path().join("demo");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 6_000,
            seed: 3,
            ..Default::default()
        },
    )
    .unwrap();
    let files = RosterFiles::from_dir(&dir, &ProgressBar::hidden()).unwrap();
    let mut conn = db.db.conn().unwrap();
    import::import(&db.db, files, 1_000).unwrap();
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

/// Codes of residents who walk to a site (no home visit), as the demo roster lists them.
pub fn walkers(db: &TestDb, how_many: usize) -> Vec<String> {
    csv::Reader::from_path(db.dir.path().join("demo/residents.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[10] == "ambulatory" && &r[11] != "yes")
        .take(how_many)
        .map(|r| r[0].to_string())
        .collect()
}

pub struct Api {
    pub base: String,
    pub client: awc::Client,
}

impl Api {
    pub async fn send(
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

    /// A text answer (CSV) and its status.
    pub async fn text(&self, path: &str, token: &str) -> (u16, String) {
        let mut response = self
            .client
            .get(format!("{}{path}", self.base))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await
            .unwrap();
        let bytes = response.body().limit(1 << 24).await.unwrap();
        (
            response.status().as_u16(),
            String::from_utf8(bytes.to_vec()).unwrap(),
        )
    }

    /// An office or lab account's token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let (status, body) = self
            .send(
                "POST",
                "/api/v1/sessions",
                None,
                Some(json!({"login": login, "password": password})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn login_team(&self, team: &str, pin: &str) -> String {
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

pub fn with_api<F, Fut>(db: &TestDb, check: F)
where
    F: FnOnce(Api) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    with_api_config(db, &db.config, check)
}

pub fn with_api_config<F, Fut>(db: &TestDb, config: &sweep::config::Config, check: F)
where
    F: FnOnce(Api) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    spawn_app(db, config, |base| {
        check(Api {
            base,
            client: awc::Client::default(),
        })
    });
}

/// Starts the application with `config` on a free port, runs `check` against its base URL
/// (`http://127.0.0.1:PORT`) and stops it: the one way the tests run a server.
pub fn spawn_app<T, F, Fut>(db: &TestDb, config: &sweep::config::Config, check: F) -> T
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(config, db.db.clone()).expect("bind port 0");
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        let out = check(base).await;
        handle.stop(true).await;
        out
    })
}

/// Runs `work` against the API and returns what it returns.
pub fn with_result<T, F, Fut>(db: &TestDb, work: F) -> T
where
    F: FnOnce(Api) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut out = None;
    with_api(db, |api| async {
        out = Some(work(api).await);
    });
    out.unwrap()
}
