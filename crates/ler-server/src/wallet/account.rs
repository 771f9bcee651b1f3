//! Holder accounts: sign up (a did:key and a data key, both kept under the KEK), sign in and
//! out, the account's summary, the key file to move to another wallet, and erasure.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ler_store::{Holder, HolderSession};
use serde_json::{Value, json};

use super::{NO_STORE, Signed, required, session_cookie, signed_in};
use crate::body::Body;
use crate::{AppError, AppState, admin, ids};

/// Fewest characters of a holder's password.
pub const MIN_PASSWORD: usize = 10;
/// Most characters of a password (argon2 takes any length; this bounds the work).
const MAX_PASSWORD: usize = 1_000;

/// An argon2id hash of a random password, checked against when an email is unknown, so the
/// time taken does not tell which accounts exist.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = ids::token().unwrap_or_else(|_| "no randomness: still a hash".into());
        admin::hash_password(&random).unwrap_or_default()
    })
}

/// A password as sent (not trimmed).
fn password(fields: &serde_json::Map<String, Value>) -> Result<String, AppError> {
    match fields.get("password") {
        Some(Value::String(p)) if !p.is_empty() => Ok(p.clone()),
        _ => Err(AppError::BadRequest("password is required".into())),
    }
}

/// Checks a password against the holder's hash, off the async threads.
async fn password_matches(state: &AppState, password: String, phc: String) -> bool {
    state
        .pool
        .run(move || admin::verify_password(&password, &phc))
        .await
        .unwrap_or(false)
}

/// The account as the holder sees it.
fn me_json(holder: &Holder) -> Value {
    json!({
        "email": holder.email,
        "did": holder.did,
        "created": ids::format_datetime(holder.created_at),
    })
}

/// Starts a session for `holder`: the JSON answer (with the CSRF token) and its cookie.
async fn start_session(
    state: &AppState,
    holder: &Holder,
    status: StatusCode,
) -> Result<Response, AppError> {
    let token = ids::token()?;
    let csrf = ids::token()?;
    let expires_at = state.now() + super::SESSION_SECONDS;
    state
        .store
        .create_holder_session(&HolderSession {
            token_hash: ids::sha256_hex(&token),
            holder_id: holder.id.clone(),
            csrf: csrf.clone(),
            expires_at,
        })
        .await?;
    let mut body = me_json(holder);
    body["csrfToken"] = csrf.into();
    body["expires"] = ids::format_datetime(expires_at).into();
    let mut res = (status, Json(body)).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, Some(&token))?);
    Ok(res)
}

/// `POST /wallet/signup`: `{email, password}` (JSON or form; a password of at least
/// [`MIN_PASSWORD`] characters) → 201, signed in. The holder gets a did:key and a data key,
/// both stored only under the KEK.
pub async fn signup(State(state): State<AppState>, body: Body) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let email = required(&fields, "email")?.to_lowercase();
    let password = password(&fields)?;
    let well_formed = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !well_formed {
        return Err(AppError::invalid(
            "invalid email",
            format!("{email:?} is not an email address"),
        ));
    }
    let length = password.chars().count();
    if length < MIN_PASSWORD {
        return Err(AppError::invalid(
            "weak password",
            format!("a password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    if length > MAX_PASSWORD {
        return Err(AppError::invalid(
            "invalid password",
            format!("a password has at most {MAX_PASSWORD} characters"),
        ));
    }
    if state.store.holder_by_email(&email).await?.is_some() {
        return Err(AppError::Conflict(
            "a wallet with this email exists; sign in instead".into(),
        ));
    }
    let password_hash = state
        .pool
        .run(move || admin::hash_password(&password))
        .await??;
    let kek = state.kek.clone();
    let new = state
        .pool
        .run(move || ler_wallet::new_holder(&kek))
        .await??;
    let holder = Holder {
        id: new.id.clone(),
        email,
        password_hash,
        did: new.did.clone(),
        encrypted_key: new.encrypted_key.clone(),
        wrapped_data_key: new.wrapped_data_key.clone(),
        created_at: state.now(),
    };
    state
        .store
        .create_holder(&holder)
        .await
        .map_err(|e| match e {
            ler_store::StoreError::Conflict(_) => {
                AppError::Conflict("a wallet with this email exists; sign in instead".into())
            }
            other => other.into(),
        })?;
    tracing::info!(holder = %holder.id, "wallet created");
    start_session(&state, &holder, StatusCode::CREATED).await
}

/// `POST /wallet/login`: `{email, password}` → the account and its CSRF token, and the
/// session cookie. Rate limited per client.
pub async fn login(State(state): State<AppState>, body: Body) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let email = required(&fields, "email")?.to_lowercase();
    let password = password(&fields)?;
    let holder = state.store.holder_by_email(&email).await?;
    let phc = holder
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |h| h.password_hash.clone());
    let ok = password_matches(&state, password, phc).await && holder.is_some();
    let Some(holder) = holder.filter(|_| ok) else {
        tracing::info!("failed wallet sign-in");
        return Err(AppError::Unauthorized("wrong email or password".into()));
    };
    start_session(&state, &holder, StatusCode::OK).await
}

/// `POST /wallet/logout`: ends the session (CSRF token required) and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields().unwrap_or_default();
    let signed = signed_in(
        &state,
        &headers,
        &Method::POST,
        fields.get("csrf").and_then(Value::as_str),
    )
    .await?;
    state
        .store
        .delete_holder_session(&signed.session.token_hash)
        .await?;
    let mut res = Json(json!({"signedOut": true})).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, None)?);
    Ok(res)
}

/// `GET /wallet/me`: the account, and how many records and grants it holds.
pub async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let Signed { holder, session } = signed_in(&state, &headers, &Method::GET, None).await?;
    let records = state.store.wallet_records(&holder.id).await?.len();
    let grants = state.store.holder_grants(&holder.id).await?.len();
    let mut body = me_json(&holder);
    body["records"] = records.into();
    body["grants"] = grants.into();
    body["csrfToken"] = session.csrf.into();
    body["expires"] = ids::format_datetime(session.expires_at).into();
    Ok(Json(body).into_response())
}

/// Checks the password given again for a sensitive action.
async fn confirm_password(
    state: &AppState,
    holder: &Holder,
    fields: &serde_json::Map<String, Value>,
) -> Result<(), AppError> {
    let given = password(fields)?;
    if password_matches(state, given, holder.password_hash.clone()).await {
        Ok(())
    } else {
        Err(AppError::Forbidden("the password is wrong".into()))
    }
}

/// `POST /wallet/key/export`: `{password}` (given again) → the holder's signing key as a plain
/// key file (Multikey JSON with `secretKeyMultibase`), to import into another wallet. Rate
/// limited like sign-in.
pub async fn export_key(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let signed = signed_in(
        &state,
        &headers,
        &Method::POST,
        fields.get("csrf").and_then(Value::as_str),
    )
    .await?;
    confirm_password(&state, &signed.holder, &fields).await?;
    let file = ler_wallet::export_holder_key(&state.kek, &signed.holder.encrypted_key)?;
    tracing::info!(holder = %signed.holder.id, "holder key exported");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            ),
            (
                header::CONTENT_DISPOSITION,
                axum::http::HeaderValue::from_static("attachment; filename=\"wallet-key.json\""),
            ),
            NO_STORE,
        ],
        file.as_str().to_owned(),
    )
        .into_response())
}

/// `DELETE /wallet/me`: `{password}` (given again) → erases the holder in one transaction:
/// records, grants, share links, sessions and the wrapped data key go, and the access log keeps
/// its entries under the holder's pseudonym only.
pub async fn erase(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let signed = signed_in(
        &state,
        &headers,
        &Method::DELETE,
        fields.get("csrf").and_then(Value::as_str),
    )
    .await?;
    confirm_password(&state, &signed.holder, &fields).await?;
    let pseudonym = ler_wallet::pseudonym(&state.pseudonym_secret, &signed.holder.id);
    state
        .store
        .erase_holder(&signed.holder.id, &pseudonym, state.now())
        .await?;
    state.wallet.forget(&signed.holder.id, None);
    tracing::info!(%pseudonym, "wallet erased");
    let mut res = Json(json!({"erased": true})).into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, None)?);
    Ok(res)
}
