use actix_web::web;
use diesel::connection::SimpleConnection;
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
    let backend = match db.target() {
        crate::store::Target::Sqlite(_) => "sqlite",
        crate::store::Target::Postgres(_) => "postgres",
    };
    let db = db.into_inner();
    blocking(move || {
        db.conn()?.batch_execute("SELECT 1")?;
        Ok(())
    })
    .await?;
    Ok(web::Json(Health {
        status: "ok",
        database: backend,
    }))
}
