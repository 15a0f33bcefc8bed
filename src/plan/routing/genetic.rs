//! The hybrid genetic search (Vidal 2022; PyVRP's loop is the model): a population of
//! improved plans, feasible and not; each iteration makes a child — early on a plan built
//! from scratch, then either the crossover of two parents (`crossover.rs`) or a parent
//! ruined and recreated — improves it by local search, and adds it to the population. An
//! infeasible child is, half the time, also repaired under a tenfold penalty. When no
//! better plan has come for a long while, the population starts again around the best.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::crossover::exchange_routes;
use super::operators::{local_search, Context};
use super::population::{Individual, Population, Sizes};
use super::search::{mutate, recreate, Steering};
use super::state::{Penalty, State};
use super::stop::Stop;

/// Children without a better plan before the population starts again.
const RESTART_AFTER: u64 = 5_000;

/// Share of the search (by its stopping criterion) in which the first population is built
/// from scratch, when the budget is too short for all of it.
const BUILDING_SHARE: f64 = 0.25;

/// Searches from scratch until `stop`; returns the best plan (or the last, made to hold as
/// far as it can, if none held) and the iterations made.
pub fn search(ctx: &Context, stop: &Stop, sizes: Sizes, rng: &mut ChaCha8Rng) -> (State, u64) {
    let problem = ctx.problem;
    let mut steering = Steering::new(problem);
    let mut population = Population::new(sizes);

    let mut last = construct(ctx, &steering.penalty, rng);
    steering.offer(&last);
    add(&mut population, &steering, last.clone());

    let mut to_construct = sizes.min.saturating_sub(1);
    let mut restarted = false;
    let (mut iteration, mut improved_at, mut quiet_since) = (0, 0, 0);
    while problem.visit_count() > 0 && !stop.met(&stop.progress(iteration, improved_at)) {
        iteration += 1;
        let building = to_construct > 0
            && (restarted
                || stop.fraction(&stop.progress(iteration, improved_at)) < BUILDING_SHARE);
        let child = if building {
            to_construct -= 1;
            construct(ctx, &steering.penalty, rng)
        } else {
            to_construct = 0;
            breed(ctx, &steering, &mut population, rng)
        };

        let feasible = child.is_feasible(problem);
        if steering.offer(&child) {
            improved_at = iteration;
            quiet_since = iteration;
        }
        if !feasible && rng.random_bool(0.5) {
            let repaired = repair(ctx, &steering.penalty, &child, rng);
            if repaired.is_feasible(problem) {
                if steering.offer(&repaired) {
                    improved_at = iteration;
                    quiet_since = iteration;
                }
                add(&mut population, &steering, repaired);
            }
        }
        last = child.clone();
        add(&mut population, &steering, child);
        if steering.adapt(feasible) {
            let penalty = steering.penalty;
            population.reprice(|s| s.cost(problem, &penalty));
        }

        if iteration - quiet_since >= RESTART_AFTER {
            population.clear();
            let keep = steering.best.clone().unwrap_or_else(|| last.clone());
            add(&mut population, &steering, keep);
            to_construct = sizes.min.saturating_sub(1);
            restarted = true;
            quiet_since = iteration;
        }
    }
    (steering.finish(ctx, last, rng), iteration)
}

/// A plan built from nothing: every visit inserted at its cheapest place, in a random
/// order, then improved.
fn construct(ctx: &Context, penalty: &Penalty, rng: &mut ChaCha8Rng) -> State {
    let problem = ctx.problem;
    let mut state = State::new(problem, vec![Vec::new(); problem.vehicles.len()]);
    let all = state.unrouted.clone();
    recreate(ctx, penalty, &mut state, all, rng);
    local_search(ctx, penalty, &mut state, rng, None);
    state
}

/// A child of the population, improved: half the time the crossover of two parents,
/// otherwise one parent ruined and recreated.
fn breed(
    ctx: &Context,
    steering: &Steering,
    population: &mut Population,
    rng: &mut ChaCha8Rng,
) -> State {
    let penalty = &steering.penalty;
    let (first, first_epoch) = {
        let parent = population.parent(rng);
        (parent.state.clone(), parent.epoch)
    };
    if population.size() > 1 && rng.random_bool(0.5) {
        let donor = population.parent(rng).state.clone();
        let mut child = exchange_routes(ctx, penalty, &first, &donor, rng);
        local_search(ctx, penalty, &mut child, rng, None);
        child
    } else {
        let mut child = first;
        // A parent improved under the current penalty is a local optimum under it: only
        // the routes the mutation changes need looking at again.
        let since = (first_epoch == steering.epoch).then_some(child.moves);
        mutate(ctx, penalty, &mut child, rng);
        local_search(ctx, penalty, &mut child, rng, since);
        child
    }
}

/// `child` improved under ten times the penalty, looking again only at the routes that
/// break a limit.
fn repair(ctx: &Context, penalty: &Penalty, child: &State, rng: &mut ChaCha8Rng) -> State {
    let problem = ctx.problem;
    let strict = Penalty {
        load: penalty.load * 10,
        warp: penalty.warp * 10,
    };
    let mut repaired = child.clone();
    let since = repaired.moves;
    for r in 0..repaired.routes.len() {
        if !repaired.route_is_feasible(problem, r) {
            repaired.touch(r);
        }
    }
    local_search(ctx, &strict, &mut repaired, rng, Some(since));
    repaired
}

fn add(population: &mut Population, steering: &Steering, state: State) {
    let problem = steering.problem();
    let cost = state.cost(problem, &steering.penalty);
    let mut individual = Individual::new(problem, state, cost);
    individual.epoch = steering.epoch;
    population.add(problem, individual);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::plan::routing::search::{solve, solve_from, Params};
    use crate::plan::routing::solomon;

    fn instance(name: &str) -> solomon::Instance {
        solomon::parse(&solomon::shared_file(&format!("solomon/{name}.txt"))).unwrap()
    }

    fn budget(iterations: u64, population: bool) -> Params {
        Params {
            iterations: Some(iterations),
            time_limit: Duration::from_secs(600),
            population: population.then(Default::default),
            ..Params::default()
        }
    }

    /// The population's plans hold by the independent checker, and they are not the single
    /// trajectory's: the genetic search is what ran.
    #[test]
    fn its_plans_hold_and_differ_from_the_single_trajectory() {
        let instance = instance("RC105");
        let problem = instance.to_problem();
        let genetic = solve(&problem, &budget(150, true));
        let trajectory = solve(&problem, &budget(150, false));
        assert!(genetic.feasible);
        let used: Vec<Vec<usize>> = genetic
            .routes
            .iter()
            .filter(|r| !r.is_empty())
            .cloned()
            .collect();
        assert_eq!(instance.check(&used), Ok(genetic.distance));
        assert_ne!(genetic.routes, trajectory.routes);
        assert_eq!(genetic.iterations, 150);
    }

    #[test]
    fn a_seed_a_budget_and_a_thread_count_give_the_same_routes() {
        let problem = instance("R201").to_problem();
        for threads in [1, 2] {
            let params = Params {
                threads,
                ..budget(120, true)
            };
            let first = solve(&problem, &params);
            assert_eq!(first, solve(&problem, &params), "{threads} threads");
            assert_eq!(first.iterations, 120 * threads as u64);
        }
    }

    /// Two threads keep the better of their two seeds' plans.
    #[test]
    fn threads_keep_the_best_of_their_seeds() {
        let problem = instance("C201").to_problem();
        let one = |seed| {
            solve(
                &problem,
                &Params {
                    seed,
                    ..budget(60, true)
                },
            )
        };
        let both = solve(
            &problem,
            &Params {
                threads: 2,
                ..budget(60, true)
            },
        );
        let (a, b) = (one(1), one(2));
        let best = if (!b.feasible, b.objective) < (!a.feasible, a.objective) {
            b
        } else {
            a
        };
        assert_eq!(both.routes, best.routes);
    }

    /// Given routes (a re-plan), the single trajectory runs, and the plan it starts from
    /// is the floor.
    #[test]
    fn a_re_plan_is_never_worse_than_its_start() {
        let problem = instance("R105").to_problem();
        let start = solve(&problem, &budget(100, true));
        let again = solve_from(&problem, &budget(30, true), start.routes.clone());
        assert!(again.feasible);
        assert!(again.objective <= start.objective);
    }
}
