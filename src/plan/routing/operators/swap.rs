//! Swap: visits `u` and `v` trade places — across two routes, or within one.

use super::{join, Inter, Problem, Segment, State};

pub struct Swap;

impl Inter for Swap {
    #[inline(always)]
    fn evaluate(&self, problem: &Problem, state: &State, u: usize, v: usize) -> [Segment; 2] {
        let (ru, rv) = (state.route_of[u], state.route_of[v]);
        let (pu, pv) = (state.position[u], state.position[v]);
        [
            join(
                problem,
                ru,
                &[
                    state.prefix(ru, pu - 1),
                    Segment::node(problem, v),
                    state.suffix(ru, pu + 1),
                ],
            ),
            join(
                problem,
                rv,
                &[
                    state.prefix(rv, pv - 1),
                    Segment::node(problem, u),
                    state.suffix(rv, pv + 1),
                ],
            ),
        ]
    }

    fn apply(&self, state: &mut State, u: usize, v: usize) {
        let (ru, rv) = (state.route_of[u], state.route_of[v]);
        state.routes[ru][state.position[u]] = v;
        state.routes[rv][state.position[v]] = u;
    }
}

/// Within a route: the stretch's two ends trade places.
pub fn within(stretch: &[usize], _u_first: bool) -> Vec<usize> {
    let mut swapped = stretch.to_vec();
    let last = swapped.len() - 1;
    swapped.swap(0, last);
    swapped
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn a_swap_is_priced_as_it_changes_the_routes() {
        assert!(testing::inter_priced_as_applied(&Swap) > 0);
        assert!(testing::within_priced_as_applied(within) > 0);
    }

    #[test]
    fn within_a_route_only_the_ends_move() {
        assert_eq!(within(&[1, 2, 3, 4], true), [4, 2, 3, 1]);
        assert_eq!(within(&[5, 6], false), [6, 5]);
    }
}
