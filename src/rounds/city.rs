//! What the city's headquarters follows: every district's round on a day, counted and by
//! the hour, with nobody named — the same counts an office sees for its own district.

use chrono::{NaiveDate, NaiveTime};

use super::progress::{sampled_by_step, Counts, SampledBy};
use super::RoundError;
use crate::domain::District;
use crate::store::{completion, rounds, DbConnection};

/// The headquarters' hours.
const HOUR_MIN: u32 = 60;

/// One district on the day.
#[derive(Debug, Clone)]
pub struct DistrictDay {
    pub district: District,
    /// None when the district has no round that day.
    pub counts: Option<Counts>,
    /// Residents sampled by each hour of the district's clock (each counted once).
    pub by_hour: Vec<SampledBy>,
}

/// The city on the day: each district, and their sum.
#[derive(Debug, Clone)]
pub struct CityDay {
    pub date: NaiveDate,
    pub districts: Vec<DistrictDay>,
    /// The districts with a round, added up.
    pub total: Counts,
    /// Sampled by each hour, added up over the districts, each read on its own clock
    /// (a city keeps one time zone; a district that starts later adds nothing before).
    pub by_hour: Vec<SampledBy>,
}

pub fn city_completion(
    conn: &mut DbConnection,
    districts: &[District],
    date: NaiveDate,
) -> Result<CityDay, RoundError> {
    let mut days = Vec::with_capacity(districts.len());
    for district in districts {
        let day = match rounds::round_on(conn, district.id, date)? {
            None => DistrictDay {
                district: district.clone(),
                counts: None,
                by_hour: Vec::new(),
            },
            Some(round) => {
                let (expected, known) = completion::spoken_for(conn, &round)?;
                DistrictDay {
                    district: district.clone(),
                    counts: Some(Counts::spoken_for(expected, &known)),
                    by_hour: sampled_by_step(conn, district, &round, HOUR_MIN)?,
                }
            }
        };
        days.push(day);
    }
    let total = days
        .iter()
        .filter_map(|d| d.counts)
        .fold(Counts::default(), Counts::plus);
    let by_hour = added_up(days.iter().map(|d| d.by_hour.as_slice()));
    Ok(CityDay {
        date,
        districts: days,
        total,
        by_hour,
    })
}

/// Cumulative series added up at every moment any of them has: before its first entry a
/// series counts 0, after its last it keeps its last count.
fn added_up<'a>(series: impl Iterator<Item = &'a [SampledBy]> + Clone) -> Vec<SampledBy> {
    let mut moments: Vec<NaiveTime> = series.clone().flatten().map(|s| s.until).collect();
    moments.sort_unstable();
    moments.dedup();
    moments
        .into_iter()
        .map(|until| SampledBy {
            until,
            sampled: series
                .clone()
                .map(|s| {
                    s.iter()
                        .take_while(|e| e.until <= until)
                        .last()
                        .map_or(0, |e| e.sampled)
                })
                .sum(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32, sampled: usize) -> SampledBy {
        SampledBy {
            until: NaiveTime::from_hms_opt(hour, 0, 0).unwrap(),
            sampled,
        }
    }

    #[test]
    fn series_that_start_and_end_apart_add_up_hour_by_hour() {
        let early = [at(8, 10), at(9, 30)];
        let late = [at(9, 5), at(10, 7)];
        let sum = added_up([&early[..], &late[..]].into_iter());
        assert_eq!(sum, [at(8, 10), at(9, 35), at(10, 37)]);
        assert_eq!(added_up(std::iter::empty()), []);
    }

    #[test]
    fn pending_are_the_residents_nobody_has_spoken_for() {
        use crate::domain::Standing;
        let counts = Counts::spoken_for(5, &[Standing::Sampled, Standing::NotHome]);
        assert_eq!(
            (
                counts.expected,
                counts.sampled,
                counts.pending,
                counts.missing()
            ),
            (5, 1, 3, 4)
        );
    }
}
