//! The office's rounds over HTTP: plan (or re-plan), publish, and the plan's CSV exports —
//! the same work as `sweep plan`, `sweep publish` and `sweep export`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Actor;
use super::{answer, blocking, json_text, ApiError, ErrorCode, Idempotent};
use crate::access::Role;
use crate::config::Config;
use crate::domain::TimeOfDay;
use crate::rounds::RouteOptions;
use crate::rounds::{self, parse_window, PlanOptions};
use crate::store::{access as stored_access, Db};

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    request_id: uuid::Uuid,
    /// `HH:MM-HH:MM`; default: the stored round's, or the sites' opening hours.
    #[schema(example = "07:00-19:00")]
    window: Option<String>,
    /// 5 to 1440; default: the stored round's, or `slots.minutes`.
    slot_minutes: Option<u32>,
    /// Re-plan the home visits as of this time of day (`HH:MM`).
    at: Option<String>,
    /// The route solver's time, above 0 and at most 3600; default: `visits.solver_seconds`
    /// (`visits.replan_seconds` with `at`).
    route_seconds: Option<f64>,
}

/// A round's window, from and to.
type Window = (TimeOfDay, TimeOfDay);

impl Plan {
    /// The window and the re-plan's time, read; what else is checked needs the database.
    pub(super) fn check(&self) -> Result<(Option<Window>, Option<TimeOfDay>), ApiError> {
        let window = self
            .window
            .as_deref()
            .map(parse_window)
            .transpose()
            .map_err(|e| ApiError::invalid("window", e))?;
        let at = self
            .at
            .as_deref()
            .map(TimeOfDay::parse)
            .transpose()
            .map_err(|e| ApiError::invalid("at", e.to_string()))?;
        Ok((window, at))
    }
}

/// The answer to a publish.
#[derive(Serialize, ToSchema)]
pub struct Published {
    date: NaiveDate,
    #[schema(example = "published")]
    status: &'static str,
}

/// The answer to a move: the resident's new slot and how full it is now. The fields are
/// in alphabetical order, as the first version of this answer wrote them.
#[derive(Serialize, ToSchema)]
pub struct Moved {
    capacity: i32,
    p90_wait_minutes: f64,
    planned: i32,
    resident: String,
    site: String,
    /// `HH:MM`.
    #[schema(value_type = String, example = "09:30")]
    start: TimeOfDay,
}

/// The round's date in the path.
const DATE: &str = "The round's date, `YYYY-MM-DD`";

/// Runs `work` once per request (outside a transaction: planning keeps its own).
async fn once_outside(
    db: web::Data<Db>,
    request: Idempotent,
    work: impl FnOnce(&Db) -> Result<(u16, String), ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let stored = blocking(move || request.once_outside(&db, || work(&db))).await?;
    Ok(answer(stored))
}

/// `POST /api/v1/office/rounds/{date}/plan` — plans slots and home-visit routes; the
/// summary as `sweep plan --json` prints it.
#[utoipa::path(
    post,
    path = "/api/v1/office/rounds/{date}/plan",
    tag = "office",
    params(("date" = NaiveDate, Path, description = DATE)),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "Planned (or planned before under this `request_id`)", body = super::schemas::RoundSummary),
        (status = 409, description = "`no_sites`: no sampling site is stored; `plan_in_progress`: the round is being planned by another request", body = ApiError),
        (status = 422, description = "`invalid_field`: a bad `window`, `at`, `slot_minutes` or `route_seconds`, or outcomes kept arriving while the routes were planned (try again); `request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn plan(
    actor: Actor,
    http: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    path: web::Path<NaiveDate>,
    body: web::Json<Plan>,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let date = path.into_inner();
    let body = body.into_inner();
    let (window, at) = body.check()?;
    let options = PlanOptions {
        date,
        window,
        slot_minutes: body.slot_minutes,
        routes: RouteOptions {
            at,
            seconds: body.route_seconds,
        },
    };
    let config = config.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let name = actor.name.clone();
    once_outside(db, request, move |db| {
        let summary = rounds::plan_round(db, &config, &district, options)?;
        let now = Utc::now().naive_utc();
        stored_access::audit(
            &mut *db.conn()?,
            Some(district.id),
            &name,
            "plan round",
            &date.to_string(),
            now,
        )?;
        Ok((200, json_text(&summary)?))
    })
    .await
}

/// `POST /api/v1/office/rounds/{date}/publish` — the plan is now what residents are told.
#[utoipa::path(
    post,
    path = "/api/v1/office/rounds/{date}/publish",
    tag = "office",
    params(("date" = NaiveDate, Path, description = DATE)),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "Published (or published before under this `request_id`)", body = Published),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
        (status = 422, description = "`request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn publish(
    actor: Actor,
    http: HttpRequest,
    db: web::Data<Db>,
    path: web::Path<NaiveDate>,
    body: web::Json<super::RequestOnly>,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let date = path.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &*body)?;
    let name = actor.name.clone();
    once_outside(db, request, move |db| {
        rounds::publish_round(db, &district, date)?;
        stored_access::audit(
            &mut *db.conn()?,
            Some(district.id),
            &name,
            "publish round",
            &date.to_string(),
            Utc::now().naive_utc(),
        )?;
        Ok((
            200,
            json_text(&Published {
                date,
                status: "published",
            })?,
        ))
    })
    .await
}

/// `GET /api/v1/office/rounds/{date}/{what}.csv` — slots, routes, teams or unvisited, as
/// the `sweep export` command writes them, or completion by building.
#[utoipa::path(
    get,
    path = "/api/v1/office/rounds/{date}/{export}",
    tag = "office",
    params(
        ("date" = NaiveDate, Path, description = DATE),
        ("export" = inline(Export), Path, description = "Which export"),
    ),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row. `slots.csv`: `resident,site,start,end` (`YYYY-MM-DD HH:MM`); `routes.csv`: `team,seq,resident,arrive,start,end` (`YYYY-MM-DD HH:MM:SS`); `teams.csv`: `team,visits,leaves,returns,hours,distance_km,travel_minutes`; `unvisited.csv`: `resident,reason`; `completion.csv`: `community,building,expected,sampled,recalled,not_home,refused,pending`. Times are local.", content_type = "text/csv", body = String),
        (status = 404, description = "`no_round`: no round on that date; `not_found`: no such export", body = ApiError),
    )
)]
pub async fn export(
    actor: Actor,
    db: web::Data<Db>,
    path: web::Path<(NaiveDate, String)>,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let (date, what) = path.into_inner();
    let csv = blocking(move || {
        let db = actor.reader(&db);
        let mut out = Vec::new();
        match what.as_str() {
            "slots.csv" => {
                rounds::export_slots(&db, &district, date, &mut out)?;
            }
            "routes.csv" => {
                rounds::export_routes(&db, &district, date, &mut out)?;
            }
            "teams.csv" => {
                rounds::export_team_days(&db, &district, date, &mut out)?;
            }
            "unvisited.csv" => {
                rounds::export_unvisited(&db, &district, date, &mut out)?;
            }
            "completion.csv" => {
                rounds::export_completion(&db, &district, date, &mut out)?;
            }
            other => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    format!(
                        "no export '{other}': slots.csv, routes.csv, teams.csv, unvisited.csv or completion.csv"
                    ),
                ))
            }
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(csv))
}

/// The exports by name (the route takes any name and answers 404 `not_found` for others).
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it names the path's values
pub enum Export {
    #[schema(rename = "slots.csv")]
    Slots,
    #[schema(rename = "routes.csv")]
    Routes,
    #[schema(rename = "teams.csv")]
    Teams,
    #[schema(rename = "unvisited.csv")]
    Unvisited,
    #[schema(rename = "completion.csv")]
    Completion,
}

#[derive(Serialize, ToSchema)]
pub struct SlotView {
    /// The site's code.
    site: String,
    /// `HH:MM`, local time.
    from: String,
    /// `HH:MM`, local time.
    to: String,
    planned: i32,
    capacity: i32,
    utilisation: f64,
    mean_wait_minutes: f64,
    p90_wait_minutes: f64,
    mean_queue: f64,
    p90_queue: f64,
}

/// `GET /api/v1/office/rounds/{date}/slots` — the plan by site and slot: people planned
/// against capacity, and the predicted queue and wait.
#[utoipa::path(
    get,
    path = "/api/v1/office/rounds/{date}/slots",
    tag = "office",
    params(("date" = NaiveDate, Path, description = DATE)),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "By site and slot", body = Vec<SlotView>),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
    )
)]
pub async fn slots(
    actor: Actor,
    db: web::Data<Db>,
    path: web::Path<NaiveDate>,
) -> Result<web::Json<Vec<SlotView>>, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let date = path.into_inner();
    let slots = blocking(move || {
        let clock = |m: i32| TimeOfDay::from_minutes(m).map_or(String::new(), |t| t.to_string());
        Ok(
            rounds::slot_loads(&mut *actor.reader(&db).conn()?, &district, date)?
                .into_iter()
                .map(|(site, l)| SlotView {
                    site,
                    from: clock(l.starts_min),
                    to: clock(l.ends_min),
                    planned: l.planned,
                    capacity: l.capacity,
                    utilisation: l.utilisation,
                    mean_wait_minutes: l.mean_wait_minutes,
                    p90_wait_minutes: l.p90_wait_minutes,
                    mean_queue: l.mean_queue,
                    p90_queue: l.p90_queue,
                })
                .collect(),
        )
    })
    .await?;
    Ok(web::Json(slots))
}

/// `GET /api/v1/office/rounds/{date}/missing.csv` — everyone without a valid sample (for
/// the health-code status at the round's deadline): `resident,name,building,unit,floor,room,standing`.
#[utoipa::path(
    get,
    path = "/api/v1/office/rounds/{date}/missing.csv",
    tag = "office",
    params(("date" = NaiveDate, Path, description = DATE)),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "UTF-8 CSV with a header row", content_type = "text/csv", body = String),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
    )
)]
pub async fn missing(
    actor: Actor,
    db: web::Data<Db>,
    path: web::Path<NaiveDate>,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let date = path.into_inner();
    let csv = blocking(move || {
        let db = actor.reader(&db);
        let mut out = Vec::new();
        rounds::export_missing(&db, &district, date, &mut out)?;
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(csv))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Lanes {
    request_id: uuid::Uuid,
    /// Lanes closed at this site for the round: 0 reopens all, all of them close the site.
    closed: i32,
}

/// `POST /api/v1/office/rounds/{date}/sites/{site}/lanes` — closes (or reopens) lanes or a
/// whole site, then re-plans; a published round keeps every told slot that still fits and
/// the summary counts who was moved.
#[utoipa::path(
    post,
    path = "/api/v1/office/rounds/{date}/sites/{site}/lanes",
    tag = "office",
    params(
        ("date" = NaiveDate, Path, description = DATE),
        ("site" = String, Path, description = "The site's code"),
    ),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "Closed and re-planned (or so before under this `request_id`): the re-plan's summary", body = super::schemas::RoundSummary),
        (status = 404, description = "`no_round`: no round on that date; `unknown_site`: no site has this code", body = ApiError),
        (status = 409, description = "`plan_in_progress`: the round is being planned by another request", body = ApiError),
        (status = 422, description = "`invalid_field`: `closed` outside 0 to the site's lanes; or the re-plan's options were bad (outcomes kept arriving: try again); `request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn close_lanes(
    actor: Actor,
    http: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    path: web::Path<(NaiveDate, String)>,
    body: web::Json<Lanes>,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let (date, site) = path.into_inner();
    let closed = body.closed;
    let config = config.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &*body)?;
    let name = actor.name.clone();
    once_outside(db, request, move |db| {
        let summary = rounds::close_lanes(db, &config, &district, date, &site, closed, &name)?;
        Ok((200, json_text(&summary)?))
    })
    .await
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    request_id: uuid::Uuid,
    /// The resident's code.
    resident: String,
    /// The site's code.
    site: String,
    /// The new slot's start, `HH:MM`.
    start: String,
}

impl Move {
    /// The new slot's start, read.
    pub(super) fn start(&self) -> Result<TimeOfDay, ApiError> {
        TimeOfDay::parse(&self.start).map_err(|e| ApiError::invalid("start", e.to_string()))
    }
}

/// `POST /api/v1/office/rounds/{date}/moves` — gives one resident another slot, if it has
/// room; both slots' predicted queues are recomputed and the move is recorded.
#[utoipa::path(
    post,
    path = "/api/v1/office/rounds/{date}/moves",
    tag = "office",
    params(("date" = NaiveDate, Path, description = DATE)),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "Moved (or moved before under this `request_id`)", body = Moved),
        (status = 404, description = "`no_round`: no round on that date; `unknown_resident`: no resident has this code; `unknown_site`: no site has this code; `no_such_slot`: the site has no slot at `start`", body = ApiError),
        (status = 409, description = "`no_slot`: the resident has no slot to move (a home visit, or unplaced); `slot_full`: the slot has no room", body = ApiError),
        (status = 422, description = "`invalid_field`: `start` is not `HH:MM`, or is the resident's slot already; `request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn move_resident(
    actor: Actor,
    http: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    path: web::Path<NaiveDate>,
    body: web::Json<Move>,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let date = path.into_inner();
    let body = body.into_inner();
    let start = body.start()?;
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let stored_answer = blocking(move || {
        let mut conn = db.conn()?;
        crate::store::write_transaction(&mut conn, |conn| {
            request.once(conn, |conn| {
                let moved = rounds::move_resident(
                    conn,
                    &config,
                    rounds::MoveRequest {
                        district: &district,
                        date,
                        resident: &body.resident,
                        site: &body.site,
                        start,
                        by: &actor.name,
                    },
                )?;
                Ok((
                    200,
                    json_text(&Moved {
                        capacity: moved.capacity,
                        p90_wait_minutes: moved.p90_wait_minutes,
                        planned: moved.planned,
                        resident: body.resident.clone(),
                        site: moved.site,
                        start: moved.start,
                    })?,
                ))
            })
        })
    })
    .await?;
    Ok(answer(stored_answer))
}

/// `GET /api/v1/office/rounds/{date}/routes` — every team's stops in order, with what
/// happened at each door so far; teams without stops are left out.
#[utoipa::path(
    get,
    path = "/api/v1/office/rounds/{date}/routes",
    tag = "office",
    params(("date" = NaiveDate, Path, description = DATE)),
    security(("bearer" = ["office"])),
    responses(
        (status = 200, description = "By team code", body = Vec<super::team::RouteView>),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
    )
)]
pub async fn routes(
    actor: Actor,
    db: web::Data<Db>,
    path: web::Path<NaiveDate>,
) -> Result<web::Json<Vec<super::team::RouteView>>, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let date = path.into_inner();
    let routes =
        blocking(move || Ok(rounds::all_routes(&actor.reader(&db), &district, date)?)).await?;
    Ok(web::Json(routes.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct Rounds {
    /// The caller's district: its code and name.
    #[schema(example = "D1")]
    district: String,
    district_name: String,
    /// Today in the district's time zone.
    today: NaiveDate,
    /// The district's time zone (IANA), for a page to show the API's UTC times on the
    /// district's clock.
    #[schema(example = "Asia/Shanghai")]
    timezone: String,
    rounds: Vec<RoundListed>,
}

#[derive(Serialize, ToSchema)]
pub struct RoundListed {
    date: NaiveDate,
    /// `draft` or `published`.
    #[schema(value_type = String, example = "published")]
    status: crate::domain::RoundStatus,
    /// Walking of everyone the slot plan places, home to site, in km (as the office's
    /// moves left it); none before the round is planned.
    walking_km: Option<f64>,
    /// The least walking any plan could have within the sites' capacity for the day
    /// (buildings split at will): the transportation bound.
    bound_km: Option<f64>,
    /// `walking_km / bound_km − 1`, when the plan places as many walkers as the bound.
    gap: Option<f64>,
}

/// `GET /api/v1/office/rounds` — every round by date, and the district's today.
#[utoipa::path(
    get,
    path = "/api/v1/office/rounds",
    tag = "office",
    security(("bearer" = ["office"])),
    responses((status = 200, description = "The rounds, oldest first", body = Rounds))
)]
pub async fn list(actor: Actor, db: web::Data<Db>) -> Result<web::Json<Rounds>, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let today = district.today();
    let of = district.clone();
    let rounds = blocking(move || {
        Ok(rounds::all_rounds(&mut *actor.reader(&db).conn()?, &of)?
            .into_iter()
            .map(|r| RoundListed {
                date: r.date,
                gap: r.walking_gap(),
                walking_km: r.walking_metres.map(|m| m / 1000.0),
                bound_km: r.bound_metres.map(|m| m / 1000.0),
                status: r.status,
            })
            .collect())
    })
    .await?;
    Ok(web::Json(Rounds {
        today,
        timezone: district.timezone.name().to_string(),
        district: district.code,
        district_name: district.name,
        rounds,
    }))
}
