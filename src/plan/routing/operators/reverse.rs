//! Reverse (2-opt within a route): the stretch from `u` to `v` is visited backwards.

/// The stretch, backwards.
pub fn within(stretch: &[usize], _u_first: bool) -> Vec<usize> {
    stretch.iter().rev().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    #[test]
    fn a_reversal_is_priced_as_it_changes_the_route() {
        assert!(testing::within_priced_as_applied(within) > 0);
        assert_eq!(within(&[1, 2, 3], true), [3, 2, 1]);
    }
}
