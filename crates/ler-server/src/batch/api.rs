//! `/orgs/<slug>/batch`: bulk issuance over HTTP, for learning systems and scripts.
//!
//! `POST /orgs/<slug>/batch` takes an export — the raw file (`text/csv`, or JSON for xAPI), or
//! `multipart/form-data` with a `file` part (OneRoster: `results`, `lineItems` and `users`)
//! and an optional `mapping` part — with its settings as query parameters or form fields:
//! `format` (`csv`, `xapi`, `oneroster`), `preset` (`canvas-gradebook`, `moodle-grades`,
//! `moodle-completion`, with `achievement`), `passPercent`, `claimDays` (1–90, or 0 for no
//! claim links), `deliver` (into wallets here, matched by DID; default true), `suspendable`,
//! and `preview`. A CSV without a mapping or preset uses the console's columns
//! ([`super::columns_mapping`]). The answer is 202 with the job (its `Location`), started; or
//! with `preview=true`, 200 with the job ready and not started: `POST .../start` starts it.
//! `GET /orgs/<slug>/batch/<id>` follows it: counts, then each row's result (`offset`,
//! `limit`; `format=csv` for a CSV file), with claim links — which is why it is `no-store`
//! and needs the issue scope. `GET /orgs/<slug>/batch` lists the organization's jobs.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ler_batch::BatchOptions;
use ler_connect::import::{Format, OneRosterOptions};
use ler_connect::{Mapping, Preset};
use ler_store::Scope;
use serde_json::{Value, json};
use tower_http::limit::RequestBodyLimitLayer;

use super::jobs::{Job, JobState, Outcome, lock};
use super::{Input, MAX_BATCH_BODY, columns_mapping, prepare, start};
use crate::auth::{authorize, authorized_org, org_of};
use crate::web::form::Form;
use crate::{AppError, AppState, ids};

/// The batch routes; [`crate::router`] merges them.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{slug}/batch", get(list).post(create))
        .route("/orgs/{slug}/batch/{id}", get(show))
        .route("/orgs/{slug}/batch/{id}/start", post(start_job))
        .layer(RequestBodyLimitLayer::new(MAX_BATCH_BODY))
}

const NO_STORE: (header::HeaderName, HeaderValue) =
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"));

/// Longest a claim link may last, in days.
const MAX_CLAIM_DAYS: i64 = 90;

/// The settings of an upload: form fields first, then query parameters.
pub(crate) struct Settings<'a> {
    form: Option<&'a Form>,
    query: &'a HashMap<String, String>,
}

impl Settings<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.form
            .map(|f| f.get(name))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .or_else(|| self.query.get(name).map(|v| v.trim().to_owned()))
            .filter(|v| !v.is_empty())
    }

    fn flag(&self, name: &str, default: bool) -> Result<bool, AppError> {
        match self.get(name).as_deref() {
            None => Ok(default),
            Some("true" | "1" | "yes" | "on") => Ok(true),
            Some("false" | "0" | "no" | "off") => Ok(false),
            Some(other) => Err(AppError::invalid(
                "invalid setting",
                format!("{name} is true or false, not {other:?}"),
            )),
        }
    }
}

/// The batch options an upload asks for.
pub(crate) fn options(s: &Settings<'_>) -> Result<BatchOptions, AppError> {
    let days = match s.get("claimDays") {
        None => 30,
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=MAX_CLAIM_DAYS).contains(d))
            .ok_or_else(|| {
                AppError::invalid(
                    "invalid setting",
                    format!(
                        "claimDays is a number of days from 1 to {MAX_CLAIM_DAYS}, or 0 for no claim links"
                    ),
                )
            })?,
    };
    Ok(BatchOptions {
        claim_seconds: (days > 0).then_some(days * 86_400),
        deliver: s.flag("deliver", true)?,
        suspendable: s.flag("suspendable", false)?,
        ..BatchOptions::default()
    })
}

/// Reads an upload into an [`Input`] and a label saying what it is.
pub(crate) fn input(
    s: &Settings<'_>,
    file: Option<&[u8]>,
    content_type: &str,
) -> Result<(Input, String), AppError> {
    let invalid = |detail: String| AppError::invalid("invalid batch", detail);
    let file_of = |name: &str| -> Option<Vec<u8>> {
        s.form
            .and_then(|f| f.file(name).map(|u| u.bytes.clone()))
            .or_else(|| {
                s.form
                    .map(|f| f.get(name))
                    .filter(|t| !t.is_empty())
                    .map(|t| t.as_bytes().to_vec())
            })
    };
    let format = match s.get("format") {
        Some(f) => Format::parse(&f).ok_or_else(|| {
            invalid(format!(
                "format {f:?} is not known: use csv, xapi or oneroster"
            ))
        })?,
        None if content_type.starts_with("application/json")
            || content_type.starts_with("application/x-ndjson") =>
        {
            Format::Xapi
        }
        None => Format::Csv,
    };
    let main = || -> Result<Vec<u8>, AppError> {
        let bytes = match file {
            Some(b) => b.to_vec(),
            None => file_of("file").unwrap_or_default(),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(invalid("the file is empty".into()));
        }
        Ok(bytes)
    };
    let size = |n: usize| {
        if n >= 1 << 20 {
            format!("{:.1} MB", n as f64 / (1 << 20) as f64)
        } else {
            format!("{:.0} KB", (n as f64 / 1024.0).ceil())
        }
    };
    Ok(match format {
        Format::Csv => {
            let bytes = main()?;
            let (mapping, what) = match (
                s.get("preset"),
                file_of("mapping").or_else(|| s.get("mapping").map(String::into_bytes)),
            ) {
                (_, Some(text)) => {
                    let text = String::from_utf8(text)
                        .map_err(|_| invalid("the mapping is not UTF-8 text".into()))?;
                    let m =
                        Mapping::parse(&text).map_err(|e| invalid(format!("the mapping: {e}")))?;
                    (m, "CSV with a mapping".to_owned())
                }
                (Some(p), None) => {
                    let preset = Preset::parse(&p).ok_or_else(|| {
                        invalid(format!(
                            "preset {p:?} is not known: use canvas-gradebook, moodle-grades or moodle-completion"
                        ))
                    })?;
                    let achievement = s.get("achievement").ok_or_else(|| {
                        invalid(format!(
                            "the {p} preset needs achievement: the catalog id (or name) of what the course awards"
                        ))
                    })?;
                    let m = Mapping::preset(preset, Some(&achievement), Some(&achievement))
                        .map_err(|e| invalid(e.to_string()))?;
                    (m, format!("{p} CSV"))
                }
                (None, None) => {
                    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
                    let m = columns_mapping(&head).map_err(|e| invalid(e.to_string()))?;
                    (m, "CSV".to_owned())
                }
            };
            let label = format!("{what}, {}", size(bytes.len()));
            (
                Input::Csv {
                    bytes,
                    mapping: Box::new(mapping),
                },
                label,
            )
        }
        Format::Xapi => {
            let bytes = main()?;
            let label = format!("xAPI statements, {}", size(bytes.len()));
            (Input::Xapi { bytes }, label)
        }
        Format::OneRoster => {
            let part = |name: &str| {
                file_of(name).ok_or_else(|| {
                    invalid(format!(
                        "a OneRoster batch is multipart/form-data with three files: results, lineItems and users ({name} is missing)"
                    ))
                })
            };
            let pass_percent = match s.get("passPercent") {
                None => None,
                Some(t) => Some(
                    t.parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=100.0).contains(p))
                        .ok_or_else(|| invalid("passPercent is a number from 0 to 100".into()))?,
                ),
            };
            let results = part("results")?;
            let label = format!("OneRoster results, {}", size(results.len()));
            (
                Input::OneRoster {
                    results,
                    line_items: part("lineItems")?,
                    users: part("users")?,
                    options: OneRosterOptions { pass_percent },
                },
                label,
            )
        }
    })
}

/// `POST /orgs/<slug>/batch` (issue scope).
async fn create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let org = org_of(&state, &slug).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The boundary keeps its case; the media type does not matter.
    let form = match crate::web::form::boundary(content_type) {
        Some(b) => {
            Some(Form::multipart(&body, &b).map_err(|m| AppError::BadRequest(m.to_string()))?)
        }
        None => None,
    };
    authorize(
        &state,
        &headers,
        &Method::POST,
        form.as_ref().map(|f| f.get("csrf")),
        Scope::Issue,
        Some(&org),
    )
    .await?;
    let settings = Settings {
        form: form.as_ref(),
        query: &query,
    };
    let raw = form.is_none().then_some(&body[..]);
    let (input, label) = input(&settings, raw, &content_type.to_ascii_lowercase())?;
    let options = options(&settings)?;
    let preview_only = settings.flag("preview", false)?;
    let job = prepare(&state, &org, input, label, options).await?;
    let status = if preview_only {
        StatusCode::OK
    } else {
        start(&state, &job)?;
        StatusCode::ACCEPTED
    };
    let j = lock(&job)?;
    let location = HeaderValue::from_str(&format!("/orgs/{slug}/batch/{}", j.id))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        status,
        [NO_STORE, (header::LOCATION, location)],
        Json(job_json(&j, 0, 0)),
    )
        .into_response())
}

/// Job `id` of organization `slug`, after checking the caller has the issue scope for it.
async fn job_of(
    state: &AppState,
    slug: &str,
    id: &str,
    headers: &HeaderMap,
    method: &Method,
) -> Result<std::sync::Arc<std::sync::Mutex<Job>>, AppError> {
    let org = authorized_org(state, slug, headers, method, None, Scope::Issue).await?;
    state
        .jobs
        .get(org.id, id)
        .ok_or_else(|| AppError::NotFound(format!("batch job {id} not found")))
}

/// `POST /orgs/<slug>/batch/<id>/start` (issue scope): 202, or 409 when it was started.
async fn start_job(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let job = job_of(&state, &slug, &id, &headers, &Method::POST).await?;
    if !start(&state, &job)? {
        return Err(AppError::Conflict(format!(
            "batch job {id} was started already"
        )));
    }
    let j = lock(&job)?;
    Ok((StatusCode::ACCEPTED, [NO_STORE], Json(job_json(&j, 0, 0))).into_response())
}

/// `GET /orgs/<slug>/batch` (issue scope): the jobs, newest first, without their rows.
async fn list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::GET, None, Scope::Issue).await?;
    let jobs: Vec<Value> = state
        .jobs
        .of_org(org.id)
        .iter()
        .filter_map(|j| j.lock().ok().map(|j| job_json(&j, 0, 0)))
        .collect();
    Ok(([NO_STORE], Json(json!({"jobs": jobs}))).into_response())
}

/// `GET /orgs/<slug>/batch/<id>` (issue scope): the job and its rows' results.
async fn show(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let job = job_of(&state, &slug, &id, &headers, &Method::GET).await?;
    let number = |name: &str, default: usize, max: usize| -> Result<usize, AppError> {
        match query.get(name) {
            None => Ok(default),
            Some(t) => t.parse().ok().filter(|n| *n <= max).ok_or_else(|| {
                AppError::invalid(
                    "invalid parameter",
                    format!("{name} is a whole number up to {max}"),
                )
            }),
        }
    };
    let j = lock(&job)?;
    if query.get("format").map(String::as_str) == Some("csv") {
        let mut res = (
            [
                NO_STORE,
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
            ],
            results_csv(&j),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.csv\"", j.id)) {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        return Ok(res);
    }
    let offset = number("offset", 0, usize::MAX)?;
    let limit = number("limit", 1000, 10_000)?;
    Ok(([NO_STORE], Json(job_json(&j, offset, limit))).into_response())
}

/// A job as JSON, with `limit` of its rows from `offset`.
pub(crate) fn job_json(j: &Job, offset: usize, limit: usize) -> Value {
    let p = &j.preview;
    let mut v = json!({
        "id": j.id,
        "state": j.state.as_str(),
        "source": j.label,
        "created": ids::format_datetime(j.created_at),
        "finished": j.finished_at.map(ids::format_datetime),
        "options": {
            "claimDays": j.options.claim_seconds.map_or(0, |s| s / 86_400),
            "deliver": j.options.deliver,
            "suspendable": j.options.suspendable,
        },
        "preview": {
            "toIssue": p.to_issue,
            "skipped": p.skipped,
            "errors": p.errors,
            "firstErrors": p.first_errors,
            "skipReasons": p.skip_reasons.iter().map(|(r, n)| json!({"reason": r, "count": n})).collect::<Vec<_>>(),
        },
        "summary": j.summary_json(),
        "resultsTotal": j.rows.len(),
    });
    let (done, total) = j.progress();
    v["progress"] = json!({
        "done": done,
        "total": total,
        "rowsPerSecond": j.rate().map(|(r, _)| (r * 10.0).round() / 10.0),
        "secondsLeft": j.rate().map(|(_, eta)| eta),
    });
    if let JobState::Failed(e) = &j.state {
        v["error"] = e.clone().into();
    }
    if limit > 0 {
        v["results"] = j
            .rows
            .iter()
            .skip(offset)
            .take(limit)
            .map(|r| {
                let mut o = json!({
                    "row": r.row,
                    "outcome": r.outcome.as_str(),
                });
                let mut put = |k: &str, val: Value| {
                    o[k] = val;
                };
                if !r.source_key.is_empty() {
                    put("sourceKey", r.source_key.clone().into());
                    put("recipient", r.recipient.clone().into());
                    put("achievement", r.achievement.clone().into());
                }
                if !r.name.is_empty() {
                    put("name", r.name.clone().into());
                }
                if let Some(id) = &r.credential_id {
                    put("credentialId", id.clone().into());
                }
                if let Some(c) = &r.claim {
                    put("claimUrl", c.url.clone().into());
                    put("claimExpires", ids::format_datetime(c.expires_at).into());
                }
                if let Some(w) = &r.wallet {
                    put("wallet", w.clone().into());
                }
                match &r.delivery {
                    Some(Ok(_)) => put("delivered", true.into()),
                    Some(Err(e)) => {
                        put("delivered", false.into());
                        put("deliveryError", e.clone().into());
                    }
                    None => {}
                }
                if let Outcome::Error(e) = &r.outcome {
                    put("code", e.code.into());
                }
                if let Some(m) = r.outcome.message() {
                    put("message", m.into());
                }
                o
            })
            .collect::<Vec<_>>()
            .into();
    }
    v
}

/// Every row's result as CSV.
pub(crate) fn results_csv(j: &Job) -> String {
    let mut out = String::from(
        "row,outcome,source_key,recipient,name,achievement,credential_id,claim_url,claim_expires,wallet,delivered,message\r\n",
    );
    let cell = |s: &str| {
        // Quoted, and a leading formula character neutralized for spreadsheets.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    for r in &j.rows {
        let message = r.outcome.message().unwrap_or_else(|| match &r.delivery {
            Some(Err(e)) => e.clone(),
            _ => String::new(),
        });
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            r.row,
            r.outcome.as_str(),
            cell(&r.source_key),
            cell(&r.recipient),
            cell(&r.name),
            cell(&r.achievement),
            cell(r.credential_id.as_deref().unwrap_or("")),
            cell(r.claim.as_ref().map_or("", |c| c.url.as_str())),
            r.claim
                .as_ref()
                .map(|c| ids::format_datetime(c.expires_at))
                .unwrap_or_default(),
            cell(r.wallet.as_deref().unwrap_or("")),
            match &r.delivery {
                Some(Ok(_)) => "yes",
                Some(Err(_)) => "no",
                None => "",
            },
            cell(&message),
        );
    }
    out
}
