//! Endpoints for samplers (a team login) with a box of tubes: open a tube, scan residents'
//! swabs into it, close it. A tube closes itself when it holds its pool size.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Actor;
use super::{answer, json_text, ApiError, Idempotent};
use crate::access::Role;
use crate::config::Config;
use crate::rounds;
use crate::store::{Db, Writer};

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
    #[schema(value_type = String, example = "open")]
    status: crate::domain::TubeStatus,
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

impl TubeView {
    fn of(tube: rounds::Tube, added: Option<rounds::Added>) -> Self {
        TubeView {
            swabs: tube.swabs,
            tube: tube.code,
            pool_size: tube.pool_size,
            status: tube.status,
            added: added.map(|a| Added {
                resident: a.resident,
                name: a.name,
            }),
        }
    }
}

/// The team's sampler that a session names.
/// The team's sampler, once `require` checked the caller is a team (with its district).
fn sampler(actor: &Actor) -> rounds::Sampler<'_> {
    rounds::Sampler {
        district: actor
            .district
            .as_ref()
            .expect("a team session has its district"),
        team_id: actor.team_id.expect("a team session names its team"),
        name: &actor.name,
    }
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
    let district = actor.require(Role::Team)?.clone();
    let body = body.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let pool_size = body.pool_size.unwrap_or(config.tubes.pool_size as i32);
    let date = body.date.unwrap_or_else(|| district.today());
    let stored = writer
        .write(move |conn| {
            request.once(conn, |conn| {
                let tube = rounds::open_tube(conn, sampler(&actor), date, &body.tube, pool_size)?;
                Ok((201, json_text(&TubeView::of(tube, None))?))
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
    writer: web::Data<Writer>,
    body: web::Json<Scan>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Role::Team)?;
    let body = body.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let stored = writer
        .write(move |conn| {
            let key = db.personal_data_key(conn)?;
            request.once(conn, |conn| {
                let who = match (
                    body.ticket.as_deref(),
                    body.resident
                        .as_deref()
                        .map(str::trim)
                        .filter(|c| !c.is_empty()),
                    body.id_number.as_deref(),
                ) {
                    (Some(ticket), _, _) => rounds::Who::Ticket(ticket),
                    (None, Some(code), _) => rounds::Who::Code(code),
                    (None, None, Some(id_number)) => rounds::Who::IdNumber(id_number),
                    (None, None, None) => {
                        return Err(ApiError::invalid(
                            "resident",
                            "send the resident's code or ID number",
                        ))
                    }
                };
                let (tube, added) = rounds::scan(conn, &key, sampler(&actor), &body.tube, who)?;
                Ok((201, json_text(&TubeView::of(tube, Some(added)))?))
            })
        })
        .await?;
    Ok(answer(stored.counted_as("scan")))
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
                let tube = rounds::close_tube(conn, sampler(&actor), &code)?;
                Ok((200, json_text(&TubeView::of(tube, None))?))
            })
        })
        .await?;
    Ok(answer(stored.counted_as("tube_closed")))
}
