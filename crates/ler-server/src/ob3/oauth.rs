//! The OAuth 2.0 authorization server of the 1EdTech APIs: dynamic client registration
//! (RFC 7591, with the metadata Open Badges 3.0 §7.1.1 requires), the authorization code
//! grant with PKCE (RFC 7636, S256 only) and a consent page for the signed-in wallet holder,
//! the token endpoint (authorization code and refresh token grants; refresh tokens rotate and
//! a replayed one revokes its grant), revocation (RFC 7009) and the server's metadata
//! (RFC 8414).
//!
//! Client secrets, codes and tokens are 32 random bytes, stored as SHA-256 hashes; a code
//! lives [`CODE_SECONDS`] and is exchanged once; redirect URIs match exactly.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ler_store::{CodeUse, OAuthClient, OAuthCode, OAuthToken, RefreshUse, TokenKind};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{OFFLINE_ACCESS, known_scopes, page, pct, query_pairs};
use crate::body::Body;
use crate::{AppState, ids};

/// How long an authorization code is accepted, in seconds.
pub const CODE_SECONDS: i64 = 60;
/// How long an access token is accepted, in seconds.
pub const ACCESS_SECONDS: i64 = 3600;
/// How long a refresh token is accepted, in seconds (each use replaces it).
pub const REFRESH_SECONDS: i64 = 30 * 86_400;
/// Most redirect URIs a client registers.
const MAX_REDIRECT_URIS: usize = 10;
/// Longest text a client's metadata value may be.
const MAX_TEXT: usize = 2000;
/// The metadata OB 3.0 requires in a registration request, besides `redirect_uris` and
/// `scope`.
const REQUIRED_TEXT: [&str; 7] = [
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
];
/// Metadata values that are URLs.
const URL_FIELDS: [&str; 4] = ["client_uri", "logo_uri", "tos_uri", "policy_uri"];

/// An error of the OAuth endpoints (RFC 6749 §5.2, RFC 7591 §3.2.2), as JSON.
#[derive(Debug)]
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> OAuthError {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    fn internal(cause: impl std::fmt::Display) -> OAuthError {
        tracing::error!(%cause, "internal error in the authorization server");
        OAuthError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "the service could not complete the request".into(),
        }
    }
}

impl From<ler_store::StoreError> for OAuthError {
    fn from(e: ler_store::StoreError) -> OAuthError {
        OAuthError::internal(e)
    }
}

impl From<crate::AppError> for OAuthError {
    fn from(e: crate::AppError) -> OAuthError {
        OAuthError::internal(e)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            axum::Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        no_store(&mut res);
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"ler\""),
            );
        }
        res
    }
}

fn no_store(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A registered client, its metadata read back.
struct Client {
    row: OAuthClient,
    name: String,
    uri: Option<String>,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    refresh: bool,
}

impl Client {
    fn of(row: OAuthClient) -> Client {
        let m = &row.metadata;
        let strings = |name: &str| -> Vec<String> {
            m.get(name)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        Client {
            name: m
                .get("client_name")
                .and_then(Value::as_str)
                .unwrap_or("An application")
                .to_owned(),
            uri: m
                .get("client_uri")
                .and_then(Value::as_str)
                .map(String::from),
            redirect_uris: strings("redirect_uris"),
            scopes: m
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| s.split_whitespace().map(String::from).collect())
                .unwrap_or_default(),
            refresh: strings("grant_types").iter().any(|g| g == "refresh_token"),
            row,
        }
    }
}

/// Whether `url` is an absolute `https://` URL without a fragment, or an `http://` URL on
/// the loopback interface (RFC 8252 §7.3, for applications on the holder's own machine).
fn acceptable_url(url: &str) -> bool {
    if url.contains('#') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let host_of = |rest: &str| -> String {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        rest[..end].to_ascii_lowercase()
    };
    if let Some(rest) = url.strip_prefix("https://") {
        let host = host_of(rest);
        return !host.is_empty() && !host.contains('@');
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let host = host_of(rest);
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
            None => host.split(':').next().map(String::from),
        };
        return matches!(name.as_deref(), Some("localhost" | "127.0.0.1" | "[::1]"));
    }
    false
}

/// `POST /oauth/register`: RFC 7591 dynamic client registration with the metadata OB 3.0
/// requires (`client_name`, `client_uri`, `logo_uri`, `tos_uri`, `policy_uri`,
/// `software_id`, `software_version`, `redirect_uris`, `scope`). 201 with `client_id`,
/// `client_secret` (shown once) and the metadata as registered.
pub async fn register(State(state): State<AppState>, body: Body) -> Response {
    match register_client(&state, body).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn register_client(state: &AppState, body: Body) -> Result<Response, OAuthError> {
    let fields = body
        .fields()
        .map_err(|e| OAuthError::new("invalid_client_metadata", e.to_string()))?;
    let meta_error = |d: String| OAuthError::new("invalid_client_metadata", d);
    let mut metadata = Map::new();
    for name in REQUIRED_TEXT {
        let value = match fields.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(meta_error(format!("{name} is required")));
            }
            Some(_) => return Err(meta_error(format!("{name} must be a string"))),
        };
        if value.len() > MAX_TEXT {
            return Err(meta_error(format!(
                "{name} is longer than {MAX_TEXT} characters"
            )));
        }
        if URL_FIELDS.contains(&name) && !acceptable_url(value) {
            return Err(meta_error(format!(
                "{name} must be an https:// URL without a fragment"
            )));
        }
        metadata.insert(name.into(), value.into());
    }
    let redirect_uris = match fields.get("redirect_uris") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            return Err(OAuthError::new(
                "invalid_redirect_uri",
                "redirect_uris is required: an array of https:// URLs",
            ));
        }
    };
    if redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(OAuthError::new(
            "invalid_redirect_uri",
            format!("at most {MAX_REDIRECT_URIS} redirect_uris"),
        ));
    }
    let mut uris = Vec::new();
    for uri in redirect_uris {
        match uri.as_str() {
            Some(u) if u.len() <= MAX_TEXT && acceptable_url(u) => uris.push(u.to_owned()),
            _ => {
                return Err(OAuthError::new(
                    "invalid_redirect_uri",
                    format!(
                        "{uri} is not an acceptable redirect URI: an https:// URL without a fragment (http:// only on localhost)"
                    ),
                ));
            }
        }
    }
    metadata.insert("redirect_uris".into(), json!(uris));
    let scope = match fields.get("scope") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.split_whitespace().collect::<Vec<_>>(),
        _ => {
            return Err(meta_error(
                "scope is required: the scopes the client may ask for, separated by spaces".into(),
            ));
        }
    };
    for s in &scope {
        if !known_scopes().any(|(k, _)| k == *s) {
            return Err(meta_error(format!("unknown scope {s}")));
        }
    }
    metadata.insert("scope".into(), scope.join(" ").into());
    let grant_types =
        optional_strings(&fields, "grant_types", &["authorization_code"]).map_err(meta_error)?;
    if !grant_types.iter().any(|g| g == "authorization_code")
        || grant_types
            .iter()
            .any(|g| g != "authorization_code" && g != "refresh_token")
    {
        return Err(meta_error(
            "grant_types must include authorization_code and may include refresh_token; no other grant is supported".into(),
        ));
    }
    metadata.insert("grant_types".into(), json!(grant_types));
    let response_types =
        optional_strings(&fields, "response_types", &["code"]).map_err(meta_error)?;
    if response_types != ["code"] {
        return Err(meta_error("response_types must be [\"code\"]".into()));
    }
    metadata.insert("response_types".into(), json!(response_types));
    let method = match fields.get("token_endpoint_auth_method") {
        None | Some(Value::Null) => "client_secret_basic",
        Some(Value::String(m)) if m == "client_secret_basic" || m == "client_secret_post" => {
            m.as_str()
        }
        Some(other) => {
            return Err(meta_error(format!(
                "token_endpoint_auth_method {other} is not supported: use client_secret_basic or client_secret_post"
            )));
        }
    };
    metadata.insert("token_endpoint_auth_method".into(), method.into());
    if fields.contains_key("contacts") {
        let contacts = optional_strings(&fields, "contacts", &[]).map_err(meta_error)?;
        metadata.insert("contacts".into(), json!(contacts));
    }
    let client_id = ids::token()?;
    let secret = ids::token()?;
    let now = state.now();
    state
        .store
        .create_oauth_client(&OAuthClient {
            client_id: client_id.clone(),
            secret_hash: ids::sha256_hex(&secret),
            metadata: Value::Object(metadata.clone()),
            created_at: now,
        })
        .await?;
    tracing::info!(client = %client_id, name = ?metadata.get("client_name"), "OAuth client registered");
    let mut out = Map::new();
    out.insert("client_id".into(), client_id.into());
    out.insert("client_secret".into(), secret.into());
    out.insert("client_id_issued_at".into(), now.into());
    out.insert("client_secret_expires_at".into(), 0.into());
    out.extend(metadata);
    let mut res = (StatusCode::CREATED, axum::Json(Value::Object(out))).into_response();
    no_store(&mut res);
    Ok(res)
}

/// An array of strings from the request, or `default` when absent.
fn optional_strings(
    fields: &Map<String, Value>,
    name: &str,
    default: &[&str],
) -> Result<Vec<String>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(default.iter().map(|s| (*s).to_owned()).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .filter(|s| s.len() <= MAX_TEXT)
                    .map(String::from)
                    .ok_or_else(|| format!("{name} must be an array of strings"))
            })
            .collect(),
        Some(_) => Err(format!("{name} must be an array of strings")),
    }
}

/// An authorization request, checked.
struct AuthRequest {
    client: Client,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    code_challenge: String,
}

/// A redirect to the client with `params` added to its redirect URI.
fn redirect(to: &str, params: &[(&str, &str)]) -> Response {
    let mut url = to.to_owned();
    let mut sep = if url.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        url.push(sep);
        url.push_str(&pct(k));
        url.push('=');
        url.push_str(&pct(v));
        sep = '&';
    }
    let mut res = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(&url) {
        Ok(v) => {
            res.headers_mut().insert(header::LOCATION, v);
        }
        Err(_) => {
            return page::error(
                StatusCode::BAD_REQUEST,
                "the redirect URI cannot be used in a redirect",
            );
        }
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// An error sent back to the client's redirect URI (RFC 6749 §4.1.2.1).
fn redirect_error(to: &str, error: &str, description: &str, state: Option<&str>) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    redirect(to, &params)
}

/// Reads and checks an authorization request's parameters. Problems with the client or the
/// redirect URI are told to the person (never redirected); the others go back to the client.
async fn auth_request(
    state: &AppState,
    pairs: &[(String, String)],
) -> Result<AuthRequest, Response> {
    let mut params: Vec<(&str, &str)> = Vec::new();
    for (k, v) in pairs {
        if k == "csrf" || k == "decision" {
            continue;
        }
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(page::error(
                StatusCode::BAD_REQUEST,
                &format!("the parameter {k} is given more than once"),
            ));
        }
        params.push((k, v));
    }
    let get = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let Some(client_id) = get("client_id") else {
        return Err(page::error(StatusCode::BAD_REQUEST, "client_id is missing"));
    };
    let client = match state.store.oauth_client(client_id).await {
        Ok(Some(row)) => Client::of(row),
        Ok(None) => {
            return Err(page::error(
                StatusCode::BAD_REQUEST,
                "no application is registered with this client_id",
            ));
        }
        Err(e) => {
            tracing::error!(cause = %e, "reading an OAuth client");
            return Err(page::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the service could not read the request; try again later",
            ));
        }
    };
    let redirect_uri = match get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => uri.to_owned(),
        Some(_) => {
            return Err(page::error(
                StatusCode::BAD_REQUEST,
                "the redirect_uri is not one the application registered",
            ));
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return Err(page::error(
                StatusCode::BAD_REQUEST,
                "redirect_uri is missing, and the application registered several",
            ));
        }
    };
    let client_state = get("state");
    let fail = |error: &str, description: &str| {
        redirect_error(&redirect_uri, error, description, client_state)
    };
    if get("response_type") != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    match (get("code_challenge"), get("code_challenge_method")) {
        (Some(challenge), Some("S256"))
            if challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => {}
        (Some(_), Some("S256")) => {
            return Err(fail(
                "invalid_request",
                "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)",
            ));
        }
        (None, _) => {
            return Err(fail(
                "invalid_request",
                "PKCE is required: send code_challenge and code_challenge_method=S256",
            ));
        }
        (Some(_), _) => {
            return Err(fail(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not accepted)",
            ));
        }
    }
    let scopes: Vec<String> = match get("scope") {
        Some(s) if !s.trim().is_empty() => s.split_whitespace().map(String::from).collect(),
        _ => client.scopes.clone(),
    };
    let mut unique: Vec<String> = Vec::new();
    for s in scopes {
        if !client.scopes.contains(&s) {
            return Err(fail(
                "invalid_scope",
                &format!("the application did not register the scope {s}"),
            ));
        }
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    if unique.iter().all(|s| s == OFFLINE_ACCESS) {
        return Err(fail("invalid_scope", "ask for at least one API scope"));
    }
    Ok(AuthRequest {
        code_challenge: get("code_challenge").unwrap_or_default().to_owned(),
        state: client_state.map(String::from),
        redirect_uri,
        scopes: unique,
        client,
    })
}

/// `GET /oauth/authorize`: checks the request and shows the signed-in holder what the
/// application asks for, with Allow and Deny; asks a holder who is not signed in to sign in
/// first.
pub async fn authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref());
    let request = match auth_request(&state, &pairs).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let here = format!("/oauth/authorize?{}", query.as_deref().unwrap_or(""));
    let signed = match crate::wallet::signed_in(&state, &headers, &Method::GET, None).await {
        Ok(s) => s,
        Err(crate::AppError::Unauthorized(_)) => {
            return page::sign_in(&request.client.name, &here);
        }
        Err(e) => return e.into_response(),
    };
    let described: Vec<(&str, &str)> = request
        .scopes
        .iter()
        .map(|s| {
            let what = known_scopes().find(|(k, _)| k == s).map_or("", |(_, w)| w);
            (s.as_str(), what)
        })
        .collect();
    let scope = request.scopes.join(" ");
    let mut fields: Vec<(&str, &str)> = vec![
        ("client_id", request.client.row.client_id.as_str()),
        ("redirect_uri", request.redirect_uri.as_str()),
        ("response_type", "code"),
        ("scope", scope.as_str()),
        ("code_challenge", request.code_challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if let Some(s) = &request.state {
        fields.push(("state", s));
    }
    page::consent(&page::Consent {
        client_name: &request.client.name,
        client_uri: request.client.uri.as_deref(),
        holder_email: &signed.holder.email,
        scopes: described,
        redirect_uri: &request.redirect_uri,
        fields,
        csrf: &signed.session.csrf,
    })
}

/// `POST /oauth/authorize`: the holder's answer from the consent form (with the session's
/// CSRF token). Allow: a single-use code, back to the client; deny: `access_denied`.
pub async fn decide(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let fields = match body.fields() {
        Ok(f) => f,
        Err(e) => return page::error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let pairs: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
        .collect();
    let request = match auth_request(&state, &pairs).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let csrf = fields.get("csrf").and_then(Value::as_str);
    let signed = match crate::wallet::signed_in(&state, &headers, &Method::POST, csrf).await {
        Ok(s) => s,
        Err(e) => {
            return page::error(
                e.status(),
                &format!("{e}. Sign in to your wallet and start again from the application."),
            );
        }
    };
    let client_state = request.state.as_deref();
    if fields.get("decision").and_then(Value::as_str) != Some("allow") {
        tracing::info!(holder = %signed.holder.id, client = %request.client.row.client_id, "authorization denied");
        return redirect_error(
            &request.redirect_uri,
            "access_denied",
            "the holder did not allow access",
            client_state,
        );
    }
    let issued = async {
        let code = ids::token()?;
        let now = state.now();
        let scope = request.scopes.join(" ");
        state
            .store
            .create_oauth_code(&OAuthCode {
                code_hash: ids::sha256_hex(&code),
                client_id: request.client.row.client_id.clone(),
                holder_id: signed.holder.id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                scope: scope.clone(),
                code_challenge: request.code_challenge.clone(),
                grant_id: ler_wallet::new_id("og")?,
                created_at: now,
                expires_at: now + CODE_SECONDS,
            })
            .await?;
        Ok::<_, crate::AppError>((code, scope))
    };
    match issued.await {
        Ok((code, scope)) => {
            tracing::info!(holder = %signed.holder.id, client = %request.client.row.client_id, "authorization given");
            let mut params = vec![("code", code.as_str()), ("scope", scope.as_str())];
            if let Some(s) = client_state {
                params.push(("state", s));
            }
            redirect(&request.redirect_uri, &params)
        }
        Err(e) => {
            if let crate::AppError::Internal(cause) = &e {
                tracing::error!(%cause, "issuing an authorization code");
            }
            redirect_error(
                &request.redirect_uri,
                "server_error",
                "the service could not complete the request",
                client_state,
            )
        }
    }
}

/// Authenticates the client at the token and revocation endpoints: HTTP Basic
/// (`client_secret_basic`) or `client_id` and `client_secret` in the body
/// (`client_secret_post`), not both.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    fields: &Map<String, Value>,
) -> Result<Client, OAuthError> {
    let text = |name: &str| fields.get(name).and_then(Value::as_str);
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, b64)| b64.trim().to_owned());
    let (id, secret) = match (basic, text("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::new(
                "invalid_request",
                "authenticate the client one way: HTTP Basic or client_secret in the body",
            ));
        }
        (Some(b64), None) => {
            let decoded = STANDARD
                .decode(b64.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    OAuthError::new("invalid_client", "the Basic credentials cannot be read")
                })?;
            let (id, secret) = decoded.split_once(':').ok_or_else(|| {
                OAuthError::new("invalid_client", "the Basic credentials cannot be read")
            })?;
            let unescape = |s: &str| {
                crate::body::serde_urlencoded_pairs(format!("v={s}").as_bytes())
                    .pop()
                    .map(|(_, v)| v)
                    .unwrap_or_default()
            };
            (unescape(id), unescape(secret))
        }
        (None, Some(secret)) => (
            text("client_id").unwrap_or_default().to_owned(),
            secret.to_owned(),
        ),
        (None, None) => {
            return Err(OAuthError::new(
                "invalid_client",
                "authenticate the client: HTTP Basic with client_id and client_secret",
            ));
        }
    };
    if let Some(body_id) = text("client_id")
        && body_id != id
    {
        return Err(OAuthError::new(
            "invalid_client",
            "client_id does not match the authenticated client",
        ));
    }
    let row = state.store.oauth_client(&id).await?;
    match row {
        Some(row)
            if ids::constant_time_eq(
                ids::sha256_hex(&secret).as_bytes(),
                row.secret_hash.as_bytes(),
            ) =>
        {
            Ok(Client::of(row))
        }
        _ => Err(OAuthError::new(
            "invalid_client",
            "the client is unknown or its secret is wrong",
        )),
    }
}

/// The scopes a token request asks for: a subset of what was granted (all of it when the
/// request names none).
fn narrowed(requested: Option<&str>, granted: &str) -> Result<String, OAuthError> {
    let Some(requested) = requested.filter(|s| !s.trim().is_empty()) else {
        return Ok(granted.to_owned());
    };
    let granted: Vec<&str> = granted.split(' ').collect();
    let mut out: Vec<&str> = Vec::new();
    for s in requested.split_whitespace() {
        if !granted.contains(&s) {
            return Err(OAuthError::new(
                "invalid_scope",
                format!("the scope {s} was not granted"),
            ));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out.join(" "))
}

/// A new access token (and refresh token, when the client may refresh) for a grant.
fn tokens(
    client: &Client,
    holder_id: &str,
    grant_id: &str,
    scope: &str,
    now: i64,
) -> Result<(Vec<OAuthToken>, Value), OAuthError> {
    let access = ids::token()?;
    let mut rows = vec![OAuthToken {
        token_hash: ids::sha256_hex(&access),
        kind: TokenKind::Access,
        client_id: client.row.client_id.clone(),
        holder_id: holder_id.to_owned(),
        grant_id: grant_id.to_owned(),
        scope: scope.to_owned(),
        created_at: now,
        expires_at: now + ACCESS_SECONDS,
        revoked_at: None,
    }];
    let mut answer = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_SECONDS,
        "scope": scope,
    });
    if client.refresh {
        let refresh = ids::token()?;
        rows.push(OAuthToken {
            token_hash: ids::sha256_hex(&refresh),
            kind: TokenKind::Refresh,
            expires_at: now + REFRESH_SECONDS,
            ..rows[0].clone()
        });
        answer["refresh_token"] = refresh.into();
    }
    Ok((rows, answer))
}

/// `POST /oauth/token`: `grant_type=authorization_code` (with `code`, `redirect_uri` and the
/// PKCE `code_verifier`) or `grant_type=refresh_token` (the refresh token is replaced by a new
/// one; presenting a replaced one revokes the whole grant). The client authenticates.
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match exchange(&state, &headers, body).await {
        Ok(answer) => {
            let mut res = axum::Json(answer).into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn exchange(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Value, OAuthError> {
    let fields = body
        .fields()
        .map_err(|e| OAuthError::new("invalid_request", e.to_string()))?;
    let client = authenticate(state, headers, &fields).await?;
    let text = |name: &str| fields.get(name).and_then(Value::as_str);
    let now = state.now();
    match text("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(verifier)) = (text("code"), text("code_verifier")) else {
                return Err(OAuthError::new(
                    "invalid_request",
                    "code and code_verifier are required",
                ));
            };
            let code = match state
                .store
                .use_oauth_code(&ids::sha256_hex(code), now)
                .await?
            {
                CodeUse::Accepted(code) => code,
                CodeUse::Unknown => {
                    return Err(OAuthError::new("invalid_grant", "the code is not valid"));
                }
                CodeUse::Expired => {
                    return Err(OAuthError::new("invalid_grant", "the code has expired"));
                }
                CodeUse::AlreadyUsed => {
                    tracing::warn!(client = %client.row.client_id, "an authorization code was presented twice; its tokens are revoked");
                    return Err(OAuthError::new(
                        "invalid_grant",
                        "the code was used already; the tokens it gave are revoked",
                    ));
                }
            };
            if code.client_id != client.row.client_id {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the code was issued to another client",
                ));
            }
            if text("redirect_uri") != Some(code.redirect_uri.as_str()) {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "redirect_uri must be the one of the authorization request",
                ));
            }
            let valid_verifier = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !valid_verifier
                || !ids::constant_time_eq(computed.as_bytes(), code.code_challenge.as_bytes())
            {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the code_verifier does not match the code_challenge",
                ));
            }
            let scope = narrowed(text("scope"), &code.scope)?;
            let (rows, answer) = tokens(&client, &code.holder_id, &code.grant_id, &scope, now)?;
            state
                .store
                .insert_oauth_tokens(&rows)
                .await
                .map_err(|e| match e {
                    ler_store::StoreError::NotFound(_) => {
                        OAuthError::new("invalid_grant", "the holder's wallet is gone")
                    }
                    other => other.into(),
                })?;
            tracing::info!(client = %client.row.client_id, holder = %code.holder_id, "OAuth tokens issued");
            Ok(answer)
        }
        Some("refresh_token") => {
            if !client.refresh {
                return Err(OAuthError::new(
                    "unauthorized_client",
                    "the client did not register the refresh_token grant",
                ));
            }
            let Some(presented) = text("refresh_token") else {
                return Err(OAuthError::new(
                    "invalid_request",
                    "refresh_token is required",
                ));
            };
            let hash = ids::sha256_hex(presented);
            let old = state
                .store
                .oauth_token(&hash)
                .await?
                .filter(|t| t.kind == TokenKind::Refresh && t.client_id == client.row.client_id)
                .ok_or_else(|| {
                    OAuthError::new("invalid_grant", "the refresh token is not valid")
                })?;
            let scope = narrowed(text("scope"), &old.scope)?;
            let (rows, answer) = tokens(&client, &old.holder_id, &old.grant_id, &scope, now)?;
            match state.store.rotate_refresh_token(&hash, &rows, now).await? {
                RefreshUse::Accepted => Ok(answer),
                RefreshUse::Reused => {
                    tracing::warn!(client = %client.row.client_id, "a replaced refresh token was presented; its grant is revoked");
                    Err(OAuthError::new(
                        "invalid_grant",
                        "the refresh token was used already; the access it gave is revoked",
                    ))
                }
                RefreshUse::Expired => Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token has expired",
                )),
                RefreshUse::Unknown => Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token is not valid",
                )),
            }
        }
        Some(other) => Err(OAuthError::new(
            "unsupported_grant_type",
            format!("grant_type {other} is not supported: use authorization_code or refresh_token"),
        )),
        None => Err(OAuthError::new("invalid_request", "grant_type is required")),
    }
}

/// `POST /oauth/revoke` (RFC 7009): revokes an access token, or a refresh token with every
/// token of its grant. 200 whether or not the token was known (or the client's).
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let outcome = async {
        let fields = body
            .fields()
            .map_err(|e| OAuthError::new("invalid_request", e.to_string()))?;
        let client = authenticate(&state, &headers, &fields).await?;
        let token = fields
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| OAuthError::new("invalid_request", "token is required"))?;
        let revoked = state
            .store
            .revoke_oauth_token(&ids::sha256_hex(token), &client.row.client_id, state.now())
            .await?;
        if revoked {
            tracing::info!(client = %client.row.client_id, "OAuth token revoked");
        }
        Ok::<_, OAuthError>(())
    };
    match outcome.await {
        Ok(()) => {
            let mut res = StatusCode::OK.into_response();
            no_store(&mut res);
            res
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn metadata(State(state): State<AppState>) -> Response {
    let base = state.public_url.base();
    axum::Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "registration_endpoint": format!("{base}/oauth/register"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "scopes_supported": known_scopes().map(|(s, _)| s).collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .into_response()
}
