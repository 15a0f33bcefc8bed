//! Leave out: an optional visit (a routine one, with a prize) is dropped from its route when
//! the route saves more than the prize — so that a recall, which has none, always fits first.

use super::{without, Penalty, Problem, State};

/// Leaves `u` out when it is optional and its route saves more than its prize.
pub fn try_move(problem: &Problem, penalty: &Penalty, state: &mut State, u: usize) -> bool {
    let Some(prize) = problem.nodes[u].prize else {
        return false;
    };
    let (ru, pu) = (state.route_of[u], state.position[u]);
    let rest = without(problem, state, ru, pu);
    if state.delta(problem, penalty, &[(ru, rest)]) + prize < 0 {
        state.remove(problem, u);
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn only_an_optional_visit_worth_less_than_its_detour_is_left_out() {
        let mut problem = testing::problem();
        let state = testing::state(&problem);
        let u = problem.first_visit;
        // Required: never left out.
        assert!(!try_move(
            &problem,
            &testing::PENALTY,
            &mut state.clone(),
            u
        ));
        // A prize above anything the route could save: kept.
        problem.nodes[u].prize = Some(i64::MAX / 4);
        assert!(!try_move(
            &problem,
            &testing::PENALTY,
            &mut state.clone(),
            u
        ));
        // A prize of nothing, and the route is shorter without it: left out.
        problem.nodes[u].prize = Some(0);
        let mut left = state.clone();
        assert!(try_move(&problem, &testing::PENALTY, &mut left, u));
        assert!(left.unrouted.contains(&u));
    }
}
