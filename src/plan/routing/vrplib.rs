//! A routing problem as a VRPLIB file, the text format PyVRP and other solvers read, and
//! back: so that any peer can be run on sweep's own problems, and sweep on the same file.
//!
//! What is written, all integers in the problem's own units (sweep: seconds):
//! - one depot per vehicle (`DEPOT_SECTION`, `VEHICLES_DEPOT_SECTION`), whose time window
//!   is the vehicle's shift; the vehicle starts and ends there;
//! - `CAPACITY_SECTION` (per vehicle), `DEMAND_SECTION`, `SERVICE_TIME_SECTION`,
//!   `TIME_WINDOW_SECTION`, and `PRIZE_SECTION` where visits are optional (a zero prize
//!   is a visit that must be made, as PyVRP reads it);
//! - `EDGE_WEIGHT_SECTION`: the full matrix of travel times of the first profile — the
//!   objective the planner minimises. Where vehicles travel at several speeds, each other
//!   profile's matrix follows as `EDGE_WEIGHT_PROFILE_<k>_SECTION` (rows led by their
//!   index, as vrplib reads any section) and `VEHICLES_PROFILE_SECTION` says each
//!   vehicle's; a reader that knows only the standard sections gets the first profile for
//!   every vehicle.
//!
//! Not expressible, so refused: a vehicle that ends somewhere other than where it starts
//! (a re-plan during the day), and an optional visit without a prize. The balance term on
//! the longest day is not part of the format: a problem read back has none.

use std::io::{self, Write};

use super::{Node, Problem, Travel, Vehicle};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("vehicle {0} ends elsewhere than it starts (a re-plan during the day): VRPLIB gives a vehicle one depot; export before the first outcome")]
    EndsElsewhere(usize),
    #[error("visit {0} may be left out at no cost: VRPLIB reads a zero prize as a visit that must be made")]
    FreeToLeaveOut(usize),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The node of the problem at each place of the file: the vehicles' depots, then visits.
fn file_nodes(problem: &Problem) -> Vec<usize> {
    problem
        .vehicles
        .iter()
        .map(|v| v.start)
        .chain(problem.visits())
        .collect()
}

/// Writes `problem` as VRPLIB. `name` and `comment` go on their own lines.
pub fn write(
    problem: &Problem,
    name: &str,
    comment: &str,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let nodes = file_nodes(problem);
    for (k, v) in problem.vehicles.iter().enumerate() {
        let same = |j: usize| {
            problem.arc(v.profile, v.start, j) == problem.arc(v.profile, v.end, j)
                && problem.arc(v.profile, j, v.start) == problem.arc(v.profile, j, v.end)
        };
        if v.start != v.end && !nodes.iter().all(|&j| same(j)) {
            return Err(WriteError::EndsElsewhere(k));
        }
    }
    if let Some(v) = problem
        .visits()
        .find(|&v| problem.nodes[v].prize == Some(0))
    {
        return Err(WriteError::FreeToLeaveOut(v));
    }
    let profiles = problem
        .vehicles
        .iter()
        .map(|v| v.profile + 1)
        .max()
        .unwrap_or(1);
    let depots = problem.vehicles.len();
    // Keeps a header value on its line: vrplib starts a section at any "_SECTION" and
    // stops at any "EOF".
    let one_line = |s: &str| {
        s.replace(['\n', '\r'], " ")
            .replace("_SECTION", "_section")
            .replace("EOF", "eof")
    };
    writeln!(out, "NAME: {}", one_line(name))?;
    writeln!(out, "COMMENT: {}", one_line(comment))?;
    writeln!(out, "TYPE: VRPTW")?;
    writeln!(out, "DIMENSION: {}", nodes.len())?;
    writeln!(out, "VEHICLES: {depots}")?;
    writeln!(out, "EDGE_WEIGHT_TYPE: EXPLICIT")?;
    writeln!(out, "EDGE_WEIGHT_FORMAT: FULL_MATRIX")?;
    let mut numbers = itoa::Buffer::new();
    let mut row =
        |out: &mut dyn Write, lead: Option<usize>, values: &mut dyn Iterator<Item = i64>| {
            let mut line = Vec::new();
            if let Some(i) = lead {
                line.extend_from_slice(numbers.format(i).as_bytes());
            }
            for value in values {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(numbers.format(value).as_bytes());
            }
            line.push(b'\n');
            out.write_all(&line)
        };
    writeln!(out, "CAPACITY_SECTION")?;
    for (k, v) in problem.vehicles.iter().enumerate() {
        row(out, Some(k + 1), &mut std::iter::once(v.capacity))?;
    }
    writeln!(out, "VEHICLES_DEPOT_SECTION")?;
    for k in 0..depots {
        row(out, Some(k + 1), &mut std::iter::once(k as i64 + 1))?;
    }
    if profiles > 1 {
        writeln!(out, "VEHICLES_PROFILE_SECTION")?;
        for (k, v) in problem.vehicles.iter().enumerate() {
            row(out, Some(k + 1), &mut std::iter::once(v.profile as i64 + 1))?;
        }
    }
    for profile in 0..profiles {
        if profile == 0 {
            writeln!(out, "EDGE_WEIGHT_SECTION")?;
        } else {
            writeln!(out, "EDGE_WEIGHT_PROFILE_{}_SECTION", profile + 1)?;
        }
        for (a, &i) in nodes.iter().enumerate() {
            let lead = (profile > 0).then_some(a + 1);
            row(
                out,
                lead,
                &mut nodes.iter().map(|&j| problem.arc(profile, i, j).1),
            )?;
        }
    }
    let visit = |a: usize| (a >= depots).then(|| problem.nodes[nodes[a]]);
    writeln!(out, "DEMAND_SECTION")?;
    for a in 0..nodes.len() {
        let demand = visit(a).map_or(0, |n| n.demand);
        row(out, Some(a + 1), &mut std::iter::once(demand))?;
    }
    writeln!(out, "SERVICE_TIME_SECTION")?;
    for a in 0..nodes.len() {
        let service = visit(a).map_or(0, |n| n.service);
        row(out, Some(a + 1), &mut std::iter::once(service))?;
    }
    writeln!(out, "TIME_WINDOW_SECTION")?;
    for a in 0..nodes.len() {
        let (ready, due) = match visit(a) {
            Some(n) => (n.ready, n.due),
            None => {
                let v = &problem.vehicles[a];
                (v.shift_start, v.shift_end)
            }
        };
        row(out, Some(a + 1), &mut [ready, due].into_iter())?;
    }
    if problem.visits().any(|v| problem.nodes[v].prize.is_some()) {
        writeln!(out, "PRIZE_SECTION")?;
        for a in 0..nodes.len() {
            let prize = visit(a).and_then(|n| n.prize).unwrap_or(0);
            row(out, Some(a + 1), &mut std::iter::once(prize))?;
        }
    }
    writeln!(out, "DEPOT_SECTION")?;
    for k in 0..depots {
        writeln!(out, "{}", k + 1)?;
    }
    writeln!(out, "-1")?;
    writeln!(out, "EOF")?;
    Ok(())
}

/// A file that cannot be read, with the line (counting from 1) where that shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ReadError {
    pub line: usize,
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> ReadError {
    ReadError {
        line,
        message: message.into(),
    }
}

/// A data section: its name without `_SECTION`, the line it starts on, and its rows.
struct Section<'a> {
    name: String,
    line: usize,
    /// (line number, text): split only when read — a district's matrix has a hundred
    /// million numbers.
    rows: Vec<(usize, &'a str)>,
}

impl Section<'_> {
    /// The section's integers, `columns` a row after the index that leads each row, one
    /// row per place `1..=count` in order.
    fn indexed(&self, count: usize, columns: usize) -> Result<Vec<Vec<i64>>, ReadError> {
        if self.rows.len() != count {
            return Err(error(
                self.line,
                format!(
                    "{}_SECTION has {} rows, {count} expected",
                    self.name,
                    self.rows.len()
                ),
            ));
        }
        self.rows
            .iter()
            .enumerate()
            .map(|(k, (line, text))| {
                let fields: Vec<&str> = text.split_whitespace().collect();
                if fields.len() != columns + 1 {
                    return Err(error(
                        *line,
                        format!(
                            "{}_SECTION: {} values after the index, {columns} expected",
                            self.name,
                            fields.len().saturating_sub(1)
                        ),
                    ));
                }
                if integer(*line, &self.name, fields[0])? != k as i64 + 1 {
                    return Err(error(
                        *line,
                        format!("{}_SECTION: row {} out of order", self.name, fields[0]),
                    ));
                }
                fields[1..]
                    .iter()
                    .map(|f| integer(*line, &self.name, f))
                    .collect()
            })
            .collect()
    }

    /// One integer per place, after the index.
    fn column(&self, count: usize) -> Result<Vec<i64>, ReadError> {
        Ok(self.indexed(count, 1)?.into_iter().map(|r| r[0]).collect())
    }

    /// A full matrix of `n` × `n` integers, its rows led by their index or not.
    fn matrix(&self, n: usize, led: bool) -> Result<Vec<i64>, ReadError> {
        let mut values = Vec::with_capacity(n * n);
        for (k, (line, text)) in self.rows.iter().enumerate() {
            let mut fields = text.split_whitespace();
            if led {
                let first = fields.next().unwrap_or("");
                if integer(*line, &self.name, first)? != k as i64 + 1 {
                    return Err(error(
                        *line,
                        format!("{}_SECTION: row {first} out of order", self.name),
                    ));
                }
            }
            for f in fields {
                values.push(integer(*line, &self.name, f)?);
            }
        }
        if values.len() != n * n {
            return Err(error(
                self.line,
                format!(
                    "{}_SECTION holds {} values, {n} × {n} expected",
                    self.name,
                    values.len()
                ),
            ));
        }
        Ok(values)
    }
}

fn integer(line: usize, section: &str, field: &str) -> Result<i64, ReadError> {
    field.parse().map_err(|_| {
        error(
            line,
            format!("{section}: {field:?} is not a whole number (sweep reads integers only)"),
        )
    })
}

/// Reads a VRPLIB file of the kind [`write`] writes, or a plainer one: a single depot,
/// one capacity for all, no prizes. Edge weights must be an explicit full matrix; they are
/// both the distance and the travel time, as PyVRP reads them. Sections sweep does not
/// understand are refused rather than ignored, so that a problem is never silently
/// changed.
pub fn read(text: &str) -> Result<Problem, ReadError> {
    let mut specs: Vec<(usize, String, &str)> = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    for (k, raw) in text.lines().enumerate() {
        let line = k + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed == "EOF" {
            break;
        }
        let first = trimmed.split_whitespace().next().unwrap_or("");
        if let Some(name) = first.trim_end_matches(':').strip_suffix("_SECTION") {
            sections.push(Section {
                name: name.to_string(),
                line,
                rows: Vec::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.rows.push((line, trimmed));
        } else if let Some((key, value)) = trimmed.split_once(':') {
            specs.push((line, key.trim().to_uppercase(), value.trim()));
        } else {
            return Err(error(line, "neither KEY: VALUE nor a _SECTION"));
        }
    }
    let spec = |key: &str| specs.iter().find(|s| s.1 == key);
    let spec_integer = |key: &str| -> Result<Option<i64>, ReadError> {
        spec(key)
            .map(|(line, _, value)| integer(*line, key, value))
            .transpose()
    };
    for (line, key, value) in &specs {
        match key.as_str() {
            "NAME" | "COMMENT" | "TYPE" | "DIMENSION" | "VEHICLES" | "CAPACITY"
            | "SERVICE_TIME" | "NODE_COORD_TYPE" | "DISPLAY_DATA_TYPE" => {}
            "EDGE_WEIGHT_TYPE" if *value == "EXPLICIT" => {}
            "EDGE_WEIGHT_FORMAT" if *value == "FULL_MATRIX" => {}
            "EDGE_WEIGHT_TYPE" | "EDGE_WEIGHT_FORMAT" => {
                return Err(error(
                    *line,
                    format!(
                        "{key} {value} is not read: sweep reads EXPLICIT FULL_MATRIX edge weights"
                    ),
                ))
            }
            _ => return Err(error(*line, format!("{key} is not understood by sweep"))),
        }
    }
    let section = |name: &str| sections.iter().find(|s| s.name == name);
    for s in &sections {
        let known = matches!(
            s.name.as_str(),
            "EDGE_WEIGHT"
                | "CAPACITY"
                | "VEHICLES_DEPOT"
                | "VEHICLES_PROFILE"
                | "DEMAND"
                | "SERVICE_TIME"
                | "TIME_WINDOW"
                | "PRIZE"
                | "DEPOT"
                | "NODE_COORD"
        ) || profile_number(&s.name).is_some();
        if !known {
            return Err(error(
                s.line,
                format!("{}_SECTION is not understood by sweep", s.name),
            ));
        }
    }

    let n = spec_integer("DIMENSION")?
        .filter(|&n| n >= 1)
        .ok_or_else(|| error(1, "DIMENSION (a positive number of places) is missing"))?
        as usize;
    let depots: Vec<i64> = match section("DEPOT") {
        Some(s) => s
            .rows
            .iter()
            .flat_map(|(line, text)| text.split_whitespace().map(move |f| (*line, f)))
            .map(|(line, f)| integer(line, "DEPOT", f))
            .take_while(|d| !matches!(d, Ok(-1)))
            .collect::<Result<_, _>>()?,
        None => vec![1],
    };
    // As PyVRP: depots are the first places, numbered from 1.
    if depots.is_empty() || depots.iter().enumerate().any(|(k, &d)| d != k as i64 + 1) {
        let line = section("DEPOT").map_or(1, |s| s.line);
        return Err(error(
            line,
            "DEPOT_SECTION must list the first places, 1, 2, … in order",
        ));
    }
    let first_visit = depots.len();
    if first_visit > n {
        return Err(error(1, "more depots than DIMENSION places"));
    }
    let vehicles = spec_integer("VEHICLES")?.map_or(Ok(n - first_visit), |v| {
        usize::try_from(v).map_err(|_| error(1, "VEHICLES must not be negative"))
    })?;
    let capacities = match (section("CAPACITY"), spec_integer("CAPACITY")?) {
        (Some(s), _) => s.column(vehicles)?,
        (None, Some(c)) => vec![c; vehicles],
        (None, None) => vec![i64::MAX; vehicles],
    };
    let vehicle_depots = match section("VEHICLES_DEPOT") {
        Some(s) => s.column(vehicles)?,
        None => vec![1; vehicles],
    };
    let profile_of = match section("VEHICLES_PROFILE") {
        Some(s) => s.column(vehicles)?,
        None => vec![1; vehicles],
    };
    let edge = section("EDGE_WEIGHT").ok_or_else(|| error(1, "EDGE_WEIGHT_SECTION is missing"))?;
    let mut durations = vec![edge.matrix(n, false)?];
    let profiles = profile_of.iter().copied().max().unwrap_or(1);
    for k in 2..=profiles {
        let name = format!("EDGE_WEIGHT_PROFILE_{k}");
        let s = section(&name).ok_or_else(|| {
            error(
                section("VEHICLES_PROFILE").map_or(1, |s| s.line),
                format!("a vehicle travels by profile {k}, but {name}_SECTION is missing"),
            )
        })?;
        durations.push(s.matrix(n, true)?);
    }
    let demands = match section("DEMAND") {
        Some(s) => s.column(n)?,
        None => vec![0; n],
    };
    let service = match (section("SERVICE_TIME"), spec_integer("SERVICE_TIME")?) {
        (Some(s), _) => s.column(n)?,
        (None, Some(t)) => (0..n)
            .map(|i| if i < first_visit { 0 } else { t })
            .collect(),
        (None, None) => vec![0; n],
    };
    let windows = match section("TIME_WINDOW") {
        Some(s) => s.indexed(n, 2)?,
        None => vec![vec![0, i64::MAX / 4]; n],
    };
    if let Some(i) = windows.iter().position(|w| w[0] > w[1]) {
        let line = section("TIME_WINDOW").map_or(1, |s| s.rows[i].0);
        return Err(error(
            line,
            format!("place {}: the window closes before it opens", i + 1),
        ));
    }
    let prizes = match section("PRIZE") {
        Some(s) => s.column(n)?,
        None => vec![0; n],
    };
    let mut out_vehicles = Vec::with_capacity(vehicles);
    for k in 0..vehicles {
        let depot = vehicle_depots[k];
        if !(1..=first_visit as i64).contains(&depot) {
            let line = section("VEHICLES_DEPOT").map_or(1, |s| s.rows[k].0);
            return Err(error(
                line,
                format!("vehicle {}: {depot} is not a depot", k + 1),
            ));
        }
        if !(1..=profiles).contains(&profile_of[k]) {
            let line = section("VEHICLES_PROFILE").map_or(1, |s| s.rows[k].0);
            return Err(error(
                line,
                format!("vehicle {}: no profile {}", k + 1, profile_of[k]),
            ));
        }
        let at = depot as usize - 1;
        out_vehicles.push(Vehicle {
            start: at,
            end: at,
            shift_start: windows[at][0],
            shift_end: windows[at][1],
            capacity: capacities[k],
            profile: profile_of[k] as usize - 1,
        });
    }
    let nodes = (0..n)
        .map(|i| Node {
            ready: windows[i][0],
            due: windows[i][1],
            service: service[i],
            demand: demands[i],
            prize: (i >= first_visit && prizes[i] != 0).then_some(prizes[i]),
        })
        .collect();
    Ok(Problem {
        nodes,
        first_visit,
        vehicles: out_vehicles,
        travel: Travel::Matrix {
            distance: durations[0].clone(),
            durations,
        },
        balance_weight: 0.0,
    })
}

/// `k` of a section named `EDGE_WEIGHT_PROFILE_<k>`.
fn profile_number(name: &str) -> Option<usize> {
    name.strip_prefix("EDGE_WEIGHT_PROFILE_")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::routing::Streets;

    /// Two vehicles at different speeds from their own depots, visits with windows, one
    /// of them required.
    fn problem() -> Problem {
        let places = [
            (31.230, 121.470),
            (31.230, 121.470),
            (31.240, 121.455),
            (31.240, 121.455),
            (31.232, 121.480),
            (31.225, 121.465),
            (31.238, 121.471),
        ];
        let depot = Node {
            ready: 28_800,
            due: 61_200,
            service: 0,
            demand: 0,
            prize: None,
        };
        let visit = |ready, due, prize| Node {
            ready,
            due,
            service: 600,
            demand: 1,
            prize,
        };
        Problem {
            nodes: vec![
                depot,
                depot,
                depot,
                depot,
                visit(30_000, 40_000, Some(1_000_000)),
                visit(0, 86_400, None),
                visit(36_000, 50_000, Some(2_000_000)),
            ],
            first_visit: 4,
            vehicles: vec![
                Vehicle {
                    start: 0,
                    end: 1,
                    shift_start: 28_800,
                    shift_end: 61_200,
                    capacity: 30,
                    profile: 0,
                },
                Vehicle {
                    start: 2,
                    end: 3,
                    shift_start: 30_600,
                    shift_end: 63_000,
                    capacity: 2,
                    profile: 1,
                },
            ],
            travel: Travel::Streets(Streets::new(&places, 1.3, &[4.5, 12.0])),
            balance_weight: 0.0,
        }
    }

    fn written(problem: &Problem) -> String {
        let mut out = Vec::new();
        write(problem, "demo", "seconds", &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Read back, the problem drives the same: every arc of every vehicle, windows,
    /// service, demand, prizes, shifts and capacities.
    #[test]
    fn a_written_problem_reads_back_the_same() {
        let original = problem();
        let text = written(&original);
        let read = read(&text).unwrap();
        assert_eq!(read.first_visit, 2);
        assert_eq!(read.visit_count(), original.visit_count());
        let file = file_nodes(&original);
        for (k, (a, b)) in original.vehicles.iter().zip(&read.vehicles).enumerate() {
            assert_eq!((b.start, b.end), (k, k));
            assert_eq!(
                (a.shift_start, a.shift_end, a.capacity, a.profile),
                (b.shift_start, b.shift_end, b.capacity, b.profile)
            );
            for (x, &i) in file.iter().enumerate() {
                for (y, &j) in file.iter().enumerate() {
                    // A route ends at the vehicle's end; in the file that is its depot.
                    let j_end = if j == a.start { a.end } else { j };
                    assert_eq!(
                        read.arc(b.profile, x, y).1,
                        original.arc(a.profile, i, j_end).1
                    );
                }
            }
        }
        for (x, &i) in file.iter().enumerate().skip(2) {
            assert_eq!(read.nodes[x], original.nodes[i]);
        }
    }

    /// The standard sections are those vrplib reads: a header, then sections; PyVRP's
    /// own names and conventions (depots first, a zero prize for a required visit).
    #[test]
    fn the_file_keeps_to_the_vrplib_layout() {
        let text = written(&problem());
        let lines: Vec<&str> = text.lines().collect();
        let first_section = lines.iter().position(|l| l.ends_with("_SECTION")).unwrap();
        assert!(lines[..first_section].iter().all(|l| l.contains(": ")));
        assert!(lines[first_section..].iter().all(|l| !l.contains(':')));
        for section in [
            "EDGE_WEIGHT_SECTION",
            "EDGE_WEIGHT_PROFILE_2_SECTION",
            "VEHICLES_PROFILE_SECTION",
            "CAPACITY_SECTION",
            "VEHICLES_DEPOT_SECTION",
            "DEMAND_SECTION",
            "SERVICE_TIME_SECTION",
            "TIME_WINDOW_SECTION",
            "PRIZE_SECTION",
            "DEPOT_SECTION",
        ] {
            assert!(lines.contains(&section), "{section}");
        }
        assert!(text.contains("DIMENSION: 5\n"));
        assert!(text.contains("PRIZE_SECTION\n1 0\n2 0\n3 1000000\n4 0\n5 2000000\n"));
        assert!(text.contains("TIME_WINDOW_SECTION\n1 28800 61200\n2 30600 63000\n"));
        assert!(text.ends_with("DEPOT_SECTION\n1\n2\n-1\nEOF\n"));
    }

    #[test]
    fn what_vrplib_cannot_say_is_refused() {
        let mut moved = problem();
        moved.vehicles[1].end = 4;
        assert!(matches!(
            write(&moved, "x", "", &mut Vec::new()),
            Err(WriteError::EndsElsewhere(1))
        ));
        let mut free = problem();
        free.nodes[6].prize = Some(0);
        assert!(matches!(
            write(&free, "x", "", &mut Vec::new()),
            Err(WriteError::FreeToLeaveOut(6))
        ));
    }

    /// A plain file as other tools write it: one depot, one capacity, no prizes.
    #[test]
    fn a_plain_file_reads_with_its_defaults() {
        let text = "NAME: tiny\nTYPE: CVRP\nDIMENSION: 3\nVEHICLES: 2\nCAPACITY: 5\n\
            EDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n\
            EDGE_WEIGHT_SECTION\n0 4 7\n4 0 2\n7 2 0\nDEMAND_SECTION\n1 0\n2 3\n3 4\n\
            DEPOT_SECTION\n1\n-1\nEOF\n";
        let problem = read(text).unwrap();
        assert_eq!(problem.first_visit, 1);
        assert_eq!(problem.vehicles.len(), 2);
        assert_eq!(problem.vehicles[1].capacity, 5);
        assert_eq!(problem.arc(0, 1, 2), (2, 2));
        assert_eq!(problem.nodes[2].demand, 4);
        assert_eq!(problem.nodes[2].prize, None);
    }

    /// Each bad file is named by its line and what is wrong there.
    #[test]
    fn bad_files_are_named_by_line() {
        let good = "DIMENSION: 2\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n\
            EDGE_WEIGHT_SECTION\n0 4\n4 0\nEOF\n";
        assert!(read(good).is_ok());
        let cases = [
            (good.replace("EXPLICIT", "EUC_2D"), 2, "EUC_2D is not read"),
            (
                good.replace("4 0", "4 0.5"),
                6,
                "\"0.5\" is not a whole number",
            ),
            (
                good.replace("4 0\n", ""),
                4,
                "holds 2 values, 2 × 2 expected",
            ),
            (
                good.replace("EOF", "VEHICLES_MAX_DURATION_SECTION\n1 5"),
                7,
                "not understood",
            ),
            (format!("SHIFT: 3\n{good}"), 1, "SHIFT is not understood"),
            (
                good.replace("EOF", "TIME_WINDOW_SECTION\n1 0 100\n2 50 10"),
                9,
                "window closes before it opens",
            ),
            (
                good.replace("EOF", "VEHICLES_PROFILE_SECTION\n1 2"),
                7,
                "EDGE_WEIGHT_PROFILE_2_SECTION is missing",
            ),
        ];
        for (text, line, words) in cases {
            let e = read(&text).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(words), "{e}");
        }
    }
}
