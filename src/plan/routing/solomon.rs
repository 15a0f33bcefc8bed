//! The Solomon VRPTW benchmark: reading an instance, the DIMACS 2021 convention (every
//! arc's distance and travel time truncated to one decimal; objective = total distance;
//! at most the instance's number of vehicles), and an independent feasibility check.

use super::{Node, Problem, Travel, Vehicle};

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: usize,
    pub x: f64,
    pub y: f64,
    pub demand: i64,
    pub ready: i64,
    pub due: i64,
    pub service: i64,
}

/// An instance as written: node 0 is the depot.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub name: String,
    pub vehicles: usize,
    pub capacity: i64,
    pub nodes: Vec<Customer>,
}

/// Reads the standard text format (name; VEHICLE section with NUMBER and CAPACITY;
/// CUSTOMER section with one row per node). Errors name the line.
pub fn parse(text: &str) -> Result<Instance, String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let name = lines
        .iter()
        .find(|l| !l.is_empty())
        .ok_or("the file is empty")?
        .to_string();
    let numbers = |line: &str| -> Option<Vec<f64>> {
        let values: Option<Vec<f64>> = line.split_whitespace().map(|v| v.parse().ok()).collect();
        values.filter(|v| !v.is_empty())
    };
    let vehicle_at = lines
        .iter()
        .position(|l| l.starts_with("NUMBER"))
        .ok_or("no VEHICLE section (NUMBER CAPACITY)")?;
    let fleet = lines[vehicle_at + 1..]
        .iter()
        .find_map(|l| numbers(l))
        .filter(|v| v.len() == 2)
        .ok_or("the VEHICLE section has no NUMBER and CAPACITY line")?;
    let customer_at = lines
        .iter()
        .position(|l| l.starts_with("CUSTOMER"))
        .ok_or("no CUSTOMER section")?;
    let mut nodes = Vec::new();
    for (offset, line) in lines[customer_at + 1..].iter().enumerate() {
        // Blank lines, and the column titles before the first row, are not data.
        let is_title = nodes.is_empty() && line.chars().any(|c| c.is_ascii_alphabetic());
        if line.is_empty() || is_title && !line.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let v = numbers(line)
            .filter(|v| v.len() == 7)
            .ok_or_else(|| format!("line {}: expected 7 numbers", customer_at + offset + 2))?;
        if v[0] as usize != nodes.len() {
            return Err(format!(
                "line {}: customers must be numbered 0, 1, 2, …",
                customer_at + offset + 2
            ));
        }
        nodes.push(Customer {
            id: v[0] as usize,
            x: v[1],
            y: v[2],
            demand: v[3] as i64,
            ready: v[4] as i64,
            due: v[5] as i64,
            service: v[6] as i64,
        });
    }
    if nodes.len() < 2 {
        return Err("the instance needs a depot and at least one customer".into());
    }
    Ok(Instance {
        name,
        vehicles: fleet[0] as usize,
        capacity: fleet[1] as i64,
        nodes,
    })
}

/// Distance in tenths, truncated as DIMACS 2021 prescribes: ⌊10·d⌋.
pub fn dimacs_tenths(a: &Customer, b: &Customer) -> i64 {
    (10.0 * ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()).floor() as i64
}

impl Instance {
    /// The routing problem in tenths (times and distances ×10, distances truncated); travel
    /// time equals distance, so the least travel time is the least distance.
    pub fn to_problem(&self) -> Problem {
        let n = self.nodes.len();
        let mut distance = vec![0; n * n];
        for (i, a) in self.nodes.iter().enumerate() {
            for (j, b) in self.nodes.iter().enumerate() {
                distance[i * n + j] = dimacs_tenths(a, b);
            }
        }
        let depot = &self.nodes[0];
        let vehicle = Vehicle {
            start: 0,
            end: 0,
            shift_start: depot.ready * 10,
            shift_end: depot.due * 10,
            capacity: self.capacity,
            profile: 0,
        };
        Problem {
            nodes: self
                .nodes
                .iter()
                .map(|c| Node {
                    ready: c.ready * 10,
                    due: c.due * 10,
                    service: c.service * 10,
                    demand: c.demand,
                    prize: None,
                })
                .collect(),
            first_visit: 1,
            vehicles: vec![vehicle; self.vehicles],
            travel: Travel::Matrix {
                durations: vec![distance.clone()],
                distance,
            },
            balance_weight: 0.0,
        }
    }

    /// Checks `routes` (customer ids, depot left out) from the instance's own numbers,
    /// independently of [`Problem`] and the solver; returns the total distance in tenths.
    pub fn check(&self, routes: &[Vec<usize>]) -> Result<i64, String> {
        if routes.len() > self.vehicles {
            return Err(format!(
                "{} routes, but only {} vehicles",
                routes.len(),
                self.vehicles
            ));
        }
        let mut seen = vec![false; self.nodes.len()];
        let depot = &self.nodes[0];
        let mut total = 0;
        for (r, route) in routes.iter().enumerate() {
            if route.is_empty() {
                return Err(format!("route {} is empty", r + 1));
            }
            let (mut time, mut load, mut at) = (depot.ready * 10, 0, depot);
            for &id in route {
                let customer = self
                    .nodes
                    .get(id)
                    .filter(|_| id != 0)
                    .ok_or(format!("route {}: no customer {id}", r + 1))?;
                if std::mem::replace(&mut seen[id], true) {
                    return Err(format!("customer {id} is visited twice"));
                }
                let leg = dimacs_tenths(at, customer);
                total += leg;
                time = (time + leg).max(customer.ready * 10);
                if time > customer.due * 10 {
                    return Err(format!(
                        "route {}: customer {id} is reached at {:.1}, after {}",
                        r + 1,
                        time as f64 / 10.0,
                        customer.due
                    ));
                }
                time += customer.service * 10;
                load += customer.demand;
                at = customer;
            }
            let leg = dimacs_tenths(at, depot);
            total += leg;
            if time + leg > depot.due * 10 {
                return Err(format!(
                    "route {} returns to the depot after {}",
                    r + 1,
                    depot.due
                ));
            }
            if load > self.capacity {
                return Err(format!(
                    "route {} carries {load}, over the capacity {}",
                    r + 1,
                    self.capacity
                ));
            }
        }
        if let Some(missed) = (1..self.nodes.len()).find(|&i| !seen[i]) {
            return Err(format!("customer {missed} is not visited"));
        }
        Ok(total)
    }
}

/// A file of the Solomon instances and best-known solutions kept beside the project in
/// `../shared/vrptw`. The tests that need one fail without it, saying so, rather than pass
/// having checked nothing.
#[cfg(test)]
pub(crate) fn shared_file(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vrptw")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the solver's tests need the Solomon instances in ../shared/vrptw (beside the project folder)",
            full.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The best-known DIMACS solution of C101 passes the check with its published cost.
    #[test]
    fn the_best_known_c101_solution_checks_out() {
        let text = shared_file("solomon/C101.txt");
        let solution = shared_file("solomon_bks/dimacs/C101.sol");
        let instance = parse(&text).unwrap();
        assert_eq!(
            (instance.vehicles, instance.capacity, instance.nodes.len()),
            (25, 200, 101)
        );
        let routes: Vec<Vec<usize>> = solution
            .lines()
            .filter_map(|l| l.split_once(':').filter(|(h, _)| h.starts_with("Route")))
            .map(|(_, ids)| ids.split_whitespace().map(|v| v.parse().unwrap()).collect())
            .collect();
        assert_eq!(instance.check(&routes), Ok(8273));
        let mut broken = routes.clone();
        broken[0].swap(0, 5);
        assert!(instance.check(&broken).is_err());
        broken = routes.clone();
        broken[1].pop();
        assert!(instance.check(&broken).unwrap_err().contains("not visited"));
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        assert!(parse("").is_err());
        assert!(parse("X\nVEHICLE\nNUMBER CAPACITY\n 2 10\nCUSTOMER\nCUST NO.\n 0 0 0 0 0 100 0\n 1 1 x 1 0 100 0\n").unwrap_err().contains("line 8"));
    }
}
