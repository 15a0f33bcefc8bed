//! A lab's batch of results, as its instrument software exports them:
//! `tube,result[,ct_value][,tested_at]`. Every row is checked — its values, then against
//! the district's tubes (unknown, still open, another result recorded) — and every problem
//! reported by line, as for the roster; then all results are recorded in one transaction,
//! or none. A result already recorded the same is left as it is, so the same file sent
//! again changes nothing.

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::csv_file::{value, CsvFile, Layout, Problems, RowError};
use super::ImportError;
use crate::domain::{District, LabResult, Problem, TubeStatus};
use crate::store::tubes::{self, Measured, TubeRow};
use crate::store::{access, DbConnection};

pub static RESULTS: Layout = Layout {
    file: "results.csv",
    required: &["tube", "result"],
    optional: &["ct_value", "tested_at"],
};

/// Longest tube code taken (the sites' scanners print short codes).
const TUBE_CODE_MOST: usize = 64;

/// One row of a results file.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// The line as a spreadsheet numbers it (the header is line 1).
    pub line: u64,
    pub tube: String,
    pub result: LabResult,
    /// The cycle threshold, where the instrument gives one.
    pub ct_value: Option<f64>,
    /// When the tube was tested, UTC.
    pub tested_at: Option<NaiveDateTime>,
}

/// Reads every row; the rows when all are good, otherwise every problem (the first `most`
/// in full). A tube may appear once: a second row for it is a problem even with the same
/// result, since one of the two was meant for another tube.
pub fn read(
    input: impl Read,
    timezone: Tz,
    now: DateTime<Utc>,
    most: usize,
) -> Result<Vec<ResultRow>, Problems> {
    let mut problems = Problems::new(most);
    let Some(mut file) = CsvFile::open(&RESULTS, input, &mut problems) else {
        return Err(problems);
    };
    let mut rows: Vec<ResultRow> = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    while let Some(row) = file.next_row() {
        let mut row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let line = row.line;
        let tube = row.required("tube", |t| {
            if t.chars().count() > TUBE_CODE_MOST {
                Err(Problem::new("too_long").with("most", TUBE_CODE_MOST))
            } else if t.chars().any(char::is_control) {
                Err(Problem::new("control_character"))
            } else {
                Ok(t.to_string())
            }
        });
        let result = row.required("result", |t| {
            LabResult::parse(t).ok_or_else(|| Problem::new("not_lab_result").with("text", t))
        });
        let ct_value = row.optional("ct_value", value::number(0.0, 50.0));
        let tested_at = row.optional("tested_at", |t| date_time(t, timezone, now));
        if let Some(tube) = &tube {
            if let Some(first) = first_line.get(tube) {
                row.fail(
                    "tube",
                    Problem::new("duplicate_code")
                        .with("code", tube)
                        .with("first", first),
                );
            } else {
                first_line.insert(tube.clone(), line);
            }
        }
        if row.has_errors() {
            problems.extend(row.into_errors());
            continue;
        }
        if let (Some(tube), Some(result), Some(ct_value), Some(tested_at)) =
            (tube, result, ct_value, tested_at)
        {
            rows.push(ResultRow {
                line,
                tube,
                result,
                ct_value,
                tested_at,
            });
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// Results recorded now.
    pub recorded: u64,
    pub negative: u64,
    pub positive: u64,
    pub invalid: u64,
    /// Rows whose tube had this result already.
    pub unchanged: u64,
    /// Residents now to be sampled again (in the positive and invalid tubes recorded now).
    pub recalled: i64,
}

/// Checks every row against the district's tubes: the rows that would record a result, or
/// every problem. Reads only.
pub fn check<'a>(
    conn: &mut DbConnection,
    district: &District,
    rows: &'a [ResultRow],
    most: usize,
) -> Result<Vec<(&'a ResultRow, TubeRow)>, ImportError> {
    let codes: Vec<&str> = rows.iter().map(|r| r.tube.as_str()).collect();
    let mut found = tubes::tubes_by_code(conn, district.id, &codes)?;
    let mut problems = Problems::new(most);
    let mut to_record = Vec::new();
    for row in rows {
        match found.remove(&row.tube) {
            None => problems.push(row_problem(
                row,
                "tube",
                Problem::new("unknown_tube").with("tube", &row.tube),
            )),
            Some(tube) => match tube_problem(row, tube.status) {
                Some(problem) => problems.push(problem),
                None if tube.status == TubeStatus::Closed => to_record.push((row, tube)),
                None => {}
            },
        }
    }
    if problems.is_empty() {
        Ok(to_record)
    } else {
        Err(ImportError::Invalid(problems))
    }
}

/// Checks the rows and records their results, all or none: call inside a transaction (a
/// refusal returns before anything is written; a tube whose result came from elsewhere
/// meanwhile refuses the batch, and the transaction's rollback takes back what was written).
pub fn record(
    conn: &mut DbConnection,
    district: &District,
    by: &str,
    rows: &[ResultRow],
    most: usize,
) -> Result<Recorded, ImportError> {
    let to_record = check(conn, district, rows, most)?;
    let now = Utc::now().naive_utc();
    let mut done = Recorded {
        unchanged: (rows.len() - to_record.len()) as u64,
        ..Recorded::default()
    };
    for (row, tube) in to_record {
        let measured = Measured {
            ct_value: row.ct_value,
            tested_at: row.tested_at,
        };
        // Only a closed tube takes a result, checked by the update itself.
        if !tubes::set_result(conn, tube.id, row.result.status(), measured, now)? {
            let status = tubes::tube(conn, district.id, &row.tube)?.map(|t| t.status);
            match status.and_then(|s| tube_problem(row, s)) {
                Some(problem) => {
                    let mut problems = Problems::new(most);
                    problems.push(problem);
                    return Err(ImportError::Invalid(problems));
                }
                None => {
                    done.unchanged += 1;
                    continue;
                }
            }
        }
        done.recorded += 1;
        match row.result {
            LabResult::Negative => done.negative += 1,
            LabResult::Positive => done.positive += 1,
            LabResult::Invalid => done.invalid += 1,
        }
        if row.result != LabResult::Negative {
            // A closed tube's swabs are final.
            done.recalled += i64::from(tube.swabs);
        }
    }
    if done.recorded > 0 {
        access::audit(
            conn,
            Some(district.id),
            by,
            "import results",
            &format!(
                "{} results: {} negative, {} positive, {} invalid",
                done.recorded, done.negative, done.positive, done.invalid
            ),
            now,
        )?;
    }
    Ok(done)
}

/// What is wrong with giving a tube in `status` the row's result, if anything.
fn tube_problem(row: &ResultRow, status: TubeStatus) -> Option<RowError> {
    match status {
        TubeStatus::Closed => None,
        TubeStatus::Open => Some(row_problem(
            row,
            "tube",
            Problem::new("tube_still_open").with("tube", &row.tube),
        )),
        recorded if recorded == row.result.status() => None,
        recorded => Some(row_problem(
            row,
            "result",
            Problem::new("result_differs")
                .with("tube", &row.tube)
                .with("recorded", recorded.as_str()),
        )),
    }
}

fn row_problem(row: &ResultRow, column: &str, problem: Problem) -> RowError {
    RowError {
        file: RESULTS.file,
        line: row.line,
        column: Some(column.to_string()),
        problem,
    }
}

/// `YYYY-MM-DD HH:MM[:SS]` on the district's clock (a `T` may stand for the space), or RFC
/// 3339 with its own offset; not later than a minute from now.
fn date_time(text: &str, timezone: Tz, now: DateTime<Utc>) -> Result<NaiveDateTime, Problem> {
    let bad = || Problem::new("not_date_time").with("text", text);
    let utc = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => {
            let local = [
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            .ok_or_else(bad)?;
            local
                .and_local_timezone(timezone)
                .earliest()
                .ok_or_else(bad)?
                .with_timezone(&Utc)
        }
    };
    if utc > now + chrono::Duration::minutes(1) {
        return Err(Problem::new("in_the_future").with("value", text));
    }
    Ok(utc.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-07T12:00:00Z".parse().unwrap()
    }

    fn read_text(text: &str) -> Result<Vec<ResultRow>, Problems> {
        read(text.as_bytes(), chrono_tz::Asia::Shanghai, now(), 100)
    }

    #[test]
    fn rows_are_read_with_their_optional_columns() {
        let rows = read_text(
            "tube,result,ct_value,tested_at\r\nT1,negative,,\r\nT2,阳性,31.5,2026-12-07 09:30\r\nT3,Invalid,,2026-12-07T01:00:00Z\r\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].line, rows[0].result), (2, LabResult::Negative));
        assert_eq!(rows[1].result, LabResult::Positive);
        assert_eq!(rows[1].ct_value, Some(31.5));
        // 09:30 in Shanghai is 01:30 UTC.
        assert_eq!(
            rows[1].tested_at.unwrap().to_string(),
            "2026-12-07 01:30:00"
        );
        assert_eq!(
            rows[2].tested_at.unwrap().to_string(),
            "2026-12-07 01:00:00"
        );
        let only_required = read_text("result,tube\nnegative,T9\n").unwrap();
        assert_eq!(only_required[0].tube, "T9");
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_column() {
        let problems = read_text(
            "tube,result,ct_value,tested_at\nT1,maybe,,\nT2,positive,71,\nT3,negative,,yesterday\nT1,negative,,\n,negative,,\nT4,negative,,2026-12-08 09:00\n",
        )
        .unwrap_err();
        let found: Vec<(u64, Option<&str>, &str)> = problems
            .shown
            .iter()
            .map(|e| (e.line, e.column.as_deref(), e.problem.code()))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, Some("result"), "not_lab_result"),
                (3, Some("ct_value"), "out_of_range"),
                (4, Some("tested_at"), "not_date_time"),
                (5, Some("tube"), "duplicate_code"),
                (6, Some("tube"), "required"),
                (7, Some("tested_at"), "in_the_future"),
            ]
        );
        assert_eq!(problems.rows, 6);
    }

    #[test]
    fn a_file_without_the_columns_is_refused_at_its_header() {
        let problems = read_text("code,outcome\nT1,negative\n").unwrap_err();
        assert!(problems.shown.iter().all(|e| e.line == 1), "{problems}");
        assert!(problems.errors >= 2);
        assert!(read_text("").is_err());
    }
}
