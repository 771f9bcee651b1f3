//! Who is asking: organization API keys (`Authorization: Bearer`, scoped) and staff sessions
//! (cookie, with a CSRF token on every state-changing request); `POST /login`, `POST /logout`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use ler_store::{Org, Scope, Session, User};
use serde_json::{Value, json};

use crate::body::Body;
use crate::{AppError, AppState, admin, ids};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "ler_session";
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a session lasts, in seconds.
const SESSION_SECONDS: i64 = 12 * 3600;

/// Who made a request.
#[derive(Debug, Clone)]
pub enum Principal {
    /// An organization API key.
    ApiKey(ler_store::ApiKey),
    /// A signed-in staff member.
    Staff(Box<(Session, User)>),
}

impl Principal {
    /// The organization the principal acts for.
    pub fn org_id(&self) -> i64 {
        match self {
            Principal::ApiKey(k) => k.org_id,
            Principal::Staff(s) => s.1.org_id,
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<Result<&str, AppError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = match value.to_str() {
        Ok(t) => t,
        Err(_) => {
            return Some(Err(AppError::Unauthorized(
                "the Authorization header is not readable".into(),
            )));
        }
    };
    Some(match text.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty() => {
            Ok(key.trim())
        }
        _ => Err(AppError::Unauthorized(
            "use Authorization: Bearer <API key>".into(),
        )),
    })
}

/// The session token from the cookie, if any.
fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Organization `slug`, or 404.
pub(crate) async fn org_of(state: &AppState, slug: &str) -> Result<Org, AppError> {
    state
        .store
        .org_by_slug(slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("organization {slug} not found")))
}

/// Organization `slug`, after checking the request may use `scope` for it ([`authorize`]).
pub(crate) async fn authorized_org(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    method: &Method,
    form_csrf: Option<&str>,
    scope: Scope,
) -> Result<Org, AppError> {
    let org = org_of(state, slug).await?;
    authorize(state, headers, method, form_csrf, scope, Some(&org)).await?;
    Ok(org)
}

/// Authenticates a request and checks it may use `scope` (for `org`, when given). API keys
/// carry scopes; staff may do anything for their own organization (a funder's account only
/// what [`Scope::Funder`] allows), and must echo the session's CSRF token (header
/// `X-CSRF-Token`, or `csrf` for forms) on state-changing requests.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    form_csrf: Option<&str>,
    scope: Scope,
    org: Option<&Org>,
) -> Result<Principal, AppError> {
    let principal = if let Some(key) = bearer(headers) {
        let key = key?;
        let record = state
            .store
            .api_key_by_hash(&ids::sha256_hex(key))
            .await?
            .filter(|k| !k.revoked)
            .ok_or_else(|| AppError::Unauthorized("the API key is not valid".into()))?;
        if !record.scopes.contains(&scope) {
            return Err(AppError::Forbidden(format!(
                "this API key does not have the {} scope",
                scope.as_str()
            )));
        }
        Principal::ApiKey(record)
    } else if let Some(token) = session_token(headers) {
        let (session, user) = state
            .store
            .session(&ids::sha256_hex(&token), state.now())
            .await?
            .ok_or_else(|| AppError::Unauthorized("the session has ended; sign in again".into()))?;
        let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if changes_state {
            let sent = headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .or(form_csrf);
            let ok =
                sent.is_some_and(|s| ids::constant_time_eq(s.as_bytes(), session.csrf.as_bytes()));
            if !ok {
                return Err(AppError::Forbidden(
                    "the CSRF token is missing or wrong: send the token from sign-in in the X-CSRF-Token header".into(),
                ));
            }
        }
        // A funder's account reads aggregate outcome reports and nothing else.
        if user.role == admin::FUNDER_ROLE && scope != Scope::Funder {
            return Err(AppError::Forbidden(
                "a funder's account reads aggregate outcome reports only".into(),
            ));
        }
        Principal::Staff(Box::new((session, user)))
    } else {
        return Err(AppError::Unauthorized(
            "sign in, or send an API key as Authorization: Bearer <key>".into(),
        ));
    };
    if let Some(org) = org
        && principal.org_id() != org.id
    {
        return Err(AppError::Forbidden(format!(
            "these credentials are not for the organization {}",
            org.slug
        )));
    }
    Ok(principal)
}

/// `POST /login`: email and password, as JSON or a form; sets the session cookie and returns
/// the CSRF token.
pub async fn login(State(state): State<AppState>, body: Body) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let email = field(&fields, "email")?.trim().to_lowercase();
    let password = field(&fields, "password")?;
    let user = state.store.user_by_email(&email).await?;
    // Hash even for unknown emails, so timing does not reveal which accounts exist.
    let ok = match &user {
        Some(u) => admin::verify_password(&password, &u.password_hash),
        None => {
            admin::verify_password(&password, DUMMY_HASH);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(%email, "failed sign-in");
        return Err(AppError::Unauthorized("wrong email or password".into()));
    };
    let token = ids::token()?;
    let csrf = ids::token()?;
    let expires_at = state.now() + SESSION_SECONDS;
    state
        .store
        .create_session(&Session {
            token_hash: ids::sha256_hex(&token),
            user_id: user.id,
            csrf: csrf.clone(),
            expires_at,
        })
        .await?;
    let org = state.store.org(user.org_id).await?;
    let secure = if state.public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}"
    );
    let mut res = axum::Json(json!({
        "email": user.email,
        "role": user.role,
        "org": org.map(|o| o.slug),
        "csrfToken": csrf,
        "expires": ids::format_datetime(expires_at),
    }))
    .into_response();
    let cookie = HeaderValue::from_str(&cookie)
        .map_err(|e| AppError::Internal(format!("session cookie: {e}")))?;
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// `POST /logout`: ends the session (CSRF token required) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields().unwrap_or_default();
    let form_csrf = fields.get("csrf").and_then(Value::as_str);
    let Some(token) = session_token(&headers) else {
        return Err(AppError::Unauthorized("not signed in".into()));
    };
    if bearer(&headers).is_some() {
        return Err(AppError::BadRequest("API keys do not sign out".into()));
    }
    // The one scope every staff account has (a funder's too): this only checks the session
    // and its CSRF token.
    let principal = authorize(
        &state,
        &headers,
        &Method::POST,
        form_csrf,
        Scope::Funder,
        None,
    )
    .await?;
    if !matches!(principal, Principal::Staff(_)) {
        return Err(AppError::BadRequest("API keys do not sign out".into()));
    }
    state.store.delete_session(&ids::sha256_hex(&token)).await?;
    let secure = if state.public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    let mut res = axum::Json(json!({"signedOut": true})).into_response();
    let cookie = HeaderValue::from_str(&cookie)
        .map_err(|e| AppError::Internal(format!("session cookie: {e}")))?;
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// An argon2id hash of a random password, checked against when the email is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1kmGmt6vsXGEBKDiHDvLqKDQ2GJJEd1Va4KUaeV8hHA";

fn field(fields: &serde_json::Map<String, Value>, name: &str) -> Result<String, AppError> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .map(String::from)
        .ok_or_else(|| AppError::BadRequest(format!("{name} is required")))
}
