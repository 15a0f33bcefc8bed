//! What a mobile team records at a door: an outcome for a resident on its own route. A
//! final outcome replaced by another is a correction, and the audit says so (not home, then
//! sampled, is a second knock, not a correction).

use chrono::{NaiveDate, NaiveDateTime, Utc};

use super::sampling::TUBE_CODE_MAX_CHARS;
use super::RoundError;
use crate::domain::{District, Outcome};
use crate::store::routes::{self, NewOutcome};
use crate::store::{access, DbConnection};

/// Characters a note may have (a tube code: as at a site).
const NOTE_CHARS: usize = 500;

/// One door's outcome, as the team sends it.
#[derive(Debug, Clone, Copy)]
pub struct DoorOutcome<'a> {
    pub date: NaiveDate,
    /// The resident's code.
    pub resident: &'a str,
    pub outcome: Outcome,
    /// Needed when the resident was sampled.
    pub tube_code: Option<&'a str>,
    pub note: &'a str,
}

/// The team recording: its id and its login's name (for the record and the audit).
#[derive(Debug, Clone, Copy)]
pub struct Team<'a> {
    pub id: i64,
    pub name: &'a str,
}

/// Checks what a team sends before anything is looked up: a sampled door names its tube,
/// and the tube code and the note fit.
pub fn check_door_outcome(door: &DoorOutcome) -> Result<(), RoundError> {
    let tube_code = door.tube_code.map(str::trim).filter(|t| !t.is_empty());
    if door.outcome == Outcome::Sampled && tube_code.is_none() {
        return Err(RoundError::Invalid {
            field: "tube_code",
            message: "a sampled visit needs the tube code".into(),
        });
    }
    let message =
        format!("tube_code is at most {TUBE_CODE_MAX_CHARS} characters, note at most {NOTE_CHARS}");
    if door.note.chars().count() > NOTE_CHARS {
        return Err(RoundError::Invalid {
            field: "note",
            message,
        });
    }
    if tube_code.is_some_and(|t| t.chars().count() > TUBE_CODE_MAX_CHARS) {
        return Err(RoundError::Invalid {
            field: "tube_code",
            message,
        });
    }
    Ok(())
}

/// Records a door's outcome for a resident on the team's route; returns when.
pub fn record_outcome(
    conn: &mut DbConnection,
    district: &District,
    team: Team,
    door: DoorOutcome,
) -> Result<NaiveDateTime, RoundError> {
    check_door_outcome(&door)?;
    let round = super::round_on(conn, district, door.date)?;
    let resident_id =
        crate::store::residents::resident_id(conn, district.id, door.resident.trim())?
            .ok_or(RoundError::UnknownResident)?;
    if routes::team_of_stop(conn, &round, resident_id)? != Some(team.id) {
        return Err(RoundError::NotOnYourRoute);
    }
    let now = Utc::now().naive_utc();
    let action = match routes::last_outcome(conn, &round, resident_id)? {
        Some(before) if before.is_final() && before != door.outcome => {
            format!("correct visit outcome {before} to {}", door.outcome)
        }
        _ => format!("visit outcome {}", door.outcome),
    };
    routes::record_outcome(
        conn,
        &NewOutcome {
            district_id: round.district_id,
            round_id: round.id,
            resident_id,
            team_id: team.id,
            outcome: door.outcome,
            tube_code: door.tube_code.map(str::trim).filter(|t| !t.is_empty()),
            note: door.note.trim(),
            recorded_by: team.name,
            recorded_at: now,
        },
    )?;
    access::audit(
        conn,
        Some(district.id),
        team.name,
        &action,
        &format!("resident {} on {}", door.resident, door.date),
        now,
    )?;
    Ok(now)
}
