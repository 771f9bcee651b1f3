//! Shared records: what a participant's consent grant gives the organization — each credential
//! with the verifier's report and when it was verified — and what the CBO reads from them.

use ler_wallet::{Record, RecordKind, Summary};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One record a participant shared, as the organization received and verified it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedRecord {
    /// The record's id in the holder's wallet (what the grant names).
    pub record_id: String,
    /// The credential: a JSON object, or a string holding a compact VC-JWT or SD-JWT VC.
    pub credential: Value,
    /// The verifier's report (`ler_verify::Report::to_json`).
    pub report: Value,
    /// When it was verified, seconds since the epoch.
    pub verified_at: i64,
}

/// Where a value came from: a shared record, when it was verified, and the result.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    /// The record's id.
    pub record_id: String,
    /// When it was verified, seconds since the epoch.
    pub verified_at: i64,
    /// Whether it verified.
    pub verified: bool,
    /// The checks that failed (`check: message`), when it did not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// An achievement a record awards.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Awarded {
    /// `Achievement.id`.
    pub id: Option<String>,
    /// `Achievement.name`.
    pub name: Option<String>,
    /// `Achievement.achievementType`.
    pub achievement_type: Option<String>,
    /// The issuer of the credential awarding it (the inner credential's, in a CLR).
    pub issuer: Option<String>,
    /// The issuer's name.
    pub issuer_name: Option<String>,
    /// `awardedDate`, else `validFrom`.
    pub date: Option<String>,
    /// The first `result[].status` of its subject (OB 3.0 ResultStatusType).
    pub status: Option<String>,
}

/// A shared record, read.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub provenance: Provenance,
    pub kind: RecordKind,
    pub summary: Summary,
    /// The achievements it awards (a CLR's, one per credential it holds).
    pub awarded: Vec<Awarded>,
    /// Whether it is a CLR.
    pub clr: bool,
    /// The credential's JSON (a JWT's payload).
    pub json: Value,
}

impl SharedRecord {
    /// Its provenance: the record, when it was verified, whether it verified and what failed.
    pub fn provenance(&self) -> Provenance {
        let problems = self
            .report
            .get("errors")
            .and_then(Value::as_array)
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        let title = e.get("title").and_then(Value::as_str).unwrap_or("check");
                        match e.get("detail").and_then(Value::as_str) {
                            Some(d) => format!("{title}: {d}"),
                            None => title.to_owned(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Provenance {
            record_id: self.record_id.clone(),
            verified_at: self.verified_at,
            verified: self.verified(),
            problems,
        }
    }

    /// Whether the verifier's report says it verified.
    pub fn verified(&self) -> bool {
        self.report.get("verified") == Some(&Value::Bool(true))
    }

    /// Reads the record; `Err` says why it cannot be read.
    pub(crate) fn read(&self) -> Result<Read, String> {
        let (kind, summary, json) = match &self.credential {
            // A JSON credential is read as it is; a JWT or SD-JWT through the wallet's reader,
            // which decodes its payload.
            Value::Object(_) => (
                RecordKind::of(&self.credential),
                Summary::of(&self.credential),
                self.credential.clone(),
            ),
            _ => {
                let record = Record::from_parts(
                    self.record_id.clone(),
                    self.credential.clone(),
                    self.report.clone(),
                    self.verified_at,
                )
                .map_err(|e| e.to_string())?;
                let json = record.credential_json().map_err(|e| e.to_string())?;
                (record.kind, record.summary, json)
            }
        };
        let clr = ler_model::kind(&json) == ler_model::CredentialKind::ClrCredential;
        let mut awarded = Vec::new();
        if clr {
            for subject in items(json.get("credentialSubject")) {
                for inner in items(subject.get("verifiableCredential")) {
                    awarded.extend(achievements(inner));
                }
            }
        } else {
            awarded.extend(achievements(&json));
        }
        Ok(Read {
            provenance: self.provenance(),
            kind,
            summary,
            awarded,
            clr,
            json,
        })
    }
}

/// The items of a value that may be one item or an array.
pub(crate) fn items(value: Option<&Value>) -> &[Value] {
    match value {
        Some(Value::Array(a)) => a,
        Some(v) => std::slice::from_ref(v),
        None => &[],
    }
}

pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Object(o) => text(o.get("id")),
        other => text(Some(other)),
    }
}

/// The achievements of an achievement credential (JSON).
fn achievements(credential: &Value) -> Vec<Awarded> {
    let issuer = id_of(credential.get("issuer"));
    let issuer_name = credential.get("issuer").and_then(|i| text(i.get("name")));
    let mut out = Vec::new();
    for subject in items(credential.get("credentialSubject")) {
        let status = items(subject.get("result"))
            .iter()
            .find_map(|r| text(r.get("status")));
        let date = text(subject.get("awardedDate"))
            .or_else(|| text(credential.get("awardedDate")))
            .or_else(|| text(credential.get("validFrom")))
            .or_else(|| text(credential.get("issuanceDate")));
        for a in items(subject.get("achievement")) {
            out.push(Awarded {
                id: text(a.get("id")),
                name: text(a.get("name")).or_else(|| text(credential.get("name"))),
                achievement_type: text(a.get("achievementType")),
                issuer: issuer.clone(),
                issuer_name: issuer_name.clone(),
                date: date.clone(),
                status: status.clone(),
            });
        }
    }
    out
}
