//! The roster as a whole: how many rows of each kind the district holds, and the batch
//! size its writes share.

use diesel::prelude::*;
use serde::Serialize;

use super::schema::{buildings, residents, sites, teams};
use super::DbConnection;

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
pub(super) const SMALL_BATCH: usize = 32_766 / 10;

/// How many rows of each kind the district holds.
pub fn totals(conn: &mut DbConnection, district_id: i64) -> QueryResult<Totals> {
    Ok(Totals {
        buildings: buildings::table
            .filter(buildings::district_id.eq(district_id))
            .count()
            .get_result(conn)?,
        residents: residents::table
            .filter(residents::district_id.eq(district_id))
            .count()
            .get_result(conn)?,
        sites: sites::table
            .filter(sites::district_id.eq(district_id))
            .count()
            .get_result(conn)?,
        teams: teams::table
            .filter(teams::district_id.eq(district_id))
            .count()
            .get_result(conn)?,
    })
}
