//! The immutable data of one routing problem. Node 0 is the depot (where every vehicle
//! starts and ends); nodes 1..=n are the visits. Times and distances are integers in the
//! problem's own unit (tenths for the Solomon benchmark, seconds and metres for sweep), so
//! that sums are exact and results repeatable.

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// `distance[i * nodes + j]`.
    pub distance: Vec<i64>,
    /// Travel time, same layout.
    pub duration: Vec<i64>,
    /// Per node: earliest and latest start of service; the depot's is the shift.
    pub ready: Vec<i64>,
    pub due: Vec<i64>,
    pub service: Vec<i64>,
    pub demand: Vec<i64>,
    pub vehicle: Vehicle,
}

/// The fleet: `count` identical vehicles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vehicle {
    pub count: usize,
    pub capacity: i64,
}

impl Problem {
    pub fn nodes(&self) -> usize {
        self.ready.len()
    }

    pub fn clients(&self) -> usize {
        self.nodes() - 1
    }

    pub fn dist(&self, i: usize, j: usize) -> i64 {
        self.distance[i * self.nodes() + j]
    }

    pub fn time(&self, i: usize, j: usize) -> i64 {
        self.duration[i * self.nodes() + j]
    }

    /// The `k` visits nearest to each visit, by a distance that also counts how badly
    /// the two time windows fit one after the other (Vidal et al. 2013's correlation);
    /// moves are only tried between such neighbours.
    pub fn neighbours(&self, k: usize) -> Vec<Vec<usize>> {
        let n = self.nodes();
        let mut out = vec![Vec::new(); n];
        for (i, near) in out.iter_mut().enumerate().skip(1) {
            let mut others: Vec<(i64, usize)> = (1..n)
                .filter(|&j| j != i)
                .map(|j| {
                    // Waiting or lateness when j follows i, or i follows j: the better order.
                    let gap = |a: usize, b: usize| {
                        let arrive = self.ready[a] + self.service[a] + self.time(a, b);
                        (self.ready[b] - arrive).max(0) + (arrive - self.due[b]).max(0) * 10
                    };
                    (self.dist(i, j) + gap(i, j).min(gap(j, i)) / 5, j)
                })
                .collect();
            others.sort_unstable();
            *near = others.into_iter().take(k).map(|(_, j)| j).collect();
        }
        out
    }
}
