//! A district: the tenant every roster, round, tube, account and audit row belongs to.

use chrono_tz::Tz;

/// A district as a use case receives it from its door (the session's account, or the
/// command line's `--district`): which rows are its own, and the clock its times are read on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    pub id: i64,
    /// The city's short code for it (`HL`, `D1`): letters, digits, `-` and `_`.
    pub code: String,
    pub name: String,
    pub timezone: Tz,
}

impl District {
    /// Today's date on the district's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now()
            .with_timezone(&self.timezone)
            .date_naive()
    }
}

/// Why a district code is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a district code is 1 to {MAX_CODE} letters, digits, '-' or '_' ('{0}' is not)")]
pub struct BadDistrictCode(pub String);

const MAX_CODE: usize = 16;

/// A district code as typed: trimmed, then checked. Kept short and plain because it is
/// typed at logins and named in URLs and file names.
pub fn district_code(text: &str) -> Result<String, BadDistrictCode> {
    let code = text.trim();
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if code.is_empty() || code.len() > MAX_CODE || !code.chars().all(plain) {
        let shown: String = code.chars().take(40).collect();
        return Err(BadDistrictCode(shown));
    }
    Ok(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_district_code_is_short_and_plain() {
        assert_eq!(district_code(" HL-2 ").unwrap(), "HL-2");
        assert!(district_code("").is_err());
        assert!(district_code("a b").is_err());
        assert!(district_code("南岗").is_err());
        assert!(district_code(&"x".repeat(17)).is_err());
    }
}
