//! Checking residents.csv row by row against everything an import knows: the buildings
//! (stored and in this import), the rows before, and the residents already stored.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::io::Read;
use std::sync::mpsc::SyncSender;

use super::csv_file::{CsvFile, Problems};
use super::{check_code_unique, first_seen, rows};
use crate::domain::{Code, IdHash, IdNumber, PersonalDataKey, Problem};
use crate::store::roster::{ResidentRow, StoredBuilding, StoredResidents};

/// Rows sent to the writer at a time; bounds memory whatever the file size.
const BATCH: usize = 8_192;

pub struct Checker<'a> {
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
    /// goes on so that every bad row is reported.
    pub fn check<R: Read>(
        &self,
        mut file: CsvFile<R>,
        mut writer: Option<SyncSender<Vec<ResidentRow>>>,
        errors: &mut Problems,
    ) {
        let mut seen_codes: HashMap<String, u64> = HashMap::new();
        let mut seen_ids: HashMap<IdHash, u64> = HashMap::new();
        let mut households: HashMap<String, (String, u64)> = HashMap::new();
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
            check_code_unique(&mut row, &mut seen_codes);
            let resident = rows::resident(&mut row, self.this_year);
            let line = row.line;
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
                if let Err(first) = first_seen(&mut seen_ids, id_hash, line) {
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

            let household = match &resident {
                Some(r) => r.household.clone(),
                None => [row.text("household"), row.text("code")]
                    .into_iter()
                    .find(|t| !t.is_empty())
                    .unwrap_or_default()
                    .to_string(),
            };
            if let Some(building) = building.filter(|_| !household.is_empty()) {
                match households.entry(household) {
                    Entry::Occupied(first) if first.get().0 != building => {
                        let (other, first_line) = first.get();
                        row.fail(
                            "household",
                            Problem::new("household_elsewhere")
                                .with("household", first.key())
                                .with("other", other)
                                .with("first", first_line)
                                .with("building", &building),
                        );
                    }
                    Entry::Occupied(_) => {}
                    Entry::Vacant(slot) => {
                        slot.insert((building, line));
                    }
                }
            }

            let (Some(resident), Some(id_hash)) = (resident.filter(|_| !row.has_errors()), id_hash)
            else {
                errors.extend(row.into_errors());
                writer = None;
                continue;
            };
            let Some(sender) = &writer else { continue };
            let building_id = self
                .stored_buildings
                .get(resident.building.as_str())
                .map(|b| b.id)
                .expect("while nothing is wrong, this import's buildings are stored");
            batch.push(ResidentRow::new(resident, building_id, id_hash, self.key));
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
    }
}
