//! A resident: their own slot and ticket, and nobody else's.

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::common::api::{district, with_api_config, DATE};
use crate::common::TestDb;
use sweep::rounds::{self};

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
    let publish_first = (db.db.clone(), date, db.district());
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
        rounds::publish_round(&publish_first.0, &publish_first.2, publish_first.1).unwrap();
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

on_both_backends!(a_resident_finds_only_their_own_slot_and_ticket,);
