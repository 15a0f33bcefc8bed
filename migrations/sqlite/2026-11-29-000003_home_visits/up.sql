-- A round's home visits: each mobile team's ordered stops, its day, the residents no team
-- can visit (with the reason), and what happened at each door. Stop times are seconds
-- after local midnight of the round's date; recorded_at is UTC.

CREATE TABLE team_routes (
    round_id        BIGINT NOT NULL REFERENCES rounds (id),
    team_id         BIGINT NOT NULL REFERENCES teams (id),
    visits          INTEGER NOT NULL,
    leaves_at       INTEGER NOT NULL,
    returns_at      INTEGER NOT NULL,
    distance_metres BIGINT NOT NULL,
    travel_seconds  BIGINT NOT NULL,
    PRIMARY KEY (round_id, team_id)
);

CREATE TABLE route_stops (
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    team_id     BIGINT NOT NULL REFERENCES teams (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    arrive_at   INTEGER NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    PRIMARY KEY (round_id, resident_id),
    UNIQUE (round_id, team_id, seq)
);

CREATE TABLE route_unvisited (
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    reason      TEXT NOT NULL,
    PRIMARY KEY (round_id, resident_id)
);

-- A visit's outcome at the door. The last one of a resident counts; 'not_home' sends the
-- resident back into the plan for a knock later the same day.
CREATE TABLE visit_outcomes (
    id             INTEGER PRIMARY KEY NOT NULL,
    round_id       BIGINT NOT NULL REFERENCES rounds (id),
    resident_id    BIGINT NOT NULL REFERENCES residents (id),
    team_id        BIGINT NOT NULL REFERENCES teams (id),
    outcome        TEXT NOT NULL CHECK (outcome IN ('sampled', 'not_home', 'refused', 'moved_away', 'unable')),
    tube_code      TEXT,
    note           TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMP NOT NULL
);
CREATE INDEX visit_outcomes_round ON visit_outcomes (round_id, resident_id);
