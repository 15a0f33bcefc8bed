-- The large tables of a round — slot assignments, route stops, samples, door outcomes —
-- carry their district, as residents and the audit do, so that every key of a large table
-- begins with it. On PostgreSQL they are partitioned by district; here the column is
-- the same, so that the code and the tests are one. Its value is the round's district.
--
-- Rebuilt (SQLite cannot add a NOT NULL column without a constant default), as in the
-- districts migration: foreign keys off, one transaction, copy, drop, rename.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE samples_new (
    id          INTEGER PRIMARY KEY NOT NULL,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    tube_id     BIGINT NOT NULL REFERENCES tubes (id),
    taken_at    TIMESTAMP NOT NULL,
    taken_by    TEXT NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (tube_id, resident_id)
);
INSERT INTO samples_new (id, district_id, round_id, resident_id, tube_id, taken_at, taken_by, attempt)
    SELECT s.id, r.district_id, s.round_id, s.resident_id, s.tube_id, s.taken_at, s.taken_by, s.attempt
    FROM samples s JOIN rounds r ON r.id = s.round_id;
DROP TABLE samples;
ALTER TABLE samples_new RENAME TO samples;
CREATE INDEX samples_resident ON samples (round_id, resident_id);
CREATE UNIQUE INDEX samples_one_per_attempt ON samples (round_id, resident_id, attempt);

CREATE TABLE visit_outcomes_new (
    id             INTEGER PRIMARY KEY NOT NULL,
    district_id    BIGINT NOT NULL REFERENCES districts (id),
    round_id       BIGINT NOT NULL REFERENCES rounds (id),
    resident_id    BIGINT NOT NULL REFERENCES residents (id),
    team_id        BIGINT NOT NULL REFERENCES teams (id),
    outcome        TEXT NOT NULL CHECK (outcome IN ('sampled', 'not_home', 'refused', 'moved_away', 'unable')),
    tube_code      TEXT,
    note           TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMP NOT NULL
);
INSERT INTO visit_outcomes_new (id, district_id, round_id, resident_id, team_id, outcome, tube_code, note, recorded_by, recorded_at)
    SELECT v.id, r.district_id, v.round_id, v.resident_id, v.team_id, v.outcome, v.tube_code, v.note, v.recorded_by, v.recorded_at
    FROM visit_outcomes v JOIN rounds r ON r.id = v.round_id;
DROP TABLE visit_outcomes;
ALTER TABLE visit_outcomes_new RENAME TO visit_outcomes;
CREATE INDEX visit_outcomes_round ON visit_outcomes (round_id, resident_id);

CREATE TABLE slot_assignments_new (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    site_id     BIGINT NOT NULL REFERENCES sites (id),
    starts_min  INTEGER NOT NULL,
    ends_min    INTEGER NOT NULL,
    PRIMARY KEY (round_id, resident_id)
);
INSERT INTO slot_assignments_new (district_id, round_id, resident_id, site_id, starts_min, ends_min)
    SELECT r.district_id, a.round_id, a.resident_id, a.site_id, a.starts_min, a.ends_min
    FROM slot_assignments a JOIN rounds r ON r.id = a.round_id;
DROP TABLE slot_assignments;
ALTER TABLE slot_assignments_new RENAME TO slot_assignments;
CREATE INDEX slot_assignments_site ON slot_assignments (round_id, site_id, starts_min);

CREATE TABLE route_stops_new (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    team_id     BIGINT NOT NULL REFERENCES teams (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    arrives_s   INTEGER NOT NULL,
    starts_s    INTEGER NOT NULL,
    ends_s      INTEGER NOT NULL,
    PRIMARY KEY (round_id, resident_id),
    UNIQUE (round_id, team_id, seq)
);
INSERT INTO route_stops_new (district_id, round_id, resident_id, team_id, seq, arrives_s, starts_s, ends_s)
    SELECT r.district_id, s.round_id, s.resident_id, s.team_id, s.seq, s.arrives_s, s.starts_s, s.ends_s
    FROM route_stops s JOIN rounds r ON r.id = s.round_id;
DROP TABLE route_stops;
ALTER TABLE route_stops_new RENAME TO route_stops;

COMMIT;
PRAGMA foreign_keys = ON;
