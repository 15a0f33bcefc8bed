//! Roster import: the office's four CSV files → validated domain values → the store.
//!
//! Everything is checked before anything counts: the rows are written inside one
//! transaction while they are read (so a million residents stream through in bounded
//! memory), and the transaction is rolled back if any row anywhere was bad. The caller
//! gets every bad row at once.

mod csv_file;
mod residents;
mod rows;

use std::collections::{hash_map::Entry, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use indicatif::ProgressBar;

pub use csv_file::RowError;
use csv_file::{CsvFile, Layout};

use crate::domain::PersonalDataKey;
use crate::store::roster::{self, BuildingRow, SiteRow, StoredResidents, TeamRow, Totals};
use crate::store::{self, DbConnection};

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
    pub buildings: Option<Box<dyn Read + Send>>,
    pub residents: Option<Box<dyn Read + Send>>,
    pub sites: Option<Box<dyn Read + Send>>,
    pub teams: Option<Box<dyn Read + Send>>,
}

impl RosterFiles {
    /// The four file names, as the office's spreadsheets are saved.
    pub const NAMES: [&'static str; 4] = [
        rows::BUILDINGS.file,
        rows::RESIDENTS.file,
        rows::SITES.file,
        rows::TEAMS.file,
    ];

    /// Where the file called `name` goes; `None` for a name that is not a roster file.
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<Box<dyn Read + Send>>> {
        match name {
            n if n == rows::BUILDINGS.file => Some(&mut self.buildings),
            n if n == rows::RESIDENTS.file => Some(&mut self.residents),
            n if n == rows::SITES.file => Some(&mut self.sites),
            n if n == rows::TEAMS.file => Some(&mut self.teams),
            _ => None,
        }
    }

    /// Opens whichever of the four files `dir` holds; `progress` advances with the bytes read.
    pub fn from_dir(dir: &Path, progress: &ProgressBar) -> Result<Self, ImportError> {
        let mut files = RosterFiles::default();
        let mut total_bytes = 0;
        for name in Self::NAMES {
            let path = dir.join(name);
            if !path.exists() {
                continue;
            }
            let io_error = |source| ImportError::Io {
                path: path.clone(),
                source,
            };
            let file = File::open(&path).map_err(io_error)?;
            total_bytes += file.metadata().map_err(io_error)?.len();
            *files.slot(name).expect("a roster file name") = Some(Box::new(
                progress.wrap_read(std::io::BufReader::with_capacity(1 << 16, file)),
            ));
        }
        if files.is_empty() {
            return Err(ImportError::NoFiles(dir.to_path_buf()));
        }
        progress.set_length(total_bytes);
        Ok(files)
    }

    pub fn is_empty(&self) -> bool {
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
    store::bulk_write(conn, |conn| {
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
pub(crate) fn check_code_unique(row: &mut csv_file::Row, seen: &mut HashMap<String, u64>) {
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
pub(crate) fn first_seen<K: std::hash::Hash + Eq>(
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
        input: Box<dyn Read + Send>,
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
        input: Box<dyn Read + Send>,
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

    /// Streams residents.csv: one thread reads and checks the rows (see [`residents`])
    /// while this one, which owns the connection, writes the checked batches — the two
    /// take about as long as each other on a million residents.
    fn residents(
        &mut self,
        conn: &mut DbConnection,
        input: Box<dyn Read + Send>,
        key: &PersonalDataKey,
        this_year: i32,
    ) -> Result<(), ImportError> {
        let file = match CsvFile::open(&rows::RESIDENTS, input) {
            Ok(file) => file,
            Err(errors) => {
                self.errors.extend(errors);
                return Ok(());
            }
        };
        let stored_buildings = roster::buildings_by_code(conn)?;
        let stored_residents = StoredResidents::load(conn)?;
        let checker = residents::Checker {
            file_buildings: &self.file_buildings,
            stored_buildings: &stored_buildings,
            stored_residents: &stored_residents,
            key,
            this_year,
        };
        let (sender, batches) = std::sync::mpsc::sync_channel(2);
        let sender = self.errors.is_empty().then_some(sender);
        let (errors, written) = std::thread::scope(|scope| {
            let checking = scope.spawn(move || checker.check(file, sender));
            let mut written = Ok(());
            for batch in batches {
                // After a failed write keep draining, so the checker never blocks.
                if written.is_ok() {
                    written = stored_residents.write(conn, &batch);
                }
            }
            let errors = checking
                .join()
                .expect("the resident checker does not panic");
            (errors, written)
        });
        self.errors.extend(errors);
        Ok(written?)
    }
}
