//! Organizations' webhooks: an organization subscribes a URL to events — a record issued, a
//! record shared with it (a wallet grant naming it), a record revoked, a bulk job ended — and
//! each event is POSTed to it, signed, retried with exponential backoff, and every attempt
//! logged.
//!
//! The request that causes an event writes it to the outbox (`webhook_deliveries`) before it
//! answers ([`issued`], [`revoked`], [`shared`], [`batch_finished`]: one line at each place;
//! bulk issuance writes each `record.issued` with its credential, in `ler-batch`); the worker
//! ([`deliver::spawn_worker`], started by `ler serve`) takes due deliveries from the store, so
//! they survive restarts and several instances share them. A delivery is a JSON body with a
//! `Ler-Signature: t=<unix time>,v1=<hex>` header, the HMAC-SHA-256 of `<t>.<body>` keyed with
//! the subscription's secret (shown once, when subscribing; stored encrypted under the KEK).
//! The URL must be `https://` and pass the guarded fetcher's SSRF rules when subscribed and at
//! every attempt (private addresses only where the service's fetch policy allows them).
//!
//! Managing subscriptions takes the `read` scope (or a staff session): a subscription only
//! pushes what that key could read itself.

mod deliver;

pub(crate) use deliver::Outbox;
pub use deliver::{WebhookSettings, signature, spawn_worker};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use ler_store::{CredentialRow, Org, Scope, Webhook};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{authorize, authorized_org, org_of};
use crate::body::Body;
use crate::{AppError, AppState, ids};

pub use ler_batch::{RECORD_ISSUED, RECORD_REVOKED, RECORD_SHARED};
/// A bulk-issue job started over HTTP (the API or the console) ended, with its counts.
pub const BATCH_FINISHED: &str = "batch.finished";
/// Every event a subscription can ask for.
pub const EVENTS: [&str; 4] = [RECORD_ISSUED, RECORD_SHARED, RECORD_REVOKED, BATCH_FINISHED];
/// Most subscriptions per organization.
const MAX_WEBHOOKS: usize = 20;
/// Longest subscription URL.
const MAX_URL: usize = 2000;

/// The webhook routes; [`crate::router`] merges them.
pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/orgs/{slug}/webhooks", get(list).post(subscribe))
        .route("/orgs/{slug}/webhooks/{id}", delete(unsubscribe))
        .route("/orgs/{slug}/webhooks/{id}/deliveries", get(deliveries))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            crate::routes::MAX_BODY,
        ))
}

fn hook_json(h: &Webhook) -> Value {
    json!({
        "id": h.id,
        "url": h.url,
        "events": h.events,
        "created": ids::format_datetime(h.created_at),
    })
}

/// `POST /orgs/<slug>/webhooks`: `{url, events?}` (events default to all three) → 201 with
/// the subscription and its signing `secret`, shown this once.
pub async fn subscribe(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let org = org_of(&state, &slug).await?;
    let fields = body.fields()?;
    let csrf = fields.get("csrf").and_then(Value::as_str);
    authorize(
        &state,
        &headers,
        &Method::POST,
        csrf,
        Scope::Read,
        Some(&org),
    )
    .await?;
    let url = match fields.get("url") {
        Some(Value::String(u)) => u.trim().to_owned(),
        _ => return Err(AppError::BadRequest("url is required".into())),
    };
    if !url.starts_with("https://") || url.len() > MAX_URL || url.contains(char::is_whitespace) {
        return Err(AppError::invalid(
            "invalid webhook url",
            "the url must be an https:// URL (at most 2000 characters)",
        ));
    }
    let events: Vec<String> = match fields.get("events") {
        None | Some(Value::Null) => EVENTS.iter().map(|e| (*e).to_owned()).collect(),
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut out: Vec<String> = Vec::new();
            for item in items {
                let Some(e) = item.as_str().filter(|e| EVENTS.contains(e)) else {
                    return Err(AppError::invalid(
                        "invalid webhook events",
                        format!("unknown event {item}; choose from {}", EVENTS.join(", ")),
                    ));
                };
                if !out.iter().any(|o| o == e) {
                    out.push(e.to_owned());
                }
            }
            out
        }
        Some(_) => {
            return Err(AppError::BadRequest(
                "events must be a non-empty array of event names".into(),
            ));
        }
    };
    if state.store.webhooks(org.id).await?.len() >= MAX_WEBHOOKS {
        return Err(AppError::Conflict(format!(
            "an organization has at most {MAX_WEBHOOKS} webhooks; delete one first"
        )));
    }
    let outbox = state.webhooks.clone();
    let target = url.clone();
    tokio::task::spawn_blocking(move || outbox.check_target(&target))
        .await
        .map_err(|e| AppError::Internal(format!("checking a webhook url: {e}")))?
        .map_err(|e| AppError::invalid("invalid webhook url", e.to_string()))?;
    let id = ler_wallet::new_id("wh")?;
    let secret = format!("whsec_{}", ids::token()?);
    let hook = Webhook {
        id: id.clone(),
        org_id: org.id,
        url,
        events,
        secret: deliver::seal_secret(&state, &id, &secret),
        created_at: state.now(),
    };
    state.store.create_webhook(&hook).await?;
    tracing::info!(org = %org.slug, webhook = %id, url = %hook.url, "webhook subscribed");
    let mut out = hook_json(&hook);
    out["secret"] = secret.into();
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `GET /orgs/<slug>/webhooks`: the organization's subscriptions (without secrets).
pub async fn list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::GET, None, Scope::Read).await?;
    let hooks = state.store.webhooks(org.id).await?;
    Ok(Json(json!({"webhooks": hooks.iter().map(hook_json).collect::<Vec<_>>()})).into_response())
}

/// `DELETE /orgs/<slug>/webhooks/<id>` → 204; its pending deliveries and log go with it.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::DELETE, None, Scope::Read).await?;
    if state.store.delete_webhook(org.id, &id).await? {
        tracing::info!(org = %org.slug, webhook = %id, "webhook deleted");
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(AppError::NotFound(format!("webhook {id} not found")))
    }
}

/// The query of a deliveries listing.
#[derive(Deserialize)]
pub struct DeliveriesQuery {
    limit: Option<usize>,
}

/// `GET /orgs/<slug>/webhooks/<id>/deliveries?limit=`: the most recent deliveries (default
/// 50), newest first, each with every attempt (time, status or error, duration).
pub async fn deliveries(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<DeliveriesQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let org = authorized_org(&state, &slug, &headers, &Method::GET, None, Scope::Read).await?;
    if state.store.webhook(org.id, &id).await?.is_none() {
        return Err(AppError::NotFound(format!("webhook {id} not found")));
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 1000);
    let rows = state.store.webhook_deliveries(&id, limit).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(d, attempts)| {
            let payload: Value = serde_json::from_str(&d.payload).unwrap_or(Value::Null);
            json!({
                "id": d.id,
                "eventId": d.event_id,
                "type": d.event_type,
                "status": d.status.as_str(),
                "attempts": d.attempts,
                "nextAttempt": (d.status == ler_store::DeliveryStatus::Pending)
                    .then(|| ids::format_datetime(d.next_attempt_at)),
                "lastStatus": d.last_status,
                "lastError": d.last_error,
                "created": ids::format_datetime(d.created_at),
                "finished": d.finished_at.map(ids::format_datetime),
                "payload": payload,
                "attemptLog": attempts.iter().map(|a| json!({
                    "attempt": a.attempt,
                    "at": ids::format_datetime(a.attempted_at),
                    "status": a.status,
                    "error": a.error,
                    "durationMs": a.duration_ms,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({"deliveries": items})).into_response())
}

/// Writes an event for `org` to the outbox and wakes the worker. An event that cannot be
/// written is logged, not failed: the write that caused it has committed already.
async fn emit(state: &AppState, org: &Org, event_type: &str, data: Value) {
    let written = async {
        let e = ler_batch::webhook_event(org, event_type, data, state.now())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let n = state
            .store
            .enqueue_webhook_event(org.id, event_type, &e.event_id, &e.payload, e.created_at)
            .await?;
        Ok::<_, AppError>(n)
    };
    match written.await {
        Ok(0) => {}
        Ok(n) => {
            tracing::debug!(org = %org.slug, event = event_type, deliveries = n, "webhook event queued");
            state.webhooks.wake();
        }
        Err(e) => {
            tracing::error!(org = %org.slug, event = event_type, error = %e, "a webhook event could not be queued");
        }
    }
}

/// `record.issued`: `org` issued `credential` (signed).
pub(crate) async fn issued(state: &AppState, org: &Org, credential: &Value) {
    emit(
        state,
        org,
        RECORD_ISSUED,
        ler_batch::issued_data(credential),
    )
    .await;
}

/// `batch.finished`: a bulk-issue job of `org` ended; `data` has its id, state, counts and
/// the URL of its per-row results (claim links are not in the event: they are fetched there,
/// with the issue scope).
pub(crate) async fn batch_finished(state: &AppState, org: &Org, data: Value) {
    emit(state, org, BATCH_FINISHED, data).await;
}

/// `record.revoked`: a credential of the organization was revoked.
pub(crate) async fn revoked(state: &AppState, row: &CredentialRow) {
    match state.store.org(row.org_id).await {
        Ok(Some(org)) => {
            let data = json!({
                "credentialId": row.id,
                "achievementId": row.achievement_id,
                "revoked": ids::format_datetime(state.now()),
            });
            emit(state, &org, RECORD_REVOKED, data).await;
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "a webhook event could not be queued"),
    }
}

/// `record.shared`: a holder gave a grant naming an organization hosted here. The event says
/// who, why, until when and where to read; the records themselves are read through the grant.
pub(crate) async fn shared(state: &AppState, grant: &ler_wallet::Grant) {
    let ler_wallet::Recipient::Organization(did) = &grant.recipient else {
        return;
    };
    match state.store.org_by_did(did).await {
        Ok(Some(org)) => {
            let data = json!({
                "grantId": grant.id,
                "holder": grant.holder,
                "purposes": grant.purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                "records": grant.records.len(),
                "access": grant.access.as_str(),
                "expires": ids::format_datetime(grant.expires_at),
                "recordsUrl": format!(
                    "{}/orgs/{}/grants/{}/records",
                    state.public_url.base(),
                    org.slug,
                    grant.id
                ),
            });
            emit(state, &org, RECORD_SHARED, data).await;
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "a webhook event could not be queued"),
    }
}
