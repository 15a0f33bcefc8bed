-- Roster: who lives where, where they can be sampled, and who visits those who cannot come down.
-- Times of day are minutes after local midnight (the district's time zone); timestamps are UTC.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE communities (
    id   INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE buildings (
    id           INTEGER PRIMARY KEY NOT NULL,
    code         TEXT NOT NULL UNIQUE,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    address      TEXT NOT NULL,
    lat          DOUBLE NOT NULL,
    lon          DOUBLE NOT NULL,
    floors       INTEGER NOT NULL CHECK (floors >= 1),
    has_elevator BOOLEAN NOT NULL
);
CREATE INDEX buildings_community ON buildings (community_id);

CREATE TABLE residents (
    id             INTEGER PRIMARY KEY NOT NULL,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    -- Personal data: a keyed hash to match a lookup on, and masked forms to show.
    id_hash        BLOB NOT NULL UNIQUE,
    id_masked      TEXT NOT NULL,
    phone_masked   TEXT,
    building_id    BIGINT NOT NULL REFERENCES buildings (id),
    unit           TEXT NOT NULL,
    floor          INTEGER NOT NULL,
    room           TEXT NOT NULL,
    household      TEXT NOT NULL,
    birth_year     INTEGER,
    mobility       TEXT NOT NULL CHECK (mobility IN ('ambulatory', 'limited', 'bedridden')),
    home_visit     BOOLEAN NOT NULL,
    available_from INTEGER,
    available_to   INTEGER,
    notes          TEXT NOT NULL
);
CREATE INDEX residents_building ON residents (building_id, unit, floor, room);
CREATE INDEX residents_household ON residents (household);

CREATE TABLE sites (
    id                INTEGER PRIMARY KEY NOT NULL,
    code              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    lat               DOUBLE NOT NULL,
    lon               DOUBLE NOT NULL,
    lanes             INTEGER NOT NULL CHECK (lanes >= 1),
    per_lane_per_hour INTEGER NOT NULL CHECK (per_lane_per_hour >= 1),
    opens_at          INTEGER NOT NULL,
    closes_at         INTEGER NOT NULL,
    queue_capacity    INTEGER NOT NULL CHECK (queue_capacity >= 1),
    CHECK (opens_at < closes_at)
);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    members     INTEGER NOT NULL CHECK (members >= 1),
    start_lat   DOUBLE NOT NULL,
    start_lon   DOUBLE NOT NULL,
    shift_start INTEGER NOT NULL,
    shift_end   INTEGER NOT NULL,
    speed_kmh   DOUBLE NOT NULL CHECK (speed_kmh > 0),
    max_visits  INTEGER NOT NULL CHECK (max_visits >= 1),
    CHECK (shift_start < shift_end)
);

CREATE TABLE rounds (
    id           INTEGER PRIMARY KEY NOT NULL,
    date         DATE NOT NULL UNIQUE,
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes >= 1),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed')),
    created_at   TIMESTAMP NOT NULL,
    CHECK (starts_at < ends_at)
);
