//! The recipient check: does this credential belong to the person in front of the verifier?
//! Matches an email or other identifier against the subject's id or its (salted, hashed)
//! IdentityObjects.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{Report, Status, first_subject};

pub(crate) fn check(doc: &Value, recipient: Option<&str>, r: &mut Report) {
    let Some(wanted) = recipient else { return };
    let Some(subject) = first_subject(doc) else {
        r.push(
            "recipient",
            Status::Failed,
            "the credential has no subject to match",
        );
        return;
    };
    if subject.get("id").and_then(Value::as_str) == Some(wanted) {
        r.push(
            "recipient",
            Status::Passed,
            format!("the credential was issued to {wanted}"),
        );
        return;
    }
    let identities = subject
        .get("identifier")
        .map(crate::as_slice)
        .unwrap_or(&[]);
    for idobj in identities {
        if identity_matches(idobj, wanted) {
            let kind = idobj
                .get("identityType")
                .and_then(Value::as_str)
                .unwrap_or("identifier");
            r.push(
                "recipient",
                Status::Passed,
                format!("the credential was issued to {wanted} (matched its {kind})"),
            );
            return;
        }
    }
    r.push(
        "recipient",
        Status::Failed,
        format!("the credential was not issued to {wanted}: neither its subject id nor any of its identifiers match"),
    );
}

/// Whether an OB 3.0 IdentityObject names `wanted`: `sha256$` + hex(SHA-256(value ‖ salt)) when
/// hashed (email addresses compared in lower case, as issuers hash them), else the plain value.
pub fn identity_matches(idobj: &Value, wanted: &str) -> bool {
    let Some(hash) = idobj.get("identityHash").and_then(Value::as_str) else {
        return false;
    };
    let hashed = idobj
        .get("hashed")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !hashed {
        return hash == wanted;
    }
    let salt = idobj.get("salt").and_then(Value::as_str).unwrap_or("");
    let Some(hex_digest) = hash.strip_prefix("sha256$") else {
        return false;
    };
    let candidates = [wanted.to_string(), wanted.to_lowercase()];
    candidates.iter().any(|c| {
        let digest = Sha256::digest(format!("{c}{salt}").as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        hex.eq_ignore_ascii_case(hex_digest)
    })
}
