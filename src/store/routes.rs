//! Home-visit routes as stored: teams' stops, their days, the residents no team can visit,
//! and the outcomes recorded at the doors.

use diesel::prelude::*;

use super::rounds::RoundRow;
use super::schema::{
    buildings, residents, rounds, route_stops, route_unvisited, team_routes, teams, visit_outcomes,
};
use super::DbConnection;
use crate::domain::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = route_stops)]
pub struct StopRow {
    pub district_id: i64,
    pub round_id: i64,
    pub resident_id: i64,
    pub team_id: i64,
    pub seq: i32,
    pub arrives_s: i32,
    pub starts_s: i32,
    pub ends_s: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = team_routes)]
pub struct TeamRouteRow {
    pub round_id: i64,
    pub team_id: i64,
    /// Stops planned from where the team starts (or, after a re-plan, goes on).
    pub visits: i32,
    pub leaves_s: i32,
    pub returns_s: i32,
    pub distance_metres: i64,
    pub travel_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = route_unvisited)]
pub struct UnvisitedRow {
    pub round_id: i64,
    pub resident_id: i64,
    pub reason: &'static str,
}

/// The stored stops of a round, by team and order.
pub fn stops(conn: &mut DbConnection, round: &RoundRow) -> QueryResult<Vec<StopRow>> {
    route_stops::table
        .filter(route_stops::district_id.eq(round.district_id))
        .filter(route_stops::round_id.eq(round.id))
        .select(StopRow::as_select())
        .order((route_stops::team_id, route_stops::seq))
        .load(conn)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = visit_outcomes)]
pub struct OutcomeRow {
    pub id: i64,
    pub resident_id: i64,
    pub team_id: i64,
    pub outcome: Outcome,
    pub recorded_at: chrono::NaiveDateTime,
}

/// Every outcome recorded in a round, oldest first.
pub fn outcomes(conn: &mut DbConnection, round: &RoundRow) -> QueryResult<Vec<OutcomeRow>> {
    visit_outcomes::table
        .filter(visit_outcomes::district_id.eq(round.district_id))
        .filter(visit_outcomes::round_id.eq(round.id))
        .select(OutcomeRow::as_select())
        .order((visit_outcomes::recorded_at, visit_outcomes::id))
        .load(conn)
}

/// The latest outcome recorded at a resident's door this round, if any.
pub fn last_outcome(
    conn: &mut DbConnection,
    round: &RoundRow,
    resident_id: i64,
) -> QueryResult<Option<Outcome>> {
    let query = visit_outcomes::table
        .filter(visit_outcomes::district_id.eq(round.district_id))
        .filter(visit_outcomes::round_id.eq(round.id))
        .filter(visit_outcomes::resident_id.eq(resident_id))
        .select(visit_outcomes::outcome)
        .order((
            visit_outcomes::recorded_at.desc(),
            visit_outcomes::id.desc(),
        ));
    // A door has an outcome or two a round: all, then the latest (no `LIMIT ?`, see store/mod.rs).
    crate::on_backend!(conn, |c| query.load::<Outcome>(c)).map(|all| all.into_iter().next())
}

#[derive(Debug, Clone, PartialEq, Insertable)]
#[diesel(table_name = visit_outcomes)]
pub struct NewOutcome<'a> {
    pub district_id: i64,
    pub round_id: i64,
    pub resident_id: i64,
    pub team_id: i64,
    pub outcome: Outcome,
    pub tube_code: Option<&'a str>,
    pub note: &'a str,
    /// Who recorded it, as the audit names them (`team:T001`).
    pub recorded_by: &'a str,
    pub recorded_at: chrono::NaiveDateTime,
}

pub fn record_outcome(conn: &mut DbConnection, outcome: &NewOutcome) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(visit_outcomes::table)
        .values(outcome)
        .execute(c))?;
    Ok(())
}

/// A round's routes, replacing the stored ones (stops already made included: the caller
/// passes them again).
pub struct RouteRows {
    pub teams: Vec<TeamRouteRow>,
    pub stops: Vec<StopRow>,
    pub unvisited: Vec<UnvisitedRow>,
}

// SQLite allows 32,766 bound values a statement; rows here bind at most 7.
const CHUNK: usize = 32_766 / 7;

pub fn replace_routes(
    conn: &mut DbConnection,
    round: &RoundRow,
    rows: &RouteRows,
) -> QueryResult<()> {
    diesel::delete(team_routes::table.filter(team_routes::round_id.eq(round.id))).execute(conn)?;
    diesel::delete(
        route_stops::table
            .filter(route_stops::district_id.eq(round.district_id))
            .filter(route_stops::round_id.eq(round.id)),
    )
    .execute(conn)?;
    diesel::delete(route_unvisited::table.filter(route_unvisited::round_id.eq(round.id)))
        .execute(conn)?;
    for chunk in rows.teams.chunks(CHUNK) {
        crate::on_backend!(conn, |c| diesel::insert_into(team_routes::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in rows.stops.chunks(CHUNK) {
        crate::on_backend!(conn, |c| diesel::insert_into(route_stops::table)
            .values(chunk)
            .execute(c))?;
    }
    for chunk in rows.unvisited.chunks(CHUNK) {
        crate::on_backend!(conn, |c| diesel::insert_into(route_unvisited::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// One exported stop: team code, order, resident code, arrival, start and end.
pub type ExportedStop = (String, i32, String, i32, i32, i32);

pub fn route_export(conn: &mut DbConnection, round: &RoundRow) -> QueryResult<Vec<ExportedStop>> {
    route_stops::table
        .inner_join(teams::table)
        .inner_join(
            residents::table.on(residents::district_id
                .eq(route_stops::district_id)
                .and(residents::id.eq(route_stops::resident_id))),
        )
        .filter(route_stops::district_id.eq(round.district_id))
        .filter(route_stops::round_id.eq(round.id))
        .select((
            teams::code,
            route_stops::seq,
            residents::code,
            route_stops::arrives_s,
            route_stops::starts_s,
            route_stops::ends_s,
        ))
        .order((teams::code, route_stops::seq))
        .load(conn)
}

/// Residents no team can visit: code and reason.
pub fn unvisited_export(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> QueryResult<Vec<(String, String)>> {
    route_unvisited::table
        .inner_join(
            residents::table.on(residents::district_id
                .eq(round.district_id)
                .and(residents::id.eq(route_unvisited::resident_id))),
        )
        .filter(route_unvisited::round_id.eq(round.id))
        .select((residents::code, route_unvisited::reason))
        .order(residents::code)
        .load(conn)
}

/// Per team with a route: its code and its day.
pub fn team_days(
    conn: &mut DbConnection,
    round_id: i64,
) -> QueryResult<Vec<(String, TeamRouteRow)>> {
    team_routes::table
        .inner_join(teams::table)
        .filter(team_routes::round_id.eq(round_id))
        .select((teams::code, TeamRouteRow::as_select()))
        .order(teams::code)
        .load(conn)
}

/// One stop of a team's route as the team sees it.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct TeamStop {
    pub seq: i32,
    pub resident_id: i64,
    pub resident: String,
    pub name: String,
    pub phone_masked: Option<String>,
    pub address: String,
    pub unit: String,
    pub floor: i32,
    pub room: String,
    pub has_elevator: bool,
    pub notes: String,
    pub available_from_min: Option<i32>,
    pub available_to_min: Option<i32>,
    pub arrives_s: i32,
    pub starts_s: i32,
    pub ends_s: i32,
    pub lat: f64,
    pub lon: f64,
    pub phone_sealed: Option<Vec<u8>>,
}

/// A team's stops on `date` in visiting order, each with the latest outcome recorded at
/// its door this round — one statement, as a team's phone asks for it every few minutes
/// all day: the round found by its date, and the outcomes of the team's doors only (not
/// every door of the round, which grows all day). No stops: no round that day, or none
/// for the team.
pub fn team_stops(
    conn: &mut DbConnection,
    district_id: i64,
    date: chrono::NaiveDate,
    team_id: i64,
) -> QueryResult<Vec<(TeamStop, Option<Outcome>)>> {
    let query = route_stops::table
        .inner_join(
            rounds::table.on(rounds::district_id
                .eq(district_id)
                .and(rounds::id.eq(route_stops::round_id))),
        )
        .inner_join(
            residents::table
                .on(residents::district_id
                    .eq(route_stops::district_id)
                    .and(residents::id.eq(route_stops::resident_id)))
                .inner_join(buildings::table),
        )
        .left_join(
            visit_outcomes::table.on(visit_outcomes::district_id
                .eq(district_id)
                .and(visit_outcomes::round_id.eq(route_stops::round_id))
                .and(visit_outcomes::resident_id.eq(route_stops::resident_id))),
        )
        .filter(route_stops::district_id.eq(district_id))
        .filter(rounds::date.eq(date))
        .filter(route_stops::team_id.eq(team_id))
        .select((
            (
                route_stops::seq,
                residents::id,
                residents::code,
                residents::name,
                residents::phone_masked,
                buildings::address,
                residents::unit,
                residents::floor,
                residents::room,
                buildings::has_elevator,
                residents::notes,
                residents::available_from_min,
                residents::available_to_min,
                route_stops::arrives_s,
                route_stops::starts_s,
                route_stops::ends_s,
                buildings::lat,
                buildings::lon,
                residents::phone_sealed,
            ),
            visit_outcomes::outcome.nullable(),
        ))
        .order((
            route_stops::seq,
            visit_outcomes::recorded_at,
            visit_outcomes::id,
        ));
    let rows: Vec<(TeamStop, Option<Outcome>)> = crate::on_backend!(conn, |c| query.load(c))?;
    // A door with several outcomes comes once per outcome, the latest last: it is kept.
    let mut stops: Vec<(TeamStop, Option<Outcome>)> = Vec::with_capacity(rows.len());
    for (stop, outcome) in rows {
        match stops.last_mut() {
            Some(last) if last.0.seq == stop.seq => last.1 = outcome,
            _ => stops.push((stop, outcome)),
        }
    }
    Ok(stops)
}

/// The team whose route holds this resident in this round, if any.
pub fn team_of_stop(
    conn: &mut DbConnection,
    round: &RoundRow,
    resident_id: i64,
) -> QueryResult<Option<i64>> {
    route_stops::table
        .filter(route_stops::district_id.eq(round.district_id))
        .filter(route_stops::round_id.eq(round.id))
        .filter(route_stops::resident_id.eq(resident_id))
        .select(route_stops::team_id)
        .get_result(conn)
        .optional()
}
