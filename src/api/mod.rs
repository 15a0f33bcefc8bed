//! The HTTP service. Handlers are grouped by who calls them; this module builds the
//! application: routes, JSON errors, request logging without personal data.

mod auth;
mod city;
mod client;
mod error;
mod health;
mod lab;
mod multipart;
mod office;
mod openapi;
mod resident;
mod roster;
mod rounds;
mod schemas;
mod site;
mod team;

use std::net::TcpListener;
use std::time::Instant;

use actix_web::dev::{Server, Service};
use actix_web::{web, App, HttpServer};

pub use error::{shown, ApiError, ErrorCode};
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
        Self::on(TcpListener::bind(&config.server.bind)?, config, db)
    }

    /// Serves on a socket bound already.
    pub fn on(listener: TcpListener, config: &Config, db: Db) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let db = web::Data::new(db);
        let shared_config = web::Data::new(config.clone());
        let limits = web::Data::new(resident::ClientLimits::default());
        let writer = web::Data::new(crate::store::Writer::start(db.get_ref().clone())?);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(db.clone())
                .app_data(shared_config.clone())
                .app_data(limits.clone())
                .app_data(writer.clone())
                .app_data(web::JsonConfig::default().error_handler(error::json_error))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .wrap_fn(|request, service| {
                    let response = service.call(request);
                    async move { auth::after_change(response.await?).await }
                })
                .wrap_fn(|request, service| {
                    let method = request.method().clone();
                    let started = Instant::now();
                    let response = service.call(request);
                    async move {
                        let response = response.await?;
                        let took = started.elapsed();
                        let status = response.status().as_u16();
                        // By the route's pattern, not the path (a path may carry a ticket),
                        // and never the query string.
                        let route = response.request().match_pattern();
                        let route = route.as_deref().unwrap_or("unmatched");
                        crate::metrics::get().request(method.as_str(), route, status, took);
                        tracing::info!(
                            %method,
                            route,
                            status,
                            ms = took.as_secs_f64() * 1000.0,
                            "request"
                        );
                        Ok(response)
                    }
                })
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .route("/metrics", web::get().to(health::metrics))
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
                        .route("/lab/results.csv", web::post().to(lab::upload_results))
                        .route("/office/roster", web::post().to(roster::upload))
                        .route("/city/completion", web::get().to(city::completion))
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

/// A change asked for under a client-made key, to be done at most once: as an
/// `Idempotency-Key` (Stripe's, and the IETF draft's), the key is the caller's own, a retry
/// with the same endpoint and body gets the first answer, and the same key for a different
/// request is refused.
pub struct Idempotent(crate::store::access::RequestKey);

impl Idempotent {
    pub fn new(
        actor: &auth::Actor,
        http: &actix_web::HttpRequest,
        request_id: uuid::Uuid,
        body: &impl serde::Serialize,
    ) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(Self::of_bytes(actor, http, request_id, &body))
    }

    /// For a body that is not JSON (an upload): its bytes, as received.
    pub fn of_bytes(
        actor: &auth::Actor,
        http: &actix_web::HttpRequest,
        request_id: uuid::Uuid,
        body: &[u8],
    ) -> Self {
        use sha2::Digest;
        Idempotent(crate::store::access::RequestKey {
            actor: actor.key_owner(),
            request_id: request_id.to_string(),
            endpoint: format!("{} {}", http.method(), http.path()),
            fingerprint: sha2::Sha256::digest(body).to_vec(),
        })
    }

    /// The lock that makes a concurrent duplicate of work outside a transaction wait.
    fn lock_name(&self) -> String {
        format!("request {} {}", self.0.actor, self.0.request_id)
    }

    /// The first answer, if this key was used before; 422 if it was used for another request.
    fn replay(&self, conn: &mut crate::store::DbConnection) -> Result<Option<Answer>, ApiError> {
        let Some(first) = crate::store::access::handled(conn, &self.0)? else {
            return Ok(None);
        };
        // A key stored before endpoints and fingerprints were kept matches its caller alone.
        let same = first
            .fingerprint
            .as_ref()
            .is_none_or(|f| first.endpoint == self.0.endpoint && *f == self.0.fingerprint);
        if !same {
            return Err(ApiError::new(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::RequestIdReused,
                "this request_id was used for another request; make a new one for each request",
            )
            .with_field("request_id"));
        }
        Ok(Some(Answer {
            status: first.status as u16,
            body: first.body,
            replayed: true,
        }))
    }

    /// Runs a change at most once, inside the caller's transaction: the key is taken first,
    /// so a concurrent duplicate waits for this transaction and then gets its answer. A
    /// change that fails is not remembered (nothing was done; a retry may succeed).
    pub fn once(
        &self,
        conn: &mut crate::store::DbConnection,
        change: impl FnOnce(&mut crate::store::DbConnection) -> Result<(u16, String), ApiError>,
    ) -> Result<Answer, ApiError> {
        let now = chrono::Utc::now().naive_utc();
        if !crate::store::access::claim(conn, &self.0, now)? {
            return self
                .replay(conn)?
                .ok_or_else(|| ApiError::internal("a claimed request has no answer"));
        }
        let (status, body) = change(conn)?;
        crate::store::access::answer(conn, &self.0, i32::from(status), &body)?;
        Ok(Answer {
            status,
            body,
            replayed: false,
        })
    }

    /// Runs work that keeps its own transactions (planning, an import) at most once: under a
    /// lock on the key, so a concurrent duplicate waits for it and then gets its answer.
    /// Only a success is remembered: after a refusal nothing was done, and a retry may do it.
    pub fn once_outside(
        &self,
        db: &crate::store::Db,
        work: impl FnOnce() -> Result<(u16, String), ApiError>,
    ) -> Result<Answer, ApiError> {
        let _held = db.lock(&self.lock_name())?;
        if let Some(first) = self.replay(&mut *db.conn()?)? {
            return Ok(first);
        }
        let (status, body) = work()?;
        if status < 400 {
            let now = chrono::Utc::now().naive_utc();
            crate::store::access::remember(
                &mut *db.conn()?,
                &self.0,
                i32::from(status),
                &body,
                now,
            )?;
        }
        Ok(Answer {
            status,
            body,
            replayed: false,
        })
    }
}

/// A change's answer: status and JSON body, and whether it is the stored answer to an
/// earlier request with the same key.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

impl Answer {
    /// Counts the change in the metrics, unless it was done before (a replay).
    pub fn counted_as(self, change: &str) -> Self {
        if !self.replayed {
            crate::metrics::get().committed(change);
        }
        self
    }
}

/// The body of a change that needs nothing but its request id.
#[derive(serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestOnly {
    pub request_id: uuid::Uuid,
}

/// Reads `bytes` as every JSON body the API takes, and runs the checks each body gets before
/// any database work (times, windows, ID numbers, the request's fingerprint) — for fuzzing
/// them; a server answers a body that fails any of these with a 4xx.
pub fn check_bodies(bytes: &[u8]) {
    fn parsed<T: serde::de::DeserializeOwned + serde::Serialize>(bytes: &[u8]) -> Option<T> {
        let body: T = serde_json::from_slice(bytes).ok()?;
        // As a request's fingerprint is made.
        let again = serde_json::to_vec(&body).expect("a parsed body serialises");
        assert!(
            serde_json::from_slice::<T>(&again).is_ok(),
            "a body reads back"
        );
        Some(body)
    }
    if let Some(plan) = parsed::<rounds::Plan>(bytes) {
        let _ = plan.check();
    }
    if let Some(lookup) = parsed::<resident::Lookup>(bytes) {
        let _ = lookup.check();
    }
    if let Some(moved) = parsed::<rounds::Move>(bytes) {
        let _ = moved.start();
    }
    let _ = parsed::<site::OpenTube>(bytes);
    let _ = parsed::<site::Scan>(bytes);
    let _ = parsed::<lab::TubeResult>(bytes);
    let _ = parsed::<team::OutcomeRequest>(bytes);
    let _ = parsed::<rounds::Lanes>(bytes);
    let _ = parsed::<RequestOnly>(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        assert!(shown(text).chars().count() <= 41);
    }
}

/// An answer as the response; a replayed one says so in `Idempotent-Replayed: true`.
pub fn answer(answer: Answer) -> actix_web::HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::OK);
    let mut response = actix_web::HttpResponse::build(status);
    response.content_type("application/json");
    if answer.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.body(answer.body)
}

/// The body as JSON text, for storing with the request id.
pub fn json_text(value: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(e.to_string()))
}
