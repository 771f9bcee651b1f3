//! The CBO tables on SQLite. Writes of several rows run in one immediate transaction; the
//! release log's append checks the log's last `seq` inside it, so appends are serialized.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Db, SqlResult};
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

/// Runs `sql` with `params` and maps each row with `f`.
fn all<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql).db()?;
    let rows = stmt
        .query_map(params, f)
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    Ok(rows)
}

impl Db {
    pub(crate) async fn cbo_data_key(&self, org_id: i64) -> Result<Option<Vec<u8>>> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT wrapped_data_key FROM cbo_keys WHERE org_id = ?1",
                [org_id],
                |r| r.get(0),
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn init_cbo_data_key(
        &self,
        org_id: i64,
        wrapped: &[u8],
        now: i64,
    ) -> Result<Vec<u8>> {
        let wrapped = wrapped.to_vec();
        self.write_tx(move |tx| {
            tx.execute(
                "INSERT INTO cbo_keys (org_id, wrapped_data_key, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (org_id) DO NOTHING",
                params![org_id, wrapped, now],
            )
            .or_conflict(|| format!("the CBO data key of organization {org_id}"))?;
            tx.query_row("SELECT wrapped_data_key FROM cbo_keys WHERE org_id = ?1", [org_id], |r| r.get(0)).db()
        })
        .await
    }

    pub(crate) async fn put_framework(
        &self,
        org_id: i64,
        framework: &FrameworkRow,
        skills: &[SkillRow],
    ) -> Result<()> {
        let f = framework.clone();
        let json = json_text(&f.json, "framework")?;
        let skills = skills
            .iter()
            .map(|s| Ok((s.id.clone(), json_text(&s.json, "skill")?)))
            .collect::<Result<Vec<_>>>()?;
        self.write_tx(move |tx| {
            tx.execute(
                "DELETE FROM cbo_skills WHERE org_id = ?1 AND framework_id = ?2",
                params![org_id, f.id],
            )
            .db()?;
            tx.execute(
                "INSERT INTO cbo_frameworks (org_id, id, name, json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, json = excluded.json, updated_at = excluded.updated_at",
                params![org_id, f.id, f.name, json, f.updated_at],
            )
            .or_conflict(|| format!("framework {}", f.id))?;
            for (i, (id, json)) in skills.iter().enumerate() {
                tx.execute(
                    "INSERT INTO cbo_skills (org_id, framework_id, id, position, json) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![org_id, f.id, id, i as i64, json],
                )
                .or_conflict(|| format!("skill {id}"))?;
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn frameworks(&self, org_id: i64) -> Result<Vec<FrameworkRow>> {
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {FRAMEWORK} FROM cbo_frameworks WHERE org_id = ?1 ORDER BY id"),
                [org_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?)),
            )?
            .into_iter()
            .map(|(id, name, json, updated_at)| {
                Ok(FrameworkRow {
                    id,
                    name,
                    json: parse_json(&json, "framework")?,
                    updated_at,
                })
            })
            .collect()
        })
        .await
    }

    pub(crate) async fn org_skills(&self, org_id: i64) -> Result<Vec<SkillRow>> {
        self.read(move |conn| {
            all(
                conn,
                "SELECT framework_id, id, json FROM cbo_skills WHERE org_id = ?1 ORDER BY framework_id, position",
                [org_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)),
            )?
            .into_iter()
            .map(|(framework_id, id, json)| {
                Ok(SkillRow { framework_id, id, json: parse_json(&json, "skill")? })
            })
            .collect()
        })
        .await
    }

    pub(crate) async fn delete_framework(&self, org_id: i64, id: &str) -> Result<bool> {
        let id = id.to_owned();
        self.write_tx(move |tx| {
            tx.execute(
                "DELETE FROM cbo_skills WHERE org_id = ?1 AND framework_id = ?2",
                params![org_id, id],
            )
            .db()?;
            Ok(tx
                .execute(
                    "DELETE FROM cbo_frameworks WHERE org_id = ?1 AND id = ?2",
                    params![org_id, id],
                )
                .db()?
                > 0)
        })
        .await
    }

    pub(crate) async fn put_occupation(&self, org_id: i64, o: &OccupationRow) -> Result<()> {
        let o = o.clone();
        let json = json_text(&o.json, "occupation")?;
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_occupations (org_id, code, title, json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (org_id, code) DO UPDATE SET title = excluded.title, json = excluded.json, updated_at = excluded.updated_at",
                params![org_id, o.code, o.title, json, o.updated_at],
            )
            .or_conflict(|| format!("occupation {}", o.code))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn occupations(&self, org_id: i64) -> Result<Vec<OccupationRow>> {
        self.read(move |conn| {
            all(
                conn,
                &format!(
                    "SELECT {OCCUPATION} FROM cbo_occupations WHERE org_id = ?1 ORDER BY code"
                ),
                [org_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?)),
            )?
            .into_iter()
            .map(|(code, title, json, updated_at)| {
                Ok(OccupationRow {
                    code,
                    title,
                    json: parse_json(&json, "occupation")?,
                    updated_at,
                })
            })
            .collect()
        })
        .await
    }

    pub(crate) async fn put_program(&self, org_id: i64, p: &ProgramRow) -> Result<bool> {
        let p = p.clone();
        let json = json_text(&p.json, "program")?;
        self.write_tx(move |tx| {
            let updated = tx
                .execute(
                    "UPDATE cbo_programs SET name = ?1, json = ?2, updated_at = ?3 WHERE org_id = ?4 AND id = ?5",
                    params![p.name, json, p.updated_at, org_id, p.id],
                )
                .db()?;
            if updated == 0 {
                tx.execute(
                    "INSERT INTO cbo_programs (org_id, id, name, json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![org_id, p.id, p.name, json, p.updated_at],
                )
                .or_conflict(|| format!("program {}", p.id))?;
            }
            tx.execute("DELETE FROM cbo_milestones WHERE org_id = ?1 AND program_id = ?2", params![org_id, p.id]).db()?;
            tx.execute("DELETE FROM cbo_program_occupations WHERE org_id = ?1 AND program_id = ?2", params![org_id, p.id]).db()?;
            for (i, a) in p.milestones.iter().enumerate() {
                tx.execute(
                    "INSERT INTO cbo_milestones (org_id, program_id, achievement_id, position) VALUES (?1, ?2, ?3, ?4)",
                    params![org_id, p.id, a, i as i64],
                )
                .or_conflict(|| format!("milestone {a}"))?;
            }
            for (i, code) in p.occupations.iter().enumerate() {
                tx.execute(
                    "INSERT INTO cbo_program_occupations (org_id, program_id, code, position) VALUES (?1, ?2, ?3, ?4)",
                    params![org_id, p.id, code, i as i64],
                )
                .or_conflict(|| format!("target occupation {code}"))?;
            }
            Ok(updated == 0)
        })
        .await
    }

    pub(crate) async fn program(&self, org_id: i64, id: &str) -> Result<Option<ProgramRow>> {
        let id = id.to_owned();
        self.read(move |conn| {
            let row = conn
                .query_row(
                    &format!("SELECT {PROGRAM} FROM cbo_programs WHERE org_id = ?1 AND id = ?2"),
                    params![org_id, id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?)),
                )
                .optional()
                .db()?;
            row.map(|raw| program_row(conn, org_id, raw)).transpose()
        })
        .await
    }

    pub(crate) async fn programs(&self, org_id: i64) -> Result<Vec<ProgramRow>> {
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {PROGRAM} FROM cbo_programs WHERE org_id = ?1 ORDER BY id"),
                [org_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?, r.get(3)?)),
            )?
            .into_iter()
            .map(|raw| program_row(conn, org_id, raw))
            .collect()
        })
        .await
    }

    pub(crate) async fn programs_with_milestone(
        &self,
        org_id: i64,
        achievement_id: &str,
    ) -> Result<Vec<String>> {
        let a = achievement_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                "SELECT program_id FROM cbo_milestones WHERE org_id = ?1 AND achievement_id = ?2 ORDER BY program_id",
                params![org_id, a],
                |r| r.get(0),
            )
        })
        .await
    }

    pub(crate) async fn put_cohort(&self, org_id: i64, c: &CohortRow) -> Result<()> {
        let c = c.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_cohorts (org_id, program_id, id, name, start_date, end_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (org_id, program_id, id) DO UPDATE SET name = excluded.name, start_date = excluded.start_date, end_date = excluded.end_date",
                params![org_id, c.program_id, c.id, c.name, c.start_date, c.end_date],
            )
            .or_conflict(|| format!("cohort {} of program {}", c.id, c.program_id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn cohorts(&self, org_id: i64, program_id: &str) -> Result<Vec<CohortRow>> {
        let program_id = program_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {COHORT} FROM cbo_cohorts WHERE org_id = ?1 AND program_id = ?2 ORDER BY start_date, id"),
                params![org_id, program_id],
                cohort,
            )
        })
        .await
    }

    pub(crate) async fn enrol(&self, org_id: i64, e: &EnrolmentRow) -> Result<()> {
        let e = e.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_enrolments (org_id, program_id, cohort_id, participant_id, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![org_id, e.program_id, e.cohort_id, e.participant_id, e.enrolled_at],
            )
            .or_conflict(|| format!("enrolment of {} in program {}", e.participant_id, e.program_id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn unenrol(
        &self,
        org_id: i64,
        program_id: &str,
        participant_id: &str,
    ) -> Result<bool> {
        let (program_id, participant_id) = (program_id.to_owned(), participant_id.to_owned());
        self.write(move |conn| {
            Ok(conn
                .execute(
                    "DELETE FROM cbo_enrolments WHERE org_id = ?1 AND program_id = ?2 AND participant_id = ?3",
                    params![org_id, program_id, participant_id],
                )
                .db()?
                > 0)
        })
        .await
    }

    pub(crate) async fn enrolments(
        &self,
        org_id: i64,
        program_id: &str,
    ) -> Result<Vec<EnrolmentRow>> {
        let program_id = program_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {ENROLMENT} FROM cbo_enrolments WHERE org_id = ?1 AND program_id = ?2 ORDER BY cohort_id, participant_id"),
                params![org_id, program_id],
                enrolment,
            )
        })
        .await
    }

    pub(crate) async fn participant_enrolments(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<EnrolmentRow>> {
        let participant_id = participant_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {ENROLMENT} FROM cbo_enrolments WHERE org_id = ?1 AND participant_id = ?2 ORDER BY program_id"),
                params![org_id, participant_id],
                enrolment,
            )
        })
        .await
    }

    pub(crate) async fn add_participant(&self, org_id: i64, p: &ParticipantRow) -> Result<()> {
        let p = p.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_participants (org_id, id, holder_id, sealed, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![org_id, p.id, p.holder_id, p.sealed, p.created_at],
            )
            .or_conflict(|| format!("participant {}", p.id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn set_participant_sealed(
        &self,
        org_id: i64,
        id: &str,
        sealed: &[u8],
    ) -> Result<bool> {
        let (id, sealed) = (id.to_owned(), sealed.to_vec());
        self.write(move |conn| {
            conn.execute(
                "UPDATE cbo_participants SET sealed = ?3 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, sealed],
            )
            .db()
            .map(|n| n > 0)
        })
        .await
    }

    pub(crate) async fn set_participant_records(
        &self,
        org_id: i64,
        id: &str,
        sealed: &[u8],
    ) -> Result<bool> {
        let (id, sealed) = (id.to_owned(), sealed.to_vec());
        self.write(move |conn| {
            conn.execute(
                "UPDATE cbo_participants SET records = ?3 WHERE org_id = ?1 AND id = ?2",
                params![org_id, id, sealed],
            )
            .db()
            .map(|n| n > 0)
        })
        .await
    }

    pub(crate) async fn participant_records(
        &self,
        org_id: i64,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        let id = id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT records FROM cbo_participants WHERE org_id = ?1 AND id = ?2",
                params![org_id, id],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()
            .db()?
            .ok_or_else(|| StoreError::NotFound(format!("participant {id}")))
        })
        .await
    }

    pub(crate) async fn participant(
        &self,
        org_id: i64,
        id: &str,
    ) -> Result<Option<ParticipantRow>> {
        let id = id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {PARTICIPANT} FROM cbo_participants WHERE org_id = ?1 AND id = ?2"
                ),
                params![org_id, id],
                participant,
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn participants(&self, org_id: i64) -> Result<Vec<ParticipantRow>> {
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {PARTICIPANT} FROM cbo_participants WHERE org_id = ?1 ORDER BY created_at, id"),
                [org_id],
                participant,
            )
        })
        .await
    }

    pub(crate) async fn holder_participants(
        &self,
        holder_id: &str,
    ) -> Result<Vec<(i64, ParticipantRow)>> {
        let holder_id = holder_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT org_id, {PARTICIPANT} FROM cbo_participants WHERE holder_id = ?1 ORDER BY org_id"),
                [holder_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        ParticipantRow {
                            id: r.get(1)?,
                            holder_id: r.get(2)?,
                            sealed: r.get(3)?,
                            created_at: r.get(4)?,
                        },
                    ))
                },
            )
        })
        .await
    }

    pub(crate) async fn milestone_programs(
        &self,
        achievement_id: &str,
    ) -> Result<Vec<(i64, String)>> {
        let a = achievement_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                "SELECT org_id, program_id FROM cbo_milestones WHERE achievement_id = ?1 ORDER BY org_id, program_id",
                [a],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
    }

    pub(crate) async fn put_profile(&self, org_id: i64, p: &ProfileRow) -> Result<()> {
        let p = p.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_profiles (org_id, participant_id, sealed, updated_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (org_id, participant_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                params![org_id, p.participant_id, p.sealed, p.updated_at],
            )
            .or_conflict(|| format!("profile of {}", p.participant_id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn profile(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Option<ProfileRow>> {
        let participant_id = participant_id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT participant_id, sealed, updated_at FROM cbo_profiles WHERE org_id = ?1 AND participant_id = ?2",
                params![org_id, participant_id],
                |r| Ok(ProfileRow { participant_id: r.get(0)?, sealed: r.get(1)?, updated_at: r.get(2)? }),
            )
            .optional()
            .db()
        })
        .await
    }

    pub(crate) async fn add_correction(&self, org_id: i64, c: &CorrectionRow) -> Result<i64> {
        let c = c.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_corrections (org_id, participant_id, sealed, by_user, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![org_id, c.participant_id, c.sealed, c.by, c.at],
            )
            .or_conflict(|| "correction".to_owned())?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    pub(crate) async fn corrections(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<CorrectionRow>> {
        let participant_id = participant_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {CORRECTION} FROM cbo_corrections WHERE org_id = ?1 AND participant_id = ?2 ORDER BY seq"),
                params![org_id, participant_id],
                |r| Ok(CorrectionRow { seq: r.get(0)?, participant_id: r.get(1)?, sealed: r.get(2)?, by: r.get(3)?, at: r.get(4)? }),
            )
        })
        .await
    }

    pub(crate) async fn add_progress(
        &self,
        org_id: i64,
        events: &[ProgressRow],
    ) -> Result<Vec<i64>> {
        let events = events
            .iter()
            .map(|e| Ok((e.clone(), json_text(&e.source, "progress source")?)))
            .collect::<Result<Vec<_>>>()?;
        self.write_tx(move |tx| {
            let mut seqs = Vec::with_capacity(events.len());
            for (e, source) in &events {
                tx.execute(
                    "INSERT INTO cbo_progress (org_id, program_id, participant_id, achievement_id, status, source, at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![org_id, e.program_id, e.participant_id, e.achievement_id, e.status, source, e.at],
                )
                .map_err(|err| match err {
                    rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_CHECK => {
                        StoreError::Invalid(format!("progress status {:?} is not an OB 3.0 ResultStatusType", e.status))
                    }
                    other => StoreError::Database(other.to_string()),
                })?;
                seqs.push(tx.last_insert_rowid());
            }
            Ok(seqs)
        })
        .await
    }

    pub(crate) async fn program_progress(
        &self,
        org_id: i64,
        program_id: &str,
    ) -> Result<Vec<ProgressRow>> {
        self.progress_where("program_id", org_id, program_id.to_owned())
            .await
    }

    pub(crate) async fn participant_progress(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<ProgressRow>> {
        self.progress_where("participant_id", org_id, participant_id.to_owned())
            .await
    }

    async fn progress_where(
        &self,
        column: &'static str,
        org_id: i64,
        value: String,
    ) -> Result<Vec<ProgressRow>> {
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {PROGRESS} FROM cbo_progress WHERE org_id = ?1 AND {column} = ?2 ORDER BY seq"),
                params![org_id, value],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?, r.get(6)?)),
            )?
            .into_iter()
            .map(|(seq, program_id, participant_id, achievement_id, status, source, at)| {
                Ok(ProgressRow { seq, program_id, participant_id, achievement_id, status, source: parse_json(&source, "progress source")?, at })
            })
            .collect()
        })
        .await
    }

    pub(crate) async fn add_outcome_consent(&self, org_id: i64, c: &ConsentRow) -> Result<i64> {
        let c = c.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_outcome_consents (org_id, program_id, participant_id, granted, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![org_id, c.program_id, c.participant_id, c.granted, c.at],
            )
            .or_conflict(|| "consent".to_owned())?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    pub(crate) async fn outcome_consents(
        &self,
        org_id: i64,
        program_id: &str,
    ) -> Result<Vec<ConsentRow>> {
        let program_id = program_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {CONSENT} FROM cbo_outcome_consents WHERE org_id = ?1 AND program_id = ?2 ORDER BY seq"),
                params![org_id, program_id],
                |r| Ok(ConsentRow { seq: r.get(0)?, program_id: r.get(1)?, participant_id: r.get(2)?, granted: r.get(3)?, at: r.get(4)? }),
            )
        })
        .await
    }

    pub(crate) async fn add_outcome_record(&self, org_id: i64, o: &OutcomeRow) -> Result<()> {
        let o = o.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO cbo_outcome_records (org_id, id, participant_id, sealed, verified, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![org_id, o.id, o.participant_id, o.sealed, o.verified, o.received_at],
            )
            .or_conflict(|| format!("outcome record {}", o.id))
            .map(drop)
        })
        .await
    }

    pub(crate) async fn outcome_records(
        &self,
        org_id: i64,
        participant_ids: &[String],
    ) -> Result<Vec<OutcomeRow>> {
        let ids = participant_ids.to_vec();
        self.read(move |conn| {
            let mut out = Vec::new();
            let mut stmt = conn
                .prepare(&format!("SELECT {OUTCOME} FROM cbo_outcome_records WHERE org_id = ?1 AND participant_id = ?2 ORDER BY id"))
                .db()?;
            let mut sorted = ids;
            sorted.sort();
            sorted.dedup();
            for p in sorted {
                let rows = stmt
                    .query_map(params![org_id, p], |r| {
                        Ok(OutcomeRow { id: r.get(0)?, participant_id: r.get(1)?, sealed: r.get(2)?, verified: r.get(3)?, received_at: r.get(4)? })
                    })
                    .db()?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .db()?;
                out.extend(rows);
            }
            Ok(out)
        })
        .await
    }

    pub(crate) async fn delete_outcome_records(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<u64> {
        let participant_id = participant_id.to_owned();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "DELETE FROM cbo_outcome_records WHERE org_id = ?1 AND participant_id = ?2",
                    params![org_id, participant_id],
                )
                .db()?;
            Ok(n as u64)
        })
        .await
    }

    pub(crate) async fn releases(&self, org_id: i64, program_id: &str) -> Result<Vec<ReleaseRow>> {
        let program_id = program_id.to_owned();
        self.read(move |conn| {
            all(
                conn,
                &format!("SELECT {RELEASE} FROM cbo_releases WHERE org_id = ?1 AND program_id = ?2 ORDER BY seq"),
                params![org_id, program_id],
                |r| {
                    Ok(ReleaseRow {
                        seq: r.get(0)?,
                        program_id: r.get(1)?,
                        report_id: r.get(2)?,
                        measure: r.get(3)?,
                        population: population_of(&r.get::<_, String>(4)?),
                        released_at: r.get(5)?,
                    })
                },
            )
        })
        .await
    }

    pub(crate) async fn append_releases(
        &self,
        org_id: i64,
        program_id: &str,
        after: Option<i64>,
        rows: &[ReleaseRow],
    ) -> Result<Vec<i64>> {
        let program_id = program_id.to_owned();
        let rows = rows
            .iter()
            .map(|r| Ok((r.clone(), population_text(&r.population)?)))
            .collect::<Result<Vec<_>>>()?;
        self.write_tx(move |tx| {
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM cbo_programs WHERE org_id = ?1 AND id = ?2", params![org_id, program_id], |r| r.get(0))
                .optional()
                .db()?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("program {program_id}")));
            }
            let last: Option<i64> = tx
                .query_row("SELECT max(seq) FROM cbo_releases WHERE org_id = ?1 AND program_id = ?2", params![org_id, program_id], |r| r.get(0))
                .db()?;
            if last != after {
                return Err(StoreError::Conflict(format!(
                    "the release log of program {program_id} changed since it was read"
                )));
            }
            let mut seqs = Vec::with_capacity(rows.len());
            for (r, population) in &rows {
                tx.execute(
                    "INSERT INTO cbo_releases (org_id, program_id, report_id, measure, population, released_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![org_id, program_id, r.report_id, r.measure, population, r.released_at],
                )
                .db()?;
                seqs.push(tx.last_insert_rowid());
            }
            Ok(seqs)
        })
        .await
    }
}

type ProgramRaw = (String, String, String, i64);

fn program_row(
    conn: &Connection,
    org_id: i64,
    (id, name, json, updated_at): ProgramRaw,
) -> Result<ProgramRow> {
    let milestones = all(
        conn,
        "SELECT achievement_id FROM cbo_milestones WHERE org_id = ?1 AND program_id = ?2 ORDER BY position",
        params![org_id, id],
        |r| r.get(0),
    )?;
    let occupations = all(
        conn,
        "SELECT code FROM cbo_program_occupations WHERE org_id = ?1 AND program_id = ?2 ORDER BY position",
        params![org_id, id],
        |r| r.get(0),
    )?;
    Ok(ProgramRow {
        json: parse_json(&json, "program")?,
        id,
        name,
        milestones,
        occupations,
        updated_at,
    })
}

fn participant(r: &Row<'_>) -> rusqlite::Result<ParticipantRow> {
    Ok(ParticipantRow {
        id: r.get(0)?,
        holder_id: r.get(1)?,
        sealed: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn cohort(r: &Row<'_>) -> rusqlite::Result<CohortRow> {
    Ok(CohortRow {
        program_id: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        start_date: r.get(3)?,
        end_date: r.get(4)?,
    })
}

fn enrolment(r: &Row<'_>) -> rusqlite::Result<EnrolmentRow> {
    Ok(EnrolmentRow {
        program_id: r.get(0)?,
        cohort_id: r.get(1)?,
        participant_id: r.get(2)?,
        enrolled_at: r.get(3)?,
    })
}
