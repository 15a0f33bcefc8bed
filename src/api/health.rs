//! The service's own health for operators and load balancers: up, ready, figures.

use actix_web::{web, ResponseError};
use serde::Serialize;

use super::{blocking, ApiError};
use crate::store::Db;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    status: &'static str,
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    database: &'static str,
}

/// Up means the database answers too: a load balancer should not send work here otherwise.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses((status = 200, description = "The service and its database answer", body = Health))
)]
pub async fn healthz(db: web::Data<Db>) -> Result<web::Json<Health>, ApiError> {
    let backend = db.backend();
    let db = db.into_inner();
    blocking(move || Ok(db.ping()?)).await?;
    Ok(web::Json(Health {
        status: "ok",
        database: backend,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    status: &'static str,
}

/// Ready means this process can take work: the database answers and its schema is the one
/// this build expects (not one migrated by a newer sweep, nor missing a migration).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    responses(
        (status = 200, description = "Ready for work", body = Ready),
        (status = 503, description = "`unavailable`: the database does not answer, or its schema is not this build's (the message says which)", body = ApiError),
    )
)]
pub async fn readyz(db: web::Data<Db>) -> Result<web::Json<Ready>, ApiError> {
    let db = db.into_inner();
    blocking(move || {
        db.ping()?;
        match db.schema_mismatch()? {
            None => Ok(()),
            Some(why) => Err(ApiError::unavailable(why)),
        }
    })
    .await
    .map_err(|e| {
        if e.status_code().is_server_error() {
            e
        } else {
            ApiError::unavailable(e.to_string())
        }
    })?;
    Ok(web::Json(Ready { status: "ready" }))
}

/// The operator's figures in the Prometheus text format (see `src/metrics.rs`).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String))
)]
pub async fn metrics(db: web::Data<Db>) -> actix_web::HttpResponse {
    let metrics = crate::metrics::get();
    let (open, idle) = db.pool_state();
    metrics.pool(open, idle);
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.text())
}
