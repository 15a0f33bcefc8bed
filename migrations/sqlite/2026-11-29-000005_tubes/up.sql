-- Pooled sampling: tubes opened by a site's samplers (a team login), the swabs scanned into
-- them, and the lab's result per tube. A positive tube recalls its residents for a
-- single-tube retest; an invalid one for sampling again.

CREATE TABLE tubes (
    id          INTEGER PRIMARY KEY NOT NULL,
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    code        TEXT NOT NULL UNIQUE,
    team_id     BIGINT NOT NULL REFERENCES teams (id),
    pool_size   INTEGER NOT NULL CHECK (pool_size >= 1),
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed', 'negative', 'positive', 'invalid')),
    opened_at   TIMESTAMP NOT NULL,
    closed_at   TIMESTAMP,
    result_at   TIMESTAMP
);
CREATE INDEX tubes_round ON tubes (round_id, status);

CREATE TABLE samples (
    id          INTEGER PRIMARY KEY NOT NULL,
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    resident_id BIGINT NOT NULL REFERENCES residents (id),
    tube_id     BIGINT NOT NULL REFERENCES tubes (id),
    taken_at    TIMESTAMP NOT NULL,
    taken_by    TEXT NOT NULL,
    UNIQUE (tube_id, resident_id)
);
CREATE INDEX samples_resident ON samples (round_id, resident_id);

-- Lanes closed for a round (all of a site's lanes: the site is closed); re-plans use what
-- is left open.
CREATE TABLE lane_closures (
    round_id     BIGINT NOT NULL REFERENCES rounds (id),
    site_id      BIGINT NOT NULL REFERENCES sites (id),
    lanes_closed INTEGER NOT NULL CHECK (lanes_closed >= 0),
    PRIMARY KEY (round_id, site_id)
);
