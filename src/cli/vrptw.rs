//! `sweep solve-vrptw` and `sweep check-vrptw`: the route solver on Solomon instances.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::plan::routing::{self, solomon};

/// Solves a Solomon instance and prints the routes as JSON, checked again from the
/// instance's own numbers.
pub fn solve(
    file: &Path,
    time_limit: f64,
    seed: u64,
    iterations: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let instance = solomon::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if !(time_limit > 0.0 && time_limit.is_finite()) {
        anyhow::bail!("--time-limit must be a positive number of seconds");
    }
    let params = routing::Params {
        seed,
        time_limit: std::time::Duration::from_secs_f64(time_limit),
        iterations,
        ..routing::Params::default()
    };
    let mut solution = routing::solve(&instance.to_problem(), &params);
    solution.routes.retain(|r| !r.is_empty());
    // Checked again from the instance's own numbers, not the solver's.
    let checked = instance.check(&solution.routes);
    println!(
        "{}",
        serde_json::json!({
            "instance": instance.name,
            "vehicles": solution.routes.len(),
            "distance": solution.distance as f64 / 10.0,
            "feasible": checked.is_ok(),
            "iterations": solution.iterations,
            "routes": solution.routes,
        })
    );
    match checked {
        Ok(distance) if distance == solution.distance => Ok(ExitCode::SUCCESS),
        Ok(distance) => anyhow::bail!(
            "the checker measures {distance} tenths, the solver {}",
            solution.distance
        ),
        Err(e) => {
            eprintln!("infeasible: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Prints the distance of routes for a Solomon instance, or why they are infeasible.
pub fn check(file: &Path, routes: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let instance = solomon::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let json = std::fs::read_to_string(routes)
        .with_context(|| format!("cannot read {}", routes.display()))?;
    #[derive(serde::Deserialize)]
    struct Routes {
        routes: Vec<Vec<usize>>,
    }
    let given: Routes = serde_json::from_str(&json)
        .with_context(|| format!("{}: not {{\"routes\": [[...]]}}", routes.display()))?;
    Ok(match instance.check(&given.routes) {
        Ok(distance) => {
            println!(
                "{}",
                serde_json::json!({"feasible": true, "distance": distance as f64 / 10.0, "vehicles": given.routes.len()})
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}", serde_json::json!({"feasible": false, "error": e}));
            ExitCode::FAILURE
        }
    })
}
