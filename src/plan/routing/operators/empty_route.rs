//! Empty route: visit `u` leaves its route to be the only visit of an unused vehicle that
//! starts near it — how a plan takes another team into service.

use super::{join, without, Context, Penalty, Segment, State};

/// Moves `u` alone into an unused vehicle starting near it, when that pays.
pub fn try_move(ctx: &Context, penalty: &Penalty, state: &mut State, u: usize) -> bool {
    let problem = ctx.problem;
    let (ru, pu) = (state.route_of[u], state.position[u]);
    let rest = without(problem, state, ru, pu);
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
        if state.delta(problem, penalty, &[(ru, rest), (r, alone)]) < 0 {
            state.routes[ru].remove(pu);
            state.routes[r].insert(1, u);
            state.refresh(problem, ru);
            state.refresh(problem, r);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;
    use crate::plan::routing::Problem;

    #[test]
    fn a_far_visit_takes_an_unused_vehicle_when_that_pays() {
        let problem = testing::problem();
        let ctx = Context::new(&problem, 10);
        // Every visit in one route, three vehicles unused: moving a visit out pays.
        let mut routes = vec![Vec::new(); problem.vehicles.len()];
        routes[0] = problem.visits().collect();
        let mut state = State::new(&problem, routes);
        let before = state.cost(&problem, &testing::PENALTY);
        let moved = problem
            .visits()
            .any(|u| try_move(&ctx, &testing::PENALTY, &mut state, u));
        assert!(moved);
        assert!(state.cost(&problem, &testing::PENALTY) < before);
        assert_eq!(count_used(&problem, &state), 2);
    }

    fn count_used(problem: &Problem, state: &State) -> usize {
        (0..problem.vehicles.len())
            .filter(|&r| !state.is_empty(r))
            .count()
    }
}
