//! Mobile teams as stored, written by code, and the teams that make home visits.

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::roster::SMALL_BATCH;
use super::schema::{buildings, residents, teams};
use super::DbConnection;
use crate::domain;
use crate::on_backend;

#[derive(Insertable)]
#[diesel(table_name = teams)]
#[diesel(treat_none_as_default_value = false)]
pub struct TeamRow {
    pub district_id: i64,
    pub code: String,
    pub name: String,
    pub members: i32,
    pub start_lat: f64,
    pub start_lon: f64,
    pub shift_start_min: i32,
    pub shift_end_min: i32,
    pub speed_kmh: f64,
    pub max_visits: i32,
}

impl TeamRow {
    /// The district's team as stored.
    pub fn new(district_id: i64, team: domain::Team) -> Self {
        TeamRow {
            district_id,
            code: team.code.as_str().to_string(),
            name: team.name,
            members: team.members,
            start_lat: team.start.lat,
            start_lon: team.start.lon,
            shift_start_min: team.shift_start.minutes(),
            shift_end_min: team.shift_end.minutes(),
            speed_kmh: team.speed_kmh,
            max_visits: team.max_visits,
        }
    }
}

pub fn upsert_teams(conn: &mut DbConnection, rows: &[TeamRow]) -> QueryResult<()> {
    use teams::*;
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(table)
            .values(chunk)
            .on_conflict((district_id, code))
            .do_update()
            .set((
                name.eq(excluded(name)),
                members.eq(excluded(members)),
                start_lat.eq(excluded(start_lat)),
                start_lon.eq(excluded(start_lon)),
                shift_start_min.eq(excluded(shift_start_min)),
                shift_end_min.eq(excluded(shift_end_min)),
                speed_kmh.eq(excluded(speed_kmh)),
                max_visits.eq(excluded(max_visits)),
            ))
            .execute(c))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct StoredTeam {
    pub id: i64,
    pub code: String,
    pub start_lat: f64,
    pub start_lon: f64,
    pub shift_start_min: i32,
    pub shift_end_min: i32,
    pub speed_kmh: f64,
    pub max_visits: i32,
}

/// The district's teams, in the order they were first stored.
pub fn all_teams(conn: &mut DbConnection, district_id: i64) -> QueryResult<Vec<StoredTeam>> {
    teams::table
        .filter(teams::district_id.eq(district_id))
        .select(StoredTeam::as_select())
        .order(teams::id)
        .load(conn)
}

/// A resident who needs a home visit, with where and when.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct HomeVisitor {
    pub id: i64,
    pub floor: i32,
    pub available_from_min: Option<i32>,
    pub available_to_min: Option<i32>,
    pub lat: f64,
    pub lon: f64,
    pub has_elevator: bool,
}

/// The district's residents who need a home visit.
pub fn home_visitors(conn: &mut DbConnection, district_id: i64) -> QueryResult<Vec<HomeVisitor>> {
    residents::table
        .inner_join(buildings::table)
        .filter(residents::district_id.eq(district_id))
        .filter(residents::home_visit.eq(true))
        .select((
            residents::id,
            residents::floor,
            residents::available_from_min,
            residents::available_to_min,
            buildings::lat,
            buildings::lon,
            buildings::has_elevator,
        ))
        .order(residents::id)
        .load(conn)
}
