//! Schemas for the OpenAPI document of answers whose types live outside the HTTP layer
//! (`import`, `store`, `rounds`), which does not depend on utoipa: each mirrors its type
//! field for field, and the tests below check that the two serialise to the same keys.
//! Handlers name these in their `#[utoipa::path]`; the document (`openapi.rs`) lists the
//! handlers — so the handlers and the document do not import each other.

use utoipa::ToSchema;

/// One problem in a roster file, located the way an office worker finds it.
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it describes `import::RowError`
pub struct RowError {
    /// `buildings.csv`, `residents.csv`, `sites.csv` or `teams.csv`.
    file: String,
    /// The line as a spreadsheet numbers it: the header is line 1.
    line: u64,
    #[schema(required = true)]
    column: Option<String>,
    /// What is wrong, as a stable code (`required`, `not_whole_number`, `unknown_building`
    /// …) for a page to say in its reader's language.
    problem: String,
    /// The values the problem names (`text`, `min`, `max`, `building` …), as text.
    #[schema(value_type = Object)]
    params: std::collections::BTreeMap<String, String>,
    /// The problem in English.
    reason: String,
}

/// How many rows of each kind the district holds.
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it describes `import::Totals`
pub struct Totals {
    buildings: i64,
    residents: i64,
    sites: i64,
    teams: i64,
}

/// Where a resident stands in the round.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // never built: it describes `domain::Standing`
pub enum Standing {
    /// A swab in a tube that is not positive or invalid (or a door that said sampled).
    Sampled,
    /// In a positive pool or an invalid tube, not yet sampled again.
    Recalled,
    NotHome,
    /// Refused, moved away or unable.
    Refused,
    Pending,
}

/// What happened at a door.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // never built: it describes `domain::Outcome`
pub enum Outcome {
    Sampled,
    /// Nobody opened: the team knocks again later.
    NotHome,
    Refused,
    MovedAway,
    /// Could not be sampled.
    Unable,
}

/// A plan's summary, as `sweep plan --json` prints it.
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it describes `rounds::RoundSummary`
pub struct RoundSummary {
    date: chrono::NaiveDate,
    /// `planned` or `published`.
    status: String,
    slots: SlotSummary,
    home_visits: RouteSummary,
}

/// The slot half of a plan.
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it describes `rounds::SlotSummary`
pub struct SlotSummary {
    /// `HH:MM-HH:MM`.
    window: String,
    slot_minutes: u32,
    walkers: u64,
    placed: u64,
    unplaced: u64,
    /// Notified residents whose slot changed.
    moved: u64,
    walking_km: f64,
    /// The least walking any plan could have (the transportation bound).
    bound_km: f64,
    /// Walkers the bound places.
    bound_placed: u64,
    /// `walking_km / bound_km − 1`, when the plan places as many as the bound.
    #[schema(required = true)]
    gap: Option<f64>,
    max_p90_wait_minutes: f64,
    shortfalls: Vec<Shortfall>,
    /// Buildings (codes) whose walkers the plan sends to more than one site.
    split_buildings: Vec<String>,
}

/// What a site lacks to take everyone planned there.
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it describes `rounds::Shortfall`
pub struct Shortfall {
    site: String,
    people: u32,
    extra_lanes: u32,
    /// `HH:MM`.
    #[schema(required = true)]
    open_until: Option<String>,
    /// In the office's words.
    advice: String,
}

/// The home-visit half of a plan.
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it describes `rounds::RouteSummary`
pub struct RouteSummary {
    /// Residents who need a home visit and have not had a final outcome.
    to_visit: u64,
    planned: u64,
    already_done: u64,
    /// Reason → residents.
    unvisited: std::collections::BTreeMap<String, u64>,
    teams_out: u64,
    teams: u64,
    travel_hours: f64,
    longest_day_hours: f64,
    /// Residents who must be told a new visit time.
    promises_broken: u64,
    solver_seconds: f64,
    iterations: u64,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;
    use utoipa::PartialSchema;

    use super::*;

    fn keys(value: Value) -> BTreeSet<String> {
        value
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect()
    }

    /// The property names of a mirror's schema.
    fn properties<S: PartialSchema>() -> BTreeSet<String> {
        let schema = serde_json::to_value(S::schema()).unwrap();
        keys(schema["properties"].clone())
    }

    fn same_keys<S: PartialSchema>(real: impl serde::Serialize) {
        let real = serde_json::to_value(real).unwrap();
        assert_eq!(
            properties::<S>(),
            keys(real),
            "{}",
            std::any::type_name::<S>()
        );
    }

    /// A mirrored enum's schema names the values its type serialises to.
    fn same_values<S: PartialSchema>(real: impl IntoIterator<Item = impl serde::Serialize>) {
        let schema = serde_json::to_value(S::schema()).unwrap();
        let named: BTreeSet<String> = schema["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let real: BTreeSet<String> = real
            .into_iter()
            .map(|v| {
                serde_json::to_value(v)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(named, real, "{}", std::any::type_name::<S>());
    }

    #[test]
    fn mirrored_schemas_name_the_fields_their_types_serialise() {
        let slots = crate::rounds::SlotSummary {
            window: "07:00-19:00".into(),
            slot_minutes: 30,
            walkers: 1,
            placed: 1,
            unplaced: 0,
            moved: 0,
            walking_km: 0.5,
            bound_km: 0.5,
            bound_placed: 1,
            gap: Some(0.0),
            max_p90_wait_minutes: 3.0,
            shortfalls: vec![crate::rounds::Shortfall {
                site: "S1".into(),
                people: 3,
                extra_lanes: 1,
                open_until: crate::domain::TimeOfDay::from_minutes(20 * 60),
                advice: "one more lane".into(),
            }],
            split_buildings: vec!["B1".into()],
        };
        let visits = crate::rounds::RouteSummary {
            to_visit: 1,
            planned: 1,
            already_done: 0,
            unvisited: Default::default(),
            teams_out: 1,
            teams: 2,
            travel_hours: 0.5,
            longest_day_hours: 1.0,
            promises_broken: 0,
            solver_seconds: 0.1,
            iterations: 10,
        };
        same_keys::<Shortfall>(&slots.shortfalls[0]);
        same_keys::<SlotSummary>(&slots);
        same_keys::<RouteSummary>(&visits);
        same_keys::<RoundSummary>(crate::rounds::RoundSummary {
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            status: crate::domain::RoundStatus::Draft,
            slots,
            home_visits: visits,
        });
        same_keys::<Totals>(crate::import::Totals {
            buildings: 1,
            residents: 2,
            sites: 3,
            teams: 4,
        });
        same_keys::<RowError>(crate::import::RowError {
            file: "residents.csv",
            line: 2,
            column: Some("floor".into()),
            problem: crate::domain::Problem::new("not_whole_number").with("text", "x"),
        });

        use crate::domain::Outcome as O;
        use crate::domain::Standing as S;
        same_values::<Standing>([S::Sampled, S::Recalled, S::NotHome, S::Refused, S::Pending]);
        same_values::<Outcome>([O::Sampled, O::NotHome, O::Refused, O::MovedAway, O::Unable]);
    }
}
