//! Copies of a SQLite district, taken and put back while sweep runs, through SQLite's online
//! backup API: the copy is of one moment (every commit before it, none after), taken under
//! a read lock that writers in WAL mode do not wait for, and put back under the write lock,
//! so that a running server sees the restored district on its next read.
//!
//! PostgreSQL has its own tools for this (`pg_dump`, `pg_restore`, `pg_basebackup`).

use std::ffi::{c_int, CString};
use std::path::{Path, PathBuf};
use std::ptr;
use std::time::Duration;

use libsqlite3_sys as ffi;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already; name a new file for the backup")]
    Exists(PathBuf),
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{path} is not a sweep database: {why}")]
    NotSweep { path: PathBuf, why: String },
    #[error("{path}: {why}")]
    Sqlite { path: PathBuf, why: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A raw SQLite connection, closed when dropped.
struct Handle {
    db: *mut ffi::sqlite3,
    path: PathBuf,
}

impl Handle {
    fn open(path: &Path, flags: c_int) -> Result<Handle, BackupError> {
        let name =
            CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| BackupError::Sqlite {
                path: path.to_owned(),
                why: "the path holds a NUL byte".into(),
            })?;
        let mut db = ptr::null_mut();
        // SAFETY: `name` is a valid C string; SQLite writes a handle (or null) into `db`.
        let code = unsafe { ffi::sqlite3_open_v2(name.as_ptr(), &mut db, flags, ptr::null()) };
        let handle = Handle {
            db,
            path: path.to_owned(),
        };
        handle.check(code)?;
        // SAFETY: `db` is an open handle.
        unsafe { ffi::sqlite3_busy_timeout(db, 10_000) };
        Ok(handle)
    }

    fn check(&self, code: c_int) -> Result<(), BackupError> {
        if code == ffi::SQLITE_OK || code == ffi::SQLITE_DONE || code == ffi::SQLITE_ROW {
            return Ok(());
        }
        // SAFETY: sqlite3_errstr returns a static string for any code.
        let why = unsafe { std::ffi::CStr::from_ptr(ffi::sqlite3_errstr(code)) }
            .to_string_lossy()
            .into_owned();
        Err(BackupError::Sqlite {
            path: self.path.clone(),
            why,
        })
    }

    /// Runs statements that return nothing.
    fn execute(&self, sql: &str) -> Result<(), BackupError> {
        let sql = CString::new(sql).expect("our SQL has no NUL byte");
        // SAFETY: an open handle and a valid C string; no callback.
        let code = unsafe {
            ffi::sqlite3_exec(
                self.db,
                sql.as_ptr(),
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        self.check(code)
    }

    /// The first column of the first row of a query, as text.
    fn text(&self, sql: &str) -> Result<Option<String>, BackupError> {
        let sql = CString::new(sql).expect("our SQL has no NUL byte");
        let mut statement = ptr::null_mut();
        // SAFETY: an open handle and a valid C string; the statement is finalized below.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(self.db, sql.as_ptr(), -1, &mut statement, ptr::null_mut())
        };
        self.check(code)?;
        // SAFETY: `statement` was prepared on this handle; the text is copied before finalizing.
        let text = unsafe {
            let step = ffi::sqlite3_step(statement);
            let text = (step == ffi::SQLITE_ROW).then(|| {
                let value = ffi::sqlite3_column_text(statement, 0);
                (!value.is_null()).then(|| {
                    std::ffi::CStr::from_ptr(value.cast())
                        .to_string_lossy()
                        .into_owned()
                })
            });
            ffi::sqlite3_finalize(statement);
            if step != ffi::SQLITE_ROW && step != ffi::SQLITE_DONE {
                self.check(step)?;
            }
            text.flatten()
        };
        Ok(text)
    }

    /// Copies every page of `source` into this database, in one step: one read lock on the
    /// source for the whole copy, so the copy is of one moment.
    fn copy_from(&self, source: &Handle) -> Result<(), BackupError> {
        let main = CString::new("main").expect("no NUL byte");
        // SAFETY: both handles are open; the backup is finished before they are closed.
        unsafe {
            let backup = ffi::sqlite3_backup_init(self.db, main.as_ptr(), source.db, main.as_ptr());
            if backup.is_null() {
                return self.check(ffi::sqlite3_errcode(self.db));
            }
            let mut step = ffi::sqlite3_backup_step(backup, -1);
            // Busy or locked: a writer holds the lock now; the busy timeout has waited, so
            // wait a little more and go on where the copy stopped.
            let mut tries = 0;
            while (step == ffi::SQLITE_BUSY || step == ffi::SQLITE_LOCKED) && tries < 100 {
                std::thread::sleep(Duration::from_millis(100));
                step = ffi::sqlite3_backup_step(backup, -1);
                tries += 1;
            }
            let finished = ffi::sqlite3_backup_finish(backup);
            self.check(if step == ffi::SQLITE_DONE {
                finished
            } else {
                step
            })
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from sqlite3_open_v2 (null is harmless); every statement
        // and backup on it is finished.
        unsafe { ffi::sqlite3_close(self.db) };
    }
}

/// Writes a copy of the SQLite database at `database` to the new file `to`. The copy is
/// written beside `to` and renamed into place only once whole and checked, so that a backup
/// cut short never looks complete.
pub fn backup(database: &Path, to: &Path) -> Result<(), BackupError> {
    // A write-ahead log left beside the name would be read into the copy when it is opened.
    for taken in [to.to_owned(), beside(to, "-wal"), beside(to, "-journal")] {
        if taken.exists() {
            return Err(BackupError::Exists(taken));
        }
    }
    if !database.exists() {
        return Err(BackupError::Missing(database.to_owned()));
    }
    let source = Handle::open(database, ffi::SQLITE_OPEN_READONLY)?;
    check_sweep(&source)?;
    let partial = beside(to, ".partial");
    for left in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(beside(&partial, left));
    }
    let copy = Handle::open(
        &partial,
        ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
    )?;
    let copied = copy
        .copy_from(&source)
        .and_then(|()| check_whole(&copy))
        // A single file, nothing left in a write-ahead log beside it.
        .and_then(|()| copy.execute("PRAGMA journal_mode = DELETE"));
    drop(copy);
    match copied {
        Ok(()) => Ok(std::fs::rename(&partial, to)?),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Puts the backup `from` back as the SQLite database at `database` (created if missing),
/// replacing what it holds. The backup is checked first; a server using the database
/// waits for the copy and then reads the restored district.
pub fn restore(from: &Path, database: &Path) -> Result<(), BackupError> {
    if !from.exists() {
        return Err(BackupError::Missing(from.to_owned()));
    }
    let source = Handle::open(from, ffi::SQLITE_OPEN_READONLY)?;
    check_sweep(&source)?;
    check_whole(&source)?;
    let target = Handle::open(
        database,
        ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
    )?;
    target.copy_from(&source)?;
    // The copy takes the backup's journal mode; sweep runs SQLite in WAL mode.
    target.execute("PRAGMA journal_mode = WAL")
}

/// `path` with `suffix` added to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// A sweep database has diesel's record of migrations and a district's roster.
fn check_sweep(db: &Handle) -> Result<(), BackupError> {
    let tables = db.text(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
         AND name IN ('__diesel_schema_migrations', 'residents', 'rounds')",
    )?;
    if tables.as_deref() != Some("3") {
        return Err(BackupError::NotSweep {
            path: db.path.clone(),
            why: "it has no sweep tables".into(),
        });
    }
    Ok(())
}

fn check_whole(db: &Handle) -> Result<(), BackupError> {
    match db.text("PRAGMA quick_check")?.as_deref() {
        Some("ok") => Ok(()),
        other => Err(BackupError::NotSweep {
            path: db.path.clone(),
            why: format!("its pages are damaged ({})", other.unwrap_or("no answer")),
        }),
    }
}
