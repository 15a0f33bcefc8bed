//! Tubes, the swabs in them, and who must be sampled again.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rounds::RoundRow;
use super::schema::{buildings, residents, rounds, samples, tubes};
use super::DbConnection;
use crate::domain::{RecallReason, TubeStatus};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = tubes)]
pub struct TubeRow {
    pub id: i64,
    pub district_id: i64,
    pub round_id: i64,
    pub code: String,
    pub team_id: i64,
    pub pool_size: i32,
    /// Swabs in it so far; never more than `pool_size` (a check in the table).
    pub swabs: i32,
    pub status: TubeStatus,
}

/// The district's tube with this code.
pub fn tube(conn: &mut DbConnection, district_id: i64, code: &str) -> QueryResult<Option<TubeRow>> {
    crate::on_backend!(conn, |c| tubes::table
        .filter(tubes::district_id.eq(district_id))
        .filter(tubes::code.eq(code))
        .select(TubeRow::as_select())
        .get_result(c)
        .optional())
}

/// Opens a tube; `None` when a tube with this code exists in the district (tube codes are
/// unique there, so of two openings at once one gets `None`).
pub fn open_tube(
    conn: &mut DbConnection,
    district_id: i64,
    round_id: i64,
    code: &str,
    team_id: i64,
    pool_size: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<TubeRow>> {
    let opened = crate::on_backend!(conn, |c| diesel::insert_into(tubes::table)
        .values((
            tubes::district_id.eq(district_id),
            tubes::round_id.eq(round_id),
            tubes::code.eq(code),
            tubes::team_id.eq(team_id),
            tubes::pool_size.eq(pool_size),
            tubes::status.eq(TubeStatus::Open),
            tubes::opened_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if opened == 0 {
        return Ok(None);
    }
    tube(conn, district_id, code)
}

/// Takes a place for one more swab in an open tube, closing it when that fills it, and
/// gives the tube as it is then; `None` when the tube is closed or full. One conditional
/// update, so concurrent scans into one tube queue on its row and never fill it past its
/// pool size.
pub fn take_place(
    conn: &mut DbConnection,
    tube_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<TubeRow>> {
    use diesel::dsl::case_when;
    use diesel::sql_types::{Nullable, Text, Timestamp};
    let fills = (tubes::swabs + 1).ge(tubes::pool_size);
    let query = diesel::update(
        tubes::table
            .find(tube_id)
            .filter(tubes::status.eq(TubeStatus::Open))
            .filter(tubes::swabs.lt(tubes::pool_size)),
    )
    .set((
        tubes::swabs.eq(tubes::swabs + 1),
        tubes::status
            .eq(case_when::<_, _, Text>(fills, TubeStatus::Closed).otherwise(tubes::status)),
        tubes::closed_at
            .eq(case_when::<_, _, Nullable<Timestamp>>(fills, Some(now))
                .otherwise(tubes::closed_at)),
    ));
    crate::on_backend!(conn, |c| query
        .returning(TubeRow::as_returning())
        .get_result(c)
        .optional())
}

/// A resident's latest sample in a round.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct LatestSample {
    pub tube: String,
    pub tube_status: TubeStatus,
    pub taken_at: NaiveDateTime,
    /// 1 for the first sample of the round, 2 for the retest after it, …
    pub attempt: i32,
}

/// A resident's latest sample in the round `tube` belongs to.
pub fn latest_sample(
    conn: &mut DbConnection,
    tube: &TubeRow,
    resident_id: i64,
) -> QueryResult<Option<LatestSample>> {
    let query = samples::table
        .inner_join(tubes::table)
        .filter(samples::district_id.eq(tube.district_id))
        .filter(samples::round_id.eq(tube.round_id))
        .filter(samples::resident_id.eq(resident_id))
        .select((
            tubes::code,
            tubes::status,
            samples::taken_at,
            samples::attempt,
        ))
        .order(samples::attempt.desc());
    // A resident has a sample or two per round: all of them, then the latest, instead of
    // `LIMIT ?` (see the note on single-row reads in store/mod.rs).
    crate::on_backend!(conn, |c| query.load(c)).map(|samples: Vec<_>| samples.into_iter().next())
}

/// Records a swab as the resident's `attempt`-th sample of the round; false when that
/// attempt is recorded already (by a scan at the same moment, perhaps at another site).
pub fn add_sample(
    conn: &mut DbConnection,
    tube: &TubeRow,
    resident_id: i64,
    attempt: i32,
    taken_by: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let added = crate::on_backend!(conn, |c| diesel::insert_into(samples::table)
        .values((
            samples::district_id.eq(tube.district_id),
            samples::round_id.eq(tube.round_id),
            samples::resident_id.eq(resident_id),
            samples::tube_id.eq(tube.id),
            samples::attempt.eq(attempt),
            samples::taken_at.eq(now),
            samples::taken_by.eq(taken_by),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(added == 1)
}

/// Closes an open tube that holds a swab; false otherwise.
pub fn close_tube(conn: &mut DbConnection, tube_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let query = diesel::update(
        tubes::table
            .find(tube_id)
            .filter(tubes::status.eq(TubeStatus::Open))
            .filter(tubes::swabs.gt(0)),
    )
    .set((
        tubes::status.eq(TubeStatus::Closed),
        tubes::closed_at.eq(now),
    ));
    Ok(crate::on_backend!(conn, |c| query.execute(c))? == 1)
}

/// The district's tubes with these codes, by code (codes not found are absent).
pub fn tubes_by_code(
    conn: &mut DbConnection,
    district_id: i64,
    codes: &[&str],
) -> QueryResult<HashMap<String, TubeRow>> {
    let mut found = HashMap::with_capacity(codes.len());
    // Within SQLite's limit on bound values.
    for chunk in codes.chunks(10_000) {
        let rows: Vec<TubeRow> = crate::on_backend!(conn, |c| tubes::table
            .filter(tubes::district_id.eq(district_id))
            .filter(tubes::code.eq_any(chunk))
            .select(TubeRow::as_select())
            .load(c))?;
        found.extend(rows.into_iter().map(|t| (t.code.clone(), t)));
    }
    Ok(found)
}

/// What an instrument reports beside the result, where it does.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measured {
    pub ct_value: Option<f64>,
    /// UTC.
    pub tested_at: Option<NaiveDateTime>,
}

/// Gives a closed tube its result; false when it is not closed (still open, or a result is
/// there already — of two results at once, one is recorded and the other refused).
pub fn set_result(
    conn: &mut DbConnection,
    tube_id: i64,
    result: TubeStatus,
    measured: Measured,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let query = diesel::update(
        tubes::table
            .find(tube_id)
            .filter(tubes::status.eq(TubeStatus::Closed)),
    )
    .set((
        tubes::status.eq(result),
        tubes::result_at.eq(now),
        tubes::ct_value.eq(measured.ct_value),
        tubes::tested_at.eq(measured.tested_at),
    ));
    Ok(crate::on_backend!(conn, |c| query.execute(c))? == 1)
}

/// Residents of a round to be sampled again, and why: those whose latest sample is in a
/// positive tube (a single-tube retest) or an invalid one (sampling again), and, where the
/// round recalls households, the household contacts of positive pools.
pub fn retests_needed(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> QueryResult<HashMap<i64, RecallReason>> {
    let mut needed: HashMap<i64, RecallReason> = own_retests(conn, round)?
        .into_iter()
        .map(|(resident, status)| {
            let reason = if status == TubeStatus::Positive {
                RecallReason::PositivePool
            } else {
                RecallReason::InvalidTube
            };
            (resident, reason)
        })
        .collect();
    for resident in household_contacts(conn, round)? {
        needed.entry(resident).or_insert(RecallReason::Household);
    }
    Ok(needed)
}

/// Residents whose own latest sample of the round is in a positive or invalid tube, with
/// that tube's status.
fn own_retests(conn: &mut DbConnection, round: &RoundRow) -> QueryResult<HashMap<i64, TubeStatus>> {
    let flagged: Vec<i64> = samples::table
        .inner_join(tubes::table)
        .filter(samples::district_id.eq(round.district_id))
        .filter(samples::round_id.eq(round.id))
        .filter(tubes::status.eq_any([TubeStatus::Positive, TubeStatus::Invalid]))
        .select(samples::resident_id)
        .load(conn)?;
    let history: Vec<(i64, TubeStatus)> = samples::table
        .inner_join(tubes::table)
        .filter(samples::district_id.eq(round.district_id))
        .filter(samples::round_id.eq(round.id))
        .filter(samples::resident_id.eq_any(&flagged))
        .select((samples::resident_id, tubes::status))
        .order((samples::taken_at, samples::id))
        .load(conn)?;
    let mut latest = HashMap::new();
    for (resident, status) in history {
        latest.insert(resident, status);
    }
    latest.retain(|_, status| status.recalls());
    Ok(latest)
}

/// Where the round recalls households: the residents living with someone whose sample was
/// in a positive tube, and not sampled themselves since that result.
pub fn household_contacts(conn: &mut DbConnection, round: &RoundRow) -> QueryResult<Vec<i64>> {
    if !round.recall_households {
        return Ok(Vec::new());
    }
    let positives: Vec<(i64, Option<NaiveDateTime>)> = samples::table
        .inner_join(tubes::table)
        .filter(samples::district_id.eq(round.district_id))
        .filter(samples::round_id.eq(round.id))
        .filter(tubes::status.eq(TubeStatus::Positive))
        .select((samples::resident_id, tubes::result_at))
        .load(conn)?;
    if positives.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = positives.iter().map(|p| p.0).collect();
    let homes: Vec<(i64, i64, String)> = residents::table
        .filter(residents::district_id.eq(round.district_id))
        .filter(residents::id.eq_any(&ids))
        .filter(residents::household.ne(""))
        .select((residents::id, residents::building_id, residents::household))
        .load(conn)?;
    // Per household (building, code): the latest positive result among its members.
    let mut result_of_home: HashMap<(i64, String), NaiveDateTime> = HashMap::new();
    let result_at: HashMap<i64, NaiveDateTime> = positives
        .iter()
        .filter_map(|&(r, at)| Some((r, at?)))
        .collect();
    for (resident, building, household) in &homes {
        if let Some(&at) = result_at.get(resident) {
            let latest = result_of_home
                .entry((*building, household.clone()))
                .or_insert(at);
            *latest = (*latest).max(at);
        }
    }
    let buildings: Vec<i64> = result_of_home.keys().map(|k| k.0).collect();
    let households: Vec<&str> = result_of_home.keys().map(|k| k.1.as_str()).collect();
    let members: Vec<(i64, i64, String)> = residents::table
        .filter(residents::district_id.eq(round.district_id))
        .filter(residents::building_id.eq_any(buildings))
        .filter(residents::household.eq_any(households))
        .select((residents::id, residents::building_id, residents::household))
        .load(conn)?;
    let members: Vec<(i64, NaiveDateTime)> = members
        .into_iter()
        .filter(|(id, _, _)| !result_at.contains_key(id))
        .filter_map(|(id, building, household)| {
            result_of_home
                .get(&(building, household))
                .map(|&at| (id, at))
        })
        .collect();
    let member_ids: Vec<i64> = members.iter().map(|m| m.0).collect();
    let sampled: Vec<(i64, NaiveDateTime)> = samples::table
        .filter(samples::district_id.eq(round.district_id))
        .filter(samples::round_id.eq(round.id))
        .filter(samples::resident_id.eq_any(&member_ids))
        .select((samples::resident_id, samples::taken_at))
        .load(conn)?;
    let mut last_sampled: HashMap<i64, NaiveDateTime> = HashMap::new();
    for (resident, at) in sampled {
        let last = last_sampled.entry(resident).or_insert(at);
        *last = (*last).max(at);
    }
    Ok(members
        .into_iter()
        .filter(|(id, result)| last_sampled.get(id).is_none_or(|sampled| sampled < result))
        .map(|(id, _)| id)
        .collect())
}

/// Where the round of `tube` recalls households and a member of the resident's household
/// was in a positive tube whose result came after `since`: that tube's code.
pub fn household_positive_since(
    conn: &mut DbConnection,
    tube: &TubeRow,
    resident_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let recalls: bool = rounds::table
        .find(tube.round_id)
        .select(rounds::recall_households)
        .get_result(conn)?;
    let home: Vec<(i64, String)> = residents::table
        .filter(residents::district_id.eq(tube.district_id))
        .filter(residents::id.eq(resident_id))
        .filter(residents::household.ne(""))
        .select((residents::building_id, residents::household))
        .load(conn)?;
    let Some((building, household)) = home.into_iter().next().filter(|_| recalls) else {
        return Ok(None);
    };
    let members: Vec<i64> = residents::table
        .filter(residents::district_id.eq(tube.district_id))
        .filter(residents::building_id.eq(building))
        .filter(residents::household.eq(household))
        .filter(residents::id.ne(resident_id))
        .select(residents::id)
        .load(conn)?;
    let positive: Vec<(String, Option<NaiveDateTime>)> = samples::table
        .inner_join(tubes::table)
        .filter(samples::district_id.eq(tube.district_id))
        .filter(samples::round_id.eq(tube.round_id))
        .filter(samples::resident_id.eq_any(&members))
        .filter(tubes::status.eq(TubeStatus::Positive))
        .select((tubes::code, tubes::result_at))
        .load(conn)?;
    Ok(positive
        .into_iter()
        .find(|(_, at)| at.is_some_and(|at| at > since))
        .map(|(code, _)| code))
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

pub fn recall_rows(
    conn: &mut DbConnection,
    district_id: i64,
    ids: &[i64],
) -> QueryResult<Vec<RecallRow>> {
    residents::table
        .inner_join(buildings::table)
        .filter(residents::district_id.eq(district_id))
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
