use std::fmt;

use super::Problem;

/// A phone number: 7 to 15 digits once spaces, dashes, brackets and a leading `+` are
/// removed. Only its masked form is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let mut digits = String::with_capacity(text.len());
        for (i, c) in text.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' => {}
                '+' if i == 0 => {}
                _ => return Err(Problem::new("phone_character").with("character", c)),
            }
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(Problem::new("phone_length").with("length", digits.len()));
        }
        Ok(Phone(digits))
    }

    /// The digits, to seal for storage or to dial; never to log.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678` for an 11-digit mobile number; otherwise all but the last four hidden.
    /// The last four stay visible: residents may prove who they are with them.
    pub fn masked(&self) -> String {
        let n = &self.0;
        if n.len() == 11 && n.starts_with('1') {
            format!("{}****{}", &n[..3], &n[7..])
        } else {
            format!("{}{}", "*".repeat(n.len() - 4), &n[n.len() - 4..])
        }
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mobile_and_landline_numbers() {
        assert_eq!(
            Phone::parse("138-1234-5678").unwrap().masked(),
            "138****5678"
        );
        assert_eq!(
            Phone::parse("+86 21 6543 2109").unwrap().masked(),
            "********2109"
        );
    }

    #[test]
    fn refuses_letters_and_short_numbers() {
        assert!(Phone::parse("138abc").is_err());
        assert!(Phone::parse("12345").is_err());
    }
}
