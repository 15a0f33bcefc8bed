//! Local search: between each visit and its granular neighbours, relocate (after or before),
//! swap and 2-opt* across routes, relocate / swap / reverse within a route; a visit may also
//! move alone into an unused vehicle nearby, or (if optional) be left out when its prize is
//! worth less than what it costs. Every inter-route move is priced in O(1) from the route
//! segments; the first that pays is applied.

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
        for (r, v) in problem.vehicles.iter().enumerate() {
            match classes.iter_mut().find(|c| problem.vehicles[c[0]] == *v) {
                Some(class) => class.push(r),
                None => classes.push(vec![r]),
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
                improved |= try_empty_route(ctx, penalty, state, u);
                improved |= try_leave_out(problem, penalty, state, u);
            }
        }
        if !improved {
            break;
        }
        pass_since = Some(pass_start);
    }
}

fn join(problem: &Problem, r: usize, parts: &[Segment]) -> Segment {
    let profile = problem.vehicles[r].profile;
    parts[1..]
        .iter()
        .fold(parts[0], |s, p| s.then(problem, profile, p))
}

#[derive(Clone, Copy)]
enum Inter {
    After,
    Before,
    Swap,
    Tails,
}

/// Tries the moves between visits `u` and `v`; applies the first that pays.
fn try_pair(problem: &Problem, penalty: &Penalty, state: &mut State, u: usize, v: usize) -> bool {
    let (ru, rv) = (state.route_of[u], state.route_of[v]);
    let (pu, pv) = (state.position[u], state.position[v]);
    if ru == rv {
        return try_within(problem, penalty, state, ru, pu, pv);
    }
    let node_u = Segment::node(problem, u);
    let node_v = Segment::node(problem, v);
    let without_u = join(
        problem,
        ru,
        &[state.prefix(ru, pu - 1), state.suffix(ru, pu + 1)],
    );
    let candidates = [
        (
            Inter::After,
            without_u,
            join(
                problem,
                rv,
                &[state.prefix(rv, pv), node_u, state.suffix(rv, pv + 1)],
            ),
        ),
        (
            Inter::Before,
            without_u,
            join(
                problem,
                rv,
                &[state.prefix(rv, pv - 1), node_u, state.suffix(rv, pv)],
            ),
        ),
        (
            Inter::Swap,
            join(
                problem,
                ru,
                &[state.prefix(ru, pu - 1), node_v, state.suffix(ru, pu + 1)],
            ),
            join(
                problem,
                rv,
                &[state.prefix(rv, pv - 1), node_u, state.suffix(rv, pv + 1)],
            ),
        ),
        // 2-opt*: ru keeps up to u then takes v's tail; rv keeps up to v then takes u's.
        (
            Inter::Tails,
            state.head_then_tail(problem, &state.prefix(ru, pu), ru, rv, pv + 1),
            state.head_then_tail(problem, &state.prefix(rv, pv), rv, ru, pu + 1),
        ),
    ];
    for (kind, new_u, new_v) in candidates {
        if state.delta(problem, penalty, &[(ru, new_u), (rv, new_v)]) < 0 {
            apply(problem, state, kind, u, v);
            return true;
        }
    }
    false
}

fn apply(problem: &Problem, state: &mut State, kind: Inter, u: usize, v: usize) {
    let (ru, rv) = (state.route_of[u], state.route_of[v]);
    let (pu, pv) = (state.position[u], state.position[v]);
    match kind {
        Inter::After | Inter::Before => {
            state.routes[ru].remove(pu);
            let at = if matches!(kind, Inter::After) {
                pv + 1
            } else {
                pv
            };
            state.routes[rv].insert(at, u);
        }
        Inter::Swap => {
            state.routes[ru][pu] = v;
            state.routes[rv][pv] = u;
        }
        Inter::Tails => {
            let end_u = state.routes[ru].pop().expect("a route ends at its depot");
            let end_v = state.routes[rv].pop().expect("a route ends at its depot");
            let mut tail_u = state.routes[ru].split_off(pu + 1);
            let mut tail_v = state.routes[rv].split_off(pv + 1);
            tail_v.push(end_u);
            tail_u.push(end_v);
            state.routes[ru].extend(tail_v);
            state.routes[rv].extend(tail_u);
        }
    }
    state.refresh(problem, ru);
    state.refresh(problem, rv);
}

/// Within one route: u after v, the two swapped, or the stretch between them reversed.
/// Only the stretch between the two is walked; the rest comes from the route's segments.
fn try_within(
    problem: &Problem,
    penalty: &Penalty,
    state: &mut State,
    r: usize,
    pu: usize,
    pv: usize,
) -> bool {
    let (a, b) = (pu.min(pv), pu.max(pv));
    let stretch = &state.routes[r][a..=b];
    let mut moved_after = stretch.to_vec();
    if pu < pv {
        moved_after.rotate_left(1);
    } else {
        // v ... u  →  v u ...
        let u = moved_after.pop().expect("the stretch holds u");
        moved_after.insert(1, u);
    }
    let mut swapped = stretch.to_vec();
    let last = swapped.len() - 1;
    swapped.swap(0, last);
    let mut reversed = stretch.to_vec();
    reversed.reverse();
    let profile = problem.vehicles[r].profile;
    for candidate in [moved_after, swapped, reversed] {
        let whole = candidate
            .iter()
            .fold(state.prefix(r, a - 1), |s, &i| {
                s.then(problem, profile, &Segment::node(problem, i))
            })
            .then(problem, profile, &state.suffix(r, b + 1));
        if state.delta(problem, penalty, &[(r, whole)]) < 0 {
            state.routes[r][a..=b].copy_from_slice(&candidate);
            state.refresh(problem, r);
            return true;
        }
    }
    false
}

/// Moves `u` alone into an unused vehicle starting near it, when that pays.
fn try_empty_route(ctx: &Context, penalty: &Penalty, state: &mut State, u: usize) -> bool {
    let problem = ctx.problem;
    let (ru, pu) = (state.route_of[u], state.position[u]);
    let without = join(
        problem,
        ru,
        &[state.prefix(ru, pu - 1), state.suffix(ru, pu + 1)],
    );
    for &c in &ctx.near_classes[u] {
        let Some(r) = ctx.empty_route(state, c) else {
            continue;
        };
        let alone = join(
            problem,
            r,
            &[
                state.start(problem, r),
                Segment::node(problem, u),
                state.end(problem, r),
            ],
        );
        if state.delta(problem, penalty, &[(ru, without), (r, alone)]) < 0 {
            state.routes[ru].remove(pu);
            state.routes[r].insert(1, u);
            state.refresh(problem, ru);
            state.refresh(problem, r);
            return true;
        }
    }
    false
}

/// Leaves an optional visit out when its route saves more than the visit's prize.
fn try_leave_out(problem: &Problem, penalty: &Penalty, state: &mut State, u: usize) -> bool {
    let Some(prize) = problem.nodes[u].prize else {
        return false;
    };
    let (ru, pu) = (state.route_of[u], state.position[u]);
    let without = join(
        problem,
        ru,
        &[state.prefix(ru, pu - 1), state.suffix(ru, pu + 1)],
    );
    if state.delta(problem, penalty, &[(ru, without)]) + prize < 0 {
        state.remove(problem, u);
        return true;
    }
    false
}
