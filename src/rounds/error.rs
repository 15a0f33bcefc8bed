//! Why a round's use case could not be done, in words for the office.

use chrono::NaiveDate;

use crate::domain::{TimeOfDay, TubeStatus};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("there is no round on {0}; plan it first with `sweep plan --date {0}`")]
    NoRound(NaiveDate),
    #[error("no sampling sites are stored; import sites.csv first")]
    NoSites,
    #[error("the round on {0} is being planned by someone else; try again when that is done")]
    PlanInProgress(NaiveDate),
    #[error("{date} is more than {days} days from today ({today}); rounds are planned within district.plan_window_days")]
    DateOutOfRange {
        date: NaiveDate,
        today: NaiveDate,
        days: u32,
    },
    #[error("{0}")]
    BadOption(String),
    #[error("no resident has this code")]
    UnknownResident,
    #[error("this resident is not on your route today")]
    NotOnYourRoute,
    #[error("no building has the code {0}")]
    UnknownBuilding(String),
    #[error("no site has the code {0}")]
    UnknownSite(String),
    #[error("this resident has no slot to move (a home visit, or unplaced)")]
    NoSlotToMove,
    #[error("site {site} has no slot at {start}")]
    NoSuchSlot { site: String, start: TimeOfDay },
    #[error("the resident already has this slot")]
    AlreadyInSlot,
    #[error("the {start} slot at {site} is full")]
    SlotFull { site: String, start: TimeOfDay },
    #[error("site {site} has {lanes} lanes: close 0 to {lanes}")]
    LanesOutOfRange { site: String, lanes: i32 },
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("tube {0} was opened before")]
    TubeExists(String),
    #[error("no tube {0}")]
    UnknownTube(String),
    #[error("tube {0} was opened by other samplers")]
    NotYourTube(String),
    #[error("tube {0} is closed; open a new one")]
    TubeClosed(String),
    #[error("tube {0} is already closed")]
    TubeAlreadyClosed(String),
    #[error("tube {0} holds no swab")]
    TubeEmpty(String),
    #[error("tube {0} is still open")]
    TubeStillOpen(String),
    #[error("tube {tube} already has a result: {result}")]
    ResultExists { tube: String, result: TubeStatus },
    #[error("the slots for this round are not published yet")]
    NotPublished,
    /// An unknown ID number and a wrong name get this same answer.
    #[error("no slot was found for these details; check the ID number and the name")]
    NoSlotFound,
    #[error("this is not one of our tickets")]
    UnknownTicket,
    #[error("no resident has this ID number")]
    UnknownIdNumber,
    #[error("already sampled this round, in tube {tube} at {}", .at.format("%H:%M"))]
    AlreadySampled {
        tube: String,
        /// On the district's clock.
        at: chrono::DateTime<chrono_tz::Tz>,
    },
    #[error("a positive pool ({0}) recalls this resident: the retest goes into a single tube")]
    NeedsSingleTube(String),
    /// Stored rows that contradict each other: a defect, not the asker's mistake.
    #[error("the stored round is inconsistent: {0}")]
    Inconsistent(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
}

impl From<csv::Error> for RoundError {
    fn from(e: csv::Error) -> Self {
        RoundError::Io(std::io::Error::other(e))
    }
}
