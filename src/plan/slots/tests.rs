use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;

const CENTRE: (f64, f64) = (31.23, 121.47);

fn at(dlat: f64, dlon: f64) -> Coordinates {
    Coordinates::new(CENTRE.0 + dlat, CENTRE.1 + dlon).unwrap()
}

fn time(text: &str) -> TimeOfDay {
    TimeOfDay::parse(text).unwrap()
}

fn rules() -> SlotRules {
    SlotRules {
        window_start: time("08:00"),
        window_end: time("18:00"),
        slot_minutes: 30,
        utilisation: 0.85,
        detour_factor: 1.3,
        queue: QueueModel {
            no_show_rate: 0.05,
            service_cv: 0.5,
            max_p90_wait_minutes: 15.0,
        },
    }
}

fn site(
    dlat: f64,
    dlon: f64,
    lanes: u32,
    per_lane_per_hour: u32,
    opens: u16,
    closes: u16,
    queue: u32,
) -> SlotSite {
    SlotSite {
        location: at(dlat, dlon),
        lanes,
        per_lane_per_hour,
        opens_at: TimeOfDay::from_minutes(i32::from(opens) * 60).unwrap(),
        closes_at: TimeOfDay::from_minutes(i32::from(closes) * 60).unwrap(),
        queue_capacity: queue,
    }
}

/// Buildings from (lat, lon, household sizes), residents numbered from 1.
fn buildings(specs: Vec<(f64, f64, Vec<usize>)>) -> Vec<SlotBuilding> {
    let mut next = 0;
    specs
        .into_iter()
        .map(|(dlat, dlon, sizes)| SlotBuilding {
            location: at(dlat, dlon),
            households: sizes
                .into_iter()
                .map(|size| {
                    (0..size)
                        .map(|_| {
                            next += 1;
                            next
                        })
                        .collect()
                })
                .collect(),
        })
        .collect()
}

fn residents(problem: &SlotProblem) -> Vec<ResidentId> {
    problem
        .buildings
        .iter()
        .flat_map(|b| b.households.iter().flatten().copied())
        .collect()
}

fn published(problem: &SlotProblem, plan: &SlotPlan) -> HashMap<ResidentId, (usize, TimeOfDay)> {
    plan.placements
        .iter()
        .map(|(&r, p)| (r, (p.site, problem.rules.slot_start(p.slot))))
        .collect()
}

/// The invariants every plan keeps, whatever the district.
fn check_invariants(problem: &SlotProblem, plan: &SlotPlan) -> Result<(), TestCaseError> {
    let everyone = residents(problem);
    let unplaced: HashSet<ResidentId> = plan.unplaced.iter().map(|(r, _)| *r).collect();
    prop_assert_eq!(unplaced.len(), plan.unplaced.len(), "nobody unplaced twice");
    for r in &everyone {
        prop_assert!(
            plan.placements.contains_key(r) != unplaced.contains(r),
            "resident {} is placed or reported, exactly once",
            r
        );
    }
    prop_assert_eq!(plan.placements.len() + unplaced.len(), everyone.len());

    let capacity = capacities(&problem.sites, &problem.rules);
    let mut load: HashMap<Placement, u32> = HashMap::new();
    for p in plan.placements.values() {
        *load.entry(*p).or_default() += 1;
    }
    for (p, people) in &load {
        prop_assert!(
            *people <= capacity[p.site][p.slot],
            "slot {:?} holds {} of {}",
            p,
            people,
            capacity[p.site][p.slot]
        );
        prop_assert_eq!(plan.slots[p.site][p.slot].planned, *people);
    }
    for building in &problem.buildings {
        for household in &building.households {
            let first = plan.placements.get(&household[0]);
            for r in household {
                prop_assert_eq!(plan.placements.get(r), first, "household split");
            }
        }
    }
    Ok(())
}

fn district() -> impl Strategy<Value = SlotProblem> {
    let site = (
        -0.01..0.01f64,
        -0.01..0.01f64,
        0..5u32,
        20..130u32,
        6..10u16,
        11..21u16,
        5..200u32,
    )
        .prop_map(|(a, b, lanes, rate, opens, closes, queue)| {
            site(a, b, lanes, rate, opens, closes, queue)
        });
    let building = (
        -0.01..0.01f64,
        -0.01..0.01f64,
        prop::collection::vec(1..6usize, 1..8),
    );
    (
        prop::collection::vec(site, 1..5),
        prop::collection::vec(building, 1..16),
        prop::sample::select(vec![20u32, 30, 60]),
    )
        .prop_map(|(sites, specs, slot_minutes)| SlotProblem {
            sites,
            buildings: buildings(specs),
            rules: SlotRules {
                slot_minutes,
                ..rules()
            },
            published: HashMap::new(),
        })
}

/// Households have 1 to this many people in the generated districts.
const LARGEST_HOUSEHOLD: u32 = 5;

/// A district whose sites are nearly full and which has a whole-building assignment by
/// construction: buildings are dealt to sites (each to the site it names, else the next
/// with room) while a site's slots could take them in any order — its load at most its
/// capacity less, for each open slot, one less than the largest household, since a
/// household that fits no slot leaves fewer places than its size in every slot — and
/// buildings no site can take that way are left out of the district.
fn nearly_full_district() -> impl Strategy<Value = SlotProblem> {
    let site = (
        -0.01..0.01f64,
        -0.01..0.01f64,
        1..4u32,
        20..80u32,
        6..10u16,
        11..21u16,
        10..200u32,
    )
        .prop_map(|(a, b, lanes, rate, opens, closes, queue)| {
            site(a, b, lanes, rate, opens, closes, queue)
        });
    let building = (
        -0.01..0.01f64,
        -0.01..0.01f64,
        prop::collection::vec(1..=LARGEST_HOUSEHOLD as usize, 1..12),
        0..5usize,
    );
    (
        prop::collection::vec(site, 2..6),
        prop::collection::vec(building, 4..30),
        prop::sample::select(vec![20u32, 30, 60]),
    )
        .prop_map(|(sites, specs, slot_minutes)| {
            let rules = SlotRules {
                slot_minutes,
                ..rules()
            };
            let capacity = capacities(&sites, &rules);
            let mut room: Vec<i64> = capacity
                .iter()
                .map(|slots| {
                    let open = slots.iter().filter(|&&c| c > 0).count() as i64;
                    slots.iter().map(|&c| i64::from(c)).sum::<i64>()
                        - open * i64::from(LARGEST_HOUSEHOLD - 1)
                })
                .collect();
            let mut kept = Vec::new();
            for (a, b, sizes, named) in specs {
                let demand = sizes.iter().sum::<usize>() as i64;
                let n = sites.len();
                if let Some(s) = (0..n).map(|i| (named + i) % n).find(|&s| room[s] >= demand) {
                    room[s] -= demand;
                    kept.push((a, b, sizes));
                }
            }
            SlotProblem {
                sites,
                buildings: buildings(kept),
                rules,
                published: HashMap::new(),
            }
        })
}

/// A district every one of whose sites could take everyone.
fn roomy_district() -> impl Strategy<Value = SlotProblem> {
    let site = (-0.01..0.01f64, -0.01..0.01f64, 4..7u32)
        .prop_map(|(a, b, lanes)| site(a, b, lanes, 120, 8, 18, 300));
    let building = (
        -0.01..0.01f64,
        -0.01..0.01f64,
        prop::collection::vec(1..6usize, 1..8),
    );
    (
        prop::collection::vec(site, 1..5),
        prop::collection::vec(building, 1..16),
    )
        .prop_map(|(sites, specs)| SlotProblem {
            sites,
            buildings: buildings(specs),
            rules: rules(),
            published: HashMap::new(),
        })
}

#[derive(Debug, Clone)]
enum Change {
    CloseLane(usize),
    CloseSite(usize),
    ShortenWindow(u16),
    NewBuilding(f64, f64, Vec<usize>),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0..5usize).prop_map(Change::CloseLane),
        (0..5usize).prop_map(Change::CloseSite),
        (1..6u16).prop_map(Change::ShortenWindow),
        (
            -0.01..0.01f64,
            -0.01..0.01f64,
            prop::collection::vec(1..6usize, 1..8)
        )
            .prop_map(|(a, b, h)| Change::NewBuilding(a, b, h)),
    ]
}

fn apply(problem: &SlotProblem, change: &Change) -> SlotProblem {
    let mut next = problem.clone();
    let n = next.sites.len();
    match change {
        Change::CloseLane(s) => next.sites[s % n].lanes = next.sites[s % n].lanes.saturating_sub(1),
        Change::CloseSite(s) => next.sites[s % n].lanes = 0,
        Change::ShortenWindow(hours) => {
            next.rules.window_end =
                TimeOfDay::from_minutes(next.rules.window_end.minutes() - i32::from(*hours) * 60)
                    .unwrap()
        }
        Change::NewBuilding(a, b, sizes) => {
            let first = residents(problem).into_iter().max().unwrap_or(0) + 1;
            let mut id = first - 1;
            next.buildings.push(SlotBuilding {
                location: at(*a, *b),
                households: sizes
                    .iter()
                    .map(|&size| {
                        (0..size)
                            .map(|_| {
                                id += 1;
                                id
                            })
                            .collect()
                    })
                    .collect(),
            });
        }
    }
    next
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn when_a_whole_assignment_exists_no_building_is_split(problem in nearly_full_district()) {
        let plan = plan(&problem);
        check_invariants(&problem, &plan)?;
        prop_assert!(plan.unplaced.is_empty(), "unplaced: {:?}", plan.unplaced);
        prop_assert!(plan.split_buildings.is_empty(), "split: {:?}", plan.split_buildings);
        for building in &problem.buildings {
            let sites: HashSet<usize> = building.households.iter().flatten().map(|r| plan.placements[r].site).collect();
            prop_assert_eq!(sites.len(), 1, "one site per building");
        }
    }

    #[test]
    fn every_plan_keeps_the_invariants(problem in district()) {
        let plan = plan(&problem);
        check_invariants(&problem, &plan)?;
    }

    #[test]
    fn with_room_everyone_is_placed_and_each_building_goes_to_one_site(problem in roomy_district()) {
        let plan = plan(&problem);
        check_invariants(&problem, &plan)?;
        prop_assert!(plan.unplaced.is_empty());
        for building in &problem.buildings {
            let sites: HashSet<usize> = building.households.iter().flatten().map(|r| plan.placements[r].site).collect();
            prop_assert_eq!(sites.len(), 1, "one site per building");
        }
    }

    #[test]
    fn after_a_change_nobody_whose_slot_still_fits_moves(problem in district(), change in change()) {
        let before = plan(&problem);
        let mut next = apply(&problem, &change);
        next.published = published(&problem, &before);
        let after = plan(&next);
        check_invariants(&next, &after)?;

        let capacity = capacities(&next.sites, &next.rules);
        let mut told: HashMap<(usize, TimeOfDay), u32> = HashMap::new();
        for &(site, start) in next.published.values() {
            *told.entry((site, start)).or_default() += 1;
        }
        for (&r, &(site, start)) in &next.published {
            let still_fits = next.sites[site].lanes > 0
                && next.rules.slot_of(start).is_some_and(|k| {
                    open_minutes(&next.sites[site], &next.rules, k) > 0.0 && told[&(site, start)] <= capacity[site][k]
                });
            let kept = after.placements.get(&r).is_some_and(|p| p.site == site && next.rules.slot_start(p.slot) == start);
            if still_fits {
                prop_assert!(kept, "resident {} moved from a slot that still fits", r);
            }
            let reported = after.moved.iter().any(|m| m.resident == r);
            prop_assert_eq!(reported, !kept, "resident {} moved without a report, or reported without moving", r);
        }
    }
}

#[test]
fn too_little_room_is_reported_with_what_would_fix_it() {
    // One lane, 60 an hour, open 08:00–10:00: 4 slots of 25 places at 0.85.
    let problem = SlotProblem {
        sites: vec![site(0.0, 0.0, 1, 60, 8, 10, 500)],
        buildings: buildings(vec![(0.001, 0.0, vec![5; 30])]),
        rules: SlotRules {
            queue: QueueModel {
                max_p90_wait_minutes: 1000.0,
                ..rules().queue
            },
            ..rules()
        },
        published: HashMap::new(),
    };
    let plan = plan(&problem);
    assert_eq!(plan.placements.len(), 100);
    assert_eq!(plan.unplaced.len(), 50);
    assert_eq!(
        plan.shortfalls,
        vec![Shortfall {
            site: 0,
            people: 50,
            extra_lanes: 1,
            open_until: Some(time("11:00")),
        }]
    );
}

#[test]
fn buildings_go_to_their_nearest_site_when_it_has_room() {
    let problem = SlotProblem {
        sites: vec![
            site(0.0, 0.0, 4, 120, 8, 18, 300),
            site(0.01, 0.01, 4, 120, 8, 18, 300),
        ],
        buildings: buildings(vec![(0.009, 0.009, vec![3, 2]), (0.001, 0.0, vec![4])]),
        rules: rules(),
        published: HashMap::new(),
    };
    let plan = plan(&problem);
    assert_eq!(plan.placements[&1].site, 1);
    assert_eq!(plan.placements[&6].site, 0);
    assert_eq!(plan.placements[&1].slot, 0, "the earliest slot first");
}
