//! Roster import: the office's four CSV files → validated domain values → the store.
//!
//! Everything is checked before anything counts: the rows are written inside one
//! transaction while they are read (so a million residents stream through in bounded
//! memory), and the transaction is rolled back if any row anywhere was bad. The caller
//! gets every bad row at once.

mod csv_file;
mod rows;

use std::collections::{hash_map::Entry, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use diesel::Connection;
use indicatif::ProgressBar;

pub use csv_file::RowError;
use csv_file::{CsvFile, Layout};

use crate::domain::{IdHash, PersonalDataKey};
use crate::store::roster::{
    self, BuildingRow, ResidentRow, SiteRow, StoredBuilding, TeamRow, Totals,
};
use crate::store::{self, DbConnection};

/// Rows buffered before they are written; bounds memory whatever the file size.
const WRITE_BATCH: usize = 8_192;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} bad row(s); nothing was imported", .0.len())]
    Invalid(Vec<RowError>),
    #[error("{0} holds none of buildings.csv, residents.csv, sites.csv, teams.csv")]
    NoFiles(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] diesel::result::Error),
}

/// The roster files given for one import; any of them may be absent.
#[derive(Default)]
pub struct RosterFiles {
    pub buildings: Option<Box<dyn Read>>,
    pub residents: Option<Box<dyn Read>>,
    pub sites: Option<Box<dyn Read>>,
    pub teams: Option<Box<dyn Read>>,
}

impl RosterFiles {
    /// Opens whichever of the four files `dir` holds; `progress` advances with the bytes read.
    pub fn from_dir(dir: &Path, progress: &ProgressBar) -> Result<Self, ImportError> {
        let mut files = RosterFiles::default();
        let mut total_bytes = 0;
        for (layout, slot) in [
            (&rows::BUILDINGS, &mut files.buildings),
            (&rows::RESIDENTS, &mut files.residents),
            (&rows::SITES, &mut files.sites),
            (&rows::TEAMS, &mut files.teams),
        ] {
            let path = dir.join(layout.file);
            if !path.exists() {
                continue;
            }
            let io_error = |source| ImportError::Io {
                path: path.clone(),
                source,
            };
            let file = File::open(&path).map_err(io_error)?;
            total_bytes += file.metadata().map_err(io_error)?.len();
            *slot = Some(Box::new(
                progress.wrap_read(std::io::BufReader::with_capacity(1 << 16, file)),
            ));
        }
        if files.is_empty() {
            return Err(ImportError::NoFiles(dir.to_path_buf()));
        }
        progress.set_length(total_bytes);
        Ok(files)
    }

    fn is_empty(&self) -> bool {
        self.buildings.is_none()
            && self.residents.is_none()
            && self.sites.is_none()
            && self.teams.is_none()
    }
}

/// Validates and stores a roster; all or nothing. Returns what the district holds after.
pub fn import(conn: &mut DbConnection, files: RosterFiles) -> Result<Totals, ImportError> {
    let key = store::personal_data_key(conn)?;
    let this_year = chrono::Utc::now().year();
    conn.transaction(|conn| {
        let mut run = Import {
            errors: Vec::new(),
            file_buildings: HashMap::new(),
        };
        if let Some(input) = files.buildings {
            run.buildings(conn, input)?;
        }
        if let Some(input) = files.sites {
            let sites = run.read_all(input, &rows::SITES, rows::site);
            if run.errors.is_empty() {
                roster::upsert_sites(
                    conn,
                    &sites.into_iter().map(SiteRow::from).collect::<Vec<_>>(),
                )?;
            }
        }
        if let Some(input) = files.teams {
            let teams = run.read_all(input, &rows::TEAMS, rows::team);
            if run.errors.is_empty() {
                roster::upsert_teams(
                    conn,
                    &teams.into_iter().map(TeamRow::from).collect::<Vec<_>>(),
                )?;
            }
        }
        if let Some(input) = files.residents {
            run.residents(conn, input, &key, this_year)?;
        }
        if !run.errors.is_empty() {
            return Err(ImportError::Invalid(run.errors));
        }
        Ok(roster::totals(conn)?)
    })
}

struct Import {
    errors: Vec<RowError>,
    /// Floors of the buildings in this import's buildings.csv, written or not.
    file_buildings: HashMap<String, i32>,
}

/// Codes are unique within a file; the row's code is remembered even when the row has
/// other problems, so that every duplicate is reported in the same run.
fn check_code_unique(row: &mut csv_file::Row, seen: &mut HashMap<String, u64>) {
    let code = row.text("code");
    if code.is_empty() {
        return;
    }
    if let Err(first) = first_seen(seen, code.to_string(), row.line) {
        row.fail(
            "code",
            format!("duplicate code {code} (first on line {first})"),
        );
    }
}

/// Records where a key was first seen; the second time, says where.
fn first_seen<K: std::hash::Hash + Eq>(
    seen: &mut HashMap<K, u64>,
    key: K,
    line: u64,
) -> Result<(), u64> {
    match seen.entry(key) {
        Entry::Occupied(first) => Err(*first.get()),
        Entry::Vacant(slot) => {
            slot.insert(line);
            Ok(())
        }
    }
}

impl Import {
    /// Reads a whole (small) file of rows, recording errors; codes must be unique.
    fn read_all<T>(
        &mut self,
        input: Box<dyn Read>,
        layout: &'static Layout,
        parse: fn(&mut csv_file::Row) -> Option<T>,
    ) -> Vec<T> {
        let mut file = match CsvFile::open(layout, input) {
            Ok(file) => file,
            Err(errors) => {
                self.errors.extend(errors);
                return Vec::new();
            }
        };
        let mut seen = HashMap::new();
        let mut values = Vec::new();
        while let Some(row) = file.next_row() {
            let mut row = match row {
                Ok(row) => row,
                Err(error) => {
                    self.errors.push(error);
                    continue;
                }
            };
            check_code_unique(&mut row, &mut seen);
            if let Some(value) = parse(&mut row).filter(|_| !row.has_errors()) {
                values.push(value);
            }
            self.errors.extend(row.into_errors());
        }
        values
    }

    fn buildings(
        &mut self,
        conn: &mut DbConnection,
        input: Box<dyn Read>,
    ) -> Result<(), ImportError> {
        let buildings = self.read_all(input, &rows::BUILDINGS, rows::building);
        self.file_buildings = buildings
            .iter()
            .map(|b| (b.code.as_str().to_string(), b.floors))
            .collect();
        if !self.errors.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = buildings
            .iter()
            .map(|b| b.community.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let community_ids = roster::ensure_communities(conn, &names)?;
        let rows: Vec<BuildingRow> = buildings
            .into_iter()
            .map(|b| BuildingRow {
                community_id: community_ids[&b.community],
                code: b.code.as_str().to_string(),
                address: b.address,
                lat: b.location.lat,
                lon: b.location.lon,
                floors: b.floors,
                has_elevator: b.has_elevator,
            })
            .collect();
        roster::upsert_buildings(conn, &rows)?;
        Ok(())
    }

    /// Streams residents.csv: each row is checked against the buildings (stored and in
    /// this import), the rows before it and the residents already stored, then written in
    /// batches while no error has been seen anywhere.
    fn residents(
        &mut self,
        conn: &mut DbConnection,
        input: Box<dyn Read>,
        key: &PersonalDataKey,
        this_year: i32,
    ) -> Result<(), ImportError> {
        let mut file = match CsvFile::open(&rows::RESIDENTS, input) {
            Ok(file) => file,
            Err(errors) => {
                self.errors.extend(errors);
                return Ok(());
            }
        };
        let stored_buildings = roster::buildings_by_code(conn)?;
        let stored_owners = roster::resident_codes_by_id_hash(conn)?;
        let mut seen_codes: HashMap<String, u64> = HashMap::new();
        let mut seen_ids: HashMap<IdHash, u64> = HashMap::new();
        let mut households: HashMap<String, (String, u64)> = HashMap::new();
        let mut batch: Vec<ResidentRow> = Vec::with_capacity(WRITE_BATCH);

        while let Some(row) = file.next_row() {
            let mut row = match row {
                Ok(row) => row,
                Err(error) => {
                    self.errors.push(error);
                    continue;
                }
            };
            check_code_unique(&mut row, &mut seen_codes);
            let Some(resident) = rows::resident(&mut row, this_year) else {
                self.errors.extend(row.into_errors());
                continue;
            };
            let line = row.line;
            let code = resident.code.as_str();

            let building = resident.building.as_str();
            let floors = self
                .file_buildings
                .get(building)
                .copied()
                .or_else(|| stored_buildings.get(building).map(|b| b.floors));
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

            let id_hash = key.id_hash(&resident.id_number);
            if let Err(first) = first_seen(&mut seen_ids, id_hash, line) {
                row.fail(
                    "id_number",
                    format!("the same ID number is on line {first}"),
                );
            } else if let Some(owner) = stored_owners.get(&id_hash).filter(|owner| *owner != code) {
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
                self.errors.extend(row.into_errors());
                continue;
            }
            if !self.errors.is_empty() {
                // Something is already wrong: keep checking, stop writing.
                batch.clear();
                continue;
            }
            let building_id = stored_buildings
                .get(building)
                .map(|b: &StoredBuilding| b.id)
                .expect("buildings without errors are stored before residents");
            batch.push(ResidentRow::new(resident, building_id, id_hash));
            if batch.len() >= WRITE_BATCH {
                roster::upsert_residents(conn, &batch)?;
                batch.clear();
            }
        }
        if self.errors.is_empty() {
            roster::upsert_residents(conn, &batch)?;
        }
        Ok(())
    }
}
