//! Queue slots: which site and which time each resident who walks to a site is given.
//!
//! Notices go out per building ("building 12: 09:00–10:00 at site S3"), so the unit of
//! planning is the building: each building goes whole to one site — where the
//! transportation optimum sends it, repaired and improved in [`choice`] — and its
//! households fill consecutive slots there ([`seating`]). A building is split between sites
//! only when no site can be found for it whole. A household is never split. A slot is
//! never given more people than its lanes may take at the utilisation target, nor more than
//! keeps the predicted queue inside the waiting area and the p90 wait under the target
//! (see [`super::queue`]). Residents already told a slot keep it while it still fits.

use std::collections::HashMap;

use serde::Serialize;

mod choice;
mod seating;

use self::seating::{Household, Room, Seating};
use super::queue::{QueueModel, QueuePrediction, SlotLoad};
use super::transport::{self, Transport};
use super::travel::street_metres;
use crate::domain::{Coordinates, TimeOfDay};

pub use super::ResidentId;

#[derive(Debug, Clone, PartialEq)]
pub struct SlotSite {
    pub location: Coordinates,
    /// Lanes open today; 0 closes the site.
    pub lanes: u32,
    pub per_lane_per_hour: u32,
    pub opens_at: TimeOfDay,
    pub closes_at: TimeOfDay,
    /// People who can wait 1 m apart.
    pub queue_capacity: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlotBuilding {
    pub location: Coordinates,
    /// The building's households that walk to a site, each a list of residents.
    pub households: Vec<Vec<ResidentId>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlotRules {
    pub window_start: TimeOfDay,
    pub window_end: TimeOfDay,
    pub slot_minutes: u32,
    /// Share of the lanes' nominal throughput a slot may be given.
    pub utilisation: f64,
    pub detour_factor: f64,
    pub queue: QueueModel,
}

/// A site and a slot, by index: slot `k` starts `k × slot_minutes` after the window opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Placement {
    pub site: usize,
    pub slot: usize,
}

#[derive(Debug, Clone)]
pub struct SlotProblem {
    pub sites: Vec<SlotSite>,
    pub buildings: Vec<SlotBuilding>,
    pub rules: SlotRules,
    /// Slots residents have already been told: site and slot start. Kept where they fit.
    pub published: HashMap<ResidentId, (usize, TimeOfDay)>,
}

/// Why a resident has no slot, or lost a published one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The household is larger than any slot with room.
    NoRoomAnywhere,
    /// The published site no longer exists or has no lane open.
    SiteClosed,
    /// The published slot is outside the round's window or the site's hours now.
    SlotNoLongerOpen,
    /// The published slot has fewer places now than people already told it.
    SlotOverCapacity,
}

impl Reason {
    pub fn describe(self) -> &'static str {
        match self {
            Reason::NoRoomAnywhere => "no site has room for the household in any slot",
            Reason::SiteClosed => "the site is closed",
            Reason::SlotNoLongerOpen => "the slot is no longer open",
            Reason::SlotOverCapacity => "the slot has fewer places than before",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Moved {
    pub resident: ResidentId,
    pub from_site: usize,
    pub from_start: TimeOfDay,
    pub to: Option<Placement>,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SlotSummary {
    pub planned: u32,
    pub capacity: u32,
    pub prediction: QueuePrediction,
}

/// What it would take to give everyone a slot at a site whose nearby residents got none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Shortfall {
    pub site: usize,
    pub people: u32,
    pub extra_lanes: u32,
    /// Closing later instead, if that stays within the day.
    pub open_until: Option<TimeOfDay>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlotPlan {
    pub placements: HashMap<ResidentId, Placement>,
    pub unplaced: Vec<(ResidentId, Reason)>,
    pub moved: Vec<Moved>,
    /// `slots[site][slot]`.
    pub slots: Vec<Vec<SlotSummary>>,
    pub shortfalls: Vec<Shortfall>,
    /// Street metres from home to site, summed over everyone placed.
    pub walking_metres: f64,
    /// The least walking any plan could have with the sites' capacity for the day (see
    /// [`super::transport`]): what `walking_metres` is measured against.
    pub bound: Transport,
    /// Buildings whose households were placed at more than one site.
    pub split_buildings: Vec<usize>,
}

impl SlotRules {
    pub fn slot_count(&self) -> usize {
        let minutes = (self.window_end.minutes() - self.window_start.minutes()).max(0);
        (minutes as u32).div_ceil(self.slot_minutes) as usize
    }

    /// Start and end of slot `k`, in minutes after midnight (the last slot ends with the window).
    pub fn slot_bounds(&self, k: usize) -> (i32, i32) {
        let start = self.window_start.minutes() + (k as i32) * self.slot_minutes as i32;
        let end = (start + self.slot_minutes as i32).min(self.window_end.minutes());
        (start, end)
    }

    pub fn slot_start(&self, k: usize) -> TimeOfDay {
        TimeOfDay::from_minutes(self.slot_bounds(k).0).expect("slots lie inside the day")
    }

    fn slot_of(&self, start: TimeOfDay) -> Option<usize> {
        let offset = start.minutes() - self.window_start.minutes();
        let k = usize::try_from(offset / self.slot_minutes as i32).ok()?;
        (offset >= 0 && offset % self.slot_minutes as i32 == 0 && k < self.slot_count())
            .then_some(k)
    }
}

/// Minutes of slot `k` that `site` is open.
fn open_minutes(site: &SlotSite, rules: &SlotRules, k: usize) -> f64 {
    let (start, end) = rules.slot_bounds(k);
    let open = (end.min(site.closes_at.minutes()) - start.max(site.opens_at.minutes())).max(0);
    f64::from(open)
}

fn slot_load(site: &SlotSite, rules: &SlotRules, k: usize, planned: u32) -> SlotLoad {
    SlotLoad {
        planned,
        lanes: site.lanes,
        per_lane_per_hour: site.per_lane_per_hour,
        open_minutes: open_minutes(site, rules, k),
    }
}

/// How many people each slot of each site may be given.
fn capacities(sites: &[SlotSite], rules: &SlotRules) -> Vec<Vec<u32>> {
    sites
        .iter()
        .map(|site| {
            (0..rules.slot_count())
                .map(|k| {
                    let load = slot_load(site, rules, k, 0);
                    let nominal = f64::from(site.lanes)
                        * f64::from(site.per_lane_per_hour)
                        * load.open_minutes
                        / 60.0;
                    let throughput = (nominal * rules.utilisation + 1e-9).floor() as u32;
                    rules
                        .queue
                        .slot_capacity(load, throughput, site.queue_capacity)
                })
                .collect()
        })
        .collect()
}

/// Street metres from each building to each site.
fn distances(problem: &SlotProblem) -> Vec<Vec<f64>> {
    problem
        .buildings
        .iter()
        .map(|b| {
            problem
                .sites
                .iter()
                .map(|s| street_metres(b.location, s.location, problem.rules.detour_factor))
                .collect()
        })
        .collect()
}

fn walkers_by_building(problem: &SlotProblem) -> Vec<u32> {
    problem
        .buildings
        .iter()
        .map(|b| b.households.iter().map(|h| h.len() as u32).sum())
        .collect()
}

/// How closely buildings keep together in time: of the buildings placed whole at one site,
/// how many span no more than one slot above the fewest their households could fill there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Spread {
    pub buildings: usize,
    pub tight: usize,
}

pub fn spread(problem: &SlotProblem, plan: &SlotPlan) -> Spread {
    let capacity = capacities(&problem.sites, &problem.rules);
    let mut out = Spread {
        buildings: 0,
        tight: 0,
    };
    for (b, building) in problem.buildings.iter().enumerate() {
        let slots: Vec<Placement> = building
            .households
            .iter()
            .filter_map(|h| h.first().and_then(|r| plan.placements.get(r)).copied())
            .collect();
        let Some(first) = slots.first() else { continue };
        if plan.split_buildings.contains(&b) {
            continue;
        }
        let sizes = || building.households.iter().map(|h| h.len() as u32);
        let fewest = (0..capacity[first.site].len())
            .filter_map(|start| seating::span_from(&capacity[first.site], start, sizes()))
            .min()
            .unwrap_or(1);
        let (low, high) = slots.iter().fold((usize::MAX, 0), |(low, high), p| {
            (low.min(p.slot), high.max(p.slot))
        });
        out.buildings += 1;
        if high - low < fewest + 1 {
            out.tight += 1;
        }
    }
    out
}

/// The transportation bound of a problem on its own, as [`plan`] computes it (for timing
/// it apart).
pub fn bound(problem: &SlotProblem) -> Transport {
    let distance = distances(problem);
    let capacity = Room::new(&capacities(&problem.sites, &problem.rules)).site_total;
    transport::bound(&walkers_by_building(problem), &capacity, |b, s| {
        distance[b][s]
    })
}

/// Plans the slots. Deterministic: the same problem gives the same plan.
pub fn plan(problem: &SlotProblem) -> SlotPlan {
    let rules = &problem.rules;
    let sites = &problem.sites;
    let capacity = capacities(sites, rules);
    let mut room = Room::new(&capacity);
    let mut placements: HashMap<ResidentId, Placement> = HashMap::new();
    let mut moved = Vec::new();
    let mut unplaced = Vec::new();

    // Distances, and each building's sites nearest first.
    let distance = distances(problem);
    let walkers = walkers_by_building(problem);
    let bound = transport::bound(&walkers, &room.site_total, |b, s| distance[b][s]);
    let open_sites: Vec<usize> = (0..sites.len())
        .filter(|&s| room.site_total[s] > 0)
        .collect();
    let nearest: Vec<Vec<usize>> = distance
        .iter()
        .map(|d| {
            let mut order = open_sites.clone();
            order.sort_by(|&a, &b| d[a].total_cmp(&d[b]).then(a.cmp(&b)));
            order
        })
        .collect();

    // 1. Households already told a slot keep it while it fits.
    let mut pending: Vec<Vec<Household>> =
        (0..problem.buildings.len()).map(|_| Vec::new()).collect();
    let mut pinned: Vec<Option<usize>> = vec![None; problem.buildings.len()];
    for (b, building) in problem.buildings.iter().enumerate() {
        for members in &building.households {
            let household = Household {
                building: b,
                members,
            };
            let Some(&(site, start)) = members.iter().find_map(|r| problem.published.get(r)) else {
                pending[b].push(household);
                continue;
            };
            match keep_published(sites, rules, &room, site, start, household.size()) {
                Ok(at) => {
                    place(&mut room, &mut placements, at, &household);
                    pinned[b].get_or_insert(site);
                }
                Err(reason) => {
                    for &r in members {
                        if problem.published.contains_key(&r) {
                            moved.push(Moved {
                                resident: r,
                                from_site: site,
                                from_start: start,
                                to: None,
                                reason,
                            });
                        }
                    }
                    pending[b].push(household);
                }
            }
        }
    }

    // 2. A site for each building's other households, whole (see [`choice`]): guided by
    // the transportation optimum of what is left to place, which with no slot kept from
    // before is the bound itself.
    let demand: Vec<u32> = pending
        .iter()
        .map(|hs| hs.iter().map(Household::size).sum())
        .collect();
    let left_to_place;
    let guide = if demand == walkers {
        &bound
    } else {
        left_to_place = transport::bound(&demand, &room.site_total, |b, s| distance[b][s]);
        &left_to_place
    };
    let mut guided: Vec<Vec<(u32, usize)>> = vec![Vec::new(); problem.buildings.len()];
    for &(b, s, walkers) in &guide.flows {
        guided[b].push((walkers, s));
    }
    for sites in &mut guided {
        sites.sort_by(|x, y| y.cmp(x));
    }
    let guided: Vec<Vec<usize>> = guided
        .into_iter()
        .map(|sites| sites.into_iter().map(|(_, s)| s).collect())
        .collect();
    // Buildings the optimum sends to one site first, so that its room is theirs; among
    // them, those that lose most by not getting their nearest site.
    let regret = |b: usize| -> f64 {
        match nearest[b].as_slice() {
            [first, second, ..] => {
                (distance[b][*second] - distance[b][*first]) * f64::from(demand[b])
            }
            _ => 0.0,
        }
    };
    let mut order: Vec<usize> = (0..problem.buildings.len())
        .filter(|&b| demand[b] > 0)
        .collect();
    order.sort_by(|&a, &b| {
        (guided[a].len() > 1)
            .cmp(&(guided[b].len() > 1))
            .then(regret(b).total_cmp(&regret(a)))
            .then(a.cmp(&b))
    });
    let mut seating = Seating::new(room, pending);
    let walks = choice::Walks {
        distance: &distance,
        nearest: &nearest,
        pinned: &pinned,
    };
    choice::choose(&mut seating, &walks, &order, &guided);

    // 3. The slots found (their room is taken already), and households of buildings no
    // site could take whole: the nearest site with a slot that has room, one by one.
    let (mut room, buildings) = seating.into_parts();
    let mut homeless = Vec::new();
    for (households, seat) in buildings {
        match seat {
            Some(seating::Seat { site, slots }) => {
                for (h, slot) in households.iter().zip(slots) {
                    for &r in h.members {
                        placements.insert(r, Placement { site, slot });
                    }
                }
            }
            None => homeless.extend(households),
        }
    }
    for h in homeless {
        let at = nearest[h.building].iter().find_map(|&s| {
            room.first_fit(s, 0, h.size())
                .map(|k| Placement { site: s, slot: k })
        });
        match at {
            Some(at) => place(&mut room, &mut placements, at, &h),
            None => unplaced.extend(h.members.iter().map(|&r| (r, Reason::NoRoomAnywhere))),
        }
    }

    for m in &mut moved {
        m.to = placements.get(&m.resident).copied();
    }
    let shortfalls = shortfalls(problem, &nearest, &unplaced);
    let slots = summaries(sites, rules, &capacity, &room);
    let mut walking_metres = 0.0;
    for (b, building) in problem.buildings.iter().enumerate() {
        for r in building.households.iter().flatten() {
            if let Some(at) = placements.get(r) {
                walking_metres += distance[b][at.site];
            }
        }
    }
    let split_buildings = problem
        .buildings
        .iter()
        .enumerate()
        .filter(|(_, building)| {
            let mut sites = building
                .households
                .iter()
                .flatten()
                .filter_map(|r| placements.get(r).map(|p| p.site));
            let first = sites.next();
            sites.any(|s| Some(s) != first)
        })
        .map(|(b, _)| b)
        .collect();
    SlotPlan {
        placements,
        unplaced,
        moved,
        slots,
        shortfalls,
        walking_metres,
        bound,
        split_buildings,
    }
}

fn place(
    room: &mut Room,
    placements: &mut HashMap<ResidentId, Placement>,
    at: Placement,
    h: &Household,
) {
    room.take(at.site, at.slot, h.size());
    for &r in h.members {
        placements.insert(r, at);
    }
}

/// Whether a published slot can still be kept for a household of `people`.
fn keep_published(
    sites: &[SlotSite],
    rules: &SlotRules,
    room: &Room,
    site: usize,
    start: TimeOfDay,
    people: u32,
) -> Result<Placement, Reason> {
    let Some(s) = sites.get(site).filter(|s| s.lanes > 0) else {
        return Err(Reason::SiteClosed);
    };
    let Some(k) = rules
        .slot_of(start)
        .filter(|&k| open_minutes(s, rules, k) > 0.0)
    else {
        return Err(Reason::SlotNoLongerOpen);
    };
    if room.left[site][k] < people {
        return Err(Reason::SlotOverCapacity);
    }
    Ok(Placement { site, slot: k })
}

/// For residents left without a slot, what their nearest open site would need.
fn shortfalls(
    problem: &SlotProblem,
    nearest: &[Vec<usize>],
    unplaced: &[(ResidentId, Reason)],
) -> Vec<Shortfall> {
    if unplaced.is_empty() {
        return Vec::new();
    }
    let building_of: HashMap<ResidentId, usize> = problem
        .buildings
        .iter()
        .enumerate()
        .flat_map(|(b, building)| building.households.iter().flatten().map(move |&r| (r, b)))
        .collect();
    let mut people: HashMap<usize, u32> = HashMap::new();
    for (r, _) in unplaced {
        if let Some(&s) = building_of.get(r).and_then(|&b| nearest[b].first()) {
            *people.entry(s).or_default() += 1;
        }
    }
    let rules = &problem.rules;
    let mut out: Vec<Shortfall> = people
        .into_iter()
        .map(|(s, people)| {
            let site = &problem.sites[s];
            let rate = f64::from(site.per_lane_per_hour) * rules.utilisation / 60.0; // per lane-minute
            let open = (site.closes_at.minutes().min(rules.window_end.minutes())
                - site.opens_at.minutes().max(rules.window_start.minutes()))
            .max(0) as f64;
            let extra_lanes = (f64::from(people) / (rate * open.max(1.0))).ceil() as u32;
            // Whole slots: the office announces "open until 20:30", not "until 20:17".
            let slot = f64::from(rules.slot_minutes);
            let extra_minutes = ((f64::from(people) / (rate * f64::from(site.lanes.max(1))) / slot)
                .ceil()
                * slot) as i32;
            let open_until = TimeOfDay::from_minutes(site.closes_at.minutes() + extra_minutes);
            Shortfall {
                site: s,
                people,
                extra_lanes,
                open_until,
            }
        })
        .collect();
    out.sort_by_key(|s| s.site);
    out
}

fn summaries(
    sites: &[SlotSite],
    rules: &SlotRules,
    capacity: &[Vec<u32>],
    room: &Room,
) -> Vec<Vec<SlotSummary>> {
    sites
        .iter()
        .enumerate()
        .map(|(s, site)| {
            (0..rules.slot_count())
                .map(|k| {
                    let planned = capacity[s][k] - room.left[s][k];
                    SlotSummary {
                        planned,
                        capacity: capacity[s][k],
                        prediction: rules.queue.predict(slot_load(site, rules, k, planned)),
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests;
