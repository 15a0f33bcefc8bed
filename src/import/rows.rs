//! The four roster files: their columns, and how one row becomes a domain value.
//! Checks that need more than one row (duplicates, unknown buildings) live in `mod.rs`.

use super::csv_file::{value, Layout, Row};
use crate::domain::{
    Building, Code, Coordinates, IdNumber, Mobility, Phone, Problem, Resident, Site, Team,
    TimeOfDay,
};

pub static BUILDINGS: Layout = Layout {
    file: "buildings.csv",
    required: &[
        "code",
        "community",
        "address",
        "lat",
        "lon",
        "floors",
        "elevator",
    ],
    optional: &[],
};

pub static RESIDENTS: Layout = Layout {
    file: "residents.csv",
    required: &["code", "name", "id_number", "building", "floor", "mobility"],
    optional: &[
        "phone",
        "unit",
        "room",
        "household",
        "birth_year",
        "home_visit",
        "available_from",
        "available_to",
        "notes",
    ],
};

pub static SITES: Layout = Layout {
    file: "sites.csv",
    required: &[
        "code",
        "name",
        "lat",
        "lon",
        "lanes",
        "per_lane_per_hour",
        "open",
        "close",
        "queue_capacity",
    ],
    optional: &[],
};

pub static TEAMS: Layout = Layout {
    file: "teams.csv",
    required: &[
        "code",
        "name",
        "members",
        "start_lat",
        "start_lon",
        "shift_start",
        "shift_end",
        "speed_kmh",
        "max_visits",
    ],
    optional: &[],
};

fn coordinates(row: &mut Row, lat_column: &str, lon_column: &str) -> Option<Coordinates> {
    let lat = row.required(lat_column, value::latitude);
    let lon = row.required(lon_column, value::longitude);
    Coordinates::new(lat?, lon?).ok()
}

/// `from` strictly before `to`, or an error on the `to` column.
fn ordered(
    row: &mut Row,
    from: Option<TimeOfDay>,
    to: Option<TimeOfDay>,
    to_column: &str,
) -> Option<()> {
    match (from, to) {
        (Some(from), Some(to)) if from >= to => {
            row.fail(
                to_column,
                Problem::new("not_after").with("to", to).with("from", from),
            );
            None
        }
        _ => Some(()),
    }
}

pub fn building(row: &mut Row) -> Option<Building> {
    let code = row.required("code", Code::parse);
    let community = row.required("community", value::text);
    let address = row.required("address", value::text);
    let location = coordinates(row, "lat", "lon");
    let floors = row.required("floors", value::integer(1, 200));
    let has_elevator = row.required("elevator", value::yes_no);
    Some(Building {
        code: code?,
        community: community?,
        address: address?,
        location: location?,
        floors: floors?,
        has_elevator: has_elevator?,
    })
}

/// Floors of a building count from 1 to 200.
pub fn floor(text: &str) -> Option<i32> {
    value::integer(1, 200)(text).ok()
}

fn bad_floor(text: &str) -> Problem {
    value::integer(1, 200)(text).expect_err("a floor that did not parse")
}

/// A resident row on its own; `floor` is checked against the building by the caller.
pub fn resident(row: &mut Row, this_year: i32) -> Option<Resident> {
    let code = row.required("code", Code::parse);
    let name = row.required("name", value::text);
    let id_number = row.required("id_number", IdNumber::parse);
    let phone = row.optional("phone", Phone::parse);
    let building = row.required("building", Code::parse);
    let unit = row.optional("unit", value::text);
    let floor = row.required("floor", |t| floor(t).ok_or_else(|| bad_floor(t)));
    let room = row.optional("room", value::text);
    let household = row.optional("household", Code::parse);
    let birth_year = row.optional("birth_year", value::integer(1890, this_year));
    let mobility = row.required("mobility", Mobility::parse);
    let home_visit = row.optional("home_visit", value::yes_no);
    let available_from = row.optional("available_from", TimeOfDay::parse);
    let available_to = row.optional("available_to", TimeOfDay::parse);
    let notes = row.optional("notes", value::text_of(500));

    if let (Some(id), Some(Some(year))) = (&id_number, birth_year) {
        if let Some(id_year) = id.birth_year().filter(|y| *y != year) {
            row.fail(
                "birth_year",
                Problem::new("birth_year_differs")
                    .with("year", year)
                    .with("id_year", id_year),
            );
        }
    }
    ordered(
        row,
        available_from.flatten(),
        available_to.flatten(),
        "available_to",
    )?;
    let code = code?;
    let mobility = mobility?;
    Some(Resident {
        household: household?.map_or_else(|| code.as_str().to_string(), |h| h.as_str().to_string()),
        code,
        name: name?,
        id_number: id_number?,
        phone: phone?,
        building: building?,
        unit: unit?.unwrap_or_default(),
        floor: floor?,
        room: room?.unwrap_or_default(),
        birth_year: birth_year?,
        home_visit: home_visit?.unwrap_or_else(|| mobility.needs_home_visit_by_default()),
        mobility,
        available_from: available_from?,
        available_to: available_to?,
        notes: notes?.unwrap_or_default(),
    })
    .filter(|_| !row.has_errors())
}

pub fn site(row: &mut Row) -> Option<Site> {
    let code = row.required("code", Code::parse);
    let name = row.required("name", value::text);
    let location = coordinates(row, "lat", "lon");
    let lanes = row.required("lanes", value::integer(1, 100));
    let per_lane_per_hour = row.required("per_lane_per_hour", value::integer(1, 2000));
    let opens_at = row.required("open", TimeOfDay::parse);
    let closes_at = row.required("close", TimeOfDay::parse);
    let queue_capacity = row.required("queue_capacity", value::integer(1, 100_000));
    ordered(row, opens_at, closes_at, "close")?;
    Some(Site {
        code: code?,
        name: name?,
        location: location?,
        lanes: lanes?,
        per_lane_per_hour: per_lane_per_hour?,
        opens_at: opens_at?,
        closes_at: closes_at?,
        queue_capacity: queue_capacity?,
    })
}

pub fn team(row: &mut Row) -> Option<Team> {
    let code = row.required("code", Code::parse);
    let name = row.required("name", value::text);
    let members = row.required("members", value::integer(1, 50));
    let start = coordinates(row, "start_lat", "start_lon");
    let shift_start = row.required("shift_start", TimeOfDay::parse);
    let shift_end = row.required("shift_end", TimeOfDay::parse);
    let speed_kmh = row.required("speed_kmh", |t| {
        value::number(0.0, 120.0)(t).and_then(|s| {
            if s > 0.0 {
                Ok(s)
            } else {
                Err(Problem::new("not_above_zero"))
            }
        })
    });
    let max_visits = row.required("max_visits", value::integer(1, 10_000));
    ordered(row, shift_start, shift_end, "shift_end")?;
    Some(Team {
        code: code?,
        name: name?,
        members: members?,
        start: start?,
        shift_start: shift_start?,
        shift_end: shift_end?,
        speed_kmh: speed_kmh?,
        max_visits: max_visits?,
    })
}
