//! `sweep backup` and `sweep restore`: a backup taken while samplers scan holds every scan
//! acknowledged before it began, and puts the district back, even under a running server.
//! On PostgreSQL the commands point to PostgreSQL's own tools.

mod common;

use std::process::Command;
use std::time::Instant;

use diesel::prelude::*;
use serde_json::json;

use common::api::{district, walkers, DATE};
use common::TestDb;
use sweep::store::backup;
use sweep::store::schema::samples;

fn sampled(path: &std::path::Path) -> Vec<String> {
    use sweep::store::schema::residents;
    let mut conn = diesel::SqliteConnection::establish(&path.display().to_string()).unwrap();
    samples::table
        .inner_join(
            residents::table.on(residents::district_id
                .eq(samples::district_id)
                .and(residents::id.eq(samples::resident_id))),
        )
        .select(residents::code)
        .load(&mut conn)
        .unwrap()
}

#[test]
fn a_backup_taken_during_scans_holds_every_scan_acknowledged_before_it() {
    let db = TestDb::sqlite();
    district(&db);
    let residents = walkers(&db, 240);
    let live = db.dir.path().join("sweep.db");
    let copy = db.dir.path().join("backup.db");
    let (live_path, copy_path) = (live.clone(), copy.clone());
    let before = common::api::with_result(&db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        // Scans go on while the backup is taken: the backup starts after a third of them.
        let mut acknowledged = Vec::new();
        let mut backup_started = None;
        let mut backup_done = None;
        for (i, resident) in residents.iter().enumerate() {
            if i % 10 == 0 {
                let (status, body) = api
                    .send(
                        "POST",
                        "/api/v1/site/tubes",
                        Some(&team),
                        Some(json!({"request_id": uuid::Uuid::new_v4(), "tube": format!("BK-{i}"), "date": DATE})),
                    )
                    .await;
                assert_eq!(status, 201, "{body}");
            }
            if i == residents.len() / 3 {
                let (from, to) = (live_path.clone(), copy_path.clone());
                backup_started = Some(Instant::now());
                backup_done = Some(std::thread::spawn(move || backup::backup(&from, &to)));
            }
            let (status, body) = api
                .send(
                    "POST",
                    "/api/v1/site/scans",
                    Some(&team),
                    Some(json!({"request_id": uuid::Uuid::new_v4(), "tube": format!("BK-{}", i / 10 * 10), "resident": resident})),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            acknowledged.push((resident.clone(), Instant::now()));
        }
        backup_done
            .unwrap()
            .join()
            .unwrap()
            .expect("the backup is taken");
        let started = backup_started.unwrap();
        let before: Vec<String> = acknowledged
            .into_iter()
            .filter(|(_, at)| *at < started)
            .map(|(resident, _)| resident)
            .collect();

        // Put the backup back under the running server: it then serves the backed-up day.
        let (from, to) = (copy_path.clone(), live_path.clone());
        std::thread::spawn(move || backup::restore(&from, &to))
            .join()
            .unwrap()
            .expect("the backup is restored");
        let office = api.login("wang", "office-password").await;
        let (status, completion) = api
            .send(
                "GET",
                &format!("/api/v1/office/completion?date={DATE}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(status, 200, "{completion}");
        (before, completion["sampled"].as_i64().unwrap())
    });
    let (before, served) = before;
    let in_copy = sampled(&copy);
    assert!(!before.is_empty());
    for resident in &before {
        assert!(
            in_copy.contains(resident),
            "{resident}, scanned before the backup, is in it"
        );
    }
    assert!(
        in_copy.len() < 240,
        "the backup is of one moment, before the last scans"
    );
    assert_eq!(
        served as usize,
        in_copy.len(),
        "the restored district is served"
    );
    assert_eq!(sampled(&live).len(), in_copy.len());
    // A backup is never written over an existing file, nor beside a log another left there
    // (opening the copy would read that log into it).
    assert!(matches!(
        backup::backup(&live, &copy),
        Err(backup::BackupError::Exists(_))
    ));
    let elsewhere = db.dir.path().join("elsewhere.db");
    std::fs::write(db.dir.path().join("elsewhere.db-wal"), b"left over").unwrap();
    assert!(matches!(
        backup::backup(&live, &elsewhere),
        Err(backup::BackupError::Exists(_))
    ));
}

#[test]
fn restore_refuses_a_file_that_is_not_a_sweep_backup() {
    let db = TestDb::sqlite();
    let junk = db.dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let error = backup::restore(&junk, &db.dir.path().join("sweep.db")).unwrap_err();
    assert!(error.to_string().contains("junk.db"), "{error}");
    // The district is untouched and opens.
    assert!(sweep::store::Db::open(&db.config.database).is_ok());
}

#[test]
fn on_postgres_the_commands_point_to_postgres_tools() {
    let Some(db) = TestDb::postgres() else { return };
    for (command, tool) in [("backup", "pg_dump"), ("restore", "pg_restore")] {
        let out = Command::new(env!("CARGO_BIN_EXE_sweep"))
            .args([command, "district.backup"])
            .current_dir(db.dir.path())
            .env("SWEEP_DATABASE_URL", db.url())
            .output()
            .unwrap();
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(tool), "{said}");
    }
}
