//! Receiving records: an uploaded file (JSON, a VC-JWT, an SD-JWT VC, a baked PNG or SVG), a
//! pasted credential, a URL fetched through the guarded fetcher, or a claim link. Each record
//! is verified and stored sealed with its report; a duplicate answers with the record the
//! wallet already has.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ler_store::{ClaimUse, Holder, WalletRecord};
use ler_verify::{Options, Verifier};
use ler_wallet::{DataKey, Record};
use serde_json::{Map, Value, json};

use super::{MAX_RECORD_BODY, data_key, records::record_json, signed_in};
use crate::body::Body;
use crate::{AppError, AppState, ids};

/// A record received: the record and whether it is new (false: the wallet had it already).
pub(crate) struct Received {
    pub record: Record,
    pub created: bool,
}

impl Received {
    /// 201 with the record and its URL, or 200 with the record the wallet already had.
    pub fn into_response(self) -> Response {
        let status = if self.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        let location = format!("/wallet/records/{}", self.record.id);
        let body = json!({
            "record": record_json(&self.record, None),
            "duplicate": !self.created,
        });
        let mut res = (status, Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        res
    }
}

/// Reads and verifies `bytes` as a record and stores it in the holder's wallet.
pub(crate) async fn receive(
    state: &AppState,
    holder: &Holder,
    bytes: Vec<u8>,
) -> Result<Received, AppError> {
    let now = state.now();
    let record = verified_record(state, bytes).await?;
    let key = data_key(state, holder)?;
    let received = store_record(state, holder, &key, record).await?;
    if received.created {
        state.wallet.put_status(
            &holder.id,
            &received.record.id,
            now,
            received.record.report.clone(),
        );
    }
    Ok(received)
}

/// A credential this service issued, as a wallet receives it: a token (an SD-JWT VC, stored as
/// a JSON string) as its text, anything else as JSON.
pub(crate) fn issued_bytes(stored: &Value) -> Vec<u8> {
    match stored {
        Value::String(token) => token.clone().into_bytes(),
        json => json.to_string().into_bytes(),
    }
}

/// Reads `bytes` as a credential (not a presentation) and verifies it: a new record with its
/// report, not stored yet.
pub(crate) async fn verified_record(state: &AppState, bytes: Vec<u8>) -> Result<Record, AppError> {
    let now = state.now();
    let documents = state.documents;
    let status_cache = state.status_cache.clone();
    let (credential, report) = state
        .blocking(move |fetcher| {
            let credential = ler_wallet::read_credential(&bytes)?;
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
            Ok::<_, ler_wallet::WalletError>((credential, verifier.verify_bytes(&bytes)))
        })
        .await??;
    if report.kind == "VerifiablePresentation" {
        return Err(AppError::invalid(
            "not a record",
            "this is a presentation; add the credentials it holds one by one",
        ));
    }
    if report.issuer.is_none() {
        return Err(AppError::invalid(
            "not a record",
            "this is not a credential: it names no issuer",
        ));
    }
    Ok(Record::new(
        ler_wallet::new_id("r")?,
        credential,
        &report,
        now,
    )?)
}

/// Stores a record sealed under the holder's data key, unless the wallet has one with the same
/// fingerprint (then that one is returned). An id already taken (an imported record) is
/// replaced by a fresh one.
pub(crate) async fn store_record(
    state: &AppState,
    holder: &Holder,
    key: &DataKey,
    mut record: Record,
) -> Result<Received, AppError> {
    let blinded = key.blind(&record.fingerprint);
    for attempt in 0..2 {
        if let Some(existing) = find_blinded(state, holder, key, &blinded).await? {
            return Ok(Received {
                record: existing,
                created: false,
            });
        }
        if attempt > 0 {
            record.id = ler_wallet::new_id("r")?;
        }
        let row = WalletRecord {
            id: record.id.clone(),
            holder_id: holder.id.clone(),
            fingerprint: blinded.clone(),
            kind: record.kind.as_str().to_owned(),
            sealed: record.seal(key, &holder.id)?,
            received_at: record.received_at,
        };
        match state.store.insert_wallet_record(&row).await {
            Ok(()) => {
                crate::cbo::received(state, holder, &record).await;
                return Ok(Received {
                    record,
                    created: true,
                });
            }
            // A duplicate that arrived at the same moment, or an id taken: look again.
            Err(ler_store::StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    find_blinded(state, holder, key, &blinded)
        .await?
        .map(|record| Received {
            record,
            created: false,
        })
        .ok_or_else(|| AppError::Internal("a record could not be stored under a free id".into()))
}

/// The holder's record with this blinded fingerprint.
async fn find_blinded(
    state: &AppState,
    holder: &Holder,
    key: &DataKey,
    blinded: &str,
) -> Result<Option<Record>, AppError> {
    let rows = state.store.wallet_records(&holder.id).await?;
    rows.iter()
        .find(|row| row.fingerprint == blinded)
        .map(|row| Record::open(key, &holder.id, &row.id, &row.sealed).map_err(AppError::from))
        .transpose()
}

/// What a `POST /wallet/records` body asks for.
enum Source {
    /// The record's bytes (an upload, or a paste).
    Bytes(Vec<u8>),
    /// A URL to fetch it from.
    Url(String),
}

/// Reads a JSON or form request: `{credential}` (a paste: an object or a JWT string),
/// `{url}`, or else the object itself as an uploaded credential.
fn source_of(fields: &Map<String, Value>, whole: Option<&Value>) -> Result<Source, AppError> {
    match (fields.get("credential"), fields.get("url")) {
        (Some(_), Some(_)) => Err(AppError::BadRequest(
            "send a credential or a url, not both".into(),
        )),
        (Some(Value::String(text)), None) => Ok(Source::Bytes(text.trim().as_bytes().to_vec())),
        (Some(doc @ Value::Object(_)), None) => Ok(Source::Bytes(doc.to_string().into_bytes())),
        (Some(_), None) => Err(AppError::BadRequest(
            "credential must be a JSON object or a JWT string".into(),
        )),
        (None, Some(Value::String(url))) => Ok(Source::Url(url.trim().to_owned())),
        (None, Some(_)) => Err(AppError::BadRequest("url must be a string".into())),
        (None, None) => match whole {
            Some(doc) => Ok(Source::Bytes(doc.to_string().into_bytes())),
            None => Err(AppError::BadRequest(
                "send a credential or a url field".into(),
            )),
        },
    }
}

/// `POST /wallet/records`: a record as a file upload (the raw body: JSON, a compact VC-JWT or
/// SD-JWT VC, a baked PNG or SVG, with its Content-Type), a paste (`{"credential": …}`), or a
/// URL (`{"url": "https://…"}`, fetched through the guarded fetcher). 201 with the record, or
/// 200 with the record the wallet already has.
pub async fn add_record(State(state): State<AppState>, req: Request) -> Result<Response, AppError> {
    let headers = req.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (source, body_csrf) = if content_type.starts_with("application/x-www-form-urlencoded") {
        let body = Body::from_request(req, &state)
            .await
            .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
        let fields = body.fields()?;
        let csrf = fields.get("csrf").and_then(Value::as_str).map(String::from);
        (source_of(&fields, None)?, csrf)
    } else {
        let bytes = Bytes::from_request(req, &state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::invalid(
                    "record too large",
                    format!("a record upload is at most {MAX_RECORD_BODY} bytes"),
                )
            } else {
                AppError::BadRequest("the request body could not be read".into())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(AppError::BadRequest(
                "the request body is empty: send a file, {\"credential\": …} or {\"url\": …}"
                    .into(),
            ));
        }
        if content_type.starts_with("application/json") {
            let doc: Value = serde_json::from_slice(&bytes)
                .map_err(|e| AppError::BadRequest(format!("the request body is not JSON: {e}")))?;
            match &doc {
                Value::Object(fields) => {
                    let csrf = fields.get("csrf").and_then(Value::as_str).map(String::from);
                    let upload = !fields.contains_key("credential") && !fields.contains_key("url");
                    (source_of(fields, upload.then_some(&doc))?, csrf)
                }
                // A JSON string: a JWT pasted as JSON.
                Value::String(_) => (Source::Bytes(bytes.to_vec()), None),
                _ => {
                    return Err(AppError::BadRequest(
                        "send a credential object, {\"credential\": …} or {\"url\": …}".into(),
                    ));
                }
            }
        } else {
            (Source::Bytes(bytes.to_vec()), None)
        }
    };
    let signed = signed_in(&state, &headers, &Method::POST, body_csrf.as_deref()).await?;
    let bytes = match source {
        Source::Bytes(b) => b,
        Source::Url(url) => fetch(&state, url).await?,
    };
    Ok(receive(&state, &signed.holder, bytes)
        .await?
        .into_response())
}

/// Fetches a record from a URL through the state's fetcher (guarded: HTTPS, public addresses,
/// timeouts, size cap).
async fn fetch(state: &AppState, url: String) -> Result<Vec<u8>, AppError> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(AppError::invalid(
            "invalid url",
            "the url must be an https:// URL",
        ));
    }
    let bytes = state
        .blocking(move |fetcher| ler_verify::Fetcher::fetch(fetcher, &url))
        .await?
        .map_err(|e| AppError::invalid("record not fetched", e.to_string()))?;
    if bytes.len() > MAX_RECORD_BODY {
        return Err(AppError::invalid(
            "record too large",
            format!("a record is at most {MAX_RECORD_BODY} bytes"),
        ));
    }
    Ok(bytes)
}

/// `POST /wallet/claim/<token>`: the signed-in holder claims the credential an issuer's claim
/// link delivers. One time only: an expired or used link answers 410.
pub async fn claim(
    State(state): State<AppState>,
    Path(token): Path<String>,
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
    let used = state
        .store
        .use_claim_token(&ids::sha256_hex(&token), state.now())
        .await?;
    let credential_id = match used {
        ClaimUse::Accepted { credential_id, .. } => credential_id,
        ClaimUse::Unknown => {
            return Err(AppError::NotFound("there is no such claim link".into()));
        }
        ClaimUse::Expired => {
            return Err(AppError::Gone(
                "this claim link has expired; ask the issuer for a new one".into(),
            ));
        }
        ClaimUse::AlreadyUsed => {
            return Err(AppError::Gone(
                "this claim link was used already; a claim link works once — ask the issuer for a new one".into(),
            ));
        }
    };
    let row = state
        .store
        .credential(&credential_id)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!("claimed credential {credential_id} is not stored"))
        })?;
    let received = receive(&state, &signed.holder, issued_bytes(&row.json)).await?;
    Ok(received.into_response())
}
