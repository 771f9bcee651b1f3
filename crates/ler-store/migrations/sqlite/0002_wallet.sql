-- ler-store schema, version 2, SQLite: the workers' wallets.
-- Keep table and column names identical to ../postgres/0002_wallet.sql (the conformance suite
-- compares them). Records and grants are stored sealed by ler-wallet under the holder's data
-- key (`sealed`); the data key is stored wrapped by the KEK (`holders.wrapped_data_key`), so
-- a dump of these tables reveals nobody's records. Fingerprints are keyed by the data key too.
-- Erasing a holder deletes its records, grants, share links and sessions, clears every
-- personal column of its `holders` row (kept as a tombstone with `deleted_at`), and replaces
-- `access_log.holder_id` by a pseudonym.

CREATE TABLE holders (
    id                TEXT    PRIMARY KEY NOT NULL,
    email             TEXT    UNIQUE,
    password_hash     TEXT,
    did               TEXT    UNIQUE,
    encrypted_key     TEXT,
    wrapped_data_key  BLOB,
    created_at        INTEGER NOT NULL,
    deleted_at        INTEGER,
    -- A live holder has every column; an erased one none.
    CHECK (deleted_at IS NOT NULL OR (email IS NOT NULL AND password_hash IS NOT NULL
        AND did IS NOT NULL AND encrypted_key IS NOT NULL AND wrapped_data_key IS NOT NULL)),
    CHECK (deleted_at IS NULL OR (email IS NULL AND password_hash IS NULL AND did IS NULL
        AND encrypted_key IS NULL AND wrapped_data_key IS NULL))
);

CREATE TABLE holder_sessions (
    token_hash  TEXT    PRIMARY KEY NOT NULL,
    holder_id   TEXT    NOT NULL REFERENCES holders (id),
    csrf        TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX holder_sessions_holder ON holder_sessions (holder_id);

CREATE TABLE wallet_records (
    id           TEXT    PRIMARY KEY NOT NULL,
    holder_id    TEXT    NOT NULL REFERENCES holders (id),
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('education', 'employment', 'other')),
    sealed       BLOB    NOT NULL,
    received_at  INTEGER NOT NULL,
    -- Duplicates are recognized per holder.
    UNIQUE (holder_id, fingerprint)
);
CREATE INDEX wallet_records_holder ON wallet_records (holder_id, received_at);

CREATE TABLE claim_tokens (
    token_hash     TEXT    PRIMARY KEY NOT NULL,
    org_id         INTEGER NOT NULL REFERENCES orgs (id),
    credential_id  TEXT    NOT NULL REFERENCES credentials (id),
    expires_at     INTEGER NOT NULL,
    used           BOOLEAN NOT NULL
);

CREATE TABLE grants (
    id          TEXT    PRIMARY KEY NOT NULL,
    holder_id   TEXT    NOT NULL REFERENCES holders (id),
    recipient   TEXT    NOT NULL,
    record_ids  TEXT    NOT NULL,
    sealed      BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    one_time    BOOLEAN NOT NULL,
    used_count  INTEGER NOT NULL CHECK (used_count >= 0),
    revoked_at  INTEGER
);
CREATE INDEX grants_holder ON grants (holder_id);
CREATE INDEX grants_recipient ON grants (recipient);

CREATE TABLE share_links (
    token_hash  TEXT    PRIMARY KEY NOT NULL,
    grant_id    TEXT    NOT NULL REFERENCES grants (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX share_links_grant ON share_links (grant_id);

CREATE TABLE access_log (
    seq         INTEGER PRIMARY KEY NOT NULL,
    holder_id   TEXT,
    pseudonym   TEXT,
    grant_id    TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    record_ids  TEXT    NOT NULL,
    via         TEXT    NOT NULL CHECK (via IN ('link', 'grant')),
    at          INTEGER NOT NULL,
    CHECK ((holder_id IS NULL) <> (pseudonym IS NULL))
);
CREATE INDEX access_log_holder ON access_log (holder_id, seq);
CREATE INDEX access_log_pseudonym ON access_log (pseudonym, seq);
CREATE INDEX access_log_grant ON access_log (grant_id, seq);
