use std::fmt;

use super::Problem;

/// An identity document number. Mainland resident ID numbers (18 characters, GB 11643-1999)
/// are checked digit by digit; other documents (passports, Hong Kong / Macao / Taiwan permits)
/// are accepted when they look like one: 5 to 20 letters and digits with at least one letter.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl IdNumber {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let normalized: String = text
            .trim()
            .chars()
            .filter(|c| *c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if normalized.is_empty() {
            return Err(Problem::new("required"));
        }
        if !normalized.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Problem::new("id_characters"));
        }
        let leading_digits = normalized.chars().take_while(char::is_ascii_digit).count();
        let looks_mainland = leading_digits >= 17 || normalized.chars().all(|c| c.is_ascii_digit());
        if looks_mainland {
            check_mainland(&normalized)?;
        } else if !(5..=20).contains(&normalized.len()) {
            return Err(Problem::new("id_form"));
        }
        Ok(IdNumber(normalized))
    }

    /// Builds a valid mainland number from its first 17 digits (used by the demo district).
    pub fn mainland_from_body(body17: &str) -> Self {
        assert!(body17.len() == 17 && body17.bytes().all(|b| b.is_ascii_digit()));
        let mut number = body17.to_string();
        number.push(check_char(body17));
        IdNumber(number)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year of birth written in a mainland number.
    pub fn birth_year(&self) -> Option<i32> {
        (self.is_mainland()).then(|| self.0[6..10].parse().expect("checked at parse"))
    }

    fn is_mainland(&self) -> bool {
        self.0.len() == 18 && self.0[..17].bytes().all(|b| b.is_ascii_digit())
    }

    /// The form shown on screens and lists: first three and last four characters of a
    /// mainland number, last three of another document.
    pub fn masked(&self) -> String {
        let n = &self.0;
        if self.is_mainland() {
            format!("{}{}{}", &n[..3], "*".repeat(11), &n[14..])
        } else {
            format!("{}{}", "*".repeat(n.len() - 3), &n[n.len() - 3..])
        }
    }
}

fn check_char(body17: &str) -> char {
    let sum: u32 = body17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn check_mainland(n: &str) -> Result<(), Problem> {
    if n.len() != 18 {
        return Err(Problem::new("id_length").with("length", n.len()));
    }
    let (body, last) = n.split_at(17);
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::new("id_digits"));
    }
    let year: i32 = body[6..10].parse().expect("digits");
    let month: u32 = body[10..12].parse().expect("digits");
    let day: u32 = body[12..14].parse().expect("digits");
    if !(1900..=2100).contains(&year) || chrono::NaiveDate::from_ymd_opt(year, month, day).is_none()
    {
        return Err(
            Problem::new("id_birth_date").with("date", format!("{year:04}-{month:02}-{day:02}"))
        );
    }
    let expected = check_char(body);
    if !last.starts_with(expected) {
        return Err(Problem::new("id_check_digit").with("expected", expected));
    }
    Ok(())
}

/// Never prints the number itself, so it cannot leak into a log by accident.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standard_example_and_lower_case_x() {
        // The worked example of GB 11643-1999.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_year(), Some(1949));
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap(), id);
        assert_eq!(id.masked(), "110***********002X");
    }

    #[test]
    fn refuses_a_wrong_check_digit_and_names_the_right_one() {
        let err = IdNumber::parse("110105194912310021")
            .unwrap_err()
            .to_string();
        assert!(err.contains("check digit") && err.contains('X'), "{err}");
    }

    #[test]
    fn refuses_bad_lengths_and_dates() {
        assert!(IdNumber::parse("1101051949123100")
            .unwrap_err()
            .to_string()
            .contains("18"));
        assert!(IdNumber::parse("110105194913310029")
            .unwrap_err()
            .to_string()
            .contains("date"));
        assert!(IdNumber::parse("").is_err());
        assert!(IdNumber::parse("11010519491231-02X").is_err());
    }

    #[test]
    fn accepts_other_documents() {
        let passport = IdNumber::parse("E12345678").unwrap();
        assert_eq!(passport.birth_year(), None);
        assert_eq!(passport.masked(), "******678");
    }

    #[test]
    fn builds_valid_numbers_from_a_body() {
        let id = IdNumber::mainland_from_body("11010519491231002");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert!(IdNumber::parse(id.as_str()).is_ok());
    }

    #[test]
    fn debug_does_not_reveal_the_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert!(!format!("{id:?}").contains("0519491231"));
    }
}
