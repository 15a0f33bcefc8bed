//! Relocate: visit `u` leaves its place and goes right after (or right before) visit `v` —
//! in `v`'s route, or further along its own.

use super::{join, without, Inter, Problem, Segment, State};

/// `u` goes right after `v` (or right before it), in another route.
pub struct Relocate {
    pub after: bool,
}

pub const AFTER: Relocate = Relocate { after: true };
pub const BEFORE: Relocate = Relocate { after: false };

impl Relocate {
    /// Where `u` goes in `v`'s route.
    fn at(&self, state: &State, v: usize) -> usize {
        state.position[v] + usize::from(self.after)
    }
}

impl Inter for Relocate {
    #[inline(always)]
    fn evaluate(&self, problem: &Problem, state: &State, u: usize, v: usize) -> [Segment; 2] {
        let (ru, rv) = (state.route_of[u], state.route_of[v]);
        let at = self.at(state, v);
        let with_u = join(
            problem,
            rv,
            &[
                state.prefix(rv, at - 1),
                Segment::node(problem, u),
                state.suffix(rv, at),
            ],
        );
        [without(problem, state, ru, state.position[u]), with_u]
    }

    fn apply(&self, state: &mut State, u: usize, v: usize) {
        let (ru, rv) = (state.route_of[u], state.route_of[v]);
        let at = self.at(state, v);
        state.routes[ru].remove(state.position[u]);
        state.routes[rv].insert(at, u);
    }
}

/// Within a route: `u` moves to just after `v` (the stretch runs from one to the other).
pub fn within(stretch: &[usize], u_first: bool) -> Vec<usize> {
    let mut moved = stretch.to_vec();
    if u_first {
        // u ... v  →  ... v u
        moved.rotate_left(1);
    } else {
        // v ... u  →  v u ...
        let u = moved.pop().expect("the stretch holds u");
        moved.insert(1, u);
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn a_relocation_is_priced_as_it_changes_the_routes() {
        assert!(testing::inter_priced_as_applied(&AFTER) > 0);
        assert!(testing::inter_priced_as_applied(&BEFORE) > 0);
        assert!(testing::within_priced_as_applied(within) > 0);
    }

    #[test]
    fn within_a_route_u_lands_just_after_v() {
        assert_eq!(within(&[1, 2, 3, 4], true), [2, 3, 4, 1]);
        assert_eq!(within(&[4, 2, 3, 1], false), [4, 1, 2, 3]);
    }
}
