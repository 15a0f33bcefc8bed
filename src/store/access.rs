//! Accounts, team PINs, sessions, the audit record and requests already handled.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{accounts, audit, handled_requests, sessions, teams};
use super::DbConnection;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: i64,
    pub login: String,
    pub role: String,
    pub password_hash: String,
}

pub fn add_account(
    conn: &mut DbConnection,
    login: &str,
    role: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(accounts::table)
        .values((
            accounts::login.eq(login),
            accounts::role.eq(role),
            accounts::password_hash.eq(password_hash),
            accounts::created_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

pub fn account(conn: &mut DbConnection, login: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::login.eq(login))
        .select(AccountRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn set_password(
    conn: &mut DbConnection,
    account_id: i64,
    password_hash: &str,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(account_id))
        .set(accounts::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(())
}

/// A team's id, code and PIN hash (none until `sweep team pin`).
pub fn team_pin(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<(i64, String, Option<String>)>> {
    teams::table
        .filter(teams::code.eq(code))
        .select((teams::id, teams::code, teams::pin_hash))
        .get_result(conn)
        .optional()
}

pub fn set_team_pin(conn: &mut DbConnection, team_id: i64, pin_hash: &str) -> QueryResult<()> {
    diesel::update(teams::table.find(team_id))
        .set(teams::pin_hash.eq(pin_hash))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = sessions)]
#[diesel(treat_none_as_default_value = false)]
pub struct SessionRow {
    pub token_hash: Vec<u8>,
    pub role: String,
    pub account_id: Option<i64>,
    pub team_id: Option<i64>,
    pub expires_at: NaiveDateTime,
}

pub fn open_session(conn: &mut DbConnection, session: &SessionRow) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(sessions::table)
        .values(session)
        .execute(c))?;
    Ok(())
}

/// A session, its team's code and its account's login (one of the two is set).
pub type SessionWithOwner = (SessionRow, Option<String>, Option<String>);

/// The session of a token's hash, if it has not expired, with its owner's name (the team's
/// code or the account's login) — one query, as every request asks it.
pub fn session(
    conn: &mut DbConnection,
    token_hash: &[u8],
    now: NaiveDateTime,
) -> QueryResult<Option<SessionWithOwner>> {
    crate::on_backend!(conn, |c| sessions::table
        .left_join(teams::table)
        .left_join(accounts::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .select((
            SessionRow::as_select(),
            teams::code.nullable(),
            accounts::login.nullable(),
        ))
        .get_result(c)
        .optional())
}

/// Records who changed what: `actor` as `office:login`, `team:T001`, `lab:login`.
pub fn audit(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    subject: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(audit::table)
        .values((
            audit::actor.eq(actor),
            audit::action.eq(action),
            audit::subject.eq(subject),
            audit::at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// The latest `limit` audit entries, newest first: actor, action, subject, time.
pub fn audit_trail(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<(String, String, String, NaiveDateTime)>> {
    audit::table
        .select((audit::actor, audit::action, audit::subject, audit::at))
        .order(audit::id.desc())
        .limit(limit)
        .load(conn)
}

/// The answer given to a request id already handled: who sent it, status and body.
pub fn handled(
    conn: &mut DbConnection,
    request_id: &str,
) -> QueryResult<Option<(String, i32, String)>> {
    let query = handled_requests::table
        .filter(handled_requests::request_id.eq(request_id))
        .select((
            handled_requests::actor,
            handled_requests::status,
            handled_requests::body,
        ));
    crate::on_backend!(conn, |c| query.get_result(c).optional())
}

pub fn remember(
    conn: &mut DbConnection,
    request_id: &str,
    actor: &str,
    status: i32,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(handled_requests::table)
        .values((
            handled_requests::request_id.eq(request_id),
            handled_requests::actor.eq(actor),
            handled_requests::status.eq(status),
            handled_requests::body.eq(body),
            handled_requests::handled_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}
