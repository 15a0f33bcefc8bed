//! The roster as stored: communities, buildings, residents, sites and teams, written by
//! code (an updated roster updates rows by their code; nothing is deleted).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sqlite::Sqlite;
use diesel::upsert::excluded;
use serde::Serialize;

use super::schema::{buildings, communities, residents, sites, teams};
use super::DbConnection;
use crate::domain::{self, IdHash, PersonalDataKey};
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

/// A resident as stored. `Hash` gives the fingerprint that tells a changed row from an
/// unchanged one when a roster is imported again.
#[derive(Debug, Clone, PartialEq, Hash, Insertable, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = residents)]
#[diesel(treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct ResidentRow {
    pub code: String,
    pub name: String,
    pub id_hash: Vec<u8>,
    pub id_masked: String,
    pub phone_masked: Option<String>,
    pub building_id: i64,
    pub unit: String,
    pub floor: i32,
    pub room: String,
    pub household: String,
    pub birth_year: Option<i32>,
    pub mobility: String,
    pub home_visit: bool,
    pub available_from: Option<i32>,
    pub available_to: Option<i32>,
    pub notes: String,
    /// The phone, sealed: opened only for the team whose route visits the resident.
    pub phone_sealed: Option<Vec<u8>>,
}

impl ResidentRow {
    /// The stored form: ID number reduced to a keyed hash and a mask, phone to a mask and a
    /// sealed copy.
    pub fn new(
        resident: domain::Resident,
        building_id: i64,
        id_hash: IdHash,
        key: &PersonalDataKey,
    ) -> Self {
        ResidentRow {
            phone_sealed: resident
                .phone
                .as_ref()
                .map(|p| key.seal_phone(resident.code.as_str(), p.as_str())),
            id_hash: id_hash.as_bytes().to_vec(),
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
            mobility: resident.mobility.as_str().to_string(),
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

// SQLite allows 32,766 bound values per statement and PostgreSQL 65,535; this batch
// size stays under the smaller limit for the widest of these tables.
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

/// What is stored of each resident, for an import to compare against.
#[derive(Default)]
pub struct StoredResidents {
    /// Code → (row id, fingerprint of the stored row).
    by_code: HashMap<String, (i64, u64)>,
    /// ID-number hash → code.
    by_id_hash: HashMap<IdHash, String>,
}

fn fingerprint(row: &ResidentRow) -> u64 {
    // The same hasher for stored and incoming rows within one run: that is all it needs.
    let mut hasher = std::hash::DefaultHasher::new();
    row.hash(&mut hasher);
    hasher.finish()
}

impl StoredResidents {
    /// Whether the district has no residents yet.
    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    pub fn load(conn: &mut DbConnection) -> QueryResult<Self> {
        let rows: Vec<(i64, ResidentRow)> = residents::table
            .select((residents::id, ResidentRow::as_select()))
            .load(conn)?;
        let mut stored = StoredResidents {
            by_code: HashMap::with_capacity(rows.len()),
            by_id_hash: HashMap::with_capacity(rows.len()),
        };
        for (id, row) in rows {
            let hash = IdHash::from_bytes(&row.id_hash).ok_or_else(|| {
                diesel::result::Error::DeserializationError(
                    format!("resident {} has a malformed id_hash", row.code).into(),
                )
            })?;
            stored.by_id_hash.insert(hash, row.code.clone());
            stored
                .by_code
                .insert(row.code.clone(), (id, fingerprint(&row)));
        }
        Ok(stored)
    }

    /// The resident whose ID number has this hash, if any.
    pub fn owner_of(&self, id_hash: &IdHash) -> Option<&str> {
        self.by_id_hash.get(id_hash).map(String::as_str)
    }

    /// Writes `rows`: new codes are inserted in bulk (batched multi-row `INSERT` on SQLite,
    /// binary `COPY` on PostgreSQL), changed ones updated, unchanged ones left alone — so
    /// importing the same roster twice writes nothing the second time.
    pub fn write(&self, conn: &mut DbConnection, rows: &[ResidentRow]) -> QueryResult<()> {
        let mut new = Vec::new();
        for row in rows {
            match self.by_code.get(&row.code) {
                None => new.push(row),
                Some((_, stored)) if *stored == fingerprint(row) => {}
                Some((id, _)) => {
                    let update = diesel::update(residents::table.find(*id)).set(row);
                    on_backend!(conn, |c| update.execute(c))?;
                }
            }
        }
        match conn {
            DbConnection::Pg(c) => {
                diesel::copy_from(residents::table)
                    .from_insertable(new)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                let mut chunks = new.chunks_exact(INSERT_CHUNK);
                for chunk in &mut chunks {
                    let chunk = chunk.try_into().expect("chunks_exact gives full chunks");
                    InsertResidents::<INSERT_CHUNK>(chunk).execute(c)?;
                }
                for row in chunks.remainder() {
                    InsertResidents::<1>(&[*row]).execute(c)?;
                }
            }
        }
        Ok(())
    }
}

/// A `ROWS`-row `INSERT` of residents that diesel keeps prepared: every full chunk runs
/// the same compiled statement. (SQLite compiles a multi-row insert into a program as
/// long as its rows, so compiling one per chunk costs more than running it; a statement
/// per row pays for opening every index's cursor once per row instead. diesel's own batch
/// insert is never cached.) `OR ROLLBACK`: rows were checked before, so a failed
/// constraint means the whole import is off, and no statement journal is needed.
struct InsertResidents<'a, const ROWS: usize>(&'a [&'a ResidentRow; ROWS]);

/// Rows per prepared statement.
const INSERT_CHUNK: usize = 64;

impl<const ROWS: usize> QueryId for InsertResidents<'_, ROWS> {
    type QueryId = InsertResidents<'static, ROWS>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const ROWS: usize> QueryFragment<Sqlite> for InsertResidents<'_, ROWS> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Binary, Bool, Integer, Nullable, Text};
        out.push_sql(
            "INSERT OR ROLLBACK INTO residents (code, name, id_hash, id_masked, phone_masked, building_id, \
             unit, floor, room, household, birth_year, mobility, home_visit, available_from, \
             available_to, notes, phone_sealed) VALUES ",
        );
        for (i, row) in self.0.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<Text, _>(&row.code)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.name)?;
            out.push_sql(", ");
            out.push_bind_param::<Binary, _>(&row.id_hash)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.id_masked)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&row.phone_masked)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&row.building_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.unit)?;
            out.push_sql(", ");
            out.push_bind_param::<Integer, _>(&row.floor)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.room)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.household)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Integer>, _>(&row.birth_year)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.mobility)?;
            out.push_sql(", ");
            out.push_bind_param::<Bool, _>(&row.home_visit)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Integer>, _>(&row.available_from)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Integer>, _>(&row.available_to)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&row.notes)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Binary>, _>(&row.phone_sealed)?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<const ROWS: usize> RunQueryDsl<SqliteConnection> for InsertResidents<'_, ROWS> {}

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

pub fn totals(conn: &mut DbConnection) -> QueryResult<Totals> {
    Ok(Totals {
        buildings: buildings::table.count().get_result(conn)?,
        residents: residents::table.count().get_result(conn)?,
        sites: sites::table.count().get_result(conn)?,
        teams: teams::table.count().get_result(conn)?,
    })
}
