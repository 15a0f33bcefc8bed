//! The pages in a real headless Chromium (through chromedriver) at a phone's viewport:
//! a resident finds the slot and the QR ticket; a team member records an outcome while
//! offline, and once back online the office's completion counts it once. Screenshots go to
//! target/screenshots/ for a person to look at.
//!
//! Needs Debian's chromium and chromium-driver; without them the tests say so and pass,
//! unless SWEEP_BROWSER_TESTS=required (as .ci/run sets, after installing them).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use indicatif::ProgressBar;
use serde_json::json;

use common::TestDb;
use sweep::demo::{self, DemoSpec};
use sweep::import::{self, RosterFiles};
use sweep::rounds::{self, PlanOptions};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver, stopped when the test ends.
struct Driver {
    process: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn chromedriver() -> Option<Driver> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("SWEEP_BROWSER_TESTS").as_deref() != Ok("required"),
            "SWEEP_BROWSER_TESTS=required but {CHROMEDRIVER} or {CHROMIUM} is missing"
        );
        eprintln!(
            "note: no chromium/chromedriver; the browser tests are skipped (.ci/run installs them)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver { process, port })
}

/// The screen a page is tried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    /// A small phone, 360×640 CSS pixels (emulated: a headless window is at least 500 wide).
    Phone,
    /// A desk, 1280×800.
    Desk,
}

impl Screen {
    fn size(self) -> (u32, u32) {
        match self {
            Screen::Phone => (360, 640),
            Screen::Desk => (1280, 800),
        }
    }
}

/// A headless Chromium with this screen.
async fn browser(driver: &Driver, screen: Screen) -> Client {
    let (width, height) = screen.size();
    let mut options = json!({
        "binary": CHROMIUM,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 format!("--window-size={width},{height}"), "--lang=zh-CN"],
    });
    if screen == Screen::Phone {
        options["mobileEmulation"] = json!({
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0, "touch": true},
        });
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::rustls()
        .expect("TLS roots")
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session")
}

/// chromedriver's switch for the browser's network (Chrome's offline emulation).
#[derive(Debug)]
struct Network {
    offline: bool,
}

impl WebDriverCompatibleCommand for Network {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.expect("a session")
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let conditions = json!({"network_conditions": {
            "offline": self.offline, "latency": 0,
            "download_throughput": -1, "upload_throughput": -1,
        }});
        (http::Method::POST, Some(conditions.to_string()))
    }
}

/// Types into the field with this id.
async fn fill(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the element this CSS selector finds.
async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The text of the element with this id.
async fn text_of(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Logs in as demo team T001 on a team page (`/team` or `/site`).
async fn team_login(client: &Client, base: &str, page: &str) {
    client.goto(&format!("{base}{page}")).await.unwrap();
    log_in_as(client, "T001").await;
}

/// Fills the team login form on the page shown, sends it and waits until the team is in
/// (a click sent while the header still moves could land on the wrong button).
/// In a city of several districts the page asks for the district the first time, and
/// remembers it.
async fn log_in_as(client: &Client, team: &str) {
    fill(client, "team", team).await;
    fill(client, "pin", demo::TEAM_PIN).await;
    click(client, "#login button[type=submit]").await;
    until(
        client,
        "the login answered",
        "document.getElementById('login').classList.contains('hidden') \
         || document.getElementById('login-message').textContent.length > 0",
    )
    .await;
    if client.find(Locator::Css("#login.hidden")).await.is_err() {
        assert!(
            client
                .find(Locator::Css("#district-field:not(.hidden)"))
                .await
                .is_ok(),
            "a team login refused: {}",
            text_of(client, "login-message").await
        );
        fill(client, "district", common::TEST_DISTRICT).await;
        click(client, "#login button[type=submit]").await;
    }
    until_hidden(client, "the login answered", "login").await;
}

/// Waits until `script` (a JavaScript expression) is true in the page.
async fn until(client: &Client, what: &str, script: &str) {
    let started = Instant::now();
    loop {
        let value = client
            .execute(&format!("return !!({script});"), vec![])
            .await
            .unwrap();
        if value == json!(true) {
            return;
        }
        if started.elapsed() > Duration::from_secs(30) {
            screenshot(client, "failed").await;
            let page = client
                .execute("return document.body.innerText;", vec![])
                .await
                .unwrap();
            panic!("waited 30 s for {what}; the page says: {page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the element with this id is shown (has no `hidden` class).
async fn until_shown(client: &Client, what: &str, id: &str) {
    let script = format!("!document.getElementById('{id}').classList.contains('hidden')");
    until(client, what, &script).await;
}

/// Waits until the element with this id is hidden.
async fn until_hidden(client: &Client, what: &str, id: &str) {
    let script = format!("document.getElementById('{id}').classList.contains('hidden')");
    until(client, what, &script).await;
}

async fn screenshot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Today in the district: the pages show today's round, as in the field.
fn today(db: &TestDb) -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&db.config.district.timezone)
        .date_naive()
}

/// A small district with today's round published and the demo logins; the roster folder.
fn district(db: &TestDb) -> PathBuf {
    let dir = db.dir.path().join("demo");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 3_000,
            seed: 5,
            ..Default::default()
        },
    )
    .unwrap();
    let files = RosterFiles::from_dir(&dir, &ProgressBar::hidden()).unwrap();
    let mut conn = db.db.conn().unwrap();
    import::import(&db.db, &db.district(), files, 1_000).unwrap();
    let date = today(db);
    rounds::plan_round(&db.db, &db.config, &db.district(), PlanOptions::on(date)).unwrap();
    rounds::publish_round(&db.db, &db.district(), date).unwrap();
    demo::open_logins(&mut conn, &db.district(), true).unwrap();
    dir
}

/// Serves the district on a random port while `check` drives a phone's browser against it.
fn with_pages<F, Fut>(driver: &Driver, db: &TestDb, check: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    with_pages_on(Screen::Phone, driver, db, check)
}

/// The same on the given screen.
fn with_pages_on<F, Fut>(screen: Screen, driver: &Driver, db: &TestDb, check: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let checked = common::api::spawn_app(db, &db.config, |base| async move {
        let client = browser(driver, screen).await;
        // A failed check still closes the browser, which would otherwise outlive the test,
        // and stops the server.
        let checked = std::panic::AssertUnwindSafe(check(client.clone(), base))
            .catch_unwind()
            .await;
        let _ = client.close().await;
        checked
    });
    if let Err(panic) = checked {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn a_resident_looks_up_the_slot_and_sees_the_ticket() {
    let Some(driver) = chromedriver() else { return };
    let db = TestDb::sqlite();
    let dir = district(&db);
    // Someone who walks to a site: the first resident without a home visit.
    let mut roster = csv::Reader::from_path(dir.join("residents.csv")).unwrap();
    let headers = roster.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let person = roster
        .records()
        .map(Result::unwrap)
        .find(|r| r[column("home_visit")].is_empty() || &r[column("home_visit")] == "no")
        .unwrap();
    let date = today(&db).to_string();
    let (id_number, name) = (
        person[column("id_number")].to_string(),
        person[column("name")].to_string(),
    );
    with_pages(&driver, &db, |client, base| async move {
        client.goto(&format!("{base}/")).await.unwrap();
        // Chinese first.
        let title = client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(title, "查询我的核酸检测时段");
        fill(&client, "id_number", &id_number).await;
        fill(&client, "name", "不是这个人").await;
        click(&client, "#submit").await;
        until(
            &client,
            "the not-found message",
            "document.getElementById('message').textContent.length > 0",
        )
        .await;

        let field = client.find(Locator::Id("name")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(&name).await.unwrap();
        click(&client, "#submit").await;
        until_shown(&client, "the slot", "answer").await;
        until(
            &client,
            "the QR ticket",
            "document.getElementById('ticket').naturalWidth > 0",
        )
        .await;
        let when = text_of(&client, "when").await;
        assert!(when.starts_with(&date) && when.contains(':'), "{when}");
        let sketch = client
            .find_all(Locator::Css("#directions svg circle"))
            .await
            .unwrap();
        assert_eq!(sketch.len(), 2, "home and site on the sketch");
        screenshot(&client, "resident-slot").await;

        // The English switch.
        click(&client, "#lang").await;
        let title = client
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(title, "Find my testing time");
        screenshot(&client, "resident-slot-en").await;
    });
}

#[test]
fn a_team_records_an_outcome_offline_and_it_counts_once_when_back_online() {
    use diesel::prelude::*;
    use sweep::store::schema::visit_outcomes;
    let Some(driver) = chromedriver() else { return };
    let db = TestDb::sqlite();
    district(&db);
    let outcomes = |db: &TestDb| -> i64 {
        visit_outcomes::table
            .count()
            .get_result(&mut db.db.conn().unwrap())
            .unwrap()
    };
    let db_ref = &db;
    with_pages(&driver, &db, |client, base| async move {
        team_login(&client, &base, "/team").await;
        until(
            &client,
            "the stops",
            "document.querySelectorAll('#stops li').length > 0",
        )
        .await;
        screenshot(&client, "team-route").await;
        // The numbers to call are there (the office's pages never get them).
        let calls = client
            .find_all(Locator::Css("#stops a[href^='tel:']"))
            .await
            .unwrap();
        assert!(!calls.is_empty(), "call links on the team's route");
        let resident = client
            .find(Locator::Css("#stops li button[data-action=sampled]"))
            .await
            .unwrap()
            .attr("data-resident")
            .await
            .unwrap()
            .unwrap();

        // In the stairwell: no network.
        client.issue_cmd(Network { offline: true }).await.unwrap();
        until(&client, "the page to notice", "!navigator.onLine").await;
        client
            .find(Locator::Css(&format!(
                "button[data-action=sampled][data-resident='{resident}']"
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let tube = client
            .find(Locator::Css(&format!(
                "form.tube[data-resident='{resident}'] input"
            )))
            .await
            .unwrap();
        tube.send_keys("TUBE-0001").await.unwrap();
        client
            .find(Locator::Css(&format!(
                "form.tube[data-resident='{resident}'] button"
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until_shown(&client, "the unsent notice", "outbox").await;
        let notice = text_of(&client, "outbox").await;
        assert!(notice.starts_with("1 "), "{notice}");
        screenshot(&client, "team-offline").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            outcomes(db_ref),
            0,
            "nothing reached the server while offline"
        );
        // Reloaded without signal, the page comes back from the phone. (Chrome's offline
        // emulation does not hold back requests of a page its service worker controls, so
        // the outbox may be sent from here on; that it is sent once is checked below.)
        until(
            &client,
            "the page kept on the phone",
            "navigator.serviceWorker.controller !== null",
        )
        .await;
        client.refresh().await.unwrap();
        until(
            &client,
            "the stops, offline",
            "document.querySelectorAll('#stops li').length > 0",
        )
        .await;

        // Back on the landing: the outbox empties by itself.
        client.issue_cmd(Network { offline: false }).await.unwrap();
        until_hidden(&client, "the outbox to empty", "outbox").await;
        until(
            &client,
            "the stop marked sampled",
            &format!(
                "document.querySelector(\"#stop-{resident} [data-outcome='sampled']\") !== null"
            ),
        )
        .await;
        screenshot(&client, "team-sent").await;
        // A reload sends nothing twice.
        client.refresh().await.unwrap();
        until(
            &client,
            "the stops",
            "document.querySelectorAll('#stops li').length > 0",
        )
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        // The office sees it, once.
        office_login(&client, &base).await;
        let total = text_of(&client, "completion-total").await;
        assert!(total.starts_with("1 / "), "{total}");
    });
    assert_eq!(outcomes(&db), 1);
    // The office's completion counts the resident sampled, once.
    let mut conn = db.db.conn().unwrap();
    let round = sweep::store::rounds::round_on(&mut conn, db.district().id, today(&db))
        .unwrap()
        .unwrap();
    let people = sweep::store::completion::standings(&mut conn, &round, None).unwrap();
    let sampled = people
        .iter()
        .filter(|p| p.standing == sweep::domain::Standing::Sampled)
        .count();
    assert_eq!(sampled, 1);
}

#[test]
fn samplers_scan_residents_into_a_tube_and_see_duplicates_named() {
    let Some(driver) = chromedriver() else { return };
    let db = TestDb::sqlite();
    let dir = district(&db);
    let codes: Vec<String> = csv::Reader::from_path(dir.join("residents.csv"))
        .unwrap()
        .records()
        .take(2)
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    with_pages(&driver, &db, |client, base| async move {
        team_login(&client, &base, "/site").await;
        click(&client, "#lang").await;
        until_shown(&client, "the tube form", "work").await;
        fill(&client, "tube-code", "SITE-TUBE-1").await;
        click(&client, "#open button[type=submit]").await;
        until_shown(&client, "the open tube", "tube-card").await;

        let scan = |code: String| {
            let client = client.clone();
            async move {
                let input = client.find(Locator::Id("code")).await.unwrap();
                input.send_keys(&code).await.unwrap();
                click(&client, "#scan button[type=submit]").await;
                until(
                    &client,
                    "an answer",
                    "document.getElementById('message').textContent.length > 0",
                )
                .await;
                let message = text_of(&client, "message").await;
                client
                    .execute("say(document.getElementById('message'), '');", vec![])
                    .await
                    .unwrap();
                message
            }
        };
        let added = scan(codes[0].clone()).await;
        assert!(
            added.starts_with("Added: ") && added.contains(&codes[0]) && added.contains('*'),
            "whom, by code and masked name: {added}"
        );
        assert!(scan(codes[1].clone()).await.starts_with("Added"));
        let count = text_of(&client, "count").await;
        assert!(count.starts_with("2 / 10"), "{count}");
        let again = scan(codes[0].clone()).await;
        // The district's clock (Asia/Shanghai in the tests' config), not UTC.
        let local = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%H:")
            .to_string();
        assert!(
            again.starts_with("Already sampled this round: in tube SITE-TUBE-1 at ")
                && again.contains(&local),
            "{again}"
        );
        // In Chinese, all of it.
        click(&client, "#lang").await;
        let again_zh = scan(codes[0].clone()).await;
        assert!(
            again_zh.starts_with("此人本轮已采样：在试管 SITE-TUBE-1，时间 "),
            "{again_zh}"
        );
        click(&client, "#lang").await;
        assert_eq!(scan("NO-SUCH-CODE".into()).await, "Unknown ticket or code");
        screenshot(&client, "site-scanning").await;
        click(&client, "#close").await;
        until(
            &client,
            "the closed tube",
            "document.getElementById('count').textContent.includes('Tube closed')",
        )
        .await;
    });
    let tube =
        sweep::store::tubes::tube(&mut db.db.conn().unwrap(), db.district().id, "SITE-TUBE-1")
            .unwrap()
            .unwrap();
    assert_eq!(tube.status, sweep::domain::TubeStatus::Closed);
    assert_eq!(tube.swabs, 2);
}

#[test]
fn two_teams_share_a_phone_and_no_outcome_is_lost() {
    use diesel::prelude::*;
    use sweep::store::schema::visit_outcomes;
    let Some(driver) = chromedriver() else { return };
    let db = TestDb::sqlite();
    let dir = district(&db);
    // A second team on the phone: T002, with the demo PIN.
    let more = db.dir.path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    let teams = std::fs::read_to_string(dir.join("teams.csv")).unwrap();
    let mut lines = teams.lines();
    let header = lines.next().unwrap();
    let t002 = lines.next().unwrap().replacen("T001", "T002", 1);
    std::fs::write(more.join("teams.csv"), format!("{header}\n{t002}\n")).unwrap();
    import::import(
        &db.db,
        &db.district(),
        RosterFiles::from_dir(&more, &ProgressBar::hidden()).unwrap(),
        1_000,
    )
    .unwrap();
    demo::open_logins(&mut db.db.conn().unwrap(), &db.district(), true).unwrap();
    let recorded = |db: &TestDb| -> Vec<(String, String)> {
        visit_outcomes::table
            .select((visit_outcomes::outcome, visit_outcomes::recorded_by))
            .load(&mut db.db.conn().unwrap())
            .unwrap()
    };
    let db_ref = &db;
    with_pages(&driver, &db, |client, base| async move {
        team_login(&client, &base, "/team").await;
        until(
            &client,
            "T001's stops",
            "document.querySelectorAll('#stops li').length > 0",
        )
        .await;
        let resident = client
            .find(Locator::Css("#stops li button[data-action=refused]"))
            .await
            .unwrap()
            .attr("data-resident")
            .await
            .unwrap()
            .unwrap();
        // T001, offline, records a refusal, then hands the phone over.
        client.issue_cmd(Network { offline: true }).await.unwrap();
        until(&client, "the page to notice", "!navigator.onLine").await;
        click(
            &client,
            &format!("button[data-action=refused][data-resident='{resident}']"),
        )
        .await;
        until_shown(&client, "the unsent notice", "outbox").await;
        click(&client, "#logout").await;
        // Logging out with an unsent outcome asks first; it stays on the phone.
        let warning = client.get_alert_text().await.unwrap();
        assert!(warning.contains("未发送"), "{warning}");
        client.accept_alert().await.unwrap();
        until_shown(&client, "the login form", "login").await;
        until_shown(&client, "the waiting notice", "others").await;

        // T002 logs in, online: T001's outcome is neither sent with T002's login nor shown.
        client.issue_cmd(Network { offline: false }).await.unwrap();
        log_in_as(&client, "T002").await;
        until_shown(&client, "T002's page", "route").await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let waiting = text_of(&client, "others").await;
        assert!(waiting.starts_with("1 "), "{waiting}");
        assert!(
            !text_of(&client, "route").await.contains(&resident),
            "T001's door is not shown to T002"
        );
        assert!(
            recorded(db_ref).is_empty(),
            "nothing sent with T002's login"
        );
        screenshot(&client, "team-shared-phone").await;

        // T001 logs in again: its outcome is sent, once, as T001's.
        click(&client, "#logout").await;
        until_shown(&client, "the login form", "login").await;
        log_in_as(&client, "T001").await;
        let started = Instant::now();
        while recorded(db_ref).is_empty() && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        until_hidden(&client, "the outbox empty", "outbox").await;
        assert_eq!(
            recorded(db_ref),
            [("refused".to_string(), "team:T001".to_string())]
        );

        // A recorded outcome shows no outcome buttons, only "change", which asks first.
        until(
            &client,
            "the refusal shown",
            &format!(
                "document.querySelector(\"#stop-{resident} [data-outcome=refused]\") !== null"
            ),
        )
        .await;
        let unable = format!("button[data-action=unable][data-resident='{resident}']");
        assert!(client.find(Locator::Css(&unable)).await.is_err());
        let change = format!("button[data-action=change][data-resident='{resident}']");
        click(&client, &change).await;
        client.get_alert_text().await.expect("a confirmation");
        client.dismiss_alert().await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(client.find(Locator::Css(&unable)).await.is_err());
        assert_eq!(recorded(db_ref).len(), 1, "nothing changed without a yes");
        click(&client, &change).await;
        client.accept_alert().await.unwrap();
        click(&client, &unable).await;
        let started = Instant::now();
        while recorded(db_ref).len() < 2 && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(recorded(db_ref).len(), 2, "the correction is recorded");
    });
}

/// Logs in on the office's dashboard with the demo account.
async fn office_login(client: &Client, base: &str) {
    client.goto(&format!("{base}/office")).await.unwrap();
    let (login, _, password) = demo::LOGINS[0];
    fill(client, "login-name", login).await;
    fill(client, "password", password).await;
    click(client, "#login button[type=submit]").await;
    until(
        client,
        "the completion",
        "document.getElementById('completion-total').textContent.includes('/')",
    )
    .await;
}

#[test]
fn the_office_dashboard_draws_its_plots_and_lists() {
    let Some(driver) = chromedriver() else { return };
    let mut db = TestDb::sqlite();
    // The guesser below comes through a proxy, from elsewhere than the office's browser.
    db.config.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    district(&db);
    let bad_roster = db.dir.path().join("residents.csv");
    std::fs::write(
        &bad_roster,
        "code,name,id_number,building,floor,mobility\nR9,Li,110101199003074514,B00001,x,walks\n",
    )
    .unwrap();
    with_pages_on(Screen::Desk, &driver, &db, |client, base| async move {
        // Someone guesses team T001's PIN until it locks (the tests' throttle has no wait).
        let http = awc::Client::default();
        for guess in 0..10 {
            let answer = http
                .post(format!("{base}/api/v1/team-sessions"))
                .insert_header(("X-Forwarded-For", "198.51.100.7"))
                .send_json(&json!({"team": "T001", "pin": format!("{guess:06}")}))
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 401);
        }
        office_login(&client, &base).await;
        until(
            &client,
            "the lock on the dashboard",
            "document.getElementById('locked').textContent.includes('team T001')",
        )
        .await;
        // A line per site; a plot only once opened, drawn at the size shown (13 px text).
        until(
            &client,
            "a line per site",
            "document.querySelectorAll('#plots details summary').length > 0",
        )
        .await;
        assert!(client.find(Locator::Css("#plots figure")).await.is_err());
        click(&client, "#plots details summary").await;
        until(
            &client,
            "the plot",
            "document.querySelectorAll('#plots figure svg rect').length > 4",
        )
        .await;
        let smallest_text = client
            .execute(
                "return Math.min(...[...document.querySelectorAll('#plots svg text')]
                   .map((t) => t.getBoundingClientRect().height));",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            smallest_text.as_f64().unwrap() >= 12.0,
            "plot text {smallest_text} px high"
        );
        until(
            &client,
            "the completion table",
            "document.querySelectorAll('#completion tr.building').length > 0",
        )
        .await;
        click(&client, "#completion button[data-building]").await;
        until(
            &client,
            "the sweep list",
            "document.querySelectorAll('#sweep tr').length > 1",
        )
        .await;
        screenshot(&client, "office-dashboard").await;

        let input = client.find(Locator::Id("roster-files")).await.unwrap();
        input
            .send_keys(&bad_roster.display().to_string())
            .await
            .unwrap();
        click(&client, "#roster button[type=submit]").await;
        until(
            &client,
            "the roster's errors",
            "document.querySelectorAll('#roster-errors tr').length > 1",
        )
        .await;
        let errors = text_of(&client, "roster-errors").await;
        assert!(
            errors.contains("residents.csv")
                && errors.contains("floor")
                && errors.contains("“x”不是整数"),
            "every problem in the reader's language: {errors}"
        );
        let message = text_of(&client, "roster-message").await;
        assert!(message.contains("1 行有问题（共 2 处）"), "{message}");
        screenshot(&client, "office-roster-errors").await;

        // Planning asks first; a no changes nothing, a yes answers with the summary.
        click(&client, "#plan").await;
        let asked = client.get_alert_text().await.expect("a confirmation");
        assert!(
            asked.contains("本轮已公布"),
            "the round is published: {asked}"
        );
        client.dismiss_alert().await.unwrap();
        assert_eq!(text_of(&client, "action-message").await, "");
        click(&client, "#plan").await;
        client.accept_alert().await.unwrap();
        until(
            &client,
            "the plan's summary",
            "document.getElementById('action-message').textContent.startsWith('排班完成')",
        )
        .await;
        let summary = text_of(&client, "summary").await;
        assert!(
            summary.contains("上门") && summary.contains("理论最少步行"),
            "the routes and the gap to the bound: {summary}"
        );
        screenshot(&client, "office-plan-summary").await;
    });
}

/// What a page shows that it should not, in the language it is in: a word of the other
/// language outside the district's own data (names, addresses, codes — marked `data-v`),
/// the two word tables with different keys, a sideways scroll, a touch target under 44 px,
/// text under 12 px, or text whose contrast with its background is under WCAG AA.
const PAGE_PROBLEMS: &str = r#"
const problems = [];
const zh = lang() === "zh";
const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
const exempt = (el) => el.closest("[data-v], [lang]:not(html), script, style, option");
const foreign = (text) => zh ? /[a-z]{3,}/.test(text) : /[\u3400-\u9fff]/.test(text);
const rgb = (color) => (color.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const c = [r, g, b].map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
};
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] === 1)) return c;
  }
  return [255, 255, 255];
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  const text = node.textContent.trim();
  if (!text || !el || !shown(el)) continue;
  if (!exempt(el) && foreign(text)) problems.push(`other language: "${text}"`);
  if (el.closest("svg")) continue;
  const style = getComputedStyle(el);
  const size = parseFloat(style.fontSize);
  if (size < 12) problems.push(`text of ${size}px: "${text}"`);
  if (el.closest("button:disabled")) continue;
  const [l1, l2] = [luminance(rgb(style.color)), luminance(background(el))].sort((a, b) => b - a);
  const ratio = (l1 + 0.05) / (l2 + 0.05);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: "${text}"`);
}
for (const el of document.querySelectorAll("[placeholder], [aria-label], img[alt]")) {
  const words = [el.placeholder, el.getAttribute("aria-label"), el.alt].filter(Boolean).join(" ");
  if (shown(el) && !exempt(el) && foreign(words)) problems.push(`other language in an attribute: "${words}"`);
}
const keys = (table) => Object.keys(table).sort().join(",");
if (keys(WORDS.zh) !== keys(WORDS.en)) problems.push("the zh and en tables have different keys");
const width = document.documentElement.scrollWidth;
if (width > window.innerWidth + 1) problems.push(`scrolls sideways: ${width} > ${window.innerWidth}`);
for (const el of document.querySelectorAll("button, a.button, input, select, summary")) {
  if (!shown(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.height < 43.5 || r.width < 43.5) problems.push(`small target ${el.id || el.textContent.trim()}: ${r.width}×${r.height}`);
}
return problems;
"#;

/// Fails with every problem of the page shown (see [`PAGE_PROBLEMS`]), after a screenshot;
/// then switches the language there and back, and the page must say everything again in
/// each, with nothing left over from the other (a switch redraws what the page shows; the
/// office's tables come back from the server, so a few seconds are allowed).
async fn check_page(client: &Client, name: &str) {
    screenshot(client, name).await;
    let problems = client.execute(PAGE_PROBLEMS, vec![]).await.unwrap();
    assert_eq!(problems, json!([]), "{name}");
    for step in ["switched", "switched back"] {
        click(client, "#lang").await;
        let started = Instant::now();
        loop {
            let problems = client.execute(PAGE_PROBLEMS, vec![]).await.unwrap();
            if problems == json!([]) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{name}, {step}: {problems}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[test]
fn every_page_fits_a_phone_and_a_desk_in_both_languages() {
    let Some(driver) = chromedriver() else { return };
    // In a city: the team pages ask for the district, the city's page shows both.
    let db = TestDb::sqlite().in_a_city();
    let dir = district(&db);
    let mut roster = csv::Reader::from_path(dir.join("residents.csv")).unwrap();
    let headers = roster.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let walkers: Vec<csv::StringRecord> = roster
        .records()
        .map(Result::unwrap)
        .filter(|r| r[column("home_visit")].is_empty() || &r[column("home_visit")] == "no")
        .take(8)
        .collect();
    let person = (
        walkers[0][column("id_number")].to_string(),
        walkers[0][column("name")].to_string(),
    );
    let mut codes = walkers.iter().map(|r| r[column("code")].to_string());
    for screen in [Screen::Phone, Screen::Desk] {
        let scans: Vec<String> = codes.by_ref().take(2).collect();
        let person = person.clone();
        with_pages_on(screen, &driver, &db, |client, base| async move {
            for (lang, scan) in ["zh", "en"].into_iter().zip(scans) {
                every_page(&client, &base, screen, lang, &person, &scan).await;
            }
        });
    }
}

/// Each page, made to show what it shows in use, checked for [`PAGE_PROBLEMS`].
async fn every_page(
    client: &Client,
    base: &str,
    screen: Screen,
    lang: &str,
    (id_number, name): &(String, String),
    scan: &str,
) {
    let (width, height) = screen.size();
    let size = format!("{lang}-{width}x{height}");
    client.goto(&format!("{base}/")).await.unwrap();
    client
        .execute(
            &format!("localStorage.setItem('sweep.lang', '{lang}');"),
            vec![],
        )
        .await
        .unwrap();

    client.goto(&format!("{base}/")).await.unwrap();
    fill(client, "id_number", id_number).await;
    fill(client, "name", name).await;
    click(client, "#submit").await;
    until(
        client,
        "the slot",
        "!document.getElementById('answer').classList.contains('hidden') \
         && document.getElementById('ticket').naturalWidth > 0",
    )
    .await;
    until(
        client,
        "the answer in view",
        "document.getElementById('answer').getBoundingClientRect().top < window.innerHeight / 2",
    )
    .await;
    check_page(client, &format!("resident-{size}")).await;
    // Larger text for older residents: everything still fits.
    click(client, "#text-size").await;
    until(
        client,
        "larger text",
        "parseFloat(getComputedStyle(document.documentElement).fontSize) > 20",
    )
    .await;
    check_page(client, &format!("resident-large-{size}")).await;
    click(client, "#text-size").await;

    client.goto(&format!("{base}/team")).await.unwrap();
    if client
        .find(Locator::Css("#login:not(.hidden)"))
        .await
        .is_ok()
    {
        log_in_as(client, "T001").await;
    }
    until(
        client,
        "the stops",
        "document.querySelectorAll('#stops li').length > 3",
    )
    .await;
    check_page(client, &format!("team-{size}")).await;
    // At least three stops on a phone's screen.
    let tallest = client
        .execute(
            "return Math.max(...[...document.querySelectorAll('#stops li')].slice(0, 3)
               .map((li) => li.getBoundingClientRect().height));",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        tallest.as_f64().unwrap() * 3.0 <= f64::from(height),
        "a stop card is {tallest} px high at {size}"
    );

    client.goto(&format!("{base}/site")).await.unwrap();
    if client.find(Locator::Css("#tube-card.hidden")).await.is_ok() {
        fill(client, "tube-code", &format!("LAYOUT-{width}")).await;
        click(client, "#open button[type=submit]").await;
        until_shown(client, "the open tube", "tube-card").await;
    }
    fill(client, "code", scan).await;
    click(client, "#scan button[type=submit]").await;
    until(
        client,
        "whom the swab was from",
        "document.getElementById('message').textContent.length > 0",
    )
    .await;
    check_page(client, &format!("site-{size}")).await;

    client.goto(&format!("{base}/office")).await.unwrap();
    if client
        .find(Locator::Css("#login:not(.hidden)"))
        .await
        .is_ok()
    {
        let (login, _, password) = demo::LOGINS[0];
        fill(client, "login-name", login).await;
        fill(client, "password", password).await;
        click(client, "#login button[type=submit]").await;
    }
    until(
        client,
        "the dashboard",
        "document.querySelectorAll('#completion tr.building').length > 0 \
         && document.querySelectorAll('#plots details').length > 0",
    )
    .await;
    click(client, "#plots details summary").await;
    click(client, "#completion button[data-building]").await;
    until(
        client,
        "a plot and a sweep list",
        "document.querySelectorAll('#plots figure svg').length > 0 \
         && document.querySelectorAll('#sweep tr').length > 1",
    )
    .await;
    // Before anyone asked for more: the page, its scripts and the round's numbers only.
    let loaded = client
        .execute(
            "return [...performance.getEntriesByType('navigation'), \
                     ...performance.getEntriesByType('resource')] \
               .reduce((n, e) => n + e.transferSize, 0);",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        loaded.as_f64().unwrap() <= 150_000.0,
        "the office page loaded {loaded} bytes"
    );
    click(client, "#teams-card summary").await;
    until(
        client,
        "the teams' progress",
        "document.querySelectorAll('#teams tr').length > 1",
    )
    .await;
    check_page(client, &format!("office-{size}")).await;
    // The top too: the round's status and how good its plan is.
    client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    screenshot(client, &format!("office-top-{size}")).await;

    // The city's headquarters: a line and a plot per district (the neighbour has no round
    // today), the city's total, and the swabs scanned above counted by the hour.
    client.goto(&format!("{base}/city")).await.unwrap();
    if client
        .find(Locator::Css("#login:not(.hidden)"))
        .await
        .is_ok()
    {
        let (login, password) = demo::CITY_LOGIN;
        fill(client, "login-name", login).await;
        fill(client, "password", password).await;
        click(client, "#login button[type=submit]").await;
    }
    until(
        client,
        "every district",
        "document.querySelectorAll('#districts tbody tr').length === 2 \
         && document.querySelectorAll('#plots figure.district-plot').length === 2 \
         && document.querySelectorAll('#plots figure[data-district=D1] svg rect').length > 0 \
         && document.querySelectorAll('#city-plot svg rect').length > 0 \
         && document.getElementById('city-total').textContent.includes('/')",
    )
    .await;
    check_page(client, &format!("city-{size}")).await;
}
