//! Operations: health and readiness, Prometheus metrics, the OpenAPI document and its docs
//! page, organization DID documents, and the middleware that counts, logs and rate-limits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, MatchedPath, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::{PROBLEM_JSON, problem};
use crate::ratelimit::RateLimiter;
use crate::{AppError, AppState, admin};

/// The hand-written OpenAPI 3.0 document.
const OPENAPI: &str = include_str!("../openapi.json");
/// The self-contained docs page.
const DOCS_HTML: &str = include_str!("../docs.html");

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /readyz`: the store answers.
pub async fn readyz(State(state): State<AppState>) -> Result<Response, AppError> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(json!({"status": "ready"})).into_response()),
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            Err(AppError::Unavailable("the store is not answering".into()))
        }
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /openapi.json`, with this service's public URL as its server.
pub async fn openapi(State(state): State<AppState>) -> Result<Response, AppError> {
    let mut doc: Value = serde_json::from_str(OPENAPI).map_err(|e| {
        AppError::Internal(format!("the embedded OpenAPI document is not JSON: {e}"))
    })?;
    doc["servers"] = json!([{"url": state.public_url.base()}]);
    Ok(Json(doc).into_response())
}

/// `GET /docs`: renders the OpenAPI paths with a "try it" form per operation.
pub async fn docs() -> Html<&'static str> {
    Html(DOCS_HTML)
}

/// `GET /orgs/<slug>/did.json`: the organization's DID document.
pub async fn did_json(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let doc = admin::did_document_of(&state.store, &slug).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/did+json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        doc.to_string(),
    )
        .into_response())
}

/// Counts and logs every request by route and status.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    state.metrics.record(&route, &method, status, elapsed);
    tracing::info!(
        method,
        route,
        status,
        micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    res
}

/// The client's address: the connection's peer (`0.0.0.0` when unknown, as in router tests),
/// or, when that is a trusted proxy, the client it forwards for ([`TrustedProxies::client`],
/// which the web pages' `Ctx` uses too).
///
/// [`TrustedProxies::client`]: crate::TrustedProxies::client
pub(crate) fn client_ip(state: &AppState, req: &Request) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    state.trusted_proxies.client(peer, req.headers())
}

fn limited(state: &AppState, limiter: &RateLimiter, req: &Request) -> bool {
    !limiter.check(client_ip(state, req), Instant::now())
}

/// Rate-limits `POST /login`.
pub async fn limit_login(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if limited(&state, &state.login_limiter, &req) {
        return AppError::TooManyRequests.into_response();
    }
    next.run(req).await
}

/// Rate-limits the verify endpoints.
pub async fn limit_verify(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if limited(&state, &state.verify_limiter, &req) {
        return AppError::TooManyRequests.into_response();
    }
    next.run(req).await
}

/// Turns every error answer that is not already JSON (axum's rejections, the body limit's 413,
/// the timeout's 408, 404 and 405) into problem details.
pub async fn problem_json(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with(PROBLEM_JSON) || t.starts_with("application/json"));
    // The web pages answer their errors as pages.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if is_json || is_html {
        return res;
    }
    let (title, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload too large",
            "the request body is larger than this endpoint accepts (1 MB; 2 MB for verify)",
        ),
        StatusCode::REQUEST_TIMEOUT => {
            ("request timeout", "the request took longer than 10 seconds")
        }
        StatusCode::NOT_FOUND => (
            "not found",
            "there is nothing at this path; see /openapi.json",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method not allowed",
            "this path does not accept this method; see /openapi.json",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported media type", "send application/json"),
        s if s.is_server_error() => (
            "internal error",
            "the service could not complete the request",
        ),
        _ => ("bad request", "the request could not be read"),
    };
    let mut out = problem(status, title, detail);
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}
