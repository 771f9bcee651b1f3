//! The participant's side, from their wallet (`/wallet/programs…`, the holder's session): the
//! programs they are enrolled in through intake, their progress through each one's milestones,
//! their outcome consent — grant, decline, withdraw — and self-reported jobs (unverified).
//!
//! A withdrawal leaves them out of the next report; when no program of the organization has
//! their consent any more, the outcome records kept about them are deleted.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ler_cbo::{OutcomeConsent, consented};
use ler_store::Org;
use serde_json::{Value, json};

use super::glue;
use super::outcomes::add_self_reported;
use super::required;
use crate::body::Body;
use crate::wallet::signed_in;
use crate::{AppError, AppState, ids};

/// The consent a participant's log shows for a program: `granted`, `declined` (never
/// granted), `withdrawn` (granted, then not), or none yet.
fn consent_state(
    log: &[OutcomeConsent],
    program: &str,
    participant: &str,
) -> Option<(&'static str, i64)> {
    let mine: Vec<&OutcomeConsent> = log
        .iter()
        .filter(|c| c.program == program && c.participant == participant)
        .collect();
    let latest = mine.iter().copied().max_by_key(|c| c.at)?;
    let state = if consented(log, program, participant) {
        "granted"
    } else if mine.iter().any(|c| c.granted) {
        "withdrawn"
    } else {
        "declined"
    };
    Some((state, latest.at))
}

/// `GET /wallet/programs`: every program the holder takes part in, with the organization, their
/// progress through its milestones (OB 3.0 statuses) and their outcome consent.
pub async fn programs(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let me = signed_in(&state, &headers, &Method::GET, None).await?;
    let mut out = Vec::new();
    for (org_id, participant) in state.store.holder_participants(&me.holder.id).await? {
        let Some(org) = state.store.org(org_id).await? else {
            continue;
        };
        let events = glue::progress_events(
            state
                .store
                .participant_progress(org_id, &participant.id)
                .await?,
        )?;
        for e in state
            .store
            .participant_enrolments(org_id, &participant.id)
            .await?
        {
            let Some(program) = glue::load_program(&state, org_id, &e.program_id).await? else {
                continue;
            };
            let consents: Vec<OutcomeConsent> = state
                .store
                .outcome_consents(org_id, &program.id)
                .await?
                .into_iter()
                .map(glue::consent)
                .collect();
            let consent = consent_state(&consents, &program.id, &participant.id);
            out.push(json!({
                "org": {"slug": org.slug, "name": org.name},
                "participant": participant.id,
                "program": program.id,
                "programName": program.name,
                "description": program.description,
                "cohort": program.cohort_of(&participant.id).map(|c| json!({"id": c.id, "name": c.name, "start": c.start, "end": c.end})),
                "progress": ler_cbo::progress(&program, &participant.id, &events),
                "consent": consent.map(|(s, _)| s),
                "consentAt": consent.map(|(_, at)| ids::format_datetime(at)),
            }));
        }
    }
    Ok(Json(json!({"programs": out})).into_response())
}

/// The holder's participant record at the organization `slug` (404 when they have none).
async fn mine(state: &AppState, holder_id: &str, slug: &str) -> Result<(Org, String), AppError> {
    let none = || AppError::NotFound(format!("you take part in no program of {slug}"));
    let org = state.store.org_by_slug(slug).await?.ok_or_else(none)?;
    let participant = state
        .store
        .holder_participants(holder_id)
        .await?
        .into_iter()
        .find(|(o, _)| *o == org.id)
        .ok_or_else(none)?
        .1;
    Ok((org, participant.id))
}

/// `POST /wallet/programs/consent`: `{org, program, choice: grant|decline|withdraw}` — the
/// holder's outcome consent for a program they are enrolled in → 201 `{consent}`.
pub async fn consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let csrf = fields.get("csrf").and_then(Value::as_str);
    let me = signed_in(&state, &headers, &Method::POST, csrf).await?;
    let slug = required(&fields, "org")?;
    let program = required(&fields, "program")?;
    let granted = match required(&fields, "choice")?.as_str() {
        "grant" => true,
        "decline" | "withdraw" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "choice must be grant, decline or withdraw, not {other:?}"
            )));
        }
    };
    let (org, participant) = mine(&state, &me.holder.id, &slug).await?;
    let enrolled = state
        .store
        .participant_enrolments(org.id, &participant)
        .await?
        .iter()
        .any(|e| e.program_id == program);
    if !enrolled {
        return Err(AppError::NotFound(format!(
            "you are not enrolled in {program}"
        )));
    }
    let c = OutcomeConsent {
        participant: participant.clone(),
        program: program.clone(),
        granted,
        at: state.now(),
    };
    state
        .store
        .add_outcome_consent(org.id, &glue::consent_row(&c))
        .await?;
    let mut deleted = 0;
    if !granted {
        // Kept only while some program has their consent.
        let mut still = false;
        for e in state
            .store
            .participant_enrolments(org.id, &participant)
            .await?
        {
            let log: Vec<OutcomeConsent> = state
                .store
                .outcome_consents(org.id, &e.program_id)
                .await?
                .into_iter()
                .map(glue::consent)
                .collect();
            still |= consented(&log, &e.program_id, &participant);
        }
        if !still {
            deleted = state
                .store
                .delete_outcome_records(org.id, &participant)
                .await?;
        }
    }
    tracing::info!(org = %org.slug, program = %program, granted, "outcome consent");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "consent": {"org": org.slug, "program": program, "granted": granted, "at": ids::format_datetime(c.at)},
            "outcomeRecordsDeleted": deleted,
        })),
    )
        .into_response())
}

/// `POST /wallet/programs/outcomes`: `{org, employer?, start, end?, hoursPerWeek?, pay?:
/// {amount, currency?, period?}}` — a job the holder reports themselves (kept as unverified),
/// when they consent to outcome data → 201 `{record}`.
pub async fn self_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let csrf = fields.get("csrf").and_then(Value::as_str);
    let me = signed_in(&state, &headers, &Method::POST, csrf).await?;
    let slug = required(&fields, "org")?;
    let (org, participant) = mine(&state, &me.holder.id, &slug).await?;
    let record = add_self_reported(&state, org.id, &participant, &fields).await?;
    Ok((StatusCode::CREATED, Json(json!({"record": record}))).into_response())
}
