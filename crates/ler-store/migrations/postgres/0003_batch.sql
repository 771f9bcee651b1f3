-- ler-store schema, version 3, PostgreSQL: bulk issuance.
-- Keep table and column names identical to ../sqlite/0003_batch.sql (the conformance suite
-- compares them). A source row's key (unique per organization) maps to exactly one credential,
-- so rerunning a batch issues nothing twice; `status` says what reached the recipient: `issued`
-- (stored only), `linked` (a claim link was handed out), `delivered` (put in their wallet).

CREATE TABLE batch_items (
    org_id         BIGINT  NOT NULL REFERENCES orgs (id),
    source_key     TEXT    NOT NULL,
    credential_id  TEXT    NOT NULL UNIQUE REFERENCES credentials (id),
    status         TEXT    NOT NULL CHECK (status IN ('issued', 'linked', 'delivered')),
    issued_at      BIGINT  NOT NULL,
    PRIMARY KEY (org_id, source_key)
);
