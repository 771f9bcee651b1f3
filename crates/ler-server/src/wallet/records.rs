//! The holder's view of the whole record: cards grouped as education, employment and other,
//! and each record in detail; the status is re-checked on view (re-verified, reused for
//! [`STATUS_TTL`](super::STATUS_TTL) seconds per record).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ler_store::Holder;
use ler_verify::{Options, Verifier};
use ler_wallet::{Record, RecordKind};
use serde_json::{Value, json};

use super::{holder_records, signed_in};
use crate::body::Body;
use crate::{AppError, AppState, ids};

/// One word for a report: `verified`, `revoked`, `suspended`, `expired` or `unverified`.
pub(crate) fn status_of(report: &Value) -> &'static str {
    if report.get("verified") == Some(&Value::Bool(true)) {
        return "verified";
    }
    let failed = report
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| c.get("status").and_then(Value::as_str) == Some("failed"));
    let mut word = "unverified";
    for check in failed {
        let name = check.get("check").and_then(Value::as_str).unwrap_or("");
        let message = check.get("message").and_then(Value::as_str).unwrap_or("");
        if name.starts_with("status") && message.starts_with("revoked") {
            return "revoked";
        }
        if name.starts_with("status") && message.starts_with("suspended") {
            word = "suspended";
        } else if name == "validity" && message.starts_with("expired") && word == "unverified" {
            word = "expired";
        }
    }
    word
}

/// A record's card: what a list shows. `current` is the re-checked report and when.
pub(crate) fn card_json(record: &Record, current: Option<(i64, &Value)>) -> Value {
    let s = &record.summary;
    let status = status_of(current.map_or(&record.report, |(_, r)| r));
    let mut card = json!({
        "id": record.id,
        "kind": record.kind.as_str(),
        "title": s.name,
        "description": s.description,
        "issuer": {"id": s.issuer, "name": s.issuer_name},
        "validFrom": s.valid_from,
        "validUntil": s.valid_until,
        "awarded": s.awarded,
        "received": ids::format_datetime(record.received_at),
        "status": status,
        "statusChecked": ids::format_datetime(current.map_or(record.received_at, |(at, _)| at)),
        "skills": s.skills,
    });
    if let Some(employment) = &s.employment {
        card["employment"] = json!(employment);
    }
    card
}

/// A record in detail: its card, the credential, the report at receipt and the re-checked one.
pub(crate) fn record_json(record: &Record, current: Option<(i64, &Value)>) -> Value {
    let mut doc = card_json(record, current);
    doc["credential"] = record.credential.clone();
    doc["fingerprint"] = record.fingerprint.clone().into();
    doc["report"] = record.report.clone();
    doc["currentReport"] = current.map_or_else(|| record.report.clone(), |(_, r)| r.clone());
    doc
}

/// The re-checked reports of `records`: from the cache when checked in the last minute, else
/// verified again (all in one job on the worker pool) and cached.
pub(crate) async fn recheck(
    state: &AppState,
    holder: &Holder,
    records: &[Record],
) -> Result<HashMap<String, (i64, Value)>, AppError> {
    let now = state.now();
    let mut out = HashMap::new();
    let mut stale = Vec::new();
    for record in records {
        match state.wallet.status(&holder.id, &record.id, now) {
            Some(hit) => {
                out.insert(record.id.clone(), hit);
            }
            None => stale.push((record.id.clone(), record.credential.clone())),
        }
    }
    if stale.is_empty() {
        return Ok(out);
    }
    let documents = state.documents;
    let status_cache = state.status_cache.clone();
    let fresh = state
        .blocking(move |fetcher| {
            let verifier = Verifier::new(Options {
                documents,
                fetcher,
                trust: None,
                now,
                recipient: None,
                challenge: None,
                domain: None,
                status_cache: Some(&status_cache),
            });
            stale
                .into_iter()
                .map(|(id, credential)| {
                    let report = match &credential {
                        Value::String(jwt) => verifier.verify_bytes(jwt.as_bytes()),
                        doc => verifier.verify_value(doc),
                    };
                    (id, report.to_json())
                })
                .collect::<Vec<_>>()
        })
        .await?;
    for (id, report) in fresh {
        state
            .wallet
            .put_status(&holder.id, &id, now, report.clone());
        out.insert(id, (now, report));
    }
    Ok(out)
}

/// `GET /wallet/records`: every record as a card, grouped (`education`, `employment`,
/// `other`), newest first, with its status re-checked.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let signed = signed_in(&state, &headers, &Method::GET, None).await?;
    let key = signed.data_key(&state)?;
    let mut records = holder_records(&state, &signed.holder, &key).await?;
    records.reverse();
    let current = recheck(&state, &signed.holder, &records).await?;
    let mut groups: HashMap<RecordKind, Vec<Value>> = HashMap::new();
    for record in &records {
        let now = current.get(&record.id).map(|(at, r)| (*at, r));
        groups
            .entry(record.kind)
            .or_default()
            .push(card_json(record, now));
    }
    let mut group = |kind| groups.remove(&kind).unwrap_or_default();
    Ok(Json(json!({
        "count": records.len(),
        "education": group(RecordKind::Education),
        "employment": group(RecordKind::Employment),
        "other": group(RecordKind::Other),
    }))
    .into_response())
}

/// The holder's record `id`, opened; 404 when the holder has none by that id.
pub(crate) async fn one(
    state: &AppState,
    holder: &Holder,
    key: &ler_wallet::DataKey,
    id: &str,
) -> Result<Record, AppError> {
    let row = state
        .store
        .wallet_record(&holder.id, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("record {id} not found")))?;
    Ok(Record::open(key, &holder.id, &row.id, &row.sealed)?)
}

/// `GET /wallet/records/<id>`: the record in detail: card, credential, the report at receipt
/// and the status re-checked now (or in the last minute).
pub async fn detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let signed = signed_in(&state, &headers, &Method::GET, None).await?;
    let key = signed.data_key(&state)?;
    let record = one(&state, &signed.holder, &key, &id).await?;
    let current = recheck(&state, &signed.holder, std::slice::from_ref(&record)).await?;
    let now = current.get(&record.id).map(|(at, r)| (*at, r));
    Ok(Json(record_json(&record, now)).into_response())
}

/// `DELETE /wallet/records/<id>` → 204. Grants that name it stop giving it.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let fields = body.fields().unwrap_or_default();
    let signed = signed_in(
        &state,
        &headers,
        &Method::DELETE,
        fields.get("csrf").and_then(Value::as_str),
    )
    .await?;
    if state
        .store
        .delete_wallet_record(&signed.holder.id, &id)
        .await?
    {
        state.wallet.forget(&signed.holder.id, Some(&id));
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AppError::NotFound(format!("record {id} not found")))
    }
}
