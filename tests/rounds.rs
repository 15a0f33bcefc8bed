//! Planning a round end to end on both backends: the demo roster imported, planned,
//! published, changed and re-planned; the stored plan checked against the rules.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use diesel::prelude::*;
use indicatif::ProgressBar;

use common::TestDb;
use sweep::demo::{self, DemoSpec};
use sweep::import::{self, RosterFiles};
use sweep::rounds::{self, PlanOptions, RoundSummary};
use sweep::store::rounds::{self as stored, AssignmentRow};
use sweep::store::schema::{residents, slot_loads, slot_moves, slot_unplaced};

const DATE: &str = "2026-12-01";

fn date() -> NaiveDate {
    DATE.parse().unwrap()
}

fn import_dir(db: &TestDb, dir: &Path) {
    let files = RosterFiles::from_dir(dir, &ProgressBar::hidden()).unwrap();
    import::import(&mut db.db.conn().unwrap(), files).unwrap();
}

fn plan(db: &TestDb) -> RoundSummary {
    let options = PlanOptions {
        date: date(),
        window: None,
        slot_minutes: None,
    };
    rounds::plan_round(&db.db, &db.config, options).unwrap()
}

fn stored_plan(db: &TestDb) -> Vec<AssignmentRow> {
    let mut conn = db.db.conn().unwrap();
    let round = stored::round_on(&mut conn, date()).unwrap().unwrap();
    stored::assignments(&mut conn, round.id).unwrap()
}

/// The rules every stored plan keeps: each walker placed once or reported, no slot over
/// capacity, households together, and the loads matching the assignments.
fn check_stored_plan(db: &TestDb) -> HashMap<i64, (i64, i32)> {
    let mut conn = db.db.conn().unwrap();
    let walkers: Vec<(i64, String, i64)> = residents::table
        .filter(residents::home_visit.eq(false))
        .select((residents::id, residents::household, residents::building_id))
        .load(&mut conn)
        .unwrap();
    let unplaced: HashSet<i64> = slot_unplaced::table
        .select(slot_unplaced::resident_id)
        .load::<i64>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let placed: HashMap<i64, (i64, i32)> = stored_plan(db)
        .into_iter()
        .map(|a| (a.resident_id, (a.site_id, a.starts_at)))
        .collect();
    assert_eq!(placed.len() + unplaced.len(), walkers.len());
    let mut household_slot: HashMap<&str, Option<(i64, i32)>> = HashMap::new();
    for (id, household, _) in &walkers {
        assert!(
            placed.contains_key(id) != unplaced.contains(id),
            "resident {id} placed xor reported"
        );
        let slot = placed.get(id).copied();
        assert_eq!(
            *household_slot.entry(household).or_insert(slot),
            slot,
            "household {household} split"
        );
    }
    let loads: Vec<(i64, i32, i32, i32)> = slot_loads::table
        .select((
            slot_loads::site_id,
            slot_loads::starts_at,
            slot_loads::planned,
            slot_loads::capacity,
        ))
        .load(&mut conn)
        .unwrap();
    let mut counted: HashMap<(i64, i32), i32> = HashMap::new();
    for slot in placed.values() {
        *counted.entry(*slot).or_default() += 1;
    }
    for (site, start, planned, capacity) in loads {
        assert!(
            planned <= capacity,
            "site {site} at {start}: {planned} > {capacity}"
        );
        assert_eq!(counted.remove(&(site, start)).unwrap_or(0), planned);
    }
    assert!(counted.is_empty(), "every used slot has a load row");
    placed
}

fn a_demo_round_is_planned_and_stored_whole(db: &TestDb) {
    let dir = db.dir.path().join("demo");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 2_000,
            seed: 5,
        },
    )
    .unwrap();
    import_dir(db, &dir);
    let summary = plan(db);
    assert_eq!(summary.status, "draft");
    assert_eq!(summary.placed, summary.walkers);
    assert!(summary.walkers > 1_900);
    check_stored_plan(db);

    // Every building at one site when there is room.
    let mut conn = db.db.conn().unwrap();
    let building_of: HashMap<i64, i64> = residents::table
        .select((residents::id, residents::building_id))
        .load::<(i64, i64)>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let mut sites_of: HashMap<i64, HashSet<i64>> = HashMap::new();
    for a in stored_plan(db) {
        sites_of
            .entry(building_of[&a.resident_id])
            .or_default()
            .insert(a.site_id);
    }
    assert!(sites_of.values().all(|s| s.len() == 1));
}

fn a_published_round_keeps_slots_that_still_fit_after_a_lane_closes(db: &TestDb) {
    let dir = db.dir.path().join("demo");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 2_000,
            seed: 6,
        },
    )
    .unwrap();
    import_dir(db, &dir);
    plan(db);
    rounds::publish_round(&db.db, date()).unwrap();
    let before = check_stored_plan(db);

    // The office closes a lane at the first site, through the same import path.
    let sites = std::fs::read_to_string(dir.join("sites.csv")).unwrap();
    let mut lines: Vec<String> = sites.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    fields[4] = "1".into();
    lines[1] = fields.join(",");
    let changed = db.dir.path().join("changed");
    std::fs::create_dir_all(&changed).unwrap();
    std::fs::write(changed.join("sites.csv"), lines.join("\n")).unwrap();
    import_dir(db, &changed);

    let summary = plan(db);
    assert_eq!(summary.status, "published");
    assert!(summary.moved > 0, "the closed lane's slots were full");
    let after = check_stored_plan(db);
    let moved: HashSet<i64> = slot_moves::table
        .select(slot_moves::resident_id)
        .load::<i64>(&mut db.db.conn().unwrap())
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(moved.len(), summary.moved);
    for (resident, slot) in &before {
        if after.get(resident) != Some(slot) {
            assert!(
                moved.contains(resident),
                "resident {resident} moved without a record"
            );
        }
    }
    // Only the closed lane's site can have lost anyone.
    let first_site = before.values().map(|(site, _)| *site).min().unwrap();
    for resident in &moved {
        assert_eq!(before[resident].0, first_site);
    }
}

fn slots_export_as_csv_with_local_times(db: &TestDb) {
    let dir = db.dir.path().join("demo");
    demo::write_district(
        &dir,
        DemoSpec {
            residents: 600,
            seed: 7,
        },
    )
    .unwrap();
    import_dir(db, &dir);
    let summary = plan(db);
    let mut out = Vec::new();
    let rows = rounds::export_slots(&db.db, date(), &mut out).unwrap();
    assert_eq!(rows, summary.placed);
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("resident,site,start,end"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(
        first[0].starts_with('R') && first[1].starts_with('S'),
        "{first:?}"
    );
    assert!(
        first[2].starts_with("2026-12-01 ") && first[2].len() == 16,
        "{first:?}"
    );
    assert_eq!(text.lines().count(), rows + 1);
}

fn planning_without_sites_or_a_round_is_a_clear_error(db: &TestDb) {
    let err = rounds::plan_round(
        &db.db,
        &db.config,
        PlanOptions {
            date: date(),
            window: None,
            slot_minutes: None,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("import sites.csv"), "{err}");
    let err = rounds::export_slots(&db.db, date(), Vec::new()).unwrap_err();
    assert!(err.to_string().contains("no round on 2026-12-01"), "{err}");
}

on_both_backends!(
    a_demo_round_is_planned_and_stored_whole,
    a_published_round_keeps_slots_that_still_fit_after_a_lane_closes,
    slots_export_as_csv_with_local_times,
    planning_without_sites_or_a_round_is_a_clear_error,
);
