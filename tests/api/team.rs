//! A mobile team: its own route, and outcomes at the doors recorded once.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::api::{district, with_api, DATE};
use crate::common::TestDb;
use sweep::store::schema::{audit, visit_outcomes};

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
        let route = || async {
            api.send(
                "GET",
                &format!("/api/v1/team/route?date={DATE}"),
                Some(&t1),
                None,
            )
            .await
            .1
        };
        let before = route().await;
        assert_eq!(before["stops"][0]["outcome"], "sampled");
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
        // The door has two outcomes now: the route shows the latest, once.
        let corrected = route().await;
        assert_eq!(corrected["stops"][0]["outcome"], "unable");
        assert_eq!(
            corrected["stops"].as_array().unwrap().len(),
            before["stops"].as_array().unwrap().len()
        );
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

on_both_backends!(a_team_sees_its_own_route_and_records_outcomes_once,);
