//! The roster as stored: communities, buildings, residents, sites and teams, written by
//! code (an updated roster updates rows by their code; nothing is deleted).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;
use serde::Serialize;

use super::schema::{buildings, communities, residents, sites, teams};
use super::DbConnection;
use crate::domain::{self, IdHash};
use crate::on_backend;

#[derive(Insertable)]
#[diesel(table_name = buildings)]
#[diesel(treat_none_as_default_value = false)]
pub struct BuildingRow {
    pub code: String,
    pub community_id: i64,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub floors: i32,
    pub has_elevator: bool,
}

#[derive(Insertable)]
#[diesel(table_name = residents)]
#[diesel(treat_none_as_default_value = false)]
pub struct ResidentRow {
    pub code: String,
    pub name: String,
    pub id_hash: String,
    pub id_masked: String,
    pub phone_masked: Option<String>,
    pub building_id: i64,
    pub unit: String,
    pub floor: i32,
    pub room: String,
    pub household: String,
    pub birth_year: Option<i32>,
    pub mobility: &'static str,
    pub home_visit: bool,
    pub available_from: Option<i32>,
    pub available_to: Option<i32>,
    pub notes: String,
}

impl ResidentRow {
    /// The stored form: ID number and phone reduced to a keyed hash and masks.
    pub fn new(resident: domain::Resident, building_id: i64, id_hash: IdHash) -> Self {
        ResidentRow {
            id_hash: id_hash.to_hex(),
            id_masked: resident.id_number.masked(),
            phone_masked: resident.phone.as_ref().map(domain::Phone::masked),
            code: resident.code.as_str().to_string(),
            name: resident.name,
            building_id,
            unit: resident.unit,
            floor: resident.floor,
            room: resident.room,
            household: resident.household,
            birth_year: resident.birth_year,
            mobility: resident.mobility.as_str(),
            home_visit: resident.home_visit,
            available_from: resident.available_from.map(domain::TimeOfDay::minutes),
            available_to: resident.available_to.map(domain::TimeOfDay::minutes),
            notes: resident.notes,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = sites)]
#[diesel(treat_none_as_default_value = false)]
pub struct SiteRow {
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

impl From<domain::Site> for SiteRow {
    fn from(site: domain::Site) -> Self {
        SiteRow {
            code: site.code.as_str().to_string(),
            name: site.name,
            lat: site.location.lat,
            lon: site.location.lon,
            lanes: site.lanes,
            per_lane_per_hour: site.per_lane_per_hour,
            opens_at: site.opens_at.minutes(),
            closes_at: site.closes_at.minutes(),
            queue_capacity: site.queue_capacity,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = teams)]
#[diesel(treat_none_as_default_value = false)]
pub struct TeamRow {
    pub code: String,
    pub name: String,
    pub members: i32,
    pub start_lat: f64,
    pub start_lon: f64,
    pub shift_start: i32,
    pub shift_end: i32,
    pub speed_kmh: f64,
    pub max_visits: i32,
}

impl From<domain::Team> for TeamRow {
    fn from(team: domain::Team) -> Self {
        TeamRow {
            code: team.code.as_str().to_string(),
            name: team.name,
            members: team.members,
            start_lat: team.start.lat,
            start_lon: team.start.lon,
            shift_start: team.shift_start.minutes(),
            shift_end: team.shift_end.minutes(),
            speed_kmh: team.speed_kmh,
            max_visits: team.max_visits,
        }
    }
}

/// What the import checks a resident's building against.
#[derive(Debug, Clone, Copy)]
pub struct StoredBuilding {
    pub id: i64,
    pub floors: i32,
}

/// How many rows of each kind the district holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub buildings: i64,
    pub residents: i64,
    pub sites: i64,
    pub teams: i64,
}

// SQLite allows 32,766 bound values per statement and PostgreSQL 65,535; these batch
// sizes stay under the smaller limit for each table's column count.
const RESIDENT_BATCH: usize = 32_766 / 16;
const SMALL_BATCH: usize = 32_766 / 10;

/// Adds the communities not yet stored and returns the id of every one named.
pub fn ensure_communities(
    conn: &mut DbConnection,
    names: &[String],
) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<_> = names.iter().map(|n| communities::name.eq(n)).collect();
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(communities::table)
            .values(chunk)
            .on_conflict(communities::name)
            .do_nothing()
            .execute(c))?;
    }
    let stored: Vec<(i64, String)> = communities::table
        .select((communities::id, communities::name))
        .load(conn)?;
    Ok(stored.into_iter().map(|(id, name)| (name, id)).collect())
}

pub fn upsert_buildings(conn: &mut DbConnection, rows: &[BuildingRow]) -> QueryResult<()> {
    use buildings::*;
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(table)
            .values(chunk)
            .on_conflict(code)
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

pub fn upsert_residents(conn: &mut DbConnection, rows: &[ResidentRow]) -> QueryResult<()> {
    use residents::*;
    for chunk in rows.chunks(RESIDENT_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(table)
            .values(chunk)
            .on_conflict(code)
            .do_update()
            .set((
                (
                    name.eq(excluded(name)),
                    id_hash.eq(excluded(id_hash)),
                    id_masked.eq(excluded(id_masked)),
                    phone_masked.eq(excluded(phone_masked)),
                    building_id.eq(excluded(building_id)),
                    unit.eq(excluded(unit)),
                    floor.eq(excluded(floor)),
                    room.eq(excluded(room)),
                ),
                (
                    household.eq(excluded(household)),
                    birth_year.eq(excluded(birth_year)),
                    mobility.eq(excluded(mobility)),
                    home_visit.eq(excluded(home_visit)),
                    available_from.eq(excluded(available_from)),
                    available_to.eq(excluded(available_to)),
                    notes.eq(excluded(notes)),
                ),
            ))
            .execute(c))?;
    }
    Ok(())
}

pub fn upsert_sites(conn: &mut DbConnection, rows: &[SiteRow]) -> QueryResult<()> {
    use sites::*;
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(table)
            .values(chunk)
            .on_conflict(code)
            .do_update()
            .set((
                name.eq(excluded(name)),
                lat.eq(excluded(lat)),
                lon.eq(excluded(lon)),
                lanes.eq(excluded(lanes)),
                per_lane_per_hour.eq(excluded(per_lane_per_hour)),
                opens_at.eq(excluded(opens_at)),
                closes_at.eq(excluded(closes_at)),
                queue_capacity.eq(excluded(queue_capacity)),
            ))
            .execute(c))?;
    }
    Ok(())
}

pub fn upsert_teams(conn: &mut DbConnection, rows: &[TeamRow]) -> QueryResult<()> {
    use teams::*;
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(table)
            .values(chunk)
            .on_conflict(code)
            .do_update()
            .set((
                name.eq(excluded(name)),
                members.eq(excluded(members)),
                start_lat.eq(excluded(start_lat)),
                start_lon.eq(excluded(start_lon)),
                shift_start.eq(excluded(shift_start)),
                shift_end.eq(excluded(shift_end)),
                speed_kmh.eq(excluded(speed_kmh)),
                max_visits.eq(excluded(max_visits)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Every stored building by code.
pub fn buildings_by_code(conn: &mut DbConnection) -> QueryResult<HashMap<String, StoredBuilding>> {
    let rows: Vec<(String, i64, i32)> = buildings::table
        .select((buildings::code, buildings::id, buildings::floors))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(code, id, floors)| (code, StoredBuilding { id, floors }))
        .collect())
}

/// Which resident code each stored ID-number hash belongs to.
pub fn resident_codes_by_id_hash(conn: &mut DbConnection) -> QueryResult<HashMap<IdHash, String>> {
    let rows: Vec<(String, String)> = residents::table
        .select((residents::id_hash, residents::code))
        .load(conn)?;
    rows.into_iter()
        .map(|(hash, code)| match IdHash::from_hex(&hash) {
            Some(hash) => Ok((hash, code)),
            None => Err(diesel::result::Error::DeserializationError(
                format!("resident {code} has a malformed id_hash").into(),
            )),
        })
        .collect()
}

pub fn totals(conn: &mut DbConnection) -> QueryResult<Totals> {
    Ok(Totals {
        buildings: buildings::table.count().get_result(conn)?,
        residents: residents::table.count().get_result(conn)?,
        sites: sites::table.count().get_result(conn)?,
        teams: teams::table.count().get_result(conn)?,
    })
}
