//! `sweep solve-vrptw` and `sweep check-vrptw`: the route solver on Solomon instances (and
//! on VRPLIB files such as `sweep export vrplib` writes).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::plan::routing::{self, solomon, vrplib};

/// Solves a Solomon instance and prints the routes as JSON, checked again from the
/// instance's own numbers.
pub fn solve(
    file: &Path,
    time_limit: f64,
    seed: u64,
    iterations: Option<u64>,
    threads: usize,
) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    if !(time_limit > 0.0 && time_limit.is_finite()) {
        anyhow::bail!("--time-limit must be a positive number of seconds");
    }
    if !(1..=64).contains(&threads) {
        anyhow::bail!("--threads must be between 1 and 64");
    }
    let params = routing::Params {
        seed,
        time_limit: std::time::Duration::from_secs_f64(time_limit),
        iterations,
        threads,
        ..routing::Params::default()
    };
    if is_vrplib(&text) {
        return solve_vrplib(file, &text, &params);
    }
    let instance = solomon::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
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

/// VRPLIB opens with `KEY: VALUE` lines; a Solomon file with the instance's name alone.
fn is_vrplib(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.contains(':'))
}

/// Solves a VRPLIB file (as `sweep export vrplib` writes) and prints, per vehicle, the
/// places it visits (numbered from 0 in the file's order, depots first), the travel and
/// the places left out. The file has no independent checker here: benches/vrplib.py checks
/// every solver's routes from the file's own numbers.
fn solve_vrplib(file: &Path, text: &str, params: &routing::Params) -> anyhow::Result<ExitCode> {
    let problem = vrplib::read(text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let solution = routing::solve(&problem, params);
    let travel: i64 = solution.objective
        - solution
            .unrouted
            .iter()
            .map(|&v| problem.nodes[v].prize.unwrap_or(0))
            .sum::<i64>();
    println!(
        "{}",
        serde_json::json!({
            "instance": file.display().to_string(),
            "travel": travel,
            "objective": solution.objective,
            "feasible": solution.feasible,
            "visited": problem.visit_count() - solution.unrouted.len(),
            "unrouted": solution.unrouted,
            "iterations": solution.iterations,
            "routes": solution.routes,
        })
    );
    Ok(if solution.feasible {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
