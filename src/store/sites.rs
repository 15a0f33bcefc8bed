//! Sampling sites as stored, written by code, and the lanes an office closes for a round.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::roster::SMALL_BATCH;
use super::schema::{lane_closures, sites};
use super::DbConnection;
use crate::domain;
use crate::on_backend;

#[derive(Insertable)]
#[diesel(table_name = sites)]
#[diesel(treat_none_as_default_value = false)]
pub struct SiteRow {
    pub district_id: i64,
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub lanes: i32,
    pub per_lane_per_hour: i32,
    pub opens_min: i32,
    pub closes_min: i32,
    pub queue_capacity: i32,
}

impl SiteRow {
    /// The district's site as stored.
    pub fn new(district_id: i64, site: domain::Site) -> Self {
        SiteRow {
            district_id,
            code: site.code.as_str().to_string(),
            name: site.name,
            lat: site.location.lat,
            lon: site.location.lon,
            lanes: site.lanes,
            per_lane_per_hour: site.per_lane_per_hour,
            opens_min: site.opens_at.minutes(),
            closes_min: site.closes_at.minutes(),
            queue_capacity: site.queue_capacity,
        }
    }
}

pub fn upsert_sites(conn: &mut DbConnection, rows: &[SiteRow]) -> QueryResult<()> {
    use sites::*;
    for chunk in rows.chunks(SMALL_BATCH) {
        on_backend!(conn, |c| diesel::insert_into(table)
            .values(chunk)
            .on_conflict((district_id, code))
            .do_update()
            .set((
                name.eq(excluded(name)),
                lat.eq(excluded(lat)),
                lon.eq(excluded(lon)),
                lanes.eq(excluded(lanes)),
                per_lane_per_hour.eq(excluded(per_lane_per_hour)),
                opens_min.eq(excluded(opens_min)),
                closes_min.eq(excluded(closes_min)),
                queue_capacity.eq(excluded(queue_capacity)),
            ))
            .execute(c))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = sites)]
pub struct StoredSite {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub lanes: i32,
    pub per_lane_per_hour: i32,
    pub opens_min: i32,
    pub closes_min: i32,
    pub queue_capacity: i32,
}

/// The district's sites, in the order they were first stored.
pub fn all_sites(conn: &mut DbConnection, district_id: i64) -> QueryResult<Vec<StoredSite>> {
    sites::table
        .filter(sites::district_id.eq(district_id))
        .select(StoredSite::as_select())
        .order(sites::id)
        .load(conn)
}

/// Lanes closed per site (by site id) for a round.
pub fn lane_closures(conn: &mut DbConnection, round_id: i64) -> QueryResult<HashMap<i64, i32>> {
    Ok(lane_closures::table
        .filter(lane_closures::round_id.eq(round_id))
        .select((lane_closures::site_id, lane_closures::lanes_closed))
        .load::<(i64, i32)>(conn)?
        .into_iter()
        .collect())
}

/// Sets how many of a site's lanes are closed for a round (0 reopens them all).
pub fn close_lanes(
    conn: &mut DbConnection,
    round_id: i64,
    site_id: i64,
    lanes_closed: i32,
) -> QueryResult<()> {
    diesel::delete(
        lane_closures::table
            .filter(lane_closures::round_id.eq(round_id))
            .filter(lane_closures::site_id.eq(site_id)),
    )
    .execute(conn)?;
    if lanes_closed > 0 {
        crate::on_backend!(conn, |c| diesel::insert_into(lane_closures::table)
            .values((
                lane_closures::round_id.eq(round_id),
                lane_closures::site_id.eq(site_id),
                lane_closures::lanes_closed.eq(lanes_closed),
            ))
            .execute(c))?;
    }
    Ok(())
}
