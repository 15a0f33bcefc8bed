//! The sampling rules as use cases, without HTTP, on both backends: a tube opened once,
//! swabs only into one's own open tube, a resident sampled once a round and again only
//! into a single tube after a positive pool, a tube's one result once closed.

mod common;

use chrono::NaiveDate;

use common::api::{district, walkers, DATE};
use common::TestDb;
use sweep::domain::{District, TubeStatus};
use sweep::rounds::{self, LabResult, RoundError, Sampler, Who};
use sweep::store::DbConnection;

/// A scan in its own transaction, as the API runs one: a refusal writes nothing.
fn scan(
    conn: &mut DbConnection,
    key: &sweep::domain::PersonalDataKey,
    sampler: Sampler,
    tube: &str,
    who: Who,
) -> Result<(rounds::Tube, rounds::Added), RoundError> {
    sweep::store::write_transaction(conn, |c| rounds::scan(c, key, sampler, tube, who))
}

fn team(conn: &mut DbConnection, district: &District, code: &str) -> i64 {
    sweep::store::access::team_pin(conn, district.id, code)
        .unwrap()
        .unwrap()
        .0
}

fn the_sampling_rules_hold(db: &TestDb) {
    district(db);
    let people = walkers(db, 2);
    let (r1, r2) = (people[0].as_str(), people[1].as_str());
    let date: NaiveDate = DATE.parse().unwrap();
    let mut conn = db.db.conn().unwrap();
    let key = db.db.personal_data_key(&mut conn).unwrap();
    let conn = &mut conn;
    let ours = db.district();
    let t1 = Sampler {
        district: &ours,
        team_id: team(conn, &ours, "T001"),
        name: "T001",
    };
    let t2 = Sampler {
        district: &ours,
        team_id: team(conn, &ours, "T002"),
        name: "T002",
    };

    // Opening: a valid pool size and code, each code once.
    let tube = rounds::open_tube(conn, t1, date, " A-1 ", 3).unwrap();
    assert_eq!(
        (tube.code.as_str(), tube.status.as_str(), tube.swabs),
        ("A-1", "open", 0)
    );
    assert!(matches!(
        rounds::open_tube(conn, t2, date, "A-1", 3),
        Err(RoundError::TubeExists(code)) if code == "A-1"
    ));
    assert!(matches!(
        rounds::open_tube(conn, t1, date, "A-2", 0),
        Err(RoundError::Invalid {
            field: "pool_size",
            ..
        })
    ));
    assert!(matches!(
        rounds::open_tube(conn, t1, date, "", 3),
        Err(RoundError::Invalid { field: "tube", .. })
    ));

    // Scanning: whom, once; only into one's own tube; only people we know.
    let (tube, added) = scan(conn, &key, t1, "A-1", Who::Code(r1)).unwrap();
    assert_eq!((tube.swabs, added.resident.as_str()), (1, r1));
    assert!(
        added.name.contains('*'),
        "the name is masked: {}",
        added.name
    );
    assert!(matches!(
        scan(conn, &key, t1, "A-1", Who::Code(r1)),
        Err(RoundError::AlreadySampled { tube, .. }) if tube == "A-1"
    ));
    assert!(matches!(
        scan(conn, &key, t2, "A-1", Who::Code(r2)),
        Err(RoundError::NotYourTube(_))
    ));
    assert!(matches!(
        scan(conn, &key, t1, "A-1", Who::Code("NOBODY")),
        Err(RoundError::UnknownResident)
    ));
    assert!(matches!(
        scan(conn, &key, t1, "A-1", Who::Ticket("0.0")),
        Err(RoundError::UnknownTicket)
    ));
    assert!(matches!(
        scan(conn, &key, t1, "A-1", Who::IdNumber("123")),
        Err(RoundError::Invalid {
            field: "id_number",
            ..
        })
    ));
    assert!(matches!(
        scan(conn, &key, t1, "NO-SUCH", Who::Code(r2)),
        Err(RoundError::UnknownTube(_))
    ));

    // Closing and results: an empty tube does not close; a result only once closed, once.
    rounds::open_tube(conn, t1, date, "EMPTY", 3).unwrap();
    assert!(matches!(
        rounds::close_tube(conn, t1, "EMPTY"),
        Err(RoundError::TubeEmpty(_))
    ));
    assert!(matches!(
        rounds::record_result(conn, &ours, "lab", "A-1", LabResult::Positive),
        Err(RoundError::TubeStillOpen(_))
    ));
    assert_eq!(
        rounds::close_tube(conn, t1, "A-1").unwrap().status,
        TubeStatus::Closed
    );
    assert!(matches!(
        rounds::close_tube(conn, t1, "A-1"),
        Err(RoundError::TubeAlreadyClosed(_))
    ));
    assert!(matches!(
        scan(conn, &key, t1, "A-1", Who::Code(r2)),
        Err(RoundError::TubeClosed(_))
    ));
    assert_eq!(
        rounds::record_result(conn, &ours, "lab", "A-1", LabResult::Positive).unwrap(),
        1
    );
    assert!(matches!(
        rounds::record_result(conn, &ours, "lab", "A-1", LabResult::Negative),
        Err(RoundError::ResultExists { result, .. }) if result == TubeStatus::Positive
    ));

    // After a positive pool: a retest only into a single tube, which is then full.
    rounds::open_tube(conn, t1, date, "POOL-2", 10).unwrap();
    assert!(matches!(
        scan(conn, &key, t1, "POOL-2", Who::Code(r1)),
        Err(RoundError::NeedsSingleTube(tube)) if tube == "A-1"
    ));
    rounds::open_tube(conn, t1, date, "SINGLE-1", 1).unwrap();
    let (single, _) = scan(conn, &key, t1, "SINGLE-1", Who::Code(r1)).unwrap();
    assert_eq!((single.swabs, single.status), (1, TubeStatus::Closed));
    assert!(matches!(
        scan(conn, &key, t1, "POOL-2", Who::Code(r1)),
        Err(RoundError::AlreadySampled { tube, .. }) if tube == "SINGLE-1"
    ));

    // The neighbour district's samplers and lab: its own tube codes (the same as ours), none
    // of our tubes, tickets or residents.
    let neighbour = sweep::districts::named(conn, &db.config, Some(common::NEIGHBOUR)).unwrap();
    let theirs = Sampler {
        district: &neighbour,
        team_id: team(conn, &neighbour, "T001"),
        name: "T001",
    };
    assert_ne!(theirs.team_id, t1.team_id);
    assert!(matches!(
        rounds::close_tube(conn, theirs, "POOL-2"),
        Err(RoundError::UnknownTube(_))
    ));
    assert!(matches!(
        rounds::record_result(conn, &neighbour, "lab", "POOL-2", LabResult::Negative),
        Err(RoundError::UnknownTube(_))
    ));
    assert!(matches!(
        rounds::open_tube(conn, theirs, date, "A-1", 3),
        Err(RoundError::NoRound(_))
    ));
    let options = rounds::PlanOptions::on(date);
    rounds::plan_round(&db.db, &db.config, &neighbour, options).unwrap();
    rounds::open_tube(conn, theirs, date, "A-1", 3).unwrap();
    let ticket = key.ticket(
        sweep::store::residents::resident_id(conn, ours.id, r2)
            .unwrap()
            .unwrap(),
    );
    assert!(matches!(
        scan(conn, &key, theirs, "A-1", Who::Ticket(&ticket)),
        Err(RoundError::UnknownTicket)
    ));
}

on_both_backends!(the_sampling_rules_hold);
