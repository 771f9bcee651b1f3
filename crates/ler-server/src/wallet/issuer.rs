//! The issuer's side of receiving: claim links (a one-time token with an expiry, as a URL and
//! a QR code) and direct delivery into a holder's wallet.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ler_store::{ClaimToken, CredentialRow, Org, Scope};
use serde_json::{Value, json};

use super::receive::{issued_bytes, receive};
use super::{NO_STORE, text_field};
use crate::auth::authorize;
use crate::body::Body;
use crate::{AppError, AppState, ids};

/// How long a claim link lasts unless asked otherwise, in seconds (7 days).
pub const CLAIM_SECONDS: i64 = 7 * 86_400;
/// Longest a claim link may last, in seconds (90 days).
const MAX_CLAIM_SECONDS: i64 = 90 * 86_400;

/// The organization and its issued credential `id`, after checking the caller may issue for it.
async fn issued(
    state: &AppState,
    slug: &str,
    id: &str,
    headers: &HeaderMap,
    method: &Method,
    form_csrf: Option<&str>,
) -> Result<(Org, CredentialRow), AppError> {
    let org = state
        .store
        .org_by_slug(slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("organization {slug} not found")))?;
    authorize(state, headers, method, form_csrf, Scope::Issue, Some(&org)).await?;
    let row = state
        .store
        .credential(id)
        .await?
        .filter(|c| c.org_id == org.id)
        .ok_or_else(|| AppError::NotFound(format!("credential {id} not found")))?;
    Ok((org, row))
}

/// Makes a claim link for a credential: (URL, expiry).
async fn new_claim_link(
    state: &AppState,
    org: &Org,
    row: &CredentialRow,
    seconds: i64,
) -> Result<(String, i64), AppError> {
    let token = ids::token()?;
    let expires_at = state.now() + seconds;
    state
        .store
        .create_claim_token(&ClaimToken {
            token_hash: ids::sha256_hex(&token),
            org_id: org.id,
            credential_id: row.id.clone(),
            expires_at,
        })
        .await?;
    Ok((
        format!("{}/wallet/claim/{token}", state.public_url.base()),
        expires_at,
    ))
}

/// `POST /orgs/<slug>/credentials/<id>/claim-link` (issue scope): `{expiresIn?}` (seconds, 60
/// to 90 days; 7 days by default) → 201 `{url, expires, qrSvg}`. The link works once: the
/// first signed-in holder to open it gets the credential.
pub async fn claim_link(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields().unwrap_or_default();
    let (org, row) = issued(
        &state,
        &slug,
        &id,
        &headers,
        &Method::POST,
        fields.get("csrf").and_then(Value::as_str),
    )
    .await?;
    let seconds = match fields.get("expiresIn") {
        None | Some(Value::Null) => CLAIM_SECONDS,
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|s| (60..=MAX_CLAIM_SECONDS).contains(s))
            .ok_or_else(|| {
                AppError::invalid(
                    "invalid expiry",
                    format!("expiresIn is a number of seconds from 60 to {MAX_CLAIM_SECONDS}"),
                )
            })?,
    };
    let (url, expires_at) = new_claim_link(&state, &org, &row, seconds).await?;
    let qr = ler_wallet::qr_svg(&url, "QR code of the claim link")?;
    Ok((
        StatusCode::CREATED,
        [NO_STORE],
        Json(json!({
            "url": url,
            "expires": ids::format_datetime(expires_at),
            "qrSvg": qr,
        })),
    )
        .into_response())
}

/// `GET /orgs/<slug>/credentials/<id>/claim-link.svg` (issue scope): a new claim link (7
/// days) as a QR code, to show or print; its URL is in the `Link` header too.
pub async fn claim_link_svg(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (org, row) = issued(&state, &slug, &id, &headers, &Method::GET, None).await?;
    let (url, _) = new_claim_link(&state, &org, &row, CLAIM_SECONDS).await?;
    let svg = ler_wallet::qr_svg(&url, "QR code of the claim link")?;
    let link = HeaderValue::from_str(&format!("<{url}>; rel=\"related\""))
        .map_err(|e| AppError::Internal(format!("claim link header: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            NO_STORE,
            (header::LINK, link),
        ],
        svg,
    )
        .into_response())
}

/// `POST /orgs/<slug>/deliver` (issue scope): `{credentialId, holderEmail | holderDid}` puts
/// the issued credential straight into that holder's wallet (verified and stored like any
/// record): 201 `{delivered: true}`, 200 when the holder had it. 404 when there is no such
/// wallet, and nothing more.
pub async fn deliver(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let credential_id = text_field(&fields, "credentialId")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::BadRequest("credentialId is required".into()))?;
    let (_, row) = issued(
        &state,
        &slug,
        &credential_id,
        &headers,
        &Method::POST,
        fields.get("csrf").and_then(Value::as_str),
    )
    .await?;
    let holder = match (
        text_field(&fields, "holderEmail")?.filter(|s| !s.is_empty()),
        text_field(&fields, "holderDid")?.filter(|s| !s.is_empty()),
    ) {
        (Some(email), None) => state.store.holder_by_email(&email.to_lowercase()).await?,
        (None, Some(did)) => state.store.holder_by_did(&did).await?,
        _ => {
            return Err(AppError::BadRequest(
                "give holderEmail or holderDid (one of them)".into(),
            ));
        }
    };
    let holder = holder.ok_or_else(|| AppError::NotFound("no such wallet".into()))?;
    let received = receive(&state, &holder, issued_bytes(&row.json)).await?;
    tracing::info!(org = %slug, credential = %credential_id, "credential delivered to a wallet");
    let status = if received.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({"delivered": true, "duplicate": !received.created})),
    )
        .into_response())
}
