//! Taking everything out: the `ler-wallet-export/v1` bundle and its import, and the printable
//! LER (HTML and PDF).
//!
//! **Where a printed QR code leads:** each printout is given as a grant of its own — every
//! record, whole, repeated access, for [`PRINT_DAYS`] days, to "the printout" (recipient
//! `<public URL>/wallet/print`, purpose `other`) — with a share link, and each record's code
//! leads to `<public URL>/share/<token>/<record id>`: that record, verified when it is read.
//! Since every printout gives a grant, printing is a `POST` (with the session's CSRF token),
//! never a `GET`.
//! So a printout is consent like any other: the holder sees it among the grants, every scan is
//! in the access log, and revoking the grant makes every code on the paper stop working.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use ler_store::Holder;
use ler_verify::{Options, Verifier};
use ler_wallet::{
    Access, AccessEntry, Consent, ExportedGrant, GrantSpec, GrantedRecord, LogHolder, Purpose,
    Recipient, Record,
};
use serde_json::{Value, json};

use super::consent::give;
use super::receive::store_record;
use super::records::card_json;
use super::{NO_STORE, Signed, data_key, holder_records, signed_in};
use crate::body::Body;
use crate::{AppError, AppState};

/// How long the codes of a printout work, in days.
pub const PRINT_DAYS: i64 = 365;

/// `GET /wallet/export`: everything the holder has — records (credential, report, summary),
/// grants with their receipts, the access log — as one `ler-wallet-export/v1` JSON document.
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Signed { holder, .. } = signed_in(&state, &headers, &Method::GET, None).await?;
    let key = data_key(&state, &holder)?;
    let records = holder_records(&state, &holder, &key).await?;
    let mut grants = Vec::new();
    for row in state.store.holder_grants(&holder.id).await? {
        let consent = Consent::open(&key, &holder.id, &row.id, &row.sealed)?;
        grants.push(ExportedGrant {
            grant: consent.grant,
            receipt: consent.receipt,
            revoked_at: row.revoked_at,
            used_count: u64::try_from(row.used_count).unwrap_or(0),
        });
    }
    let log: Vec<AccessEntry> = state
        .store
        .access_log(&holder.id)
        .await?
        .into_iter()
        .map(|row| AccessEntry {
            holder: LogHolder::Holder(holder.did.clone()),
            recipient: row.recipient,
            grant_id: row.grant_id,
            record_ids: row.record_ids,
            at: row.at,
        })
        .collect();
    let bundle = ler_wallet::export(&holder.did, &records, &grants, &log, state.now())?;
    Ok((
        [
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"ler-wallet-export.json\""),
            ),
            NO_STORE,
        ],
        Json(bundle),
    )
        .into_response())
}

/// `POST /wallet/import`: a `ler-wallet-export/v1` bundle → `{imported: [cards], duplicates:
/// [ids], grants}`. Every record is verified again (a bundle's reports are not taken on trust)
/// and stored; records the wallet has (by fingerprint) are skipped. Grants are not given again
/// by an import: `grants` counts those the bundle held.
pub async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let Signed { holder, .. } = signed_in(&state, &headers, &Method::POST, None).await?;
    let bundle = body.json()?;
    let key = data_key(&state, &holder)?;
    let existing = holder_records(&state, &holder, &key).await?;
    let imported = ler_wallet::import(&bundle, &existing)?;
    let now = state.now();
    let documents = state.documents;
    let status_cache = state.status_cache.clone();
    let incoming = imported.records;
    let verified = state
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
            incoming
                .into_iter()
                .map(|r| {
                    let report = match &r.credential {
                        Value::String(jwt) => verifier.verify_bytes(jwt.as_bytes()),
                        doc => verifier.verify_value(doc),
                    };
                    Record::from_parts(r.id, r.credential, report.to_json(), r.received_at)
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await??;
    let mut cards = Vec::new();
    let mut duplicates = imported.duplicates;
    for record in verified {
        let id = record.id.clone();
        let received = store_record(&state, &holder, &key, record).await?;
        if received.created {
            cards.push(card_json(&received.record, None));
        } else {
            duplicates.push(id);
        }
    }
    Ok(Json(json!({
        "imported": cards,
        "duplicates": duplicates,
        "grants": imported.grants.len(),
    }))
    .into_response())
}

/// The records to print and the base URL their codes lead to: a grant for the printout with a
/// share link (none when the wallet is empty).
async fn printout(state: &AppState, holder: &Holder) -> Result<(Vec<Record>, String), AppError> {
    let key = data_key(state, holder)?;
    let records = holder_records(state, holder, &key).await?;
    if records.is_empty() {
        return Ok((records, format!("{}/share", state.public_url.base())));
    }
    let spec = GrantSpec {
        recipient: Recipient::Url(format!("{}/wallet/print", state.public_url.base())),
        purposes: vec![Purpose::Other],
        purpose_text: Some(
            "A printed Learning and Employment Record: whoever holds the printout may verify \
             these records by their QR codes"
                .into(),
        ),
        records: records
            .iter()
            .map(|r| GrantedRecord {
                record_id: r.id.clone(),
                fields: None,
            })
            .collect(),
        expires_at: state.now() + PRINT_DAYS * 86_400,
        access: Access::Repeated,
    };
    let given = give(state, holder, records.clone(), spec)
        .await
        .map_err(|e| match e {
            AppError::Conflict(_) => AppError::Internal("a print grant id was taken".into()),
            other => other,
        })?;
    tracing::info!(holder = %holder.id, grant = %given.row.id, "printout grant given");
    Ok((records, given.share_url))
}

/// The signed-in holder asking for a printout. Printing gives a grant, so it is a POST with the
/// session's CSRF token (header `X-CSRF-Token`, or `csrf` in a form or JSON body); the body
/// may be empty when the header carries it.
async fn print_holder(
    state: &AppState,
    headers: &HeaderMap,
    body: &Body,
) -> Result<Holder, AppError> {
    let fields = if body.is_empty() {
        serde_json::Map::new()
    } else {
        body.fields()?
    };
    let csrf = fields.get("csrf").and_then(Value::as_str);
    let Signed { holder, .. } = signed_in(state, headers, &Method::POST, csrf).await?;
    Ok(holder)
}

/// `POST /wallet/print`: the printable LER as one self-contained HTML page, a QR code per record
/// leading to its verification (see the module notes on the printout's grant).
pub async fn print_html(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let holder = print_holder(&state, &headers, &body).await?;
    let (records, base) = printout(&state, &holder).await?;
    let html = state
        .pool
        .run(move || ler_wallet::printable_html(&records, &base))
        .await??;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            NO_STORE,
        ],
        html,
    )
        .into_response())
}

/// `POST /wallet/print.pdf`: the printable LER as a PDF, a QR code (with a link) per record
/// (CSRF as for [`print_html`]).
pub async fn print_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let holder = print_holder(&state, &headers, &body).await?;
    let (records, base) = printout(&state, &holder).await?;
    let pdf = state
        .pool
        .run(move || ler_wallet::printable_pdf(&records, &base))
        .await??;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"learning-and-employment-record.pdf\""),
            ),
            NO_STORE,
        ],
        pdf,
    )
        .into_response())
}
