//! From the site to the lab and back: swabs scanned into pooled tubes, a positive result,
//! the office's recall list and the single-tube retest.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::api::{district, with_api, with_result, DATE};
use crate::common::TestDb;
use sweep::rounds::{self, PlanOptions};
use sweep::store::schema::visit_outcomes;

/// A resident's ID number as the roster spreadsheet has it.
fn id_number_of(db: &TestDb, resident: &str) -> String {
    let mut reader = csv::Reader::from_path(db.dir.path().join("demo/residents.csv")).unwrap();
    reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == resident)
        .map(|r| r[2].to_string())
        .unwrap()
}

fn pooled_tubes_go_from_scans_to_a_positive_result_to_recall_and_retest(db: &TestDb) {
    district(db);
    let mut conn = db.db.conn().unwrap();
    let now = chrono::Utc::now().naive_utc();
    let hash = sweep::access::hash_secret("lab-password");
    sweep::store::access::add_account(&mut conn, "lab1", "lab", &hash, now).unwrap();
    drop(conn);
    // Two residents who walk, and one on T001's route who cannot.
    let walkers: Vec<String> = {
        let mut reader = csv::Reader::from_path(db.dir.path().join("demo/residents.csv")).unwrap();
        reader
            .records()
            .map(Result::unwrap)
            .filter(|r| &r[10] == "ambulatory" && &r[11] != "yes")
            .take(2)
            .map(|r| r[0].to_string())
            .collect()
    };
    let id_of_second = id_number_of(db, &walkers[1]);
    let date: NaiveDate = DATE.parse().unwrap();
    let bedridden = with_result(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let (_, route) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&team),
                None,
            )
            .await;
        route["stops"][0]["resident"].as_str().unwrap().to_string()
    });
    let home = bedridden.clone();
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let lab = api.login("lab1", "lab-password").await;
        let office = api.login("wang", "office-password").await;
        let id = || uuid::Uuid::new_v4().to_string();
        let post = |path: &'static str, token: String, body: Value| {
            let api = &api;
            async move { api.send("POST", path, Some(&token), Some(body)).await }
        };

        let (status, tube) = post(
            "/api/v1/site/tubes",
            team.clone(),
            json!({"request_id": id(), "tube": "P-001", "pool_size": 3, "date": DATE}),
        )
        .await;
        assert_eq!(status, 201, "{tube}");
        assert_eq!(
            (tube["swabs"].as_i64(), tube["status"].as_str()),
            (Some(0), Some("open"))
        );
        let scans = [
            json!({"request_id": id(), "tube": "P-001", "resident": walkers[0]}),
            json!({"request_id": id(), "tube": "P-001", "id_number": id_of_second}),
            json!({"request_id": id(), "tube": "P-001", "resident": home}),
        ];
        for (k, scan) in scans.into_iter().enumerate() {
            let (status, tube) = post("/api/v1/site/scans", team.clone(), scan).await;
            assert_eq!(status, 201, "{tube}");
            assert_eq!(tube["swabs"].as_i64(), Some(k as i64 + 1));
        }
        // The bedridden resident's door says sampled: done, until the result comes back.
        let (status, _) = post("/api/v1/team/outcomes", team.clone(), json!({"request_id": id(), "resident": home, "outcome": "sampled", "tube_code": "P-001", "date": DATE})).await;
        assert_eq!(status, 201);
        // Full at three: it closed itself.
        let (status, body) = post(
            "/api/v1/site/scans",
            team.clone(),
            json!({"request_id": id(), "tube": "P-001", "resident": walkers[0]}),
        )
        .await;
        assert_eq!((status, body["error"].as_str()), (409, Some("tube_closed")));
        // The same resident into another tube: 409 naming the earlier one.
        post(
            "/api/v1/site/tubes",
            team.clone(),
            json!({"request_id": id(), "tube": "P-002", "date": DATE}),
        )
        .await;
        let (status, body) = post(
            "/api/v1/site/scans",
            team.clone(),
            json!({"request_id": id(), "tube": "P-002", "resident": walkers[0]}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("already_sampled"))
        );
        assert!(
            body["message"].as_str().unwrap().contains("P-001"),
            "{body}"
        );

        // Only the lab posts results, once.
        let result =
            |tube: &str, result: &str| json!({"request_id": id(), "tube": tube, "result": result});
        assert_eq!(
            post(
                "/api/v1/lab/results",
                team.clone(),
                result("P-001", "positive")
            )
            .await
            .0,
            403
        );
        let (status, body) = post(
            "/api/v1/lab/results",
            lab.clone(),
            result("P-002", "negative"),
        )
        .await;
        assert_eq!((status, body["error"].as_str()), (409, Some("tube_open")));
        let (status, body) = post(
            "/api/v1/lab/results",
            lab.clone(),
            result("P-001", "positive"),
        )
        .await;
        assert_eq!(
            (status, body["recalled"].as_i64()),
            (201, Some(3)),
            "{body}"
        );
        let (status, _) = post(
            "/api/v1/lab/results",
            lab.clone(),
            result("P-001", "negative"),
        )
        .await;
        assert_eq!(status, 409);

        let (status, recalls) = api
            .send(
                "GET",
                &format!("/api/v1/office/recalls?date={DATE}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let recalls = recalls.as_array().unwrap().clone();
        assert_eq!(recalls.len(), 3);
        assert!(recalls.iter().all(|r| r["reason"] == "positive_pool"));
        assert!(recalls
            .iter()
            .any(|r| r["resident"] == home && r["home_visit"] == true));
        assert_eq!(
            api.send(
                "GET",
                &format!("/api/v1/office/recalls?date={DATE}"),
                Some(&lab),
                None
            )
            .await
            .0,
            403
        );

        // The retest goes into a single tube, not another pool.
        post(
            "/api/v1/site/tubes",
            team.clone(),
            json!({"request_id": id(), "tube": "P-003", "date": DATE}),
        )
        .await;
        let (status, body) = post(
            "/api/v1/site/scans",
            team.clone(),
            json!({"request_id": id(), "tube": "P-003", "resident": walkers[0]}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("needs_single_tube"))
        );
        post(
            "/api/v1/site/tubes",
            team.clone(),
            json!({"request_id": id(), "tube": "S-001", "pool_size": 1, "date": DATE}),
        )
        .await;
        let (status, tube) = post(
            "/api/v1/site/scans",
            team.clone(),
            json!({"request_id": id(), "tube": "S-001", "resident": walkers[0]}),
        )
        .await;
        assert_eq!((status, tube["status"].as_str()), (201, Some("closed")));
        let (_, recalls) = api
            .send(
                "GET",
                &format!("/api/v1/office/recalls?date={DATE}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(recalls.as_array().unwrap().len(), 2);
    });
    // The door's outcome carries the wall clock's time, and a team goes on from its last
    // door: run at night, after every shift, no team would have time left for anyone. The
    // knock is put in the round's morning, when the team still has its day ahead.
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
    let summary = rounds::plan_round(&db.db, &db.config, PlanOptions::on(date)).unwrap();
    assert_eq!(summary.home_visits.already_done, 0);
    let round = sweep::store::rounds::round_on(&mut conn, date)
        .unwrap()
        .unwrap();
    let resident = sweep::store::residents::resident_id(&mut conn, &bedridden)
        .unwrap()
        .unwrap();
    assert!(
        sweep::store::routes::team_of_stop(&mut conn, round.id, resident)
            .unwrap()
            .is_some(),
        "the recalled resident is not routed: {summary:?}"
    );
}

on_both_backends!(pooled_tubes_go_from_scans_to_a_positive_result_to_recall_and_retest,);
