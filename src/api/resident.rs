//! Endpoints for residents, who have no account: look up my own slot (or home-visit time)
//! with my ID number and my name (or the last four digits of my phone), and get my QR
//! ticket. A wrong name and an unknown ID number get the same answer, and each client may
//! only try a few times a minute, so ID numbers cannot be enumerated.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{blocking, ApiError, ErrorCode};
use crate::config::Config;
use crate::domain::{IdNumber, TimeOfDay};
use crate::rounds;
use crate::store::Db;

/// Requests per client in the current minute, for one kind of request.
#[derive(Default)]
pub struct PerClientLimit(Mutex<HashMap<IpAddr, (Instant, u32)>>);

/// The limits on what anyone may ask without logging in.
#[derive(Default)]
pub struct ClientLimits {
    lookups: PerClientLimit,
    tickets: PerClientLimit,
}

impl PerClientLimit {
    fn admit(&self, client: IpAddr, per_minute: u32) -> bool {
        let mut seen = self.0.lock().expect("the limiter's lock is never poisoned");
        let now = Instant::now();
        if seen.len() > 100_000 {
            seen.retain(|_, (since, _)| now.duration_since(*since) < Duration::from_secs(60));
        }
        let entry = seen.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= per_minute
    }
}

/// An ID number and, to prove it is mine, my name or the last four digits of my phone.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    id_number: String,
    name: Option<String>,
    phone_last4: Option<String>,
    /// The round's date; default: the next published round, from today on.
    date: Option<NaiveDate>,
}

impl Lookup {
    /// What is checked before the database is asked: the ID number, and a second detail.
    pub(super) fn check(&self) -> Result<IdNumber, ApiError> {
        let id = IdNumber::parse(&self.id_number)
            .map_err(|e| ApiError::invalid("id_number", format!("id_number {e}")))?;
        if self.name.is_none() && self.phone_last4.is_none() {
            return Err(ApiError::invalid(
                "name",
                "send your name, or the last four digits of your phone",
            ));
        }
        Ok(id)
    }
}

#[derive(Serialize, ToSchema)]
pub struct MySlot {
    date: NaiveDate,
    /// At a site: its name and the slot.
    #[schema(required = true)]
    site: Option<String>,
    /// `HH:MM`, local time.
    from: String,
    /// `HH:MM`, local time.
    to: String,
    /// `site` or `home_visit` (a team comes to the door between from and to).
    #[schema(example = "site")]
    kind: &'static str,
    /// Show this at the site (as a QR code: `GET /api/v1/resident/tickets/{ticket}`).
    ticket: String,
    /// My building, and the site, for a sketch of the way there.
    home: Place,
    #[schema(required = true)]
    site_location: Option<Place>,
}

#[derive(Serialize, ToSchema, Clone, Copy)]
pub struct Place {
    lat: f64,
    lon: f64,
}

/// `POST /api/v1/resident/lookup` — my slot (site and time) or my home-visit window, once
/// the round is published, and my ticket.
#[utoipa::path(
    post,
    path = "/api/v1/resident/lookup",
    tag = "resident",
    responses(
        (status = 200, description = "My slot at a site, or my home-visit window, and my ticket", body = MySlot),
        (status = 404, description = "`not_found`: no slot for these details (a wrong name and an unknown ID number get the same answer); `not_published`: the round is not published yet; `no_round`: no round on that date", body = ApiError),
        (status = 422, description = "`invalid_field`: an ID number that does not parse, or neither `name` nor `phone_last4`", body = ApiError),
        (status = 429, description = "`too_many_lookups`: more than `access.lookups_per_minute` from this client in a minute", body = ApiError),
    )
)]
pub async fn lookup(
    request: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    limits: web::Data<ClientLimits>,
    body: web::Json<Lookup>,
) -> Result<web::Json<MySlot>, ApiError> {
    let client = super::client::address(&request, &config.server.trusted_proxies);
    if !limits
        .lookups
        .admit(client, config.access.lookups_per_minute)
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyLookups,
            "too many lookups from here; wait a minute",
        ));
    }
    let body = body.into_inner();
    let id = body.check()?;
    let tolerance_s = (config.visits.eta_tolerance_minutes * 60.0).round() as i32;
    let found = blocking(move || {
        let proof = rounds::Proof {
            name: body.name.as_deref(),
            phone_last4: body.phone_last4.as_deref(),
        };
        // A resident wrote nothing: whatever the replica has replayed will do.
        Ok(rounds::look_up_slot(
            &db.reader(None),
            &config,
            &id,
            proof,
            body.date,
            tolerance_s,
        )?)
    })
    .await?;
    let clock = |m: i32| TimeOfDay::from_minutes(m).map_or(String::new(), |t| t.to_string());
    let place = |(lat, lon)| Place { lat, lon };
    Ok(web::Json(MySlot {
        date: found.date,
        kind: if found.site.is_some() {
            "site"
        } else {
            "home_visit"
        },
        site: found.site.as_ref().map(|(name, _)| name.clone()),
        site_location: found.site.map(|(_, at)| place(at)),
        from: clock(found.from_min),
        to: clock(found.to_min),
        ticket: found.ticket,
        home: place(found.home),
    }))
}

/// `GET /api/v1/resident/tickets/{ticket}` — the ticket as an SVG QR code.
#[utoipa::path(
    get,
    path = "/api/v1/resident/tickets/{ticket}",
    tag = "resident",
    params(("ticket" = String, Path, description = "The `ticket` from a lookup")),
    responses(
        (status = 200, description = "The QR code", content_type = "image/svg+xml", body = String),
        (status = 404, description = "`not_found`: not one of our tickets", body = ApiError),
        (status = 429, description = "`too_many_requests`: more than `access.tickets_per_minute` from this client in a minute", body = ApiError),
    )
)]
pub async fn ticket_svg(
    request: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    limits: web::Data<ClientLimits>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let client = super::client::address(&request, &config.server.trusted_proxies);
    if !limits
        .tickets
        .admit(client, config.access.tickets_per_minute)
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyRequests,
            "too many tickets asked for from here; wait a minute",
        ));
    }
    let ticket = path.into_inner();
    let genuine =
        blocking(move || Ok(rounds::is_our_ticket(&db, &ticket)?.then_some(ticket))).await?;
    let ticket = genuine.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such ticket")
    })?;
    let code =
        qrcode::QrCode::new(ticket.as_bytes()).map_err(|e| ApiError::internal(e.to_string()))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(svg))
}
