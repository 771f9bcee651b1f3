//! The Open Badges 3.0 credential of one row, as the service's "achievement X to recipient Y"
//! builds it: the catalog achievement, the recipient as a DID subject and/or a salted,
//! hashed email `IdentityObject` (never the email in the clear), the result, the dates, a
//! revocation entry and, when asked, a suspension entry.

use ler_connect::IssueRow;
use ler_model::vocab::{OB3_CONTEXT, VC_V2_CONTEXT};
use ler_store::Allocation;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::org::Issuer;
use crate::{Result, hex, random};

/// The unsigned credential for `row`.
pub(crate) fn build(
    issuer: &Issuer,
    row: &IssueRow,
    achievement: &Value,
    id: &str,
    revocation: &Allocation,
    suspension: Option<&Allocation>,
    now: &str,
) -> Result<Value> {
    let mut subject = Map::new();
    if let Some(did) = &row.recipient.did {
        subject.insert("id".into(), did.clone().into());
    }
    subject.insert("type".into(), json!(["AchievementSubject"]));
    let mut identifiers = Vec::new();
    if let Some(email) = &row.recipient.email {
        let salt = hex(&random::<16>()?);
        let digest = Sha256::digest(format!("{}{salt}", email.to_lowercase()).as_bytes());
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityHash": format!("sha256${}", hex(&digest)),
            "identityType": "emailAddress",
            "hashed": true,
            "salt": salt,
        }));
    }
    if let Some(identifier) = &row.recipient.identifier {
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityHash": identifier,
            "identityType": "identifier",
            "hashed": false,
        }));
    }
    if let Some(name) = &row.recipient.name {
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityHash": name,
            "identityType": "name",
            "hashed": false,
        }));
    }
    if !identifiers.is_empty() {
        subject.insert("identifier".into(), Value::Array(identifiers));
    }
    subject.insert("achievement".into(), achievement.clone());
    if let Some(awarded) = &row.dates.awarded {
        subject.insert("awardedDate".into(), awarded.clone().into());
    }
    let r = &row.result;
    if !r.is_empty() {
        let mut result = Map::new();
        result.insert("type".into(), json!(["Result"]));
        let value = match (&r.score, &r.max_score, &r.grade) {
            (Some(s), Some(m), Some(g)) => Some(format!("{s}/{m} ({g})")),
            (Some(s), Some(m), None) => Some(format!("{s}/{m}")),
            (Some(s), None, Some(g)) => Some(format!("{s} ({g})")),
            (Some(s), None, None) => Some(s.clone()),
            (None, _, Some(g)) => Some(g.clone()),
            (None, _, None) => None,
        };
        if let Some(v) = value {
            result.insert("value".into(), v.into());
        }
        if let Some(s) = r.status {
            result.insert("status".into(), s.as_str().into());
        }
        subject.insert("result".into(), json!([result]));
    }
    let org = &issuer.org;
    let mut profile = Map::new();
    profile.insert("id".into(), org.did.clone().into());
    profile.insert("type".into(), json!(["Profile"]));
    profile.insert("name".into(), org.name.clone().into());
    if let Value::Object(extra) = &org.profile {
        for (k, v) in extra {
            if k != "id" && k != "type" {
                profile.insert(k.clone(), v.clone());
            }
        }
    }
    let name = achievement
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("Achievement");
    let entry = |a: &Allocation, purpose: &str| {
        crate::org::status_entry(&issuer.list_url(&a.list_id), purpose, a.index)
    };
    let mut c = Map::new();
    c.insert("@context".into(), json!([VC_V2_CONTEXT, OB3_CONTEXT]));
    c.insert("id".into(), id.into());
    c.insert(
        "type".into(),
        json!(["VerifiableCredential", "OpenBadgeCredential"]),
    );
    c.insert("issuer".into(), Value::Object(profile));
    c.insert("validFrom".into(), now.into());
    if let Some(until) = &row.dates.valid_until {
        c.insert("validUntil".into(), until.clone().into());
    }
    c.insert("name".into(), name.into());
    c.insert("credentialSubject".into(), Value::Object(subject));
    // One entry is written as an object: the 1EdTech OB 3.0 and CLR 2.0 JSON Schemas accept
    // no array here. With suspension, the two entries make an array (VC 2.0 allows it).
    let status = match suspension {
        None => entry(revocation, "revocation"),
        Some(s) => json!([entry(revocation, "revocation"), entry(s, "suspension")]),
    };
    c.insert("credentialStatus".into(), status);
    Ok(Value::Object(c))
}
