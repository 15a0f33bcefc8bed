//! Checking residents.csv row by row against everything an import knows: the buildings
//! (stored and in this import), the rows before, and the residents already stored.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::io::Read;
use std::sync::mpsc::SyncSender;

use super::csv_file::{CsvFile, RowError};
use super::{check_code_unique, first_seen, rows};
use crate::domain::{IdHash, PersonalDataKey};
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
    /// Checks every row and returns the problems. Checked rows go to `writer` in batches
    /// until the first problem; after it nothing more is sent, and the checking goes on so
    /// that every bad row is reported.
    pub fn check<R: Read>(
        &self,
        mut file: CsvFile<R>,
        mut writer: Option<SyncSender<Vec<ResidentRow>>>,
    ) -> Vec<RowError> {
        let mut errors = Vec::new();
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
            let Some(resident) = rows::resident(&mut row, self.this_year) else {
                errors.extend(row.into_errors());
                writer = None;
                continue;
            };
            let line = row.line;
            let code = resident.code.as_str();
            let building = resident.building.as_str();

            let floors = self
                .file_buildings
                .get(building)
                .copied()
                .or_else(|| self.stored_buildings.get(building).map(|b| b.floors));
            match floors {
                None => row.fail("building", format!("unknown building {building}")),
                Some(floors) if resident.floor > floors => row.fail(
                    "floor",
                    format!(
                        "floor {} is above the top floor ({floors}) of building {building}",
                        resident.floor
                    ),
                ),
                Some(_) => {}
            }

            let id_hash = self.key.id_hash(&resident.id_number);
            if let Err(first) = first_seen(&mut seen_ids, id_hash, line) {
                row.fail(
                    "id_number",
                    format!("the same ID number is on line {first}"),
                );
            } else if let Some(owner) = self
                .stored_residents
                .owner_of(&id_hash)
                .filter(|owner| *owner != code)
            {
                row.fail(
                    "id_number",
                    format!("this ID number belongs to resident {owner} already"),
                );
            }

            match households.entry(resident.household.clone()) {
                Entry::Occupied(first) if first.get().0 != building => {
                    let (other, first_line) = first.get();
                    row.fail(
                        "household",
                        format!(
                            "household {} lives in building {other} on line {first_line}, not {building}",
                            resident.household
                        ),
                    );
                }
                Entry::Occupied(_) => {}
                Entry::Vacant(slot) => {
                    slot.insert((building.to_string(), line));
                }
            }

            if row.has_errors() {
                errors.extend(row.into_errors());
                writer = None;
                continue;
            }
            let Some(sender) = &writer else { continue };
            let building_id = self
                .stored_buildings
                .get(building)
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
        errors
    }
}
