//! Outcomes: outcome records (an employer's employment record shared through a grant, or
//! self-reported and labelled unverified), kept only for participants who consent, and the
//! WIOA reports per program or cohort, which funders read as aggregates only.
//!
//! A report is released the one safe way: read the program's release log (noting its last
//! `seq`), compute the report against it (`ler_cbo::release_report` suppresses small cells and
//! differencing), append the figures it releases only if the log has not moved since
//! (`Store::append_releases`), and on a conflict read and decide again. Only then is the
//! report handed out.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ler_cbo::{
    Date, FunderView, OutcomeInputs, OutcomeRecord, OutcomeReport, OutcomeSource, Pay, Policy,
    Program, ReleaseLog, Scope as ReportScope, SharedRecord, consented, release_report,
};
use ler_store::{OutcomeRow, Scope, StoreError};
use ler_wallet::RecordKind;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::glue::{self, participant_of, program_of};
use super::{access, data_key, required, text};
use crate::body::Body;
use crate::{AppError, AppState};

/// How reports are released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The fewest people a released figure may rest on.
    pub min_cell: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_cell: ler_cbo::DEFAULT_K,
        }
    }
}

/// How many times a release is decided again when other releases commit meanwhile.
const RELEASE_ATTEMPTS: usize = 8;

/// Whether a participant's latest outcome consent is a grant in some program of the
/// organization.
async fn consents_anywhere(
    state: &AppState,
    org_id: i64,
    participant: &str,
) -> Result<bool, AppError> {
    for e in state
        .store
        .participant_enrolments(org_id, participant)
        .await?
    {
        let consents: Vec<_> = state
            .store
            .outcome_consents(org_id, &e.program_id)
            .await?
            .into_iter()
            .map(glue::consent)
            .collect();
        if consented(&consents, &e.program_id, participant) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A self-reported job from a request: `{employer?, start, end?, hoursPerWeek?, pay?: {amount,
/// currency?, period?}}` (dates `YYYY-MM-DD`; pay in USD per hour unless said).
pub(crate) fn self_reported(
    fields: &Map<String, Value>,
    participant: &str,
    now: i64,
) -> Result<OutcomeRecord, AppError> {
    let date = |name: &str| -> Result<Option<Date>, AppError> {
        text(fields, name)?
            .map(|t| Date::parse(&t).map_err(AppError::from))
            .transpose()
    };
    let number = |v: Option<&Value>, name: &str| -> Result<Option<f64>, AppError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| {
                AppError::invalid("invalid outcome", format!("{name} must be a number"))
            }),
            Some(_) => Err(AppError::BadRequest(format!("{name} must be a number"))),
        }
    };
    let pay = match fields.get("pay") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => number(p.get("amount"), "pay.amount")?.map(|amount| Pay {
            amount,
            currency: p
                .get("currency")
                .and_then(Value::as_str)
                .unwrap_or("USD")
                .to_owned(),
            period: p
                .get("period")
                .and_then(Value::as_str)
                .unwrap_or("Hour")
                .to_owned(),
        }),
        Some(_) => return Err(AppError::BadRequest("pay must be an object".into())),
    };
    let record = OutcomeRecord {
        id: ler_wallet::new_id("o")?,
        participant: participant.to_owned(),
        source: OutcomeSource::SelfReported,
        verified: false,
        employer: text(fields, "employer")?,
        start: date("start")?
            .ok_or_else(|| AppError::BadRequest("start is required (YYYY-MM-DD)".into()))?,
        end: date("end")?,
        hours_per_week: number(fields.get("hoursPerWeek"), "hoursPerWeek")?,
        pay,
        reported_at: now,
    };
    record.check()?;
    Ok(record)
}

/// Stores outcome records, sealed.
pub(crate) async fn store_records(
    state: &AppState,
    org_id: i64,
    records: &[OutcomeRecord],
) -> Result<(), AppError> {
    let key = data_key(state, org_id).await?;
    for r in records {
        state
            .store
            .add_outcome_record(
                org_id,
                &OutcomeRow {
                    id: r.id.clone(),
                    participant_id: r.participant.clone(),
                    sealed: ler_cbo::seal_outcome(&key, org_id, r),
                    verified: r.verified,
                    received_at: r.reported_at,
                },
            )
            .await?;
    }
    Ok(())
}

/// Adds a self-reported job for a participant who consents → the record.
pub(crate) async fn add_self_reported(
    state: &AppState,
    org_id: i64,
    participant: &str,
    fields: &Map<String, Value>,
) -> Result<OutcomeRecord, AppError> {
    if !consents_anywhere(state, org_id, participant).await? {
        return Err(not_consented(participant));
    }
    let record = self_reported(fields, participant, state.now())?;
    store_records(state, org_id, std::slice::from_ref(&record)).await?;
    Ok(record)
}

fn not_consented(participant: &str) -> AppError {
    AppError::Conflict(format!(
        "{participant} has not consented to outcome data: nothing is kept without their consent"
    ))
}

/// `GET /orgs/<slug>/cbo/participants/<id>/outcomes`: the participant's outcome records.
pub async fn records(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Cbo).await?;
    let key = data_key(&state, a.org.id).await?;
    participant_of(&state, &key, a.org.id, &id).await?;
    let records = opened_records(&state, &key, a.org.id, std::slice::from_ref(&id)).await?;
    Ok(Json(json!({
        "consented": consents_anywhere(&state, a.org.id, &id).await?,
        "records": records,
    }))
    .into_response())
}

async fn opened_records(
    state: &AppState,
    key: &ler_wallet::DataKey,
    org_id: i64,
    people: &[String],
) -> Result<Vec<OutcomeRecord>, AppError> {
    state
        .store
        .outcome_records(org_id, people)
        .await?
        .iter()
        .map(|r| ler_cbo::open_outcome(key, org_id, &r.id, &r.sealed).map_err(AppError::from))
        .collect()
}

/// `POST /orgs/<slug>/cbo/participants/<id>/outcomes`: `{grantId}` takes in the employment
/// records a grant from this participant's wallet gives (each verified now: verified when its
/// employer's signature holds), or `{selfReported: {employer?, start, end?, hoursPerWeek?,
/// pay?}}` records what the participant told (unverified) → 201 `{records, skipped}`. 409
/// unless the participant consents to outcome data for a program.
pub async fn add_record(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::POST, Scope::Cbo).await?;
    let fields = body.fields()?;
    let key = data_key(&state, a.org.id).await?;
    let participant = participant_of(&state, &key, a.org.id, &id).await?;
    if let Some(Value::Object(told)) = fields.get("selfReported") {
        let record = add_self_reported(&state, a.org.id, &id, told).await?;
        return Ok((
            StatusCode::CREATED,
            Json(json!({"records": [record], "skipped": []})),
        )
            .into_response());
    }
    let grant_id = required(&fields, "grantId")?;
    if !consents_anywhere(&state, a.org.id, &id).await? {
        return Err(not_consented(&id));
    }
    let disclosed = crate::wallet::disclose::read_org_grant(&state, &a.org, &grant_id).await?;
    if participant.row.holder_id.as_deref() != Some(disclosed.holder.id.as_str()) {
        return Err(AppError::Conflict(format!(
            "grant {grant_id} is not from {id}'s wallet"
        )));
    }
    let mut taken = Vec::new();
    let mut skipped = Vec::new();
    for (granted, (credential, _, report)) in disclosed.grant.records.iter().zip(&disclosed.shown) {
        let record_id = &granted.record_id;
        let employment = disclosed
            .records
            .iter()
            .any(|r| r.id == *record_id && r.kind == RecordKind::Employment);
        if !employment {
            skipped.push(json!({"recordId": record_id, "reason": "not an employment record"}));
            continue;
        }
        let shared = SharedRecord {
            record_id: record_id.clone(),
            credential: credential.clone(),
            report: report.clone(),
            verified_at: disclosed.verified_at,
        };
        match OutcomeRecord::from_employment_record(&ler_wallet::new_id("o")?, &id, &shared) {
            Ok(o) => taken.push(o),
            Err(e) => skipped.push(json!({"recordId": record_id, "reason": e.to_string()})),
        }
    }
    store_records(&state, a.org.id, &taken).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"records": taken, "skipped": skipped})),
    )
        .into_response())
}

/// Computes and releases a report: see the module's documentation.
pub(crate) async fn release(
    state: &AppState,
    org_id: i64,
    program: &Program,
    scope: &ReportScope,
    as_of: Date,
) -> Result<OutcomeReport, AppError> {
    let key = data_key(state, org_id).await?;
    let consents: Vec<_> = state
        .store
        .outcome_consents(org_id, &program.id)
        .await?
        .into_iter()
        .map(glue::consent)
        .collect();
    let events = glue::progress_events(state.store.program_progress(org_id, &program.id).await?)?;
    // Only consenting participants' records are read at all.
    let people: Vec<String> = program
        .participants()
        .filter(|p| consented(&consents, &program.id, p))
        .map(str::to_owned)
        .collect();
    let records = opened_records(state, &key, org_id, &people).await?;
    let policy = Policy {
        k: state.cbo.min_cell,
        ..Policy::default()
    };
    let report_id = ler_wallet::new_id("rep")?;
    for _ in 0..RELEASE_ATTEMPTS {
        let rows = state.store.releases(org_id, &program.id).await?;
        let last = rows.last().map(|r| r.seq);
        let log = ReleaseLog::new(rows.into_iter().map(glue::released).collect());
        let inputs = OutcomeInputs {
            program,
            consents: &consents,
            records: &records,
            events: &events,
            as_of,
        };
        let (report, released) =
            release_report(inputs, scope, &policy, &log, &report_id, state.now())?;
        // A figure on a population already released adds no group: the log need not grow.
        let fresh: Vec<_> = released
            .iter()
            .filter(|r| {
                !log.entries()
                    .iter()
                    .any(|e| e.measure == r.measure && e.population == r.population)
            })
            .map(glue::release_row)
            .collect();
        if fresh.is_empty() {
            return Ok(report);
        }
        match state
            .store
            .append_releases(org_id, &program.id, last, &fresh)
            .await
        {
            Ok(_) => return Ok(report),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict(
        "other reports of this program are being released; try again".into(),
    ))
}

/// `GET /orgs/<slug>/cbo/reports` (the `funder` scope, or staff): the programs there are
/// reports of, with their cohorts — names and dates, no people.
pub async fn reports(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Funder).await?;
    let mut programs = Vec::new();
    for row in state.store.programs(a.org.id).await? {
        let cohorts: Vec<Value> = state
            .store
            .cohorts(a.org.id, &row.id)
            .await?
            .into_iter()
            .map(|c| json!({"id": c.id, "name": c.name, "start": c.start_date, "end": c.end_date}))
            .collect();
        programs.push(json!({
            "id": row.id,
            "name": row.name,
            "cohorts": cohorts,
            "report": format!("/orgs/{}/cbo/reports/{}", a.org.slug, row.id),
        }));
    }
    Ok(Json(json!({"minCell": state.cbo.min_cell, "programs": programs})).into_response())
}

/// Query of a report.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    /// One cohort (else the whole program, cohort by cohort).
    pub cohort: Option<String>,
    /// The day it is as of (`YYYY-MM-DD`, not after today; else today).
    #[serde(rename = "asOf")]
    pub as_of: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// The day a report is as of.
pub(crate) fn as_of(state: &AppState, given: Option<&str>) -> Result<Date, AppError> {
    let today = Date::of_timestamp(state.now());
    match given.filter(|t| !t.trim().is_empty()) {
        None => Ok(today),
        Some(t) => {
            let d = Date::parse(t.trim())?;
            if d > today {
                return Err(AppError::invalid(
                    "invalid date",
                    format!("asOf {d} is after today ({today})"),
                ));
            }
            Ok(d)
        }
    }
}

/// `GET /orgs/<slug>/cbo/reports/<program>[?cohort=…&asOf=…&format=csv]` (the `funder`
/// scope, or staff): the outcome report, released now — the funder view (aggregates only),
/// as JSON or CSV.
pub async fn report(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let a = access(&state, &slug, &headers, &Method::GET, Scope::Funder).await?;
    let program = program_of(&state, a.org.id, &id).await?;
    let scope = match q.cohort.as_deref().filter(|c| !c.is_empty()) {
        Some(c) if program.cohort(c).is_some() => ReportScope::Cohort(c.to_owned()),
        Some(c) => return Err(AppError::NotFound(format!("cohort {c} not found"))),
        None => ReportScope::Program,
    };
    let day = as_of(&state, q.as_of.as_deref())?;
    let report = release(&state, a.org.id, &program, &scope, day).await?;
    tracing::info!(org = %a.org.slug, program = %id, report = %report.id, by = %a.by, "outcome report released");
    let view = FunderView::new(vec![report]);
    match q.format.as_deref() {
        Some("csv") => {
            let mut res = view.to_csv().into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"outcomes-{}.csv\"",
                id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
            )) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            Ok(res)
        }
        None | Some("json") => Ok(Json(view).into_response()),
        Some(other) => Err(AppError::BadRequest(format!(
            "format must be json or csv, not {other:?}"
        ))),
    }
}
