//! Between `ler-cbo`'s values and `ler-store`'s rows: a program from its row, cohorts and
//! enrolments; progress events, consents and released figures to and from their log rows;
//! the catalog from the stored frameworks; participants and their sealed parts opened.

use ler_cbo::{
    Catalog, Cohort, Date, EventSource, Framework, FrameworkSource, OutcomeConsent, Participant,
    Profile, Program, ProgressEvent, Released, ResultStatus, SharedRecord, Skill,
};
use ler_store::{
    ConsentRow, FrameworkRow, ParticipantRow, ProgramRow, ProgressRow, ReleaseRow, SkillRow,
};
use ler_wallet::DataKey;
use serde_json::{Value, json};

use crate::{AppError, AppState};

fn stored(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("a stored {what} does not read: {e}"))
}

/// A program's row: the program without its cohorts (kept in their own rows), its
/// milestones' and occupations' keys beside it.
pub(crate) fn program_row(program: &Program, now: i64) -> ProgramRow {
    let bare = Program {
        cohorts: Vec::new(),
        ..program.clone()
    };
    ProgramRow {
        id: program.id.clone(),
        name: program.name.clone(),
        // Serializing this plain struct cannot fail.
        json: serde_json::to_value(&bare).unwrap_or(Value::Null),
        milestones: program
            .milestones
            .iter()
            .map(|m| m.achievement_id.clone())
            .collect(),
        occupations: program
            .target_occupations
            .iter()
            .map(|c| c.to_string())
            .collect(),
        updated_at: now,
    }
}

/// A program with its cohorts and their participants, as stored; `None` when it does not
/// exist.
pub(crate) async fn load_program(
    state: &AppState,
    org_id: i64,
    id: &str,
) -> Result<Option<Program>, AppError> {
    let Some(row) = state.store.program(org_id, id).await? else {
        return Ok(None);
    };
    let mut program: Program =
        serde_json::from_value(row.json).map_err(|e| stored("program", e))?;
    let enrolments = state.store.enrolments(org_id, id).await?;
    for c in state.store.cohorts(org_id, id).await? {
        let date = |text: &str| Date::parse(text).map_err(|e| stored("cohort date", e));
        program.cohorts.push(Cohort {
            participants: enrolments
                .iter()
                .filter(|e| e.cohort_id == c.id)
                .map(|e| e.participant_id.clone())
                .collect(),
            start: date(&c.start_date)?,
            end: date(&c.end_date)?,
            id: c.id,
            name: c.name,
        });
    }
    Ok(Some(program))
}

/// A program that must exist (404 otherwise).
pub(crate) async fn program_of(
    state: &AppState,
    org_id: i64,
    id: &str,
) -> Result<Program, AppError> {
    load_program(state, org_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("program {id} not found")))
}

/// A progress event's row.
pub(crate) fn progress_row(e: &ProgressEvent) -> ProgressRow {
    ProgressRow {
        seq: 0,
        program_id: e.program.clone(),
        participant_id: e.participant.clone(),
        achievement_id: e.achievement_id.clone(),
        status: e.status.as_str().to_owned(),
        // Serializing this plain enum cannot fail.
        source: serde_json::to_value(&e.source).unwrap_or(Value::Null),
        at: e.at,
    }
}

/// A progress event from its row.
pub(crate) fn progress_event(r: ProgressRow) -> Result<ProgressEvent, AppError> {
    Ok(ProgressEvent {
        status: ResultStatus::parse(&r.status)
            .ok_or_else(|| stored("progress status", &r.status))?,
        source: serde_json::from_value::<EventSource>(r.source)
            .map_err(|e| stored("progress source", e))?,
        participant: r.participant_id,
        program: r.program_id,
        achievement_id: r.achievement_id,
        at: r.at,
    })
}

/// Progress events from their rows.
pub(crate) fn progress_events(rows: Vec<ProgressRow>) -> Result<Vec<ProgressEvent>, AppError> {
    rows.into_iter().map(progress_event).collect()
}

/// A consent from its row.
pub(crate) fn consent(r: ConsentRow) -> OutcomeConsent {
    OutcomeConsent {
        participant: r.participant_id,
        program: r.program_id,
        granted: r.granted,
        at: r.at,
    }
}

/// A consent's row.
pub(crate) fn consent_row(c: &OutcomeConsent) -> ConsentRow {
    ConsentRow {
        seq: 0,
        program_id: c.program.clone(),
        participant_id: c.participant.clone(),
        granted: c.granted,
        at: c.at,
    }
}

/// A released figure from its row.
pub(crate) fn released(r: ReleaseRow) -> Released {
    Released {
        program: r.program_id,
        measure: r.measure,
        report: r.report_id,
        population: r.population,
        at: r.released_at,
    }
}

/// A released figure's row.
pub(crate) fn release_row(r: &Released) -> ReleaseRow {
    ReleaseRow {
        seq: 0,
        program_id: r.program.clone(),
        report_id: r.report.clone(),
        measure: r.measure.clone(),
        population: r.population.clone(),
        released_at: r.at,
    }
}

/// A framework's rows: the framework (its source and creator as JSON) and its skills.
pub(crate) fn framework_rows(f: &Framework, now: i64) -> (FrameworkRow, Vec<SkillRow>) {
    let row = FrameworkRow {
        id: f.id.clone(),
        name: f.name.clone(),
        json: json!({"source": f.source, "creator": f.creator}),
        updated_at: now,
    };
    let skills = f
        .skills
        .iter()
        .map(|s| SkillRow {
            framework_id: f.id.clone(),
            id: s.id.clone(),
            // Serializing this plain struct cannot fail.
            json: serde_json::to_value(s).unwrap_or(Value::Null),
        })
        .collect();
    (row, skills)
}

/// The organization's frameworks with their skills, as stored.
pub(crate) async fn frameworks(state: &AppState, org_id: i64) -> Result<Vec<Framework>, AppError> {
    let rows = state.store.frameworks(org_id).await?;
    let skills = state.store.org_skills(org_id).await?;
    rows.into_iter()
        .map(|r| {
            let source: FrameworkSource = serde_json::from_value(r.json["source"].clone())
                .map_err(|e| stored("framework source", e))?;
            let creator = r.json["creator"].as_str().map(str::to_owned);
            let skills = skills
                .iter()
                .filter(|s| s.framework_id == r.id)
                .map(|s| {
                    serde_json::from_value::<Skill>(s.json.clone()).map_err(|e| stored("skill", e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Framework {
                id: r.id,
                name: r.name,
                creator,
                source,
                skills,
            })
        })
        .collect()
}

/// The catalog of every skill the organization imported.
pub(crate) async fn catalog(state: &AppState, org_id: i64) -> Result<Catalog, AppError> {
    let frameworks = frameworks(state, org_id).await?;
    Ok(Catalog::new(frameworks.iter()))
}

/// A participant and what is sealed about them, opened.
pub(crate) struct Loaded {
    /// The row (the wallet they came from).
    pub row: ParticipantRow,
    /// Who they are.
    pub card: Participant,
}

/// A participant that must exist (404 otherwise), opened.
pub(crate) async fn participant_of(
    state: &AppState,
    key: &DataKey,
    org_id: i64,
    id: &str,
) -> Result<Loaded, AppError> {
    let row = state
        .store
        .participant(org_id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("participant {id} not found")))?;
    open_participant(key, org_id, row)
}

/// Opens a participant's row.
pub(crate) fn open_participant(
    key: &DataKey,
    org_id: i64,
    row: ParticipantRow,
) -> Result<Loaded, AppError> {
    let card = ler_cbo::open_participant(key, org_id, &row.id, &row.sealed)?;
    Ok(Loaded { row, card })
}

/// The name a participant is shown by: theirs, else their id.
pub(crate) async fn participant_name(
    state: &AppState,
    key: &DataKey,
    org_id: i64,
    id: &str,
) -> Result<String, AppError> {
    Ok(match state.store.participant(org_id, id).await? {
        Some(row) => open_participant(key, org_id, row)?.card.name,
        None => id.to_owned(),
    })
}

/// The records a participant shared at intake (none before one).
pub(crate) async fn shared_records(
    state: &AppState,
    key: &DataKey,
    org_id: i64,
    id: &str,
) -> Result<Vec<SharedRecord>, AppError> {
    match state.store.participant_records(org_id, id).await? {
        Some(sealed) => Ok(ler_cbo::open_records(key, org_id, id, &sealed)?),
        None => Ok(Vec::new()),
    }
}

/// A participant's profile with their corrections laid in (`None` before an intake).
pub(crate) async fn profile(
    state: &AppState,
    key: &DataKey,
    org_id: i64,
    id: &str,
) -> Result<Option<Profile>, AppError> {
    let Some(row) = state.store.profile(org_id, id).await? else {
        return Ok(None);
    };
    let mut profile = ler_cbo::open_profile(key, org_id, id, &row.sealed)?;
    for c in state.store.corrections(org_id, id).await? {
        profile.correct(ler_cbo::open_correction(key, org_id, id, &c.sealed)?);
    }
    Ok(Some(profile))
}
