//! Participants: listed and added, **intake** from a consent grant naming the organization
//! (`POST …/cbo/intake {grantId}`: every record read through `Store::authorize_access`,
//! verified now, and turned into a profile whose every field names the record it came from,
//! when that record was verified and how), staff corrections and notes kept beside the
//! profile, and the skill-gap plan against a program or an occupation.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ler_cbo::{
    Change, Correction, FieldPath, Participant, Profile, SharedRecord, SocCode, holdings,
    occupation_gap, program_gap,
};
use ler_store::{CorrectionRow, ParticipantRow, ProfileRow, Scope};
use serde::Deserialize;
use serde_json::{Value, json};

use super::glue::{self, Loaded, participant_of, program_of};
use super::{access, data_key, required, text};
use crate::body::Body;
use crate::{AppError, AppState};

/// A participant as the API shows it.
pub(crate) fn participant_json(l: &Loaded) -> Value {
    json!({
        "id": l.card.id,
        "name": l.card.name,
        "email": l.card.email,
        "did": l.card.did,
        "wallet": l.row.holder_id.is_some(),
        "created": crate::ids::format_datetime(l.row.created_at),
    })
}

/// `GET /orgs/<slug>/cbo/participants`: every participant, with their enrolments and whether
/// intake filled a profile.
pub async fn list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let key = data_key(&state, a.org.id).await?;
    let mut out = Vec::new();
    for row in state.store.participants(a.org.id).await? {
        let l = glue::open_participant(&key, a.org.id, row)?;
        let mut j = participant_json(&l);
        let enrolments: Vec<Value> = state
            .store
            .participant_enrolments(a.org.id, &l.card.id)
            .await?
            .into_iter()
            .map(|e| json!({"program": e.program_id, "cohort": e.cohort_id}))
            .collect();
        j["enrolments"] = json!(enrolments);
        j["profile"] = json!(state.store.profile(a.org.id, &l.card.id).await?.is_some());
        out.push(j);
    }
    Ok(Json(json!({"participants": out})).into_response())
}

/// `POST /orgs/<slug>/cbo/participants`: `{id?, name, email?}` adds a participant who came
/// without a wallet (their records can still be taken in later) → 201.
pub async fn create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let fields = body.fields()?;
    let card = Participant {
        id: match text(&fields, "id")? {
            Some(id) => id,
            None => ler_wallet::new_id("p")?,
        },
        name: required(&fields, "name")?,
        email: text(&fields, "email")?,
        did: None,
    };
    card.check()?;
    let key = data_key(&state, a.org.id).await?;
    let row = ParticipantRow {
        id: card.id.clone(),
        holder_id: None,
        sealed: ler_cbo::seal_participant(&key, a.org.id, &card),
        created_at: state.now(),
    };
    state.store.add_participant(a.org.id, &row).await?;
    let l = Loaded { row, card };
    Ok((StatusCode::CREATED, Json(participant_json(&l))).into_response())
}

/// The name a participant's records give them: a subject's `name`, or an unhashed
/// `IdentityObject` of type `name`.
fn name_in(records: &[SharedRecord]) -> Option<String> {
    records
        .iter()
        .find_map(|r| {
            let subjects = match r.credential.get("credentialSubject")? {
                Value::Array(a) => a.clone(),
                one => vec![one.clone()],
            };
            subjects.iter().find_map(|s| {
                s.get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| {
                        s.get("identifier")?.as_array()?.iter().find_map(|i| {
                            (i.get("identityType")?.as_str()? == "name"
                                && i.get("hashed").and_then(Value::as_bool) != Some(true))
                            .then(|| i.get("identityHash")?.as_str().map(str::to_owned))
                            .flatten()
                        })
                    })
            })
        })
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && n.chars().count() <= 200)
}

/// A participant's profile as the API shows it: the effective profile (corrections laid
/// over what the records say, every field with its sources) and the records it came from.
fn profile_json(profile: &Profile) -> Value {
    json!(profile.effective())
}

/// `POST /orgs/<slug>/cbo/intake`: `{grantId, name?}` — reads what the grant gives this
/// organization now (a read the holder sees in their access log), verifies each record, and
/// fills the participant's profile (a new participant, or the one this wallet already is) →
/// 201 `{participant, profile, records}`.
pub async fn intake(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let fields = body.fields()?;
    let grant_id = required(&fields, "grantId")?;
    let disclosed = crate::wallet::disclose::read_org_grant(&state, &a.org, &grant_id).await?;
    let shared: Vec<SharedRecord> = disclosed
        .grant
        .records
        .iter()
        .zip(&disclosed.shown)
        .map(|(granted, (credential, _, report))| SharedRecord {
            record_id: granted.record_id.clone(),
            credential: credential.clone(),
            report: report.clone(),
            verified_at: disclosed.verified_at,
        })
        .collect();
    let key = data_key(&state, a.org.id).await?;
    let now = state.now();
    let existing = state
        .store
        .holder_participants(&disclosed.holder.id)
        .await?
        .into_iter()
        .find(|(org, _)| *org == a.org.id);
    let loaded = match existing {
        Some((_, row)) => {
            let mut l = glue::open_participant(&key, a.org.id, row)?;
            if let Some(name) = text(&fields, "name")? {
                l.card.name = name;
                l.card.check()?;
                let sealed = ler_cbo::seal_participant(&key, a.org.id, &l.card);
                state
                    .store
                    .set_participant_sealed(a.org.id, &l.card.id, &sealed)
                    .await?;
            }
            l
        }
        None => {
            let id = ler_wallet::new_id("p")?;
            let name = match text(&fields, "name")? {
                Some(n) => n,
                None => name_in(&shared).unwrap_or_else(|| format!("Participant {id}")),
            };
            let card = Participant {
                id: id.clone(),
                name,
                email: None,
                did: Some(disclosed.grant.holder.clone()),
            };
            card.check()?;
            let row = ParticipantRow {
                id,
                holder_id: Some(disclosed.holder.id.clone()),
                sealed: ler_cbo::seal_participant(&key, a.org.id, &card),
                created_at: now,
            };
            state.store.add_participant(a.org.id, &row).await?;
            Loaded { row, card }
        }
    };
    let id = loaded.card.id.clone();
    let profile = ler_cbo::intake(&id, &shared);
    state
        .store
        .put_profile(
            a.org.id,
            &ProfileRow {
                participant_id: id.clone(),
                sealed: ler_cbo::seal_profile(&key, a.org.id, &profile),
                updated_at: now,
            },
        )
        .await?;
    state
        .store
        .set_participant_records(
            a.org.id,
            &id,
            &ler_cbo::seal_records(&key, a.org.id, &id, &shared),
        )
        .await?;
    tracing::info!(org = %a.org.slug, participant = %id, records = shared.len(), "intake from a grant");
    // Corrections made before (a new intake keeps them).
    let profile = glue::profile(&state, &key, a.org.id, &id)
        .await?
        .unwrap_or(profile);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "participant": participant_json(&loaded),
            "grantId": grant_id,
            "profile": profile_json(&profile),
        })),
    )
        .into_response())
}

/// `GET /orgs/<slug>/cbo/participants/<id>`: who they are, their enrolments, and their
/// profile (`null` before an intake) with each field's provenance and corrections.
pub async fn detail(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let key = data_key(&state, a.org.id).await?;
    let l = participant_of(&state, &key, a.org.id, &id).await?;
    let enrolments: Vec<Value> = state
        .store
        .participant_enrolments(a.org.id, &id)
        .await?
        .into_iter()
        .map(|e| json!({"program": e.program_id, "cohort": e.cohort_id, "enrolled": crate::ids::format_datetime(e.enrolled_at)}))
        .collect();
    let profile = glue::profile(&state, &key, a.org.id, &id).await?;
    Ok(Json(json!({
        "participant": participant_json(&l),
        "enrolments": enrolments,
        "profile": profile.as_ref().map(profile_json),
    }))
    .into_response())
}

/// `POST /orgs/<slug>/cbo/participants/<id>/corrections`: `{path: "/section/key/field",
/// value}` replaces a field's value, `{path, note}` annotates it; the records never change →
/// 201 with the profile as it now stands.
pub async fn correct(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let fields = body.fields()?;
    let path = FieldPath::parse(&required(&fields, "path")?)?;
    let change = match (fields.get("value"), text(&fields, "note")?) {
        (Some(v), None) if !v.is_null() => Change::Value(v.clone()),
        (None | Some(Value::Null), Some(note)) => {
            if note.chars().count() > 2000 {
                return Err(AppError::invalid(
                    "invalid note",
                    "a note has at most 2000 characters",
                ));
            }
            Change::Note(note)
        }
        _ => {
            return Err(AppError::BadRequest(
                "give either value (a correction) or note (an annotation)".into(),
            ));
        }
    };
    let key = data_key(&state, a.org.id).await?;
    participant_of(&state, &key, a.org.id, &id).await?;
    let correction = Correction {
        path,
        change,
        by: a.by.clone(),
        at: state.now(),
    };
    state
        .store
        .add_correction(
            a.org.id,
            &CorrectionRow {
                seq: 0,
                participant_id: id.clone(),
                sealed: ler_cbo::seal_correction(&key, a.org.id, &id, &correction),
                by: correction.by.clone(),
                at: correction.at,
            },
        )
        .await?;
    let profile = glue::profile(&state, &key, a.org.id, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"profile": profile.as_ref().map(profile_json)})),
    )
        .into_response())
}

/// Query of the plan: a program or an occupation (an O*NET-SOC code).
#[derive(Debug, Deserialize)]
pub struct PlanQuery {
    program: Option<String>,
    occupation: Option<String>,
}

/// The gap report (and for a program, the plan) of a participant.
pub(crate) async fn plan_json(
    state: &AppState,
    org_id: i64,
    id: &str,
    q: &PlanQuery,
) -> Result<(Value, Option<ler_cbo::Plan>), AppError> {
    let key = data_key(state, org_id).await?;
    participant_of(state, &key, org_id, id).await?;
    let records = glue::shared_records(state, &key, org_id, id).await?;
    let catalog = glue::catalog(state, org_id).await?;
    let held = holdings(&records, &catalog);
    match (q.program.as_deref(), q.occupation.as_deref()) {
        (Some(program), None) => {
            let program = program_of(state, org_id, program).await?;
            let (gap, plan) = program_gap(id, &held, &program, &catalog);
            Ok((json!({"gap": gap, "plan": plan}), Some(plan)))
        }
        (None, Some(code)) => {
            let code = SocCode::parse(code)?;
            let row = state
                .store
                .occupations(org_id)
                .await?
                .into_iter()
                .find(|o| o.code == code.as_str())
                .ok_or_else(|| AppError::NotFound(format!("occupation {code} not found")))?;
            let occupation: ler_cbo::Occupation = serde_json::from_value(row.json)
                .map_err(|e| AppError::Internal(format!("a stored occupation: {e}")))?;
            let gap = occupation_gap(id, &held, &occupation, &catalog);
            Ok((json!({"gap": gap}), None))
        }
        _ => Err(AppError::BadRequest(
            "give either ?program=<id> or ?occupation=<O*NET-SOC code>".into(),
        )),
    }
}

/// `GET /orgs/<slug>/cbo/participants/<id>/plan?program=…|occupation=…`: the participant's
/// skills (from their verified records' alignments, with issuer and date) compared skill by
/// skill → `{gap, plan?}`; for a program, the plan says which milestones can be waived and
/// which remain, and why.
pub async fn plan(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<PlanQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let (body, _) = plan_json(&state, a.org.id, &id, &q).await?;
    Ok(Json(body).into_response())
}

/// `POST /orgs/<slug>/cbo/participants/<id>/plan?program=…`: applies the plan — each waived
/// milestone recorded as completed by waiver — for a participant enrolled in the program →
/// 201 `{plan, recorded}`.
pub async fn apply_plan(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<PlanQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let Some(program) = q.program.clone() else {
        return Err(AppError::BadRequest("give ?program=<id>".into()));
    };
    let (_, plan) = plan_json(&state, a.org.id, &id, &q).await?;
    let plan = plan.ok_or_else(|| AppError::BadRequest("give ?program=<id>".into()))?;
    let enrolled = state
        .store
        .participant_enrolments(a.org.id, &id)
        .await?
        .iter()
        .any(|e| e.program_id == program);
    if !enrolled {
        return Err(AppError::Conflict(format!(
            "{id} is not enrolled in {program}: enrol them first"
        )));
    }
    let events = ler_cbo::waivers(&plan, &a.by, state.now());
    let rows: Vec<_> = events.iter().map(glue::progress_row).collect();
    if !rows.is_empty() {
        state.store.add_progress(a.org.id, &rows).await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"plan": plan, "recorded": rows.len()})),
    )
        .into_response())
}
