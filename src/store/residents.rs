//! Residents as stored: written from a roster by code (only the rows that changed), found by
//! ID hash or code, and a resident's own slot as the resident's lookup reads it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sqlite::Sqlite;

use super::schema::{
    buildings, districts, resident_id_hashes, residents, rounds, route_stops, sites,
    slot_assignments,
};
use super::DbConnection;
use crate::domain::{self, IdHash, PersonalDataKey};
use crate::on_backend;

/// A resident as stored. `Hash` gives the fingerprint that tells a changed row from an
/// unchanged one when a roster is imported again.
#[derive(Debug, Clone, PartialEq, Hash, Insertable, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = residents)]
#[diesel(treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct ResidentRow {
    pub district_id: i64,
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
    pub mobility: domain::Mobility,
    pub home_visit: bool,
    pub available_from_min: Option<i32>,
    pub available_to_min: Option<i32>,
    pub notes: String,
    /// The phone, sealed: opened only for the team whose route visits the resident.
    pub phone_sealed: Option<Vec<u8>>,
}

impl ResidentRow {
    /// The stored form: ID number reduced to a keyed hash and a mask, phone to a mask and a
    /// sealed copy.
    pub fn new(
        district_id: i64,
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
            district_id,
            code: resident.code.as_str().to_string(),
            name: resident.name,
            building_id,
            unit: resident.unit,
            floor: resident.floor,
            room: resident.room,
            household: resident.household,
            birth_year: resident.birth_year,
            mobility: resident.mobility,
            home_visit: resident.home_visit,
            available_from_min: resident.available_from.map(domain::TimeOfDay::minutes),
            available_to_min: resident.available_to.map(domain::TimeOfDay::minutes),
            notes: resident.notes,
        }
    }
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

    /// The residents of one district.
    pub fn load(conn: &mut DbConnection, district_id: i64) -> QueryResult<Self> {
        let rows: Vec<(i64, ResidentRow)> = residents::table
            .filter(residents::district_id.eq(district_id))
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
                    // By district first: on PostgreSQL, only that district's partition.
                    let update = diesel::update(
                        residents::table
                            .filter(residents::district_id.eq(row.district_id))
                            .filter(residents::id.eq(*id)),
                    )
                    .set(row);
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

/// Whether the district has no residents stored yet (its next import is its first).
pub fn none_stored(conn: &mut DbConnection, district_id: i64) -> QueryResult<bool> {
    let any = diesel::select(diesel::dsl::exists(
        residents::table.filter(residents::district_id.eq(district_id)),
    ));
    Ok(!crate::on_backend!(conn, |c| any.get_result::<bool>(c))?)
}

/// Taken first by the transaction that writes a district's first roster. On PostgreSQL the
/// residents' partition, attached at the end, takes the tables its references point to
/// (buildings, districts) in SHARE ROW EXCLUSIVE mode, which waits for every transaction
/// writing them — and this one writes the roster's buildings first. Two first imports
/// taking it at the end would each wait for the other's buildings: taken first, the
/// second waits for the first to end. Meanwhile other districts' writes to buildings (a
/// later import's) wait too; reads, scans and lookups do not. On SQLite the transaction
/// already holds the database's one write lock.
pub fn lock_for_first_load(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        c.batch_execute("LOCK TABLE districts, buildings IN SHARE ROW EXCLUSIVE MODE")?;
    }
    Ok(())
}

/// Where a district's first residents are written: on PostgreSQL, when the district has no
/// residents partition yet (its first import), into a temporary table named `residents`,
/// which takes the partitioned table's place for this connection until
/// [`finish_first_load`] makes it the district's partition (the migration `first_load`):
/// the COPY meets no index, no reference and no trigger. Otherwise into `residents` itself.
#[must_use]
pub struct FirstLoad {
    own_partition: bool,
}

/// Begins writing a district's first residents, inside the transaction that writes them.
pub fn begin_first_load(conn: &mut DbConnection, district_id: i64) -> QueryResult<FirstLoad> {
    let DbConnection::Pg(c) = conn else {
        return Ok(FirstLoad {
            own_partition: false,
        });
    };
    let own_partition = !super::districts::has_partition(c, "residents", district_id)?;
    if own_partition {
        c.batch_execute(
            "CREATE TEMP TABLE residents \
             (LIKE residents INCLUDING DEFAULTS INCLUDING CONSTRAINTS) ON COMMIT DROP",
        )?;
    }
    Ok(FirstLoad { own_partition })
}

/// Ends writing a district's first residents: on PostgreSQL, the rows loaded become the
/// district's partition, with its indexes and references made once, and their ID hashes
/// registered for the city (refused, as a unique violation, where another district has
/// one).
pub fn finish_first_load(
    conn: &mut DbConnection,
    district_id: i64,
    load: FirstLoad,
) -> QueryResult<()> {
    if let (DbConnection::Pg(c), true) = (conn, load.own_partition) {
        diesel::sql_query("SELECT residents_attach_loaded($1)")
            .bind::<diesel::sql_types::BigInt, _>(district_id)
            .execute(c)?;
    }
    Ok(())
}

/// A `ROWS`-row `INSERT` of residents that diesel keeps prepared: every full chunk runs
/// the same compiled statement. (SQLite compiles a multi-row insert into a program as
/// long as its rows, so compiling one per chunk costs more than running it; a statement
/// per row pays for opening every index's cursor once per row instead. diesel's own batch
/// insert is never cached.) `OR FAIL`: a failed constraint (rows were checked before, so
/// only another district's import at the same moment can fail one: an ID number it stored
/// first) means the whole transaction is rolled back by its caller, so the statement's own
/// rows need not be undone and no statement journal is kept; the transaction stays open
/// for that rollback and the error keeps its kind (`OR ROLLBACK` ended the transaction
/// under diesel, which then reported only that it had none to roll back).
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
            "INSERT OR FAIL INTO residents (district_id, code, name, id_hash, id_masked, phone_masked, building_id, \
             unit, floor, room, household, birth_year, mobility, home_visit, available_from_min, \
             available_to_min, notes, phone_sealed) VALUES ",
        );
        for (i, row) in self.0.iter().enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            out.push_bind_param::<BigInt, _>(&row.district_id)?;
            out.push_sql(", ");
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
            out.push_bind_param::<Nullable<Integer>, _>(&row.available_from_min)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Integer>, _>(&row.available_to_min)?;
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

/// One resident and what the round on one date planned for them.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ResidentSlot {
    pub resident_id: i64,
    pub name: String,
    pub phone_masked: Option<String>,
    /// The resident's building.
    pub home: (f64, f64),
    pub round_status: crate::domain::RoundStatus,
    /// At a site: its name, the slot (minutes after midnight) and where it is.
    pub site: Option<String>,
    pub slot: Option<(i32, i32)>,
    pub site_location: Option<(f64, f64)>,
    /// A home visit: the planned start, seconds after midnight.
    pub visit_starts_s: Option<i32>,
}

/// The resident with this ID hash and their slot or visit on `date`, in one statement (on
/// SQLite, each statement outside a transaction takes and drops a read lock, a quarter of a
/// lookup's time when the lookup took three): the lookup is the busiest read a round has.
/// `None` when there is no such resident or no round on that date.
///
/// The resident's district comes from `resident_id_hashes` and every other table is joined
/// through it: on PostgreSQL each partitioned table is then read in that district's
/// partition alone (pruned as the join runs), whatever the number of districts.
pub fn slot_of(
    conn: &mut DbConnection,
    id_hash: &[u8],
    date: NaiveDate,
) -> QueryResult<Option<ResidentSlot>> {
    let district = resident_id_hashes::district_id;
    let query = resident_id_hashes::table
        .inner_join(
            residents::table.on(residents::district_id
                .eq(district)
                .and(residents::id_hash.eq(resident_id_hashes::id_hash))),
        )
        .inner_join(buildings::table.on(buildings::id.eq(residents::building_id)))
        .inner_join(rounds::table.on(rounds::district_id.eq(district).and(rounds::date.eq(date))))
        .left_join(
            slot_assignments::table.on(slot_assignments::district_id
                .eq(district)
                .and(slot_assignments::round_id.eq(rounds::id))
                .and(slot_assignments::resident_id.eq(residents::id))),
        )
        .left_join(sites::table.on(sites::id.eq(slot_assignments::site_id)))
        .left_join(
            route_stops::table.on(route_stops::district_id
                .eq(district)
                .and(route_stops::round_id.eq(rounds::id))
                .and(route_stops::resident_id.eq(residents::id))),
        )
        .filter(resident_id_hashes::id_hash.eq(id_hash))
        .select((
            residents::id,
            residents::name,
            residents::phone_masked,
            (buildings::lat, buildings::lon),
            rounds::status,
            sites::name.nullable(),
            (slot_assignments::starts_min, slot_assignments::ends_min).nullable(),
            (sites::lat, sites::lon).nullable(),
            route_stops::starts_s.nullable(),
        ));
    crate::on_backend!(conn, |c| query.get_result(c).optional())
}

/// How a sampler names the resident in front of them.
#[derive(Debug, Clone, Copy)]
pub enum Named<'a> {
    /// By the id a ticket carries.
    Id(i64),
    /// By the district's resident code.
    Code(&'a str),
    /// By the keyed hash of their ID number.
    IdHash(&'a crate::domain::IdHash),
}

/// The district's resident so named: id, code and name (which the scan's answer confirms
/// them by) — in the one statement a scan spends on finding whom the swab is from.
pub fn named(
    conn: &mut DbConnection,
    district_id: i64,
    named: Named,
) -> QueryResult<Option<(i64, String, String)>> {
    let of_district = residents::table.filter(residents::district_id.eq(district_id));
    let found = (residents::id, residents::code, residents::name);
    match named {
        Named::Id(id) => {
            let query = of_district.filter(residents::id.eq(id)).select(found);
            crate::on_backend!(conn, |c| query.get_result(c).optional())
        }
        Named::Code(code) => {
            let query = of_district.filter(residents::code.eq(code)).select(found);
            crate::on_backend!(conn, |c| query.get_result(c).optional())
        }
        Named::IdHash(hash) => {
            let query = of_district
                .filter(residents::id_hash.eq(hash.as_bytes()))
                .select(found);
            crate::on_backend!(conn, |c| query.get_result(c).optional())
        }
    }
}

/// The district a resident with this ID hash is registered in (an ID number is the
/// city's), with the resident's name and masked phone to check a lookup's proof against.
pub fn district_of(
    conn: &mut DbConnection,
    hash: &crate::domain::IdHash,
) -> QueryResult<Option<(super::districts::DistrictRow, String, Option<String>)>> {
    crate::on_backend!(conn, |c| resident_id_hashes::table
        .inner_join(districts::table.on(districts::id.eq(resident_id_hashes::district_id)))
        .inner_join(
            residents::table.on(residents::district_id
                .eq(resident_id_hashes::district_id)
                .and(residents::id_hash.eq(resident_id_hashes::id_hash))),
        )
        .filter(resident_id_hashes::id_hash.eq(hash.as_bytes()))
        .select((
            super::districts::DistrictRow::as_select(),
            residents::name,
            residents::phone_masked,
        ))
        .get_result(c)
        .optional())
}

/// Of these ID hashes, those registered in another district than `district_id`, with that
/// district's code (an ID number is unique across the city). One index over the city, not
/// one per district: `resident_id_hashes`.
pub fn registered_elsewhere(
    conn: &mut DbConnection,
    district_id: i64,
    hashes: &[&[u8]],
) -> QueryResult<Vec<(Vec<u8>, String)>> {
    let mut found = Vec::new();
    for chunk in hashes.chunks(super::roster::SMALL_BATCH) {
        let query = resident_id_hashes::table
            .inner_join(districts::table.on(districts::id.eq(resident_id_hashes::district_id)))
            .filter(resident_id_hashes::id_hash.eq_any(chunk))
            .filter(resident_id_hashes::district_id.ne(district_id))
            .select((resident_id_hashes::id_hash, districts::code));
        found.extend(crate::on_backend!(conn, |c| query.load::<(Vec<u8>, String)>(c))?);
    }
    Ok(found)
}

/// Residents of the district who walk to a site (no home visit): id, building, household;
/// grouped by building and household.
pub fn walkers(conn: &mut DbConnection, district_id: i64) -> QueryResult<Vec<(i64, i64, String)>> {
    residents::table
        .filter(residents::district_id.eq(district_id))
        .filter(residents::home_visit.eq(false))
        .select((residents::id, residents::building_id, residents::household))
        .order((residents::building_id, residents::household, residents::id))
        .load(conn)
}

/// A resident's id by the district's code.
pub fn resident_id(
    conn: &mut DbConnection,
    district_id: i64,
    code: &str,
) -> QueryResult<Option<i64>> {
    let query = residents::table
        .filter(residents::district_id.eq(district_id))
        .filter(residents::code.eq(code))
        .select(residents::id);
    crate::on_backend!(conn, |c| query.get_result(c).optional())
}
