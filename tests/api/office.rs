//! The community office: completion, planning, publishing, exports, moves and lanes, and
//! roster uploads.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::api::{district, with_api, DATE};
use crate::common::TestDb;
use sweep::store::schema::audit;

fn completion_counts_match_what_was_recorded(db: &TestDb) {
    district(db);
    let mut conn = db.db.conn().unwrap();
    let now = chrono::Utc::now().naive_utc();
    sweep::store::access::add_account(
        &mut conn,
        "lab1",
        "lab",
        Some(db.district().id),
        &sweep::access::hash_secret("lab-password"),
        now,
    )
    .unwrap();
    drop(conn);
    // The building's residents, and their households.
    let (in_first_building, households): (Vec<String>, Vec<String>) = {
        let mut reader = csv::Reader::from_path(db.dir.path().join("demo/residents.csv")).unwrap();
        reader
            .records()
            .map(Result::unwrap)
            .filter(|r| &r[4] == "B00001")
            .map(|r| (r[0].to_string(), r[8].to_string()))
            .unzip()
    };
    // A positive pool of the first two recalls them and whoever lives with them.
    let recalled = (0..in_first_building.len())
        .filter(|&i| {
            i < 2 || (!households[i].is_empty() && households[..2].contains(&households[i]))
        })
        .count() as u64;
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

        // A positive pool puts both back on the list, as recalled, and their households.
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
            (Some(0), Some(recalled))
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

fn the_office_uploads_a_roster_all_or_nothing(db: &TestDb) {
    district(db);
    let sites_before = sweep::store::roster::totals(&mut db.db.conn().unwrap(), db.district().id)
        .unwrap()
        .sites;
    with_api(db, |api| async move {
        let office = api.login("wang", "office-password").await;
        let team = api.login_team("T001", "1111").await;
        let upload = |token: String, parts: Vec<(&'static str, Option<&'static str>, String)>| {
            let api = &api;
            async move {
                let parts: Vec<_> = parts.iter().map(|(n, f, c)| (*n, *f, c.as_str())).collect();
                api.upload("/api/v1/office/roster", &token, &parts).await
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
        let totals = |db: &TestDb| {
            sweep::store::roster::totals(&mut db.db.conn().unwrap(), db.district().id).unwrap()
        };
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

on_both_backends!(
    completion_counts_match_what_was_recorded,
    the_office_plans_publishes_and_exports_a_round_over_http,
    the_office_uploads_a_roster_all_or_nothing,
);
