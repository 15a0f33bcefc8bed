//! Logging in, and who is asking: an office or lab account with a password, or a team with
//! its code and PIN, gets an expiring bearer token; every other endpoint takes the token
//! and knows the caller's role (and team).

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::NaiveDateTime;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{blocking, ApiError};
use crate::access::{self, Role};
use crate::config::Config;
use crate::store::access::{self as stored, SessionRow};
use crate::store::Db;

/// The caller of an endpoint, from its bearer token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub role: Role,
    pub team_id: Option<i64>,
    /// As the audit record names them: `office:<login>`, `lab:<login>`, `team:<code>`.
    pub name: String,
}

impl Actor {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this needs the {} role", role.as_str()),
            ))
        }
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Actor, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = request
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        let db = request.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let token =
                token.ok_or_else(|| unauthorized("log in first: Authorization: Bearer <token>"))?;
            let db = db.ok_or_else(|| ApiError::internal("no database"))?;
            blocking(move || {
                let mut conn = db.conn()?;
                let now = Utc::now().naive_utc();
                let (session, team, login) =
                    stored::session(&mut conn, &access::token_hash(&token), now)?.ok_or_else(
                        || unauthorized("the token is unknown or expired; log in again"),
                    )?;
                let role = Role::parse(&session.role).map_err(ApiError::internal)?;
                let name = match (team, login) {
                    (Some(team), _) => format!("team:{team}"),
                    (None, Some(login)) => format!("{}:{login}", role.as_str()),
                    (None, None) => return Err(ApiError::internal("a session without an owner")),
                };
                Ok(Actor {
                    role,
                    team_id: session.team_id,
                    name,
                })
            })
            .await
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
    /// The team's code.
    team: String,
    #[schema(format = Password)]
    pin: String,
}

#[derive(Serialize, ToSchema)]
pub struct Session {
    /// Sent as `Authorization: Bearer <token>` on every call that needs a role.
    token: String,
    /// `office`, `lab` or `team`.
    #[schema(example = "office")]
    role: &'static str,
    /// UTC, without an offset.
    #[schema(value_type = String, example = "2026-12-01T20:15:00.123456")]
    expires_at: NaiveDateTime,
}

fn open(
    db: &Db,
    config: &Config,
    role: Role,
    account_id: Option<i64>,
    team_id: Option<i64>,
) -> Result<Session, ApiError> {
    let (token, token_hash) = access::new_token();
    let expires_at = Utc::now().naive_utc()
        + chrono::Duration::minutes((config.access.session_hours * 60.0).round() as i64);
    stored::open_session(
        &mut *db.conn()?,
        &SessionRow {
            token_hash,
            role: role.as_str().to_string(),
            account_id,
            team_id,
            expires_at,
        },
    )?;
    Ok(Session {
        token,
        role: role.as_str(),
        expires_at,
    })
}

/// The same answer whether the login or the password is wrong, or logins are paused.
fn wrong_credentials() -> ApiError {
    unauthorized(
        "wrong login or password (after repeated failures, wait a while before trying again)",
    )
}

fn wrong_pin() -> ApiError {
    unauthorized("wrong team or PIN (after repeated failures, wait a while before trying again)")
}

/// Checks a secret against its hash (a stand-in hash when the login is unknown, so that
/// timing does not tell which logins exist), with the attempt counted against the login and
/// the client first: while either must wait or is locked, the secret is not checked (but the
/// time is spent all the same) and the answer is the same as for a wrong secret.
fn check_secret(
    db: &Db,
    config: &Config,
    keys: [String; 2],
    secret: &str,
    stored_hash: Option<&str>,
) -> Result<bool, ApiError> {
    let now = Utc::now().naive_utc();
    let throttle = config.access.throttle();
    let mut conn = db.conn()?;
    let admitted = crate::store::write_transaction(&mut conn, |conn| {
        count_attempt(conn, &throttle, &keys, now)
    })?;
    let matches = access::secret_matches(secret, stored_hash.unwrap_or(UNKNOWN_HASH));
    if admitted && matches && stored_hash.is_some() {
        stored::forget_login_attempts(&mut conn, &keys)?;
        return Ok(true);
    }
    Ok(false)
}

/// Counts an attempt for each key, or refuses it (false) while any of them must wait. Each
/// lock this attempt makes is written in the audit record.
fn count_attempt(
    conn: &mut crate::store::DbConnection,
    throttle: &access::Throttle,
    keys: &[String],
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    for key in keys {
        let seen = stored::login_attempts(conn, key)?;
        if !throttle.admits(seen.as_ref(), now) {
            return Ok(false);
        }
        let (next, locks) = throttle.count(seen.as_ref(), now);
        // Another attempt at the same moment took this turn.
        if !stored::count_login_attempt(conn, key, seen.as_ref(), &next)? {
            return Ok(false);
        }
        if locks {
            let until = next.locked_until.unwrap_or(now);
            tracing::warn!(who = %key, "logins locked after repeated failures");
            stored::audit(
                conn,
                "access",
                "login locked",
                &format!("{key} until {until}"),
                now,
            )?;
        }
    }
    Ok(true)
}

/// The throttle's key for an account or team login: the name as given, cut short (unknown
/// names are counted too, so that they behave as known ones do).
fn login_key(kind: &str, name: &str) -> String {
    format!("{kind} {}", name.chars().take(64).collect::<String>())
}

fn client_key(request: &HttpRequest, config: &Config) -> String {
    format!(
        "client {}",
        super::client::address(request, &config.server.trusted_proxies)
    )
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
    let body = body.into_inner();
    let client = client_key(&request, &config);
    let session = blocking(move || {
        let account = stored::account(&mut *db.conn()?, &body.login)?;
        let keys = [login_key("account", &body.login), client];
        let stored_hash = account.as_ref().map(|a| a.password_hash.as_str());
        if !check_secret(&db, &config, keys, &body.password, stored_hash)? {
            return Err(wrong_credentials());
        }
        let account = account.ok_or_else(wrong_credentials)?;
        let role = Role::parse(&account.role).map_err(ApiError::internal)?;
        open(&db, &config, role, Some(account.id), None)
    })
    .await?;
    Ok((web::Json(session), StatusCode::CREATED))
}

/// `POST /api/v1/team-sessions` — a mobile team (or a site's samplers) logs in with its
/// code and PIN.
#[utoipa::path(
    post,
    path = "/api/v1/team-sessions",
    tag = "access",
    responses(
        (status = 201, description = "A token for `access.session_hours`", body = Session),
        (status = 401, description = "`unauthorized`: wrong team or PIN, or logins from this client or for this team are paused after repeated failures (the same answer for each)", body = ApiError),
    )
)]
pub async fn team_login(
    request: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    body: web::Json<TeamLogin>,
) -> Result<(web::Json<Session>, StatusCode), ApiError> {
    let body = body.into_inner();
    let client = client_key(&request, &config);
    let session = blocking(move || {
        let team = stored::team_pin(&mut *db.conn()?, &body.team)?;
        let keys = [login_key("team", &body.team), client];
        let stored_hash = team.as_ref().and_then(|t| t.2.as_deref());
        if !check_secret(&db, &config, keys, &body.pin, stored_hash)? {
            return Err(wrong_pin());
        }
        let team = team.ok_or_else(wrong_pin)?;
        open(&db, &config, Role::Team, None, Some(team.0))
    })
    .await?;
    Ok((web::Json(session), StatusCode::CREATED))
}

/// A valid argon2 hash of no password anyone has, checked against for unknown logins.
const UNKNOWN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c3dlZXAtbm8tc3VjaC11c2Vy$wD1TnGTnAo5cQbrqfP7gWUE27yTEcTQRt9OzgI2rqBA";

#[cfg(test)]
mod tests {
    use super::*;

    /// Unknown logins are checked against this hash so that they take as long as known
    /// ones: it must parse, or the check would return at once.
    #[test]
    fn the_stand_in_hash_parses_and_matches_nothing() {
        assert!(argon2::password_hash::PasswordHash::new(UNKNOWN_HASH).is_ok());
        assert!(!access::secret_matches("", UNKNOWN_HASH));
        assert!(!access::secret_matches("office-password", UNKNOWN_HASH));
    }
}
