//! The office's changes to a planned round by hand: one resident to another slot, or lanes
//! of a site closed and the round re-planned around them. Each is audited.

use chrono::{NaiveDate, Utc};

use super::plan::{
    coordinates, open_lanes, plan_round_while, planning, queue_model, within_window, PlanOptions,
    RoundSummary,
};
use super::RoundError;
use crate::config::Config;
use crate::domain::{District, TimeOfDay};
use crate::plan::queue::SlotLoad;
use crate::plan::travel::street_metres;
use crate::store::rounds as stored;
use crate::store::slots::{AssignmentRow, LoadRow, MoveRow};
use crate::store::{access, Db, DbConnection};

/// One resident to another slot, asked by `by`.
pub struct MoveRequest<'a> {
    pub district: &'a District,
    pub date: NaiveDate,
    /// The resident's code.
    pub resident: &'a str,
    /// The site's code.
    pub site: &'a str,
    pub start: TimeOfDay,
    pub by: &'a str,
}

/// The slot a resident was moved to, as it is now.
#[derive(Debug, Clone)]
pub struct Moved {
    pub site: String,
    pub start: TimeOfDay,
    pub planned: i32,
    pub capacity: i32,
    pub p90_wait_minutes: f64,
}

/// Gives one resident another slot if it has room, in the caller's transaction: both slots'
/// predicted queues and the round's walking follow, and the move is recorded.
pub fn move_resident(
    conn: &mut DbConnection,
    config: &Config,
    request: MoveRequest,
) -> Result<Moved, RoundError> {
    let MoveRequest {
        district,
        date,
        start,
        by,
        ..
    } = request;
    let round = super::round_on(conn, district, date)?;
    // Moves at the same moment would each read the slot's count before the other wrote it.
    stored::lock_round(conn, round.id)?;
    let resident =
        crate::store::residents::resident_id(conn, district.id, request.resident.trim())?
            .ok_or(RoundError::UnknownResident)?;
    let from =
        crate::store::slots::assignment(conn, &round, resident)?.ok_or(RoundError::NoSlotToMove)?;
    let sites = crate::store::sites::all_sites(conn, district.id)?;
    let site = sites
        .iter()
        .find(|s| s.code == request.site)
        .ok_or_else(|| RoundError::UnknownSite(request.site.to_string()))?;
    let mut target = crate::store::slots::load_of(conn, round.id, site.id, start.minutes())?
        .ok_or_else(|| RoundError::NoSuchSlot {
            site: site.code.clone(),
            start,
        })?;
    if (target.site_id, target.starts_min) == (from.site_id, from.starts_min) {
        return Err(RoundError::AlreadyInSlot);
    }
    if target.planned >= target.capacity {
        return Err(RoundError::SlotFull {
            site: site.code.clone(),
            start,
        });
    }
    let mut source = crate::store::slots::load_of(conn, round.id, from.site_id, from.starts_min)?
        .ok_or(RoundError::Inconsistent("a planned slot without its load"))?;

    // Both slots' queues predicted again, as the plan predicts them.
    let closed = crate::store::sites::lane_closures(conn, round.id)?;
    let model = queue_model(config);
    let site_of = |id: i64| {
        sites
            .iter()
            .find(|s| s.id == id)
            .ok_or(RoundError::Inconsistent("an assignment to no stored site"))
    };
    let predict = |load: &mut LoadRow, change: i32| -> Result<(), RoundError> {
        load.planned += change;
        let s = site_of(load.site_id)?;
        let open = (load.ends_min.min(s.closes_min) - load.starts_min.max(s.opens_min)).max(0);
        let p = model.predict(SlotLoad {
            planned: load.planned.max(0) as u32,
            lanes: open_lanes(s, &closed),
            per_lane_per_hour: s.per_lane_per_hour as u32,
            open_minutes: f64::from(open),
        });
        load.utilisation = p.utilisation;
        load.mean_wait_minutes = p.mean_wait_minutes;
        load.p90_wait_minutes = p.p90_wait_minutes;
        load.mean_queue = p.mean_queue;
        load.p90_queue = p.p90_queue;
        Ok(())
    };
    predict(&mut source, -1)?;
    predict(&mut target, 1)?;

    let (lat, lon) = crate::store::buildings::home_of(conn, round.district_id, resident)?;
    let home = coordinates(lat, lon);
    let walk = |site_id: i64| -> Result<f64, RoundError> {
        let s = site_of(site_id)?;
        Ok(street_metres(
            home,
            coordinates(s.lat, s.lon),
            config.visits.detour_factor,
        ))
    };
    let walking_change = walk(target.site_id)? - walk(from.site_id)?;

    let now = Utc::now().naive_utc();
    let to = AssignmentRow {
        site_id: target.site_id,
        starts_min: target.starts_min,
        ends_min: target.ends_min,
        ..from
    };
    let record = MoveRow {
        round_id: round.id,
        resident_id: resident,
        from_site_id: from.site_id,
        from_starts_min: from.starts_min,
        to_site_id: Some(target.site_id),
        to_starts_min: Some(target.starts_min),
        reason: "moved by the office",
        moved_at: now,
    };
    crate::store::slots::move_resident(conn, &to, [&source, &target], &record, walking_change)?;
    access::audit(
        conn,
        Some(district.id),
        by,
        "move resident",
        &format!("{} to {} {start} on {date}", request.resident, site.code),
        now,
    )?;
    Ok(Moved {
        site: site.code.clone(),
        start,
        planned: target.planned,
        capacity: target.capacity,
        p90_wait_minutes: target.p90_wait_minutes,
    })
}

/// Closes `closed` lanes of a site for the round (0 opens them all again), asked by `by`,
/// and re-plans the round around them: residents told a slot keep it where it still fits.
pub fn close_lanes(
    db: &Db,
    config: &Config,
    district: &District,
    date: NaiveDate,
    site: &str,
    closed: i32,
    by: &str,
) -> Result<RoundSummary, RoundError> {
    within_window(config, district, date)?;
    let planning = planning(db, district, date)?;
    {
        let mut conn = db.conn()?;
        let round = super::round_on(&mut conn, district, date)?;
        let stored = crate::store::sites::all_sites(&mut conn, district.id)?
            .into_iter()
            .find(|s| s.code == site)
            .ok_or_else(|| RoundError::UnknownSite(site.to_string()))?;
        if !(0..=stored.lanes).contains(&closed) {
            return Err(RoundError::LanesOutOfRange {
                site: site.to_string(),
                lanes: stored.lanes,
            });
        }
        crate::store::sites::close_lanes(&mut conn, round.id, stored.id, closed)?;
        access::audit(
            &mut conn,
            Some(district.id),
            by,
            &format!("close {closed} lanes"),
            &format!("site {site} on {date}"),
            Utc::now().naive_utc(),
        )?;
    }
    plan_round_while(&planning, db, config, district, PlanOptions::on(date))
}
