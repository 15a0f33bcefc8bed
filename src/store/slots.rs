//! A round's slot plan as stored: who goes to which site when, each slot's load and
//! predicted queue, who could not be placed, and the office's moves.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::rounds::RoundRow;
use super::schema::{
    residents, rounds, sites, slot_assignments, slot_loads, slot_moves, slot_unplaced,
};
use super::DbConnection;

#[derive(Debug, Clone, Copy, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = slot_assignments)]
#[diesel(treat_none_as_default_value = false)]
pub struct AssignmentRow {
    pub district_id: i64,
    pub round_id: i64,
    pub resident_id: i64,
    pub site_id: i64,
    pub starts_min: i32,
    pub ends_min: i32,
}

pub fn assignments(conn: &mut DbConnection, round: &RoundRow) -> QueryResult<Vec<AssignmentRow>> {
    slot_assignments::table
        .filter(slot_assignments::district_id.eq(round.district_id))
        .filter(slot_assignments::round_id.eq(round.id))
        .select(AssignmentRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Copy, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = slot_loads)]
pub struct LoadRow {
    pub round_id: i64,
    pub site_id: i64,
    pub starts_min: i32,
    pub ends_min: i32,
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
    pub from_starts_min: i32,
    pub to_site_id: Option<i64>,
    pub to_starts_min: Option<i32>,
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
    round: &RoundRow,
    plan: &SlotPlanRows,
) -> QueryResult<()> {
    diesel::delete(slot_loads::table.filter(slot_loads::round_id.eq(round.id))).execute(conn)?;
    diesel::delete(slot_unplaced::table.filter(slot_unplaced::round_id.eq(round.id)))
        .execute(conn)?;
    match conn {
        // A million rows by binary COPY: a new round's straight into the table, a re-plan's
        // into a temporary table of the same name (it shadows the stored one for this
        // connection), from which only the residents whose slot changed are written (the
        // migration `plan_writes`, which also checks the rows' references once per
        // statement instead of once a row).
        DbConnection::Pg(c) => {
            let stored = diesel::select(diesel::dsl::exists(
                slot_assignments::table
                    .filter(slot_assignments::district_id.eq(round.district_id))
                    .filter(slot_assignments::round_id.eq(round.id)),
            ))
            .get_result::<bool>(c)?;
            if stored {
                c.batch_execute(
                    "CREATE TEMP TABLE slot_assignments \
                     (LIKE slot_assignments INCLUDING DEFAULTS) ON COMMIT DROP",
                )?;
            }
            diesel::copy_from(slot_assignments::table)
                .from_insertable(&plan.assignments)
                .execute(c)?;
            if stored {
                diesel::sql_query("SELECT replace_slot_assignments($1, $2)")
                    .bind::<diesel::sql_types::BigInt, _>(round.district_id)
                    .bind::<diesel::sql_types::BigInt, _>(round.id)
                    .execute(c)?;
            }
        }
        DbConnection::Sqlite(c) => {
            diesel::delete(
                slot_assignments::table
                    .filter(slot_assignments::district_id.eq(round.district_id))
                    .filter(slot_assignments::round_id.eq(round.id)),
            )
            .execute(c)?;
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
    round: &RoundRow,
) -> QueryResult<Vec<(String, String, i32, i32)>> {
    slot_assignments::table
        .inner_join(
            residents::table.on(residents::district_id
                .eq(slot_assignments::district_id)
                .and(residents::id.eq(slot_assignments::resident_id))),
        )
        .inner_join(sites::table)
        .filter(slot_assignments::district_id.eq(round.district_id))
        .filter(slot_assignments::round_id.eq(round.id))
        .select((
            residents::code,
            sites::code,
            slot_assignments::starts_min,
            slot_assignments::ends_min,
        ))
        .order((sites::code, slot_assignments::starts_min, residents::code))
        .load(conn)
}

/// A round's slots with their planned people and predicted queues, by site code and time.
pub fn slot_loads(conn: &mut DbConnection, round_id: i64) -> QueryResult<Vec<(String, LoadRow)>> {
    slot_loads::table
        .inner_join(sites::table)
        .filter(slot_loads::round_id.eq(round_id))
        .select((sites::code, LoadRow::as_select()))
        .order((sites::code, slot_loads::starts_min))
        .load(conn)
}

pub fn assignment(
    conn: &mut DbConnection,
    round: &RoundRow,
    resident_id: i64,
) -> QueryResult<Option<AssignmentRow>> {
    slot_assignments::table
        .filter(slot_assignments::district_id.eq(round.district_id))
        .filter(slot_assignments::round_id.eq(round.id))
        .filter(slot_assignments::resident_id.eq(resident_id))
        .select(AssignmentRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn load_of(
    conn: &mut DbConnection,
    round_id: i64,
    site_id: i64,
    starts_min: i32,
) -> QueryResult<Option<LoadRow>> {
    slot_loads::table
        .find((round_id, site_id, starts_min))
        .select(LoadRow::as_select())
        .get_result(conn)
        .optional()
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
            .filter(slot_assignments::district_id.eq(to.district_id))
            .filter(slot_assignments::round_id.eq(to.round_id))
            .filter(slot_assignments::resident_id.eq(to.resident_id)),
    )
    .set((
        slot_assignments::site_id.eq(to.site_id),
        slot_assignments::starts_min.eq(to.starts_min),
        slot_assignments::ends_min.eq(to.ends_min),
    ))
    .execute(conn)?;
    for load in loads {
        diesel::update(slot_loads::table.find((load.round_id, load.site_id, load.starts_min)))
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
