//! Local search: between each visit and its granular neighbours, the moves across routes
//! (`relocate` after or before, `swap`, `two_opt_star`) and within a route (`relocate`,
//! `swap`, `reverse`); a visit may also move alone into an unused vehicle nearby
//! (`empty_route`), or, if optional, be left out when its prize is worth less than what it
//! costs (`leave_out`). Every move is priced in O(1) from the route segments; the first
//! that pays is applied. One operator per file, each with a test that its price is what
//! applying it changes.

mod empty_route;
mod leave_out;
mod relocate;
mod reverse;
mod swap;
mod two_opt_star;

use std::cell::RefCell;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::segment::Segment;
use super::state::{Penalty, State, UNROUTED};
use super::Problem;

/// What the search derives once from the problem.
pub struct Context<'a> {
    pub problem: &'a Problem,
    /// Per visit, its nearest visits (moves are only tried between them).
    pub neighbours: Vec<Vec<usize>>,
    /// Vehicles that are interchangeable (same start, end, shift, capacity and speed).
    pub classes: Vec<Vec<usize>>,
    /// Per vehicle, its class in `classes`.
    pub class_of: Vec<usize>,
    /// Per visit, the classes whose start is nearest (where it may open a new route).
    pub near_classes: Vec<Vec<usize>>,
    /// The local search's bookkeeping, kept between calls: allocating it afresh for every
    /// call of a large district cost more than the search itself (fresh pages).
    scratch: RefCell<Scratch>,
}

#[derive(Default)]
struct Scratch {
    tested_at: Vec<Option<u64>>,
    listed: Vec<bool>,
}

impl<'a> Context<'a> {
    pub fn new(problem: &'a Problem, neighbours: usize) -> Context<'a> {
        let mut classes: Vec<Vec<usize>> = Vec::new();
        let mut class_of = Vec::with_capacity(problem.vehicles.len());
        for (r, v) in problem.vehicles.iter().enumerate() {
            match classes.iter().position(|c| problem.vehicles[c[0]] == *v) {
                Some(c) => {
                    classes[c].push(r);
                    class_of.push(c);
                }
                None => {
                    class_of.push(classes.len());
                    classes.push(vec![r]);
                }
            }
        }
        let mut near_classes = vec![Vec::new(); problem.nodes()];
        for v in problem.visits() {
            let mut by_distance: Vec<(i64, usize)> = classes
                .iter()
                .enumerate()
                .map(|(c, members)| {
                    let vehicle = &problem.vehicles[members[0]];
                    (problem.arc(vehicle.profile, vehicle.start, v).1, c)
                })
                .collect();
            by_distance.sort_unstable();
            near_classes[v] = by_distance.into_iter().take(8).map(|(_, c)| c).collect();
        }
        Context {
            problem,
            neighbours: problem.neighbours(neighbours),
            classes,
            class_of,
            near_classes,
            scratch: RefCell::new(Scratch {
                tested_at: vec![None; problem.nodes()],
                listed: vec![false; problem.nodes()],
            }),
        }
    }

    /// An unused vehicle of class `c`, if any.
    pub fn empty_route(&self, state: &State, c: usize) -> Option<usize> {
        self.classes[c].iter().copied().find(|&r| state.is_empty(r))
    }
}

/// Improves `state` until no move pays. With `since`, pairs of visits whose routes have not
/// changed since that move count are skipped: they were already tested at a local optimum.
pub fn local_search(
    ctx: &Context,
    penalty: &Penalty,
    state: &mut State,
    rng: &mut ChaCha8Rng,
    since: Option<u64>,
) {
    let problem = ctx.problem;
    let mut scratch = ctx.scratch.borrow_mut();
    let Scratch { tested_at, listed } = &mut *scratch;
    tested_at.fill(since);
    let mut pass_since = since;
    loop {
        let pass_start = state.moves;
        // Only visits whose pairs may have changed: those in routes changed since the last
        // pass began, and their neighbours (a district has thousands of untouched visits).
        let mut order: Vec<usize> = match pass_since {
            None => problem.visits().collect(),
            Some(t) => {
                let mut order = Vec::new();
                for r in (0..state.routes.len()).filter(|&r| state.changed_at[r] > t) {
                    for &u in &state.routes[r][1..state.last(r)] {
                        if !std::mem::replace(&mut listed[u], true) {
                            order.push(u);
                        }
                    }
                }
                for &w in &order {
                    listed[w] = false;
                }
                order
            }
        };
        order.shuffle(rng);
        let mut improved = false;
        for &u in &order {
            if state.route_of[u] == UNROUTED {
                continue;
            }
            let last_test = tested_at[u];
            tested_at[u] = Some(state.moves);
            let fresh = |state: &State, r: usize| last_test.is_none_or(|t| state.changed_at[r] > t);
            for &v in &ctx.neighbours[u] {
                let (ru, rv) = (state.route_of[u], state.route_of[v]);
                if rv == UNROUTED || !(fresh(state, ru) || fresh(state, rv)) {
                    continue;
                }
                if try_pair(problem, penalty, state, u, v) {
                    improved = true;
                }
            }
            if fresh(state, state.route_of[u]) {
                improved |= empty_route::try_move(ctx, penalty, state, u);
                improved |= leave_out::try_move(problem, penalty, state, u);
            }
        }
        if !improved {
            break;
        }
        pass_since = Some(pass_start);
    }
}

/// The whole segment of route `r` made of `parts` in order.
#[inline]
fn join(problem: &Problem, r: usize, parts: &[Segment]) -> Segment {
    let profile = problem.vehicles[r].profile;
    parts[1..]
        .iter()
        .fold(parts[0], |s, p| s.then(problem, profile, p))
}

/// Route `ru` without the visit at `pu`.
#[inline]
fn without(problem: &Problem, state: &State, ru: usize, pu: usize) -> Segment {
    join(
        problem,
        ru,
        &[state.prefix(ru, pu - 1), state.suffix(ru, pu + 1)],
    )
}

/// A move between visits `u` and `v` in two routes: what the two routes become, priced
/// before anything changes, and the change itself.
trait Inter {
    /// The whole segments of `u`'s route and of `v`'s route after the move.
    fn evaluate(&self, problem: &Problem, state: &State, u: usize, v: usize) -> [Segment; 2];
    /// Changes the routes' visits (the caller refreshes both routes).
    fn apply(&self, state: &mut State, u: usize, v: usize);
}

/// A move within one route: the new order of the stretch of visits between positions `a`
/// and `b` (inclusive), `u` at one end and `v` at the other.
type Within = fn(stretch: &[usize], u_first: bool) -> Vec<usize>;

/// The moves within a route, in the order they are tried.
const WITHIN: [Within; 3] = [relocate::within, swap::within, reverse::within];

/// Tries the moves between visits `u` and `v`; applies the first that pays. The moves
/// across routes are all priced first (each called by its type, so inlined here) and then
/// tested in one loop, one call of `delta` the compiler inlines: priced and tested one by
/// one they cost a quarter more instructions (docs/performance.md).
fn try_pair(problem: &Problem, penalty: &Penalty, state: &mut State, u: usize, v: usize) -> bool {
    let (ru, rv) = (state.route_of[u], state.route_of[v]);
    if ru == rv {
        let (pu, pv) = (state.position[u], state.position[v]);
        return try_within(problem, penalty, state, ru, pu, pv);
    }
    let priced: [(&dyn Inter, [Segment; 2]); 4] = [
        (
            &relocate::AFTER,
            relocate::AFTER.evaluate(problem, state, u, v),
        ),
        (
            &relocate::BEFORE,
            relocate::BEFORE.evaluate(problem, state, u, v),
        ),
        (&swap::Swap, swap::Swap.evaluate(problem, state, u, v)),
        (
            &two_opt_star::TwoOptStar,
            two_opt_star::TwoOptStar.evaluate(problem, state, u, v),
        ),
    ];
    for (operator, [new_u, new_v]) in priced {
        if state.delta(problem, penalty, &[(ru, new_u), (rv, new_v)]) < 0 {
            operator.apply(state, u, v);
            state.refresh(problem, ru);
            state.refresh(problem, rv);
            return true;
        }
    }
    false
}

/// Within one route: each way of reordering the stretch between `u` and `v`. Only the
/// stretch is walked; the rest comes from the route's segments.
fn try_within(
    problem: &Problem,
    penalty: &Penalty,
    state: &mut State,
    r: usize,
    pu: usize,
    pv: usize,
) -> bool {
    let (a, b) = (pu.min(pv), pu.max(pv));
    for reorder in WITHIN {
        let candidate = reorder(&state.routes[r][a..=b], pu < pv);
        let whole = with_stretch(problem, state, r, a, b, &candidate);
        if state.delta(problem, penalty, &[(r, whole)]) < 0 {
            state.routes[r][a..=b].copy_from_slice(&candidate);
            state.refresh(problem, r);
            return true;
        }
    }
    false
}

/// Route `r` with the visits at positions `a..=b` in the order `stretch`.
#[inline]
fn with_stretch(
    problem: &Problem,
    state: &State,
    r: usize,
    a: usize,
    b: usize,
    stretch: &[usize],
) -> Segment {
    let profile = problem.vehicles[r].profile;
    stretch
        .iter()
        .fold(state.prefix(r, a - 1), |s, &i| {
            s.then(problem, profile, &Segment::node(problem, i))
        })
        .then(problem, profile, &state.suffix(r, b + 1))
}

#[cfg(test)]
mod testing {
    //! A small instance with several routes, and the check every operator passes: the
    //! price of a move is exactly what applying it changes.

    use super::*;
    use crate::plan::routing::solomon::{Customer, Instance};

    pub fn problem() -> Problem {
        let mut nodes = vec![Customer {
            id: 0,
            x: 50.0,
            y: 50.0,
            demand: 0,
            ready: 0,
            due: 1000,
            service: 0,
        }];
        for i in 1..=12u32 {
            let angle = f64::from(i) * 0.9;
            let radius = 10.0 + f64::from(i % 4) * 9.0;
            nodes.push(Customer {
                id: i as usize,
                x: 50.0 + radius * angle.cos(),
                y: 50.0 + radius * angle.sin(),
                demand: 3 + i64::from(i % 3),
                ready: i64::from(i % 5) * 40,
                due: i64::from(i % 5) * 40 + 150,
                service: 10,
            });
        }
        Instance {
            name: "operators".into(),
            vehicles: 4,
            capacity: 20,
            nodes,
        }
        .to_problem()
    }

    /// Routes that leave much to improve: visits dealt round-robin.
    pub fn state(problem: &Problem) -> State {
        let mut routes = vec![Vec::new(); problem.vehicles.len()];
        let count = routes.len();
        for (k, v) in problem.visits().enumerate() {
            routes[k % count].push(v);
        }
        State::new(problem, routes)
    }

    pub const PENALTY: Penalty = Penalty { load: 7, warp: 3 };

    /// For every pair of visits in two routes, `operator`'s price equals the change in
    /// cost once it is applied; returns how many pairs were checked.
    pub fn inter_priced_as_applied(operator: &impl Inter) -> usize {
        let problem = problem();
        let start = state(&problem);
        let mut checked = 0;
        for u in problem.visits() {
            for v in problem.visits() {
                let (ru, rv) = (start.route_of[u], start.route_of[v]);
                if ru == rv {
                    continue;
                }
                let [new_u, new_v] = operator.evaluate(&problem, &start, u, v);
                let priced = start.delta(&problem, &PENALTY, &[(ru, new_u), (rv, new_v)]);
                let mut moved = start.clone();
                operator.apply(&mut moved, u, v);
                moved.refresh(&problem, ru);
                moved.refresh(&problem, rv);
                let visits: usize = moved.routes.iter().map(|r| r.len() - 2).sum();
                assert_eq!(visits, problem.visit_count(), "no visit lost or doubled");
                assert_eq!(
                    moved.cost(&problem, &PENALTY) - start.cost(&problem, &PENALTY),
                    priced,
                    "u {u}, v {v}"
                );
                checked += 1;
            }
        }
        checked
    }

    /// The same for a move within a route, between every two visits of each route.
    pub fn within_priced_as_applied(reorder: Within) -> usize {
        let problem = problem();
        let start = state(&problem);
        let mut checked = 0;
        for r in 0..start.routes.len() {
            let last = start.last(r);
            for pu in 1..last {
                for pv in (1..last).filter(|&p| p != pu) {
                    let (a, b) = (pu.min(pv), pu.max(pv));
                    let stretch = start.routes[r][a..=b].to_vec();
                    let candidate = reorder(&stretch, pu < pv);
                    let (mut kept, mut given) = (stretch.clone(), candidate.clone());
                    kept.sort_unstable();
                    given.sort_unstable();
                    assert_eq!(kept, given, "the stretch keeps its visits");
                    let whole = with_stretch(&problem, &start, r, a, b, &candidate);
                    let priced = start.delta(&problem, &PENALTY, &[(r, whole)]);
                    let mut moved = start.clone();
                    moved.routes[r][a..=b].copy_from_slice(&candidate);
                    moved.refresh(&problem, r);
                    assert_eq!(
                        moved.cost(&problem, &PENALTY) - start.cost(&problem, &PENALTY),
                        priced,
                        "route {r}, positions {pu} and {pv}"
                    );
                    checked += 1;
                }
            }
        }
        checked
    }
}
