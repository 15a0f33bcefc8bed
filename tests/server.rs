//! The HTTP server on a random port, spoken to over real HTTP.

mod common;

use common::TestDb;
use sweep::api::Application;

/// Starts the application on port 0 and runs `check` against its base URL.
fn with_server<F, Fut>(db: &TestDb, check: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(&db.config, db.db.clone()).expect("bind port 0");
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        check(base).await;
        handle.stop(true).await;
    });
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

on_both_backends!(health_reports_the_database, unknown_paths_get_a_json_error);
