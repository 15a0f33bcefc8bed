//! Route-segment data for evaluating a move in constant time (Vidal et al. 2013,
//! "A hybrid genetic algorithm with adaptive diversity management for a large class of
//! vehicle routing problems with time-windows"). A segment — a run of consecutive stops —
//! is summarised by its travel distance, load, duration (travel, service and waiting),
//! time warp (how much one would have to travel back in time to be punctual), and the
//! earliest and latest times its first service can start without adding either. Two
//! summaries concatenate in O(1), so the cost of a route made of pieces of others is known
//! without walking it.

use super::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub first: usize,
    pub last: usize,
    pub distance: i64,
    pub load: i64,
    pub duration: i64,
    pub time_warp: i64,
    pub earliest: i64,
    pub latest: i64,
}

impl Segment {
    pub fn node(problem: &Problem, i: usize) -> Segment {
        Segment {
            first: i,
            last: i,
            distance: 0,
            load: problem.demand[i],
            duration: problem.service[i],
            time_warp: 0,
            earliest: problem.ready[i],
            latest: problem.due[i],
        }
    }

    /// `self` followed by `next`.
    pub fn then(&self, problem: &Problem, next: &Segment) -> Segment {
        let travel = problem.time(self.last, next.first);
        let delta = self.duration - self.time_warp + travel;
        let wait = (next.earliest - delta - self.latest).max(0);
        let warp = (self.earliest + delta - next.latest).max(0);
        Segment {
            first: self.first,
            last: next.last,
            distance: self.distance + problem.dist(self.last, next.first) + next.distance,
            load: self.load + next.load,
            duration: self.duration + next.duration + travel + wait,
            time_warp: self.time_warp + next.time_warp + warp,
            earliest: (next.earliest - delta).max(self.earliest) - wait,
            latest: (next.latest - delta).min(self.latest) + warp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::routing::Vehicle;

    /// A line of points 0, 10, 20, …: travel time = distance.
    fn line(windows: &[(i64, i64)], service: i64) -> Problem {
        let n = windows.len();
        let mut distance = vec![0; n * n];
        for i in 0..n {
            for j in 0..n {
                distance[i * n + j] = (10 * (i as i64 - j as i64)).abs();
            }
        }
        Problem {
            duration: distance.clone(),
            distance,
            ready: windows.iter().map(|w| w.0).collect(),
            due: windows.iter().map(|w| w.1).collect(),
            service: vec![service; n],
            demand: vec![1; n],
            vehicle: Vehicle {
                count: 1,
                capacity: 10,
            },
        }
    }

    /// Walks the route stop by stop: (distance, time warp) the slow way.
    fn walk(problem: &Problem, route: &[usize]) -> (i64, i64) {
        let mut time = problem.ready[route[0]];
        let mut warp = 0;
        let mut distance = 0;
        for pair in route.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            time += problem.service[a] + problem.time(a, b);
            distance += problem.dist(a, b);
            time = time.max(problem.ready[b]);
            if time > problem.due[b] {
                warp += time - problem.due[b];
                time = problem.due[b];
            }
        }
        (distance, warp)
    }

    #[test]
    fn concatenation_agrees_with_walking_the_route() {
        let problem = line(&[(0, 1000), (50, 60), (0, 15), (100, 200), (30, 40)], 5);
        let routes: [&[usize]; 4] = [
            &[0, 1, 2, 0],
            &[0, 2, 1, 0],
            &[0, 3, 4, 1, 0],
            &[0, 4, 2, 3, 0],
        ];
        for route in routes {
            let whole = route[1..]
                .iter()
                .fold(Segment::node(&problem, route[0]), |s, &i| {
                    s.then(&problem, &Segment::node(&problem, i))
                });
            // Any split point gives the same summary.
            for split in 1..route.len() {
                let left = route[1..split]
                    .iter()
                    .fold(Segment::node(&problem, route[0]), |s, &i| {
                        s.then(&problem, &Segment::node(&problem, i))
                    });
                let right = route[split + 1..]
                    .iter()
                    .fold(Segment::node(&problem, route[split]), |s, &i| {
                        s.then(&problem, &Segment::node(&problem, i))
                    });
                assert_eq!(
                    left.then(&problem, &right),
                    whole,
                    "{route:?} split at {split}"
                );
            }
            let (distance, warp) = walk(&problem, route);
            assert_eq!(
                (whole.distance, whole.time_warp),
                (distance, warp),
                "{route:?}"
            );
        }
    }
}
