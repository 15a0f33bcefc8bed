//! A round's use cases: what the office, the teams and the command line ask of a round,
//! done between the doors (`api/`, `web/`, `main.rs`) and the core (`plan/`) over the store.
//! Nothing here imports a door.

mod city;
mod doors;
mod error;
mod export;
mod lookup;
mod moves;
mod plan;
mod progress;
mod sampling;
mod visits;

pub use crate::domain::LabResult;
pub use crate::domain::RecallReason;
/// A tube as the samplers see it.
pub use crate::store::tubes::TubeRow as Tube;
pub use city::{city_completion, CityDay, DistrictDay};
pub use doors::{check_door_outcome, record_outcome, DoorOutcome, Team};
pub use error::RoundError;
pub use export::{
    export_completion, export_missing, export_routes, export_slots, export_team_days,
    export_unvisited,
};
pub use lookup::{is_our_ticket, look_up_slot, FoundSlot, Proof};
pub use moves::{close_lanes, move_resident, MoveRequest, Moved};
pub use plan::{
    all_rounds, parse_window, plan_round, plan_round_while, planning, publish_round, slot_loads,
    within_window, PlanOptions, Planning, RoundSummary, Shortfall, SlotSummary,
};
pub use progress::{
    completion, recalls, sampled_over_the_day, still_to_sample, Completion, Counts, Group, Recall,
    SampledBy,
};
pub use sampling::{close_tube, open_tube, record_result, scan, Added, Sampler, Who};
pub use visits::{
    all_routes, export_vrplib, plan_routes, team_route, RouteOptions, RouteSummary, Stop,
    TeamRoute, VrplibExport,
};

/// The district's round on `date`, or the error that says to plan it first.
fn round_on(
    conn: &mut crate::store::DbConnection,
    district: &crate::domain::District,
    date: chrono::NaiveDate,
) -> Result<crate::store::rounds::RoundRow, RoundError> {
    crate::store::rounds::round_on(conn, district.id, date)?.ok_or(RoundError::NoRound(date))
}
