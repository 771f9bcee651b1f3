//! Serialization as Open Badges 3.0 writes it: set-valued properties as arrays, and no nulls.
//!
//! The rule, taken from the 1EdTech OB 3.0 and CLR 2.0 JSON Schemas (the JSON-LD adaptation,
//! which accepts a single value or an array for a property of multiplicity `[0..*]`/`[1..*]`
//! and only a single value for `[0..1]`/`[1]`):
//!
//! - a property the schemas allow as an array is written as an array, even with one item:
//!   `type` of every class whose type is a set (credentials, presentations, AchievementSubject,
//!   ClrSubject, EndorsementSubject, Achievement, Profile, Alignment, Result, ResultDescription,
//!   RubricCriterionLevel, Evidence, Related, Address, and ler's EmploymentSubject, Employer,
//!   Location and Pay); a credential's `endorsement`, `endorsementJwt`, `credentialSchema`,
//!   `termsOfUse` and `evidence`; an AchievementSubject's `identifier` and `result`; an
//!   Achievement's `alignment`, `endorsement`, `endorsementJwt`, `otherIdentifier`, `related`,
//!   `resultDescription` and `tag`; a Profile's `endorsement`, `endorsementJwt` and
//!   `otherIdentifier`; a Result's `alignment`; a ResultDescription's `alignment`,
//!   `allowedValue` and `rubricCriterionLevel`; a RubricCriterionLevel's `alignment`; a
//!   ClrSubject's `identifier`, `achievement`, `verifiableCredential` and `association`; a
//!   presentation's `verifiableCredential`;
//! - a property of multiplicity one stays a single value. In particular `credentialSubject`,
//!   `credentialStatus`, `achievementType`, and the `type` of `Image`, `IdentityObject`,
//!   `IdentifierEntry`, `Association`, `GeoCoordinates`, `CredentialStatus`, `CredentialSchema`,
//!   `TermsOfUse`, `RefreshService` and `Proof`, which the schemas only accept as a string;
//! - `proof` is left as it is: a single proof is an object and a proof set an array (VC Data
//!   Integrity), and rewriting a signed document would break an `eddsa-jcs-2022` signature;
//! - every `null` member or array item is removed: the data models define no null value, and
//!   JSON-LD would silently drop it (so it would go unsigned);
//! - `@context` is left exactly as given (null has a meaning inside a context).
//!
//! Embedded credentials (endorsements, a CLR's `verifiableCredential`) are normalized by the
//! same rule according to their own type. Values of the wrong kind (a string where an object is
//! expected) are left for [`crate::validate`] to report.

#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::{Map, Value};

use crate::kind::{CredentialKind, kind_of};
use crate::path::Path;

/// One change [`normalize`] or [`crate::fill`] made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Change {
    /// Where, as a JSON path: for a removed null, where it was in the input; otherwise where the
    /// changed value is in the output.
    pub path: String,
    /// What was done.
    pub action: Action,
}

/// What a [`Change`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// A single value of a set-valued property became a one-item array.
    WrappedInArray,
    /// A `null` member or array item was removed.
    RemovedNull,
    /// A missing member was filled in from the caller's values.
    Filled,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.action {
            Action::WrappedInArray => "wrote the single value as a one-item array",
            Action::RemovedNull => "removed null",
            Action::Filled => "filled in",
        };
        write!(f, "{}: {what}", self.path)
    }
}

/// Deepest nesting [`normalize`] descends into; deeper values are left as they are.
const MAX_DEPTH: usize = 128;

/// Rewrites `doc` in place by the rule in this module's documentation and says what changed.
///
/// Run it on unsigned documents: it changes the JSON, so it is for writing a credential, not
/// for reading a signed one.
///
/// ```
/// let mut doc = serde_json::json!({
///     "@context": ["https://www.w3.org/ns/credentials/v2",
///                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
///     "type": "OpenBadgeCredential",
///     "description": null,
///     "credentialSubject": {"type": "AchievementSubject",
///                           "achievement": {"type": "Achievement", "image": {"id": "https://example.org/b.png", "type": "Image"}}}
/// });
/// let changes = ler_model::normalize(&mut doc);
/// assert_eq!(changes.len(), 4);
/// assert_eq!(doc["type"], serde_json::json!(["OpenBadgeCredential"]));
/// assert_eq!(doc["credentialSubject"]["achievement"]["type"], serde_json::json!(["Achievement"]));
/// assert_eq!(doc["credentialSubject"]["achievement"]["image"]["type"], "Image");
/// assert!(doc.get("description").is_none());
/// ```
pub fn normalize(doc: &mut Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let root = Path::root();
    remove_nulls(doc, &root, 0, &mut changes);
    let class = match doc.as_object().map(kind_of) {
        Some(CredentialKind::VerifiablePresentation) => Class::Presentation,
        _ => Class::Credential,
    };
    wrap_sets(doc, class, &root, 0, &mut changes);
    changes
}

fn remove_nulls(value: &mut Value, at: &Path, depth: usize, changes: &mut Vec<Change>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                if key == "@context" {
                    continue;
                }
                if member.is_null() {
                    changes.push(Change {
                        path: at.key(key).as_str().to_string(),
                        action: Action::RemovedNull,
                    });
                } else {
                    remove_nulls(member, &at.key(key), depth + 1, changes);
                }
            }
            members.retain(|key, member| !member.is_null() || key == "@context");
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                if item.is_null() {
                    changes.push(Change {
                        path: at.index(i).as_str().to_string(),
                        action: Action::RemovedNull,
                    });
                } else {
                    remove_nulls(item, &at.index(i), depth + 1, changes);
                }
            }
            items.retain(|item| !item.is_null());
        }
        _ => {}
    }
}

/// The classes whose set-valued properties the schemas define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Credential,
    Presentation,
    AchievementSubject,
    ClrSubject,
    EndorsementSubject,
    EmploymentSubject,
    Achievement,
    Profile,
    Alignment,
    Result,
    ResultDescription,
    RubricCriterionLevel,
    /// A class whose only set-valued property is `type`.
    Typed,
    /// Anything else: only nulls are removed.
    Other,
}

/// `(property, set-valued, class of its values)` for a class. A credential's subject and issuer
/// depend on the credential's kind and are filled in by [`wrap_sets`].
fn properties(class: Class) -> &'static [(&'static str, bool, Class)] {
    use Class::*;
    match class {
        Credential => &[
            ("type", true, Other),
            ("endorsement", true, Credential),
            ("endorsementJwt", true, Other),
            ("credentialSchema", true, Other),
            ("termsOfUse", true, Other),
            ("evidence", true, Typed),
        ],
        Presentation => &[
            ("type", true, Other),
            ("verifiableCredential", true, Credential),
        ],
        AchievementSubject => &[
            ("type", true, Other),
            ("identifier", true, Other),
            ("result", true, Result),
            ("achievement", false, Achievement),
            ("source", false, Profile),
        ],
        ClrSubject => &[
            ("type", true, Other),
            ("identifier", true, Other),
            ("achievement", true, Achievement),
            ("verifiableCredential", true, Credential),
            ("association", true, Other),
        ],
        EmploymentSubject => &[
            ("type", true, Other),
            ("employer", false, Typed),
            ("location", false, Typed),
            ("pay", false, Typed),
        ],
        Achievement => &[
            ("type", true, Other),
            ("alignment", true, Alignment),
            ("endorsement", true, Credential),
            ("endorsementJwt", true, Other),
            ("otherIdentifier", true, Other),
            ("related", true, Typed),
            ("resultDescription", true, ResultDescription),
            ("tag", true, Other),
            ("creator", false, Profile),
        ],
        Profile => &[
            ("type", true, Other),
            ("endorsement", true, Credential),
            ("endorsementJwt", true, Other),
            ("otherIdentifier", true, Other),
            ("parentOrg", false, Profile),
            ("address", false, Typed),
        ],
        Result | RubricCriterionLevel => &[("type", true, Other), ("alignment", true, Alignment)],
        ResultDescription => &[
            ("type", true, Other),
            ("alignment", true, Alignment),
            ("allowedValue", true, Other),
            ("rubricCriterionLevel", true, RubricCriterionLevel),
        ],
        EndorsementSubject | Alignment | Typed => &[("type", true, Other)],
        Other => &[],
    }
}

fn wrap_sets(value: &mut Value, class: Class, at: &Path, depth: usize, changes: &mut Vec<Change>) {
    if depth > MAX_DEPTH || class == Class::Other {
        return;
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                wrap_sets(item, class, &at.index(i), depth + 1, changes);
            }
        }
        Value::Object(obj) => {
            let mut extra: Vec<(&str, bool, Class)> = Vec::new();
            if class == Class::Credential {
                let (subject, issuer) = match kind_of(obj) {
                    CredentialKind::AchievementCredential => {
                        (Class::AchievementSubject, Class::Profile)
                    }
                    CredentialKind::EndorsementCredential => {
                        (Class::EndorsementSubject, Class::Profile)
                    }
                    CredentialKind::ClrCredential => (Class::ClrSubject, Class::Profile),
                    CredentialKind::EmploymentCredential => {
                        (Class::EmploymentSubject, Class::Other)
                    }
                    _ => (Class::Other, Class::Other),
                };
                extra.push(("credentialSubject", false, subject));
                extra.push(("issuer", false, issuer));
            }
            wrap_members(
                obj,
                properties(class).iter().copied().chain(extra),
                at,
                depth,
                changes,
            );
        }
        _ => {}
    }
}

fn wrap_members<'a>(
    obj: &mut Map<String, Value>,
    spec: impl Iterator<Item = (&'a str, bool, Class)>,
    at: &Path,
    depth: usize,
    changes: &mut Vec<Change>,
) {
    for (key, set, child) in spec {
        let Some(member) = obj.get_mut(key) else {
            continue;
        };
        let path = at.key(key);
        if set && !member.is_array() {
            let single = member.take();
            *member = Value::Array(vec![single]);
            changes.push(Change {
                path: path.as_str().to_string(),
                action: Action::WrappedInArray,
            });
        }
        wrap_sets(member, child, &path, depth + 1, changes);
    }
}
