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
    let district = db.district();
    import::import(&db.db, &district, files, 1_000).unwrap();
    let date: NaiveDate = DATE.parse().unwrap();
    rounds::plan_round(&db.db, &db.config, &district, PlanOptions::on(date)).unwrap();
    let now = chrono::Utc::now().naive_utc();
    let hash = sweep::access::hash_secret("office-password");
    sweep::store::access::add_account(&mut conn, "wang", "office", Some(district.id), &hash, now)
        .unwrap();
    for (team, pin) in [("T001", "1111"), ("T002", "2222")] {
        let (id, _, _) = sweep::store::access::team_pin(&mut conn, district.id, team)
            .unwrap()
            .unwrap();
        sweep::store::access::set_team_pin(&mut conn, id, &sweep::access::hash_secret(pin))
            .unwrap();
    }
}

/// A resident's ID number as the roster spreadsheet has it.
pub fn id_number_of(db: &TestDb, resident: &str) -> String {
    csv::Reader::from_path(db.dir.path().join("demo/residents.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == resident)
        .map(|r| r[2].to_string())
        .unwrap()
}

/// A lab account `lab1` with the password `lab-password`.
pub fn lab_account(db: &TestDb) {
    let mut conn = db.db.conn().unwrap();
    let now = chrono::Utc::now().naive_utc();
    let hash = sweep::access::hash_secret("lab-password");
    let district = Some(db.district().id);
    sweep::store::access::add_account(&mut conn, "lab1", "lab", district, &hash, now).unwrap();
}

/// The first resident on a team's route on `DATE` (one who cannot walk to a site).
pub fn first_stop(db: &TestDb, team: &'static str, pin: &'static str) -> String {
    with_result(db, |api| async move {
        let token = api.login_team(team, pin).await;
        let path = format!("/api/v1/team/route?date={DATE}");
        let (_, route) = api.send("GET", &path, Some(&token), None).await;
        route["stops"][0]["resident"].as_str().unwrap().to_string()
    })
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

/// A fresh request id, as a phone makes one.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
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

    /// A `multipart/form-data` upload of `parts` (name, file name, content).
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        parts: &[(&str, Option<&str>, &str)],
    ) -> (u16, Value) {
        let (content_type, body) = form(parts);
        let mut response = self
            .client
            .post(format!("{}{path}", self.base))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", content_type))
            .send_body(body)
            .await
            .unwrap();
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

    /// Samplers open a tube for the round on `DATE` (`pool_size`: default 10).
    pub async fn open_tube(&self, token: &str, tube: &str, pool_size: Option<u32>) -> (u16, Value) {
        let mut body = json!({"request_id": new_id(), "tube": tube, "date": DATE});
        if let Some(size) = pool_size {
            body["pool_size"] = json!(size);
        }
        self.send("POST", "/api/v1/site/tubes", Some(token), Some(body))
            .await
    }

    /// Samplers scan a resident, by code or `{"id_number": …}`, into a tube.
    pub async fn scan(&self, token: &str, tube: &str, who: Value) -> (u16, Value) {
        let mut body = json!({"request_id": new_id(), "tube": tube});
        match who {
            Value::String(code) => body["resident"] = json!(code),
            other => body["id_number"] = other["id_number"].clone(),
        }
        self.send("POST", "/api/v1/site/scans", Some(token), Some(body))
            .await
    }

    /// The lab records a tube's result.
    pub async fn record_result(&self, token: &str, tube: &str, result: &str) -> (u16, Value) {
        let body = json!({"request_id": new_id(), "tube": tube, "result": result});
        self.send("POST", "/api/v1/lab/results", Some(token), Some(body))
            .await
    }

    /// A team records what happened at a door on `DATE`.
    pub async fn record_outcome(&self, token: &str, door: Value) -> (u16, Value) {
        let mut body = door;
        body["request_id"] = json!(new_id());
        body["date"] = json!(DATE);
        self.send("POST", "/api/v1/team/outcomes", Some(token), Some(body))
            .await
    }

    pub async fn login_team(&self, team: &str, pin: &str) -> String {
        let (status, body) = self
            .send(
                "POST",
                "/api/v1/team-sessions",
                None,
                Some(json!({"district": super::TEST_DISTRICT, "team": team, "pin": pin})),
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

/// A `multipart/form-data` body of `parts` (name, file name, content), and its content type.
fn form(parts: &[(&str, Option<&str>, &str)]) -> (String, String) {
    let boundary = format!("sweep-{}", uuid::Uuid::new_v4().simple());
    let mut body = String::new();
    for (name, file, content) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(file) = file {
            body.push_str(&format!("; filename=\"{file}\"\r\nContent-Type: text/csv"));
        }
        body.push_str(&format!("\r\n\r\n{content}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}
