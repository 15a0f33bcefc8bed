//! When the search stops, as small criteria (PyVRP's `stop` module is the model): a budget
//! of iterations, a time limit, and patience — iterations without a better plan. The
//! search stops at the first criterion met; its temperature follows the first criterion
//! that can say how far along the search is.

use std::time::{Duration, Instant};

/// Where the search is.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub iteration: u64,
    /// The iteration that last found a better plan.
    pub improved_at: u64,
    pub elapsed: Duration,
}

pub trait Criterion {
    fn met(&self, at: &Progress) -> bool;
    /// How far along, 0 to 1, when this criterion can tell.
    fn fraction(&self, _at: &Progress) -> Option<f64> {
        None
    }
}

/// At most this many iterations.
pub struct MaxIterations(pub u64);

/// At most this long.
pub struct MaxRuntime(pub Duration);

/// At most this many iterations in a row without a better plan.
pub struct NoImprovement(pub u64);

impl Criterion for MaxIterations {
    fn met(&self, at: &Progress) -> bool {
        at.iteration >= self.0
    }

    fn fraction(&self, at: &Progress) -> Option<f64> {
        Some(at.iteration as f64 / self.0 as f64)
    }
}

impl Criterion for MaxRuntime {
    fn met(&self, at: &Progress) -> bool {
        at.elapsed >= self.0
    }

    fn fraction(&self, at: &Progress) -> Option<f64> {
        Some(at.elapsed.as_secs_f64() / self.0.as_secs_f64())
    }
}

impl Criterion for NoImprovement {
    fn met(&self, at: &Progress) -> bool {
        at.iteration - at.improved_at >= self.0
    }
}

/// Several criteria: met when any is; the fraction of the first that tells one.
pub struct Stop {
    started: Instant,
    criteria: Vec<Box<dyn Criterion>>,
}

impl Stop {
    pub fn new(criteria: Vec<Box<dyn Criterion>>) -> Stop {
        Stop {
            started: Instant::now(),
            criteria,
        }
    }

    pub fn progress(&self, iteration: u64, improved_at: u64) -> Progress {
        Progress {
            iteration,
            improved_at,
            elapsed: self.started.elapsed(),
        }
    }

    pub fn met(&self, at: &Progress) -> bool {
        self.criteria.iter().any(|c| c.met(at))
    }

    /// How far along the search is, 0 to 1 (1 when no criterion can tell).
    pub fn fraction(&self, at: &Progress) -> f64 {
        self.criteria
            .iter()
            .find_map(|c| c.fraction(at))
            .unwrap_or(1.0)
            .min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iteration: u64, improved_at: u64, seconds: u64) -> Progress {
        Progress {
            iteration,
            improved_at,
            elapsed: Duration::from_secs(seconds),
        }
    }

    #[test]
    fn each_criterion_is_met_at_its_own_limit() {
        assert!(!MaxIterations(10).met(&at(9, 0, 0)));
        assert!(MaxIterations(10).met(&at(10, 0, 0)));
        assert!(!MaxRuntime(Duration::from_secs(5)).met(&at(100, 0, 4)));
        assert!(MaxRuntime(Duration::from_secs(5)).met(&at(0, 0, 5)));
        assert!(!NoImprovement(3).met(&at(12, 10, 0)));
        assert!(NoImprovement(3).met(&at(13, 10, 0)));
    }

    #[test]
    fn the_first_criterion_that_can_tell_says_how_far_along() {
        let stop = Stop::new(vec![
            Box::new(NoImprovement(50)),
            Box::new(MaxIterations(200)),
            Box::new(MaxRuntime(Duration::from_secs(1))),
        ]);
        let progress = at(50, 40, 10);
        assert_eq!(stop.fraction(&progress), 0.25);
        assert!(stop.met(&progress), "the time limit is past");
        assert!(!Stop::new(vec![Box::new(MaxIterations(200))]).met(&progress));
    }
}
