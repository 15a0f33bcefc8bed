//! Planning a testing round: the roster from the store, a plan from the core, the plan
//! back to the store — in one transaction, so a plan is stored whole or not at all.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::visits::{self, RouteOptions, RouteSummary};
use super::RoundError;
use crate::config::Config;
use crate::domain::{Coordinates, District, RoundStatus, TimeOfDay};
use crate::plan::queue::QueueModel;
use crate::plan::slots::{self, SlotBuilding, SlotProblem, SlotRules, SlotSite};
use crate::store::rounds::{self, NewRound, RoundRow};
use crate::store::slots::{AssignmentRow, LoadRow, MoveRow, SlotPlanRows, UnplacedRow};
use crate::store::{Db, DbConnection};

/// What `sweep plan` may set; the rest comes from the stored round or the configuration.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    pub date: NaiveDate,
    /// The round's window; default: from the earliest opening to the latest closing site.
    pub window: Option<(TimeOfDay, TimeOfDay)>,
    pub slot_minutes: Option<u32>,
    /// Home visits: re-plan as of this time, and the solver's time.
    pub routes: RouteOptions,
}

impl PlanOptions {
    /// Everything else from the stored round or the configuration.
    pub fn on(date: NaiveDate) -> PlanOptions {
        PlanOptions {
            date,
            window: None,
            slot_minutes: None,
            routes: RouteOptions::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Shortfall {
    pub site: String,
    pub people: u32,
    pub extra_lanes: u32,
    pub open_until: Option<TimeOfDay>,
    /// In the office's words.
    pub advice: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundSummary {
    pub date: NaiveDate,
    pub status: RoundStatus,
    pub slots: SlotSummary,
    pub home_visits: RouteSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlotSummary {
    pub window: String,
    pub slot_minutes: u32,
    pub walkers: usize,
    pub placed: usize,
    pub unplaced: usize,
    pub moved: usize,
    pub walking_km: f64,
    /// The least walking any plan could have, walkers split between sites at will and each
    /// site taking its day's capacity (the transportation bound).
    pub bound_km: f64,
    /// Walkers the bound places (fewer than `walkers` when the sites cannot take them all).
    pub bound_placed: u64,
    /// `walking_km / bound_km − 1` when the plan places as many as the bound; otherwise none
    /// (the two walk different numbers of people).
    pub gap: Option<f64>,
    pub max_p90_wait_minutes: f64,
    pub shortfalls: Vec<Shortfall>,
    /// Buildings whose walkers the plan sends to more than one site (by code): no one site
    /// had consecutive room for the whole building.
    pub split_buildings: Vec<String>,
}

/// Parses `HH:MM-HH:MM`.
pub fn parse_window(text: &str) -> Result<(TimeOfDay, TimeOfDay), String> {
    let (from, to) = text
        .split_once('-')
        .ok_or_else(|| format!("'{text}' is not a window HH:MM-HH:MM"))?;
    let (from, to) = (
        TimeOfDay::parse(from).map_err(|e| e.to_string())?,
        TimeOfDay::parse(to).map_err(|e| e.to_string())?,
    );
    if from >= to {
        return Err(format!("the window {text} ends before it starts"));
    }
    Ok((from, to))
}

/// Plans (or re-plans) the round on `options.date` and stores the plan: slots for those who
/// walk to a site, then routes for the home visits. A published round keeps every notified
/// resident's slot that still fits (the others are reported as moved) and told visit times
/// within the tolerance where feasible. One plan of a round at a time: a second one asked
/// for while the first runs is refused, not queued behind it to redo the same work.
pub fn plan_round(
    db: &Db,
    config: &Config,
    district: &District,
    options: PlanOptions,
) -> Result<RoundSummary, RoundError> {
    within_window(config, district, options.date)?;
    let planning = planning(db, district, options.date)?;
    plan_round_while(&planning, db, config, district, options)
}

/// Refuses a date too far from the district's today to be a round anyone means to plan.
pub fn within_window(
    config: &Config,
    district: &District,
    date: NaiveDate,
) -> Result<(), RoundError> {
    let today = district.today();
    let days = config.district.plan_window_days;
    if (date - today).num_days().unsigned_abs() > u64::from(days) {
        return Err(RoundError::DateOutOfRange { date, today, days });
    }
    Ok(())
}

/// The right to plan the district's round on `date`, held until dropped; refused while
/// another holds it.
pub fn planning(db: &Db, district: &District, date: NaiveDate) -> Result<Planning, RoundError> {
    let lock = db
        .try_lock(&format!("plan {} {date}", district.id))?
        .ok_or(RoundError::PlanInProgress(date))?;
    Ok(Planning {
        _lock: lock,
        district_id: district.id,
        date,
    })
}

/// Held by whoever plans a round, for work that changes the round before planning it
/// (closing lanes) and must not be half-done when the plan is refused.
pub struct Planning {
    _lock: crate::store::Lock,
    district_id: i64,
    date: NaiveDate,
}

/// [`plan_round`] for a caller who holds the round's [`Planning`].
pub fn plan_round_while(
    planning: &Planning,
    db: &Db,
    config: &Config,
    district: &District,
    options: PlanOptions,
) -> Result<RoundSummary, RoundError> {
    assert_eq!(
        (planning.district_id, planning.date),
        (district.id, options.date),
        "planning held for another round"
    );
    let started = std::time::Instant::now();
    let (round, slots) = plan_slots(db, config, district, &options)?;
    crate::store::districts::analyze(
        &mut *db.conn()?,
        crate::store::districts::Bulk::SlotAssignments,
        district.id,
    )?;
    crate::metrics::get().planned("slots", started.elapsed());
    let started = std::time::Instant::now();
    let home_visits = visits::plan_routes(db, config, district, &round, options.routes)?;
    crate::metrics::get().planned("routes", started.elapsed());
    Ok(RoundSummary {
        date: round.date,
        status: round.status,
        slots,
        home_visits,
    })
}

/// The slot half of a round's plan, in one transaction.
fn plan_slots(
    db: &Db,
    config: &Config,
    district: &District,
    options: &PlanOptions,
) -> Result<(RoundRow, SlotSummary), RoundError> {
    let mut conn = db.conn()?;
    crate::store::write_transaction(&mut conn, |conn| {
        let sites = crate::store::sites::all_sites(conn, district.id)?;
        if sites.is_empty() {
            return Err(RoundError::NoSites);
        }
        let round = ensure_round(conn, config, district, options, &sites)?;
        // The round first, as a move takes it: a move waits for the new plan, not the
        // other way round, and the two never lock each other's rows in turn.
        rounds::lock_round(conn, round.id)?;
        let (problem, building_codes) = load_problem(conn, config, &round, &sites)?;
        let plan = slots::plan(&problem);
        crate::store::slots::replace_slot_plan(
            conn,
            &round,
            &plan_rows(&round, &problem, &plan, &sites),
        )?;
        rounds::record_walking(
            conn,
            round.id,
            plan.placements.len() as i64,
            plan.walking_metres,
            plan.bound.metres,
            plan.bound.placed as i64,
        )?;

        let walkers = problem
            .buildings
            .iter()
            .flat_map(|b| &b.households)
            .map(Vec::len)
            .sum();
        let max_p90_wait_minutes = plan
            .slots
            .iter()
            .flatten()
            .map(|s| s.prediction.p90_wait_minutes)
            .fold(0.0, f64::max);
        let shortfalls = plan
            .shortfalls
            .iter()
            .map(|s| {
                let site = &sites[s.site].code;
                let lanes = if s.extra_lanes == 1 { "1 more lane".to_string() } else { format!("{} more lanes", s.extra_lanes) };
                let advice = match s.open_until {
                    Some(until) => format!("site {site} needs {lanes}, or to stay open until {until} ({} residents have no slot)", s.people),
                    None => format!("site {site} needs {lanes} ({} residents have no slot)", s.people),
                };
                Shortfall {
                    site: site.clone(),
                    people: s.people,
                    extra_lanes: s.extra_lanes,
                    open_until: s.open_until,
                    advice,
                }
            })
            .collect();
        let summary = SlotSummary {
            window: format!(
                "{}-{}",
                problem.rules.window_start, problem.rules.window_end
            ),
            slot_minutes: problem.rules.slot_minutes,
            walkers,
            placed: plan.placements.len(),
            unplaced: plan.unplaced.len(),
            moved: plan.moved.len(),
            walking_km: plan.walking_metres / 1000.0,
            bound_km: plan.bound.metres / 1000.0,
            bound_placed: plan.bound.placed,
            gap: (plan.placements.len() as u64 == plan.bound.placed && plan.bound.metres > 0.0)
                .then(|| plan.walking_metres / plan.bound.metres - 1.0),
            max_p90_wait_minutes,
            shortfalls,
            split_buildings: plan
                .split_buildings
                .iter()
                .map(|&b| building_codes[b].clone())
                .collect(),
        };
        Ok((round, summary))
    })
}

/// Marks the round's plan as told to residents: from now on re-plans keep their slots.
pub fn publish_round(db: &Db, district: &District, date: NaiveDate) -> Result<(), RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    rounds::publish_round(&mut conn, round.id, chrono::Utc::now().naive_utc())?;
    Ok(())
}

fn ensure_round(
    conn: &mut DbConnection,
    config: &Config,
    district: &District,
    options: &PlanOptions,
    sites: &[crate::store::sites::StoredSite],
) -> Result<RoundRow, RoundError> {
    let slot_minutes = options.slot_minutes.unwrap_or(config.slots.minutes);
    if !(5..=24 * 60).contains(&slot_minutes) {
        return Err(RoundError::BadOption(
            "--slot-minutes must be between 5 and 1440".into(),
        ));
    }
    let round = match rounds::round_on(conn, district.id, options.date)? {
        Some(round) if round.recall_households != config.recall.include_household => {
            rounds::set_recall_households(conn, round.id, config.recall.include_household)?;
            rounds::round_on(conn, district.id, options.date)?
        }
        other => other,
    };
    match round {
        Some(round) if options.window.is_none() && options.slot_minutes.is_none() => Ok(round),
        Some(round) => {
            let (start, end) = options
                .window
                .map_or((round.starts_min, round.ends_min), |(a, b)| {
                    (a.minutes(), b.minutes())
                });
            rounds::update_round_times(conn, round.id, start, end, slot_minutes as i32)?;
            Ok(rounds::round_on(conn, district.id, options.date)?
                .expect("the round was just updated"))
        }
        None => {
            let (start, end) = match options.window {
                Some((a, b)) => (a.minutes(), b.minutes()),
                None => (
                    sites
                        .iter()
                        .map(|s| s.opens_min)
                        .min()
                        .expect("sites are not empty"),
                    sites
                        .iter()
                        .map(|s| s.closes_min)
                        .max()
                        .expect("sites are not empty"),
                ),
            };
            Ok(rounds::create_round(
                conn,
                NewRound {
                    district_id: district.id,
                    date: options.date,
                    starts_min: start,
                    ends_min: end,
                    slot_minutes: slot_minutes as i32,
                    status: RoundStatus::Draft,
                    created_at: chrono::Utc::now().naive_utc(),
                    recall_households: config.recall.include_household,
                },
            )?)
        }
    }
}

pub(super) fn coordinates(lat: f64, lon: f64) -> Coordinates {
    Coordinates::new(lat, lon).expect("stored coordinates were checked on import")
}

/// The queue model of `slots.*`, as the plan and every later prediction use it.
pub(super) fn queue_model(config: &Config) -> QueueModel {
    QueueModel {
        no_show_rate: config.slots.no_show_rate,
        service_cv: config.slots.service_time_cv,
        max_p90_wait_minutes: config.slots.max_p90_wait_minutes,
    }
}

/// A site's lanes open in the round: its lanes less those the office closed.
pub(super) fn open_lanes(
    site: &crate::store::sites::StoredSite,
    closed: &HashMap<i64, i32>,
) -> u32 {
    (site.lanes - closed.get(&site.id).copied().unwrap_or(0)).max(0) as u32
}

fn time(minutes: i32) -> TimeOfDay {
    TimeOfDay::from_minutes(minutes).expect("stored times were checked on import")
}

/// The planner's view of the stored roster, and the buildings' codes by the planner's
/// building numbers. Indexes into `sites` are the planner's site numbers.
fn load_problem(
    conn: &mut DbConnection,
    config: &Config,
    round: &RoundRow,
    sites: &[crate::store::sites::StoredSite],
) -> Result<(SlotProblem, Vec<String>), RoundError> {
    let site_index: HashMap<i64, usize> =
        sites.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let closed = crate::store::sites::lane_closures(conn, round.id)?;
    let mut building_index = HashMap::new();
    let mut buildings = Vec::new();
    let mut codes = Vec::new();
    for (id, code, lat, lon) in
        crate::store::buildings::building_locations(conn, round.district_id)?
    {
        building_index.insert(id, buildings.len());
        codes.push(code);
        buildings.push(SlotBuilding {
            location: coordinates(lat, lon),
            households: Vec::new(),
        });
    }
    let mut current: Option<(i64, String)> = None;
    for (resident, building, household) in
        crate::store::residents::walkers(conn, round.district_id)?
    {
        let b = building_index[&building];
        let same = current
            .as_ref()
            .is_some_and(|(cb, ch)| *cb == building && *ch == household);
        if !same {
            buildings[b].households.push(Vec::new());
            current = Some((building, household));
        }
        buildings[b]
            .households
            .last_mut()
            .expect("just pushed")
            .push(resident);
    }
    let published = if round.is_published() {
        crate::store::slots::assignments(conn, round)?
            .into_iter()
            .filter_map(|a| {
                Some((
                    a.resident_id,
                    (*site_index.get(&a.site_id)?, time(a.starts_min)),
                ))
            })
            .collect()
    } else {
        HashMap::new()
    };
    Ok((
        SlotProblem {
            sites: sites
                .iter()
                .map(|s| SlotSite {
                    location: coordinates(s.lat, s.lon),
                    lanes: open_lanes(s, &closed),
                    per_lane_per_hour: s.per_lane_per_hour as u32,
                    opens_at: time(s.opens_min),
                    closes_at: time(s.closes_min),
                    queue_capacity: s.queue_capacity as u32,
                })
                .collect(),
            buildings,
            rules: SlotRules {
                window_start: time(round.starts_min),
                window_end: time(round.ends_min),
                slot_minutes: round.slot_minutes as u32,
                utilisation: config.slots.utilisation_target,
                detour_factor: config.visits.detour_factor,
                queue: queue_model(config),
            },
            published,
        },
        codes,
    ))
}

fn plan_rows(
    round: &RoundRow,
    problem: &SlotProblem,
    plan: &slots::SlotPlan,
    sites: &[crate::store::sites::StoredSite],
) -> SlotPlanRows {
    let rules = &problem.rules;
    let bounds = |slot: usize| rules.slot_bounds(slot);
    let now = chrono::Utc::now().naive_utc();
    let mut assignments: Vec<AssignmentRow> = plan
        .placements
        .iter()
        .map(|(&resident_id, p)| {
            let (starts_min, ends_min) = bounds(p.slot);
            AssignmentRow {
                district_id: round.district_id,
                round_id: round.id,
                resident_id,
                site_id: sites[p.site].id,
                starts_min,
                ends_min,
            }
        })
        .collect();
    assignments.sort_by_key(|a| a.resident_id);
    let loads = plan
        .slots
        .iter()
        .enumerate()
        .flat_map(|(s, slots)| {
            slots
                .iter()
                .enumerate()
                .filter(|(_, slot)| slot.capacity > 0)
                .map(move |(k, slot)| {
                    let (starts_min, ends_min) = bounds(k);
                    LoadRow {
                        round_id: round.id,
                        site_id: sites[s].id,
                        starts_min,
                        ends_min,
                        planned: slot.planned as i32,
                        capacity: slot.capacity as i32,
                        utilisation: slot.prediction.utilisation,
                        mean_wait_minutes: slot.prediction.mean_wait_minutes,
                        p90_wait_minutes: slot.prediction.p90_wait_minutes,
                        mean_queue: slot.prediction.mean_queue,
                        p90_queue: slot.prediction.p90_queue,
                    }
                })
        })
        .collect();
    let unplaced = plan
        .unplaced
        .iter()
        .map(|&(resident_id, reason)| UnplacedRow {
            round_id: round.id,
            resident_id,
            reason: reason.describe(),
        })
        .collect();
    let moves = plan
        .moved
        .iter()
        .map(|m| MoveRow {
            round_id: round.id,
            resident_id: m.resident,
            from_site_id: sites[m.from_site].id,
            from_starts_min: m.from_start.minutes(),
            to_site_id: m.to.map(|p| sites[p.site].id),
            to_starts_min: m.to.map(|p| bounds(p.slot).0),
            reason: m.reason.describe(),
            moved_at: now,
        })
        .collect();
    SlotPlanRows {
        assignments,
        loads,
        unplaced,
        moves,
    }
}

/// Every round of the district by date.
pub fn all_rounds(
    conn: &mut DbConnection,
    district: &District,
) -> Result<Vec<RoundRow>, RoundError> {
    Ok(rounds::all_rounds(conn, district.id)?)
}

/// The round's plan by site and slot: people planned against capacity, and the predicted
/// queue and wait.
pub fn slot_loads(
    conn: &mut DbConnection,
    district: &District,
    date: NaiveDate,
) -> Result<Vec<(String, LoadRow)>, RoundError> {
    let round = super::round_on(conn, district, date)?;
    Ok(crate::store::slots::slot_loads(conn, round.id)?)
}
