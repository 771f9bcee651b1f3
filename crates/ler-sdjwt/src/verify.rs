//! The verifier's side: RFC 9901 §7.1 and §7.3 with SD-JWT VC's rules, EdDSA only.

use ler_proof::{JWS_ALG, Resolver};
use serde_json::{Map, Value};

use crate::compact::{self, Compact};
use crate::process::{self, Disclosure};
use crate::{KB_TYP, LEGACY_TYP, MAX_CLOCK_SKEW, Part, SdJwtError, TYP, digest, path};

/// What the verifier requires of a presentation.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    /// The nonce the verifier sent; the KB-JWT must carry it.
    pub nonce: Option<&'a str>,
    /// The verifier's identifier; the KB-JWT's `aud` must be it.
    pub aud: Option<&'a str>,
    /// The verifier's clock, seconds since the epoch.
    pub now: i64,
    /// Whether a KB-JWT is required. Decide it by policy, never by whether the holder sent one
    /// (RFC 9901 §7.3 step 1); asking for a nonce or an audience requires one too. A KB-JWT
    /// that is sent is always checked.
    pub require_key_binding: bool,
}

/// A presentation that verified.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified {
    /// The `iss` claim: the issuer the signing key belongs to.
    pub issuer: String,
    /// The `vct` claim: the credential type.
    pub vct: String,
    /// The processed payload: the issuer's visible claims with the disclosed ones in place,
    /// `_sd`, `_sd_alg` and undisclosed array elements removed.
    pub claims: Value,
    /// The paths (in `claims`) of the disclosed claims, sorted.
    pub disclosed: Vec<String>,
    /// Whether a KB-JWT proved that the holder bound in `cnf` made this presentation.
    pub holder_bound: bool,
    /// The issuer's verification method that signed.
    pub verification_method: String,
}

/// Verifies an SD-JWT VC presentation (`<JWT>~<disclosure>~…~[<KB-JWT>]`).
///
/// In order: the issuer-signed JWT (`alg` EdDSA, `typ` `dc+sd-jwt` or `vc+sd-jwt`, the `kid`
/// resolved through `resolver`, strict Ed25519) and its key bound to `iss` under
/// `assertionMethod`; `_sd_alg`; every disclosure matched to exactly one digest, none left over,
/// none overwriting a claim, none naming a reserved or validity-deciding claim; `vct`; `iat`,
/// `nbf`, `exp` against the clock; then the KB-JWT, when sent or required: `typ` `kb+jwt`, EdDSA
/// signed by the `cnf` key, `sd_hash`, `nonce`, `aud`, `iat`, `nbf`, `exp`.
pub fn verify(
    presentation: &str,
    resolver: &dyn Resolver,
    expect: &Expect<'_>,
) -> Result<Verified, SdJwtError> {
    let compact = Compact::split(presentation)?;
    let jwt = ler_proof::verify_jwt(compact.jwt, &[TYP, LEGACY_TYP], resolver)
        .map_err(SdJwtError::IssuerJwt)?;
    let issuer = match jwt.payload.get("iss") {
        Some(Value::String(iss)) if !iss.is_empty() => iss.clone(),
        _ => return Err(SdJwtError::MissingClaim("iss")),
    };
    let vm = jwt.verification_method;
    if vm.controller != issuer {
        return Err(SdJwtError::WrongIssuer {
            kid: vm.id,
            controller: vm.controller,
            issuer,
        });
    }
    if !vm.relationships.iter().any(|r| r == "assertionMethod") {
        return Err(SdJwtError::NotAssertionMethod(vm.id));
    }
    process::check_sd_alg(&jwt.payload)?;

    let disclosures = compact
        .disclosures
        .iter()
        .map(|d| Disclosure::decode(d))
        .collect::<Result<Vec<_>, _>>()?;
    let processed = process::process(jwt.payload.clone(), &disclosures)?;
    let claims = processed.claims;
    let vct = match claims.get("vct") {
        Some(Value::String(vct)) if !vct.is_empty() => vct.clone(),
        _ => return Err(SdJwtError::MissingClaim("vct")),
    };
    check_times(&claims, Part::Issuer, expect.now)?;

    let needed = expect.require_key_binding || expect.nonce.is_some() || expect.aud.is_some();
    let holder_bound = match compact.kb_jwt {
        Some(kb) => {
            check_key_binding(kb, &jwt.payload, compact.sd_jwt, expect)?;
            true
        }
        None if needed => return Err(SdJwtError::MissingKeyBinding),
        None => false,
    };

    let mut disclosed: Vec<String> = processed
        .placed
        .iter()
        .map(|p| path::format(&p.path))
        .collect();
    disclosed.sort();
    Ok(Verified {
        issuer,
        vct,
        claims: Value::Object(claims),
        disclosed,
        holder_bound,
        verification_method: vm.id,
    })
}

/// `iat` not in the future, `nbf` reached, `exp` not passed (skew tolerated on the first two).
fn check_times(claims: &Map<String, Value>, part: Part, now: i64) -> Result<(), SdJwtError> {
    let malformed = |m: String| match part {
        Part::Issuer => SdJwtError::Malformed(m),
        Part::KeyBinding => SdJwtError::KeyBinding(m),
    };
    if let Some(iat) = compact::numeric_date(claims, "iat", malformed)?
        && iat > now.saturating_add(MAX_CLOCK_SKEW)
    {
        return Err(SdJwtError::IssuedInFuture(part, iat));
    }
    if let Some(nbf) = compact::numeric_date(claims, "nbf", malformed)?
        && nbf > now.saturating_add(MAX_CLOCK_SKEW)
    {
        return Err(SdJwtError::NotYetValid(part, nbf));
    }
    if let Some(exp) = compact::numeric_date(claims, "exp", malformed)?
        && now >= exp
    {
        return Err(SdJwtError::Expired(part, exp));
    }
    Ok(())
}

/// RFC 9901 §7.3 step 5: the KB-JWT, with the holder key from the issuer-signed payload.
fn check_key_binding(
    kb: &str,
    payload: &Map<String, Value>,
    sd_jwt: &str,
    expect: &Expect<'_>,
) -> Result<(), SdJwtError> {
    let bad = |m: &str| SdJwtError::KeyBinding(m.into());
    let holder = compact::holder_key(payload)?;
    let decoded = ler_proof::decode_jwt(kb).map_err(|e| SdJwtError::KeyBinding(e.to_string()))?;
    let header = &decoded.header;
    match header.get("alg").and_then(Value::as_str) {
        Some(JWS_ALG) => {}
        Some(alg) if alg.eq_ignore_ascii_case("none") => {
            return Err(bad("alg \"none\" is not accepted: the token is unsigned"));
        }
        Some(alg) => {
            return Err(SdJwtError::KeyBinding(format!(
                "alg {alg:?} is not accepted: ler verifies only {JWS_ALG} (Ed25519) signatures"
            )));
        }
        None => return Err(bad("the header has no alg")),
    }
    let typ = header
        .get("typ")
        .and_then(Value::as_str)
        .map(|t| t.to_ascii_lowercase());
    let typ = typ
        .as_deref()
        .map(|t| t.strip_prefix("application/").unwrap_or(t));
    if typ != Some(KB_TYP) {
        return Err(bad("typ is not kb+jwt"));
    }
    if header.contains_key("crit") {
        return Err(bad(
            "the header marks extensions as critical, which ler does not understand",
        ));
    }
    if decoded.signature.is_empty() {
        return Err(bad("the signature is empty"));
    }
    holder
        .verify(decoded.signing_input.as_bytes(), &decoded.signature)
        .map_err(|_| SdJwtError::KeyBindingSignature)?;

    let claims = &decoded.payload;
    let string = |name: &str| match claims.get(name) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(_) => Err(SdJwtError::KeyBinding(format!("{name} is not a string"))),
        None => Err(SdJwtError::KeyBinding(format!(
            "the {name} claim is missing"
        ))),
    };
    if string("sd_hash")? != digest(sd_jwt) {
        return Err(SdJwtError::SdHashMismatch);
    }
    let nonce = string("nonce")?;
    if let Some(expected) = expect.nonce
        && nonce != expected
    {
        return Err(SdJwtError::NonceMismatch);
    }
    let aud = string("aud")?;
    if let Some(expected) = expect.aud
        && aud != expected
    {
        return Err(SdJwtError::AudienceMismatch(expected.into()));
    }
    if !claims.contains_key("iat") {
        return Err(bad("the iat claim is missing"));
    }
    check_times(claims, Part::KeyBinding, expect.now)
}
