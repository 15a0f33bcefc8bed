//! Roster import: the office's four CSV files → validated domain values → the store (and,
//! in `lab_results`, a lab's batch of results, checked and recorded the same way).
//!
//! Everything is checked before anything is written, streaming (a million residents in
//! bounded memory), and an import is all or nothing: if any row anywhere was bad, the
//! caller gets every bad row at once and nothing changed.
//!
//! A district's first roster is checked and written in one pass, in one transaction that
//! a bad row rolls back: nobody can be scanned before there is anyone to scan, so nothing
//! waits for it. A later roster is read twice: the first pass checks every row against
//! the roster as stored and writes nothing; only then does the second write, in short
//! transactions (the small files in one, residents a batch at a time), so that the sites'
//! scans, which wait for SQLite's one write lock, are never held up for long. One import
//! runs at a time, so that the second pass writes against the roster the first checked.

mod csv_file;
mod first_seen;
pub mod lab_results;
mod residents;
mod rows;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use indicatif::ProgressBar;

use csv_file::{CsvFile, Layout};
pub use csv_file::{Problems, RowError};
use first_seen::FirstSeen;

use crate::domain::{District, IdHash, PersonalDataKey, Problem};
use crate::store::buildings::BuildingRow;
use crate::store::residents::StoredResidents;
use crate::store::roster;
/// What the district holds after an import.
pub use crate::store::roster::Totals;
use crate::store::sites::SiteRow;
use crate::store::teams::TeamRow;
use crate::store::{self, DbConnection};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(Problems),
    #[error("{0} holds none of buildings.csv, residents.csv, sites.csv, teams.csv")]
    NoFiles(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] diesel::result::Error),
    #[error(transparent)]
    Db(#[from] store::StoreError),
}

/// Opens one roster file afresh: an import may read each file twice.
pub type Opener = Box<dyn Fn() -> std::io::Result<Box<dyn Read + Send>> + Send + Sync>;

/// The roster files given for one import; any of them may be absent.
#[derive(Default)]
pub struct RosterFiles {
    pub buildings: Option<Opener>,
    pub residents: Option<Opener>,
    pub sites: Option<Opener>,
    pub teams: Option<Opener>,
    /// The size of residents.csv when known (0 when not), to size the checks' tables once.
    pub residents_bytes: u64,
    /// Advances with the bytes read, and the files' size together.
    progress: Option<(ProgressBar, u64)>,
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
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<Opener>> {
        match name {
            n if n == rows::BUILDINGS.file => Some(&mut self.buildings),
            n if n == rows::RESIDENTS.file => Some(&mut self.residents),
            n if n == rows::SITES.file => Some(&mut self.sites),
            n if n == rows::TEAMS.file => Some(&mut self.teams),
            _ => None,
        }
    }

    /// Whichever of the four files `dir` holds; `progress` advances with the bytes read (once
    /// or twice each, as the import tells it).
    pub fn from_dir(dir: &Path, progress: &ProgressBar) -> Result<Self, ImportError> {
        let mut files = RosterFiles::default();
        let mut total_bytes = 0;
        for name in Self::NAMES {
            let path = dir.join(name);
            if !path.exists() {
                continue;
            }
            let size = std::fs::metadata(&path).map_err(|source| ImportError::Io {
                path: path.clone(),
                source,
            })?;
            total_bytes += size.len();
            files.sized(name, size.len());
            let progress = progress.clone();
            *files.slot(name).expect("a roster file name") = Some(Box::new(move || {
                let file = File::open(&path)?;
                Ok(Box::new(progress.wrap_read(
                    std::io::BufReader::with_capacity(1 << 16, file),
                )))
            }));
        }
        if files.is_empty() {
            return Err(ImportError::NoFiles(dir.to_path_buf()));
        }
        files.progress = Some((progress.clone(), total_bytes));
        Ok(files)
    }

    /// Notes the size of the file called `name` (residents.csv's sizes the checks).
    pub fn sized(&mut self, name: &str, bytes: u64) {
        if name == rows::RESIDENTS.file {
            self.residents_bytes = bytes;
        }
    }

    /// The import reads the files `passes` times.
    fn read_times(&self, passes: u64) {
        if let Some((progress, bytes)) = &self.progress {
            progress.set_length(passes * bytes);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.buildings.is_none()
            && self.residents.is_none()
            && self.sites.is_none()
            && self.teams.is_none()
    }
}

/// Validates and stores a roster; all or nothing. Returns what the district holds after;
/// or, when any row is bad, how many rows and problems there are, the first `errors_shown`
/// of them in full.
pub fn import(
    db: &store::Db,
    district: &District,
    files: RosterFiles,
    errors_shown: usize,
) -> Result<Totals, ImportError> {
    let _importing = db.lock(&format!("roster import {}", district.id))?;
    let mut conn = db.conn()?;
    let conn = &mut *conn;
    let key = store::personal_data_key(conn)?;
    let this_year = chrono::Utc::now().year();
    // An ID number is the city's: with other districts stored, the checking pass looks up
    // the good rows' ID numbers among theirs.
    let city = crate::store::districts::all_districts(conn)?.len() > 1;
    let first = files.residents.is_some() && store::residents::none_stored(conn, district.id)?;
    let written = if first {
        files.read_times(1);
        let mut once = Import::new(Pass::CheckAndWrite, district.id, errors_shown);
        db.bulk_settings(conn, |conn| {
            store::write_transaction(conn, |conn| {
                store::residents::lock_for_first_load(conn)?;
                once.run(conn, &files, &key, this_year)?;
                if once.errors.is_empty() {
                    Ok(())
                } else {
                    // Rolls back whatever was written.
                    let errors = std::mem::replace(&mut once.errors, Problems::new(errors_shown));
                    Err(ImportError::Invalid(errors))
                }
            })
        })
    } else {
        files.read_times(2);
        let mut check = Import::new(Pass::Check { city }, district.id, errors_shown);
        check.run(conn, &files, &key, this_year)?;
        if !check.errors.is_empty() {
            return Err(ImportError::Invalid(check.errors));
        }
        let mut write = Import::new(Pass::Write, district.id, errors_shown);
        db.bulk_settings(conn, |conn| write.run(conn, &files, &key, this_year))
            .and_then(|()| {
                if write.errors.is_empty() {
                    Ok(())
                } else {
                    // The files or the roster changed between the passes; what was written
                    // stays.
                    tracing::error!(
                        errors = write.errors.errors,
                        "a roster import found bad rows only while writing"
                    );
                    Err(ImportError::Invalid(write.errors))
                }
            })
    };
    if let Err(ImportError::Store(diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::UniqueViolation,
        _,
    ))) = &written
    {
        // Another district holds some of these ID numbers, and the database refused them
        // (the city-wide key on ID hashes): a first roster meets them only as it is written,
        // a later one when another district's import stored them between this one's check
        // and its write. Checked again, the rows are named as a check names them.
        let mut recheck = Import::new(Pass::Check { city: true }, district.id, errors_shown);
        recheck.run(conn, &files, &key, this_year)?;
        if !recheck.errors.is_empty() {
            return Err(ImportError::Invalid(recheck.errors));
        }
    }
    written?;
    store::districts::analyze(conn, store::districts::Bulk::Residents, district.id)?;
    Ok(roster::totals(conn, district.id)?)
}

/// The problems of one roster file checked on its own, against nothing stored (so every
/// resident's building is unknown): the reader and row checks an import runs, without a
/// database — for fuzzing them.
pub fn check_file(name: &str, input: Box<dyn Read + Send>) -> Problems {
    let mut run = Import::new(Pass::Check { city: false }, 0, 1_000);
    if name == rows::BUILDINGS.file {
        run.read_all(input, &rows::BUILDINGS, rows::building);
    } else if name == rows::SITES.file {
        run.read_all(input, &rows::SITES, rows::site);
    } else if name == rows::TEAMS.file {
        run.read_all(input, &rows::TEAMS, rows::team);
    } else if name == rows::RESIDENTS.file {
        if let Some(file) = CsvFile::open(&rows::RESIDENTS, input, &mut run.errors) {
            let key = PersonalDataKey::from_hex(&"5a".repeat(32)).expect("64 hex digits");
            let nothing = HashMap::new();
            let checker = residents::Checker {
                district_id: 0,
                collect_ids: false,
                expected_rows: 0,
                file_buildings: &nothing,
                stored_buildings: &HashMap::new(),
                stored_residents: &StoredResidents::default(),
                key: &key,
                this_year: 2026,
            };
            checker.check(file, None, &mut run.errors);
        }
    }
    run.errors
}

/// The rows a residents.csv of `bytes` likely holds (a real roster's rows are ~90 bytes), so
/// that the checks' tables are made at their size once instead of doubling their way there
/// — a doubling holds the old table and the new at once, and that was the peak.
fn expected_rows(bytes: u64) -> usize {
    usize::try_from(bytes / 90).unwrap_or(usize::MAX)
}

/// Residents written per transaction into a district that has residents: on SQLite the
/// write lock is held for one of these at a time (a few tens of milliseconds), so a scan
/// never waits long. (A district's first residents go in one transaction: nobody can be
/// scanned before there is anyone to scan, and one transaction is three times faster.)
const ROWS_PER_TRANSACTION: usize = 2_048;
const PAUSE_BETWEEN_TRANSACTIONS: std::time::Duration = std::time::Duration::from_millis(5);

/// What a pass over the files does: check every row, write the checked rows, or both at
/// once (a district's first roster, inside the caller's transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// `city`: other districts are stored, whose ID numbers a new one must not be.
    Check {
        city: bool,
    },
    Write,
    /// An ID number another district holds is refused by the database's city-wide key as
    /// the rows are written (which rolls everything back), and the rows are then named by a
    /// check; looking each good row's ID number up beforehand cost a first import in a city
    /// a second query per row.
    CheckAndWrite,
}

struct Import {
    pass: Pass,
    district_id: i64,
    errors: Problems,
    /// Floors of the buildings in this import's buildings.csv, written or not.
    file_buildings: HashMap<String, i32>,
}

/// Codes are unique within a file; the row's code is remembered even when the row has
/// other problems, so that every duplicate is reported in the same run.
pub(crate) fn check_code_unique(row: &mut csv_file::Row, seen: &mut FirstSeen) {
    let code = row.text("code");
    if code.is_empty() {
        return;
    }
    if let Some((first, ())) = seen.first(code, row.line, ()) {
        row.fail(
            "code",
            Problem::new("duplicate_code")
                .with("code", code)
                .with("first", first),
        );
    }
}

fn open(opener: &Opener, name: &str) -> Result<Box<dyn Read + Send>, ImportError> {
    opener().map_err(|source| ImportError::Io {
        path: PathBuf::from(name),
        source,
    })
}

impl Import {
    fn new(pass: Pass, district_id: i64, errors_shown: usize) -> Import {
        Import {
            pass,
            district_id,
            errors: Problems::new(errors_shown),
            file_buildings: HashMap::new(),
        }
    }

    /// Runs `work` in a transaction of its own, or, in a pass that checks and writes at
    /// once, in the caller's.
    fn in_transaction<T>(
        pass: Pass,
        conn: &mut DbConnection,
        work: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
    ) -> diesel::QueryResult<T> {
        match pass {
            Pass::CheckAndWrite => work(conn),
            _ => store::write_transaction(conn, work),
        }
    }

    fn writes(&self) -> bool {
        matches!(self.pass, Pass::Write | Pass::CheckAndWrite) && self.errors.is_empty()
    }

    /// One pass over the files: buildings first (residents live in them), then sites and
    /// teams, then residents.
    fn run(
        &mut self,
        conn: &mut DbConnection,
        files: &RosterFiles,
        key: &PersonalDataKey,
        this_year: i32,
    ) -> Result<(), ImportError> {
        let buildings = match &files.buildings {
            Some(opener) => {
                let input = open(opener, rows::BUILDINGS.file)?;
                self.read_all(input, &rows::BUILDINGS, rows::building)
            }
            None => Vec::new(),
        };
        self.file_buildings = buildings
            .iter()
            .map(|b| (b.code.as_str().to_string(), b.floors))
            .collect();
        let sites = match &files.sites {
            Some(opener) => {
                self.read_all(open(opener, rows::SITES.file)?, &rows::SITES, rows::site)
            }
            None => Vec::new(),
        };
        let teams = match &files.teams {
            Some(opener) => {
                self.read_all(open(opener, rows::TEAMS.file)?, &rows::TEAMS, rows::team)
            }
            None => Vec::new(),
        };
        if self.writes() {
            // The small files together, in one short transaction.
            let district_id = self.district_id;
            Self::in_transaction(self.pass, conn, |conn| {
                write_buildings(conn, district_id, buildings)?;
                crate::store::sites::upsert_sites(
                    conn,
                    &sites
                        .into_iter()
                        .map(|s| SiteRow::new(district_id, s))
                        .collect::<Vec<_>>(),
                )?;
                crate::store::teams::upsert_teams(
                    conn,
                    &teams
                        .into_iter()
                        .map(|t| TeamRow::new(district_id, t))
                        .collect::<Vec<_>>(),
                )
            })?;
        }
        if let Some(opener) = &files.residents {
            let input = open(opener, rows::RESIDENTS.file)?;
            let rows = expected_rows(files.residents_bytes);
            self.residents(conn, input, rows, key, this_year)?;
        }
        Ok(())
    }

    /// Reads a whole (small) file of rows, recording errors; codes must be unique.
    fn read_all<T>(
        &mut self,
        input: Box<dyn Read + Send>,
        layout: &'static Layout,
        parse: fn(&mut csv_file::Row) -> Option<T>,
    ) -> Vec<T> {
        let Some(mut file) = CsvFile::open(layout, input, &mut self.errors) else {
            return Vec::new();
        };
        let mut seen = FirstSeen::default();
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

    /// Streams residents.csv: one thread reads and checks the rows (see [`residents`]);
    /// in the writing pass this one, which owns the connection, writes the checked batches
    /// — a district's first residents in one transaction, later imports
    /// [`ROWS_PER_TRANSACTION`] at a time.
    fn residents(
        &mut self,
        conn: &mut DbConnection,
        input: Box<dyn Read + Send>,
        expected_rows: usize,
        key: &PersonalDataKey,
        this_year: i32,
    ) -> Result<(), ImportError> {
        let Some(file) = CsvFile::open(&rows::RESIDENTS, input, &mut self.errors) else {
            return Ok(());
        };
        let stored_buildings = crate::store::buildings::buildings_by_code(conn, self.district_id)?;
        let stored_residents = StoredResidents::load(conn, self.district_id)?;
        let checker = residents::Checker {
            district_id: self.district_id,
            collect_ids: self.pass == Pass::Check { city: true },
            expected_rows,
            file_buildings: &self.file_buildings,
            stored_buildings: &stored_buildings,
            stored_residents: &stored_residents,
            key,
            this_year,
        };
        let (sender, batches) = std::sync::mpsc::sync_channel(2);
        let sender = self.writes().then_some(sender);
        // Only the pass that writes loads them: the checking pass has nothing to load, and
        // an empty first load would leave the district an empty partition to write into.
        let first_residents = stored_residents.is_empty() && sender.is_some();
        let errors = &mut self.errors;
        let written = std::thread::scope(|scope| {
            let checking = scope.spawn(move || checker.check(file, sender, errors));
            let mut written = Ok(());
            if first_residents {
                let district_id = self.district_id;
                let load = |conn: &mut DbConnection| {
                    let load = store::residents::begin_first_load(conn, district_id)?;
                    batches
                        .iter()
                        .try_for_each(|batch| stored_residents.write(conn, &batch))?;
                    store::residents::finish_first_load(conn, district_id, load)
                };
                written = Self::in_transaction(self.pass, conn, load);
            }
            for batch in batches {
                // After a failed write keep draining, so the checker never blocks.
                for rows in batch.chunks(ROWS_PER_TRANSACTION) {
                    if written.is_ok() {
                        written = store::write_transaction(conn, |conn| {
                            stored_residents.write(conn, rows)
                        });
                        // A moment between transactions, for the sites' scans waiting
                        // for SQLite's one write lock to take it (PostgreSQL's writers
                        // do not wait for each other).
                        if matches!(conn, DbConnection::Sqlite(_)) {
                            std::thread::sleep(PAUSE_BETWEEN_TRANSACTIONS);
                        }
                    }
                }
            }
            let ids = checking
                .join()
                .expect("the resident checker does not panic");
            written.map(|()| ids)
        });
        let ids = written?;
        self.registered_elsewhere(conn, &ids)?;
        Ok(())
    }

    /// Each good row whose ID number another district holds, as a problem naming that
    /// district's code and nothing else of it.
    fn registered_elsewhere(
        &mut self,
        conn: &mut DbConnection,
        ids: &[(IdHash, u64)],
    ) -> Result<(), ImportError> {
        if ids.is_empty() {
            return Ok(());
        }
        let hashes: Vec<&[u8]> = ids.iter().map(|(hash, _)| hash.as_bytes()).collect();
        let elsewhere: HashMap<Vec<u8>, String> =
            crate::store::residents::registered_elsewhere(conn, self.district_id, &hashes)?
                .into_iter()
                .collect();
        for (hash, line) in ids {
            if let Some(district) = elsewhere.get(hash.as_bytes()) {
                self.errors.push(csv_file::RowError {
                    file: rows::RESIDENTS.file,
                    line: *line,
                    column: Some("id_number".into()),
                    problem: Problem::new("id_number_in_district").with("district", district),
                });
            }
        }
        Ok(())
    }
}

/// Stores this import's buildings, and their communities.
fn write_buildings(
    conn: &mut DbConnection,
    district_id: i64,
    buildings: Vec<crate::domain::Building>,
) -> diesel::QueryResult<()> {
    let names: Vec<String> = buildings
        .iter()
        .map(|b| b.community.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let community_ids = crate::store::buildings::ensure_communities(conn, district_id, &names)?;
    let rows: Vec<BuildingRow> = buildings
        .into_iter()
        .map(|b| BuildingRow {
            district_id,
            community_id: community_ids[&b.community],
            code: b.code.as_str().to_string(),
            address: b.address,
            lat: b.location.lat,
            lon: b.location.lon,
            floors: b.floors,
            has_elevator: b.has_elevator,
        })
        .collect();
    crate::store::buildings::upsert_buildings(conn, &rows)
}
