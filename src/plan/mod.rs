//! The planning core: plain data in, a plan out. Nothing here touches the database or
//! HTTP, so it can be tested with properties and benchmarked on its own.

pub mod queue;
pub mod routing;
pub mod slots;
pub mod transport;
pub mod travel;
pub mod visits;

/// The caller's id for a resident (the store's row id), in every plan.
pub type ResidentId = i64;
