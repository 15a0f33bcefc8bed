//! The districts of the city: the tenants of the database.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::districts;
use super::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = districts)]
pub struct DistrictRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// IANA name; empty for the district a database from before districts became, which
    /// reads its clock from `district.timezone`.
    pub timezone: String,
}

/// Adds a district; `None` when its code is taken.
pub fn add_district(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    timezone: &str,
) -> QueryResult<Option<DistrictRow>> {
    conn.transaction(|conn| {
        // On PostgreSQL making the partitions adds triggers to districts (the partitions
        // reference it), which waits for every transaction that wrote a row of it: two adds
        // at once, each holding its new row and waiting for the other's, deadlocked. One
        // add at a time, the other waiting here before it writes anything. (Reads of
        // districts and references to it go on.)
        if let DbConnection::Pg(c) = &mut *conn {
            c.batch_execute("LOCK TABLE districts IN SHARE ROW EXCLUSIVE MODE")?;
        }
        let added = crate::on_backend!(conn, |c| diesel::insert_into(districts::table)
            .values((
                districts::code.eq(code),
                districts::name.eq(name),
                districts::timezone.eq(timezone),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        if added == 0 {
            return Ok(None);
        }
        let district = district_by_code(conn, code)?;
        // On PostgreSQL the large tables are partitioned by district (the migration
        // `district_keys`): the new district's partitions come with it.
        if let (DbConnection::Pg(c), Some(d)) = (&mut *conn, &district) {
            diesel::sql_query("SELECT district_partitions($1)")
                .bind::<diesel::sql_types::BigInt, _>(d.id)
                .execute(c)?;
        }
        Ok(district)
    })
}

pub fn district_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<DistrictRow>> {
    districts::table
        .filter(districts::code.eq(code))
        .select(DistrictRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn district_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<DistrictRow>> {
    districts::table
        .find(id)
        .select(DistrictRow::as_select())
        .get_result(conn)
        .optional()
}

/// Every district, by code.
pub fn all_districts(conn: &mut DbConnection) -> QueryResult<Vec<DistrictRow>> {
    districts::table
        .order(districts::code)
        .select(DistrictRow::as_select())
        .load(conn)
}

/// A district's tables that its bulk writes fill: an import its residents, a plan its slot
/// assignments and route stops.
#[derive(Debug, Clone, Copy)]
pub enum Bulk {
    Residents,
    SlotAssignments,
    RouteStops,
}

/// Gives the planner fresh statistics of a table a district's bulk write filled. On
/// PostgreSQL a partition written in bulk has none until autovacuum comes round to it (never
/// where autovacuum is off), and a partitioned table's own statistics — which estimate every
/// join through it — are never made by autovacuum at all: without them a lookup was planned
/// as if the partitions were empty (6 lookups a second), and a team's route expected
/// 135,000 residents for 27 stops and hashed every building (both measured in a city of
/// ten million). So the district's partition is analyzed, and the partitioned table too when
/// it has no statistics or its rows have changed by more than a tenth since they were made —
/// `ANALYZE` of a partitioned table (before PostgreSQL 17's `ANALYZE ONLY`) analyzes every
/// district's partition as well, which made each plan in a city of ten districts a tenth
/// slower than alone. SQLite plans by its indexes.
pub fn analyze(conn: &mut DbConnection, table: Bulk, district_id: i64) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Stale {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        stale: bool,
    }
    let DbConnection::Pg(c) = conn else {
        return Ok(());
    };
    let name = match table {
        Bulk::Residents => "residents",
        Bulk::SlotAssignments => "slot_assignments",
        Bulk::RouteStops => "route_stops",
    };
    // (A district's residents' partition is made by its first roster with residents.)
    if has_partition(c, name, district_id)? {
        diesel::sql_query(format!("ANALYZE {name}_d{district_id}")).execute(c)?;
    }
    // The partitioned table's row count as its statistics last saw it, against its
    // partitions' as they are now.
    let stale = diesel::sql_query(
        "SELECT p.reltuples <= 0 \
                OR abs(coalesce(sum(greatest(c.reltuples, 0)), 0) - p.reltuples) > p.reltuples / 10 \
                AS stale \
         FROM pg_class p LEFT JOIN pg_inherits i ON i.inhparent = p.oid \
         LEFT JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE p.oid = to_regclass(format('%I.%I', current_schema(), $1)) GROUP BY p.reltuples",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .get_result::<Stale>(c)?
    .stale;
    if stale {
        diesel::sql_query(format!("ANALYZE {name}")).execute(c)?;
    }
    Ok(())
}

/// Whether the district's partition of the partitioned table `table` exists (a district's
/// residents' partition is made by its first roster, the others with the district).
pub(super) fn has_partition(
    conn: &mut diesel::PgConnection,
    table: &str,
    district_id: i64,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    Ok(diesel::sql_query(
        "SELECT to_regclass(format('%I.%I', current_schema(), $1 || '_d' || $2::bigint)) \
         IS NOT NULL AS exists",
    )
    .bind::<diesel::sql_types::Text, _>(table)
    .bind::<diesel::sql_types::BigInt, _>(district_id)
    .get_result::<Exists>(conn)?
    .exists)
}
