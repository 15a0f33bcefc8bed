//! Home-visit routing: a vehicle-routing problem with time windows (VRPTW) and a mixed
//! fleet (own start, shift, capacity and speed per vehicle; optional visits with prizes),
//! solved by local search on penalised route-segment data (see `segment.rs`) inside an
//! iterated ruin-and-recreate loop. Plain data in, routes out: no database, no HTTP.

mod crossover;
mod genetic;
mod operators;
pub mod population;
pub mod problem;
pub mod search;
pub mod segment;
pub mod solomon;
mod state;
pub mod stop;
pub mod vrplib;

pub use problem::{Node, Problem, Streets, Travel, Vehicle};
pub use search::{solve, solve_from, Params, Solution};
