//! The API as a mobile team and the office use it, over HTTP on a random port, on both
//! backends: logins, a team's own route, outcomes at the doors (idempotent), who may do what.

mod common;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Value};

use common::api::{district, with_api, with_api_config, with_result, DATE};
use common::TestDb;
use sweep::rounds::{self, PlanOptions};
use sweep::store::schema::{audit, visit_outcomes};

fn logins_give_tokens_and_wrong_ones_say_nothing_more(db: &TestDb) {
    district(db);
    with_api(db, |api| async move {
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/sessions",
                None,
                Some(json!({"login": "wang", "password": "office-password"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["role"], "office");
        let office = body["token"].as_str().unwrap().to_string();

        let wrong_password = api
            .send(
                "POST",
                "/api/v1/sessions",
                None,
                Some(json!({"login": "wang", "password": "nope-nope"})),
            )
            .await;
        let unknown_login = api
            .send(
                "POST",
                "/api/v1/sessions",
                None,
                Some(json!({"login": "li", "password": "nope-nope"})),
            )
            .await;
        assert_eq!(wrong_password.0, 401);
        assert_eq!(wrong_password, unknown_login, "the same answer either way");
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team-sessions",
                None,
                Some(json!({"team": "T001", "pin": "2222"})),
            )
            .await;
        assert_eq!(status, 401);

        // No token, a made-up token, the wrong role.
        assert_eq!(
            api.send("GET", "/api/v1/team/route", None, None).await.0,
            401
        );
        assert_eq!(
            api.send("GET", "/api/v1/team/route", Some("f00d"), None)
                .await
                .0,
            401
        );
        let (status, body) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
        let team = api.login_team("T001", "1111").await;
        assert_eq!(
            api.send("GET", "/api/v1/office/audit", Some(&team), None)
                .await
                .0,
            403
        );
        assert_eq!(
            api.send("GET", "/api/v1/office/audit", Some(&office), None)
                .await
                .0,
            200
        );
    });
}

fn a_team_sees_its_own_route_and_records_outcomes_once(db: &TestDb) {
    district(db);
    with_api(db, |api| async move {
        let t1 = api.login_team("T001", "1111").await;
        let t2 = api.login_team("T002", "2222").await;
        let (status, route) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&t1),
                None,
            )
            .await;
        assert_eq!(status, 200, "{route}");
        assert_eq!(route["team"], "T001");
        let stops = route["stops"].as_array().unwrap();
        assert!(!stops.is_empty());
        for (k, stop) in stops.iter().enumerate() {
            assert_eq!(stop["seq"], k + 1);
            assert!(stop["eta"].as_str().unwrap().contains(':'));
            if let Some(phone) = stop["phone"].as_str() {
                assert!(phone.contains('*'), "phones are shown masked: {phone}");
            }
        }
        assert!(!route.to_string().contains("id_number"));
        let (_, other) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&t2),
                None,
            )
            .await;
        let theirs = other["stops"][0]["resident"].as_str().unwrap().to_string();
        let mine = stops[0]["resident"].as_str().unwrap().to_string();

        // The office reads every team's route, the same stops; a team cannot.
        let office = api.login("wang", "office-password").await;
        let all_routes = format!("/api/v1/office/rounds/{DATE}/routes");
        let (status, all) = api.send("GET", &all_routes, Some(&office), None).await;
        assert_eq!(status, 200, "{all}");
        let all = all.as_array().unwrap();
        let of = |team: &str| all.iter().find(|r| r["team"] == team).unwrap()["stops"].clone();
        // The team gets each resident's number to call; the office never does.
        let without_calls = |stops: &Value| {
            let mut stops = stops.clone();
            for stop in stops.as_array_mut().unwrap() {
                stop.as_object_mut().unwrap().remove("call");
            }
            stops
        };
        assert!(stops
            .iter()
            .filter(|s| s["phone"].is_string())
            .all(|s| s["call"]
                .as_str()
                .is_some_and(|c| c.starts_with("tel:") && !c.contains('*'))));
        assert!(of("T001")
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("call").is_none()));
        assert_eq!(
            (of("T001"), of("T002")),
            (
                without_calls(&route["stops"]),
                without_calls(&other["stops"])
            )
        );
        assert_eq!(api.send("GET", &all_routes, Some(&t1), None).await.0, 403);

        let outcome = |request_id: &str, resident: &str, outcome: &str, tube: Option<&str>| {
            json!({"request_id": request_id, "resident": resident, "outcome": outcome,
                   "tube_code": tube, "date": DATE})
        };
        let id = uuid::Uuid::new_v4().to_string();
        // Another team's resident, a sampled visit without its tube, nonsense.
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &theirs, "refused", None)),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("not_on_your_route"))
        );
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "sampled", None)),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (422, Some("tube_code")));
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "asleep", None)),
            )
            .await;
        assert_eq!(status, 422);
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome("not-a-uuid", &mine, "refused", None)),
            )
            .await;
        assert_eq!(status, 422);
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, "R9999999", "refused", None)),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (404, Some("resident")));

        // Sampled, sent twice (the stairwell lost the first answer): recorded once, same answer.
        let first = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "sampled", Some("TUBE-0001"))),
            )
            .await;
        assert_eq!(first.0, 201, "{}", first.1);
        let again = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "sampled", Some("TUBE-0001"))),
            )
            .await;
        assert_eq!(first, again);
        // The same request id for another change is refused, not answered with the first.
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(&id, &mine, "refused", None)),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("request_id_reused"))
        );
        // A request id is the caller's own: another team's same id is another request.
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t2),
                Some(outcome(&id, &theirs, "refused", None)),
            )
            .await;
        assert_eq!(status, 201);
        let (_, route) = api
            .send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&t1),
                None,
            )
            .await;
        assert_eq!(route["stops"][0]["outcome"], "sampled");
        // Changing a final outcome is a correction, and the audit says so.
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&t1),
                Some(outcome(
                    &uuid::Uuid::new_v4().to_string(),
                    &mine,
                    "unable",
                    None,
                )),
            )
            .await;
        assert_eq!(status, 201);
    });
    let mut conn = db.db.conn().unwrap();
    let recorded: i64 = visit_outcomes::table.count().get_result(&mut conn).unwrap();
    assert_eq!(
        recorded, 3,
        "T001's outcome once, T002's, and T001's correction"
    );
    let audited: Vec<(String, String)> = audit::table
        .select((audit::actor, audit::action))
        .order(audit::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        audited,
        [
            ("team:T001".to_string(), "visit outcome sampled".to_string()),
            ("team:T002".to_string(), "visit outcome refused".to_string()),
            (
                "team:T001".to_string(),
                "correct visit outcome sampled to unable".to_string()
            ),
        ]
    );
}

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
    let resident = sweep::store::routes::resident_id(&mut conn, &bedridden)
        .unwrap()
        .unwrap();
    assert!(
        sweep::store::routes::team_of_stop(&mut conn, round.id, resident)
            .unwrap()
            .is_some(),
        "the recalled resident is not routed: {summary:?}"
    );
}

fn completion_counts_match_what_was_recorded(db: &TestDb) {
    district(db);
    let mut conn = db.db.conn().unwrap();
    let now = chrono::Utc::now().naive_utc();
    sweep::store::access::add_account(
        &mut conn,
        "lab1",
        "lab",
        &sweep::access::hash_secret("lab-password"),
        now,
    )
    .unwrap();
    drop(conn);
    let in_first_building: Vec<String> = {
        let mut reader = csv::Reader::from_path(db.dir.path().join("demo/residents.csv")).unwrap();
        reader
            .records()
            .map(Result::unwrap)
            .filter(|r| &r[4] == "B00001")
            .map(|r| r[0].to_string())
            .collect()
    };
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let office = api.login("wang", "office-password").await;
        let lab = api.login("lab1", "lab-password").await;
        let id = || uuid::Uuid::new_v4().to_string();
        api.send(
            "POST",
            "/api/v1/site/tubes",
            Some(&team),
            Some(json!({"request_id": id(), "tube": "C-1", "date": DATE})),
        )
        .await;
        for resident in &in_first_building[..2] {
            let (status, _) = api
                .send(
                    "POST",
                    "/api/v1/site/scans",
                    Some(&team),
                    Some(json!({"request_id": id(), "tube": "C-1", "resident": resident})),
                )
                .await;
            assert_eq!(status, 201);
        }
        // Progress over time: the two swabs, counted once each, in the latest interval.
        let (status, progress) = api
            .send(
                "GET",
                &format!("/api/v1/office/progress?date={DATE}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(status, 200, "{progress}");
        let steps = progress.as_array().unwrap();
        assert_eq!(steps.last().unwrap()["sampled"].as_u64(), Some(2));
        assert!(steps.last().unwrap()["until"]
            .as_str()
            .unwrap()
            .contains(':'));
        let building = format!("/api/v1/office/completion?date={DATE}&building=B00001");
        let (status, one) = api.send("GET", &building, Some(&office), None).await;
        assert_eq!(status, 200, "{one}");
        let expected = in_first_building.len() as u64;
        assert_eq!(one["expected"].as_u64(), Some(expected));
        assert_eq!(one["sampled"].as_u64(), Some(2));
        assert_eq!(one["pending"].as_u64(), Some(expected - 2));
        // Building → units → floors, each level adding up.
        let units = one["parts"][0]["parts"].as_array().unwrap();
        let by_unit: u64 = units.iter().map(|u| u["expected"].as_u64().unwrap()).sum();
        assert_eq!(by_unit, expected);
        let (_, district) = api
            .send(
                "GET",
                &format!("/api/v1/office/completion?date={DATE}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(district["expected"].as_u64(), Some(6_000));
        assert_eq!(district["sampled"].as_u64(), Some(2));
        // The same counts by building, as CSV.
        let (status, csv) = api
            .text(
                &format!("/api/v1/office/rounds/{DATE}/completion.csv"),
                &office,
            )
            .await;
        assert_eq!(status, 200, "{csv}");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(
            reader.headers().unwrap(),
            vec![
                "community",
                "building",
                "expected",
                "sampled",
                "recalled",
                "not_home",
                "refused",
                "pending"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let total =
            |column: usize| -> u64 { rows.iter().map(|r| r[column].parse::<u64>().unwrap()).sum() };
        assert_eq!((total(2), total(3), total(7)), (6_000, 2, 5_998));

        let sweep = format!("/api/v1/office/sweep-list?date={DATE}&building=B00001");
        let (_, list) = api.send("GET", &sweep, Some(&office), None).await;
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len() as u64, expected - 2);
        assert!(list.iter().all(
            |e| !in_first_building[..2].contains(&e["resident"].as_str().unwrap().to_string())
        ));
        let order: Vec<(String, i64, String)> = list
            .iter()
            .map(|e| {
                (
                    e["unit"].as_str().unwrap().into(),
                    e["floor"].as_i64().unwrap(),
                    e["room"].as_str().unwrap().into(),
                )
            })
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "by unit, floor, room");

        // A positive pool puts both back on the list, as recalled.
        api.send(
            "POST",
            "/api/v1/site/tubes/C-1/close",
            Some(&team),
            Some(json!({"request_id": id()})),
        )
        .await;
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/lab/results",
                Some(&lab),
                Some(json!({"request_id": id(), "tube": "C-1", "result": "positive"})),
            )
            .await;
        assert_eq!(status, 201);
        let (_, one) = api.send("GET", &building, Some(&office), None).await;
        assert_eq!(
            (one["sampled"].as_u64(), one["recalled"].as_u64()),
            (Some(0), Some(2))
        );
        let (_, list) = api.send("GET", &sweep, Some(&office), None).await;
        assert_eq!(list.as_array().unwrap().len() as u64, expected);
        let (status, body) = api
            .send(
                "GET",
                &format!("/api/v1/office/sweep-list?date={DATE}&building=NOPE"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (404, Some("building")));
        assert_eq!(api.send("GET", &sweep, Some(&team), None).await.0, 403);
    });
}

fn a_resident_finds_only_their_own_slot_and_ticket(db: &TestDb) {
    district(db);
    let date: NaiveDate = DATE.parse().unwrap();
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_path(db.dir.path().join("demo/residents.csv"))
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect();
    let walker = rows
        .iter()
        .find(|r| &r[10] == "ambulatory" && &r[11] != "yes" && !r[3].is_empty())
        .unwrap()
        .clone();
    let home = rows.iter().find(|r| &r[10] == "bedridden").unwrap().clone();
    let stranger = sweep::domain::IdNumber::mainland_from_body("11010519491231002")
        .as_str()
        .to_string();
    let mut config = db.config.clone();
    config.access.lookups_per_minute = 8;
    let publish_first = (db.db.clone(), date);
    with_api_config(db, &config, |api| async move {
        let lookup = |body: Value| {
            let api = &api;
            async move {
                api.send("POST", "/api/v1/resident/lookup", None, Some(body))
                    .await
            }
        };
        let mine = json!({"id_number": &walker[2], "name": &walker[1], "date": DATE});
        // 1: nothing is shown before the office publishes.
        let (status, body) = lookup(mine.clone()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_published"))
        );
        rounds::publish_round(&publish_first.0, publish_first.1).unwrap();
        // 2: my slot at a site, and my ticket.
        let (status, slot) = lookup(mine.clone()).await;
        assert_eq!(status, 200, "{slot}");
        assert_eq!(slot["kind"], "site");
        assert!(slot["site"].as_str().is_some() && slot["from"].as_str().unwrap().contains(':'));
        let ticket = slot["ticket"].as_str().unwrap().to_string();
        assert!(
            !ticket.contains(&walker[2]),
            "the ticket carries no ID number"
        );
        // 3, 4: a wrong name and an unknown ID number get the same answer.
        let wrong_name =
            lookup(json!({"id_number": &walker[2], "name": "某某某", "date": DATE})).await;
        let unknown =
            lookup(json!({"id_number": stranger, "name": &walker[1], "date": DATE})).await;
        assert_eq!(wrong_name.0, 404);
        assert_eq!(wrong_name, unknown);
        // 5: the last four digits of the phone do instead of the name.
        let digits: String = walker[3].chars().filter(char::is_ascii_digit).collect();
        let (status, _) = lookup(json!({"id_number": &walker[2], "phone_last4": &digits[digits.len() - 4..], "date": DATE})).await;
        assert_eq!(status, 200);
        // 6: someone visited at home gets the team's time window.
        let (status, visit) =
            lookup(json!({"id_number": &home[2], "name": &home[1], "date": DATE})).await;
        assert_eq!(status, 200, "{visit}");
        assert_eq!(visit["kind"], "home_visit");
        // 7: a malformed ID number is the client's mistake, named.
        let (status, body) = lookup(json!({"id_number": "12345", "name": "x"})).await;
        assert_eq!((status, body["field"].as_str()), (422, Some("id_number")));
        // 8, then 9: the limit.
        assert_eq!(lookup(mine.clone()).await.0, 200);
        let (status, body) = lookup(mine.clone()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (429, Some("too_many_lookups"))
        );

        // The ticket as a QR code; a forged one is not.
        let mut response = api
            .client
            .get(format!("{}/api/v1/resident/tickets/{ticket}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "image/svg+xml"
        );
        let svg = response.body().await.unwrap();
        assert!(String::from_utf8_lossy(&svg).contains("<svg"));
        let forged = format!("{}.00000000000000000000", ticket.split('.').next().unwrap());
        let response = api
            .client
            .get(format!("{}/api/v1/resident/tickets/{forged}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404);

        // Samplers scan the ticket.
        let team = api.login_team("T001", "1111").await;
        let id = || uuid::Uuid::new_v4().to_string();
        api.send(
            "POST",
            "/api/v1/site/tubes",
            Some(&team),
            Some(json!({"request_id": id(), "tube": "Q-1", "date": DATE})),
        )
        .await;
        let (status, tube) = api
            .send(
                "POST",
                "/api/v1/site/scans",
                Some(&team),
                Some(json!({"request_id": id(), "tube": "Q-1", "ticket": ticket})),
            )
            .await;
        assert_eq!((status, tube["swabs"].as_i64()), (201, Some(1)), "{tube}");
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/site/scans",
                Some(&team),
                Some(json!({"request_id": id(), "tube": "Q-1", "ticket": forged})),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (404, Some("ticket")));
    });
}

fn the_office_plans_publishes_and_exports_a_round_over_http(db: &TestDb) {
    district(db);
    let sites: Vec<(String, i64)> = csv::Reader::from_path(db.dir.path().join("demo/sites.csv"))
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[4].parse().unwrap())
        })
        .collect();
    let db_lanes = move |code: &str| sites.iter().find(|s| s.0 == code).unwrap().1;
    with_api(db, |api| async move {
        let office = api.login("wang", "office-password").await;
        let team = api.login_team("T001", "1111").await;
        let next = "2026-12-02";
        let plan = format!("/api/v1/office/rounds/{next}/plan");
        let request = json!({"request_id": uuid::Uuid::new_v4(), "route_seconds": 0.5});
        assert_eq!(
            api.send("POST", &plan, Some(&team), Some(request.clone()))
                .await
                .0,
            403
        );
        let (status, body) = api
            .send(
                "POST",
                &plan,
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4(), "window": "18:00-08:00"})),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (422, Some("window")));
        let (status, summary) = api
            .send("POST", &plan, Some(&office), Some(request.clone()))
            .await;
        assert_eq!(status, 200, "{summary}");
        assert_eq!(summary["status"], "draft");
        assert!(summary["slots"]["placed"].as_u64().unwrap() > 5_000);
        assert!(summary["home_visits"]["planned"].as_u64().unwrap() > 0);
        // A retry is answered from the record, not planned again (the solver's time differs).
        let (_, again) = api.send("POST", &plan, Some(&office), Some(request)).await;
        assert_eq!(summary, again);

        let publish = format!("/api/v1/office/rounds/{next}/publish");
        let (status, body) = api
            .send(
                "POST",
                &publish,
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4()})),
            )
            .await;
        assert_eq!((status, body["status"].as_str()), (200, Some("published")));
        for (what, header) in [
            ("slots.csv", "resident,site,start,end"),
            ("routes.csv", "team,seq,resident,arrive,start,end"),
            (
                "teams.csv",
                "team,visits,leaves,returns,hours,distance_km,travel_minutes",
            ),
            ("unvisited.csv", "resident,reason"),
        ] {
            let mut response = api
                .client
                .get(format!("{}/api/v1/office/rounds/{next}/{what}", api.base))
                .insert_header(("Authorization", format!("Bearer {office}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200, "{what}");
            let text =
                String::from_utf8(response.body().limit(1 << 24).await.unwrap().to_vec()).unwrap();
            assert!(
                text.starts_with(header),
                "{what}: {}",
                &text[..text.len().min(80)]
            );
        }
        // The plan by site and slot, within capacity, with its predicted queues.
        let (status, slots) = api
            .send(
                "GET",
                &format!("/api/v1/office/rounds/{next}/slots"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let slots = slots.as_array().unwrap().clone();
        assert!(!slots.is_empty());
        assert!(slots
            .iter()
            .all(|s| s["planned"].as_i64() <= s["capacity"].as_i64()
                && s["p90_wait_minutes"].is_number()));
        let planned: i64 = slots.iter().map(|s| s["planned"].as_i64().unwrap()).sum();
        assert_eq!(planned as u64, summary["slots"]["placed"].as_u64().unwrap());

        // The round's listing says how good the plan is, as the plan's answer did.
        let listed = |listing: Value| {
            listing["rounds"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["date"] == next)
                .unwrap()
                .clone()
        };
        let (_, listing) = api
            .send("GET", "/api/v1/office/rounds", Some(&office), None)
            .await;
        let round = listed(listing);
        for field in ["walking_km", "bound_km", "gap"] {
            let (stored, answered) = (&round[field], &summary["slots"][field]);
            assert!(
                (stored.as_f64().unwrap() - answered.as_f64().unwrap()).abs() < 1e-6,
                "{field}: {stored} listed, {answered} answered"
            );
        }

        // One resident moved to a slot with room: both slots' counts follow.
        let mut response = api
            .client
            .get(format!(
                "{}/api/v1/office/rounds/{next}/slots.csv",
                api.base
            ))
            .insert_header(("Authorization", format!("Bearer {office}")))
            .send()
            .await
            .unwrap();
        let text =
            String::from_utf8(response.body().limit(1 << 24).await.unwrap().to_vec()).unwrap();
        let row: Vec<String> = text
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let (resident, from_site, from_start) =
            (row[0].clone(), row[1].clone(), row[2][11..].to_string());
        let target = slots
            .iter()
            .find(|s| {
                s["planned"].as_i64() < s["capacity"].as_i64()
                    && (s["site"] != from_site.as_str() || s["from"] != from_start.as_str())
            })
            .unwrap()
            .clone();
        let moves = format!("/api/v1/office/rounds/{next}/moves");
        let move_to = |site: &str, start: &str| json!({"request_id": uuid::Uuid::new_v4(), "resident": resident, "site": site, "start": start});
        let (status, body) = api
            .send(
                "POST",
                &moves,
                Some(&office),
                Some(move_to(&from_site, &from_start)),
            )
            .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some("start")),
            "{body}"
        );
        let (status, body) = api
            .send(
                "POST",
                &moves,
                Some(&office),
                Some(move_to(&from_site, "03:17")),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("no_such_slot"))
        );
        let (status, moved) = api
            .send(
                "POST",
                &moves,
                Some(&office),
                Some(move_to(
                    target["site"].as_str().unwrap(),
                    target["from"].as_str().unwrap(),
                )),
            )
            .await;
        assert_eq!(status, 200, "{moved}");
        assert_eq!(
            moved["planned"].as_i64(),
            Some(target["planned"].as_i64().unwrap() + 1)
        );
        let (_, after) = api
            .send(
                "GET",
                &format!("/api/v1/office/rounds/{next}/slots"),
                Some(&office),
                None,
            )
            .await;
        let planned_at = |site: &str, from: &str| {
            after
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["site"] == site && s["from"] == from)
                .unwrap()["planned"]
                .as_i64()
                .unwrap()
        };
        let before_at = |site: &str, from: &str| {
            slots
                .iter()
                .find(|s| s["site"] == site && s["from"] == from)
                .unwrap()["planned"]
                .as_i64()
                .unwrap()
        };
        assert_eq!(
            planned_at(&from_site, &from_start),
            before_at(&from_site, &from_start) - 1
        );
        // ... and the round's walking, when the move is to another site.
        let (_, listing) = api
            .send("GET", "/api/v1/office/rounds", Some(&office), None)
            .await;
        let walking = |r: &Value| r["walking_km"].as_f64().unwrap();
        let walked = walking(&listed(listing)) - walking(&round);
        assert_eq!(
            walked.abs() > 1e-9,
            target["site"] != from_site.as_str(),
            "walking changed by {walked} km"
        );
        let slots: Vec<Value> = after.as_array().unwrap().clone();

        // A whole site closes after publishing: its residents move elsewhere, each recorded.
        // Out-of-range lanes and unknown sites are refused.
        let first_site = slots[0]["site"].as_str().unwrap().to_string();
        let lanes = format!("/api/v1/office/rounds/{next}/sites/{first_site}/lanes");
        let (status, body) = api
            .send(
                "POST",
                &lanes,
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4(), "closed": 999})),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (422, Some("closed")));
        let (status, body) = api
            .send(
                "POST",
                &format!("/api/v1/office/rounds/{next}/sites/NOPE/lanes"),
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4(), "closed": 1})),
            )
            .await;
        assert_eq!((status, body["field"].as_str()), (404, Some("site")));
        let at_first: i64 = slots
            .iter()
            .filter(|s| s["site"] == first_site.as_str())
            .map(|s| s["planned"].as_i64().unwrap())
            .sum();
        assert!(at_first > 0);
        let (status, replanned) = api
            .send(
                "POST",
                &lanes,
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4(), "closed": db_lanes(&first_site)})),
            )
            .await;
        assert_eq!(status, 200, "{replanned}");
        assert_eq!(replanned["slots"]["moved"].as_i64(), Some(at_first));
        let (_, slots_after) = api
            .send(
                "GET",
                &format!("/api/v1/office/rounds/{next}/slots"),
                Some(&office),
                None,
            )
            .await;
        assert!(slots_after
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["site"] != first_site.as_str()));

        // Nobody is sampled yet: everyone is missing at the deadline.
        let mut response = api
            .client
            .get(format!(
                "{}/api/v1/office/rounds/{next}/missing.csv",
                api.base
            ))
            .insert_header(("Authorization", format!("Bearer {office}")))
            .send()
            .await
            .unwrap();
        let text =
            String::from_utf8(response.body().limit(1 << 24).await.unwrap().to_vec()).unwrap();
        assert!(text.starts_with("resident,name,building,unit,floor,room,standing\n"));
        assert_eq!(text.lines().count(), 6_001);
        assert_eq!(
            api.send(
                "GET",
                &format!("/api/v1/office/rounds/{next}/missing.csv"),
                Some(&team),
                None
            )
            .await
            .0,
            403
        );
        let (status, _) = api
            .send(
                "GET",
                &format!("/api/v1/office/rounds/{next}/ids.csv"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(status, 404);
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/office/rounds/2027-01-01/publish",
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4()})),
            )
            .await;
        assert_eq!((status, body["error"].as_str()), (404, Some("no_round")));
    });
    let mut conn = db.db.conn().unwrap();
    let actions: Vec<String> = audit::table.select(audit::action).load(&mut conn).unwrap();
    assert_eq!(
        actions[..3],
        ["plan round", "publish round", "move resident"]
    );
    assert!(actions[3].starts_with("close"), "{actions:?}");
}

/// A `multipart/form-data` body of text parts: (form field name, file name, content).
fn form(parts: &[(&str, Option<&str>, &str)]) -> (String, String) {
    let boundary = format!("sweep-{}", uuid::Uuid::new_v4().simple());
    let mut body = String::new();
    for (name, file, content) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(file) = file {
            body.push_str(&format!("; filename=\"{file}\"\r\nContent-Type: text/csv"));
        }
        body.push_str(&format!("\r\n\r\n{content}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn the_office_uploads_a_roster_all_or_nothing(db: &TestDb) {
    district(db);
    let sites_before = sweep::store::roster::totals(&mut db.db.conn().unwrap())
        .unwrap()
        .sites;
    with_api(db, |api| async move {
        let office = api.login("wang", "office-password").await;
        let team = api.login_team("T001", "1111").await;
        let upload = |token: String, parts: Vec<(&'static str, Option<&'static str>, String)>| {
            let api = &api;
            async move {
                let parts: Vec<_> = parts.iter().map(|(n, f, c)| (*n, *f, c.as_str())).collect();
                let (content_type, body) = form(&parts);
                let mut response = api
                    .client
                    .post(format!("{}/api/v1/office/roster", api.base))
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .insert_header(("Content-Type", content_type))
                    .send_body(body)
                    .await
                    .unwrap();
                let bytes = response.body().await.unwrap();
                (
                    response.status().as_u16(),
                    serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
                )
            }
        };
        let new_site = "code,name,lat,lon,lanes,per_lane_per_hour,open,close,queue_capacity\n\
                        S999,Night school gate,31.2301,121.4701,2,60,07:00,19:00,80\n"
            .to_string();
        let bad_residents = "code,name,id_number,building,floor,mobility\n\
                             R999999,Li Si,110101199003074514,NO-SUCH-BUILDING,three,walks\n"
            .to_string();
        let id = || uuid::Uuid::new_v4().to_string();

        // Only the office manages the roster.
        let (status, _) = upload(
            team,
            vec![
                ("request_id", None, id()),
                ("sites", None, new_site.clone()),
            ],
        )
        .await;
        assert_eq!(status, 403);

        // One bad file spoils the upload: every bad row is named, nothing is written.
        let (status, body) = upload(
            office.clone(),
            vec![
                ("request_id", None, id()),
                ("files", Some("sites.csv"), new_site.clone()),
                ("files", Some("residents.csv"), bad_residents),
            ],
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (422, Some("invalid_roster")),
            "{body}"
        );
        let errors = body["errors"].as_array().unwrap();
        let at = |column: &str| {
            errors
                .iter()
                .any(|e| e["file"] == "residents.csv" && e["line"] == 2 && e["column"] == column)
        };
        assert!(at("floor") && at("mobility"), "{body}");
        let totals =
            |db: &TestDb| sweep::store::roster::totals(&mut db.db.conn().unwrap()).unwrap();
        assert_eq!(totals(db).sites, sites_before);

        // Not a roster file, no request id, nothing sent: named.
        let (status, body) = upload(
            office.clone(),
            vec![
                ("request_id", None, id()),
                ("photo", Some("gate.jpg"), "x".into()),
            ],
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some("photo")),
            "{body}"
        );
        let (status, body) = upload(office.clone(), vec![("sites", None, new_site.clone())]).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some("request_id")),
            "{body}"
        );
        let (status, body) = upload(office.clone(), vec![("request_id", None, id())]).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some("files")),
            "{body}"
        );

        // A good file is imported once, however often the phone retries.
        let request = id();
        let good = vec![("request_id", None, request), ("sites.csv", None, new_site)];
        let (status, first) = upload(office.clone(), good.clone()).await;
        assert_eq!(status, 200, "{first}");
        assert_eq!(first["sites"].as_i64(), Some(sites_before + 1));
        let (status, again) = upload(office, good).await;
        assert_eq!((status, &again), (200, &first));
    });
    let imports: i64 = audit::table
        .filter(audit::action.eq("import roster"))
        .count()
        .get_result(&mut db.db.conn().unwrap())
        .unwrap();
    assert_eq!(imports, 1);
}

/// Every route `Application::build` registers, with the role it needs: what the OpenAPI
/// document must list.
const ROUTES: &[(&str, &str, Option<&str>)] = &[
    ("get", "/healthz", None),
    ("get", "/readyz", None),
    ("get", "/metrics", None),
    ("get", "/api/v1/openapi.json", None),
    ("post", "/api/v1/sessions", None),
    ("post", "/api/v1/team-sessions", None),
    ("get", "/api/v1/team/route", Some("team")),
    ("post", "/api/v1/team/outcomes", Some("team")),
    ("post", "/api/v1/resident/lookup", None),
    ("get", "/api/v1/resident/tickets/{ticket}", None),
    ("post", "/api/v1/site/tubes", Some("team")),
    ("post", "/api/v1/site/tubes/{code}/close", Some("team")),
    ("post", "/api/v1/site/scans", Some("team")),
    ("post", "/api/v1/lab/results", Some("lab")),
    ("post", "/api/v1/office/roster", Some("office")),
    ("get", "/api/v1/office/recalls", Some("office")),
    ("get", "/api/v1/office/completion", Some("office")),
    ("get", "/api/v1/office/sweep-list", Some("office")),
    ("get", "/api/v1/office/progress", Some("office")),
    ("get", "/api/v1/office/audit", Some("office")),
    ("post", "/api/v1/office/rounds/{date}/plan", Some("office")),
    (
        "post",
        "/api/v1/office/rounds/{date}/publish",
        Some("office"),
    ),
    ("get", "/api/v1/office/rounds/{date}/slots", Some("office")),
    ("post", "/api/v1/office/rounds/{date}/moves", Some("office")),
    (
        "post",
        "/api/v1/office/rounds/{date}/sites/{site}/lanes",
        Some("office"),
    ),
    (
        "get",
        "/api/v1/office/rounds/{date}/missing.csv",
        Some("office"),
    ),
    ("get", "/api/v1/office/rounds/{date}/routes", Some("office")),
    ("get", "/api/v1/office/rounds", Some("office")),
    (
        "get",
        "/api/v1/office/rounds/{date}/{export}",
        Some("office"),
    ),
];

/// The document needs no data, so one backend is enough.
#[test]
fn the_openapi_document_lists_every_route_with_its_role() {
    let db = TestDb::sqlite();
    with_api(&db, |api| async move {
        let (status, document) = api.send("GET", "/api/v1/openapi.json", None, None).await;
        assert_eq!(status, 200);
        let version = document["openapi"].as_str().unwrap_or_default();
        assert!(version.starts_with("3."), "openapi: {version:?}");
        for &(method, path, role) in ROUTES {
            let operation = &document["paths"][path][method];
            assert!(
                operation.is_object(),
                "{method} {path} is not in the document"
            );
            let security = match role {
                Some(role) => json!([{ "bearer": [role] }]),
                None => Value::Null,
            };
            assert_eq!(operation["security"], security, "{method} {path}");
            // The list is the router's: every route answers, if only to refuse.
            let concrete = path
                .replace("{date}", DATE)
                .replace("{export}", "slots.csv")
                .replace(['{', '}'], "");
            let (_, body) = api
                .send(&method.to_uppercase(), &concrete, None, None)
                .await;
            let message = body["message"].as_str().unwrap_or_default();
            assert!(!message.starts_with("no such endpoint"), "{method} {path}");
        }
        let listed: usize = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(
            listed,
            ROUTES.len(),
            "the document lists routes not in ROUTES"
        );
        let bearer = &document["components"]["securitySchemes"]["bearer"];
        assert_eq!(
            (bearer["type"].as_str(), bearer["scheme"].as_str()),
            (Some("http"), Some("bearer")),
            "{bearer}"
        );
    });
}

on_both_backends!(
    logins_give_tokens_and_wrong_ones_say_nothing_more,
    a_team_sees_its_own_route_and_records_outcomes_once,
    pooled_tubes_go_from_scans_to_a_positive_result_to_recall_and_retest,
    completion_counts_match_what_was_recorded,
    a_resident_finds_only_their_own_slot_and_ticket,
    the_office_plans_publishes_and_exports_a_round_over_http,
    the_office_uploads_a_roster_all_or_nothing,
);
