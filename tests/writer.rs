//! The writer that commits the phones' changes (in groups, on SQLite): many changes sent
//! at once are each committed once, a failing one rolls back alone, and a change that
//! panics is not half-written and does not stop the writer.

mod common;

use diesel::prelude::*;
use futures_util::future::join_all;

use common::TestDb;
use sweep::store::schema::audit;
use sweep::store::{StoreError, Writer};

fn written(db: &TestDb) -> Vec<String> {
    let mut subjects: Vec<String> = audit::table
        .filter(audit::action.eq("test"))
        .select(audit::subject)
        .load(&mut *db.db.conn().unwrap())
        .unwrap();
    subjects.sort();
    subjects
}

/// Writes an audit row with `subject`, then fails if `fail`: the row must not stay.
fn change(
    subject: String,
    fail: bool,
) -> impl FnOnce(&mut sweep::store::DbConnection) -> Result<String, StoreError> + Send + 'static {
    move |conn| {
        let now = chrono::Utc::now().naive_utc();
        sweep::store::access::audit(conn, None, "tester", "test", &subject, now)?;
        if fail {
            return Err(StoreError::Query(
                diesel::result::Error::RollbackTransaction,
            ));
        }
        Ok(subject)
    }
}

fn changes_sent_at_once_are_each_committed_and_a_failure_spoils_only_itself(db: &TestDb) {
    let writer = Writer::start(db.db.clone()).unwrap();
    let answers = actix_web::rt::System::new().block_on(join_all((0..300).map(|i| {
        let writer = writer.clone();
        async move { writer.write(change(format!("{i:03}"), i % 7 == 3)).await }
    })));
    let mut made = Vec::new();
    for (i, answer) in answers.into_iter().enumerate() {
        match answer {
            Ok(subject) => {
                assert_ne!(i % 7, 3, "change {i} should have failed");
                made.push(subject);
            }
            Err(e) => assert_eq!(i % 7, 3, "change {i} failed: {e}"),
        }
    }
    assert_eq!(made.len(), 300 - 43);
    assert_eq!(written(db), made);
}

fn a_change_that_panics_is_not_written_and_the_writer_goes_on(db: &TestDb) {
    let writer = Writer::start(db.db.clone()).unwrap();
    actix_web::rt::System::new().block_on(async {
        let panicked = writer
            .write(|conn| -> Result<(), StoreError> {
                change("half".into(), false)(conn)?;
                panic!("a defect in a change");
            })
            .await;
        assert!(
            matches!(panicked, Err(StoreError::WriterStopped)),
            "{panicked:?}"
        );
        assert_eq!(
            writer.write(change("after".into(), false)).await.unwrap(),
            "after"
        );
    });
    assert_eq!(written(db), vec!["after".to_string()]);
}

on_both_backends!(
    changes_sent_at_once_are_each_committed_and_a_failure_spoils_only_itself,
    a_change_that_panics_is_not_written_and_the_writer_goes_on,
);
