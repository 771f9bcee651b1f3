//! The community organization's console pages (`/console/programs…`, `/console/participants…`,
//! `/console/outcomes…`) and the participant's program page in the wallet (`/me/programs`).
//!
//! Like the rest of the console they only render what the JSON API (`/orgs/<slug>/cbo/…`,
//! `/wallet/programs…`) answers and post what a person typed to it, with the person's cookie
//! and CSRF token, so every rule — who may see what, consent, suppression — lives there. The
//! outcome charts are inline SVG bar charts drawn here (no chart library); every figure is in
//! a table beside them too.

use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::console::{Staff, console_page, require};
use super::form::Form;
use super::html::{self, esc, input, notice, textarea};
use super::{Ctx, api, api_bytes, error_page};
use crate::{AppError, AppState, ids};

// ---------------------------------------------------------------- shared pieces

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Calls the CBO API of the staff member's organization.
async fn cbo_api(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
    method: Method,
    rest: &str,
    body: Option<&Value>,
) -> Result<super::ApiAnswer, AppError> {
    let csrf = (method != Method::GET).then_some(staff.csrf.as_str());
    api(
        state,
        method,
        &format!("/orgs/{}/cbo/{rest}", staff.org.slug),
        &ctx.headers,
        ctx.client,
        csrf,
        body,
    )
    .await
}

/// The answer's JSON, or else (returning) the error page for a failed call.
macro_rules! json_or_page {
    ($ctx:expr, $answer:expr $(,)?) => {{
        let a = $answer;
        if !a.status.is_success() {
            return Ok(error_page(&$ctx, a.status, &a.detail()));
        }
        a.json
    }};
}

/// A path segment, percent-encoded.
fn seg(text: &str) -> String {
    html::url_param(text).replace('/', "%2F")
}

/// A milestone status as the pages say it: done, in progress, not started, or OB 3.0's other
/// words.
fn status_pill(ctx: &Ctx, status: &str) -> String {
    let (kind, key) = match status {
        "Completed" => ("ok", "cbo.status_done"),
        "InProgress" | "Provisional" | "OnHold" => ("info", "cbo.status_in_progress"),
        "Enrolled" => ("none", "cbo.status_not_started"),
        "Failed" => ("bad", "cbo.status_failed"),
        "Withdrew" => ("bad", "cbo.status_withdrew"),
        _ => ("none", "cbo.status_not_started"),
    };
    let detail = match status {
        "Provisional" => format!(" ({})", ctx.tx("cbo.status_provisional")),
        "OnHold" => format!(" ({})", ctx.tx("cbo.status_on_hold")),
        _ => String::new(),
    };
    let icon = match kind {
        "ok" | "bad" | "info" => html::icon(kind),
        _ => "",
    };
    format!(
        "<span class=\"pill {kind}\">{icon}{}{detail}</span>",
        ctx.tx(key)
    )
}

/// Query carrying a notice (`?done=…`).
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn done_notice(ctx: &Ctx, done: Option<&str>) -> String {
    let key = match done {
        Some("saved") => "cbo.done_saved",
        Some("imported") => "cbo.done_imported",
        Some("enrolled") => "cbo.done_enrolled",
        Some("intake") => "cbo.done_intake",
        Some("corrected") => "cbo.done_corrected",
        Some("applied") => "cbo.done_applied",
        Some("recorded") => "cbo.done_recorded",
        Some("consent") => "cbo.done_consent",
        _ => return String::new(),
    };
    notice("ok", &ctx.tx(key))
}

/// The signed-in staff member, or the answer to give instead (sign in; a funder's account
/// goes to the outcome reports).
macro_rules! staff_or_return {
    ($state:expr, $ctx:expr) => {{
        match require(&$state, &$ctx).await? {
            Ok(s) => s,
            Err(r) => return Ok(r),
        }
    }};
}

// ---------------------------------------------------------------- programs

/// `GET /console/programs`: programs, and the skills and occupations they are built from.
pub async fn programs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let programs = json_or_page!(
        ctx,
        cbo_api(&state, &ctx, &staff, Method::GET, "programs", None).await?,
    );
    let frameworks = cbo_api(&state, &ctx, &staff, Method::GET, "frameworks", None)
        .await?
        .json;
    let occupations = cbo_api(&state, &ctx, &staff, Method::GET, "occupations", None)
        .await?
        .json;
    let mut body = format!(
        "<h1>{}</h1>{}<p class=\"lead\">{}</p><p class=\"actions\"><a class=\"button\" href=\"/console/programs/new\">{}</a><a class=\"button secondary\" href=\"/console/participants\">{}</a><a class=\"button secondary\" href=\"/console/outcomes\">{}</a></p>",
        ctx.tx("cbo.programs"),
        done_notice(&ctx, q.done.as_deref()),
        ctx.tx("cbo.programs_lead"),
        ctx.tx("cbo.program_new"),
        ctx.tx("cbo.participants"),
        ctx.tx("cbo.outcomes"),
    );
    let all = list(&programs, "programs");
    if all.is_empty() {
        body.push_str(&notice("info", &ctx.tx("cbo.programs_none")));
    } else {
        let labels = [
            ctx.tx("cbo.program"),
            ctx.tx("cbo.milestones"),
            ctx.tx("cbo.cohorts"),
            ctx.tx("common.actions"),
        ];
        let mut table = format!(
            "<div class=\"scroll\"><table><thead><tr>{}</tr></thead><tbody>",
            labels
                .iter()
                .map(|l| format!("<th scope=\"col\">{l}</th>"))
                .collect::<String>()
        );
        for p in all {
            let id = s(p, "id");
            let people: usize = list(p, "cohorts")
                .iter()
                .map(|c| list(c, "participants").len())
                .sum();
            let cohorts: Vec<String> = list(p, "cohorts")
                .iter()
                .map(|c| esc(s(c, "name")))
                .collect();
            let _ = write!(
                table,
                "<tr><td><strong>{}</strong><br><span class=\"small\">{}</span></td><td>{}</td><td>{}<br><span class=\"small\">{}</span></td><td><a href=\"/console/programs/{}/dashboard\">{}</a> · <a href=\"/console/programs/{}\">{}</a> · <a href=\"/console/outcomes/{}\">{}</a></td></tr>",
                esc(s(p, "name")),
                esc(s(p, "description")),
                list(p, "milestones").len(),
                cohorts.join(", "),
                ctx.tf("cbo.n_participants", &[("n", &people.to_string())]),
                seg(id),
                ctx.tx("cbo.dashboard"),
                seg(id),
                ctx.tx("common.edit"),
                seg(id),
                ctx.tx("cbo.outcomes"),
            );
        }
        table.push_str("</tbody></table></div>");
        body.push_str(&html::stack(&table, &labels));
    }
    // Skills and occupations: what is imported, and imports.
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><p class=\"hint\">{}</p><ul>",
        ctx.tx("cbo.frameworks"),
        ctx.tx("cbo.frameworks_hint")
    );
    for f in list(&frameworks, "frameworks") {
        let _ = write!(
            body,
            "<li><strong>{}</strong> · {} · <span class=\"mono small\">{}</span></li>",
            esc(s(f, "name")),
            ctx.tf(
                "cbo.n_skills",
                &[("n", &f["skills"].as_u64().unwrap_or(0).to_string())]
            ),
            esc(s(f, "source"))
        );
    }
    let _ = write!(
        body,
        "</ul><form method=\"post\" action=\"/console/programs/import\" enctype=\"multipart/form-data\">{}<input type=\"hidden\" name=\"kind\" value=\"frameworks\"><div class=\"grid2\">{}{}</div><div class=\"field\"><label for=\"fw-file\">{}</label><p class=\"hint\" id=\"fw-file-hint\">{}</p><input id=\"fw-file\" name=\"file\" type=\"file\" accept=\".json,.csv,application/json,text/csv\" aria-describedby=\"fw-file-hint\" required></div><button type=\"submit\" class=\"secondary\">{}</button></form></section>",
        html::csrf_field(&staff.csrf),
        input(
            "fw-id",
            ctx.t("cbo.framework_id"),
            "",
            "type=\"url\" inputmode=\"url\" placeholder=\"https://\""
        ),
        input(
            "fw-name",
            ctx.t("cbo.framework_name"),
            "",
            "maxlength=\"200\""
        ),
        ctx.tx("cbo.file"),
        ctx.tx("cbo.framework_file_hint"),
        ctx.tx("cbo.import"),
    );
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><ul>",
        ctx.tx("cbo.occupations")
    );
    for o in list(&occupations, "occupations") {
        let _ = write!(
            body,
            "<li><span class=\"mono\">{}</span> {} · {}</li>",
            esc(s(o, "code")),
            esc(s(o, "title")),
            ctx.tf(
                "cbo.n_skills",
                &[("n", &list(o, "skills").len().to_string())]
            )
        );
    }
    let _ = write!(
        body,
        "</ul><form method=\"post\" action=\"/console/programs/import\" enctype=\"multipart/form-data\">{}<input type=\"hidden\" name=\"kind\" value=\"occupations\"><div class=\"field\"><label for=\"oc-file\">{}</label><p class=\"hint\" id=\"oc-file-hint\">{}</p><input id=\"oc-file\" name=\"file\" type=\"file\" accept=\".json,.csv,.txt\" aria-describedby=\"oc-file-hint\" required></div><button type=\"submit\" class=\"secondary\">{}</button></form></section>",
        html::csrf_field(&staff.csrf),
        ctx.tx("cbo.file"),
        ctx.tx("cbo.occupation_file_hint"),
        ctx.tx("cbo.import"),
    );
    Ok(console_page(&ctx, &staff, ctx.t("cbo.programs"), &body))
}

/// `POST /console/programs/import`: a framework or occupations file, through the API.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let Some(file) = form.file("file") else {
        return Ok(error_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            ctx.t("cbo.file_missing"),
        ));
    };
    let json = file
        .bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[');
    let kind = if json { "application/json" } else { "text/csv" };
    let path = match form.get("kind") {
        "occupations" => format!("/orgs/{}/cbo/occupations", staff.org.slug),
        _ => format!(
            "/orgs/{}/cbo/frameworks?id={}&name={}",
            staff.org.slug,
            html::url_param(form.get("fw-id")),
            html::url_param(form.get("fw-name"))
        ),
    };
    let a = api_bytes(
        &state,
        Method::POST,
        &path,
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        kind,
        file.bytes.clone(),
    )
    .await?;
    if !a.status.is_success() {
        return Ok(error_page(&ctx, a.status, &a.detail()));
    }
    Ok(html::redirect("/console/programs?done=imported"))
}

/// Empty milestone rows offered below the filled ones.
const SPARE_MILESTONES: usize = 2;

fn program_form(
    ctx: &Ctx,
    staff: &Staff,
    program: &Value,
    skills: &[Value],
    occupations: &[Value],
    new: bool,
    error: Option<&str>,
) -> String {
    let mut body = String::new();
    if let Some(e) = error {
        body.push_str(&notice("bad", &esc(e)));
    }
    let action = if new {
        "/console/programs".to_owned()
    } else {
        format!("/console/programs/{}", seg(s(program, "id")))
    };
    let id_attrs = if new {
        "required maxlength=\"200\" pattern=\"\\S+\"".to_owned()
    } else {
        "readonly".to_owned()
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}\">{}<fieldset><legend>{}</legend>{}{}{}</fieldset>",
        esc(&action),
        html::csrf_field(&staff.csrf),
        ctx.tx("cbo.program_about"),
        html::input_hint(
            "id",
            ctx.t("cbo.program_id"),
            ctx.t("cbo.program_id_hint"),
            s(program, "id"),
            &id_attrs
        ),
        input(
            "name",
            ctx.t("cbo.program_name"),
            s(program, "name"),
            "required maxlength=\"200\""
        ),
        textarea(
            "description",
            ctx.t("cbo.program_description"),
            s(program, "description"),
            "rows=\"2\" maxlength=\"2000\""
        ),
    );
    let required: Vec<&str> = list(program, "requiredSkills")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend><p class=\"hint\">{}</p>",
        ctx.tx("cbo.required_skills"),
        ctx.tx("cbo.required_skills_hint")
    );
    if skills.is_empty() {
        body.push_str(&notice("info", &ctx.tx("cbo.skills_none")));
    }
    for (i, k) in skills.iter().enumerate() {
        let checked = if required.contains(&s(k, "id")) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<div><input type=\"checkbox\" id=\"rs-{i}\" name=\"requiredSkills\" value=\"{}\"{checked}><label class=\"inline\" for=\"rs-{i}\">{}</label> <span class=\"small\">{}</span></div>",
            esc(s(k, "id")),
            esc(s(k, "name")),
            esc(s(k, "category"))
        );
    }
    body.push_str("</fieldset>");
    let targets: Vec<&str> = list(program, "targetOccupations")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        ctx.tx("cbo.target_occupations")
    );
    for (i, o) in occupations.iter().enumerate() {
        let checked = if targets.contains(&s(o, "code")) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<div><input type=\"checkbox\" id=\"oc-{i}\" name=\"targetOccupations\" value=\"{}\"{checked}><label class=\"inline\" for=\"oc-{i}\"><span class=\"mono\">{}</span> {}</label></div>",
            esc(s(o, "code")),
            esc(s(o, "code")),
            esc(s(o, "title"))
        );
    }
    body.push_str("</fieldset>");
    let milestones = list(program, "milestones");
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend><p class=\"hint\">{}</p>",
        ctx.tx("cbo.milestones"),
        ctx.tx("cbo.milestones_hint")
    );
    let blank = Value::Null;
    for i in 0..milestones.len() + SPARE_MILESTONES {
        let m = milestones.get(i).unwrap_or(&blank);
        let n = (i + 1).to_string();
        let issuers: Vec<&str> = list(m, "issuers")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mine: Vec<&str> = list(m, "skills").iter().filter_map(Value::as_str).collect();
        let _ = write!(
            body,
            "<fieldset><legend>{}</legend><div class=\"grid2\">{}{}</div>{}",
            ctx.tf("cbo.milestone_n", &[("n", &n)]),
            input(
                &format!("m{i}-achievement"),
                ctx.t("cbo.milestone_achievement"),
                s(m, "achievementId"),
                "type=\"url\" inputmode=\"url\""
            ),
            input(
                &format!("m{i}-name"),
                ctx.t("cbo.milestone_name"),
                s(m, "name"),
                "maxlength=\"200\""
            ),
            html::input_hint(
                &format!("m{i}-issuers"),
                ctx.t("cbo.milestone_issuers"),
                ctx.t("cbo.milestone_issuers_hint"),
                &issuers.join(" "),
                ""
            ),
        );
        let _ = write!(
            body,
            "<div class=\"field\"><label for=\"m{i}-skills\">{}</label><select id=\"m{i}-skills\" name=\"m{i}-skills\" multiple size=\"4\">",
            ctx.tx("cbo.milestone_skills")
        );
        for k in skills {
            let sel = if mine.contains(&s(k, "id")) {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                body,
                "<option value=\"{}\"{sel}>{}</option>",
                esc(s(k, "id")),
                esc(s(k, "name"))
            );
        }
        let checked = if m["credential"] == true {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            body,
            "</select></div><div class=\"field\"><input type=\"checkbox\" id=\"m{i}-credential\" name=\"m{i}-credential\" value=\"1\"{checked}><label class=\"inline\" for=\"m{i}-credential\">{}</label></div></fieldset>",
            ctx.tx("cbo.milestone_credential")
        );
    }
    let _ = write!(
        body,
        "<input type=\"hidden\" name=\"rows\" value=\"{}\"></fieldset><button type=\"submit\">{}</button></form>",
        milestones.len() + SPARE_MILESTONES,
        ctx.tx("common.save")
    );
    body
}

/// The program a form describes (cohorts are kept by their own form).
fn program_of(form: &Form, cohorts: Value) -> Value {
    let rows: usize = form.get("rows").parse().unwrap_or(0).min(200);
    let mut milestones = Vec::new();
    for i in 0..rows {
        let achievement = form.get(&format!("m{i}-achievement"));
        let name = form.get(&format!("m{i}-name"));
        if achievement.is_empty() && name.is_empty() {
            continue;
        }
        let issuers: Vec<&str> = form
            .get(&format!("m{i}-issuers"))
            .split([' ', ',', '\n'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect();
        milestones.push(json!({
            "achievementId": achievement,
            "name": name,
            "issuers": issuers,
            "skills": form.all(&format!("m{i}-skills")),
            "credential": form.get(&format!("m{i}-credential")) == "1",
        }));
    }
    let mut p = json!({
        "id": form.get("id"),
        "name": form.get("name"),
        "requiredSkills": form.all("requiredSkills"),
        "targetOccupations": form.all("targetOccupations"),
        "milestones": milestones,
        "cohorts": cohorts,
    });
    if !form.get("description").is_empty() {
        p["description"] = json!(form.get("description"));
    }
    p
}

async fn catalogs(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
) -> Result<(Vec<Value>, Vec<Value>), AppError> {
    let skills = cbo_api(state, ctx, staff, Method::GET, "skills", None)
        .await?
        .json;
    let occupations = cbo_api(state, ctx, staff, Method::GET, "occupations", None)
        .await?
        .json;
    Ok((
        list(&skills, "skills").to_vec(),
        list(&occupations, "occupations").to_vec(),
    ))
}

/// `GET /console/programs/new`.
pub async fn program_new(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let (skills, occupations) = catalogs(&state, &ctx, &staff).await?;
    let body = format!(
        "<h1>{}</h1>{}",
        ctx.tx("cbo.program_new"),
        program_form(
            &ctx,
            &staff,
            &Value::Null,
            &skills,
            &occupations,
            true,
            None
        )
    );
    Ok(console_page(&ctx, &staff, ctx.t("cbo.program_new"), &body))
}

/// `POST /console/programs`: creates a program.
pub async fn program_create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let p = program_of(&form, json!([]));
    let a = cbo_api(&state, &ctx, &staff, Method::POST, "programs", Some(&p)).await?;
    if a.status.is_success() {
        return Ok(html::redirect(&format!(
            "/console/programs/{}?done=saved",
            seg(form.get("id"))
        )));
    }
    let (skills, occupations) = catalogs(&state, &ctx, &staff).await?;
    let body = format!(
        "<h1>{}</h1>{}",
        ctx.tx("cbo.program_new"),
        program_form(
            &ctx,
            &staff,
            &p,
            &skills,
            &occupations,
            true,
            Some(&a.detail())
        )
    );
    let mut res = console_page(&ctx, &staff, ctx.t("cbo.program_new"), &body);
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

async fn program_page(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
    id: &str,
    message: &str,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let program = json_or_page!(
        ctx,
        cbo_api(
            state,
            ctx,
            staff,
            Method::GET,
            &format!("programs/{}", seg(id)),
            None,
        )
        .await?,
    );
    let (skills, occupations) = catalogs(state, ctx, staff).await?;
    let participants = cbo_api(state, ctx, staff, Method::GET, "participants", None)
        .await?
        .json;
    let mut body = format!(
        "<h1>{}</h1>{message}<p class=\"actions\"><a class=\"button secondary\" href=\"/console/programs/{}/dashboard\">{}</a><a class=\"button secondary\" href=\"/console/outcomes/{}\">{}</a></p>",
        esc(s(&program, "name")),
        seg(id),
        ctx.tx("cbo.dashboard"),
        seg(id),
        ctx.tx("cbo.outcomes"),
    );
    // Cohorts and enrolment.
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2>",
        ctx.tx("cbo.cohorts")
    );
    let cohorts = list(&program, "cohorts");
    if cohorts.is_empty() {
        body.push_str(&notice("info", &ctx.tx("cbo.cohorts_none")));
    }
    let name_of = |pid: &str| -> String {
        list(&participants, "participants")
            .iter()
            .find(|p| s(p, "id") == pid)
            .map_or_else(|| pid.to_owned(), |p| s(p, "name").to_owned())
    };
    for c in cohorts {
        let people: Vec<String> = list(c, "participants")
            .iter()
            .filter_map(Value::as_str)
            .map(|p| {
                format!(
                    "<a href=\"/console/participants/{}\">{}</a>",
                    seg(p),
                    esc(&name_of(p))
                )
            })
            .collect();
        let _ = write!(
            body,
            "<h3>{} <span class=\"small\">{} – {}</span></h3><p>{}</p><p class=\"small\"><a href=\"/console/programs/{}/dashboard?cohort={}\">{}</a></p>",
            esc(s(c, "name")),
            esc(s(c, "start")),
            esc(s(c, "end")),
            if people.is_empty() {
                ctx.tx("cbo.nobody_yet")
            } else {
                people.join(", ")
            },
            seg(id),
            html::url_param(s(c, "id")),
            ctx.tx("cbo.cohort_dashboard"),
        );
    }
    if let Some(e) = error {
        body.push_str(&notice("bad", &esc(e)));
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/console/programs/{}/cohorts\">{}<fieldset><legend>{}</legend><div class=\"grid2\">{}{}{}{}</div><button type=\"submit\" class=\"secondary\">{}</button></fieldset></form>",
        seg(id),
        html::csrf_field(&staff.csrf),
        ctx.tx("cbo.cohort_add"),
        input(
            "cohort",
            ctx.t("cbo.cohort_id"),
            "",
            "required maxlength=\"200\" pattern=\"\\S+\""
        ),
        input(
            "name",
            ctx.t("cbo.cohort_name"),
            "",
            "required maxlength=\"200\""
        ),
        input(
            "start",
            ctx.t("cbo.cohort_start"),
            "",
            "type=\"date\" required"
        ),
        input("end", ctx.t("cbo.cohort_end"), "", "type=\"date\" required"),
        ctx.tx("common.save"),
    );
    let enrolled: Vec<&str> = cohorts
        .iter()
        .flat_map(|c| list(c, "participants").iter().filter_map(Value::as_str))
        .collect();
    let free: Vec<&Value> = list(&participants, "participants")
        .iter()
        .filter(|p| !enrolled.contains(&s(p, "id")))
        .collect();
    if !cohorts.is_empty() && !free.is_empty() {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/console/programs/{}/enrol\">{}<fieldset><legend>{}</legend><div class=\"grid2\"><div class=\"field\"><label for=\"participant\">{}</label><select id=\"participant\" name=\"participant\">",
            seg(id),
            html::csrf_field(&staff.csrf),
            ctx.tx("cbo.enrol"),
            ctx.tx("cbo.participant"),
        );
        for p in free {
            let _ = write!(
                body,
                "<option value=\"{}\">{}</option>",
                esc(s(p, "id")),
                esc(s(p, "name"))
            );
        }
        let _ = write!(
            body,
            "</select></div><div class=\"field\"><label for=\"enrol-cohort\">{}</label><select id=\"enrol-cohort\" name=\"cohort\">",
            ctx.tx("cbo.cohort")
        );
        for c in cohorts {
            let _ = write!(
                body,
                "<option value=\"{}\">{}</option>",
                esc(s(c, "id")),
                esc(s(c, "name"))
            );
        }
        let _ = write!(
            body,
            "</select></div></div><button type=\"submit\" class=\"secondary\">{}</button></fieldset></form>",
            ctx.tx("cbo.enrol")
        );
    }
    body.push_str("</section>");
    let _ = write!(body, "<h2>{}</h2>", ctx.tx("cbo.program_edit"));
    body.push_str(&program_form(
        ctx,
        staff,
        &program,
        &skills,
        &occupations,
        false,
        None,
    ));
    Ok(console_page(ctx, staff, s(&program, "name"), &body))
}

/// `GET /console/programs/<id>`: cohorts, enrolment and the program's definition.
pub async fn program(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    program_page(
        &state,
        &ctx,
        &staff,
        &id,
        &done_notice(&ctx, q.done.as_deref()),
        None,
    )
    .await
}

/// `POST /console/programs/<id>`: saves the definition (cohorts stay).
pub async fn program_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let current = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::GET,
        &format!("programs/{}", seg(&id)),
        None,
    )
    .await?
    .json;
    let mut p = program_of(&form, current.get("cohorts").cloned().unwrap_or(json!([])));
    p["id"] = json!(id);
    let a = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::PUT,
        &format!("programs/{}", seg(&id)),
        Some(&p),
    )
    .await?;
    if a.status.is_success() {
        return Ok(html::redirect(&format!(
            "/console/programs/{}?done=saved",
            seg(&id)
        )));
    }
    program_page(
        &state,
        &ctx,
        &staff,
        &id,
        &notice("bad", &esc(&a.detail())),
        None,
    )
    .await
}

/// `POST /console/programs/<id>/cohorts`: adds or changes a cohort.
pub async fn cohort_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let body =
        json!({"name": form.get("name"), "start": form.get("start"), "end": form.get("end")});
    let a = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::PUT,
        &format!("programs/{}/cohorts/{}", seg(&id), seg(form.get("cohort"))),
        Some(&body),
    )
    .await?;
    if a.status.is_success() {
        return Ok(html::redirect(&format!(
            "/console/programs/{}?done=saved",
            seg(&id)
        )));
    }
    program_page(&state, &ctx, &staff, &id, "", Some(&a.detail())).await
}

/// `POST /console/programs/<id>/enrol`: enrols a participant in a cohort.
pub async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let body = json!({"participantId": form.get("participant")});
    let a = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::POST,
        &format!(
            "programs/{}/cohorts/{}/participants",
            seg(&id),
            seg(form.get("cohort"))
        ),
        Some(&body),
    )
    .await?;
    if a.status.is_success() {
        return Ok(html::redirect(&format!(
            "/console/programs/{}?done=enrolled",
            seg(&id)
        )));
    }
    program_page(&state, &ctx, &staff, &id, "", Some(&a.detail())).await
}

// ---------------------------------------------------------------- dashboards

/// Query of a dashboard.
#[derive(Debug, Default, Deserialize)]
pub struct CohortQuery {
    cohort: Option<String>,
}

/// A stacked bar: done, in progress, not started (and others), each a share of `total`.
fn stacked_bar(ctx: &Ctx, id: &str, label: &str, parts: &[(&str, usize)], total: usize) -> String {
    let width = 600.0;
    let mut x = 0.0;
    let mut rects = String::new();
    let mut words = Vec::new();
    for (class, n) in parts {
        if *n == 0 || total == 0 {
            continue;
        }
        let w = width * (*n as f64) / (total as f64);
        let _ = write!(
            rects,
            "<rect class=\"seg-{class}\" x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"24\"/>"
        );
        x += w;
        words.push(format!("{}: {n}", ctx.t(&format!("cbo.legend_{class}"))));
    }
    format!(
        "<svg class=\"chart stacked\" viewBox=\"0 0 {width} 24\" preserveAspectRatio=\"none\" role=\"img\" aria-labelledby=\"{id}\"><title id=\"{id}\">{}: {}</title><rect class=\"track\" x=\"0\" y=\"0\" width=\"{width}\" height=\"24\"/>{rects}</svg>",
        esc(label),
        esc(&words.join(", "))
    )
}

/// `GET /console/programs/<id>/dashboard[?cohort=…]`: where everyone is, milestone by milestone.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CohortQuery>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let cohort = q.cohort.filter(|c| !c.is_empty());
    let rest = match &cohort {
        Some(c) => format!(
            "programs/{}/dashboard?cohort={}",
            seg(&id),
            html::url_param(c)
        ),
        None => format!("programs/{}/dashboard", seg(&id)),
    };
    let d = json_or_page!(
        ctx,
        cbo_api(&state, &ctx, &staff, Method::GET, &rest, None).await?,
    );
    let program = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::GET,
        &format!("programs/{}", seg(&id)),
        None,
    )
    .await?
    .json;
    let board = &d["dashboard"];
    let total = board["participants"].as_u64().unwrap_or(0) as usize;
    let title_text = super::i18n::tf(
        ctx.lang,
        "cbo.dashboard_of",
        &[("program", s(&d, "programName"))],
    );
    let title = esc(&title_text);
    let mut body = format!("<h1>{title}</h1>");
    // Which cohort.
    let _ = write!(
        body,
        "<nav class=\"actions\" aria-label=\"{}\">",
        ctx.tx("cbo.cohorts")
    );
    let current = |this: Option<&str>| {
        if this == cohort.as_deref() {
            " aria-current=\"page\""
        } else {
            ""
        }
    };
    let _ = write!(
        body,
        "<a href=\"/console/programs/{}/dashboard\"{}>{}</a>",
        seg(&id),
        current(None),
        ctx.tx("cbo.all_cohorts")
    );
    for c in list(&program, "cohorts") {
        let _ = write!(
            body,
            "<a href=\"/console/programs/{}/dashboard?cohort={}\"{}>{}</a>",
            seg(&id),
            html::url_param(s(c, "id")),
            current(Some(s(c, "id"))),
            esc(s(c, "name"))
        );
    }
    body.push_str("</nav>");
    let _ = write!(
        body,
        "<p class=\"lead\">{}</p>",
        ctx.tf(
            "cbo.dashboard_lead",
            &[
                ("n", &total.to_string()),
                (
                    "all",
                    &board["completedAll"].as_u64().unwrap_or(0).to_string()
                )
            ]
        )
    );
    // Per milestone: a stacked bar and the counts.
    let labels = [
        ctx.tx("cbo.milestone"),
        ctx.tx("cbo.status_done"),
        ctx.tx("cbo.status_in_progress"),
        ctx.tx("cbo.status_not_started"),
        ctx.tx("cbo.status_other"),
    ];
    let mut table = format!(
        "<div class=\"scroll\"><table><caption class=\"small\">{}</caption><thead><tr>{}</tr></thead><tbody>",
        ctx.tx("cbo.dashboard_caption"),
        labels
            .iter()
            .map(|l| format!("<th scope=\"col\">{l}</th>"))
            .collect::<String>()
    );
    for (i, m) in list(board, "milestones").iter().enumerate() {
        let n = |k: &str| m["counts"][k].as_u64().unwrap_or(0) as usize;
        let done = n("Completed");
        let going = n("InProgress") + n("Provisional") + n("OnHold");
        let waiting = n("Enrolled");
        let other = n("Failed") + n("Withdrew");
        let bar = stacked_bar(
            &ctx,
            &format!("bar-{i}"),
            s(m, "name"),
            &[
                ("done", done),
                ("going", going),
                ("waiting", waiting),
                ("other", other),
            ],
            total,
        );
        let _ = write!(
            table,
            "<tr><td><strong>{}</strong>{bar}</td><td>{done}</td><td>{going}</td><td>{waiting}</td><td>{other}</td></tr>",
            esc(s(m, "name"))
        );
    }
    table.push_str("</tbody></table></div>");
    body.push_str(&html::stack(&table, &labels));
    let _ = write!(
        body,
        "<p class=\"small legend\"><span class=\"key seg-done\"></span>{} <span class=\"key seg-going\"></span>{} <span class=\"key seg-waiting\"></span>{} <span class=\"key seg-other\"></span>{}</p>",
        ctx.tx("cbo.status_done"),
        ctx.tx("cbo.status_in_progress"),
        ctx.tx("cbo.status_not_started"),
        ctx.tx("cbo.status_other")
    );
    // Each participant.
    let _ = write!(body, "<h2>{}</h2>", ctx.tx("cbo.participants"));
    let people = list(&d, "participants");
    if people.is_empty() {
        body.push_str(&notice("info", &ctx.tx("cbo.nobody_yet")));
    }
    for p in people {
        let pid = s(p, "participant");
        let progress = &p["progress"];
        let _ = write!(
            body,
            "<section class=\"card\"><h3><a href=\"/console/participants/{}\">{}</a> <span class=\"small\">{}</span></h3><p class=\"small\">{} · <a href=\"/console/participants/{}/plan?program={}\">{}</a></p><ul class=\"steps\">",
            seg(pid),
            esc(s(p, "name")),
            esc(s(p, "cohort")),
            ctx.tf(
                "cbo.n_of_m_done",
                &[
                    ("n", &progress["completed"].to_string()),
                    ("m", &progress["total"].to_string())
                ]
            ),
            seg(pid),
            html::url_param(&id),
            ctx.tx("cbo.plan"),
        );
        for m in list(progress, "milestones") {
            let _ = write!(
                body,
                "<li>{} {}</li>",
                status_pill(&ctx, s(m, "status")),
                esc(s(m, "name"))
            );
        }
        body.push_str("</ul></section>");
    }
    Ok(console_page(&ctx, &staff, &title_text, &body))
}

// ---------------------------------------------------------------- participants and intake

/// `GET /console/participants`: participants, and the grants to take in.
pub async fn participants(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let people = json_or_page!(
        ctx,
        cbo_api(&state, &ctx, &staff, Method::GET, "participants", None).await?,
    );
    let grants = api(
        &state,
        Method::GET,
        &format!("/orgs/{}/grants", staff.org.slug),
        &ctx.headers,
        ctx.client,
        None,
        None,
    )
    .await?
    .json;
    participants_page(
        &ctx,
        &staff,
        &people,
        &grants,
        &done_notice(&ctx, q.done.as_deref()),
    )
}

fn participants_page(
    ctx: &Ctx,
    staff: &Staff,
    people: &Value,
    grants: &Value,
    message: &str,
) -> Result<Response, AppError> {
    let mut body = format!(
        "<h1>{}</h1>{message}<p class=\"lead\">{}</p>",
        ctx.tx("cbo.participants"),
        ctx.tx("cbo.participants_lead")
    );
    // Intake: the grants holders gave this organization.
    let _ = write!(
        body,
        "<section class=\"card\" aria-labelledby=\"intake\"><h2 id=\"intake\">{}</h2><p class=\"hint\">{}</p>",
        ctx.tx("cbo.intake"),
        ctx.tx("cbo.intake_hint")
    );
    let all = list(grants, "grants");
    if all.is_empty() {
        body.push_str(&notice("info", &ctx.tx("cbo.grants_none")));
    }
    for g in all {
        let holder = s(g, "holder");
        let known = list(people, "participants")
            .iter()
            .find(|p| s(p, "did") == holder);
        let who = match known {
            Some(p) => ctx.tf("cbo.grant_from_known", &[("name", s(p, "name"))]),
            None => ctx.tf(
                "cbo.grant_from",
                &[("did", &holder.chars().take(28).collect::<String>())],
            ),
        };
        let purposes: Vec<String> = list(g, "purposes")
            .iter()
            .filter_map(Value::as_str)
            .map(|p| {
                let key = format!("purpose.{}", p.replace('-', "_"));
                if super::i18n::has(&key) {
                    ctx.t(&key).to_owned()
                } else {
                    p.to_owned()
                }
            })
            .collect();
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/console/participants/intake\" class=\"record\">{}<input type=\"hidden\" name=\"grantId\" value=\"{}\"><p><strong>{who}</strong><br><span class=\"small\">{} · {} · {}</span></p>{}",
            html::csrf_field(&staff.csrf),
            esc(s(g, "id")),
            ctx.tf(
                "cbo.n_records",
                &[("n", &list(g, "records").len().to_string())]
            ),
            esc(&purposes.join(", ")),
            ctx.tf("cbo.grant_until", &[("date", html::date(s(g, "expires")))]),
            if known.is_none() {
                input(
                    &format!("name-{}", s(g, "id")),
                    ctx.t("cbo.participant_name_optional"),
                    "",
                    "maxlength=\"200\"",
                )
                .replace(&format!("name=\"name-{}\"", s(g, "id")), "name=\"name\"")
            } else {
                String::new()
            },
        );
        let label = if known.is_some() {
            ctx.tx("cbo.intake_again")
        } else {
            ctx.tx("cbo.intake_now")
        };
        let _ = write!(body, "<button type=\"submit\">{label}</button></form>");
    }
    body.push_str("</section>");
    // Everyone.
    let rows = list(people, "participants");
    if rows.is_empty() {
        body.push_str(&notice("info", &ctx.tx("cbo.participants_none")));
    } else {
        let labels = [
            ctx.tx("cbo.participant"),
            ctx.tx("cbo.programs"),
            ctx.tx("cbo.profile"),
        ];
        let mut table = format!(
            "<div class=\"scroll\"><table><thead><tr>{}</tr></thead><tbody>",
            labels
                .iter()
                .map(|l| format!("<th scope=\"col\">{l}</th>"))
                .collect::<String>()
        );
        for p in rows {
            let enrolments: Vec<String> = list(p, "enrolments")
                .iter()
                .map(|e| format!("{} ({})", esc(s(e, "program")), esc(s(e, "cohort"))))
                .collect();
            let profile = if p["profile"] == true {
                ctx.tx("cbo.profile_from_records")
            } else {
                ctx.tx("cbo.profile_none")
            };
            let wallet = if p["wallet"] == true {
                format!(
                    " <span class=\"pill info\">{}</span>",
                    ctx.tx("cbo.wallet_linked")
                )
            } else {
                String::new()
            };
            let _ = write!(
                table,
                "<tr><td><a href=\"/console/participants/{}\">{}</a>{wallet}</td><td>{}</td><td>{profile}</td></tr>",
                seg(s(p, "id")),
                esc(s(p, "name")),
                if enrolments.is_empty() {
                    ctx.tx("cbo.not_enrolled")
                } else {
                    enrolments.join(", ")
                },
            );
        }
        table.push_str("</tbody></table></div>");
        body.push_str(&html::stack(&table, &labels));
    }
    Ok(console_page(ctx, staff, ctx.t("cbo.participants"), &body))
}

/// `POST /console/participants/intake`: takes in what a grant shares.
pub async fn intake(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let mut body = json!({"grantId": form.get("grantId")});
    if !form.get("name").is_empty() {
        body["name"] = json!(form.get("name"));
    }
    let a = cbo_api(&state, &ctx, &staff, Method::POST, "intake", Some(&body)).await?;
    if !a.status.is_success() {
        return Ok(error_page(&ctx, a.status, &a.detail()));
    }
    let id = s(&a.json["participant"], "id").to_owned();
    Ok(html::redirect(&format!(
        "/console/participants/{}?done=intake",
        seg(&id)
    )))
}

/// A JSON Pointer-style path part.
fn pointer(part: &str) -> String {
    part.replace('~', "~0").replace('/', "~1")
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Object(o) => {
            if let Some(name) = o.get("name") {
                return value_text(name);
            }
            if let Some(amount) = o.get("amount") {
                let part = |k: &str| o.get(k).map(value_text).unwrap_or_default();
                return format!(
                    "{} {} / {}",
                    value_text(amount),
                    part("currency"),
                    part("period")
                )
                .trim()
                .to_owned();
            }
            let place: Vec<String> = ["addressLocality", "addressRegion", "addressCountry"]
                .iter()
                .filter_map(|k| o.get(*k).map(value_text))
                .filter(|x| !x.is_empty())
                .collect();
            if place.is_empty() {
                v.to_string()
            } else {
                place.join(", ")
            }
        }
        other => other.to_string(),
    }
}

/// One section of a profile: each entry's fields with where they came from, and a form per
/// field to correct or annotate it.
fn profile_section(
    ctx: &Ctx,
    staff: &Staff,
    pid: &str,
    section: &str,
    title_key: &str,
    entries: &[Value],
    records: &[Value],
) -> String {
    let mut out = format!(
        "<section aria-labelledby=\"s-{section}\"><h2 id=\"s-{section}\">{}</h2>",
        ctx.tx(title_key)
    );
    if entries.is_empty() {
        out.push_str(&format!(
            "<p class=\"small\">{}</p>",
            ctx.tx("cbo.section_empty")
        ));
    }
    let record_name = |id: &str| -> String {
        records
            .iter()
            .find(|r| s(&r["provenance"], "recordId") == id)
            .map(|r| s(r, "name").to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.to_owned())
    };
    for (n, e) in entries.iter().enumerate() {
        let key = s(e, "key");
        let fields = e["fields"].as_object().cloned().unwrap_or_default();
        let heading = fields
            .get("name")
            .or_else(|| fields.get("employer"))
            .map(|f| value_text(&f["value"]))
            .unwrap_or_else(|| key.to_owned());
        let staff_entered = if e["staffEntered"] == true {
            format!(
                " <span class=\"pill info\">{}</span>",
                ctx.tx("cbo.staff_entered")
            )
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<article class=\"card\"><h3>{}{staff_entered}</h3><dl class=\"facts\">",
            esc(&heading)
        );
        let mut ordered: Vec<(&String, &Value)> = fields.iter().collect();
        ordered.sort_by_key(|(name, _)| {
            FIELD_ORDER
                .iter()
                .position(|x| x == name)
                .unwrap_or(FIELD_ORDER.len())
        });
        for (i, (name, f)) in ordered.into_iter().enumerate() {
            let mut from = String::new();
            for src in list(f, "sources") {
                let verified = src["verified"] == true;
                let pill = if verified {
                    format!(
                        "<span class=\"pill ok\">{}{}</span>",
                        html::icon("ok"),
                        ctx.tx("cbo.verified")
                    )
                } else {
                    format!(
                        "<span class=\"pill bad\">{}{}</span>",
                        html::icon("bad"),
                        ctx.tx("cbo.not_verified")
                    )
                };
                let when = ids::format_datetime(src["verifiedAt"].as_i64().unwrap_or(0));
                let problems: Vec<&str> = list(src, "problems")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let _ = write!(
                    from,
                    "<li>{} {pill} <span class=\"small\">{}</span>{}</li>",
                    ctx.tf(
                        "cbo.from_record",
                        &[("record", &record_name(s(src, "recordId")))]
                    ),
                    ctx.tf("cbo.checked_on", &[("date", html::date(&when))]),
                    if problems.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "<br><span class=\"small error\">{}</span>",
                            esc(&problems.join("; "))
                        )
                    }
                );
            }
            if let Some(c) = f.get("corrected") {
                let _ = write!(
                    from,
                    "<li>{}{}</li>",
                    ctx.tf(
                        "cbo.corrected_by",
                        &[
                            ("by", s(c, "by")),
                            (
                                "date",
                                html::date(&ids::format_datetime(c["at"].as_i64().unwrap_or(0)))
                            )
                        ]
                    ),
                    match f.get("original") {
                        Some(o) => format!(
                            " · {}",
                            ctx.tf("cbo.records_say", &[("value", &value_text(o))])
                        ),
                        None => String::new(),
                    }
                );
            }
            for note in list(f, "notes") {
                let _ = write!(
                    from,
                    "<li>{} <span class=\"small\">{}</span></li>",
                    ctx.tf("cbo.note", &[("text", s(note, "text"))]),
                    esc(&format!(
                        "{}, {}",
                        s(note, "by"),
                        html::date(&ids::format_datetime(note["at"].as_i64().unwrap_or(0)))
                    )),
                );
            }
            let path = format!("/{section}/{}/{}", pointer(key), pointer(name));
            let fid = format!("{section}-{n}-{i}");
            let _ = write!(
                out,
                "<dt>{}</dt><dd><strong>{}</strong><ul class=\"provenance\">{from}</ul><details><summary>{}</summary><form method=\"post\" action=\"/console/participants/{}/correct\">{}<input type=\"hidden\" name=\"path\" value=\"{}\"><input type=\"hidden\" name=\"number\" value=\"{}\">{}{}<button type=\"submit\" class=\"secondary\">{}</button></form></details></dd>",
                esc(&field_label(ctx, name)),
                esc(&shown(name, &f["value"])),
                ctx.tx("cbo.correct_or_note"),
                seg(pid),
                html::csrf_field(&staff.csrf),
                esc(&path),
                if f["value"].is_number() { "1" } else { "" },
                input(
                    &format!("v-{fid}"),
                    ctx.t("cbo.new_value"),
                    "",
                    "maxlength=\"500\""
                )
                .replace(&format!("name=\"v-{fid}\""), "name=\"value\""),
                input(
                    &format!("n-{fid}"),
                    ctx.t("cbo.note_label"),
                    "",
                    "maxlength=\"2000\""
                )
                .replace(&format!("name=\"n-{fid}\""), "name=\"note\""),
                ctx.tx("common.save"),
            );
        }
        out.push_str("</dl></article>");
    }
    out.push_str("</section>");
    out
}

/// The order fields are shown in (others after, by name).
const FIELD_ORDER: &[&str] = &[
    "name",
    "employer",
    "positionTitle",
    "type",
    "issuer",
    "date",
    "startDate",
    "endDate",
    "hoursPerWeek",
    "employmentType",
    "pay",
    "location",
    "status",
    "framework",
    "code",
    "url",
    "achievement",
];

/// A field's value as shown: dates as dates.
fn shown(name: &str, v: &Value) -> String {
    let text = value_text(v);
    if matches!(name, "date" | "startDate" | "endDate") {
        html::date(&text).to_owned()
    } else {
        text
    }
}

/// A profile field's name in the page's language (the API's name when the catalog has none).
fn field_label(ctx: &Ctx, name: &str) -> String {
    let key = format!("cbo.field_{name}");
    if super::i18n::has(&key) {
        ctx.t(&key).to_owned()
    } else {
        name.to_owned()
    }
}

/// `GET /console/participants/<id>`: the profile intake filled, each field with its provenance.
pub async fn participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let d = json_or_page!(
        ctx,
        cbo_api(
            &state,
            &ctx,
            &staff,
            Method::GET,
            &format!("participants/{}", seg(&pid)),
            None,
        )
        .await?,
    );
    let programs = cbo_api(&state, &ctx, &staff, Method::GET, "programs", None)
        .await?
        .json;
    let occupations = cbo_api(&state, &ctx, &staff, Method::GET, "occupations", None)
        .await?
        .json;
    let who = &d["participant"];
    let mut body = format!(
        "<h1>{}</h1>{}",
        esc(s(who, "name")),
        done_notice(&ctx, q.done.as_deref())
    );
    // Plans.
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><p class=\"hint\">{}</p><ul>",
        ctx.tx("cbo.plans"),
        ctx.tx("cbo.plans_hint")
    );
    for e in list(&d, "enrolments") {
        let name = list(&programs, "programs")
            .iter()
            .find(|p| s(p, "id") == s(e, "program"))
            .map_or(s(e, "program"), |p| s(p, "name"));
        let _ = write!(
            body,
            "<li><a href=\"/console/participants/{}/plan?program={}\">{}</a> <span class=\"small\">({})</span></li>",
            seg(&pid),
            html::url_param(s(e, "program")),
            ctx.tf("cbo.plan_for", &[("target", name)]),
            esc(s(e, "cohort"))
        );
    }
    for p in list(&programs, "programs").iter().filter(|p| {
        !list(&d, "enrolments")
            .iter()
            .any(|e| s(e, "program") == s(p, "id"))
    }) {
        let _ = write!(
            body,
            "<li><a href=\"/console/participants/{}/plan?program={}\">{}</a></li>",
            seg(&pid),
            html::url_param(s(p, "id")),
            ctx.tf("cbo.plan_for", &[("target", s(p, "name"))])
        );
    }
    for o in list(&occupations, "occupations") {
        let _ = write!(
            body,
            "<li><a href=\"/console/participants/{}/plan?occupation={}\">{}</a></li>",
            seg(&pid),
            html::url_param(s(o, "code")),
            ctx.tf(
                "cbo.plan_for",
                &[("target", &format!("{} ({})", s(o, "title"), s(o, "code")))]
            )
        );
    }
    body.push_str("</ul></section>");
    let profile = &d["profile"];
    if profile.is_null() {
        body.push_str(&notice("info", &ctx.tx("cbo.no_profile")));
        return Ok(console_page(&ctx, &staff, s(who, "name"), &body));
    }
    // The records it came from.
    let records = list(profile, "records");
    let _ = write!(
        body,
        "<p class=\"lead\">{}</p><section class=\"card\"><h2>{}</h2><ul>",
        ctx.tx("cbo.profile_lead"),
        ctx.tx("cbo.shared_records")
    );
    for r in records {
        let prov = &r["provenance"];
        let pill = if prov["verified"] == true {
            format!(
                "<span class=\"pill ok\">{}{}</span>",
                html::icon("ok"),
                ctx.tx("cbo.verified")
            )
        } else {
            format!(
                "<span class=\"pill bad\">{}{}</span>",
                html::icon("bad"),
                ctx.tx("cbo.not_verified")
            )
        };
        let _ = write!(
            body,
            "<li>{} {pill} <span class=\"small\">{} · {}</span></li>",
            esc(if s(r, "name").is_empty() {
                s(prov, "recordId")
            } else {
                s(r, "name")
            }),
            esc(s(r, "issuer")),
            ctx.tf(
                "cbo.checked_on",
                &[(
                    "date",
                    html::date(&ids::format_datetime(
                        prov["verifiedAt"].as_i64().unwrap_or(0)
                    ))
                )]
            ),
        );
    }
    body.push_str("</ul></section>");
    for (section, key) in [
        ("education", "cbo.section_education"),
        ("credentials", "cbo.section_credentials"),
        ("skills", "cbo.section_skills"),
        ("workHistory", "cbo.section_work"),
    ] {
        body.push_str(&profile_section(
            &ctx,
            &staff,
            &pid,
            section,
            key,
            list(profile, section),
            records,
        ));
    }
    Ok(console_page(&ctx, &staff, s(who, "name"), &body))
}

/// `POST /console/participants/<id>/correct`: a correction (a new value) or a note.
pub async fn correct(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let body = if !form.get("value").is_empty() {
        let v = form.get("value");
        let value = match (form.get("number"), v.parse::<f64>()) {
            ("1", Ok(n)) => json!(n),
            _ => json!(v),
        };
        json!({"path": form.get("path"), "value": value})
    } else if !form.get("note").is_empty() {
        json!({"path": form.get("path"), "note": form.get("note")})
    } else {
        return Ok(html::redirect(&format!(
            "/console/participants/{}",
            seg(&pid)
        )));
    };
    let a = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::POST,
        &format!("participants/{}/corrections", seg(&pid)),
        Some(&body),
    )
    .await?;
    if !a.status.is_success() {
        return Ok(error_page(&ctx, a.status, &a.detail()));
    }
    Ok(html::redirect(&format!(
        "/console/participants/{}?done=corrected",
        seg(&pid)
    )))
}

/// Query of a plan page.
#[derive(Debug, Default, Deserialize)]
pub struct PlanQuery {
    program: Option<String>,
    occupation: Option<String>,
    done: Option<String>,
}

/// The names of a participant's shared records, by record id.
fn record_names(participant: &Value) -> Vec<(String, String)> {
    list(&participant["profile"], "records")
        .iter()
        .filter(|r| !s(r, "name").is_empty())
        .map(|r| {
            (
                s(&r["provenance"], "recordId").to_owned(),
                s(r, "name").to_owned(),
            )
        })
        .collect()
}

/// A text with record ids replaced by the records' names.
fn named(text: &str, names: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (id, name) in names {
        out = out.replace(&format!("record {id}"), &format!("«{name}»"));
        out = out.replace(id.as_str(), name);
    }
    out
}

fn evidence_text(ctx: &Ctx, e: &Value, names: &[(String, String)]) -> String {
    let who = [s(e, "issuerName"), s(e, "issuer")]
        .into_iter()
        .find(|x| !x.is_empty())
        .unwrap_or("");
    let record = named(s(e, "recordId"), names);
    ctx.tf(
        "cbo.evidence",
        &[
            ("record", &record),
            ("issuer", who),
            ("date", html::date(s(e, "date"))),
        ],
    )
}

/// `GET /console/participants/<id>/plan?program=…|occupation=…`: skill by skill, and the
/// milestones to waive or keep.
pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let query = match (&q.program, &q.occupation) {
        (Some(p), _) => format!("program={}", html::url_param(p)),
        (None, Some(o)) => format!("occupation={}", html::url_param(o)),
        _ => {
            return Ok(html::redirect(&format!(
                "/console/participants/{}",
                seg(&pid)
            )));
        }
    };
    let d = json_or_page!(
        ctx,
        cbo_api(
            &state,
            &ctx,
            &staff,
            Method::GET,
            &format!("participants/{}/plan?{query}", seg(&pid)),
            None,
        )
        .await?,
    );
    let who = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::GET,
        &format!("participants/{}", seg(&pid)),
        None,
    )
    .await?
    .json;
    let names = record_names(&who);
    let gap = &d["gap"];
    let target = &gap["target"];
    let target_name = if s(target, "kind") == "program" {
        s(target, "name").to_owned()
    } else {
        format!("{} ({})", s(target, "title"), s(target, "code"))
    };
    let title_text = super::i18n::tf(
        ctx.lang,
        "cbo.plan_title",
        &[
            ("name", s(&who["participant"], "name")),
            ("target", &target_name),
        ],
    );
    let title = esc(&title_text);
    let coverage = format!("{:.0}", gap["coverage"].as_f64().unwrap_or(0.0) * 100.0);
    let mut body = format!(
        "<h1>{title}</h1>{}<p class=\"lead\">{}</p><p class=\"small\"><a href=\"/console/participants/{}\">{}</a></p>",
        done_notice(&ctx, q.done.as_deref()),
        ctx.tf(
            "cbo.plan_lead",
            &[
                ("matched", &gap["matched"].to_string()),
                ("total", &list(gap, "skills").len().to_string()),
                ("coverage", &coverage)
            ]
        ),
        seg(&pid),
        ctx.tx("cbo.back_to_profile"),
    );
    // Milestones first: what the participant still has to do.
    if let Some(plan) = d.get("plan").filter(|p| !p.is_null()) {
        let _ = write!(
            body,
            "<section class=\"card\"><h2>{}</h2><p>{}</p><ul class=\"steps\">",
            ctx.tx("cbo.plan_milestones"),
            ctx.tf(
                "cbo.plan_counts",
                &[
                    ("waived", &plan["waived"].to_string()),
                    ("remaining", &plan["remaining"].to_string())
                ]
            )
        );
        for m in list(plan, "milestones") {
            let pill = if s(m, "decision") == "waive" {
                format!(
                    "<span class=\"pill ok\">{}{}</span>",
                    html::icon("ok"),
                    ctx.tx("cbo.waive")
                )
            } else {
                format!(
                    "<span class=\"pill info\">{}{}</span>",
                    html::icon("info"),
                    ctx.tx("cbo.remain")
                )
            };
            let _ = write!(
                body,
                "<li>{pill} <strong>{}</strong><br><span class=\"small\">{}</span></li>",
                esc(s(m, "name")),
                esc(&named(s(m, "why"), &names))
            );
        }
        body.push_str("</ul>");
        if let Some(program) = &q.program {
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/console/participants/{}/plan?program={}\">{}<p class=\"hint\">{}</p><button type=\"submit\" class=\"secondary\">{}</button></form>",
                seg(&pid),
                html::url_param(program),
                html::csrf_field(&staff.csrf),
                ctx.tx("cbo.apply_plan_hint"),
                ctx.tx("cbo.apply_plan")
            );
        }
        body.push_str("</section>");
    }
    // Skill by skill.
    let labels = [ctx.tx("cbo.skill"), ctx.tx("cbo.status"), ctx.tx("cbo.why")];
    let mut table = format!(
        "<h2>{}</h2><div class=\"scroll\"><table><thead><tr>{}</tr></thead><tbody>",
        ctx.tx("cbo.skill_by_skill"),
        labels
            .iter()
            .map(|l| format!("<th scope=\"col\">{l}</th>"))
            .collect::<String>()
    );
    for k in list(gap, "skills") {
        let matched = s(k, "status") == "matched";
        let pill = if matched {
            format!(
                "<span class=\"pill ok\">{}{}</span>",
                html::icon("ok"),
                ctx.tx("cbo.matched")
            )
        } else {
            format!(
                "<span class=\"pill bad\">{}{}</span>",
                html::icon("bad"),
                ctx.tx("cbo.missing")
            )
        };
        let mut why = String::new();
        for e in list(k, "evidence") {
            let _ = write!(why, "{}<br>", evidence_text(&ctx, e, &names));
        }
        for e in list(k, "unverified") {
            let _ = write!(
                why,
                "<span class=\"error\">{}</span><br>",
                ctx.tf(
                    "cbo.unverified_claim",
                    &[("evidence", &evidence_text(&ctx, e, &names))]
                )
            );
        }
        if why.is_empty() {
            why = ctx.tx("cbo.no_record");
        }
        let weight = if s(target, "kind") == "occupation" {
            format!(
                " <span class=\"small\">{}</span>",
                ctx.tf(
                    "cbo.importance",
                    &[("n", &format!("{:.1}", k["weight"].as_f64().unwrap_or(0.0)))]
                )
            )
        } else {
            String::new()
        };
        let _ = write!(
            table,
            "<tr><td>{}{weight}</td><td>{pill}</td><td>{why}</td></tr>",
            esc(s(k, "name"))
        );
    }
    table.push_str("</tbody></table></div>");
    body.push_str(&html::stack(&table, &labels));
    let ignored = list(gap, "ignored");
    if !ignored.is_empty() {
        let _ = write!(body, "<h2>{}</h2><ul>", ctx.tx("cbo.left_out"));
        for i in ignored {
            let _ = write!(
                body,
                "<li><span class=\"mono small\">{}</span>: {}</li>",
                esc(s(i, "recordId")),
                esc(s(i, "reason"))
            );
        }
        body.push_str("</ul>");
    }
    Ok(console_page(&ctx, &staff, &title_text, &body))
}

/// `POST /console/participants/<id>/plan?program=…`: records the plan's waivers.
pub async fn apply_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(pid): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let program = q.program.unwrap_or_default();
    let a = cbo_api(
        &state,
        &ctx,
        &staff,
        Method::POST,
        &format!(
            "participants/{}/plan?program={}",
            seg(&pid),
            html::url_param(&program)
        ),
        Some(&json!({})),
    )
    .await?;
    if !a.status.is_success() {
        return Ok(error_page(&ctx, a.status, &a.detail()));
    }
    Ok(html::redirect(&format!(
        "/console/participants/{}/plan?program={}&done=applied",
        seg(&pid),
        html::url_param(&program)
    )))
}

// ---------------------------------------------------------------- outcomes

/// `GET /console/outcomes`: the programs with reports.
pub async fn outcomes(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let d = json_or_page!(
        ctx,
        cbo_api(&state, &ctx, &staff, Method::GET, "reports", None).await?,
    );
    let k = d["minCell"].to_string();
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>{}<ul>",
        ctx.tx("cbo.outcomes"),
        ctx.tx("cbo.outcomes_lead"),
        notice("info", &ctx.tf("cbo.suppression_rule", &[("k", &k)])),
    );
    for p in list(&d, "programs") {
        let _ = write!(
            body,
            "<li><a href=\"/console/outcomes/{}\">{}</a><ul>",
            seg(s(p, "id")),
            esc(s(p, "name"))
        );
        for c in list(p, "cohorts") {
            let _ = write!(
                body,
                "<li><a href=\"/console/outcomes/{}?cohort={}\">{}</a> <span class=\"small\">{} – {}</span></li>",
                seg(s(p, "id")),
                html::url_param(s(c, "id")),
                esc(s(c, "name")),
                esc(s(c, "start")),
                esc(s(c, "end"))
            );
        }
        body.push_str("</ul></li>");
    }
    body.push_str("</ul>");
    Ok(console_page(&ctx, &staff, ctx.t("cbo.outcomes"), &body))
}

/// A figure's label in the page's language (the report's own words for a measure the catalogs
/// do not know).
fn measure_label(ctx: &Ctx, f: &Value) -> String {
    let measure = s(f, "measure");
    if measure.starts_with("records_earned:") {
        let name = s(f, "label").trim_start_matches("Share who earned ");
        return super::i18n::tf(ctx.lang, "cbo.measure_share_earned", &[("name", name)]);
    }
    let key = format!("cbo.measure_{measure}");
    if super::i18n::has(&key) {
        ctx.t(&key).to_owned()
    } else {
        s(f, "label").to_owned()
    }
}

/// A whole number with thousands separators (`10140` → `10,140`).
fn grouped(n: f64) -> String {
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

/// A figure's value in words.
fn figure_text(ctx: &Ctx, f: &Value) -> String {
    let Some(v) = f["value"].as_f64() else {
        return String::new();
    };
    match s(f, "kind") {
        "rate" => format!("{:.0}%", v * 100.0),
        "median" if s(f, "measure").starts_with("median_earnings") => format!("${}", grouped(v)),
        "median" => format!("${v:.2}"),
        _ => {
            let _ = ctx;
            format!("{v:.0}")
        }
    }
}

/// A horizontal bar chart of figures: rates on a 0–100 % scale, money on the largest value's;
/// a suppressed figure is an empty dashed box saying "fewer than k".
fn bar_chart(ctx: &Ctx, id: &str, title: &str, figures: &[&Value], k: &str) -> String {
    if figures.is_empty() {
        return String::new();
    }
    let money = figures.iter().any(|f| s(f, "kind") == "median");
    let max = if money {
        figures
            .iter()
            .filter_map(|f| f["value"].as_f64())
            .fold(0.0, f64::max)
            .max(1.0)
    } else {
        1.0
    };
    let row = 44.0;
    let height = row * figures.len() as f64 + 4.0;
    let (x0, width) = (0.0, 300.0);
    let mut body = String::new();
    let mut words = Vec::new();
    for (i, f) in figures.iter().enumerate() {
        let y = i as f64 * row;
        let label = esc(&measure_label(ctx, f));
        let _ = write!(
            body,
            "<text class=\"label\" x=\"{x0}\" y=\"{:.0}\">{label}</text>",
            y + 14.0
        );
        match f["value"].as_f64() {
            Some(v) => {
                let w = (width * v / max).max(1.0);
                let text = figure_text(ctx, f);
                let _ = write!(
                    body,
                    "<rect class=\"bar\" x=\"{x0}\" y=\"{:.0}\" width=\"{w:.1}\" height=\"20\"/><text class=\"value\" x=\"{:.1}\" y=\"{:.0}\">{}</text>",
                    y + 20.0,
                    x0 + w + 6.0,
                    y + 35.0,
                    esc(&text)
                );
                words.push(format!("{}: {text}", measure_label(ctx, f)));
            }
            None if f.get("suppressed").is_some() => {
                let text = super::i18n::tf(ctx.lang, "cbo.fewer_than", &[("k", k)]);
                let _ = write!(
                    body,
                    "<rect class=\"none\" x=\"{x0}\" y=\"{:.0}\" width=\"{width}\" height=\"20\"/><text class=\"value\" x=\"{:.0}\" y=\"{:.0}\">{}</text>",
                    y + 20.0,
                    x0 + 8.0,
                    y + 35.0,
                    esc(&text)
                );
                words.push(format!("{}: {text}", measure_label(ctx, f)));
            }
            None => {
                let text = ctx.t("cbo.no_data_yet");
                let _ = write!(
                    body,
                    "<text class=\"value\" x=\"{x0}\" y=\"{:.0}\">{}</text>",
                    y + 35.0,
                    esc(text)
                );
                words.push(format!("{}: {text}", measure_label(ctx, f)));
            }
        }
    }
    format!(
        "<figure class=\"chart-box\"><svg class=\"chart\" viewBox=\"0 0 380 {height:.0}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>{body}</svg><figcaption class=\"small\">{}</figcaption></figure>",
        esc(title),
        esc(&words.join("; ")),
        esc(title)
    )
}

/// The figures table of a report section: value, numerator / denominator, people, records.
fn figures_table(ctx: &Ctx, figures: &[Value], k: &str) -> String {
    let labels = [
        ctx.tx("cbo.measure"),
        ctx.tx("cbo.value"),
        ctx.tx("cbo.rests_on"),
        ctx.tx("cbo.records"),
    ];
    let mut t = format!(
        "<div class=\"scroll\"><table><thead><tr>{}</tr></thead><tbody>",
        labels
            .iter()
            .map(|l| format!("<th scope=\"col\">{l}</th>"))
            .collect::<String>()
    );
    for f in figures {
        let (value, basis, records) = if let Some(why) = f.get("suppressed").and_then(Value::as_str)
        {
            (
                format!("<strong>{}</strong>", ctx.tf("cbo.fewer_than", &[("k", k)])),
                format!(
                    "<span class=\"small\">{}</span>",
                    if why.contains("already released") {
                        ctx.tf("cbo.suppressed_differencing", &[("k", k)])
                    } else {
                        ctx.tf("cbo.suppressed_small", &[("k", k)])
                    }
                ),
                String::new(),
            )
        } else if f["value"].is_null() {
            (ctx.tx("cbo.no_data_yet"), String::new(), String::new())
        } else {
            let basis = match (f["numerator"].as_u64(), f["denominator"].as_u64()) {
                (Some(n), Some(d)) => ctx.tf(
                    "cbo.of_people",
                    &[("n", &n.to_string()), ("d", &d.to_string())],
                ),
                (None, Some(d)) => ctx.tf("cbo.values_of", &[("d", &d.to_string())]),
                _ => ctx.tf("cbo.people", &[("n", &f["people"].to_string())]),
            };
            let records = ctx.tf(
                "cbo.records_unverified",
                &[
                    ("n", &f["records"].to_string()),
                    ("u", &f["unverified"].to_string()),
                ],
            );
            (
                format!("<strong>{}</strong>", esc(&figure_text(ctx, f))),
                basis,
                records,
            )
        };
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{value}</td><td>{basis}</td><td>{records}</td></tr>",
            esc(&measure_label(ctx, f))
        );
    }
    t.push_str("</tbody></table></div>");
    html::stack(&t, &labels)
}

/// `GET /console/outcomes/<program>[?cohort=…]`: the report, released now, with charts and
/// exports.
pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CohortQuery>,
) -> Result<Response, AppError> {
    let staff = staff_or_return!(state, ctx);
    let cohort = q.cohort.filter(|c| !c.is_empty());
    let query = cohort
        .as_ref()
        .map(|c| format!("cohort={}", html::url_param(c)))
        .unwrap_or_default();
    let d = json_or_page!(
        ctx,
        cbo_api(
            &state,
            &ctx,
            &staff,
            Method::GET,
            &format!("reports/{}?{query}", seg(&id)),
            None,
        )
        .await?,
    );
    let Some(r) = list(&d, "reports").first() else {
        return Ok(error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.t("cbo.report_none"),
        ));
    };
    let k = r["k"].to_string();
    let title_text = super::i18n::tf(
        ctx.lang,
        "cbo.report_title",
        &[("program", s(r, "programName"))],
    );
    let title = esc(&title_text);
    let api_path = format!("/orgs/{}/cbo/reports/{}", staff.org.slug, seg(&id));
    let (csv_url, json_url) = if query.is_empty() {
        (format!("{api_path}?format=csv"), api_path.clone())
    } else {
        (
            format!("{api_path}?{query}&format=csv"),
            format!("{api_path}?{query}"),
        )
    };
    let mut body = format!(
        "<h1>{title}</h1><p class=\"lead\">{}</p>{}<p class=\"actions\"><a class=\"button secondary\" href=\"{}\" download>{}</a><a class=\"button secondary\" href=\"{}\" download=\"outcomes-{}.json\">{}</a></p>",
        ctx.tf(
            "cbo.report_lead",
            &[("date", s(r, "asOf")), ("id", s(r, "id"))]
        ),
        notice("info", &ctx.tf("cbo.suppression_rule", &[("k", &k)])),
        esc(&csv_url),
        ctx.tx("cbo.export_csv"),
        esc(&json_url),
        esc(&id),
        ctx.tx("cbo.export_json"),
    );
    for (n, section) in list(r, "sections").iter().enumerate() {
        let figures = list(section, "figures");
        let _ = write!(
            body,
            "<section aria-labelledby=\"sec-{n}\"><h2 id=\"sec-{n}\">{}</h2>",
            esc(s(section, "name"))
        );
        let pick = |keys: &[&str]| -> Vec<&Value> {
            figures
                .iter()
                .filter(|f| keys.contains(&s(f, "measure")))
                .collect()
        };
        let wioa = pick(&[
            "employment_q2",
            "employment_q4",
            "credential_attainment",
            "measurable_skill_gains",
        ]);
        body.push_str(&bar_chart(
            &ctx,
            &format!("c{n}a"),
            ctx.t("cbo.chart_wioa"),
            &wioa,
            &k,
        ));
        let money = pick(&["median_earnings_q2"]);
        body.push_str(&bar_chart(
            &ctx,
            &format!("c{n}b"),
            ctx.t("cbo.chart_earnings"),
            &money,
            &k,
        ));
        let wages = pick(&["median_wage_before", "median_wage_after"]);
        body.push_str(&bar_chart(
            &ctx,
            &format!("c{n}c"),
            ctx.t("cbo.chart_wages"),
            &wages,
            &k,
        ));
        let earned: Vec<&Value> = figures
            .iter()
            .filter(|f| s(f, "measure").starts_with("records_earned:"))
            .collect();
        body.push_str(&bar_chart(
            &ctx,
            &format!("c{n}d"),
            ctx.t("cbo.chart_earned"),
            &earned,
            &k,
        ));
        body.push_str(&figures_table(&ctx, figures, &k));
        body.push_str("</section>");
    }
    let _ = write!(
        body,
        "<h2>{}</h2><ul class=\"small\">",
        ctx.tx("cbo.how_to_read")
    );
    for note in [
        ctx.tx("cbo.note_consent"),
        ctx.tf("cbo.note_suppression", &[("k", &k)]),
        ctx.tx("cbo.note_rates"),
    ] {
        let _ = write!(body, "<li>{note}</li>");
    }
    body.push_str("</ul>");
    Ok(console_page(&ctx, &staff, &title_text, &body))
}

// ---------------------------------------------------------------- the participant's wallet page

/// `GET /me/programs` (body only; the wallet module wraps it): progress and consent.
pub(crate) async fn my_programs(
    state: &AppState,
    ctx: &Ctx,
    csrf: &str,
    done: Option<&str>,
) -> Result<String, AppError> {
    let d = api(
        state,
        Method::GET,
        "/wallet/programs",
        &ctx.headers,
        ctx.client,
        None,
        None,
    )
    .await?
    .json;
    let mut body = format!(
        "<h1>{}</h1>{}<p class=\"lead\">{}</p>",
        ctx.tx("cbo.my_programs"),
        done_notice(ctx, done),
        ctx.tx("cbo.my_programs_lead")
    );
    let all = list(&d, "programs");
    if all.is_empty() {
        body.push_str(&notice("info", &ctx.tx("cbo.my_programs_none")));
    }
    for (n, p) in all.iter().enumerate() {
        let progress = &p["progress"];
        let org = s(&p["org"], "name");
        let _ = write!(
            body,
            "<section class=\"card\" aria-labelledby=\"p-{n}\"><h2 id=\"p-{n}\">{}</h2><p class=\"small\">{}</p><p>{}</p><ol class=\"steps\">",
            esc(s(p, "programName")),
            ctx.tf(
                "cbo.run_by",
                &[("org", org), ("cohort", s(&p["cohort"], "name"))]
            ),
            ctx.tf(
                "cbo.n_of_m_done",
                &[
                    ("n", &progress["completed"].to_string()),
                    ("m", &progress["total"].to_string())
                ]
            ),
        );
        for m in list(progress, "milestones") {
            let since = m["since"]
                .as_i64()
                .map(|t| {
                    format!(
                        " <span class=\"small\">{}</span>",
                        esc(html::date(&ids::format_datetime(t)))
                    )
                })
                .unwrap_or_default();
            let _ = write!(
                body,
                "<li>{} {}{since}</li>",
                status_pill(ctx, s(m, "status")),
                esc(s(m, "name"))
            );
        }
        body.push_str("</ol>");
        // Outcome consent.
        let state_key = match s(p, "consent") {
            "granted" => "cbo.consent_granted",
            "declined" => "cbo.consent_declined",
            "withdrawn" => "cbo.consent_withdrawn",
            _ => "cbo.consent_none",
        };
        let _ = write!(
            body,
            "<h3>{}</h3><p>{}</p><p><strong>{}</strong></p><div class=\"actions\">",
            ctx.tx("cbo.outcome_consent"),
            ctx.tf("cbo.consent_explain", &[("org", org)]),
            ctx.tx(state_key),
        );
        let choices: &[(&str, &str)] = match s(p, "consent") {
            "granted" => &[("withdraw", "cbo.consent_withdraw")],
            "declined" | "withdrawn" => &[("grant", "cbo.consent_grant")],
            _ => &[
                ("grant", "cbo.consent_grant"),
                ("decline", "cbo.consent_decline"),
            ],
        };
        for (choice, key) in choices {
            let class = if *choice == "grant" {
                ""
            } else {
                " class=\"secondary\""
            };
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/me/programs/consent\" class=\"inline\">{}<input type=\"hidden\" name=\"org\" value=\"{}\"><input type=\"hidden\" name=\"program\" value=\"{}\"><input type=\"hidden\" name=\"choice\" value=\"{choice}\"><button type=\"submit\"{class}>{}</button></form>",
                html::csrf_field(csrf),
                esc(s(&p["org"], "slug")),
                esc(s(p, "program")),
                ctx.tx(key)
            );
        }
        body.push_str("</div>");
        if s(p, "consent") == "granted" {
            let _ = write!(
                body,
                "<details><summary>{}</summary><form method=\"post\" action=\"/me/programs/job\">{}<input type=\"hidden\" name=\"org\" value=\"{}\"><p class=\"hint\">{}</p><div class=\"grid2\">{}{}{}{}</div><button type=\"submit\" class=\"secondary\">{}</button></form></details>",
                ctx.tx("cbo.report_job"),
                html::csrf_field(csrf),
                esc(s(&p["org"], "slug")),
                ctx.tx("cbo.report_job_hint"),
                input(
                    &format!("employer-{n}"),
                    ctx.t("cbo.job_employer"),
                    "",
                    "maxlength=\"200\""
                )
                .replace(&format!("name=\"employer-{n}\""), "name=\"employer\""),
                input(
                    &format!("start-{n}"),
                    ctx.t("cbo.job_start"),
                    "",
                    "type=\"date\" required"
                )
                .replace(&format!("name=\"start-{n}\""), "name=\"start\""),
                input(
                    &format!("hours-{n}"),
                    ctx.t("cbo.job_hours"),
                    "",
                    "type=\"number\" min=\"0\" max=\"168\" step=\"0.5\""
                )
                .replace(&format!("name=\"hours-{n}\""), "name=\"hours\""),
                input(
                    &format!("pay-{n}"),
                    ctx.t("cbo.job_pay"),
                    "",
                    "type=\"number\" min=\"0\" step=\"0.01\""
                )
                .replace(&format!("name=\"pay-{n}\""), "name=\"pay\""),
                ctx.tx("common.save"),
            );
        }
        body.push_str("</section>");
    }
    Ok(body)
}

/// The request `POST /me/programs/consent` sends to the wallet API.
pub(crate) fn consent_request(form: &Form) -> Value {
    json!({"org": form.get("org"), "program": form.get("program"), "choice": form.get("choice")})
}

/// The request `POST /me/programs/job` sends to the wallet API.
pub(crate) fn job_request(form: &Form) -> Value {
    let mut body = json!({"org": form.get("org"), "start": form.get("start")});
    if !form.get("employer").is_empty() {
        body["employer"] = json!(form.get("employer"));
    }
    if let Ok(h) = form.get("hours").parse::<f64>() {
        body["hoursPerWeek"] = json!(h);
    }
    if let Ok(p) = form.get("pay").parse::<f64>() {
        body["pay"] = json!({"amount": p, "currency": "USD", "period": "Hour"});
    }
    body
}
