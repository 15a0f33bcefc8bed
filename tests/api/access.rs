//! Who may come in and do what: logins by password and PIN, and the OpenAPI document that
//! lists every route with the role it needs.

use serde_json::{json, Value};

use crate::common::api::{district, with_api, DATE};
use crate::common::TestDb;

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
                Some(json!({"district": "D1", "team": "T001", "pin": "2222"})),
            )
            .await;
        assert_eq!(status, 401);
        // A team code is its district's: in a city of several, the login names the district.
        let (status, body) = api
            .send(
                "POST",
                "/api/v1/team-sessions",
                None,
                Some(json!({"team": "T001", "pin": "1111"})),
            )
            .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some("district")),
            "{body}"
        );
        // An unknown district is an unknown team.
        let (status, _) = api
            .send(
                "POST",
                "/api/v1/team-sessions",
                None,
                Some(json!({"district": "XX", "team": "T001", "pin": "1111"})),
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
    ("post", "/api/v1/lab/results.csv", Some("lab")),
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
    ("get", "/api/v1/city/completion", Some("city")),
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

on_both_backends!(logins_give_tokens_and_wrong_ones_say_nothing_more,);
