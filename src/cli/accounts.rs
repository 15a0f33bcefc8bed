//! `sweep user add` and `sweep team pin`: office, lab and city accounts, and teams' PINs
//! (the rules are in `accounts`).

use std::process::ExitCode;

use super::database::{open, open_existing};
use crate::accounts::{self, AccountError, NewAccount};
use crate::config::Config;

/// Who the audit names for changes made from the command line.
const BY: &str = "command line";

/// Says an account's mistake as the command line's flag: `--login: 'wang' already exists`.
fn said(e: AccountError) -> anyhow::Error {
    match e.field() {
        Some(field) => anyhow::anyhow!("--{field}: {e}"),
        None => e.into(),
    }
}

/// Adds an office or lab account of the district (or a city account, of none); the
/// password from SWEEP_PASSWORD or standard input.
pub fn add_user(
    config: &Config,
    district: Option<&str>,
    login: &str,
    role: &str,
) -> anyhow::Result<ExitCode> {
    let password = match std::env::var("SWEEP_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let account = NewAccount::checked(login, role, &password).map_err(said)?;
    let db = open(config)?;
    let district = match (account.role, district) {
        // A city account belongs to no district; naming one is a mistake, said by the use case.
        ("city", None) => None,
        (_, code) => Some(super::database::district_or_first(&db, config, code)?),
    };
    accounts::add_account(&db, &account, district.as_ref(), BY).map_err(said)?;
    match &district {
        Some(d) => eprintln!(
            "{} account '{}' added to district {}",
            account.role, account.login, d.code
        ),
        None => eprintln!("{} account '{}' added", account.role, account.login),
    }
    Ok(ExitCode::SUCCESS)
}

/// Gives a team a new PIN (random unless given), printed once.
pub fn set_team_pin(
    config: &Config,
    district: Option<&str>,
    code: &str,
    pin: Option<String>,
) -> anyhow::Result<ExitCode> {
    let fewest = config.access.pin_min_digits as usize;
    let pin = pin.unwrap_or_else(|| crate::access::new_pin(fewest));
    accounts::check_pin(&pin, fewest).map_err(said)?;
    let db = open_existing(config)?;
    let district = super::database::district_or_first(&db, config, district)?;
    accounts::set_team_pin(&db, &district, code, &pin, BY).map_err(said)?;
    println!("{pin}");
    eprintln!("team {code}: the PIN above is shown once; only its hash is kept");
    Ok(ExitCode::SUCCESS)
}
