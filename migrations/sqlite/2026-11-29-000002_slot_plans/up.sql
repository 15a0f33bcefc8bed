-- A round's slot plan: who goes to which site when, what each slot's queue is predicted
-- to be, who has no slot, and who was moved by a re-plan. Times are minutes after local
-- midnight of the round's date.

CREATE TABLE slot_assignments (
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    site_id     BIGINT NOT NULL REFERENCES sites (id),
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    PRIMARY KEY (round_id, resident_id)
);
CREATE INDEX slot_assignments_site ON slot_assignments (round_id, site_id, starts_at);

CREATE TABLE slot_loads (
    round_id          BIGINT NOT NULL REFERENCES rounds (id),
    site_id           BIGINT NOT NULL REFERENCES sites (id),
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER NOT NULL,
    planned           INTEGER NOT NULL,
    capacity          INTEGER NOT NULL,
    utilisation       DOUBLE NOT NULL,
    mean_wait_minutes DOUBLE NOT NULL,
    p90_wait_minutes  DOUBLE NOT NULL,
    mean_queue        DOUBLE NOT NULL,
    p90_queue         DOUBLE NOT NULL,
    PRIMARY KEY (round_id, site_id, starts_at)
);

CREATE TABLE slot_unplaced (
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    reason      TEXT NOT NULL,
    PRIMARY KEY (round_id, resident_id)
);

-- Every move of a resident who had been told a slot, kept for the office's record.
CREATE TABLE slot_moves (
    id             INTEGER PRIMARY KEY NOT NULL,
    round_id       BIGINT NOT NULL REFERENCES rounds (id),
    resident_id    BIGINT NOT NULL REFERENCES residents (id),
    from_site_id   BIGINT NOT NULL REFERENCES sites (id),
    from_starts_at INTEGER NOT NULL,
    to_site_id     BIGINT REFERENCES sites (id),
    to_starts_at   INTEGER,
    reason         TEXT NOT NULL,
    moved_at       TIMESTAMP NOT NULL
);
CREATE INDEX slot_moves_round ON slot_moves (round_id);

ALTER TABLE rounds ADD COLUMN published_at TIMESTAMP;
