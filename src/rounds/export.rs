//! The office's CSV exports of a round: slots, routes, team days, residents no team can
//! visit, everyone still missing a sample and completion by building. Times are the district's local times.

use std::io::Write;

use chrono::NaiveDate;

use super::RoundError;
use crate::domain::{District, Standing, TimeOfDay};
use crate::store::completion;
use crate::store::routes;
use crate::store::Db;

/// Writes `resident,site,start,end` (local times, `YYYY-MM-DD HH:MM`), one row per resident
/// with a slot, by site and time.
pub fn export_slots(
    db: &Db,
    district: &District,
    date: NaiveDate,
    out: impl Write,
) -> Result<usize, RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    let rows = crate::store::slots::slot_export(&mut conn, &round)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["resident", "site", "start", "end"])?;
    let clock_minutes = |minutes: i32| {
        let time = TimeOfDay::from_minutes(minutes).expect("stored slot times lie inside the day");
        format!("{date} {time}")
    };
    for (resident, site, start, end) in &rows {
        writer.write_record([
            resident.as_str(),
            site.as_str(),
            &clock_minutes(*start),
            &clock_minutes(*end),
        ])?;
    }
    writer.flush()?;
    Ok(rows.len())
}

/// A route time (seconds after the round day's midnight) as a local date and time.
fn clock_seconds(date: NaiveDate, seconds: i32) -> String {
    let day = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    (day + chrono::Duration::seconds(i64::from(seconds)))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Writes `team,seq,resident,arrive,start,end` (local times, `YYYY-MM-DD HH:MM:SS`), by
/// team and order; returns the number of stops and of residents no team can visit.
pub fn export_routes(
    db: &Db,
    district: &District,
    date: NaiveDate,
    out: impl Write,
) -> Result<(usize, usize), RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    let rows = routes::route_export(&mut conn, &round)?;
    let unvisited = routes::unvisited_export(&mut conn, &round)?.len();
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["team", "seq", "resident", "arrive", "start", "end"])?;
    for (team, seq, resident, arrive, start, end) in &rows {
        writer.write_record([
            team.as_str(),
            &seq.to_string(),
            resident.as_str(),
            &clock_seconds(date, *arrive),
            &clock_seconds(date, *start),
            &clock_seconds(date, *end),
        ])?;
    }
    writer.flush()?;
    Ok((rows.len(), unvisited))
}

/// Writes `team,visits,leaves,returns,hours,distance_km,travel_minutes`: each team's day as
/// planned (after a re-plan: from where it goes on).
pub fn export_team_days(
    db: &Db,
    district: &District,
    date: NaiveDate,
    out: impl Write,
) -> Result<usize, RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    let rows = routes::team_days(&mut conn, round.id)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "team",
        "visits",
        "leaves",
        "returns",
        "hours",
        "distance_km",
        "travel_minutes",
    ])?;
    for (team, day) in &rows {
        writer.write_record([
            team.clone(),
            day.visits.to_string(),
            clock_seconds(date, day.leaves_s),
            clock_seconds(date, day.returns_s),
            format!("{:.2}", f64::from(day.returns_s - day.leaves_s) / 3600.0),
            format!("{:.2}", day.distance_metres as f64 / 1000.0),
            format!("{:.0}", day.travel_seconds as f64 / 60.0),
        ])?;
    }
    writer.flush()?;
    Ok(rows.len())
}

/// Writes `resident,reason` for every resident who needs a home visit no team can make.
pub fn export_unvisited(
    db: &Db,
    district: &District,
    date: NaiveDate,
    out: impl Write,
) -> Result<usize, RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    let rows = routes::unvisited_export(&mut conn, &round)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["resident", "reason"])?;
    for (resident, reason) in &rows {
        writer.write_record([resident, reason])?;
    }
    writer.flush()?;
    Ok(rows.len())
}

/// Writes `resident,name,building,unit,floor,room,standing` for everyone without a valid
/// sample (for health-code status at the deadline), by place.
pub fn export_missing(
    db: &Db,
    district: &District,
    date: NaiveDate,
    out: impl Write,
) -> Result<usize, RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    let people = completion::standings(&mut conn, &round, None)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "resident", "name", "building", "unit", "floor", "room", "standing",
    ])?;
    let mut rows = 0;
    for p in people.iter().filter(|p| p.standing != Standing::Sampled) {
        writer.write_record([
            p.code.as_str(),
            p.name.as_str(),
            p.building.as_str(),
            p.unit.as_str(),
            &p.floor.to_string(),
            p.room.as_str(),
            p.standing.as_str(),
        ])?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

/// Writes `community,building,expected,sampled,recalled,not_home,refused,pending`, one row
/// per building.
pub fn export_completion(
    db: &Db,
    district: &District,
    date: NaiveDate,
    out: impl Write,
) -> Result<usize, RoundError> {
    let mut conn = db.conn()?;
    let round = super::round_on(&mut conn, district, date)?;
    let rows = super::progress::by_building(&mut conn, &round)?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "community",
        "building",
        "expected",
        "sampled",
        "recalled",
        "not_home",
        "refused",
        "pending",
    ])?;
    for (community, building, c) in &rows {
        writer.write_record([
            community.clone(),
            building.clone(),
            c.expected.to_string(),
            c.sampled.to_string(),
            c.recalled.to_string(),
            c.not_home.to_string(),
            c.refused.to_string(),
            c.pending.to_string(),
        ])?;
    }
    writer.flush()?;
    Ok(rows.len())
}
