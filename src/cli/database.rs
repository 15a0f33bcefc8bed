//! The city's database from the command line: opened, backed up, restored; its districts
//! added, listed and named by `--district`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::Config;
use crate::districts;
use crate::domain::District;
use crate::store::Db;

/// Copies the district's SQLite database to `file`, consistently, while sweep runs.
pub fn backup(config: &Config, file: &Path) -> anyhow::Result<ExitCode> {
    let database = sqlite_file(config, "pg_dump -Fc \"$URL\" > FILE")?;
    crate::store::backup::backup(&database, file)?;
    eprintln!("{} backed up to {}", database.display(), file.display());
    Ok(ExitCode::SUCCESS)
}

/// Puts a backup back as the district's SQLite database.
pub fn restore(config: &Config, file: &Path) -> anyhow::Result<ExitCode> {
    let database = sqlite_file(config, "pg_restore --clean -d \"$URL\" FILE")?;
    crate::store::backup::restore(file, &database)?;
    // Migrated now if the backup is older than this build.
    open(config)?;
    eprintln!("{} restored from {}", database.display(), file.display());
    Ok(ExitCode::SUCCESS)
}

/// The district's SQLite file; on PostgreSQL, an error that points to its own tool.
fn sqlite_file(config: &Config, postgres_tool: &str) -> anyhow::Result<PathBuf> {
    match crate::store::Target::from_url(&config.database.url) {
        crate::store::Target::Sqlite(path) => Ok(PathBuf::from(path)),
        crate::store::Target::Postgres(_) => anyhow::bail!(
            "the district is in PostgreSQL, which has its own tools for this: {postgres_tool} \
             (URL as database.url)"
        ),
    }
}

/// The district `--district` names, or the database's only one.
pub fn district(db: &Db, config: &Config, code: Option<&str>) -> anyhow::Result<District> {
    Ok(districts::named(&mut *db.conn()?, config, code)?)
}

/// As [`district`], but a database with no district yet gets its first (`district.code`,
/// or the `--district` given): for the commands that bring a district its roster.
pub fn district_or_first(db: &Db, config: &Config, code: Option<&str>) -> anyhow::Result<District> {
    Ok(districts::named_or_first(&mut *db.conn()?, config, code)?)
}

/// `sweep district add`: a district of the city, its code said back.
pub fn add_district(
    config: &Config,
    code: &str,
    name: &str,
    timezone: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let db = open(config)?;
    let district =
        districts::add(&mut *db.conn()?, config, code, name, timezone).map_err(|e| match e {
            districts::DistrictError::BadTimezone(_) => anyhow::anyhow!("--timezone: {e}"),
            districts::DistrictError::BadCode(_) | districts::DistrictError::Taken(_) => {
                anyhow::anyhow!("CODE: {e}")
            }
            other => other.into(),
        })?;
    eprintln!(
        "district {} ({}) added, on {} time; give its commands --district {}",
        district.code,
        district.name,
        district.timezone.name(),
        district.code
    );
    Ok(ExitCode::SUCCESS)
}

/// `sweep district list`: code, name and time zone of each district, one a line.
pub fn list_districts(config: &Config) -> anyhow::Result<ExitCode> {
    let db = open_existing(config)?;
    for district in districts::all(&mut *db.conn()?, config)? {
        println!(
            "{}\t{}\t{}",
            district.code,
            district.name,
            district.timezone.name()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn open(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::open(&config.database)?)
}

/// For commands that work on a district that must exist.
pub fn open_existing(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::open_existing(&config.database)?)
}
