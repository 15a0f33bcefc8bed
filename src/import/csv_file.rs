//! Reading one roster CSV file: header checks, line numbers as a spreadsheet shows them,
//! and per-field parsing that records every problem instead of stopping at the first.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use serde::ser::SerializeStruct;

use crate::domain::Problem;

/// One problem in a roster file, located the way an office worker finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: &'static str,
    /// The line as a spreadsheet numbers it: the header is line 1.
    pub line: u64,
    pub column: Option<String>,
    pub problem: Problem,
}

/// `{file, line, column, problem, params, reason}`: the problem's code and values for a
/// page to say in its reader's language, and the English sentence.
impl serde::Serialize for RowError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let params: serde_json::Map<String, serde_json::Value> = self
            .problem
            .params()
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone().into()))
            .collect();
        let mut s = serializer.serialize_struct("RowError", 6)?;
        s.serialize_field("file", self.file)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("column", &self.column)?;
        s.serialize_field("problem", self.problem.code())?;
        s.serialize_field("params", &params)?;
        s.serialize_field("reason", &self.problem.to_string())?;
        s.end()
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.file, self.line)?;
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// The problems an import found: every one counted, by rows and in all, and the first
/// `most` kept in full — so that a file of a million bad rows makes a short answer in
/// bounded memory. A row's problems are reported together, so a new row starts where the
/// file or line changes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problems {
    /// Rows (a bad header counts as its line 1) with at least one problem.
    pub rows: u64,
    /// Problems in all.
    pub errors: u64,
    /// The first problems, in file order.
    pub shown: Vec<RowError>,
    #[serde(skip)]
    most: usize,
    #[serde(skip)]
    last: Option<(&'static str, u64)>,
}

impl Problems {
    pub fn new(most: usize) -> Self {
        Problems {
            rows: 0,
            errors: 0,
            shown: Vec::new(),
            most,
            last: None,
        }
    }

    pub fn push(&mut self, error: RowError) {
        self.errors += 1;
        if self.last != Some((error.file, error.line)) {
            self.rows += 1;
            self.last = Some((error.file, error.line));
        }
        if self.shown.len() < self.most {
            self.shown.push(error);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors == 0
    }

    /// Whether some problems were counted but not kept.
    pub fn cut(&self) -> bool {
        self.errors > self.shown.len() as u64
    }
}

impl Extend<RowError> for Problems {
    fn extend<I: IntoIterator<Item = RowError>>(&mut self, errors: I) {
        errors.into_iter().for_each(|e| self.push(e));
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bad row(s), {} problem(s) in all; nothing was imported",
            self.rows, self.errors
        )?;
        if self.cut() {
            write!(f, " (the first {} are listed)", self.shown.len())?;
        }
        Ok(())
    }
}

/// The columns a file may have: `required` ones must be in the header, `optional` ones may
/// be left out (their values are then empty). Any other column is refused, so a misspelt
/// header is reported instead of silently dropping its values.
pub struct Layout {
    pub file: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
}

pub struct CsvFile<R: Read> {
    layout: &'static Layout,
    reader: csv::Reader<CrlfToLf<R>>,
    /// Column name → index in the record.
    columns: HashMap<&'static str, usize>,
    record: csv::StringRecord,
}

impl<R: Read> CsvFile<R> {
    /// Reads and checks the header; on a bad header its problems go to `problems` (as they
    /// are found: a header of a million unknown columns is counted, not held) and the rows
    /// cannot be read.
    pub fn open(layout: &'static Layout, input: R, problems: &mut Problems) -> Option<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(CrlfToLf::new(input));
        let header_error = |problem: Problem, column: Option<String>| RowError {
            file: layout.file,
            line: 1,
            column: column.map(|c| crate::domain::problem::quoted(&c)),
            problem,
        };
        let headers = match reader.headers() {
            Ok(headers) => headers.clone(),
            Err(e) => {
                problems.push(header_error(describe_csv_error(&e), None));
                return None;
            }
        };
        if headers
            .iter()
            .all(|h| h.trim_start_matches('\u{feff}').trim().is_empty())
        {
            problems.push(header_error(Problem::new("empty_file"), None));
            return None;
        }
        let mut columns = HashMap::new();
        let before = problems.errors;
        let errors = problems;
        let expected = layout
            .required
            .iter()
            .chain(layout.optional)
            .copied()
            .collect::<Vec<_>>()
            .join(",");
        for (index, raw) in headers.iter().enumerate() {
            let name = raw
                .trim_start_matches('\u{feff}')
                .trim()
                .to_ascii_lowercase();
            let known = layout
                .required
                .iter()
                .chain(layout.optional)
                .find(|c| **c == name);
            match known {
                Some(column) if columns.insert(*column, index).is_some() => {
                    errors.push(header_error(Problem::new("column_twice"), Some(name)))
                }
                Some(_) => {}
                None if name.is_empty() && headers.len() == 1 => {
                    errors.push(header_error(Problem::new("empty_file"), None))
                }
                None => errors.push(header_error(
                    Problem::new("unknown_column")
                        .with("name", &name)
                        .with_long("expected", expected.clone()),
                    Some(name.clone()),
                )),
            }
        }
        for column in layout.required {
            if !columns.contains_key(column) {
                errors.push(header_error(
                    Problem::new("missing_column"),
                    Some(column.to_string()),
                ));
            }
        }
        if errors.errors > before {
            return None;
        }
        Some(CsvFile {
            layout,
            reader,
            columns,
            record: csv::StringRecord::new(),
        })
    }

    /// The next data row, or `None` at the end. A row the CSV reader itself cannot read
    /// (broken quoting, bad UTF-8) comes back as an error; reading may go on after it.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, RowError>> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                Some(Ok(Row {
                    file: self.layout.file,
                    line,
                    record: &self.record,
                    columns: &self.columns,
                    errors: Vec::new(),
                }))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                Some(Err(RowError {
                    file: self.layout.file,
                    line,
                    column: None,
                    problem: describe_csv_error(&e),
                }))
            }
        }
    }
}

/// Turns CRLF line ends into LF before the CSV reader sees them: the reader numbers the
/// records of a CRLF file one line short, and spreadsheets export CRLF. The CSV reader
/// reads through its own buffer, so every `read` here asks for many bytes.
struct CrlfToLf<R> {
    inner: R,
    /// A `\r` that ended the previous read, not yet known to be part of a CRLF.
    pending_cr: bool,
}

impl<R: Read> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.len() < 2 {
            // Room for a held-back `\r` and one new byte is needed to tell a CRLF.
            return Err(std::io::Error::other("read CSV through a buffer"));
        }
        loop {
            let start = usize::from(self.pending_cr);
            if self.pending_cr {
                buf[0] = b'\r';
            }
            let n = self.inner.read(&mut buf[start..])?;
            if n == 0 {
                self.pending_cr = false;
                return Ok(start);
            }
            let filled = start + n;
            let mut out = 0;
            for i in 0..filled {
                let byte = buf[i];
                if byte == b'\r' && i + 1 < filled && buf[i + 1] == b'\n' {
                    continue;
                }
                buf[out] = byte;
                out += 1;
            }
            // A final `\r` may be the first half of a CRLF split across reads.
            self.pending_cr = buf[out - 1] == b'\r';
            if self.pending_cr {
                out -= 1;
            }
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

fn describe_csv_error(e: &csv::Error) -> Problem {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => Problem::new("not_utf8"),
        csv::ErrorKind::Io(io) => Problem::new("unreadable").with("detail", io),
        _ => Problem::new("not_csv").with("detail", e),
    }
}

/// One data row, collecting the problems of its fields.
pub struct Row<'a> {
    pub file: &'static str,
    pub line: u64,
    record: &'a csv::StringRecord,
    columns: &'a HashMap<&'static str, usize>,
    errors: Vec<RowError>,
}

impl<'a> Row<'a> {
    /// The trimmed text of a column; empty when the column or the cell is absent.
    pub fn text(&self, column: &str) -> &'a str {
        self.columns
            .get(column)
            .and_then(|i| self.record.get(*i))
            .map_or("", str::trim)
    }

    pub fn fail(&mut self, column: &str, problem: Problem) {
        self.errors.push(RowError {
            file: self.file,
            line: self.line,
            column: (!column.is_empty()).then(|| column.to_string()),
            problem,
        });
    }

    /// A value that must be present; records "is required" or the parser's complaint.
    pub fn required<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<T> {
        let text = self.text(column);
        if text.is_empty() {
            self.fail(column, Problem::new("required"));
            return None;
        }
        self.parse(column, text, parse)
    }

    /// A value that may be empty: `Some(None)` when empty, `None` when present but bad.
    pub fn optional<T>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<Option<T>> {
        let text = self.text(column);
        if text.is_empty() {
            return Some(None);
        }
        self.parse(column, text, parse).map(Some)
    }

    fn parse<T>(
        &mut self,
        column: &str,
        text: &str,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<T> {
        match parse(text) {
            Ok(value) => Some(value),
            Err(problem) => {
                self.fail(column, problem);
                None
            }
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn into_errors(self) -> Vec<RowError> {
        self.errors
    }
}

/// Parsers for the plain value kinds of the roster files.
pub mod value {
    use crate::domain::Problem;

    fn outside(
        value: impl std::fmt::Display,
        min: impl std::fmt::Display,
        max: impl std::fmt::Display,
    ) -> Problem {
        Problem::new("out_of_range")
            .with("value", value)
            .with("min", min)
            .with("max", max)
    }

    pub fn integer(min: i32, max: i32) -> impl Fn(&str) -> Result<i32, Problem> {
        move |text| match text.parse::<i32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            Ok(n) => Err(outside(n, min, max)),
            Err(_) => Err(Problem::new("not_whole_number").with("text", text)),
        }
    }

    pub fn number(min: f64, max: f64) -> impl Fn(&str) -> Result<f64, Problem> {
        move |text| match text.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= min && x <= max => Ok(x),
            Ok(x) => Err(outside(x, min, max)),
            Err(_) => Err(Problem::new("not_number").with("text", text)),
        }
    }

    pub fn latitude(text: &str) -> Result<f64, Problem> {
        number(-90.0, 90.0)(text)
    }

    pub fn longitude(text: &str) -> Result<f64, Problem> {
        number(-180.0, 180.0)(text)
    }

    /// yes/no as offices write it in either language.
    pub fn yes_no(text: &str) -> Result<bool, Problem> {
        match text.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "是" | "有" => Ok(true),
            "no" | "n" | "false" | "0" | "否" | "无" => Ok(false),
            _ => Err(Problem::new("not_yes_no").with("text", text)),
        }
    }

    /// Free text of at most `most` characters.
    pub fn text_of(most: usize) -> impl Fn(&str) -> Result<String, Problem> {
        move |text| {
            if text.chars().count() > most {
                return Err(Problem::new("too_long").with("most", most));
            }
            Ok(text.to_string())
        }
    }

    pub fn text(text: &str) -> Result<String, Problem> {
        text_of(200)(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static LAYOUT: Layout = Layout {
        file: "things.csv",
        required: &["code", "floors"],
        optional: &["notes"],
    };

    /// Line, code, floors and problems of one row.
    type Parsed = (u64, String, Option<i32>, Vec<RowError>);

    fn rows(input: &str) -> Result<Vec<Parsed>, Vec<RowError>> {
        let mut problems = Problems::new(100);
        let Some(mut file) = CsvFile::open(&LAYOUT, input.as_bytes(), &mut problems) else {
            return Err(problems.shown);
        };
        let mut out = Vec::new();
        while let Some(row) = file.next_row() {
            let mut row = row.map_err(|e| vec![e])?;
            let code = row.text("code").to_string();
            let floors = row.required("floors", value::integer(1, 200));
            out.push((row.line, code, floors, row.into_errors()));
        }
        Ok(out)
    }

    #[test]
    fn reads_a_spreadsheet_export_with_bom_crlf_and_any_column_order() {
        let rows = rows("\u{feff}floors,Code\r\n6,B1\r\n\r\n\"7\",B2\r\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].0, rows[0].1.as_str(), rows[0].2),
            (2, "B1", Some(6))
        );
        assert_eq!(
            (rows[1].0, rows[1].1.as_str(), rows[1].2),
            (3, "B2", Some(7))
        );
    }

    #[test]
    fn line_numbers_count_quoted_line_breaks() {
        let rows = rows("code,floors,notes\nB1,6,\"two\nlines\"\nB2,x,\n").unwrap();
        assert_eq!(rows[1].0, 4);
        assert_eq!(
            rows[1].3[0].to_string(),
            "things.csv line 4, column floors: 'x' is not a whole number"
        );
    }

    #[test]
    fn header_problems_are_named() {
        let errors = rows("code,flors\n").unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(text[0].contains("unknown column 'flors'"), "{text:?}");
        assert!(
            text[1].contains("column floors: missing column"),
            "{text:?}"
        );
        assert!(rows("").unwrap_err()[0].problem.code() == "empty_file");
    }

    #[test]
    fn crlf_becomes_lf_even_when_split_across_reads() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        for input in ["a\r\nb\r\n", "a\rb\r", "\r\n\r\r\n"] {
            let expected = input.replace("\r\n", "\n");
            let mut whole = String::new();
            CrlfToLf::new(input.as_bytes())
                .read_to_string(&mut whole)
                .unwrap();
            assert_eq!(whole, expected);
            let mut split = String::new();
            CrlfToLf::new(OneByte(input.as_bytes()))
                .read_to_string(&mut split)
                .unwrap();
            assert_eq!(split, expected);
        }
    }

    #[test]
    fn yes_no_accepts_both_languages() {
        assert_eq!(value::yes_no("Yes"), Ok(true));
        assert_eq!(value::yes_no("否"), Ok(false));
        assert!(value::yes_no("maybe").is_err());
    }
}
