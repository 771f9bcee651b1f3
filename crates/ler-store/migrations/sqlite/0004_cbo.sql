-- ler-store schema, version 4, SQLite: community-based organizations' programs (ler-cbo).
-- Keep table and column names identical to ../postgres/0004_cbo.sql (the conformance suite
-- compares them). What describes people is stored sealed by the caller under a key the store
-- never sees (`sealed`): profiles, corrections, outcome records. Ids are the caller's. Logs
-- (`cbo_corrections`, `cbo_progress`, `cbo_outcome_consents`, `cbo_releases`) are appended
-- to, never rewritten; `seq` orders them. `cbo_releases` keeps, for each figure an outcome
-- report released, the participants it rested on: the differencing check needs them.

CREATE TABLE cbo_frameworks (
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    json        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE cbo_skills (
    org_id        INTEGER NOT NULL,
    framework_id  TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    json          TEXT    NOT NULL,
    PRIMARY KEY (org_id, framework_id, id),
    FOREIGN KEY (org_id, framework_id) REFERENCES cbo_frameworks (org_id, id)
);

CREATE TABLE cbo_occupations (
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    code        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    json        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, code)
);

CREATE TABLE cbo_programs (
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    json        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE cbo_milestones (
    org_id          INTEGER NOT NULL,
    program_id      TEXT    NOT NULL,
    achievement_id  TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    PRIMARY KEY (org_id, program_id, achievement_id),
    FOREIGN KEY (org_id, program_id) REFERENCES cbo_programs (org_id, id)
);
CREATE INDEX cbo_milestones_achievement ON cbo_milestones (org_id, achievement_id);

CREATE TABLE cbo_program_occupations (
    org_id      INTEGER NOT NULL,
    program_id  TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (org_id, program_id, code),
    FOREIGN KEY (org_id, program_id) REFERENCES cbo_programs (org_id, id)
);

CREATE TABLE cbo_cohorts (
    org_id      INTEGER NOT NULL,
    program_id  TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    start_date  TEXT    NOT NULL,
    end_date    TEXT    NOT NULL,
    PRIMARY KEY (org_id, program_id, id),
    FOREIGN KEY (org_id, program_id) REFERENCES cbo_programs (org_id, id)
);

-- A participant is in one cohort of a program at most.
CREATE TABLE cbo_enrolments (
    org_id          INTEGER NOT NULL,
    program_id      TEXT    NOT NULL,
    cohort_id       TEXT    NOT NULL,
    participant_id  TEXT    NOT NULL,
    enrolled_at     INTEGER NOT NULL,
    PRIMARY KEY (org_id, program_id, participant_id),
    FOREIGN KEY (org_id, program_id, cohort_id) REFERENCES cbo_cohorts (org_id, program_id, id)
);
CREATE INDEX cbo_enrolments_participant ON cbo_enrolments (org_id, participant_id);

CREATE TABLE cbo_profiles (
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    participant_id  TEXT    NOT NULL,
    sealed          BLOB    NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (org_id, participant_id)
);

CREATE TABLE cbo_corrections (
    seq             INTEGER PRIMARY KEY NOT NULL,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    participant_id  TEXT    NOT NULL,
    sealed          BLOB    NOT NULL,
    by_user         TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX cbo_corrections_participant ON cbo_corrections (org_id, participant_id, seq);

CREATE TABLE cbo_progress (
    seq             INTEGER PRIMARY KEY NOT NULL,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    program_id      TEXT    NOT NULL,
    participant_id  TEXT    NOT NULL,
    achievement_id  TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('Completed', 'Enrolled', 'Failed',
                        'InProgress', 'OnHold', 'Provisional', 'Withdrew')),
    source          TEXT    NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX cbo_progress_program ON cbo_progress (org_id, program_id, seq);
CREATE INDEX cbo_progress_participant ON cbo_progress (org_id, participant_id, seq);

CREATE TABLE cbo_outcome_consents (
    seq             INTEGER PRIMARY KEY NOT NULL,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    program_id      TEXT    NOT NULL,
    participant_id  TEXT    NOT NULL,
    granted         BOOLEAN NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX cbo_outcome_consents_program ON cbo_outcome_consents (org_id, program_id, seq);

CREATE TABLE cbo_outcome_records (
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    id              TEXT    NOT NULL,
    participant_id  TEXT    NOT NULL,
    sealed          BLOB    NOT NULL,
    verified        BOOLEAN NOT NULL,
    received_at     INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX cbo_outcome_records_participant ON cbo_outcome_records (org_id, participant_id);

CREATE TABLE cbo_releases (
    seq          INTEGER PRIMARY KEY NOT NULL,
    org_id       INTEGER NOT NULL REFERENCES orgs (id),
    program_id   TEXT    NOT NULL,
    report_id    TEXT    NOT NULL,
    measure      TEXT    NOT NULL,
    population   TEXT    NOT NULL,
    released_at  INTEGER NOT NULL
);
CREATE INDEX cbo_releases_program ON cbo_releases (org_id, program_id, seq);
