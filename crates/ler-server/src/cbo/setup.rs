//! Setting up programs: skill frameworks (`POST …/cbo/frameworks`: an RSD collection or RSDs,
//! a CASE CFPackage, CSV, or ler's JSON), occupations (`POST …/cbo/occupations`: O*NET's
//! `Skills.txt`, JSON or CSV), programs with their milestones, target occupations and cohorts,
//! and enrolment in a cohort.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ler_cbo::{Cohort, Date, Framework, Program};
use ler_store::{CohortRow, EnrolmentRow, OccupationRow, Scope};
use serde::Deserialize;
use serde_json::{Value, json};

use super::glue::{self, program_of, program_row};
use super::{access, required};
use crate::body::Body;
use crate::{AppError, AppState};

/// Query of an import: the format (else guessed from the content), and for CSV and lists of
/// RSDs the framework's id and name.
#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    format: Option<String>,
    id: Option<String>,
    name: Option<String>,
    /// O*NET: the least importance kept (default 3.0, "important").
    #[serde(rename = "minImportance")]
    min_importance: Option<f64>,
}

fn utf8(bytes: &[u8]) -> Result<&str, AppError> {
    std::str::from_utf8(bytes)
        .map(|t| t.trim_start_matches('\u{feff}'))
        .map_err(|_| AppError::invalid("invalid file", "the file is not UTF-8 text"))
}

fn is_json(headers: &HeaderMap, bytes: &[u8]) -> bool {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    declared
        || bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'[')
}

fn json_of(bytes: &[u8]) -> Result<Value, AppError> {
    serde_json::from_slice(bytes)
        .map_err(|e| AppError::invalid("invalid file", format!("the file is not JSON: {e}")))
}

/// The framework a file holds.
fn read_framework(
    q: &ImportQuery,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Framework, AppError> {
    let named = || -> Result<(&str, &str), AppError> {
        match (q.id.as_deref(), q.name.as_deref()) {
            (Some(id), Some(name)) if !id.trim().is_empty() && !name.trim().is_empty() => {
                Ok((id.trim(), name.trim()))
            }
            _ => Err(AppError::BadRequest(
                "give the framework's id (a URL) and name: ?id=…&name=…".into(),
            )),
        }
    };
    let format = match q.format.as_deref() {
        Some(f) => f.to_ascii_lowercase(),
        None if is_json(headers, bytes) => {
            let doc = json_of(bytes)?;
            if doc.get("CFDocument").is_some() {
                "case".into()
            } else if doc.get("type").and_then(Value::as_str) == Some("RichSkillCollection") {
                "rsd".into()
            } else if doc.get("source").is_some() && doc.get("skills").is_some() {
                "json".into()
            } else {
                "rsd".into()
            }
        }
        None => "csv".into(),
    };
    Ok(match format.as_str() {
        "csv" => {
            let (id, name) = named()?;
            Framework::from_csv(id, name, utf8(bytes)?)?
        }
        "case" => Framework::from_case(&json_of(bytes)?)?,
        "json" => Framework::from_json(&json_of(bytes)?)?,
        "rsd" => {
            let doc = json_of(bytes)?;
            if doc.get("type").and_then(Value::as_str) == Some("RichSkillCollection") {
                Framework::from_rsd_collection(&doc)?
            } else {
                let (id, name) = named()?;
                Framework::from_rsd_skills(id, name, &doc)?
            }
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "format must be rsd, case, csv or json, not {other:?}"
            )));
        }
    })
}

fn framework_json(f: &Framework) -> Value {
    json!({
        "id": f.id,
        "name": f.name,
        "creator": f.creator,
        "source": f.source,
        "skills": f.skills.len(),
    })
}

/// `GET /orgs/<slug>/cbo/frameworks`: the imported frameworks (with how many skills each).
pub async fn frameworks(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let list: Vec<Value> = glue::frameworks(&state, a.org.id)
        .await?
        .iter()
        .map(framework_json)
        .collect();
    Ok(Json(json!({"frameworks": list})).into_response())
}

/// `POST /orgs/<slug>/cbo/frameworks[?format=rsd|case|csv|json&id=…&name=…]`: imports a
/// framework (replacing one with the same id) → 201 with what was imported.
pub async fn import_framework(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let framework = read_framework(&q, &headers, &bytes)?;
    let (row, skills) = glue::framework_rows(&framework, state.now());
    state.store.put_framework(a.org.id, &row, &skills).await?;
    tracing::info!(org = %a.org.slug, framework = %framework.id, skills = framework.skills.len(), "skills framework imported");
    Ok((StatusCode::CREATED, Json(framework_json(&framework))).into_response())
}

/// `GET /orgs/<slug>/cbo/skills`: every imported skill, framework by framework.
pub async fn skills(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let skills: Vec<Value> = glue::frameworks(&state, a.org.id)
        .await?
        .into_iter()
        .flat_map(|f| f.skills)
        .map(|s| json!(s))
        .collect();
    Ok(Json(json!({"skills": skills})).into_response())
}

/// `GET /orgs/<slug>/cbo/occupations`: the imported occupations with their skills.
pub async fn occupations(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let list: Vec<Value> = state
        .store
        .occupations(a.org.id)
        .await?
        .into_iter()
        .map(|o| o.json)
        .collect();
    Ok(Json(json!({"occupations": list})).into_response())
}

/// `POST /orgs/<slug>/cbo/occupations[?format=onet|json|csv]`: imports occupations (each
/// replacing one with the same code) → 201 with their codes.
pub async fn import_occupations(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let format = match q.format.as_deref() {
        Some(f) => f.to_ascii_lowercase(),
        None if is_json(&headers, &bytes) => "json".into(),
        None if utf8(&bytes)?
            .lines()
            .next()
            .is_some_and(|l| l.contains('\t')) =>
        {
            "onet".into()
        }
        None => "csv".into(),
    };
    let list = match format.as_str() {
        "onet" => {
            ler_cbo::occupations_from_onet(utf8(&bytes)?, None, q.min_importance.unwrap_or(3.0))?
        }
        "json" => ler_cbo::occupations_from_json(&json_of(&bytes)?)?,
        "csv" => ler_cbo::occupations_from_csv(utf8(&bytes)?)?,
        other => {
            return Err(AppError::BadRequest(format!(
                "format must be onet, json or csv, not {other:?}"
            )));
        }
    };
    let now = state.now();
    for o in &list {
        state
            .store
            .put_occupation(
                a.org.id,
                &OccupationRow {
                    code: o.code.to_string(),
                    title: o.title.clone(),
                    json: json!(o),
                    updated_at: now,
                },
            )
            .await?;
    }
    let codes: Vec<String> = list.iter().map(|o| o.code.to_string()).collect();
    tracing::info!(org = %a.org.slug, occupations = codes.len(), "occupations imported");
    Ok((StatusCode::CREATED, Json(json!({"imported": codes}))).into_response())
}

/// `GET /orgs/<slug>/cbo/programs`: every program with its cohorts and their participants.
pub async fn programs(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let mut out = Vec::new();
    for row in state.store.programs(a.org.id).await? {
        if let Some(p) = glue::load_program(&state, a.org.id, &row.id).await? {
            out.push(p);
        }
    }
    Ok(Json(json!({"programs": out})).into_response())
}

/// `GET /orgs/<slug>/cbo/programs/<id>`.
pub async fn program(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    Ok(Json(program_of(&state, a.org.id, &id).await?).into_response())
}

/// A program from a request body (its cohorts' participants are ignored: enrolment has its
/// own route).
fn program_from(body: Value) -> Result<Program, AppError> {
    let mut p: Program = serde_json::from_value(body)
        .map_err(|e| AppError::invalid("invalid program", e.to_string()))?;
    for c in &mut p.cohorts {
        c.participants.clear();
    }
    p.check()?;
    Ok(p)
}

/// Stores a program and upserts its cohorts.
async fn save(state: &AppState, org_id: i64, p: &Program) -> Result<bool, AppError> {
    let created = state
        .store
        .put_program(org_id, &program_row(p, state.now()))
        .await?;
    for c in &p.cohorts {
        state
            .store
            .put_cohort(org_id, &cohort_row(&p.id, c))
            .await?;
    }
    Ok(created)
}

fn cohort_row(program: &str, c: &Cohort) -> CohortRow {
    CohortRow {
        program_id: program.to_owned(),
        id: c.id.clone(),
        name: c.name.clone(),
        start_date: c.start.to_string(),
        end_date: c.end.to_string(),
    }
}

/// `POST /orgs/<slug>/cbo/programs`: a new program (`Program` JSON: id, name, description,
/// requiredSkills, milestones with their partner issuers, targetOccupations, cohorts) → 201.
pub async fn create_program(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let p = program_from(body.json()?)?;
    if state.store.program(a.org.id, &p.id).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "program {} already exists; PUT /orgs/{slug}/cbo/programs/{} changes it",
            p.id, p.id
        )));
    }
    save(&state, a.org.id, &p).await?;
    tracing::info!(org = %a.org.slug, program = %p.id, "program created");
    let p = program_of(&state, a.org.id, &p.id).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// `PUT /orgs/<slug>/cbo/programs/<id>`: creates or replaces a program (its cohorts are
/// upserted; enrolments stay) → 201 when created, else 200.
pub async fn put_program(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::PUT, Scope::Cbo).await?;
    let mut doc = body.json()?;
    if let Value::Object(o) = &mut doc {
        match o.get("id") {
            None => {
                o.insert("id".into(), id.clone().into());
            }
            Some(Value::String(given)) if *given == id => {}
            Some(_) => {
                return Err(AppError::invalid(
                    "invalid program",
                    format!("the body's id is not {id}"),
                ));
            }
        }
    }
    let p = program_from(doc)?;
    let created = save(&state, a.org.id, &p).await?;
    let p = program_of(&state, a.org.id, &p.id).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(p)).into_response())
}

/// `PUT /orgs/<slug>/cbo/programs/<id>/cohorts/<cohort>`: `{name, start, end}` (dates
/// `YYYY-MM-DD`) → the program.
pub async fn put_cohort(
    State(state): State<AppState>,
    Path((slug, id, cohort)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::PUT, Scope::Cbo).await?;
    let fields = body.fields()?;
    let mut p = program_of(&state, a.org.id, &id).await?;
    let date =
        |name: &str| -> Result<Date, AppError> { Ok(Date::parse(&required(&fields, name)?)?) };
    let c = Cohort {
        id: cohort.clone(),
        name: required(&fields, "name")?,
        start: date("start")?,
        end: date("end")?,
        participants: p
            .cohort(&cohort)
            .map(|c| c.participants.clone())
            .unwrap_or_default(),
    };
    p.cohorts.retain(|x| x.id != cohort);
    p.cohorts.push(c.clone());
    p.check()?;
    state
        .store
        .put_cohort(a.org.id, &cohort_row(&id, &c))
        .await?;
    Ok(Json(program_of(&state, a.org.id, &id).await?).into_response())
}

/// `POST /orgs/<slug>/cbo/programs/<id>/cohorts/<cohort>/participants`: `{participantId}`
/// enrols a participant → 201 with the program; 409 when they are in a cohort of it already.
pub async fn enrol(
    State(state): State<AppState>,
    Path((slug, id, cohort)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let participant = required(&body.fields()?, "participantId")?;
    let p = program_of(&state, a.org.id, &id).await?;
    if p.cohort(&cohort).is_none() {
        return Err(AppError::NotFound(format!("cohort {cohort} not found")));
    }
    if state
        .store
        .participant(a.org.id, &participant)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound(format!(
            "participant {participant} not found"
        )));
    }
    if let Some(other) = p.cohort_of(&participant) {
        return Err(AppError::Conflict(format!(
            "{participant} is in cohort {} of this program already",
            other.id
        )));
    }
    state
        .store
        .enrol(
            a.org.id,
            &EnrolmentRow {
                program_id: id.clone(),
                cohort_id: cohort,
                participant_id: participant,
                enrolled_at: state.now(),
            },
        )
        .await?;
    let p = program_of(&state, a.org.id, &id).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// `DELETE /orgs/<slug>/cbo/programs/<id>/participants/<participant>`: takes a participant
/// out of the program's cohort → 204.
pub async fn unenrol(
    State(state): State<AppState>,
    Path((slug, id, participant)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::DELETE, Scope::Cbo).await?;
    if state.store.unenrol(a.org.id, &id, &participant).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AppError::NotFound(format!(
            "{participant} is not in program {id}"
        )))
    }
}
