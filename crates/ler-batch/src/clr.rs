//! A learner's CLR 2.0 transcript: every Open Badge the organization issued them (revoked ones
//! left out) in one signed `ClrCredential`, with the achievements and the associations between
//! them: each achievement `isPartOf` the program when one is named, and an achievement whose
//! id extends another's path (`…/courses/cna-101/final` under `…/courses/cna-101`) `isPartOf`
//! that one. The transcript gets a revocation entry and is stored like any credential, so it
//! can be revoked.

use ler_model::CredentialKind;
use ler_model::vocab::{CLR_CONTEXT, OB3_CONTEXT, VC_V2_CONTEXT};
use ler_proof::{Cryptosuite, Purpose as ProofPurpose, SignOptions};
use ler_store::{CredentialRow, Purpose, Store};
use serde_json::{Map, Value, json};

use crate::org::{Issuer, LIST_SIZE};
use crate::{BatchError, Result, hex, random, urn_uuid};

/// What the transcript says beyond the credentials.
#[derive(Debug, Clone, Default)]
pub struct ClrOptions {
    /// A catalog achievement (id, local id or name) every achievement is part of.
    pub program: Option<String>,
    /// The transcript's name (default: `"Transcript from <organization>"`).
    pub name: Option<String>,
}

/// Assembles, signs and stores the CLR transcript of `recipient` (as the credentials were
/// filed: a DID, an email or an identifier). `NotFound` when the organization issued them no
/// Open Badge (or the program is not in the catalog).
pub async fn transcript(
    store: &Store,
    issuer: &Issuer,
    recipient: &str,
    options: &ClrOptions,
    now: i64,
) -> Result<Value> {
    let org = &issuer.org;
    let rows = store.recipient_credentials(org.id, recipient).await?;
    let credentials: Vec<Value> = rows
        .into_iter()
        .filter(|r| !r.revoked)
        .map(|r| r.json)
        .filter(|c| ler_model::kind(c) == CredentialKind::AchievementCredential)
        .collect();
    if credentials.is_empty() {
        return Err(BatchError::NotFound(format!(
            "an Open Badge of {} for {recipient}",
            org.slug
        )));
    }
    let program = match &options.program {
        None => None,
        Some(p) => {
            let r = ler_connect::AchievementRef {
                id: Some(p.clone()),
                name: Some(p.clone()),
            };
            Some(issuer.achievement(&r).ok_or_else(|| {
                BatchError::NotFound(format!("program {p:?} in the catalog of {}", org.slug))
            })?)
        }
    };

    let mut achievements: Vec<Value> = Vec::new();
    let mut subject_id = None;
    let mut identifiers = None;
    for c in &credentials {
        let s = c.get("credentialSubject");
        if subject_id.is_none() {
            subject_id = s.and_then(|s| s.get("id")).cloned();
        }
        if identifiers.is_none() {
            identifiers = s.and_then(|s| s.get("identifier")).cloned();
        }
        if let Some(a) = s.and_then(|s| s.get("achievement"))
            && !achievements.iter().any(|x| x.get("id") == a.get("id"))
        {
            achievements.push(a.clone());
        }
    }
    let ids: Vec<String> = achievements
        .iter()
        .filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let mut associations = Vec::new();
    let part_of = |source: &str, target: &str| json!({"type": "Association", "associationType": "isPartOf", "sourceId": source, "targetId": target});
    for a in &ids {
        for b in &ids {
            if a != b && a.starts_with(&format!("{}/", b.trim_end_matches('/'))) {
                associations.push(part_of(a, b));
            }
        }
    }
    if let Some(p) = &program {
        if let Some(pid) = p.get("id").and_then(Value::as_str) {
            for a in ids.iter().filter(|a| *a != pid) {
                associations.push(part_of(a, pid));
            }
        }
        if !achievements.iter().any(|x| x.get("id") == p.get("id")) {
            achievements.push((**p).clone());
        }
    }

    let mut subject = Map::new();
    if let Some(id) = subject_id {
        subject.insert("id".into(), id);
    }
    subject.insert("type".into(), json!(["ClrSubject"]));
    if let Some(i) = identifiers {
        subject.insert("identifier".into(), i);
    }
    subject.insert("verifiableCredential".into(), Value::Array(credentials));
    subject.insert("achievement".into(), Value::Array(achievements));
    if !associations.is_empty() {
        subject.insert("association".into(), Value::Array(associations));
    }

    let rev = store
        .allocate_status_indexes(
            org.id,
            Purpose::Revocation,
            1,
            LIST_SIZE,
            &[hex(&random::<8>()?)],
            now,
        )
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| BatchError::Credential("no status entry was allocated".into()))?;
    let url = issuer.list_url(&rev.list_id);
    // One object: the 1EdTech CLR 2.0 JSON Schema accepts no array here.
    let status = crate::org::status_entry(&url, "revocation", rev.index);
    let created = ler_model::datetime::format_datetime(now);
    let id = urn_uuid()?;
    let clr = json!({
        "@context": [VC_V2_CONTEXT, CLR_CONTEXT, OB3_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": org.did, "type": ["Profile"], "name": org.name},
        "validFrom": created,
        "name": options.name.clone().unwrap_or_else(|| format!("Transcript from {}", org.name)),
        "credentialSubject": subject,
        "credentialStatus": status,
    });
    let violations = ler_model::validate(&clr);
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(BatchError::Credential(format!(
            "the transcript is not valid: {}",
            list.join("; ")
        )));
    }
    let opts = SignOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: issuer.verification_method.clone(),
        created: Some(created),
        purpose: ProofPurpose::Assertion,
        expires: None,
    };
    let signed = ler_proof::sign(&clr, &issuer.key, &opts, ler_jsonld::Documents::embedded())
        .map_err(|e| BatchError::Credential(format!("the transcript cannot be signed: {e}")))?;
    store
        .insert_credential(&CredentialRow {
            id,
            org_id: org.id,
            achievement_id: None,
            recipient: Some(recipient.to_owned()),
            json: signed.clone(),
            revocation: Some((rev.list, rev.index)),
            suspension: None,
            revoked: false,
            suspended: false,
            issued_at: now,
        })
        .await?;
    Ok(signed)
}
