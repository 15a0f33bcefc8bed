use std::fmt;

use super::{IdNumber, Mobility, Phone, Problem, TimeOfDay};

/// The office's own code for a building, resident, site or team: 1 to 64 characters with
/// no surrounding spaces and no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(String);

impl Code {
    /// As a roster spells it: any case, spaces around.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Problem::new("required"));
        }
        if text.chars().count() > 64 {
            return Err(Problem::new("too_long").with("most", 64));
        }
        if text.chars().any(char::is_control) {
            return Err(Problem::new("control_character"));
        }
        Ok(Code(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A point on the earth in degrees (WGS-84 as phones report it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl Coordinates {
    pub fn new(lat: f64, lon: f64) -> Result<Self, Problem> {
        let outside = |value: f64, bound: i32| {
            Problem::new("out_of_range")
                .with("value", value)
                .with("min", -bound)
                .with("max", bound)
        };
        if !(-90.0..=90.0).contains(&lat) {
            return Err(outside(lat, 90));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(outside(lon, 180));
        }
        Ok(Coordinates { lat, lon })
    }

    pub fn point(self) -> geo::Point<f64> {
        geo::Point::new(self.lon, self.lat)
    }
}

impl Mobility {
    pub const ALL: [Mobility; 3] = [Mobility::Ambulatory, Mobility::Limited, Mobility::Bedridden];

    /// As a roster spells it: any case, spaces around.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                Problem::new("not_mobility")
                    .with("text", text)
                    .with("expected", "ambulatory, limited, bedridden")
            })
    }

    /// Whether a resident with this mobility is visited at home when the roster says nothing.
    pub fn needs_home_visit_by_default(self) -> bool {
        self == Mobility::Bedridden
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    pub code: Code,
    pub community: String,
    pub address: String,
    pub location: Coordinates,
    pub floors: i32,
    pub has_elevator: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    pub code: Code,
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<Phone>,
    pub building: Code,
    pub unit: String,
    pub floor: i32,
    pub room: String,
    /// Residents who share a household code are sampled together; a resident with no
    /// household is a household of one, under their own code.
    pub household: String,
    pub birth_year: Option<i32>,
    pub mobility: Mobility,
    pub home_visit: bool,
    /// Bounds on when a home visit may start, in local time.
    pub available_from: Option<TimeOfDay>,
    pub available_to: Option<TimeOfDay>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub code: Code,
    pub name: String,
    pub location: Coordinates,
    pub lanes: i32,
    /// People one lane samples in an hour.
    pub per_lane_per_hour: i32,
    pub opens_at: TimeOfDay,
    pub closes_at: TimeOfDay,
    /// How many people can wait 1 m apart.
    pub queue_capacity: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub code: Code,
    pub name: String,
    pub members: i32,
    pub start: Coordinates,
    pub shift_start: TimeOfDay,
    pub shift_end: TimeOfDay,
    pub speed_kmh: f64,
    /// Visits one kit allows in a shift.
    pub max_visits: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_trimmed_and_bounded() {
        assert_eq!(Code::parse(" B12 ").unwrap().as_str(), "B12");
        assert!(Code::parse("  ").is_err());
        assert!(Code::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn coordinates_are_range_checked() {
        assert!(Coordinates::new(31.2, 121.5).is_ok());
        assert_eq!(
            Coordinates::new(91.0, 0.0).unwrap_err().to_string(),
            "91 is outside -90..90"
        );
        assert_eq!(
            Coordinates::new(0.0, 181.0).unwrap_err().to_string(),
            "181 is outside -180..180"
        );
    }

    #[test]
    fn mobility_parses_case_insensitively() {
        assert_eq!(Mobility::parse("Bedridden").unwrap(), Mobility::Bedridden);
        assert!(Mobility::parse("walking").is_err());
    }
}
