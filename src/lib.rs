//! sweep plans and tracks a mass PCR testing round in the districts of a city: who goes to which
//! sampling site when, which mobile team visits whom at home, and who is still missing.
//!
//! Data flows one way: CSV → [`import`] → [`domain`] → [`store`]; [`api`] reads and writes
//! through [`store`]; [`web`] serves the pages that call [`api`].

pub mod access;
pub mod accounts;
pub mod api;
pub mod cli;
pub mod config;
pub mod demo;
pub mod districts;
pub mod domain;
pub mod import;
pub mod metrics;
pub mod plan;
pub mod rounds;
pub mod store;
pub mod web;
