//! The transportation bound: the least walking any plan can have. Each building's walkers
//! go to sites, each site takes at most its day's capacity, walkers may be split between
//! sites at will (a plan may not split a building, which is why it is a bound), and the cost
//! is street metres times walkers. Solved exactly as a min-cost flow, by successive shortest
//! paths: buildings are added one at a time and each one's walkers routed along the
//! cheapest augmenting paths (Dijkstra on reduced costs, stopping at the sink), which keeps
//! the flow optimal for the buildings added so far.
//!
//! Walkers the sites cannot take go to a last site with no limit whose every walk costs more
//! than any change of plan could save, so that the flow places as many as can be placed, and
//! the cheapest of them.
//!
//! Each building is first offered only its nearest sites. The answer is then proved for all
//! sites by the potentials the search ends with — the optimality certificate of a min-cost
//! flow: no building–site pair left out may have a negative reduced cost — and where the
//! proof fails, or walkers were left over with room elsewhere, those buildings are offered
//! every site and the flow solved again.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The optimal flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Transport {
    /// Street metres walked, summed over every walker placed.
    pub metres: f64,
    /// Walkers placed: all of them, or as many as the sites' capacity takes.
    pub placed: u64,
    /// `(building, site, walkers)` with walkers > 0.
    pub flows: Vec<(usize, usize, u32)>,
    /// Buildings whose walkers the optimum sends to more than one site.
    pub split_buildings: usize,
}

/// Sites each building is offered at first.
const NEAREST: usize = 24;

/// Costs are whole millimetres, so that sums are exact.
fn millimetres(metres: f64) -> i64 {
    (metres * 1000.0).round() as i64
}

/// The bound for `walkers[b]` walkers in each building, `capacity[s]` places at each site,
/// and `metres(b, s)` from building to site.
pub fn bound(walkers: &[u32], capacity: &[u64], metres: impl Fn(usize, usize) -> f64) -> Transport {
    bound_offering(NEAREST, walkers, capacity, metres)
}

/// The same, each building offered its `nearest` sites at first.
fn bound_offering(
    nearest: usize,
    walkers: &[u32],
    capacity: &[u64],
    metres: impl Fn(usize, usize) -> f64,
) -> Transport {
    let sites = capacity.len();
    let mut cost: Vec<Vec<i64>> = (0..walkers.len())
        .map(|b| (0..sites).map(|s| millimetres(metres(b, s))).collect())
        .collect();
    // The last site, for walkers nowhere has room for: a walk there costs more than the
    // longest chain of moves (one walk in and out at each node) could save.
    let longest = cost.iter().flatten().copied().max().unwrap_or(0).max(1);
    let nowhere = longest * (2 * (walkers.len() + sites) as i64 + 3);
    for row in &mut cost {
        row.push(nowhere);
    }
    let mut capacity = capacity.to_vec();
    capacity.push(u64::MAX);
    let mut offered: Vec<Vec<usize>> = cost
        .iter()
        .map(|row| {
            let mut order: Vec<usize> = (0..sites).collect();
            order.sort_by_key(|&s| (row[s], s));
            order.truncate(nearest);
            order.push(sites);
            order
        })
        .collect();
    loop {
        let mut flow = Flow::new(walkers, &capacity, &cost, &offered);
        flow.solve();
        let mut widened = false;
        for (b, row) in cost.iter().enumerate() {
            if offered[b].len() == sites + 1 {
                continue;
            }
            let left_over = flow.sent_to_last(b) > 0 && flow.room_left(sites) > 0;
            let beaten = (0..sites)
                .any(|s| row[s] + flow.potential[b] - flow.potential[flow.site_node(s)] < 0);
            if left_over || beaten {
                offered[b] = (0..=sites).collect();
                widened = true;
            }
        }
        if !widened {
            return flow.result(&cost, sites);
        }
    }
}

const INFINITE: i64 = i64::MAX / 4;

/// A residual graph: buildings `0..B`, sites `B..B+S`, the sink `B+S`. Edge `e` and `e ^ 1`
/// are each other's reverse.
struct Flow {
    buildings: usize,
    sites: usize,
    head: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    /// Adjacency: edges leaving each node.
    out: Vec<Vec<usize>>,
    potential: Vec<i64>,
    supply_left: Vec<i64>,
    /// The edge building→site of each offered pair, to read the flow back.
    pairs: Vec<(usize, usize, usize)>,
    /// Each site's edge to the sink.
    to_sink: Vec<usize>,
    /// Each building's edge to the last site.
    to_last: Vec<usize>,
}

impl Flow {
    fn new(walkers: &[u32], capacity: &[u64], cost: &[Vec<i64>], offered: &[Vec<usize>]) -> Self {
        let (buildings, sites) = (walkers.len(), capacity.len());
        let nodes = buildings + sites + 1;
        let mut flow = Flow {
            buildings,
            sites,
            head: Vec::new(),
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            out: vec![Vec::new(); nodes],
            potential: vec![0; nodes],
            supply_left: walkers.iter().map(|&w| i64::from(w)).collect(),
            pairs: Vec::new(),
            to_sink: Vec::new(),
            to_last: vec![usize::MAX; buildings],
        };
        for (b, sites_offered) in offered.iter().enumerate() {
            for &s in sites_offered {
                let e = flow.edge(b, buildings + s, INFINITE, cost[b][s]);
                flow.pairs.push((b, s, e));
                if s + 1 == sites {
                    flow.to_last[b] = e;
                }
            }
        }
        for (s, &places) in capacity.iter().enumerate() {
            let places = i64::try_from(places).unwrap_or(INFINITE).min(INFINITE);
            let e = flow.edge(buildings + s, flow.sink(), places, 0);
            flow.to_sink.push(e);
        }
        flow
    }

    fn sink(&self) -> usize {
        self.buildings + self.sites
    }

    fn site_node(&self, s: usize) -> usize {
        self.buildings + s
    }

    fn edge(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        let e = self.to.len();
        for (a, b, c, k) in [(from, to, cap, cost), (to, from, 0, -cost)] {
            self.head.push(a);
            self.to.push(b);
            self.cap.push(c);
            self.cost.push(k);
            self.out[a].push(self.to.len() - 1);
        }
        e
    }

    /// Places left at the real sites (all but the last, `nowhere`).
    fn room_left(&self, nowhere: usize) -> i64 {
        self.to_sink[..nowhere].iter().map(|&e| self.cap[e]).sum()
    }

    /// Walkers of building `b` sent to the last site (every building is offered it).
    fn sent_to_last(&self, b: usize) -> i64 {
        self.cap[self.to_last[b] ^ 1]
    }

    fn reduced(&self, e: usize) -> i64 {
        self.cost[e] + self.potential[self.head[e]] - self.potential[self.to[e]]
    }

    /// Adds the buildings one at a time, routing each one's walkers.
    fn solve(&mut self) {
        let nodes = self.sink() + 1;
        let mut distance = vec![INFINITE; nodes];
        let mut came_by = vec![usize::MAX; nodes];
        let mut touched: Vec<usize> = Vec::new();
        for b in 0..self.buildings {
            // No residual edge enters a building not yet added: its potential may be set
            // so that every edge leaving it has a non-negative reduced cost.
            self.potential[b] = self.out[b]
                .iter()
                .map(|&e| self.potential[self.to[e]] - self.cost[e])
                .max()
                .unwrap_or(0);
            while self.supply_left[b] > 0 {
                for &v in &touched {
                    distance[v] = INFINITE;
                    came_by[v] = usize::MAX;
                }
                touched.clear();
                let Some(reach) = self.shortest(b, &mut distance, &mut came_by, &mut touched)
                else {
                    break; // no room reachable: the rest of this building stays unplaced
                };
                // Potentials move by the distances, capped at the sink's, so that every
                // residual edge keeps a non-negative reduced cost.
                for (potential, d) in self.potential.iter_mut().zip(distance.iter()) {
                    *potential += (*d).min(reach);
                }
                let mut push = self.supply_left[b];
                let mut v = self.sink();
                while v != b {
                    let e = came_by[v];
                    push = push.min(self.cap[e]);
                    v = self.head[e];
                }
                let mut v = self.sink();
                while v != b {
                    let e = came_by[v];
                    self.cap[e] -= push;
                    self.cap[e ^ 1] += push;
                    v = self.head[e];
                }
                self.supply_left[b] -= push;
            }
        }
    }

    /// Dijkstra on reduced costs from `from`, stopping once the sink is settled; the
    /// sink's distance, or `None` when it cannot be reached.
    fn shortest(
        &self,
        from: usize,
        distance: &mut [i64],
        came_by: &mut [usize],
        touched: &mut Vec<usize>,
    ) -> Option<i64> {
        let mut heap = BinaryHeap::new();
        distance[from] = 0;
        touched.push(from);
        heap.push(Reverse((0, from)));
        while let Some(Reverse((d, v))) = heap.pop() {
            if d > distance[v] {
                continue;
            }
            if v == self.sink() {
                return Some(d);
            }
            for &e in &self.out[v] {
                if self.cap[e] <= 0 {
                    continue;
                }
                let w = self.to[e];
                let next = d + self.reduced(e);
                if next < distance[w] {
                    if distance[w] == INFINITE {
                        touched.push(w);
                    }
                    distance[w] = next;
                    came_by[w] = e;
                    heap.push(Reverse((next, w)));
                }
            }
        }
        None
    }

    fn result(&self, cost: &[Vec<i64>], nowhere: usize) -> Transport {
        let mut flows = Vec::new();
        let mut millimetres: i128 = 0;
        for &(b, s, e) in &self.pairs {
            let walkers = self.cap[e ^ 1];
            if walkers > 0 && s != nowhere {
                millimetres += i128::from(walkers) * i128::from(cost[b][s]);
                flows.push((b, s, walkers as u32));
            }
        }
        let mut sites_of = vec![0usize; self.buildings];
        for &(b, _, _) in &flows {
            sites_of[b] += 1;
        }
        Transport {
            metres: millimetres as f64 / 1000.0,
            placed: flows.iter().map(|&(_, _, w)| u64::from(w)).sum(),
            split_buildings: sites_of.iter().filter(|&&n| n > 1).count(),
            flows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every assignment of walkers to sites, walker by walker: the true optimum of a tiny
    /// instance.
    fn brute_force(walkers: &[u32], capacity: &[u64], cost: &[Vec<f64>]) -> (u64, f64) {
        let mut people: Vec<usize> = Vec::new();
        for (b, &w) in walkers.iter().enumerate() {
            people.extend(std::iter::repeat_n(b, w as usize));
        }
        let mut best = (0u64, 0.0f64);
        let mut left = capacity.to_vec();
        fn go(
            i: usize,
            people: &[usize],
            left: &mut [u64],
            cost: &[Vec<f64>],
            placed: u64,
            metres: f64,
            best: &mut (u64, f64),
        ) {
            if i == people.len() {
                if placed > best.0 || (placed == best.0 && metres < best.1) {
                    *best = (placed, metres);
                }
                return;
            }
            go(i + 1, people, left, cost, placed, metres, best);
            for s in 0..left.len() {
                if left[s] > 0 {
                    left[s] -= 1;
                    go(
                        i + 1,
                        people,
                        left,
                        cost,
                        placed + 1,
                        metres + cost[people[i]][s],
                        best,
                    );
                    left[s] += 1;
                }
            }
        }
        go(0, &people, &mut left, cost, 0, 0.0, &mut best);
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn matches_brute_force_on_tiny_instances(
            walkers in prop::collection::vec(0u32..3, 1..4),
            capacity in prop::collection::vec(0u64..4, 1..4),
            seed in 0u64..1000,
        ) {
            let cost: Vec<Vec<f64>> = (0..walkers.len())
                .map(|b| (0..capacity.len())
                    .map(|s| ((seed + 7 * b as u64 + 13 * s as u64) % 17) as f64 * 10.0)
                    .collect())
                .collect();
            let got = bound(&walkers, &capacity, |b, s| cost[b][s]);
            let (placed, metres) = brute_force(&walkers, &capacity, &cost);
            prop_assert_eq!(got.placed, placed);
            prop_assert!((got.metres - metres).abs() < 1e-6, "{} vs {}", got.metres, metres);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(60))]
        /// Offered only its nearest few sites at first, each building still gets the
        /// optimum over all of them: the certificate finds where the nearest few do not do.
        #[test]
        fn the_nearest_sites_give_the_optimum_over_all(
            buildings in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0, 1u32..60), 1..40),
            sites in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0, 0u64..80), 1..40),
            nearest in 1usize..4,
        ) {
            let walkers: Vec<u32> = buildings.iter().map(|b| b.2).collect();
            let capacity: Vec<u64> = sites.iter().map(|s| s.2).collect();
            let metres = |b: usize, s: usize| {
                1000.0 * ((buildings[b].0 - sites[s].0).hypot(buildings[b].1 - sites[s].1))
            };
            let few = bound_offering(nearest, &walkers, &capacity, metres);
            let all = bound_offering(usize::MAX, &walkers, &capacity, metres);
            prop_assert_eq!(few.placed, all.placed);
            prop_assert!((few.metres - all.metres).abs() < 1e-3, "{} vs {}", few.metres, all.metres);
        }
    }

    #[test]
    fn the_nearest_sites_suffice_only_when_the_certificate_says_so() {
        // 60 sites on a line, every building at 0: the nearest 24 are full, so the
        // optimum must reach beyond them.
        let walkers = vec![10u32; 30];
        let mut capacity = vec![1u64; 60];
        capacity[59] = 1_000;
        let got = bound(&walkers, &capacity, |_, s| s as f64);
        assert_eq!(got.placed, 300);
        let expected: f64 = (0..59).map(|s| s as f64).sum::<f64>() + 241.0 * 59.0;
        assert!((got.metres - expected).abs() < 1e-6, "{}", got.metres);
    }

    #[test]
    fn a_building_is_split_only_where_capacity_forces_it() {
        // Two buildings of 5 between two sites of 6 places: one must split.
        let got = bound(&[5, 5], &[6, 6], |b, s| if b == s { 1.0 } else { 3.0 });
        assert_eq!(got.placed, 10);
        assert_eq!(got.metres, 10.0);
        assert_eq!(got.split_buildings, 0);
        let got = bound(&[7, 3], &[6, 6], |b, s| if b == s { 1.0 } else { 3.0 });
        assert_eq!(got.metres, 6.0 + 3.0 + 3.0);
        assert_eq!(got.split_buildings, 1);
    }
}
