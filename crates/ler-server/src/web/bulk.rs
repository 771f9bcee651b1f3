//! Bulk issuing in the console (`/console/bulk`), on the same engine and jobs as
//! `POST /orgs/<slug>/batch` and `ler batch issue`: a file with this service's columns, a
//! Canvas or Moodle export, xAPI statements or a OneRoster results set is read and every row checked into a preview
//! (nothing is issued yet); then the job issues the good rows in the background while the page
//! shows its progress (polled by a few lines of script, or refreshed by hand), and ends with
//! each row's result: a claim link, the wallet it went into, or what was wrong. Sending the
//! same file again issues nothing twice.

use std::fmt::Write as _;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ler_connect::{IssueRow, Mapping, Preset, RowError};
use serde_json::{Value, json};

use super::console::{Staff, check_post, console_page, local_id, require};
use super::form::Form;
use super::html::{self, esc, notice};
use super::{Ctx, error_page};
use crate::batch::{self, Input, Job, JobState, Outcome};
use crate::{AppError, AppState, ids};

/// Days a claim link made here lasts (as the API's default).
const CLAIM_DAYS: i64 = 30;

/// Rows of results the page lists (the download has them all).
const PAGE_ROWS: usize = 500;

/// What a file can be, with the label's key.
const SOURCES: [(&str, &str); 6] = [
    ("columns", "bulk.source_columns"),
    ("canvas-gradebook", "bulk.source_canvas"),
    ("moodle-grades", "bulk.source_moodle_grades"),
    ("moodle-completion", "bulk.source_moodle_completion"),
    ("xapi", "bulk.source_xapi"),
    ("oneroster", "bulk.source_oneroster"),
];

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
    error: Option<&str>,
) -> Result<String, AppError> {
    let achievements = state.store.list_achievements(staff.org.id).await?;
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("bulk.title"),
        ctx.tx("bulk.lead")
    );
    if let Some(e) = error {
        body.push_str(&notice("bad", &esc(e)));
    }
    let mut sources = String::new();
    for (value, key) in SOURCES {
        let _ = write!(
            sources,
            "<option value=\"{value}\">{}</option>",
            ctx.tx(key)
        );
    }
    let mut courses = format!("<option value=\"\">{}</option>", ctx.tx("bulk.choose"));
    for a in &achievements {
        let _ = write!(
            courses,
            "<option value=\"{}\">{}</option>",
            esc(&local_id(a)),
            esc(a.get("name").and_then(Value::as_str).unwrap_or(""))
        );
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/console/bulk\" enctype=\"multipart/form-data\" class=\"card\">{}\
<div class=\"field\"><label for=\"source\">{}</label><select id=\"source\" name=\"source\">{sources}</select></div>\
<div class=\"field\"><label for=\"course\">{}</label><select id=\"course\" name=\"course\">{courses}</select></div>\
<div class=\"field\"><label for=\"csv\">{}</label><p class=\"hint\" id=\"csv-hint\">{}</p>\
<input type=\"file\" id=\"csv\" name=\"csv\" accept=\".csv,.txt,.json,text/csv,application/json\" aria-describedby=\"csv-hint\"></div>{}\
<fieldset class=\"field\"><legend>{}</legend><p class=\"hint\">{}</p>\
<label for=\"lineItems\">lineItems.csv</label><input type=\"file\" id=\"lineItems\" name=\"lineItems\" accept=\".csv,text/csv\">\
<label for=\"users\">users.csv</label><input type=\"file\" id=\"users\" name=\"users\" accept=\".csv,text/csv\"></fieldset>\
<div class=\"field\"><label><input type=\"checkbox\" name=\"deliver\" value=\"on\" checked> {}</label></div>\
<button type=\"submit\">{}</button></form>",
        html::csrf_field(&staff.csrf),
        ctx.tx("bulk.source"),
        ctx.tx("bulk.course_achievement"),
        ctx.tx("bulk.file"),
        ctx.tx("bulk.file_hint"),
        html::textarea(
            "text",
            ctx.t("bulk.paste"),
            "",
            "rows=\"5\" spellcheck=\"false\""
        ),
        ctx.tx("bulk.oneroster_files"),
        ctx.tx("bulk.oneroster_hint"),
        ctx.tx("bulk.deliver"),
        ctx.tx("bulk.preview")
    );
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><p>{}</p><pre class=\"mono small scroll\">{}</pre><p>{}</p><p>{}</p><ul>",
        ctx.tx("bulk.columns"),
        ctx.tx("bulk.columns_text"),
        esc(EXAMPLE),
        ctx.tx("bulk.idempotent"),
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
    let jobs = state.jobs.of_org(staff.org.id);
    if !jobs.is_empty() {
        let _ = write!(
            body,
            "<section class=\"card\"><h2>{}</h2><ul>",
            ctx.tx("bulk.recent")
        );
        for job in jobs.iter().take(10) {
            let Ok(j) = job.lock() else { continue };
            let _ = write!(
                body,
                "<li><a href=\"/console/bulk/{}\">{}</a> — {} — {}</li>",
                esc(&j.id),
                esc(&ids::format_datetime(j.created_at)),
                esc(&j.label),
                ctx.tx(&format!("bulk.state_{}", j.state.as_str()))
            );
        }
        body.push_str("</ul></section>");
    }
    Ok(body)
}

/// The export the form describes.
fn read_upload(ctx: &Ctx, form: &Form) -> Result<(Input, String), String> {
    let bytes = match form.file("csv") {
        Some(f) => f.bytes.clone(),
        None => form.get("text").as_bytes().to_vec(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ctx.t("bulk.err_empty").to_owned());
    }
    let source = form.get("source");
    if source == "xapi" {
        return Ok((Input::Xapi { bytes }, "xAPI".to_owned()));
    }
    if source == "oneroster" {
        let file = |name: &str| form.file(name).map(|f| f.bytes.clone());
        let (Some(line_items), Some(users)) = (file("lineItems"), file("users")) else {
            return Err(ctx.t("bulk.err_oneroster").to_owned());
        };
        return Ok((
            Input::OneRoster {
                results: bytes,
                line_items,
                users,
                options: ler_connect::import::OneRosterOptions::default(),
            },
            "OneRoster".to_owned(),
        ));
    }
    let unusable = |e: String| super::i18n::tf(ctx.lang, "bulk.err_file", &[("value", &e)]);
    let mapping = match Preset::parse(source) {
        Some(preset) => {
            let course = form.get("course");
            if course.is_empty() {
                return Err(ctx.t("bulk.err_course").to_owned());
            }
            Mapping::preset(preset, Some(course), Some(course))
        }
        None => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
            batch::columns_mapping(&head)
        }
    }
    .map_err(|e| unusable(e.to_string()))?;
    let label = if source.is_empty() || source == "columns" {
        "CSV".to_owned()
    } else {
        format!("{source} CSV")
    };
    Ok((
        Input::Csv {
            bytes,
            mapping: Box::new(mapping),
        },
        label,
    ))
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
    let (input, label) = match read_upload(&ctx, &form) {
        Ok(x) => x,
        Err(message) => return refused(&state, &ctx, &staff, &message).await,
    };
    let options = ler_batch::BatchOptions {
        claim_seconds: Some(CLAIM_DAYS * 86_400),
        deliver: form.get("deliver") == "on",
        ..ler_batch::BatchOptions::default()
    };
    match batch::prepare(&state, &staff.org, input, label, options).await {
        Ok(job) => {
            let id = job.lock().map(|j| j.id.clone()).unwrap_or_default();
            Ok(html::redirect(&format!("/console/bulk/{id}")))
        }
        Err(AppError::Unprocessable { detail, .. }) => {
            let message = super::i18n::tf(ctx.lang, "bulk.err_file", &[("value", &detail)]);
            refused(&state, &ctx, &staff, &message).await
        }
        Err(e) => Err(e),
    }
}

/// The upload page again, with what is wrong with the file (422).
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
    message: &str,
) -> Result<Response, AppError> {
    let body = upload_body(state, ctx, staff, Some(message)).await?;
    let mut res = console_page(ctx, staff, ctx.t("bulk.title"), &body);
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

fn job_of(
    state: &AppState,
    staff: &Staff,
    id: &str,
) -> Option<std::sync::Arc<std::sync::Mutex<Job>>> {
    state.jobs.get(staff.org.id, id)
}

fn progress_text(ctx: &Ctx, job: &Job) -> String {
    let (done, total) = job.progress();
    let mut text = ctx.tf(
        "bulk.progress_text",
        &[
            ("done", &done.to_string()),
            ("total", &total.to_string()),
            ("issued", &job.summary.issued.to_string()),
        ],
    );
    if let Some((rate, left)) = job.rate() {
        let left = if left < 60 {
            format!("{left} s")
        } else {
            format!("{}:{:02}", left / 60, left % 60)
        };
        text.push(' ');
        text.push_str(&ctx.tf(
            "bulk.rate",
            &[("rate", &format!("{rate:.0}")), ("left", &left)],
        ));
    }
    text
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
    let p = &job.preview;
    let start_over = format!(
        "<a class=\"button secondary\" href=\"/console/bulk\">{}</a>",
        ctx.tx("bulk.start_over")
    );
    match &job.state {
        JobState::Ready => {
            let _ = write!(
                body,
                "<p class=\"lead\">{}</p>",
                ctx.tf(
                    "bulk.preview_lead",
                    &[
                        ("valid", &p.to_issue.to_string()),
                        ("bad", &p.errors.to_string())
                    ]
                )
            );
            if p.errors > 0 {
                body.push_str(&notice(
                    "bad",
                    &ctx.tf("bulk.bad_rows", &[("n", &p.errors.to_string())]),
                ));
            }
            left_out(
                &ctx,
                &mut body,
                job.preview.skipped,
                &job.preview.skip_reasons,
            );
            if p.to_issue > 0 {
                let _ = write!(
                    body,
                    "<form method=\"post\" action=\"/console/bulk/{}/start\" class=\"actions\">{}<button type=\"submit\">{}</button>{start_over}</form>",
                    esc(&id),
                    html::csrf_field(&staff.csrf),
                    ctx.tf("bulk.issue_n", &[("n", &p.to_issue.to_string())]),
                );
            } else {
                let _ = write!(body, "<p class=\"actions\">{start_over}</p>");
            }
            body.push_str(&preview_grid(&ctx, &p.sample, &p.first_errors));
        }
        JobState::Running => {
            let (done, total) = job.progress();
            let _ = write!(
                body,
                "<div id=\"job-progress\" class=\"card\" data-url=\"/console/bulk/{}/progress\"><label for=\"bar\">{}</label><progress id=\"bar\" value=\"{done}\" max=\"{}\"></progress><p class=\"count\" role=\"status\" aria-live=\"polite\">{}</p></div><p class=\"actions\"><a class=\"button secondary\" href=\"/console/bulk/{}\">{}</a></p>",
                esc(&id),
                ctx.tx("bulk.progress"),
                total.max(1),
                esc(&progress_text(&ctx, &job)),
                esc(&id),
                ctx.tx("bulk.refresh")
            );
            body.push_str(&results_grid(&ctx, &job));
        }
        JobState::Finished | JobState::Failed(_) => {
            let s = &job.summary;
            if let JobState::Failed(e) = &job.state {
                body.push_str(&notice("bad", &ctx.tf("bulk.failed", &[("value", e)])));
            } else {
                body.push_str(&notice(
                    "ok",
                    &ctx.tf(
                        "bulk.finished",
                        &[
                            ("issued", &s.issued.to_string()),
                            ("skipped", &(s.errors + s.skipped).to_string()),
                        ],
                    ),
                ));
            }
            if s.already_issued > 0 {
                body.push_str(&notice(
                    "info",
                    &ctx.tf("bulk.already", &[("n", &s.already_issued.to_string())]),
                ));
            }
            let (delivered, _) = job.deliveries();
            if delivered > 0 {
                body.push_str(&notice(
                    "ok",
                    &ctx.tf("bulk.delivered", &[("n", &delivered.to_string())]),
                ));
            }
            let _ = write!(
                body,
                "<p class=\"actions\"><a class=\"button\" href=\"/orgs/{}/batch/{}?format=csv\" download>{}</a>{start_over}</p>",
                esc(&job.slug),
                esc(&id),
                ctx.tx("bulk.download")
            );
            body.push_str(&results_grid(&ctx, &job));
        }
    }
    Ok(console_page(&ctx, &staff, ctx.t("bulk.title"), &body))
}

fn left_out(ctx: &Ctx, body: &mut String, skipped: u64, reasons: &[(String, u64)]) {
    if skipped == 0 {
        return;
    }
    let list: Vec<String> = reasons.iter().map(|(r, n)| format!("{r} ({n})")).collect();
    body.push_str(&notice(
        "info",
        &ctx.tf(
            "bulk.left_out",
            &[("n", &skipped.to_string()), ("reasons", &list.join(", "))],
        ),
    ));
}

fn grid_head(ctx: &Ctx) -> (String, Vec<String>) {
    let keys = [
        "bulk.line",
        "bulk.recipient",
        "bulk.name",
        "bulk.achievement",
        "bulk.details",
        "bulk.state",
    ];
    let mut out = format!(
        "<div class=\"scroll\"><table><caption class=\"hint\">{}</caption><thead><tr>",
        ctx.tx("bulk.grid_caption")
    );
    for k in keys {
        let _ = write!(out, "<th scope=\"col\">{}</th>", ctx.tx(k));
    }
    out.push_str("</tr></thead><tbody>");
    (out, keys.iter().map(|k| ctx.tx(k)).collect())
}

fn row_html(out: &mut String, bad: bool, cells: [&str; 5], state: &str) {
    let _ = write!(
        out,
        "<tr{}><td>{}</td><td class=\"mono small\">{}</td><td>{}</td><td class=\"mono small\">{}</td><td>{}</td><td>{state}</td></tr>",
        if bad { " class=\"bad\"" } else { "" },
        cells[0],
        cells[1],
        cells[2],
        cells[3],
        cells[4],
    );
}

/// What is wrong with a row, in the page's language (the catalog's `rowerr.<code>`, else the
/// English message), after the column at fault; escaped.
fn row_error_html(ctx: &Ctx, e: &RowError) -> String {
    let key = format!("rowerr.{}", e.code);
    let text = if super::i18n::has(&key) {
        let args: Vec<(&str, &str)> = e.args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        ctx.tf(&key, &args)
    } else {
        esc(&e.message)
    };
    match &e.column {
        Some(c) => format!("{}: {text}", esc(c)),
        None => text,
    }
}

/// The previewed rows and errors, in file order.
fn preview_grid(ctx: &Ctx, sample: &[IssueRow], errors: &[RowError]) -> String {
    let (mut out, labels) = grid_head(ctx);
    let mut lines: Vec<(u64, bool, String)> = Vec::new();
    for r in sample {
        let mut row = String::new();
        let mut details = Vec::new();
        let res = &r.result;
        for (k, v) in [
            ("bulk.result", res.grade.as_ref().or(res.score.as_ref())),
            ("bulk.awarded", r.dates.awarded.as_ref()),
            ("bulk.expires", r.dates.valid_until.as_ref()),
        ] {
            if let Some(v) = v {
                details.push(format!("{}: {}", ctx.tx(k), esc(html::date(v))));
            }
        }
        let rc = &r.recipient;
        row_html(
            &mut row,
            false,
            [
                &r.row.to_string(),
                &esc(rc.key().unwrap_or("")),
                &esc(rc.name.as_deref().unwrap_or("")),
                &esc(r
                    .achievement_ref
                    .id
                    .as_deref()
                    .or(r.achievement_ref.name.as_deref())
                    .unwrap_or("")),
                &details.join("<br>"),
            ],
            &ctx.tx("bulk.row_ready"),
        );
        lines.push((r.row, false, row));
    }
    for e in errors {
        let mut row = String::new();
        row_html(
            &mut row,
            true,
            [&e.row.to_string(), "", "", "", ""],
            &format!(
                "<span class=\"error\">{}</span> {}",
                ctx.tx("bulk.row_skipped"),
                row_error_html(ctx, e)
            ),
        );
        lines.push((e.row, true, row));
    }
    lines.sort_by_key(|l| (l.0, l.1));
    for (_, _, row) in &lines {
        out.push_str(row);
    }
    out.push_str("</tbody></table></div>");
    html::stack(&out, &labels)
}

/// The job's results, as far as they go.
fn results_grid(ctx: &Ctx, job: &Job) -> String {
    let (mut out, labels) = grid_head(ctx);
    for r in job.rows.iter().take(PAGE_ROWS) {
        let (bad, state) = match &r.outcome {
            Outcome::Issued | Outcome::AlreadyIssued => {
                let word = if r.outcome == Outcome::Issued {
                    ctx.tx("bulk.row_issued")
                } else {
                    ctx.tx("bulk.row_already")
                };
                let mut s = format!(
                    "{word}<br><span class=\"mono small\">{}</span>",
                    esc(r.credential_id.as_deref().unwrap_or(""))
                );
                if matches!(r.delivery, Some(Ok(_))) {
                    let _ = write!(s, "<br>{}", ctx.tx("bulk.row_delivered"));
                } else if let Some(Err(e)) = &r.delivery {
                    let _ = write!(
                        s,
                        "<br><span class=\"error\">{}</span> {}",
                        ctx.tx("bulk.row_failed"),
                        esc(e)
                    );
                }
                if let Some(c) = &r.claim {
                    let _ = write!(
                        s,
                        "<br><a href=\"{}\" class=\"mono small\">{}</a>",
                        esc(&c.url),
                        esc(&c.url)
                    );
                }
                (false, s)
            }
            Outcome::Skipped(m) => (false, format!("{} {}", ctx.tx("bulk.row_left_out"), esc(m))),
            Outcome::Error(e) => (
                true,
                format!(
                    "<span class=\"error\">{}</span> {}",
                    ctx.tx("bulk.row_skipped"),
                    row_error_html(ctx, e)
                ),
            ),
        };
        row_html(
            &mut out,
            bad,
            [
                &r.row.to_string(),
                &esc(&r.recipient),
                &esc(&r.name),
                &esc(&r.achievement),
                "",
            ],
            &state,
        );
    }
    out.push_str("</tbody></table></div>");
    if job.rows.len() > PAGE_ROWS {
        let _ = write!(
            out,
            "<p class=\"hint\">{}</p>",
            ctx.tf("bulk.first_rows", &[("n", &PAGE_ROWS.to_string())])
        );
    }
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
    // Started twice (a double click): the second is the same page.
    batch::start(&state, &job)?;
    Ok(html::redirect(&format!("/console/bulk/{id}")))
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
    let (done, total) = j.progress();
    Ok(Json(json!({
        "done": done,
        "total": total,
        "finished": !matches!(j.state, JobState::Ready | JobState::Running),
        "text": progress_text(&ctx, &j),
    }))
    .into_response())
}
