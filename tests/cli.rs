//! The `sweep` binary as an office uses it: demo files, import, and refusal of bad rosters.

mod common;

use std::process::{Command, Output};

use common::TestDb;

fn sweep(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(args)
        .current_dir(db.dir.path())
        .env("SWEEP_DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sweep")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn demo_files_import_and_report_totals_as_json(db: &TestDb) {
    let out = sweep(
        db,
        &[
            "demo",
            "--out",
            "district",
            "--residents",
            "1200",
            "--seed",
            "3",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in ["buildings.csv", "residents.csv", "sites.csv", "teams.csv"] {
        assert!(
            db.dir.path().join("district").join(file).exists(),
            "{file} written"
        );
    }
    let out = sweep(db, &["import", "district", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let last = stdout.lines().last().expect("a JSON line");
    let totals: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(totals["residents"], 1200);
    assert_eq!(totals["buildings"], 5);
    assert_eq!(totals["sites"], 1);
    assert_eq!(totals["teams"], 1);
}

fn the_demo_publishes_its_round_and_prints_logins_that_work(db: &TestDb) {
    // A short route search: the test is about what the demo leaves behind.
    std::fs::write(
        db.dir.path().join("quick.toml"),
        "[visits]\nsolver_seconds = 1.0\n",
    )
    .unwrap();
    let out = sweep(
        db,
        &[
            "demo",
            "--residents",
            "3000",
            "--no-serve",
            "--config",
            "quick.toml",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stderr);
    for (login, _, password) in sweep::demo::LOGINS {
        assert!(
            printed.contains(&format!("{login} / {password}")),
            "{printed}"
        );
        let mut conn = db.db.conn().unwrap();
        let account = sweep::store::access::account(&mut conn, login)
            .unwrap()
            .expect("the demo account");
        assert!(sweep::access::secret_matches(
            password,
            &account.password_hash
        ));
    }
    assert!(
        printed.contains(&format!("PIN {}", sweep::demo::TEAM_PIN)),
        "{printed}"
    );
    let mut conn = db.db.conn().unwrap();
    let (_, _, pin) = sweep::store::access::team_pin(&mut conn, db.district().id, "T001")
        .unwrap()
        .unwrap();
    assert!(sweep::access::secret_matches(
        sweep::demo::TEAM_PIN,
        &pin.expect("a PIN")
    ));
    use diesel::prelude::*;
    use sweep::store::schema::rounds;
    let statuses: Vec<String> = rounds::table
        .select(rounds::status)
        .load(&mut conn)
        .unwrap();
    assert_eq!(statuses, ["published"], "{printed}");

    // The round's home visits as VRPLIB: the problem the planner solved, readable back,
    // solvable by `sweep solve-vrptw`, and free of personal data.
    let today = chrono::Utc::now()
        .with_timezone(&db.config.district.timezone)
        .date_naive()
        .to_string();
    let out = sweep(
        db,
        &[
            "export",
            "vrplib",
            "--date",
            &today,
            "--out",
            "day.vrp",
            "--config",
            "quick.toml",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = std::fs::read_to_string(db.dir.path().join("day.vrp")).unwrap();
    let problem = sweep::plan::routing::vrplib::read(&file).unwrap();
    let teams = sweep::store::teams::all_teams(&mut conn, db.district().id).unwrap();
    assert_eq!(problem.vehicles.len(), teams.len());
    let visitors = sweep::store::teams::home_visitors(&mut conn, db.district().id).unwrap();
    assert!(problem.visit_count() > 0 && problem.visit_count() <= visitors.len());
    assert!(
        text(&out.stderr).contains(&format!("{} home visits", problem.visit_count())),
        "{}",
        text(&out.stderr)
    );
    let roster =
        std::fs::read_to_string(db.dir.path().join("demo-district/residents.csv")).unwrap();
    for row in roster.lines().skip(1).take(50) {
        for field in row.split(',').take(3) {
            assert!(!file.contains(field), "{field} in the VRPLIB file");
        }
    }
    // A refused export leaves no file behind.
    let out = sweep(
        db,
        &[
            "export",
            "vrplib",
            "--date",
            "2030-01-01",
            "--out",
            "none.vrp",
        ],
    );
    assert_one_line_error(&out, "there is no round on 2030-01-01");
    assert!(!db.dir.path().join("none.vrp").exists());
    let out = sweep(db, &["solve-vrptw", "day.vrp", "--time-limit", "0.5"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let solved: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(solved["feasible"], true);
    assert_eq!(solved["routes"].as_array().unwrap().len(), teams.len());
}

fn a_bad_roster_exits_non_zero_naming_every_bad_line(db: &TestDb) {
    let dir = db.dir.path().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("buildings.csv"),
        "code,community,address,lat,lon,floors,elevator\nB1,梅园新村,淮海路1号,31.22,121.46,6,no\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("residents.csv"),
        "code,name,id_number,building,floor,mobility\n\
         R1,王伟,110105194912310021,B1,2,ambulatory\n\
         R2,王芳,110105195001010012,B1,9,ambulatory\n",
    )
    .unwrap();
    let out = sweep(db, &["import", "bad"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("residents.csv line 2, column id_number"),
        "{stderr}"
    );
    assert!(
        stderr.contains("residents.csv line 3, column floor"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    // Personal data is not echoed back, even when it is wrong.
    assert!(!stderr.contains("110105194912310021"), "{stderr}");

    let out = sweep(db, &["import", "bad", "--json"]);
    let stdout = text(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(report["error"], "invalid_roster");
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
}

fn a_bad_results_file_exits_non_zero_naming_its_lines(db: &TestDb) {
    let path = db.dir.path().join("batch-7.csv");
    std::fs::write(&path, "tube,result,ct_value\nX-1,negative,\nX-2,maybe,61\n").unwrap();
    let out = sweep(db, &["lab", "import", "batch-7.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("batch-7.csv line 3, column result: 'maybe' is not one of"),
        "{stderr}"
    );
    assert!(
        stderr.contains("batch-7.csv line 3, column ct_value"),
        "{stderr}"
    );
    std::fs::write(&path, "tube,result\nX-1,negative\n").unwrap();
    let out = sweep(db, &["lab", "import", "batch-7.csv", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("batch-7.csv line 2, column tube: no tube X-1 in this district"),
        "{}",
        text(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["error"], "invalid_results");
}

fn a_folder_without_roster_files_is_an_error(db: &TestDb) {
    std::fs::create_dir_all(db.dir.path().join("empty")).unwrap();
    let out = sweep(db, &["import", "empty"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("holds none of buildings.csv"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn logs_can_be_json_lines_without_personal_data() {
    let db = TestDb::sqlite();
    let out = sweep(&db, &["demo", "--out", "district", "--residents", "300"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(["import", "district"])
        .current_dir(db.dir.path())
        .env("SWEEP_DATABASE_URL", db.url())
        .env("SWEEP_SERVER_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stderr)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("each log line is JSON"))
        .collect();
    assert!(
        lines.iter().any(|l| l["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("imported"))),
        "{lines:?}"
    );
    // The roster's names are nowhere in the log.
    let roster = std::fs::read_to_string(db.dir.path().join("district/residents.csv")).unwrap();
    let a_name = roster.lines().nth(1).unwrap().split(',').nth(1).unwrap();
    assert!(!text(&out.stderr).contains(a_name));
}

#[test]
fn a_bad_setting_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(["import", "."])
        .current_dir(dir.path())
        .env("SWEEP_SLOTS_MINUTES", "thirty")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("SWEEP_SLOTS_MINUTES"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("sweep.db").exists(), "nothing opened");
}

/// Runs sweep in an empty folder with the default SQLite database, `./sweep.db`.
fn sweep_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run sweep")
}

/// One line of error, said once, naming what to do; nothing left behind.
fn assert_one_line_error(out: &Output, says: &str) {
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
}

#[test]
fn accounts_and_pins_are_checked_and_said_by_their_flag() {
    let dir = tempfile::tempdir().unwrap();
    let add = |login: &str, role: &str, password: &str| {
        sweep_in(
            dir.path(),
            &["user", "add", "--login", login, "--role", role],
            &[("SWEEP_PASSWORD", password)],
        )
    };
    assert_one_line_error(
        &add("wang", "admin", "long enough"),
        "--role: 'admin' is not office, lab or city",
    );
    assert_one_line_error(
        &add("wang", "office", "short"),
        "the password needs at least 8 characters",
    );
    let added = add("wang", "office", "long enough");
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stderr).contains("office account 'wang' added"));
    assert_one_line_error(
        &add(" wang ", "lab", "long enough"),
        "--login: 'wang' already exists",
    );

    let pin = |args: &[&str]| sweep_in(dir.path(), args, &[]);
    assert_one_line_error(
        &pin(&["team", "pin", "T001", "--pin", "12"]),
        "--pin: 6 to 12 digits",
    );
    assert_one_line_error(
        &pin(&["team", "pin", "T001"]),
        "no team 'T001' is stored; import teams.csv first",
    );
}

#[test]
fn commands_on_a_district_do_not_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["plan", "--date", "2026-12-02"][..],
        &["publish", "--date", "2026-12-02"],
        &["export", "slots", "--date", "2026-12-02"],
        &["team", "pin", "T001"],
    ] {
        let out = sweep_in(dir.path(), args, &[]);
        assert_one_line_error(
            &out,
            "no district database at sweep.db: import a roster first",
        );
    }
    let out = sweep_in(dir.path(), &["import", "NO-SUCH-DIR"], &[]);
    assert_one_line_error(&out, "NO-SUCH-DIR does not exist");
    assert!(!dir.path().join("sweep.db").exists());
}

#[test]
fn an_unreachable_database_is_one_line_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = sweep_in(
        dir.path(),
        &["serve", "--bind", "127.0.0.1:0"],
        &[("SWEEP_DATABASE_URL", "missing-folder/sweep.db")],
    );
    assert_one_line_error(&out, "the folder missing-folder does not exist");
    // A port nobody listens on: refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://postgres@127.0.0.1:{port}/test");
    let out = sweep_in(
        dir.path(),
        &["serve", "--bind", "127.0.0.1:0"],
        &[("SWEEP_DATABASE_URL", &url)],
    );
    assert_one_line_error(&out, "cannot open the database PostgreSQL");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn the_demo_says_at_once_when_its_port_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let out = sweep_in(
        dir.path(),
        &["demo", "--residents", "300", "--bind", &bind],
        &[],
    );
    assert_one_line_error(&out, "--bind");
    assert!(
        !dir.path().join("demo-district").exists(),
        "nothing made before the port is known to be free"
    );
}

fn a_city_of_districts_from_the_command_line(db: &TestDb) {
    std::fs::write(
        db.dir.path().join("quick.toml"),
        "[visits]\nsolver_seconds = 0.5\n",
    )
    .unwrap();
    let out = sweep(
        db,
        &[
            "demo",
            "--districts",
            "2",
            "--residents",
            "600",
            "--no-serve",
            "--config",
            "quick.toml",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stderr);
    for says in [
        "district D1: round",
        "district D2: round",
        "office login: office-D2 / demo-office",
        "sweep export slots --district D1 --date",
        "city (headquarters) login: city / demo-city",
    ] {
        assert!(printed.contains(says), "{says}: {printed}");
    }
    let out = sweep(db, &["district", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(listed.contains("D1") && listed.contains("D2"), "{listed}");

    // With two districts a command on one must name it, and is told the choices.
    let today = chrono::Utc::now()
        .with_timezone(&db.config.district.timezone)
        .date_naive()
        .to_string();
    let out = sweep(db, &["export", "slots", "--date", &today]);
    assert!(!out.status.success());
    assert_one_line_error(&out, "--district CODE");
    assert!(
        text(&out.stderr).contains("D1, D2"),
        "{}",
        text(&out.stderr)
    );
    let out = sweep(
        db,
        &["--district", "NOPE", "export", "slots", "--date", &today],
    );
    assert_one_line_error(&out, "no district 'NOPE' here; the districts are: D1, D2");
    // Each district's export is its own: its residents only.
    let exported = |district: &str| {
        let out = sweep(
            db,
            &["--district", district, "export", "slots", "--date", &today],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let (d1, d2) = (exported("D1"), exported("D2"));
    let residents = |csv: &str| -> Vec<String> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    assert!(!residents(&d1).is_empty() && !residents(&d2).is_empty());
    assert!(residents(&d1).len() <= 600 && residents(&d2).len() <= 600);
    // The same roster codes in each district are distinct residents.
    let demo = db.dir.path().join("demo-city");
    let ids = |k: &str| -> std::collections::HashSet<String> {
        csv::Reader::from_path(demo.join(k).join("residents.csv"))
            .unwrap()
            .records()
            .map(|r| r.unwrap()[2].to_string())
            .collect()
    };
    assert!(ids("D1").is_disjoint(&ids("D2")));

    // Importing D1's roster into D2 meets ID numbers registered in D1: refused, naming D1.
    let out = sweep(
        db,
        &[
            "--district",
            "D2",
            "import",
            demo.join("D1").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(said.contains("registered in district D1"), "{said}");

    let out = sweep(
        db,
        &[
            "district",
            "add",
            "D3",
            "--name",
            "Third",
            "--timezone",
            "Asia/Urumqi",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = sweep(db, &["district", "add", "D3", "--name", "Again"]);
    assert_one_line_error(&out, "district 'D3' exists already");
    let out = sweep(
        db,
        &[
            "district",
            "add",
            "D4",
            "--name",
            "X",
            "--timezone",
            "Mars/Olympus",
        ],
    );
    assert_one_line_error(&out, "'Mars/Olympus' is not an IANA time zone");
}

on_both_backends!(
    alone: demo_files_import_and_report_totals_as_json,
    a_city_of_districts_from_the_command_line,
    the_demo_publishes_its_round_and_prints_logins_that_work,
    a_bad_roster_exits_non_zero_naming_every_bad_line,
    a_bad_results_file_exits_non_zero_naming_its_lines,
    a_folder_without_roster_files_is_an_error,
);
