//! `sweep serve` and `sweep import`: the server on its socket, a roster into the database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::api::Application;
use crate::config::Config;
use crate::domain::District;
use crate::import::{self, ImportError, RosterFiles};
use crate::store::Db;

/// The server's socket, or an error that says how to choose another address.
pub fn listen(config: &Config) -> anyhow::Result<std::net::TcpListener> {
    let bind = &config.server.bind;
    std::net::TcpListener::bind(bind).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            "another program uses it; choose another with --bind 127.0.0.1:8081 \
             (or SWEEP_SERVER_BIND)"
        } else {
            "choose another with --bind ADDRESS:PORT (or SWEEP_SERVER_BIND)"
        };
        anyhow::anyhow!("cannot listen on {bind}: {e}; {hint}")
    })
}

/// A roster folder that exists, checked before any database is opened or made.
pub fn roster_dir(dir: &Path) -> anyhow::Result<&Path> {
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        anyhow::bail!(
            "{} {what}: give the folder that holds the roster's CSV files",
            dir.display()
        );
    }
    Ok(dir)
}

/// Imports the district's roster in `dir`, its problems said where there are any.
pub fn import_dir(
    db: &Db,
    config: &Config,
    district: &District,
    dir: &Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("importing {bar:40} {bytes}/{total_bytes} ({eta})")
            .expect("valid template"),
    );
    let started = std::time::Instant::now();
    let result = RosterFiles::from_dir(dir, &progress)
        .and_then(|files| import::import(db, district, files, config.server.roster_errors_shown));
    progress.finish_and_clear();
    match result {
        Ok(totals) => {
            tracing::info!(
                dir = %dir.display(),
                seconds = started.elapsed().as_secs_f64(),
                district = %district.code,
                "imported; the district now holds {} buildings, {} residents, {} sites, {} teams",
                totals.buildings,
                totals.residents,
                totals.sites,
                totals.teams
            );
            if json {
                println!("{}", serde_json::to_string(&totals)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Invalid(errors)) => {
            for error in &errors.shown {
                eprintln!("{}", error);
            }
            eprintln!("{}: {errors}", dir.display());
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "error": "invalid_roster",
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

/// Serves the API and the pages on `listener` until stopped.
pub fn serve(config: &Config, db: Db, listener: std::net::TcpListener) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::on(listener, config, db)
            .with_context(|| format!("cannot serve on {}", config.server.bind))?;
        // An unspecified address (0.0.0.0) listens on every interface, loopback included.
        let host = match config.server.bind.parse::<std::net::SocketAddr>() {
            Ok(addr) if !addr.ip().is_unspecified() => addr.ip().to_string(),
            _ => "127.0.0.1".to_string(),
        };
        let base = format!("http://{host}:{}", app.port());
        eprintln!("sweep is serving on {base} (Ctrl-C stops it)");
        eprintln!("  residents: {base}/            look up a slot, show the QR ticket");
        eprintln!("  teams:     {base}/team        today's route, outcomes (works offline)");
        eprintln!("  sites:     {base}/site        scan residents' tickets into pooled tubes");
        eprintln!(
            "  office:    {base}/office      dashboard: plots, completion, sweep lists, roster"
        );
        eprintln!("  API:       {base}/api/v1/openapi.json");
        app.run_until_stopped().await?;
        Ok(())
    })
}
