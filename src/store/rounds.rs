//! Testing rounds as stored: their date, window, status and the walking of their plan.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::rounds;
use super::DbConnection;
use crate::domain::RoundStatus;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: i64,
    pub district_id: i64,
    pub date: NaiveDate,
    pub starts_min: i32,
    pub ends_min: i32,
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
    /// Whether a positive pool recalls its residents' households too.
    pub recall_households: bool,
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
    pub district_id: i64,
    pub date: NaiveDate,
    pub starts_min: i32,
    pub ends_min: i32,
    pub slot_minutes: i32,
    pub status: RoundStatus,
    pub created_at: chrono::NaiveDateTime,
    pub recall_households: bool,
}

/// Every round of the district, by date.
pub fn all_rounds(conn: &mut DbConnection, district_id: i64) -> QueryResult<Vec<RoundRow>> {
    rounds::table
        .filter(rounds::district_id.eq(district_id))
        .order(rounds::date)
        .select(RoundRow::as_select())
        .load(conn)
}

/// The district's first published round on or after `from`.
pub fn next_published(
    conn: &mut DbConnection,
    district_id: i64,
    from: NaiveDate,
) -> QueryResult<Option<RoundRow>> {
    // All of them (a round a day), not `LIMIT ?`: see the note on single-row reads.
    let rounds: Vec<RoundRow> = rounds::table
        .filter(rounds::district_id.eq(district_id))
        .filter(rounds::date.ge(from))
        .filter(rounds::status.eq(RoundStatus::Published))
        .order(rounds::date)
        .select(RoundRow::as_select())
        .load(conn)?;
    Ok(rounds.into_iter().next())
}

/// The district's round on `date`.
pub fn round_on(
    conn: &mut DbConnection,
    district_id: i64,
    date: NaiveDate,
) -> QueryResult<Option<RoundRow>> {
    crate::on_backend!(conn, |c| rounds::table
        .filter(rounds::district_id.eq(district_id))
        .filter(rounds::date.eq(date))
        .select(RoundRow::as_select())
        .get_result(c)
        .optional())
}

pub fn create_round(conn: &mut DbConnection, round: NewRound) -> QueryResult<RoundRow> {
    let (district_id, date) = (round.district_id, round.date);
    diesel::insert_into(rounds::table)
        .values(round)
        .execute(conn)?;
    round_on(conn, district_id, date)?.ok_or(diesel::result::Error::NotFound)
}

pub fn update_round_times(
    conn: &mut DbConnection,
    id: i64,
    starts_min: i32,
    ends_min: i32,
    slot_minutes: i32,
) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set((
            rounds::starts_min.eq(starts_min),
            rounds::ends_min.eq(ends_min),
            rounds::slot_minutes.eq(slot_minutes),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets whether a positive pool recalls households in this round.
pub fn set_recall_households(conn: &mut DbConnection, id: i64, recall: bool) -> QueryResult<()> {
    diesel::update(rounds::table.find(id))
        .set(rounds::recall_households.eq(recall))
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
