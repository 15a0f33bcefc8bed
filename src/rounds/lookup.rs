//! A resident looks up their own slot, or the window in which a team comes to the door,
//! with their ID number and a second detail. A wrong detail and an unknown ID number get
//! the same answer, so that the lookup does not tell whether someone is registered.

use chrono::NaiveDate;

use super::RoundError;
use crate::config::Config;
use crate::domain::{IdNumber, RoundStatus};
use crate::store::{residents, rounds, Db};

/// What proves the ID number is the asker's own: the name, or the phone's last four digits.
#[derive(Debug, Clone, Copy)]
pub struct Proof<'a> {
    pub name: Option<&'a str>,
    pub phone_last4: Option<&'a str>,
}

impl Proof<'_> {
    /// Whether this proves the resident of this name and masked phone is the asker.
    fn proves(&self, name: &str, phone_masked: Option<&str>) -> bool {
        let name_matches = self.name.is_some_and(|n| n.trim() == name.trim());
        let phone_matches = self
            .phone_last4
            .zip(phone_masked)
            .is_some_and(|(given, masked)| {
                given.trim().len() == 4 && masked.ends_with(given.trim())
            });
        name_matches || phone_matches
    }
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

/// The resident's slot on `date` (default: the next published round of the resident's
/// district from its today on), once the round is published. A home visit's window is its
/// planned start ± `tolerance_s`. The resident's district is the one their ID number is
/// registered in: a resident need not know it.
pub fn look_up_slot(
    db: &Db,
    config: &Config,
    id: &IdNumber,
    proof: Proof,
    date: Option<NaiveDate>,
    tolerance_s: i32,
) -> Result<FoundSlot, RoundError> {
    let mut conn = db.conn()?;
    let key = db.personal_data_key(&mut conn)?;
    let id_hash = key.id_hash(id);
    // Without a date: the next round told to the resident's district, today's or a later
    // one (an office may publish tomorrow's slots tonight).
    let date = match date {
        Some(date) => date,
        None => {
            // Whether a round is told yet is said only to the resident.
            let (district, name, phone_masked) =
                residents::district_of(&mut conn, &id_hash)?.ok_or(RoundError::NoSlotFound)?;
            if !proof.proves(&name, phone_masked.as_deref()) {
                return Err(RoundError::NoSlotFound);
            }
            let today = crate::districts::district(district.clone(), config).today();
            rounds::next_published(&mut conn, district.id, today)?
                .ok_or(RoundError::NotPublished)?
                .date
        }
    };
    // Nobody with this ID number, or no round that day in their district: the same answer
    // as a wrong name, so that the lookup does not tell who is registered.
    let found =
        residents::slot_of(&mut conn, id_hash.as_bytes(), date)?.ok_or(RoundError::NoSlotFound)?;
    if !proof.proves(&found.name, found.phone_masked.as_deref()) {
        return Err(RoundError::NoSlotFound);
    }
    if found.round_status != RoundStatus::Published {
        return Err(RoundError::NotPublished);
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

/// Whether the ticket is one this district gave out: the key decides, no row is read.
pub fn is_our_ticket(db: &Db, ticket: &str) -> Result<bool, RoundError> {
    let key = db.cached_personal_data_key()?;
    Ok(key.resident_of_ticket(ticket).is_some())
}
