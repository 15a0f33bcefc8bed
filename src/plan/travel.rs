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
}
