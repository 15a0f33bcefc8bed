//! Endpoints for the community office.

use actix_web::web;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Actor;
use super::{blocking, ApiError};
use crate::access::Role;
use crate::store::access as stored;
use crate::store::completion::{standings, ResidentStanding, Standing};
use crate::store::Db;

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    /// `office:<login>`, `lab:<login>` or `team:<code>`.
    actor: String,
    action: String,
    subject: String,
    /// UTC, without an offset.
    #[schema(value_type = String, example = "2026-12-01T08:42:10.123456")]
    at: chrono::NaiveDateTime,
}

#[derive(serde::Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only entries of this action (`login locked`, `scan`, `import roster` …).
    action: Option<String>,
}

/// `GET /api/v1/office/audit?action=` — the latest 500 changes (of one action, when
/// given), newest first: who, what, when.
#[utoipa::path(
    get,
    path = "/api/v1/office/audit",
    tag = "office",
    params(AuditQuery),
    security(("bearer" = ["office"])),
    responses((status = 200, description = "Newest first", body = Vec<AuditEntry>))
)]
pub async fn audit_trail(
    actor: Actor,
    db: web::Data<Db>,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Vec<AuditEntry>>, ApiError> {
    actor.require(Role::Office)?;
    let action = query.into_inner().action;
    let entries = blocking(move || {
        Ok(
            stored::audit_trail(&mut *db.conn()?, 500, action.as_deref())?
                .into_iter()
                .map(|(actor, action, subject, at)| AuditEntry {
                    actor,
                    action,
                    subject,
                    at,
                })
                .collect(),
        )
    })
    .await?;
    Ok(web::Json(entries))
}

#[derive(serde::Deserialize, IntoParams)]
pub struct DateQuery {
    /// The round's date; default: today in `district.timezone`.
    date: Option<chrono::NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct Recall {
    resident: String,
    name: String,
    building: String,
    unit: String,
    floor: i32,
    room: String,
    /// `positive_pool`: a single-tube retest; `invalid_tube`: sampled again.
    #[schema(example = "positive_pool")]
    reason: &'static str,
    /// Cannot walk to a site: the next route plan visits them first.
    home_visit: bool,
}

/// `GET /api/v1/office/recalls?date=` — who must be sampled again, by building and door.
#[utoipa::path(
    get,
    path = "/api/v1/office/recalls",
    params(DateQuery),
    tag = "office",
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "By building and door", body = Vec<Recall>),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
    )
)]
pub async fn recalls(
    actor: Actor,
    db: web::Data<Db>,
    config: web::Data<crate::config::Config>,
    query: web::Query<DateQuery>,
) -> Result<web::Json<Vec<Recall>>, ApiError> {
    actor.require(Role::Office)?;
    let date = query.date.unwrap_or_else(|| config.district.today());
    let list = blocking(move || {
        let mut conn = db.conn()?;
        let round = super::team::round_on(&mut conn, date)?;
        let needed = crate::store::tubes::retests_needed(&mut conn, round.id)?;
        let ids: Vec<i64> = needed.keys().copied().collect();
        Ok(crate::store::tubes::recall_rows(&mut conn, &ids)?
            .into_iter()
            .map(|r| Recall {
                reason: if needed[&r.resident_id] == crate::domain::TubeStatus::Positive {
                    "positive_pool"
                } else {
                    "invalid_tube"
                },
                resident: r.resident,
                name: r.name,
                building: r.building,
                unit: r.unit,
                floor: r.floor,
                room: r.room,
                home_visit: r.home_visit,
            })
            .collect())
    })
    .await?;
    Ok(web::Json(list))
}

#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema)]
pub struct Counts {
    expected: u32,
    sampled: u32,
    recalled: u32,
    not_home: u32,
    refused: u32,
    pending: u32,
}

impl Counts {
    fn add(&mut self, standing: Standing) {
        self.expected += 1;
        match standing {
            Standing::Sampled => self.sampled += 1,
            Standing::Recalled => self.recalled += 1,
            Standing::NotHome => self.not_home += 1,
            Standing::Refused => self.refused += 1,
            Standing::Pending => self.pending += 1,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Group {
    /// The community's or building's name, the unit, or the floor.
    name: String,
    #[serde(flatten)]
    counts: Counts,
    /// The next level down; left out at the last.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    parts: Vec<Group>,
}

/// Groups residents by the successive keys, counting at every level.
fn tally(people: &[&ResidentStanding], keys: &[fn(&ResidentStanding) -> String]) -> Vec<Group> {
    let Some((key, rest)) = keys.split_first() else {
        return Vec::new();
    };
    let mut groups: Vec<(String, Vec<&ResidentStanding>)> = Vec::new();
    for &person in people {
        let name = key(person);
        match groups.iter_mut().find(|g| g.0 == name) {
            Some(group) => group.1.push(person),
            None => groups.push((name, vec![person])),
        }
    }
    groups
        .into_iter()
        .map(|(name, members)| {
            let mut counts = Counts::default();
            members.iter().for_each(|p| counts.add(p.standing));
            Group {
                name,
                counts,
                parts: tally(&members, rest),
            }
        })
        .collect()
}

#[derive(serde::Deserialize, IntoParams)]
pub struct PlaceQuery {
    /// The round's date; default: today in `district.timezone`.
    date: Option<chrono::NaiveDate>,
    /// A building's code.
    building: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Completion {
    date: chrono::NaiveDate,
    #[serde(flatten)]
    counts: Counts,
    /// Communities → buildings; with `building=`: that building → units → floors.
    parts: Vec<Group>,
}

/// `GET /api/v1/office/completion?date=[&building=CODE]` — expected, sampled, recalled,
/// not home, refused and pending, by community and building, or for one building by unit
/// and floor.
#[utoipa::path(
    get,
    path = "/api/v1/office/completion",
    params(PlaceQuery),
    tag = "office",
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "The counts for the district and at every level", body = Completion),
        (status = 404, description = "`no_round`: no round on that date; `unknown_building`: no building has this code", body = ApiError),
    )
)]
pub async fn completion(
    actor: Actor,
    db: web::Data<Db>,
    config: web::Data<crate::config::Config>,
    query: web::Query<PlaceQuery>,
) -> Result<web::Json<Completion>, ApiError> {
    actor.require(Role::Office)?;
    let query = query.into_inner();
    let date = query.date.unwrap_or_else(|| config.district.today());
    let completion = blocking(move || {
        let mut conn = db.conn()?;
        let round = super::team::round_on(&mut conn, date)?;
        let people = standings(&mut conn, round.id, query.building.as_deref())?;
        if query.building.is_some() && people.is_empty() {
            return Err(unknown_building());
        }
        let people: Vec<&ResidentStanding> = people.iter().collect();
        let mut counts = Counts::default();
        people.iter().for_each(|p| counts.add(p.standing));
        let keys: &[fn(&ResidentStanding) -> String] = if query.building.is_some() {
            &[
                |p| p.building.clone(),
                |p| p.unit.clone(),
                |p| p.floor.to_string(),
            ]
        } else {
            &[|p| p.community.clone(), |p| p.building.clone()]
        };
        Ok(Completion {
            date,
            counts,
            parts: tally(&people, keys),
        })
    })
    .await?;
    Ok(web::Json(completion))
}

/// Completion by building as CSV:
/// `community,building,expected,sampled,recalled,not_home,refused,pending`.
pub(super) fn completion_csv(
    conn: &mut crate::store::DbConnection,
    round_id: i64,
) -> Result<Vec<u8>, ApiError> {
    let people = standings(conn, round_id, None)?;
    let people: Vec<&ResidentStanding> = people.iter().collect();
    let failed = |e: csv::Error| ApiError::internal(e.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "community",
            "building",
            "expected",
            "sampled",
            "recalled",
            "not_home",
            "refused",
            "pending",
        ])
        .map_err(failed)?;
    for community in tally(&people, &[|p| p.community.clone(), |p| p.building.clone()]) {
        for building in &community.parts {
            let c = building.counts;
            writer
                .write_record([
                    community.name.clone(),
                    building.name.clone(),
                    c.expected.to_string(),
                    c.sampled.to_string(),
                    c.recalled.to_string(),
                    c.not_home.to_string(),
                    c.refused.to_string(),
                    c.pending.to_string(),
                ])
                .map_err(failed)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))
}

fn unknown_building() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "unknown_building",
        "no building has this code",
    )
    .with_field("building")
}

#[derive(Serialize, ToSchema)]
pub struct SweepEntry {
    unit: String,
    floor: i32,
    room: String,
    resident: String,
    name: String,
    #[schema(value_type = super::schemas::Standing)]
    standing: Standing,
}

/// `GET /api/v1/office/sweep-list?date=&building=CODE` — the door-knockers' list: the
/// building's residents without a valid sample, by unit, floor and room.
#[utoipa::path(
    get,
    path = "/api/v1/office/sweep-list",
    params(
        ("date" = Option<chrono::NaiveDate>, Query, description = "The round's date; default: today in `district.timezone`"),
        ("building" = String, Query, description = "A building's code"),
    ),
    tag = "office",
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "By unit, floor and room", body = Vec<SweepEntry>),
        (status = 400, description = "`invalid_query`: no `building`", body = ApiError),
        (status = 404, description = "`no_round`: no round on that date; `unknown_building`: no building has this code", body = ApiError),
    )
)]
pub async fn sweep_list(
    actor: Actor,
    db: web::Data<Db>,
    config: web::Data<crate::config::Config>,
    query: web::Query<PlaceQuery>,
) -> Result<web::Json<Vec<SweepEntry>>, ApiError> {
    actor.require(Role::Office)?;
    let query = query.into_inner();
    let date = query.date.unwrap_or_else(|| config.district.today());
    let building = query.building.ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "invalid_query",
            "name the building: ?building=CODE",
        )
        .with_field("building")
    })?;
    let list = blocking(move || {
        let mut conn = db.conn()?;
        let round = super::team::round_on(&mut conn, date)?;
        let people = standings(&mut conn, round.id, Some(&building))?;
        if people.is_empty() {
            return Err(unknown_building());
        }
        Ok(people
            .into_iter()
            .filter(|p| p.standing != Standing::Sampled)
            .map(|p| SweepEntry {
                unit: p.unit,
                floor: p.floor,
                room: p.room,
                resident: p.code,
                name: p.name,
                standing: p.standing,
            })
            .collect())
    })
    .await?;
    Ok(web::Json(list))
}

#[derive(Serialize, ToSchema)]
pub struct Progress {
    /// Local time at the end of the interval, `HH:MM`.
    #[schema(example = "09:30")]
    until: String,
    /// Residents sampled by then (each counted once).
    sampled: usize,
}

/// `GET /api/v1/office/progress?date=` — residents sampled so far, every `slots.minutes`
/// of local time from the first sample to the last.
#[utoipa::path(
    get,
    path = "/api/v1/office/progress",
    params(DateQuery),
    tag = "office",
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "One entry per interval; none before the first sample", body = Vec<Progress>),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
    )
)]
pub async fn progress(
    actor: Actor,
    db: web::Data<Db>,
    config: web::Data<crate::config::Config>,
    query: web::Query<DateQuery>,
) -> Result<web::Json<Vec<Progress>>, ApiError> {
    use chrono::TimeZone;
    actor.require(Role::Office)?;
    let date = query.date.unwrap_or_else(|| config.district.today());
    let step = i64::from(config.slots.minutes) * 60;
    let zone = config.district.timezone;
    let progress = blocking(move || {
        let mut conn = db.conn()?;
        let round = super::team::round_on(&mut conn, date)?;
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let mut seconds: Vec<i64> = crate::store::completion::first_samples(&mut conn, round.id)?
            .into_iter()
            .map(|utc| (zone.from_utc_datetime(&utc).naive_local() - midnight).num_seconds())
            .collect();
        seconds.sort_unstable();
        let (Some(&first), Some(&last)) = (seconds.first(), seconds.last()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut until = (first.div_euclid(step) + 1) * step;
        loop {
            let sampled = seconds.partition_point(|&s| s < until);
            let clock = midnight + chrono::Duration::seconds(until);
            out.push(Progress {
                until: clock.format("%H:%M").to_string(),
                sampled,
            });
            if until > last {
                break;
            }
            until += step;
        }
        Ok(out)
    })
    .await?;
    Ok(web::Json(progress))
}
