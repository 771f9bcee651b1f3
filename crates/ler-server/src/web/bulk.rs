//! Bulk issuing from a CSV file (`/console/bulk`): the file is read and every row checked
//! into a preview grid with its errors (nothing is issued yet); then a background job issues
//! the good rows one by one through the API, skipping the bad ones, while the page shows its
//! progress (polled by a few lines of script, or refreshed by hand), and ends with a claim
//! link per record. Jobs live in memory: a restart forgets them, never the records issued.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::console::{
    Staff, check_post, claim_link, console_page, issue_request, local_id, require,
};
use super::csv::{self, CsvError};
use super::form::Form;
use super::html::{self, esc, notice};
use super::{Ctx, api, error_page};
use crate::{AppError, AppState, ids};

/// How long a finished or abandoned job is kept, in seconds.
const JOB_SECONDS: i64 = 24 * 3600;

/// What became of a row.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Issued, with the credential's id and its claim link (when one could be made).
    Issued {
        /// The credential's id.
        id: String,
        /// Its claim link.
        claim: Option<String>,
    },
    /// The service refused it (its message).
    Failed(String),
}

/// One row of the file.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The line it starts on.
    pub line: usize,
    /// Recipient email or DID.
    pub recipient: String,
    /// Recipient name.
    pub name: String,
    /// The achievement's id in the catalog.
    pub achievement: String,
    /// An optional result (a grade, a score).
    pub result: String,
    /// Awarded date (a date or date-time), optional.
    pub awarded: String,
    /// Expiry date, optional.
    pub expires: String,
    /// What is wrong with it: catalog keys with the offending value.
    pub errors: Vec<(&'static str, String)>,
    /// What became of it, once the job ran.
    pub outcome: Option<Outcome>,
}

/// A bulk-issue job.
#[derive(Debug)]
pub struct Job {
    org_id: i64,
    slug: String,
    created_at: i64,
    rows: Vec<Row>,
    started: bool,
    finished: bool,
    done: usize,
}

impl Job {
    fn valid(&self) -> usize {
        self.rows.iter().filter(|r| r.errors.is_empty()).count()
    }
}

/// The columns a file may have, by the names its header row may give them.
fn column(name: &str) -> Option<&'static str> {
    let n: String = name
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Some(match n.as_str() {
        "recipient" | "email" | "did" | "emailordid" | "recipientemailordid" => "recipient",
        "name" | "recipientname" | "fullname" => "name",
        "achievement" | "achievementid" => "achievement",
        "result" | "grade" | "score" => "result",
        "awarded" | "awardeddate" | "date" => "awarded",
        "expires" | "validuntil" | "expiry" | "expirationdate" => "expires",
        _ => return None,
    })
}

/// A date (`YYYY-MM-DD`) or date-time as the date-time the API takes, or `None` when it is
/// neither.
pub(crate) fn datetime_of(text: &str) -> Option<String> {
    let secs = ler_model::datetime::parse_date_or_datetime(text.trim()).ok()?;
    Some(ids::format_datetime(secs))
}

/// Reads and checks a file into rows; `achievements` are the catalog's local ids.
pub(crate) fn read_rows(text: &str, achievements: &[String]) -> (Vec<Row>, Vec<&'static str>) {
    let table = match csv::parse(text) {
        Ok(t) => t,
        Err(CsvError::Unclosed) => return (vec![], vec!["bulk.err_unclosed"]),
        Err(CsvError::TooManyRows) => return (vec![], vec!["bulk.err_too_many"]),
    };
    let Some(((_, header), data)) = table.split_first() else {
        return (vec![], vec!["bulk.err_empty"]);
    };
    let columns: Vec<Option<&str>> = header.iter().map(|h| column(h)).collect();
    let mut file_errors = Vec::new();
    for needed in ["recipient", "achievement"] {
        if !columns.contains(&Some(needed)) {
            file_errors.push(if needed == "recipient" {
                "bulk.err_no_recipient_column"
            } else {
                "bulk.err_no_achievement_column"
            });
        }
    }
    if data.is_empty() {
        file_errors.push("bulk.err_empty");
    }
    if !file_errors.is_empty() {
        return (vec![], file_errors);
    }
    let rows = data
        .iter()
        .map(|(line, fields)| {
            let mut row = Row {
                line: *line,
                ..Row::default()
            };
            for (i, value) in fields.iter().enumerate() {
                let value = value.trim().to_string();
                match columns.get(i).copied().flatten() {
                    Some("recipient") => row.recipient = value,
                    Some("name") => row.name = value,
                    Some("achievement") => row.achievement = value,
                    Some("result") => row.result = value,
                    Some("awarded") => row.awarded = value,
                    Some("expires") => row.expires = value,
                    _ => {}
                }
            }
            check_row(&mut row, achievements);
            row
        })
        .collect();
    (rows, vec![])
}

fn check_row(row: &mut Row, achievements: &[String]) {
    let r = row.recipient.clone();
    if r.is_empty() {
        row.errors
            .push(("bulk.err_recipient_missing", String::new()));
    } else if r.starts_with("did:") {
        if r.split(':').count() < 3 || r.contains(char::is_whitespace) {
            row.errors.push(("bulk.err_did", r));
        }
    } else {
        let ok = r.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }) && !r.contains(char::is_whitespace);
        if !ok {
            row.errors.push(("bulk.err_email", r));
        }
    }
    if row.achievement.is_empty() {
        row.errors
            .push(("bulk.err_achievement_missing", String::new()));
    } else if !achievements.contains(&row.achievement) {
        row.errors
            .push(("bulk.err_achievement_unknown", row.achievement.clone()));
    }
    if row.name.chars().count() > 200 {
        row.errors.push(("bulk.err_name_long", String::new()));
    }
    if row.result.chars().count() > 200 {
        row.errors.push(("bulk.err_result_long", String::new()));
    }
    for (value, key) in [
        (row.awarded.clone(), "bulk.err_awarded"),
        (row.expires.clone(), "bulk.err_expires"),
    ] {
        if !value.is_empty() && datetime_of(&value).is_none() {
            row.errors.push((key, value));
        }
    }
}

/// The columns a file takes, and an example.
const EXAMPLE: &str = "recipient,name,achievement,result,awarded,expires\n\
maria@example.org,María López,forklift-safety,Pass,2026-05-01,\n\
did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,Sam Lee,forklift-safety,,2026-05-01,2029-05-01\n";

/// `GET /console/bulk`: upload a file.
pub async fn upload_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let body = upload_body(&state, &ctx, &staff, None).await?;
    Ok(console_page(&ctx, &staff, ctx.t("bulk.title"), &body))
}

async fn upload_body(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
    errors: Option<&[&'static str]>,
) -> Result<String, AppError> {
    let achievements = state.store.list_achievements(staff.org.id).await?;
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("bulk.title"),
        ctx.tx("bulk.lead")
    );
    for e in errors.unwrap_or(&[]) {
        body.push_str(&notice("bad", &ctx.tx(e)));
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/console/bulk\" enctype=\"multipart/form-data\" class=\"card\">{}\
<div class=\"field\"><label for=\"csv\">{}</label><p class=\"hint\" id=\"csv-hint\">{}</p>\
<input type=\"file\" id=\"csv\" name=\"csv\" accept=\".csv,text/csv\" aria-describedby=\"csv-hint\"></div>{}\
<button type=\"submit\">{}</button></form>",
        html::csrf_field(&staff.csrf),
        ctx.tx("bulk.file"),
        ctx.tx("bulk.file_hint"),
        html::textarea(
            "text",
            ctx.t("bulk.paste"),
            "",
            "rows=\"5\" spellcheck=\"false\""
        ),
        ctx.tx("bulk.preview")
    );
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><p>{}</p><pre class=\"mono small scroll\">{}</pre><p>{}</p><ul>",
        ctx.tx("bulk.columns"),
        ctx.tx("bulk.columns_text"),
        esc(EXAMPLE),
        ctx.tx("bulk.ids")
    );
    for a in &achievements {
        let _ = write!(
            body,
            "<li><span class=\"mono\">{}</span> — {}</li>",
            esc(&local_id(a)),
            esc(a.get("name").and_then(Value::as_str).unwrap_or(""))
        );
    }
    body.push_str("</ul></section>");
    Ok(body)
}

/// `POST /console/bulk`: reads the file into a job and shows its preview.
pub async fn preview(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    check_post(&state, &ctx, &staff, &form).await?;
    let text = match form.file("csv") {
        Some(f) => String::from_utf8_lossy(&f.bytes).into_owned(),
        None => form.get("text").to_string(),
    };
    let ids: Vec<String> = state
        .store
        .list_achievements(staff.org.id)
        .await?
        .iter()
        .map(local_id)
        .collect();
    let (rows, file_errors) = read_rows(&text, &ids);
    if !file_errors.is_empty() {
        let body = upload_body(&state, &ctx, &staff, Some(&file_errors)).await?;
        let mut res = console_page(&ctx, &staff, ctx.t("bulk.title"), &body);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let id = ids::token()?;
    let now = state.now();
    let job = Job {
        org_id: staff.org.id,
        slug: staff.org.slug.clone(),
        created_at: now,
        rows,
        started: false,
        finished: false,
        done: 0,
    };
    if let Ok(mut jobs) = state.web.jobs.lock() {
        jobs.retain(|_, j| j.lock().is_ok_and(|j| now - j.created_at < JOB_SECONDS));
        jobs.insert(id.clone(), Arc::new(Mutex::new(job)));
    }
    Ok(html::redirect(&format!("/console/bulk/{id}")))
}

/// The job `id` of the staff member's organization.
fn job_of(state: &AppState, staff: &Staff, id: &str) -> Option<Arc<Mutex<Job>>> {
    let jobs = state.web.jobs.lock().ok()?;
    let job = jobs.get(id)?.clone();
    let same_org = job.lock().is_ok_and(|j| j.org_id == staff.org.id);
    same_org.then_some(job)
}

fn progress_text(ctx: &Ctx, job: &Job) -> String {
    let issued = job
        .rows
        .iter()
        .filter(|r| matches!(r.outcome, Some(Outcome::Issued { .. })))
        .count();
    super::i18n::tf(
        ctx.lang,
        "bulk.progress_text",
        &[
            ("done", &job.done.to_string()),
            ("total", &job.valid().to_string()),
            ("issued", &issued.to_string()),
        ],
    )
}

/// `GET /console/bulk/<job>`: the preview, the progress, or the results.
pub async fn job_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let Some(job) = job_of(&state, &staff, &id) else {
        return Ok(error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.t("bulk.no_job"),
        ));
    };
    let job = job
        .lock()
        .map_err(|_| AppError::Internal("a bulk job's lock is poisoned".into()))?;
    let mut body = format!("<h1>{}</h1>", ctx.tx("bulk.title"));
    let valid = job.valid();
    let bad = job.rows.len() - valid;
    if !job.started {
        let _ = write!(
            body,
            "<p class=\"lead\">{}</p>",
            ctx.tf(
                "bulk.preview_lead",
                &[("valid", &valid.to_string()), ("bad", &bad.to_string())]
            )
        );
        if bad > 0 {
            body.push_str(&notice(
                "bad",
                &ctx.tf("bulk.bad_rows", &[("n", &bad.to_string())]),
            ));
        }
        if valid > 0 {
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/console/bulk/{}/start\" class=\"actions\">{}<button type=\"submit\">{}</button><a class=\"button secondary\" href=\"/console/bulk\">{}</a></form>",
                esc(&id),
                html::csrf_field(&staff.csrf),
                ctx.tf("bulk.issue_n", &[("n", &valid.to_string())]),
                ctx.tx("bulk.start_over")
            );
        } else {
            let _ = write!(
                body,
                "<p class=\"actions\"><a class=\"button secondary\" href=\"/console/bulk\">{}</a></p>",
                ctx.tx("bulk.start_over")
            );
        }
    } else if !job.finished {
        let _ = write!(
            body,
            "<div id=\"job-progress\" class=\"card\" data-url=\"/console/bulk/{}/progress\"><label for=\"bar\">{}</label><progress id=\"bar\" value=\"{}\" max=\"{}\"></progress><p class=\"count\" role=\"status\" aria-live=\"polite\">{}</p></div><p class=\"actions\"><a class=\"button secondary\" href=\"/console/bulk/{}\">{}</a></p>",
            esc(&id),
            ctx.tx("bulk.progress"),
            job.done,
            valid.max(1),
            esc(&progress_text(&ctx, &job)),
            esc(&id),
            ctx.tx("bulk.refresh")
        );
    } else {
        let issued = job
            .rows
            .iter()
            .filter(|r| matches!(r.outcome, Some(Outcome::Issued { .. })))
            .count();
        body.push_str(&notice(
            "ok",
            &ctx.tf(
                "bulk.finished",
                &[
                    ("issued", &issued.to_string()),
                    ("skipped", &(job.rows.len() - issued).to_string()),
                ],
            ),
        ));
    }
    body.push_str(&grid(&ctx, &job));
    Ok(console_page(&ctx, &staff, ctx.t("bulk.title"), &body))
}

/// The rows, with their errors or outcomes.
fn grid(ctx: &Ctx, job: &Job) -> String {
    let mut out = format!(
        "<div class=\"scroll\"><table><caption class=\"hint\">{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        ctx.tx("bulk.grid_caption"),
        ctx.tx("bulk.line"),
        ctx.tx("bulk.recipient"),
        ctx.tx("bulk.name"),
        ctx.tx("bulk.achievement"),
        ctx.tx("bulk.details"),
        ctx.tx("bulk.state")
    );
    for r in &job.rows {
        let class = if r.errors.is_empty() && !matches!(r.outcome, Some(Outcome::Failed(_))) {
            ""
        } else {
            " class=\"bad\""
        };
        let mut details = Vec::new();
        for (k, v) in [
            ("bulk.result", &r.result),
            ("bulk.awarded", &r.awarded),
            ("bulk.expires", &r.expires),
        ] {
            if !v.is_empty() {
                details.push(format!("{}: {}", ctx.tx(k), esc(v)));
            }
        }
        let state = if !r.errors.is_empty() {
            let list: Vec<String> = r
                .errors
                .iter()
                .map(|(k, v)| ctx.tf(k, &[("value", v)]))
                .collect();
            format!(
                "<span class=\"error\">{}</span> {}",
                ctx.tx("bulk.row_skipped"),
                list.join("; ")
            )
        } else {
            match &r.outcome {
                None if job.started => ctx.tx("bulk.row_waiting"),
                None => ctx.tx("bulk.row_ready"),
                Some(Outcome::Failed(m)) => format!(
                    "<span class=\"error\">{}</span> {}",
                    ctx.tx("bulk.row_failed"),
                    esc(m)
                ),
                Some(Outcome::Issued { id, claim }) => {
                    let link = match claim {
                        Some(c) => format!(
                            "<br><a href=\"{}\" class=\"mono small\">{}</a>",
                            esc(c),
                            esc(c)
                        ),
                        None => String::new(),
                    };
                    format!(
                        "{}<br><span class=\"mono small\">{}</span>{link}",
                        ctx.tx("bulk.row_issued"),
                        esc(id)
                    )
                }
            }
        };
        let _ = write!(
            out,
            "<tr{class}><td>{}</td><td class=\"mono small\">{}</td><td>{}</td><td class=\"mono small\">{}</td><td>{}</td><td>{state}</td></tr>",
            r.line,
            esc(&r.recipient),
            esc(&r.name),
            esc(&r.achievement),
            details.join("<br>"),
        );
    }
    out.push_str("</tbody></table></div>");
    let labels: Vec<String> = [
        "bulk.line",
        "bulk.recipient",
        "bulk.name",
        "bulk.achievement",
        "bulk.details",
        "bulk.state",
    ]
    .iter()
    .map(|k| ctx.tx(k))
    .collect();
    html::stack(&out, &labels)
}

/// `POST /console/bulk/<job>/start`: issues the good rows in the background.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    check_post(&state, &ctx, &staff, &form).await?;
    let Some(job) = job_of(&state, &staff, &id) else {
        return Ok(error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.t("bulk.no_job"),
        ));
    };
    {
        let mut j = job
            .lock()
            .map_err(|_| AppError::Internal("a bulk job's lock is poisoned".into()))?;
        if j.started {
            return Ok(html::redirect(&format!("/console/bulk/{id}")));
        }
        j.started = true;
    }
    // The job acts with the staff member's session, as each request from the page would.
    let mut headers = HeaderMap::new();
    for c in ctx.headers.get_all(header::COOKIE) {
        headers.append(header::COOKIE, c.clone());
    }
    tokio::spawn(run(state.clone(), job, headers, staff.csrf.clone()));
    Ok(html::redirect(&format!("/console/bulk/{id}")))
}

/// Issues every good row of a job, one at a time.
async fn run(state: AppState, job: Arc<Mutex<Job>>, headers: HeaderMap, csrf: String) {
    let (slug, rows) = match job.lock() {
        Ok(j) => (j.slug.clone(), j.rows.clone()),
        Err(_) => return,
    };
    let path = format!("/orgs/{slug}/issue");
    for (i, row) in rows.iter().enumerate() {
        if !row.errors.is_empty() {
            continue;
        }
        let (email, did) = if row.recipient.starts_with("did:") {
            ("", row.recipient.as_str())
        } else {
            (row.recipient.as_str(), "")
        };
        let request = issue_request(
            &row.achievement,
            &row.name,
            email,
            did,
            &datetime_of(&row.awarded).unwrap_or_default(),
            &row.result,
            &datetime_of(&row.expires).unwrap_or_default(),
        );
        let outcome = match api(
            &state,
            Method::POST,
            &path,
            &headers,
            None,
            Some(&csrf),
            Some(&request),
        )
        .await
        {
            Ok(a) if a.status.is_success() => {
                let id = a
                    .json
                    .get("verifiableCredential")
                    .and_then(|vc| vc.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let claim = claim_link(&state, &headers, &csrf, &slug, &id).await;
                Outcome::Issued { id, claim }
            }
            Ok(a) => Outcome::Failed(a.detail()),
            Err(e) => Outcome::Failed(e.to_string()),
        };
        if let Ok(mut j) = job.lock() {
            if let Some(r) = j.rows.get_mut(i) {
                r.outcome = Some(outcome);
            }
            j.done += 1;
        }
    }
    if let Ok(mut j) = job.lock() {
        j.finished = true;
        tracing::info!(org = %slug, rows = j.rows.len(), "bulk issue finished");
    }
}

/// `GET /console/bulk/<job>/progress`: `{done, total, finished, text}` for the page's script.
pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let Some(staff) = super::console::staff(&state, &ctx).await? else {
        return Err(AppError::Unauthorized("sign in again".into()));
    };
    let job =
        job_of(&state, &staff, &id).ok_or_else(|| AppError::NotFound("no such job".into()))?;
    let j = job
        .lock()
        .map_err(|_| AppError::Internal("a bulk job's lock is poisoned".into()))?;
    Ok(Json(json!({
        "done": j.done,
        "total": j.valid(),
        "finished": j.finished,
        "text": progress_text(&ctx, &j),
    }))
    .into_response())
}
