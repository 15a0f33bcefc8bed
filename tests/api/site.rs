//! Samplers at a site: swabs scanned into pooled tubes, a full tube closing itself, and
//! each resident sampled once a round.

use serde_json::json;

use crate::common::api::{district, first_stop, id_number_of, walkers, with_api};
use crate::common::TestDb;

fn samplers_fill_pooled_tubes_and_each_resident_is_sampled_once(db: &TestDb) {
    district(db);
    let walkers = walkers(db, 2);
    let id_of_second = id_number_of(db, &walkers[1]);
    let home = first_stop(db, "T001", "1111");
    with_api(db, |api| async move {
        let samplers = api.login_team("T001", "1111").await;

        let (status, tube) = api.open_tube(&samplers, "P-001", Some(3)).await;
        assert_eq!(status, 201, "{tube}");
        assert_eq!(
            (tube["swabs"].as_i64(), tube["status"].as_str()),
            (Some(0), Some("open"))
        );
        // By code, by ID number, and a resident sampled at the door by a team.
        let people = [
            json!(walkers[0]),
            json!({"id_number": id_of_second}),
            json!(home),
        ];
        for (k, who) in people.into_iter().enumerate() {
            let (status, tube) = api.scan(&samplers, "P-001", who).await;
            assert_eq!(status, 201, "{tube}");
            assert_eq!(tube["swabs"].as_i64(), Some(k as i64 + 1));
        }
        // Full at three: it closed itself.
        let (status, body) = api.scan(&samplers, "P-001", json!(walkers[0])).await;
        assert_eq!((status, body["error"].as_str()), (409, Some("tube_closed")));

        // The same resident into another tube: 409 naming the earlier one.
        api.open_tube(&samplers, "P-002", None).await;
        let (status, body) = api.scan(&samplers, "P-002", json!(walkers[0])).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("already_sampled"))
        );
        assert!(
            body["message"].as_str().unwrap().contains("P-001"),
            "{body}"
        );
    });
}

on_both_backends!(samplers_fill_pooled_tubes_and_each_resident_is_sampled_once,);
