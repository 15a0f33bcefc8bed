-- Rules the database itself keeps, so that they hold when writers run side by side
-- (PostgreSQL) and not only because one writer goes at a time (SQLite).

-- A resident's samples in a round are numbered: the first is attempt 1, a retest after a
-- positive or invalid pool attempt 2, and so on. Two scans of one resident at once both
-- ask for the same number, and only one gets it.
ALTER TABLE samples ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
UPDATE samples SET attempt = numbered.attempt
FROM (
    SELECT id, row_number() OVER (PARTITION BY round_id, resident_id ORDER BY taken_at, id) AS attempt
    FROM samples
) AS numbered
WHERE numbered.id = samples.id;
CREATE UNIQUE INDEX samples_one_per_attempt ON samples (round_id, resident_id, attempt);

-- A tube counts its swabs; a scan takes a place with one conditional update, and no tube
-- holds more than its pool size.
ALTER TABLE tubes ADD COLUMN swabs INTEGER NOT NULL DEFAULT 0;
UPDATE tubes SET swabs = (SELECT count(*) FROM samples WHERE samples.tube_id = tubes.id);
ALTER TABLE tubes ADD CONSTRAINT tubes_swabs_fit CHECK (swabs >= 0 AND swabs <= pool_size);

-- Requests already handled, by caller and key (a key is the caller's own, as an
-- Idempotency-Key is), with what was asked: the endpoint and a hash of the body. The same
-- key for another request is refused. Rows from before this carry no hash.
ALTER TABLE handled_requests DROP CONSTRAINT handled_requests_pkey;
ALTER TABLE handled_requests ADD PRIMARY KEY (actor, request_id);
ALTER TABLE handled_requests ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';
ALTER TABLE handled_requests ALTER COLUMN endpoint DROP DEFAULT;
ALTER TABLE handled_requests ADD COLUMN fingerprint BYTEA;

-- Login attempts not yet followed by a success, per account or team and per client address:
-- each doubles the wait before the next try; past a threshold the key is locked for a while.
CREATE TABLE login_failures (
    who            TEXT PRIMARY KEY NOT NULL,
    failures       INTEGER NOT NULL,
    next_try_at    TIMESTAMP NOT NULL,
    locked_until   TIMESTAMP
);
