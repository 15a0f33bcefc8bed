//! Endpoints for samplers (a team login) with a box of tubes: open a tube, scan residents'
//! swabs into it, close it. A tube closes itself when it holds its pool size.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Actor;
use super::team::round_on;
use super::{answer, json_text, ApiError, Idempotent};
use crate::access::Role;
use crate::config::Config;
use crate::domain::{IdNumber, PersonalDataKey};
use crate::store::schema::residents;
use crate::store::tubes::{self, TubeRow};
use crate::store::{access as stored_access, Db, DbConnection, Writer};

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenTube {
    request_id: uuid::Uuid,
    /// The barcode on the tube.
    tube: String,
    /// Swabs it takes: default tubes.pool_size; 1 for single-tube retests.
    #[schema(minimum = 1, maximum = 50)]
    pool_size: Option<i32>,
    /// The round's date; default: today.
    date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct TubeView {
    tube: String,
    pool_size: i32,
    /// Swabs in the tube so far.
    swabs: i32,
    /// `open` or `closed` (later the lab's result: `negative`, `positive`, `invalid`).
    status: String,
    /// After a scan: whose swab went in, for the sampler to check against the person.
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<Added>,
}

#[derive(Serialize, ToSchema)]
pub struct Added {
    /// The resident's code.
    resident: String,
    /// The name with all but its first and last characters hidden (张*明).
    name: String,
}

fn conflict(code: &'static str, message: String, field: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message).with_field(field)
}

/// The caller's own tube by code.
fn own_tube(conn: &mut DbConnection, actor: &Actor, code: &str) -> Result<TubeRow, ApiError> {
    let tube = tubes::tube(conn, code)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_tube",
            format!("no tube {} is open", super::shown(code)),
        )
        .with_field("tube")
    })?;
    if Some(tube.team_id) != actor.team_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_your_tube",
            format!("tube {} was opened by other samplers", super::shown(code)),
        )
        .with_field("tube"));
    }
    Ok(tube)
}

fn view(conn: &mut DbConnection, code: &str, added: Option<Added>) -> Result<String, ApiError> {
    let tube =
        tubes::tube(conn, code)?.ok_or_else(|| ApiError::internal("the tube just used is gone"))?;
    json_text(&TubeView {
        swabs: tube.swabs,
        tube: tube.code,
        pool_size: tube.pool_size,
        status: tube.status,
        added,
    })
}

/// `POST /api/v1/site/tubes` — opens a tube.
#[utoipa::path(
    post,
    path = "/api/v1/site/tubes",
    tag = "site",
    security(("bearer" = ["team"])),
    responses(
        (status = 201, description = "The tube, open", body = TubeView),
        (status = 404, description = "`no_round`: no round on that date", body = ApiError),
        (status = 409, description = "`tube_exists`: a tube with this code was opened before", body = ApiError),
        (status = 422, description = "`invalid_field`: `pool_size` outside 1 to 50, or `tube` not 1 to 64 characters; `request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn open_tube(
    actor: Actor,
    http: HttpRequest,
    writer: web::Data<Writer>,
    config: web::Data<Config>,
    body: web::Json<OpenTube>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Role::Team)?;
    let body = body.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let pool_size = body.pool_size.unwrap_or(config.tubes.pool_size as i32);
    if !(1..=50).contains(&pool_size) {
        return Err(ApiError::invalid("pool_size", "pool_size is 1 to 50"));
    }
    let code = body.tube.trim().to_string();
    if code.is_empty() || code.chars().count() > 64 {
        return Err(ApiError::invalid("tube", "tube is 1 to 64 characters"));
    }
    let date = body.date.unwrap_or_else(|| config.district.today());
    let stored = writer
        .write(move |conn| {
            request.once(conn, |conn| {
                let round = round_on(conn, date)?;
                let now = Utc::now().naive_utc();
                let team = actor.team_id.expect("a team session names its team");
                if tubes::open_tube(conn, round.id, &code, team, pool_size, now)?.is_none() {
                    return Err(conflict(
                        "tube_exists",
                        format!("tube {code} was opened before"),
                        "tube",
                    )
                    .with_param("tube", code.as_str()));
                }
                stored_access::audit(conn, &actor.name, "open tube", &code, now)?;
                Ok((201, view(conn, &code, None)?))
            })
        })
        .await?;
    Ok(answer(stored.counted_as("tube_opened")))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scan {
    request_id: uuid::Uuid,
    /// The caller's open tube.
    tube: String,
    /// The resident's QR ticket as scanned, or their code, or their ID number as typed
    /// from the card.
    ticket: Option<String>,
    resident: Option<String>,
    id_number: Option<String>,
}

/// `POST /api/v1/site/scans` — a resident's swab into an open tube.
#[utoipa::path(
    post,
    path = "/api/v1/site/scans",
    tag = "site",
    security(("bearer" = ["team"])),
    responses(
        (status = 201, description = "The tube after the swab (closed once it holds its pool size)", body = TubeView),
        (status = 403, description = "`not_your_tube`: other samplers opened this tube", body = ApiError),
        (status = 404, description = "`unknown_tube`: no such tube; `unknown_ticket`: not one of our tickets; `unknown_resident`: no resident has this code or ID number", body = ApiError),
        (status = 409, description = "`tube_closed`: the tube is closed; `already_sampled`: sampled this round, the message names the tube; `needs_single_tube`: a recalled resident's retest goes into a tube of pool size 1", body = ApiError),
        (status = 422, description = "`invalid_field`: neither `ticket`, `resident` nor `id_number`, or an ID number that does not parse; `request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn scan(
    actor: Actor,
    http: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    writer: web::Data<Writer>,
    body: web::Json<Scan>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Role::Team)?;
    let body = body.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let timezone = config.district.timezone;
    let stored = writer
        .write(move |conn| {
            let key = db.personal_data_key(conn)?;
            request.once(conn, |conn| {
                let tube = own_tube(conn, &actor, body.tube.trim())?;
                let closed = || {
                    conflict(
                        "tube_closed",
                        format!("tube {} is closed; open a new one", tube.code),
                        "tube",
                    )
                    .with_param("tube", tube.code.as_str())
                };
                if tube.status != "open" {
                    return Err(closed());
                }
                let resident_id = match body.ticket.as_deref() {
                    Some(ticket) => key.resident_of_ticket(ticket).ok_or_else(|| {
                        ApiError::new(
                            StatusCode::NOT_FOUND,
                            "unknown_ticket",
                            "this is not one of our tickets",
                        )
                        .with_field("ticket")
                    })?,
                    None => find_resident(
                        conn,
                        &key,
                        body.resident.as_deref(),
                        body.id_number.as_deref(),
                    )?,
                };
                let earlier = tubes::latest_sample(conn, tube.round_id, resident_id)?;
                if let Some(earlier) = &earlier {
                    may_sample_again(earlier, tube.pool_size, timezone)?;
                }
                let attempt = earlier.map_or(1, |e| e.attempt + 1);
                let now = Utc::now().naive_utc();
                // The tube's row first: concurrent scans into this tube wait here, and a
                // full tube refuses the swab.
                if !tubes::take_place(conn, tube.id, now)? {
                    return Err(closed());
                }
                // A scan of the same resident at the same moment (another tube, another
                // site) took this attempt: the database keeps one, this one is refused and
                // its place in the tube given back with the transaction.
                if !tubes::add_sample(
                    conn,
                    tube.round_id,
                    resident_id,
                    tube.id,
                    attempt,
                    &actor.name,
                    now,
                )? {
                    let earlier = tubes::latest_sample(conn, tube.round_id, resident_id)?
                        .ok_or_else(|| {
                            ApiError::internal("a sample that took the attempt is gone")
                        })?;
                    may_sample_again(&earlier, tube.pool_size, timezone)?;
                    return Err(ApiError::internal("a sample was refused that may be taken"));
                }
                stored_access::audit(
                    conn,
                    &actor.name,
                    "scan",
                    &format!("tube {}", tube.code),
                    now,
                )?;
                let (resident, name) = crate::store::residents::code_and_name(conn, resident_id)?;
                let added = Added {
                    resident,
                    name: crate::domain::masked_name(&name),
                };
                Ok((201, view(conn, &tube.code, Some(added))?))
            })
        })
        .await?;
    Ok(answer(stored.counted_as("scan")))
}

/// Whether a resident sampled before in this round may be sampled again into a tube of
/// `pool_size`: only after a positive pool (into a single tube) or an invalid one.
fn may_sample_again(
    earlier: &tubes::LatestSample,
    pool_size: i32,
    timezone: chrono_tz::Tz,
) -> Result<(), ApiError> {
    match earlier.tube_status.as_str() {
        "positive" if pool_size != 1 => Err(conflict(
            "needs_single_tube",
            format!(
                "this resident's pool {} was positive: the retest goes into a single tube",
                earlier.tube
            ),
            "tube",
        )
        .with_param("tube", earlier.tube.as_str())),
        "positive" | "invalid" => Ok(()),
        _ => {
            let at = earlier.taken_at.and_utc().with_timezone(&timezone);
            Err(conflict(
                "already_sampled",
                format!(
                    "already sampled this round, in tube {} at {}",
                    earlier.tube,
                    at.format("%H:%M")
                ),
                "resident",
            )
            .with_param("tube", earlier.tube.as_str())
            .with_param("at", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)))
        }
    }
}

fn find_resident(
    conn: &mut DbConnection,
    key: &PersonalDataKey,
    code: Option<&str>,
    id_number: Option<&str>,
) -> Result<i64, ApiError> {
    use diesel::prelude::*;
    let unknown = |field| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_resident",
            "no resident matches",
        )
        .with_field(field)
    };
    match (code.map(str::trim).filter(|c| !c.is_empty()), id_number) {
        (Some(code), _) => super::resident_by_code(conn, code, "resident"),
        (None, Some(text)) => {
            let id = IdNumber::parse(text)
                .map_err(|e| ApiError::invalid("id_number", format!("id_number {e}")))?;
            let hash = key.id_hash(&id);
            let query = residents::table
                .filter(residents::id_hash.eq(hash.as_bytes()))
                .select(residents::id);
            crate::on_backend!(conn, |c| query.get_result(c).optional())?
                .ok_or_else(|| unknown("id_number"))
        }
        (None, None) => Err(ApiError::invalid(
            "resident",
            "send the resident's code or ID number",
        )),
    }
}

/// `POST /api/v1/site/tubes/{code}/close` — closes a tube before it is full.
#[utoipa::path(
    post,
    path = "/api/v1/site/tubes/{code}/close",
    tag = "site",
    params(("code" = String, Path, description = "The tube's barcode")),
    security(("bearer" = ["team"])),
    responses(
        (status = 200, description = "The tube, closed", body = TubeView),
        (status = 403, description = "`not_your_tube`: other samplers opened this tube", body = ApiError),
        (status = 404, description = "`unknown_tube`: no such tube", body = ApiError),
        (status = 409, description = "`tube_closed`: already closed; `tube_empty`: it holds no swab", body = ApiError),
        (status = 422, description = "`request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn close_tube(
    actor: Actor,
    http: HttpRequest,
    writer: web::Data<Writer>,
    path: web::Path<String>,
    body: web::Json<super::RequestOnly>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Role::Team)?;
    let code = path.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &*body)?;
    let stored = writer
        .write(move |conn| {
            request.once(conn, |conn| {
                let tube = own_tube(conn, &actor, &code)?;
                let now = Utc::now().naive_utc();
                // Checked by the update itself, so that a scan at the same moment is
                // either in the tube or refused.
                if !tubes::close_tube(conn, tube.id, now)? {
                    let tube = own_tube(conn, &actor, &code)?;
                    return Err(if tube.status != "open" {
                        conflict(
                            "tube_closed",
                            format!("tube {code} is already closed"),
                            "tube",
                        )
                    } else {
                        conflict("tube_empty", format!("tube {code} holds no swab"), "tube")
                    });
                }
                stored_access::audit(conn, &actor.name, "close tube", &code, now)?;
                Ok((200, view(conn, &code, None)?))
            })
        })
        .await?;
    Ok(answer(stored.counted_as("tube_closed")))
}
