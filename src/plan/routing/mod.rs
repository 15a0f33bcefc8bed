//! Home-visit routing: a vehicle-routing problem with time windows (VRPTW), solved by
//! local search on penalised route-segment data (see `segment.rs`) inside an iterated
//! ruin-and-recreate loop. Plain data in, routes out: no database, no HTTP.

pub mod problem;
pub mod search;
pub mod segment;
pub mod solomon;

pub use problem::{Problem, Vehicle};
pub use search::{solve, Params, Solution};
