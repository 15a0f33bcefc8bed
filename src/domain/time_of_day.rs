use std::fmt;

/// A local time of day, in minutes after midnight; `24:00` is allowed as the end of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    pub const END_OF_DAY: TimeOfDay = TimeOfDay(24 * 60);

    /// Parses `HH:MM` (one- or two-digit hour).
    pub fn parse(text: &str) -> Result<Self, super::Problem> {
        let bad = || super::Problem::new("not_time_of_day").with("text", text);
        let (hours, minutes) = text.trim().split_once(':').ok_or_else(bad)?;
        if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
            return Err(bad());
        }
        let hours: u16 = hours.parse().map_err(|_| bad())?;
        let minutes: u16 = minutes.parse().map_err(|_| bad())?;
        if minutes >= 60 || hours > 24 || (hours == 24 && minutes != 0) {
            return Err(bad());
        }
        Ok(TimeOfDay(hours * 60 + minutes))
    }

    pub fn from_minutes(minutes: i32) -> Option<Self> {
        u16::try_from(minutes)
            .ok()
            .filter(|m| *m <= 24 * 60)
            .map(TimeOfDay)
    }

    pub fn minutes(self) -> i32 {
        i32::from(self.0)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// Serialized as `HH:MM`, the way offices write it.
impl serde::Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(TimeOfDay::parse("08:30").unwrap().minutes(), 510);
        assert_eq!(TimeOfDay::parse("8:05").unwrap().to_string(), "08:05");
        assert_eq!(TimeOfDay::parse("24:00").unwrap(), TimeOfDay::END_OF_DAY);
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [
            "", "8", "8:5", "25:00", "24:01", "12:60", "ab:cd", "-1:00", "123:00",
        ] {
            assert!(TimeOfDay::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
