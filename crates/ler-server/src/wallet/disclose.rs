//! What recipients read: a share link's records (`/share/<token>`, one record at
//! `/share/<token>/<record>` — where the printable LER's QR codes lead), and for organizations
//! in ler the grants made to them. Every read goes through `Store::authorize_access`, which
//! decides, counts and logs it in one transaction; whatever a link or grant does not give
//! answers 404, the same for every reason.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use ler_store::{AccessDecision, AccessKey, AccessRequest, GrantRow, Holder, Org, Scope};
use ler_verify::{Options, Verifier};
use ler_wallet::{Consent, Grant, Recipient, Record};
use serde_json::{Value, json};

use super::consent::{grant_state, recipient_json};
use super::data_key;
use crate::auth::authorize;
use crate::{AppError, AppState, ids};

/// The one answer for every refusal.
fn nothing_here() -> AppError {
    AppError::NotFound("nothing is shared here".into())
}

/// The grant (opened) restricted to `record_ids` — the records the store says this access
/// reads — and those records, opened.
pub(crate) async fn granted_records(
    state: &AppState,
    holder: &Holder,
    row: &GrantRow,
    record_ids: &[String],
) -> Result<(Grant, Vec<Record>), AppError> {
    let key = data_key(state, holder)?;
    let consent = Consent::open(&key, &holder.id, &row.id, &row.sealed)?;
    let mut records = Vec::with_capacity(record_ids.len());
    for id in record_ids {
        if let Some(r) = state.store.wallet_record(&holder.id, id).await? {
            records.push(Record::open(&key, &holder.id, &r.id, &r.sealed)?);
        }
    }
    let mut grant = consent.grant;
    grant
        .records
        .retain(|g| records.iter().any(|r| r.id == g.record_id));
    Ok((grant, records))
}

/// What an allowed read gives: the grant, the holder, and each record it names with the
/// credential shown (whole, or an employment record's chosen fields as an SD-JWT VC
/// presentation bound to `nonce` and `audience`) and a verification report made now.
pub(crate) struct Disclosed {
    /// The grant's row (its recipient key, its state).
    pub row: GrantRow,
    /// The holder who gave it.
    pub holder: Holder,
    /// The grant, restricted to the records read.
    pub grant: Grant,
    /// The records, opened.
    pub records: Vec<Record>,
    /// The nonce presentations are bound to.
    pub nonce: String,
    /// The audience presentations are bound to (the recipient).
    pub audience: String,
    /// Per record of the grant, in its order: what is shown, whether it is shown in part,
    /// and its report.
    pub shown: Vec<(Value, bool, Value)>,
    /// When it was verified, seconds since the epoch.
    pub verified_at: i64,
}

/// Reads what an allowed access gives (see [`Disclosed`]); 404 for a denied one, or one
/// whose holder or records are gone.
pub(crate) async fn disclosed(
    state: &AppState,
    decision: AccessDecision,
) -> Result<Disclosed, AppError> {
    let (row, entry) = match decision {
        AccessDecision::Allowed { grant, entry } => (*grant, entry),
        AccessDecision::Denied(_) => return Err(nothing_here()),
    };
    // Erased between the decision and now: nothing left to show.
    let holder = state
        .store
        .holder(&row.holder_id)
        .await?
        .ok_or_else(nothing_here)?;
    let (grant, records) = granted_records(state, &holder, &row, &entry.record_ids).await?;
    if records.is_empty() {
        return Err(nothing_here());
    }
    let now = state.now();
    let nonce = ids::token()?;
    let audience = grant.recipient.iri();
    let kek = state.kek.clone();
    let encrypted_key = holder.encrypted_key.clone();
    let (g, r, n, a) = (
        grant.clone(),
        records.clone(),
        nonce.clone(),
        audience.clone(),
    );
    let shared = state
        .pool
        .run(move || {
            let key = ler_wallet::holder_key(&kek, &encrypted_key)?;
            ler_wallet::shared_credentials(&g, &r, &key, &n, &a, now)
        })
        .await??;
    // Which of them are shown in part (an SD-JWT presentation, not the record as received).
    let parts: Vec<(Value, bool)> = shared
        .into_iter()
        .zip(&grant.records)
        .map(|(credential, granted)| {
            let whole = records
                .iter()
                .find(|r| r.id == granted.record_id)
                .is_some_and(|r| r.credential == credential);
            (credential, !whole)
        })
        .collect();
    let documents = state.documents;
    let status_cache = state.status_cache.clone();
    let (n, a) = (nonce.clone(), audience.clone());
    let shown = state
        .blocking(move |fetcher| {
            let options = |bound: bool| Options {
                documents,
                fetcher,
                trust: None,
                now,
                recipient: None,
                challenge: bound.then(|| n.clone()),
                domain: bound.then(|| a.clone()),
                status_cache: Some(&status_cache),
            };
            let (plain, bound) = (Verifier::new(options(false)), Verifier::new(options(true)));
            parts
                .into_iter()
                .map(|(credential, part)| {
                    let verifier = if part { &bound } else { &plain };
                    let report = match &credential {
                        Value::String(text) => verifier.verify_bytes(text.as_bytes()),
                        doc => verifier.verify_value(doc),
                    }
                    .to_json();
                    (credential, part, report)
                })
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(Disclosed {
        row,
        holder,
        grant,
        records,
        nonce,
        audience,
        shown,
        verified_at: now,
    })
}

/// The answer to an allowed read: the grant's terms and each record it gives (see
/// [`disclosed`]).
async fn disclosure(state: &AppState, decision: AccessDecision) -> Result<Response, AppError> {
    let Disclosed {
        row,
        holder,
        grant,
        records,
        nonce,
        audience,
        shown: parts,
        ..
    } = disclosed(state, decision).await?;
    let shown: Vec<Value> = grant
        .records
        .iter()
        .zip(parts)
        .map(|(granted, (credential, part, report))| {
            let record = records.iter().find(|r| r.id == granted.record_id);
            let mut out = json!({
                "recordId": granted.record_id,
                "kind": record.map(|r| r.kind.as_str()),
                "credential": credential,
                "verification": report,
            });
            if part {
                out["fields"] = json!(granted.fields);
            } else if let Some(r) = record {
                // The title and issuer name are in the credential shown whole anyway.
                out["title"] = json!(r.summary.name);
                out["issuerName"] = json!(r.summary.issuer_name);
            }
            out
        })
        .collect();
    let mut names = HashMap::new();
    let mut body = json!({
        "grant": {
            "id": grant.id,
            "holder": grant.holder,
            "recipient": recipient_json(state, &row.recipient, &mut names).await?,
            "purposes": grant.purposes,
            "purposeText": grant.purpose_text,
            "access": grant.access.as_str(),
            "expires": ids::format_datetime(grant.expires_at),
        },
        "nonce": nonce,
        "audience": audience,
        "records": shown,
    });
    // The receipt goes with the records, unless it names a record shared in part by its
    // title (which may be a withheld field, an employment record's position): receipts made
    // before titles were left out of them for such records.
    let key = data_key(state, &holder)?;
    let consent = Consent::open(&key, &holder.id, &row.id, &row.sealed)?;
    if !names_a_partial_record(&consent.receipt) {
        body["receipt"] = consent.receipt;
    }
    let mut res = Json(body).into_response();
    res.headers_mut()
        .insert(super::NO_STORE.0, super::NO_STORE.1);
    Ok(res)
}

/// Decides a read through a share link and answers it.
async fn through_link(
    state: &AppState,
    token: &str,
    record_ids: Option<Vec<String>>,
) -> Result<Response, AppError> {
    let decision = state
        .store
        .authorize_access(&AccessRequest {
            key: AccessKey::ShareLink(ler_wallet::hash_token(token)),
            record_ids,
            now: state.now(),
        })
        .await?;
    disclosure(state, decision).await
}

/// `GET /share/<token>`: the records the link's grant gives, verified; 404 for an unknown,
/// revoked, expired or used-up link alike.
pub async fn share(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    through_link(&state, &token, None).await
}

/// `GET /share/<token>/<record>`: one record the link's grant gives (the printable LER's QR
/// codes lead here); 404 as for the whole link, and for a record the grant does not name.
pub async fn share_record(
    State(state): State<AppState>,
    Path((token, record_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    through_link(&state, &token, Some(vec![record_id])).await
}

/// The organization at `slug`, and the check that the caller may read for it (API key with
/// the `read` scope, or its staff).
async fn reader_of(state: &AppState, slug: &str, headers: &HeaderMap) -> Result<Org, AppError> {
    let org = state
        .store
        .org_by_slug(slug)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("organization {slug} not found")))?;
    authorize(state, headers, &Method::GET, None, Scope::Read, Some(&org)).await?;
    Ok(org)
}

/// `GET /orgs/<slug>/grants` (read scope or staff): the grants holders gave this
/// organization that are active now — not revoked, expired or used up.
pub async fn org_grants(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = reader_of(&state, &slug, &headers).await?;
    let rows = state
        .store
        .recipient_grants(&Recipient::Organization(org.did.clone()).key())
        .await?;
    let now = state.now();
    let mut out = Vec::new();
    for row in rows.iter().filter(|r| grant_state(r, now) == "active") {
        let Some(holder) = state.store.holder(&row.holder_id).await? else {
            continue;
        };
        let key = data_key(&state, &holder)?;
        let grant = Consent::open(&key, &holder.id, &row.id, &row.sealed)?.grant;
        out.push(json!({
            "id": grant.id,
            "holder": grant.holder,
            "purposes": grant.purposes,
            "purposeText": grant.purpose_text,
            "records": grant.records,
            "access": grant.access.as_str(),
            "created": ids::format_datetime(grant.created_at),
            "expires": ids::format_datetime(grant.expires_at),
            "usedCount": row.used_count,
            "recordsUrl": format!("/orgs/{}/grants/{}/records", org.slug, grant.id),
        }));
    }
    Ok(Json(json!({"grants": out})).into_response())
}

/// Reads what a grant naming `org` gives now — decided, counted and logged like any read —
/// with each record verified; 404 for any grant that does not (now) give it anything.
pub(crate) async fn read_org_grant(
    state: &AppState,
    org: &Org,
    grant_id: &str,
) -> Result<Disclosed, AppError> {
    let decision = state
        .store
        .authorize_access(&AccessRequest {
            key: AccessKey::Grant {
                grant_id: grant_id.to_owned(),
                recipient: Recipient::Organization(org.did.clone()).key(),
            },
            record_ids: None,
            now: state.now(),
        })
        .await?;
    disclosed(state, decision).await
}

/// `GET /orgs/<slug>/grants/<id>/records` (read scope or staff): the records a grant naming
/// this organization gives, verified; 404 for any grant that does not (now) give it anything.
pub async fn org_grant_records(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = reader_of(&state, &slug, &headers).await?;
    let decision = state
        .store
        .authorize_access(&AccessRequest {
            key: AccessKey::Grant {
                grant_id: id,
                recipient: Recipient::Organization(org.did).key(),
            },
            record_ids: None,
            now: state.now(),
        })
        .await?;
    disclosure(&state, decision).await
}

/// Whether a consent receipt names by title a record it shares in part.
fn names_a_partial_record(receipt: &Value) -> bool {
    receipt["credentialSubject"]["record"]
        .as_array()
        .is_some_and(|records| {
            records
                .iter()
                .any(|r| r.get("fields").is_some() && r.get("name").is_some())
        })
}
