//! What kind of document a JSON value is, read from its `type` (and, for 1.1, its `@context`).

use serde_json::{Map, Value};

use crate::vocab::VC_V1_CONTEXT;

/// The kinds of document ler knows, as [`kind`] classifies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum CredentialKind {
    /// A W3C Verifiable Credential 2.0 of no type ler knows more about.
    VerifiableCredential,
    /// A W3C Verifiable Credential 1.1 (first `@context` item
    /// `https://www.w3.org/2018/credentials/v1`) of no type ler knows more about.
    VerifiableCredentialV1,
    /// An Open Badges 3.0 credential: type `AchievementCredential` or `OpenBadgeCredential`.
    AchievementCredential,
    /// An Open Badges 3.0 `EndorsementCredential`.
    EndorsementCredential,
    /// A CLR 2.0 `ClrCredential`.
    ClrCredential,
    /// ler's `EmploymentCredential` (context `https://w3id.org/ler/employment/v1`).
    EmploymentCredential,
    /// A W3C `VerifiablePresentation`.
    VerifiablePresentation,
    /// Not an object, or no `type` ler recognizes.
    Unknown,
}

/// Classifies a document by its `type` (a string or an array of strings).
///
/// The most specific type wins: a presentation, then CLR, Open Badges (achievement, then
/// endorsement), employment, then a plain credential, 1.1 when its first context is the 1.1 one.
///
/// ```
/// use ler_model::{CredentialKind, kind};
/// let doc = serde_json::json!({"type": ["VerifiableCredential", "OpenBadgeCredential"]});
/// assert_eq!(kind(&doc), CredentialKind::AchievementCredential);
/// assert_eq!(kind(&serde_json::json!(42)), CredentialKind::Unknown);
/// ```
pub fn kind(doc: &Value) -> CredentialKind {
    doc.as_object().map_or(CredentialKind::Unknown, kind_of)
}

/// [`kind`] of a JSON object.
pub(crate) fn kind_of(doc: &Map<String, Value>) -> CredentialKind {
    let types = type_names(doc.get("type"));
    let has = |name: &str| types.contains(&name);
    if has("VerifiablePresentation") {
        CredentialKind::VerifiablePresentation
    } else if has("ClrCredential") {
        CredentialKind::ClrCredential
    } else if has("AchievementCredential") || has("OpenBadgeCredential") {
        CredentialKind::AchievementCredential
    } else if has("EndorsementCredential") {
        CredentialKind::EndorsementCredential
    } else if has("EmploymentCredential") {
        CredentialKind::EmploymentCredential
    } else if has("VerifiableCredential") {
        if first_context(doc) == Some(VC_V1_CONTEXT) {
            CredentialKind::VerifiableCredentialV1
        } else {
            CredentialKind::VerifiableCredential
        }
    } else {
        CredentialKind::Unknown
    }
}

/// The string items of a `type` value (a string or an array); anything else yields none.
pub(crate) fn type_names(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The first `@context` item when it is a string.
pub(crate) fn first_context(doc: &Map<String, Value>) -> Option<&str> {
    match doc.get("@context")? {
        Value::String(s) => Some(s),
        Value::Array(items) => items.first()?.as_str(),
        _ => None,
    }
}
