-- Rules the database itself keeps, so that they hold when writers run side by side
-- (PostgreSQL) and not only because one writer goes at a time (SQLite).

-- A resident's samples in a round are numbered: the first is attempt 1, a retest after a
-- positive or invalid pool attempt 2, and so on. Two scans of one resident at once both
-- ask for the same number, and only one gets it.
ALTER TABLE samples ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
UPDATE samples SET attempt = 1 + (
    SELECT count(*) FROM samples earlier
    WHERE earlier.round_id = samples.round_id
      AND earlier.resident_id = samples.resident_id
      AND (earlier.taken_at < samples.taken_at
           OR (earlier.taken_at = samples.taken_at AND earlier.id < samples.id))
);
CREATE UNIQUE INDEX samples_one_per_attempt ON samples (round_id, resident_id, attempt);

-- A tube counts its swabs; a scan takes a place with one conditional update, and no tube
-- holds more than its pool size.
ALTER TABLE tubes ADD COLUMN swabs INTEGER NOT NULL DEFAULT 0
    CHECK (swabs >= 0 AND swabs <= pool_size);
UPDATE tubes SET swabs = (SELECT count(*) FROM samples WHERE samples.tube_id = tubes.id);

-- Requests already handled, by caller and key (a key is the caller's own, as an
-- Idempotency-Key is), with what was asked: the endpoint and a hash of the body. The same
-- key for another request is refused. Rows from before this carry no hash.
CREATE TABLE handled_requests_by_caller (
    actor       TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    fingerprint BLOB,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    handled_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (actor, request_id)
);
INSERT INTO handled_requests_by_caller (actor, request_id, endpoint, fingerprint, status, body, handled_at)
    SELECT actor, request_id, '', NULL, status, body, handled_at FROM handled_requests;
DROP TABLE handled_requests;
ALTER TABLE handled_requests_by_caller RENAME TO handled_requests;

-- Login attempts not yet followed by a success, per account or team and per client address:
-- each doubles the wait before the next try; past a threshold the key is locked for a while.
CREATE TABLE login_failures (
    who            TEXT PRIMARY KEY NOT NULL,
    failures       INTEGER NOT NULL,
    next_try_at    TIMESTAMP NOT NULL,
    locked_until   TIMESTAMP
);
