-- ler-store schema, version 1, SQLite.
-- Keep table and column names identical to ../postgres/0001_init.sql (the conformance suite
-- compares them). Times are seconds since the epoch; JSON is stored as text so the issuer's
-- key order survives; status bitmaps are BLOBs, bit 0 the most significant bit of byte 0.

CREATE TABLE orgs (
    id          INTEGER PRIMARY KEY NOT NULL,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    did         TEXT    NOT NULL UNIQUE,
    profile     TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE org_keys (
    id                INTEGER PRIMARY KEY NOT NULL,
    org_id            INTEGER NOT NULL REFERENCES orgs (id),
    fragment          TEXT    NOT NULL,
    public_multibase  TEXT    NOT NULL,
    encrypted_secret  TEXT    NOT NULL,
    active            BOOLEAN NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (org_id, fragment)
);
-- At most one active key per organization.
CREATE UNIQUE INDEX org_keys_one_active ON org_keys (org_id) WHERE active;

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    key_hash    TEXT    NOT NULL UNIQUE,
    prefix      TEXT    NOT NULL,
    scopes      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked     BOOLEAN NOT NULL
);
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY NOT NULL,
    org_id         INTEGER NOT NULL REFERENCES orgs (id),
    email          TEXT    NOT NULL UNIQUE,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE achievements (
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    id          TEXT    NOT NULL,
    json        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE status_lists (
    id          INTEGER PRIMARY KEY NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    list_id     TEXT    NOT NULL,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    size        INTEGER NOT NULL CHECK (size > 0),
    bits        BLOB    NOT NULL,
    used        BLOB    NOT NULL,
    allocated   INTEGER NOT NULL CHECK (allocated >= 0 AND allocated <= size),
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (org_id, list_id)
);
CREATE INDEX status_lists_org_purpose ON status_lists (org_id, purpose);

CREATE TABLE credentials (
    id                TEXT    PRIMARY KEY NOT NULL,
    org_id            INTEGER NOT NULL REFERENCES orgs (id),
    achievement_id    TEXT,
    recipient         TEXT,
    name              TEXT,
    search            TEXT    NOT NULL,
    json              TEXT    NOT NULL,
    revocation_list   INTEGER REFERENCES status_lists (id),
    revocation_index  INTEGER,
    suspension_list   INTEGER REFERENCES status_lists (id),
    suspension_index  INTEGER,
    revoked           BOOLEAN NOT NULL,
    suspended         BOOLEAN NOT NULL,
    issued_at         INTEGER NOT NULL,
    CHECK ((revocation_list IS NULL) = (revocation_index IS NULL)),
    CHECK ((suspension_list IS NULL) = (suspension_index IS NULL)),
    -- A status entry belongs to one credential only: an index is never reused.
    UNIQUE (revocation_list, revocation_index),
    UNIQUE (suspension_list, suspension_index)
);
CREATE INDEX credentials_org_issued ON credentials (org_id, issued_at);
CREATE INDEX credentials_recipient ON credentials (recipient);

CREATE TABLE challenges (
    challenge   TEXT    PRIMARY KEY NOT NULL,
    expires_at  INTEGER NOT NULL,
    used        BOOLEAN NOT NULL
);
CREATE INDEX challenges_expires ON challenges (expires_at);
