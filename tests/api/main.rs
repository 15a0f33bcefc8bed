//! The API by role, over HTTP on a random port, on both backends: each file is what one
//! role does, step by step (the app and the login helpers are in tests/common/api.rs).

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod access;
mod office;
mod resident;
mod sampling;
mod team;
