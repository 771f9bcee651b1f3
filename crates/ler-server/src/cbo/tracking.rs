//! Tracking: a participant's progress through their programs' milestones in OB 3.0
//! `ResultStatusType` terms, recorded as achievements arrive — when this service issues a
//! milestone's achievement to an enrolled participant ([`issued`]) and when one arrives in
//! their wallet ([`received`]) — and as staff enter it; dashboards per program and cohort.
//!
//! An arriving credential counts only if it verifies and its issuer is a partner the milestone
//! accepts (`ler_cbo::arrival`); a repeat of the status a credential already gave is not
//! logged again.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ler_cbo::{EventSource, ProgressEvent, ResultStatus, SharedRecord, dashboard as dashboard_of};
use ler_store::{Holder, Scope};
use ler_verify::{Options, Verifier};
use ler_wallet::Record;
use serde::Deserialize;
use serde_json::{Value, json};

use super::glue::{self, participant_of, program_of};
use super::{access, data_key, required};
use crate::body::Body;
use crate::{AppError, AppState};

/// The achievement ids a credential awards (a CLR's too).
pub(crate) fn awarded(credential: &Value) -> Vec<String> {
    fn items(v: Option<&Value>) -> Vec<&Value> {
        match v {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => vec![],
        }
    }
    let mut out = Vec::new();
    for subject in items(credential.get("credentialSubject")) {
        for a in items(subject.get("achievement")) {
            if let Some(id) = a.get("id").and_then(Value::as_str) {
                out.push(id.to_owned());
            }
        }
        for inner in items(subject.get("verifiableCredential")) {
            out.extend(awarded(inner));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// When a credential says it was earned (`awardedDate`, else `validFrom`), if before `now`.
fn earned_at(credential: &Value, now: i64) -> i64 {
    let subject = match credential.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    [
        subject.and_then(|s| s.get("awardedDate")),
        credential.get("awardedDate"),
        credential.get("validFrom"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_str)
    .find_map(|t| ler_model::datetime::parse_datetime(t).ok())
    .filter(|t| *t <= now)
    .unwrap_or(now)
}

/// Counts `record` toward the programs (`program_ids`, of organization `org_id`) the
/// participant is enrolled in; returns how many events were logged.
async fn count(
    state: &AppState,
    org_id: i64,
    participant: &str,
    program_ids: &BTreeSet<String>,
    record: &SharedRecord,
    at: i64,
) -> Result<usize, AppError> {
    let enrolled: BTreeSet<String> = state
        .store
        .participant_enrolments(org_id, participant)
        .await?
        .into_iter()
        .map(|e| e.program_id)
        .filter(|p| program_ids.contains(p))
        .collect();
    if enrolled.is_empty() {
        return Ok(0);
    }
    let history = glue::progress_events(
        state
            .store
            .participant_progress(org_id, participant)
            .await?,
    )?;
    let mut rows = Vec::new();
    for id in &enrolled {
        let Some(program) = glue::load_program(state, org_id, id).await? else {
            continue;
        };
        let arrival = ler_cbo::arrival(&program, participant, record, at);
        for reason in &arrival.not_counted {
            tracing::info!(program = %id, participant, reason = %reason, "an arriving record does not count");
        }
        for e in arrival.events {
            let latest = history
                .iter()
                .filter(|h| h.program == e.program && h.achievement_id == e.achievement_id)
                .max_by_key(|h| h.at);
            let repeat = latest.is_some_and(|h| {
                h.status == e.status && matches!(h.source, EventSource::Credential { .. })
            });
            if !repeat {
                rows.push(glue::progress_row(&e));
            }
        }
    }
    if !rows.is_empty() {
        state.store.add_progress(org_id, &rows).await?;
    }
    Ok(rows.len())
}

/// The programs (by organization) with a milestone among these achievements.
async fn milestone_programs(
    state: &AppState,
    achievements: &[String],
) -> Result<Vec<(i64, BTreeSet<String>)>, AppError> {
    let mut by_org: Vec<(i64, BTreeSet<String>)> = Vec::new();
    for a in achievements {
        for (org, program) in state.store.milestone_programs(a).await? {
            match by_org.iter_mut().find(|(o, _)| *o == org) {
                Some((_, set)) => {
                    set.insert(program);
                }
                None => by_org.push((org, BTreeSet::from([program]))),
            }
        }
    }
    Ok(by_org)
}

/// After this service issued `credential` to `recipient` (the issued-to text: a DID, an email,
/// a name, separated by spaces): when it awards a program milestone and the recipient's
/// wallet is an enrolled participant of that program's organization, logs their progress.
/// Never fails the issuance: a problem is logged.
pub(crate) async fn issued(state: &AppState, credential: &Value, recipient: Option<&str>) {
    if let Err(e) = issued_inner(state, credential, recipient).await {
        tracing::error!(error = %e, "progress from an issued credential was not recorded");
    }
}

async fn issued_inner(
    state: &AppState,
    credential: &Value,
    recipient: Option<&str>,
) -> Result<(), AppError> {
    let achievements = awarded(credential);
    if achievements.is_empty() {
        return Ok(());
    }
    let programs = milestone_programs(state, &achievements).await?;
    if programs.is_empty() {
        return Ok(());
    }
    // The recipient's wallet, by DID or email.
    let subject_id = credential
        .get("credentialSubject")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str);
    let mut holders: Vec<Holder> = Vec::new();
    for token in recipient.unwrap_or("").split_whitespace().chain(subject_id) {
        let found = if token.contains('@') && !token.contains(':') {
            state.store.holder_by_email(&token.to_lowercase()).await?
        } else if token.starts_with("did:") {
            state.store.holder_by_did(token).await?
        } else {
            None
        };
        if let Some(h) = found
            && !holders.iter().any(|x| x.id == h.id)
        {
            holders.push(h);
        }
    }
    let mut report: Option<SharedRecord> = None;
    for holder in &holders {
        for (org_id, participant) in state.store.holder_participants(&holder.id).await? {
            let Some((_, ids)) = programs.iter().find(|(o, _)| *o == org_id) else {
                continue;
            };
            // Verified once, only when someone is to be counted.
            let record = match &report {
                Some(r) => r.clone(),
                None => {
                    let r = verified(state, credential).await?;
                    report = Some(r.clone());
                    r
                }
            };
            let at = earned_at(credential, state.now());
            let n = count(state, org_id, &participant.id, ids, &record, at).await?;
            if n > 0 {
                tracing::info!(org_id, participant = %participant.id, events = n, "progress from an issued credential");
            }
        }
    }
    Ok(())
}

/// A credential this service issued, verified now.
async fn verified(state: &AppState, credential: &Value) -> Result<SharedRecord, AppError> {
    let now = state.now();
    let documents = state.documents;
    let status_cache = state.status_cache.clone();
    let doc = credential.clone();
    let report = state
        .blocking(move |fetcher| {
            Verifier::new(Options {
                documents,
                fetcher,
                trust: None,
                now,
                recipient: None,
                challenge: None,
                domain: None,
                status_cache: Some(&status_cache),
            })
            .verify_value(&doc)
            .to_json()
        })
        .await?;
    Ok(SharedRecord {
        record_id: credential
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("issued credential")
            .to_owned(),
        credential: credential.clone(),
        report,
        verified_at: now,
    })
}

/// After `record` arrived in `holder`'s wallet (verified on receipt): when it awards a program
/// milestone and the holder is an enrolled participant of that program's organization, logs
/// their progress. Never fails the receipt: a problem is logged.
pub(crate) async fn received(state: &AppState, holder: &Holder, record: &Record) {
    if let Err(e) = received_inner(state, holder, record).await {
        tracing::error!(error = %e, "progress from a received record was not recorded");
    }
}

async fn received_inner(
    state: &AppState,
    holder: &Holder,
    record: &Record,
) -> Result<(), AppError> {
    let participants = state.store.holder_participants(&holder.id).await?;
    if participants.is_empty() {
        return Ok(());
    }
    let Ok(json) = record.credential_json() else {
        return Ok(());
    };
    let programs = milestone_programs(state, &awarded(&json)).await?;
    let shared = SharedRecord {
        record_id: record.id.clone(),
        credential: record.credential.clone(),
        report: record.report.clone(),
        verified_at: record.received_at,
    };
    let at = earned_at(&json, state.now());
    for (org_id, participant) in participants {
        if let Some((_, ids)) = programs.iter().find(|(o, _)| *o == org_id) {
            count(state, org_id, &participant.id, ids, &shared, at).await?;
        }
    }
    Ok(())
}

/// Query of a dashboard.
#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    cohort: Option<String>,
}

/// A program's (or one cohort's) dashboard with each participant's progress.
pub(crate) async fn dashboard_json(
    state: &AppState,
    org_id: i64,
    id: &str,
    cohort: Option<&str>,
) -> Result<Value, AppError> {
    let program = program_of(state, org_id, id).await?;
    let events = glue::progress_events(state.store.program_progress(org_id, id).await?)?;
    let board = dashboard_of(&program, cohort, &events).map_err(|e| match e {
        ler_cbo::CboError::Invalid { .. } => AppError::NotFound(e.to_string()),
        other => other.into(),
    })?;
    let key = data_key(state, org_id).await?;
    let mut people = Vec::new();
    for c in program
        .cohorts
        .iter()
        .filter(|c| cohort.is_none_or(|x| x == c.id))
    {
        for p in &c.participants {
            people.push(json!({
                "participant": p,
                "name": glue::participant_name(state, &key, org_id, p).await?,
                "cohort": c.id,
                "progress": ler_cbo::progress(&program, p, &events),
            }));
        }
    }
    Ok(json!({
        "programName": program.name,
        "dashboard": board,
        "participants": people,
    }))
}

/// `GET /orgs/<slug>/cbo/programs/<id>/dashboard[?cohort=…]`: per milestone, how many
/// participants are at each status, and each participant's progress.
pub async fn dashboard(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<DashboardQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    Ok(Json(dashboard_json(&state, a.org.id, &id, q.cohort.as_deref()).await?).into_response())
}

/// A participant's progress in each program they are enrolled in.
pub(crate) async fn progress_of(
    state: &AppState,
    org_id: i64,
    participant: &str,
) -> Result<Vec<Value>, AppError> {
    let events = glue::progress_events(
        state
            .store
            .participant_progress(org_id, participant)
            .await?,
    )?;
    let mut out = Vec::new();
    for e in state
        .store
        .participant_enrolments(org_id, participant)
        .await?
    {
        if let Some(program) = glue::load_program(state, org_id, &e.program_id).await? {
            out.push(json!({
                "program": program.id,
                "programName": program.name,
                "cohort": e.cohort_id,
                "progress": ler_cbo::progress(&program, participant, &events),
            }));
        }
    }
    Ok(out)
}

/// `GET /orgs/<slug>/cbo/participants/<id>/progress`: their progress in each program.
pub async fn participant_progress(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let key = data_key(&state, a.org.id).await?;
    participant_of(&state, &key, a.org.id, &id).await?;
    Ok(Json(json!({"programs": progress_of(&state, a.org.id, &id).await?})).into_response())
}

/// `POST /orgs/<slug>/cbo/participants/<id>/progress`: `{program, achievementId, status}` — a
/// staff entry (an OB 3.0 `ResultStatusType` term; not backed by a credential, so counted as
/// unverified in reports) → 201 with their progress in that program.
pub async fn staff_entry(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let fields = body.fields()?;
    let program_id = required(&fields, "program")?;
    let achievement = required(&fields, "achievementId")?;
    let status_text = required(&fields, "status")?;
    let status = ResultStatus::parse(&status_text).ok_or_else(|| {
        AppError::invalid(
            "invalid status",
            format!("{status_text:?} is not an OB 3.0 ResultStatusType (Completed, Enrolled, Failed, InProgress, OnHold, Provisional, Withdrew)"),
        )
    })?;
    let program = program_of(&state, a.org.id, &program_id).await?;
    if program.milestone(&achievement).is_none() {
        return Err(AppError::invalid(
            "unknown milestone",
            format!("{achievement} is not a milestone of {program_id}"),
        ));
    }
    if program.cohort_of(&id).is_none() {
        return Err(AppError::Conflict(format!(
            "{id} is not enrolled in {program_id}"
        )));
    }
    let event = ProgressEvent {
        participant: id.clone(),
        program: program_id.clone(),
        achievement_id: achievement,
        status,
        source: EventSource::Staff { by: a.by.clone() },
        at: state.now(),
    };
    state
        .store
        .add_progress(a.org.id, &[glue::progress_row(&event)])
        .await?;
    let events = glue::progress_events(state.store.participant_progress(a.org.id, &id).await?)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"progress": ler_cbo::progress(&program, &id, &events)})),
    )
        .into_response())
}
