//! The worker's wallet pages (`/me/…`, and the claim page at `/wallet/claim/<token>`): sign
//! up and in, records as cards grouped into education, work and skills with a detail view,
//! receiving (upload, paste, link, claim link), the consent share flow ending with a link and
//! its QR code, grants revocable in one click, the access log, import and export, print.
//!
//! Every action goes through the wallet's JSON API (`/wallet/…`) with the holder's session
//! cookie and CSRF token; the pages only render what it answers.

use std::fmt::Write as _;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use ler_store::Holder;
use serde::Deserialize;
use serde_json::{Value, json};

use super::form::Form;
use super::html::{self, esc, icon, input, notice, textarea};
use super::{Ctx, api, api_bytes, error_page, qr, verify, with_cookies};
use crate::{AppError, AppState, ids};

/// The wallet's session cookie (the wallet API's).
const WALLET_COOKIE: &str = "ler_wallet";

/// A signed-in holder and the session's CSRF token.
pub(crate) struct Me {
    holder: Holder,
    csrf: String,
}

async fn me(state: &AppState, ctx: &Ctx) -> Result<Option<Me>, AppError> {
    let Some(token) = super::cookie(&ctx.headers, WALLET_COOKIE) else {
        return Ok(None);
    };
    Ok(state
        .store
        .holder_session(&ids::sha256_hex(&token), state.now())
        .await?
        .map(|(session, holder)| Me {
            holder,
            csrf: session.csrf,
        }))
}

/// The holder, or the sign-in page (coming back to this page after).
async fn require(state: &AppState, ctx: &Ctx) -> Result<Result<Me, Response>, AppError> {
    Ok(match me(state, ctx).await? {
        Some(m) => Ok(m),
        None => Err(html::ok(html::page(
            ctx,
            ctx.t("wallet.signin_title"),
            &signin_forms(ctx, &next_of_page(&ctx.path), None),
        ))),
    })
}

/// A wallet page: the shell with the wallet's sub-navigation.
fn wallet_page(ctx: &Ctx, me: &Me, title: &str, body: &str) -> Response {
    let mut nav = format!(
        "<nav class=\"actions\" aria-label=\"{}\">",
        ctx.tx("wallet.nav_label")
    );
    for (href, key) in [
        ("/me", "wallet.records"),
        ("/me/receive", "wallet.receive"),
        ("/me/share", "wallet.share"),
        ("/me/grants", "wallet.grants"),
        ("/me/programs", "wallet.programs"),
        ("/me/log", "wallet.log"),
        ("/me/data", "wallet.data"),
    ] {
        let current = if ctx.path.split('?').next() == Some(href) {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(nav, "<a href=\"{href}\"{current}>{}</a>", ctx.tx(key));
    }
    let _ = write!(
        nav,
        "</nav><div class=\"small\">{} <form class=\"inline\" method=\"post\" action=\"/me/logout\">{}<button class=\"link\" type=\"submit\">{}</button></form></div>",
        ctx.tf("wallet.signed_in_as", &[("email", &me.holder.email)]),
        html::csrf_field(&me.csrf),
        ctx.tx("console.sign_out")
    );
    html::ok(html::page(ctx, title, &format!("{nav}{body}")))
}

fn signin_forms(ctx: &Ctx, next: &str, error: Option<&str>) -> String {
    let mut out = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("wallet.signin_title"),
        ctx.tx("wallet.signin_lead")
    );
    if let Some(e) = error {
        out.push_str(&notice("bad", &esc(e)));
    }
    let next = esc(next);
    let _ = write!(
        out,
        "<div class=\"ways\"><form method=\"post\" action=\"/me/login\" class=\"card\" aria-labelledby=\"si\"><h2 id=\"si\">{}</h2><input type=\"hidden\" name=\"next\" value=\"{next}\">{}{}<button type=\"submit\">{}</button></form>\
<form method=\"post\" action=\"/me/signup\" class=\"card\" aria-labelledby=\"su\"><h2 id=\"su\">{}</h2><p class=\"hint\">{}</p><input type=\"hidden\" name=\"next\" value=\"{next}\">{}{}<button type=\"submit\" class=\"secondary\">{}</button></form></div>",
        ctx.tx("wallet.signin"),
        input(
            "email",
            ctx.t("login.email"),
            "",
            "type=\"email\" autocomplete=\"username\" required"
        ),
        input(
            "password",
            ctx.t("login.password"),
            "",
            "type=\"password\" autocomplete=\"current-password\" required"
        ),
        ctx.tx("login.submit"),
        ctx.tx("wallet.signup"),
        ctx.tx("wallet.signup_hint"),
        input(
            "signup-email",
            ctx.t("login.email"),
            "",
            "type=\"email\" autocomplete=\"username\" required"
        ),
        input(
            "signup-password",
            ctx.t("wallet.new_password"),
            "",
            "type=\"password\" autocomplete=\"new-password\" minlength=\"10\" required"
        ),
        ctx.tx("wallet.signup_submit"),
    );
    out
}

/// Whether signing in may lead on to `next`: a path on this site (never `//host`, `/\host`,
/// an absolute URL or a header break) in the wallet, a claim link, or an OAuth authorization
/// request (with its query) that asked the holder to sign in first.
fn returns_to(next: &str) -> bool {
    html::local_path(next)
        && (next.starts_with("/me")
            || next.starts_with("/wallet/claim/")
            || next == "/oauth/authorize"
            || next.starts_with("/oauth/authorize?"))
}

fn next_of(form: &Form) -> String {
    Some(form.get("next").to_string())
        .filter(|n| returns_to(n))
        .unwrap_or_else(|| "/me".into())
}

/// Where the sign-in forms of a page lead on to: the page's own `next` parameter when it is
/// one signing in may lead to (the OAuth sign-in prompt links to `/me?next=…`), else the page.
fn next_of_page(path: &str) -> String {
    path.split_once('?')
        .map(|(_, query)| Form::urlencoded(query.as_bytes()))
        .map(|q| q.get("next").to_string())
        .filter(|n| returns_to(n))
        .unwrap_or_else(|| path.to_string())
}

async fn sign(
    state: &AppState,
    ctx: &Ctx,
    form: &Form,
    path: &str,
    email: &str,
    password: &str,
) -> Result<Response, AppError> {
    let next = next_of(form);
    let answer = api(
        state,
        Method::POST,
        path,
        &HeaderMap::new(),
        ctx.client,
        None,
        Some(&json!({"email": email, "password": password})),
    )
    .await?;
    if !answer.status.is_success() {
        let msg = match answer.status {
            StatusCode::UNAUTHORIZED => ctx.t("login.wrong").to_string(),
            StatusCode::TOO_MANY_REQUESTS => ctx.t("login.too_many").to_string(),
            StatusCode::CONFLICT => ctx.t("wallet.exists").to_string(),
            _ => answer.detail(),
        };
        return Ok(html::respond(
            answer.status,
            html::page(
                ctx,
                ctx.t("wallet.signin_title"),
                &signin_forms(ctx, &next, Some(&msg)),
            ),
        ));
    }
    Ok(with_cookies(html::redirect(&next), &answer))
}

/// `POST /me/login`.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    sign(
        &state,
        &ctx,
        &form,
        "/wallet/login",
        form.get("email"),
        form.get("password"),
    )
    .await
}

/// `POST /me/signup`.
pub async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    sign(
        &state,
        &ctx,
        &form,
        "/wallet/signup",
        form.get("signup-email"),
        form.get("signup-password"),
    )
    .await
}

/// `POST /me/logout`.
pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let answer = api(
        &state,
        Method::POST,
        "/wallet/logout",
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        None,
    )
    .await?;
    Ok(with_cookies(html::redirect("/me"), &answer))
}

/// Query carrying a notice to show.
#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn done_notice(ctx: &Ctx, done: Option<&str>) -> String {
    let key = match done {
        Some("received") => "wallet.done_received",
        Some("duplicate") => "wallet.done_duplicate",
        Some("revoked") => "wallet.done_revoked",
        Some("deleted") => "wallet.done_deleted",
        Some("imported") => "wallet.done_imported",
        _ => return String::new(),
    };
    notice("ok", &ctx.tx(key))
}

fn status_pill(ctx: &Ctx, status: &str) -> String {
    let (kind, key) = match status {
        "verified" => ("ok", "wallet.status_verified"),
        "revoked" => ("bad", "verify.status_revoked"),
        "suspended" => ("bad", "verify.status_suspended"),
        "expired" => ("bad", "verify.status_expired"),
        _ => ("bad", "verdict.bad"),
    };
    format!(
        "<span class=\"pill {kind}\">{}{}</span>",
        icon(kind),
        ctx.tx(key)
    )
}

fn card(ctx: &Ctx, c: &Value) -> String {
    let title = c["title"].as_str().unwrap_or(ctx.t("verify.unnamed"));
    let issuer = c["issuer"]["name"]
        .as_str()
        .or_else(|| c["issuer"]["id"].as_str())
        .unwrap_or("");
    let date = c["awarded"]
        .as_str()
        .or_else(|| c["validFrom"].as_str())
        .unwrap_or("");
    let mut out = format!(
        "<article class=\"card\"><h3><a href=\"/me/records/{}\">{}</a></h3><p>{}</p><p class=\"small\">{} · {}</p>",
        esc(&html::url_param(c["id"].as_str().unwrap_or(""))),
        esc(title),
        status_pill(ctx, c["status"].as_str().unwrap_or("")),
        esc(issuer),
        esc(html::date(date))
    );
    if let Some(e) = c.get("employment") {
        let line: Vec<&str> = [&e["positionTitle"], &e["startDate"], &e["endDate"]]
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let _ = write!(out, "<p class=\"small\">{}</p>", esc(&line.join(" · ")));
    }
    out.push_str("</article>");
    out
}

/// `GET /me`: the records as cards, grouped into education, work and skills.
pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let answer = api(
        &state,
        Method::GET,
        "/wallet/records",
        &ctx.headers,
        ctx.client,
        None,
        None,
    )
    .await?;
    let list = &answer.json;
    let mut body = format!(
        "<h1>{}</h1>{}<p class=\"lead\">{}</p>",
        ctx.tx("wallet.title"),
        done_notice(&ctx, q.done.as_deref()),
        ctx.tx("wallet.lead")
    );
    if list["count"].as_u64().unwrap_or(0) == 0 {
        let _ = write!(
            body,
            "{}<p><a class=\"button\" href=\"/me/receive\">{}</a></p>",
            notice("info", &ctx.tx("wallet.empty")),
            ctx.tx("wallet.receive")
        );
    }
    let mut skills: Vec<(String, Option<String>)> = Vec::new();
    for (group, key) in [
        ("education", "wallet.education"),
        ("employment", "wallet.work"),
        ("other", "wallet.other"),
    ] {
        let cards = list[group].as_array().cloned().unwrap_or_default();
        if cards.is_empty() {
            continue;
        }
        let _ = write!(
            body,
            "<section aria-labelledby=\"g-{group}\"><h2 id=\"g-{group}\">{}</h2><div class=\"cards\">",
            ctx.tx(key)
        );
        for c in &cards {
            body.push_str(&card(&ctx, c));
            for s in c["skills"].as_array().into_iter().flatten() {
                let name = s["targetName"].as_str().unwrap_or("").to_string();
                if !name.is_empty() && !skills.iter().any(|(n, _)| *n == name) {
                    skills.push((name, s["targetUrl"].as_str().map(String::from)));
                }
            }
        }
        body.push_str("</div></section>");
    }
    if !skills.is_empty() {
        let _ = write!(
            body,
            "<section aria-labelledby=\"g-skills\" class=\"card\"><h2 id=\"g-skills\">{}</h2><p class=\"hint\">{}</p><ul class=\"skills\">",
            ctx.tx("wallet.skills"),
            ctx.tx("wallet.skills_hint")
        );
        for (name, url) in &skills {
            match url.as_deref().filter(|u| html::safe_url(u, false)) {
                Some(u) => {
                    let _ = write!(
                        body,
                        "<li><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></li>",
                        esc(u),
                        esc(name)
                    );
                }
                None => {
                    let _ = write!(body, "<li>{}</li>", esc(name));
                }
            }
        }
        body.push_str("</ul></section>");
    }
    let _ = write!(
        body,
        "<p class=\"actions\"><a class=\"button\" href=\"/me/share\">{}</a><a class=\"button secondary\" href=\"/me/receive\">{}</a></p>",
        ctx.tx("wallet.share"),
        ctx.tx("wallet.receive")
    );
    Ok(wallet_page(&ctx, &me, ctx.t("wallet.title"), &body))
}

/// `GET /me/records/<id>`: one record, checked again now, with what the verifier sees.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let path = format!("/wallet/records/{}", html::url_param(&id));
    let answer = api(
        &state,
        Method::GET,
        &path,
        &ctx.headers,
        ctx.client,
        None,
        None,
    )
    .await?;
    if !answer.status.is_success() {
        return Ok(error_page(&ctx, answer.status, ctx.t("wallet.no_record")));
    }
    let credential = &answer.json["credential"];
    let bytes = match credential {
        Value::String(s) => s.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    let report = verify::check(&state, bytes).await?;
    let mut body = verify::render(&ctx, &report, None);
    let _ = write!(
        body,
        "<p class=\"actions\"><a class=\"button\" href=\"/me/share?record={}\">{}</a></p><form method=\"post\" action=\"/me/records/{}/delete\" data-confirm=\"{}\" class=\"actions\">{}<button class=\"danger\" type=\"submit\">{}</button></form>",
        esc(&html::url_param(&id)),
        ctx.tx("wallet.share_this"),
        esc(&html::url_param(&id)),
        ctx.tx("wallet.delete_confirm"),
        html::csrf_field(&me.csrf),
        ctx.tx("wallet.delete")
    );
    let title = answer.json["title"]
        .as_str()
        .unwrap_or(ctx.t("verify.unnamed"));
    Ok(wallet_page(&ctx, &me, title, &body))
}

/// `POST /me/records/<id>/delete`.
pub async fn delete_record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let path = format!("/wallet/records/{}", html::url_param(&id));
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
    Ok(html::redirect("/me?done=deleted"))
}

fn receive_body(ctx: &Ctx, me: &Me, error: Option<&str>) -> String {
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("wallet.receive"),
        ctx.tx("wallet.receive_lead")
    );
    if let Some(e) = error {
        body.push_str(&notice("bad", &esc(e)));
    }
    let csrf = html::csrf_field(&me.csrf);
    let _ = write!(
        body,
        "<div class=\"ways\"><section class=\"card\" aria-labelledby=\"r-file\"><h2 id=\"r-file\">{}</h2><form method=\"post\" action=\"/me/receive\" enctype=\"multipart/form-data\">{csrf}<div class=\"field\"><label for=\"file\">{}</label><p class=\"hint\" id=\"file-hint\">{}</p><input type=\"file\" id=\"file\" name=\"file\" aria-describedby=\"file-hint\" required></div><button type=\"submit\">{}</button></form></section>\
<section class=\"card\" aria-labelledby=\"r-paste\"><h2 id=\"r-paste\">{}</h2><form method=\"post\" action=\"/me/receive\">{csrf}{}<button type=\"submit\">{}</button></form></section>\
<section class=\"card\" aria-labelledby=\"r-url\"><h2 id=\"r-url\">{}</h2><form method=\"post\" action=\"/me/receive\">{csrf}{}<button type=\"submit\">{}</button></form></section></div>",
        ctx.tx("verify.upload"),
        ctx.tx("verify.file_label"),
        ctx.tx("verify.file_hint"),
        ctx.tx("wallet.add"),
        ctx.tx("verify.paste"),
        textarea(
            "text",
            ctx.t("verify.paste_label"),
            "",
            "rows=\"5\" spellcheck=\"false\" required"
        ),
        ctx.tx("wallet.add"),
        ctx.tx("wallet.link_or_claim"),
        input(
            "url",
            ctx.t("wallet.url_label"),
            "",
            "type=\"url\" inputmode=\"url\" placeholder=\"https://\" required"
        ),
        ctx.tx("wallet.add"),
    );
    body
}

/// `GET /me/receive`.
pub async fn receive_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    Ok(wallet_page(
        &ctx,
        &me,
        ctx.t("wallet.receive"),
        &receive_body(&ctx, &me, None),
    ))
}

/// `POST /me/receive`: a file, a paste, a link, or a claim link.
pub async fn receive(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let csrf = form.get("csrf").to_string();
    let url = form.get("url");
    if let Some(token) = url
        .split("/wallet/claim/")
        .nth(1)
        .filter(|_| url.starts_with("http"))
    {
        return claim_now(&state, &ctx, &csrf, token.trim_end_matches('/')).await;
    }
    let answer = if let Some(file) = form.file("file") {
        let kind = if file.bytes.starts_with(b"\x89PNG") {
            "image/png"
        } else if file.bytes.trim_ascii_start().starts_with(b"<") {
            "image/svg+xml"
        } else if file.bytes.trim_ascii_start().starts_with(b"{") {
            "application/json"
        } else {
            "application/jwt"
        };
        api_bytes(
            &state,
            Method::POST,
            "/wallet/records",
            &ctx.headers,
            ctx.client,
            Some(&csrf),
            kind,
            file.bytes.clone(),
        )
        .await?
    } else if !form.get("text").is_empty() {
        let text = form.get("text");
        let credential =
            serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_string()));
        api(
            &state,
            Method::POST,
            "/wallet/records",
            &ctx.headers,
            ctx.client,
            Some(&csrf),
            Some(&json!({"credential": credential})),
        )
        .await?
    } else if !url.is_empty() {
        api(
            &state,
            Method::POST,
            "/wallet/records",
            &ctx.headers,
            ctx.client,
            Some(&csrf),
            Some(&json!({"url": url})),
        )
        .await?
    } else {
        return Ok(wallet_page(
            &ctx,
            &me,
            ctx.t("wallet.receive"),
            &receive_body(&ctx, &me, Some(ctx.t("verify.nothing"))),
        ));
    };
    received(&ctx, &me, &answer)
}

fn received(ctx: &Ctx, me: &Me, answer: &super::ApiAnswer) -> Result<Response, AppError> {
    if !answer.status.is_success() {
        let msg = format!("{} {}", ctx.t("wallet.not_added"), answer.detail());
        let mut res = wallet_page(
            ctx,
            me,
            ctx.t("wallet.receive"),
            &receive_body(ctx, me, Some(&msg)),
        );
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let done = if answer.status == StatusCode::CREATED {
        "received"
    } else {
        "duplicate"
    };
    Ok(html::redirect(&format!("/me?done={done}")))
}

async fn claim_now(
    state: &AppState,
    ctx: &Ctx,
    csrf: &str,
    token: &str,
) -> Result<Response, AppError> {
    let me = match require(state, ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let path = format!("/wallet/claim/{}", html::url_param(token));
    let answer = api(
        state,
        Method::POST,
        &path,
        &ctx.headers,
        ctx.client,
        Some(csrf),
        Some(&json!({})),
    )
    .await?;
    if !answer.status.is_success() {
        let msg = match answer.status {
            StatusCode::GONE | StatusCode::NOT_FOUND => ctx.t("wallet.claim_gone").to_string(),
            _ => answer.detail(),
        };
        return Ok(wallet_page(
            ctx,
            &me,
            ctx.t("wallet.claim_title"),
            &notice("bad", &esc(&msg)),
        ));
    }
    received(ctx, &me, &answer)
}

/// `GET /wallet/claim/<token>`: the page a claim link opens. Opening it changes nothing (mail
/// scanners open links too); the holder adds the record with one button.
pub async fn claim_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(_) => {
            return Ok(html::ok(html::page(
                &ctx,
                ctx.t("wallet.claim_title"),
                &format!(
                    "{}{}",
                    notice("info", &ctx.tx("wallet.claim_signin")),
                    signin_forms(&ctx, &ctx.path, None)
                ),
            )));
        }
    };
    let body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p><form method=\"post\" action=\"/me/claim/{}\">{}<button type=\"submit\">{}</button></form>",
        ctx.tx("wallet.claim_title"),
        ctx.tx("wallet.claim_lead"),
        esc(&html::url_param(&token)),
        html::csrf_field(&me.csrf),
        ctx.tx("wallet.claim_submit")
    );
    Ok(wallet_page(&ctx, &me, ctx.t("wallet.claim_title"), &body))
}

/// `POST /me/claim/<token>`.
pub async fn claim(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    claim_now(&state, &ctx, form.get("csrf"), &token).await
}

/// Query of the share page.
#[derive(Debug, Deserialize)]
pub struct ShareQuery {
    record: Option<String>,
}

/// The purposes a grant can name, as the wallet API spells them.
const PURPOSES: &[(&str, &str)] = &[
    ("employment", "purpose.employment"),
    ("education-admission", "purpose.education_admission"),
    ("program-intake", "purpose.program_intake"),
    (
        "program-outcomes-reporting",
        "purpose.program_outcomes_reporting",
    ),
    ("benefits-eligibility", "purpose.benefits_eligibility"),
    ("other", "purpose.other"),
];

/// `GET /me/share`: what, with whom, for what purpose, until when.
pub async fn share_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ShareQuery>,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let body = share_body(&state, &ctx, &me, q.record.as_deref(), None).await?;
    Ok(wallet_page(&ctx, &me, ctx.t("wallet.share"), &body))
}

async fn share_body(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    chosen: Option<&str>,
    error: Option<&str>,
) -> Result<String, AppError> {
    let list = api(
        state,
        Method::GET,
        "/wallet/records",
        &ctx.headers,
        ctx.client,
        None,
        None,
    )
    .await?
    .json;
    let orgs = state.store.list_orgs().await?;
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("wallet.share"),
        ctx.tx("wallet.share_lead")
    );
    if let Some(e) = error {
        body.push_str(&notice("bad", &esc(e)));
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/me/share\">{}<fieldset><legend>{}</legend>",
        html::csrf_field(&me.csrf),
        ctx.tx("wallet.share_what")
    );
    for group in ["education", "employment", "other"] {
        for c in list[group].as_array().into_iter().flatten() {
            let id = c["id"].as_str().unwrap_or("");
            let checked = if Some(id) == chosen { " checked" } else { "" };
            let _ = write!(
                body,
                "<div class=\"field\"><input type=\"checkbox\" id=\"rec-{0}\" name=\"record\" value=\"{0}\"{checked}><label for=\"rec-{0}\" class=\"inline\">{1}</label></div>",
                esc(id),
                esc(c["title"].as_str().unwrap_or(ctx.t("verify.unnamed")))
            );
        }
    }
    let _ = write!(
        body,
        "</fieldset><fieldset><legend>{}</legend><div class=\"field\"><label for=\"recipient\">{}</label><select id=\"recipient\" name=\"recipient\"><option value=\"\">{}</option>",
        ctx.tx("wallet.share_whom"),
        ctx.tx("wallet.share_org"),
        ctx.tx("wallet.share_other_below")
    );
    for o in &orgs {
        let _ = write!(
            body,
            "<option value=\"{}\">{}</option>",
            esc(&o.slug),
            esc(&o.name)
        );
    }
    let _ = write!(
        body,
        "</select></div>{}</fieldset><fieldset><legend>{}</legend>",
        html::input_hint(
            "recipient_other",
            ctx.t("wallet.share_other"),
            ctx.t("wallet.share_other_hint"),
            "",
            "autocomplete=\"off\""
        ),
        ctx.tx("wallet.share_why")
    );
    for (value, key) in PURPOSES {
        let _ = write!(
            body,
            "<div class=\"field\"><input type=\"checkbox\" id=\"p-{value}\" name=\"purpose\" value=\"{value}\"><label for=\"p-{value}\" class=\"inline\">{}</label></div>",
            ctx.tx(key)
        );
    }
    let default_until = html::date(&ids::format_datetime(state.now() + 30 * 86_400)).to_string();
    let _ = write!(
        body,
        "{}</fieldset><fieldset><legend>{}</legend>{}<div class=\"field\"><input type=\"checkbox\" id=\"once\" name=\"once\" value=\"1\"><label for=\"once\" class=\"inline\">{}</label></div></fieldset><button type=\"submit\">{}</button></form>",
        input(
            "purpose_text",
            ctx.t("wallet.share_purpose_text"),
            "",
            "maxlength=\"500\""
        ),
        ctx.tx("wallet.share_until"),
        input(
            "until",
            ctx.t("wallet.share_until_label"),
            &default_until,
            "type=\"date\" required"
        ),
        ctx.tx("wallet.share_once"),
        ctx.tx("wallet.share_submit")
    );
    Ok(body)
}

/// `POST /me/share`: gives the grant through the API and shows its link and QR code.
pub async fn share(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let recipient = if form.get("recipient_other").is_empty() {
        form.get("recipient")
    } else {
        form.get("recipient_other")
    };
    let records: Vec<&str> = form.all("record");
    let purposes: Vec<&str> = form.all("purpose");
    let problem = if records.is_empty() {
        Some("wallet.share_need_record")
    } else if recipient.is_empty() {
        Some("wallet.share_need_recipient")
    } else if purposes.is_empty() {
        Some("wallet.share_need_purpose")
    } else {
        None
    };
    let request = json!({
        "recipient": recipient,
        "purposes": purposes,
        "purposeText": form.get("purpose_text"),
        "recordIds": records,
        "expires": form.get("until"),
        "access": if form.get("once") == "1" { "one-time" } else { "repeated" },
    });
    let answer = match problem {
        Some(_) => None,
        None => Some(
            api(
                &state,
                Method::POST,
                "/wallet/grants",
                &ctx.headers,
                ctx.client,
                Some(form.get("csrf")),
                Some(&request),
            )
            .await?,
        ),
    };
    let failed = match (&problem, &answer) {
        (Some(key), _) => Some(ctx.t(key).to_string()),
        (None, Some(a)) if !a.status.is_success() => Some(a.detail()),
        _ => None,
    };
    if let Some(msg) = failed {
        let body = share_body(&state, &ctx, &me, records.first().copied(), Some(&msg)).await?;
        let mut res = wallet_page(&ctx, &me, ctx.t("wallet.share"), &body);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let answer = answer.map(|a| a.json).unwrap_or(Value::Null);
    let url = answer["shareUrl"].as_str().unwrap_or("");
    let grant = &answer["grant"];
    let body = format!(
        "<h1>{}</h1>{}<section class=\"card\"><h2>{}</h2><p>{}</p><p><input id=\"share-url\" class=\"mono\" readonly value=\"{}\" aria-label=\"{}\"></p><p><button type=\"button\" class=\"secondary\" data-copy=\"share-url\" data-done=\"{}\" hidden>{}</button></p>{}</section><p class=\"actions\"><a class=\"button secondary\" href=\"/me/grants\">{}</a></p>",
        ctx.tx("wallet.shared_title"),
        notice(
            "ok",
            &ctx.tf(
                "wallet.shared",
                &[
                    (
                        "recipient",
                        grant["recipient"]["name"]
                            .as_str()
                            .or_else(|| grant["recipient"]["id"].as_str())
                            .unwrap_or(recipient)
                    ),
                    ("until", html::date(grant["expires"].as_str().unwrap_or(""))),
                ]
            )
        ),
        ctx.tx("wallet.share_link"),
        ctx.tx("wallet.share_link_text"),
        esc(url),
        ctx.tx("wallet.share_link"),
        ctx.tx("common.copied"),
        ctx.tx("common.copy"),
        qr::svg(url, ctx.t("wallet.share_qr")).unwrap_or_default(),
        ctx.tx("wallet.grants")
    );
    Ok(wallet_page(&ctx, &me, ctx.t("wallet.shared_title"), &body))
}

/// `GET /me/grants`: every grant, each revocable in one click.
pub async fn grants(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let list = api(
        &state,
        Method::GET,
        "/wallet/grants",
        &ctx.headers,
        ctx.client,
        None,
        None,
    )
    .await?
    .json;
    let mut body = format!(
        "<h1>{}</h1>{}<p class=\"lead\">{}</p>",
        ctx.tx("wallet.grants"),
        done_notice(&ctx, q.done.as_deref()),
        ctx.tx("wallet.grants_lead")
    );
    let grants = list["grants"].as_array().cloned().unwrap_or_default();
    if grants.is_empty() {
        body.push_str(&notice("info", &ctx.tx("wallet.no_grants")));
    }
    body.push_str("<div class=\"cards\">");
    for g in &grants {
        let state_word = g["state"].as_str().unwrap_or("");
        let (kind, key) = match state_word {
            "active" => ("ok", "wallet.grant_active"),
            "revoked" => ("bad", "wallet.grant_revoked"),
            "expired" => ("info", "wallet.grant_expired"),
            _ => ("info", "wallet.grant_used"),
        };
        let who = g["recipient"]["name"]
            .as_str()
            .or_else(|| g["recipient"]["id"].as_str())
            .unwrap_or("");
        let titles: Vec<String> = g["records"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| esc(r["title"].as_str().unwrap_or(ctx.t("verify.unnamed"))))
            .collect();
        let purposes: Vec<String> = g["purposes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|p| ctx.tx(&format!("purpose.{}", p.replace('-', "_"))))
            .collect();
        let _ = write!(
            body,
            "<article class=\"card\"><h2>{}</h2><p><span class=\"pill {kind}\">{}</span></p><dl class=\"facts\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            esc(who),
            ctx.tx(key),
            ctx.tx("wallet.share_what"),
            titles.join("<br>"),
            ctx.tx("share.purpose"),
            purposes.join(", ")
                + &g["purposeText"]
                    .as_str()
                    .filter(|t| !t.is_empty())
                    .map(|t| format!("<br>{}", esc(t)))
                    .unwrap_or_default(),
            ctx.tx("share.until"),
            esc(html::date(g["expires"].as_str().unwrap_or(""))),
            ctx.tx("wallet.used"),
            g["usedCount"].as_i64().unwrap_or(0)
        );
        if state_word == "active" {
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/me/grants/{}/revoke\">{}<button type=\"submit\" class=\"danger\">{}</button></form>",
                esc(&html::url_param(g["id"].as_str().unwrap_or(""))),
                html::csrf_field(&me.csrf),
                ctx.tx("wallet.revoke")
            );
        }
        body.push_str("</article>");
    }
    body.push_str("</div>");
    Ok(wallet_page(&ctx, &me, ctx.t("wallet.grants"), &body))
}

/// `POST /me/grants/<id>/revoke`: one click, effective at once.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, AppError> {
    let path = format!("/wallet/grants/{}/revoke", html::url_param(&id));
    let answer = api(
        &state,
        Method::POST,
        &path,
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        Some(&json!({})),
    )
    .await?;
    if !answer.status.is_success() {
        return Ok(error_page(&ctx, answer.status, &answer.detail()));
    }
    Ok(html::redirect("/me/grants?done=revoked"))
}

/// `GET /me/programs`: the holder's programs — progress through each one's milestones — and
/// their outcome consent.
pub async fn programs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let body = super::cbo::my_programs(&state, &ctx, &me.csrf, q.done.as_deref()).await?;
    Ok(wallet_page(&ctx, &me, ctx.t("cbo.my_programs"), &body))
}

/// `POST /me/programs/consent`: grant, decline or withdraw outcome consent.
pub async fn program_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let body = super::cbo::consent_request(&form);
    program_post(&state, &ctx, &form, "/wallet/programs/consent", &body).await
}

/// `POST /me/programs/job`: a job the holder reports (kept as unverified).
pub async fn program_job(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let body = super::cbo::job_request(&form);
    program_post(&state, &ctx, &form, "/wallet/programs/outcomes", &body).await
}

async fn program_post(
    state: &AppState,
    ctx: &Ctx,
    form: &Form,
    path: &str,
    body: &Value,
) -> Result<Response, AppError> {
    let answer = api(
        state,
        Method::POST,
        path,
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        Some(body),
    )
    .await?;
    if !answer.status.is_success() {
        return Ok(error_page(ctx, answer.status, &answer.detail()));
    }
    Ok(html::redirect("/me/programs?done=consent"))
}

/// `GET /me/log`: every access to the holder's records.
pub async fn log(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let list = api(
        &state,
        Method::GET,
        "/wallet/log",
        &ctx.headers,
        ctx.client,
        None,
        None,
    )
    .await?
    .json;
    let mut body = format!(
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("wallet.log"),
        ctx.tx("wallet.log_lead")
    );
    let entries = list["entries"].as_array().cloned().unwrap_or_default();
    if entries.is_empty() {
        body.push_str(&notice("info", &ctx.tx("wallet.no_log")));
    } else {
        let mut table = String::new();
        let _ = write!(
            table,
            "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            ctx.tx("wallet.log_when"),
            ctx.tx("wallet.log_who"),
            ctx.tx("wallet.log_what"),
            ctx.tx("wallet.log_how")
        );
        for e in entries.iter().rev() {
            let who = e["recipient"]["name"]
                .as_str()
                .or_else(|| e["recipient"]["id"].as_str())
                .unwrap_or("");
            let what: Vec<String> = e["records"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| esc(r["title"].as_str().unwrap_or(ctx.t("verify.unnamed"))))
                .collect();
            let how = if e["via"] == "link" {
                "wallet.via_link"
            } else {
                "wallet.via_grant"
            };
            let _ = write!(
                table,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e["at"]
                    .as_str()
                    .unwrap_or("")
                    .replace('T', " ")
                    .replace('Z', " UTC")),
                esc(who),
                what.join("<br>"),
                ctx.tx(how)
            );
        }
        table.push_str("</tbody></table></div>");
        let labels: Vec<String> = [
            "wallet.log_when",
            "wallet.log_who",
            "wallet.log_what",
            "wallet.log_how",
        ]
        .iter()
        .map(|k| ctx.tx(k))
        .collect();
        body.push_str(&html::stack(&table, &labels));
    }
    Ok(wallet_page(&ctx, &me, ctx.t("wallet.log"), &body))
}

/// `GET /me/data`: export, import, print.
pub async fn data(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let body = data_body(&ctx, &me, &done_notice(&ctx, q.done.as_deref()));
    Ok(wallet_page(&ctx, &me, ctx.t("wallet.data"), &body))
}

fn data_body(ctx: &Ctx, me: &Me, message: &str) -> String {
    // Printing gives a grant (see `wallet::takeout`), so it is a form that POSTs, not a link.
    let csrf = html::csrf_field(&me.csrf);
    format!(
        "<h1>{}</h1>{message}<section class=\"card\"><h2>{}</h2><p>{}</p><p><a class=\"button\" href=\"/wallet/export\" download=\"ler-wallet-export.json\">{}</a></p></section>\
<section class=\"card\"><h2>{}</h2><p>{}</p><form method=\"post\" action=\"/wallet/print\" class=\"actions\">{csrf}<button type=\"submit\" class=\"secondary\">{}</button><button type=\"submit\" class=\"secondary\" formaction=\"/wallet/print.pdf\">{}</button></form></section>\
<section class=\"card\"><h2>{}</h2><form method=\"post\" action=\"/me/import\" enctype=\"multipart/form-data\">{}<div class=\"field\"><label for=\"bundle\">{}</label><input type=\"file\" id=\"bundle\" name=\"bundle\" accept=\".json,application/json\" required></div><button type=\"submit\">{}</button></form></section>",
        ctx.tx("wallet.data"),
        ctx.tx("wallet.export"),
        ctx.tx("wallet.export_text"),
        ctx.tx("wallet.export_button"),
        ctx.tx("wallet.print"),
        ctx.tx("wallet.print_text"),
        ctx.tx("wallet.print_html"),
        ctx.tx("wallet.print_pdf"),
        ctx.tx("wallet.import"),
        csrf,
        ctx.tx("wallet.import_label"),
        ctx.tx("wallet.import_button"),
    )
}

/// `POST /me/import`: an export bundle back in.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let me = match require(&state, &ctx).await? {
        Ok(m) => m,
        Err(r) => return Ok(r),
    };
    let Some(file) = form.file("bundle") else {
        return Ok(wallet_page(
            &ctx,
            &me,
            ctx.t("wallet.data"),
            &data_body(&ctx, &me, &notice("bad", &ctx.tx("verify.nothing"))),
        ));
    };
    let answer = api_bytes(
        &state,
        Method::POST,
        "/wallet/import",
        &ctx.headers,
        ctx.client,
        Some(form.get("csrf")),
        "application/json",
        file.bytes.clone(),
    )
    .await?;
    if !answer.status.is_success() {
        let msg = notice(
            "bad",
            &esc(&format!(
                "{} {}",
                ctx.t("wallet.not_imported"),
                answer.detail()
            )),
        );
        let mut res = wallet_page(&ctx, &me, ctx.t("wallet.data"), &data_body(&ctx, &me, &msg));
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    Ok(html::redirect("/me?done=imported"))
}
