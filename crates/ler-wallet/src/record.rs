//! Records: credentials a holder received, with the verifier's report, a fingerprint for
//! duplicate detection and a [`Summary`] for display.

use ler_model::CredentialKind;
use ler_verify::Report;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::crypt::{DataKey, hex, open, seal};
use crate::{Result, WalletError};

/// What a record is, for grouping the holder's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// Education and achievements: Open Badges, CLRs, endorsements.
    Education,
    /// Employment history.
    Employment,
    /// Any other credential.
    Other,
}

impl RecordKind {
    /// The kind's name (`education`, `employment`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Education => "education",
            RecordKind::Employment => "employment",
            RecordKind::Other => "other",
        }
    }

    /// Parses a kind's name.
    pub fn parse(s: &str) -> Option<RecordKind> {
        match s {
            "education" => Some(RecordKind::Education),
            "employment" => Some(RecordKind::Employment),
            "other" => Some(RecordKind::Other),
            _ => None,
        }
    }

    /// The kind of a credential (JSON, or an SD-JWT VC's claims), by its type.
    pub fn of(credential: &Value) -> RecordKind {
        if credential.get("vct").and_then(Value::as_str) == Some(ler_sdjwt::EMPLOYMENT_VCT) {
            return RecordKind::Employment;
        }
        match ler_model::kind(credential) {
            CredentialKind::AchievementCredential
            | CredentialKind::ClrCredential
            | CredentialKind::EndorsementCredential => RecordKind::Education,
            CredentialKind::EmploymentCredential => RecordKind::Employment,
            _ => RecordKind::Other,
        }
    }
}

/// A skill the record aligns to (OB 3.0 `Alignment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    /// `targetName`.
    pub target_name: String,
    /// `targetUrl` (an RSD, a CTDL competency, an O*NET page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// `targetCode` (e.g. an O*NET-SOC code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_code: Option<String>,
    /// `targetFramework`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_framework: Option<String>,
}

/// The employment fields of an employment record, as text for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Employment {
    /// The employer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// `positionTitle`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_title: Option<String>,
    /// `startDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// `endDate` (none while current).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// `hoursPerWeek`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours_per_week: Option<f64>,
    /// `employmentType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment_type: Option<String>,
    /// The location's locality, region and country, joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Pay: amount, currency and period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay: Option<String>,
}

/// What the holder's view shows of a record, read from the credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The credential's `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// The issuer's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The issuer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// The credential's name, else its achievement's, else the position title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The achievement's (or credential's) description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `validFrom` (or `issuanceDate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// `validUntil` (or `expirationDate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// OB 3.0 `awardedDate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awarded: Option<String>,
    /// Skills from the alignments (of the achievement, and of every credential a CLR holds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<Skill>,
    /// The employment fields, for employment records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment: Option<Employment>,
}

/// A received credential as the wallet keeps it (sealed, in the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The record's id in the wallet (`r_…`).
    pub id: String,
    /// Education, employment or other.
    pub kind: RecordKind,
    /// The credential as received: a JSON object, or a string holding a compact VC-JWT or an
    /// SD-JWT VC (`<JWT>~<disclosure>~…~`).
    pub credential: Value,
    /// The verification report at receipt ([`Report::to_json`]).
    pub report: Value,
    /// SHA-256 (hex) of the JCS of the credential without its proof, or of the compact JWT.
    pub fingerprint: String,
    /// For display.
    pub summary: Summary,
    /// When it was received, seconds since the epoch.
    pub received_at: i64,
}

impl Record {
    /// A record of `credential` (as [`read_credential`] returns it) and the report the
    /// verifier gave for it.
    pub fn new(id: String, credential: Value, report: &Report, received_at: i64) -> Result<Record> {
        Record::from_parts(id, credential, report.to_json(), received_at)
    }

    /// A record from its stored parts; kind, fingerprint and summary are computed again from
    /// the credential (so an imported bundle cannot disagree with itself).
    pub fn from_parts(
        id: String,
        credential: Value,
        report: Value,
        received_at: i64,
    ) -> Result<Record> {
        let fingerprint = fingerprint(&credential)?;
        let payload = payload(&credential)?;
        Ok(Record {
            id,
            kind: RecordKind::of(&payload),
            summary: Summary::of(&payload),
            credential,
            report,
            fingerprint,
            received_at,
        })
    }

    /// Whether the verifier said the record verified when it was received.
    pub fn verified(&self) -> bool {
        self.report.get("verified") == Some(&Value::Bool(true))
    }

    /// The credential's JSON: itself, or a JWT's decoded credential.
    pub fn credential_json(&self) -> Result<Value> {
        payload(&self.credential)
    }

    /// The record sealed for holder `holder_id` (associated data: holder and record id).
    pub fn seal(&self, key: &DataKey, holder_id: &str) -> Result<Vec<u8>> {
        let bytes = serde_json::to_vec(self).map_err(|e| WalletError::Invalid {
            what: "record",
            reason: e.to_string(),
        })?;
        let bytes = zeroize::Zeroizing::new(bytes);
        Ok(seal(key, &aad(holder_id, &self.id), &bytes))
    }

    /// Opens a record sealed by [`Record::seal`] for this holder and record id.
    pub fn open(key: &DataKey, holder_id: &str, record_id: &str, sealed: &[u8]) -> Result<Record> {
        let bytes = open(key, &aad(holder_id, record_id), sealed)?;
        serde_json::from_slice(&bytes).map_err(|e| WalletError::Invalid {
            what: "stored record",
            reason: e.to_string(),
        })
    }
}

fn aad(holder_id: &str, record_id: &str) -> Vec<u8> {
    format!("ler-wallet record|{holder_id}|{record_id}").into_bytes()
}

/// The credential in what a holder uploads or pastes: a JSON object, a compact VC-JWT (also
/// as a JSON string), or a PNG / SVG image with a credential baked in.
pub fn read_credential(bytes: &[u8]) -> Result<Value> {
    let invalid = |reason: String| WalletError::Invalid {
        what: "credential",
        reason,
    };
    if bytes.len() > ler_verify::MAX_INPUT_BYTES.max(ler_bake::MAX_IMAGE_BYTES) {
        return Err(invalid(format!("{} bytes is too large", bytes.len())));
    }
    let text = if ler_bake::is_image(bytes) {
        ler_bake::unbake(bytes).map_err(|e| invalid(e.to_string()))?
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|_| invalid("not UTF-8 text".into()))?
    };
    let text = text.trim();
    if text.len() > ler_verify::MAX_INPUT_BYTES {
        return Err(invalid(format!("{} bytes is too large", text.len())));
    }
    if looks_like_jwt(text) || is_sd_jwt(text) {
        return Ok(Value::String(text.to_owned()));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::String(s)) if looks_like_jwt(&s) || is_sd_jwt(&s) => Ok(Value::String(s)),
        Ok(doc @ Value::Object(_)) => Ok(doc),
        Ok(_) => Err(invalid("expected a JSON object or a VC-JWT".into())),
        Err(e) => Err(invalid(format!("not JSON, a VC-JWT or a baked image: {e}"))),
    }
}

fn looks_like_jwt(s: &str) -> bool {
    s.starts_with("ey") && s.matches('.').count() == 2 && !s.contains(char::is_whitespace)
}

/// Whether `s` has the shape of an SD-JWT: a compact JWT, then `~` and the disclosures.
pub(crate) fn is_sd_jwt(s: &str) -> bool {
    s.split_once('~')
        .is_some_and(|(jwt, rest)| looks_like_jwt(jwt) && !rest.contains(char::is_whitespace))
}

/// The fingerprint duplicates are recognized by: SHA-256 (hex) of the JCS of a JSON credential
/// without its `proof`, or of a compact JWT's (or SD-JWT's) text.
pub fn fingerprint(credential: &Value) -> Result<String> {
    match credential {
        Value::String(jwt) => Ok(hex(&Sha256::digest(jwt.as_bytes()))),
        Value::Object(map) => {
            let mut unsecured = map.clone();
            unsecured.remove("proof");
            let text =
                ler_jsonld::jcs(&Value::Object(unsecured)).map_err(|e| WalletError::Invalid {
                    what: "credential",
                    reason: e.to_string(),
                })?;
            Ok(hex(&Sha256::digest(text.as_bytes())))
        }
        _ => Err(WalletError::Invalid {
            what: "credential",
            reason: "expected a JSON object or a VC-JWT".into(),
        }),
    }
}

/// The credential's JSON: a JSON credential itself, a JWT's payload (its `vc` claim in the
/// VC 1.1 JWT form), or an SD-JWT's claims with every disclosure in place (the holder's view).
fn payload(credential: &Value) -> Result<Value> {
    match credential {
        Value::String(sd_jwt) if is_sd_jwt(sd_jwt) => ler_sdjwt::inspect(sd_jwt)
            .map(|inspected| inspected.claims)
            .map_err(|e| WalletError::Invalid {
                what: "credential",
                reason: e.to_string(),
            }),
        Value::String(jwt) => {
            let decoded = ler_proof::decode_jwt(jwt).map_err(|e| WalletError::Invalid {
                what: "credential",
                reason: e.to_string(),
            })?;
            match decoded.payload.get("vc") {
                Some(vc @ Value::Object(_)) => Ok(vc.clone()),
                _ => Ok(Value::Object(decoded.payload)),
            }
        }
        Value::Object(_) => Ok(credential.clone()),
        _ => Err(WalletError::Invalid {
            what: "credential",
            reason: "expected a JSON object or a VC-JWT".into(),
        }),
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

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        // OB 3.0 allows language maps and objects for some strings; take a plain string only.
        _ => None,
    }
}

/// An id given as a string or as an object's `id`.
fn id_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => text(o.get("id")),
        _ => None,
    }
}

impl Summary {
    /// Reads the summary of a credential (JSON).
    pub fn of(credential: &Value) -> Summary {
        let empty = Map::new();
        let doc = credential.as_object().unwrap_or(&empty);
        if doc.contains_key("vct") {
            return Summary::of_sd_jwt_claims(doc);
        }
        let subject = items(doc.get("credentialSubject"))
            .first()
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let achievement = items(subject.get("achievement"))
            .first()
            .and_then(Value::as_object);
        let issuer_name = match doc.get("issuer") {
            Some(Value::Object(o)) => text(o.get("name")),
            _ => None,
        };
        let employment =
            (RecordKind::of(credential) == RecordKind::Employment).then(|| Employment::of(subject));
        let name = text(doc.get("name"))
            .or_else(|| achievement.and_then(|a| text(a.get("name"))))
            .or_else(|| employment.as_ref().and_then(|e| e.position_title.clone()));
        let description = achievement
            .and_then(|a| text(a.get("description")))
            .or_else(|| text(doc.get("description")));
        let mut skills = Vec::new();
        collect_skills(subject, &mut skills);
        for inner in items(subject.get("verifiableCredential")) {
            for inner_subject in items(inner.get("credentialSubject")) {
                if let Some(s) = inner_subject.as_object() {
                    collect_skills(s, &mut skills);
                }
            }
        }
        Summary {
            credential_id: text(doc.get("id")),
            issuer: id_of(doc.get("issuer")),
            issuer_name,
            name,
            description,
            valid_from: text(doc.get("validFrom")).or_else(|| text(doc.get("issuanceDate"))),
            valid_until: text(doc.get("validUntil")).or_else(|| text(doc.get("expirationDate"))),
            awarded: text(subject.get("awardedDate")).or_else(|| text(doc.get("awardedDate"))),
            skills,
            employment,
        }
    }
}

impl Summary {
    /// The summary of an SD-JWT VC's claims: the record's fields are top-level claims, the
    /// issuer is `iss`, the dates are NumericDates.
    fn of_sd_jwt_claims(claims: &Map<String, Value>) -> Summary {
        let date = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_i64)
                .map(ler_model::datetime::format_datetime)
        };
        let employment = (RecordKind::of(&Value::Object(claims.clone())) == RecordKind::Employment)
            .then(|| Employment::of(claims));
        Summary {
            credential_id: text(claims.get("jti")),
            issuer: text(claims.get("iss")),
            issuer_name: None,
            name: text(claims.get("name"))
                .or_else(|| employment.as_ref().and_then(|e| e.position_title.clone())),
            description: text(claims.get("description")),
            valid_from: date("nbf").or_else(|| date("iat")),
            valid_until: date("exp"),
            awarded: None,
            skills: Vec::new(),
            employment,
        }
    }
}

/// Adds the alignments of a subject's achievement, once each.
fn collect_skills(subject: &Map<String, Value>, skills: &mut Vec<Skill>) {
    let alignments = items(subject.get("achievement"))
        .iter()
        .flat_map(|achievement| items(achievement.get("alignment")));
    for alignment in alignments {
        let Some(target_name) = text(alignment.get("targetName")) else {
            continue;
        };
        let skill = Skill {
            target_name,
            target_url: text(alignment.get("targetUrl")),
            target_code: text(alignment.get("targetCode")),
            target_framework: text(alignment.get("targetFramework")),
        };
        if !skills.contains(&skill) {
            skills.push(skill);
        }
    }
}

impl Employment {
    fn of(subject: &Map<String, Value>) -> Employment {
        let employer = match subject.get("employer") {
            Some(Value::Object(o)) => text(o.get("name")),
            other => text(other),
        };
        let location = subject.get("location").and_then(Value::as_object).map(|l| {
            [
                "addressLocality",
                "addressRegion",
                "postalCode",
                "addressCountry",
            ]
            .iter()
            .filter_map(|k| text(l.get(*k)))
            .collect::<Vec<_>>()
            .join(", ")
        });
        let pay = subject.get("pay").and_then(Value::as_object).map(|p| {
            let amount = p.get("amount").map(Value::to_string).unwrap_or_default();
            let currency = text(p.get("currency")).unwrap_or_default();
            match text(p.get("period")) {
                Some(period) => format!("{amount} {currency} per {period}"),
                None => format!("{amount} {currency}"),
            }
        });
        Employment {
            employer,
            position_title: text(subject.get("positionTitle")),
            start_date: text(subject.get("startDate")),
            end_date: text(subject.get("endDate")),
            hours_per_week: subject.get("hoursPerWeek").and_then(Value::as_f64),
            employment_type: text(subject.get("employmentType")),
            location: location.filter(|l| !l.is_empty()),
            pay,
        }
    }
}
