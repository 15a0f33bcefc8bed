//! Where a round stands, resident by resident: sampled, recalled, not home, refused or still
//! pending — from the swabs scanned, the lab's results (a positive pool recalls its
//! residents and, where the round says so, their households) and the doors' outcomes.

use std::collections::HashMap;

use diesel::prelude::*;

use super::rounds::RoundRow;
use super::schema::{buildings, communities, residents, samples, tubes, visit_outcomes};
use super::DbConnection;
use crate::domain::{Outcome, Standing, TubeStatus};

/// A resident's place and standing.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentStanding {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub floor: i32,
    pub room: String,
    pub standing: Standing,
}

#[derive(Queryable)]
struct Place {
    id: i64,
    code: String,
    name: String,
    community: String,
    building: String,
    unit: String,
    floor: i32,
    room: String,
}

/// Every resident of the round's district (or of one of its buildings), with their standing.
pub fn standings(
    conn: &mut DbConnection,
    round: &RoundRow,
    building: Option<&str>,
) -> QueryResult<Vec<ResidentStanding>> {
    let mut query = residents::table
        .inner_join(buildings::table.inner_join(communities::table))
        .filter(residents::district_id.eq(round.district_id))
        .select((
            residents::id,
            residents::code,
            residents::name,
            communities::name,
            buildings::code,
            residents::unit,
            residents::floor,
            residents::room,
        ))
        .order((
            buildings::code,
            residents::unit,
            residents::floor,
            residents::room,
            residents::code,
        ))
        .into_boxed();
    if let Some(code) = building {
        query = query.filter(buildings::code.eq(code.to_string()));
    }
    let people: Vec<Place> = query.load(conn)?;
    let known = known_standings(conn, round)?;
    Ok(people
        .into_iter()
        .map(|p| ResidentStanding {
            standing: known.get(&p.id).copied().unwrap_or(Standing::Pending),
            id: p.id,
            code: p.code,
            name: p.name,
            community: p.community,
            building: p.building,
            unit: p.unit,
            floor: p.floor,
            room: p.room,
        })
        .collect())
}

/// For counting without naming anyone: how many residents the round's district has, and
/// the standing of each one a swab or a door has spoken for (everyone else is pending).
pub fn spoken_for(conn: &mut DbConnection, round: &RoundRow) -> QueryResult<(u32, Vec<Standing>)> {
    let expected: i64 = residents::table
        .filter(residents::district_id.eq(round.district_id))
        .count()
        .get_result(conn)?;
    let known = known_standings(conn, round)?;
    Ok((
        u32::try_from(expected).unwrap_or(u32::MAX),
        known.into_values().collect(),
    ))
}

/// The standing of every resident a swab or a door has spoken for in the round: the
/// latest swab decides, then the latest door. Everyone else is pending.
fn known_standings(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> QueryResult<HashMap<i64, Standing>> {
    let swabs: Vec<(i64, TubeStatus)> = samples::table
        .inner_join(tubes::table)
        .filter(samples::district_id.eq(round.district_id))
        .filter(samples::round_id.eq(round.id))
        .select((samples::resident_id, tubes::status))
        .order((samples::taken_at, samples::id))
        .load(conn)?;
    let mut latest_swab = HashMap::new();
    for (resident, status) in swabs {
        latest_swab.insert(resident, status);
    }
    let doors: Vec<(i64, Outcome)> = visit_outcomes::table
        .filter(visit_outcomes::district_id.eq(round.district_id))
        .filter(visit_outcomes::round_id.eq(round.id))
        .select((visit_outcomes::resident_id, visit_outcomes::outcome))
        .order((visit_outcomes::recorded_at, visit_outcomes::id))
        .load(conn)?;
    let mut latest_door = HashMap::new();
    for (resident, outcome) in doors {
        latest_door.insert(resident, outcome);
    }
    let mut known: HashMap<i64, Standing> = latest_door
        .into_iter()
        .map(|(resident, outcome)| {
            let standing = match outcome {
                Outcome::Sampled => Standing::Sampled,
                Outcome::NotHome => Standing::NotHome,
                _ => Standing::Refused,
            };
            (resident, standing)
        })
        .collect();
    for (resident, swab) in latest_swab {
        let standing = if swab.recalls() {
            Standing::Recalled
        } else {
            Standing::Sampled
        };
        known.insert(resident, standing);
    }
    for resident in super::tubes::household_contacts(conn, round)? {
        known.insert(resident, Standing::Recalled);
    }
    Ok(known)
}

/// When each resident was first sampled in a round (a swab scanned, or a door that said
/// sampled), UTC: one time per resident.
pub fn first_samples(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> QueryResult<Vec<chrono::NaiveDateTime>> {
    let mut first: HashMap<i64, chrono::NaiveDateTime> = HashMap::new();
    let swabs: Vec<(i64, chrono::NaiveDateTime)> = samples::table
        .filter(samples::district_id.eq(round.district_id))
        .filter(samples::round_id.eq(round.id))
        .select((samples::resident_id, samples::taken_at))
        .load(conn)?;
    let doors: Vec<(i64, chrono::NaiveDateTime)> = visit_outcomes::table
        .filter(visit_outcomes::district_id.eq(round.district_id))
        .filter(visit_outcomes::round_id.eq(round.id))
        .filter(visit_outcomes::outcome.eq(Outcome::Sampled))
        .select((visit_outcomes::resident_id, visit_outcomes::recorded_at))
        .load(conn)?;
    for (resident, at) in swabs.into_iter().chain(doors) {
        first
            .entry(resident)
            .and_modify(|t| *t = (*t).min(at))
            .or_insert(at);
    }
    Ok(first.into_values().collect())
}
