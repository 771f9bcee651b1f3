//! The CBO tables on PostgreSQL. Writes of several rows run in one transaction; the release
//! log's append locks the program's row (`FOR NO KEY UPDATE`) before it reads the log's last
//! `seq`, so concurrent appends to one program are serialized.

use tokio_postgres::GenericClient;

use super::{Db, PgResult, get, pg};
use crate::cbo::{
    CohortRow, ConsentRow, CorrectionRow, EnrolmentRow, FrameworkRow, OccupationRow, OutcomeRow,
    ParticipantRow, ProfileRow, ProgramRow, ProgressRow, ReleaseRow, SkillRow, parse_json,
    population_of, population_text,
};
use crate::rows::json_text;
use crate::{Result, StoreError};

const FRAMEWORK: &str = "id, name, json, updated_at";
const OCCUPATION: &str = "code, title, json, updated_at";
const PROGRAM: &str = "id, name, json, updated_at";
const COHORT: &str = "program_id, id, name, start_date, end_date";
const ENROLMENT: &str = "program_id, cohort_id, participant_id, enrolled_at";
const PARTICIPANT: &str = "id, holder_id, sealed, created_at";
const CORRECTION: &str = "seq, participant_id, sealed, by_user, at";
const PROGRESS: &str = "seq, program_id, participant_id, achievement_id, status, source, at";
const CONSENT: &str = "seq, program_id, participant_id, granted, at";
const OUTCOME: &str = "id, participant_id, sealed, verified, received_at";
const RELEASE: &str = "seq, program_id, report_id, measure, population, released_at";

impl Db {
    pub(crate) async fn cbo_data_key(&self, org_id: i64) -> Result<Option<Vec<u8>>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT wrapped_data_key FROM cbo_keys WHERE org_id = $1",
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        row.map(|r| get(&r, 0)).transpose()
    }

    pub(crate) async fn init_cbo_data_key(
        &self,
        org_id: i64,
        wrapped: &[u8],
        now: i64,
    ) -> Result<Vec<u8>> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO cbo_keys (org_id, wrapped_data_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO NOTHING",
            &[&org_id, &wrapped, &now],
        )
        .await
        .or_conflict(|| format!("the CBO data key of organization {org_id}"))?;
        let row = conn
            .query_one(
                "SELECT wrapped_data_key FROM cbo_keys WHERE org_id = $1",
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        get(&row, 0)
    }

    pub(crate) async fn put_framework(
        &self,
        org_id: i64,
        f: &FrameworkRow,
        skills: &[SkillRow],
    ) -> Result<()> {
        let json = json_text(&f.json, "framework")?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        tx.execute(
            "DELETE FROM cbo_skills WHERE org_id = $1 AND framework_id = $2",
            &[&org_id, &f.id],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "INSERT INTO cbo_frameworks (org_id, id, name, json, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, id) DO UPDATE SET name = EXCLUDED.name, json = EXCLUDED.json, updated_at = EXCLUDED.updated_at",
            &[&org_id, &f.id, &f.name, &json, &f.updated_at],
        )
        .await
        .or_conflict(|| format!("framework {}", f.id))?;
        for (i, s) in skills.iter().enumerate() {
            let json = json_text(&s.json, "skill")?;
            tx.execute(
                "INSERT INTO cbo_skills (org_id, framework_id, id, position, json) VALUES ($1, $2, $3, $4, $5)",
                &[&org_id, &f.id, &s.id, &(i as i64), &json],
            )
            .await
            .or_conflict(|| format!("skill {}", s.id))?;
        }
        tx.commit().await.map_err(pg)
    }

    pub(crate) async fn frameworks(&self, org_id: i64) -> Result<Vec<FrameworkRow>> {
        let rows = self
            .conn()
            .await?
            .query(
                &format!("SELECT {FRAMEWORK} FROM cbo_frameworks WHERE org_id = $1 ORDER BY id"),
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(FrameworkRow {
                    id: get(r, 0)?,
                    name: get(r, 1)?,
                    json: parse_json(&get::<String>(r, 2)?, "framework")?,
                    updated_at: get(r, 3)?,
                })
            })
            .collect()
    }

    pub(crate) async fn org_skills(&self, org_id: i64) -> Result<Vec<SkillRow>> {
        let rows = self
            .conn()
            .await?
            .query(
                "SELECT framework_id, id, json FROM cbo_skills WHERE org_id = $1 ORDER BY framework_id, position",
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(SkillRow {
                    framework_id: get(r, 0)?,
                    id: get(r, 1)?,
                    json: parse_json(&get::<String>(r, 2)?, "skill")?,
                })
            })
            .collect()
    }

    pub(crate) async fn delete_framework(&self, org_id: i64, id: &str) -> Result<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        tx.execute(
            "DELETE FROM cbo_skills WHERE org_id = $1 AND framework_id = $2",
            &[&org_id, &id],
        )
        .await
        .map_err(pg)?;
        let n = tx
            .execute(
                "DELETE FROM cbo_frameworks WHERE org_id = $1 AND id = $2",
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(n > 0)
    }

    pub(crate) async fn put_occupation(&self, org_id: i64, o: &OccupationRow) -> Result<()> {
        let json = json_text(&o.json, "occupation")?;
        self.conn()
            .await?
            .execute(
                "INSERT INTO cbo_occupations (org_id, code, title, json, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (org_id, code) DO UPDATE SET title = EXCLUDED.title, json = EXCLUDED.json, updated_at = EXCLUDED.updated_at",
                &[&org_id, &o.code, &o.title, &json, &o.updated_at],
            )
            .await
            .or_conflict(|| format!("occupation {}", o.code))
            .map(drop)
    }

    pub(crate) async fn occupations(&self, org_id: i64) -> Result<Vec<OccupationRow>> {
        let rows = self
            .conn()
            .await?
            .query(
                &format!(
                    "SELECT {OCCUPATION} FROM cbo_occupations WHERE org_id = $1 ORDER BY code"
                ),
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                Ok(OccupationRow {
                    code: get(r, 0)?,
                    title: get(r, 1)?,
                    json: parse_json(&get::<String>(r, 2)?, "occupation")?,
                    updated_at: get(r, 3)?,
                })
            })
            .collect()
    }

    pub(crate) async fn put_program(&self, org_id: i64, p: &ProgramRow) -> Result<bool> {
        let json = json_text(&p.json, "program")?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        // `xmax = 0` holds for a row this statement inserted and not for one it updated.
        let row = tx
            .query_one(
                "INSERT INTO cbo_programs (org_id, id, name, json, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (org_id, id) DO UPDATE SET name = EXCLUDED.name, json = EXCLUDED.json, updated_at = EXCLUDED.updated_at \
                 RETURNING (xmax = 0) AS created",
                &[&org_id, &p.id, &p.name, &json, &p.updated_at],
            )
            .await
            .or_conflict(|| format!("program {}", p.id))?;
        let created: bool = get(&row, 0)?;
        tx.execute(
            "DELETE FROM cbo_milestones WHERE org_id = $1 AND program_id = $2",
            &[&org_id, &p.id],
        )
        .await
        .map_err(pg)?;
        tx.execute(
            "DELETE FROM cbo_program_occupations WHERE org_id = $1 AND program_id = $2",
            &[&org_id, &p.id],
        )
        .await
        .map_err(pg)?;
        for (i, a) in p.milestones.iter().enumerate() {
            tx.execute(
                "INSERT INTO cbo_milestones (org_id, program_id, achievement_id, position) VALUES ($1, $2, $3, $4)",
                &[&org_id, &p.id, a, &(i as i64)],
            )
            .await
            .or_conflict(|| format!("milestone {a}"))?;
        }
        for (i, code) in p.occupations.iter().enumerate() {
            tx.execute(
                "INSERT INTO cbo_program_occupations (org_id, program_id, code, position) VALUES ($1, $2, $3, $4)",
                &[&org_id, &p.id, code, &(i as i64)],
            )
            .await
            .or_conflict(|| format!("target occupation {code}"))?;
        }
        tx.commit().await.map_err(pg)?;
        Ok(created)
    }

    pub(crate) async fn program(&self, org_id: i64, id: &str) -> Result<Option<ProgramRow>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("SELECT {PROGRAM} FROM cbo_programs WHERE org_id = $1 AND id = $2"),
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?;
        match row {
            Some(r) => Ok(Some(program_row(&*conn, org_id, &r).await?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn programs(&self, org_id: i64) -> Result<Vec<ProgramRow>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!("SELECT {PROGRAM} FROM cbo_programs WHERE org_id = $1 ORDER BY id"),
                &[&org_id],
            )
            .await
            .map_err(pg)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(program_row(&*conn, org_id, r).await?);
        }
        Ok(out)
    }

    pub(crate) async fn programs_with_milestone(
        &self,
        org_id: i64,
        achievement_id: &str,
    ) -> Result<Vec<String>> {
        self.conn()
            .await?
            .query(
                "SELECT program_id FROM cbo_milestones WHERE org_id = $1 AND achievement_id = $2 ORDER BY program_id",
                &[&org_id, &achievement_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| get(r, 0))
            .collect()
    }

    pub(crate) async fn put_cohort(&self, org_id: i64, c: &CohortRow) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO cbo_cohorts (org_id, program_id, id, name, start_date, end_date) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (org_id, program_id, id) DO UPDATE SET name = EXCLUDED.name, start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date",
                &[&org_id, &c.program_id, &c.id, &c.name, &c.start_date, &c.end_date],
            )
            .await
            .or_conflict(|| format!("cohort {} of program {}", c.id, c.program_id))
            .map(drop)
    }

    pub(crate) async fn cohorts(&self, org_id: i64, program_id: &str) -> Result<Vec<CohortRow>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT {COHORT} FROM cbo_cohorts WHERE org_id = $1 AND program_id = $2 ORDER BY start_date, id"),
                &[&org_id, &program_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| {
                Ok(CohortRow {
                    program_id: get(r, 0)?,
                    id: get(r, 1)?,
                    name: get(r, 2)?,
                    start_date: get(r, 3)?,
                    end_date: get(r, 4)?,
                })
            })
            .collect()
    }

    pub(crate) async fn enrol(&self, org_id: i64, e: &EnrolmentRow) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO cbo_enrolments (org_id, program_id, cohort_id, participant_id, enrolled_at) VALUES ($1, $2, $3, $4, $5)",
                &[&org_id, &e.program_id, &e.cohort_id, &e.participant_id, &e.enrolled_at],
            )
            .await
            .or_conflict(|| format!("enrolment of {} in program {}", e.participant_id, e.program_id))
            .map(drop)
    }

    pub(crate) async fn unenrol(
        &self,
        org_id: i64,
        program_id: &str,
        participant_id: &str,
    ) -> Result<bool> {
        let n = self
            .conn()
            .await?
            .execute(
                "DELETE FROM cbo_enrolments WHERE org_id = $1 AND program_id = $2 AND participant_id = $3",
                &[&org_id, &program_id, &participant_id],
            )
            .await
            .map_err(pg)?;
        Ok(n > 0)
    }

    pub(crate) async fn enrolments(
        &self,
        org_id: i64,
        program_id: &str,
    ) -> Result<Vec<EnrolmentRow>> {
        self.enrolments_where(
            "program_id = $2 ORDER BY cohort_id, participant_id",
            org_id,
            program_id,
        )
        .await
    }

    pub(crate) async fn participant_enrolments(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<EnrolmentRow>> {
        self.enrolments_where(
            "participant_id = $2 ORDER BY program_id",
            org_id,
            participant_id,
        )
        .await
    }

    async fn enrolments_where(
        &self,
        condition: &str,
        org_id: i64,
        value: &str,
    ) -> Result<Vec<EnrolmentRow>> {
        self.conn()
            .await?
            .query(
                &format!(
                    "SELECT {ENROLMENT} FROM cbo_enrolments WHERE org_id = $1 AND {condition}"
                ),
                &[&org_id, &value],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| {
                Ok(EnrolmentRow {
                    program_id: get(r, 0)?,
                    cohort_id: get(r, 1)?,
                    participant_id: get(r, 2)?,
                    enrolled_at: get(r, 3)?,
                })
            })
            .collect()
    }

    pub(crate) async fn add_participant(&self, org_id: i64, p: &ParticipantRow) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO cbo_participants (org_id, id, holder_id, sealed, created_at) VALUES ($1, $2, $3, $4, $5)",
                &[&org_id, &p.id, &p.holder_id, &p.sealed, &p.created_at],
            )
            .await
            .or_conflict(|| format!("participant {}", p.id))
            .map(drop)
    }

    pub(crate) async fn set_participant_sealed(
        &self,
        org_id: i64,
        id: &str,
        sealed: &[u8],
    ) -> Result<bool> {
        self.conn()
            .await?
            .execute(
                "UPDATE cbo_participants SET sealed = $3 WHERE org_id = $1 AND id = $2",
                &[&org_id, &id, &sealed],
            )
            .await
            .map_err(pg)
            .map(|n| n > 0)
    }

    pub(crate) async fn set_participant_records(
        &self,
        org_id: i64,
        id: &str,
        sealed: &[u8],
    ) -> Result<bool> {
        self.conn()
            .await?
            .execute(
                "UPDATE cbo_participants SET records = $3 WHERE org_id = $1 AND id = $2",
                &[&org_id, &id, &sealed],
            )
            .await
            .map_err(pg)
            .map(|n| n > 0)
    }

    pub(crate) async fn participant_records(
        &self,
        org_id: i64,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT records FROM cbo_participants WHERE org_id = $1 AND id = $2",
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?
            .ok_or_else(|| StoreError::NotFound(format!("participant {id}")))?;
        get(&row, 0)
    }

    pub(crate) async fn participant(
        &self,
        org_id: i64,
        id: &str,
    ) -> Result<Option<ParticipantRow>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                &format!(
                    "SELECT {PARTICIPANT} FROM cbo_participants WHERE org_id = $1 AND id = $2"
                ),
                &[&org_id, &id],
            )
            .await
            .map_err(pg)?;
        row.map(|r| participant(&r, 0)).transpose()
    }

    pub(crate) async fn participants(&self, org_id: i64) -> Result<Vec<ParticipantRow>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT {PARTICIPANT} FROM cbo_participants WHERE org_id = $1 ORDER BY created_at, id"),
                &[&org_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| participant(r, 0))
            .collect()
    }

    pub(crate) async fn holder_participants(
        &self,
        holder_id: &str,
    ) -> Result<Vec<(i64, ParticipantRow)>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT org_id, {PARTICIPANT} FROM cbo_participants WHERE holder_id = $1 ORDER BY org_id"),
                &[&holder_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| Ok((get(r, 0)?, participant(r, 1)?)))
            .collect()
    }

    pub(crate) async fn milestone_programs(
        &self,
        achievement_id: &str,
    ) -> Result<Vec<(i64, String)>> {
        self.conn()
            .await?
            .query(
                "SELECT org_id, program_id FROM cbo_milestones WHERE achievement_id = $1 ORDER BY org_id, program_id",
                &[&achievement_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
            .collect()
    }

    pub(crate) async fn put_profile(&self, org_id: i64, p: &ProfileRow) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO cbo_profiles (org_id, participant_id, sealed, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (org_id, participant_id) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at",
                &[&org_id, &p.participant_id, &p.sealed, &p.updated_at],
            )
            .await
            .or_conflict(|| format!("profile of {}", p.participant_id))
            .map(drop)
    }

    pub(crate) async fn profile(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Option<ProfileRow>> {
        let row = self
            .conn()
            .await?
            .query_opt(
                "SELECT participant_id, sealed, updated_at FROM cbo_profiles WHERE org_id = $1 AND participant_id = $2",
                &[&org_id, &participant_id],
            )
            .await
            .map_err(pg)?;
        row.map(|r| {
            Ok(ProfileRow {
                participant_id: get(&r, 0)?,
                sealed: get(&r, 1)?,
                updated_at: get(&r, 2)?,
            })
        })
        .transpose()
    }

    pub(crate) async fn add_correction(&self, org_id: i64, c: &CorrectionRow) -> Result<i64> {
        let row = self
            .conn()
            .await?
            .query_one(
                "INSERT INTO cbo_corrections (org_id, participant_id, sealed, by_user, at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
                &[&org_id, &c.participant_id, &c.sealed, &c.by, &c.at],
            )
            .await
            .or_conflict(|| "correction".to_owned())?;
        get(&row, 0)
    }

    pub(crate) async fn corrections(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<CorrectionRow>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT {CORRECTION} FROM cbo_corrections WHERE org_id = $1 AND participant_id = $2 ORDER BY seq"),
                &[&org_id, &participant_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| {
                Ok(CorrectionRow {
                    seq: get(r, 0)?,
                    participant_id: get(r, 1)?,
                    sealed: get(r, 2)?,
                    by: get(r, 3)?,
                    at: get(r, 4)?,
                })
            })
            .collect()
    }

    pub(crate) async fn add_progress(
        &self,
        org_id: i64,
        events: &[ProgressRow],
    ) -> Result<Vec<i64>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let mut seqs = Vec::with_capacity(events.len());
        for e in events {
            let source = json_text(&e.source, "progress source")?;
            let row = tx
                .query_one(
                    "INSERT INTO cbo_progress (org_id, program_id, participant_id, achievement_id, status, source, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
                    &[&org_id, &e.program_id, &e.participant_id, &e.achievement_id, &e.status, &source, &e.at],
                )
                .await
                .map_err(|err| {
                    if err.code() == Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION) {
                        StoreError::Invalid(format!(
                            "progress status {:?} is not an OB 3.0 ResultStatusType",
                            e.status
                        ))
                    } else {
                        pg(err)
                    }
                })?;
            seqs.push(get(&row, 0)?);
        }
        tx.commit().await.map_err(pg)?;
        Ok(seqs)
    }

    pub(crate) async fn program_progress(
        &self,
        org_id: i64,
        program_id: &str,
    ) -> Result<Vec<ProgressRow>> {
        self.progress_where("program_id", org_id, program_id).await
    }

    pub(crate) async fn participant_progress(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<ProgressRow>> {
        self.progress_where("participant_id", org_id, participant_id)
            .await
    }

    async fn progress_where(
        &self,
        column: &'static str,
        org_id: i64,
        value: &str,
    ) -> Result<Vec<ProgressRow>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT {PROGRESS} FROM cbo_progress WHERE org_id = $1 AND {column} = $2 ORDER BY seq"),
                &[&org_id, &value],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| {
                Ok(ProgressRow {
                    seq: get(r, 0)?,
                    program_id: get(r, 1)?,
                    participant_id: get(r, 2)?,
                    achievement_id: get(r, 3)?,
                    status: get(r, 4)?,
                    source: parse_json(&get::<String>(r, 5)?, "progress source")?,
                    at: get(r, 6)?,
                })
            })
            .collect()
    }

    pub(crate) async fn add_outcome_consent(&self, org_id: i64, c: &ConsentRow) -> Result<i64> {
        let row = self
            .conn()
            .await?
            .query_one(
                "INSERT INTO cbo_outcome_consents (org_id, program_id, participant_id, granted, at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
                &[&org_id, &c.program_id, &c.participant_id, &c.granted, &c.at],
            )
            .await
            .or_conflict(|| "consent".to_owned())?;
        get(&row, 0)
    }

    pub(crate) async fn outcome_consents(
        &self,
        org_id: i64,
        program_id: &str,
    ) -> Result<Vec<ConsentRow>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT {CONSENT} FROM cbo_outcome_consents WHERE org_id = $1 AND program_id = $2 ORDER BY seq"),
                &[&org_id, &program_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| {
                Ok(ConsentRow {
                    seq: get(r, 0)?,
                    program_id: get(r, 1)?,
                    participant_id: get(r, 2)?,
                    granted: get(r, 3)?,
                    at: get(r, 4)?,
                })
            })
            .collect()
    }

    pub(crate) async fn add_outcome_record(&self, org_id: i64, o: &OutcomeRow) -> Result<()> {
        self.conn()
            .await?
            .execute(
                "INSERT INTO cbo_outcome_records (org_id, id, participant_id, sealed, verified, received_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&org_id, &o.id, &o.participant_id, &o.sealed, &o.verified, &o.received_at],
            )
            .await
            .or_conflict(|| format!("outcome record {}", o.id))
            .map(drop)
    }

    pub(crate) async fn outcome_records(
        &self,
        org_id: i64,
        participant_ids: &[String],
    ) -> Result<Vec<OutcomeRow>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT {OUTCOME} FROM cbo_outcome_records WHERE org_id = $1 AND participant_id = ANY($2) ORDER BY participant_id, id"),
                &[&org_id, &participant_ids],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| {
                Ok(OutcomeRow {
                    id: get(r, 0)?,
                    participant_id: get(r, 1)?,
                    sealed: get(r, 2)?,
                    verified: get(r, 3)?,
                    received_at: get(r, 4)?,
                })
            })
            .collect()
    }

    pub(crate) async fn delete_outcome_records(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<u64> {
        self.conn()
            .await?
            .execute(
                "DELETE FROM cbo_outcome_records WHERE org_id = $1 AND participant_id = $2",
                &[&org_id, &participant_id],
            )
            .await
            .map_err(pg)
    }

    pub(crate) async fn releases(&self, org_id: i64, program_id: &str) -> Result<Vec<ReleaseRow>> {
        self.conn()
            .await?
            .query(
                &format!("SELECT {RELEASE} FROM cbo_releases WHERE org_id = $1 AND program_id = $2 ORDER BY seq"),
                &[&org_id, &program_id],
            )
            .await
            .map_err(pg)?
            .iter()
            .map(|r| {
                Ok(ReleaseRow {
                    seq: get(r, 0)?,
                    program_id: get(r, 1)?,
                    report_id: get(r, 2)?,
                    measure: get(r, 3)?,
                    population: population_of(&get::<String>(r, 4)?),
                    released_at: get(r, 5)?,
                })
            })
            .collect()
    }

    pub(crate) async fn append_releases(
        &self,
        org_id: i64,
        program_id: &str,
        after: Option<i64>,
        rows: &[ReleaseRow],
    ) -> Result<Vec<i64>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(pg)?;
        let program = tx
            .query_opt(
                "SELECT 1 FROM cbo_programs WHERE org_id = $1 AND id = $2 FOR NO KEY UPDATE",
                &[&org_id, &program_id],
            )
            .await
            .map_err(pg)?;
        if program.is_none() {
            return Err(StoreError::NotFound(format!("program {program_id}")));
        }
        let last: Option<i64> = get(
            &tx.query_one(
                "SELECT max(seq) FROM cbo_releases WHERE org_id = $1 AND program_id = $2",
                &[&org_id, &program_id],
            )
            .await
            .map_err(pg)?,
            0,
        )?;
        if last != after {
            return Err(StoreError::Conflict(format!(
                "the release log of program {program_id} changed since it was read"
            )));
        }
        let mut seqs = Vec::with_capacity(rows.len());
        for r in rows {
            let population = population_text(&r.population)?;
            let row = tx
                .query_one(
                    "INSERT INTO cbo_releases (org_id, program_id, report_id, measure, population, released_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
                    &[&org_id, &program_id, &r.report_id, &r.measure, &population, &r.released_at],
                )
                .await
                .map_err(pg)?;
            seqs.push(get(&row, 0)?);
        }
        tx.commit().await.map_err(pg)?;
        Ok(seqs)
    }
}

async fn program_row<C: GenericClient>(
    client: &C,
    org_id: i64,
    r: &tokio_postgres::Row,
) -> Result<ProgramRow> {
    let id: String = get(r, 0)?;
    let milestones = client
        .query(
            "SELECT achievement_id FROM cbo_milestones WHERE org_id = $1 AND program_id = $2 ORDER BY position",
            &[&org_id, &id],
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| get(r, 0))
        .collect::<Result<Vec<String>>>()?;
    let occupations = client
        .query(
            "SELECT code FROM cbo_program_occupations WHERE org_id = $1 AND program_id = $2 ORDER BY position",
            &[&org_id, &id],
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| get(r, 0))
        .collect::<Result<Vec<String>>>()?;
    Ok(ProgramRow {
        name: get(r, 1)?,
        json: parse_json(&get::<String>(r, 2)?, "program")?,
        updated_at: get(r, 3)?,
        id,
        milestones,
        occupations,
    })
}

/// A participant from the columns of [`PARTICIPANT`] starting at `at`.
fn participant(r: &tokio_postgres::Row, at: usize) -> Result<ParticipantRow> {
    Ok(ParticipantRow {
        id: get(r, at)?,
        holder_id: get(r, at + 1)?,
        sealed: get(r, at + 2)?,
        created_at: get(r, at + 3)?,
    })
}
