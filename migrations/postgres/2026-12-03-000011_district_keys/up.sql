-- A city's layout: the large tables — residents, slot assignments, route stops, samples,
-- door outcomes and the audit — are partitioned by district (PARTITION BY LIST), every key
-- beginning with the district, so that one district's import, plan or purge touches only
-- its own partition, and the keys are the ones a distributed PostgreSQL (Citus-style, the
-- district as distribution column) needs. A district's partitions are made with it
-- (`district_partitions`, called by `sweep district add` and a first import).
--
-- Two rules a partitioned table cannot keep in a unique index, kept otherwise:
-- * an ID number (its keyed hash) is unique across the city: `resident_id_hashes` holds
--   each one, kept by triggers on residents, its primary key refusing a second;
-- * the plan's tables name a resident without a reference to residents: the small ones
--   (slot_moves, slot_unplaced, route_unvisited) by id alone, which is no longer a key of
--   residents; slot_assignments and route_stops because PostgreSQL checks a reference to a
--   partitioned table row by row through every partition (a million-row plan took 40 s
--   more in a city of three districts). The plan writes them from the district's residents
--   it has just read, in one transaction, and residents are never deleted (an import only
--   adds and updates). Samples and door outcomes, written one by one from what a phone
--   sent, keep their reference (district_id, resident_id).

-- The round's district on the round's large tables.
ALTER TABLE slot_assignments ADD COLUMN district_id BIGINT;
ALTER TABLE route_stops ADD COLUMN district_id BIGINT;
ALTER TABLE samples ADD COLUMN district_id BIGINT;
ALTER TABLE visit_outcomes ADD COLUMN district_id BIGINT;
UPDATE slot_assignments t SET district_id = r.district_id FROM rounds r WHERE r.id = t.round_id;
UPDATE route_stops t SET district_id = r.district_id FROM rounds r WHERE r.id = t.round_id;
UPDATE samples t SET district_id = r.district_id FROM rounds r WHERE r.id = t.round_id;
UPDATE visit_outcomes t SET district_id = r.district_id FROM rounds r WHERE r.id = t.round_id;

ALTER TABLE slot_moves DROP CONSTRAINT slot_moves_resident_id_fkey;
ALTER TABLE slot_unplaced DROP CONSTRAINT slot_unplaced_resident_id_fkey;
ALTER TABLE route_unvisited DROP CONSTRAINT route_unvisited_resident_id_fkey;

ALTER TABLE residents RENAME TO residents_unpartitioned;
ALTER TABLE slot_assignments RENAME TO slot_assignments_unpartitioned;
ALTER TABLE route_stops RENAME TO route_stops_unpartitioned;
ALTER TABLE samples RENAME TO samples_unpartitioned;
ALTER TABLE visit_outcomes RENAME TO visit_outcomes_unpartitioned;
ALTER TABLE audit RENAME TO audit_unpartitioned;
-- Index names are the schema's: the old tables' give theirs up to the new ones.
ALTER TABLE residents_unpartitioned RENAME CONSTRAINT residents_pkey TO residents_unpartitioned_pkey;
ALTER TABLE slot_assignments_unpartitioned RENAME CONSTRAINT slot_assignments_pkey TO slot_assignments_unpartitioned_pkey;
ALTER TABLE route_stops_unpartitioned RENAME CONSTRAINT route_stops_pkey TO route_stops_unpartitioned_pkey;
ALTER TABLE samples_unpartitioned RENAME CONSTRAINT samples_pkey TO samples_unpartitioned_pkey;
ALTER TABLE visit_outcomes_unpartitioned RENAME CONSTRAINT visit_outcomes_pkey TO visit_outcomes_unpartitioned_pkey;
DROP INDEX residents_building, residents_household, slot_assignments_site, samples_resident,
           samples_one_per_attempt, visit_outcomes_round, audit_district;

-- Residents.
CREATE SEQUENCE residents_ids;
SELECT setval('residents_ids', (SELECT coalesce(max(id), 0) + 1 FROM residents_unpartitioned), false);
CREATE TABLE residents (
    id                 BIGINT NOT NULL DEFAULT nextval('residents_ids'),
    district_id        BIGINT NOT NULL REFERENCES districts (id),
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    id_hash            BYTEA NOT NULL,
    id_masked          TEXT NOT NULL,
    phone_masked       TEXT,
    phone_sealed       BYTEA,
    building_id        BIGINT NOT NULL REFERENCES buildings (id),
    unit               TEXT NOT NULL,
    floor              INTEGER NOT NULL,
    room               TEXT NOT NULL,
    household          TEXT NOT NULL,
    birth_year         INTEGER,
    mobility           TEXT NOT NULL CHECK (mobility IN ('ambulatory', 'limited', 'bedridden')),
    home_visit         BOOLEAN NOT NULL,
    available_from_min INTEGER,
    available_to_min   INTEGER,
    notes              TEXT NOT NULL,
    PRIMARY KEY (district_id, id),
    UNIQUE (district_id, code)
) PARTITION BY LIST (district_id);
ALTER SEQUENCE residents_ids OWNED BY residents.id;
CREATE INDEX residents_id ON residents (id);
CREATE INDEX residents_id_hash ON residents (id_hash);
CREATE INDEX residents_building ON residents (district_id, building_id, unit, floor, room);
CREATE INDEX residents_household ON residents (district_id, household);

CREATE TABLE resident_id_hashes (
    id_hash     BYTEA PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id)
);
-- Kept by statement triggers over the rows each statement changed (transition tables): an
-- import's COPY of a million residents adds their hashes in one set-based insert.
CREATE FUNCTION resident_id_hashes_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO resident_id_hashes (id_hash, district_id) SELECT id_hash, district_id FROM added;
    RETURN NULL;
END $$;
CREATE FUNCTION resident_id_hashes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM resident_id_hashes h
        USING before b JOIN after a ON a.district_id = b.district_id AND a.id = b.id
        WHERE h.id_hash = b.id_hash AND a.id_hash <> b.id_hash;
    INSERT INTO resident_id_hashes (id_hash, district_id)
        SELECT a.id_hash, a.district_id
        FROM before b JOIN after a ON a.district_id = b.district_id AND a.id = b.id
        WHERE a.id_hash <> b.id_hash;
    RETURN NULL;
END $$;
CREATE FUNCTION resident_id_hashes_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM resident_id_hashes h USING gone g WHERE h.id_hash = g.id_hash;
    RETURN NULL;
END $$;
CREATE TRIGGER residents_id_hashes_added AFTER INSERT ON residents
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION resident_id_hashes_added();
CREATE TRIGGER residents_id_hashes_changed AFTER UPDATE ON residents
    REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT EXECUTE FUNCTION resident_id_hashes_changed();
CREATE TRIGGER residents_id_hashes_gone AFTER DELETE ON residents
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION resident_id_hashes_gone();

-- Slot assignments.
CREATE TABLE slot_assignments (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL,
    site_id     BIGINT NOT NULL REFERENCES sites (id),
    starts_min  INTEGER NOT NULL,
    ends_min    INTEGER NOT NULL,
    PRIMARY KEY (district_id, round_id, resident_id)
) PARTITION BY LIST (district_id);
CREATE INDEX slot_assignments_site ON slot_assignments (district_id, round_id, site_id, starts_min);
-- Reads by round alone (the round implies its district, which the query does not name):
-- one probe per partition instead of a scan of each.
CREATE INDEX slot_assignments_round ON slot_assignments (round_id, resident_id);

-- Route stops.
CREATE TABLE route_stops (
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL,
    team_id     BIGINT NOT NULL REFERENCES teams (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    arrives_s   INTEGER NOT NULL,
    starts_s    INTEGER NOT NULL,
    ends_s      INTEGER NOT NULL,
    PRIMARY KEY (district_id, round_id, resident_id),
    UNIQUE (district_id, round_id, team_id, seq)
) PARTITION BY LIST (district_id);
CREATE INDEX route_stops_round ON route_stops (round_id, resident_id);

-- Samples.
CREATE TABLE samples (
    id          BIGINT NOT NULL DEFAULT nextval('samples_id_seq'),
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL,
    tube_id     BIGINT NOT NULL REFERENCES tubes (id),
    taken_at    TIMESTAMP NOT NULL,
    taken_by    TEXT NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (district_id, id),
    UNIQUE (district_id, tube_id, resident_id),
    FOREIGN KEY (district_id, resident_id) REFERENCES residents (district_id, id)
) PARTITION BY LIST (district_id);
ALTER SEQUENCE samples_id_seq OWNED BY samples.id;
-- One sample per attempt: a resident scanned into two tubes at once keeps one.
CREATE UNIQUE INDEX samples_one_per_attempt ON samples (district_id, round_id, resident_id, attempt);
CREATE INDEX samples_round ON samples (round_id, resident_id);
CREATE INDEX samples_tube ON samples (tube_id);

-- Door outcomes.
CREATE TABLE visit_outcomes (
    id          BIGINT NOT NULL DEFAULT nextval('visit_outcomes_id_seq'),
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL,
    team_id     BIGINT NOT NULL REFERENCES teams (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('sampled', 'not_home', 'refused', 'moved_away', 'unable')),
    tube_code   TEXT,
    note        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (district_id, id),
    FOREIGN KEY (district_id, resident_id) REFERENCES residents (district_id, id)
) PARTITION BY LIST (district_id);
ALTER SEQUENCE visit_outcomes_id_seq OWNED BY visit_outcomes.id;
CREATE INDEX visit_outcomes_round ON visit_outcomes (round_id, resident_id);

-- The audit: a district's changes in its partition, the city's own (no district) in one
-- of their own. No primary key: a key cannot hold the city's missing district.
CREATE TABLE audit (
    id          BIGINT NOT NULL DEFAULT nextval('audit_id_seq'),
    district_id BIGINT REFERENCES districts (id),
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    at          TIMESTAMP NOT NULL
) PARTITION BY LIST (district_id);
ALTER SEQUENCE audit_id_seq OWNED BY audit.id;
CREATE INDEX audit_district ON audit (district_id, id);
CREATE TABLE audit_city PARTITION OF audit FOR VALUES IN (NULL);

-- Every district's partitions, made with the district.
CREATE FUNCTION district_partitions(district BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    large TEXT;
BEGIN
    FOREACH large IN ARRAY ARRAY['residents', 'slot_assignments', 'route_stops', 'samples',
                                 'visit_outcomes', 'audit'] LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES IN (%s)',
                       large || '_d' || district, large, district);
    END LOOP;
END $$;
SELECT district_partitions(id) FROM districts;

INSERT INTO residents (id, district_id, code, name, id_hash, id_masked, phone_masked, phone_sealed,
                       building_id, unit, floor, room, household, birth_year, mobility, home_visit,
                       available_from_min, available_to_min, notes)
    SELECT id, district_id, code, name, id_hash, id_masked, phone_masked, phone_sealed,
           building_id, unit, floor, room, household, birth_year, mobility, home_visit,
           available_from_min, available_to_min, notes
    FROM residents_unpartitioned;
INSERT INTO slot_assignments (district_id, round_id, resident_id, site_id, starts_min, ends_min)
    SELECT district_id, round_id, resident_id, site_id, starts_min, ends_min FROM slot_assignments_unpartitioned;
INSERT INTO route_stops (district_id, round_id, resident_id, team_id, seq, arrives_s, starts_s, ends_s)
    SELECT district_id, round_id, resident_id, team_id, seq, arrives_s, starts_s, ends_s FROM route_stops_unpartitioned;
INSERT INTO samples (id, district_id, round_id, resident_id, tube_id, taken_at, taken_by, attempt)
    SELECT id, district_id, round_id, resident_id, tube_id, taken_at, taken_by, attempt FROM samples_unpartitioned;
INSERT INTO visit_outcomes (id, district_id, round_id, resident_id, team_id, outcome, tube_code, note, recorded_by, recorded_at)
    SELECT id, district_id, round_id, resident_id, team_id, outcome, tube_code, note, recorded_by, recorded_at
    FROM visit_outcomes_unpartitioned;
INSERT INTO audit (id, district_id, actor, action, subject, at)
    SELECT id, district_id, actor, action, subject, at FROM audit_unpartitioned;

DROP TABLE slot_assignments_unpartitioned, route_stops_unpartitioned, samples_unpartitioned,
           visit_outcomes_unpartitioned, audit_unpartitioned;
DROP TABLE residents_unpartitioned;
