//! Accounts: office and lab logins and teams' PINs, with their rules, for whichever door
//! asks (today the command line). Each change is audited; a secret is kept only hashed.

use chrono::Utc;

use crate::access::hash_secret;
use crate::store::{access, Db, StoreError};

/// Characters a login may have, and a password at least.
const LOGIN_CHARS: usize = 64;
const PASSWORD_CHARS: usize = 8;
/// Digits a PIN may have at most (at least: `access.pin_min_digits`).
const PIN_DIGITS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("'{0}' is not office or lab")]
    NotARole(String),
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
            AccountError::BadLogin | AccountError::LoginTaken(_) => Some("login"),
            AccountError::BadPin { .. } => Some("pin"),
            _ => None,
        }
    }
}

/// An office or lab account as asked for, checked before anything is stored.
#[derive(Debug)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub role: &'a str,
    pub password: &'a str,
}

impl<'a> NewAccount<'a> {
    pub fn checked(login: &'a str, role: &'a str, password: &'a str) -> Result<Self, AccountError> {
        if !matches!(role, "office" | "lab") {
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

/// Stores a checked account, asked for by `by`; a login is taken once.
pub fn add_account(db: &Db, account: &NewAccount, by: &str) -> Result<(), AccountError> {
    let mut conn = db.conn()?;
    if access::account(&mut conn, account.login)?.is_some() {
        return Err(AccountError::LoginTaken(account.login.to_string()));
    }
    let now = Utc::now().naive_utc();
    access::add_account(
        &mut conn,
        account.login,
        account.role,
        &hash_secret(account.password),
        now,
    )?;
    access::audit(
        &mut conn,
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

/// Gives team `code` a new, checked PIN, asked for by `by`.
pub fn set_team_pin(db: &Db, code: &str, pin: &str, by: &str) -> Result<(), AccountError> {
    let mut conn = db.conn()?;
    let Some((team_id, _, _)) = access::team_pin(&mut conn, code)? else {
        return Err(AccountError::UnknownTeam(code.to_string()));
    };
    access::set_team_pin(&mut conn, team_id, &hash_secret(pin))?;
    access::audit(&mut conn, by, "set team PIN", code, Utc::now().naive_utc())?;
    Ok(())
}

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
}
