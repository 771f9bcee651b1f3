-- ler-store schema, version 6, PostgreSQL: each organization's CBO data key (ler-cbo).
-- Keep table and column names identical to ../sqlite/0006_cbo_keys.sql (the conformance
-- suite compares them). The key that seals profiles, corrections and outcome records is
-- stored wrapped by the KEK for its organization; the first one stored stays.

CREATE TABLE cbo_keys (
    org_id            BIGINT  PRIMARY KEY REFERENCES orgs (id),
    wrapped_data_key  BYTEA   NOT NULL,
    created_at        BIGINT  NOT NULL
);
