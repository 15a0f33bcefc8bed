//! The population of the genetic search (Vidal's hybrid genetic search, as PyVRP keeps
//! it): feasible and infeasible plans in two groups; each plan ranked by a biased fitness
//! that weighs its cost against how different it is from its nearest plans (broken-pairs
//! distance), so that good plans survive without the group collapsing onto one; parents
//! picked by binary tournament on that fitness.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::state::{State, UNROUTED};
use super::Problem;

/// How big the population grows and what it keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    /// Plans kept in each group after a survivor selection.
    pub min: usize,
    /// Plans added to a group before its survivors are selected.
    pub generation: usize,
    /// Plans whose rank by cost alone already guarantees survival (the fitness leans on
    /// cost by this much).
    pub elite: usize,
    /// How many nearest plans a plan's diversity is measured against.
    pub close: usize,
    /// Problems with more visits than this are searched by a single trajectory, where each
    /// child's local search may cost more than a population can pay. (An earlier session
    /// measured the population behind the trajectory on the million-resident district's
    /// 10,145 visits; that run was lost with its session and has not been repeated, so the
    /// limit is a choice, not a measurement.)
    pub up_to_visits: usize,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            min: 25,
            generation: 40,
            elite: 4,
            close: 5,
            up_to_visits: 4000,
        }
    }
}

/// One plan, with what ranking it needs.
pub struct Individual {
    pub state: State,
    /// Its penalised cost when last priced.
    pub cost: i64,
    /// The steering's penalty epoch it was improved under.
    pub epoch: u64,
    /// Per node, the visit before and after it (`UNROUTED` for a depot or for no route).
    neighbours: Vec<(usize, usize)>,
}

impl Individual {
    pub fn new(problem: &Problem, state: State, cost: i64) -> Individual {
        let mut neighbours = vec![(UNROUTED, UNROUTED); problem.nodes()];
        let depot = |i: usize| {
            if i < problem.first_visit {
                UNROUTED
            } else {
                i
            }
        };
        for route in &state.routes {
            for w in route.windows(3) {
                neighbours[w[1]] = (depot(w[0]), depot(w[2]));
            }
        }
        Individual {
            state,
            cost,
            epoch: 0,
            neighbours,
        }
    }
}

/// The share of visits, from 0 to 1, whose predecessor or successor differ between `a`
/// and `b` (each counted half; a depot is a depot, whichever).
pub fn broken_pairs(problem: &Problem, a: &Individual, b: &Individual) -> f64 {
    let visits = problem.visit_count();
    if visits == 0 {
        return 0.0;
    }
    let broken: usize = problem
        .visits()
        .map(|v| {
            let (x, y) = (a.neighbours[v], b.neighbours[v]);
            usize::from(x.0 != y.0) + usize::from(x.1 != y.1)
        })
        .sum();
    broken as f64 / (2 * visits) as f64
}

/// Plans of one kind (feasible, or not), with their distances to one another.
#[derive(Default)]
struct Group {
    members: Vec<Individual>,
    /// `distance[i][j]`: broken pairs between members `i` and `j`.
    distance: Vec<Vec<f64>>,
    /// Biased fitness per member (lower is better); `None` when stale.
    fitness: Option<Vec<f64>>,
}

impl Group {
    fn add(&mut self, problem: &Problem, individual: Individual) {
        let row: Vec<f64> = self
            .members
            .iter()
            .map(|m| broken_pairs(problem, m, &individual))
            .collect();
        for (d, &x) in self.distance.iter_mut().zip(&row) {
            d.push(x);
        }
        let mut own = row;
        own.push(0.0);
        self.distance.push(own);
        self.members.push(individual);
        self.fitness = None;
    }

    fn remove(&mut self, i: usize) -> Individual {
        self.distance.remove(i);
        for d in &mut self.distance {
            d.remove(i);
        }
        self.fitness = None;
        self.members.remove(i)
    }

    /// Mean distance to the `close` nearest other members.
    fn diversity(&self, i: usize, close: usize) -> f64 {
        let mut others: Vec<f64> = (0..self.members.len())
            .filter(|&j| j != i)
            .map(|j| self.distance[i][j])
            .collect();
        if others.is_empty() {
            return 0.0;
        }
        others.sort_unstable_by(f64::total_cmp);
        let near = &others[..close.min(others.len())];
        near.iter().sum::<f64>() / near.len() as f64
    }

    /// Vidal's biased fitness: the rank by cost plus, weighted by how many are not elite,
    /// the rank by diversity (the most different first), both scaled to 0..1.
    fn fitness(&mut self, sizes: &Sizes) -> &[f64] {
        if self.fitness.is_none() {
            let n = self.members.len();
            let mut fitness = vec![0.0; n];
            if n > 1 {
                let diversity: Vec<f64> = (0..n).map(|i| self.diversity(i, sizes.close)).collect();
                let mut by_cost: Vec<usize> = (0..n).collect();
                by_cost.sort_by_key(|&i| self.members[i].cost);
                let mut by_diversity: Vec<usize> = (0..n).collect();
                by_diversity.sort_by(|&i, &j| diversity[j].total_cmp(&diversity[i]));
                let scale = (n - 1) as f64;
                let weight = 1.0 - sizes.elite.min(n) as f64 / n as f64;
                for (rank, &i) in by_cost.iter().enumerate() {
                    fitness[i] += rank as f64 / scale;
                }
                for (rank, &i) in by_diversity.iter().enumerate() {
                    fitness[i] += weight * rank as f64 / scale;
                }
            }
            self.fitness = Some(fitness);
        }
        self.fitness.as_deref().expect("just computed")
    }

    /// Removes members until `min` are left: first copies of another member, then the
    /// worst by fitness.
    fn select_survivors(&mut self, sizes: &Sizes) {
        while self.members.len() > sizes.min {
            let n = self.members.len();
            let copy = (0..n).find(|&i| (0..i).any(|j| self.distance[i][j] == 0.0));
            let worst = copy.unwrap_or_else(|| {
                let fitness = self.fitness(sizes);
                (0..n)
                    .max_by(|&i, &j| fitness[i].total_cmp(&fitness[j]))
                    .expect("the group is not empty")
            });
            self.remove(worst);
        }
    }
}

/// Feasible and infeasible plans, kept apart so that each group's ranking compares like
/// with like.
pub struct Population {
    sizes: Sizes,
    feasible: Group,
    infeasible: Group,
}

impl Population {
    pub fn new(sizes: Sizes) -> Population {
        Population {
            sizes,
            feasible: Group::default(),
            infeasible: Group::default(),
        }
    }

    pub fn size(&self) -> usize {
        self.feasible.members.len() + self.infeasible.members.len()
    }

    pub fn add(&mut self, problem: &Problem, individual: Individual) {
        let group = if individual.state.is_feasible(problem) {
            &mut self.feasible
        } else {
            &mut self.infeasible
        };
        group.add(problem, individual);
        if group.members.len() >= self.sizes.min + self.sizes.generation {
            group.select_survivors(&self.sizes);
        }
    }

    /// Prices the infeasible plans again after the penalty changed (a feasible plan's cost
    /// does not depend on it).
    pub fn reprice(&mut self, price: impl Fn(&State) -> i64) {
        for m in &mut self.infeasible.members {
            m.cost = price(&m.state);
        }
        self.infeasible.fitness = None;
    }

    /// Empties the population.
    pub fn clear(&mut self) {
        self.feasible = Group::default();
        self.infeasible = Group::default();
    }

    /// The fitter of two members drawn at random from both groups (binary tournament).
    pub fn parent(&mut self, rng: &mut ChaCha8Rng) -> &Individual {
        let n = self.size();
        assert!(n > 0, "a parent from an empty population");
        let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
        let pick = if self.fitness_of(a) <= self.fitness_of(b) {
            a
        } else {
            b
        };
        self.member(pick)
    }

    fn fitness_of(&mut self, i: usize) -> f64 {
        let sizes = self.sizes;
        let f = self.feasible.members.len();
        if i < f {
            self.feasible.fitness(&sizes)[i]
        } else {
            self.infeasible.fitness(&sizes)[i - f]
        }
    }

    fn member(&self, i: usize) -> &Individual {
        let f = self.feasible.members.len();
        if i < f {
            &self.feasible.members[i]
        } else {
            &self.infeasible.members[i - f]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::routing::{Node, Travel, Vehicle};
    use rand::SeedableRng;

    /// Six visits on a line, two vehicles from one depot, capacity three.
    fn problem() -> Problem {
        let n = 7;
        let mut distance = vec![0; n * n];
        for i in 0..n {
            for j in 0..n {
                distance[i * n + j] = (i as i64 - j as i64).abs() * 10;
            }
        }
        let visit = Node {
            ready: 0,
            due: 10_000,
            service: 0,
            demand: 1,
            prize: None,
        };
        let vehicle = Vehicle {
            start: 0,
            end: 0,
            shift_start: 0,
            shift_end: 10_000,
            capacity: 3,
            profile: 0,
        };
        Problem {
            nodes: vec![
                Node { demand: 0, ..visit },
                visit,
                visit,
                visit,
                visit,
                visit,
                visit,
            ],
            first_visit: 1,
            vehicles: vec![vehicle, vehicle],
            travel: Travel::Matrix {
                durations: vec![distance.clone()],
                distance,
            },
            balance_weight: 0.0,
        }
    }

    fn individual(problem: &Problem, routes: Vec<Vec<usize>>, cost: i64) -> Individual {
        Individual::new(problem, State::new(problem, routes), cost)
    }

    #[test]
    fn broken_pairs_count_changed_neighbours() {
        let problem = problem();
        let a = individual(&problem, vec![vec![1, 2, 3], vec![4, 5, 6]], 0);
        let same_other_vehicles = individual(&problem, vec![vec![4, 5, 6], vec![1, 2, 3]], 0);
        assert_eq!(broken_pairs(&problem, &a, &same_other_vehicles), 0.0);
        // 3 and 4 swap routes: 2's successor, 3's both, 4's both, 5's predecessor change.
        let b = individual(&problem, vec![vec![1, 2, 4], vec![3, 5, 6]], 0);
        assert_eq!(broken_pairs(&problem, &a, &b), 6.0 / 12.0);
        let reversed = individual(&problem, vec![vec![3, 2, 1], vec![4, 5, 6]], 0);
        // 1, 2, 3 each have both neighbours swapped; 2's pair is the same two but
        // predecessor and successor are swapped, so both count.
        assert_eq!(broken_pairs(&problem, &a, &reversed), 6.0 / 12.0);
    }

    #[test]
    fn survivors_are_the_cheap_and_the_different_and_copies_go_first() {
        let problem = problem();
        let sizes = Sizes {
            min: 2,
            generation: 2,
            elite: 1,
            close: 1,
            up_to_visits: 100,
        };
        let mut population = Population::new(sizes);
        let cheapest = vec![vec![1, 2, 3], vec![4, 5, 6]];
        population.add(&problem, individual(&problem, cheapest.clone(), 60));
        population.add(&problem, individual(&problem, cheapest.clone(), 60));
        population.add(
            &problem,
            individual(&problem, vec![vec![1, 2, 4], vec![3, 5, 6]], 80),
        );
        assert_eq!(population.size(), 3);
        // The fourth fills the group: the copy goes, then the worst of the other three
        // by fitness, which is the dearest of the two that resemble each other.
        population.add(
            &problem,
            individual(&problem, vec![vec![6, 1, 5], vec![2, 4, 3]], 70),
        );
        assert_eq!(population.size(), 2);
        let costs: Vec<i64> = population.feasible.members.iter().map(|m| m.cost).collect();
        assert!(costs.contains(&60), "{costs:?}");
        assert!(costs.contains(&70), "the different one stays: {costs:?}");
    }

    #[test]
    fn tournaments_favour_the_fitter() {
        let problem = problem();
        let mut population = Population::new(Sizes::default());
        population.add(
            &problem,
            individual(&problem, vec![vec![1, 2, 3], vec![4, 5, 6]], 60),
        );
        population.add(
            &problem,
            individual(&problem, vec![vec![6, 1, 5], vec![2, 4, 3]], 90),
        );
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let cheap = (0..400)
            .filter(|_| population.parent(&mut rng).cost == 60)
            .count();
        // Drawn at random, the cheap one wins three tournaments in four.
        assert!((250..350).contains(&cheap), "{cheap}");
    }
}
