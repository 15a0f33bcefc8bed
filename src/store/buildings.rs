//! Communities and buildings as stored, written by code (an updated roster updates rows by
//! their code; nothing is deleted), and where each building is.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::roster::SMALL_BATCH;
use super::schema::{buildings, communities, residents};
use super::DbConnection;
use crate::on_backend;

#[derive(Insertable)]
#[diesel(table_name = buildings)]
#[diesel(treat_none_as_default_value = false)]
pub struct BuildingRow {
    pub district_id: i64,
    pub code: String,
    pub community_id: i64,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub floors: i32,
    pub has_elevator: bool,
}

/// What the import checks a resident's building against.
#[derive(Debug, Clone, Copy)]
pub struct StoredBuilding {
    pub id: i64,
    pub floors: i32,
}

/// Adds the district's communities not yet stored and returns the id of every one named.
pub fn ensure_communities(
    conn: &mut DbConnection,
    district_id: i64,
    names: &[String],
) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<_> = names
        .iter()
        .map(|n| {
            (
                communities::district_id.eq(district_id),
                communities::name.eq(n),
            )
        })
        .collect();
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(communities::table)
            .values(chunk)
            .on_conflict((communities::district_id, communities::name))
            .do_nothing()
            .execute(c))?;
    }
    let stored: Vec<(i64, String)> = communities::table
        .filter(communities::district_id.eq(district_id))
        .select((communities::id, communities::name))
        .load(conn)?;
    Ok(stored.into_iter().map(|(id, name)| (name, id)).collect())
}

pub fn upsert_buildings(conn: &mut DbConnection, rows: &[BuildingRow]) -> QueryResult<()> {
    use buildings::*;
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(table)
            .values(chunk)
            .on_conflict((district_id, code))
            .do_update()
            .set((
                community_id.eq(excluded(community_id)),
                address.eq(excluded(address)),
                lat.eq(excluded(lat)),
                lon.eq(excluded(lon)),
                floors.eq(excluded(floors)),
                has_elevator.eq(excluded(has_elevator)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Every stored building of the district by code.
pub fn buildings_by_code(
    conn: &mut DbConnection,
    district_id: i64,
) -> QueryResult<HashMap<String, StoredBuilding>> {
    let rows: Vec<(String, i64, i32)> = buildings::table
        .filter(buildings::district_id.eq(district_id))
        .select((buildings::code, buildings::id, buildings::floors))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, id, floors)| (code, StoredBuilding { id, floors }))
        .collect())
}

/// Where a resident lives: the latitude and longitude of their building.
pub fn home_of(
    conn: &mut DbConnection,
    district_id: i64,
    resident_id: i64,
) -> QueryResult<(f64, f64)> {
    residents::table
        .inner_join(buildings::table)
        .filter(residents::district_id.eq(district_id))
        .filter(residents::id.eq(resident_id))
        .select((buildings::lat, buildings::lon))
        .first(conn)
}

/// Every building of the district: id, code and location.
pub fn building_locations(
    conn: &mut DbConnection,
    district_id: i64,
) -> QueryResult<Vec<(i64, String, f64, f64)>> {
    buildings::table
        .filter(buildings::district_id.eq(district_id))
        .select((
            buildings::id,
            buildings::code,
            buildings::lat,
            buildings::lon,
        ))
        .order(buildings::id)
        .load(conn)
}
