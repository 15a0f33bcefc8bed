//! Crossover of two plans, after the selective route exchange (SREX, Nagata & Kobayashi):
//! the child is the first parent with a few of the second parent's routes around a random
//! visit put in, each on a vehicle of the same class (so that a mixed fleet stays valid)
//! whose route shares the most visits with it. The visits those routes push out are
//! inserted again at their cheapest places; the caller improves the child by local search.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::operators::Context;
use super::search::recreate;
use super::state::{Penalty, State, UNROUTED};

/// The child of `first` and `donor`.
pub fn exchange_routes(
    ctx: &Context,
    penalty: &Penalty,
    first: &State,
    donor: &State,
    rng: &mut ChaCha8Rng,
) -> State {
    let problem = ctx.problem;
    let routed: Vec<usize> = problem
        .visits()
        .filter(|&v| donor.route_of[v] != UNROUTED)
        .collect();
    if routed.is_empty() {
        return first.clone();
    }
    let used = (0..donor.routes.len())
        .filter(|&r| !donor.is_empty(r))
        .count();
    let wanted = rng.random_range(1..=used.div_ceil(2).clamp(1, 5));
    // The donor's routes nearest a random visit: its own, then its neighbours'.
    let seed = routed[rng.random_range(0..routed.len())];
    let mut donated: Vec<usize> = Vec::new();
    for &v in std::iter::once(&seed).chain(&ctx.neighbours[seed]) {
        let r = donor.route_of[v];
        if r != UNROUTED && !donated.contains(&r) {
            donated.push(r);
            if donated.len() == wanted {
                break;
            }
        }
    }

    let mut routes: Vec<Vec<usize>> = first
        .routes
        .iter()
        .map(|r| r[1..r.len() - 1].to_vec())
        .collect();
    let mut given = vec![false; problem.nodes()];
    let mut taken: Vec<usize> = Vec::new();
    let mut pushed_out: Vec<usize> = Vec::new();
    for &d in &donated {
        let stops = &donor.routes[d][1..donor.last(d)];
        // The free vehicle of the donor vehicle's class whose route shares most visits.
        let class = ctx.class_of[d];
        let Some(onto) = ctx.classes[class]
            .iter()
            .copied()
            .filter(|r| !taken.contains(r))
            .max_by_key(|&r| {
                let shared = stops.iter().filter(|&&v| first.route_of[v] == r).count();
                (shared, std::cmp::Reverse(r))
            })
        else {
            continue;
        };
        taken.push(onto);
        pushed_out.append(&mut routes[onto]);
        routes[onto] = stops.to_vec();
        for &v in stops {
            given[v] = true;
        }
    }
    for (r, route) in routes.iter_mut().enumerate() {
        if !taken.contains(&r) {
            route.retain(|&v| !given[v]);
        }
    }
    let mut child = State::new(problem, routes);
    pushed_out.retain(|&v| !given[v]);
    recreate(ctx, penalty, &mut child, pushed_out, rng);
    child
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::routing::operators::local_search;
    use crate::plan::routing::solomon;
    use rand::SeedableRng;

    /// A child holds every visit exactly once, on whichever vehicles, for any pair of
    /// parents: two different local optima of a Solomon instance, many times over.
    #[test]
    fn a_child_keeps_every_visit_exactly_once() {
        let instance =
            solomon::parse(&solomon::shared_file("solomon/RC201.txt")).expect("RC201 parses");
        let problem = instance.to_problem();
        let ctx = Context::new(&problem, 10);
        let penalty = Penalty {
            load: 100,
            warp: 10,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let parent = |rng: &mut ChaCha8Rng| {
            let mut state = State::new(&problem, vec![Vec::new(); problem.vehicles.len()]);
            let all = state.unrouted.clone();
            recreate(&ctx, &penalty, &mut state, all, rng);
            local_search(&ctx, &penalty, &mut state, rng, None);
            state
        };
        let (a, b) = (parent(&mut rng), parent(&mut rng));
        assert_ne!(a.routes, b.routes);
        for _ in 0..50 {
            let child = exchange_routes(&ctx, &penalty, &a, &b, &mut rng);
            let mut seen: Vec<usize> = child
                .routes
                .iter()
                .flat_map(|r| r[1..r.len() - 1].iter().copied())
                .collect();
            assert!(child.unrouted.is_empty());
            seen.sort_unstable();
            assert_eq!(seen, problem.visits().collect::<Vec<_>>());
            for (r, route) in child.routes.iter().enumerate() {
                let vehicle = &problem.vehicles[r];
                assert_eq!(
                    (route[0], route[route.len() - 1]),
                    (vehicle.start, vehicle.end)
                );
            }
        }
    }
}
