//! The districts of the city: the tenants of the database.

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

/// Gives the planner fresh statistics of the district's residents after an import. On
/// PostgreSQL a partition loaded in bulk has none until autovacuum comes round to it, and
/// until then a lookup may be planned as if the partition were empty (6 lookups a second
/// instead of hundreds, measured in a city of ten million). SQLite plans by its indexes.
pub fn analyze_residents(conn: &mut DbConnection, district_id: i64) -> QueryResult<()> {
    if let DbConnection::Pg(c) = conn {
        // The partition `district_partitions` made for the district.
        diesel::sql_query(format!("ANALYZE residents_d{district_id}")).execute(c)?;
    }
    Ok(())
}
