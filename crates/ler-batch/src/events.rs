//! Webhook events as the outbox stores them: the JSON body every subscription receives, built
//! in one place for the service's single requests and for bulk issuance (whose events are
//! stored in the same transaction as their credentials).

use ler_store::{Org, OutboxEvent};
use serde_json::{Value, json};

use crate::{Result, hex, random};

/// A record was issued by the organization.
pub const RECORD_ISSUED: &str = "record.issued";
/// A holder shared records with the organization (a wallet grant naming it).
pub const RECORD_SHARED: &str = "record.shared";
/// A record the organization issued was revoked.
pub const RECORD_REVOKED: &str = "record.revoked";

/// An event of `org`, with a fresh id: `{id, type, created, organization, data}`.
pub fn webhook_event(org: &Org, event_type: &str, data: Value, now: i64) -> Result<OutboxEvent> {
    let event_id = format!("ev_{}", hex(&random::<16>()?));
    let payload = json!({
        "id": event_id,
        "type": event_type,
        "created": ler_model::datetime::format_datetime(now),
        "organization": {"slug": org.slug, "id": org.did},
        "data": data,
    })
    .to_string();
    Ok(OutboxEvent {
        event_type: event_type.to_owned(),
        event_id,
        payload,
        created_at: now,
    })
}

/// The `data` of a `record.issued` event: the credential's id, its subject's id, the
/// achievement's id and when it was issued (never the credential itself).
pub fn issued_data(credential: &Value) -> Value {
    let subject = credential.get("credentialSubject");
    json!({
        "credentialId": credential.get("id"),
        "recipient": subject.and_then(|s| s.get("id")),
        "achievementId": subject.and_then(|s| s.get("achievement")).and_then(|a| a.get("id")),
        "issued": credential.get("validFrom").or_else(|| credential.get("issuanceDate")),
    })
}
