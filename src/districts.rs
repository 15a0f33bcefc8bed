//! The districts of a city, as the doors name them: `sweep district add`, `--district CODE`
//! on the command line, the district of a session's account in the API. A database that
//! holds one district needs no name for it.

use crate::config::Config;
use crate::domain::{district_code, BadDistrictCode, District};
use crate::store::districts::{self as stored, DistrictRow};
use crate::store::{DbConnection, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DistrictError {
    #[error(transparent)]
    BadCode(#[from] BadDistrictCode),
    #[error("'{0}' is not an IANA time zone (e.g. Asia/Shanghai)")]
    BadTimezone(String),
    #[error("district '{0}' exists already")]
    Taken(String),
    #[error("no district '{code}' here; the districts are: {known}")]
    Unknown { code: String, known: String },
    #[error("no district yet: import a roster first (or add one with `sweep district add CODE --name NAME`)")]
    None,
    #[error("this database holds several districts ({0}): say which one (`district`; on the command line, --district CODE)")]
    Ambiguous(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

/// A stored district as the use cases take it: its clock read from its time zone, or from
/// `district.timezone` for the district a database from before districts became.
pub fn district(row: DistrictRow, config: &Config) -> District {
    let timezone = row.timezone.parse().unwrap_or(config.district.timezone);
    District {
        id: row.id,
        code: row.code,
        name: row.name,
        timezone,
    }
}

/// Adds a district: a code unique in the city, a name, a time zone (default:
/// `district.timezone`).
pub fn add(
    conn: &mut DbConnection,
    config: &Config,
    code: &str,
    name: &str,
    timezone: Option<&str>,
) -> Result<District, DistrictError> {
    let code = district_code(code)?;
    let timezone = match timezone {
        Some(zone) => zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| DistrictError::BadTimezone(zone.chars().take(40).collect()))?,
        None => config.district.timezone,
    };
    let name = match name.trim() {
        "" => code.as_str(),
        name => name,
    };
    let row = stored::add_district(conn, &code, name, timezone.name())?
        .ok_or_else(|| DistrictError::Taken(code.clone()))?;
    Ok(district(row, config))
}

/// The district `code` names, or the database's only district when none is named.
pub fn named(
    conn: &mut DbConnection,
    config: &Config,
    code: Option<&str>,
) -> Result<District, DistrictError> {
    if let Some(code) = code {
        return match stored::district_by_code(conn, code.trim())? {
            Some(row) => Ok(district(row, config)),
            None => Err(DistrictError::Unknown {
                code: code.chars().take(40).collect(),
                known: codes(&stored::all_districts(conn)?),
            }),
        };
    }
    let mut all = stored::all_districts(conn)?;
    match all.len() {
        0 => Err(DistrictError::None),
        1 => Ok(district(all.remove(0), config)),
        _ => Err(DistrictError::Ambiguous(codes(&all))),
    }
}

/// As [`named`], but a database with no district yet gets its first, `district.code`: for
/// the commands that bring a district its roster.
pub fn named_or_first(
    conn: &mut DbConnection,
    config: &Config,
    code: Option<&str>,
) -> Result<District, DistrictError> {
    if !stored::all_districts(conn)?.is_empty() {
        return named(conn, config, code);
    }
    let first = code.unwrap_or(&config.district.code);
    match add(conn, config, first, "", None) {
        // Another process made it at the same moment.
        Err(DistrictError::Taken(_)) => named(conn, config, Some(first)),
        made => made,
    }
}

/// The district with this id (a session's).
pub fn by_id(conn: &mut DbConnection, config: &Config, id: i64) -> Result<District, DistrictError> {
    stored::district_by_id(conn, id)?
        .map(|row| district(row, config))
        .ok_or(DistrictError::Unknown {
            code: format!("#{id}"),
            known: String::new(),
        })
}

/// Every district of the city, by code.
pub fn all(conn: &mut DbConnection, config: &Config) -> Result<Vec<District>, DistrictError> {
    Ok(stored::all_districts(conn)?
        .into_iter()
        .map(|row| district(row, config))
        .collect())
}

fn codes(rows: &[DistrictRow]) -> String {
    let codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    if codes.is_empty() {
        "none yet".into()
    } else {
        codes.join(", ")
    }
}
