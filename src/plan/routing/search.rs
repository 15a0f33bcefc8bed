//! The search: a penalised local search (relocate, swap, 2-opt* between routes, and
//! relocation into an empty route) over granular neighbourhoods, every move priced in O(1)
//! from route-segment data, inside an iterated ruin-and-recreate loop (strings of nearby
//! visits removed, then reinserted at their cheapest places) with simulated-annealing
//! acceptance. Capacity excess and time warp are allowed during the search at a price that
//! adapts so that about half of the local optima are feasible; only feasible solutions are
//! returned. The same seed and iteration budget give the same result.

use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::segment::Segment;
use super::Problem;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub seed: u64,
    pub time_limit: Duration,
    /// Ruin-and-recreate iterations; `None`: until the time limit. With a budget and a
    /// time limit that does not cut it short, results are identical run to run.
    pub iterations: Option<u64>,
    /// Moves are tried between each visit and this many of its nearest.
    pub neighbours: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            seed: 1,
            time_limit: Duration::from_secs(10),
            iterations: None,
            neighbours: 30,
        }
    }
}

/// Routes as visit ids (the depot left out), and their total distance.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub routes: Vec<Vec<usize>>,
    pub distance: i64,
    /// Whether every time window, shift and capacity holds.
    pub feasible: bool,
    pub iterations: u64,
}

#[derive(Debug, Clone, Copy)]
struct Penalty {
    load: i64,
    warp: i64,
}

impl Penalty {
    fn cost(&self, problem: &Problem, whole: &Segment) -> i64 {
        whole.distance
            + self.load * (whole.load - problem.vehicle.capacity).max(0)
            + self.warp * whole.time_warp
    }
}

/// Routes with depots at both ends, and for each its prefix and suffix segments.
#[derive(Clone)]
struct State {
    routes: Vec<Vec<usize>>,
    prefix: Vec<Vec<Segment>>,
    suffix: Vec<Vec<Segment>>,
    route_of: Vec<usize>,
    position: Vec<usize>,
}

impl State {
    fn new(problem: &Problem, routes: Vec<Vec<usize>>) -> State {
        let mut state = State {
            prefix: vec![Vec::new(); routes.len()],
            suffix: vec![Vec::new(); routes.len()],
            routes,
            route_of: vec![usize::MAX; problem.nodes()],
            position: vec![0; problem.nodes()],
        };
        for r in 0..state.routes.len() {
            state.refresh(problem, r);
        }
        state
    }

    fn refresh(&mut self, problem: &Problem, r: usize) {
        let route = &self.routes[r];
        let mut prefix = Vec::with_capacity(route.len());
        let mut at = Segment::node(problem, route[0]);
        prefix.push(at);
        for &i in &route[1..] {
            at = at.then(problem, &Segment::node(problem, i));
            prefix.push(at);
        }
        let mut suffix = vec![at; route.len()];
        let mut back = Segment::node(problem, route[route.len() - 1]);
        suffix[route.len() - 1] = back;
        for p in (0..route.len() - 1).rev() {
            back = Segment::node(problem, route[p]).then(problem, &back);
            suffix[p] = back;
        }
        for (p, &i) in route.iter().enumerate() {
            if i != 0 {
                self.route_of[i] = r;
                self.position[i] = p;
            }
        }
        self.prefix[r] = prefix;
        self.suffix[r] = suffix;
    }

    fn whole(&self, r: usize) -> Segment {
        *self.prefix[r]
            .last()
            .expect("routes hold two depots at least")
    }

    fn cost(&self, problem: &Problem, penalty: &Penalty) -> i64 {
        (0..self.routes.len())
            .map(|r| penalty.cost(problem, &self.whole(r)))
            .sum()
    }

    fn is_feasible(&self, problem: &Problem) -> bool {
        (0..self.routes.len()).all(|r| {
            let w = self.whole(r);
            w.time_warp == 0 && w.load <= problem.vehicle.capacity
        })
    }

    fn distance(&self) -> i64 {
        (0..self.routes.len()).map(|r| self.whole(r).distance).sum()
    }

    fn solution(&self, problem: &Problem, iterations: u64) -> Solution {
        Solution {
            routes: self
                .routes
                .iter()
                .filter(|r| r.len() > 2)
                .map(|r| r[1..r.len() - 1].to_vec())
                .collect(),
            distance: self.distance(),
            feasible: self.is_feasible(problem),
            iterations,
        }
    }
}

/// Concatenates segments left to right.
fn join(problem: &Problem, parts: &[Segment]) -> Segment {
    parts[1..].iter().fold(parts[0], |s, p| s.then(problem, p))
}

pub fn solve(problem: &Problem, params: &Params) -> Solution {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let neighbours = problem.neighbours(params.neighbours);
    let mut penalty = Penalty {
        load: 100,
        warp: 10,
    };

    let mut current = construct(problem, &penalty, &mut rng);
    local_search(problem, &penalty, &neighbours, &mut current, &mut rng);
    let mut best: Option<State> = current.is_feasible(problem).then(|| current.clone());
    let mut current_cost = current.cost(problem, &penalty);

    let budget = params.iterations.unwrap_or(u64::MAX);
    // Temperatures in proportion to an average arc, so that the acceptance of a worse
    // solution means the same on any instance's scale.
    let arc = current.distance() as f64 / problem.clients() as f64;
    let (start_temperature, end_temperature) = (0.5 * arc, 0.005 * arc);
    let mut feasible_recently = 0u32;
    let mut iteration = 0;
    while iteration < budget && started.elapsed() < params.time_limit {
        iteration += 1;
        let progress = match params.iterations {
            Some(n) => iteration as f64 / n as f64,
            None => started.elapsed().as_secs_f64() / params.time_limit.as_secs_f64(),
        };
        let temperature = start_temperature
            * (end_temperature / start_temperature.max(1e-9)).powf(progress.min(1.0));

        let mut candidate = current.clone();
        let removed = ruin(problem, &neighbours, &mut candidate, &mut rng);
        recreate(problem, &penalty, &mut candidate, removed, &mut rng);
        local_search(problem, &penalty, &neighbours, &mut candidate, &mut rng);

        let feasible = candidate.is_feasible(problem);
        if feasible {
            feasible_recently += 1;
            if best
                .as_ref()
                .is_none_or(|b| candidate.distance() < b.distance())
            {
                best = Some(candidate.clone());
            }
        }
        let cost = candidate.cost(problem, &penalty);
        let accept = cost < current_cost
            || rng.random::<f64>()
                < (-((cost - current_cost) as f64) / temperature.max(1e-9)).exp();
        if accept {
            current = candidate;
            current_cost = cost;
        }
        // Keep about half of the local optima feasible (Vidal's penalty management).
        if iteration % 50 == 0 {
            let share = f64::from(feasible_recently) / 50.0;
            let scale = |p: i64, up: bool| {
                if up {
                    (p * 6 / 5).max(p + 1)
                } else {
                    (p * 17 / 20).max(1)
                }
            };
            penalty.warp = scale(penalty.warp, share < 0.45);
            penalty.load = scale(penalty.load, share < 0.45);
            feasible_recently = 0;
            current_cost = current.cost(problem, &penalty);
        }
    }
    if best.is_none() {
        // No feasible local optimum yet: make lateness and overload all but forbidden.
        let strict = Penalty {
            load: penalty.load * 1000,
            warp: penalty.warp * 1000,
        };
        local_search(problem, &strict, &neighbours, &mut current, &mut rng);
    }
    match best {
        Some(b) => b.solution(problem, iteration),
        None => current.solution(problem, iteration),
    }
}

/// Visits in random order, each at its cheapest place.
fn construct(problem: &Problem, penalty: &Penalty, rng: &mut ChaCha8Rng) -> State {
    let routes = vec![vec![0, 0]; problem.vehicle.count.max(1)];
    let mut state = State::new(problem, routes);
    let mut visits: Vec<usize> = (1..problem.nodes()).collect();
    visits.shuffle(rng);
    recreate(problem, penalty, &mut state, visits, rng);
    state
}

/// Removes strings of consecutive visits from routes near a random visit (after
/// Christiaens & Vanden Berghe's SISR); returns what was removed.
fn ruin(
    problem: &Problem,
    neighbours: &[Vec<usize>],
    state: &mut State,
    rng: &mut ChaCha8Rng,
) -> Vec<usize> {
    let n = problem.clients();
    let target = rng.random_range(2..=(n / 8).clamp(3, 30));
    let seed = rng.random_range(1..=n);
    let mut removed = Vec::new();
    let mut touched = Vec::new();
    for &v in std::iter::once(&seed).chain(neighbours[seed].iter()) {
        if removed.len() >= target {
            break;
        }
        let r = state.route_of[v];
        if touched.contains(&r) || removed.contains(&v) {
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
    for &r in &touched {
        state.refresh(problem, r);
    }
    removed
}

/// Inserts each visit, in a random order sorted a little by time window, at its cheapest
/// place; now and then a place is skipped ("blinks"), which diversifies the result.
fn recreate(
    problem: &Problem,
    penalty: &Penalty,
    state: &mut State,
    mut visits: Vec<usize>,
    rng: &mut ChaCha8Rng,
) {
    visits.shuffle(rng);
    match rng.random_range(0..3) {
        0 => visits.sort_by_key(|&v| problem.ready[v]),
        1 => visits.sort_by_key(|&v| std::cmp::Reverse(problem.dist(0, v))),
        _ => {}
    }
    for v in visits {
        let node = Segment::node(problem, v);
        let mut best: Option<(i64, usize, usize)> = None;
        let mut tried_empty = false;
        for r in 0..state.routes.len() {
            let empty = state.routes[r].len() == 2;
            if empty && std::mem::replace(&mut tried_empty, true) {
                continue;
            }
            let before = penalty.cost(problem, &state.whole(r));
            for p in 0..state.routes[r].len() - 1 {
                // Never blink before a place is found: there may be only one.
                if best.is_some() && rng.random::<f64>() < 0.01 {
                    continue;
                }
                let after = join(problem, &[state.prefix[r][p], node, state.suffix[r][p + 1]]);
                let delta = penalty.cost(problem, &after) - before;
                if best.is_none_or(|b| delta < b.0) {
                    best = Some((delta, r, p));
                }
            }
        }
        let (_, r, p) = best.expect("there is always a route to insert into");
        state.routes[r].insert(p + 1, v);
        state.refresh(problem, r);
    }
}

/// First-improvement local search until no move helps.
fn local_search(
    problem: &Problem,
    penalty: &Penalty,
    neighbours: &[Vec<usize>],
    state: &mut State,
    rng: &mut ChaCha8Rng,
) {
    let mut order: Vec<usize> = (1..problem.nodes()).collect();
    let mut improved = true;
    while improved {
        improved = false;
        order.shuffle(rng);
        for &u in &order {
            for &v in &neighbours[u] {
                if try_moves(problem, penalty, state, u, v) {
                    improved = true;
                }
            }
            if try_empty_route(problem, penalty, state, u) {
                improved = true;
            }
        }
    }
}

/// Tries, between visits `u` and `v`: u after v, u before v, swapping them, and 2-opt*
/// (exchanging the routes' tails after u and after v). Applies the first that pays.
fn try_moves(problem: &Problem, penalty: &Penalty, state: &mut State, u: usize, v: usize) -> bool {
    let (ru, rv) = (state.route_of[u], state.route_of[v]);
    let (pu, pv) = (state.position[u], state.position[v]);
    let node_u = Segment::node(problem, u);
    let node_v = Segment::node(problem, v);
    if ru != rv {
        let old = penalty.cost(problem, &state.whole(ru)) + penalty.cost(problem, &state.whole(rv));
        let without_u = join(
            problem,
            &[state.prefix[ru][pu - 1], state.suffix[ru][pu + 1]],
        );
        let candidates: [(&str, Segment, Segment); 4] = [
            // u after v.
            (
                "after",
                without_u,
                join(
                    problem,
                    &[state.prefix[rv][pv], node_u, state.suffix[rv][pv + 1]],
                ),
            ),
            // u before v.
            (
                "before",
                without_u,
                join(
                    problem,
                    &[state.prefix[rv][pv - 1], node_u, state.suffix[rv][pv]],
                ),
            ),
            // Swap.
            (
                "swap",
                join(
                    problem,
                    &[state.prefix[ru][pu - 1], node_v, state.suffix[ru][pu + 1]],
                ),
                join(
                    problem,
                    &[state.prefix[rv][pv - 1], node_u, state.suffix[rv][pv + 1]],
                ),
            ),
            // 2-opt*: ru keeps up to u then v's tail; rv keeps up to v then u's tail.
            (
                "tails",
                join(problem, &[state.prefix[ru][pu], state.suffix[rv][pv + 1]]),
                join(problem, &[state.prefix[rv][pv], state.suffix[ru][pu + 1]]),
            ),
        ];
        for (kind, new_u, new_v) in candidates {
            if penalty.cost(problem, &new_u) + penalty.cost(problem, &new_v) < old {
                apply_inter(problem, state, kind, u, v);
                return true;
            }
        }
        return false;
    }
    // Same route: walk the few candidate orders.
    let route = state.routes[ru].clone();
    let old = penalty.cost(problem, &state.whole(ru));
    let mut moved_after = route.clone();
    moved_after.remove(pu);
    let v_at = moved_after
        .iter()
        .position(|&x| x == v)
        .expect("v is in the route");
    moved_after.insert(v_at + 1, u);
    let mut swapped = route.clone();
    swapped.swap(pu, pv);
    let mut reversed = route.clone();
    let (a, b) = (pu.min(pv), pu.max(pv));
    reversed[a..=b].reverse();
    for candidate in [moved_after, swapped, reversed] {
        let cost = penalty.cost(problem, &walk(problem, &candidate));
        if cost < old {
            state.routes[ru] = candidate;
            state.refresh(problem, ru);
            return true;
        }
    }
    false
}

fn walk(problem: &Problem, route: &[usize]) -> Segment {
    route[1..]
        .iter()
        .fold(Segment::node(problem, route[0]), |s, &i| {
            s.then(problem, &Segment::node(problem, i))
        })
}

fn apply_inter(problem: &Problem, state: &mut State, kind: &str, u: usize, v: usize) {
    let (ru, rv) = (state.route_of[u], state.route_of[v]);
    let (pu, pv) = (state.position[u], state.position[v]);
    match kind {
        "after" | "before" => {
            state.routes[ru].remove(pu);
            let at = if kind == "after" { pv + 1 } else { pv };
            state.routes[rv].insert(at, u);
        }
        "swap" => {
            state.routes[ru][pu] = v;
            state.routes[rv][pv] = u;
        }
        _ => {
            let tail_u = state.routes[ru].split_off(pu + 1);
            let tail_v = state.routes[rv].split_off(pv + 1);
            state.routes[ru].extend(tail_v);
            state.routes[rv].extend(tail_u);
        }
    }
    state.refresh(problem, ru);
    state.refresh(problem, rv);
}

/// Moves `u` alone into an unused vehicle when that pays.
fn try_empty_route(problem: &Problem, penalty: &Penalty, state: &mut State, u: usize) -> bool {
    let Some(empty) = (0..state.routes.len()).find(|&r| state.routes[r].len() == 2) else {
        return false;
    };
    let (ru, pu) = (state.route_of[u], state.position[u]);
    if state.routes[ru].len() == 3 {
        return false;
    }
    let old = penalty.cost(problem, &state.whole(ru));
    let without = join(
        problem,
        &[state.prefix[ru][pu - 1], state.suffix[ru][pu + 1]],
    );
    let alone = join(
        problem,
        &[
            Segment::node(problem, 0),
            Segment::node(problem, u),
            Segment::node(problem, 0),
        ],
    );
    if penalty.cost(problem, &without) + penalty.cost(problem, &alone) < old {
        state.routes[ru].remove(pu);
        state.routes[empty].insert(1, u);
        state.refresh(problem, ru);
        state.refresh(problem, empty);
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::routing::solomon;

    fn instance(name: &str) -> Option<solomon::Instance> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../shared/vrptw/solomon/{name}.txt"));
        std::fs::read_to_string(path)
            .ok()
            .map(|t| solomon::parse(&t).unwrap())
    }

    #[test]
    fn solves_c101_to_a_feasible_plan_close_to_the_best_known() {
        let Some(instance) = instance("C101") else {
            return;
        };
        let params = Params {
            iterations: Some(300),
            time_limit: Duration::from_secs(60),
            ..Params::default()
        };
        let solution = solve(&instance.to_problem(), &params);
        assert!(solution.feasible);
        let checked = instance.check(&solution.routes).unwrap();
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
            time_limit: Duration::from_secs(60),
            neighbours: 10,
            seed: 3,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// Every customer is routed exactly once, and the solver's word on feasibility and
        /// distance agrees with the independent checker.
        #[test]
        fn plans_agree_with_the_independent_checker(instance in random_instance(false)) {
            let solution = solve(&instance.to_problem(), &budget());
            let mut visited: Vec<usize> = solution.routes.iter().flatten().copied().collect();
            visited.sort_unstable();
            prop_assert_eq!(visited, (1..instance.nodes.len()).collect::<Vec<_>>());
            let checked = instance.check(&solution.routes);
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
            prop_assert_eq!(instance.check(&solution.routes), Ok(solution.distance));
        }
    }

    #[test]
    fn the_same_seed_and_budget_give_the_same_routes() {
        let Some(instance) = instance("R101") else {
            return;
        };
        let params = Params {
            iterations: Some(50),
            time_limit: Duration::from_secs(60),
            ..Params::default()
        };
        let problem = instance.to_problem();
        assert_eq!(solve(&problem, &params), solve(&problem, &params));
    }
}
