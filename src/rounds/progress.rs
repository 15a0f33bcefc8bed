//! How far a round has come: where each resident stands, counted by community, building,
//! unit and floor; who is still to be sampled; who must be sampled again; and how many
//! were sampled as the day went on.

use chrono::{NaiveDate, TimeZone};

use super::RoundError;
use crate::domain::{District, RecallReason, Standing};
use crate::store::completion::{self, ResidentStanding};
use crate::store::rounds::RoundRow;
use crate::store::{tubes, DbConnection};

/// Residents expected, and where they stand.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub expected: u32,
    pub sampled: u32,
    pub recalled: u32,
    pub not_home: u32,
    pub refused: u32,
    pub pending: u32,
}

impl Counts {
    fn add(&mut self, standing: Standing) {
        self.expected += 1;
        match standing {
            Standing::Sampled => self.sampled += 1,
            Standing::Recalled => self.recalled += 1,
            Standing::NotHome => self.not_home += 1,
            Standing::Refused => self.refused += 1,
            Standing::Pending => self.pending += 1,
        }
    }

    fn of(people: &[&ResidentStanding]) -> Counts {
        let mut counts = Counts::default();
        people.iter().for_each(|p| counts.add(p.standing));
        counts
    }

    /// `expected` residents, of whom those not in `known` are pending.
    pub(super) fn spoken_for(expected: u32, known: &[Standing]) -> Counts {
        let mut counts = Counts::default();
        known.iter().for_each(|&s| counts.add(s));
        let unknown = expected.saturating_sub(counts.expected);
        counts.expected += unknown;
        counts.pending += unknown;
        counts
    }

    /// Residents not (validly) sampled and not called back: the doors still to knock on.
    pub fn missing(&self) -> u32 {
        self.not_home + self.refused + self.pending
    }

    pub(super) fn plus(self, other: Counts) -> Counts {
        Counts {
            expected: self.expected + other.expected,
            sampled: self.sampled + other.sampled,
            recalled: self.recalled + other.recalled,
            not_home: self.not_home + other.not_home,
            refused: self.refused + other.refused,
            pending: self.pending + other.pending,
        }
    }
}

/// A community, building, unit or floor, counted, with its parts one level down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub counts: Counts,
    /// Empty at the last level.
    pub parts: Vec<Group>,
}

/// One key of a level: the community, the building, the unit or the floor.
type Level = fn(&ResidentStanding) -> String;

const BY_COMMUNITY_AND_BUILDING: &[Level] = &[|p| p.community.clone(), |p| p.building.clone()];
const BY_BUILDING_UNIT_AND_FLOOR: &[Level] = &[
    |p| p.building.clone(),
    |p| p.unit.clone(),
    |p| p.floor.to_string(),
];

/// Groups residents by the successive levels, counting at every one, in the order the
/// residents come.
fn tally(people: &[&ResidentStanding], levels: &[Level]) -> Vec<Group> {
    let Some((key, rest)) = levels.split_first() else {
        return Vec::new();
    };
    let mut groups: Vec<(String, Vec<&ResidentStanding>)> = Vec::new();
    for &person in people {
        let name = key(person);
        match groups.iter_mut().find(|g| g.0 == name) {
            Some(group) => group.1.push(person),
            None => groups.push((name, vec![person])),
        }
    }
    groups
        .into_iter()
        .map(|(name, members)| Group {
            name,
            counts: Counts::of(&members),
            parts: tally(&members, rest),
        })
        .collect()
}

/// The round's completion: for the district by community and building, or for one
/// building by unit and floor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub date: NaiveDate,
    pub counts: Counts,
    pub parts: Vec<Group>,
}

pub fn completion(
    conn: &mut DbConnection,
    district: &District,
    date: NaiveDate,
    building: Option<&str>,
) -> Result<Completion, RoundError> {
    let round = super::round_on(conn, district, date)?;
    let people = standings(conn, &round, building)?;
    let people: Vec<&ResidentStanding> = people.iter().collect();
    let levels = match building {
        Some(_) => BY_BUILDING_UNIT_AND_FLOOR,
        None => BY_COMMUNITY_AND_BUILDING,
    };
    Ok(Completion {
        date,
        counts: Counts::of(&people),
        parts: tally(&people, levels),
    })
}

/// Completion by community and building, one row per building.
pub(super) fn by_building(
    conn: &mut DbConnection,
    round: &RoundRow,
) -> Result<Vec<(String, String, Counts)>, RoundError> {
    let people = completion::standings(conn, round, None)?;
    let people: Vec<&ResidentStanding> = people.iter().collect();
    Ok(tally(&people, BY_COMMUNITY_AND_BUILDING)
        .into_iter()
        .flat_map(|community| {
            community
                .parts
                .into_iter()
                .map(move |b| (community.name.clone(), b.name, b.counts))
        })
        .collect())
}

/// The door-knockers' list: one building's residents without a valid sample, by unit,
/// floor and room.
pub fn still_to_sample(
    conn: &mut DbConnection,
    district: &District,
    date: NaiveDate,
    building: &str,
) -> Result<Vec<ResidentStanding>, RoundError> {
    let round = super::round_on(conn, district, date)?;
    let people = standings(conn, &round, Some(building))?;
    Ok(people
        .into_iter()
        .filter(|p| p.standing != Standing::Sampled)
        .collect())
}

/// The residents of the district or of one building, with their standing; a building
/// code that names no building is the asker's mistake.
fn standings(
    conn: &mut DbConnection,
    round: &RoundRow,
    building: Option<&str>,
) -> Result<Vec<ResidentStanding>, RoundError> {
    let people = completion::standings(conn, round, building)?;
    match building {
        Some(code) if people.is_empty() => Err(RoundError::UnknownBuilding(code.to_string())),
        _ => Ok(people),
    }
}

/// Someone who must be sampled again, and where to find them.
#[derive(Debug, Clone)]
pub struct Recall {
    pub reason: RecallReason,
    pub who: tubes::RecallRow,
}

/// Who must be sampled again, by building and door.
pub fn recalls(
    conn: &mut DbConnection,
    district: &District,
    date: NaiveDate,
) -> Result<Vec<Recall>, RoundError> {
    let round = super::round_on(conn, district, date)?;
    let needed = tubes::retests_needed(conn, &round)?;
    let ids: Vec<i64> = needed.keys().copied().collect();
    Ok(tubes::recall_rows(conn, round.district_id, &ids)?
        .into_iter()
        .map(|who| Recall {
            reason: needed[&who.resident_id],
            who,
        })
        .collect())
}

/// Residents sampled by a moment of the round's day (each counted once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampledBy {
    /// Local time.
    pub until: chrono::NaiveTime,
    pub sampled: usize,
}

/// Residents sampled so far, every `step_min` minutes of the district's clock from the
/// first sample to the last; nothing before the first sample.
pub fn sampled_over_the_day(
    conn: &mut DbConnection,
    district: &District,
    date: NaiveDate,
    step_min: u32,
) -> Result<Vec<SampledBy>, RoundError> {
    let round = super::round_on(conn, district, date)?;
    sampled_by_step(conn, district, &round, step_min)
}

/// [`sampled_over_the_day`] for a round at hand.
pub(super) fn sampled_by_step(
    conn: &mut DbConnection,
    district: &District,
    round: &RoundRow,
    step_min: u32,
) -> Result<Vec<SampledBy>, RoundError> {
    let zone = district.timezone;
    let date = round.date;
    let step_s = i64::from(step_min.max(1)) * 60;
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    let mut seconds: Vec<i64> = completion::first_samples(conn, round)?
        .into_iter()
        .map(|utc| (zone.from_utc_datetime(&utc).naive_local() - midnight).num_seconds())
        .collect();
    seconds.sort_unstable();
    let (Some(&first), Some(&last)) = (seconds.first(), seconds.last()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut until = (first.div_euclid(step_s) + 1) * step_s;
    loop {
        out.push(SampledBy {
            until: (midnight + chrono::Duration::seconds(until)).time(),
            sampled: seconds.partition_point(|&s| s < until),
        });
        if until > last {
            break;
        }
        until += step_s;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(community: &str, building: &str, floor: i32, standing: Standing) -> ResidentStanding {
        ResidentStanding {
            id: 0,
            code: String::new(),
            name: String::new(),
            community: community.into(),
            building: building.into(),
            unit: "1".into(),
            floor,
            room: String::new(),
            standing,
        }
    }

    #[test]
    fn every_level_counts_its_members_and_the_parts_add_up() {
        let people = [
            person("East", "B1", 1, Standing::Sampled),
            person("East", "B1", 2, Standing::Pending),
            person("East", "B2", 1, Standing::NotHome),
            person("West", "B3", 1, Standing::Recalled),
        ];
        let people: Vec<&ResidentStanding> = people.iter().collect();
        let groups = tally(&people, BY_COMMUNITY_AND_BUILDING);
        assert_eq!(
            groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
            ["East", "West"]
        );
        let east = &groups[0];
        assert_eq!(east.counts.expected, 3);
        assert_eq!((east.counts.sampled, east.counts.pending), (1, 1));
        assert_eq!(east.parts.len(), 2);
        let parts: u32 = east.parts.iter().map(|b| b.counts.expected).sum();
        assert_eq!(parts, east.counts.expected);
        assert!(east.parts.iter().all(|b| b.parts.is_empty()));
    }
}
