-- ler-store schema, version 5, PostgreSQL: OAuth 2.0 for the 1EdTech Open Badges 3.0 and
-- CLR 2.0 APIs (registered clients, authorization codes, tokens), the holders' profiles those
-- APIs read and write, and the organizations' webhooks (subscriptions, the delivery outbox
-- and the log of every attempt).
-- Keep table and column names identical to ../sqlite/0005_ims_webhooks.sql (the conformance
-- suite compares them). Client secrets, codes and tokens are stored as SHA-256 hashes only; a
-- profile is sealed under the holder's data key like the records; a webhook's signing secret
-- is encrypted under the KEK. Erasing a holder deletes its codes, tokens and profile.

CREATE TABLE oauth_clients (
    client_id    TEXT    PRIMARY KEY,
    secret_hash  TEXT    NOT NULL,
    metadata     TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash       TEXT    PRIMARY KEY,
    client_id       TEXT    NOT NULL REFERENCES oauth_clients (client_id),
    holder_id       TEXT    NOT NULL REFERENCES holders (id),
    redirect_uri    TEXT    NOT NULL,
    scope           TEXT    NOT NULL,
    code_challenge  TEXT    NOT NULL,
    grant_id        TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    used_at         BIGINT
);
CREATE INDEX oauth_codes_holder ON oauth_codes (holder_id);

CREATE TABLE oauth_tokens (
    token_hash  TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    client_id   TEXT    NOT NULL REFERENCES oauth_clients (client_id),
    holder_id   TEXT    NOT NULL REFERENCES holders (id),
    grant_id    TEXT    NOT NULL,
    scope       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_holder ON oauth_tokens (holder_id);

CREATE TABLE holder_profiles (
    holder_id   TEXT    PRIMARY KEY REFERENCES holders (id),
    sealed      BYTEA   NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE webhooks (
    id          TEXT    PRIMARY KEY,
    org_id      BIGINT  NOT NULL REFERENCES orgs (id),
    url         TEXT    NOT NULL,
    events      TEXT    NOT NULL,
    secret      BYTEA   NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id);

CREATE TABLE webhook_deliveries (
    id               TEXT    PRIMARY KEY,
    webhook_id       TEXT    NOT NULL REFERENCES webhooks (id),
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT  NOT NULL CHECK (attempts >= 0),
    next_attempt_at  BIGINT  NOT NULL,
    last_status      BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    finished_at      BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);

CREATE TABLE webhook_attempts (
    delivery_id   TEXT    NOT NULL REFERENCES webhook_deliveries (id),
    attempt       BIGINT  NOT NULL CHECK (attempt >= 1),
    attempted_at  BIGINT  NOT NULL,
    status        BIGINT,
    error         TEXT,
    duration_ms   BIGINT  NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
