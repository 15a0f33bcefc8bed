//! The API by role, over HTTP on a random port, on both backends: each file is what one
//! role does, step by step — logging in (access), the office, mobile teams, samplers at a
//! site, the lab and residents. The app, the logins and the steps (open a tube, scan,
//! record a result or a door's outcome) are in tests/common/api.rs, shared with the
//! server and page tests.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod access;
mod city;
mod lab;
mod office;
mod resident;
mod site;
mod team;
