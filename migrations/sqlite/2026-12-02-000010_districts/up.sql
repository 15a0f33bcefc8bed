-- Districts as tenants of one database. Every roster, round, tube, account, session and
-- audit row belongs to one district; codes are unique within it; an ID number (its keyed
-- hash) stays unique across the city. The `city` role (headquarters) belongs to none.
-- A database written before districts holds one: D1, which takes the configured time zone
-- (an empty `timezone` means `district.timezone`) until it is set.
--
-- SQLite cannot drop a UNIQUE written into a table, so the tables whose keys change are
-- rebuilt (SQLite's own recipe: foreign keys off, one transaction, copy, drop, rename).
-- That needs this migration outside diesel's transaction (metadata.toml).

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE districts (
    id       INTEGER PRIMARY KEY NOT NULL,
    code     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    timezone TEXT NOT NULL
);

INSERT INTO districts (id, code, name, timezone)
SELECT 1, 'D1', 'D1', ''
WHERE EXISTS (SELECT 1 FROM communities) OR EXISTS (SELECT 1 FROM buildings)
   OR EXISTS (SELECT 1 FROM sites) OR EXISTS (SELECT 1 FROM teams)
   OR EXISTS (SELECT 1 FROM rounds) OR EXISTS (SELECT 1 FROM accounts);

CREATE TABLE communities_new (
    id          INTEGER PRIMARY KEY NOT NULL,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    name        TEXT NOT NULL,
    UNIQUE (district_id, name)
);
INSERT INTO communities_new (id, district_id, name) SELECT id, 1, name FROM communities;
DROP TABLE communities;
ALTER TABLE communities_new RENAME TO communities;

CREATE TABLE buildings_new (
    id           INTEGER PRIMARY KEY NOT NULL,
    district_id  BIGINT NOT NULL REFERENCES districts (id),
    code         TEXT NOT NULL,
    community_id BIGINT NOT NULL REFERENCES communities (id),
    address      TEXT NOT NULL,
    lat          DOUBLE NOT NULL,
    lon          DOUBLE NOT NULL,
    floors       INTEGER NOT NULL CHECK (floors >= 1),
    has_elevator BOOLEAN NOT NULL,
    UNIQUE (district_id, code)
);
INSERT INTO buildings_new (id, district_id, code, community_id, address, lat, lon, floors, has_elevator)
    SELECT id, 1, code, community_id, address, lat, lon, floors, has_elevator FROM buildings;
DROP TABLE buildings;
ALTER TABLE buildings_new RENAME TO buildings;
CREATE INDEX buildings_community ON buildings (community_id);

CREATE TABLE residents_new (
    id                 INTEGER PRIMARY KEY NOT NULL,
    district_id        BIGINT NOT NULL REFERENCES districts (id),
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    -- Personal data: a keyed hash to match a lookup on (unique across the city), and
    -- masked forms to show.
    id_hash            BLOB NOT NULL UNIQUE,
    id_masked          TEXT NOT NULL,
    phone_masked       TEXT,
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
    phone_sealed       BLOB,
    UNIQUE (district_id, code)
);
INSERT INTO residents_new (id, district_id, code, name, id_hash, id_masked, phone_masked,
        building_id, unit, floor, room, household, birth_year, mobility, home_visit,
        available_from_min, available_to_min, notes, phone_sealed)
    SELECT id, 1, code, name, id_hash, id_masked, phone_masked, building_id, unit, floor,
        room, household, birth_year, mobility, home_visit, available_from_min,
        available_to_min, notes, phone_sealed
    FROM residents;
DROP TABLE residents;
ALTER TABLE residents_new RENAME TO residents;
CREATE INDEX residents_building ON residents (building_id, unit, floor, room);
CREATE INDEX residents_household ON residents (household);

CREATE TABLE sites_new (
    id                INTEGER PRIMARY KEY NOT NULL,
    district_id       BIGINT NOT NULL REFERENCES districts (id),
    code              TEXT NOT NULL,
    name              TEXT NOT NULL,
    lat               DOUBLE NOT NULL,
    lon               DOUBLE NOT NULL,
    lanes             INTEGER NOT NULL CHECK (lanes >= 1),
    per_lane_per_hour INTEGER NOT NULL CHECK (per_lane_per_hour >= 1),
    opens_min         INTEGER NOT NULL,
    closes_min        INTEGER NOT NULL,
    queue_capacity    INTEGER NOT NULL CHECK (queue_capacity >= 1),
    CHECK (opens_min < closes_min),
    UNIQUE (district_id, code)
);
INSERT INTO sites_new (id, district_id, code, name, lat, lon, lanes, per_lane_per_hour,
        opens_min, closes_min, queue_capacity)
    SELECT id, 1, code, name, lat, lon, lanes, per_lane_per_hour, opens_min, closes_min,
        queue_capacity
    FROM sites;
DROP TABLE sites;
ALTER TABLE sites_new RENAME TO sites;

CREATE TABLE teams_new (
    id              INTEGER PRIMARY KEY NOT NULL,
    district_id     BIGINT NOT NULL REFERENCES districts (id),
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    members         INTEGER NOT NULL CHECK (members >= 1),
    start_lat       DOUBLE NOT NULL,
    start_lon       DOUBLE NOT NULL,
    shift_start_min INTEGER NOT NULL,
    shift_end_min   INTEGER NOT NULL,
    speed_kmh       DOUBLE NOT NULL CHECK (speed_kmh > 0),
    max_visits      INTEGER NOT NULL CHECK (max_visits >= 1),
    pin_hash        TEXT,
    CHECK (shift_start_min < shift_end_min),
    UNIQUE (district_id, code)
);
INSERT INTO teams_new (id, district_id, code, name, members, start_lat, start_lon,
        shift_start_min, shift_end_min, speed_kmh, max_visits, pin_hash)
    SELECT id, 1, code, name, members, start_lat, start_lon, shift_start_min, shift_end_min,
        speed_kmh, max_visits, pin_hash
    FROM teams;
DROP TABLE teams;
ALTER TABLE teams_new RENAME TO teams;

CREATE TABLE rounds_new (
    id             INTEGER PRIMARY KEY NOT NULL,
    district_id    BIGINT NOT NULL REFERENCES districts (id),
    date           DATE NOT NULL,
    starts_min     INTEGER NOT NULL,
    ends_min       INTEGER NOT NULL,
    slot_minutes   INTEGER NOT NULL CHECK (slot_minutes >= 1),
    status         TEXT NOT NULL CHECK (status IN ('draft', 'published', 'closed')),
    created_at     TIMESTAMP NOT NULL,
    published_at   TIMESTAMP,
    placed         BIGINT,
    walking_metres REAL,
    bound_metres   REAL,
    bound_placed   BIGINT,
    CHECK (starts_min < ends_min),
    UNIQUE (district_id, date)
);
INSERT INTO rounds_new (id, district_id, date, starts_min, ends_min, slot_minutes, status,
        created_at, published_at, placed, walking_metres, bound_metres, bound_placed)
    SELECT id, 1, date, starts_min, ends_min, slot_minutes, status, created_at, published_at,
        placed, walking_metres, bound_metres, bound_placed
    FROM rounds;
DROP TABLE rounds;
ALTER TABLE rounds_new RENAME TO rounds;

CREATE TABLE tubes_new (
    id          INTEGER PRIMARY KEY NOT NULL,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    code        TEXT NOT NULL,
    team_id     BIGINT NOT NULL REFERENCES teams (id),
    pool_size   INTEGER NOT NULL CHECK (pool_size >= 1),
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed', 'negative', 'positive', 'invalid')),
    opened_at   TIMESTAMP NOT NULL,
    closed_at   TIMESTAMP,
    result_at   TIMESTAMP,
    swabs       INTEGER NOT NULL DEFAULT 0 CHECK (swabs >= 0 AND swabs <= pool_size),
    UNIQUE (district_id, code)
);
INSERT INTO tubes_new (id, district_id, round_id, code, team_id, pool_size, status, opened_at,
        closed_at, result_at, swabs)
    SELECT id, 1, round_id, code, team_id, pool_size, status, opened_at, closed_at, result_at,
        swabs
    FROM tubes;
DROP TABLE tubes;
ALTER TABLE tubes_new RENAME TO tubes;
CREATE INDEX tubes_round ON tubes (round_id, status);

-- Accounts and sessions of a district, or of the city (headquarters, reading only).
CREATE TABLE accounts_new (
    id            INTEGER PRIMARY KEY NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    district_id   BIGINT REFERENCES districts (id),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    CHECK (role IN ('office', 'lab', 'city') AND (role = 'city') = (district_id IS NULL))
);
INSERT INTO accounts_new (id, login, role, district_id, password_hash, created_at)
    SELECT id, login, role, 1, password_hash, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;

CREATE TABLE sessions_new (
    token_hash  BLOB PRIMARY KEY NOT NULL,
    role        TEXT NOT NULL,
    district_id BIGINT REFERENCES districts (id),
    account_id  BIGINT REFERENCES accounts (id),
    team_id     BIGINT REFERENCES teams (id),
    expires_at  TIMESTAMP NOT NULL,
    CHECK (role IN ('office', 'lab', 'team', 'city') AND (role = 'city') = (district_id IS NULL)),
    CHECK ((role = 'team') = (team_id IS NOT NULL))
);
INSERT INTO sessions_new (token_hash, role, district_id, account_id, team_id, expires_at)
    SELECT token_hash, role, 1, account_id, team_id, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;

-- The audit of a district's changes; none for the city's own (a headquarters login).
ALTER TABLE audit ADD COLUMN district_id BIGINT REFERENCES districts (id);
UPDATE audit SET district_id = 1;
CREATE INDEX audit_district ON audit (district_id, id);

-- Request keys and login attempts are a caller's own: callers are named with their district.
UPDATE handled_requests SET actor = actor || '@D1';
DELETE FROM login_failures;

COMMIT;
PRAGMA foreign_keys = ON;
