//! The immutable data of one routing problem: places to visit (with time windows, service
//! times, demand and, for optional visits, a prize), and a fleet of vehicles, each with its
//! own start and end place, working hours, capacity and travel profile (speed). Nodes
//! `0..first_visit` are depots; the rest are visits. Times, distances and costs are
//! integers in the problem's own unit (tenths for the Solomon benchmark, seconds and metres
//! for sweep), so that sums are exact and results repeatable.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub nodes: Vec<Node>,
    /// Nodes before this one are depots (never visited, only started from or returned to).
    pub first_visit: usize,
    pub vehicles: Vec<Vehicle>,
    pub travel: Travel,
    /// Objective weight of the longest route's duration against total travel time: 0 for
    /// the least travel only; 1 counts a second of the longest day like a second of travel.
    pub balance_weight: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Earliest and latest start of service.
    pub ready: i64,
    pub due: i64,
    pub service: i64,
    pub demand: i64,
    /// `None`: the visit must be made. `Some(p)`: leaving it out costs `p` (a visit is worth
    /// more than any travel it needs when `p` is large).
    pub prize: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vehicle {
    pub start: usize,
    pub end: usize,
    /// Leaves `start` no earlier than `shift_start`, reaches `end` no later than `shift_end`.
    pub shift_start: i64,
    pub shift_end: i64,
    pub capacity: i64,
    /// Index of the travel profile (speed) in [`Travel`].
    pub profile: usize,
}

/// Distance and travel time between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Travel {
    /// Given matrices (`[i * n + j]`): one distance, one duration per profile.
    Matrix {
        distance: Vec<i64>,
        durations: Vec<Vec<i64>>,
    },
    /// Great-circle distance × detour, at each profile's speed; computed when asked, so a
    /// district of thousands of stops needs no quadratic matrix.
    Streets(Streets),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Streets {
    /// Per node: the point on the unit sphere (x, y, z).
    points: Vec<[f64; 3]>,
    /// Per node: latitude and longitude in degrees, for finding near points on a grid.
    degrees: Vec<(f64, f64)>,
    detour: f64,
    seconds_per_metre: Vec<f64>,
}

/// The mean Earth radius geo's haversine uses, so that both agree.
const EARTH_RADIUS_METRES: f64 = 6_371_008.8;

impl Streets {
    /// `points` as (latitude, longitude) in degrees; `speeds_kmh` one per profile.
    pub fn new(points: &[(f64, f64)], detour: f64, speeds_kmh: &[f64]) -> Streets {
        Streets {
            points: points
                .iter()
                .map(|&(lat, lon)| {
                    let (lat, lon) = (lat.to_radians(), lon.to_radians());
                    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
                })
                .collect(),
            degrees: points.to_vec(),
            detour,
            seconds_per_metre: speeds_kmh.iter().map(|s| 3.6 / s).collect(),
        }
    }

    /// The haversine distance, computed from the chord between the two points on the unit
    /// sphere (the same angle: 2·asin(chord / 2)) with no trigonometry per call — the
    /// search asks for millions of distances. Below 0.01 rad the angle comes from three
    /// terms of asin's series, exact to double precision there.
    fn metres(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (&self.points[i], &self.points[j]);
        let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        let half_chord = (dx * dx + dy * dy + dz * dz).sqrt() / 2.0;
        let half_angle = if half_chord < 0.005 {
            let h2 = half_chord * half_chord;
            half_chord * (1.0 + h2 * (1.0 / 6.0 + h2 * (3.0 / 40.0)))
        } else {
            half_chord.min(1.0).asin()
        };
        2.0 * EARTH_RADIUS_METRES * half_angle * self.detour
    }
}

impl Streets {
    /// For each of `nodes`, at least `want` of the others nearest to it on the map (more
    /// where a grid cell holds more): a few rings of grid cells around its own, in
    /// O(nodes × want) instead of comparing every pair.
    fn near(&self, nodes: &[usize], want: usize) -> Vec<Vec<usize>> {
        let mean_lat = nodes.iter().map(|&i| self.degrees[i].0).sum::<f64>() / nodes.len() as f64;
        // Degrees of longitude shrink with latitude: scale them to make cells square.
        let squash = mean_lat.to_radians().cos().max(0.01);
        let xy: Vec<(f64, f64)> = nodes
            .iter()
            .map(|&i| (self.degrees[i].1 * squash, self.degrees[i].0))
            .collect();
        let (min_x, max_x) = xy
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (min_y, max_y) = xy
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        // About want / 4 points a cell, so that the 3 × 3 cells around a point hold ~2 × want.
        let cells = (4 * nodes.len() / want.max(1)).max(1) as f64;
        let side = (((max_x - min_x) * (max_y - min_y)) / cells)
            .sqrt()
            .max(1e-9);
        let columns = (((max_x - min_x) / side) as usize + 1).min(4096);
        let rows = (((max_y - min_y) / side) as usize + 1).min(4096);
        let cell_of = |(x, y): (f64, f64)| {
            (
                (((x - min_x) / side) as usize).min(columns - 1),
                (((y - min_y) / side) as usize).min(rows - 1),
            )
        };
        let mut grid = vec![Vec::new(); columns * rows];
        for (k, &p) in xy.iter().enumerate() {
            let (c, r) = cell_of(p);
            grid[r * columns + c].push(k);
        }
        xy.iter()
            .enumerate()
            .map(|(k, &p)| {
                let (c, r) = cell_of(p);
                let mut found: Vec<usize> = Vec::new();
                for ring in 1.. {
                    found.clear();
                    let (c0, c1) = (c.saturating_sub(ring), (c + ring).min(columns - 1));
                    let (r0, r1) = (r.saturating_sub(ring), (r + ring).min(rows - 1));
                    for row in r0..=r1 {
                        for col in c0..=c1 {
                            found.extend(grid[row * columns + col].iter().filter(|&&o| o != k));
                        }
                    }
                    let everything = c0 == 0 && r0 == 0 && c1 == columns - 1 && r1 == rows - 1;
                    if found.len() >= want || everything {
                        break;
                    }
                }
                found.iter().map(|&o| nodes[o]).collect()
            })
            .collect()
    }
}

impl Problem {
    /// For each of `nodes`, the `want` others nearest by the matrix's distance from it
    /// (its row, read in order).
    fn nearest_in_rows(&self, nodes: &[usize], want: usize) -> Vec<Vec<usize>> {
        let mut row: Vec<(i64, usize)> = Vec::with_capacity(nodes.len());
        nodes
            .iter()
            .map(|&i| {
                row.clear();
                row.extend(
                    nodes
                        .iter()
                        .filter(|&&j| j != i)
                        .map(|&j| (self.arc(0, i, j).0, j)),
                );
                let want = want.min(row.len());
                if want > 0 && want < row.len() {
                    row.select_nth_unstable(want - 1);
                }
                row[..want].iter().map(|&(_, j)| j).collect()
            })
            .collect()
    }

    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }

    pub fn visits(&self) -> Range<usize> {
        self.first_visit..self.nodes.len()
    }

    pub fn visit_count(&self) -> usize {
        self.nodes.len() - self.first_visit
    }

    /// Distance and travel time from `i` to `j` for a vehicle of `profile`.
    #[inline]
    pub fn arc(&self, profile: usize, i: usize, j: usize) -> (i64, i64) {
        match &self.travel {
            Travel::Matrix {
                distance,
                durations,
            } => {
                let at = i * self.nodes.len() + j;
                (distance[at], durations[profile][at])
            }
            Travel::Streets(streets) => {
                // Both are positive: adding ½ and truncating rounds, without libm's round.
                let metres = streets.metres(i, j);
                (
                    (metres + 0.5) as i64,
                    (metres * streets.seconds_per_metre[profile] + 0.5) as i64,
                )
            }
        }
    }

    /// The `k` visits nearest to each visit, by a distance that also counts how badly
    /// the two time windows fit one after the other (Vidal et al. 2013's correlation);
    /// moves are only tried between such neighbours. Empty for depots.
    pub fn neighbours(&self, k: usize) -> Vec<Vec<usize>> {
        let visits: Vec<usize> = self.visits().collect();
        // A district has thousands of visits: only those near on the map (or, given a
        // matrix, nearest in its row) are ranked.
        let near = match &self.travel {
            Travel::Streets(streets) if visits.len() > 1000 => Some(streets.near(&visits, 4 * k)),
            Travel::Matrix { .. } if visits.len() > 1000 => {
                Some(self.nearest_in_rows(&visits, 4 * k))
            }
            _ => None,
        };
        let mut out = vec![Vec::new(); self.nodes()];
        // One buffer for every visit: a fresh one of a district's size per visit cost more
        // in page faults than the ranking itself.
        let mut others: Vec<(i64, usize)> = Vec::new();
        for (at, &i) in visits.iter().enumerate() {
            let pool: &[usize] = near.as_ref().map_or(&visits, |n| &n[at]);
            others.clear();
            others.extend(pool.iter().copied().filter(|&j| j != i).map(|j| {
                // Waiting or lateness when j follows i, or i follows j: the better order.
                let gap = |a: usize, b: usize| {
                    let (na, nb) = (&self.nodes[a], &self.nodes[b]);
                    let arrive = na.ready + na.service + self.arc(0, a, b).1;
                    (nb.ready - arrive).max(0) + (arrive - nb.due).max(0) * 10
                };
                (self.arc(0, i, j).0 + gap(i, j).min(gap(j, i)) / 5, j)
            }));
            let k = k.min(others.len());
            if k > 0 && k < others.len() {
                others.select_nth_unstable(k - 1);
            }
            let nearest = &mut others[..k];
            nearest.sort_unstable();
            out[i] = nearest.iter().map(|&(_, j)| j).collect();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many visits with the same window: the neighbours found on the grid are the nearest.
    #[test]
    fn grid_neighbours_are_the_nearest_ones() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let places: Vec<(f64, f64)> = (0..3000)
            .map(|_| {
                (
                    31.2 + rng.random::<f64>() * 0.1,
                    121.4 + rng.random::<f64>() * 0.1,
                )
            })
            .collect();
        let node = Node {
            ready: 0,
            due: 86_400,
            service: 0,
            demand: 1,
            prize: None,
        };
        let problem = Problem {
            nodes: vec![node; places.len()],
            first_visit: 0,
            vehicles: Vec::new(),
            travel: Travel::Streets(Streets::new(&places, 1.3, &[5.0])),
            balance_weight: 0.0,
        };
        let on_grid = problem.neighbours(10);
        // Compared by distance (two neighbours may be equally far): the ten smallest over
        // every other visit.
        for (i, found) in on_grid.iter().enumerate() {
            let metres = |j: &usize| problem.arc(0, i, *j).0;
            let mut exact: Vec<i64> = (0..places.len())
                .filter(|&j| j != i)
                .map(|j| metres(&j))
                .collect();
            exact.sort_unstable();
            exact.truncate(10);
            let found: Vec<i64> = found.iter().map(metres).collect();
            assert_eq!(found, exact, "visit {i}");
        }
    }
    use crate::domain::Coordinates;
    use crate::plan::travel;

    #[test]
    fn street_distances_agree_with_geo_and_times_follow_the_speed() {
        let places = [
            (31.2300, 121.4700),
            (31.2410, 121.4555),
            (31.1999, 121.5002),
        ];
        let streets = Streets::new(&places, 1.3, &[5.0, 20.0]);
        let problem = Problem {
            nodes: vec![
                Node {
                    ready: 0,
                    due: 0,
                    service: 0,
                    demand: 0,
                    prize: None
                };
                places.len()
            ],
            first_visit: 1,
            vehicles: Vec::new(),
            travel: Travel::Streets(streets),
            balance_weight: 0.0,
        };
        for (i, a) in places.iter().enumerate() {
            for (j, b) in places.iter().enumerate() {
                let a = Coordinates::new(a.0, a.1).unwrap();
                let b = Coordinates::new(b.0, b.1).unwrap();
                let (metres, walking) = problem.arc(0, i, j);
                let expected = travel::street_metres(a, b, 1.3);
                assert!(
                    (metres as f64 - expected).abs() <= 0.5 + expected * 1e-9,
                    "{metres} vs {expected}"
                );
                let minutes = travel::travel_minutes(a, b, 1.3, 5.0);
                assert!((walking as f64 - minutes * 60.0).abs() <= 0.5 + minutes * 1e-7);
                let (_, driving) = problem.arc(1, i, j);
                assert!((driving as f64 - minutes * 60.0 / 4.0).abs() <= 0.5 + minutes * 1e-7);
            }
        }
    }
}
