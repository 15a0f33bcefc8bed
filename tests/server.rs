//! The HTTP server on a random port, spoken to over real HTTP.

mod common;

use common::TestDb;

/// Runs `check` against a server on a free port.
fn with_server<F, Fut>(db: &TestDb, check: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    common::api::spawn_app(db, &db.config, check)
}

fn health_reports_the_database(db: &TestDb) {
    let backend = if db.url().starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    with_server(db, |base| async move {
        let client = awc::Client::default();
        let mut response = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"status": "ok", "database": backend})
        );
    });
}

fn unknown_paths_get_a_json_error(db: &TestDb) {
    with_server(db, |base| async move {
        let client = awc::Client::default();
        let mut response = client
            .post(format!("{base}/api/v1/nothing"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "not_found");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("/api/v1/nothing"));
    });
}

fn readiness_needs_the_schema_of_this_build(db: &TestDb) {
    use diesel::connection::SimpleConnection;
    with_server(db, |base| async move {
        let client = awc::Client::default();
        let mut response = client.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ready");
    });
    // A newer sweep migrated the database: this one is not ready for it.
    db.db
        .conn()
        .unwrap()
        .batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('20990101000000')")
        .unwrap();
    with_server(db, |base| async move {
        let client = awc::Client::default();
        let mut response = client.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 503);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("newer sweep"),
            "{body}"
        );
    });
}

fn metrics_count_requests_by_route_in_prometheus_text(db: &TestDb) {
    with_server(db, |base| async move {
        let client = awc::Client::default();
        for _ in 0..3 {
            client.get(format!("{base}/healthz")).send().await.unwrap();
        }
        // A ticket in a path is personal: it is counted under its route's pattern.
        client
            .get(format!(
                "{base}/api/v1/resident/tickets/0123456789abcdef.secret"
            ))
            .send()
            .await
            .unwrap();
        let mut response = client.get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let text = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
        let healthz = text
            .lines()
            .find(|l| {
                l.starts_with("sweep_http_requests_total{")
                    && l.contains(r#"route="/healthz""#)
                    && l.contains(r#"status="200""#)
            })
            .unwrap_or_else(|| panic!("no /healthz count in:\n{text}"));
        // Counters are of the process, and other tests' servers share it: at least ours.
        let count: f64 = healthz.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(count >= 3.0, "{healthz}");
        assert!(text.contains(r#"route="/api/v1/resident/tickets/{ticket}""#));
        assert!(!text.contains("secret"));
        for family in [
            "sweep_http_request_duration_seconds_bucket",
            "sweep_pool_wait_seconds_bucket",
            "sweep_pool_connections",
        ] {
            assert!(text.contains(family), "{family} missing");
        }
    });
}

on_both_backends!(
    health_reports_the_database,
    unknown_paths_get_a_json_error,
    readiness_needs_the_schema_of_this_build,
    metrics_count_requests_by_route_in_prometheus_text,
);

/// Pages and assets: gzip for a browser that takes it, an ETag that answers a reload with a
/// 304 of no body, and a favicon.
#[test]
fn pages_are_compressed_revalidated_and_have_an_icon() {
    let db = TestDb::sqlite();
    with_server(&db, |base| async move {
        let client = awc::Client::default();
        let mut plain = client
            .get(format!("{base}/assets/sweep.js"))
            .insert_header(("Accept-Encoding", "identity"))
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status().as_u16(), 200);
        let plain_size = plain.body().await.unwrap().len();
        let etag = plain.headers().get("etag").unwrap().clone();

        let mut gzipped = client
            .get(format!("{base}/assets/sweep.js"))
            .insert_header(("Accept-Encoding", "gzip, deflate, br"))
            .no_decompress()
            .send()
            .await
            .unwrap();
        assert_eq!(gzipped.headers().get("content-encoding").unwrap(), "gzip");
        assert_eq!(gzipped.headers().get("vary").unwrap(), "Accept-Encoding");
        let gzipped_size = gzipped.body().await.unwrap().len();
        assert!(
            gzipped_size * 2 < plain_size,
            "{gzipped_size} bytes gzipped of {plain_size}"
        );

        let mut again = client
            .get(format!("{base}/assets/sweep.js"))
            .insert_header(("If-None-Match", etag.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304);
        assert!(again.body().await.unwrap().is_empty());
        assert_eq!(again.headers().get("etag").unwrap(), &etag);

        let mut icon = client
            .get(format!("{base}/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(icon.status().as_u16(), 200);
        assert_eq!(icon.headers().get("content-type").unwrap(), "image/x-icon");
        assert!(icon.body().await.unwrap().starts_with(&[0, 0, 1, 0]));
    });
}
