//! Testing rounds and their slot plans as stored.

use chrono::NaiveDate;
use diesel::prelude::*;

use std::collections::HashMap;

use super::schema::{
    buildings, lane_closures, residents, rounds, sites, slot_assignments, slot_loads, slot_moves,
    slot_unplaced,
};
use super::DbConnection;
use crate::domain::RoundStatus;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: i64,
    pub date: NaiveDate,
    pub starts_at: i32,
    pub ends_at: i32,
    pub slot_minutes: i32,
    pub status: RoundStatus,
    pub created_at: chrono::NaiveDateTime,
    pub published_at: Option<chrono::NaiveDateTime>,
    /// The slot plan's walkers placed, their walking and its transportation bound (see
    /// the migration `plan_walking`); none before the round is planned.
    pub placed: Option<i64>,
    pub walking_metres: Option<f64>,
    pub bound_metres: Option<f64>,
    pub bound_placed: Option<i64>,
}

impl RoundRow {
    pub fn is_published(&self) -> bool {
        self.status == RoundStatus::Published
    }

    /// `walking / bound − 1`, when the plan places as many walkers as the bound (otherwise
    /// the two walk different numbers of people and do not compare).
    pub fn walking_gap(&self) -> Option<f64> {
        let (walking, bound) = (self.walking_metres?, self.bound_metres?);
        (self.bound_placed? == self.placed? && bound > 0.0).then(|| walking / bound - 1.0)
    }
}

#[derive(Insertable)]
#[diesel(table_name = rounds)]
pub struct NewRound {
    pub date: NaiveDate,
    pub starts_at: i32,
    pub ends_at: i32,
    pub slot_minutes: i32,
    pub status: RoundStatus,
    pub created_at: chrono::NaiveDateTime,
}

/// Every round, by date.
pub fn all_rounds(conn: &mut DbConnection) -> QueryResult<Vec<RoundRow>> {
    rounds::table
        .order(rounds::date)
        .select(RoundRow::as_select())
        .load(conn)
}

/// The first published round on or after `from`.
pub fn next_published(conn: &mut DbConnection, from: NaiveDate) -> QueryResult<Option<RoundRow>> {
    // All of them (a round a day), not `LIMIT ?`: see the note on single-row reads.
    let rounds: Vec<RoundRow> = rounds::table
        .filter(rounds::date.ge(from))
        .filter(rounds::status.eq(RoundStatus::Published))
        .order(rounds::date)
        .select(RoundRow::as_select())
        .load(conn)?;
    Ok(rounds.into_iter().next())
}

pub fn round_on(conn: &mut DbConnection, date: NaiveDate) -> QueryResult<Option<RoundRow>> {
    crate::on_backend!(conn, |c| rounds::table
        .filter(rounds::date.eq(date))
        .select(RoundRow::as_select())
        .get_result(c)
        .optional())
}

pub fn create_round(conn: &mut DbConnection, round: NewRound) -> QueryResult<RoundRow> {
    let date = round.date;
    diesel::insert_into(rounds::table)
        .values(round)
        .execute(conn)?;
    round_on(conn, date)?.ok_or(diesel::result::Error::NotFound)
}

pub fn update_round_times(
    conn: &mut DbConnection,
    id: i64,
    starts_at: i32,
    ends_at: i32,
    slot_minutes: i32,
) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set((
            rounds::starts_at.eq(starts_at),
            rounds::ends_at.eq(ends_at),
            rounds::slot_minutes.eq(slot_minutes),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn publish_round(
    conn: &mut DbConnection,
    id: i64,
    now: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set((
            rounds::status.eq(RoundStatus::Published),
            rounds::published_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = sites)]
pub struct StoredSite {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub lanes: i32,
    pub per_lane_per_hour: i32,
    pub opens_at: i32,
    pub closes_at: i32,
    pub queue_capacity: i32,
}

pub fn all_sites(conn: &mut DbConnection) -> QueryResult<Vec<StoredSite>> {
    sites::table
        .select(StoredSite::as_select())
        .order(sites::id)
        .load(conn)
}

/// Where a resident lives: the latitude and longitude of their building.
pub fn home_of(conn: &mut DbConnection, resident_id: i64) -> QueryResult<(f64, f64)> {
    residents::table
        .inner_join(buildings::table)
        .filter(residents::id.eq(resident_id))
        .select((buildings::lat, buildings::lon))
        .first(conn)
}

/// Every building's id and location.
pub fn building_locations(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, f64, f64)>> {
    buildings::table
        .select((
            buildings::id,
            buildings::code,
            buildings::lat,
            buildings::lon,
        ))
        .order(buildings::id)
        .load(conn)
}

/// Residents who walk to a site (no home visit): id, building, household; grouped by
/// building and household.
pub fn walkers(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64, String)>> {
    residents::table
        .filter(residents::home_visit.eq(false))
        .select((residents::id, residents::building_id, residents::household))
        .order((residents::building_id, residents::household, residents::id))
        .load(conn)
}

#[derive(Debug, Clone, Copy, PartialEq, Insertable, Queryable)]
#[diesel(table_name = slot_assignments)]
#[diesel(treat_none_as_default_value = false)]
pub struct AssignmentRow {
    pub round_id: i64,
    pub resident_id: i64,
    pub site_id: i64,
    pub starts_at: i32,
    pub ends_at: i32,
}

pub fn assignments(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<AssignmentRow>> {
    slot_assignments::table
        .filter(slot_assignments::round_id.eq(round_id))
        .select((
            slot_assignments::round_id,
            slot_assignments::resident_id,
            slot_assignments::site_id,
            slot_assignments::starts_at,
            slot_assignments::ends_at,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Copy, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = slot_loads)]
pub struct LoadRow {
    pub round_id: i64,
    pub site_id: i64,
    pub starts_at: i32,
    pub ends_at: i32,
    pub planned: i32,
    pub capacity: i32,
    pub utilisation: f64,
    pub mean_wait_minutes: f64,
    pub p90_wait_minutes: f64,
    pub mean_queue: f64,
    pub p90_queue: f64,
}

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = slot_unplaced)]
pub struct UnplacedRow {
    pub round_id: i64,
    pub resident_id: i64,
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = slot_moves)]
#[diesel(treat_none_as_default_value = false)]
pub struct MoveRow {
    pub round_id: i64,
    pub resident_id: i64,
    pub from_site_id: i64,
    pub from_starts_at: i32,
    pub to_site_id: Option<i64>,
    pub to_starts_at: Option<i32>,
    pub reason: &'static str,
    pub moved_at: chrono::NaiveDateTime,
}

/// A round's new slot plan, replacing the one stored. Moves are added to the record.
pub struct SlotPlanRows {
    pub assignments: Vec<AssignmentRow>,
    pub loads: Vec<LoadRow>,
    pub unplaced: Vec<UnplacedRow>,
    pub moves: Vec<MoveRow>,
}

// SQLite allows 32,766 bound values a statement; rows here bind at most 11.
const CHUNK: usize = 32_766 / 11;

pub fn replace_slot_plan(
    conn: &mut DbConnection,
    round_id: i64,
    plan: &SlotPlanRows,
) -> QueryResult<()> {
    diesel::delete(slot_assignments::table.filter(slot_assignments::round_id.eq(round_id)))
        .execute(conn)?;
    diesel::delete(slot_loads::table.filter(slot_loads::round_id.eq(round_id))).execute(conn)?;
    diesel::delete(slot_unplaced::table.filter(slot_unplaced::round_id.eq(round_id)))
        .execute(conn)?;
    // A million rows: binary COPY where there is one.
    match conn {
        DbConnection::Pg(c) => {
            diesel::copy_from(slot_assignments::table)
                .from_insertable(&plan.assignments)
                .execute(c)?;
        }
        DbConnection::Sqlite(c) => {
            for chunk in plan.assignments.chunks(CHUNK) {
                diesel::insert_into(slot_assignments::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    for chunk in plan.loads.chunks(CHUNK) {
        crate::on_backend!(conn, |c| diesel::insert_into(slot_loads::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in plan.unplaced.chunks(CHUNK) {
        crate::on_backend!(conn, |c| diesel::insert_into(slot_unplaced::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in plan.moves.chunks(CHUNK) {
        crate::on_backend!(conn, |c| diesel::insert_into(slot_moves::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// The export's rows: resident code, site code, start and end, by site and time.
pub fn slot_export(
    conn: &mut DbConnection,
    round_id: i64,
) -> QueryResult<Vec<(String, String, i32, i32)>> {
    slot_assignments::table
        .inner_join(residents::table)
        .inner_join(sites::table)
        .filter(slot_assignments::round_id.eq(round_id))
        .select((
            residents::code,
            sites::code,
            slot_assignments::starts_at,
            slot_assignments::ends_at,
        ))
        .order((sites::code, slot_assignments::starts_at, residents::code))
        .load(conn)
}

/// A round's slots with their planned people and predicted queues, by site code and time.
pub fn slot_loads(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<(String, LoadRow)>> {
    slot_loads::table
        .inner_join(sites::table)
        .filter(slot_loads::round_id.eq(round_id))
        .select((sites::code, LoadRow::as_select()))
        .order((sites::code, slot_loads::starts_at))
        .load(conn)
}

/// Lanes closed per site (by site id) for a round.
pub fn lane_closures(conn: &mut DbConnection, round_id: i64) -> QueryResult<HashMap<i64, i32>> {
    Ok(lane_closures::table
        .filter(lane_closures::round_id.eq(round_id))
        .select((lane_closures::site_id, lane_closures::lanes_closed))
        .load::<(i64, i32)>(conn)?
        .into_iter()
        .collect())
}

/// Sets how many of a site's lanes are closed for a round (0 reopens them all).
pub fn close_lanes(
    conn: &mut DbConnection,
    round_id: i64,
    site_id: i64,
    lanes_closed: i32,
) -> QueryResult<()> {
    diesel::delete(
        lane_closures::table
            .filter(lane_closures::round_id.eq(round_id))
            .filter(lane_closures::site_id.eq(site_id)),
    )
    .execute(conn)?;
    if lanes_closed > 0 {
        crate::on_backend!(conn, |c| diesel::insert_into(lane_closures::table)
            .values((
                lane_closures::round_id.eq(round_id),
                lane_closures::site_id.eq(site_id),
                lane_closures::lanes_closed.eq(lanes_closed),
            ))
            .execute(c))?;
    }
    Ok(())
}

pub fn assignment(
    conn: &mut DbConnection,
    round_id: i64,
    resident_id: i64,
) -> QueryResult<Option<AssignmentRow>> {
    slot_assignments::table
        .filter(slot_assignments::round_id.eq(round_id))
        .filter(slot_assignments::resident_id.eq(resident_id))
        .select((
            slot_assignments::round_id,
            slot_assignments::resident_id,
            slot_assignments::site_id,
            slot_assignments::starts_at,
            slot_assignments::ends_at,
        ))
        .get_result(conn)
        .optional()
}

pub fn load_of(
    conn: &mut DbConnection,
    round_id: i64,
    site_id: i64,
    starts_at: i32,
) -> QueryResult<Option<LoadRow>> {
    slot_loads::table
        .find((round_id, site_id, starts_at))
        .select(LoadRow::as_select())
        .get_result(conn)
        .optional()
}

/// Holds the round's row until the transaction ends, so that changes to one round's plan
/// made at the same moment (an office's moves, a re-plan) go one after the other, each
/// reading what the one before wrote. Take it before reading the plan. On SQLite the write
/// transaction already holds the database's one write lock.
pub fn lock_round(conn: &mut DbConnection, round_id: i64) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        rounds::table
            .find(round_id)
            .select(rounds::id)
            .for_update()
            .get_result::<i64>(c)?;
    }
    Ok(())
}

/// Keeps a new slot plan's walkers placed, walking and bound with its round.
pub fn record_walking(
    conn: &mut DbConnection,
    round_id: i64,
    placed: i64,
    walking_metres: f64,
    bound_metres: f64,
    bound_placed: i64,
) -> QueryResult<()> {
    diesel::update(rounds::table.find(round_id))
        .set((
            rounds::placed.eq(placed),
            rounds::walking_metres.eq(walking_metres),
            rounds::bound_metres.eq(bound_metres),
            rounds::bound_placed.eq(bound_placed),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves one resident to another slot: the assignment, both slots' loads, the round's
/// walking (`walking_change` metres, negative when the new site is nearer home) and the
/// record. The caller holds the round (see [`lock_round`]).
pub fn move_resident(
    conn: &mut DbConnection,
    to: &AssignmentRow,
    loads: [&LoadRow; 2],
    record: &MoveRow,
    walking_change: f64,
) -> QueryResult<()> {
    diesel::update(rounds::table.find(to.round_id))
        .set(rounds::walking_metres.eq(rounds::walking_metres + walking_change))
        .execute(conn)?;
    diesel::update(
        slot_assignments::table
            .filter(slot_assignments::round_id.eq(to.round_id))
            .filter(slot_assignments::resident_id.eq(to.resident_id)),
    )
    .set((
        slot_assignments::site_id.eq(to.site_id),
        slot_assignments::starts_at.eq(to.starts_at),
        slot_assignments::ends_at.eq(to.ends_at),
    ))
    .execute(conn)?;
    for load in loads {
        diesel::update(slot_loads::table.find((load.round_id, load.site_id, load.starts_at)))
            .set((
                slot_loads::planned.eq(load.planned),
                slot_loads::utilisation.eq(load.utilisation),
                slot_loads::mean_wait_minutes.eq(load.mean_wait_minutes),
                slot_loads::p90_wait_minutes.eq(load.p90_wait_minutes),
                slot_loads::mean_queue.eq(load.mean_queue),
                slot_loads::p90_queue.eq(load.p90_queue),
            ))
            .execute(conn)?;
    }
    crate::on_backend!(conn, |c| diesel::insert_into(slot_moves::table)
        .values(record)
        .execute(c))?;
    Ok(())
}
