//! Endpoints for the community office.

use actix_web::web;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Actor;
use super::{blocking, ApiError, ErrorCode};
use crate::access::Role;
use crate::domain::Standing;
use crate::rounds;
use crate::store::access as stored;
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
    let district = actor.require(Role::Office)?.clone();
    let action = query.into_inner().action;
    let entries = blocking(move || {
        Ok(stored::audit_trail(
            &mut *actor.reader(&db).conn()?,
            district.id,
            500,
            action.as_deref(),
        )?
        .into_iter()
        .map(|(actor, action, subject, at)| AuditEntry {
            actor,
            action,
            subject,
            at,
        })
        .collect())
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
    /// `positive_pool`: a single-tube retest; `invalid_tube`: sampled again; `household`:
    /// lives with a resident of a positive pool (`recall.include_household`), a single-tube
    /// test.
    #[schema(value_type = String, example = "positive_pool")]
    reason: rounds::RecallReason,
    /// Cannot walk to a site: the next route plan visits them first.
    home_visit: bool,
}

impl From<rounds::Recall> for Recall {
    fn from(r: rounds::Recall) -> Self {
        let who = r.who;
        Recall {
            reason: r.reason,
            resident: who.resident,
            name: who.name,
            building: who.building,
            unit: who.unit,
            floor: who.floor,
            room: who.room,
            home_visit: who.home_visit,
        }
    }
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
    query: web::Query<DateQuery>,
) -> Result<web::Json<Vec<Recall>>, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let date = query.date.unwrap_or_else(|| district.today());
    let list = blocking(move || {
        Ok(rounds::recalls(
            &mut *actor.reader(&db).conn()?,
            &district,
            date,
        )?)
    })
    .await?;
    Ok(web::Json(list.into_iter().map(Recall::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct Counts {
    expected: u32,
    sampled: u32,
    recalled: u32,
    /// Not home, refused or pending: the doors still to knock on.
    missing: u32,
    not_home: u32,
    refused: u32,
    pending: u32,
}

impl From<rounds::Counts> for Counts {
    fn from(c: rounds::Counts) -> Self {
        Counts {
            missing: c.missing(),
            expected: c.expected,
            sampled: c.sampled,
            recalled: c.recalled,
            not_home: c.not_home,
            refused: c.refused,
            pending: c.pending,
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

impl From<rounds::Group> for Group {
    fn from(g: rounds::Group) -> Self {
        Group {
            name: g.name,
            counts: g.counts.into(),
            parts: g.parts.into_iter().map(Group::from).collect(),
        }
    }
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
    query: web::Query<PlaceQuery>,
) -> Result<web::Json<Completion>, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let query = query.into_inner();
    let date = query.date.unwrap_or_else(|| district.today());
    let completion = blocking(move || {
        Ok(rounds::completion(
            &mut *actor.reader(&db).conn()?,
            &district,
            date,
            query.building.as_deref(),
        )?)
    })
    .await?;
    Ok(web::Json(Completion {
        date: completion.date,
        counts: completion.counts.into(),
        parts: completion.parts.into_iter().map(Group::from).collect(),
    }))
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
    query: web::Query<PlaceQuery>,
) -> Result<web::Json<Vec<SweepEntry>>, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let query = query.into_inner();
    let date = query.date.unwrap_or_else(|| district.today());
    let building = query.building.ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            "name the building: ?building=CODE",
        )
        .with_field("building")
    })?;
    let list = blocking(move || {
        Ok(rounds::still_to_sample(
            &mut *actor.reader(&db).conn()?,
            &district,
            date,
            &building,
        )?)
    })
    .await?;
    Ok(web::Json(
        list.into_iter()
            .map(|p| SweepEntry {
                unit: p.unit,
                floor: p.floor,
                room: p.room,
                resident: p.code,
                name: p.name,
                standing: p.standing,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct Progress {
    /// Local time at the end of the interval, `HH:MM`.
    #[schema(example = "09:30")]
    until: String,
    /// Residents sampled by then (each counted once).
    sampled: usize,
}

impl From<rounds::SampledBy> for Progress {
    fn from(p: rounds::SampledBy) -> Self {
        Progress {
            until: p.until.format("%H:%M").to_string(),
            sampled: p.sampled,
        }
    }
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
    let district = actor.require(Role::Office)?.clone();
    let date = query.date.unwrap_or_else(|| district.today());
    let step_min = config.slots.minutes;
    let progress = blocking(move || {
        Ok(rounds::sampled_over_the_day(
            &mut *actor.reader(&db).conn()?,
            &district,
            date,
            step_min,
        )?)
    })
    .await?;
    Ok(web::Json(
        progress.into_iter().map(Progress::from).collect(),
    ))
}
