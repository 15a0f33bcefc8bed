//! Accounts: office and lab logins of a district, the city's (headquarters') logins, and
//! teams' PINs, with their rules, and logging in with them, for whichever door asks (the
//! command line adds accounts, the API logs in). Each change is audited; a secret is kept
//! only hashed; repeated failures pause logins.

use chrono::{NaiveDateTime, Utc};

use crate::access::{self as secrets, hash_secret, Role};
use crate::config::Config;
use crate::districts::{self, DistrictError};
use crate::domain::District;
use crate::store::{access, Db, DbConnection, StoreError};

/// Characters a login may have, and a password at least.
const LOGIN_CHARS: usize = 64;
const PASSWORD_CHARS: usize = 8;
/// Digits a PIN may have at most (at least: `access.pin_min_digits`).
const PIN_DIGITS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("'{0}' is not office, lab or city")]
    NotARole(String),
    /// Office and lab accounts belong to a district; the city's to none.
    #[error("a city account belongs to no district: leave out --district")]
    CityInDistrict,
    #[error("1 to {LOGIN_CHARS} characters")]
    BadLogin,
    #[error("the password needs at least {PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("'{0}' already exists")]
    LoginTaken(String),
    #[error("{fewest} to {PIN_DIGITS} digits (access.pin_min_digits = {fewest})")]
    BadPin { fewest: usize },
    #[error("no team '{0}' is stored; import teams.csv first")]
    UnknownTeam(String),
    /// Also the answer while logins are paused, so that a pause tells a guesser nothing.
    #[error("wrong login or password (after repeated failures, wait a while before trying again)")]
    WrongPassword,
    #[error("wrong team or PIN (after repeated failures, wait a while before trying again)")]
    WrongPin,
    /// Stored rows that contradict each other: a defect, not the asker's mistake.
    #[error("the stored accounts are inconsistent: {0}")]
    Inconsistent(String),
    #[error(transparent)]
    District(#[from] DistrictError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

impl AccountError {
    /// The parameter a mistake is in, for a door to name it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AccountError::NotARole(_) => Some("role"),
            AccountError::CityInDistrict | AccountError::District(_) => Some("district"),
            AccountError::BadLogin | AccountError::LoginTaken(_) => Some("login"),
            AccountError::BadPin { .. } => Some("pin"),
            _ => None,
        }
    }
}

/// An office, lab or city account as asked for, checked before anything is stored.
#[derive(Debug)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub role: &'a str,
    pub password: &'a str,
}

impl<'a> NewAccount<'a> {
    pub fn checked(login: &'a str, role: &'a str, password: &'a str) -> Result<Self, AccountError> {
        if !matches!(role, "office" | "lab" | "city") {
            return Err(AccountError::NotARole(role.to_string()));
        }
        let login = login.trim();
        if login.is_empty() || login.chars().count() > LOGIN_CHARS {
            return Err(AccountError::BadLogin);
        }
        if password.chars().count() < PASSWORD_CHARS {
            return Err(AccountError::ShortPassword);
        }
        Ok(NewAccount {
            login,
            role,
            password,
        })
    }
}

/// Stores a checked account of `district` (none for a city account), asked for by `by`; a
/// login is taken once in the city.
pub fn add_account(
    db: &Db,
    account: &NewAccount,
    district: Option<&District>,
    by: &str,
) -> Result<(), AccountError> {
    match (account.role == "city", district) {
        (true, Some(_)) => return Err(AccountError::CityInDistrict),
        (false, None) => return Err(DistrictError::None.into()),
        _ => {}
    }
    let mut conn = db.conn()?;
    if access::account(&mut conn, account.login)?.is_some() {
        return Err(AccountError::LoginTaken(account.login.to_string()));
    }
    let now = Utc::now().naive_utc();
    let district_id = district.map(|d| d.id);
    access::add_account(
        &mut conn,
        account.login,
        account.role,
        district_id,
        &hash_secret(account.password),
        now,
    )?;
    access::audit(
        &mut conn,
        district_id,
        by,
        &format!("add {} account", account.role),
        account.login,
        now,
    )?;
    Ok(())
}

/// Whether `pin` is `fewest` to 12 digits.
pub fn check_pin(pin: &str, fewest: usize) -> Result<(), AccountError> {
    if !(fewest..=PIN_DIGITS).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(AccountError::BadPin { fewest });
    }
    Ok(())
}

/// Gives the district's team `code` a new, checked PIN, asked for by `by`.
pub fn set_team_pin(
    db: &Db,
    district: &District,
    code: &str,
    pin: &str,
    by: &str,
) -> Result<(), AccountError> {
    let mut conn = db.conn()?;
    let Some((team_id, _, _)) = access::team_pin(&mut conn, district.id, code)? else {
        return Err(AccountError::UnknownTeam(code.to_string()));
    };
    access::set_team_pin(&mut conn, team_id, &hash_secret(pin))?;
    access::audit(
        &mut conn,
        Some(district.id),
        by,
        "set team PIN",
        code,
        Utc::now().naive_utc(),
    )?;
    Ok(())
}

/// Who logs in, and with what.
#[derive(Debug, Clone, Copy)]
pub enum Credentials<'a> {
    Account {
        login: &'a str,
        password: &'a str,
    },
    /// A team's code is its district's: the district is named where the city has several.
    Team {
        district: Option<&'a str>,
        code: &'a str,
        pin: &'a str,
    },
}

/// A session just opened: the token is given once and kept only hashed.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub token: String,
    pub role: Role,
    /// The code of the district the session works in; none for the city's role.
    pub district: Option<String>,
    pub expires_at: NaiveDateTime,
}

/// Who a session's token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    /// The district whose rows the caller may read and change; none for the city's role.
    pub district: Option<District>,
    /// A team's session names its team.
    pub team_id: Option<i64>,
    /// `office:<login>`, `lab:<login>` or `team:<code>`, as the audit names them.
    pub name: String,
    /// The session's key (its token's hash), to record where the caller last wrote.
    pub session: Vec<u8>,
    /// Where on the primary the caller last wrote, if they did since a replica was set:
    /// their reads are served by the replica only once it has replayed that far.
    pub read_fence: Option<String>,
}

/// After the caller's write, records where on the primary it is, so that the caller's
/// next reads see it ([`crate::store::Db::reader`]).
pub fn wrote(db: &Db, caller_session: &[u8]) -> Result<(), AccountError> {
    Ok(db.fence_after_write(caller_session)?)
}

/// Opens a session for these credentials, from the client `client` (its address): every
/// attempt counts against the login and the client; repeated failures make the next try
/// wait and, after `access.login_lock_after`, lock both for a while — with the same answer
/// as a wrong secret.
pub fn log_in(
    db: &Db,
    config: &Config,
    credentials: Credentials,
    client: std::net::IpAddr,
) -> Result<OpenedSession, AccountError> {
    let mut conn = db.conn()?;
    let (keys, secret, owner, wrong) = match credentials {
        Credentials::Account { login, password } => {
            let account = access::account(&mut conn, login)?;
            let owner = account
                .map(|a| {
                    let role = Role::parse(&a.role).map_err(AccountError::Inconsistent)?;
                    Ok::<_, AccountError>((a.password_hash, role, a.district_id, Some(a.id), None))
                })
                .transpose()?;
            (
                [
                    Throttled::as_is(attempts_key("account", login)),
                    Throttled::as_is(client_key(client)),
                ],
                password,
                owner,
                AccountError::WrongPassword,
            )
        }
        Credentials::Team {
            district,
            code,
            pin,
        } => {
            // An unknown district is an unknown team: the same answer as a wrong PIN.
            let district = match districts::named(&mut conn, config, district) {
                Ok(district) => Some(district),
                Err(DistrictError::Unknown { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            let team = match &district {
                Some(d) => access::team_pin(&mut conn, d.id, code)?,
                None => None,
            };
            let owner = team.and_then(|(id, _, hash)| {
                Some((
                    hash?,
                    Role::Team,
                    district.as_ref().map(|d| d.id),
                    None,
                    Some(id),
                ))
            });
            // Team codes repeat across districts, so the throttle counts per district;
            // the audit (read by that district's office) names the team as its office does.
            let team = match &district {
                Some(d) => Throttled {
                    key: attempts_key("team", &format!("{}/{code}", d.code)),
                    shown: attempts_key("team", code),
                },
                None => Throttled::as_is(attempts_key("team", code)),
            };
            (
                [team, Throttled::as_is(client_key(client))],
                pin,
                owner,
                AccountError::WrongPin,
            )
        }
    };
    let now = Utc::now().naive_utc();
    let throttle = config.access.throttle();
    // A lock is audited in the login's district, for its office to see.
    let district_id = owner.as_ref().and_then(|o| o.2);
    let admitted = crate::store::write_transaction(&mut conn, |conn| {
        count_attempt(conn, &throttle, &keys, district_id, now)
    })?;
    // An unknown login is checked against a stand-in hash, to take as long as a known one.
    let stored_hash = owner.as_ref().map_or(UNKNOWN_HASH, |o| o.0.as_str());
    let matches = secrets::secret_matches(secret, stored_hash);
    let Some((_, role, district_id, account_id, team_id)) = owner.filter(|_| admitted && matches)
    else {
        return Err(wrong);
    };
    let keys: Vec<String> = keys.into_iter().map(|k| k.key).collect();
    access::forget_login_attempts(&mut conn, &keys)?;
    let (token, token_hash) = secrets::new_token();
    let expires_at =
        now + chrono::Duration::minutes((config.access.session_hours * 60.0).round() as i64);
    access::open_session(
        &mut conn,
        &access::SessionRow {
            token_hash,
            role: role.as_str().to_string(),
            district_id,
            account_id,
            team_id,
            expires_at,
            read_fence: None,
        },
    )?;
    let district = match district_id {
        Some(id) => crate::store::districts::district_by_id(&mut conn, id)?.map(|d| d.code),
        None => None,
    };
    Ok(OpenedSession {
        token,
        role,
        district,
        expires_at,
    })
}

/// Whose unexpired session `token` is; `None` for an unknown or expired token.
pub fn caller(db: &Db, config: &Config, token: &str) -> Result<Option<Caller>, AccountError> {
    let now = Utc::now().naive_utc();
    let token_hash = secrets::token_hash(token);
    let Some((session, team, login, district)) =
        access::session(&mut *db.conn()?, &token_hash, now)?
    else {
        return Ok(None);
    };
    let role = Role::parse(&session.role).map_err(AccountError::Inconsistent)?;
    let name = match (team, login) {
        (Some(team), _) => format!("team:{team}"),
        (None, Some(login)) => format!("{}:{login}", role.as_str()),
        (None, None) => {
            return Err(AccountError::Inconsistent(
                "a session without an owner".into(),
            ))
        }
    };
    Ok(Some(Caller {
        role,
        district: district.map(|row| districts::district(row, config)),
        team_id: session.team_id,
        name,
        session: token_hash,
        read_fence: session.read_fence,
    }))
}

/// Counts one attempt for each key; false when one of them is paused (or another attempt
/// at the same moment took this turn).
fn count_attempt(
    conn: &mut DbConnection,
    throttle: &secrets::Throttle,
    keys: &[Throttled],
    district_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    for Throttled { key, shown } in keys {
        let seen = access::login_attempts(conn, key)?;
        if !throttle.admits(seen.as_ref(), now) {
            return Ok(false);
        }
        let (next, locks) = throttle.count(seen.as_ref(), now);
        if !access::count_login_attempt(conn, key, seen.as_ref(), &next)? {
            return Ok(false);
        }
        if locks {
            let until = next.locked_until.unwrap_or(now);
            tracing::warn!(who = %shown, "logins locked after repeated failures");
            access::audit(
                conn,
                district_id,
                "access",
                "login locked",
                &format!("{shown} until {until}"),
                now,
            )?;
        }
    }
    Ok(true)
}

/// A throttled name: the key its failures are counted under, and how the audit shows it.
struct Throttled {
    key: String,
    shown: String,
}

impl Throttled {
    fn as_is(key: String) -> Self {
        Throttled {
            shown: key.clone(),
            key,
        }
    }
}

fn attempts_key(kind: &str, name: &str) -> String {
    format!(
        "{kind} {}",
        name.chars().take(LOGIN_CHARS).collect::<String>()
    )
}

fn client_key(address: std::net::IpAddr) -> String {
    format!("client {address}")
}

/// A valid argon2 hash of no password anyone has, checked against for unknown logins.
const UNKNOWN_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c3dlZXAtbm8tc3VjaC11c2Vy$wD1TnGTnAo5cQbrqfP7gWUE27yTEcTQRt9OzgI2rqBA";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_checked_before_it_is_stored() {
        assert!(NewAccount::checked("wang", "office", "long enough").is_ok());
        fn refused(login: &str, role: &str, password: &str) -> Option<&'static str> {
            NewAccount::checked(login, role, password)
                .unwrap_err()
                .field()
        }
        assert_eq!(refused("wang", "admin", "long enough"), Some("role"));
        assert_eq!(refused("  ", "lab", "long enough"), Some("login"));
        assert_eq!(
            refused(&"x".repeat(65), "lab", "long enough"),
            Some("login")
        );
        assert_eq!(refused("wang", "lab", "short"), None);
    }

    #[test]
    fn a_pin_is_digits_within_the_configured_length() {
        assert!(check_pin("123456", 6).is_ok());
        assert!(check_pin("12345", 6).is_err());
        assert!(check_pin("1234567890123", 6).is_err());
        assert!(check_pin("12345a", 6).is_err());
    }

    /// Unknown logins are checked against this hash so that they take as long as known
    /// ones: it must parse, or the check would return at once.
    #[test]
    fn the_stand_in_hash_parses_and_matches_nothing() {
        assert!(argon2::password_hash::PasswordHash::new(UNKNOWN_HASH).is_ok());
        assert!(!secrets::secret_matches("", UNKNOWN_HASH));
        assert!(!secrets::secret_matches("office-password", UNKNOWN_HASH));
    }
}
