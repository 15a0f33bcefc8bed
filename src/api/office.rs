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
