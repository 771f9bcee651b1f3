//! Community-based organizations' programs (`ler-cbo`): skill frameworks and occupations,
//! programs with their milestones, target occupations, cohorts and enrolments, participants
//! (and the wallet each came from), their profiles and staff corrections, progress events, outcome consents and records, and the
//! release log of outcome reports.
//!
//! The store keeps what `ler-cbo` hands it and knows none of its rules: definitions arrive as
//! JSON (kept as given, with the keys the store looks rows up by beside them), and whatever
//! describes a person arrives sealed under a key the caller holds (`sealed`). The one rule kept
//! here is the release log's: [`Store::append_releases`] adds a report's released figures only
//! if no other release of the program committed since the caller read the log, so two reports
//! released at once cannot both pass the differencing check against a log missing the other.

use serde_json::Value;

use crate::{Backend, Result, Store, StoreError};

/// An imported skill framework (its skills are [`SkillRow`]s).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameworkRow {
    /// Its id (an absolute URI), unique per organization.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The rest of its description (source, creator), as `ler-cbo` writes it.
    pub json: Value,
    /// Seconds since the epoch.
    pub updated_at: i64,
}

/// A skill of a framework.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillRow {
    /// Its framework's id.
    pub framework_id: String,
    /// Its id (an absolute URI).
    pub id: String,
    /// The skill, as `ler-cbo` writes it.
    pub json: Value,
}

/// An occupation and its skills.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationRow {
    /// Its O*NET-SOC code, unique per organization.
    pub code: String,
    /// Its title.
    pub title: String,
    /// The occupation with its skills, as `ler-cbo` writes it.
    pub json: Value,
    /// Seconds since the epoch.
    pub updated_at: i64,
}

/// A program (its cohorts are [`CohortRow`]s).
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramRow {
    /// Its id, unique per organization.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The program without its cohorts, as `ler-cbo` writes it.
    pub json: Value,
    /// Its milestones' achievement ids, in order (for [`Store::programs_with_milestone`]).
    pub milestones: Vec<String>,
    /// Its target occupations' codes, in order.
    pub occupations: Vec<String>,
    /// Seconds since the epoch.
    pub updated_at: i64,
}

/// A cohort of a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    /// The program.
    pub program_id: String,
    /// Its id, unique in the program.
    pub id: String,
    /// Its name.
    pub name: String,
    /// First day, `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day, `YYYY-MM-DD`.
    pub end_date: String,
}

/// A participant in a cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRow {
    /// The program.
    pub program_id: String,
    /// The cohort.
    pub cohort_id: String,
    /// The participant (one cohort per program).
    pub participant_id: String,
    /// Seconds since the epoch.
    pub enrolled_at: i64,
}

/// A participant of an organization: who they are (sealed), and the wallet they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRow {
    /// Its id, unique per organization.
    pub id: String,
    /// The wallet holder the participant came from through a grant (at most one participant
    /// per holder and organization); none for people staff entered.
    pub holder_id: Option<String>,
    /// Name and contact, sealed by the caller.
    pub sealed: Vec<u8>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// A participant's profile, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    /// The participant.
    pub participant_id: String,
    /// The profile sealed by the caller.
    pub sealed: Vec<u8>,
    /// Seconds since the epoch.
    pub updated_at: i64,
}

/// A staff correction of a profile, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRow {
    /// Position in the organization's corrections (assigned on insert).
    pub seq: i64,
    /// The participant.
    pub participant_id: String,
    /// The correction sealed by the caller.
    pub sealed: Vec<u8>,
    /// The staff member who made it.
    pub by: String,
    /// Seconds since the epoch.
    pub at: i64,
}

/// A change of a participant's status on a milestone.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRow {
    /// Position in the log (assigned on insert; ignored when adding).
    pub seq: i64,
    /// The program.
    pub program_id: String,
    /// The participant.
    pub participant_id: String,
    /// The milestone's achievement id.
    pub achievement_id: String,
    /// The OB 3.0 `ResultStatusType` term.
    pub status: String,
    /// What it rests on, as `ler-cbo` writes it.
    pub source: Value,
    /// Seconds since the epoch.
    pub at: i64,
}

/// A participant's grant or refusal of consent to outcome data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    /// Position in the log (assigned on insert; ignored when adding).
    pub seq: i64,
    /// The program.
    pub program_id: String,
    /// The participant.
    pub participant_id: String,
    /// Granted, or declined / withdrawn.
    pub granted: bool,
    /// Seconds since the epoch.
    pub at: i64,
}

/// An outcome record (a job a participant held), sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRow {
    /// Its id, unique per organization.
    pub id: String,
    /// The participant.
    pub participant_id: String,
    /// The record sealed by the caller.
    pub sealed: Vec<u8>,
    /// Whether it is an employer's verified record (self-reported ones are not).
    pub verified: bool,
    /// Seconds since the epoch.
    pub received_at: i64,
}

/// A figure an outcome report released: whom it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRow {
    /// Position in the log (assigned on insert; ignored when adding).
    pub seq: i64,
    /// The program.
    pub program_id: String,
    /// The report.
    pub report_id: String,
    /// The measure.
    pub measure: String,
    /// The participant ids it rests on.
    pub population: Vec<String>,
    /// Seconds since the epoch.
    pub released_at: i64,
}

/// The ids of a log row's `population` column: separated by single spaces.
pub(crate) fn population_text(ids: &[String]) -> Result<String> {
    crate::wallet::ids_text(ids).map_err(|_| {
        StoreError::Invalid("a participant id is empty or holds whitespace".to_owned())
    })
}

/// The ids of a `population` column.
pub(crate) fn population_of(text: &str) -> Vec<String> {
    crate::wallet::ids_of(text)
}

impl Store {
    /// The organization's CBO data key, wrapped by the KEK, if it has one.
    pub async fn cbo_data_key(&self, org_id: i64) -> Result<Option<Vec<u8>>> {
        dispatch!(self.cbo_data_key(org_id))
    }
    /// Stores the organization's wrapped CBO data key unless it has one, and returns the one
    /// stored: of concurrent first uses, all get the same key. `NotFound` if the organization
    /// does not exist.
    pub async fn init_cbo_data_key(
        &self,
        org_id: i64,
        wrapped: &[u8],
        now: i64,
    ) -> Result<Vec<u8>> {
        dispatch!(self.init_cbo_data_key(org_id, wrapped, now))
    }

    /// Stores a framework and its skills, replacing the framework's previous version and all
    /// its skills, in one transaction. `Conflict` if a skill id is listed twice.
    pub async fn put_framework(
        &self,
        org_id: i64,
        framework: &FrameworkRow,
        skills: &[SkillRow],
    ) -> Result<()> {
        if skills.iter().any(|s| s.framework_id != framework.id) {
            return Err(StoreError::Invalid(
                "a skill belongs to another framework".to_owned(),
            ));
        }
        dispatch!(self.put_framework(org_id, framework, skills))
    }
    /// An organization's frameworks, by id.
    pub async fn frameworks(&self, org_id: i64) -> Result<Vec<FrameworkRow>> {
        dispatch!(self.frameworks(org_id))
    }
    /// An organization's skills, framework by framework (by id), each in its framework's order.
    pub async fn org_skills(&self, org_id: i64) -> Result<Vec<SkillRow>> {
        dispatch!(self.org_skills(org_id))
    }
    /// Deletes a framework and its skills; true when it existed.
    pub async fn delete_framework(&self, org_id: i64, id: &str) -> Result<bool> {
        dispatch!(self.delete_framework(org_id, id))
    }

    /// Creates or replaces an occupation.
    pub async fn put_occupation(&self, org_id: i64, occupation: &OccupationRow) -> Result<()> {
        dispatch!(self.put_occupation(org_id, occupation))
    }
    /// An organization's occupations, by code.
    pub async fn occupations(&self, org_id: i64) -> Result<Vec<OccupationRow>> {
        dispatch!(self.occupations(org_id))
    }

    /// Creates or replaces a program with its milestones and target occupations (its cohorts
    /// and enrolments stay), in one transaction; true when created. `Conflict` if a milestone
    /// or occupation is listed twice.
    pub async fn put_program(&self, org_id: i64, program: &ProgramRow) -> Result<bool> {
        dispatch!(self.put_program(org_id, program))
    }
    /// A program.
    pub async fn program(&self, org_id: i64, id: &str) -> Result<Option<ProgramRow>> {
        dispatch!(self.program(org_id, id))
    }
    /// An organization's programs, by id.
    pub async fn programs(&self, org_id: i64) -> Result<Vec<ProgramRow>> {
        dispatch!(self.programs(org_id))
    }
    /// The programs (ids) that have a milestone for this achievement: where an arriving
    /// credential counts.
    pub async fn programs_with_milestone(
        &self,
        org_id: i64,
        achievement_id: &str,
    ) -> Result<Vec<String>> {
        dispatch!(self.programs_with_milestone(org_id, achievement_id))
    }

    /// Creates or replaces a cohort; `NotFound` if the program does not exist.
    pub async fn put_cohort(&self, org_id: i64, cohort: &CohortRow) -> Result<()> {
        dispatch!(self.put_cohort(org_id, cohort))
    }
    /// A program's cohorts, by start date then id.
    pub async fn cohorts(&self, org_id: i64, program_id: &str) -> Result<Vec<CohortRow>> {
        dispatch!(self.cohorts(org_id, program_id))
    }
    /// Enrols a participant in a cohort; `Conflict` if they are in a cohort of the program
    /// already, `NotFound` if the cohort does not exist.
    pub async fn enrol(&self, org_id: i64, enrolment: &EnrolmentRow) -> Result<()> {
        dispatch!(self.enrol(org_id, enrolment))
    }
    /// Takes a participant out of a program's cohort; true when they were in one.
    pub async fn unenrol(
        &self,
        org_id: i64,
        program_id: &str,
        participant_id: &str,
    ) -> Result<bool> {
        dispatch!(self.unenrol(org_id, program_id, participant_id))
    }
    /// A program's enrolments, by cohort then participant.
    pub async fn enrolments(&self, org_id: i64, program_id: &str) -> Result<Vec<EnrolmentRow>> {
        dispatch!(self.enrolments(org_id, program_id))
    }
    /// A participant's enrolments in all programs.
    pub async fn participant_enrolments(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<EnrolmentRow>> {
        dispatch!(self.participant_enrolments(org_id, participant_id))
    }

    /// Adds a participant; `Conflict` if the id is taken or the holder is a participant of the
    /// organization already, `NotFound` if the organization or holder does not exist.
    pub async fn add_participant(&self, org_id: i64, participant: &ParticipantRow) -> Result<()> {
        dispatch!(self.add_participant(org_id, participant))
    }
    /// Replaces what is sealed about a participant; true when they exist.
    pub async fn set_participant_sealed(
        &self,
        org_id: i64,
        id: &str,
        sealed: &[u8],
    ) -> Result<bool> {
        dispatch!(self.set_participant_sealed(org_id, id, sealed))
    }
    /// Replaces the records a participant shared at intake (sealed by the caller); true when
    /// they exist.
    pub async fn set_participant_records(
        &self,
        org_id: i64,
        id: &str,
        sealed: &[u8],
    ) -> Result<bool> {
        dispatch!(self.set_participant_records(org_id, id, sealed))
    }
    /// The records a participant shared at intake, sealed; `None` when they exist but none
    /// were taken in, `NotFound` when they do not exist.
    pub async fn participant_records(&self, org_id: i64, id: &str) -> Result<Option<Vec<u8>>> {
        dispatch!(self.participant_records(org_id, id))
    }
    /// A participant.
    pub async fn participant(&self, org_id: i64, id: &str) -> Result<Option<ParticipantRow>> {
        dispatch!(self.participant(org_id, id))
    }
    /// An organization's participants, oldest first.
    pub async fn participants(&self, org_id: i64) -> Result<Vec<ParticipantRow>> {
        dispatch!(self.participants(org_id))
    }
    /// The participants a wallet holder is, in every organization: (organization id,
    /// participant), by organization.
    pub async fn holder_participants(&self, holder_id: &str) -> Result<Vec<(i64, ParticipantRow)>> {
        dispatch!(self.holder_participants(holder_id))
    }
    /// Every program, in any organization, that has a milestone for this achievement:
    /// (organization id, program id), where an issued credential counts.
    pub async fn milestone_programs(&self, achievement_id: &str) -> Result<Vec<(i64, String)>> {
        dispatch!(self.milestone_programs(achievement_id))
    }

    /// Creates or replaces a participant's profile.
    pub async fn put_profile(&self, org_id: i64, profile: &ProfileRow) -> Result<()> {
        dispatch!(self.put_profile(org_id, profile))
    }
    /// A participant's profile.
    pub async fn profile(&self, org_id: i64, participant_id: &str) -> Result<Option<ProfileRow>> {
        dispatch!(self.profile(org_id, participant_id))
    }
    /// Appends a correction to a participant's profile (the profile need not exist yet: a
    /// correction outlives a new intake); returns its `seq`.
    pub async fn add_correction(&self, org_id: i64, correction: &CorrectionRow) -> Result<i64> {
        dispatch!(self.add_correction(org_id, correction))
    }
    /// A participant's corrections, in the order made.
    pub async fn corrections(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<CorrectionRow>> {
        dispatch!(self.corrections(org_id, participant_id))
    }

    /// Appends progress events in one transaction, in order; returns their `seq`s.
    pub async fn add_progress(&self, org_id: i64, events: &[ProgressRow]) -> Result<Vec<i64>> {
        dispatch!(self.add_progress(org_id, events))
    }
    /// A program's progress events, in order.
    pub async fn program_progress(
        &self,
        org_id: i64,
        program_id: &str,
    ) -> Result<Vec<ProgressRow>> {
        dispatch!(self.program_progress(org_id, program_id))
    }
    /// A participant's progress events in all programs, in order (their wallet's view).
    pub async fn participant_progress(
        &self,
        org_id: i64,
        participant_id: &str,
    ) -> Result<Vec<ProgressRow>> {
        dispatch!(self.participant_progress(org_id, participant_id))
    }

    /// Appends a consent event (a grant, a refusal, a withdrawal); returns its `seq`.
    pub async fn add_outcome_consent(&self, org_id: i64, consent: &ConsentRow) -> Result<i64> {
        dispatch!(self.add_outcome_consent(org_id, consent))
    }
    /// A program's consent events, in order.
    pub async fn outcome_consents(&self, org_id: i64, program_id: &str) -> Result<Vec<ConsentRow>> {
        dispatch!(self.outcome_consents(org_id, program_id))
    }

    /// Stores an outcome record; `Conflict` if its id is taken.
    pub async fn add_outcome_record(&self, org_id: i64, record: &OutcomeRow) -> Result<()> {
        dispatch!(self.add_outcome_record(org_id, record))
    }
    /// The outcome records of these participants, by participant then id.
    pub async fn outcome_records(
        &self,
        org_id: i64,
        participant_ids: &[String],
    ) -> Result<Vec<OutcomeRow>> {
        dispatch!(self.outcome_records(org_id, participant_ids))
    }
    /// Deletes a participant's outcome records (after a withdrawal, if the organization keeps
    /// nothing it may no longer use); returns how many.
    pub async fn delete_outcome_records(&self, org_id: i64, participant_id: &str) -> Result<u64> {
        dispatch!(self.delete_outcome_records(org_id, participant_id))
    }

    /// A program's release log, in order.
    pub async fn releases(&self, org_id: i64, program_id: &str) -> Result<Vec<ReleaseRow>> {
        dispatch!(self.releases(org_id, program_id))
    }
    /// Appends a report's released figures to a program's release log in one transaction,
    /// provided the log's last `seq` is still `after` (`None`: the log was empty) — else
    /// `Conflict`, and nothing is added: another report was released meanwhile, so the caller
    /// must read the log and decide again. `NotFound` if the program does not exist; `Invalid`
    /// if a row is for another program or a participant id is empty or holds whitespace.
    pub async fn append_releases(
        &self,
        org_id: i64,
        program_id: &str,
        after: Option<i64>,
        rows: &[ReleaseRow],
    ) -> Result<Vec<i64>> {
        if rows.iter().any(|r| r.program_id != program_id) {
            return Err(StoreError::Invalid(
                "a released figure belongs to another program".to_owned(),
            ));
        }
        for r in rows {
            population_text(&r.population)?;
        }
        dispatch!(self.append_releases(org_id, program_id, after, rows))
    }
}

/// A JSON column's value.
pub(crate) fn parse_json(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Database(format!("stored {what} is not JSON: {e}")))
}
