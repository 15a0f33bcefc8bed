//! The lab's results and what follows: a positive pool recalls its residents, the office
//! lists them, the retest goes into a single tube, and a recalled resident who cannot walk
//! is routed again.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use crate::common::api::{
    district, first_stop, lab_account, new_id, walkers, with_api, with_result, DATE,
};
use crate::common::TestDb;
use sweep::rounds::{self, PlanOptions};
use sweep::store::schema::{tubes, visit_outcomes};

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
        let pooled = |listed: &[serde_json::Value]| {
            listed
                .iter()
                .filter(|r| r["reason"] == "positive_pool")
                .count()
        };
        // The pool's residents; the others listed live with them (recall.include_household).
        assert_eq!(pooled(&listed), 3);
        assert!(listed
            .iter()
            .all(|r| r["reason"] == "positive_pool" || r["reason"] == "household"));
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
        assert_eq!(pooled(listed.as_array().unwrap()), 2);
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

/// A lab's batch of results as CSV: every bad row named and nothing recorded, then the
/// mended file recorded whole, and the same file again changing nothing.
fn a_batch_of_results_is_recorded_whole_or_not_at_all(db: &TestDb) {
    district(db);
    lab_account(db);
    let walkers = walkers(db, 4);
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let lab = api.login("lab1", "lab-password").await;
        let office = api.login("wang", "office-password").await;
        // Two pools of two, full and so closed; a third tube still open.
        for (tube, who) in [("B-001", &walkers[0..2]), ("B-002", &walkers[2..4])] {
            api.open_tube(&team, tube, Some(2)).await;
            for w in who {
                assert_eq!(api.scan(&team, tube, json!(w)).await.0, 201);
            }
        }
        api.open_tube(&team, "B-003", None).await;
        assert_eq!(api.record_result(&lab, "B-002", "negative").await.0, 201);
        let upload = |token: String, request_id: String, csv: &'static str| {
            let api = &api;
            async move {
                let parts = [
                    ("request_id", None, request_id.as_str()),
                    ("results", Some("results.csv"), csv),
                ];
                api.upload("/api/v1/lab/results.csv", &token, &parts).await
            }
        };
        let located = |body: &serde_json::Value| -> Vec<(i64, String, String)> {
            body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["line"].as_i64().unwrap(),
                        e["column"].as_str().unwrap().to_string(),
                        e["problem"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        };

        // Only the lab sends results.
        let good = "tube,result,ct_value,tested_at\nB-001,positive,28.5,2026-01-05 10:00\nB-002,negative,,\n";
        assert_eq!(upload(team.clone(), new_id(), good).await.0, 403);

        // Bad values first: each named by line and column.
        let (status, body) = upload(
            lab.clone(),
            new_id(),
            "tube,result,ct_value\nB-001,maybe,\nB-002,negative,99\n",
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("invalid_results"))
        );
        assert_eq!(
            located(&body),
            [
                (2, "result".into(), "not_lab_result".into()),
                (3, "ct_value".into(), "out_of_range".into())
            ]
        );

        // Then the tubes: unknown, still open, or with another result already.
        let (status, body) = upload(
            lab.clone(),
            new_id(),
            "tube,result\nB-001,positive\nB-002,positive\nB-404,negative\nB-003,negative\n",
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("invalid_results")),
            "{body}"
        );
        assert_eq!(
            located(&body),
            [
                (3, "result".into(), "result_differs".into()),
                (4, "tube".into(), "unknown_tube".into()),
                (5, "tube".into(), "tube_still_open".into())
            ]
        );
        // Nothing was recorded: B-001, good on its own line, still takes a result.
        let recalls = format!("/api/v1/office/recalls?date={DATE}");
        let (_, listed) = api.send("GET", &recalls, Some(&office), None).await;
        assert_eq!(listed.as_array().unwrap().len(), 0);

        // The mended file: recorded whole, the result sent before left as it was.
        let id = new_id();
        let (status, body) = upload(lab.clone(), id.clone(), good).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            (body["recorded"].as_i64(), body["positive"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(
            (body["unchanged"].as_i64(), body["recalled"].as_i64()),
            (Some(1), Some(2))
        );
        let (_, listed) = api.send("GET", &recalls, Some(&office), None).await;
        let pooled = listed
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["reason"] == "positive_pool");
        assert_eq!(pooled.count(), 2);
        // The same request again gets the same answer; the same file again changes nothing.
        assert_eq!(upload(lab.clone(), id, good).await, (200, body));
        let (status, again) = upload(lab.clone(), new_id(), good).await;
        assert_eq!(status, 200);
        assert_eq!(
            (again["recorded"].as_i64(), again["unchanged"].as_i64()),
            (Some(0), Some(2))
        );
    });
    let mut conn = db.db.conn().unwrap();
    let (ct, tested): (Option<f64>, Option<chrono::NaiveDateTime>) = tubes::table
        .filter(tubes::code.eq("B-001"))
        .select((tubes::ct_value, tubes::tested_at))
        .first(&mut conn)
        .unwrap();
    assert_eq!(ct, Some(28.5));
    // 10:00 on the district's clock (Asia/Shanghai) is 02:00 UTC.
    assert_eq!(tested.unwrap().to_string(), "2026-01-05 02:00:00");
}

on_both_backends!(
    a_positive_pool_recalls_its_residents_to_a_single_tube_retest,
    a_batch_of_results_is_recorded_whole_or_not_at_all,
    a_positive_pool_recalls_the_households_of_its_residents,
);

/// A positive pool recalls the households of its residents too: a member sampled earlier is
/// retested into a single tube, the others are called; with the round's household rule
/// off, only the pool's own residents are.
fn a_positive_pool_recalls_the_households_of_its_residents(db: &TestDb) {
    district(db);
    lab_account(db);
    // Three walkers of one household, and two walkers of other households.
    let all: Vec<csv::StringRecord> =
        csv::Reader::from_path(db.dir.path().join("demo/residents.csv"))
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect();
    let rows: Vec<&csv::StringRecord> = all
        .iter()
        .filter(|r| &r[10] == "ambulatory" && &r[11] != "yes" && !r[8].is_empty())
        .collect();
    let household = rows
        .iter()
        .map(|r| r[8].to_string())
        .find(|h| rows.iter().filter(|r| &r[8] == h.as_str()).count() >= 3)
        .expect("a household of three walkers");
    let members: Vec<String> = rows
        .iter()
        .filter(|r| r[8] == *household)
        .map(|r| r[0].to_string())
        .take(3)
        .collect();
    let others: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| r[8] != *household)
        .copied()
        .take(2)
        .collect();
    // Everyone living with A or X (any mobility) is called with them.
    let homes = [household.clone(), others[1][8].to_string()];
    let (a, x) = (members[0].clone(), others[1][0].to_string());
    let mut expected: Vec<(String, String)> = all
        .iter()
        .filter(|r| homes.contains(&r[8].to_string()) && r[0] != *a && r[0] != *x)
        .map(|r| (r[0].to_string(), "household".to_string()))
        .chain([a.clone(), x.clone()].map(|r| (r, "positive_pool".to_string())))
        .collect();
    expected.sort();
    let (b, c) = (members[1].clone(), members[2].clone());
    let w = others[0][0].to_string();
    assert!(
        expected.contains(&(c, "household".to_string())),
        "{expected:?}"
    );
    let pool = [a.clone(), x.clone()];
    let listed = with_result(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let lab = api.login("lab1", "lab-password").await;
        let office = api.login("wang", "office-password").await;
        let recalls = |token: String| {
            let api = &api;
            async move {
                let path = format!("/api/v1/office/recalls?date={DATE}");
                let (status, body) = api.send("GET", &path, Some(&token), None).await;
                assert_eq!(status, 200);
                let mut listed: Vec<(String, String)> = body
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            r["resident"].as_str().unwrap().to_string(),
                            r["reason"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                listed.sort();
                listed
            }
        };
        // B is sampled first, in a pool that is negative; then A's pool is positive.
        for (tube, who, result) in [
            ("H-001", [&b, &w], "negative"),
            ("H-002", [&a, &x], "positive"),
        ] {
            api.open_tube(&team, tube, Some(2)).await;
            for r in who {
                assert_eq!(api.scan(&team, tube, json!(r)).await.0, 201);
            }
            assert_eq!(api.record_result(&lab, tube, result).await.0, 201);
        }
        assert_eq!(recalls(office.clone()).await, expected);

        // B, sampled before the result, is retested into a single tube, and then no longer
        // called.
        api.open_tube(&team, "H-003", None).await;
        let (status, body) = api.scan(&team, "H-003", json!(b)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("needs_single_tube")),
            "{body}"
        );
        api.open_tube(&team, "H-S01", Some(1)).await;
        assert_eq!(api.scan(&team, "H-S01", json!(b)).await.0, 201);
        expected.retain(|(r, _)| *r != b);
        assert_eq!(recalls(office.clone()).await, expected);
        expected
    });
    let district = db.district();
    let date: NaiveDate = DATE.parse().unwrap();
    let mut conn = db.db.conn().unwrap();
    let count = |conn: &mut sweep::store::DbConnection| {
        rounds::completion(conn, &district, date, None)
            .unwrap()
            .counts
            .recalled
    };
    assert_eq!(count(&mut conn), listed.len() as u32);

    // With the rule off, the household is not called.
    diesel::update(sweep::store::schema::rounds::table)
        .set(sweep::store::schema::rounds::recall_households.eq(false))
        .execute(&mut conn)
        .unwrap();
    let only_pool: Vec<String> = rounds::recalls(&mut conn, &district, date)
        .unwrap()
        .into_iter()
        .map(|r| r.who.resident)
        .collect();
    assert_eq!(only_pool.len(), 2, "{only_pool:?}");
    assert!(pool.iter().all(|r| only_pool.contains(r)), "{only_pool:?}");
    assert_eq!(count(&mut conn), 2);
}
