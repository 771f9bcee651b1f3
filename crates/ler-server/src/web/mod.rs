//! The web interface `ler serve` serves to people: the public verifier (`/`, `/verify`), the
//! console for issuer and CBO staff (`/console/…`) and the worker's wallet pages.
//!
//! Pages are rendered on the server by small functions returning `String` ([`html`]), every
//! user-facing string comes from the message catalogs ([`i18n`]), and the few lines of
//! JavaScript (`web/app.js`: the camera QR scanner, the bulk-issue progress poll) only enhance
//! pages that work without them. The stylesheet and script are embedded and served under
//! `/static/` with a content hash in their URL.
//!
//! The console is a thin layer over the JSON API: its handlers call the same routes an API
//! client calls (achievements, issue, status, claim links), through the router itself with the
//! staff member's session cookie and CSRF token ([`api`]), so the rules live in one place.

mod bulk;
mod cbo;
mod console;
pub(crate) mod form;
pub(crate) mod html;
mod i18n;
mod qr;
mod verify;
mod wallet;

#[cfg(test)]
mod tests;

pub use i18n::{Lang, t};

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::{ConnectInfo, FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt;
use tower_http::limit::RequestBodyLimitLayer;

use crate::{AppError, AppState, ops};

/// Largest form body of the web pages (a CSV, a pasted record), in bytes.
pub const MAX_FORM_BODY: usize = 2 * 1024 * 1024;
/// Largest upload to the verifier page (a phone photo of a QR code, a baked image), in bytes.
pub const MAX_UPLOAD_BODY: usize = 12 * 1024 * 1024;

/// The embedded stylesheet and script, and their versioned URLs.
pub(crate) mod assets {
    use std::sync::LazyLock;

    /// The stylesheet.
    pub const CSS: &str = include_str!("../../web/style.css");
    /// The script.
    pub const JS: &str = include_str!("../../web/app.js");

    fn versioned(path: &str, body: &str) -> String {
        format!("{path}?v={}", &crate::ids::sha256_hex(body)[..12])
    }

    /// `/static/style.css?v=<hash>`.
    pub static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("/static/style.css", CSS));
    /// `/static/app.js?v=<hash>`.
    pub static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("/static/app.js", JS));
}

/// The web routes over `state` (merged into the service's router).
pub fn routes(state: &AppState) -> Router<AppState> {
    let uploads = Router::new()
        .route("/verify", post(verify::submit))
        .layer(from_fn_with_state(state.clone(), ops::limit_verify))
        .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BODY));
    let wallet_uploads = Router::new()
        .route(
            "/me/receive",
            get(wallet::receive_page).post(wallet::receive),
        )
        .route("/me/import", post(wallet::import))
        .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BODY * 2));
    let pages = Router::new()
        .route("/", get(verify::page))
        .route("/verify", get(verify::page))
        .route("/lang", get(switch_lang))
        .route("/static/style.css", get(css))
        .route("/static/app.js", get(js))
        .route("/console", get(console::home))
        .route(
            "/console/login",
            get(console::login_page).post(console::login),
        )
        .route("/console/logout", post(console::logout))
        .route(
            "/console/org",
            get(console::org_page).post(console::org_save),
        )
        .route("/console/org/rotate-key", post(console::rotate_key))
        .route(
            "/console/achievements",
            get(console::achievements).post(console::achievement_create),
        )
        .route("/console/achievements/new", get(console::achievement_new))
        .route(
            "/console/achievements/{id}",
            get(console::achievement_edit).post(console::achievement_save),
        )
        .route(
            "/console/achievements/{id}/delete",
            post(console::achievement_delete),
        )
        .route(
            "/console/issue",
            get(console::issue_page).post(console::issue_submit),
        )
        .route("/console/records", get(console::records))
        .route("/console/records/{id}/status", post(console::record_status))
        .route("/console/bulk", get(bulk::upload_page).post(bulk::preview))
        .route("/console/bulk/{job}", get(bulk::job_page))
        .route("/console/bulk/{job}/start", post(bulk::start))
        .route("/console/bulk/{job}/progress", get(bulk::progress))
        .route(
            "/console/programs",
            get(cbo::programs).post(cbo::program_create),
        )
        .route("/console/programs/new", get(cbo::program_new))
        .route("/console/programs/import", post(cbo::import))
        .route(
            "/console/programs/{id}",
            get(cbo::program).post(cbo::program_save),
        )
        .route("/console/programs/{id}/cohorts", post(cbo::cohort_save))
        .route("/console/programs/{id}/enrol", post(cbo::enrol))
        .route("/console/programs/{id}/dashboard", get(cbo::dashboard))
        .route("/console/participants", get(cbo::participants))
        .route("/console/participants/intake", post(cbo::intake))
        .route("/console/participants/{id}", get(cbo::participant))
        .route("/console/participants/{id}/correct", post(cbo::correct))
        .route(
            "/console/participants/{id}/plan",
            get(cbo::plan).post(cbo::apply_plan),
        )
        .route("/console/outcomes", get(cbo::outcomes))
        .route("/console/outcomes/{id}", get(cbo::report))
        .route("/me", get(wallet::home))
        .route("/me/login", post(wallet::login))
        .route("/me/signup", post(wallet::signup))
        .route("/me/logout", post(wallet::logout))
        .route("/me/records/{id}", get(wallet::record))
        .route("/me/records/{id}/delete", post(wallet::delete_record))
        .route("/me/share", get(wallet::share_page).post(wallet::share))
        .route("/me/grants", get(wallet::grants))
        .route("/me/grants/{id}/revoke", post(wallet::revoke))
        .route("/me/log", get(wallet::log))
        .route("/me/programs", get(wallet::programs))
        .route("/me/programs/consent", post(wallet::program_consent))
        .route("/me/programs/job", post(wallet::program_job))
        .route("/me/data", get(wallet::data))
        .route("/me/claim/{token}", post(wallet::claim))
        .route("/wallet/claim/{token}", get(wallet::claim_page))
        .layer(RequestBodyLimitLayer::new(MAX_FORM_BODY));
    Router::new()
        .merge(pages)
        .merge(uploads)
        .merge(wallet_uploads)
}

/// Who is looking at a page, in which language, at which path.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The language of the page.
    pub lang: Lang,
    /// The path and query (for the language switch to come back to).
    pub path: String,
    /// The part of the site (`verify`, `console`, `wallet`), for the navigation.
    pub section: &'static str,
    /// The request's headers (cookies for the session).
    pub headers: HeaderMap,
    /// The client's address, passed on to the API's rate limits: the peer's, or the one a
    /// trusted proxy forwards for (the port is the peer's).
    pub client: Option<SocketAddr>,
}

impl Ctx {
    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }

    /// The message `key`, escaped for HTML.
    pub fn tx(&self, key: &str) -> String {
        html::tx(self.lang, key)
    }

    /// The message `key` with its `{name}`s replaced, escaped for HTML.
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        html::esc(&i18n::tf(self.lang, key, args))
    }
}

/// A cookie's value.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = cookie(&parts.headers, i18n::LANG_COOKIE)
            .and_then(|c| Lang::parse(&c))
            .unwrap_or_else(|| {
                Lang::negotiate(
                    parts
                        .headers
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                )
            });
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let section = if path.starts_with("/console") {
            "console"
        } else if path.starts_with("/me") || path.starts_with("/wallet") {
            "wallet"
        } else {
            "verify"
        };
        // After a form post, the switch leads back to the page, not to the post.
        let path = if parts.method == Method::GET {
            path
        } else {
            parts.uri.path().to_string()
        };
        // The internal API call carries the client as its peer and no X-Forwarded-For, so its
        // limits key on the same address as a direct call through the proxy would.
        let client = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| {
            let ip = state.trusted_proxies.client(c.0.ip(), &parts.headers);
            SocketAddr::new(ip, c.0.port())
        });
        Ok(Ctx {
            lang,
            path,
            section,
            headers: parts.headers.clone(),
            client,
        })
    }
}

/// Query of `/lang`.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    to: Option<String>,
    next: Option<String>,
}

/// `GET /lang?to=es&next=/path`: remembers the language in a cookie and goes back.
async fn switch_lang(Query(q): Query<LangQuery>) -> Response {
    let lang = q.to.as_deref().and_then(Lang::parse).unwrap_or(Lang::En);
    let next = q
        .next
        .filter(|n| html::local_path(n))
        .unwrap_or_else(|| "/".into());
    let mut res = html::redirect(&next);
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        i18n::LANG_COOKIE,
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset(assets::CSS, "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(assets::JS, "text/javascript; charset=utf-8")
}

/// Answers a browser that opens a share link (`GET /share/…` asking for HTML) with a page:
/// the link's records verified here, or a page saying the link does not work (any more). API
/// clients get the wallet's JSON as before.
pub(crate) async fn share_pages(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request<AxumBody>,
    next: Next,
) -> Response {
    let wants_html = req.method() == Method::GET
        && req.uri().path().starts_with("/share/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(ctx) = Ctx::from_request_parts(&mut parts, &state).await;
    parts
        .headers
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let res = next.run(Request::from_parts(parts, body)).await;
    let status = res.status();
    if status == StatusCode::NOT_FOUND {
        let body = format!(
            "<h1>{}</h1>{}<p><a href=\"/verify\">{}</a></p>",
            ctx.tx("share.gone_title"),
            html::notice("bad", &ctx.tx("share.gone")),
            ctx.tx("verify.another")
        );
        return html::respond(status, html::page(&ctx, ctx.t("share.gone_title"), &body));
    }
    if !status.is_success() {
        return res;
    }
    let bytes = match axum::body::to_bytes(res.into_body(), MAX_UPLOAD_BODY * 2).await {
        Ok(b) => b,
        Err(e) => {
            return AppError::Internal(format!("a share answer could not be read: {e}"))
                .into_response();
        }
    };
    match verify::share_package(&bytes) {
        Some(package) => match verify::shared(&state, &ctx, &package, None).await {
            Ok(page) => html::ok(page),
            Err(e) => e.into_response(),
        },
        None => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
    }
}

/// `res` with the cookies the API answer set (sign-in, sign-out), passed on to the browser.
pub(crate) fn with_cookies(mut res: Response, answer: &ApiAnswer) -> Response {
    for c in answer.headers.get_all(header::SET_COOKIE) {
        res.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    res
}

/// An answer of the service's own API, called from a page.
#[derive(Debug)]
pub struct ApiAnswer {
    /// The status.
    pub status: StatusCode,
    /// The headers (cookies set by sign-in).
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when it is not JSON).
    pub json: Value,
    /// The raw body.
    pub bytes: Vec<u8>,
}

impl ApiAnswer {
    /// The problem's `detail` (or the body) when the call failed.
    pub fn detail(&self) -> String {
        self.json.get("detail").and_then(Value::as_str).map_or_else(
            || String::from_utf8_lossy(&self.bytes).into_owned(),
            String::from,
        )
    }
}

/// Calls a route of this service through the router, with the caller's cookies, address (for
/// the rate limits) and CSRF token: the pages do what the API does, under the same rules.
pub(crate) async fn api(
    state: &AppState,
    method: Method,
    path: &str,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
    csrf: Option<&str>,
    body: Option<&Value>,
) -> Result<ApiAnswer, AppError> {
    let (kind, bytes) = match body {
        Some(v) => ("application/json", v.to_string().into_bytes()),
        None => ("", Vec::new()),
    };
    api_bytes(state, method, path, headers, client, csrf, kind, bytes).await
}

/// [`api`] with a body of any type (an uploaded file as it is).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn api_bytes(
    state: &AppState,
    method: Method,
    path: &str,
    headers: &HeaderMap,
    client: Option<SocketAddr>,
    csrf: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Result<ApiAnswer, AppError> {
    let mut req = Request::builder().method(method).uri(path);
    for name in [header::COOKIE, header::AUTHORIZATION] {
        for v in headers.get_all(&name) {
            req = req.header(name.clone(), v.clone());
        }
    }
    if let Some(csrf) = csrf {
        req = req.header(crate::auth::CSRF_HEADER, csrf);
    }
    req = req.header(header::ACCEPT, "application/json");
    if !content_type.is_empty() {
        req = req.header(header::CONTENT_TYPE, content_type);
    }
    let body = AxumBody::from(body);
    let mut req = req
        .body(body)
        .map_err(|e| AppError::Internal(format!("an internal request could not be built: {e}")))?;
    if let Some(addr) = client {
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    let res = crate::router(state.clone())
        .oneshot(req)
        .await
        .map_err(|e| AppError::Internal(format!("an internal request failed: {e}")))?;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), crate::routes::MAX_VERIFY_BODY * 2)
        .await
        .map_err(|e| AppError::Internal(format!("an internal answer could not be read: {e}")))?
        .to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok(ApiAnswer {
        status,
        headers,
        json,
        bytes,
    })
}

/// An error page in the page's language (the detail is the service's own message).
pub(crate) fn error_page(ctx: &Ctx, status: StatusCode, detail: &str) -> Response {
    let body = format!(
        "<h1>{}</h1>{}<p><a href=\"/\">{}</a></p>",
        ctx.tx("error.title"),
        html::notice("bad", &html::esc(detail)),
        ctx.tx("error.home")
    );
    html::respond(status, html::page(ctx, ctx.t("error.title"), &body))
}
