-- Who may do what: office and lab accounts (argon2 password hashes), team PINs (argon2),
-- sessions (only a SHA-256 of each token is kept), the audit record of every change, and
-- the answers to requests already handled (a phone's retry gets the same answer).

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY NOT NULL,
    login         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('office', 'lab')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);

ALTER TABLE teams ADD COLUMN pin_hash TEXT;

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('office', 'lab', 'team')),
    account_id BIGINT REFERENCES accounts (id),
    team_id    BIGINT REFERENCES teams (id),
    expires_at TIMESTAMP NOT NULL,
    CHECK ((role = 'team') = (team_id IS NOT NULL))
);

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);

CREATE TABLE handled_requests (
    request_id TEXT PRIMARY KEY NOT NULL,
    actor      TEXT NOT NULL,
    status     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    handled_at TIMESTAMP NOT NULL
);
