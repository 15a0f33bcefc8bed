//! Home-visit routes of a round: the stored roster, teams and door outcomes in; routes from
//! the planning core; the routes back to the store. The solver runs outside any
//! transaction (it may take many seconds, and SQLite has one writer); the write checks that
//! no outcome was recorded meanwhile, and plans again if one was.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::Serialize;

use super::RoundError;
use crate::config::Config;
use crate::domain::{Coordinates, District, Outcome, TimeOfDay};
use crate::plan::routing::Params;
use crate::plan::visits::{
    self, HomeVisit, TeamNow, VisitPlan, VisitProblem, VisitRules, VisitTeam,
};
use crate::store::rounds::RoundRow;
use crate::store::routes::{self, RouteRows, StopRow, TeamRouteRow, UnvisitedRow};
use crate::store::tubes;
use crate::store::{Db, DbConnection};

#[derive(Debug, Clone, Copy, Default)]
pub struct RouteOptions {
    /// Re-plan as of this time of day: nothing is planned before it.
    pub at: Option<TimeOfDay>,
    /// Solver time (default: visits.solver_seconds, or visits.replan_seconds with `at`).
    pub seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteSummary {
    /// Residents who need a home visit and have not had a final outcome.
    pub to_visit: usize,
    pub planned: usize,
    pub already_done: usize,
    /// Reason (`window_outside_shifts`, `too_far`, `not_enough_kits`, `no_time_left`) →
    /// residents.
    pub unvisited: BTreeMap<crate::plan::visits::Unvisited, usize>,
    pub teams_out: usize,
    pub teams: usize,
    pub travel_hours: f64,
    pub longest_day_hours: f64,
    pub promises_broken: usize,
    pub solver_seconds: f64,
    pub iterations: u64,
}

/// Plans (or re-plans) the round's home visits and stores the routes.
pub fn plan_routes(
    db: &Db,
    config: &Config,
    district: &District,
    round: &RoundRow,
    options: RouteOptions,
) -> Result<RouteSummary, RoundError> {
    let seconds = options.seconds.unwrap_or(if options.at.is_some() {
        config.visits.replan_seconds
    } else {
        config.visits.solver_seconds
    });
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err(RoundError::BadOption(
            "--route-seconds must be above 0 and at most 3600".into(),
        ));
    }
    let params = Params {
        seed: config.visits.seed,
        time_limit: Duration::from_secs_f64(seconds),
        patience: Some(config.visits.solver_patience),
        threads: config.visits.solver_threads,
        ..Params::default()
    };
    let mut conn = db.conn()?;
    // Outcomes recorded while the solver ran make its plan stale: plan again.
    for _ in 0..3 {
        let day = load_day(&mut conn, config, district, round, options.at)?;
        let started = Instant::now();
        let plan = visits::plan(&day.problem, &params, Some(&day.previous));
        let solver_seconds = started.elapsed().as_secs_f64();
        let rows = route_rows(round, &day, &plan);
        let stored = crate::store::write_transaction(&mut conn, |conn| {
            if routes::outcomes(conn, round)?.len() != day.outcomes_seen {
                return Ok(false);
            }
            routes::replace_routes(conn, round, &rows)?;
            Ok::<_, diesel::result::Error>(true)
        })?;
        if stored {
            crate::store::districts::analyze(
                &mut conn,
                crate::store::districts::Bulk::RouteStops,
                round.district_id,
            )?;
            let mut unvisited = BTreeMap::new();
            for (_, reason) in &plan.unvisited {
                *unvisited.entry(*reason).or_default() += 1;
            }
            return Ok(RouteSummary {
                to_visit: day.problem.visits.len(),
                planned: plan.visited(),
                already_done: day.done.len(),
                unvisited,
                teams_out: plan.routes.iter().filter(|r| !r.stops.is_empty()).count(),
                teams: plan.routes.len(),
                travel_hours: plan.travel_seconds() as f64 / 3600.0,
                longest_day_hours: plan.longest_day_seconds() as f64 / 3600.0,
                promises_broken: plan.promises_broken.len(),
                solver_seconds,
                iterations: plan.iterations,
            });
        }
    }
    Err(RoundError::BadOption(
        "outcomes keep arriving while the routes are planned; try again".into(),
    ))
}

#[derive(Debug, Clone, Serialize)]
pub struct VrplibExport {
    /// Home visits written (residents some team can reach).
    pub visits: usize,
    pub teams: usize,
    /// Residents who need a visit that no team can reach, left out of the file.
    pub unreachable: usize,
}

/// Writes the round's home-visit problem as the planner would solve it now — the same
/// travel times, windows, service times, shifts, kits and prizes — as VRPLIB, for running
/// other solvers on it (`plan::routing::vrplib`). It holds no resident codes or places:
/// visits are numbered, travel is in seconds.
pub fn export_vrplib(
    db: &Db,
    config: &Config,
    district: &District,
    date: NaiveDate,
    out: &mut dyn std::io::Write,
) -> Result<VrplibExport, RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    let day = load_day(&mut conn, config, district, &round, None)?;
    let (problem, visits, unreachable) = visits::routing_problem(&day.problem);
    let name = format!("sweep-{}-{date}", district.code);
    let comment = format!(
        "home visits of district {} on {date}: times in seconds after local midnight, \
         edge weights in seconds of travel; {} residents no team can reach left out",
        district.code,
        unreachable.len()
    );
    crate::plan::routing::vrplib::write(&problem, &name, &comment, out).map_err(|e| match e {
        crate::plan::routing::vrplib::WriteError::Io(e) => RoundError::Io(e),
        e => RoundError::BadOption(e.to_string()),
    })?;
    out.flush()?;
    Ok(VrplibExport {
        visits: visits.len(),
        teams: problem.vehicles.len(),
        unreachable: unreachable.len(),
    })
}

/// The day as the planner sees it, and how to map its answer back to stored rows.
struct Day {
    problem: VisitProblem,
    previous: Vec<Vec<usize>>,
    residents: Vec<i64>,
    team_ids: Vec<i64>,
    /// Stops already made (final outcome), kept in the stored routes.
    done: Vec<StopRow>,
    outcomes_seen: usize,
}

fn load_day(
    conn: &mut DbConnection,
    config: &Config,
    district: &District,
    round: &RoundRow,
    at: Option<TimeOfDay>,
) -> Result<Day, RoundError> {
    let teams = crate::store::teams::all_teams(conn, district.id)?;
    let visitors = crate::store::teams::home_visitors(conn, district.id)?;
    let stored = routes::stops(conn, round)?;
    let outcomes = routes::outcomes(conn, round)?;
    // Residents whose pool was positive (or whose tube was invalid) are visited again,
    // whatever their door said before: the positive ones first of all.
    let retests = tubes::retests_needed(conn, round)?;
    let local_seconds = |t: NaiveDateTime| seconds_of_round_day(district, round.date, t);
    let at_seconds = at.map(|t| i64::from(t.minutes()) * 60);

    let location: HashMap<i64, Coordinates> = visitors
        .iter()
        .map(|v| (v.id, coordinates(v.lat, v.lon)))
        .collect();
    let mut last_outcome: HashMap<i64, (Outcome, i64)> = HashMap::new();
    // Per team: the door it was last at, when, and the kits it used.
    let mut last_door: HashMap<i64, (Option<Coordinates>, i64, u32)> = HashMap::new();
    for o in &outcomes {
        let t = local_seconds(o.recorded_at);
        last_outcome.insert(o.resident_id, (o.outcome, t));
        let door = last_door.entry(o.team_id).or_insert((None, t, 0));
        door.0 = location.get(&o.resident_id).copied().or(door.0);
        door.1 = door.1.max(t);
        door.2 += u32::from(o.outcome == Outcome::Sampled);
    }
    let is_done = |resident: i64| {
        !retests.contains_key(&resident)
            && last_outcome
                .get(&resident)
                .is_some_and(|(o, _)| o.is_final())
    };

    let promised: HashMap<i64, i64> = if round.is_published() {
        stored
            .iter()
            .map(|s| (s.resident_id, i64::from(s.starts_s)))
            .collect()
    } else {
        HashMap::new()
    };
    let knock_again = (config.visits.knock_again_minutes * 60.0).round() as i64;
    let mut residents = Vec::new();
    let mut visit_index = HashMap::new();
    let mut home_visits = Vec::new();
    for v in visitors.iter().filter(|v| !is_done(v.id)) {
        let not_home_at = last_outcome
            .get(&v.id)
            .filter(|(o, _)| *o == Outcome::NotHome)
            .map(|(_, t)| *t);
        let window = match (v.available_from_min, v.available_to_min) {
            (None, None) => None,
            (from, to) => Some((
                i64::from(from.unwrap_or(0)) * 60,
                i64::from(to.unwrap_or(24 * 60)) * 60,
            )),
        };
        visit_index.insert(v.id, home_visits.len());
        residents.push(v.id);
        home_visits.push(HomeVisit {
            resident: v.id,
            location: coordinates(v.lat, v.lon),
            floor: v.floor,
            has_elevator: v.has_elevator,
            window,
            urgent: retests.get(&v.id).is_some_and(|r| r.is_urgent()),
            not_before: not_home_at.map(|t| t + knock_again),
            // A knock that found nobody voids the time the resident was told.
            promised: promised
                .get(&v.id)
                .copied()
                .filter(|_| not_home_at.is_none()),
        });
    }
    let mut previous = vec![Vec::new(); teams.len()];
    let team_index: HashMap<i64, usize> =
        teams.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    for s in &stored {
        if let (Some(&t), Some(&i)) = (team_index.get(&s.team_id), visit_index.get(&s.resident_id))
        {
            previous[t].push(i);
        }
    }
    let done = stored
        .iter()
        .copied()
        .filter(|s| is_done(s.resident_id))
        .collect();
    let problem = VisitProblem {
        teams: teams
            .iter()
            .map(|t| {
                let base = coordinates(t.start_lat, t.start_lon);
                let mut now = last_door
                    .get(&t.id)
                    .map(|&(place, free_from, visits_made)| TeamNow {
                        location: place.unwrap_or(base),
                        free_from,
                        visits_made,
                    });
                if let Some(at) = at_seconds {
                    let n = now.get_or_insert(TeamNow {
                        location: base,
                        free_from: at,
                        visits_made: 0,
                    });
                    n.free_from = n.free_from.max(at);
                }
                VisitTeam {
                    base,
                    shift_start: i64::from(t.shift_start_min) * 60,
                    shift_end: i64::from(t.shift_end_min) * 60,
                    speed_kmh: t.speed_kmh,
                    max_visits: t.max_visits.max(0) as u32,
                    now,
                }
            })
            .collect(),
        visits: home_visits,
        rules: VisitRules {
            service_minutes: config.visits.service_minutes,
            stair_minutes_per_floor: config.visits.stair_minutes_per_floor,
            detour_factor: config.visits.detour_factor,
            balance_weight: config.visits.balance_weight,
            eta_tolerance_minutes: config.visits.eta_tolerance_minutes,
        },
    };
    Ok(Day {
        problem,
        previous,
        residents,
        team_ids: teams.iter().map(|t| t.id).collect(),
        done,
        outcomes_seen: outcomes.len(),
    })
}

/// Seconds after local midnight of the round's date (negative before it, above 86,400
/// after it) of a UTC timestamp.
fn seconds_of_round_day(district: &District, date: NaiveDate, utc: NaiveDateTime) -> i64 {
    let local = district.timezone.from_utc_datetime(&utc).naive_local();
    (local - date.and_hms_opt(0, 0, 0).expect("midnight exists")).num_seconds()
}

fn coordinates(lat: f64, lon: f64) -> Coordinates {
    Coordinates::new(lat, lon).expect("stored coordinates were checked on import")
}

fn route_rows(round: &RoundRow, day: &Day, plan: &VisitPlan) -> RouteRows {
    let clamp = |t: i64| t.clamp(0, 2 * 86_400) as i32;
    let mut stops = day.done.clone();
    let mut teams = Vec::new();
    for (t, route) in plan.routes.iter().enumerate() {
        let team_id = day.team_ids[t];
        let made = day
            .done
            .iter()
            .filter(|s| s.team_id == team_id)
            .map(|s| s.seq)
            .max()
            .unwrap_or(0);
        for (k, stop) in route.stops.iter().enumerate() {
            stops.push(StopRow {
                district_id: round.district_id,
                round_id: round.id,
                resident_id: day.residents[stop.visit],
                team_id,
                seq: made + k as i32 + 1,
                arrives_s: clamp(stop.arrive),
                starts_s: clamp(stop.start),
                ends_s: clamp(stop.end),
            });
        }
        if !route.stops.is_empty() {
            teams.push(TeamRouteRow {
                round_id: round.id,
                team_id,
                visits: route.stops.len() as i32,
                leaves_s: clamp(route.leaves),
                returns_s: clamp(route.returns),
                distance_metres: route.distance_metres,
                travel_seconds: route.travel_seconds,
            });
        }
    }
    let unvisited = plan
        .unvisited
        .iter()
        .map(|&(i, reason)| UnvisitedRow {
            round_id: round.id,
            resident_id: day.residents[i],
            reason: reason.describe(),
        })
        .collect();
    RouteRows {
        teams,
        stops,
        unvisited,
    }
}

/// One stop of a team's route, with what happened at the door so far.
#[derive(Debug, Clone)]
pub struct Stop {
    pub at: routes::TeamStop,
    /// The latest outcome at this door this round.
    pub outcome: Option<Outcome>,
    /// The resident's whole phone number: only in a team's own route.
    pub phone: Option<String>,
}

/// A team's stops in visiting order.
#[derive(Debug, Clone)]
pub struct TeamRoute {
    pub team: String,
    pub date: NaiveDate,
    pub stops: Vec<Stop>,
}

/// A team's own route on `date`, with each resident's number to call.
pub fn team_route(
    db: &Db,
    district: &District,
    date: NaiveDate,
    team_id: i64,
    team: String,
) -> Result<TeamRoute, RoundError> {
    let mut conn = db.conn()?;
    let key = db.personal_data_key(&mut conn)?;
    let stops = routes::team_stops(&mut conn, district.id, date, team_id)?;
    if stops.is_empty() {
        // A team without stops is told so only if there is a round that day.
        super::round_on(&mut conn, district, date)?;
    }
    Ok(route_of(date, team, stops, Some(&key)))
}

/// Every team's route on `date`, for the office (numbers masked); teams without stops
/// are left out.
pub fn all_routes(
    db: &Db,
    district: &District,
    date: NaiveDate,
) -> Result<Vec<TeamRoute>, RoundError> {
    let mut conn = db.conn()?;
    super::round_on(&mut conn, district, date)?;
    let mut all = Vec::new();
    for team in crate::store::teams::all_teams(&mut conn, district.id)? {
        let stops = routes::team_stops(&mut conn, district.id, date, team.id)?;
        if !stops.is_empty() {
            all.push(route_of(date, team.code, stops, None));
        }
    }
    Ok(all)
}

/// A team's route from its stops; with `phones`, each resident's whole number opened.
fn route_of(
    date: NaiveDate,
    team: String,
    stops: Vec<(routes::TeamStop, Option<Outcome>)>,
    phones: Option<&crate::domain::PersonalDataKey>,
) -> TeamRoute {
    let stops = stops
        .into_iter()
        .map(|(at, outcome)| Stop {
            outcome,
            phone: phones
                .zip(at.phone_sealed.as_deref())
                .and_then(|(key, sealed)| key.open_phone(sealed)),
            at,
        })
        .collect();
    TeamRoute { team, date, stops }
}
