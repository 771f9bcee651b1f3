//! Status list credentials at stable URLs, `GET /orgs/<slug>/status/<list_id>`: a signed
//! `BitstringStatusListCredential`, signed once per list version and key, with cache headers.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ler_proof::{Cryptosuite, Purpose as ProofPurpose, SignOptions};
use ler_status::StatusList;
use serde_json::json;
use std::sync::Arc;

use crate::state::SignedList;
use crate::vcalm::{VC2_CONTEXT, list_url};
use crate::{AppError, AppState, admin, ids};

/// The signed status list credential `list_id` of organization `slug`, from the cache when the
/// list has not changed since it was signed.
pub(crate) async fn signed_list(
    state: &AppState,
    slug: &str,
    list_id: &str,
) -> Result<SignedList, AppError> {
    let not_found = || AppError::NotFound(format!("status list {list_id} of {slug} not found"));
    let org = state.store.org_by_slug(slug).await?.ok_or_else(not_found)?;
    let list = state
        .store
        .status_list(org.id, list_id)
        .await?
        .ok_or_else(not_found)?;
    let active = admin::active_key_record(&state.store, &org).await?;
    if let Ok(cache) = state.signed_lists.lock()
        && let Some(hit) = cache.get(&list.id)
        && hit.version == list.version
        && hit.fragment == active.fragment
    {
        return Ok(hit.clone());
    }
    let (key, vm) = admin::open_key(&state.kek, &org, &active)?;
    let fragment = active.fragment;
    let bits = StatusList::from_bytes(list.bits.clone(), 1).map_err(|e| {
        AppError::Internal(format!("stored status list {} is damaged: {e}", list.id))
    })?;
    let url = list_url(state, &org, &list.list_id);
    let updated = ids::format_datetime(list.updated_at);
    let unsigned = json!({
        "@context": [VC2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": org.did,
        "validFrom": updated,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": list.purpose.as_str(),
            "encodedList": bits.encode(),
        }
    });
    // `created` is the list's last change, so every instance signs the same bytes.
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: vm,
        created: Some(updated),
        purpose: ProofPurpose::Assertion,
        expires: None,
    };
    let documents = state.documents;
    let signed = // Not on the worker pool: a status list is signed on demand while a verification on that
    // pool is waiting for it. Once per list version (the signed list is cached).
    tokio::task::spawn_blocking(move || ler_proof::sign(&unsigned, &key, &opts, documents))
        .await
        .map_err(|e| AppError::Internal(format!("a signing task failed: {e}")))?
        .map_err(|e| AppError::Internal(format!("the status list could not be signed: {e}")))?;
    let body = signed.to_string().into_bytes();
    let etag = format!("\"{}\"", &ids::hex(&sha2_digest(&body))[..32]);
    let entry = SignedList {
        version: list.version,
        fragment,
        body: Arc::new(body),
        etag,
    };
    if let Ok(mut cache) = state.signed_lists.lock() {
        cache.insert(list.id, entry.clone());
    }
    Ok(entry)
}

fn sha2_digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// `GET /orgs/<slug>/status/<list_id>`.
pub async fn get_list(
    State(state): State<AppState>,
    Path((slug, list_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let signed = signed_list(&state, &slug, &list_id).await?;
    let etag = HeaderValue::from_str(&signed.etag)
        .map_err(|e| AppError::Internal(format!("etag: {e}")))?;
    let cache = HeaderValue::from_static("public, max-age=60");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == signed.etag || t.trim() == "*")
        });
    if matches {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        signed.body.as_ref().clone(),
    )
        .into_response())
}
