//! A resident looks up their own slot, or the window in which a team comes to the door,
//! with their ID number and a second detail. A wrong detail and an unknown ID number get
//! the same answer, so that the lookup does not tell whether someone is registered.

use chrono::NaiveDate;

use super::RoundError;
use crate::domain::{IdNumber, RoundStatus};
use crate::store::{residents, rounds, Db};

/// What proves the ID number is the asker's own: the name, or the phone's last four digits.
#[derive(Debug, Clone, Copy)]
pub struct Proof<'a> {
    pub name: Option<&'a str>,
    pub phone_last4: Option<&'a str>,
}

/// Where and when the resident is sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundSlot {
    pub date: NaiveDate,
    /// At a site: its name and place; `None` for a home visit.
    pub site: Option<(String, (f64, f64))>,
    /// The slot, or the window around the team's planned arrival, in minutes after midnight.
    pub from_min: i32,
    pub to_min: i32,
    /// What the resident shows to be scanned.
    pub ticket: String,
    /// The resident's building.
    pub home: (f64, f64),
}

/// The resident's slot on `date` (default: the next published round from `today` on),
/// once the round is published. A home visit's window is its planned start ±
/// `tolerance_s`.
pub fn look_up_slot(
    db: &Db,
    id: &IdNumber,
    proof: Proof,
    date: Option<NaiveDate>,
    today: NaiveDate,
    tolerance_s: i32,
) -> Result<FoundSlot, RoundError> {
    let mut conn = db.conn()?;
    // Without a date: the next round told to residents, today's or a later one (an office
    // may publish tomorrow's slots tonight).
    let date = match date {
        Some(date) => date,
        None => {
            rounds::next_published(&mut conn, today)?
                .ok_or(RoundError::NotPublished)?
                .date
        }
    };
    let key = db.personal_data_key(&mut conn)?;
    let Some(found) = residents::slot_of(&mut conn, key.id_hash(id).as_bytes(), date)? else {
        // Nobody with this ID number, or no round that day: the round's answer if it is
        // missing or not told yet, so that both say the same to everyone.
        let round = super::round_on(&mut conn, date)?;
        return Err(if round.is_published() {
            RoundError::NoSlotFound
        } else {
            RoundError::NotPublished
        });
    };
    if found.round_status != RoundStatus::Published {
        return Err(RoundError::NotPublished);
    }
    let name_matches = proof.name.is_some_and(|n| n.trim() == found.name.trim());
    let phone_matches = proof
        .phone_last4
        .zip(found.phone_masked.as_deref())
        .is_some_and(|(given, masked)| given.trim().len() == 4 && masked.ends_with(given.trim()));
    if !(name_matches || phone_matches) {
        return Err(RoundError::NoSlotFound);
    }
    let (site, (from_min, to_min)) = match (found.slot, found.visit_starts_s) {
        (Some(slot), _) => (found.site.zip(found.site_location), slot),
        (None, Some(start_s)) => (
            None,
            (
                (start_s - tolerance_s).max(0) / 60,
                (start_s + tolerance_s).min(86_400) / 60,
            ),
        ),
        (None, None) => return Err(RoundError::NoSlotFound),
    };
    Ok(FoundSlot {
        date,
        site,
        from_min,
        to_min,
        ticket: key.ticket(found.resident_id),
        home: found.home,
    })
}

/// Whether the ticket is one this district gave out.
pub fn is_our_ticket(db: &Db, ticket: &str) -> Result<bool, RoundError> {
    let key = db.personal_data_key(&mut *db.conn()?)?;
    Ok(key.resident_of_ticket(ticket).is_some())
}
