//! Consent: giving a grant (with its signed consent receipt and a share link), listing and
//! revoking grants, the access log, and presenting granted records on a recipient's request.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ler_store::{
    AccessDecision, AccessDenial, AccessKey, AccessRequest, GrantRow, Holder, ShareLink,
};
use ler_wallet::{
    Access, Consent, EmploymentField, Grant, GrantSpec, GrantedRecord, Purpose, Recipient, Record,
};
use serde_json::{Map, Value, json};

use super::disclose::granted_records;
use super::{Signed, holder_records, required, signed_in, text_field};
use crate::body::Body;
use crate::{AppError, AppState, ids};

/// The recipient a holder names: an organization in ler (by slug or DID), or an outside
/// verifier by `https://` URL, DID or email address.
pub(crate) async fn resolve_recipient(state: &AppState, text: &str) -> Result<Recipient, AppError> {
    if let Some(org) = state.store.org_by_slug(text).await? {
        return Ok(Recipient::Organization(org.did));
    }
    if text.starts_with("did:")
        && let Some(org) = state.store.org_by_did(text).await?
    {
        return Ok(Recipient::Organization(org.did));
    }
    Ok(Recipient::verifier(text)?)
}

/// A recipient key as the store files it (`org|did:web:…`, `email|…`) → `{type, id, name?}`,
/// with an organization's name looked up (and remembered in `names`).
pub(crate) async fn recipient_json(
    state: &AppState,
    key: &str,
    names: &mut HashMap<String, Option<String>>,
) -> Result<Value, AppError> {
    let (kind, id) = key.split_once('|').unwrap_or(("unknown", key));
    let kind = match kind {
        "org" => "organization",
        other => other,
    };
    let mut out = json!({"type": kind, "id": id});
    if kind == "organization" {
        let name = match names.get(id) {
            Some(name) => name.clone(),
            None => {
                let name = state.store.org_by_did(id).await?.map(|o| o.name);
                names.insert(id.to_owned(), name.clone());
                name
            }
        };
        if let Some(name) = name {
            out["name"] = name.into();
            if let Some(slug) = id.rsplit(':').next() {
                out["slug"] = slug.into();
            }
        }
    }
    Ok(out)
}

/// What became of a grant: `active`, `revoked`, `expired` or `used` (a one-time grant that
/// served its access).
pub(crate) fn grant_state(row: &GrantRow, now: i64) -> &'static str {
    if row.revoked_at.is_some() {
        "revoked"
    } else if now >= row.expires_at {
        "expired"
    } else if row.one_time && row.used_count >= 1 {
        "used"
    } else {
        "active"
    }
}

/// A grant as the holder sees it: what was consented to and what became of it.
async fn grant_json(
    state: &AppState,
    grant: &Grant,
    row: &GrantRow,
    titles: &HashMap<String, Option<String>>,
    names: &mut HashMap<String, Option<String>>,
) -> Result<Value, AppError> {
    let records: Vec<Value> = grant
        .records
        .iter()
        .map(|r| {
            let mut v = json!({
                "recordId": r.record_id,
                "title": titles.get(&r.record_id).cloned().flatten(),
            });
            if let Some(fields) = &r.fields {
                v["fields"] = json!(fields);
            }
            v
        })
        .collect();
    Ok(json!({
        "id": grant.id,
        "recipient": recipient_json(state, &row.recipient, names).await?,
        "purposes": grant.purposes,
        "purposeText": grant.purpose_text,
        "records": records,
        "access": grant.access.as_str(),
        "created": ids::format_datetime(grant.created_at),
        "expires": ids::format_datetime(grant.expires_at),
        "revoked": row.revoked_at.map(ids::format_datetime),
        "usedCount": row.used_count,
        "state": grant_state(row, state.now()),
    }))
}

/// A list of strings from JSON (an array, or one string) or a form (comma-separated).
fn strings(fields: &Map<String, Value>, name: &str) -> Result<Vec<String>, AppError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|s| s.trim().to_owned())
                    .ok_or_else(|| AppError::BadRequest(format!("{name} must be strings")))
            })
            .collect(),
        Some(_) => Err(AppError::BadRequest(format!(
            "{name} must be an array of strings"
        ))),
    }
}

/// An expiry as a date-time, or a date (the grant then lasts through that day, UTC).
fn parse_expiry(text: &str) -> Result<i64, AppError> {
    let at = ler_model::datetime::parse_date_or_datetime(text)
        .map_err(|e| AppError::invalid("invalid grant", format!("expires: {e}")))?;
    Ok(if text.as_bytes().get(10) == Some(&b'T') {
        at
    } else {
        at + 86_400
    })
}

/// The grant a `POST /wallet/grants` body asks for.
async fn spec_of(state: &AppState, fields: &Map<String, Value>) -> Result<GrantSpec, AppError> {
    let recipient = resolve_recipient(state, &required(fields, "recipient")?).await?;
    let purposes = strings(fields, "purposes")?
        .iter()
        .map(|p| {
            Purpose::parse(p).ok_or_else(|| {
                let known: Vec<&str> = Purpose::ALL.iter().map(|p| p.as_str()).collect();
                AppError::invalid(
                    "invalid grant",
                    format!("unknown purpose {p:?}; choose from {}", known.join(", ")),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let record_ids = strings(fields, "recordIds")?;
    let mut restricted: HashMap<String, Vec<EmploymentField>> = HashMap::new();
    match fields.get("fields") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (record_id, names) in map {
                if !record_ids.contains(record_id) {
                    return Err(AppError::invalid(
                        "invalid grant",
                        format!(
                            "fields are named for record {record_id}, which the grant does not name"
                        ),
                    ));
                }
                let names = names.as_array().ok_or_else(|| {
                    AppError::BadRequest(format!("fields.{record_id} must be an array"))
                })?;
                let parsed = names
                    .iter()
                    .map(|n| {
                        n.as_str().and_then(EmploymentField::parse).ok_or_else(|| {
                            let known: Vec<&str> =
                                EmploymentField::ALL.iter().map(|f| f.as_str()).collect();
                            AppError::invalid(
                                "invalid grant",
                                format!(
                                    "unknown employment field {n}; choose from {}",
                                    known.join(", ")
                                ),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                restricted.insert(record_id.clone(), parsed);
            }
        }
        Some(_) => {
            return Err(AppError::BadRequest(
                "fields must be an object: {recordId: [field, …]}".into(),
            ));
        }
    }
    let access = match required(fields, "access")?.as_str() {
        "one-time" => Access::OneTime,
        "repeated" => Access::Repeated,
        other => {
            return Err(AppError::invalid(
                "invalid grant",
                format!("access must be one-time or repeated, not {other:?}"),
            ));
        }
    };
    Ok(GrantSpec {
        recipient,
        purposes,
        purpose_text: text_field(fields, "purposeText")?,
        records: record_ids
            .into_iter()
            .map(|record_id| GrantedRecord {
                fields: restricted.remove(&record_id),
                record_id,
            })
            .collect(),
        expires_at: parse_expiry(&required(fields, "expires")?)?,
        access,
    })
}

/// A grant given, stored, with a share link: what [`give`] returns.
pub(crate) struct Given {
    pub consent: Consent,
    pub row: GrantRow,
    pub share_url: String,
}

/// Gives a grant: checks it against the holder's records (and that every restricted record can
/// be shown in part), signs its consent receipt, stores it sealed, and makes a share link
/// lasting as long as the grant.
pub(crate) async fn give(
    state: &AppState,
    holder: &Holder,
    records: Vec<Record>,
    spec: GrantSpec,
) -> Result<Given, AppError> {
    let now = state.now();
    let data_key = super::data_key(state, holder)?;
    let grant = Grant::new(ler_wallet::new_id("g")?, &holder.did, spec, &records, now)?;
    let kek = state.kek.clone();
    let encrypted_key = holder.encrypted_key.clone();
    let documents = state.documents;
    let signing = grant.clone();
    let receipt = state
        .pool
        .run(move || {
            let key = ler_wallet::holder_key(&kek, &encrypted_key)?;
            // A dry run of the disclosure: a record restricted to some fields that cannot be
            // shown in part is refused now, not when the recipient comes to read it.
            let recipient = signing.recipient.iri();
            ler_wallet::shared_credentials(&signing, &records, &key, &signing.id, &recipient, now)?;
            ler_wallet::consent_receipt(&signing, &records, &key, documents, now)
        })
        .await??;
    let consent = Consent { grant, receipt };
    let row = GrantRow {
        id: consent.grant.id.clone(),
        holder_id: holder.id.clone(),
        recipient: consent.grant.recipient.key(),
        record_ids: consent.grant.record_ids(),
        sealed: consent.seal(&data_key, &holder.id)?,
        created_at: now,
        expires_at: consent.grant.expires_at,
        one_time: consent.grant.access == Access::OneTime,
        used_count: 0,
        revoked_at: None,
    };
    state.store.insert_grant(&row).await?;
    let (token, token_hash) = ler_wallet::new_share_token()?;
    state
        .store
        .create_share_link(&ShareLink {
            token_hash,
            grant_id: row.id.clone(),
            created_at: now,
            expires_at: row.expires_at,
        })
        .await?;
    let share_url = format!("{}/share/{}", state.public_url.base(), token.as_str());
    crate::webhooks::shared(state, &consent.grant).await;
    Ok(Given {
        consent,
        row,
        share_url,
    })
}

/// Record titles by id, for grants and the log.
fn titles(records: &[Record]) -> HashMap<String, Option<String>> {
    records
        .iter()
        .map(|r| (r.id.clone(), r.summary.name.clone()))
        .collect()
}

/// `POST /wallet/grants`: `{recipient, purposes[], purposeText?, recordIds[], fields?:
/// {recordId: [field…]}, expires, access: one-time|repeated}` → 201 `{grant, receipt,
/// shareUrl, qrSvg}`. The recipient is an organization's slug (or DID) in ler, or an outside
/// verifier's https URL, DID or email address.
pub async fn create_grant(
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
    let spec = spec_of(&state, &fields).await?;
    let key = signed.data_key(&state)?;
    let records = holder_records(&state, &signed.holder, &key).await?;
    let titles = titles(&records);
    let given = give(&state, &signed.holder, records, spec).await?;
    let qr = ler_wallet::qr_svg(&given.share_url, "QR code of the share link")?;
    let mut names = HashMap::new();
    let grant = grant_json(
        &state,
        &given.consent.grant,
        &given.row,
        &titles,
        &mut names,
    )
    .await?;
    tracing::info!(holder = %signed.holder.id, grant = %given.row.id, "grant given");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "grant": grant,
            "receipt": given.consent.receipt,
            "shareUrl": given.share_url,
            "qrSvg": qr,
        })),
    )
        .into_response())
}

/// `GET /wallet/grants`: every grant the holder gave, newest first, with its receipt and what
/// became of it.
pub async fn list_grants(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Signed { holder, .. } = signed_in(&state, &headers, &Method::GET, None).await?;
    let key = super::data_key(&state, &holder)?;
    let titles = titles(&holder_records(&state, &holder, &key).await?);
    let mut names = HashMap::new();
    let mut out = Vec::new();
    for row in state.store.holder_grants(&holder.id).await? {
        let consent = Consent::open(&key, &holder.id, &row.id, &row.sealed)?;
        let mut grant = grant_json(&state, &consent.grant, &row, &titles, &mut names).await?;
        grant["receipt"] = consent.receipt;
        out.push(grant);
    }
    Ok(Json(json!({"grants": out})).into_response())
}

/// `POST /wallet/grants/<id>/revoke`: one action; from its commit on, no read through the
/// grant (its share links, its recipient, a presentation) is served. Revoking again changes
/// nothing.
pub async fn revoke_grant(
    State(state): State<AppState>,
    Path(id): Path<String>,
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
    let revocation = state
        .store
        .revoke_grant(&signed.holder.id, &id, state.now())
        .await
        .map_err(|e| match e {
            ler_store::StoreError::NotFound(_) => {
                AppError::NotFound(format!("grant {id} not found"))
            }
            other => other.into(),
        })?;
    tracing::info!(holder = %signed.holder.id, grant = %id, "grant revoked");
    Ok(Json(json!({
        "id": id,
        "state": "revoked",
        "revoked": ids::format_datetime(revocation.revoked_at),
        "usedCount": revocation.used_count,
    }))
    .into_response())
}

/// `GET /wallet/log`: every access to the holder's records, in order: who (the grant's
/// recipient), when, what, through which grant, and how (share link or as the recipient).
pub async fn access_log(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Signed { holder, .. } = signed_in(&state, &headers, &Method::GET, None).await?;
    let key = super::data_key(&state, &holder)?;
    let titles = titles(&holder_records(&state, &holder, &key).await?);
    let mut names = HashMap::new();
    let mut entries = Vec::new();
    for row in state.store.access_log(&holder.id).await? {
        let records: Vec<Value> = row
            .record_ids
            .iter()
            .map(|id| json!({"id": id, "title": titles.get(id).cloned().flatten()}))
            .collect();
        entries.push(json!({
            "seq": row.seq,
            "at": ids::format_datetime(row.at),
            "grantId": row.grant_id,
            "recipient": recipient_json(&state, &row.recipient, &mut names).await?,
            "records": records,
            "via": match row.via {
                ler_store::AccessVia::Link => "link",
                ler_store::AccessVia::Grant => "grant",
            },
        }));
    }
    Ok(Json(json!({"entries": entries})).into_response())
}

/// `POST /wallet/present`: `{grantId, challenge, domain?}` → `{verifiablePresentation}`, signed
/// by the holder for the recipient's challenge and domain, holding exactly the records the
/// grant gives (employment fields as SD-JWT VC presentations). It is a disclosure: decided,
/// counted and logged through the grant like any other read.
pub async fn present(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields()?;
    let Signed { holder, .. } = signed_in(
        &state,
        &headers,
        &Method::POST,
        fields.get("csrf").and_then(Value::as_str),
    )
    .await?;
    let grant_id = required(&fields, "grantId")?;
    let challenge = required(&fields, "challenge")?;
    let domain = text_field(&fields, "domain")?.filter(|d| !d.is_empty());
    let row = state
        .store
        .grant(&grant_id)
        .await?
        .filter(|g| g.holder_id == holder.id)
        .ok_or_else(|| AppError::NotFound(format!("grant {grant_id} not found")))?;
    let now = state.now();
    let decision = state
        .store
        .authorize_access(&AccessRequest {
            key: AccessKey::Grant {
                grant_id: row.id.clone(),
                recipient: row.recipient.clone(),
            },
            record_ids: None,
            now,
        })
        .await?;
    let (row, entry) = match decision {
        AccessDecision::Allowed { grant, entry } => (*grant, entry),
        AccessDecision::Denied(denial) => {
            let why = match denial {
                AccessDenial::Revoked => "the grant was revoked",
                AccessDenial::Expired => "the grant has expired",
                AccessDenial::UsedUp => "the grant was for one access, and it was used",
                AccessDenial::NotGranted | AccessDenial::Unknown => {
                    "the records the grant names are no longer in the wallet"
                }
            };
            return Err(AppError::Conflict(format!(
                "nothing can be presented: {why}"
            )));
        }
    };
    let (grant, records) = granted_records(&state, &holder, &row, &entry.record_ids).await?;
    let kek = state.kek.clone();
    let encrypted_key = holder.encrypted_key.clone();
    let documents = state.documents;
    let vp = state
        .pool
        .run(move || {
            let key = ler_wallet::holder_key(&kek, &encrypted_key)?;
            ler_wallet::share_presentation(
                &grant,
                &records,
                &key,
                Some(&challenge),
                domain.as_deref(),
                documents,
                now,
            )
        })
        .await??;
    Ok(Json(json!({"verifiablePresentation": vp})).into_response())
}
