//! The city's headquarters, and the wall between districts: in a city of two districts
//! (the test's D1, planned, and the neighbour N2 with its own roster and the same codes),
//! the headquarters reads every district's counts and nobody's name; an office reads and
//! writes nothing of another district.

use serde_json::{json, Value};

use crate::common::api::{district, walkers, with_api, DATE};
use crate::common::{TestDb, NEIGHBOUR};

/// The demo's logins of the neighbour, made by `TestDb::in_a_city`.
const NEIGHBOUR_OFFICE: (&str, &str) = ("office-N2", "demo-office");
const CITY: (&str, &str) = ("city", "demo-city");

fn the_headquarters_reads_every_district_and_nobody_by_name(db: &TestDb) {
    district(db);
    let sampled = walkers(db, 3);
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let city = api.login(CITY.0, CITY.1).await;
        let office = api.login("wang", "office-password").await;
        let id = || uuid::Uuid::new_v4().to_string();
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/site/tubes",
                Some(&team),
                Some(json!({"request_id": id(), "tube": "HQ-1", "date": DATE})),
            )
            .await;
        assert_eq!(status, 201);
        for resident in &sampled {
            let scan = json!({"request_id": id(), "tube": "HQ-1", "resident": resident});
            let (status, body) = api
                .send("POST", "/api/v1/site/scans", Some(&team), Some(scan))
                .await;
            assert_eq!(status, 201, "{body}");
        }

        let path = format!("/api/v1/city/completion?date={DATE}");
        let (status, day) = api.send("GET", &path, Some(&city), None).await;
        assert_eq!(status, 200, "{day}");
        let districts = day["districts"].as_array().unwrap();
        let codes: Vec<&str> = districts
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["D1", NEIGHBOUR]);
        let d1 = &districts[0];
        assert_eq!(d1["round"], true);
        assert_eq!(
            (
                &d1["expected"],
                &d1["sampled"],
                &d1["recalled"],
                &d1["missing"]
            ),
            (&json!(6_000), &json!(3), &json!(0), &json!(5_997)),
            "{d1}"
        );
        let last_hour = d1["by_hour"].as_array().unwrap().last().unwrap();
        assert_eq!(last_hour["sampled"], 3, "{d1}");
        // The neighbour has no round that day: said so, and not added to the city.
        assert_eq!(districts[1]["round"], false, "{}", districts[1]);
        assert!(districts[1].get("expected").is_none());
        assert_eq!(
            (&day["total"]["expected"], &day["total"]["sampled"]),
            (&json!(6_000), &json!(3))
        );
        assert_eq!(day["by_hour"], d1["by_hour"]);
        // Counts only: no resident's code or name anywhere in the answer.
        let text = day.to_string();
        for resident in &sampled {
            assert!(!text.contains(resident.as_str()), "{text}");
        }
        assert!(names_are_districts(&day), "{text}");

        // Read-only, and its own: the city is not an office, an office is not the city.
        let (status, _) = api.send("GET", &path, Some(&office), None).await;
        assert_eq!(status, 403);
        let office_path = format!("/api/v1/office/completion?date={DATE}");
        let (status, _) = api.send("GET", &office_path, Some(&city), None).await;
        assert_eq!(status, 403);
        let plan = format!("/api/v1/office/rounds/{DATE}/plan");
        let request = json!({"request_id": id(), "route_seconds": 0.5});
        let (status, _) = api.send("POST", &plan, Some(&city), Some(request)).await;
        assert_eq!(status, 403);
        let (status, _) = api.send("GET", "/api/v1/city/completion", None, None).await;
        assert_eq!(status, 401);
    });
}

/// Whether every `name` in the answer is a district's.
fn names_are_districts(day: &Value) -> bool {
    let text = day.to_string();
    let districts = day["districts"].as_array().unwrap();
    text.matches("\"name\":").count() == districts.len()
}

fn an_office_reads_and_writes_nothing_of_another_district(db: &TestDb) {
    district(db);
    // A code only D1 has: the neighbour's 60 residents stop far below it.
    let only_in_d1 = walkers(db, 200).pop().unwrap();
    with_api(db, |api| async move {
        let ours = api.login("wang", "office-password").await;
        let theirs = api.login(NEIGHBOUR_OFFICE.0, NEIGHBOUR_OFFICE.1).await;
        let id = || uuid::Uuid::new_v4().to_string();
        // D1's round is not theirs: no round on the date until they plan their own.
        let completion = format!("/api/v1/office/completion?date={DATE}");
        let (status, body) = api.send("GET", &completion, Some(&theirs), None).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("no_round")));
        let (_, rounds) = api
            .send("GET", "/api/v1/office/rounds", Some(&theirs), None)
            .await;
        assert_eq!(rounds["district"], NEIGHBOUR, "{rounds}");
        assert!(rounds["rounds"].as_array().unwrap().is_empty(), "{rounds}");

        let plan = format!("/api/v1/office/rounds/{DATE}/plan");
        let request = json!({"request_id": id(), "route_seconds": 0.5});
        let (status, body) = api.send("POST", &plan, Some(&theirs), Some(request)).await;
        assert_eq!(status, 200, "{body}");
        let (_, their_day) = api.send("GET", &completion, Some(&theirs), None).await;
        let (_, our_day) = api.send("GET", &completion, Some(&ours), None).await;
        assert_eq!(their_day["expected"], 60, "{their_day}");
        assert_eq!(
            our_day["expected"], 6_000,
            "their plan changed nothing of ours"
        );

        // A resident of D1 is unknown to them: not moved, not listed, not exported.
        let moves = format!("/api/v1/office/rounds/{DATE}/moves");
        let request =
            json!({"request_id": id(), "resident": only_in_d1, "site": "S001", "start": "09:00"});
        let (status, body) = api.send("POST", &moves, Some(&theirs), Some(request)).await;
        assert_eq!(status, 404, "{body}");
        let (status, missing) = api
            .text(
                &format!("/api/v1/office/rounds/{DATE}/missing.csv"),
                &theirs,
            )
            .await;
        assert_eq!(status, 200);
        assert!(!missing.contains(&only_in_d1), "{missing}");
        assert!(missing.lines().count() <= 61, "only their 60 residents");
        let (_, slots) = api
            .send(
                "GET",
                &format!("/api/v1/office/rounds/{DATE}/slots"),
                Some(&theirs),
                None,
            )
            .await;
        let planned: i64 = slots
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["planned"].as_i64().unwrap())
            .sum();
        assert!((1..=60).contains(&planned), "only their walkers: {planned}");

        // Their audit holds their own plan and nothing of ours, and ours none of theirs.
        let (_, their_audit) = api
            .send("GET", "/api/v1/office/audit", Some(&theirs), None)
            .await;
        let (_, our_audit) = api
            .send("GET", "/api/v1/office/audit", Some(&ours), None)
            .await;
        let actors = |audit: &Value| -> Vec<String> {
            audit
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["actor"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(actors(&their_audit).contains(&"office:office-N2".to_string()));
        assert!(!actors(&their_audit).contains(&"office:wang".to_string()));
        assert!(!actors(&our_audit).contains(&"office:office-N2".to_string()));
    });
}

on_both_backends!(
    the_headquarters_reads_every_district_and_nobody_by_name,
    an_office_reads_and_writes_nothing_of_another_district,
);
