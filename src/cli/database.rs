//! The district's database from the command line: opened, backed up, restored.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::Config;
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

pub fn open(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::open(&config.database)?)
}

/// For commands that work on a district that must exist.
pub fn open_existing(config: &Config) -> anyhow::Result<Db> {
    Ok(Db::open_existing(&config.database)?)
}
