//! A resident's own slot, as the resident's lookup reads it; residents by ID hash and code.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::schema::{buildings, residents, rounds, route_stops, sites, slot_assignments};
use super::DbConnection;

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
    pub visit_starts_at: Option<i32>,
}

/// The resident with this ID hash and their slot or visit on `date`, in one statement (on
/// SQLite, each statement outside a transaction takes and drops a read lock, a quarter of a
/// lookup's time when the lookup took three): the lookup is the busiest read a round has.
/// `None` when there is no such resident or no round on that date.
pub fn slot_of(
    conn: &mut DbConnection,
    id_hash: &[u8],
    date: NaiveDate,
) -> QueryResult<Option<ResidentSlot>> {
    let query = residents::table
        .inner_join(buildings::table)
        .inner_join(rounds::table.on(rounds::date.eq(date)))
        .left_join(
            slot_assignments::table.on(slot_assignments::round_id
                .eq(rounds::id)
                .and(slot_assignments::resident_id.eq(residents::id))),
        )
        .left_join(sites::table.on(sites::id.eq(slot_assignments::site_id)))
        .left_join(
            route_stops::table.on(route_stops::round_id
                .eq(rounds::id)
                .and(route_stops::resident_id.eq(residents::id))),
        )
        .filter(residents::id_hash.eq(id_hash))
        .select((
            residents::id,
            residents::name,
            residents::phone_masked,
            (buildings::lat, buildings::lon),
            rounds::status,
            sites::name.nullable(),
            (slot_assignments::starts_at, slot_assignments::ends_at).nullable(),
            (sites::lat, sites::lon).nullable(),
            route_stops::starts_at.nullable(),
        ));
    crate::on_backend!(conn, |c| query.get_result(c).optional())
}

/// A resident's code and name, as a sampler confirms whom a swab was from.
pub fn code_and_name(conn: &mut DbConnection, resident_id: i64) -> QueryResult<(String, String)> {
    let query = residents::table
        .filter(residents::id.eq(resident_id))
        .select((residents::code, residents::name));
    crate::on_backend!(conn, |c| query.get_result(c))
}

/// The resident whose ID number has this hash.
pub fn with_id_hash(
    conn: &mut DbConnection,
    hash: &crate::domain::IdHash,
) -> QueryResult<Option<i64>> {
    let query = residents::table
        .filter(residents::id_hash.eq(hash.as_bytes()))
        .select(residents::id);
    crate::on_backend!(conn, |c| query.get_result(c).optional())
}
