//! Tubes, the swabs in them, and who must be sampled again.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{buildings, residents, samples, tubes};
use super::DbConnection;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = tubes)]
pub struct TubeRow {
    pub id: i64,
    pub round_id: i64,
    pub code: String,
    pub team_id: i64,
    pub pool_size: i32,
    pub status: String,
}

pub fn tube(conn: &mut DbConnection, code: &str) -> QueryResult<Option<TubeRow>> {
    crate::on_backend!(conn, |c| tubes::table
        .filter(tubes::code.eq(code))
        .select(TubeRow::as_select())
        .get_result(c)
        .optional())
}

pub fn open_tube(
    conn: &mut DbConnection,
    round_id: i64,
    code: &str,
    team_id: i64,
    pool_size: i32,
    now: NaiveDateTime,
) -> QueryResult<TubeRow> {
    crate::on_backend!(conn, |c| diesel::insert_into(tubes::table)
        .values((
            tubes::round_id.eq(round_id),
            tubes::code.eq(code),
            tubes::team_id.eq(team_id),
            tubes::pool_size.eq(pool_size),
            tubes::status.eq("open"),
            tubes::opened_at.eq(now),
        ))
        .execute(c))?;
    tube(conn, code)?.ok_or(diesel::result::Error::NotFound)
}

pub fn swabs_in(conn: &mut DbConnection, tube_id: i64) -> QueryResult<i64> {
    let query = samples::table.filter(samples::tube_id.eq(tube_id)).count();
    crate::on_backend!(conn, |c| query.get_result(c))
}

/// A resident's latest sample in a round: tube code, tube status, pool size, when.
pub fn latest_sample(
    conn: &mut DbConnection,
    round_id: i64,
    resident_id: i64,
) -> QueryResult<Option<(String, String, i32, NaiveDateTime)>> {
    let query = samples::table
        .inner_join(tubes::table)
        .filter(samples::round_id.eq(round_id))
        .filter(samples::resident_id.eq(resident_id))
        .select((
            tubes::code,
            tubes::status,
            tubes::pool_size,
            samples::taken_at,
        ))
        .order((samples::taken_at.desc(), samples::id.desc()));
    // A resident has a sample or two per round: all of them, then the latest, instead of
    // `LIMIT ?` (see the note on single-row reads in store/mod.rs).
    crate::on_backend!(conn, |c| query.load(c)).map(|samples: Vec<_>| samples.into_iter().next())
}

pub fn add_sample(
    conn: &mut DbConnection,
    round_id: i64,
    resident_id: i64,
    tube_id: i64,
    taken_by: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(samples::table)
        .values((
            samples::round_id.eq(round_id),
            samples::resident_id.eq(resident_id),
            samples::tube_id.eq(tube_id),
            samples::taken_at.eq(now),
            samples::taken_by.eq(taken_by),
        ))
        .execute(c))?;
    Ok(())
}

pub fn close_tube(conn: &mut DbConnection, tube_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let query = diesel::update(tubes::table.find(tube_id))
        .set((tubes::status.eq("closed"), tubes::closed_at.eq(now)));
    crate::on_backend!(conn, |c| query.execute(c))?;
    Ok(())
}

pub fn set_result(
    conn: &mut DbConnection,
    tube_id: i64,
    result: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(tubes::table.find(tube_id))
        .set((tubes::status.eq(result), tubes::result_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Residents of a round whose latest sample is in a positive tube (a single-tube retest)
/// or an invalid one (sampling again): resident id → that tube's status.
pub fn retests_needed(conn: &mut DbConnection, round_id: i64) -> QueryResult<HashMap<i64, String>> {
    let flagged: Vec<i64> = samples::table
        .inner_join(tubes::table)
        .filter(samples::round_id.eq(round_id))
        .filter(tubes::status.eq_any(["positive", "invalid"]))
        .select(samples::resident_id)
        .load(conn)?;
    let history: Vec<(i64, String)> = samples::table
        .inner_join(tubes::table)
        .filter(samples::round_id.eq(round_id))
        .filter(samples::resident_id.eq_any(&flagged))
        .select((samples::resident_id, tubes::status))
        .order((samples::taken_at, samples::id))
        .load(conn)?;
    let mut latest = HashMap::new();
    for (resident, status) in history {
        latest.insert(resident, status);
    }
    latest.retain(|_, status| status == "positive" || status == "invalid");
    Ok(latest)
}

/// One line of the recall list.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct RecallRow {
    pub resident_id: i64,
    pub resident: String,
    pub name: String,
    pub building: String,
    pub unit: String,
    pub floor: i32,
    pub room: String,
    pub home_visit: bool,
}

pub fn recall_rows(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<RecallRow>> {
    residents::table
        .inner_join(buildings::table)
        .filter(residents::id.eq_any(ids))
        .select((
            residents::id,
            residents::code,
            residents::name,
            buildings::code,
            residents::unit,
            residents::floor,
            residents::room,
            residents::home_visit,
        ))
        .order((
            buildings::code,
            residents::unit,
            residents::floor,
            residents::room,
        ))
        .load(conn)
}
