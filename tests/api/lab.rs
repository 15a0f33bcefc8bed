//! The lab's results and what follows: a positive pool recalls its residents, the office
//! lists them, the retest goes into a single tube, and a recalled resident who cannot walk
//! is routed again.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use crate::common::api::{district, first_stop, lab_account, walkers, with_api, DATE};
use crate::common::TestDb;
use sweep::rounds::{self, PlanOptions};
use sweep::store::schema::visit_outcomes;

fn a_positive_pool_recalls_its_residents_to_a_single_tube_retest(db: &TestDb) {
    district(db);
    lab_account(db);
    let walkers = walkers(db, 2);
    let bedridden = first_stop(db, "T001", "1111");
    let home = bedridden.clone();
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let lab = api.login("lab1", "lab-password").await;
        let office = api.login("wang", "office-password").await;
        let recalls = |token: String| {
            let api = &api;
            async move {
                let path = format!("/api/v1/office/recalls?date={DATE}");
                api.send("GET", &path, Some(&token), None).await
            }
        };

        // Three swabs in a pool of three; the bedridden resident's door says sampled.
        api.open_tube(&team, "P-001", Some(3)).await;
        for who in [&walkers[0], &walkers[1], &home] {
            assert_eq!(api.scan(&team, "P-001", json!(who)).await.0, 201);
        }
        let door = json!({"resident": home, "outcome": "sampled", "tube_code": "P-001"});
        assert_eq!(api.record_outcome(&team, door).await.0, 201);
        api.open_tube(&team, "P-002", None).await;

        // Only the lab records results, for closed tubes, once.
        assert_eq!(api.record_result(&team, "P-001", "positive").await.0, 403);
        let (status, body) = api.record_result(&lab, "P-002", "negative").await;
        assert_eq!((status, body["error"].as_str()), (409, Some("tube_open")));
        let (status, body) = api.record_result(&lab, "P-001", "positive").await;
        assert_eq!(
            (status, body["recalled"].as_i64()),
            (201, Some(3)),
            "{body}"
        );
        assert_eq!(api.record_result(&lab, "P-001", "negative").await.0, 409);

        // The office sees whom to call back; the lab does not.
        let (status, listed) = recalls(office.clone()).await;
        assert_eq!(status, 200);
        let listed = listed.as_array().unwrap().clone();
        assert_eq!(listed.len(), 3);
        assert!(listed.iter().all(|r| r["reason"] == "positive_pool"));
        assert!(listed
            .iter()
            .any(|r| r["resident"] == home && r["home_visit"] == true));
        assert_eq!(recalls(lab.clone()).await.0, 403);

        // The retest goes into a single tube, not another pool.
        api.open_tube(&team, "P-003", None).await;
        let (status, body) = api.scan(&team, "P-003", json!(walkers[0])).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("needs_single_tube"))
        );
        api.open_tube(&team, "S-001", Some(1)).await;
        let (status, tube) = api.scan(&team, "S-001", json!(walkers[0])).await;
        assert_eq!((status, tube["status"].as_str()), (201, Some("closed")));
        let (_, listed) = recalls(office.clone()).await;
        assert_eq!(listed.as_array().unwrap().len(), 2);
    });

    // The door's outcome carries the wall clock's time, and a team goes on from its last
    // door: run at night, after every shift, no team would have time left for anyone. The
    // knock is put in the round's morning, when the team still has its day ahead.
    let date: NaiveDate = DATE.parse().unwrap();
    let mut conn = db.db.conn().unwrap();
    let morning = chrono::TimeZone::from_local_datetime(
        &db.config.district.timezone,
        &date.and_hms_opt(9, 0, 0).unwrap(),
    )
    .unwrap()
    .naive_utc();
    diesel::update(visit_outcomes::table)
        .set(visit_outcomes::recorded_at.eq(morning))
        .execute(&mut conn)
        .unwrap();
    // The bedridden resident, sampled at the door but in a positive pool, is routed again
    // by the next re-plan (without the recall, the door's "sampled" would have been final).
    let summary =
        rounds::plan_round(&db.db, &db.config, &db.district(), PlanOptions::on(date)).unwrap();
    assert_eq!(summary.home_visits.already_done, 0);
    let round = sweep::store::rounds::round_on(&mut conn, db.district().id, date)
        .unwrap()
        .unwrap();
    let resident = sweep::store::residents::resident_id(&mut conn, db.district().id, &bedridden)
        .unwrap()
        .unwrap();
    assert!(
        sweep::store::routes::team_of_stop(&mut conn, &round, resident)
            .unwrap()
            .is_some(),
        "the recalled resident is not routed: {summary:?}"
    );
}

on_both_backends!(a_positive_pool_recalls_its_residents_to_a_single_tube_retest,);
