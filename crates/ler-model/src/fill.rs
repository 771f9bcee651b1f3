//! Filling in a credential's `id`, `validFrom` and `issuer` when the author left them out.

use serde_json::Value;

use crate::kind::first_context;
use crate::normalize::{Action, Change};
use crate::path::Path;
use crate::vocab::VC_V1_CONTEXT;

/// The values [`fill`] may put into a credential. The caller supplies them (a fresh
/// `urn:uuid:`, the current time, the signing key's DID): this crate has no clock and no
/// randomness.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fill {
    /// The credential `id`, such as `urn:uuid:…`.
    pub id: Option<String>,
    /// `validFrom` (`issuanceDate` for a VC 1.1 credential), an `xsd:dateTime`.
    pub valid_from: Option<String>,
    /// The issuer URL (usually a DID).
    pub issuer: Option<String>,
}

/// Sets each field of `opts` that is given and missing (absent or `null`) in `doc`, and says
/// which it set. An issuer object without an `id` gets the issuer as its `id`. Nothing present
/// is ever replaced, and nothing is checked: run [`crate::validate`] afterwards.
///
/// ```
/// use ler_model::{Fill, fill};
/// let mut doc = serde_json::json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:kept"});
/// let opts = Fill {
///     id: Some("urn:uuid:new".into()),
///     valid_from: Some("2026-01-01T00:00:00Z".into()),
///     issuer: Some("did:example:issuer".into()),
/// };
/// let changes = fill(&mut doc, &opts);
/// assert_eq!(changes.len(), 2);
/// assert_eq!(doc["id"], "urn:uuid:kept");
/// assert_eq!(doc["validFrom"], "2026-01-01T00:00:00Z");
/// assert_eq!(doc["issuer"], "did:example:issuer");
/// ```
pub fn fill(doc: &mut Value, opts: &Fill) -> Vec<Change> {
    let mut changes = Vec::new();
    let Value::Object(obj) = doc else {
        return changes;
    };
    let root = Path::root();
    let valid_from_key = if first_context(obj) == Some(VC_V1_CONTEXT) {
        "issuanceDate"
    } else {
        "validFrom"
    };
    for (key, value) in [
        ("id", &opts.id),
        (valid_from_key, &opts.valid_from),
        ("issuer", &opts.issuer),
    ] {
        let Some(value) = value else {
            continue;
        };
        match obj.get_mut(key) {
            None | Some(Value::Null) => {
                obj.insert(key.to_string(), Value::String(value.clone()));
                changes.push(Change {
                    path: root.key(key).as_str().to_string(),
                    action: Action::Filled,
                });
            }
            Some(Value::Object(issuer))
                if key == "issuer" && issuer.get("id").is_none_or(Value::is_null) =>
            {
                issuer.insert("id".to_string(), Value::String(value.clone()));
                changes.push(Change {
                    path: root.key("issuer").key("id").as_str().to_string(),
                    action: Action::Filled,
                });
            }
            Some(_) => {}
        }
    }
    changes
}
