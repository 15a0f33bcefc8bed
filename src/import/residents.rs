//! Checking residents.csv row by row against everything an import knows: the buildings
//! (stored and in this import), the rows before, and the residents already stored.

use std::collections::HashMap;
use std::io::Read;
use std::sync::mpsc::SyncSender;

use super::csv_file::{CsvFile, Problems};
use super::first_seen::{FirstSeen, Names};
use super::rows;
use crate::domain::{Code, IdHash, IdNumber, PersonalDataKey, Problem};
use crate::store::buildings::StoredBuilding;
use crate::store::residents::{ResidentRow, StoredResidents};

/// Rows sent to the writer at a time; bounds memory whatever the file size.
const BATCH: usize = 8_192;

pub struct Checker<'a> {
    pub district_id: i64,
    /// Whether to give back the good rows' ID hashes and lines (to look for them in other
    /// districts once the file is read).
    pub collect_ids: bool,
    /// Rows the file likely holds (0 when not known).
    pub expected_rows: usize,
    /// Floors of the buildings in this import's buildings.csv.
    pub file_buildings: &'a HashMap<String, i32>,
    /// Buildings as stored, including this import's when they were written.
    pub stored_buildings: &'a HashMap<String, StoredBuilding>,
    pub stored_residents: &'a StoredResidents,
    pub key: &'a PersonalDataKey,
    pub this_year: i32,
}

impl Checker<'_> {
    /// Checks every row, adding its problems to `errors`. Checked rows go to `writer` in
    /// batches until the first problem; after it nothing more is sent, and the checking
    /// goes on so that every bad row is reported. Gives back the good rows' ID hashes and
    /// lines when asked to collect them.
    pub fn check<R: Read>(
        &self,
        mut file: CsvFile<R>,
        mut writer: Option<SyncSender<Vec<ResidentRow>>>,
        errors: &mut Problems,
    ) -> Vec<(IdHash, u64)> {
        let mut ids = Vec::new();
        // Each code's row, with its building and whether it is its own household (the
        // default); households named in their own column apart. Most residents are their
        // own household or share a named one, so this keeps one key a row, not two.
        let mut seen_codes: FirstSeen<Home> = FirstSeen::with_capacity(self.expected_rows);
        let mut named_households: FirstSeen<u32> = FirstSeen::default();
        let mut seen_ids = FirstSeen::with_capacity(self.expected_rows);
        let mut buildings = Names::default();
        let mut batch: Vec<ResidentRow> = Vec::with_capacity(BATCH);

        while let Some(row) = file.next_row() {
            let mut row = match row {
                Ok(row) => row,
                Err(error) => {
                    errors.push(error);
                    writer = None;
                    continue;
                }
            };
            let line = row.line;
            let building_number = Code::parse(row.text("building"))
                .ok()
                .map(|b| buildings.number(b.as_str()));
            let named_household = row.text("household");
            let code = row.text("code");
            if !code.is_empty() {
                let home = Home::new(building_number, named_household.is_empty());
                if let Some((first, _)) = seen_codes.first(code, line, home) {
                    row.fail(
                        "code",
                        Problem::new("duplicate_code")
                            .with("code", code)
                            .with("first", first),
                    );
                }
            }
            let resident = rows::resident(&mut row, self.this_year);
            // The checks against the buildings and the other rows take whichever of the
            // row's values are good, so that a row with a bad field still hears of every
            // other problem it has.
            let building = match &resident {
                Some(r) => Some(r.building.as_str().to_string()),
                None => Code::parse(row.text("building"))
                    .ok()
                    .map(|c| c.as_str().to_string()),
            };
            let floor = match &resident {
                Some(r) => Some(r.floor),
                None => rows::floor(row.text("floor")),
            };
            if let Some(building) = &building {
                let floors = self
                    .file_buildings
                    .get(building.as_str())
                    .copied()
                    .or_else(|| {
                        self.stored_buildings
                            .get(building.as_str())
                            .map(|b| b.floors)
                    });
                match (floors, floor) {
                    (None, _) => row.fail(
                        "building",
                        Problem::new("unknown_building").with("building", building),
                    ),
                    (Some(top), Some(floor)) if floor > top => row.fail(
                        "floor",
                        Problem::new("above_top_floor")
                            .with("floor", floor)
                            .with("top", top)
                            .with("building", building),
                    ),
                    _ => {}
                }
            }

            let id_hash = match &resident {
                Some(r) => Some(self.key.id_hash(&r.id_number)),
                None => IdNumber::parse(row.text("id_number"))
                    .ok()
                    .map(|id| self.key.id_hash(&id)),
            };
            if let Some(id_hash) = id_hash {
                if let Some((first, ())) = seen_ids.first(id_hash, line, ()) {
                    row.fail(
                        "id_number",
                        Problem::new("same_id_number").with("first", first),
                    );
                } else if let Some(owner) = self
                    .stored_residents
                    .owner_of(&id_hash)
                    .filter(|owner| *owner != row.text("code"))
                {
                    row.fail(
                        "id_number",
                        Problem::new("id_number_taken").with("owner", owner),
                    );
                }
            }

            // A household lives in one building: the first row of a household (named, or a
            // resident who is their own) says which.
            if let Some(number) = building_number {
                let elsewhere = if named_household.is_empty() {
                    named_households
                        .seen(code)
                        .filter(|(_, other)| *other != number)
                } else {
                    // The resident the household is named after, when seen, says first.
                    let named = named_households.first(named_household, line, number);
                    seen_codes
                        .seen(named_household)
                        .filter(|(_, home)| home.own_household())
                        .and_then(|(first, home)| Some((first, home.building()?)))
                        .or(named)
                        .filter(|(_, other)| *other != number)
                };
                if let Some((first, other)) = elsewhere {
                    let household = if named_household.is_empty() {
                        code
                    } else {
                        named_household
                    };
                    row.fail(
                        "household",
                        Problem::new("household_elsewhere")
                            .with("household", household)
                            .with("other", buildings.name(other))
                            .with("first", first)
                            .with("building", buildings.name(number)),
                    );
                }
            }

            let (Some(resident), Some(id_hash)) = (resident.filter(|_| !row.has_errors()), id_hash)
            else {
                errors.extend(row.into_errors());
                writer = None;
                continue;
            };
            if self.collect_ids {
                ids.push((id_hash, line));
            }
            let Some(sender) = &writer else { continue };
            let building_id = self
                .stored_buildings
                .get(resident.building.as_str())
                .map(|b| b.id)
                .expect("while nothing is wrong, this import's buildings are stored");
            batch.push(ResidentRow::new(
                self.district_id,
                resident,
                building_id,
                id_hash,
                self.key,
            ));
            if batch.len() >= BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if sender.send(full).is_err() {
                    writer = None; // the writer stopped; keep checking
                }
            }
        }
        if let Some(sender) = writer.filter(|_| !batch.is_empty()) {
            let _ = sender.send(batch);
        }
        ids
    }
}

/// A resident's building (by number) and whether they are their own household, in the four
/// bytes a key can spare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Home(u32);

impl Home {
    const OWN: u32 = 1 << 31;
    const NO_BUILDING: u32 = Self::OWN - 1;

    fn new(building: Option<u32>, own_household: bool) -> Self {
        let building = building.unwrap_or(Self::NO_BUILDING).min(Self::NO_BUILDING);
        Home(building | if own_household { Self::OWN } else { 0 })
    }

    fn building(self) -> Option<u32> {
        Some(self.0 & Self::NO_BUILDING).filter(|b| *b != Self::NO_BUILDING)
    }

    fn own_household(self) -> bool {
        self.0 & Self::OWN != 0
    }
}
