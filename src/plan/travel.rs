//! Distances and travel times between points of the district.

use geo::{Distance, Haversine};

use crate::domain::Coordinates;

/// Great-circle distance in metres.
pub fn great_circle_metres(a: Coordinates, b: Coordinates) -> f64 {
    Haversine.distance(a.point(), b.point())
}

/// Distance along streets, estimated as the great-circle distance × `detour_factor`.
pub fn street_metres(a: Coordinates, b: Coordinates, detour_factor: f64) -> f64 {
    great_circle_metres(a, b) * detour_factor
}

/// Minutes a team needs from `a` to `b` at `speed_kmh`, along streets.
pub fn travel_minutes(a: Coordinates, b: Coordinates, detour_factor: f64, speed_kmh: f64) -> f64 {
    street_metres(a, b, detour_factor) / 1000.0 / speed_kmh * 60.0
}

/// Minutes a home visit takes: the work at the door, plus climbing to the floor and back
/// down where there is no lift (nothing for the ground floor).
pub fn visit_minutes(
    service_minutes: f64,
    stair_minutes_per_floor: f64,
    floor: i32,
    has_elevator: bool,
) -> f64 {
    let floors_climbed = if has_elevator { 0 } else { (floor - 1).max(0) };
    service_minutes + stair_minutes_per_floor * f64::from(floors_climbed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thousandth_of_a_degree_of_latitude_is_about_111_metres() {
        let a = Coordinates::new(31.2300, 121.4700).unwrap();
        let b = Coordinates::new(31.2310, 121.4700).unwrap();
        let d = great_circle_metres(a, b);
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert!((street_metres(a, b, 1.3) - 1.3 * d).abs() < 1e-9);
    }

    #[test]
    fn a_kilometre_at_five_kmh_takes_twelve_minutes() {
        let a = Coordinates::new(31.0, 121.0).unwrap();
        let b = Coordinates::new(31.0 + 1.0 / 111.195, 121.0).unwrap();
        let minutes = travel_minutes(a, b, 1.0, 5.0);
        assert!((minutes - 12.0).abs() < 0.01, "{minutes}");
        assert!((travel_minutes(a, b, 1.3, 5.0) - 1.3 * minutes).abs() < 1e-9);
    }

    #[test]
    fn stairs_count_above_the_ground_floor_only_without_a_lift() {
        assert_eq!(visit_minutes(10.0, 0.5, 6, false), 12.5);
        assert_eq!(visit_minutes(10.0, 0.5, 6, true), 10.0);
        assert_eq!(visit_minutes(10.0, 0.5, 1, false), 10.0);
    }
}
