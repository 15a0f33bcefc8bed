//! Sampling at a site and the lab's answer: a team opens a tube, scans residents' swabs
//! into it and closes it; the lab records its result.
//!
//! The rules: only the team that opened a tube puts swabs in it or closes it; an open tube
//! takes swabs up to its pool size and then closes itself; a resident is sampled once a
//! round — again only after their pool was positive (then into a tube of pool size 1, the
//! single-tube retest) or invalid; a tube takes one result, once closed. Every rule that
//! two writers at once could break is checked by the statement that writes (see
//! `store::tubes`), so it holds on PostgreSQL as on SQLite.

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

use super::RoundError;
use crate::domain::{masked_name, District, IdNumber, LabResult, PersonalDataKey, TubeStatus};
use crate::store::residents::{self, Named};
use crate::store::tubes::{self, LatestSample, TubeRow};
use crate::store::{access, DbConnection};

/// Pool sizes a tube may have: 1 (single-tube retests) to 50.
const POOL_SIZES: std::ops::RangeInclusive<i32> = 1..=50;
/// Characters a tube's code may have.
pub(super) const TUBE_CODE_MAX_CHARS: usize = 64;

/// A team's sampler at a site.
#[derive(Debug, Clone, Copy)]
pub struct Sampler<'a> {
    /// The team's district: its tubes, its residents, its clock.
    pub district: &'a District,
    pub team_id: i64,
    /// The login's name, for the audit and the sample's record.
    pub name: &'a str,
}

/// Who is being sampled, as the sampler identified them.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// The QR ticket as scanned.
    Ticket(&'a str),
    /// The resident's code.
    Code(&'a str),
    /// The ID number as typed from the card.
    IdNumber(&'a str),
}

/// A resident's swab just put in a tube: whom, for the sampler to check against the person.
#[derive(Debug, Clone)]
pub struct Added {
    pub resident: String,
    /// All but the first and last characters hidden (张*明).
    pub name: String,
}

/// Opens a tube of `pool_size` for the round on `date`.
pub fn open_tube(
    conn: &mut DbConnection,
    sampler: Sampler,
    date: NaiveDate,
    code: &str,
    pool_size: i32,
) -> Result<TubeRow, RoundError> {
    if !POOL_SIZES.contains(&pool_size) {
        return Err(RoundError::Invalid {
            field: "pool_size",
            message: "pool_size is 1 to 50".into(),
        });
    }
    let code = code.trim();
    if !(1..=TUBE_CODE_MAX_CHARS).contains(&code.chars().count()) {
        return Err(RoundError::Invalid {
            field: "tube",
            message: format!("tube is 1 to {TUBE_CODE_MAX_CHARS} characters"),
        });
    }
    let district = sampler.district;
    let round = super::round_on(conn, district, date)?;
    let now = Utc::now().naive_utc();
    if tubes::open_tube(
        conn,
        district.id,
        round.id,
        code,
        sampler.team_id,
        pool_size,
        now,
    )?
    .is_none()
    {
        return Err(RoundError::TubeExists(code.to_string()));
    }
    access::audit(
        conn,
        Some(district.id),
        sampler.name,
        "open tube",
        code,
        now,
    )?;
    tube_now(conn, district, code)
}

/// Puts a resident of the sampler's district's swab into the sampler's open tube. A
/// resident sampled already is told when, on the district's clock. Runs in the caller's
/// write transaction, which a refusal must roll back: the swab's place in the tube is
/// taken before the resident's earlier samples are read (most have none, and a scan is a
/// round trip shorter without the read), and given back with the transaction.
pub fn scan(
    conn: &mut DbConnection,
    key: &PersonalDataKey,
    sampler: Sampler,
    tube: &str,
    who: Who,
) -> Result<(TubeRow, Added), RoundError> {
    let timezone = sampler.district.timezone;
    let tube = own_tube(conn, sampler, tube.trim())?;
    let closed = || RoundError::TubeClosed(tube.code.clone());
    if tube.status != TubeStatus::Open {
        return Err(closed());
    }
    let (resident_id, resident, name) = find(conn, key, sampler.district, who)?;
    let now = Utc::now().naive_utc();
    // The tube's row first: concurrent scans into this tube wait here, and a full tube
    // refuses the swab.
    let taken = tubes::take_place(conn, tube.id, now)?.ok_or_else(closed)?;
    // Most residents are sampled once a round: the first attempt is tried first, and only
    // when it is taken is the sample that took it read, to see whether this one may
    // follow it. A scan of the same resident at the same moment (another tube, another
    // site) that took an attempt is met the same way: the database keeps one, this one is
    // refused and its place in the tube given back with the transaction.
    let mut attempt = 1;
    while !tubes::add_sample(conn, &tube, resident_id, attempt, sampler.name, now)? {
        let earlier = tubes::latest_sample(conn, &tube, resident_id)?.ok_or(
            RoundError::Inconsistent("a sample that took the attempt is gone"),
        )?;
        // Someone sampled before a member of their household was found in a positive pool
        // is recalled with them (where the round recalls households), into a single tube.
        let household = if earlier.tube_status.recalls() {
            None
        } else {
            tubes::household_positive_since(conn, &tube, resident_id, earlier.taken_at)?
        };
        match household {
            Some(positive) if tube.pool_size != 1 => {
                return Err(RoundError::NeedsSingleTube(positive))
            }
            Some(_) => {}
            None => may_sample_again(&earlier, tube.pool_size, timezone)?,
        }
        if earlier.attempt < attempt {
            return Err(RoundError::Inconsistent(
                "a sample was refused that may be taken",
            ));
        }
        attempt = earlier.attempt + 1;
    }
    access::audit(
        conn,
        Some(sampler.district.id),
        sampler.name,
        "scan",
        &format!("tube {}", tube.code),
        now,
    )?;
    let added = Added {
        resident,
        name: masked_name(&name),
    };
    Ok((taken, added))
}

/// Closes the sampler's tube before it is full.
pub fn close_tube(
    conn: &mut DbConnection,
    sampler: Sampler,
    code: &str,
) -> Result<TubeRow, RoundError> {
    let tube = own_tube(conn, sampler, code)?;
    let now = Utc::now().naive_utc();
    // Checked by the update itself, so that a scan at the same moment is either in the
    // tube or refused.
    if !tubes::close_tube(conn, tube.id, now)? {
        let tube = own_tube(conn, sampler, code)?;
        return Err(if tube.status != TubeStatus::Open {
            RoundError::TubeAlreadyClosed(code.to_string())
        } else {
            RoundError::TubeEmpty(code.to_string())
        });
    }
    access::audit(
        conn,
        Some(sampler.district.id),
        sampler.name,
        "close tube",
        code,
        now,
    )?;
    tube_now(conn, sampler.district, code)
}

/// Records a closed tube's result, by `by` of the district's lab; returns how many
/// residents are now to be sampled again (none after a negative pool).
pub fn record_result(
    conn: &mut DbConnection,
    district: &District,
    by: &str,
    code: &str,
    result: LabResult,
) -> Result<i32, RoundError> {
    let code = code.trim();
    let find = |conn: &mut DbConnection| {
        tubes::tube(conn, district.id, code)?
            .ok_or_else(|| RoundError::UnknownTube(code.to_string()))
    };
    let tube = find(conn)?;
    let now = Utc::now().naive_utc();
    // Only a closed tube takes a result, checked by the update itself: of two results sent
    // at once, one is recorded and the other refused, never lost.
    if tubes::set_result(conn, tube.id, result.status(), Default::default(), now)? {
        access::audit(
            conn,
            Some(district.id),
            by,
            &format!("result {}", result.status()),
            &format!("tube {code}"),
            now,
        )?;
        return Ok(if result == LabResult::Negative {
            0
        } else {
            // Read again: the tube may have filled since it was read above.
            find(conn)?.swabs
        });
    }
    let status = find(conn)?.status;
    Err(if status == TubeStatus::Open {
        RoundError::TubeStillOpen(code.to_string())
    } else {
        RoundError::ResultExists {
            tube: code.to_string(),
            result: status,
        }
    })
}

/// The sampler's own tube by code.
fn own_tube(conn: &mut DbConnection, sampler: Sampler, code: &str) -> Result<TubeRow, RoundError> {
    let tube = tubes::tube(conn, sampler.district.id, code)?
        .ok_or_else(|| RoundError::UnknownTube(code.to_string()))?;
    if tube.team_id != sampler.team_id {
        return Err(RoundError::NotYourTube(code.to_string()));
    }
    Ok(tube)
}

fn tube_now(
    conn: &mut DbConnection,
    district: &District,
    code: &str,
) -> Result<TubeRow, RoundError> {
    tubes::tube(conn, district.id, code)?
        .ok_or(RoundError::Inconsistent("the tube just used is gone"))
}

/// Whether a resident sampled before in this round may be sampled again into a tube of
/// `pool_size`: only after a positive pool (into a single tube) or an invalid one.
fn may_sample_again(
    earlier: &LatestSample,
    pool_size: i32,
    timezone: Tz,
) -> Result<(), RoundError> {
    match earlier.tube_status {
        TubeStatus::Positive if pool_size != 1 => {
            Err(RoundError::NeedsSingleTube(earlier.tube.clone()))
        }
        TubeStatus::Positive | TubeStatus::Invalid => Ok(()),
        _ => Err(RoundError::AlreadySampled {
            tube: earlier.tube.clone(),
            at: earlier.taken_at.and_utc().with_timezone(&timezone),
        }),
    }
}

/// The resident of the district the sampler identified, with their code and name (a ticket
/// of another district's resident is not one of this district's).
fn find(
    conn: &mut DbConnection,
    key: &PersonalDataKey,
    district: &District,
    who: Who,
) -> Result<(i64, String, String), RoundError> {
    let id_hash;
    let (named, unknown) = match who {
        Who::Ticket(ticket) => (
            Named::Id(
                key.resident_of_ticket(ticket)
                    .ok_or(RoundError::UnknownTicket)?,
            ),
            RoundError::UnknownTicket,
        ),
        Who::Code(code) => (Named::Code(code.trim()), RoundError::UnknownResident),
        Who::IdNumber(text) => {
            let id = IdNumber::parse(text).map_err(|e| RoundError::Invalid {
                field: "id_number",
                message: format!("id_number {e}"),
            })?;
            id_hash = key.id_hash(&id);
            (Named::IdHash(&id_hash), RoundError::UnknownIdNumber)
        }
    };
    residents::named(conn, district.id, named)?.ok_or(unknown)
}
