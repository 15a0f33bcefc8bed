//! Load on the HTTP API over loopback, beside a plain actix-web "hello" endpoint measured in
//! the same run (the ceiling this machine and this load generator reach).
//!
//!     cargo bench --bench api -- [--residents N] [--database URL] [--read-url URL]
//!                                [--connections C] [--seconds S] [--requests N] [--runs R]
//!                                [--processes P]
//!
//! The district (demo, seed 1) is made once under `target/bench-api/N/` — imported, planned
//! and published, with the demo logins — and kept for later runs; `--database`
//! names a PostgreSQL database to use instead of the SQLite file there. Each measurement
//! stops after S seconds or N requests, whichever comes first, and is repeated R times;
//! the table gives medians over the runs (the share of the ceiling: the median of the shares
//! measured within each run).
//!
//! Measured: `GET /hello` (plain actix-web, no database), `POST /resident/lookup` (random
//! residents by ID number and name), `GET /team/route` (a random team among the first 32), and
//! `POST /site/scans` (each connection a sampler with its own 10-in-1 tube, every scan a
//! different resident, answered after its transaction committed; opening the next tube
//! is not counted as a scan).
//!
//! With `--read-url URL` (PostgreSQL; `.ci/replica start` makes one and prints its URL),
//! the reads that may go to a replica (`database.read_url`) go to that one.
//!
//! With `--processes P` (PostgreSQL), P sweep applications serve the district, each with a
//! connection pool of its own (`database.pool_size`), as P `sweep serve` processes behind a
//! load balancer: requests go to them in turn.
//!
//! With `--city DIR` (a city's PostgreSQL database made by `benches/city.sh`, every
//! district's round of 2026-12-01 planned and published, their rosters in DIR/D1, DIR/D2 …):
//! nothing is prepared; lookups pick among residents of every district, route fetches and
//! scans use teams of every district.
//!
//! With `--during-import` (SQLite): only scans, on a copy of the district, while the office
//! imports a changed roster of the same size (a new note on every resident: all updated);
//! the load runs until the import ends, and the table gives the scans' latency and errors
//! during it, beside the import's time.

use std::cell::RefCell;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpServer};
use chrono::NaiveDate;
use clap::Parser;
use futures_util::future::join_all;
use indicatif::ProgressBar;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::{json, Value};

use sweep::config::Config;
use sweep::demo::{self, DemoSpec};
use sweep::import::{self, RosterFiles};
use sweep::rounds::{self, PlanOptions};
use sweep::store::Db;

const DATE: &str = "2026-12-01";
const TEAMS: usize = 32;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 30_000)]
    residents: u32,
    /// A PostgreSQL URL; default: SQLite in target/bench-api/N/sweep.db.
    #[arg(long)]
    database: Option<String>,
    /// A streaming replica of --database, for the lookups (`database.read_url`).
    #[arg(long)]
    read_url: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long, default_value_t = 100_000)]
    requests: usize,
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Sweep applications serving the district, each with its own pool (PostgreSQL).
    #[arg(long, default_value_t = 1)]
    processes: usize,
    /// A city already prepared by benches/city.sh, its rosters in this folder (see above).
    #[arg(long)]
    city: Option<PathBuf>,
    /// Scans while a roster of the same size is imported (see above).
    #[arg(long)]
    during_import: bool,
    /// SQLite: when a commit is on disk (sqlite_synchronous); default: the configuration's.
    #[arg(long, value_enum)]
    synchronous: Option<sweep::config::SqliteSynchronous>,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let args = Args::parse();
    let dir = PathBuf::from(format!("target/bench-api/{}", args.residents));
    let mut config = Config::load_with_env(None, |_| None).expect("default config");
    config.database.url = args
        .database
        .clone()
        .unwrap_or_else(|| dir.join("sweep.db").display().to_string());
    config.database.read_url = args.read_url.clone().unwrap_or_default();
    config.server.bind = "127.0.0.1:0".into();
    // One client address makes every lookup here; the per-client limit would stop it.
    config.access.lookups_per_minute = u32::MAX;
    config.visits.solver_seconds = 5.0;
    if let Some(synchronous) = args.synchronous {
        config.database.sqlite_synchronous = synchronous;
    }
    std::fs::create_dir_all(&dir).expect("the bench folder");
    let db = Db::open(&config.database).expect("open the bench database");
    if let Some(city) = &args.city {
        // Every team's PIN the demo's, as `sweep demo` leaves them.
        let mut conn = db.conn().expect("a connection");
        let districts = sweep::districts::all(&mut conn, &config).expect("the city's districts");
        for (k, district) in districts.iter().enumerate() {
            demo::open_logins(&mut conn, district, k == 0).expect("team PINs");
        }
        drop(conn);
        let people = city_residents(city, 200_000);
        serve_and_measure(&args, &config, &db, &people);
        return;
    }
    prepare(&dir, &db, &config, args.residents);
    if args.during_import {
        // Every resident: each is scanned once, however long the import takes.
        let people = residents(&dir, usize::MAX);
        scans_during_import(&args, &dir, &config, &db, &people);
        return;
    }
    let people = residents(&dir, 200_000);
    serve_and_measure(&args, &config, &db, &people);
}

/// Every district's residents (up to `most` in all, shuffled together).
fn city_residents(city: &Path, most: usize) -> Vec<Person> {
    let mut districts: Vec<PathBuf> = std::fs::read_dir(city)
        .expect("the city's folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("residents.csv").exists())
        .collect();
    districts.sort();
    let share = most / districts.len().max(1);
    let mut people: Vec<Person> = districts
        .iter()
        .flat_map(|d| {
            let code = d.file_name().unwrap().to_string_lossy().to_string();
            residents(d, share).into_iter().map(move |p| Person {
                district: code.clone(),
                ..p
            })
        })
        .collect();
    people.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
    people
}

fn serve_and_measure(args: &Args, config: &Config, db: &Db, people: &[Person]) {
    assert!(
        args.processes == 1 || config.database.url.starts_with("postgres"),
        "--processes: SQLite is served by one process"
    );
    let sweeps: Vec<(u16, actix_web::dev::ServerHandle)> = (0..args.processes)
        .map(|k| {
            let pool = if k == 0 {
                db.clone()
            } else {
                Db::open(&config.database).expect("another process's pool")
            };
            serve_sweep(config, pool)
        })
        .collect();
    let ports: Vec<u16> = sweeps.iter().map(|(port, _)| *port).collect();
    let (hello_port, hello_stop) = serve_hello();
    let system = actix_web::rt::System::new();
    let rows = system.block_on(measure(args, db, &ports, hello_port, people));
    actix_web::rt::System::new().block_on(async {
        for (_, stop) in &sweeps {
            stop.stop(true).await;
        }
        hello_stop.stop(true).await;
    });

    let backend = if config.database.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let stored: i64 = {
        use diesel::prelude::*;
        sweep::store::schema::residents::table
            .count()
            .get_result(&mut db.conn().unwrap())
            .unwrap()
    };
    println!(
        "\n{} residents stored, {backend}{}, {} process(es), {} connections, {} runs of ≤ {} s / ≤ {} requests, medians:\n",
        stored,
        if backend == "SQLite" {
            format!(" (synchronous = {:?})", config.database.sqlite_synchronous)
        } else {
            String::new()
        },
        args.processes,
        args.connections,
        args.runs, args.seconds, args.requests
    );
    println!("| endpoint | requests/s | p50 ms | p99 ms | of the ceiling | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    let ceilings: Vec<f64> = rows[0].1.iter().map(|run| run.per_second).collect();
    for (name, runs) in &rows {
        // The share of the ceiling is taken in each run (the machine's load drifts between
        // runs more than within one), then the median of those shares.
        let share = median(
            runs.iter()
                .zip(&ceilings)
                .map(|(run, ceiling)| run.per_second / ceiling)
                .collect(),
        );
        let row = summarise(runs);
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.0}% | {} |",
            name,
            row.per_second,
            row.p50_ms,
            row.p99_ms,
            100.0 * share,
            row.errors
        );
    }
}

/// Imports, plans and publishes the demo district unless the database already has the
/// bench's round; gives every team the demo PIN.
fn prepare(dir: &Path, db: &Db, config: &Config, residents: u32) {
    let date: NaiveDate = DATE.parse().unwrap();
    if !dir.join("residents.csv").exists() {
        eprintln!(
            "writing a {residents}-resident demo district to {}",
            dir.display()
        );
        demo::write_district(
            dir,
            DemoSpec {
                residents,
                seed: 1,
                ..Default::default()
            },
        )
        .expect("demo district");
    }
    let mut conn = db.conn().expect("a connection");
    let district =
        sweep::districts::named_or_first(&mut conn, config, None).expect("the bench's district");
    if sweep::store::rounds::round_on(&mut conn, district.id, date)
        .expect("read rounds")
        .is_none_or(|round| !round.is_published())
    {
        eprintln!("importing, planning and publishing the round of {DATE} (once)");
        let files = RosterFiles::from_dir(dir, &ProgressBar::hidden()).expect("roster files");
        import::import(db, &district, files, 1_000).expect("import");
        rounds::plan_round(db, config, &district, PlanOptions::on(date)).expect("plan");
        rounds::publish_round(db, &district, date).expect("publish");
    }
    demo::open_logins(&mut conn, &district, true).expect("team PINs");
}

struct Person {
    /// The district's code in a city (the roster's folder name), empty for one district.
    district: String,
    code: String,
    name: String,
    id_number: String,
}

/// Up to `most` residents from the roster file, shuffled: lookups pick among them and
/// scans take them in turn.
fn residents(dir: &Path, most: usize) -> Vec<Person> {
    let mut reader = csv::Reader::from_path(dir.join("residents.csv")).expect("residents.csv");
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (code, name, id) = (column("code"), column("name"), column("id_number"));
    let mut people: Vec<Person> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Person {
                district: String::new(),
                code: r[code].to_string(),
                name: r[name].to_string(),
                id_number: r[id].to_string(),
            }
        })
        .collect();
    people.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
    people.truncate(most);
    people
}

/// Starts a server on its own thread; gives its port and a handle that stops it. `build`
/// runs on that thread and gives the port, the handle and the server to run.
fn serve_on_thread<F>(
    build: impl FnOnce() -> (u16, actix_web::dev::ServerHandle, F) + Send + 'static,
) -> (u16, actix_web::dev::ServerHandle)
where
    F: Future<Output = std::io::Result<()>>,
{
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let (port, handle, server) = build();
            tx.send((port, handle)).unwrap();
            server.await.unwrap();
        })
    });
    rx.recv().unwrap()
}

fn serve_sweep(config: &Config, db: Db) -> (u16, actix_web::dev::ServerHandle) {
    let config = config.clone();
    serve_on_thread(move || {
        let app = sweep::api::Application::build(&config, db).expect("bind");
        (app.port(), app.handle(), app.run_until_stopped())
    })
}

fn serve_hello() -> (u16, actix_web::dev::ServerHandle) {
    serve_on_thread(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server =
            HttpServer::new(|| App::new().route("/hello", web::get().to(|| async { "hello" })))
                .listen(listener)
                .unwrap()
                .run();
        (port, server.handle(), server)
    })
}

struct Run {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: usize,
}

/// Keeps `connections` requests in flight until the time or the count runs out. `send`
/// makes request number `i` for connection `user` and gives its status and latency.
async fn load<F, Fut>(args: &Args, send: F) -> Run
where
    F: Fn(usize, usize) -> Fut,
    Fut: Future<Output = (u16, Duration)>,
{
    load_until(args, || false, send).await
}

/// [`load`], stopping also once `over` says so.
async fn load_until<F, Fut>(args: &Args, over: impl Fn() -> bool, send: F) -> Run
where
    F: Fn(usize, usize) -> Fut,
    Fut: Future<Output = (u16, Duration)>,
{
    let limit = Duration::from_secs_f64(args.seconds);
    let next = std::cell::Cell::new(0usize);
    let latencies = RefCell::new(Vec::with_capacity(args.requests));
    let errors = std::cell::Cell::new(0usize);
    let started = Instant::now();
    join_all((0..args.connections).map(|user| {
        let (next, latencies, errors, send, over) = (&next, &latencies, &errors, &send, &over);
        async move {
            loop {
                let i = next.get();
                if i >= args.requests || started.elapsed() >= limit || over() {
                    break;
                }
                next.set(i + 1);
                let (status, took) = send(user, i).await;
                if (200..300).contains(&status) {
                    latencies.borrow_mut().push(took);
                } else {
                    errors.set(errors.get() + 1);
                    if errors.get() <= 3 {
                        eprintln!("request {i}: status {status}");
                    }
                }
            }
        }
    }))
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = latencies.into_inner();
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    Run {
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: at(1.0),
        errors: errors.get(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Medians over the runs; errors summed.
fn summarise(runs: &[Run]) -> Run {
    Run {
        per_second: median(runs.iter().map(|r| r.per_second).collect()),
        p50_ms: median(runs.iter().map(|r| r.p50_ms).collect()),
        p99_ms: median(runs.iter().map(|r| r.p99_ms).collect()),
        max_ms: median(runs.iter().map(|r| r.max_ms).collect()),
        errors: runs.iter().map(|r| r.errors).sum(),
    }
}

async fn timed(request: awc::SendClientRequest) -> (u16, Duration) {
    let started = Instant::now();
    match request.await {
        Ok(mut response) => {
            let _ = response.body().limit(1 << 24).await;
            (response.status().as_u16(), started.elapsed())
        }
        Err(e) => {
            eprintln!("request failed: {e}");
            (0, started.elapsed())
        }
    }
}

async fn measure(
    args: &Args,
    db: &Db,
    ports: &[u16],
    hello_port: u16,
    people: &[Person],
) -> Vec<(&'static str, Vec<Run>)> {
    let client = awc::Client::builder()
        .connector(awc::Connector::new().limit(args.connections))
        .timeout(Duration::from_secs(30))
        .finish();
    // Requests go to the processes in turn, as a load balancer sends them.
    let turn = std::cell::Cell::new(0usize);
    let api = |path: &str| {
        let port = ports[turn.get() % ports.len()];
        turn.set(turn.get() + 1);
        format!("http://127.0.0.1:{port}/api/v1{path}")
    };
    let tokens = team_tokens(&client, &api, db).await;
    let hello = format!("http://127.0.0.1:{hello_port}/hello");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let picks: Vec<usize> = (0..args.requests)
        .map(|_| rand::Rng::random_range(&mut rng, 0..people.len()))
        .collect();

    let (mut hellos, mut lookups, mut routes, mut scans) = (vec![], vec![], vec![], vec![]);
    for run in 0..args.runs {
        eprintln!("run {} of {}", run + 1, args.runs);
        hellos.push(load(args, |_, _| timed(client.get(&hello).send())).await);
        lookups.push(
            load(args, |_, i| {
                let p = &people[picks[i]];
                timed(
                    client.post(api("/resident/lookup")).send_json(
                        &json!({"id_number": p.id_number, "name": p.name, "date": DATE}),
                    ),
                )
            })
            .await,
        );
        routes.push(
            load(args, |_, i| {
                timed(
                    client
                        .get(api(&format!("/team/route?date={DATE}")))
                        .bearer_auth(&tokens[picks[i] % tokens.len()].1)
                        .send(),
                )
            })
            .await,
        );
        clear_samples(db);
        scans.push(scan_load(args, &client, &api, &tokens, people, run, || false).await);
    }
    vec![
        ("GET /hello (plain actix-web)", hellos),
        ("POST /resident/lookup", lookups),
        ("GET /team/route", routes),
        ("POST /site/scans", scans),
    ]
}

/// Scans, each connection a sampler with its own tube (a full tube closes itself and the
/// connection opens the next, not timed), until the load's limits or `over`.
async fn scan_load(
    args: &Args,
    client: &awc::Client,
    api: &impl Fn(&str) -> String,
    tokens: &[(String, String)],
    people: &[Person],
    run: usize,
    over: impl Fn() -> bool,
) -> Run {
    let tubes: Vec<RefCell<(String, usize)>> = (0..args.connections)
        .map(|_| RefCell::new((String::new(), 10)))
        .collect();
    // In a city a team scans its own district's residents (codes are the district's).
    let mut by_district: std::collections::HashMap<&str, Vec<&Person>> = Default::default();
    for person in people.iter().filter(|p| !p.district.is_empty()) {
        by_district
            .entry(&person.district)
            .or_default()
            .push(person);
    }
    load_until(args, over, |user, i| {
        let tube = &tubes[user];
        let (district, token) = &tokens[user % tokens.len()];
        let person = match by_district.get(district.as_str()) {
            Some(own) => own[i % own.len()],
            None => &people[i % people.len()],
        };
        async move {
            if tube.borrow().1 >= 10 {
                let code = format!("B{run}-{user}-{i}");
                // A tube that cannot be opened counts as a failed scan (tried again next).
                let (status, took) = timed(client.post(api("/site/tubes")).bearer_auth(token).send_json(
                    &json!({"request_id": uuid::Uuid::new_v4(), "tube": code, "date": DATE}),
                ))
                .await;
                if status != 201 {
                    return (status, took);
                }
                *tube.borrow_mut() = (code, 0);
            }
            let code = tube.borrow().0.clone();
            tube.borrow_mut().1 += 1;
            timed(
                client
                    .post(api("/site/scans"))
                    .bearer_auth(token)
                    .send_json(&json!({
                        "request_id": uuid::Uuid::new_v4(),
                        "tube": code,
                        "resident": person.code,
                    })),
            )
            .await
        }
    })
    .await
}

/// Team tokens for `TEAMS` teams, the first of each district in turn, with their district's
/// code.
async fn team_tokens(
    client: &awc::Client,
    api: &impl Fn(&str) -> String,
    db: &Db,
) -> Vec<(String, String)> {
    let mut conn = db.conn().unwrap();
    let districts = sweep::store::districts::all_districts(&mut conn).unwrap();
    let each = TEAMS.div_ceil(districts.len());
    let mut teams = Vec::new();
    for district in &districts {
        let all = sweep::store::teams::all_teams(&mut conn, district.id).unwrap();
        teams.extend(
            all.into_iter()
                .take(each)
                .map(|t| (district.code.clone(), t.code)),
        );
    }
    drop(conn);
    let mut tokens = Vec::new();
    for (district, team) in teams.iter().take(TEAMS) {
        let mut response = client
            .post(api("/team-sessions"))
            .send_json(&json!({"district": district, "team": team, "pin": demo::TEAM_PIN}))
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        tokens.push((
            district.clone(),
            body["token"].as_str().unwrap().to_string(),
        ));
    }
    tokens
}

/// Scans while the office imports a changed roster of the district's size, on a copy of the
/// district (the import changes every resident).
fn scans_during_import(args: &Args, dir: &Path, config: &Config, db: &Db, people: &[Person]) {
    let sweep::store::Target::Sqlite(path) = db.target().clone() else {
        panic!(
            "--during-import measures SQLite's one writer; PostgreSQL's writers run side by side"
        );
    };
    let copy = dir.join("during-import.db");
    remove_database(&copy);
    sweep::store::backup::backup(Path::new(&path), &copy).expect("a copy of the district");
    let changed = dir.join("changed-roster");
    if !changed.join("residents.csv").exists() {
        demo::write_with_note(dir, &changed, "re-imported").expect("the changed roster");
    }
    let mut config = config.clone();
    config.database.url = copy.display().to_string();
    let db = Db::open(&config.database).expect("open the copy");
    clear_samples(&db);
    let (port, stop) = serve_sweep(&config, db.clone());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (run, import_seconds) = actix_web::rt::System::new().block_on(async {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().limit(args.connections))
            .timeout(Duration::from_secs(30))
            .finish();
        let api = |path: &str| format!("http://127.0.0.1:{port}/api/v1{path}");
        let tokens = team_tokens(&client, &api, &db).await;
        let importing = {
            let (db, done) = (db.clone(), done.clone());
            let district = sweep::districts::named(&mut db.conn().unwrap(), &config, None)
                .expect("the district");
            std::thread::spawn(move || {
                // The scans are under way first.
                std::thread::sleep(Duration::from_millis(500));
                let started = Instant::now();
                let files = RosterFiles::from_dir(&changed, &ProgressBar::hidden()).expect("files");
                import::import(&db, &district, files, 1_000).expect("the import");
                let took = started.elapsed().as_secs_f64();
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                took
            })
        };
        let mut load_args = Args::parse();
        load_args.seconds = 3600.0;
        load_args.requests = 2_000_000;
        let run = scan_load(&load_args, &client, &api, &tokens, people, 0, || {
            done.load(std::sync::atomic::Ordering::SeqCst)
        })
        .await;
        (run, importing.join().expect("the import thread"))
    });
    actix_web::rt::System::new().block_on(stop.stop(true));
    drop(db);
    remove_database(&copy);
    println!(
        "\n{} residents, SQLite (synchronous = {:?}), {} connections scanning while the office \
         imports a changed roster of {} residents ({import_seconds:.1} s):\n",
        args.residents, config.database.sqlite_synchronous, args.connections, args.residents
    );
    println!("| scans during the import | per second | p50 ms | p99 ms | max ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| POST /site/scans | {:.0} | {:.2} | {:.2} | {:.0} | {} |",
        run.per_second, run.p50_ms, run.p99_ms, run.max_ms, run.errors
    );
}

/// A SQLite file and the log and index beside it.
fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Scans record each resident once per round: every run starts from an empty rack.
fn clear_samples(db: &Db) {
    use diesel::connection::SimpleConnection;
    db.conn()
        .unwrap()
        .batch_execute("DELETE FROM samples; DELETE FROM tubes;")
        .unwrap();
}
