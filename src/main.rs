//! The `sweep` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use sweep::api::Application;
use sweep::config::Config;
use sweep::demo::{self, DemoSpec};
use sweep::domain::TimeOfDay;
use sweep::import::{self, ImportError, RosterFiles};
use sweep::plan::routing::{self, solomon};
use sweep::rounds::{self, parse_window, PlanOptions, RoundSummary, RouteOptions};
use sweep::store::Db;

#[derive(Parser)]
#[command(
    name = "sweep",
    version,
    about = "Plans and tracks a mass PCR testing round in a city district"
)]
struct Cli {
    /// A TOML file laid over config/default.toml (SWEEP_* variables still win).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// ADDRESS:PORT to listen on, instead of server.bind.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Import roster CSV files (buildings.csv, residents.csv, sites.csv, teams.csv) from DIR.
    Import {
        dir: PathBuf,
        /// End with one JSON line of the totals stored.
        #[arg(long)]
        json: bool,
    },
    /// Plan (or re-plan) the testing round on DATE: a site and a time slot for every
    /// resident who walks to a site, and the mobile teams' routes for those who need a home
    /// visit. A published round keeps the slots residents were told wherever they still
    /// fit, and told visit times within visits.eta_tolerance_minutes where feasible.
    Plan {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
        /// The round's window, HH:MM-HH:MM (default: the sites' opening hours).
        #[arg(long, value_parser = parse_window)]
        window: Option<(TimeOfDay, TimeOfDay)>,
        /// Slot length (default: slots.minutes).
        #[arg(long)]
        slot_minutes: Option<u32>,
        /// Re-plan the home visits as of this time of day (HH:MM): outcomes recorded so far
        /// count, teams go on from their last door, nothing is planned before it.
        #[arg(long, value_parser = TimeOfDay::parse, value_name = "HH:MM")]
        at: Option<TimeOfDay>,
        /// Seconds the route solver searches (default: visits.solver_seconds, or
        /// visits.replan_seconds with --at).
        #[arg(long, value_name = "SECONDS")]
        route_seconds: Option<f64>,
        /// Print the summary as one JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Mark the round's plan as told to residents.
    Publish {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
    },
    /// Write a round's plan as CSV.
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// Office and lab accounts.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Mobile teams' logins.
    Team {
        #[command(subcommand)]
        what: TeamCommand,
    },
    /// Solve a Solomon VRPTW instance (DIMACS 2021 convention) and print the routes as JSON.
    SolveVrptw {
        file: PathBuf,
        /// Seconds to search.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Stop after this many ruin-and-recreate iterations (repeatable results).
        #[arg(long)]
        iterations: Option<u64>,
    },
    /// Check routes for a Solomon instance (JSON with "routes", as solve-vrptw prints):
    /// prints the distance, or why they are infeasible (exit 1).
    CheckVrptw { file: PathBuf, routes: PathBuf },
    /// Copy the district's SQLite database to the new FILE, consistently, while sweep runs
    /// (on PostgreSQL: use pg_dump).
    Backup { file: PathBuf },
    /// Put a backup made by `sweep backup` back as the district's SQLite database, replacing
    /// what it holds (on PostgreSQL: use pg_restore).
    Restore { file: PathBuf },
    /// Make a synthetic district. Without --out: write it to ./demo-district, import it,
    /// plan today's round and serve it.
    Demo {
        /// Only write the four CSV files into DIR.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = DemoSpec::default().residents)]
        residents: u32,
        #[arg(long, default_value_t = DemoSpec::default().seed)]
        seed: u64,
        /// Import but do not serve.
        #[arg(long)]
        no_serve: bool,
        /// ADDRESS:PORT to serve on, instead of server.bind.
        #[arg(long)]
        bind: Option<String>,
        /// Size the sites so that the walkers fill this share of their capacity for the day
        /// (e.g. 0.8), the smallest sites next to the densest blocks: a district where
        /// capacity binds. Default: sites with room to spare.
        #[arg(long, value_name = "SHARE", value_parser = capacity_share)]
        capacity_use: Option<f64>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. The password is read from SWEEP_PASSWORD, or else from the first
    /// line of standard input (never from the command line, which others can see).
    Add {
        #[arg(long)]
        login: String,
        /// office or lab.
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Give team CODE a new PIN (printed once; only its hash is stored).
    Pin {
        code: String,
        /// The PIN to set (access.pin_min_digits, by default 6, to 12 digits); default: that
        /// many random digits.
        #[arg(long)]
        pin: Option<String>,
    },
}

#[derive(Subcommand)]
enum Export {
    /// resident,site,start,end — one row per resident with a slot.
    Slots {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// team,seq,resident,arrive,start,end — each mobile team's stops in order.
    Routes {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// team,visits,leaves,returns,hours,distance_km,travel_minutes — each team's day.
    Teams {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// resident,reason — residents who need a home visit that no team can make.
    Unvisited {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to standard error, filtered by RUST_LOG (default `info`): lines for people, or one
/// JSON object a line for a log collector (`server.log_format = "json"`).
fn start_logs(config: &Config) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.server.log_format {
        sweep::config::LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        sweep::config::LogFormat::Json => logs.json().init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    start_logs(&config);
    match cli.command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            let listener = listen(&config)?;
            serve(&config, open(&config)?, listener)?;
        }
        Command::Import { dir, json } => {
            let dir = roster_dir(&dir)?;
            return import_dir(&open(&config)?, &config, dir, json);
        }
        Command::Plan {
            date,
            window,
            slot_minutes,
            at,
            route_seconds,
            json,
        } => {
            let options = PlanOptions {
                date,
                window,
                slot_minutes,
                routes: RouteOptions {
                    at,
                    seconds: route_seconds,
                },
            };
            let summary = rounds::plan_round(&open_existing(&config)?, &config, options)?;
            if json {
                println!("{}", serde_json::to_string(&summary)?);
            } else {
                print_summary(&summary);
            }
        }
        Command::SolveVrptw {
            file,
            time_limit,
            seed,
            iterations,
        } => return solve_vrptw(&file, time_limit, seed, iterations),
        Command::Backup { file } => {
            let database = sqlite_file(&config, "pg_dump -Fc \"$URL\" > FILE")?;
            sweep::store::backup::backup(&database, &file)?;
            eprintln!("{} backed up to {}", database.display(), file.display());
        }
        Command::Restore { file } => {
            let database = sqlite_file(&config, "pg_restore --clean -d \"$URL\" FILE")?;
            sweep::store::backup::restore(&file, &database)?;
            // Migrated now if the backup is older than this build.
            open(&config)?;
            eprintln!("{} restored from {}", database.display(), file.display());
        }
        Command::CheckVrptw { file, routes } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let instance =
                solomon::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let json = std::fs::read_to_string(&routes)
                .with_context(|| format!("cannot read {}", routes.display()))?;
            #[derive(serde::Deserialize)]
            struct Routes {
                routes: Vec<Vec<usize>>,
            }
            let given: Routes = serde_json::from_str(&json)
                .with_context(|| format!("{}: not {{\"routes\": [[...]]}}", routes.display()))?;
            return Ok(match instance.check(&given.routes) {
                Ok(distance) => {
                    println!(
                        "{}",
                        serde_json::json!({"feasible": true, "distance": distance as f64 / 10.0, "vehicles": given.routes.len()})
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    println!("{}", serde_json::json!({"feasible": false, "error": e}));
                    ExitCode::FAILURE
                }
            });
        }
        Command::User {
            what: UserCommand::Add { login, role },
        } => {
            let role = match role.as_str() {
                "office" | "lab" => role,
                other => anyhow::bail!("--role: '{other}' is not office or lab"),
            };
            let login = login.trim();
            if login.is_empty() || login.chars().count() > 64 {
                anyhow::bail!("--login: 1 to 64 characters");
            }
            let password = match std::env::var("SWEEP_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            if password.chars().count() < 8 {
                anyhow::bail!("the password needs at least 8 characters");
            }
            let db = open(&config)?;
            let mut conn = db.conn()?;
            if sweep::store::access::account(&mut conn, login)?.is_some() {
                anyhow::bail!("--login: '{login}' already exists");
            }
            let now = chrono::Utc::now().naive_utc();
            sweep::store::access::add_account(
                &mut conn,
                login,
                &role,
                &sweep::access::hash_secret(&password),
                now,
            )?;
            sweep::store::access::audit(
                &mut conn,
                "command line",
                &format!("add {role} account"),
                login,
                now,
            )?;
            eprintln!("{role} account '{login}' added");
        }
        Command::Team {
            what: TeamCommand::Pin { code, pin },
        } => {
            let fewest = config.access.pin_min_digits as usize;
            let pin = pin.unwrap_or_else(|| sweep::access::new_pin(fewest));
            if !(fewest..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
                anyhow::bail!("--pin: {fewest} to 12 digits (access.pin_min_digits = {fewest})");
            }
            let db = open_existing(&config)?;
            let mut conn = db.conn()?;
            let Some((team_id, _, _)) = sweep::store::access::team_pin(&mut conn, &code)? else {
                anyhow::bail!("no team '{code}' is stored; import teams.csv first");
            };
            sweep::store::access::set_team_pin(
                &mut conn,
                team_id,
                &sweep::access::hash_secret(&pin),
            )?;
            let now = chrono::Utc::now().naive_utc();
            sweep::store::access::audit(&mut conn, "command line", "set team PIN", &code, now)?;
            println!("{pin}");
            eprintln!("team {code}: the PIN above is shown once; only its hash is kept");
        }
        Command::Publish { date } => {
            rounds::publish_round(&open_existing(&config)?, date)?;
            eprintln!("round {date} published: re-plans now keep the slots residents were told");
        }
        Command::Export { what } => {
            let db = open_existing(&config)?;
            match what {
                Export::Slots { date, out } => {
                    let rows = write_to(out.as_deref(), |w| rounds::export_slots(&db, date, w))?;
                    eprintln!("{rows} residents with a slot on {date}");
                }
                Export::Routes { date, out } => {
                    let (stops, unvisited) =
                        write_to(out.as_deref(), |w| rounds::export_routes(&db, date, w))?;
                    eprintln!("{stops} home visits planned on {date}");
                    if unvisited > 0 {
                        eprintln!(
                            "{unvisited} residents no team can visit: sweep export unvisited --date {date}"
                        );
                    }
                }
                Export::Teams { date, out } => {
                    let rows =
                        write_to(out.as_deref(), |w| rounds::export_team_days(&db, date, w))?;
                    eprintln!("{rows} teams out on {date}");
                }
                Export::Unvisited { date, out } => {
                    let rows =
                        write_to(out.as_deref(), |w| rounds::export_unvisited(&db, date, w))?;
                    eprintln!("{rows} residents no team can visit on {date}");
                }
            }
        }
        Command::Demo {
            out,
            residents,
            seed,
            no_serve,
            bind,
            capacity_use,
        } => {
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            // Taken before the district is made, imported and planned: a port in use is
            // said at once, not a minute later.
            let listener = if out.is_none() && !no_serve {
                Some(listen(&config)?)
            } else {
                None
            };
            let spec = DemoSpec {
                residents,
                seed,
                capacity_use,
            };
            let dir = out
                .clone()
                .unwrap_or_else(|| PathBuf::from("demo-district"));
            let counts = demo::write_district(&dir, spec)
                .with_context(|| format!("writing {}", dir.display()))?;
            eprintln!(
                "demo district in {}: {} residents ({} need a home visit) in {} buildings of {} communities, \
                 {} sampling sites, {} mobile teams",
                dir.display(),
                counts.residents,
                counts.home_visits,
                counts.buildings,
                counts.communities,
                counts.sites,
                counts.teams
            );
            if out.is_some() {
                return Ok(ExitCode::SUCCESS);
            }
            let db = open(&config)?;
            let code = import_dir(&db, &config, &dir, false)?;
            if code != ExitCode::SUCCESS {
                return Ok(code);
            }
            // Today's round, as the office would plan it in the morning.
            let today = config.district.today();
            let options = PlanOptions::on(today);
            print_summary(&rounds::plan_round(&db, &config, options)?);
            // The morning's plan is what residents are told, so that they can look it up.
            rounds::publish_round(&db, today)?;
            demo::open_logins(&mut *db.conn()?)?;
            eprintln!("round {today} published");
            eprintln!("the slots: sweep export slots --date {today}");
            eprintln!("the routes: sweep export routes --date {today}");
            for (login, role, password) in demo::LOGINS {
                eprintln!("{} login: {login} / {password}", role.as_str());
            }
            eprintln!(
                "team login: any team code (T001, T002, …) / PIN {}",
                demo::TEAM_PIN
            );
            eprintln!(
                "resident lookup: the id_number and name of any row of {}",
                dir.join("residents.csv").display()
            );
            if let Some(listener) = listener {
                serve(&config, db, listener)?;
            }
            return Ok(code);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn solve_vrptw(
    file: &Path,
    time_limit: f64,
    seed: u64,
    iterations: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let instance = solomon::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if !(time_limit > 0.0 && time_limit.is_finite()) {
        anyhow::bail!("--time-limit must be a positive number of seconds");
    }
    let params = routing::Params {
        seed,
        time_limit: std::time::Duration::from_secs_f64(time_limit),
        iterations,
        ..routing::Params::default()
    };
    let mut solution = routing::solve(&instance.to_problem(), &params);
    solution.routes.retain(|r| !r.is_empty());
    // Checked again from the instance's own numbers, not the solver's.
    let checked = instance.check(&solution.routes);
    println!(
        "{}",
        serde_json::json!({
            "instance": instance.name,
            "vehicles": solution.routes.len(),
            "distance": solution.distance as f64 / 10.0,
            "feasible": checked.is_ok(),
            "iterations": solution.iterations,
            "routes": solution.routes,
        })
    );
    match checked {
        Ok(distance) if distance == solution.distance => Ok(ExitCode::SUCCESS),
        Ok(distance) => anyhow::bail!(
            "the checker measures {distance} tenths, the solver {}",
            solution.distance
        ),
        Err(e) => {
            eprintln!("infeasible: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Runs `export` on FILE (created) or on standard output.
fn write_to<T>(
    out: Option<&Path>,
    export: impl FnOnce(&mut dyn std::io::Write) -> Result<T, rounds::RoundError>,
) -> anyhow::Result<T> {
    Ok(match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            export(&mut std::io::BufWriter::new(file))?
        }
        None => export(&mut std::io::stdout().lock())?,
    })
}

fn print_summary(summary: &RoundSummary) {
    let slots = &summary.slots;
    println!(
        "round {} ({}), {} in slots of {} minutes",
        summary.date, summary.status, slots.window, slots.slot_minutes
    );
    println!(
        "{} of {} residents who walk to a site have a slot; {} have none; {} were moved",
        slots.placed, slots.walkers, slots.unplaced, slots.moved
    );
    println!(
        "walking {:.0} km in all; the longest predicted wait (90th percentile) is {:.1} minutes",
        slots.walking_km, slots.max_p90_wait_minutes
    );
    match slots.gap {
        Some(gap) => println!(
            "the least walking any plan could have is {:.0} km: this plan walks {:.1}% more",
            slots.bound_km,
            100.0 * gap
        ),
        None => println!(
            "the least walking any plan could have is {:.0} km, for {} walkers",
            slots.bound_km, slots.bound_placed
        ),
    }
    for shortfall in &slots.shortfalls {
        println!("{}", shortfall.advice);
    }
    if !slots.split_buildings.is_empty() {
        println!(
            "{} buildings are split between sites (no one site had room for all of them in \
             consecutive slots): {}",
            slots.split_buildings.len(),
            slots.split_buildings.join(", ")
        );
    }
    let visits = &summary.home_visits;
    println!(
        "home visits: {} of {} planned ({} already done) by {} of {} teams; {:.1} hours of travel, \
         the longest team day {:.1} hours",
        visits.planned,
        visits.to_visit,
        visits.already_done,
        visits.teams_out,
        visits.teams,
        visits.travel_hours,
        visits.longest_day_hours
    );
    for (reason, residents) in &visits.unvisited {
        println!(
            "{residents} residents cannot be visited: {}",
            reason.describe()
        );
    }
    if visits.promises_broken > 0 {
        println!(
            "{} residents were told a visit time that can no longer be kept: tell them the new one",
            visits.promises_broken
        );
    }
}

/// The district's SQLite file; on PostgreSQL, an error that points to its own tool.
fn sqlite_file(config: &Config, postgres_tool: &str) -> anyhow::Result<PathBuf> {
    match sweep::store::Target::from_url(&config.database.url) {
        sweep::store::Target::Sqlite(path) => Ok(PathBuf::from(path)),
        sweep::store::Target::Postgres(_) => anyhow::bail!(
            "the district is in PostgreSQL, which has its own tools for this: {postgres_tool} \
             (URL as database.url)"
        ),
    }
}

fn open(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::open(&config.database)?)
}

/// For commands that work on a district that must exist.
fn open_existing(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::open_existing(&config.database)?)
}

/// The server's socket, or an error that says how to choose another address.
fn listen(config: &Config) -> anyhow::Result<std::net::TcpListener> {
    let bind = &config.server.bind;
    std::net::TcpListener::bind(bind).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            "another program uses it; choose another with --bind 127.0.0.1:8081 \
             (or SWEEP_SERVER_BIND)"
        } else {
            "choose another with --bind ADDRESS:PORT (or SWEEP_SERVER_BIND)"
        };
        anyhow::anyhow!("cannot listen on {bind}: {e}; {hint}")
    })
}

fn capacity_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if share > 0.0 && share <= 1.0 => Ok(share),
        _ => Err(format!(
            "'{text}' is not a share above 0 and at most 1 (e.g. 0.8)"
        )),
    }
}

/// A roster folder that exists, checked before any database is opened or made.
fn roster_dir(dir: &Path) -> anyhow::Result<&Path> {
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        anyhow::bail!(
            "{} {what}: give the folder that holds the roster's CSV files",
            dir.display()
        );
    }
    Ok(dir)
}

fn import_dir(db: &Db, config: &Config, dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("importing {bar:40} {bytes}/{total_bytes} ({eta})")
            .expect("valid template"),
    );
    let started = std::time::Instant::now();
    let result = RosterFiles::from_dir(dir, &progress)
        .and_then(|files| import::import(db, files, config.server.roster_errors_shown));
    progress.finish_and_clear();
    match result {
        Ok(totals) => {
            tracing::info!(
                dir = %dir.display(),
                seconds = started.elapsed().as_secs_f64(),
                "imported; the district now holds {} buildings, {} residents, {} sites, {} teams",
                totals.buildings,
                totals.residents,
                totals.sites,
                totals.teams
            );
            if json {
                println!("{}", serde_json::to_string(&totals)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Invalid(errors)) => {
            for error in &errors.shown {
                eprintln!("{}", error);
            }
            eprintln!("{}: {errors}", dir.display());
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "error": "invalid_roster",
                        "bad_rows": errors.rows,
                        "problems": errors.errors,
                        "errors": errors.shown,
                    })
                );
            }
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other.into()),
    }
}

fn serve(config: &Config, db: Db, listener: std::net::TcpListener) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::on(listener, config, db)
            .with_context(|| format!("cannot serve on {}", config.server.bind))?;
        // An unspecified address (0.0.0.0) listens on every interface, loopback included.
        let host = match config.server.bind.parse::<std::net::SocketAddr>() {
            Ok(addr) if !addr.ip().is_unspecified() => addr.ip().to_string(),
            _ => "127.0.0.1".to_string(),
        };
        let base = format!("http://{host}:{}", app.port());
        eprintln!("sweep is serving on {base} (Ctrl-C stops it)");
        eprintln!("  residents: {base}/            look up a slot, show the QR ticket");
        eprintln!("  teams:     {base}/team        today's route, outcomes (works offline)");
        eprintln!("  sites:     {base}/site        scan residents' tickets into pooled tubes");
        eprintln!(
            "  office:    {base}/office      dashboard: plots, completion, sweep lists, roster"
        );
        eprintln!("  API:       {base}/api/v1/openapi.json");
        app.run_until_stopped().await?;
        Ok(())
    })
}
