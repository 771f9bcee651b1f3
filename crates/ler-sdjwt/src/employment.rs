//! From ler's employment-record credential to SD-JWT VC claims: the subject's fields become
//! selectively disclosable claims, the envelope's dates become `nbf`/`exp`.

use serde_json::{Map, Value};

use crate::SdJwtError;

/// The employment fields a holder may show or withhold, in the order a form lists them.
pub const EMPLOYMENT_FIELDS: &[&str] = &[
    "employer",
    "positionTitle",
    "employmentType",
    "startDate",
    "endDate",
    "hoursPerWeek",
    "location",
    "pay",
];

/// The claims of an employment record and the paths to make disclosable: every employment
/// field the subject carries. `sub` is the subject's id, `nbf`/`exp` come from
/// `validFrom`/`validUntil`, `jti` from the credential's `id`. The issuer (`iss`) is taken
/// from the signing key when the record is issued.
pub fn employment_claims(credential: &Value) -> Result<(Value, Vec<String>), SdJwtError> {
    let invalid = |m: &str| SdJwtError::InvalidClaims(m.to_string());
    let types = credential.get("type").map(|t| match t {
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>(),
        Value::String(s) => vec![s.as_str()],
        _ => Vec::new(),
    });
    if !types.unwrap_or_default().contains(&"EmploymentCredential") {
        return Err(invalid(
            "only an EmploymentCredential can be issued as an SD-JWT employment record",
        ));
    }
    let subject = match credential.get("credentialSubject") {
        Some(Value::Object(o)) => o,
        Some(Value::Array(a)) if a.len() == 1 => a[0]
            .as_object()
            .ok_or_else(|| invalid("the subject is not an object"))?,
        _ => return Err(invalid("the record needs exactly one credentialSubject")),
    };
    let mut claims = Map::new();
    let mut paths = Vec::new();
    for field in EMPLOYMENT_FIELDS {
        if let Some(v) = subject.get(*field) {
            claims.insert((*field).to_string(), v.clone());
            paths.push(format!("/{field}"));
        }
    }
    if paths.is_empty() {
        return Err(invalid("the subject carries no employment fields"));
    }
    if let Some(id) = subject.get("id").and_then(Value::as_str) {
        claims.insert("sub".into(), id.into());
    }
    if let Some(id) = credential.get("id").and_then(Value::as_str) {
        claims.insert("jti".into(), id.into());
    }
    for (from, to) in [("validFrom", "nbf"), ("validUntil", "exp")] {
        if let Some(s) = credential.get(from).and_then(Value::as_str) {
            let t = ler_model::datetime::parse_datetime(s)
                .map_err(|e| invalid(&format!("{from} \"{s}\" is not a date-time: {e}")))?;
            claims.insert(to.into(), t.into());
        }
    }
    Ok((Value::Object(claims), paths))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn employment_fields_become_disclosable_claims() {
        let vc = json!({
            "id": "urn:uuid:1",
            "type": ["VerifiableCredential", "EmploymentCredential"],
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:w", "positionTitle": "Clerk", "pay": {"amount": 20}}
        });
        let (claims, paths) = employment_claims(&vc).expect("claims");
        assert_eq!(paths, vec!["/positionTitle", "/pay"]);
        assert_eq!(claims["sub"], "did:example:w");
        assert_eq!(claims["nbf"], 1_767_225_600);
        assert!(employment_claims(&json!({"type": ["VerifiableCredential"]})).is_err());
    }
}
