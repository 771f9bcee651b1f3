//! The vcalm issuer endpoints: `POST /credentials/issue` (check, allocate a revocation entry and
//! on request a suspension entry, sign with the organization's active key, store; or, with
//! `options.format` `dc+sd-jwt`, issue an employment record as an SD-JWT VC bound to the
//! holder) and `POST /credentials/status` (revoke, suspend, unsuspend).

use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ler_proof::{Cryptosuite, Purpose as ProofPurpose, SignOptions};
use ler_store::{CredentialRow, Org, Purpose, Scope};
use serde_json::{Map, Value, json};

use crate::auth::authorize;
use crate::body::Body;
use crate::{AppError, AppState, admin, ids};

/// Entries per status list (the minimum the Bitstring Status List spec allows, 16 KB), the same
/// as `ler batch` allocates.
pub const LIST_SIZE: u64 = ler_batch::LIST_SIZE;
/// The VC 2.0 base context.
pub const VC2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";

/// `POST /credentials/issue`: `{credential, options?}` → 201 `{verifiableCredential}`.
pub async fn issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let principal = authorize(&state, &headers, &Method::POST, None, Scope::Issue, None).await?;
    let request = body.fields()?;
    let credential = match request.get("credential") {
        Some(Value::Object(c)) => c.clone(),
        Some(_) => {
            return Err(AppError::BadRequest(
                "credential must be a JSON object".into(),
            ));
        }
        None => return Err(AppError::BadRequest("the request has no credential".into())),
    };
    let empty = Map::new();
    let options = match request.get("options") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => return Err(AppError::BadRequest("options must be a JSON object".into())),
    };
    let credential_id = match options.get("credentialId") {
        None => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => {
            return Err(AppError::BadRequest(
                "options.credentialId must be a non-empty string".into(),
            ));
        }
    };
    let format = Format::of(options)?;
    let suspendable = suspendable(options)?;
    check_shape(&credential)?;
    let org = state
        .store
        .org(principal.org_id())
        .await?
        .ok_or_else(|| AppError::Internal("an API key's organization is gone".into()))?;
    let issuer = issuer_id(&credential).unwrap_or_default();
    if issuer != org.did {
        return Err(AppError::BadRequest(format!(
            "the issuer {issuer} does not match the expected configuration: these credentials issue as {}",
            org.did
        )));
    }
    let recipient = credential
        .get("credentialSubject")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .map(String::from);
    if format == Format::SdJwt {
        if suspendable {
            return Err(AppError::invalid(
                "invalid options",
                "an SD-JWT VC carries no status entries: leave out options.suspendable and options.credentialStatus",
            ));
        }
        let holder = holder_key(options)?;
        let token =
            issue_sd_jwt(&state, &org, credential, credential_id, recipient, holder).await?;
        return Ok((
            StatusCode::CREATED,
            Json(json!({"verifiableCredential": token})),
        )
            .into_response());
    }
    let vc = issue_status_credential(
        &state,
        &org,
        credential,
        credential_id,
        recipient,
        None,
        suspendable,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"verifiableCredential": vc})),
    )
        .into_response())
}

/// The form `POST /credentials/issue` signs a credential in: `options.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Data Integrity (eddsa-rdfc-2022) with status entries: no `options.format`, or `ldp_vc`.
    DataIntegrity,
    /// An SD-JWT VC (`dc+sd-jwt`, or the older name `vc+sd-jwt`): an employment record whose
    /// fields the holder may withhold, bound to the holder's key.
    SdJwt,
}

impl Format {
    fn of(options: &Map<String, Value>) -> Result<Format, AppError> {
        match options.get("format") {
            None | Some(Value::Null) => Ok(Format::DataIntegrity),
            Some(Value::String(f)) => match f.as_str() {
                "ldp_vc" => Ok(Format::DataIntegrity),
                ler_sdjwt::TYP | ler_sdjwt::LEGACY_TYP => Ok(Format::SdJwt),
                other => Err(AppError::invalid(
                    "invalid options",
                    format!(
                        "options.format {other:?} is not one ler issues: ldp_vc (Data Integrity, the default) or dc+sd-jwt (an employment record as an SD-JWT VC)"
                    ),
                )),
            },
            Some(_) => Err(AppError::invalid(
                "invalid options",
                "options.format must be a string: ldp_vc or dc+sd-jwt",
            )),
        }
    }
}

/// The key an SD-JWT VC is bound to: `options.holder`, the worker's did:key (or one of its
/// verification method URLs).
fn holder_key(options: &Map<String, Value>) -> Result<ler_crypto::PublicKey, AppError> {
    let holder = match options.get("holder") {
        None | Some(Value::Null) => {
            return Err(AppError::invalid(
                "invalid options",
                "options.holder is required for an SD-JWT VC: the did:key of the worker it is bound to",
            ));
        }
        Some(Value::String(h)) => h,
        Some(_) => {
            return Err(AppError::invalid(
                "invalid options",
                "options.holder must be a string: the worker's did:key",
            ));
        }
    };
    ler_crypto::resolve_did_key(holder)
        .map(|(key, _)| key)
        .map_err(|e| {
            AppError::invalid(
                "invalid options",
                format!("options.holder {holder:?} is not a did:key: {e}"),
            )
        })
}

/// Whether the request asks for a suspension entry besides the revocation entry: ler's
/// `options.suspendable: true`, or `options.credentialStatus.statusPurpose` naming
/// `suspension` (a string or an array of purposes). Without either, a credential carries one
/// revocation entry as an object, which is what the OB 3.0 and CLR 2.0 JSON Schemas accept;
/// with a suspension entry `credentialStatus` becomes an array of two, as in `ler batch issue
/// --suspendable`.
fn suspendable(options: &Map<String, Value>) -> Result<bool, AppError> {
    let flag = match options.get("suspendable") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(AppError::BadRequest(
                "options.suspendable must be true or false".into(),
            ));
        }
    };
    let purposes: Vec<&str> = match options.get("credentialStatus") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(o)) => match o.get("statusPurpose") {
            None => Vec::new(),
            Some(Value::String(p)) => vec![p.as_str()],
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
                a.iter().filter_map(Value::as_str).collect()
            }
            Some(_) => {
                return Err(AppError::BadRequest(
                    "options.credentialStatus.statusPurpose must be a purpose or an array of purposes"
                        .into(),
                ));
            }
        },
        Some(_) => {
            return Err(AppError::BadRequest(
                "options.credentialStatus must be a JSON object".into(),
            ));
        }
    };
    if let Some(other) = purposes
        .iter()
        .find(|p| !matches!(**p, "revocation" | "suspension"))
    {
        return Err(AppError::BadRequest(format!(
            "options.credentialStatus.statusPurpose may name revocation and suspension, not {other:?}"
        )));
    }
    Ok(flag || purposes.contains(&"suspension"))
}

/// The issuer's id: the string, or the object's `id`.
fn issuer_id(credential: &Map<String, Value>) -> Option<String> {
    match credential.get("issuer")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

/// The checks that answer 422 with a clear message before the full validation: `@context`,
/// `type`, `issuer` and `credentialSubject` present and of the right JSON type.
fn check_shape(c: &Map<String, Value>) -> Result<(), AppError> {
    let bad = |detail: &str| Err(AppError::invalid("invalid credential", detail));
    match c.get("@context") {
        None => return bad("@context is required"),
        Some(Value::String(_)) => {}
        Some(Value::Array(a)) if !a.is_empty() => {}
        Some(_) => return bad("@context must be a URL or a non-empty array"),
    }
    match c.get("type") {
        None => return bad("type is required"),
        Some(Value::String(_)) => {}
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => {}
        Some(_) => return bad("type must be a string or a non-empty array of strings"),
    }
    match c.get("issuer") {
        None => {
            return bad("issuer is required: the service never fills in an issuer");
        }
        Some(Value::String(s)) if s.contains(':') => {}
        Some(Value::Object(o))
            if o.get("id")
                .and_then(Value::as_str)
                .is_some_and(|s| s.contains(':')) => {}
        Some(other) => {
            return bad(&format!(
                "issuer must be a URL or an object whose id is a URL, not {other}"
            ));
        }
    }
    match c.get("credentialSubject") {
        None => return bad("credentialSubject is required"),
        Some(Value::Object(_)) => {}
        Some(Value::Array(_)) => {
            return bad(
                "credentialSubject must be one object: ler issues credentials with one subject",
            );
        }
        Some(other) => return bad(&format!("credentialSubject must be an object, not {other}")),
    }
    if c.contains_key("proof") {
        return bad("send an unsigned credential: it has a proof already");
    }
    if c.contains_key("credentialStatus") {
        return bad("credentialStatus is assigned by the service: leave it out");
    }
    Ok(())
}

/// Issues a credential for `org` with one revocation entry (no suspension entry): see
/// [`issue_status_credential`].
pub(crate) async fn issue_credential(
    state: &AppState,
    org: &Org,
    credential: Map<String, Value>,
    credential_id: Option<String>,
    recipient: Option<String>,
    achievement_id: Option<String>,
) -> Result<Value, AppError> {
    issue_status_credential(
        state,
        org,
        credential,
        credential_id,
        recipient,
        achievement_id,
        false,
    )
    .await
}

/// Issues a credential for `org`: assigns an `id` when it has none (and no `credential_id` was
/// given), allocates a revocation entry (`credentialStatus` is then one object) and, when
/// `suspendable`, a suspension entry too (then an array of both), validates, signs with the
/// active key (eddsa-rdfc-2022) and stores it. Returns the signed credential.
pub(crate) async fn issue_status_credential(
    state: &AppState,
    org: &Org,
    mut credential: Map<String, Value>,
    credential_id: Option<String>,
    recipient: Option<String>,
    achievement_id: Option<String>,
    suspendable: bool,
) -> Result<Value, AppError> {
    let row_id = prepare(state, &mut credential, credential_id).await?;
    let now = state.now();
    let (revocation, rev_index) = allocate(state, org, Purpose::Revocation, now).await?;
    let revocation_entry = status_entry(state, org, &revocation, rev_index);
    let suspension = if suspendable {
        let (list, index) = allocate(state, org, Purpose::Suspension, now).await?;
        let entry = status_entry(state, org, &list, index);
        credential.insert("credentialStatus".into(), json!([revocation_entry, entry]));
        Some((list.id, index))
    } else {
        credential.insert("credentialStatus".into(), revocation_entry);
        None
    };
    let (key, vm) = admin::active_key(&state.store, &state.kek, org).await?;
    // After a rotation (by `ler admin`, in another process) the cached DID document may not
    // list the new key yet.
    state.forget_local_unless(&format!("/orgs/{}/did.json", org.slug), &vm);
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: vm,
        created: Some(ids::format_datetime(now)),
        purpose: ProofPurpose::Assertion,
        expires: None,
    };
    let documents = state.documents;
    let unsigned = Value::Object(credential);
    let signed = state
        .pool
        .run(move || ler_proof::sign(&unsigned, &key, &opts, documents))
        .await?
        .map_err(|e| AppError::invalid("credential cannot be signed", e.to_string()))?;
    state
        .store
        .insert_credential(&CredentialRow {
            id: row_id,
            org_id: org.id,
            achievement_id,
            recipient: recipient.clone(),
            json: signed.clone(),
            revocation: Some((revocation.id, rev_index)),
            suspension,
            revoked: false,
            suspended: false,
            issued_at: now,
        })
        .await?;
    state.metrics.issued.fetch_add(1, Ordering::Relaxed);
    tracing::info!(org = %org.slug, "credential issued");
    crate::webhooks::issued(state, org, &signed).await;
    crate::cbo::issued(state, &signed, recipient.as_deref()).await;
    Ok(signed)
}

/// The checks every issued credential passes, whatever its form: VC 2.0 first, an `id` (the
/// credential's, else `credential_id`, else a new `urn:uuid:`, written into the credential),
/// valid, and not issued before. Returns the id.
async fn prepare(
    state: &AppState,
    credential: &mut Map<String, Value>,
    credential_id: Option<String>,
) -> Result<String, AppError> {
    let first_context = match credential.get("@context") {
        Some(Value::Array(a)) => a.first().and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    if first_context != Some(VC2_CONTEXT) {
        return Err(AppError::invalid(
            "invalid credential",
            format!("the first @context must be {VC2_CONTEXT}: ler issues VC 2.0 credentials"),
        ));
    }
    let row_id = match (credential.get("id"), credential_id) {
        (Some(Value::String(id)), _) => id.clone(),
        (Some(_), _) => {
            return Err(AppError::invalid("invalid credential", "id must be a URL"));
        }
        (None, Some(id)) => id,
        (None, None) => {
            let id = format!("urn:uuid:{}", ids::uuid()?);
            credential.insert("id".into(), id.clone().into());
            id
        }
    };
    let violations = ler_model::validate(&Value::Object(credential.clone()));
    if !violations.is_empty() {
        let list: Vec<String> = violations
            .iter()
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect();
        return Err(AppError::invalid("invalid credential", list.join("; ")));
    }
    if state.store.credential(&row_id).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "a credential with id {row_id} was issued already"
        )));
    }
    Ok(row_id)
}

/// Issues an employment record for `org` as an SD-JWT VC bound to `holder`: the checks of
/// [`prepare`], then every employment field the subject carries made selectively disclosable
/// (`ler_sdjwt::employment_claims`), signed (EdDSA) with the active key whose verification
/// method is the `kid`, and stored as the token, a JSON string. No status entry: ler's
/// verifier reads no status from an SD-JWT VC yet, so the record cannot be revoked or
/// suspended, and the stored row has no entries to change.
async fn issue_sd_jwt(
    state: &AppState,
    org: &Org,
    mut credential: Map<String, Value>,
    credential_id: Option<String>,
    recipient: Option<String>,
    holder: ler_crypto::PublicKey,
) -> Result<Value, AppError> {
    let row_id = prepare(state, &mut credential, credential_id).await?;
    let unsigned = Value::Object(credential);
    let (claims, paths) = ler_sdjwt::employment_claims(&unsigned).map_err(|e| {
        AppError::invalid(
            "not an employment record",
            format!("only ler's employment records can be issued as SD-JWT VCs: {e}"),
        )
    })?;
    let now = state.now();
    let (key, vm) = admin::active_key(&state.store, &state.kek, org).await?;
    // As for Data Integrity: after a rotation the cached DID document may lack the new key.
    state.forget_local_unless(&format!("/orgs/{}/did.json", org.slug), &vm);
    let token = state
        .pool
        .run(move || {
            let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
            let opts = ler_sdjwt::IssueOptions {
                vct: ler_sdjwt::EMPLOYMENT_VCT,
                holder: &holder,
                now,
                max_decoys: 3,
            };
            ler_sdjwt::issue(&claims, &paths, &key, &vm, &opts, &mut ler_sdjwt::os_salt)
        })
        .await?
        .map_err(|e| AppError::invalid("credential cannot be signed", e.to_string()))?;
    let token = Value::String(token);
    state
        .store
        .insert_credential(&CredentialRow {
            id: row_id,
            org_id: org.id,
            achievement_id: None,
            recipient: recipient.clone(),
            json: token.clone(),
            revocation: None,
            suspension: None,
            revoked: false,
            suspended: false,
            issued_at: now,
        })
        .await?;
    state.metrics.issued.fetch_add(1, Ordering::Relaxed);
    tracing::info!(org = %org.slug, "credential issued as an SD-JWT VC");
    // The event names the record by the fields of the credential it was made from.
    crate::webhooks::issued(state, org, &unsigned).await;
    crate::cbo::issued(state, &unsigned, recipient.as_deref()).await;
    Ok(token)
}

async fn allocate(
    state: &AppState,
    org: &Org,
    purpose: Purpose,
    now: i64,
) -> Result<(ler_store::StatusListRow, u64), AppError> {
    let new_list_id = ids::hex(&ids::random_bytes::<8>()?);
    Ok(state
        .store
        .allocate_status_index(org.id, purpose, LIST_SIZE, &new_list_id, now)
        .await?)
}

/// The URL of a status list credential: [`ler_batch::status_list_url`].
pub(crate) fn list_url(state: &AppState, org: &Org, list_id: &str) -> String {
    ler_batch::status_list_url(&state.public_url.base(), &org.slug, list_id)
}

fn status_entry(state: &AppState, org: &Org, list: &ler_store::StatusListRow, index: u64) -> Value {
    ler_batch::status_entry(
        &list_url(state, org, &list.list_id),
        list.purpose.as_str(),
        index,
    )
}

/// `POST /credentials/status`: `{credentialId, credentialStatus: {statusPurpose}, status}`.
/// Revocation is final; suspension can be lifted with `status: false`.
pub async fn update_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let principal = authorize(&state, &headers, &Method::POST, None, Scope::Revoke, None).await?;
    let request = body.fields()?;
    let id = request
        .get("credentialId")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::BadRequest("credentialId is required".into()))?;
    let purpose = request
        .get("credentialStatus")
        .and_then(|s| s.get("statusPurpose"))
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::BadRequest("credentialStatus.statusPurpose is required".into()))?;
    let purpose = match purpose {
        "revocation" => Purpose::Revocation,
        "suspension" => Purpose::Suspension,
        other => {
            return Err(AppError::BadRequest(format!(
                "statusPurpose must be revocation or suspension, not {other:?}"
            )));
        }
    };
    let value = request
        .get("status")
        .and_then(Value::as_bool)
        .ok_or_else(|| AppError::BadRequest("status must be true or false".into()))?;
    let row = state
        .store
        .credential(id)
        .await?
        .filter(|r| r.org_id == principal.org_id())
        .ok_or_else(|| AppError::NotFound(format!("credential {id} not found")))?;
    let updated = match (purpose, value) {
        (Purpose::Revocation, _) if row.revocation.is_none() => {
            return Err(AppError::Conflict(format!(
                "credential {id} has no status entry (it was issued as an SD-JWT VC), so it cannot be revoked or suspended"
            )));
        }
        (Purpose::Revocation, false) if row.revoked => {
            return Err(AppError::Conflict(format!(
                "credential {id} is revoked, and revoking is final"
            )));
        }
        (Purpose::Revocation, false) => row,
        (Purpose::Revocation, true) if row.revoked => row,
        (Purpose::Revocation, true) => {
            let r = state
                .store
                .set_credential_status(id, purpose, true, state.now())
                .await?;
            state.metrics.revoked.fetch_add(1, Ordering::Relaxed);
            tracing::info!(credential = id, "credential revoked");
            crate::webhooks::revoked(&state, &r).await;
            r
        }
        (Purpose::Suspension, _) if row.suspension.is_none() => {
            return Err(AppError::Conflict(format!(
                "credential {id} has no suspension entry, so it cannot be suspended: issue with options.suspendable true for one"
            )));
        }
        (Purpose::Suspension, v) => {
            let r = state
                .store
                .set_credential_status(id, purpose, v, state.now())
                .await?;
            if v {
                state.metrics.suspended.fetch_add(1, Ordering::Relaxed);
            }
            tracing::info!(
                credential = id,
                suspended = v,
                "credential suspension changed"
            );
            r
        }
    };
    // Verifications through this instance see the change at once.
    state.forget_local();
    Ok(Json(json!({
        "credentialId": updated.id,
        "revoked": updated.revoked,
        "suspended": updated.suspended,
    }))
    .into_response())
}
