//! Consent grants: who may see which records (and which fields of an employment record), for
//! what purposes, until when, once or repeatedly — and the decision for each read.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::crypt::{DataKey, open, seal};
use crate::record::{Record, RecordKind};
use crate::{Result, WalletError};

#[cfg(test)]
mod tests;

/// Longest free-text purpose, in characters.
const MAX_PURPOSE_TEXT: usize = 1_000;

/// Who a grant is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Recipient {
    /// An organization hosted in ler, by its DID.
    Organization(String),
    /// An outside verifier known by a URL (`https://…`).
    Url(String),
    /// An outside verifier known by a DID.
    Did(String),
    /// An outside verifier known by an email address (lower-cased).
    Email(String),
}

impl Recipient {
    /// An outside verifier as a person types it: an `https://` URL, a DID, or an email address.
    pub fn verifier(text: &str) -> Result<Recipient> {
        let text = text.trim();
        let invalid = || {
            WalletError::Grant(format!(
                "{text:?} is not an https URL, a DID or an email address"
            ))
        };
        if text.starts_with("did:") {
            ler_crypto::Did::parse(text).map_err(|e| WalletError::Grant(e.to_string()))?;
            Ok(Recipient::Did(text.to_owned()))
        } else if let Some(rest) = text.strip_prefix("https://") {
            if rest.is_empty() || rest.starts_with('/') || text.contains(char::is_whitespace) {
                return Err(invalid());
            }
            Ok(Recipient::Url(text.to_owned()))
        } else if let Some((local, domain)) = text.split_once('@') {
            if local.is_empty()
                || !domain.contains('.')
                || domain.starts_with('.')
                || domain.ends_with('.')
                || text.contains(char::is_whitespace)
                || domain.contains('@')
            {
                return Err(invalid());
            }
            Ok(Recipient::Email(text.to_lowercase()))
        } else {
            Err(invalid())
        }
    }

    /// The key the store files the grant under, so a recipient finds the grants made to it:
    /// `org|<did>`, `url|<url>`, `did|<did>`, `email|<address>`.
    pub fn key(&self) -> String {
        match self {
            Recipient::Organization(did) => format!("org|{did}"),
            Recipient::Url(url) => format!("url|{url}"),
            Recipient::Did(did) => format!("did|{did}"),
            Recipient::Email(email) => format!("email|{email}"),
        }
    }

    /// The recipient as an IRI, for the consent receipt (an email as `mailto:`).
    pub fn iri(&self) -> String {
        match self {
            Recipient::Organization(id) | Recipient::Url(id) | Recipient::Did(id) => id.clone(),
            Recipient::Email(email) => format!("mailto:{email}"),
        }
    }

    /// `organization` or `verifier`.
    pub fn kind(&self) -> &'static str {
        match self {
            Recipient::Organization(_) => "organization",
            _ => "verifier",
        }
    }
}

/// Why a grant is given (the list a holder picks from; `Other` wants the free text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Purpose {
    /// Applying for a job, or proving employment history.
    Employment,
    /// Admission to a school or college.
    EducationAdmission,
    /// Intake into a program (a CBO's, a training provider's).
    ProgramIntake,
    /// A program's outcome reports to its funders.
    ProgramOutcomesReporting,
    /// Eligibility for benefits.
    BenefitsEligibility,
    /// Something else, said in the free text.
    Other,
}

impl Purpose {
    /// Every purpose, in the order a form lists them.
    pub const ALL: [Purpose; 6] = [
        Purpose::Employment,
        Purpose::EducationAdmission,
        Purpose::ProgramIntake,
        Purpose::ProgramOutcomesReporting,
        Purpose::BenefitsEligibility,
        Purpose::Other,
    ];

    /// The purpose's name, as the receipt writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Employment => "employment",
            Purpose::EducationAdmission => "education-admission",
            Purpose::ProgramIntake => "program-intake",
            Purpose::ProgramOutcomesReporting => "program-outcomes-reporting",
            Purpose::BenefitsEligibility => "benefits-eligibility",
            Purpose::Other => "other",
        }
    }

    /// Parses a purpose's name.
    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A field of an employment record that a grant can disclose on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum EmploymentField {
    /// `employer`.
    Employer,
    /// `positionTitle`.
    PositionTitle,
    /// `startDate`.
    StartDate,
    /// `endDate`.
    EndDate,
    /// `hoursPerWeek`.
    HoursPerWeek,
    /// `employmentType`.
    EmploymentType,
    /// `location`.
    Location,
    /// `pay`.
    Pay,
}

impl EmploymentField {
    /// Every field.
    pub const ALL: [EmploymentField; 8] = [
        EmploymentField::Employer,
        EmploymentField::PositionTitle,
        EmploymentField::StartDate,
        EmploymentField::EndDate,
        EmploymentField::HoursPerWeek,
        EmploymentField::EmploymentType,
        EmploymentField::Location,
        EmploymentField::Pay,
    ];

    /// The property name in the credential subject.
    pub fn as_str(self) -> &'static str {
        match self {
            EmploymentField::Employer => "employer",
            EmploymentField::PositionTitle => "positionTitle",
            EmploymentField::StartDate => "startDate",
            EmploymentField::EndDate => "endDate",
            EmploymentField::HoursPerWeek => "hoursPerWeek",
            EmploymentField::EmploymentType => "employmentType",
            EmploymentField::Location => "location",
            EmploymentField::Pay => "pay",
        }
    }

    /// Parses a property name.
    pub fn parse(s: &str) -> Option<EmploymentField> {
        EmploymentField::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// How often the recipient may look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Once; the grant is used up by the first access.
    OneTime,
    /// Any number of times until the expiry.
    Repeated,
}

impl Access {
    /// `one-time` or `repeated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::OneTime => "one-time",
            Access::Repeated => "repeated",
        }
    }
}

/// One record of a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantedRecord {
    /// The record's id in the wallet.
    pub record_id: String,
    /// For an employment record, only these fields (sorted, no duplicates); `None` is the
    /// whole credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<EmploymentField>>,
}

/// What a holder asks for when giving consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSpec {
    /// Who may see the records.
    pub recipient: Recipient,
    /// Why (at least one).
    pub purposes: Vec<Purpose>,
    /// The purpose in the holder's words (required with [`Purpose::Other`]).
    pub purpose_text: Option<String>,
    /// Exactly which records (at least one).
    pub records: Vec<GrantedRecord>,
    /// Until when, seconds since the epoch (after `now`).
    pub expires_at: i64,
    /// Once or repeatedly.
    pub access: Access,
}

/// A consent grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The grant's id (`g_…`).
    pub id: String,
    /// The holder's DID (the consent receipt's issuer).
    pub holder: String,
    /// Who may see the records.
    pub recipient: Recipient,
    /// Why.
    pub purposes: Vec<Purpose>,
    /// The purpose in the holder's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose_text: Option<String>,
    /// Which records, and which fields of them.
    pub records: Vec<GrantedRecord>,
    /// Until when, seconds since the epoch.
    pub expires_at: i64,
    /// Once or repeatedly.
    pub access: Access,
    /// When consent was given.
    pub created_at: i64,
}

/// The parts of a grant that change after it is given (kept by the store, next to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GrantState {
    /// When the holder revoked it.
    pub revoked_at: Option<i64>,
    /// How many accesses it has served.
    pub used_count: u64,
}

/// Why a read is refused. A server answers every one alike (404), so a recipient cannot tell
/// what exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The grant is for someone else, or does not name the record.
    NotGranted,
    /// The grant has expired.
    Expired,
    /// The holder revoked the grant.
    Revoked,
    /// A one-time grant that has served its access.
    UsedUp,
}

/// The decision on one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed: the whole credential (`fields: None`) or only these employment fields.
    Allowed {
        /// The fields that may be shown, when restricted.
        fields: Option<Vec<EmploymentField>>,
    },
    /// Refused.
    Denied(Denial),
}

impl Grant {
    /// A grant as the holder asked for it, checked against the holder's records: every named
    /// record exists, fields are named only for employment records, purposes are given, the
    /// expiry is in the future.
    pub fn new(
        id: String,
        holder: &str,
        spec: GrantSpec,
        holder_records: &[Record],
        now: i64,
    ) -> Result<Grant> {
        let fail = |msg: String| Err(WalletError::Grant(msg));
        if spec.expires_at <= now {
            return fail("the expiry must be in the future".into());
        }
        if spec.purposes.is_empty() {
            return fail("name at least one purpose".into());
        }
        let purpose_text = spec
            .purpose_text
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if let Some(t) = &purpose_text
            && t.chars().count() > MAX_PURPOSE_TEXT
        {
            return fail(format!(
                "the purpose text is longer than {MAX_PURPOSE_TEXT} characters"
            ));
        }
        if spec.purposes.contains(&Purpose::Other) && purpose_text.is_none() {
            return fail("say what the other purpose is".into());
        }
        let mut purposes = spec.purposes;
        purposes.dedup();
        if spec.records.is_empty() {
            return fail("name at least one record".into());
        }
        let mut records: Vec<GrantedRecord> = Vec::with_capacity(spec.records.len());
        for mut granted in spec.records {
            if records.iter().any(|r| r.record_id == granted.record_id) {
                return fail(format!("record {} is named twice", granted.record_id));
            }
            let Some(record) = holder_records.iter().find(|r| r.id == granted.record_id) else {
                return fail(format!("there is no record {}", granted.record_id));
            };
            if let Some(fields) = &mut granted.fields {
                if record.kind != RecordKind::Employment {
                    return fail(format!(
                        "record {} is not an employment record, so it is shared whole",
                        record.id
                    ));
                }
                fields.sort();
                fields.dedup();
                if fields.is_empty() {
                    return fail(format!("name at least one field of record {}", record.id));
                }
            }
            records.push(granted);
        }
        Ok(Grant {
            id,
            holder: holder.to_owned(),
            recipient: spec.recipient,
            purposes,
            purpose_text,
            records,
            expires_at: spec.expires_at,
            access: spec.access,
            created_at: now,
        })
    }

    /// Whether the grant names `record_id`, and which fields of it.
    pub fn record(&self, record_id: &str) -> Option<&GrantedRecord> {
        self.records.iter().find(|r| r.record_id == record_id)
    }

    /// Whether the grant is live at `now`: not revoked, not expired, not used up.
    pub fn live(&self, state: &GrantState, now: i64) -> std::result::Result<(), Denial> {
        if state.revoked_at.is_some() {
            Err(Denial::Revoked)
        } else if now >= self.expires_at {
            Err(Denial::Expired)
        } else if self.access == Access::OneTime && state.used_count >= 1 {
            Err(Denial::UsedUp)
        } else {
            Ok(())
        }
    }

    /// The decision on `who` reading `record_id` at `now`.
    pub fn allows(
        &self,
        who: &Recipient,
        record_id: &str,
        state: &GrantState,
        now: i64,
    ) -> Decision {
        if *who != self.recipient {
            return Decision::Denied(Denial::NotGranted);
        }
        let Some(granted) = self.record(record_id) else {
            return Decision::Denied(Denial::NotGranted);
        };
        match self.live(state, now) {
            Ok(()) => Decision::Allowed {
                fields: granted.fields.clone(),
            },
            Err(denial) => Decision::Denied(denial),
        }
    }

    /// The record ids, in the grant's order.
    pub fn record_ids(&self) -> Vec<String> {
        self.records.iter().map(|r| r.record_id.clone()).collect()
    }
}

/// A grant with its consent receipt, as the wallet keeps it (sealed, in the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    /// The grant.
    pub grant: Grant,
    /// The receipt: the grant as a credential signed by the holder.
    pub receipt: Value,
}

impl Consent {
    /// Sealed for holder `holder_id` (associated data: holder and grant id).
    pub fn seal(&self, key: &DataKey, holder_id: &str) -> Result<Vec<u8>> {
        let bytes = serde_json::to_vec(self).map_err(|e| WalletError::Invalid {
            what: "grant",
            reason: e.to_string(),
        })?;
        let bytes = zeroize::Zeroizing::new(bytes);
        Ok(seal(key, &aad(holder_id, &self.grant.id), &bytes))
    }

    /// Opens what [`Consent::seal`] made for this holder and grant id.
    pub fn open(key: &DataKey, holder_id: &str, grant_id: &str, sealed: &[u8]) -> Result<Consent> {
        let bytes = open(key, &aad(holder_id, grant_id), sealed)?;
        serde_json::from_slice(&bytes).map_err(|e| WalletError::Invalid {
            what: "stored grant",
            reason: e.to_string(),
        })
    }
}

fn aad(holder_id: &str, grant_id: &str) -> Vec<u8> {
    format!("ler-wallet grant|{holder_id}|{grant_id}").into_bytes()
}
