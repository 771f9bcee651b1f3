-- ler-store schema, version 7, PostgreSQL: a community-based organization's participants
-- (ler-cbo). Keep table and column names identical to ../sqlite/0007_cbo_participants.sql
-- (the conformance suite compares them). What names a person (name, contact) is sealed by
-- the caller (`sealed`), and so are the records they shared at intake (`records`, the
-- evidence their plan is computed from). `holder_id` links a participant who came through a
-- consent grant to their wallet, so that achievements arriving there count toward their
-- program and they can see their progress and give or withdraw outcome consent; one
-- participant per holder and organization.

CREATE TABLE cbo_participants (
    org_id      BIGINT  NOT NULL REFERENCES orgs (id),
    id          TEXT    NOT NULL,
    holder_id   TEXT    REFERENCES holders (id),
    sealed      BYTEA   NOT NULL,
    records     BYTEA,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX cbo_participants_holder ON cbo_participants (holder_id, org_id);

-- An issued credential is looked up by its achievement in every organization's programs.
CREATE INDEX cbo_milestones_any_org ON cbo_milestones (achievement_id);
