//! What the API answers to input meant to hurt it, on both backends: rounds far in time,
//! huge values quoted back, tickets fetched in bulk.

mod common;

use serde_json::json;

use common::api::{district, with_api, with_api_config};
use common::TestDb;

fn rounds_are_planned_only_near_today(db: &TestDb) {
    district(db);
    let mut config = db.config.clone();
    config.district.plan_window_days = 366;
    with_api_config(db, &config, |api| async move {
        let office = api.login("wang", "office-password").await;
        for date in ["9999-12-31", "1970-01-01"] {
            let (status, body) = api
                .send(
                    "POST",
                    &format!("/api/v1/office/rounds/{date}/plan"),
                    Some(&office),
                    Some(json!({"request_id": uuid::Uuid::new_v4()})),
                )
                .await;
            assert_eq!(
                (status, body["field"].as_str()),
                (422, Some("date")),
                "{body}"
            );
        }
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/office/rounds/-262143-01-01/plan",
                Some(&office),
                Some(json!({"request_id": uuid::Uuid::new_v4()})),
            )
            .await;
        assert!((400..500).contains(&status));
    });
}

fn huge_values_are_not_quoted_back(db: &TestDb) {
    district(db);
    with_api(db, |api| async move {
        let team = api.login_team("T001", "1111").await;
        let huge = "X".repeat(300_000);
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/site/scans",
                Some(&team),
                Some(json!({"request_id": uuid::Uuid::new_v4(), "tube": huge, "resident": "R1"})),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("unknown_tube"))
        );
        assert!(
            body.to_string().len() < 300,
            "{} bytes",
            body.to_string().len()
        );
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team/outcomes",
                Some(&team),
                Some(
                    json!({"request_id": uuid::Uuid::new_v4(), "resident": "R1", "outcome": huge}),
                ),
            )
            .await;
        assert_eq!(status, 422);
        assert!(
            body.to_string().len() < 400,
            "{} bytes",
            body.to_string().len()
        );
        let (status, body) = api
            .send("GET", &format!("/{}", "y".repeat(10_000)), None, None)
            .await;
        assert_eq!(status, 404);
        assert!(
            body.to_string().len() < 300,
            "{} bytes",
            body.to_string().len()
        );
    });
}

fn tickets_are_opaque_and_limited(db: &TestDb) {
    district(db);
    let mut config = db.config.clone();
    config.access.tickets_per_minute = 3;
    let key = {
        let mut conn = db.db.conn().unwrap();
        db.db.personal_data_key(&mut conn).unwrap()
    };
    let ticket = key.ticket(7);
    assert!(!ticket.starts_with("7."), "{ticket}");
    with_api_config(db, &config, |api| async move {
        let path = format!("/api/v1/resident/tickets/{ticket}");
        for _ in 0..3 {
            let response = api
                .client
                .get(format!("{}{path}", api.base))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
        }
        let (status, body) = api.send("GET", &path, None, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (429, Some("too_many_requests"))
        );
    });
}

on_both_backends!(
    rounds_are_planned_only_near_today,
    huge_values_are_not_quoted_back,
    tickets_are_opaque_and_limited,
);
