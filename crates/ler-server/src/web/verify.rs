//! The public verifier page (`/`, `/verify`): paste, upload, a link, or a QR code (the camera
//! through the browser's `BarcodeDetector`, else a photo read on the server). The verdict comes
//! first; below it the issuer and its trust, the recipient, the achievement, dates and status,
//! and every check explained in plain words, with the technical message folded away.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use ler_verify::{Options, Report, Status, TrustList, Verifier};
use ler_wallet::Summary;
use serde::Deserialize;
use serde_json::Value;

use super::form::Form;
use super::html::{self, esc, icon, safe_url};
use super::{Ctx, api, qr};
use crate::{AppError, AppState};

/// Query of `GET /verify`.
#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    url: Option<String>,
}

/// `GET /` and `GET /verify`: the input forms; with `?url=`, the verdict for that link.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, AppError> {
    match q.url.filter(|u| !u.trim().is_empty()) {
        Some(url) => verdict_for(&state, &ctx, Source::Url(url.trim().to_string())).await,
        None => Ok(html::ok(html::page(
            &ctx,
            ctx.t("verify.title"),
            &forms(&ctx, None),
        ))),
    }
}

/// `POST /verify`: whichever input the form carried.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Form,
) -> Result<Response, AppError> {
    let source = if let Some(f) = form.file("file") {
        Source::Bytes(f.bytes.clone())
    } else if let Some(photo) = form.file("qr") {
        match qr::read(&photo.bytes) {
            Ok(text) => Source::scanned(&text),
            Err(e) => return Ok(again(&ctx, ctx.t(e.key()))),
        }
    } else if !form.get("qrtext").is_empty() {
        Source::scanned(form.get("qrtext"))
    } else if !form.get("text").is_empty() {
        Source::Bytes(form.get("text").as_bytes().to_vec())
    } else if !form.get("url").is_empty() {
        Source::Url(form.get("url").to_string())
    } else {
        return Ok(again(&ctx, ctx.t("verify.nothing")));
    };
    verdict_for(&state, &ctx, source).await
}

/// What to verify.
enum Source {
    Bytes(Vec<u8>),
    Url(String),
}

impl Source {
    /// A QR code's text: a link (a share link, a credential's URL), or a record itself.
    fn scanned(text: &str) -> Source {
        let t = text.trim();
        if t.starts_with("https://") || t.starts_with("http://") {
            Source::Url(t.to_string())
        } else {
            Source::Bytes(t.as_bytes().to_vec())
        }
    }
}

/// The forms again, with a message on top (422: the input could not be used).
fn again(ctx: &Ctx, message: &str) -> Response {
    html::respond(
        StatusCode::UNPROCESSABLE_ENTITY,
        html::page(ctx, ctx.t("verify.title"), &forms(ctx, Some(message))),
    )
}

async fn verdict_for(state: &AppState, ctx: &Ctx, source: Source) -> Result<Response, AppError> {
    let (bytes, from) = match source {
        Source::Bytes(b) => (b, None),
        Source::Url(url) => match fetch(state, &url).await {
            Ok(b) => (b, Some(url)),
            Err(detail) => {
                let msg = ctx.t("verify.link_failed").to_string() + " " + &detail;
                return Ok(again(ctx, &msg));
            }
        },
    };
    if let Some(package) = share_package(&bytes) {
        return Ok(html::ok(
            shared(state, ctx, &package, from.as_deref()).await?,
        ));
    }
    let report = check(state, unwrap_envelope(bytes)).await?;
    state.metrics.count_verification(report.verified);
    let body = render(ctx, &report, from.as_deref());
    let title = if report.verified {
        ctx.t("verdict.ok")
    } else {
        ctx.t("verdict.bad")
    };
    Ok(html::ok(html::page(ctx, title, &body)))
}

/// Fetches a link: this service's own pages through its router (share links, hosted
/// credentials), any other through the guarded outward fetcher (HTTPS only).
async fn fetch(state: &AppState, url: &str) -> Result<Vec<u8>, String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(String::new());
    }
    if let Some(path) = state.public_url.local_path(url) {
        let path = path.to_string();
        let answer = api(
            state,
            Method::GET,
            &path,
            &HeaderMap::new(),
            None,
            None,
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
        if !answer.status.is_success() {
            return Err(answer.detail());
        }
        return Ok(answer.bytes);
    }
    let url = url.to_string();
    state
        .blocking(move |fetcher| ler_verify::Fetcher::fetch(fetcher, &url))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// A record as an API answer wraps it (`{verifiableCredential}`, `{verifiablePresentation}`)
/// is verified as the record itself.
fn unwrap_envelope(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(&bytes) else {
        return bytes;
    };
    if o.contains_key("@context") {
        return bytes;
    }
    for key in [
        "verifiablePresentation",
        "presentation",
        "verifiableCredential",
    ] {
        if let Some(inner) = o.get(key) {
            return match inner {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            };
        }
    }
    bytes
}

/// The organizations hosted here, as the trust list the page checks issuers against.
async fn hosted_trust(state: &AppState) -> Result<TrustList, AppError> {
    let orgs = state.store.list_orgs().await?;
    let registry: serde_json::Map<String, Value> = orgs
        .into_iter()
        .map(|o| (o.did, Value::String(o.name)))
        .collect();
    let mut trust = TrustList::new();
    let name = format!("the organizations registered at {}", state.public_url);
    trust
        .add_registry(&name, &Value::Object(registry))
        .map_err(AppError::Internal)?;
    Ok(trust)
}

/// Verifies a record as handed over, with the organizations hosted here as the trust list.
pub(crate) async fn check(state: &AppState, bytes: Vec<u8>) -> Result<Report, AppError> {
    let trust = hosted_trust(state).await?;
    let now = state.now();
    let documents = state.documents;
    let status_cache = state.status_cache.clone();
    state
        .blocking(move |fetcher| {
            Verifier::new(Options {
                documents,
                fetcher,
                trust: Some(&trust),
                now,
                recipient: None,
                challenge: None,
                domain: None,
                status_cache: Some(&status_cache),
            })
            .verify_bytes(&bytes)
        })
        .await
}

/// The four ways in, each its own small form.
pub(crate) fn forms(ctx: &Ctx, message: Option<&str>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"lead\">{}</p>",
        ctx.tx("verify.title"),
        ctx.tx("verify.lead")
    );
    if let Some(m) = message {
        out.push_str(&html::notice("bad", &esc(m)));
    }
    let _ = write!(
        out,
        "<div class=\"ways\">\
<section class=\"card\" aria-labelledby=\"w-paste\"><h2 id=\"w-paste\">{paste}</h2>\
<form method=\"post\" action=\"/verify\">{area}<button type=\"submit\">{check}</button></form></section>\
<section class=\"card\" aria-labelledby=\"w-file\"><h2 id=\"w-file\">{upload}</h2>\
<form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\"><div class=\"field\">\
<label for=\"file\">{file_label}</label><p class=\"hint\" id=\"file-hint\">{file_hint}</p>\
<input type=\"file\" id=\"file\" name=\"file\" accept=\".json,.jwt,.txt,.png,.svg,application/json,image/png,image/svg+xml\" aria-describedby=\"file-hint\" required></div>\
<button type=\"submit\">{check}</button></form></section>\
<section class=\"card\" aria-labelledby=\"w-url\"><h2 id=\"w-url\">{link}</h2>\
<form method=\"post\" action=\"/verify\">{url}<button type=\"submit\">{check}</button></form></section>\
<section class=\"card\" aria-labelledby=\"w-qr\" id=\"scan\" data-msg-starting=\"{starting}\" data-msg-denied=\"{denied}\" data-msg-found=\"{found}\"><h2 id=\"w-qr\">{scan}</h2>\
<div class=\"camera\" hidden><button type=\"button\" class=\"secondary\" id=\"scan-start\">{camera}</button>\
<video id=\"scan-video\" playsinline muted hidden></video><p id=\"scan-status\" role=\"status\" class=\"hint\"></p></div>\
<form method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\" id=\"scan-form\"><input type=\"hidden\" name=\"qrtext\" id=\"qrtext\">\
<div class=\"field\"><label for=\"qr\">{photo_label}</label><p class=\"hint\" id=\"qr-hint\">{photo_hint}</p>\
<input type=\"file\" id=\"qr\" name=\"qr\" accept=\"image/*\" capture=\"environment\" aria-describedby=\"qr-hint\"></div>\
<button type=\"submit\">{check}</button></form></section></div>",
        paste = ctx.tx("verify.paste"),
        area = html::textarea(
            "text",
            ctx.t("verify.paste_label"),
            "",
            "rows=\"6\" spellcheck=\"false\" autocapitalize=\"off\" required"
        ),
        check = ctx.tx("verify.check"),
        upload = ctx.tx("verify.upload"),
        file_label = ctx.tx("verify.file_label"),
        file_hint = ctx.tx("verify.file_hint"),
        link = ctx.tx("verify.link"),
        url = html::input(
            "url",
            ctx.t("verify.url_label"),
            "",
            "type=\"url\" inputmode=\"url\" placeholder=\"https://\" required"
        ),
        scan = ctx.tx("verify.scan"),
        camera = ctx.tx("verify.camera"),
        starting = ctx.tx("verify.camera_starting"),
        denied = ctx.tx("verify.camera_denied"),
        found = ctx.tx("verify.camera_found"),
        photo_label = ctx.tx("verify.photo_label"),
        photo_hint = ctx.tx("verify.photo_hint"),
    );
    let _ = write!(
        out,
        "<details class=\"about\"><summary>{}</summary><p>{}</p></details>",
        ctx.tx("verify.about_title"),
        ctx.tx("verify.about")
    );
    out
}

/// The base name of a check (`proof[1]` → `proof`).
fn base_name(check: &str) -> &str {
    check.split('[').next().unwrap_or(check)
}

/// The check names the catalogs explain (others get the generic explanation).
#[cfg(test)]
pub(crate) const CHECKS: &[&str] = &[
    "format",
    "contexts",
    "proof",
    "status",
    "validity",
    "recipient",
    "trust",
    "baked",
    "claims",
    "challenge",
    "credentials",
    "disclosures",
    "holder",
    "nested",
];

/// The catalog key explaining a check's outcome.
pub(crate) fn explanation_key(check: &ler_verify::Check) -> String {
    let name = base_name(&check.check);
    let outcome = match check.status {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
    };
    if name == "status" && check.status == Status::Failed {
        if check.message.starts_with("revoked") {
            return "check.status.revoked".into();
        }
        if check.message.starts_with("suspended") {
            return "check.status.suspended".into();
        }
    }
    if name == "status" && check.status == Status::Passed {
        if check.message.starts_with("not revoked") {
            return "check.status.not_revoked".into();
        }
        if check.message.starts_with("not suspended") {
            return "check.status.not_suspended".into();
        }
    }
    if name == "validity" && check.status == Status::Failed {
        if check.message.starts_with("expired") {
            return "check.validity.expired".into();
        }
        if check.message.starts_with("not valid yet") {
            return "check.validity.not_yet".into();
        }
    }
    let key = format!("check.{name}.{outcome}");
    if super::i18n::has(&key) {
        key
    } else {
        format!("check.other.{outcome}")
    }
}

fn title_key(check: &str) -> String {
    let key = format!("checkname.{}", base_name(check));
    if super::i18n::has(&key) {
        key
    } else {
        "checkname.other".into()
    }
}

/// The verdict page of a report.
pub(crate) fn render(ctx: &Ctx, report: &Report, from: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&verdict(ctx, report, true));
    if let Some(url) = from {
        let _ = write!(
            out,
            "<p class=\"hint from\">{} <span class=\"mono\">{}</span></p>",
            ctx.tx("verify.from_link"),
            esc(url)
        );
    }
    if report.kind == "VerifiablePresentation" {
        out.push_str(&presentation(ctx, report));
    } else {
        out.push_str(&record(ctx, report, 2));
    }
    let _ = write!(
        out,
        "<p class=\"actions\"><a class=\"button secondary\" href=\"/verify\">{}</a></p>",
        ctx.tx("verify.another")
    );
    out
}

/// The verdict banner: colour, icon and words, with the main reason when it failed.
fn verdict(ctx: &Ctx, report: &Report, top: bool) -> String {
    let (kind, title, lead) = if report.verified {
        ("ok", ctx.tx("verdict.ok"), ctx.tx("verdict.ok_lead"))
    } else {
        let reason = report
            .checks
            .iter()
            .find(|c| c.status == Status::Failed)
            .map_or_else(
                || ctx.tx("check.proof.failed"),
                |c| ctx.tx(&explanation_key(c)),
            );
        ("bad", ctx.tx("verdict.bad"), reason)
    };
    let tag = if top { "h1" } else { "h3" };
    format!(
        "<div class=\"verdict {kind}\" role=\"status\">{icon}<div><{tag}>{title}</{tag}><p>{lead}</p></div></div>",
        icon = icon(kind)
    )
}

fn presentation(ctx: &Ctx, report: &Report) -> String {
    let mut out = String::new();
    let holder = report.issuer.as_deref().unwrap_or("");
    let _ = write!(
        out,
        "<section class=\"card\"><h2>{}</h2><p>{}</p><p class=\"mono small\">{}</p></section>",
        ctx.tx("verify.shared_by"),
        ctx.tf(
            "verify.shared_count",
            &[("n", &report.nested.len().to_string())]
        ),
        esc(holder)
    );
    for (i, nested) in report.nested.iter().enumerate() {
        let _ = write!(
            out,
            "<section class=\"record\" aria-label=\"{}\">",
            ctx.tf(
                "verify.record_n",
                &[
                    ("i", &(i + 1).to_string()),
                    ("n", &report.nested.len().to_string())
                ]
            )
        );
        out.push_str(&verdict(ctx, nested, false));
        out.push_str(&record(ctx, nested, 3));
        out.push_str("</section>");
    }
    out.push_str(&checks(ctx, report, 2, "verify.checks_presentation"));
    out
}

/// Text of a JSON value that is a string or an object's `id`.
fn text_or_id(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

fn first(v: Option<&Value>) -> Option<&Value> {
    match v? {
        Value::Array(a) => a.first(),
        other => Some(other),
    }
}

/// One credential: issuer, recipient, achievement, dates and status, then every check.
fn record(ctx: &Ctx, report: &Report, level: u8) -> String {
    let h = format!("h{level}");
    let empty = Value::Null;
    let doc = report.credential.as_ref().unwrap_or(&empty);
    let summary = Summary::of(doc);
    let subject = first(doc.get("credentialSubject")).unwrap_or(&empty);
    let achievement = first(subject.get("achievement"));
    let mut out = String::new();

    // What it is.
    let name = summary
        .name
        .clone()
        .or_else(|| report.achievement.clone())
        .unwrap_or_else(|| ctx.t("verify.unnamed").to_string());
    out.push_str("<section class=\"card what\">");
    if let Some(img) = achievement.and_then(|a| text_or_id(a.get("image")))
        && safe_url(&img, true)
    {
        let _ = write!(
            out,
            "<img class=\"badge\" src=\"{}\" alt=\"\" width=\"96\" height=\"96\">",
            esc(&img)
        );
    }
    let _ = write!(out, "<{h}>{}</{h}>", esc(&name));
    if let Some(d) = &summary.description {
        let _ = write!(out, "<p>{}</p>", esc(d));
    }
    if let Some(a) = achievement {
        let criteria = a.get("criteria");
        let narrative = criteria
            .and_then(|c| c.get("narrative"))
            .and_then(Value::as_str);
        let criteria_url = criteria.and_then(|c| c.get("id")).and_then(Value::as_str);
        if narrative.is_some() || criteria_url.is_some() {
            let _ = write!(out, "<p><strong>{}</strong> ", ctx.tx("verify.criteria"));
            if let Some(n) = narrative {
                out.push_str(&esc(n));
            }
            if let Some(u) = criteria_url.filter(|u| safe_url(u, false)) {
                let _ = write!(
                    out,
                    " <a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                    esc(u),
                    ctx.tx("verify.criteria_link")
                );
            }
            out.push_str("</p>");
        }
    }
    if let Some(e) = &summary.employment {
        out.push_str("<dl class=\"facts\">");
        for (key, value) in [
            ("employment.employer", e.employer.clone()),
            ("employment.title", e.position_title.clone()),
            ("employment.start", e.start_date.clone()),
            ("employment.end", e.end_date.clone()),
            ("employment.type", e.employment_type.clone()),
            ("employment.hours", e.hours_per_week.map(|h| h.to_string())),
            ("employment.location", e.location.clone()),
            ("employment.pay", e.pay.clone()),
        ] {
            if let Some(v) = value {
                let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", ctx.tx(key), esc(&v));
            }
        }
        out.push_str("</dl>");
    }
    if !summary.skills.is_empty() {
        let _ = write!(
            out,
            "<p><strong>{}</strong></p><ul class=\"skills\">",
            ctx.tx("verify.skills")
        );
        for s in &summary.skills {
            let label = esc(&s.target_name);
            let code = s
                .target_code
                .as_deref()
                .map(|c| format!(" <span class=\"small\">({})</span>", esc(c)))
                .unwrap_or_default();
            match s.target_url.as_deref().filter(|u| safe_url(u, false)) {
                Some(u) => {
                    let _ = write!(
                        out,
                        "<li><a href=\"{}\" rel=\"noopener noreferrer\">{label}</a>{code}</li>",
                        esc(u)
                    );
                }
                None => {
                    let _ = write!(out, "<li>{label}{code}</li>");
                }
            }
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");

    // Who issued it, to whom, when, and whether it still stands.
    out.push_str("<section class=\"card\"><dl class=\"facts\">");
    let issuer_name = report
        .issuer_name
        .clone()
        .or_else(|| summary.issuer_name.clone());
    let trusted = report
        .checks
        .iter()
        .any(|c| c.check == "trust" && c.status == Status::Passed);
    let trust_badge = if trusted {
        format!(
            "<span class=\"pill ok\">{}{}</span>",
            icon("ok"),
            ctx.tx("verify.trusted")
        )
    } else {
        format!(
            "<span class=\"pill info\">{}{}</span>",
            icon("info"),
            ctx.tx("verify.not_listed")
        )
    };
    let _ = write!(
        out,
        "<dt>{}</dt><dd><strong>{}</strong> {trust_badge}<br><span class=\"mono small\">{}</span></dd>",
        ctx.tx("verify.issuer"),
        esc(issuer_name
            .as_deref()
            .unwrap_or(ctx.t("verify.unnamed_issuer"))),
        esc(report.issuer.as_deref().unwrap_or(""))
    );
    let _ = write!(
        out,
        "<dt>{}</dt><dd>{}</dd>",
        ctx.tx("verify.recipient"),
        recipient(ctx, subject)
    );
    for (key, value) in [
        ("verify.issued", summary.valid_from.as_deref()),
        ("verify.awarded", summary.awarded.as_deref()),
        ("verify.expires", summary.valid_until.as_deref()),
    ] {
        if let Some(v) = value {
            let _ = write!(
                out,
                "<dt>{}</dt><dd><time datetime=\"{}\">{}</time></dd>",
                ctx.tx(key),
                esc(v),
                esc(html::date(v))
            );
        }
    }
    let _ = write!(
        out,
        "<dt>{}</dt><dd>{}</dd></dl></section>",
        ctx.tx("verify.status"),
        status_text(ctx, report)
    );
    out.push_str(&checks(ctx, report, level, "verify.checks"));
    out
}

/// Who the record was issued to, without revealing hashed identifiers.
fn recipient(ctx: &Ctx, subject: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(n) = subject.get("name").and_then(Value::as_str) {
        parts.push(format!("<strong>{}</strong>", esc(n)));
    }
    let identifiers = match subject.get("identifier") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    for idf in identifiers {
        let kind = idf
            .get("identityType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let hashed = idf.get("hashed").and_then(Value::as_bool).unwrap_or(false);
        let value = idf
            .get("identityHash")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !hashed && kind == "name" {
            parts.push(format!("<strong>{}</strong>", esc(value)));
        } else if hashed && kind == "emailAddress" {
            parts.push(ctx.tx("verify.hashed_email"));
        } else if !hashed && !value.is_empty() {
            parts.push(esc(value));
        }
    }
    if let Some(id) = subject.get("id").and_then(Value::as_str) {
        parts.push(format!("<span class=\"mono small\">{}</span>", esc(id)));
    }
    if parts.is_empty() {
        ctx.tx("verify.no_recipient")
    } else {
        parts.join("<br>")
    }
}

/// Active, revoked, suspended, expired, or not checkable.
fn status_text(ctx: &Ctx, report: &Report) -> String {
    let failed = |prefix: &str, message: &str| {
        report.checks.iter().any(|c| {
            base_name(&c.check) == prefix
                && c.status == Status::Failed
                && c.message.starts_with(message)
        })
    };
    let (kind, key) = if failed("status", "revoked") {
        ("bad", "verify.status_revoked")
    } else if failed("status", "suspended") {
        ("bad", "verify.status_suspended")
    } else if failed("validity", "expired") {
        ("bad", "verify.status_expired")
    } else if report
        .checks
        .iter()
        .any(|c| base_name(&c.check) == "status" && c.status == Status::Passed)
    {
        ("ok", "verify.status_active")
    } else {
        ("info", "verify.status_unknown")
    };
    format!(
        "<span class=\"pill {kind}\">{}{}</span>",
        icon(kind),
        ctx.tx(key)
    )
}

/// Every check: icon and plain words, the technical message folded away.
fn checks(ctx: &Ctx, report: &Report, level: u8, heading: &str) -> String {
    let mut out = format!(
        "<section class=\"card\"><h{level}>{}</h{level}><ul class=\"checks\">",
        ctx.tx(heading)
    );
    for c in &report.checks {
        let kind = match c.status {
            Status::Passed => "ok",
            Status::Failed => "bad",
            Status::Skipped => "info",
        };
        let outcome = match c.status {
            Status::Passed => ctx.tx("outcome.passed"),
            Status::Failed => ctx.tx("outcome.failed"),
            Status::Skipped => ctx.tx("outcome.skipped"),
        };
        let _ = write!(
            out,
            "<li class=\"{kind}\">{icon}<div><p><strong>{title}</strong> <span class=\"outcome\">{outcome}</span></p><p>{text}</p>\
<details><summary>{tech}</summary><p class=\"mono small\">{name}: {msg}</p></details></div></li>",
            icon = icon(kind),
            title = ctx.tx(&title_key(&c.check)),
            text = ctx.tx(&explanation_key(c)),
            tech = ctx.tx("verify.technical"),
            name = esc(&c.check),
            msg = esc(&c.message),
        );
    }
    out.push_str("</ul></section>");
    out
}

/// What a share link answers (`{grant, records: [{credential, …}]}`), if `bytes` is that.
pub(crate) fn share_package(bytes: &[u8]) -> Option<Value> {
    let doc: Value = serde_json::from_slice(bytes).ok()?;
    (doc.get("grant").is_some_and(Value::is_object)
        && doc.get("records").is_some_and(Value::is_array))
    .then_some(doc)
}

/// The page of a share link: who shared what with whom, for what and until when, then each
/// record verified here, with its verdict.
pub(crate) async fn shared(
    state: &AppState,
    ctx: &Ctx,
    package: &Value,
    from: Option<&str>,
) -> Result<String, AppError> {
    let grant = &package["grant"];
    let mut reports = Vec::new();
    for r in package["records"].as_array().into_iter().flatten() {
        let bytes = match &r["credential"] {
            Value::String(s) => s.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        };
        let report = check(state, bytes).await?;
        state.metrics.count_verification(report.verified);
        reports.push(report);
    }
    let all = !reports.is_empty() && reports.iter().all(|r| r.verified);
    let mut out = String::new();
    let (kind, title, lead) = if all {
        ("ok", ctx.tx("verdict.ok"), ctx.tx("share.all_verified"))
    } else {
        ("bad", ctx.tx("verdict.bad"), ctx.tx("share.some_failed"))
    };
    let _ = write!(
        out,
        "<div class=\"verdict {kind}\" role=\"status\">{}<div><h1>{title}</h1><p>{lead}</p></div></div>",
        icon(kind)
    );
    let recipient = grant["recipient"]["name"]
        .as_str()
        .or_else(|| grant["recipient"]["id"].as_str())
        .unwrap_or("");
    let purposes: Vec<String> = grant["purposes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|p| {
            let key = format!("purpose.{}", p.replace('-', "_"));
            if super::i18n::has(&key) {
                ctx.tx(&key)
            } else {
                esc(p)
            }
        })
        .collect();
    let _ = write!(
        out,
        "<section class=\"card\"><h2>{}</h2><dl class=\"facts\"><dt>{}</dt><dd class=\"mono small\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}{}</dd><dt>{}</dt><dd>{}</dd></dl></section>",
        ctx.tx("share.title"),
        ctx.tx("share.holder"),
        esc(grant["holder"].as_str().unwrap_or("")),
        ctx.tx("share.recipient"),
        esc(recipient),
        ctx.tx("share.purpose"),
        purposes.join(", "),
        grant["purposeText"]
            .as_str()
            .map(|t| format!("<br>{}", esc(t)))
            .unwrap_or_default(),
        ctx.tx("share.until"),
        esc(html::date(grant["expires"].as_str().unwrap_or("")))
    );
    if let Some(url) = from {
        let _ = write!(
            out,
            "<p class=\"hint from\">{} <span class=\"mono\">{}</span></p>",
            ctx.tx("verify.from_link"),
            esc(url)
        );
    }
    for (i, report) in reports.iter().enumerate() {
        let _ = write!(
            out,
            "<section class=\"record\" aria-label=\"{}\">",
            ctx.tf(
                "verify.record_n",
                &[
                    ("i", &(i + 1).to_string()),
                    ("n", &reports.len().to_string())
                ]
            )
        );
        out.push_str(&verdict(ctx, report, false));
        out.push_str(&record(ctx, report, 3));
        out.push_str("</section>");
    }
    let title = if all {
        ctx.t("verdict.ok")
    } else {
        ctx.t("verdict.bad")
    };
    Ok(html::page(ctx, title, &out))
}
