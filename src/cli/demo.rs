//! `sweep demo`: a made-up district written, imported, planned, published and served.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::database::open;
use super::serve::{import_dir, listen, serve};
use crate::config::Config;
use crate::demo::{self, DemoSpec};
use crate::districts;
use crate::rounds::{self, PlanOptions};

/// Without `out`: writes the district to ./demo-district, imports it, plans and publishes
/// today's round and serves it (unless `no_serve`). With `out`: only writes the files.
/// With several `districts`: a small city, each district (D1, D2, …) in a folder of its own
/// under ./demo-city (or `out`), all in one database.
pub fn run(
    config: &Config,
    spec: DemoSpec,
    districts: u32,
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
    let city = districts > 1;
    let base = out
        .clone()
        .unwrap_or_else(|| PathBuf::from(if city { "demo-city" } else { "demo-district" }));
    let mut made = Vec::new();
    for k in 0..districts {
        let code = city.then(|| format!("D{}", k + 1));
        let dir = match &code {
            Some(code) => base.join(code),
            None => base.clone(),
        };
        let spec = DemoSpec {
            seed: spec.seed + u64::from(k),
            district: k,
            ..spec
        };
        let counts = demo::write_district(&dir, spec)
            .with_context(|| format!("writing {}", dir.display()))?;
        eprintln!(
            "demo district in {}: {} residents ({} need a home visit) in {} buildings of {} \
             communities, {} sampling sites, {} mobile teams",
            dir.display(),
            counts.residents,
            counts.home_visits,
            counts.buildings,
            counts.communities,
            counts.sites,
            counts.teams
        );
        made.push((code, dir));
    }
    if out.is_some() {
        return Ok(ExitCode::SUCCESS);
    }
    let db = open(config)?;
    for (k, (code, dir)) in made.iter().enumerate() {
        let district = match code {
            Some(code) => match districts::named(&mut *db.conn()?, config, Some(code)) {
                Ok(district) => district,
                Err(_) => districts::add(&mut *db.conn()?, config, code, "", None)?,
            },
            None => super::database::district_or_first(&db, config, None)?,
        };
        let imported = import_dir(&db, config, &district, dir, false)?;
        if imported != ExitCode::SUCCESS {
            return Ok(imported);
        }
        // Today's round, as the office would plan it in the morning.
        let today = district.today();
        let options = PlanOptions::on(today);
        super::round::print_summary(&rounds::plan_round(&db, config, &district, options)?);
        // The morning's plan is what residents are told, so that they can look it up.
        rounds::publish_round(&db, &district, today)?;
        demo::open_logins(&mut *db.conn()?, &district, k == 0)?;
        eprintln!("district {}: round {today} published", district.code);
        for (login, role, password) in demo::LOGINS {
            let login = demo::login_of(login, &district, k == 0);
            eprintln!("  {} login: {login} / {password}", role.as_str());
        }
        if k == 0 {
            // In a city every command names its district.
            let flag = match code {
                Some(code) => format!(" --district {code}"),
                None => String::new(),
            };
            eprintln!("  the slots: sweep export slots{flag} --date {today}");
            eprintln!("  the routes: sweep export routes{flag} --date {today}");
        }
    }
    let districts = match made.len() {
        1 => String::new(),
        n => format!("a district code (D1 … D{n}), "),
    };
    eprintln!(
        "team login: {districts}any team code (T001, T002, …) / PIN {}",
        demo::TEAM_PIN
    );
    let (city_login, city_password) = demo::CITY_LOGIN;
    eprintln!("city (headquarters) login: {city_login} / {city_password}");
    eprintln!(
        "resident lookup: the id_number and name of any row of {}",
        made[0].1.join("residents.csv").display()
    );
    if let Some(listener) = listener {
        serve(config, db, listener)?;
    }
    Ok(ExitCode::SUCCESS)
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
