//! The search. A new plan of up to a few thousand visits comes from the genetic search of
//! `genetic.rs` (a population of plans, crossover, ruin-and-recreate as mutation); a
//! re-plan, which starts from the routes it re-plans, and a larger problem come from one
//! trajectory: the local search of `operators/` inside an iterated ruin-and-recreate loop
//! (strings of nearby visits removed, then reinserted at their cheapest places) with
//! simulated-annealing acceptance. Either way, capacity excess and time warp are allowed
//! during the search at a price that adapts so that about half of the local optima are
//! feasible; only feasible solutions are returned when one was found. The same seed,
//! iteration budget and thread count give the same result.

use std::time::Duration;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::genetic;
use super::operators::{local_search, Context};
use super::population::Sizes;
use super::segment::Segment;
use super::state::{Penalty, State, UNROUTED};
use super::stop::{Criterion, MaxIterations, MaxRuntime, NoImprovement, Stop};
use super::Problem;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub seed: u64,
    pub time_limit: Duration,
    /// Iterations (plans made and improved); `None`: until the time limit. With a budget
    /// and a time limit that does not cut it short, results are identical run to run.
    pub iterations: Option<u64>,
    /// Stop after this many iterations without a better plan; `None`: never.
    pub patience: Option<u64>,
    /// Moves are tried between each visit and this many of its nearest.
    pub neighbours: usize,
    /// The genetic search's population, for new plans within its size; `None`: always the
    /// single trajectory.
    pub population: Option<Sizes>,
    /// Searches run side by side, seeds `seed`, `seed + 1`, …; the best plan is kept (on a
    /// tie, the lowest seed's). Each search gets the whole budget.
    pub threads: usize,
}

impl Params {
    /// The criteria: the iteration budget first (so that a budget gives the same result
    /// run to run), then the time limit, then patience.
    fn stop(&self) -> Stop {
        let mut criteria: Vec<Box<dyn Criterion>> = Vec::new();
        if let Some(n) = self.iterations {
            criteria.push(Box::new(MaxIterations(n)));
        }
        criteria.push(Box::new(MaxRuntime(self.time_limit)));
        if let Some(p) = self.patience {
            criteria.push(Box::new(NoImprovement(p)));
        }
        Stop::new(criteria)
    }
}

impl Default for Params {
    fn default() -> Self {
        Params {
            seed: 1,
            time_limit: Duration::from_secs(10),
            iterations: None,
            patience: None,
            neighbours: 30,
            population: Some(Sizes::default()),
            threads: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Per vehicle, its visits in order (empty for an unused vehicle).
    pub routes: Vec<Vec<usize>>,
    /// Optional visits left out.
    pub unrouted: Vec<usize>,
    pub distance: i64,
    /// Travel time, plus the balance term, plus the prizes of the visits left out.
    pub objective: i64,
    /// Whether every time window, shift and capacity holds and every required visit is made.
    pub feasible: bool,
    /// Iterations made, by all threads together.
    pub iterations: u64,
}

impl Solution {
    fn of(problem: &Problem, state: &State, iterations: u64) -> Solution {
        let mut unrouted = state.unrouted.clone();
        unrouted.sort_unstable();
        Solution {
            routes: state
                .routes
                .iter()
                .map(|r| r[1..r.len() - 1].to_vec())
                .collect(),
            unrouted,
            distance: state.distance(),
            objective: state.objective(problem),
            feasible: state.is_feasible(problem),
            iterations,
        }
    }
}

pub fn solve(problem: &Problem, params: &Params) -> Solution {
    solve_from(problem, params, vec![Vec::new(); problem.vehicles.len()])
}

/// Starts from `routes` (per vehicle, its visits in order; a re-plan passes the plan it
/// re-plans), inserts the visits missing from them, and improves.
pub fn solve_from(problem: &Problem, params: &Params, routes: Vec<Vec<usize>>) -> Solution {
    if params.threads <= 1 {
        return search(problem, params, routes);
    }
    let solutions: Vec<Solution> = std::thread::scope(|scope| {
        let searches: Vec<_> = (0..params.threads as u64)
            .map(|k| {
                let params = Params {
                    seed: params.seed.wrapping_add(k),
                    threads: 1,
                    ..*params
                };
                let routes = routes.clone();
                scope.spawn(move || search(problem, &params, routes))
            })
            .collect();
        searches
            .into_iter()
            .map(|s| s.join().expect("a search thread panicked"))
            .collect()
    });
    let iterations = solutions.iter().map(|s| s.iterations).sum();
    let mut best = solutions
        .into_iter()
        .reduce(|best, s| {
            if (!s.feasible, s.objective) < (!best.feasible, best.objective) {
                s
            } else {
                best
            }
        })
        .expect("at least two threads");
    best.iterations = iterations;
    best
}

/// One search, on the calling thread.
fn search(problem: &Problem, params: &Params, routes: Vec<Vec<usize>>) -> Solution {
    let stop = params.stop();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let ctx = Context::new(problem, params.neighbours);
    let new_plan = routes.iter().all(Vec::is_empty);
    let population = params
        .population
        .filter(|sizes| new_plan && problem.visit_count() <= sizes.up_to_visits);
    let (state, iterations) = match population {
        Some(sizes) => genetic::search(&ctx, &stop, sizes, &mut rng),
        None => anneal(&ctx, &stop, routes, &mut rng),
    };
    Solution::of(problem, &state, iterations)
}

/// What both searches keep: the best plan met, and the price of lateness and overload,
/// adapted so that about half of the local optima are feasible (Vidal's penalty
/// management).
pub(super) struct Steering<'a> {
    problem: &'a Problem,
    has_optional: bool,
    pub best: Option<State>,
    pub penalty: Penalty,
    /// Counts changes of the penalty: a plan improved under another penalty is not at a
    /// local optimum under this one.
    pub epoch: u64,
    feasible_recently: u32,
    counted: u32,
}

impl<'a> Steering<'a> {
    pub fn new(problem: &'a Problem) -> Steering<'a> {
        Steering {
            problem,
            has_optional: problem.visits().any(|v| problem.nodes[v].prize.is_some()),
            best: None,
            penalty: Penalty {
                load: 100,
                warp: 10,
            },
            epoch: 0,
            feasible_recently: 0,
            counted: 0,
        }
    }

    pub fn problem(&self) -> &'a Problem {
        self.problem
    }

    /// Offers a plan; returns whether it (or, with optional visits, it with some left out
    /// so that it holds) is the new best.
    pub fn offer(&mut self, candidate: &State) -> bool {
        let problem = self.problem;
        let contender = if candidate.is_feasible(problem) {
            candidate.clone()
        } else if self.has_optional {
            let mut repaired = candidate.clone();
            leave_out_until_feasible(problem, &mut repaired);
            if !repaired.is_feasible(problem) {
                return false;
            }
            repaired
        } else {
            return false;
        };
        let better = self
            .best
            .as_ref()
            .is_none_or(|b| contender.objective(problem) < b.objective(problem));
        if better {
            self.best = Some(contender);
        }
        better
    }

    /// Counts a local optimum; every fifty, prices infeasibility up if fewer than 45% were
    /// feasible, down otherwise. Returns whether the penalty changed.
    pub fn adapt(&mut self, feasible: bool) -> bool {
        self.feasible_recently += u32::from(feasible);
        self.counted += 1;
        if self.counted < 50 {
            return false;
        }
        let share = f64::from(self.feasible_recently) / f64::from(self.counted);
        let scale = |p: i64, up: bool| {
            if up {
                (p * 6 / 5).max(p + 1)
            } else {
                (p * 17 / 20).max(1)
            }
        };
        self.penalty.warp = scale(self.penalty.warp, share < 0.45);
        self.penalty.load = scale(self.penalty.load, share < 0.45);
        self.feasible_recently = 0;
        self.counted = 0;
        self.epoch += 1;
        true
    }

    /// The best plan; if none held, `last` made to hold as far as it can.
    pub fn finish(self, ctx: &Context, last: State, rng: &mut ChaCha8Rng) -> State {
        match self.best {
            Some(best) => best,
            None => repair(ctx, &self.penalty, last, rng),
        }
    }
}

/// The single trajectory: ruin and recreate from the current plan, improve, accept the
/// result by simulated annealing.
fn anneal(
    ctx: &Context,
    stop: &Stop,
    routes: Vec<Vec<usize>>,
    rng: &mut ChaCha8Rng,
) -> (State, u64) {
    let problem = ctx.problem;
    let mut steering = Steering::new(problem);
    let mut current = State::new(problem, routes);
    // A plan being re-planned that still holds is the floor for the result.
    steering.offer(&current);
    let missing = current.unrouted.clone();
    recreate(ctx, &steering.penalty, &mut current, missing, rng);
    local_search(ctx, &steering.penalty, &mut current, rng, None);
    // The first plan counts like any later one: when the search gets no time at all, a
    // recall that overfilled a route still displaces a routine visit rather than the
    // whole construction giving way to the plan it started from.
    steering.offer(&current);
    let mut current_cost = current.cost(problem, &steering.penalty);

    // Temperatures in proportion to an average arc, so that the acceptance of a worse
    // solution means the same on any instance's scale.
    let routed = (problem.visit_count() - current.unrouted.len()).max(1);
    let arc = (0..current.routes.len())
        .map(|r| current.whole(r).travel)
        .sum::<i64>() as f64
        / routed as f64;
    let (start_temperature, end_temperature) = (0.5 * arc, 0.005 * arc);
    let mut penalty_changed = false;
    let mut iteration = 0;
    let mut improved_at = 0;
    while problem.visit_count() > 0 && !stop.met(&stop.progress(iteration, improved_at)) {
        iteration += 1;
        let progress = stop.fraction(&stop.progress(iteration, improved_at));
        let temperature =
            start_temperature * (end_temperature / start_temperature.max(1e-9)).powf(progress);

        let mut candidate = current.clone();
        let since = (!std::mem::take(&mut penalty_changed)).then_some(candidate.moves);
        mutate(ctx, &steering.penalty, &mut candidate, rng);
        local_search(ctx, &steering.penalty, &mut candidate, rng, since);

        let feasible = candidate.is_feasible(problem);
        if steering.offer(&candidate) {
            improved_at = iteration;
        }
        let cost = candidate.cost(problem, &steering.penalty);
        let accept = cost < current_cost
            || rng.random::<f64>()
                < (-((cost - current_cost) as f64) / temperature.max(1e-9)).exp();
        if accept {
            current = candidate;
            current_cost = cost;
        }
        if steering.adapt(feasible) {
            current_cost = current.cost(problem, &steering.penalty);
            penalty_changed = true;
        }
    }
    (steering.finish(ctx, current, rng), iteration)
}

/// Ruins `state` and recreates it, giving a few of the visits left out earlier another
/// chance.
pub(super) fn mutate(ctx: &Context, penalty: &Penalty, state: &mut State, rng: &mut ChaCha8Rng) {
    let mut removed = ruin(ctx, state, rng);
    let mut left_out: Vec<usize> = state
        .unrouted
        .iter()
        .copied()
        .filter(|v| !removed.contains(v))
        .collect();
    left_out.shuffle(rng);
    removed.extend(left_out.into_iter().take(10));
    recreate(ctx, penalty, state, removed, rng);
}

/// No feasible plan was met: make lateness and overload all but forbidden, then leave out
/// optional visits until every route holds.
fn repair(ctx: &Context, penalty: &Penalty, mut state: State, rng: &mut ChaCha8Rng) -> State {
    let strict = Penalty {
        load: penalty.load.max(1) * 1000,
        warp: penalty.warp.max(1) * 1000,
    };
    local_search(ctx, &strict, &mut state, rng, None);
    leave_out_until_feasible(ctx.problem, &mut state);
    state
}

/// From each infeasible route, leaves out optional visits one at a time — of those whose
/// absence lessens the lateness and overload, the one with the smallest prize (then the
/// least violation left, then the least travel) — until the route holds or nothing helps.
fn leave_out_until_feasible(problem: &Problem, state: &mut State) {
    let profile = |r: usize| problem.vehicles[r].profile;
    for r in 0..state.routes.len() {
        while !state.route_is_feasible(problem, r) {
            let capacity = problem.vehicles[r].capacity;
            let violation = |s: &Segment| s.time_warp + (s.load - capacity).max(0);
            let now = violation(&state.whole(r));
            let choice = (1..state.last(r))
                .filter_map(|p| {
                    let prize = problem.nodes[state.routes[r][p]].prize?;
                    let without =
                        state
                            .prefix(r, p - 1)
                            .then(problem, profile(r), &state.suffix(r, p + 1));
                    let left = violation(&without);
                    (left < now).then_some(((prize, left, without.travel), p))
                })
                .min();
            let Some((_, p)) = choice else {
                break;
            };
            let v = state.routes[r][p];
            state.remove(problem, v);
        }
    }
}

/// Removes strings of consecutive visits from routes near a random visit (after
/// Christiaens & Vanden Berghe's SISR); returns what was removed.
fn ruin(ctx: &Context, state: &mut State, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let problem = ctx.problem;
    let routed: Vec<usize> = problem
        .visits()
        .filter(|&v| state.route_of[v] != UNROUTED)
        .collect();
    if routed.is_empty() {
        return Vec::new();
    }
    let target = rng.random_range(2..=(routed.len() / 8).clamp(3, 30));
    let seed = routed[rng.random_range(0..routed.len())];
    let mut removed = Vec::new();
    let mut touched = Vec::new();
    for &v in std::iter::once(&seed).chain(ctx.neighbours[seed].iter()) {
        if removed.len() >= target {
            break;
        }
        let r = state.route_of[v];
        if r == UNROUTED || touched.contains(&r) {
            continue;
        }
        touched.push(r);
        let route = &mut state.routes[r];
        let visits = route.len() - 2;
        let length = rng.random_range(1..=visits.min(10).min(target - removed.len()).max(1));
        let p = state.position[v];
        let start = (p.saturating_sub(rng.random_range(0..length))).clamp(1, visits + 1 - length);
        removed.extend(route.drain(start..start + length));
    }
    for &v in &removed {
        state.route_of[v] = UNROUTED;
    }
    state.unrouted.extend(removed.iter().copied());
    for &r in &touched {
        state.refresh(problem, r);
    }
    removed
}

/// Inserts each visit, in a random order sorted a little by time window, at its cheapest
/// place in the routes of its neighbours or in an unused vehicle nearby (anywhere, if
/// those have none); now and then a place is skipped ("blinks"), which diversifies the
/// result. An optional visit whose cheapest place costs more than its prize stays out.
pub(super) fn recreate(
    ctx: &Context,
    penalty: &Penalty,
    state: &mut State,
    mut visits: Vec<usize>,
    rng: &mut ChaCha8Rng,
) {
    let problem = ctx.problem;
    visits.shuffle(rng);
    match rng.random_range(0..3) {
        0 => visits.sort_by_key(|&v| problem.nodes[v].ready),
        1 => visits.sort_by_key(|&v| std::cmp::Reverse(problem.nodes[v].due)),
        _ => {}
    }
    let mut routes = Vec::new();
    for v in visits {
        routes.clear();
        for &w in &ctx.neighbours[v] {
            let r = state.route_of[w];
            if r != UNROUTED && !routes.contains(&r) {
                routes.push(r);
            }
        }
        for &c in &ctx.near_classes[v] {
            if let Some(r) = ctx.empty_route(state, c) {
                routes.push(r);
            }
        }
        if routes.is_empty() {
            routes.extend(0..state.routes.len());
        }
        let node = Segment::node(problem, v);
        let mut best: Option<(i64, usize, usize)> = None;
        for &r in &routes {
            let profile = problem.vehicles[r].profile;
            for p in 0..state.last(r) {
                // Never blink before a place is found: there may be only one.
                if best.is_some() && rng.random::<f64>() < 0.01 {
                    continue;
                }
                let after = state.prefix(r, p).then(problem, profile, &node).then(
                    problem,
                    profile,
                    &state.suffix(r, p + 1),
                );
                let delta = state.delta(problem, penalty, &[(r, after)]);
                if best.is_none_or(|b| delta < b.0) {
                    best = Some((delta, r, p));
                }
            }
        }
        let Some((delta, r, p)) = best else {
            continue;
        };
        if problem.nodes[v].prize.is_none_or(|prize| delta < prize) {
            state.insert(problem, v, r, p + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::routing::solomon;

    fn instance(name: &str) -> solomon::Instance {
        solomon::parse(&solomon::shared_file(&format!("solomon/{name}.txt"))).unwrap()
    }

    /// The routes of the vehicles used, as the Solomon checker takes them.
    fn used(solution: &Solution) -> Vec<Vec<usize>> {
        solution
            .routes
            .iter()
            .filter(|r| !r.is_empty())
            .cloned()
            .collect()
    }

    #[test]
    fn solves_c101_to_a_feasible_plan_close_to_the_best_known() {
        let instance = instance("C101");
        let params = Params {
            iterations: Some(300),
            time_limit: Duration::from_secs(60),
            ..Params::default()
        };
        let solution = solve(&instance.to_problem(), &params);
        assert!(solution.feasible);
        let checked = instance.check(&used(&solution)).unwrap();
        assert_eq!(checked, solution.distance);
        // Best known: 827.3.
        assert!(checked <= 8273 * 105 / 100, "{checked}");
    }

    use proptest::prelude::*;

    /// Random small instances; `roomy` ones have wide windows and a vehicle per customer,
    /// so a feasible plan exists.
    fn random_instance(roomy: bool) -> impl Strategy<Value = solomon::Instance> {
        let customer = (
            0.0..100.0f64,
            0.0..100.0f64,
            1..20i64,
            0..800i64,
            20..400i64,
            0..30i64,
        );
        (prop::collection::vec(customer, 1..25), 30..200i64).prop_map(
            move |(customers, capacity)| {
                let mut nodes = vec![solomon::Customer {
                    id: 0,
                    x: 50.0,
                    y: 50.0,
                    demand: 0,
                    ready: 0,
                    due: 1200,
                    service: 0,
                }];
                for (i, (x, y, demand, ready, width, service)) in customers.into_iter().enumerate()
                {
                    let (ready, due) = if roomy {
                        (0, 1000)
                    } else {
                        (ready, ready + width)
                    };
                    nodes.push(solomon::Customer {
                        id: i + 1,
                        x,
                        y,
                        demand: demand.min(capacity),
                        ready,
                        due,
                        service,
                    });
                }
                solomon::Instance {
                    name: "random".into(),
                    vehicles: if roomy {
                        nodes.len() - 1
                    } else {
                        1 + (nodes.len() - 1) / 3
                    },
                    capacity,
                    nodes,
                }
            },
        )
    }

    fn budget() -> Params {
        Params {
            iterations: Some(20),
            patience: None,
            time_limit: Duration::from_secs(60),
            neighbours: 10,
            seed: 3,
            ..Params::default()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// Every customer is routed exactly once, and the solver's word on feasibility and
        /// distance agrees with the independent checker.
        #[test]
        fn plans_agree_with_the_independent_checker(instance in random_instance(false)) {
            let solution = solve(&instance.to_problem(), &budget());
            prop_assert!(solution.unrouted.is_empty());
            let mut visited: Vec<usize> = solution.routes.iter().flatten().copied().collect();
            visited.sort_unstable();
            prop_assert_eq!(visited, (1..instance.nodes.len()).collect::<Vec<_>>());
            let checked = instance.check(&used(&solution));
            if solution.feasible {
                prop_assert_eq!(checked, Ok(solution.distance));
            } else {
                prop_assert!(checked.is_err());
            }
        }

        #[test]
        fn a_plan_is_found_when_one_is_easy_to_find(instance in random_instance(true)) {
            let solution = solve(&instance.to_problem(), &budget());
            prop_assert!(solution.feasible);
            prop_assert_eq!(instance.check(&used(&solution)), Ok(solution.distance));
        }
    }

    #[test]
    fn the_same_seed_and_budget_give_the_same_routes() {
        let instance = instance("R101");
        let params = Params {
            iterations: Some(50),
            time_limit: Duration::from_secs(60),
            ..Params::default()
        };
        let problem = instance.to_problem();
        assert_eq!(solve(&problem, &params), solve(&problem, &params));
    }
}
