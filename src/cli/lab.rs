//! `sweep lab import`: a lab's batch of results from a CSV file (the rules are in
//! `import::lab_results`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::database::{district_or_first, open_existing};
use crate::config::Config;
use crate::import::{lab_results, ImportError};
use crate::store;

/// Who the audit names for results recorded from the command line.
const BY: &str = "command line";

pub fn import_results(
    config: &Config,
    district: Option<&str>,
    file: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let db = open_existing(config)?;
    let district = district_or_first(&db, config, district)?;
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let most = config.server.roster_errors_shown;
    let recorded = lab_results::read(
        std::io::BufReader::new(input),
        district.timezone,
        chrono::Utc::now(),
        most,
    )
    .map_err(ImportError::Invalid)
    .and_then(|rows| {
        store::write_transaction(&mut *db.conn()?, |conn| {
            lab_results::record(conn, &district, BY, &rows, most)
        })
    });
    match recorded {
        Ok(done) => {
            eprintln!(
                "{}: {} results recorded ({} negative, {} positive, {} invalid), {} unchanged; {} residents to sample again",
                file.display(),
                done.recorded,
                done.negative,
                done.positive,
                done.invalid,
                done.unchanged,
                done.recalled
            );
            if json {
                println!("{}", serde_json::to_string(&done)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Invalid(errors)) => {
            // Named by the file as given, not by the form's name for it.
            for error in &errors.shown {
                let column = error
                    .column
                    .as_ref()
                    .map(|c| format!(", column {c}"))
                    .unwrap_or_default();
                eprintln!(
                    "{} line {}{column}: {}",
                    file.display(),
                    error.line,
                    error.problem
                );
            }
            eprintln!("{}: {errors}", file.display());
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "error": "invalid_results",
                        "bad_rows": errors.rows,
                        "problems": errors.errors,
                        "errors": errors.shown,
                    })
                );
            }
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other.into()),
    }
}
