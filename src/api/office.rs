//! Endpoints for the community office.

use actix_web::web;
use serde::Serialize;

use super::auth::Actor;
use super::{blocking, ApiError};
use crate::access::Role;
use crate::store::access as stored;
use crate::store::Db;

#[derive(Serialize)]
pub struct AuditEntry {
    actor: String,
    action: String,
    subject: String,
    at: chrono::NaiveDateTime,
}

/// `GET /api/v1/office/audit` — the latest 500 changes, newest first: who, what, when.
pub async fn audit_trail(
    actor: Actor,
    db: web::Data<Db>,
) -> Result<web::Json<Vec<AuditEntry>>, ApiError> {
    actor.require(Role::Office)?;
    let entries = blocking(move || {
        Ok(stored::audit_trail(&mut *db.conn()?, 500)?
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

#[derive(serde::Deserialize)]
pub struct DateQuery {
    date: Option<chrono::NaiveDate>,
}

#[derive(Serialize)]
pub struct Recall {
    resident: String,
    name: String,
    building: String,
    unit: String,
    floor: i32,
    room: String,
    /// `positive_pool`: a single-tube retest; `invalid_tube`: sampled again.
    reason: &'static str,
    /// Cannot walk to a site: the next route plan visits them first.
    home_visit: bool,
}

/// `GET /api/v1/office/recalls?date=` — who must be sampled again, by building and door.
pub async fn recalls(
    actor: Actor,
    db: web::Data<Db>,
    config: web::Data<crate::config::Config>,
    query: web::Query<DateQuery>,
) -> Result<web::Json<Vec<Recall>>, ApiError> {
    actor.require(Role::Office)?;
    let date = query.date.unwrap_or_else(|| super::team::today(&config));
    let list = blocking(move || {
        let mut conn = db.conn()?;
        let round = super::team::round_on(&mut conn, date)?;
        let needed = crate::store::tubes::retests_needed(&mut conn, round.id)?;
        let ids: Vec<i64> = needed.keys().copied().collect();
        Ok(crate::store::tubes::recall_rows(&mut conn, &ids)?
            .into_iter()
            .map(|r| Recall {
                reason: if needed[&r.resident_id] == "positive" {
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
