//! A solution being searched: one route per vehicle, the visits left out, and for every
//! route its prefix, suffix and tail segments, so that any move is priced in O(1).

use super::segment::Segment;
use super::Problem;

/// `route_of` for a visit that is in no route.
pub const UNROUTED: usize = usize::MAX;

/// Prices of capacity excess and time warp while the search walks through infeasible plans.
#[derive(Debug, Clone, Copy)]
pub struct Penalty {
    pub load: i64,
    pub warp: i64,
}

impl Penalty {
    /// Objective cost of route `r` whose whole segment is `whole`.
    #[inline]
    pub fn route_cost(&self, problem: &Problem, r: usize, whole: &Segment) -> i64 {
        whole.travel
            + self.load * (whole.load - problem.vehicles[r].capacity).max(0)
            + self.warp * whole.time_warp
    }
}

#[derive(Debug, Clone)]
pub struct State {
    /// Route `r` belongs to vehicle `r`: its start, its visits, its end.
    pub routes: Vec<Vec<usize>>,
    /// `prefix[r][p]`: positions `0..=p`; `suffix[r][p]`: positions `p..=last`;
    /// `tails[r][q][p]`: positions `p..last` (the visits from `p` on, without the end) as
    /// a vehicle of profile `q` drives them — one per profile, so that a tail moved to a
    /// vehicle of another speed (2-opt*) is priced in O(1) too.
    prefix: Vec<Vec<Segment>>,
    suffix: Vec<Vec<Segment>>,
    tails: Vec<Vec<Vec<Segment>>>,
    pub route_of: Vec<usize>,
    pub position: Vec<usize>,
    /// Optional visits left out.
    pub unrouted: Vec<usize>,
    /// The three longest route durations (duration, route), for the balance term.
    longest: [(i64, usize); 3],
    /// Per route, the value of `moves` when it last changed.
    pub changed_at: Vec<u64>,
    pub moves: u64,
}

impl State {
    /// `visits[r]`: vehicle `r`'s visits in order; visits in no list are left out.
    pub fn new(problem: &Problem, visits: Vec<Vec<usize>>) -> State {
        let count = problem.vehicles.len();
        assert_eq!(visits.len(), count, "one visit list per vehicle");
        let profiles = problem
            .vehicles
            .iter()
            .map(|v| v.profile + 1)
            .max()
            .unwrap_or(1);
        let mut state = State {
            routes: Vec::with_capacity(count),
            prefix: vec![Vec::new(); count],
            suffix: vec![Vec::new(); count],
            tails: vec![vec![Vec::new(); profiles]; count],
            route_of: vec![UNROUTED; problem.nodes()],
            position: vec![0; problem.nodes()],
            unrouted: Vec::new(),
            longest: [(0, usize::MAX); 3],
            changed_at: vec![0; count],
            moves: 0,
        };
        for (vehicle, stops) in problem.vehicles.iter().zip(visits) {
            let mut route = Vec::with_capacity(stops.len() + 2);
            route.push(vehicle.start);
            route.extend(stops);
            route.push(vehicle.end);
            state.routes.push(route);
        }
        for r in 0..count {
            state.refresh(problem, r);
        }
        state.unrouted = problem
            .visits()
            .filter(|&v| state.route_of[v] == UNROUTED)
            .collect();
        state
    }

    pub fn last(&self, r: usize) -> usize {
        self.routes[r].len() - 1
    }

    pub fn is_empty(&self, r: usize) -> bool {
        self.routes[r].len() == 2
    }

    #[inline]
    pub fn start(&self, problem: &Problem, r: usize) -> Segment {
        let v = &problem.vehicles[r];
        Segment::depot(v.start, v.shift_start, v.shift_end)
    }

    #[inline]
    pub fn end(&self, problem: &Problem, r: usize) -> Segment {
        let v = &problem.vehicles[r];
        Segment::depot(v.end, v.shift_start, v.shift_end)
    }

    #[inline]
    pub fn prefix(&self, r: usize, p: usize) -> Segment {
        self.prefix[r][p]
    }

    #[inline]
    pub fn suffix(&self, r: usize, p: usize) -> Segment {
        self.suffix[r][p]
    }

    /// Recomputes route `r`'s segments after it changed, in the vectors it had.
    pub fn refresh(&mut self, problem: &Problem, r: usize) {
        let own = problem.vehicles[r].profile;
        let (start, end) = (self.start(problem, r), self.end(problem, r));
        let route = &self.routes[r];
        let last = route.len() - 1;
        let prefix = &mut self.prefix[r];
        prefix.clear();
        let mut at = start;
        prefix.push(at);
        for (p, &i) in route.iter().enumerate().skip(1) {
            let stop = if p == last {
                end
            } else {
                Segment::node(problem, i)
            };
            at = at.then(problem, own, &stop);
            prefix.push(at);
        }
        for (profile, tail) in self.tails[r].iter_mut().enumerate() {
            tail.clear();
            tail.resize(route.len(), end);
            let mut back: Option<Segment> = None;
            for p in (1..last).rev() {
                let node = Segment::node(problem, route[p]);
                let joined = match back {
                    Some(b) => node.then(problem, profile, &b),
                    None => node,
                };
                back = Some(joined);
                tail[p] = joined;
            }
        }
        let suffix = &mut self.suffix[r];
        suffix.clear();
        suffix.resize(route.len(), end);
        for (p, tail) in self.tails[r][own].iter().enumerate().take(last).skip(1) {
            suffix[p] = tail.then(problem, own, &end);
        }
        suffix[0] = at;
        for (p, &i) in route.iter().enumerate().take(last).skip(1) {
            self.route_of[i] = r;
            self.position[i] = p;
        }
        self.moves += 1;
        self.changed_at[r] = self.moves;
        self.update_longest();
    }

    fn update_longest(&mut self) {
        let mut longest = [(i64::MIN, usize::MAX); 3];
        // While `new` builds the routes one by one, the later ones have no segments yet.
        for r in (0..self.routes.len()).filter(|&r| !self.prefix[r].is_empty()) {
            let d = (self.whole(r).duration, r);
            if d > longest[2] {
                longest[2] = d;
                longest.sort_unstable_by(|a, b| b.cmp(a));
            }
        }
        self.longest = longest;
    }

    /// Route `from`'s visits from position `p` on, appended to `head` and ending at route
    /// `onto`'s end, as vehicle `onto` would drive them (2-opt* between any two vehicles).
    #[inline]
    pub fn head_then_tail(
        &self,
        problem: &Problem,
        head: &Segment,
        onto: usize,
        from: usize,
        p: usize,
    ) -> Segment {
        let profile = problem.vehicles[onto].profile;
        let end = self.end(problem, onto);
        if p == self.last(from) {
            return head.then(problem, profile, &end);
        }
        let (a, b) = (&problem.vehicles[onto], &problem.vehicles[from]);
        if (a.end, a.shift_start, a.shift_end, a.profile)
            == (b.end, b.shift_start, b.shift_end, b.profile)
        {
            return head.then(problem, profile, &self.suffix[from][p]);
        }
        head.then(problem, profile, &self.tails[from][profile][p])
            .then(problem, profile, &end)
    }

    #[inline]
    pub fn whole(&self, r: usize) -> Segment {
        *self.prefix[r]
            .last()
            .expect("routes hold two depots at least")
    }

    #[inline]
    fn balance(problem: &Problem, longest: i64) -> i64 {
        if problem.balance_weight == 0.0 {
            0
        } else {
            (problem.balance_weight * longest.max(0) as f64).round() as i64
        }
    }

    fn prizes_left(&self, problem: &Problem) -> i64 {
        self.unrouted
            .iter()
            .map(|&v| problem.nodes[v].prize.unwrap_or(0))
            .fold(0, i64::saturating_add)
    }

    /// The penalised objective: travel, penalties, the balance term and prizes left.
    pub fn cost(&self, problem: &Problem, penalty: &Penalty) -> i64 {
        (0..self.routes.len())
            .map(|r| penalty.route_cost(problem, r, &self.whole(r)))
            .sum::<i64>()
            + Self::balance(problem, self.longest[0].0).saturating_add(self.prizes_left(problem))
    }

    /// How much the penalised objective changes if each route `r` in `changes` becomes the
    /// given whole segment (prizes of visits added or left out are the caller's).
    #[inline]
    pub fn delta(&self, problem: &Problem, penalty: &Penalty, changes: &[(usize, Segment)]) -> i64 {
        let mut delta = 0;
        for (r, new) in changes {
            delta += penalty.route_cost(problem, *r, new)
                - penalty.route_cost(problem, *r, &self.whole(*r));
        }
        if problem.balance_weight != 0.0 {
            let unchanged = self
                .longest
                .iter()
                .find(|(_, r)| *r != usize::MAX && changes.iter().all(|c| c.0 != *r))
                .map_or(0, |l| l.0);
            let longest = changes
                .iter()
                .map(|c| c.1.duration)
                .fold(unchanged, i64::max);
            delta += Self::balance(problem, longest) - Self::balance(problem, self.longest[0].0);
        }
        delta
    }

    pub fn is_feasible(&self, problem: &Problem) -> bool {
        (0..self.routes.len()).all(|r| self.route_is_feasible(problem, r))
            && self
                .unrouted
                .iter()
                .all(|&v| problem.nodes[v].prize.is_some())
    }

    pub fn route_is_feasible(&self, problem: &Problem, r: usize) -> bool {
        let w = self.whole(r);
        w.time_warp == 0 && w.load <= problem.vehicles[r].capacity
    }

    /// The true objective of a feasible plan.
    pub fn objective(&self, problem: &Problem) -> i64 {
        self.cost(problem, &Penalty { load: 0, warp: 0 })
    }

    pub fn distance(&self) -> i64 {
        (0..self.routes.len()).map(|r| self.whole(r).distance).sum()
    }

    /// Marks route `r` as changed without changing it, so that a local search given an
    /// earlier move count as `since` looks at its visits again.
    pub fn touch(&mut self, r: usize) {
        self.moves += 1;
        self.changed_at[r] = self.moves;
    }

    /// Inserts `v` at position `p` of route `r`.
    pub fn insert(&mut self, problem: &Problem, v: usize, r: usize, p: usize) {
        self.routes[r].insert(p, v);
        self.unrouted.retain(|&u| u != v);
        self.refresh(problem, r);
    }

    /// Takes `v` out of its route and leaves it out.
    pub fn remove(&mut self, problem: &Problem, v: usize) {
        let r = self.route_of[v];
        self.routes[r].remove(self.position[v]);
        self.route_of[v] = UNROUTED;
        self.unrouted.push(v);
        self.refresh(problem, r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::routing::{Node, Travel, Vehicle};

    /// Four places on a line 0, 10, 20, 30; two vehicles from different depots.
    fn problem(balance_weight: f64) -> Problem {
        let n = 6;
        let x = [0i64, 30, 5, 10, 20, 25];
        let mut distance = vec![0; n * n];
        for i in 0..n {
            for j in 0..n {
                distance[i * n + j] = (x[i] - x[j]).abs();
            }
        }
        let node = |service| Node {
            ready: 0,
            due: 1000,
            service,
            demand: 1,
            prize: Some(500),
        };
        let depot = Node {
            demand: 0,
            prize: None,
            ..node(0)
        };
        Problem {
            nodes: vec![depot, depot, node(1), node(1), node(1), node(1)],
            first_visit: 2,
            vehicles: vec![
                Vehicle {
                    start: 0,
                    end: 0,
                    shift_start: 0,
                    shift_end: 1000,
                    capacity: 3,
                    profile: 0,
                },
                Vehicle {
                    start: 1,
                    end: 1,
                    shift_start: 0,
                    shift_end: 1000,
                    capacity: 3,
                    profile: 0,
                },
            ],
            travel: Travel::Matrix {
                durations: vec![distance.clone()],
                distance,
            },
            balance_weight,
        }
    }

    #[test]
    fn a_delta_is_the_change_of_the_recomputed_cost() {
        for weight in [0.0, 0.5] {
            let problem = problem(weight);
            let penalty = Penalty { load: 7, warp: 3 };
            let state = State::new(&problem, vec![vec![2, 3, 4], vec![5]]);
            assert_eq!(state.unrouted, Vec::<usize>::new());
            // 2-opt*: vehicle 0 keeps visit 2 and takes what vehicle 1 has after visit 5
            // (nothing); vehicle 1 takes 3, 4 and returns to its own depot.
            let head_u = state.prefix(0, 1);
            let new_u = state.head_then_tail(&problem, &head_u, 0, 1, 2);
            let head_v = state.prefix(1, 1);
            let new_v = state.head_then_tail(&problem, &head_v, 1, 0, 2);
            let predicted = state.delta(&problem, &penalty, &[(0, new_u), (1, new_v)]);
            let after = State::new(&problem, vec![vec![2], vec![5, 3, 4]]);
            assert_eq!(
                state.cost(&problem, &penalty) + predicted,
                after.cost(&problem, &penalty),
                "weight {weight}"
            );
            assert_eq!(new_v, after.whole(1));
        }
    }

    /// A tail handed to a vehicle of another speed, with another end and shift, is priced
    /// as that vehicle would drive it stop by stop.
    #[test]
    fn a_tail_is_priced_at_the_speed_of_the_vehicle_it_joins() {
        let mut problem = problem(0.0);
        let Travel::Matrix {
            distance,
            durations,
        } = &mut problem.travel
        else {
            unreachable!()
        };
        durations.push(distance.iter().map(|d| d * 3).collect());
        problem.vehicles[1].profile = 1;
        problem.vehicles[1].shift_start = 7;
        let state = State::new(&problem, vec![vec![2, 3], vec![5, 4]]);
        for (onto, from) in [(0, 1), (1, 0)] {
            let vehicle = problem.vehicles[onto];
            for p in 1..=state.last(from) {
                let head = state.prefix(onto, 1);
                let priced = state.head_then_tail(&problem, &head, onto, from, p);
                let walked = state.routes[from][p..state.last(from)]
                    .iter()
                    .fold(head, |s, &i| {
                        s.then(&problem, vehicle.profile, &Segment::node(&problem, i))
                    })
                    .then(&problem, vehicle.profile, &state.end(&problem, onto));
                assert_eq!(priced, walked, "onto {onto} from {from} at {p}");
            }
        }
    }

    #[test]
    fn left_out_visits_cost_their_prize() {
        let problem = problem(0.0);
        let mut state = State::new(&problem, vec![vec![2, 3], vec![]]);
        assert_eq!(state.unrouted, vec![4, 5]);
        let penalty = Penalty { load: 1, warp: 1 };
        assert_eq!(state.cost(&problem, &penalty), 20 + 1000);
        state.insert(&problem, 4, 0, 3);
        state.remove(&problem, 2);
        assert_eq!(state.routes[0], vec![0, 3, 4, 0]);
        assert_eq!(state.cost(&problem, &penalty), 40 + 1000);
    }
}
