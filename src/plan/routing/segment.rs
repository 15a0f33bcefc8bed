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
    /// Time spent travelling (the objective), apart from service and waiting.
    pub travel: i64,
    pub load: i64,
    pub duration: i64,
    pub time_warp: i64,
    pub earliest: i64,
    pub latest: i64,
}

impl Segment {
    /// A visit on its own.
    #[inline]
    pub fn node(problem: &Problem, i: usize) -> Segment {
        let node = &problem.nodes[i];
        Segment {
            first: i,
            last: i,
            distance: 0,
            travel: 0,
            load: node.demand,
            duration: node.service,
            time_warp: 0,
            earliest: node.ready,
            latest: node.due,
        }
    }

    /// A vehicle's start or end: a place it may be at any time in its shift.
    pub fn depot(i: usize, shift_start: i64, shift_end: i64) -> Segment {
        Segment {
            first: i,
            last: i,
            distance: 0,
            travel: 0,
            load: 0,
            duration: 0,
            time_warp: 0,
            earliest: shift_start,
            latest: shift_end,
        }
    }

    /// `self` followed by `next`, travelled by a vehicle of `profile`.
    #[inline]
    pub fn then(&self, problem: &Problem, profile: usize, next: &Segment) -> Segment {
        let (distance, travel) = problem.arc(profile, self.last, next.first);
        let delta = self.duration - self.time_warp + travel;
        let wait = (next.earliest - delta - self.latest).max(0);
        let warp = (self.earliest + delta - next.latest).max(0);
        Segment {
            first: self.first,
            last: next.last,
            distance: self.distance + distance + next.distance,
            travel: self.travel + travel + next.travel,
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
    use crate::plan::routing::{Node, Travel};

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
            nodes: windows
                .iter()
                .map(|&(ready, due)| Node {
                    ready,
                    due,
                    service,
                    demand: 1,
                    prize: None,
                })
                .collect(),
            first_visit: 1,
            vehicles: Vec::new(),
            travel: Travel::Matrix {
                durations: vec![distance.clone()],
                distance,
            },
            balance_weight: 0.0,
        }
    }

    /// Walks the route stop by stop: (distance, time warp) the slow way.
    fn walk(problem: &Problem, route: &[usize]) -> (i64, i64) {
        let node = |i: usize| problem.nodes[i];
        let mut time = node(route[0]).ready;
        let mut warp = 0;
        let mut distance = 0;
        for pair in route.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (length, travel) = problem.arc(0, a, b);
            time += node(a).service + travel;
            distance += length;
            time = time.max(node(b).ready);
            if time > node(b).due {
                warp += time - node(b).due;
                time = node(b).due;
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
                    s.then(&problem, 0, &Segment::node(&problem, i))
                });
            // Any split point gives the same summary.
            for split in 1..route.len() {
                let left = route[1..split]
                    .iter()
                    .fold(Segment::node(&problem, route[0]), |s, &i| {
                        s.then(&problem, 0, &Segment::node(&problem, i))
                    });
                let right = route[split + 1..]
                    .iter()
                    .fold(Segment::node(&problem, route[split]), |s, &i| {
                        s.then(&problem, 0, &Segment::node(&problem, i))
                    });
                assert_eq!(
                    left.then(&problem, 0, &right),
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
