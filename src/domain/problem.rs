//! What is wrong with a value someone gave: a stable code and the values it names, so that
//! a page can say it in its reader's language (the pages hold a sentence for every code),
//! and an English sentence for the command line, the API's `reason` and the logs.

use std::fmt;

/// One problem with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    code: &'static str,
    params: Vec<(&'static str, String)>,
}

/// Longest value a problem quotes: a 300 KB cell is named, not repeated.
const QUOTED_MOST: usize = 40;

/// Every code with its English sentence; `{name}` stands for a parameter.
pub const ENGLISH: &[(&str, &str)] = &[
    ("required", "is required"),
    ("too_long", "is longer than {most} characters"),
    ("control_character", "holds a control character"),
    ("not_whole_number", "'{text}' is not a whole number"),
    ("not_number", "'{text}' is not a number"),
    ("out_of_range", "{value} is outside {min}..{max}"),
    ("not_above_zero", "must be above 0"),
    ("not_yes_no", "'{text}' is not yes or no"),
    (
        "not_time_of_day",
        "'{text}' is not a time of day (HH:MM, 00:00 to 24:00)",
    ),
    ("not_after", "{to} is not after {from}"),
    ("not_mobility", "'{text}' is not one of {expected}"),
    ("id_characters", "may hold only letters and digits"),
    (
        "id_form",
        "is neither a mainland ID number nor another document number",
    ),
    (
        "id_length",
        "a mainland ID number has 18 characters, this one has {length}",
    ),
    (
        "id_digits",
        "the first 17 characters of a mainland ID number are digits",
    ),
    (
        "id_birth_date",
        "the date of birth in the ID number ({date}) is not a date",
    ),
    (
        "id_check_digit",
        "fails the GB 11643-1999 check digit (last character should be {expected})",
    ),
    (
        "phone_character",
        "'{character}' does not belong in a phone number",
    ),
    (
        "phone_length",
        "a phone number has 7 to 15 digits, this one has {length}",
    ),
    (
        "birth_year_differs",
        "{year} differs from the year in the ID number ({id_year})",
    ),
    (
        "duplicate_code",
        "duplicate code {code} (first on line {first})",
    ),
    ("unknown_building", "unknown building {building}"),
    (
        "above_top_floor",
        "floor {floor} is above the top floor ({top}) of building {building}",
    ),
    ("same_id_number", "the same ID number is on line {first}"),
    (
        "id_number_taken",
        "this ID number belongs to resident {owner} already",
    ),
    (
        "id_number_in_district",
        "this ID number is registered in district {district}",
    ),
    (
        "household_elsewhere",
        "household {household} lives in building {other} on line {first}, not {building}",
    ),
    (
        "unknown_column",
        "unknown column '{name}' (expected {expected})",
    ),
    ("column_twice", "column appears twice"),
    ("missing_column", "missing column"),
    ("empty_file", "the file is empty or has no header"),
    (
        "not_utf8",
        "is not UTF-8 text (save the sheet as CSV UTF-8)",
    ),
    ("unreadable", "cannot be read: {detail}"),
    (
        "not_lab_result",
        "'{text}' is not one of negative, positive, invalid",
    ),
    (
        "not_date_time",
        "'{text}' is not a date and time (YYYY-MM-DD HH:MM, or RFC 3339)",
    ),
    ("in_the_future", "{value} is in the future"),
    ("unknown_tube", "no tube {tube} in this district"),
    (
        "tube_still_open",
        "tube {tube} is still open at its site: it cannot have been tested",
    ),
    (
        "result_differs",
        "tube {tube} has the result {recorded} already",
    ),
    ("not_csv", "is not valid CSV: {detail}"),
];

impl Problem {
    /// A problem by its code, which must be one of [`ENGLISH`]'s.
    pub fn new(code: &'static str) -> Self {
        debug_assert!(
            ENGLISH.iter().any(|(c, _)| *c == code),
            "no sentence for {code}"
        );
        Problem {
            code,
            params: Vec::new(),
        }
    }

    /// A value the sentence names (cut to a few dozen characters).
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.params.push((name, quoted(&value.to_string())));
        self
    }

    /// A value named in full (the columns a file may have), not cut.
    pub fn with_long(mut self, name: &'static str, value: String) -> Self {
        self.params.push((name, value));
        self
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn params(&self) -> &[(&'static str, String)] {
        &self.params
    }
}

/// Text someone gave, as a message quotes it: cut to a few dozen characters.
pub fn quoted(value: &str) -> String {
    match value.char_indices().nth(QUOTED_MOST) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_string(),
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let template = ENGLISH
            .iter()
            .find(|(c, _)| *c == self.code)
            .map_or(self.code, |(_, t)| *t);
        let mut text = template.to_string();
        for (name, value) in &self.params {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        f.write_str(&text)
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_names_the_values_cut_short() {
        let problem = Problem::new("out_of_range")
            .with("value", 300)
            .with("min", 1)
            .with("max", 200);
        assert_eq!(problem.to_string(), "300 is outside 1..200");
        let long = Problem::new("not_number").with("text", "9".repeat(1000));
        assert!(long.to_string().chars().count() < 80);
    }

    #[test]
    fn every_code_is_unique() {
        let mut codes: Vec<&str> = ENGLISH.iter().map(|(c, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ENGLISH.len());
    }
}
