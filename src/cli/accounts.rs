//! `sweep user add` and `sweep team pin`: office and lab accounts, and teams' PINs.

use std::process::ExitCode;

use super::database::{open, open_existing};
use crate::config::Config;

/// Adds an office or lab account; the password from SWEEP_PASSWORD or standard input.
pub fn add_user(config: &Config, login: &str, role: &str) -> anyhow::Result<ExitCode> {
    let role = match role {
        "office" | "lab" => role,
        other => anyhow::bail!("--role: '{other}' is not office or lab"),
    };
    let login = login.trim();
    if login.is_empty() || login.chars().count() > 64 {
        anyhow::bail!("--login: 1 to 64 characters");
    }
    let password = match std::env::var("SWEEP_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if password.chars().count() < 8 {
        anyhow::bail!("the password needs at least 8 characters");
    }
    let db = open(config)?;
    let mut conn = db.conn()?;
    if crate::store::access::account(&mut conn, login)?.is_some() {
        anyhow::bail!("--login: '{login}' already exists");
    }
    let now = chrono::Utc::now().naive_utc();
    crate::store::access::add_account(
        &mut conn,
        login,
        role,
        &crate::access::hash_secret(&password),
        now,
    )?;
    crate::store::access::audit(
        &mut conn,
        "command line",
        &format!("add {role} account"),
        login,
        now,
    )?;
    eprintln!("{role} account '{login}' added");
    Ok(ExitCode::SUCCESS)
}

/// Gives a team a new PIN (random unless given), printed once.
pub fn set_team_pin(config: &Config, code: &str, pin: Option<String>) -> anyhow::Result<ExitCode> {
    let fewest = config.access.pin_min_digits as usize;
    let pin = pin.unwrap_or_else(|| crate::access::new_pin(fewest));
    if !(fewest..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        anyhow::bail!("--pin: {fewest} to 12 digits (access.pin_min_digits = {fewest})");
    }
    let db = open_existing(config)?;
    let mut conn = db.conn()?;
    let Some((team_id, _, _)) = crate::store::access::team_pin(&mut conn, code)? else {
        anyhow::bail!("no team '{code}' is stored; import teams.csv first");
    };
    crate::store::access::set_team_pin(&mut conn, team_id, &crate::access::hash_secret(&pin))?;
    let now = chrono::Utc::now().naive_utc();
    crate::store::access::audit(&mut conn, "command line", "set team PIN", code, now)?;
    println!("{pin}");
    eprintln!("team {code}: the PIN above is shown once; only its hash is kept");
    Ok(ExitCode::SUCCESS)
}
