//! The sampling rules as use cases, without HTTP, on both backends: a tube opened once,
//! swabs only into one's own open tube, a resident sampled once a round and again only
//! into a single tube after a positive pool, a tube's one result once closed.

mod common;

use chrono::NaiveDate;

use common::api::{district, walkers, DATE};
use common::TestDb;
use sweep::domain::TubeStatus;
use sweep::rounds::{self, LabResult, RoundError, Sampler, Who};
use sweep::store::DbConnection;

fn team(conn: &mut DbConnection, code: &str) -> i64 {
    sweep::store::access::team_pin(conn, code)
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
    let t1 = Sampler {
        team_id: team(conn, "T001"),
        name: "T001",
    };
    let t2 = Sampler {
        team_id: team(conn, "T002"),
        name: "T002",
    };
    let zone = chrono_tz::Asia::Shanghai;

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
    let (tube, added) = rounds::scan(conn, &key, t1, "A-1", Who::Code(r1), zone).unwrap();
    assert_eq!((tube.swabs, added.resident.as_str()), (1, r1));
    assert!(
        added.name.contains('*'),
        "the name is masked: {}",
        added.name
    );
    assert!(matches!(
        rounds::scan(conn, &key, t1, "A-1", Who::Code(r1), zone),
        Err(RoundError::AlreadySampled { tube, .. }) if tube == "A-1"
    ));
    assert!(matches!(
        rounds::scan(conn, &key, t2, "A-1", Who::Code(r2), zone),
        Err(RoundError::NotYourTube(_))
    ));
    assert!(matches!(
        rounds::scan(conn, &key, t1, "A-1", Who::Code("NOBODY"), zone),
        Err(RoundError::UnknownResident)
    ));
    assert!(matches!(
        rounds::scan(conn, &key, t1, "A-1", Who::Ticket("0.0"), zone),
        Err(RoundError::UnknownTicket)
    ));
    assert!(matches!(
        rounds::scan(conn, &key, t1, "A-1", Who::IdNumber("123"), zone),
        Err(RoundError::Invalid {
            field: "id_number",
            ..
        })
    ));
    assert!(matches!(
        rounds::scan(conn, &key, t1, "NO-SUCH", Who::Code(r2), zone),
        Err(RoundError::UnknownTube(_))
    ));

    // Closing and results: an empty tube does not close; a result only once closed, once.
    rounds::open_tube(conn, t1, date, "EMPTY", 3).unwrap();
    assert!(matches!(
        rounds::close_tube(conn, t1, "EMPTY"),
        Err(RoundError::TubeEmpty(_))
    ));
    assert!(matches!(
        rounds::record_result(conn, "lab", "A-1", LabResult::Positive),
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
        rounds::scan(conn, &key, t1, "A-1", Who::Code(r2), zone),
        Err(RoundError::TubeClosed(_))
    ));
    assert_eq!(
        rounds::record_result(conn, "lab", "A-1", LabResult::Positive).unwrap(),
        1
    );
    assert!(matches!(
        rounds::record_result(conn, "lab", "A-1", LabResult::Negative),
        Err(RoundError::ResultExists { result, .. }) if result == TubeStatus::Positive
    ));

    // After a positive pool: a retest only into a single tube, which is then full.
    rounds::open_tube(conn, t1, date, "POOL-2", 10).unwrap();
    assert!(matches!(
        rounds::scan(conn, &key, t1, "POOL-2", Who::Code(r1), zone),
        Err(RoundError::NeedsSingleTube(tube)) if tube == "A-1"
    ));
    rounds::open_tube(conn, t1, date, "SINGLE-1", 1).unwrap();
    let (single, _) = rounds::scan(conn, &key, t1, "SINGLE-1", Who::Code(r1), zone).unwrap();
    assert_eq!((single.swabs, single.status), (1, TubeStatus::Closed));
    assert!(matches!(
        rounds::scan(conn, &key, t1, "POOL-2", Who::Code(r1), zone),
        Err(RoundError::AlreadySampled { tube, .. }) if tube == "SINGLE-1"
    ));
}

on_both_backends!(the_sampling_rules_hold);
