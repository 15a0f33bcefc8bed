//! Races, on both backends: requests sent at the same moment must keep the record true.
//! On SQLite one writer serialises every change; on PostgreSQL writers run side by side
//! (READ COMMITTED), so each rule here must be kept by the database itself. Every answer
//! must be a 2xx or a 4xx with its code, never a 5xx.

mod common;

use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

use common::api::{district, walkers, with_api, Api, DATE};
use common::TestDb;
use sweep::store::schema::{handled_requests, samples, tubes, visit_outcomes};

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Sends every request at once; their answers in the same order.
async fn all_at_once(api: &Api, token: &str, requests: Vec<(String, Value)>) -> Vec<(u16, Value)> {
    let answers = join_all(
        requests
            .iter()
            .map(|(path, body)| api.send("POST", path, Some(token), Some(body.clone()))),
    )
    .await;
    for (status, body) in &answers {
        assert!(*status < 500, "a server error: {status} {body}");
    }
    answers
}

fn codes(answers: &[(u16, Value)]) -> Vec<String> {
    let mut codes: Vec<String> = answers
        .iter()
        .map(|(status, body)| match body["error"].as_str() {
            Some(code) => format!("{status} {code}"),
            None => status.to_string(),
        })
        .collect();
    codes.sort();
    codes
}

async fn open_tube(api: &Api, team: &str, tube: &str) {
    let (status, body) = api
        .send(
            "POST",
            "/api/v1/site/tubes",
            Some(team),
            Some(json!({"request_id": new_id(), "tube": tube, "date": DATE})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

fn scan(tube: &str, resident: &str) -> (String, Value) {
    (
        "/api/v1/site/scans".to_string(),
        json!({"request_id": new_id(), "tube": tube, "resident": resident}),
    )
}

/// Scans `resident` into `tubes[0]` (the first team's) and `tubes[1]` (the second's) at the
/// same moment; the two answers' codes.
async fn into_two_tubes_at_once(
    api: &Api,
    teams: [&str; 2],
    tubes: [&str; 2],
    resident: &str,
) -> Vec<String> {
    let send = |k: usize| {
        api.send(
            "POST",
            "/api/v1/site/scans",
            Some(teams[k]),
            Some(scan(tubes[k], resident).1),
        )
    };
    let (first, second) = futures_util::join!(send(0), send(1));
    codes(&[first, second])
}

fn one_resident_scanned_into_two_tubes_at_once_is_sampled_once(db: &TestDb) {
    district(db);
    let residents = walkers(db, 8);
    let expected = residents.clone();
    with_api(db, |api| async move {
        let t1 = api.login_team("T001", "1111").await;
        let t2 = api.login_team("T002", "2222").await;
        for (trial, resident) in residents.iter().enumerate() {
            let (a, b) = (format!("A-{trial}"), format!("B-{trial}"));
            open_tube(&api, &t1, &a).await;
            open_tube(&api, &t2, &b).await;
            assert_eq!(
                into_two_tubes_at_once(&api, [&t1, &t2], [&a, &b], resident).await,
                ["201", "409 already_sampled"],
                "trial {trial}"
            );
        }
    });
    let mut conn = db.db.conn().unwrap();
    let sampled: Vec<i64> = samples::table
        .select(samples::resident_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(sampled.len(), expected.len(), "each resident sampled once");
    // The refused swab's place in its tube was given back.
    let swabs: i64 = tubes::table
        .select(diesel::dsl::sum(tubes::swabs))
        .get_result::<Option<i64>>(&mut conn)
        .unwrap()
        .unwrap();
    assert_eq!(swabs, expected.len() as i64);
}

/// After a positive pool, a recalled resident scanned into two single tubes at the same
/// moment (two samplers, two phones) is retested once: one tube takes the swab, the other
/// hears the resident is sampled and stays empty.
fn a_recalled_resident_scanned_into_two_single_tubes_at_once_is_retested_once(db: &TestDb) {
    district(db);
    common::api::lab_account(db);
    let residents = walkers(db, 6);
    let recalled = residents.clone();
    with_api(db, |api| async move {
        let t1 = api.login_team("T001", "1111").await;
        let t2 = api.login_team("T002", "2222").await;
        let lab = api.login("lab1", "lab-password").await;
        api.open_tube(&t1, "POOL", Some(6)).await;
        for resident in &residents {
            assert_eq!(api.scan(&t1, "POOL", json!(resident)).await.0, 201);
        }
        assert_eq!(api.record_result(&lab, "POOL", "positive").await.0, 201);
        for (trial, resident) in residents.iter().enumerate() {
            let (a, b) = (format!("SA-{trial}"), format!("SB-{trial}"));
            api.open_tube(&t1, &a, Some(1)).await;
            api.open_tube(&t2, &b, Some(1)).await;
            assert_eq!(
                into_two_tubes_at_once(&api, [&t1, &t2], [&a, &b], resident).await,
                ["201", "409 already_sampled"],
                "trial {trial}"
            );
        }
    });
    let mut conn = db.db.conn().unwrap();
    let retests: Vec<(i64, i32)> = samples::table
        .filter(samples::attempt.eq(2))
        .select((samples::resident_id, samples::attempt))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        retests.len(),
        recalled.len(),
        "each recalled resident retested once"
    );
    let single_swabs: i64 = tubes::table
        .filter(tubes::code.ne("POOL"))
        .select(diesel::dsl::sum(tubes::swabs))
        .get_result::<Option<i64>>(&mut conn)
        .unwrap()
        .unwrap();
    assert_eq!(single_swabs, recalled.len() as i64);
}

fn a_tube_never_holds_more_than_its_pool_size(db: &TestDb) {
    district(db);
    let residents = walkers(db, 15);
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        open_tube(&api, &team, "FULL-1").await;
        let answers = all_at_once(
            &api,
            &team,
            residents.iter().map(|r| scan("FULL-1", r)).collect(),
        )
        .await;
        let accepted = answers.iter().filter(|(status, _)| *status == 201).count();
        assert_eq!(accepted, 10, "{:?}", codes(&answers));
        assert!(answers
            .iter()
            .filter(|(status, _)| *status != 201)
            .all(|(status, body)| *status == 409 && body["error"] == "tube_closed"));
        // The last swab closed it.
        assert!(answers
            .iter()
            .any(|(_, body)| body["swabs"] == 10 && body["status"] == "closed"));
    });
    let mut conn = db.db.conn().unwrap();
    let (swabs, status): (i32, String) = tubes::table
        .filter(tubes::code.eq("FULL-1"))
        .select((tubes::swabs, tubes::status))
        .get_result(&mut conn)
        .unwrap();
    let held: i64 = samples::table.count().get_result(&mut conn).unwrap();
    assert_eq!((swabs, held, status.as_str()), (10, 10, "closed"));
}

fn two_results_for_one_tube_keep_the_one_acknowledged(db: &TestDb) {
    district(db);
    let residents = walkers(db, 6);
    let mut conn = db.db.conn().unwrap();
    let hash = sweep::access::hash_secret("lab-password");
    sweep::store::access::add_account(
        &mut conn,
        "lab1",
        "lab",
        Some(db.district().id),
        &hash,
        chrono::Utc::now().naive_utc(),
    )
    .unwrap();
    drop(conn);
    let acknowledged = common::api::with_result(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let lab = api.login("lab1", "lab-password").await;
        let mut acknowledged = Vec::new();
        for (trial, resident) in residents.iter().enumerate() {
            let tube = format!("LAB-{trial}");
            open_tube(&api, &team, &tube).await;
            let (path, body) = scan(&tube, resident);
            assert_eq!(
                api.send("POST", &path, Some(&team), Some(body)).await.0,
                201
            );
            let close = format!("/api/v1/site/tubes/{tube}/close");
            let closed = api
                .send(
                    "POST",
                    &close,
                    Some(&team),
                    Some(json!({"request_id": new_id()})),
                )
                .await;
            assert_eq!(closed.0, 200, "{}", closed.1);
            let result = |result: &str| {
                (
                    "/api/v1/lab/results".to_string(),
                    json!({"request_id": new_id(), "tube": &tube, "result": result}),
                )
            };
            let answers =
                all_at_once(&api, &lab, vec![result("negative"), result("positive")]).await;
            assert_eq!(
                codes(&answers),
                ["201", "409 result_exists"],
                "trial {trial}"
            );
            let kept = answers.iter().find(|(status, _)| *status == 201).unwrap();
            acknowledged.push((tube, kept.1["result"].as_str().unwrap().to_string()));
        }
        acknowledged
    });
    let mut conn = db.db.conn().unwrap();
    for (tube, result) in acknowledged {
        let stored: String = tubes::table
            .filter(tubes::code.eq(&tube))
            .select(tubes::status)
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(
            stored, result,
            "the acknowledged result of {tube} is the one stored"
        );
    }
}

fn one_request_id_sent_many_times_at_once_is_done_once(db: &TestDb) {
    district(db);
    let residents = walkers(db, 1);
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let (_, route) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&team),
                None,
            )
            .await;
        let door = route["stops"][0]["resident"].as_str().unwrap().to_string();

        let opening = (
            "/api/v1/site/tubes".to_string(),
            json!({"request_id": new_id(), "tube": "SAME-1", "date": DATE}),
        );
        let scanning = scan("SAME-1", &residents[0]);
        let outcome = (
            "/api/v1/team/outcomes".to_string(),
            json!({"request_id": new_id(), "resident": door, "outcome": "not_home", "date": DATE}),
        );
        for request in [opening, scanning, outcome] {
            let answers = all_at_once(&api, &team, vec![request; 8]).await;
            assert!(
                answers.iter().all(|a| a.0 == 201 && *a == answers[0]),
                "every copy gets the first answer: {:?}",
                codes(&answers)
            );
        }
    });
    let mut conn = db.db.conn().unwrap();
    let tubes_opened: i64 = tubes::table.count().get_result(&mut conn).unwrap();
    let swabs: i64 = samples::table.count().get_result(&mut conn).unwrap();
    let outcomes: i64 = visit_outcomes::table.count().get_result(&mut conn).unwrap();
    let remembered: i64 = handled_requests::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!((tubes_opened, swabs, outcomes, remembered), (1, 1, 1, 3));
}

fn one_tube_code_opened_twice_at_once_is_opened_once(db: &TestDb) {
    district(db);
    with_api(db, |api| async move {
        let t1 = api.login_team("T001", "1111").await;
        for trial in 0..5 {
            let open = (
                "/api/v1/site/tubes".to_string(),
                json!({"request_id": new_id(), "tube": format!("TWICE-{trial}"), "date": DATE}),
            );
            let other = (
                open.0.clone(),
                json!({"request_id": new_id(), "tube": format!("TWICE-{trial}"), "date": DATE}),
            );
            let answers = all_at_once(&api, &t1, vec![open, other]).await;
            assert_eq!(codes(&answers), ["201", "409 tube_exists"]);
        }
    });
}

fn two_plans_of_one_round_at_once_one_is_refused(db: &TestDb) {
    district(db);
    with_api(db, |api| async move {
        let office = api.login("wang", "office-password").await;
        let plan = || {
            (
                format!("/api/v1/office/rounds/{DATE}/plan"),
                json!({"request_id": new_id(), "route_seconds": 1.0}),
            )
        };
        let answers = all_at_once(&api, &office, vec![plan(), plan()]).await;
        assert_eq!(codes(&answers), ["200", "409 plan_in_progress"]);
        // Once the first is done, planning again works.
        let (path, body) = plan();
        assert_eq!(
            api.send("POST", &path, Some(&office), Some(body)).await.0,
            200
        );
    });
}

/// Two districts re-planning and publishing their rounds at the same moment, three times:
/// every plan and publish finishes, and each round's plan is stored whole. (A plan that
/// made its round a partition of its own locked the tables its references point to, and
/// deadlocked with a publish; see docs/performance.md.)
fn plans_and_publishes_of_two_districts_at_once_all_finish(db: &TestDb) {
    district(db);
    let roster = db.dir.path().join("second");
    sweep::demo::write_district(
        &roster,
        sweep::demo::DemoSpec {
            residents: 3_000,
            seed: 8,
            ..Default::default()
        },
    )
    .unwrap();
    let second = sweep::districts::add(&mut db.db.conn().unwrap(), &db.config, "C3", "", None)
        .expect("a second district");
    let files =
        sweep::import::RosterFiles::from_dir(&roster, &indicatif::ProgressBar::hidden()).unwrap();
    sweep::import::import(&db.db, &second, files, 5).unwrap();
    let date: chrono::NaiveDate = DATE.parse().unwrap();
    let one_second = || {
        let mut options = sweep::rounds::PlanOptions::on(date);
        options.routes.seconds = Some(0.2);
        options
    };
    sweep::rounds::plan_round(&db.db, &db.config, &second, one_second()).unwrap();
    for _trial in 0..3 {
        let start = std::sync::Arc::new(std::sync::Barrier::new(4));
        let work: Vec<_> = [db.district(), second.clone()]
            .into_iter()
            .flat_map(|district| [(district.clone(), true), (district, false)])
            .map(|(district, plans)| {
                let (db, config, start) = (db.db.clone(), db.config.clone(), start.clone());
                let options = one_second();
                std::thread::spawn(move || {
                    start.wait();
                    if plans {
                        sweep::rounds::plan_round(&db, &config, &district, options)
                            .map(|summary| Some(summary.slots.placed))
                    } else {
                        sweep::rounds::publish_round(&db, &district, date).map(|()| None)
                    }
                })
            })
            .collect();
        let placed: Vec<_> = work
            .into_iter()
            .map(|w| w.join().unwrap().expect("every plan and publish finishes"))
            .collect();
        for (district, placed) in [(db.district(), placed[0]), (second.clone(), placed[2])] {
            use sweep::store::schema::slot_assignments;
            let stored: i64 = slot_assignments::table
                .filter(slot_assignments::district_id.eq(district.id))
                .count()
                .get_result(&mut db.db.conn().unwrap())
                .unwrap();
            assert_eq!(Some(stored as usize), placed, "district {}", district.code);
        }
    }
}

/// A round deleted while another transaction is writing slot assignments that name it:
/// the delete waits for that transaction and is then refused, so no assignment is left
/// naming a round that is gone. (On PostgreSQL the plan's references are checked once per
/// statement, migration `plan_writes`: the rows' check must lock the round against the
/// delete as a reference's check does.)
fn a_round_deleted_while_assignments_naming_it_are_written_stays(db: &TestDb) {
    use sweep::store::schema::{rounds, slot_assignments};
    use sweep::store::slots::AssignmentRow;
    district(db);
    let mut conn = db.db.conn().unwrap();
    let planned: AssignmentRow = slot_assignments::table
        .select(AssignmentRow::as_select())
        .first(&mut conn)
        .unwrap();
    // A round nothing else names yet.
    let round = sweep::store::rounds::create_round(
        &mut conn,
        sweep::store::rounds::NewRound {
            district_id: planned.district_id,
            date: "2026-12-20".parse().unwrap(),
            starts_min: 8 * 60,
            ends_min: 18 * 60,
            slot_minutes: 30,
            status: sweep::domain::RoundStatus::Draft,
            created_at: chrono::Utc::now().naive_utc(),
            recall_households: true,
        },
    )
    .unwrap();
    let written = std::sync::Arc::new(std::sync::Barrier::new(2));
    let deleting = {
        let (db, written, round) = (db.db.clone(), written.clone(), round.id);
        std::thread::spawn(move || {
            let mut conn = db.conn().unwrap();
            written.wait();
            sweep::store::write_transaction(&mut conn, |conn| {
                sweep::on_backend!(conn, |c| diesel::delete(
                    rounds::table.filter(rounds::id.eq(round))
                )
                .execute(c))
            })
        })
    };
    sweep::store::write_transaction(&mut conn, |conn| {
        let row = AssignmentRow {
            round_id: round.id,
            ..planned
        };
        sweep::on_backend!(conn, |c| diesel::insert_into(slot_assignments::table)
            .values(&row)
            .execute(c))?;
        written.wait();
        // The delete is sent while this transaction is still open.
        std::thread::sleep(std::time::Duration::from_millis(300));
        Ok::<_, diesel::result::Error>(())
    })
    .expect("the assignment is written");
    let deleted = deleting.join().unwrap();
    assert!(
        deleted.is_err(),
        "the round named by an assignment went: {deleted:?}"
    );
    let named: i64 = slot_assignments::table
        .filter(slot_assignments::round_id.eq(round.id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(named, 1);
    assert!(
        sweep::store::rounds::round_on(&mut conn, planned.district_id, round.date)
            .unwrap()
            .is_some()
    );
}

/// A resident's code, and their slot's site code and start.
type Assigned = (String, String, i32);
/// A slot's site code and start, planned and capacity.
type Load = (String, i32, i32, i32);

/// Each resident's slot and each slot's planned count as stored.
fn stored_slots(db: &TestDb) -> (Vec<Assigned>, Vec<Load>) {
    use sweep::store::schema::{residents, sites, slot_assignments, slot_loads};
    let mut conn = db.db.conn().unwrap();
    let assigned = slot_assignments::table
        .inner_join(
            residents::table.on(residents::district_id
                .eq(slot_assignments::district_id)
                .and(residents::id.eq(slot_assignments::resident_id))),
        )
        .inner_join(sites::table)
        .select((residents::code, sites::code, slot_assignments::starts_min))
        .order(residents::code)
        .load(&mut conn)
        .unwrap();
    let loads = slot_loads::table
        .inner_join(sites::table)
        .select((
            sites::code,
            slot_loads::starts_min,
            slot_loads::planned,
            slot_loads::capacity,
        ))
        .load(&mut conn)
        .unwrap();
    (assigned, loads)
}

fn office_moves_at_once_never_overfill_a_slot_nor_miscount_it(db: &TestDb) {
    district(db);
    let (assigned, loads) = stored_slots(db);
    // The slot with the fewest places left (at least one), and more residents from
    // elsewhere than it has places for.
    let (site, start, planned, capacity) = loads
        .iter()
        .filter(|(_, _, planned, capacity)| planned < capacity)
        .min_by_key(|(_, _, planned, capacity)| capacity - planned)
        .cloned()
        .unwrap();
    let room = (capacity - planned) as usize;
    let movers: Vec<String> = assigned
        .iter()
        .filter(|(_, s, t)| (s, t) != (&site, &start))
        .take(room + 4)
        .map(|(code, _, _)| code.clone())
        .collect();
    let clock = format!("{:02}:{:02}", start / 60, start % 60);
    with_api(db, |api| async move {
        let office = api.login("wang", "office-password").await;
        let moves = movers
            .iter()
            .map(|resident| {
                (
                    format!("/api/v1/office/rounds/{DATE}/moves"),
                    json!({"request_id": new_id(), "resident": resident, "site": site, "start": clock}),
                )
            })
            .collect();
        let answers = all_at_once(&api, &office, moves).await;
        let moved = answers.iter().filter(|(status, _)| *status == 200).count();
        assert_eq!(moved, room, "{:?}", codes(&answers));
        assert!(answers
            .iter()
            .filter(|(status, _)| *status != 200)
            .all(|(status, body)| *status == 409 && body["error"] == "slot_full"));
    });
    // Every slot's count is its residents', and none holds more than its capacity.
    let (assigned, loads) = stored_slots(db);
    for (site, start, planned, capacity) in loads {
        let held = assigned
            .iter()
            .filter(|(_, s, t)| (s, t) == (&site, &start))
            .count() as i32;
        assert_eq!(planned, held, "site {site} at {start}");
        assert!(
            planned <= capacity,
            "site {site} at {start}: {planned} > {capacity}"
        );
    }
}

fn scans_go_on_while_the_roster_is_imported(db: &TestDb) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    district(db);
    let residents = walkers(db, 3_000);
    let roster = db.dir.path().join("changed");
    sweep::demo::write_with_note(&db.dir.path().join("demo"), &roster, "再次导入").unwrap();
    let (importer, importing) = (db.db.clone(), Arc::new(AtomicBool::new(true)));
    let district = db.district();
    let over = Arc::clone(&importing);
    let (acknowledged, window) = common::api::with_result(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let started = Instant::now();
        let import = std::thread::spawn(move || {
            let files =
                sweep::import::RosterFiles::from_dir(&roster, &indicatif::ProgressBar::hidden())
                    .unwrap();
            let imported = sweep::import::import(&importer, &district, files, 1_000);
            over.store(false, Ordering::SeqCst);
            imported.map(|_| started.elapsed())
        });
        let mut acknowledged = Vec::new();
        for (n, resident) in residents.iter().enumerate() {
            if !importing.load(Ordering::SeqCst) {
                break;
            }
            let tube = format!("IMP-{}", n / 10);
            if n % 10 == 0 {
                open_tube(&api, &team, &tube).await;
            }
            let (path, body) = scan(&tube, resident);
            let (status, answer) = api.send("POST", &path, Some(&team), Some(body)).await;
            assert_eq!(status, 201, "a scan during the import: {answer}");
            acknowledged.push(started.elapsed());
        }
        let took = import.join().unwrap().expect("the import");
        (acknowledged, took)
    });
    let during: Vec<Duration> = acknowledged.into_iter().filter(|at| *at < window).collect();
    assert!(
        during.len() > 10,
        "scans acknowledged during the import: {}",
        during.len()
    );
    // No scan waited anywhere near the writer's busy timeout (which would be a 503).
    let longest = during
        .windows(2)
        .map(|pair| pair[1] - pair[0])
        .max()
        .unwrap_or_default();
    eprintln!(
        "import {window:?}, {} scans during it, longest wait {longest:?}",
        during.len()
    );
    assert!(
        longest < Duration::from_secs(2),
        "the longest wait between scans during a {window:?} import: {longest:?}"
    );
    let updated: i64 = {
        use sweep::store::schema::residents;
        residents::table
            .filter(residents::notes.eq("再次导入"))
            .count()
            .get_result(&mut db.db.conn().unwrap())
            .unwrap()
    };
    assert_eq!(updated, 6_000, "the import is whole once it is over");
}

/// A district's first residents go in one transaction: two first imports of the same roster
/// at once (two offices' clicks, two processes) must not both write them — the second waits
/// for the first and finds every resident stored.
fn two_first_imports_at_once_store_each_resident_once(db: &TestDb) {
    let roster = db.dir.path().join("first");
    sweep::demo::write_district(
        &roster,
        sweep::demo::DemoSpec {
            residents: 2_000,
            ..Default::default()
        },
    )
    .unwrap();
    let imports: Vec<_> = (0..2)
        .map(|_| {
            let (db, roster, district) = (db.db.clone(), roster.clone(), db.district());
            std::thread::spawn(move || {
                let files = sweep::import::RosterFiles::from_dir(
                    &roster,
                    &indicatif::ProgressBar::hidden(),
                )
                .unwrap();
                sweep::import::import(&db, &district, files, 1_000).map(|t| t.residents)
            })
        })
        .collect();
    for import in imports {
        assert_eq!(import.join().unwrap().expect("each import"), 2_000);
    }
    use sweep::store::schema::residents;
    let stored: i64 = residents::table
        .filter(residents::district_id.eq(db.district().id))
        .count()
        .get_result(&mut db.db.conn().unwrap())
        .unwrap();
    assert_eq!(stored, 2_000);
}

/// An ID number is the city's: two districts' first imports at once, the same people on
/// both rosters (a family registered where they live and where they work), both checked
/// before either writes. The database refuses the second's rows, and that import answers
/// as its check would have — each line, naming the district that has the ID number — with
/// nothing of it written.
fn two_districts_import_the_same_new_id_numbers_at_once_one_keeps_them(db: &TestDb) {
    let roster = db.dir.path().join("shared");
    sweep::demo::write_district(
        &roster,
        sweep::demo::DemoSpec {
            residents: 3_000,
            seed: 7,
            ..Default::default()
        },
    )
    .unwrap();
    let ours = db.district();
    let other = sweep::districts::add(&mut db.db.conn().unwrap(), &db.config, "C3", "", None)
        .expect("a third district");
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let imports: Vec<_> = [ours.clone(), other.clone()]
        .into_iter()
        .map(|district| {
            let (db, roster, start) = (db.db.clone(), roster.clone(), start.clone());
            std::thread::spawn(move || {
                let files = sweep::import::RosterFiles::from_dir(
                    &roster,
                    &indicatif::ProgressBar::hidden(),
                )
                .unwrap();
                start.wait();
                sweep::import::import(&db, &district, files, 5)
            })
        })
        .collect();
    let answers: Vec<_> = imports.into_iter().map(|i| i.join().unwrap()).collect();
    let stored = |district: i64| -> i64 {
        use sweep::store::schema::residents;
        residents::table
            .filter(residents::district_id.eq(district))
            .count()
            .get_result(&mut db.db.conn().unwrap())
            .unwrap()
    };
    let (winner, loser) = match (&answers[0], &answers[1]) {
        (Ok(_), Err(_)) => (&ours, (&other, &answers[1])),
        (Err(_), Ok(_)) => (&other, (&ours, &answers[0])),
        _ => panic!("exactly one import keeps the ID numbers: {answers:?}"),
    };
    let (loser, refused) = loser;
    let Err(sweep::import::ImportError::Invalid(problems)) = refused else {
        panic!("the refused import names its rows: {refused:?}");
    };
    assert_eq!(problems.errors, 3_000, "every resident's line is named");
    assert_eq!(problems.shown.len(), 5);
    for error in &problems.shown {
        assert_eq!(
            (error.file, error.column.as_deref(), error.problem.code()),
            ("residents.csv", Some("id_number"), "id_number_in_district")
        );
        assert_eq!(
            error.problem.params(),
            &[("district", winner.code.clone())],
            "names the district that has it, nothing else of it"
        );
    }
    assert_eq!(stored(winner.id), 3_000);
    assert_eq!(
        stored(loser.id),
        0,
        "nothing of the refused import is written"
    );
}

/// Two offices adding the same district code at the same moment: one district is made (with
/// its partitions, on PostgreSQL), the other hears the code is taken.
fn one_district_code_added_twice_at_once_is_added_once(db: &TestDb) {
    let start = std::sync::Arc::new(std::sync::Barrier::new(2));
    let adds: Vec<_> = (0..2)
        .map(|_| {
            let (db, config, start) = (db.db.clone(), db.config.clone(), start.clone());
            std::thread::spawn(move || {
                let mut conn = db.conn().unwrap();
                start.wait();
                sweep::districts::add(&mut conn, &config, "C4", "Fourth", None)
            })
        })
        .collect();
    let answers: Vec<_> = adds.into_iter().map(|a| a.join().unwrap()).collect();
    let made: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(made.len(), 1, "{answers:?}");
    assert!(
        answers.iter().any(
            |a| matches!(a, Err(sweep::districts::DistrictError::Taken(code)) if code == "C4")
        ),
        "{answers:?}"
    );
    let mut conn = db.db.conn().unwrap();
    let codes: Vec<String> = sweep::store::districts::all_districts(&mut conn)
        .unwrap()
        .into_iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["C4", "D1", "N2"]);
    drop(conn);
    // The district made is whole: a roster goes into it.
    let roster = db.dir.path().join("fourth");
    sweep::demo::write_district(
        &roster,
        sweep::demo::DemoSpec {
            residents: 50,
            seed: 4,
            ..Default::default()
        },
    )
    .unwrap();
    let files =
        sweep::import::RosterFiles::from_dir(&roster, &indicatif::ProgressBar::hidden()).unwrap();
    let totals =
        sweep::import::import(&db.db, made[0], files, 5).expect("the district takes a roster");
    assert_eq!(totals.residents, 50);
}

on_both_backends!(
    two_districts_import_the_same_new_id_numbers_at_once_one_keeps_them,
    one_district_code_added_twice_at_once_is_added_once,
    two_first_imports_at_once_store_each_resident_once,
    one_resident_scanned_into_two_tubes_at_once_is_sampled_once,
    a_recalled_resident_scanned_into_two_single_tubes_at_once_is_retested_once,
    a_tube_never_holds_more_than_its_pool_size,
    two_results_for_one_tube_keep_the_one_acknowledged,
    one_request_id_sent_many_times_at_once_is_done_once,
    one_tube_code_opened_twice_at_once_is_opened_once,
    two_plans_of_one_round_at_once_one_is_refused,
    plans_and_publishes_of_two_districts_at_once_all_finish,
    a_round_deleted_while_assignments_naming_it_are_written_stays,
    office_moves_at_once_never_overfill_a_slot_nor_miscount_it,
    scans_go_on_while_the_roster_is_imported,
);
