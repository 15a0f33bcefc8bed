//! Accounts, team PINs, sessions, the audit record and requests already handled.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::districts::DistrictRow;
use super::schema::{
    accounts, audit, districts, handled_requests, login_failures, sessions, teams,
};
use super::DbConnection;
use crate::access::Attempts;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: i64,
    pub login: String,
    pub role: String,
    /// None for the city's (headquarters') accounts.
    pub district_id: Option<i64>,
    pub password_hash: String,
}

pub fn add_account(
    conn: &mut DbConnection,
    login: &str,
    role: &str,
    district_id: Option<i64>,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(accounts::table)
        .values((
            accounts::login.eq(login),
            accounts::role.eq(role),
            accounts::district_id.eq(district_id),
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

/// A district's team: id, code and PIN hash (none until `sweep team pin`).
pub fn team_pin(
    conn: &mut DbConnection,
    district_id: i64,
    code: &str,
) -> QueryResult<Option<(i64, String, Option<String>)>> {
    teams::table
        .filter(teams::district_id.eq(district_id))
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
    /// None for a city (headquarters) session.
    pub district_id: Option<i64>,
    pub account_id: Option<i64>,
    pub team_id: Option<i64>,
    pub expires_at: NaiveDateTime,
    /// PostgreSQL: the primary's WAL position after the owner's last write, if it wrote
    /// since a replica was configured ([`set_read_fence`]).
    pub read_fence: Option<String>,
}

pub fn open_session(conn: &mut DbConnection, session: &SessionRow) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(sessions::table)
        .values(session)
        .execute(c))?;
    Ok(())
}

/// Records on a session where the primary's WAL is now, after its owner's write committed:
/// the owner's next reads are served by a replica only once it has replayed that far
/// ([`crate::store::Db::reader`]). PostgreSQL only.
pub fn set_read_fence(conn: &mut PgConnection, token_hash: &[u8]) -> QueryResult<()> {
    diesel::update(sessions::table.find(token_hash))
        .set(sessions::read_fence.eq(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >("pg_current_wal_lsn()::text")))
        .execute(conn)?;
    Ok(())
}

/// A session, its team's code and its account's login (one of the two is set), and its
/// district (none for the city's).
pub type SessionWithOwner = (
    SessionRow,
    Option<String>,
    Option<String>,
    Option<DistrictRow>,
);

/// The session of a token's hash, if it has not expired, with its owner's name (the team's
/// code or the account's login) and its district — one query, as every request asks it.
pub fn session(
    conn: &mut DbConnection,
    token_hash: &[u8],
    now: NaiveDateTime,
) -> QueryResult<Option<SessionWithOwner>> {
    crate::on_backend!(conn, |c| sessions::table
        .left_join(teams::table)
        .left_join(accounts::table)
        .left_join(districts::table.on(sessions::district_id.eq(districts::id.nullable())))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .select((
            SessionRow::as_select(),
            teams::code.nullable(),
            accounts::login.nullable(),
            (
                districts::id,
                districts::code,
                districts::name,
                districts::timezone,
            )
                .nullable(),
        ))
        .get_result::<(
            SessionRow,
            Option<String>,
            Option<String>,
            Option<(i64, String, String, String)>,
        )>(c)
        .optional())
    .map(|found| {
        found.map(|(session, team, login, district)| {
            let district = district.map(|(id, code, name, timezone)| DistrictRow {
                id,
                code,
                name,
                timezone,
            });
            (session, team, login, district)
        })
    })
}

/// Records who changed what in a district (none: the city's own, or before a district is
/// known): `actor` as `office:login`, `team:T001`, `lab:login`.
pub fn audit(
    conn: &mut DbConnection,
    district_id: Option<i64>,
    actor: &str,
    action: &str,
    subject: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::on_backend!(conn, |c| diesel::insert_into(audit::table)
        .values((
            audit::district_id.eq(district_id),
            audit::actor.eq(actor),
            audit::action.eq(action),
            audit::subject.eq(subject),
            audit::at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// The district's latest `limit` audit entries (of one action, when given), newest first:
/// actor, action, subject, time.
pub fn audit_trail(
    conn: &mut DbConnection,
    district_id: i64,
    limit: i64,
    action: Option<&str>,
) -> QueryResult<Vec<(String, String, String, NaiveDateTime)>> {
    let mut query = audit::table
        .filter(audit::district_id.eq(district_id))
        .select((audit::actor, audit::action, audit::subject, audit::at))
        .order(audit::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(action) = action {
        query = query.filter(audit::action.eq(action.to_string()));
    }
    query.load(conn)
}

/// A change a client asked for under its own key (`request_id`), for doing it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// Who asked: keys are the caller's own, so two callers never share one.
    pub actor: String,
    pub request_id: String,
    /// Method and path.
    pub endpoint: String,
    /// SHA-256 of the request's body.
    pub fingerprint: Vec<u8>,
}

/// A request handled before under a key: what was asked (no fingerprint for requests from
/// before fingerprints were kept) and the answer given.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct HandledRequest {
    pub endpoint: String,
    pub fingerprint: Option<Vec<u8>>,
    pub status: i32,
    pub body: String,
}

pub fn handled(conn: &mut DbConnection, key: &RequestKey) -> QueryResult<Option<HandledRequest>> {
    let query = handled_requests::table
        .find((&key.actor, &key.request_id))
        .select((
            handled_requests::endpoint,
            handled_requests::fingerprint,
            handled_requests::status,
            handled_requests::body,
        ));
    crate::on_backend!(conn, |c| query.get_result(c).optional())
}

/// Takes the key for a change about to be made in the caller's transaction; false when it
/// is taken (a request handled before). On PostgreSQL a concurrent request with the same key
/// waits here until the first one's transaction ends, then finds its answer.
pub fn claim(conn: &mut DbConnection, key: &RequestKey, now: NaiveDateTime) -> QueryResult<bool> {
    remember(conn, key, 0, "", now)
}

/// Stores the answer to a claimed key, in the same transaction as the change.
pub fn answer(
    conn: &mut DbConnection,
    key: &RequestKey,
    status: i32,
    body: &str,
) -> QueryResult<()> {
    let query = diesel::update(handled_requests::table.find((&key.actor, &key.request_id))).set((
        handled_requests::status.eq(status),
        handled_requests::body.eq(body),
    ));
    crate::on_backend!(conn, |c| query.execute(c))?;
    Ok(())
}

/// Stores a key with its answer; false when the key was taken already.
pub fn remember(
    conn: &mut DbConnection,
    key: &RequestKey,
    status: i32,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let stored = crate::on_backend!(conn, |c| diesel::insert_into(handled_requests::table)
        .values((
            handled_requests::actor.eq(&key.actor),
            handled_requests::request_id.eq(&key.request_id),
            handled_requests::endpoint.eq(&key.endpoint),
            handled_requests::fingerprint.eq(Some(&key.fingerprint)),
            handled_requests::status.eq(status),
            handled_requests::body.eq(body),
            handled_requests::handled_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(stored == 1)
}

/// Login attempts not yet followed by a success, for one account, team or client.
pub fn login_attempts(conn: &mut DbConnection, who: &str) -> QueryResult<Option<Attempts>> {
    let query = login_failures::table.find(who).select((
        login_failures::failures,
        login_failures::next_try_at,
        login_failures::locked_until,
    ));
    Ok(
        crate::on_backend!(conn, |c| query.get_result(c).optional())?.map(
            |(count, next_try_at, locked_until)| Attempts {
                count,
                next_try_at,
                locked_until,
            },
        ),
    )
}

/// Replaces the attempts `seen` with `next`, unless another attempt changed them since they
/// were read (then false: that attempt took the turn).
pub fn count_login_attempt(
    conn: &mut DbConnection,
    who: &str,
    seen: Option<&Attempts>,
    next: &Attempts,
) -> QueryResult<bool> {
    let changed = match seen {
        None => crate::on_backend!(conn, |c| diesel::insert_into(login_failures::table)
            .values((
                login_failures::who.eq(who),
                login_failures::failures.eq(next.count),
                login_failures::next_try_at.eq(next.next_try_at),
                login_failures::locked_until.eq(next.locked_until),
            ))
            .on_conflict_do_nothing()
            .execute(c))?,
        Some(seen) => {
            let query = diesel::update(
                login_failures::table
                    .find(who)
                    .filter(login_failures::failures.eq(seen.count))
                    .filter(login_failures::next_try_at.eq(seen.next_try_at)),
            )
            .set((
                login_failures::failures.eq(next.count),
                login_failures::next_try_at.eq(next.next_try_at),
                login_failures::locked_until.eq(next.locked_until),
            ));
            crate::on_backend!(conn, |c| query.execute(c))?
        }
    };
    Ok(changed == 1)
}

/// Forgets the attempts of those who just logged in.
pub fn forget_login_attempts(conn: &mut DbConnection, whos: &[String]) -> QueryResult<()> {
    let query = diesel::delete(login_failures::table.filter(login_failures::who.eq_any(whos)));
    crate::on_backend!(conn, |c| query.execute(c))?;
    Ok(())
}
