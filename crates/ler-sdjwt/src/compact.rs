//! The compact serialization (`<JWT>~<disclosure>~…~[<KB-JWT>]`), the `cnf` JWK, NumericDates.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ler_crypto::{KeyPair, PublicKey};
use serde_json::{Map, Value, json};

use crate::SdJwtError;

/// An SD-JWT or SD-JWT+KB taken apart at its tildes, nothing decoded yet.
pub(crate) struct Compact<'a> {
    /// The issuer-signed JWT.
    pub(crate) jwt: &'a str,
    /// The disclosures, in the order sent.
    pub(crate) disclosures: Vec<&'a str>,
    /// The KB-JWT, when the text does not end in `~`.
    pub(crate) kb_jwt: Option<&'a str>,
    /// `<JWT>~<disclosure>~…~`: what `sd_hash` covers.
    pub(crate) sd_jwt: &'a str,
}

impl<'a> Compact<'a> {
    pub(crate) fn split(text: &'a str) -> Result<Compact<'a>, SdJwtError> {
        let Some(last_tilde) = text.rfind('~') else {
            return Err(SdJwtError::Malformed(
                "no '~': an SD-JWT is <issuer-signed JWT>~<disclosure>~…~".into(),
            ));
        };
        let (sd_jwt, kb) = text.split_at(last_tilde + 1);
        let mut parts = sd_jwt[..last_tilde].split('~');
        let jwt = parts.next().unwrap_or_default();
        if jwt.is_empty() {
            return Err(SdJwtError::Malformed(
                "the issuer-signed JWT is empty".into(),
            ));
        }
        let disclosures: Vec<&str> = parts.collect();
        if disclosures.iter().any(|d| d.is_empty()) {
            return Err(SdJwtError::Malformed("an empty disclosure ('~~')".into()));
        }
        Ok(Compact {
            jwt,
            disclosures,
            kb_jwt: (!kb.is_empty()).then_some(kb),
            sd_jwt,
        })
    }
}

/// Signs a compact JWS with EdDSA and exactly the given header (no `kid`: a KB-JWT is verified
/// with the `cnf` key, not a resolved one).
pub(crate) fn sign(header: &Value, payload: &Value, key: &KeyPair) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The `cnf` claim for a holder key: `{"jwk": {"kty": "OKP", "crv": "Ed25519", "x": …}}`.
pub(crate) fn cnf(holder: &PublicKey) -> Value {
    json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(holder.as_bytes())}})
}

/// The holder key in a payload's `cnf.jwk`: an Ed25519 OKP public key.
pub(crate) fn holder_key(payload: &Map<String, Value>) -> Result<PublicKey, SdJwtError> {
    let none = |why: &str| SdJwtError::NoHolderKey(why.into());
    let cnf = match payload.get("cnf") {
        None => return Err(none("the credential has no cnf claim")),
        Some(Value::Object(c)) => c,
        Some(_) => return Err(none("cnf is not an object")),
    };
    let Some(jwk) = cnf.get("jwk") else {
        return Err(none(
            "cnf has no jwk (ler binds holders by an embedded JWK only)",
        ));
    };
    let Value::Object(jwk) = jwk else {
        return Err(none("cnf.jwk is not an object"));
    };
    if jwk.contains_key("d") {
        return Err(none("cnf.jwk holds a private key (\"d\")"));
    }
    let okp = jwk.get("kty").and_then(Value::as_str) == Some("OKP")
        && jwk.get("crv").and_then(Value::as_str) == Some("Ed25519");
    if !okp {
        return Err(none("cnf.jwk is not an Ed25519 key (kty OKP, crv Ed25519)"));
    }
    let x = jwk
        .get("x")
        .and_then(Value::as_str)
        .and_then(|x| URL_SAFE_NO_PAD.decode(x).ok())
        .ok_or_else(|| none("cnf.jwk.x is not base64url"))?;
    PublicKey::from_slice(&x).map_err(|e| SdJwtError::NoHolderKey(format!("cnf.jwk: {e}")))
}

/// A NumericDate claim (RFC 7519: seconds, possibly fractional), when present.
pub(crate) fn numeric_date(
    map: &Map<String, Value>,
    claim: &'static str,
    err: impl Fn(String) -> SdJwtError,
) -> Result<Option<i64>, SdJwtError> {
    match map.get(claim) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i));
            }
            match n.as_f64() {
                // In range, so the cast only drops the fraction.
                Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.floor() as i64)),
                _ => Err(err(format!("{claim} is not a NumericDate: {n}"))),
            }
        }
        Some(other) => Err(err(format!("{claim} is not a NumericDate: {other}"))),
    }
}
