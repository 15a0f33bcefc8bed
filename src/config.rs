//! Layered configuration: `config/default.toml` (built in) → `--config FILE` → `SWEEP_*`
//! environment variables. Every value is checked once here, and a bad one is reported
//! with the key (or the variable) that holds it.

use std::path::Path;

use serde::Deserialize;
use toml::{Table, Value};

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub district: DistrictConfig,
    pub slots: SlotsConfig,
    pub visits: VisitsConfig,
    pub access: AccessConfig,
    pub tubes: TubesConfig,
    pub recall: RecallConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: String,
    pub shutdown_timeout_seconds: u64,
    pub upload_limit_mb: u64,
    /// Problems a refused roster lists in full (all are counted).
    pub roster_errors_shown: usize,
    /// Proxies whose `X-Forwarded-For` names the client (addresses or networks).
    #[serde(deserialize_with = "deserialize_networks")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    /// A streaming replica of `url` (PostgreSQL) for reads that may lag a moment; empty
    /// for none.
    pub read_url: String,
    pub pool_size: u32,
    pub busy_timeout_ms: u32,
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `synchronous` setting (with its write-ahead log): see config/default.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    Normal,
    Full,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictConfig {
    /// The code of a database's first district when none was added (`sweep district add`).
    pub code: String,
    #[serde(deserialize_with = "deserialize_timezone")]
    pub timezone: chrono_tz::Tz,
    /// Rounds are planned for dates at most this many days before or after today.
    pub plan_window_days: u32,
}

impl DistrictConfig {
    /// Today's date in the district.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now()
            .with_timezone(&self.timezone)
            .date_naive()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsConfig {
    pub minutes: u32,
    pub utilisation_target: f64,
    pub no_show_rate: f64,
    pub service_time_cv: f64,
    pub max_p90_wait_minutes: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitsConfig {
    pub service_minutes: f64,
    pub stair_minutes_per_floor: f64,
    pub detour_factor: f64,
    pub balance_weight: f64,
    pub eta_tolerance_minutes: f64,
    pub knock_again_minutes: f64,
    pub solver_seconds: f64,
    pub replan_seconds: f64,
    pub solver_patience: u64,
    pub seed: u64,
    pub solver_threads: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    pub session_hours: f64,
    pub lookups_per_minute: u32,
    pub tickets_per_minute: u32,
    pub login_delay_seconds: f64,
    pub login_lock_after: u32,
    pub login_lock_minutes: f64,
    pub pin_min_digits: u32,
}

impl AccessConfig {
    pub fn throttle(&self) -> crate::access::Throttle {
        crate::access::Throttle {
            first_delay: chrono::Duration::milliseconds((self.login_delay_seconds * 1000.0) as i64),
            lock_after: self.login_lock_after as i32,
            lock_for: chrono::Duration::seconds((self.login_lock_minutes * 60.0) as i64),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TubesConfig {
    pub pool_size: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallConfig {
    pub include_household: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// Addresses (`10.0.0.5`) or networks (`10.1.0.0/16`).
fn deserialize_networks<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<ipnet::IpNet>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|text| {
            text.parse::<ipnet::IpNet>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "server.trusted_proxies: '{text}' is neither an address nor a network"
                    ))
                })
        })
        .collect()
}

fn deserialize_timezone<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "district.timezone: '{name}' is not an IANA time zone"
        ))
    })
}

impl Config {
    /// The built-in defaults with `file` and then the process environment laid over them.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, |name| std::env::var(name).ok())
    }

    pub fn load_with_env(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut merged: Table = DEFAULTS.parse().expect("config/default.toml is valid TOML");
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
            let overrides: Table = text
                .parse()
                .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
            overlay(&mut merged, overrides, path)?;
        }
        apply_env(&mut merged, env)?;
        let origin = file.map_or("configuration".to_string(), |p| p.display().to_string());
        let config: Config = Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(format!("{origin}: {}", e.message())))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        if self.server.bind.parse::<std::net::SocketAddr>().is_err() {
            return fail("server.bind", "must be ADDRESS:PORT, e.g. 127.0.0.1:8080");
        }
        if self.database.url.trim().is_empty() {
            return fail(
                "database.url",
                "must name a SQLite file or a postgres:// URL",
            );
        }
        if self.database.pool_size == 0 {
            return fail("database.pool_size", "must be at least 1");
        }
        let postgres = |url: &str| {
            let url = url.trim();
            url.starts_with("postgres://") || url.starts_with("postgresql://")
        };
        let replica_of_postgres = postgres(&self.database.read_url) && postgres(&self.database.url);
        if !(self.database.read_url.trim().is_empty() || replica_of_postgres) {
            return fail(
                "database.read_url",
                "names a PostgreSQL replica (postgres://…) of a PostgreSQL database.url; \
                 leave it empty on SQLite",
            );
        }
        if !(5..=24 * 60).contains(&self.slots.minutes) {
            return fail("slots.minutes", "must be between 5 and 1440");
        }
        if !(self.slots.utilisation_target > 0.0 && self.slots.utilisation_target <= 1.0) {
            return fail("slots.utilisation_target", "must be above 0 and at most 1");
        }
        if !(0.0..0.9).contains(&self.slots.no_show_rate) {
            return fail("slots.no_show_rate", "must be at least 0 and below 0.9");
        }
        if !(0.0..=3.0).contains(&self.slots.service_time_cv) {
            return fail("slots.service_time_cv", "must be between 0 and 3");
        }
        if !(self.slots.max_p90_wait_minutes > 0.0 && self.slots.max_p90_wait_minutes <= 240.0) {
            return fail(
                "slots.max_p90_wait_minutes",
                "must be above 0 and at most 240",
            );
        }
        if !(self.visits.service_minutes > 0.0 && self.visits.service_minutes <= 240.0) {
            return fail("visits.service_minutes", "must be above 0 and at most 240");
        }
        if !(0.0..=30.0).contains(&self.visits.stair_minutes_per_floor) {
            return fail("visits.stair_minutes_per_floor", "must be between 0 and 30");
        }
        if !(1.0..=5.0).contains(&self.visits.detour_factor) {
            return fail("visits.detour_factor", "must be between 1 and 5");
        }
        if !(0.0..=100.0).contains(&self.visits.balance_weight) {
            return fail("visits.balance_weight", "must be between 0 and 100");
        }
        if !(0.0..=240.0).contains(&self.visits.eta_tolerance_minutes) {
            return fail("visits.eta_tolerance_minutes", "must be between 0 and 240");
        }
        if !(0.0..=720.0).contains(&self.visits.knock_again_minutes) {
            return fail("visits.knock_again_minutes", "must be between 0 and 720");
        }
        if !(self.visits.solver_seconds > 0.0 && self.visits.solver_seconds <= 3600.0) {
            return fail("visits.solver_seconds", "must be above 0 and at most 3600");
        }
        if !(self.visits.replan_seconds > 0.0 && self.visits.replan_seconds <= 3600.0) {
            return fail("visits.replan_seconds", "must be above 0 and at most 3600");
        }
        if self.visits.solver_patience == 0 {
            return fail("visits.solver_patience", "must be at least 1");
        }
        if !(1..=64).contains(&self.visits.solver_threads) {
            return fail("visits.solver_threads", "must be between 1 and 64");
        }
        if !(self.access.session_hours > 0.0 && self.access.session_hours <= 24.0 * 30.0) {
            return fail("access.session_hours", "must be above 0 and at most 720");
        }
        if !(0.0..=3600.0).contains(&self.access.login_delay_seconds) {
            return fail("access.login_delay_seconds", "must be 0 to 3600");
        }
        if self.access.login_lock_after == 0 {
            return fail("access.login_lock_after", "must be at least 1");
        }
        if !(0.0..=7.0 * 24.0 * 60.0).contains(&self.access.login_lock_minutes) {
            return fail("access.login_lock_minutes", "must be 0 to 10080 (a week)");
        }
        if !(4..=12).contains(&self.access.pin_min_digits) {
            return fail("access.pin_min_digits", "must be 4 to 12");
        }
        if self.access.lookups_per_minute == 0 {
            return fail("access.lookups_per_minute", "must be at least 1");
        }
        if self.access.tickets_per_minute == 0 {
            return fail("access.tickets_per_minute", "must be at least 1");
        }
        if !(1..=50).contains(&self.tubes.pool_size) {
            return fail("tubes.pool_size", "must be between 1 and 50");
        }
        Ok(())
    }
}

/// Lays `overrides` over `base`, refusing sections and keys the defaults do not have.
fn overlay(base: &mut Table, overrides: Table, path: &Path) -> Result<(), ConfigError> {
    let origin = path.display();
    for (section, value) in overrides {
        let Some(Value::Table(base_section)) = base.get_mut(&section) else {
            return Err(ConfigError(format!(
                "{origin}: unknown section [{section}]"
            )));
        };
        let Value::Table(keys) = value else {
            return Err(ConfigError(format!(
                "{origin}: [{section}] must be a table"
            )));
        };
        for (key, value) in keys {
            let Some(default) = base_section.get_mut(&key) else {
                return Err(ConfigError(format!(
                    "{origin}: unknown key {section}.{key}"
                )));
            };
            *default = same_kind(default, value)
                .map_err(|kind| ConfigError(format!("{origin}: {section}.{key} must be {kind}")))?;
        }
    }
    Ok(())
}

/// `value` if it is of the default's kind (a whole number is also a number), else the
/// kind it should be. No setting takes a negative number.
fn same_kind(default: &Value, value: Value) -> Result<Value, &'static str> {
    match (default, value) {
        (Value::Integer(_), Value::Integer(n)) if n >= 0 => Ok(Value::Integer(n)),
        (Value::Integer(_), _) => Err("a whole number, 0 or more"),
        (Value::Float(_), Value::Float(x)) if x >= 0.0 => Ok(Value::Float(x)),
        (Value::Float(_), Value::Integer(n)) if n >= 0 => Ok(Value::Float(n as f64)),
        (Value::Float(_), _) => Err("a number, 0 or more"),
        (Value::Boolean(_), Value::Boolean(b)) => Ok(Value::Boolean(b)),
        (Value::Boolean(_), _) => Err("true or false"),
        (Value::Array(_), Value::Array(items)) => Ok(Value::Array(items)),
        (_, Value::String(s)) => Ok(Value::String(s)),
        (_, _) => Err("a string"),
    }
}

/// Reads `SWEEP_<SECTION>_<KEY>` for every known key, parsed as the default's kind.
fn apply_env(base: &mut Table, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    for (section, keys) in base.iter_mut() {
        let Value::Table(keys) = keys else { continue };
        for (key, value) in keys.iter_mut() {
            let name = format!("SWEEP_{}_{}", section.to_uppercase(), key.to_uppercase());
            let Some(text) = env(&name) else { continue };
            let parsed = match value {
                Value::String(_) => Value::String(text.clone()),
                // A list in one variable: comma-separated.
                Value::Array(_) => Value::Array(
                    text.split(',')
                        .map(str::trim)
                        .filter(|item| !item.is_empty())
                        .map(|item| Value::String(item.to_string()))
                        .collect(),
                ),
                _ => text
                    .trim()
                    .parse::<Value>()
                    .unwrap_or_else(|_| Value::String(text.clone())),
            };
            *value = same_kind(value, parsed)
                .map_err(|kind| ConfigError(format!("{name}: '{text}' is not {kind}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_load() {
        let config = Config::load_with_env(None, no_env).unwrap();
        assert_eq!(config.database.url, "sweep.db");
        assert_eq!(config.database.read_url, "");
        assert_eq!(config.district.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(config.slots.minutes, 30);
        assert_eq!(config.tubes.pool_size, 10);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let env = |name: &str| {
            (name == "SWEEP_SERVER_TRUSTED_PROXIES").then(|| "10.0.0.5, 10.1.0.0/16".to_string())
        };
        let config = Config::load_with_env(None, env).unwrap();
        let trusted = &config.server.trusted_proxies;
        assert!(trusted[0].contains(&"10.0.0.5".parse::<std::net::IpAddr>().unwrap()));
        assert!(!trusted[0].contains(&"10.0.0.6".parse::<std::net::IpAddr>().unwrap()));
        assert!(trusted[1].contains(&"10.1.200.3".parse::<std::net::IpAddr>().unwrap()));
        let bad = |name: &str| {
            (name == "SWEEP_SERVER_TRUSTED_PROXIES").then(|| "proxy.local".to_string())
        };
        let error = Config::load_with_env(None, bad).unwrap_err().to_string();
        assert!(
            error.contains("server.trusted_proxies: 'proxy.local'"),
            "{error}"
        );
    }

    #[test]
    fn file_then_environment_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("district.toml");
        std::fs::write(&path, "[slots]\nminutes = 20\n[database]\nurl = \"a.db\"\n").unwrap();
        let env = |name: &str| (name == "SWEEP_DATABASE_URL").then(|| "b.db".to_string());
        let config = Config::load_with_env(Some(&path), env).unwrap();
        assert_eq!(config.slots.minutes, 20);
        assert_eq!(config.database.url, "b.db");
    }

    #[test]
    fn bad_values_name_their_key() {
        let env = |name: &str| (name == "SWEEP_SLOTS_MINUTES").then(|| "half an hour".to_string());
        let err = Config::load_with_env(None, env).unwrap_err().to_string();
        assert!(err.contains("SWEEP_SLOTS_MINUTES"), "{err}");

        let env =
            |name: &str| (name == "SWEEP_SLOTS_UTILISATION_TARGET").then(|| "1.5".to_string());
        let err = Config::load_with_env(None, env).unwrap_err().to_string();
        assert!(err.contains("slots.utilisation_target"), "{err}");

        let env =
            |name: &str| (name == "SWEEP_DISTRICT_TIMEZONE").then(|| "Mars/Olympus".to_string());
        let err = Config::load_with_env(None, env).unwrap_err().to_string();
        assert!(
            err.contains("timezone") && err.contains("Mars/Olympus"),
            "{err}"
        );

        // A replica of a SQLite file is a mistake, said before anything opens.
        let env = |name: &str| {
            (name == "SWEEP_DATABASE_READ_URL").then(|| "postgres://replica/sweep".to_string())
        };
        let err = Config::load_with_env(None, env).unwrap_err().to_string();
        assert!(err.contains("database.read_url"), "{err}");
    }

    #[test]
    fn wrong_kinds_in_a_file_name_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("district.toml");
        std::fs::write(&path, "[slots]\nminutes = -5\n").unwrap();
        let err = Config::load_with_env(Some(&path), no_env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("slots.minutes must be a whole number"),
            "{err}"
        );
        std::fs::write(&path, "[visits]\ndetour_factor = 2\n").unwrap();
        let config = Config::load_with_env(Some(&path), no_env).unwrap();
        assert_eq!(config.visits.detour_factor, 2.0);
    }

    #[test]
    fn unknown_keys_in_a_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("district.toml");
        std::fs::write(&path, "[slots]\nminuets = 20\n").unwrap();
        let err = Config::load_with_env(Some(&path), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("slots.minuets"), "{err}");
    }
}
