//! JOSE: compact JWS with EdDSA (Ed25519), and credentials secured as VC-JWTs.
//!
//! Two VC-JWT forms are signed, chosen with [`VcJwtForm`]:
//!
//! - **VC-JOSE-COSE** (W3C): the JWT Claims Set *is* the credential; header
//!   `{"alg":"EdDSA","typ":"vc+jwt","kid":…}`.
//! - **1EdTech** (Open Badges 3.0 §8.2, VC 2.0 edition): the payload is the credential's JSON
//!   object with the JWT claims `iss` (`issuer.id`), `jti` (`id`), `nbf` (`validFrom`), `sub`
//!   (`credentialSubject.id`, when it has one) and `exp` (`validUntil`, when present) added;
//!   header `{"alg":"EdDSA","typ":"JWT","kid":…}`. Tokens made under VC 1.1, with the credential
//!   in a `vc` claim, are still read by [`verify_jwt`] (the payload is returned as is; the caller
//!   unwraps `vc`).
//!
//! [`verify_jwt`] is strict on purpose:
//!
//! - exactly three base64url (unpadded, canonical) parts; header and payload JSON objects;
//! - `alg` must be exactly `EdDSA`. `none`, HMAC (`HS256`…), RSA and ECDSA are refused before
//!   any key is touched, so a public key is never used as an HMAC secret;
//! - `typ` must be one of the caller's types (case-insensitive, `application/` optional); a
//!   header without `typ` counts as `JWT`, which the 1EdTech form allows;
//! - `crit` is refused (ler understands no header extensions);
//! - `kid` is required and resolved through the caller's [`Resolver`] (did:key offline, did:web
//!   through whatever the caller passes). A `jwk` alone is not enough, since nothing would bind
//!   it to the issuer; a `jwk` next to `kid` must be the key `kid` resolves to;
//! - a relative `kid` (`#key-1`) is resolved against the issuer's DID, taken from the `iss`
//!   claim, else from the credential's `issuer` (in the payload or its `vc` claim). This is
//!   safe because callers still check that the key's controller is the credential's issuer;
//! - the signature is verified with strict Ed25519 (`verify_strict`).
//!
//! Binding the key to the issuer, the claim mapping and the clock are the caller's checks
//! (`ler-verify` does them).

#[cfg(test)]
mod tests;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_crypto::KeyPair;
use serde_json::{Map, Value};

use crate::{Resolver, VerificationMethod};

/// The only JWS algorithm ler signs and verifies.
pub const JWS_ALG: &str = "EdDSA";

/// JWT claim names registered with IANA that the VC-JWT forms use; they are not credential
/// properties.
pub const REGISTERED_CLAIMS: [&str; 8] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf"];

/// Why a JWT could not be made or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoseError {
    /// The token is not a well-formed compact JWS with JSON header and payload.
    #[error("malformed JWT: {0}")]
    Malformed(String),
    /// The header names an algorithm ler does not accept.
    #[error("{0}")]
    UnsupportedAlg(String),
    /// The header's `typ` is not one the caller accepts.
    #[error("JWT typ is {found:?}, expected {expected}")]
    WrongType {
        /// The `typ` in the header.
        found: String,
        /// The accepted types, in words.
        expected: String,
    },
    /// The header marks extensions as critical; ler understands none.
    #[error("the JWT header marks extensions as critical ({0}), which ler does not understand")]
    Critical(String),
    /// The header has no `kid`.
    #[error(
        "the JWT header has no kid: ler needs the verification method URL to bind the key to the issuer"
    )]
    MissingKid,
    /// The `kid` could not be resolved to a key.
    #[error("kid {kid} could not be resolved: {reason}")]
    Unresolved {
        /// The key id, as resolved (absolute).
        kid: String,
        /// Why.
        reason: String,
    },
    /// The header carries a `jwk` that is not the key `kid` names.
    #[error("the header's jwk is not the key that kid {0} names")]
    JwkMismatch(String),
    /// The signature does not verify with the key.
    #[error("signature does not verify: the token was changed, or signed by another key")]
    BadSignature,
    /// The credential cannot be turned into a JWT of the requested form.
    #[error("cannot sign as a VC-JWT: {0}")]
    Unsignable(String),
}

/// A JWT whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedJwt {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The JWT Claims Set.
    pub payload: Map<String, Value>,
    /// The key that verified it, with its controller and relationships.
    pub verification_method: VerificationMethod,
}

/// A compact JWS taken apart, not yet verified.
#[derive(Debug, Clone)]
pub struct DecodedJwt {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The JWT Claims Set.
    pub payload: Map<String, Value>,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// `BASE64URL(header) "." BASE64URL(payload)`, the bytes the signature covers.
    pub signing_input: String,
}

/// Which VC-JWT form to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcJwtForm {
    /// W3C VC-JOSE-COSE: the payload is the credential, `typ` is `vc+jwt`.
    VcJoseCose,
    /// 1EdTech Open Badges 3.0 §8.2: the credential plus `iss`, `jti`, `nbf`, `sub`, `exp`
    /// claims, `typ` is `JWT`.
    OneEdTech,
}

/// Signs `payload` as a compact JWS with EdDSA. The header is `alg`, then `header_extra`'s
/// members (`typ`, …), then `kid`; `alg` and `kid` in `header_extra` are overridden.
pub fn sign_jwt(
    header_extra: &Map<String, Value>,
    payload: &Value,
    key: &KeyPair,
    kid: &str,
) -> String {
    let mut header = Map::new();
    header.insert("alg".into(), JWS_ALG.into());
    for (k, v) in header_extra {
        if k != "alg" && k != "kid" {
            header.insert(k.clone(), v.clone());
        }
    }
    header.insert("kid".into(), kid.into());
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(Value::Object(header).to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Signs a credential as a VC-JWT of the given form, with `kid` the verification method URL.
pub fn sign_vc_jwt(
    credential: &Value,
    key: &KeyPair,
    kid: &str,
    form: VcJwtForm,
) -> Result<String, JoseError> {
    let Value::Object(map) = credential else {
        return Err(JoseError::Unsignable(
            "the credential must be a JSON object".into(),
        ));
    };
    let mut header = Map::new();
    match form {
        VcJwtForm::VcJoseCose => {
            if map.contains_key("vc") {
                return Err(JoseError::Unsignable(
                    "a VC-JOSE-COSE payload must not have a \"vc\" member".into(),
                ));
            }
            header.insert("typ".into(), "vc+jwt".into());
            Ok(sign_jwt(&header, credential, key, kid))
        }
        VcJwtForm::OneEdTech => {
            let payload = one_edtech_payload(map)?;
            header.insert("typ".into(), "JWT".into());
            Ok(sign_jwt(&header, &Value::Object(payload), key, kid))
        }
    }
}

/// The 1EdTech JWT payload: the credential's members and the claims that mirror them.
fn one_edtech_payload(map: &Map<String, Value>) -> Result<Map<String, Value>, JoseError> {
    for claim in REGISTERED_CLAIMS {
        if map.contains_key(claim) {
            return Err(JoseError::Unsignable(format!(
                "the credential has a member named \"{claim}\", which is a JWT claim name"
            )));
        }
    }
    let issuer = issuer_id(map).ok_or_else(|| {
        JoseError::Unsignable("the credential has no issuer id (for the iss claim)".into())
    })?;
    let id = map.get("id").and_then(Value::as_str).ok_or_else(|| {
        JoseError::Unsignable("the credential has no id (for the jti claim)".into())
    })?;
    let nbf = numeric_date_of(map, "validFrom")?.ok_or_else(|| {
        JoseError::Unsignable("the credential has no validFrom (for the nbf claim)".into())
    })?;
    let exp = numeric_date_of(map, "validUntil")?;
    let sub = match map.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    }
    .and_then(|s| s.get("id"))
    .and_then(Value::as_str);

    let mut payload = map.clone();
    payload.insert("iss".into(), issuer.into());
    payload.insert("jti".into(), id.into());
    payload.insert("nbf".into(), nbf.into());
    if let Some(sub) = sub {
        payload.insert("sub".into(), sub.into());
    }
    if let Some(exp) = exp {
        payload.insert("exp".into(), exp.into());
    }
    Ok(payload)
}

fn numeric_date_of(map: &Map<String, Value>, member: &str) -> Result<Option<i64>, JoseError> {
    match map.get(member) {
        None => Ok(None),
        Some(Value::String(s)) => ler_model::datetime::parse_datetime(s)
            .map(Some)
            .map_err(|e| JoseError::Unsignable(format!("{member}: {e}"))),
        Some(_) => Err(JoseError::Unsignable(format!(
            "{member} must be a date-time string"
        ))),
    }
}

/// The `id` of a credential's `issuer` (a string, or an object's `id`).
pub fn issuer_id(credential: &Map<String, Value>) -> Option<&str> {
    match credential.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// Takes a compact JWS apart without verifying it: three unpadded base64url parts, a JSON
/// object header, a JSON object payload.
pub fn decode_jwt(token: &str) -> Result<DecodedJwt, JoseError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        return Err(JoseError::Malformed(format!(
            "a compact JWS has 3 parts separated by '.', this has {}",
            parts.len()
        )));
    };
    let header = json_object(h, "header")?;
    let payload = json_object(p, "payload")?;
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| JoseError::Malformed(format!("the signature is not base64url: {e}")))?;
    Ok(DecodedJwt {
        header,
        payload,
        signature,
        signing_input: format!("{h}.{p}"),
    })
}

fn json_object(part: &str, what: &str) -> Result<Map<String, Value>, JoseError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| JoseError::Malformed(format!("the {what} is not base64url: {e}")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(JoseError::Malformed(format!(
            "the {what} is not a JSON object"
        ))),
        Err(e) => Err(JoseError::Malformed(format!("the {what} is not JSON: {e}"))),
    }
}

/// Normalizes a `typ` for comparison: lower case, without `application/`.
fn media_type(t: &str) -> String {
    let lower = t.to_ascii_lowercase();
    lower
        .strip_prefix("application/")
        .map(String::from)
        .unwrap_or(lower)
}

/// Checks the header's `alg`: exactly `EdDSA`, with a clear refusal for anything else.
fn check_alg(header: &Map<String, Value>) -> Result<(), JoseError> {
    let alg = match header.get("alg") {
        Some(Value::String(a)) => a.as_str(),
        Some(_) => {
            return Err(JoseError::UnsupportedAlg(
                "the JWT header's alg is not a string".into(),
            ));
        }
        None => {
            return Err(JoseError::UnsupportedAlg(
                "the JWT header has no alg".into(),
            ));
        }
    };
    if alg == JWS_ALG {
        return Ok(());
    }
    let why = if alg.eq_ignore_ascii_case("none") {
        "the token is unsigned".to_string()
    } else if alg.starts_with("HS") {
        "it is a shared-secret MAC, and a public key is never used as an HMAC secret".to_string()
    } else {
        format!("ler verifies only {JWS_ALG} (Ed25519) signatures")
    };
    Err(JoseError::UnsupportedAlg(format!(
        "JWT alg {alg:?} is not accepted: {why}"
    )))
}

fn check_typ(header: &Map<String, Value>, expected_typ: &[&str]) -> Result<(), JoseError> {
    let found = match header.get("typ") {
        None => "JWT".to_string(),
        Some(Value::String(t)) => t.clone(),
        Some(other) => other.to_string(),
    };
    let norm = media_type(&found);
    if expected_typ.iter().any(|e| media_type(e) == norm) {
        return Ok(());
    }
    Err(JoseError::WrongType {
        found,
        expected: expected_typ.join(" or "),
    })
}

/// The issuer DID a relative `kid` is resolved against: `iss`, else the credential's issuer.
fn issuer_for_kid(payload: &Map<String, Value>) -> Option<&str> {
    if let Some(iss) = payload.get("iss").and_then(Value::as_str) {
        return Some(iss);
    }
    if let Some(Value::Object(vc)) = payload.get("vc") {
        return issuer_id(vc);
    }
    issuer_id(payload)
}

/// Verifies a compact JWS: the header's `alg`, `typ` and `kid`, then the Ed25519 signature
/// with the key `kid` resolves to. See the module documentation for every rule.
pub fn verify_jwt(
    token: &str,
    expected_typ: &[&str],
    resolver: &dyn Resolver,
) -> Result<VerifiedJwt, JoseError> {
    let decoded = decode_jwt(token)?;
    let header = &decoded.header;
    check_alg(header)?;
    check_typ(header, expected_typ)?;
    if let Some(crit) = header.get("crit") {
        return Err(JoseError::Critical(crit.to_string()));
    }
    let kid = match header.get("kid") {
        Some(Value::String(k)) if !k.is_empty() => k.as_str(),
        Some(Value::String(_)) | None => return Err(JoseError::MissingKid),
        Some(_) => {
            return Err(JoseError::Malformed(
                "the header's kid is not a string".into(),
            ));
        }
    };
    let kid = if kid.starts_with('#') {
        let issuer = issuer_for_kid(&decoded.payload).ok_or_else(|| JoseError::Unresolved {
            kid: kid.into(),
            reason: "a relative kid needs an issuer (iss or issuer) to resolve against".into(),
        })?;
        format!("{}{kid}", issuer.split('#').next().unwrap_or(issuer))
    } else {
        kid.to_string()
    };
    let vm = resolver.resolve(&kid).map_err(|e| JoseError::Unresolved {
        kid: kid.clone(),
        reason: e.to_string(),
    })?;
    if let Some(jwk) = header.get("jwk") {
        let x = jwk
            .get("x")
            .and_then(Value::as_str)
            .and_then(|x| URL_SAFE_NO_PAD.decode(x).ok());
        let okp = jwk.get("kty").and_then(Value::as_str) == Some("OKP")
            && jwk.get("crv").and_then(Value::as_str) == Some("Ed25519");
        if jwk.get("d").is_some() {
            return Err(JoseError::Malformed(
                "the header's jwk holds a private key (\"d\")".into(),
            ));
        }
        if !okp || x.as_deref() != Some(vm.public_key.as_bytes()) {
            return Err(JoseError::JwkMismatch(kid));
        }
    }
    if decoded.signature.is_empty() {
        return Err(JoseError::Malformed("the signature is empty".into()));
    }
    vm.public_key
        .verify(decoded.signing_input.as_bytes(), &decoded.signature)
        .map_err(|_| JoseError::BadSignature)?;
    Ok(VerifiedJwt {
        header: decoded.header,
        payload: decoded.payload,
        verification_method: vm,
    })
}
