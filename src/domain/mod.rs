//! Validated domain types. Raw strings from CSV files, the command line or HTTP become
//! these types once, at the edge; everything behind the edge trusts them.

mod district;
mod id_number;
mod personal;
mod phone;
pub mod problem;
mod roster;
mod states;
mod time_of_day;

pub use district::{district_code, BadDistrictCode, District};
pub use id_number::IdNumber;
pub use personal::{masked_name, IdHash, PersonalDataKey};
pub use phone::Phone;
pub use problem::Problem;
pub use roster::{Building, Code, Coordinates, Resident, Site, Team};
pub use states::{LabResult, Mobility, Outcome, RecallReason, RoundStatus, Standing, TubeStatus};
pub use time_of_day::TimeOfDay;
