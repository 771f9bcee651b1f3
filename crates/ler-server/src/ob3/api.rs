//! The resource endpoints of both APIs: the service description document, the holder's
//! credentials (paged, `since`; upsert) and the holder's profile.
//!
//! Credentials are the holder's wallet records of the API's type (`AchievementCredential` /
//! `OpenBadgeCredential` for Open Badges, `ClrCredential` for CLR), oldest issued first. An
//! upsert is verified and stored like an upload to the wallet; it replaces, in place, the
//! record that is the same credential — same `id` when both have one, else same issuer, subject and
//! achievement (CLR: name) — and otherwise adds a record.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ler_model::CredentialKind;
use ler_store::{Holder, WalletRecord};
use ler_wallet::Record;
use serde_json::{Map, Value, json};

use super::{Api, Imsx, Need, OFFLINE_ACCESS, known_scopes, pct, query_pairs, token_holder};
use crate::AppState;
use crate::wallet::receive::{store_record, verified_record};
use crate::wallet::{data_key, holder_records};

/// Credentials per page when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 100;
/// Most credentials per page, whatever `limit` asks.
pub const MAX_LIMIT: usize = 1000;
/// The Open Badges 3.0 context a profile is answered with.
const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The CLR 2.0 context a profile is answered with.
const CLR_CONTEXT: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";

/// Any other method on an API path: 405 as `Imsx_StatusInfo`.
pub async fn method_not_allowed() -> Response {
    Imsx::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "not_allowed",
        "this path does not accept this method",
    )
    .into_response()
}

/// Any other path under an API's base: 404 as `Imsx_StatusInfo`.
pub async fn not_found() -> Response {
    Imsx::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "there is nothing at this path; the API has /discovery, /credentials and /profile",
    )
    .into_response()
}

/// `GET …/discovery`: the Service Description Document — a profiled OpenAPI document whose
/// `OAuth2ACG` security scheme names the registration, authorization and token URLs and the
/// scopes. Not protected.
pub async fn discovery(State(state): State<AppState>, api: Api) -> Response {
    let base = state.public_url.base();
    let scopes: Map<String, Value> = api
        .scopes()
        .into_iter()
        .chain(known_scopes().filter(|(s, _)| *s == OFFLINE_ACCESS))
        .map(|(s, what)| (s.to_owned(), what.into()))
        .collect();
    let secured = |need: Need| json!([{"OAuth2ACG": [api.scope(need)]}]);
    let (get_id, post_id, list_schema, item_schema) = match api {
        Api::Ob => (
            "getCredentials",
            "upsertCredential",
            "GetOpenBadgeCredentialsResponse",
            "AchievementCredential",
        ),
        Api::Clr => (
            "getCredentials",
            "upsertCredential",
            "GetClrCredentialsResponse",
            "ClrCredential",
        ),
    };
    let doc = json!({
        "openapi": "3.0.1",
        "info": {
            "title": format!("ler: {} API", api.title()),
            "description": format!("The {} REST API of this ler service: the credentials and profile of the wallet holder who authorized the client.", api.title()),
            "version": match api { Api::Ob => "3.0", Api::Clr => "2.0" },
            "termsOfService": format!("{base}/"),
            "x-imssf-privacyPolicyUrl": format!("{base}/"),
        },
        "servers": [{"url": format!("{base}{}", api.base())}],
        "tags": [{"name": "Credentials"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": {
                    "tags": ["Credentials"],
                    "operationId": get_id,
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}
                    ],
                    "responses": {"200": {
                        "description": format!("The holder's credentials ({list_schema}); X-Total-Count and Link (first, last, prev, next) page them."),
                        "headers": {"X-Total-Count": {"schema": {"type": "integer"}}, "Link": {"schema": {"type": "string"}}}
                    }},
                    "security": secured(Need::CredentialRead)
                },
                "post": {
                    "tags": ["Credentials"],
                    "operationId": post_id,
                    "description": format!("Adds an {item_schema} to the holder's wallet (201), or replaces the same credential (200)."),
                    "responses": {"200": {"description": "Replaced."}, "201": {"description": "Created."}},
                    "security": secured(Need::CredentialUpsert)
                }
            },
            "/profile": {
                "get": {"tags": ["Credentials"], "operationId": "getProfile", "responses": {"200": {"description": "The holder's Profile."}}, "security": secured(Need::ProfileRead)},
                "put": {"tags": ["Credentials"], "operationId": "putProfile", "responses": {"200": {"description": "The Profile as stored."}}, "security": secured(Need::ProfileUpdate)}
            },
            "/discovery": {
                "get": {"tags": ["Discovery"], "operationId": "getServiceDescription", "responses": {"200": {"description": "This document."}}}
            }
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant authorization, with PKCE (S256)",
                    "x-imssf-name": "ler",
                    "x-imssf-registrationUrl": format!("{base}/oauth/register"),
                    "flows": {"authorizationCode": {
                        "authorizationUrl": format!("{base}/oauth/authorize"),
                        "tokenUrl": format!("{base}/oauth/token"),
                        "refreshUrl": format!("{base}/oauth/token"),
                        "scopes": scopes
                    }}
                }
            },
            "schemas": {}
        }
    });
    axum::Json(doc).into_response()
}

/// What a credentials page asks for.
struct Page {
    limit: usize,
    offset: usize,
    since: Option<(String, i64)>,
}

fn page_of(query: Option<&str>) -> Result<Page, Imsx> {
    let mut page = Page {
        limit: DEFAULT_LIMIT,
        offset: 0,
        since: None,
    };
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in query_pairs(query) {
        if seen.contains(&name) {
            return Err(Imsx::bad_parameter(format!(
                "the parameter {name} is given more than once"
            )));
        }
        match name.as_str() {
            "limit" => {
                page.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|l| *l >= 1)
                    .ok_or_else(|| Imsx::bad_parameter("limit must be a whole number, at least 1"))?
                    .min(MAX_LIMIT);
            }
            "offset" => {
                page.offset = value.parse::<usize>().map_err(|_| {
                    Imsx::bad_parameter("offset must be a whole number, at least 0")
                })?;
            }
            "since" => {
                let at = parse_since(&value).ok_or_else(|| {
                    Imsx::bad_parameter(
                        "since must be a date-time, YYYY-MM-DDThh:mm:ss (UTC unless it names a zone)",
                    )
                })?;
                page.since = Some((value.clone(), at));
            }
            _ => {}
        }
        seen.push(name);
    }
    Ok(page)
}

/// A `since` value: an RFC 3339 date-time, the same without a zone (UTC), or a date.
fn parse_since(text: &str) -> Option<i64> {
    ler_model::datetime::parse_date_or_datetime(text)
        .or_else(|_| ler_model::datetime::parse_datetime(&format!("{text}Z")))
        .ok()
}

/// Whether a record holds a credential of the API's type.
fn of_api(record: &Record, api: Api) -> bool {
    let Ok(doc) = record.credential_json() else {
        return false;
    };
    matches!(
        (api, ler_model::kind(&doc)),
        (Api::Ob, CredentialKind::AchievementCredential)
            | (Api::Clr, CredentialKind::ClrCredential)
    )
}

/// When a record's credential was issued: `validFrom` (or `issuanceDate`), else when the
/// wallet received it.
fn issued_at(record: &Record) -> i64 {
    record
        .summary
        .valid_from
        .as_deref()
        .and_then(|t| ler_model::datetime::parse_date_or_datetime(t).ok())
        .unwrap_or(record.received_at)
}

/// `GET …/credentials?limit=&offset=&since=`: the holder's credentials of the API's type,
/// oldest issued first, `since` keeping those issued after it; JSON ones in `credential`,
/// VC-JWTs in `compactJwsString`; `X-Total-Count` and `Link` (RFC 8288: first, last, and
/// prev/next when they exist) page them.
pub async fn credentials(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    api: Api,
) -> Result<Response, Imsx> {
    let (holder, _) = token_holder(&state, &headers, api, Need::CredentialRead).await?;
    let page = page_of(query.as_deref())?;
    let key = data_key(&state, &holder)?;
    let mut matching: Vec<Record> = holder_records(&state, &holder, &key)
        .await?
        .into_iter()
        .filter(|r| of_api(r, api))
        .filter(|r| match &r.credential {
            Value::Object(_) => true,
            // A VC-JWT fits `compactJwsString`; an SD-JWT VC fits neither member.
            Value::String(s) => !s.contains('~'),
            _ => false,
        })
        .filter(|r| page.since.as_ref().is_none_or(|(_, at)| issued_at(r) > *at))
        .collect();
    // A stable order, so pages neither skip nor repeat: issued, then received, then id.
    matching.sort_by(|a, b| {
        (issued_at(a), a.received_at, &a.id).cmp(&(issued_at(b), b.received_at, &b.id))
    });
    let total = matching.len();
    let mut json_items = Vec::new();
    let mut jws_items = Vec::new();
    for r in matching.into_iter().skip(page.offset).take(page.limit) {
        match r.credential {
            Value::String(jws) => jws_items.push(Value::String(jws)),
            doc => json_items.push(doc),
        }
    }
    let body = json!({"credential": json_items, "compactJwsString": jws_items});
    let mut res = axum::Json(body).into_response();
    let h = res.headers_mut();
    h.insert("x-total-count", HeaderValue::from(total));
    let link = links(&state, api, &page, total);
    if let Ok(v) = HeaderValue::from_str(&link) {
        h.insert(header::LINK, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The `Link` header of a page: `first` and `last` always, `prev` and `next` when there are
/// such pages; each keeps `limit` and `since`.
fn links(state: &AppState, api: Api, page: &Page, total: usize) -> String {
    let url = |offset: usize| {
        let mut u = format!(
            "{}{}/credentials?limit={}&offset={offset}",
            state.public_url.base(),
            api.base(),
            page.limit
        );
        if let Some((since, _)) = &page.since {
            u.push_str("&since=");
            u.push_str(&pct(since));
        }
        u
    };
    let last = if total == 0 {
        0
    } else {
        (total - 1) / page.limit * page.limit
    };
    let mut parts = Vec::new();
    if page.offset + page.limit < total {
        parts.push(format!("<{}>; rel=\"next\"", url(page.offset + page.limit)));
    }
    parts.push(format!("<{}>; rel=\"last\"", url(last)));
    parts.push(format!("<{}>; rel=\"first\"", url(0)));
    if page.offset > 0 {
        parts.push(format!(
            "<{}>; rel=\"prev\"",
            url(page.offset.saturating_sub(page.limit))
        ));
    }
    parts.join(", ")
}

/// The id of a credential's issuer.
fn issuer_id(doc: &Value) -> Option<&str> {
    match doc.get("issuer")? {
        Value::String(s) => Some(s),
        v => v.get("id")?.as_str(),
    }
}

/// The id (or first identifier's value) of a credential's subject.
fn subject_id(doc: &Value) -> Option<&str> {
    let subject = doc.get("credentialSubject")?;
    subject.get("id").and_then(Value::as_str).or_else(|| {
        subject
            .get("identifier")?
            .as_array()?
            .first()?
            .get("identityHash")?
            .as_str()
    })
}

/// Whether two credentials are the same credential (one replaces the other on upsert).
fn same_credential(a: &Value, b: &Value, api: Api) -> bool {
    let id = |d: &Value| d.get("id").and_then(Value::as_str).map(String::from);
    if let (Some(x), Some(y)) = (id(a), id(b)) {
        return x == y;
    }
    let what = |d: &Value| match api {
        Api::Ob => d
            .get("credentialSubject")
            .and_then(|s| s.get("achievement"))
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str)
            .map(String::from),
        Api::Clr => d.get("name").and_then(Value::as_str).map(String::from),
    };
    let key = |d: &Value| {
        Some((
            issuer_id(d)?.to_owned(),
            subject_id(d)?.to_owned(),
            what(d)?,
        ))
    };
    matches!((key(a), key(b)), (Some(x), Some(y)) if x == y)
}

/// `POST …/credentials`: upserts a credential of the API's type into the holder's wallet —
/// JSON (`application/json`, `application/ld+json`, `application/vc+ld+json`) or a VC-JWT
/// (`text/plain`). 201 when it was added, 200 when it replaced the same credential; the body
/// is the credential as sent.
pub async fn upsert(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
    api: Api,
) -> Result<Response, Imsx> {
    let (holder, _) = token_holder(&state, &headers, api, Need::CredentialUpsert).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let jws = content_type.starts_with("text/plain");
    let json = [
        "application/json",
        "application/ld+json",
        "application/vc+ld+json",
    ]
    .iter()
    .any(|t| content_type.starts_with(t));
    if !jws && !json {
        return Err(Imsx::invalid(
            "send the credential as application/json, or a VC-JWT as text/plain",
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| Imsx::invalid("the body is not UTF-8 text"))?
        .trim();
    let sent: Value = if jws {
        let compact = text.split('.').count() == 3
            && text.split('.').enumerate().all(|(i, part)| {
                (i == 1 || !part.is_empty())
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !compact {
            return Err(Imsx::invalid("a text/plain body must be a compact JWS"));
        }
        Value::String(text.to_owned())
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(doc @ Value::Object(_)) => doc,
            Ok(_) => return Err(Imsx::invalid("the body must be a JSON object")),
            Err(e) => return Err(Imsx::invalid(format!("the body is not JSON: {e}"))),
        }
    };
    let bytes = match &sent {
        Value::String(s) => s.clone().into_bytes(),
        doc => doc.to_string().into_bytes(),
    };
    let record = verified_record(&state, bytes).await?;
    if !of_api(&record, api) {
        let (wanted, other) = match api {
            Api::Ob => (
                "an AchievementCredential (OpenBadgeCredential)",
                "a CLR goes to /ims/clr/v2p0/credentials",
            ),
            Api::Clr => (
                "a ClrCredential",
                "an Open Badge goes to /ims/ob/v3p0/credentials",
            ),
        };
        return Err(Imsx::invalid(format!(
            "this endpoint takes {wanted}; {other}"
        )));
    }
    let created = put_record(&state, &holder, record, api).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    tracing::info!(holder = %holder.id, api = api.base(), created, "credential upserted");
    Ok(match sent {
        Value::String(s) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            s,
        )
            .into_response(),
        doc => (status, axum::Json(doc)).into_response(),
    })
}

/// Stores `record` in the holder's wallet, replacing the same credential in place when there
/// is one; true when it was added.
async fn put_record(
    state: &AppState,
    holder: &Holder,
    record: Record,
    api: Api,
) -> Result<bool, Imsx> {
    let key = data_key(state, holder)?;
    let new_doc = record.credential_json()?;
    let existing = holder_records(state, holder, &key).await?;
    let same = existing.into_iter().find(|old| {
        old.fingerprint == record.fingerprint
            || old
                .credential_json()
                .is_ok_and(|doc| of_api(old, api) && same_credential(&doc, &new_doc, api))
    });
    let Some(old) = same else {
        let received = store_record(state, holder, &key, record).await?;
        if received.created {
            state.wallet.put_status(
                &holder.id,
                &received.record.id,
                received.record.received_at,
                received.record.report.clone(),
            );
        }
        return Ok(received.created);
    };
    let replacement = Record {
        id: old.id.clone(),
        ..record
    };
    let row = WalletRecord {
        id: replacement.id.clone(),
        holder_id: holder.id.clone(),
        fingerprint: key.blind(&replacement.fingerprint),
        kind: replacement.kind.as_str().to_owned(),
        sealed: replacement.seal(&key, &holder.id)?,
        received_at: replacement.received_at,
    };
    match state.store.replace_wallet_record(&row).await {
        Ok(_) => {}
        // Another record of the wallet has exactly this content: nothing to replace.
        Err(ler_store::StoreError::Conflict(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    state.wallet.forget(&holder.id, Some(&old.id));
    state.wallet.put_status(
        &holder.id,
        &replacement.id,
        replacement.received_at,
        replacement.report.clone(),
    );
    Ok(false)
}

/// The aad a holder's profile is sealed with.
fn profile_aad(holder_id: &str) -> Vec<u8> {
    format!("ler-ims profile|{holder_id}").into_bytes()
}

/// The holder's profile as the API answers it: what they gave, with `@context`, `id` (their
/// DID) and `type` set; the wallet's email when they gave none.
async fn profile_of(state: &AppState, holder: &Holder, api: Api) -> Result<Value, Imsx> {
    let mut profile = match state.store.holder_profile(&holder.id).await? {
        Some((sealed, _)) => {
            let key = data_key(state, holder)?;
            let bytes = ler_wallet::open(&key, &profile_aad(&holder.id), &sealed)?;
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return Err(Imsx::from(crate::AppError::Internal(format!(
                        "holder {}'s stored profile is not a JSON object",
                        holder.id
                    ))));
                }
            }
        }
        None => Map::new(),
    };
    profile.remove("@context");
    profile.remove("id");
    profile.remove("type");
    let mut out = Map::new();
    let context = match api {
        Api::Ob => OB_CONTEXT,
        Api::Clr => CLR_CONTEXT,
    };
    out.insert("@context".into(), json!([context]));
    out.insert("id".into(), holder.did.clone().into());
    out.insert("type".into(), json!(["Profile"]));
    if !profile.contains_key("email") {
        out.insert("email".into(), holder.email.clone().into());
    }
    out.extend(profile);
    Ok(Value::Object(out))
}

/// `GET …/profile`: the holder's OB 3.0 `Profile`.
pub async fn profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    api: Api,
) -> Result<Response, Imsx> {
    let (holder, _) = token_holder(&state, &headers, api, Need::ProfileRead).await?;
    Ok(axum::Json(profile_of(&state, &holder, api).await?).into_response())
}

/// `PUT …/profile`: replaces the holder's profile with a `Profile` (its `id`, when given,
/// must be the holder's DID); 200 with the profile as stored. Sealed under the holder's data
/// key, like the records.
pub async fn put_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
    api: Api,
) -> Result<Response, Imsx> {
    let (holder, _) = token_holder(&state, &headers, api, Need::ProfileUpdate).await?;
    let mut doc = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(Imsx::invalid("the body must be a Profile (a JSON object)")),
        Err(e) => return Err(Imsx::invalid(format!("the body is not JSON: {e}"))),
    };
    let is_profile = match doc.get("type") {
        Some(Value::String(t)) => t == "Profile",
        Some(Value::Array(items)) => items.iter().any(|t| t == "Profile"),
        _ => false,
    };
    if !is_profile {
        return Err(Imsx::invalid("a Profile's type must include \"Profile\""));
    }
    match doc.get("id") {
        None => {}
        Some(Value::String(id)) if *id == holder.did => {}
        Some(_) => {
            return Err(Imsx::invalid(format!(
                "the profile's id is the holder's DID, {}; it cannot be changed",
                holder.did
            )));
        }
    }
    doc.remove("@context");
    let key = data_key(&state, &holder)?;
    let bytes = serde_json::to_vec(&Value::Object(doc))
        .map_err(|e| Imsx::from(crate::AppError::Internal(format!("profile: {e}"))))?;
    let sealed = ler_wallet::seal(&key, &profile_aad(&holder.id), &bytes);
    state
        .store
        .put_holder_profile(&holder.id, &sealed, state.now())
        .await?;
    tracing::info!(holder = %holder.id, "profile updated through the 1EdTech API");
    Ok(axum::Json(profile_of(&state, &holder, api).await?).into_response())
}
