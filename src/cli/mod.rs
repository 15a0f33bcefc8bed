//! The `sweep` command line: its commands, and each command's run. A door, as `api/` is:
//! it reads the arguments, calls the library's use cases and prints what they answer.

mod accounts;
mod database;
mod demo;
mod lab;
mod round;
mod serve;
mod vrptw;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::demo::DemoSpec;
use crate::domain::TimeOfDay;
use crate::rounds::{parse_window, PlanOptions, RouteOptions};

#[derive(Parser)]
#[command(
    name = "sweep",
    version,
    about = "Plans and tracks a mass PCR testing round in a city district"
)]
pub struct Cli {
    /// A TOML file laid over config/default.toml (SWEEP_* variables still win).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The district a command works on, by its code: needed only where the database holds
    /// several (`sweep district add`).
    #[arg(long, global = true, value_name = "CODE")]
    district: Option<String>,
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
    /// Write a round's plan as CSV (or its home-visit problem as VRPLIB).
    Export {
        #[command(subcommand)]
        what: Export,
    },
    /// The districts of the city that share this database.
    District {
        #[command(subcommand)]
        what: DistrictCommand,
    },
    /// Office, lab and city (headquarters) accounts.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// The laboratory's work.
    Lab {
        #[command(subcommand)]
        what: LabCommand,
    },
    /// Mobile teams' logins.
    Team {
        #[command(subcommand)]
        what: TeamCommand,
    },
    /// Solve a Solomon VRPTW instance (DIMACS 2021 convention), or a VRPLIB file such as
    /// `sweep export vrplib` writes, and print the routes as JSON.
    SolveVrptw {
        file: PathBuf,
        /// Seconds to search.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Stop after this many iterations (repeatable results).
        #[arg(long)]
        iterations: Option<u64>,
        /// Searches side by side (seeds seed, seed + 1, ...); the best plan is kept.
        #[arg(long, default_value_t = 1)]
        threads: usize,
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
        #[arg(long, value_name = "SHARE", value_parser = demo::capacity_share)]
        capacity_use: Option<f64>,
        /// A small city: this many districts (D1, D2, …) of --residents each, side by side,
        /// with a headquarters login.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
        districts: u32,
    },
}

#[derive(Subcommand)]
enum DistrictCommand {
    /// Add a district: CODE (letters, digits, - and _) and its name.
    Add {
        code: String,
        #[arg(long)]
        name: String,
        /// IANA time zone (default: district.timezone).
        #[arg(long, value_name = "TZ")]
        timezone: Option<String>,
    },
    /// List the districts: code, name, time zone.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. The password is read from SWEEP_PASSWORD, or else from the first
    /// line of standard input (never from the command line, which others can see).
    Add {
        #[arg(long)]
        login: String,
        /// office or lab (of the district), or city (headquarters: reads every district).
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
enum LabCommand {
    /// Record a batch of results from a CSV file with the columns
    /// `tube,result[,ct_value][,tested_at]` (result: negative, positive or invalid; tested_at
    /// on the district's clock, YYYY-MM-DD HH:MM, or RFC 3339). Every row is checked first
    /// and every bad one reported by line; then all are recorded, or none. Results already
    /// recorded the same are left as they are, so the same file again changes nothing.
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
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
    /// The round's home-visit problem as VRPLIB (for PyVRP and other solvers): travel
    /// times, windows, service times, shifts, kits, prizes; no personal data.
    Vrplib {
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: NaiveDate,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Runs the command the arguments name; errors are said on standard error, in one line.
pub fn main() -> ExitCode {
    match run(Cli::parse()) {
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
        crate::config::LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        crate::config::LogFormat::Json => logs.json().init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    start_logs(&config);
    let district = cli.district.as_deref();
    match cli.command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            let listener = serve::listen(&config)?;
            serve::serve(&config, database::open(&config)?, listener)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { dir, json } => {
            let dir = serve::roster_dir(&dir)?;
            let db = database::open(&config)?;
            let district = database::district_or_first(&db, &config, district)?;
            serve::import_dir(&db, &config, &district, dir, json)
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
            round::plan(&config, district, options, json)
        }
        Command::Publish { date } => round::publish(&config, district, date),
        Command::Export { what } => round::export(&config, district, what),
        Command::District {
            what:
                DistrictCommand::Add {
                    code,
                    name,
                    timezone,
                },
        } => database::add_district(&config, &code, &name, timezone.as_deref()),
        Command::District {
            what: DistrictCommand::List,
        } => database::list_districts(&config),
        Command::User {
            what: UserCommand::Add { login, role },
        } => accounts::add_user(&config, district, &login, &role),
        Command::Team {
            what: TeamCommand::Pin { code, pin },
        } => accounts::set_team_pin(&config, district, &code, pin),
        Command::Lab {
            what: LabCommand::Import { file, json },
        } => lab::import_results(&config, district, &file, json),
        Command::SolveVrptw {
            file,
            time_limit,
            seed,
            iterations,
            threads,
        } => vrptw::solve(&file, time_limit, seed, iterations, threads),
        Command::CheckVrptw { file, routes } => vrptw::check(&file, &routes),
        Command::Backup { file } => database::backup(&config, &file),
        Command::Restore { file } => database::restore(&config, &file),
        Command::Demo {
            out,
            residents,
            seed,
            no_serve,
            bind,
            capacity_use,
            districts,
        } => {
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            let spec = DemoSpec {
                residents,
                seed,
                capacity_use,
                district: 0,
            };
            demo::run(&config, spec, districts, out, no_serve)
        }
    }
}
