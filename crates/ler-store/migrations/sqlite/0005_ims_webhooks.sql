-- ler-store schema, version 5, SQLite: OAuth 2.0 for the 1EdTech Open Badges 3.0 and CLR 2.0
-- APIs (registered clients, authorization codes, tokens), the holders' profiles those APIs
-- read and write, and the organizations' webhooks (subscriptions, the delivery outbox and the
-- log of every attempt).
-- Keep table and column names identical to ../postgres/0005_ims_webhooks.sql (the conformance
-- suite compares them). Client secrets, codes and tokens are stored as SHA-256 hashes only; a
-- profile is sealed under the holder's data key like the records; a webhook's signing secret
-- is encrypted under the KEK. Erasing a holder deletes its codes, tokens and profile.

CREATE TABLE oauth_clients (
    client_id    TEXT    PRIMARY KEY NOT NULL,
    secret_hash  TEXT    NOT NULL,
    metadata     TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash       TEXT    PRIMARY KEY NOT NULL,
    client_id       TEXT    NOT NULL REFERENCES oauth_clients (client_id),
    holder_id       TEXT    NOT NULL REFERENCES holders (id),
    redirect_uri    TEXT    NOT NULL,
    scope           TEXT    NOT NULL,
    code_challenge  TEXT    NOT NULL,
    grant_id        TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
);
CREATE INDEX oauth_codes_holder ON oauth_codes (holder_id);

CREATE TABLE oauth_tokens (
    token_hash  TEXT    PRIMARY KEY NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    client_id   TEXT    NOT NULL REFERENCES oauth_clients (client_id),
    holder_id   TEXT    NOT NULL REFERENCES holders (id),
    grant_id    TEXT    NOT NULL,
    scope       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_holder ON oauth_tokens (holder_id);

CREATE TABLE holder_profiles (
    holder_id   TEXT    PRIMARY KEY NOT NULL REFERENCES holders (id),
    sealed      BLOB    NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE webhooks (
    id          TEXT    PRIMARY KEY NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    url         TEXT    NOT NULL,
    events      TEXT    NOT NULL,
    secret      BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id);

CREATE TABLE webhook_deliveries (
    id               TEXT    PRIMARY KEY NOT NULL,
    webhook_id       TEXT    NOT NULL REFERENCES webhooks (id),
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at  INTEGER NOT NULL,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);

CREATE TABLE webhook_attempts (
    delivery_id   TEXT    NOT NULL REFERENCES webhook_deliveries (id),
    attempt       INTEGER NOT NULL CHECK (attempt >= 1),
    attempted_at  INTEGER NOT NULL,
    status        INTEGER,
    error         TEXT,
    duration_ms   INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
