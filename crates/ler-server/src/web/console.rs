//! The console for issuer and CBO staff (`/console/…`): sign in with the staff session, set up
//! the organization (name, logo, description, did:web, key rotation), keep achievements with
//! their skill alignments, issue one record, and find, revoke or suspend issued records.
//! Bulk issuing is in [`super::bulk`].

use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use ler_store::{CredentialQuery, Org, Scope, User};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::form::Form;
use super::html::{self, esc, input, input_hint, notice, textarea};
use super::{Ctx, api, error_page};
use crate::{AppError, AppState, admin, ids};

/// A date (`YYYY-MM-DD`) or date-time as the date-time the API takes, or `None` when it is
/// neither.
pub(crate) fn datetime_of(text: &str) -> Option<String> {
    let secs = ler_model::datetime::parse_date_or_datetime(text.trim()).ok()?;
    Some(ids::format_datetime(secs))
}

/// A signed-in staff member with their organization and the session's CSRF token.
pub(crate) struct Staff {
    pub user: User,
    pub org: Org,
    pub csrf: String,
}

/// The staff member signed in on this request, if any.
pub(crate) async fn staff(state: &AppState, ctx: &Ctx) -> Result<Option<Staff>, AppError> {
    let Some(token) = super::cookie(&ctx.headers, crate::auth::SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some((session, user)) = state
        .store
        .session(&ids::sha256_hex(&token), state.now())
        .await?
    else {
        return Ok(None);
    };
    let Some(org) = state.store.org(user.org_id).await? else {
        return Ok(None);
    };
    Ok(Some(Staff {
        user,
        org,
        csrf: session.csrf,
    }))
}

/// The staff member, or the sign-in page's address to go to.
pub(crate) async fn require(
    state: &AppState,
    ctx: &Ctx,
) -> Result<Result<Staff, Response>, AppError> {
    Ok(match staff(state, ctx).await? {
        // A funder's account sees the outcome reports and nothing else.
        Some(s)
            if s.user.role == admin::FUNDER_ROLE && !ctx.path.starts_with("/console/outcomes") =>
        {
            Err(html::redirect("/console/outcomes"))
        }
        Some(s) => Ok(s),
        None => Err(html::redirect(&format!(
            "/console/login?next={}",
            html::url_param(&ctx.path)
        ))),
    })
}

/// Checks the CSRF token of a form post (and that the session is still good).
pub(crate) async fn check_post(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
    form: &Form,
) -> Result<(), AppError> {
    crate::auth::authorize(
        state,
        &ctx.headers,
        &Method::POST,
        Some(form.get("csrf")),
        Scope::Issue,
        Some(&staff.org),
    )
    .await
    .map(|_| ())
}

/// A console page: the shell with the console's sub-navigation.
pub(crate) fn console_page(ctx: &Ctx, staff: &Staff, title: &str, body: &str) -> Response {
    let mut nav = String::from("<nav class=\"actions\" aria-label=\"");
    nav.push_str(&ctx.tx("console.nav_label"));
    nav.push_str("\">");
    let funder = staff.user.role == admin::FUNDER_ROLE;
    for (href, key) in [
        ("/console", "console.home"),
        ("/console/issue", "console.issue"),
        ("/console/bulk", "console.bulk"),
        ("/console/records", "console.records"),
        ("/console/achievements", "console.achievements"),
        ("/console/programs", "console.programs"),
        ("/console/participants", "console.participants"),
        ("/console/outcomes", "console.outcomes"),
        ("/console/org", "console.org"),
    ]
    .into_iter()
    .filter(|(href, _)| !funder || *href == "/console/outcomes")
    {
        let current = if ctx.path.split('?').next() == Some(href) {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(nav, "<a href=\"{href}\"{current}>{}</a>", ctx.tx(key));
    }
    let _ = write!(
        nav,
        "</nav><div class=\"small\">{} <form class=\"inline\" method=\"post\" action=\"/console/logout\">{}<button class=\"link\" type=\"submit\">{}</button></form></div>",
        ctx.tf(
            "console.signed_in_as",
            &[("email", &staff.user.email), ("org", &staff.org.name)]
        ),
        html::csrf_field(&staff.csrf),
        ctx.tx("console.sign_out")
    );
    html::ok(html::page(ctx, title, &format!("{nav}{body}")))
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(ctx: &Ctx, next: &str, email: &str, error: Option<&str>) -> String {
    let mut out = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("login.title"),
        ctx.tx("login.lead")
    );
    if let Some(e) = error {
        out.push_str(&notice("bad", &esc(e)));
    }
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/console/login\" class=\"card\"><input type=\"hidden\" name=\"next\" value=\"{}\">{}{}<button type=\"submit\">{}</button></form>",
        esc(next),
        input(
            "email",
            ctx.t("login.email"),
            email,
            "type=\"email\" autocomplete=\"username\" required"
        ),
        input(
            "password",
            ctx.t("login.password"),
            "",
            "type=\"password\" autocomplete=\"current-password\" required"
        ),
        ctx.tx("login.submit")
    );
    out
}

/// `GET /console/login`.
pub async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    let next = q
        .next
        .filter(|n| html::local_path(n))
        .unwrap_or_else(|| "/console".into());
    html::ok(html::page(
        &ctx,
        ctx.t("login.title"),
        &login_form(&ctx, &next, "", None),
    ))
}

/// `POST /console/login`: signs in through `POST /login` and goes on to the console.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let next = Some(form.get("next").to_string())
        .filter(|n| html::local_path(n) && n.starts_with("/console"))
        .unwrap_or_else(|| "/console".into());
    let answer = api(
        &state,
        Method::POST,
        "/login",
        &Default::default(),
        ctx.client,
        None,
        Some(&json!({"email": form.get("email"), "password": form.get("password")})),
    )
    .await?;
    if !answer.status.is_success() {
        let msg = match answer.status {
            StatusCode::TOO_MANY_REQUESTS => ctx.t("login.too_many"),
            _ => ctx.t("login.wrong"),
        };
        return Ok(html::respond(
            StatusCode::UNAUTHORIZED,
            html::page(
                &ctx,
                ctx.t("login.title"),
                &login_form(&ctx, &next, form.get("email"), Some(msg)),
            ),
        ));
    }
    Ok(super::with_cookies(html::redirect(&next), &answer))
}

/// `POST /console/logout`.
pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let answer = api(
        &state,
        Method::POST,
        "/logout",
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        None,
    )
    .await?;
    Ok(super::with_cookies(
        html::redirect("/console/login"),
        &answer,
    ))
}

/// Query carrying a notice to show (`?done=saved`).
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The notice for `?done=…`, from a fixed list.
fn done_notice(ctx: &Ctx, done: Option<&str>) -> String {
    let key = match done {
        Some("saved") => "console.done_saved",
        Some("created") => "console.done_created",
        Some("deleted") => "console.done_deleted",
        Some("rotated") => "console.done_rotated",
        Some("revoked") => "console.done_revoked",
        Some("suspended") => "console.done_suspended",
        Some("unsuspended") => "console.done_unsuspended",
        _ => return String::new(),
    };
    notice("ok", &ctx.tx(key))
}

/// `GET /console`: the organization at a glance and what to do next.
pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let achievements = state.store.list_achievements(staff.org.id).await?;
    let recent = state
        .store
        .list_credentials(
            staff.org.id,
            &CredentialQuery {
                text: None,
                limit: 5,
                offset: 0,
            },
        )
        .await?;
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p><div class=\"ways\">",
        esc(&staff.org.name),
        ctx.tx("console.lead")
    );
    for (href, title, text) in [
        ("/console/issue", "console.issue", "console.issue_text"),
        ("/console/bulk", "console.bulk", "console.bulk_text"),
        (
            "/console/records",
            "console.records",
            "console.records_text",
        ),
        (
            "/console/achievements",
            "console.achievements",
            "console.achievements_text",
        ),
        (
            "/console/programs",
            "console.programs",
            "console.programs_text",
        ),
    ] {
        let _ = write!(
            body,
            "<section class=\"card\"><h2><a href=\"{href}\">{}</a></h2><p>{}</p></section>",
            ctx.tx(title),
            ctx.tx(text)
        );
    }
    body.push_str("</div>");
    let _ = write!(
        body,
        "<p>{}</p>",
        ctx.tf(
            "console.counts",
            &[
                ("achievements", &achievements.len().to_string()),
                ("did", &staff.org.did)
            ]
        )
    );
    if !recent.is_empty() {
        let _ = write!(body, "<h2>{}</h2>", ctx.tx("console.recent"));
        body.push_str(&records_table(ctx.clone(), &staff, &recent));
    }
    Ok(console_page(&ctx, &staff, ctx.t("console.home"), &body))
}

// ---------------------------------------------------------------- organization

fn profile_text(org: &Org, key: &str) -> String {
    match org.profile.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    }
}

fn org_body(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
    keys: &[ler_store::OrgKey],
    message: &str,
) -> String {
    let org = &staff.org;
    let admin = staff.user.role == "admin";
    let mut body = format!("<h1>{}</h1>{message}", ctx.tx("org.title"));
    if !admin {
        body.push_str(&notice("info", &ctx.tx("org.admin_only")));
    }
    let disabled = if admin { "" } else { " disabled" };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/console/org\" class=\"card\"><fieldset{disabled}><legend>{}</legend>{}{}{}{}<button type=\"submit\">{}</button></fieldset></form>",
        ctx.tx("org.profile"),
        html::csrf_field(&staff.csrf),
        input(
            "name",
            ctx.t("org.name"),
            &org.name,
            "required maxlength=\"200\""
        ),
        input_hint(
            "logo",
            ctx.t("org.logo"),
            ctx.t("org.logo_hint"),
            &profile_text(org, "image"),
            "type=\"url\" inputmode=\"url\" placeholder=\"https://\""
        ),
        textarea(
            "description",
            ctx.t("org.description"),
            &profile_text(org, "description"),
            "rows=\"3\" maxlength=\"2000\""
        ),
        ctx.tx("common.save")
    );
    let did_url = format!("{}/orgs/{}/did.json", state.public_url.base(), org.slug);
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><p>{}</p><p class=\"mono\">{}</p><p><a href=\"/orgs/{}/did.json\">{}</a> <span class=\"mono small\">{}</span></p><h3>{}</h3><ul>",
        ctx.tx("org.identity"),
        ctx.tx("org.identity_text"),
        esc(&org.did),
        esc(&org.slug),
        ctx.tx("org.did_document"),
        esc(&did_url),
        ctx.tx("org.keys"),
    );
    for k in keys {
        let state_key = if k.active {
            "org.key_active"
        } else {
            "org.key_retired"
        };
        let _ = write!(
            body,
            "<li><span class=\"mono\">#{}</span> · {} · {}</li>",
            esc(&k.fragment),
            ctx.tx(state_key),
            esc(html::date(&ids::format_datetime(k.created_at)))
        );
    }
    body.push_str("</ul>");
    if admin {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/console/org/rotate-key\" data-confirm=\"{}\">{}<p class=\"hint\">{}</p><button type=\"submit\" class=\"secondary\">{}</button></form>",
            ctx.tx("org.rotate_confirm"),
            html::csrf_field(&staff.csrf),
            ctx.tx("org.rotate_hint"),
            ctx.tx("org.rotate")
        );
    }
    body.push_str("</section>");
    body
}

/// `GET /console/org`.
pub async fn org_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let keys = state.store.org_keys(staff.org.id).await?;
    let message = done_notice(&ctx, q.done.as_deref());
    let body = org_body(&state, &ctx, &staff, &keys, &message);
    Ok(console_page(&ctx, &staff, ctx.t("org.title"), &body))
}

/// `POST /console/org`: name, logo and description (admins only).
pub async fn org_save(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let mut staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    check_post(&state, &ctx, &staff, &form).await?;
    let problem = if staff.user.role != "admin" {
        Some(ctx.t("org.admin_only"))
    } else if form.get("name").is_empty() || form.get("name").chars().count() > 200 {
        Some(ctx.t("org.name_required"))
    } else if !form.get("logo").is_empty() && !html::safe_url(form.get("logo"), false) {
        Some(ctx.t("org.logo_invalid"))
    } else if form.get("description").chars().count() > 2000 {
        Some(ctx.t("org.description_long"))
    } else {
        None
    };
    if let Some(p) = problem {
        let keys = state.store.org_keys(staff.org.id).await?;
        let body = org_body(&state, &ctx, &staff, &keys, &notice("bad", &esc(p)));
        let mut res = console_page(&ctx, &staff, ctx.t("org.title"), &body);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let mut profile = match &staff.org.profile {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    profile.remove("image");
    profile.remove("description");
    if !form.get("logo").is_empty() {
        profile.insert(
            "image".into(),
            json!({"id": form.get("logo"), "type": "Image"}),
        );
    }
    if !form.get("description").is_empty() {
        profile.insert("description".into(), form.get("description").into());
    }
    state
        .store
        .update_org(staff.org.id, form.get("name"), &Value::Object(profile))
        .await?;
    staff.org.name = form.get("name").to_string();
    tracing::info!(org = %staff.org.slug, "organization profile updated");
    Ok(html::redirect("/console/org?done=saved"))
}

/// `POST /console/org/rotate-key` (admins only).
pub async fn rotate_key(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    check_post(&state, &ctx, &staff, &form).await?;
    if staff.user.role != "admin" {
        return Ok(error_page(
            &ctx,
            StatusCode::FORBIDDEN,
            ctx.t("org.admin_only"),
        ));
    }
    let key = admin::rotate_key(&state.store, &state.kek, &staff.org.slug, state.now()).await?;
    state.forget_local();
    tracing::info!(org = %staff.org.slug, key = %key.fragment, "signing key rotated");
    Ok(html::redirect("/console/org?done=rotated"))
}

// ---------------------------------------------------------------- achievements

/// The local id of an achievement (the last segment of its URL id).
pub(crate) fn local_id(achievement: &Value) -> String {
    achievement
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| id.rsplit('/').next())
        .unwrap_or("")
        .to_string()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `GET /console/achievements`.
pub async fn achievements(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let list = state.store.list_achievements(staff.org.id).await?;
    let mut body = format!(
        "<h1>{}</h1>{}<p class=\"actions\"><a class=\"button\" href=\"/console/achievements/new\">{}</a></p>",
        ctx.tx("ach.title"),
        done_notice(&ctx, q.done.as_deref()),
        ctx.tx("ach.new")
    );
    if list.is_empty() {
        body.push_str(&notice("info", &ctx.tx("ach.none")));
    } else {
        let _ = write!(
            body,
            "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            ctx.tx("ach.name"),
            ctx.tx("ach.id"),
            ctx.tx("ach.skills"),
            ctx.tx("common.actions")
        );
        for a in &list {
            let id = local_id(a);
            let skills: Vec<String> = match a.get("alignment") {
                Some(Value::Array(al)) => al.iter().map(|x| esc(str_of(x, "targetName"))).collect(),
                _ => vec![],
            };
            let _ = write!(
                body,
                "<tr><td><strong>{}</strong><br><span class=\"small\">{}</span></td><td class=\"mono small\">{}</td><td>{}</td><td><a href=\"/console/achievements/{}\">{}</a> · <a href=\"/console/issue?achievement={}\">{}</a></td></tr>",
                esc(str_of(a, "name")),
                esc(str_of(a, "description")),
                esc(&id),
                skills.join(", "),
                esc(&html::url_param(&id)),
                ctx.tx("common.edit"),
                esc(&html::url_param(&id)),
                ctx.tx("ach.issue_this")
            );
        }
        body.push_str("</tbody></table></div>");
    }
    Ok(console_page(&ctx, &staff, ctx.t("ach.title"), &body))
}

/// The kinds of achievement OB 3.0 names, offered in the form.
const ACHIEVEMENT_TYPES: &[&str] = &[
    "Badge",
    "Certificate",
    "Certification",
    "Course",
    "CoCurricular",
    "Competency",
    "Degree",
    "Diploma",
    "License",
    "MicroCredential",
    "Assessment",
    "Award",
    "ApprenticeshipCertificate",
    "JourneymanCertificate",
];

/// Empty alignment rows offered below the filled ones.
const SPARE_ALIGNMENT_ROWS: usize = 3;

fn achievement_form(
    ctx: &Ctx,
    staff: &Staff,
    action: &str,
    a: &Value,
    error: Option<&str>,
) -> String {
    let mut body = String::new();
    if let Some(e) = error {
        body.push_str(&notice("bad", &esc(e)));
    }
    let criteria = a.get("criteria").cloned().unwrap_or(Value::Null);
    let image = match a.get("image") {
        Some(Value::String(s)) => s.clone(),
        Some(o) => str_of(o, "id").to_string(),
        None => String::new(),
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"{}\">{}<fieldset><legend>{}</legend>{}{}",
        esc(action),
        html::csrf_field(&staff.csrf),
        ctx.tx("ach.about"),
        input(
            "name",
            ctx.t("ach.name"),
            str_of(a, "name"),
            "required maxlength=\"200\""
        ),
        textarea(
            "description",
            ctx.t("ach.description"),
            str_of(a, "description"),
            "rows=\"3\" required"
        ),
    );
    let current_type = str_of(a, "achievementType");
    let _ = write!(
        body,
        "<div class=\"field\"><label for=\"achievementType\">{}</label><select id=\"achievementType\" name=\"achievementType\"><option value=\"\">{}</option>",
        ctx.tx("ach.type"),
        ctx.tx("ach.type_none")
    );
    for t in ACHIEVEMENT_TYPES {
        let sel = if *t == current_type { " selected" } else { "" };
        let _ = write!(body, "<option value=\"{t}\"{sel}>{t}</option>");
    }
    let _ = write!(
        body,
        "</select></div>{}{}{}</fieldset>",
        textarea(
            "criteria",
            ctx.t("ach.criteria"),
            str_of(&criteria, "narrative"),
            "rows=\"3\""
        ),
        input_hint(
            "criteriaUrl",
            ctx.t("ach.criteria_url"),
            ctx.t("ach.criteria_url_hint"),
            str_of(&criteria, "id"),
            "type=\"url\" inputmode=\"url\" placeholder=\"https://\""
        ),
        input(
            "image",
            ctx.t("ach.image"),
            &image,
            "type=\"url\" inputmode=\"url\" placeholder=\"https://\""
        ),
    );
    let rows: Vec<Value> = match a.get("alignment") {
        Some(Value::Array(al)) => al.clone(),
        _ => vec![],
    };
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend><p class=\"hint\">{}</p>",
        ctx.tx("ach.alignments"),
        ctx.tx("ach.alignments_hint")
    );
    let blank = Value::Null;
    for i in 0..rows.len() + SPARE_ALIGNMENT_ROWS {
        let row = rows.get(i).unwrap_or(&blank);
        let n = (i + 1).to_string();
        let _ = write!(
            body,
            "<fieldset class=\"grid2\"><legend>{}</legend>",
            ctx.tf("ach.alignment_n", &[("n", &n)])
        );
        for (field, key, attrs) in [
            ("targetName", "ach.target_name", "maxlength=\"300\""),
            (
                "targetUrl",
                "ach.target_url",
                "type=\"url\" inputmode=\"url\"",
            ),
            (
                "targetFramework",
                "ach.target_framework",
                "maxlength=\"200\"",
            ),
            ("targetCode", "ach.target_code", "maxlength=\"100\""),
        ] {
            let _ = write!(
                body,
                "<div class=\"field\"><label for=\"{field}-{i}\">{}</label><input id=\"{field}-{i}\" name=\"{field}\" value=\"{}\" {attrs}></div>",
                ctx.tx(key),
                esc(str_of(row, field))
            );
        }
        body.push_str("</fieldset>");
    }
    let _ = write!(
        body,
        "</fieldset><button type=\"submit\">{}</button></form>",
        ctx.tx("common.save")
    );
    body
}

/// The achievement a form describes (the API validates it against OB 3.0).
fn achievement_of(form: &Form) -> Result<Value, &'static str> {
    let mut a = Map::new();
    a.insert("type".into(), json!(["Achievement"]));
    a.insert("name".into(), form.get("name").into());
    a.insert("description".into(), form.get("description").into());
    if !form.get("achievementType").is_empty() {
        a.insert("achievementType".into(), form.get("achievementType").into());
    }
    let mut criteria = Map::new();
    if !form.get("criteriaUrl").is_empty() {
        if !html::safe_url(form.get("criteriaUrl"), false) {
            return Err("ach.url_invalid");
        }
        criteria.insert("id".into(), form.get("criteriaUrl").into());
    }
    if !form.get("criteria").is_empty() {
        criteria.insert("narrative".into(), form.get("criteria").into());
    }
    if criteria.is_empty() {
        return Err("ach.criteria_required");
    }
    a.insert("criteria".into(), Value::Object(criteria));
    if !form.get("image").is_empty() {
        if !html::safe_url(form.get("image"), true) {
            return Err("ach.url_invalid");
        }
        a.insert(
            "image".into(),
            json!({"id": form.get("image"), "type": "Image"}),
        );
    }
    let names = form.all("targetName");
    let urls = form.all("targetUrl");
    let frameworks = form.all("targetFramework");
    let codes = form.all("targetCode");
    let mut alignments = Vec::new();
    for i in 0..names.len() {
        let get = |v: &[&str]| v.get(i).map_or("", |s| s.trim()).to_string();
        let (name, url, framework, code) = (get(&names), get(&urls), get(&frameworks), get(&codes));
        if name.is_empty() && url.is_empty() && framework.is_empty() && code.is_empty() {
            continue;
        }
        if name.is_empty() || url.is_empty() {
            return Err("ach.alignment_incomplete");
        }
        if !html::safe_url(&url, false) {
            return Err("ach.url_invalid");
        }
        let mut al = Map::new();
        al.insert("type".into(), json!(["Alignment"]));
        al.insert("targetName".into(), name.into());
        al.insert("targetUrl".into(), url.into());
        if !framework.is_empty() {
            al.insert("targetFramework".into(), framework.into());
        }
        if !code.is_empty() {
            al.insert("targetCode".into(), code.into());
        }
        alignments.push(Value::Object(al));
    }
    if !alignments.is_empty() {
        a.insert("alignment".into(), Value::Array(alignments));
    }
    Ok(Value::Object(a))
}

/// `GET /console/achievements/new`.
pub async fn achievement_new(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let body = format!(
        "<h1>{}</h1>{}",
        ctx.tx("ach.new"),
        achievement_form(&ctx, &staff, "/console/achievements", &Value::Null, None)
    );
    Ok(console_page(&ctx, &staff, ctx.t("ach.new"), &body))
}

async fn save_achievement(
    state: &AppState,
    ctx: &Ctx,
    form: &Form,
    id: Option<&str>,
) -> Result<Response, AppError> {
    let staff = match require(state, ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    check_post(state, ctx, &staff, form).await?;
    let action = match id {
        Some(id) => format!("/console/achievements/{}", html::url_param(id)),
        None => "/console/achievements".into(),
    };
    let title = if id.is_some() { "ach.edit" } else { "ach.new" };
    let fail = |doc: &Value, msg: &str| {
        let body = format!(
            "<h1>{}</h1>{}",
            ctx.tx(title),
            achievement_form(ctx, &staff, &action, doc, Some(msg))
        );
        let mut res = console_page(ctx, &staff, ctx.t(title), &body);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        res
    };
    let doc = match achievement_of(form) {
        Ok(d) => d,
        Err(key) => {
            // Show what was typed again, alignments included.
            let mut echo = Map::new();
            for k in ["name", "description", "achievementType"] {
                echo.insert(k.into(), form.get(k).into());
            }
            echo.insert(
                "criteria".into(),
                json!({"narrative": form.get("criteria"), "id": form.get("criteriaUrl")}),
            );
            echo.insert("image".into(), form.get("image").into());
            let names = form.all("targetName");
            let rows: Vec<Value> = (0..names.len())
                .map(|i| {
                    let g = |n: &str| form.all(n).get(i).copied().unwrap_or("").to_string();
                    json!({"targetName": g("targetName"), "targetUrl": g("targetUrl"), "targetFramework": g("targetFramework"), "targetCode": g("targetCode")})
                })
                .filter(|r| r.as_object().is_some_and(|o| o.values().any(|v| v != "")))
                .collect();
            echo.insert("alignment".into(), Value::Array(rows));
            return Ok(fail(&Value::Object(echo), ctx.t(key)));
        }
    };
    let (method, path) = match id {
        Some(id) => (
            Method::PUT,
            format!(
                "/orgs/{}/achievements/{}",
                staff.org.slug,
                html::url_param(id)
            ),
        ),
        None => (
            Method::POST,
            format!("/orgs/{}/achievements", staff.org.slug),
        ),
    };
    let answer = api(
        state,
        method,
        &path,
        &ctx.headers,
        ctx.client,
        Some(&staff.csrf),
        Some(&doc),
    )
    .await?;
    if !answer.status.is_success() {
        return Ok(fail(&doc, &answer.detail()));
    }
    let done = if id.is_some() { "saved" } else { "created" };
    Ok(html::redirect(&format!(
        "/console/achievements?done={done}"
    )))
}

/// `POST /console/achievements`: creates one through the API.
pub async fn achievement_create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    save_achievement(&state, &ctx, &form, None).await
}

/// `GET /console/achievements/<id>`.
pub async fn achievement_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let Some(doc) = state.store.achievement(staff.org.id, &id).await? else {
        return Ok(error_page(
            &ctx,
            StatusCode::NOT_FOUND,
            ctx.t("ach.not_found"),
        ));
    };
    let action = format!("/console/achievements/{}", html::url_param(&id));
    let body = format!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"{}/delete\" data-confirm=\"{}\" class=\"actions\">{}<button class=\"danger\" type=\"submit\">{}</button></form>",
        ctx.tx("ach.edit"),
        achievement_form(&ctx, &staff, &action, &doc, None),
        esc(&action),
        ctx.tx("ach.delete_confirm"),
        html::csrf_field(&staff.csrf),
        ctx.tx("common.delete")
    );
    Ok(console_page(&ctx, &staff, ctx.t("ach.edit"), &body))
}

/// `POST /console/achievements/<id>`: replaces it through the API.
pub async fn achievement_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    save_achievement(&state, &ctx, &form, Some(&id)).await
}

/// `POST /console/achievements/<id>/delete`.
pub async fn achievement_delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let path = format!(
        "/orgs/{}/achievements/{}",
        staff.org.slug,
        html::url_param(&id)
    );
    let answer = api(
        &state,
        Method::DELETE,
        &path,
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        None,
    )
    .await?;
    if !answer.status.is_success() {
        return Ok(error_page(&ctx, answer.status, &answer.detail()));
    }
    Ok(html::redirect("/console/achievements?done=deleted"))
}

// ---------------------------------------------------------------- issuing one record

/// Query of the issue page.
#[derive(Debug, Deserialize)]
pub struct IssueQuery {
    achievement: Option<String>,
}

fn issue_form(
    ctx: &Ctx,
    staff: &Staff,
    achievements: &[Value],
    form: Option<&Form>,
    chosen: &str,
) -> String {
    let get = |k: &str| form.map_or("", |f| f.get(k));
    let mut body = format!(
        "<form method=\"post\" action=\"/console/issue\" class=\"card\">{}<div class=\"field\"><label for=\"achievementId\">{}</label><select id=\"achievementId\" name=\"achievementId\" required>",
        html::csrf_field(&staff.csrf),
        ctx.tx("issue.achievement")
    );
    for a in achievements {
        let id = local_id(a);
        let sel = if id == chosen { " selected" } else { "" };
        let _ = write!(
            body,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(&id),
            esc(str_of(a, "name"))
        );
    }
    let _ = write!(
        body,
        "</select></div><fieldset><legend>{}</legend><p class=\"hint\">{}</p>{}{}{}</fieldset>{}<button type=\"submit\">{}</button></form>",
        ctx.tx("issue.recipient"),
        ctx.tx("issue.recipient_hint"),
        input(
            "name",
            ctx.t("issue.name"),
            get("name"),
            "autocomplete=\"off\" maxlength=\"200\""
        ),
        input(
            "email",
            ctx.t("issue.email"),
            get("email"),
            "type=\"email\" autocomplete=\"off\""
        ),
        input_hint(
            "did",
            ctx.t("issue.did"),
            ctx.t("issue.did_hint"),
            get("did"),
            "autocomplete=\"off\" spellcheck=\"false\" placeholder=\"did:key:…\""
        ),
        input_hint(
            "awarded",
            ctx.t("issue.awarded"),
            ctx.t("issue.awarded_hint"),
            get("awarded"),
            "type=\"date\""
        ),
        ctx.tx("issue.submit")
    );
    body
}

/// `GET /console/issue`.
pub async fn issue_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<IssueQuery>,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let list = state.store.list_achievements(staff.org.id).await?;
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("issue.title"),
        ctx.tx("issue.lead")
    );
    if list.is_empty() {
        let _ = write!(
            body,
            "{}<p><a class=\"button\" href=\"/console/achievements/new\">{}</a></p>",
            notice("info", &ctx.tx("issue.no_achievements")),
            ctx.tx("ach.new")
        );
    } else {
        body.push_str(&issue_form(
            &ctx,
            &staff,
            &list,
            None,
            q.achievement.as_deref().unwrap_or(""),
        ));
    }
    Ok(console_page(&ctx, &staff, ctx.t("issue.title"), &body))
}

/// The recipient and extras of an issue request, as the API takes them.
pub(crate) fn issue_request(
    achievement_id: &str,
    name: &str,
    email: &str,
    did: &str,
    awarded: &str,
    result: &str,
    expires: &str,
) -> Value {
    let mut recipient = Map::new();
    for (k, v) in [("name", name), ("email", email), ("id", did)] {
        if !v.is_empty() {
            recipient.insert(k.into(), v.into());
        }
    }
    let mut req = Map::new();
    req.insert("achievementId".into(), achievement_id.into());
    req.insert("recipient".into(), Value::Object(recipient));
    if !awarded.is_empty() {
        req.insert("awardedDate".into(), awarded.into());
    }
    if !result.is_empty() {
        req.insert("result".into(), result.into());
    }
    if !expires.is_empty() {
        req.insert("validUntil".into(), expires.into());
    }
    Value::Object(req)
}

/// A claim link for an issued credential, through the wallet's API; `None` when none could
/// be made (the error is logged).
pub(crate) async fn claim_link(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    csrf: &str,
    slug: &str,
    credential_id: &str,
) -> Option<String> {
    let path = format!(
        "/orgs/{slug}/credentials/{}/claim-link",
        html::url_param(credential_id)
    );
    match api(
        state,
        Method::POST,
        &path,
        headers,
        None,
        Some(csrf),
        Some(&json!({})),
    )
    .await
    {
        Ok(a) if a.status.is_success() => ["claimUrl", "url", "link", "claimLink"]
            .iter()
            .find_map(|k| a.json.get(*k).and_then(Value::as_str))
            .map(String::from),
        Ok(a) => {
            tracing::warn!(status = %a.status, detail = %a.detail(), "no claim link");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "no claim link");
            None
        }
    }
}

/// `POST /console/issue`: issues through the API, then shows the record and its claim link.
pub async fn issue_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let request = issue_request(
        form.get("achievementId"),
        form.get("name"),
        form.get("email"),
        form.get("did"),
        &datetime_of(form.get("awarded")).unwrap_or_else(|| form.get("awarded").to_string()),
        "",
        "",
    );
    let path = format!("/orgs/{}/issue", staff.org.slug);
    let answer = api(
        &state,
        Method::POST,
        &path,
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        Some(&request),
    )
    .await?;
    if !answer.status.is_success() {
        let list = state.store.list_achievements(staff.org.id).await?;
        let body = format!(
            "<h1>{}</h1>{}{}",
            ctx.tx("issue.title"),
            notice(
                "bad",
                &format!("{} {}", ctx.tx("issue.failed"), esc(&answer.detail()))
            ),
            issue_form(&ctx, &staff, &list, Some(&form), form.get("achievementId"))
        );
        let mut res = console_page(&ctx, &staff, ctx.t("issue.title"), &body);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let vc = answer
        .json
        .get("verifiableCredential")
        .cloned()
        .unwrap_or(Value::Null);
    let id = str_of(&vc, "id").to_string();
    let link = claim_link(&state, &ctx.headers, &staff.csrf, &staff.org.slug, &id).await;
    let mut body = format!(
        "<h1>{}</h1>{}",
        ctx.tx("issue.done_title"),
        notice(
            "ok",
            &ctx.tf("issue.done", &[("name", str_of(&vc, "name"))])
        )
    );
    body.push_str(&claim_box(&ctx, link.as_deref()));
    let _ = write!(
        body,
        "<p class=\"actions\"><a class=\"button secondary\" href=\"/console/issue?achievement={}\">{}</a><a class=\"button secondary\" href=\"/console/records\">{}</a></p><details><summary>{}</summary><pre class=\"mono small\">{}</pre></details>",
        esc(&html::url_param(form.get("achievementId"))),
        ctx.tx("issue.another"),
        ctx.tx("console.records"),
        ctx.tx("issue.show_json"),
        esc(&serde_json::to_string_pretty(&vc).unwrap_or_default())
    );
    Ok(console_page(&ctx, &staff, ctx.t("issue.done_title"), &body))
}

/// The claim link with a copy button and its QR code, or a note that there is none.
pub(crate) fn claim_box(ctx: &Ctx, link: Option<&str>) -> String {
    match link {
        Some(url) => format!(
            "<section class=\"card\"><h2>{}</h2><p>{}</p><p><input id=\"claim-url\" class=\"mono\" readonly value=\"{}\" aria-label=\"{}\"></p><p><button type=\"button\" class=\"secondary\" data-copy=\"claim-url\" data-done=\"{}\" hidden>{}</button></p>{}</section>",
            ctx.tx("claim.title"),
            ctx.tx("claim.text"),
            esc(url),
            ctx.tx("claim.title"),
            ctx.tx("common.copied"),
            ctx.tx("common.copy"),
            super::qr::svg(url, ctx.t("claim.qr")).unwrap_or_default()
        ),
        None => notice("info", &ctx.tx("claim.none")),
    }
}

// ---------------------------------------------------------------- issued records

/// Query of the records list.
#[derive(Debug, Deserialize)]
pub struct RecordsQuery {
    q: Option<String>,
    offset: Option<u32>,
    done: Option<String>,
}

/// Rows of issued records per page.
const PAGE_ROWS: u32 = 50;

fn records_table(ctx: Ctx, staff: &Staff, rows: &[ler_store::CredentialRow]) -> String {
    let mut body = format!(
        "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        ctx.tx("records.record"),
        ctx.tx("records.recipient"),
        ctx.tx("records.issued"),
        ctx.tx("records.state"),
        ctx.tx("common.actions")
    );
    for r in rows {
        let (kind, key) = if r.revoked {
            ("bad", "records.revoked")
        } else if r.suspended {
            ("bad", "records.suspended")
        } else {
            ("ok", "records.active")
        };
        let _ = write!(
            body,
            "<tr><td>{}<br><span class=\"mono small\">{}</span></td><td>{}</td><td>{}</td><td><span class=\"pill {kind}\">{}</span></td><td>",
            esc(str_of(&r.json, "name")),
            esc(&r.id),
            esc(r.recipient.as_deref().unwrap_or("")),
            esc(html::date(&ids::format_datetime(r.issued_at))),
            ctx.tx(key)
        );
        // A record without a revocation entry (an SD-JWT VC) cannot be revoked or suspended.
        if !r.revoked && r.revocation.is_some() {
            // Suspension is offered only for records issued with a suspension entry.
            let buttons: &[(&str, &str, &str)] = if r.suspended {
                &[("unsuspend", "records.unsuspend", "secondary")]
            } else if r.suspension.is_some() {
                &[("suspend", "records.suspend", "secondary")]
            } else {
                &[]
            };
            for (action, label, class) in
                buttons
                    .iter()
                    .chain(&[("revoke", "records.revoke", "danger")])
            {
                let confirm = if *action == "revoke" {
                    format!(" data-confirm=\"{}\"", ctx.tx("records.revoke_confirm"))
                } else {
                    String::new()
                };
                let _ = write!(
                    body,
                    "<form class=\"inline\" method=\"post\" action=\"/console/records/{}/status\"{confirm}>{}<input type=\"hidden\" name=\"action\" value=\"{action}\"><button type=\"submit\" class=\"{class}\">{}</button></form> ",
                    esc(&html::url_param(&r.id)),
                    html::csrf_field(&staff.csrf),
                    ctx.tx(label)
                );
            }
        }
        body.push_str("</td></tr>");
    }
    body.push_str("</tbody></table></div>");
    let labels: Vec<String> = [
        "records.record",
        "records.recipient",
        "records.issued",
        "records.state",
        "common.actions",
    ]
    .iter()
    .map(|k| ctx.tx(k))
    .collect();
    html::stack(&body, &labels)
}

/// `GET /console/records?q=`: issued records, newest first, searchable.
pub async fn records(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RecordsQuery>,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let text = q.q.clone().filter(|t| !t.trim().is_empty());
    let offset = q.offset.unwrap_or(0);
    let rows = state
        .store
        .list_credentials(
            staff.org.id,
            &CredentialQuery {
                text: text.clone(),
                limit: PAGE_ROWS + 1,
                offset,
            },
        )
        .await?;
    let more = rows.len() > PAGE_ROWS as usize;
    let rows = &rows[..rows.len().min(PAGE_ROWS as usize)];
    let mut body = format!(
        "<h1>{}</h1>{}<form method=\"get\" action=\"/console/records\" class=\"card\" role=\"search\">{}<button type=\"submit\">{}</button></form>",
        ctx.tx("records.title"),
        done_notice(&ctx, q.done.as_deref()),
        input(
            "q",
            ctx.t("records.search"),
            text.as_deref().unwrap_or(""),
            "type=\"search\""
        ),
        ctx.tx("records.search_submit")
    );
    if rows.is_empty() {
        body.push_str(&notice("info", &ctx.tx("records.none")));
    } else {
        body.push_str(&records_table(ctx.clone(), &staff, rows));
    }
    if more || offset > 0 {
        let qp = html::url_param(text.as_deref().unwrap_or(""));
        body.push_str("<p class=\"actions\">");
        if offset > 0 {
            let _ = write!(
                body,
                "<a class=\"button secondary\" href=\"/console/records?q={qp}&amp;offset={}\">{}</a>",
                offset.saturating_sub(PAGE_ROWS),
                ctx.tx("common.previous")
            );
        }
        if more {
            let _ = write!(
                body,
                "<a class=\"button secondary\" href=\"/console/records?q={qp}&amp;offset={}\">{}</a>",
                offset + PAGE_ROWS,
                ctx.tx("common.next")
            );
        }
        body.push_str("</p>");
    }
    Ok(console_page(&ctx, &staff, ctx.t("records.title"), &body))
}

/// `POST /console/records/<id>/status`: revoke, suspend or unsuspend through
/// `POST /credentials/status`.
pub async fn record_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let staff = match require(&state, &ctx).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let (purpose, value, done) = match form.get("action") {
        "revoke" => ("revocation", true, "revoked"),
        "suspend" => ("suspension", true, "suspended"),
        "unsuspend" => ("suspension", false, "unsuspended"),
        _ => {
            return Ok(error_page(
                &ctx,
                StatusCode::BAD_REQUEST,
                ctx.t("records.bad_action"),
            ));
        }
    };
    let request = json!({
        "credentialId": id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
        "status": value,
    });
    let answer = api(
        &state,
        Method::POST,
        "/credentials/status",
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        Some(&request),
    )
    .await?;
    if !answer.status.is_success() {
        return Ok(error_page(&ctx, answer.status, &answer.detail()));
    }
    tracing::info!(org = %staff.org.slug, credential = %id, action = form.get("action"), "status changed from the console");
    Ok(html::redirect(&format!("/console/records?done={done}")))
}
