//! The HTTP service. Handlers are grouped by who calls them; this module builds the
//! application: routes, JSON errors, request logging without personal data.

mod auth;
mod error;
mod health;
mod lab;
mod office;
mod openapi;
mod resident;
mod roster;
mod rounds;
mod site;
mod team;

use std::net::TcpListener;
use std::time::Instant;

use actix_web::dev::{Server, Service};
use actix_web::{web, App, HttpServer};

pub use error::ApiError;
pub use openapi::ApiDoc;

use crate::config::Config;
use crate::store::Db;

/// A bound, ready-to-run server. Binding is separate from running so that tests can ask
/// for port 0 and learn the port.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub fn build(config: &Config, db: Db) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&config.server.bind)?;
        let port = listener.local_addr()?.port();
        let db = web::Data::new(db);
        let shared_config = web::Data::new(config.clone());
        let limiter = web::Data::new(resident::LookupLimiter::default());
        let writer = web::Data::new(crate::store::Writer::start(db.get_ref().clone())?);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(db.clone())
                .app_data(shared_config.clone())
                .app_data(limiter.clone())
                .app_data(writer.clone())
                .app_data(web::JsonConfig::default().error_handler(error::json_error))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .wrap_fn(|request, service| {
                    // Path only: query strings could carry personal data one day.
                    let method = request.method().clone();
                    let path = request.path().to_string();
                    let started = Instant::now();
                    let response = service.call(request);
                    async move {
                        let response = response.await?;
                        tracing::info!(
                            %method,
                            %path,
                            status = response.status().as_u16(),
                            ms = started.elapsed().as_secs_f64() * 1000.0,
                            "request"
                        );
                        Ok(response)
                    }
                })
                .route("/healthz", web::get().to(health::healthz))
                .configure(crate::web::configure)
                .service(
                    web::scope("/api/v1")
                        .route("/openapi.json", web::get().to(openapi::document))
                        .route("/sessions", web::post().to(auth::login))
                        .route("/team-sessions", web::post().to(auth::team_login))
                        .route("/team/route", web::get().to(team::my_route))
                        .route("/team/outcomes", web::post().to(team::record_outcome))
                        .route("/resident/lookup", web::post().to(resident::lookup))
                        .route(
                            "/resident/tickets/{ticket}",
                            web::get().to(resident::ticket_svg),
                        )
                        .route("/site/tubes", web::post().to(site::open_tube))
                        .route("/site/tubes/{code}/close", web::post().to(site::close_tube))
                        .route("/site/scans", web::post().to(site::scan))
                        .route("/lab/results", web::post().to(lab::record_result))
                        .route("/office/roster", web::post().to(roster::upload))
                        .route("/office/recalls", web::get().to(office::recalls))
                        .route("/office/completion", web::get().to(office::completion))
                        .route("/office/sweep-list", web::get().to(office::sweep_list))
                        .route("/office/progress", web::get().to(office::progress))
                        .route("/office/audit", web::get().to(office::audit_trail))
                        .route("/office/rounds", web::get().to(rounds::list))
                        .route("/office/rounds/{date}/plan", web::post().to(rounds::plan))
                        .route(
                            "/office/rounds/{date}/publish",
                            web::post().to(rounds::publish),
                        )
                        .route("/office/rounds/{date}/slots", web::get().to(rounds::slots))
                        .route(
                            "/office/rounds/{date}/moves",
                            web::post().to(rounds::move_resident),
                        )
                        .route(
                            "/office/rounds/{date}/sites/{site}/lanes",
                            web::post().to(rounds::close_lanes),
                        )
                        .route(
                            "/office/rounds/{date}/routes",
                            web::get().to(rounds::routes),
                        )
                        .route(
                            "/office/rounds/{date}/sites/{site}/slots.svg",
                            web::get().to(rounds::site_plot),
                        )
                        .route(
                            "/office/rounds/{date}/missing.csv",
                            web::get().to(rounds::missing),
                        )
                        .route(
                            "/office/rounds/{date}/{export}",
                            web::get().to(rounds::export),
                        ),
                )
                .default_service(web::to(error::not_found))
        })
        .shutdown_timeout(config.server.shutdown_timeout_seconds)
        // Database work runs on each worker's blocking threads; more of them than pooled
        // connections would only wait in the pool's queue and switch context.
        .worker_max_blocking_threads(config.database.pool_size as usize)
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// A handle that stops the server from elsewhere (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// Runs blocking database work off the async executor.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(work)
        .await
        .map_err(|_| ApiError::internal("the worker stopped"))?
}

/// The first answer to `request_id` if it was handled before for this caller; the same id
/// from someone else is refused.
pub fn replayed(
    conn: &mut crate::store::DbConnection,
    request_id: uuid::Uuid,
    actor: &str,
) -> Result<Option<(u16, String)>, ApiError> {
    match crate::store::access::handled(conn, &request_id.to_string())? {
        Some((by, _, _)) if by != actor => Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "request_id_taken",
            "this request_id was already used by someone else; make a new one",
        )
        .with_field("request_id")),
        Some((_, status, answer)) => Ok(Some((status as u16, answer))),
        None => Ok(None),
    }
}

/// Runs a change at most once per client-made `request_id`, inside the caller's
/// transaction: a retry by the same caller gets the first answer (status and JSON body)
/// and changes nothing.
pub fn once(
    conn: &mut crate::store::DbConnection,
    request_id: uuid::Uuid,
    actor: &str,
    change: impl FnOnce(&mut crate::store::DbConnection) -> Result<(u16, String), ApiError>,
) -> Result<(u16, String), ApiError> {
    if let Some(first) = replayed(conn, request_id, actor)? {
        return Ok(first);
    }
    let (status, answer) = change(conn)?;
    crate::store::access::remember(
        conn,
        &request_id.to_string(),
        actor,
        i32::from(status),
        &answer,
        chrono::Utc::now().naive_utc(),
    )?;
    Ok((status, answer))
}

/// The body of a change that needs nothing but its request id.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestOnly {
    pub request_id: uuid::Uuid,
}

/// A resident's row id by code; 404 naming `field` when there is none.
pub fn resident_by_code(
    conn: &mut crate::store::DbConnection,
    code: &str,
    field: &str,
) -> Result<i64, ApiError> {
    crate::store::routes::resident_id(conn, code.trim())?.ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "unknown_resident",
            "no resident has this code",
        )
        .with_field(field)
    })
}

/// A stored answer as the response.
pub fn answer((status, body): (u16, String)) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK),
    )
    .content_type("application/json")
    .body(body)
}

/// The body as JSON text, for storing with the request id.
pub fn json_text(value: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(e.to_string()))
}
