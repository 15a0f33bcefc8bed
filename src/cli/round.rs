//! `sweep plan`, `sweep publish` and `sweep export`: a round from the command line.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;

use super::database::open_existing;
use super::Export;
use crate::config::Config;
use crate::rounds::{self, PlanOptions, RoundSummary};

/// Plans (or re-plans) a round and prints its summary, as text or one JSON line.
pub fn plan(
    config: &Config,
    district: Option<&str>,
    options: PlanOptions,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let db = open_existing(config)?;
    let district = super::database::district(&db, config, district)?;
    let summary = rounds::plan_round(&db, config, &district, options)?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn publish(
    config: &Config,
    district: Option<&str>,
    date: NaiveDate,
) -> anyhow::Result<ExitCode> {
    let db = open_existing(config)?;
    let district = super::database::district(&db, config, district)?;
    rounds::publish_round(&db, &district, date)?;
    eprintln!("round {date} published: re-plans now keep the slots residents were told");
    Ok(ExitCode::SUCCESS)
}

/// Writes one of a round's CSV exports to a file or standard output.
pub fn export(config: &Config, district: Option<&str>, what: Export) -> anyhow::Result<ExitCode> {
    let db = open_existing(config)?;
    let district = &super::database::district(&db, config, district)?;
    match what {
        Export::Slots { date, out } => {
            let rows = write_to(out.as_deref(), |w| {
                rounds::export_slots(&db, district, date, w)
            })?;
            eprintln!("{rows} residents with a slot on {date}");
        }
        Export::Routes { date, out } => {
            let (stops, unvisited) = write_to(out.as_deref(), |w| {
                rounds::export_routes(&db, district, date, w)
            })?;
            eprintln!("{stops} home visits planned on {date}");
            if unvisited > 0 {
                eprintln!(
                    "{unvisited} residents no team can visit: sweep export unvisited --date {date}"
                );
            }
        }
        Export::Teams { date, out } => {
            let rows = write_to(out.as_deref(), |w| {
                rounds::export_team_days(&db, district, date, w)
            })?;
            eprintln!("{rows} teams out on {date}");
        }
        Export::Unvisited { date, out } => {
            let rows = write_to(out.as_deref(), |w| {
                rounds::export_unvisited(&db, district, date, w)
            })?;
            eprintln!("{rows} residents no team can visit on {date}");
        }
        Export::Vrplib { date, out } => {
            let written = write_to(out.as_deref(), |w| {
                rounds::export_vrplib(&db, config, district, date, w)
            })?;
            eprintln!(
                "{} home visits and {} teams on {date} written as VRPLIB; {} residents no team can reach left out",
                written.visits, written.teams, written.unreachable
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `export` on FILE or on standard output. FILE appears only once the export is
/// whole: it is written beside it under another name first, so a refused or failed
/// export leaves no partial file (and an older FILE as it was).
fn write_to<T>(
    out: Option<&Path>,
    export: impl FnOnce(&mut dyn std::io::Write) -> Result<T, rounds::RoundError>,
) -> anyhow::Result<T> {
    Ok(match out {
        Some(path) => {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let cannot = || format!("cannot create {}", path.display());
            let file = tempfile::NamedTempFile::new_in(folder).with_context(cannot)?;
            let mut writer = std::io::BufWriter::new(file);
            let written = export(&mut writer)?;
            let file = writer
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(cannot)?;
            file.persist(path).with_context(cannot)?;
            written
        }
        None => export(&mut std::io::stdout().lock())?,
    })
}

pub fn print_summary(summary: &RoundSummary) {
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
