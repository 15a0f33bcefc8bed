//! Endpoints for a mobile team on its phone: today's route, and what happened at a door.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Actor;
use super::{answer, blocking, json_text, ApiError, Idempotent};
use crate::access::Role;
use crate::domain::{Outcome, TimeOfDay};
use crate::rounds;
use crate::store::{Db, Writer};

#[derive(Deserialize, IntoParams)]
pub struct DateQuery {
    /// The round's date; default: today in `district.timezone`.
    date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct RouteView {
    team: String,
    date: NaiveDate,
    stops: Vec<StopView>,
}

#[derive(Serialize, ToSchema)]
pub struct StopView {
    seq: i32,
    resident: String,
    name: String,
    /// Masked: the last four digits are enough to confirm who answers.
    #[schema(required = true)]
    phone: Option<String>,
    /// `tel:` link with the whole number — only in a team's own route, never to the office.
    #[serde(skip_serializing_if = "Option::is_none")]
    call: Option<String>,
    address: String,
    unit: String,
    floor: i32,
    room: String,
    elevator: bool,
    notes: String,
    /// `HH:MM-HH:MM`, when the resident said they can be visited.
    #[schema(required = true)]
    available: Option<String>,
    /// `HH:MM`, local time.
    eta: String,
    /// The building's place, for a sketch of the route.
    lat: f64,
    lon: f64,
    /// The last outcome recorded at this door today, if any.
    #[schema(value_type = Option<super::schemas::Outcome>, required = true)]
    outcome: Option<Outcome>,
}

fn clock(seconds: i32) -> String {
    format!("{:02}:{:02}", seconds / 3600, seconds / 60 % 60)
}

/// `GET /api/v1/team/route?date=YYYY-MM-DD` — the calling team's stops, in order.
#[utoipa::path(
    get,
    path = "/api/v1/team/route",
    params(DateQuery),
    tag = "team",
    security(("bearer" = ["team"])),
    responses(
        (status = 200, description = "The team's stops in visiting order", body = RouteView),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
    )
)]
pub async fn my_route(
    actor: Actor,
    db: web::Data<Db>,
    query: web::Query<DateQuery>,
) -> Result<web::Json<RouteView>, ApiError> {
    let district = actor.require(Role::Team)?.clone();
    let date = query.date.unwrap_or_else(|| district.today());
    let team_id = actor.team_id.expect("a team session names its team");
    let team = actor.name.trim_start_matches("team:").to_string();
    let route =
        blocking(move || Ok(rounds::team_route(&db, &district, date, team_id, team)?)).await?;
    Ok(web::Json(route.into()))
}

impl From<rounds::TeamRoute> for RouteView {
    fn from(route: rounds::TeamRoute) -> Self {
        let window = |from: Option<i32>, to: Option<i32>| {
            (from.is_some() || to.is_some()).then(|| {
                let show = |m: Option<i32>, default: i32| {
                    TimeOfDay::from_minutes(m.unwrap_or(default))
                        .map_or(String::new(), |t| t.to_string())
                };
                format!("{}-{}", show(from, 0), show(to, 24 * 60))
            })
        };
        RouteView {
            team: route.team,
            date: route.date,
            stops: route
                .stops
                .into_iter()
                .map(|stop| {
                    let s = stop.at;
                    StopView {
                        seq: s.seq,
                        outcome: stop.outcome,
                        resident: s.resident,
                        name: s.name,
                        phone: s.phone_masked,
                        call: stop.phone.map(|number| format!("tel:{number}")),
                        address: s.address,
                        unit: s.unit,
                        floor: s.floor,
                        room: s.room,
                        elevator: s.has_elevator,
                        notes: s.notes,
                        available: window(s.available_from_min, s.available_to_min),
                        eta: clock(s.starts_s),
                        lat: s.lat,
                        lon: s.lon,
                    }
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// Made by the phone; a retry sends the same one.
    request_id: uuid::Uuid,
    /// The resident's code.
    resident: String,
    #[schema(value_type = super::schemas::Outcome)]
    outcome: Outcome,
    /// Needed when `outcome` is `sampled`; at most 64 characters.
    tube_code: Option<String>,
    /// At most 500 characters.
    #[serde(default)]
    note: String,
    /// The round's date; default: today.
    date: Option<NaiveDate>,
}

impl OutcomeRequest {
    fn door(&self, date: NaiveDate) -> rounds::DoorOutcome<'_> {
        rounds::DoorOutcome {
            date,
            resident: &self.resident,
            outcome: self.outcome,
            tube_code: self.tube_code.as_deref(),
            note: &self.note,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct OutcomeRecorded {
    resident: String,
    #[schema(value_type = super::schemas::Outcome)]
    outcome: Outcome,
    /// UTC, without an offset.
    #[schema(value_type = String, example = "2026-12-01T08:42:10.123456")]
    recorded_at: chrono::NaiveDateTime,
}

/// `POST /api/v1/team/outcomes` — what happened at a door on the calling team's route.
/// Idempotent by `request_id`: a retry gets the first answer and records nothing.
#[utoipa::path(
    post,
    path = "/api/v1/team/outcomes",
    tag = "team",
    security(("bearer" = ["team"])),
    responses(
        (status = 201, description = "Recorded (or recorded before under this `request_id`)", body = OutcomeRecorded),
        (status = 403, description = "`not_on_your_route`: the resident is not on the calling team's route", body = ApiError),
        (status = 404, description = "`no_round`: no round on that date; `unknown_resident`: no resident has this code", body = ApiError),
        (status = 422, description = "`invalid_field`: `sampled` without a `tube_code`, or `tube_code` or `note` too long; `request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn record_outcome(
    actor: Actor,
    http: HttpRequest,
    writer: web::Data<Writer>,
    body: web::Json<OutcomeRequest>,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Team)?.clone();
    let body = body.into_inner();
    let date = body.date.unwrap_or_else(|| district.today());
    // Refused before the request is remembered, as a body that does not parse is.
    rounds::check_door_outcome(&body.door(date))?;
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let team = actor.team_id.expect("a team session names its team");
    let stored = writer
        .write(move |conn| {
            request.once(conn, |conn| {
                let recorded_at = rounds::record_outcome(
                    conn,
                    &district,
                    rounds::Team {
                        id: team,
                        name: &actor.name,
                    },
                    body.door(date),
                )?;
                let answer = json_text(&OutcomeRecorded {
                    resident: body.resident.clone(),
                    outcome: body.outcome,
                    recorded_at,
                })?;
                Ok((201, answer))
            })
        })
        .await?;
    Ok(answer(stored.counted_as("outcome")))
}
