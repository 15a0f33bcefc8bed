//! 2-opt*: two routes exchange their tails — `u`'s route keeps its visits up to `u` and
//! takes what follows `v`; `v`'s route keeps up to `v` and takes what followed `u`. Each
//! route keeps its own end.

use super::{Inter, Problem, Segment, State};

pub struct TwoOptStar;

impl Inter for TwoOptStar {
    #[inline(always)]
    fn evaluate(&self, problem: &Problem, state: &State, u: usize, v: usize) -> [Segment; 2] {
        let (ru, rv) = (state.route_of[u], state.route_of[v]);
        let (pu, pv) = (state.position[u], state.position[v]);
        [
            state.head_then_tail(problem, &state.prefix(ru, pu), ru, rv, pv + 1),
            state.head_then_tail(problem, &state.prefix(rv, pv), rv, ru, pu + 1),
        ]
    }

    fn apply(&self, state: &mut State, u: usize, v: usize) {
        let (ru, rv) = (state.route_of[u], state.route_of[v]);
        let (pu, pv) = (state.position[u], state.position[v]);
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

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn a_tail_exchange_is_priced_as_it_changes_the_routes() {
        assert!(testing::inter_priced_as_applied(&TwoOptStar) > 0);
    }
}
