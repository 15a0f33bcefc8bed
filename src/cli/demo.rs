//! `sweep demo`: a made-up district written, imported, planned, published and served.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::database::open;
use super::serve::{import_dir, listen, serve};
use crate::config::Config;
use crate::demo::{self, DemoSpec};
use crate::rounds::{self, PlanOptions};

/// Without `out`: writes the district to ./demo-district, imports it, plans and publishes
/// today's round and serves it (unless `no_serve`). With `out`: only writes the files.
pub fn run(
    config: &Config,
    spec: DemoSpec,
    out: Option<PathBuf>,
    no_serve: bool,
) -> anyhow::Result<ExitCode> {
    // Taken before the district is made, imported and planned: a port in use is
    // said at once, not a minute later.
    let listener = if out.is_none() && !no_serve {
        Some(listen(config)?)
    } else {
        None
    };
    let dir = out
        .clone()
        .unwrap_or_else(|| PathBuf::from("demo-district"));
    let counts =
        demo::write_district(&dir, spec).with_context(|| format!("writing {}", dir.display()))?;
    eprintln!(
        "demo district in {}: {} residents ({} need a home visit) in {} buildings of {} communities, \
         {} sampling sites, {} mobile teams",
        dir.display(),
        counts.residents,
        counts.home_visits,
        counts.buildings,
        counts.communities,
        counts.sites,
        counts.teams
    );
    if out.is_some() {
        return Ok(ExitCode::SUCCESS);
    }
    let db = open(config)?;
    let code = import_dir(&db, config, &dir, false)?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    // Today's round, as the office would plan it in the morning.
    let today = config.district.today();
    let options = PlanOptions::on(today);
    super::round::print_summary(&rounds::plan_round(&db, config, options)?);
    // The morning's plan is what residents are told, so that they can look it up.
    rounds::publish_round(&db, today)?;
    demo::open_logins(&mut *db.conn()?)?;
    eprintln!("round {today} published");
    eprintln!("the slots: sweep export slots --date {today}");
    eprintln!("the routes: sweep export routes --date {today}");
    for (login, role, password) in demo::LOGINS {
        eprintln!("{} login: {login} / {password}", role.as_str());
    }
    eprintln!(
        "team login: any team code (T001, T002, …) / PIN {}",
        demo::TEAM_PIN
    );
    eprintln!(
        "resident lookup: the id_number and name of any row of {}",
        dir.join("residents.csv").display()
    );
    if let Some(listener) = listener {
        serve(config, db, listener)?;
    }
    Ok(code)
}

/// A share of the sites' capacity, above 0 and at most 1.
pub fn capacity_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if share > 0.0 && share <= 1.0 => Ok(share),
        _ => Err(format!(
            "'{text}' is not a share above 0 and at most 1 (e.g. 0.8)"
        )),
    }
}
