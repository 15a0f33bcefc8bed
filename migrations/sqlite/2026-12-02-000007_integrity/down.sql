DROP TABLE login_failures;
CREATE TABLE handled_requests_by_id (
    request_id TEXT PRIMARY KEY NOT NULL,
    actor      TEXT NOT NULL,
    status     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    handled_at TIMESTAMP NOT NULL
);
INSERT OR IGNORE INTO handled_requests_by_id SELECT request_id, actor, status, body, handled_at FROM handled_requests;
DROP TABLE handled_requests;
ALTER TABLE handled_requests_by_id RENAME TO handled_requests;
ALTER TABLE tubes DROP COLUMN swabs;
DROP INDEX samples_one_per_attempt;
ALTER TABLE samples DROP COLUMN attempt;
