//! Slot planning core on a demo district: time, peak memory and walking distance against
//! the transportation bound (computed by the plan itself, and timed apart here) and the
//! weaker nearest-site bound.
//!
//!     cargo bench --bench slots -- [RESIDENTS] [RUNS] [CAPACITY_USE]
//!
//! (defaults: 1000000 3, sites with room to spare; CAPACITY_USE 0.8 sizes the sites so the
//! walkers fill 80% of their day, as `sweep demo --capacity-use` does).
//!
//! The transportation bound sends walkers to sites within each site's capacity for the day,
//! buildings split at will; the nearest-site bound gives every resident the nearest open
//! site, ignoring capacity too. No plan can walk less than either.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use sweep::domain::{Coordinates, TimeOfDay};
use sweep::plan::queue::QueueModel;
use sweep::plan::slots::{plan, SlotBuilding, SlotProblem, SlotRules, SlotSite};
use sweep::plan::travel::street_metres;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let residents: u32 = args
        .first()
        .map_or(1_000_000, |a| a.parse().expect("RESIDENTS"));
    let runs: usize = args.get(1).map_or(3, |a| a.parse().expect("RUNS"));
    let capacity_use: Option<f64> = args.get(2).map(|a| a.parse().expect("CAPACITY_USE"));
    let dir = tempfile::tempdir().expect("temporary folder");
    sweep::demo::write_district(
        dir.path(),
        sweep::demo::DemoSpec {
            residents,
            seed: 1,
            capacity_use,
            ..Default::default()
        },
    )
    .expect("demo district");
    let problem = load(dir.path());
    let walkers: usize = problem
        .buildings
        .iter()
        .flat_map(|b| &b.households)
        .map(Vec::len)
        .sum();

    let mut seconds = Vec::new();
    let mut result = None;
    for _ in 0..runs {
        let started = Instant::now();
        let planned = plan(&problem);
        seconds.push(started.elapsed().as_secs_f64());
        result = Some(planned);
    }
    seconds.sort_by(f64::total_cmp);
    let planned = result.expect("at least one run");
    // The transportation bound alone, as the plan computes it (distances included).
    let started = Instant::now();
    let transport = sweep::plan::slots::bound(&problem);
    let bound_seconds = started.elapsed().as_secs_f64();
    assert_eq!(transport, planned.bound);
    let nearest_bound: f64 = problem
        .buildings
        .iter()
        .map(|b| {
            let people = b.households.iter().map(Vec::len).sum::<usize>() as f64;
            let nearest = problem
                .sites
                .iter()
                .filter(|s| s.lanes > 0)
                .map(|s| street_metres(b.location, s.location, problem.rules.detour_factor))
                .fold(f64::INFINITY, f64::min);
            people * nearest
        })
        .sum();
    println!(
        "residents walking to a site: {walkers}, buildings: {}, sites: {}",
        problem.buildings.len(),
        problem.sites.len()
    );
    println!(
        "placed: {}, unplaced: {}; the walkers fill {:.1}% of the sites' capacity",
        planned.placements.len(),
        planned.unplaced.len(),
        100.0 * walkers as f64
            / planned
                .slots
                .iter()
                .flatten()
                .map(|s| u64::from(s.capacity))
                .sum::<u64>() as f64
    );
    println!(
        "plan seconds, median of {runs}: {:.3} (all: {seconds:.3?})",
        seconds[seconds.len() / 2]
    );
    println!("peak memory of the process: {} MB", peak_rss_mb());
    println!(
        "buildings the plan splits between sites: {}",
        planned.split_buildings.len()
    );
    let spread = sweep::plan::slots::spread(&problem, &planned);
    println!(
        "buildings within one slot of their fewest: {} of {} ({:.1}%)",
        spread.tight,
        spread.buildings,
        100.0 * spread.tight as f64 / spread.buildings.max(1) as f64
    );
    println!(
        "walking: {:.0} km; transportation bound {:.0} km for {} walkers ({:.3} s, {} buildings split), {:.2}% above; nearest-site bound {:.0} km, {:.2}% above",
        planned.walking_metres / 1000.0,
        planned.bound.metres / 1000.0,
        planned.bound.placed,
        bound_seconds,
        planned.bound.split_buildings,
        (planned.walking_metres / planned.bound.metres - 1.0) * 100.0,
        nearest_bound / 1000.0,
        (planned.walking_metres / nearest_bound - 1.0) * 100.0
    );
}

fn time(text: &str) -> TimeOfDay {
    TimeOfDay::parse(text).expect("demo times are valid")
}

fn coordinates(lat: &str, lon: &str) -> Coordinates {
    Coordinates::new(lat.parse().unwrap(), lon.parse().unwrap()).unwrap()
}

/// The demo district's walkers as the planner sees them; the same rules as config/default.toml.
fn load(dir: &Path) -> SlotProblem {
    let mut index = HashMap::new();
    let mut buildings = Vec::new();
    for row in csv::Reader::from_path(dir.join("buildings.csv"))
        .unwrap()
        .records()
    {
        let row = row.unwrap();
        index.insert(row[0].to_string(), buildings.len());
        buildings.push(SlotBuilding {
            location: coordinates(&row[3], &row[4]),
            households: Vec::new(),
        });
    }
    let mut households: HashMap<String, (usize, Vec<i64>)> = HashMap::new();
    for (i, row) in csv::Reader::from_path(dir.join("residents.csv"))
        .unwrap()
        .records()
        .enumerate()
    {
        let row = row.unwrap();
        let home_visit = &row[10] == "bedridden" || &row[11] == "yes";
        if !home_visit {
            let entry = households
                .entry(row[8].to_string())
                .or_insert((index[&row[4]], Vec::new()));
            entry.1.push(i as i64);
        }
    }
    let mut households: Vec<_> = households.into_iter().collect();
    households.sort();
    for (_, (b, members)) in households {
        buildings[b].households.push(members);
    }
    let sites = csv::Reader::from_path(dir.join("sites.csv"))
        .unwrap()
        .records()
        .map(|row| {
            let row = row.unwrap();
            SlotSite {
                location: coordinates(&row[2], &row[3]),
                lanes: row[4].parse().unwrap(),
                per_lane_per_hour: row[5].parse().unwrap(),
                opens_at: time(&row[6]),
                closes_at: time(&row[7]),
                queue_capacity: row[8].parse().unwrap(),
            }
        })
        .collect();
    SlotProblem {
        sites,
        buildings,
        rules: SlotRules {
            window_start: time("07:00"),
            window_end: time("21:00"),
            slot_minutes: 30,
            utilisation: 0.85,
            detour_factor: 1.3,
            queue: QueueModel {
                no_show_rate: 0.05,
                service_cv: 0.5,
                max_p90_wait_minutes: 15.0,
            },
        },
        published: HashMap::new(),
    }
}

fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
