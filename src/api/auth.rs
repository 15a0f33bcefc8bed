//! Logging in, and who is asking: an office or lab account with a password, or a team with
//! its code and PIN, gets an expiring bearer token; every other endpoint takes the token
//! and knows the caller's role (and team).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{blocking, ApiError, ErrorCode};
use crate::access::Role;
use crate::accounts;
use crate::config::Config;
use crate::domain::District;
use crate::store::Db;

/// The caller of an endpoint, from its bearer token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub role: Role,
    /// The district the caller works in; none for the city's headquarters.
    pub district: Option<District>,
    pub team_id: Option<i64>,
    /// As the audit record names them: `office:<login>`, `lab:<login>`, `team:<code>`.
    pub name: String,
    /// The session's key, and where on the primary its owner last wrote (see
    /// [`Actor::reads_from_replica`]).
    session: Vec<u8>,
    read_fence: Option<String>,
}

impl Actor {
    /// The caller's district, if the caller has `role`: every role but the city's works in
    /// one district and reads and changes nothing of another.
    pub fn require(&self, role: Role) -> Result<&District, ApiError> {
        let forbidden = || {
            ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                format!("this needs the {} role", role.as_str()),
            )
        };
        if self.role != role {
            return Err(forbidden());
        }
        self.district.as_ref().ok_or_else(forbidden)
    }

    /// Whether the caller is the city's headquarters.
    pub fn require_city(&self) -> Result<(), ApiError> {
        if self.role == Role::City {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "this needs the city role",
            ))
        }
    }

    /// Whether this role's views are read from a replica where one is configured: the
    /// office's and the city's. Teams, sites and labs read what they are about to change.
    pub fn reads_from_replica(&self) -> bool {
        matches!(self.role, Role::Office | Role::City)
    }

    /// The database the caller's read-only views read: the replica once it holds the
    /// caller's own last write, else the primary. Blocking: call inside [`blocking`].
    pub fn reader(&self, db: &Db) -> Db {
        if self.reads_from_replica() {
            db.reader(self.read_fence.as_deref())
        } else {
            db.clone()
        }
    }

    /// After a change the caller asked for succeeded: their next reads must see it.
    pub fn wrote(&self, db: &Db) -> Result<(), ApiError> {
        if self.reads_from_replica() && db.has_replica() {
            accounts::wrote(db, &self.session)?;
        }
        Ok(())
    }

    /// Who owns a request key: the caller, named with the district (codes of teams and
    /// logins of accounts are unique only within it).
    pub fn key_owner(&self) -> String {
        match &self.district {
            Some(district) => format!("{}@{}", self.name, district.code),
            None => self.name.clone(),
        }
    }
}

/// Middleware's second half: after a change by a caller whose views read from a replica
/// succeeded, records where it left the primary, so that the caller's next view shows it.
/// The change is done whatever happens here; a position not recorded only risks a view a
/// few milliseconds old, so it is logged, not answered as an error.
pub async fn after_change<B>(
    response: ServiceResponse<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let request = response.request();
    if request.method().is_safe() || !response.status().is_success() {
        return Ok(response);
    }
    let actor = request.extensions().get::<Actor>().cloned();
    let db = request.app_data::<web::Data<Db>>().cloned();
    if let (Some(actor), Some(db)) = (actor, db) {
        if actor.reads_from_replica() && db.has_replica() {
            if let Err(e) = blocking(move || actor.wrote(&db)).await {
                tracing::warn!(error = %e, "a change's WAL position was not recorded");
            }
        }
    }
    Ok(response)
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
}

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Actor, ApiError>>>>;

    /// The actor is also kept in the request's extensions, for the middleware that records
    /// a write's position after a change ([`Actor::wrote`]).
    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = request
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        let db = request.app_data::<web::Data<Db>>().cloned();
        let config = request.app_data::<web::Data<Config>>().cloned();
        let request = request.clone();
        Box::pin(async move {
            let token =
                token.ok_or_else(|| unauthorized("log in first: Authorization: Bearer <token>"))?;
            let db = db.ok_or_else(|| ApiError::internal("no database"))?;
            let config = config.ok_or_else(|| ApiError::internal("no configuration"))?;
            let caller = blocking(move || Ok(accounts::caller(&db, &config, &token)?)).await?;
            let caller = caller
                .ok_or_else(|| unauthorized("the token is unknown or expired; log in again"))?;
            let actor = Actor {
                role: caller.role,
                district: caller.district,
                team_id: caller.team_id,
                name: caller.name,
                session: caller.session,
                read_fence: caller.read_fence,
            };
            request.extensions_mut().insert(actor.clone());
            Ok(actor)
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct Login {
    login: String,
    #[schema(format = Password)]
    password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct TeamLogin {
    /// The team's district's code; needed only where the city has several districts.
    #[serde(default)]
    district: Option<String>,
    /// The team's code.
    team: String,
    #[schema(format = Password)]
    pin: String,
}

#[derive(Serialize, ToSchema)]
pub struct Session {
    /// Sent as `Authorization: Bearer <token>` on every call that needs a role.
    token: String,
    /// `office`, `lab`, `team` or `city`.
    #[schema(example = "office")]
    role: &'static str,
    /// The code of the district the session works in; left out for the city's role.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "D1")]
    district: Option<String>,
    /// UTC, without an offset.
    #[schema(value_type = String, example = "2026-12-01T20:15:00.123456")]
    expires_at: NaiveDateTime,
}

impl From<accounts::OpenedSession> for Session {
    fn from(opened: accounts::OpenedSession) -> Self {
        Session {
            token: opened.token,
            role: opened.role.as_str(),
            district: opened.district,
            expires_at: opened.expires_at,
        }
    }
}

/// `POST /api/v1/sessions` — an office or lab account logs in.
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    tag = "access",
    responses(
        (status = 201, description = "A token for `access.session_hours`", body = Session),
        (status = 401, description = "`unauthorized`: wrong login or password, or logins from this client or for this account are paused after repeated failures (the same answer for each)", body = ApiError),
    )
)]
pub async fn login(
    request: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    body: web::Json<Login>,
) -> Result<(web::Json<Session>, StatusCode), ApiError> {
    let client = super::client::address(&request, &config.server.trusted_proxies);
    let opened = blocking(move || {
        let credentials = accounts::Credentials::Account {
            login: &body.login,
            password: &body.password,
        };
        Ok(accounts::log_in(&db, &config, credentials, client)?)
    })
    .await?;
    Ok((web::Json(opened.into()), StatusCode::CREATED))
}

/// `POST /api/v1/team-sessions` — a mobile team (or a site's samplers) logs in with its
/// code and PIN.
#[utoipa::path(
    post,
    path = "/api/v1/team-sessions",
    tag = "access",
    responses(
        (status = 201, description = "A token for `access.session_hours`", body = Session),
        (status = 401, description = "`unauthorized`: wrong team or PIN, or logins from this client or for this team are paused after repeated failures (the same answer for each; an unknown district too)", body = ApiError),
        (status = 422, description = "`invalid_field` (`district`): the city has several districts and none was named", body = ApiError),
    )
)]
pub async fn team_login(
    request: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    body: web::Json<TeamLogin>,
) -> Result<(web::Json<Session>, StatusCode), ApiError> {
    let client = super::client::address(&request, &config.server.trusted_proxies);
    let opened = blocking(move || {
        let credentials = accounts::Credentials::Team {
            district: body.district.as_deref().filter(|d| !d.trim().is_empty()),
            code: &body.team,
            pin: &body.pin,
        };
        Ok(accounts::log_in(&db, &config, credentials, client)?)
    })
    .await?;
    Ok((web::Json(opened.into()), StatusCode::CREATED))
}
