//! Data Integrity proofs: sign and verify eddsa-rdfc-2022 and eddsa-jcs-2022, verify
//! Ed25519Signature2020.
//!
//! The principal types are [`Cryptosuite`], a closed enum with plain [`sign`] and
//! [`verify_proofs`] functions, and [`Resolver`], which maps a verification method URL to its
//! key and controller (did:key offline here; did:web and others come from the caller).
//!
//! Every rule of DESIGN §4 that concerns a proof is enforced here: contexts pinned and
//! expansion in safe mode (through `ler-jsonld`), strict Ed25519, the key bound to the expected
//! controller through the right verification relationship, the proof purpose, and `created` /
//! `expires` against the caller's clock. A proof set verifies only if every proof does.
//!
//! The `jose` module signs and verifies VC-JWTs (VC-JOSE-COSE `vc+jwt` and the 1EdTech form):
//! EdDSA only, `typ` checked, and the `kid` resolved through the same [`Resolver`].

mod jose;
mod resolver;
#[cfg(test)]
mod tests;

pub use jose::{
    DecodedJwt, JWS_ALG, JoseError, REGISTERED_CLAIMS, VcJwtForm, VerifiedJwt, decode_jwt,
    issuer_id, sign_jwt, sign_vc_jwt, verify_jwt,
};
pub use resolver::{DidKeyResolver, ResolveError, Resolver, StaticResolver, VerificationMethod};

use ler_crypto::KeyPair;
use ler_jsonld::Documents;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A cryptosuite ler knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cryptosuite {
    /// `DataIntegrityProof` with RDFC-1.0 canonicalization (the default; 1EdTech certifies it).
    EddsaRdfc2022,
    /// `DataIntegrityProof` with JSON canonicalization (RFC 8785).
    EddsaJcs2022,
    /// The older `Ed25519Signature2020` proof type, which many wallets still hold (verify only).
    Ed25519Signature2020,
}

impl Cryptosuite {
    /// The suite's name as written in a proof.
    pub fn name(self) -> &'static str {
        match self {
            Cryptosuite::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Cryptosuite::EddsaJcs2022 => "eddsa-jcs-2022",
            Cryptosuite::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// Parses a suite name as given on the command line.
    pub fn parse(name: &str) -> Option<Cryptosuite> {
        match name {
            "eddsa-rdfc-2022" => Some(Cryptosuite::EddsaRdfc2022),
            "eddsa-jcs-2022" => Some(Cryptosuite::EddsaJcs2022),
            _ => None,
        }
    }

    fn of_proof(proof: &Map<String, Value>) -> Result<Cryptosuite, ProofError> {
        match (
            proof.get("type").and_then(Value::as_str),
            proof.get("cryptosuite").and_then(Value::as_str),
        ) {
            (Some("DataIntegrityProof"), Some("eddsa-rdfc-2022")) => Ok(Cryptosuite::EddsaRdfc2022),
            (Some("DataIntegrityProof"), Some("eddsa-jcs-2022")) => Ok(Cryptosuite::EddsaJcs2022),
            (Some("DataIntegrityProof"), other) => Err(ProofError::UnsupportedSuite(
                other.unwrap_or("(none)").to_string(),
            )),
            (Some("Ed25519Signature2020"), _) => Ok(Cryptosuite::Ed25519Signature2020),
            (other, _) => Err(ProofError::UnsupportedSuite(
                other.unwrap_or("(no type)").to_string(),
            )),
        }
    }
}

/// Why a proof could not be made or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The document has no `proof`.
    #[error("the document has no proof")]
    NoProof,
    /// A proof type or cryptosuite ler does not verify.
    #[error("unsupported proof type or cryptosuite {0}")]
    UnsupportedSuite(String),
    /// A proof member is missing or malformed.
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The proof's purpose is not the one required.
    #[error("proof purpose is {found}, expected {expected}")]
    WrongPurpose {
        /// The purpose in the proof.
        found: String,
        /// The purpose the verifier requires.
        expected: String,
    },
    /// The verification method could not be resolved to a key.
    #[error("verification method {vm} could not be resolved: {reason}")]
    Unresolved {
        /// The verification method URL.
        vm: String,
        /// Why.
        reason: String,
    },
    /// The key is not controlled by the expected party.
    #[error("verification method {vm} is controlled by {controller}, not by {expected}")]
    WrongController {
        /// The verification method URL.
        vm: String,
        /// Its controller.
        controller: String,
        /// The issuer or holder that should control it.
        expected: String,
    },
    /// The key is not in the verification relationship the purpose requires.
    #[error("verification method {vm} is not listed under {relationship} by its controller")]
    NotAuthorized {
        /// The verification method URL.
        vm: String,
        /// `assertionMethod` or `authentication`.
        relationship: String,
    },
    /// `created` is after the verifier's clock.
    #[error("proof created {0} is in the future")]
    CreatedInFuture(String),
    /// `expires` is before the verifier's clock.
    #[error("proof expired {0}")]
    Expired(String),
    /// The challenge or domain does not match what the verifier asked for.
    #[error("{0}")]
    ChallengeMismatch(String),
    /// The proof's `@context` is not a prefix of the document's.
    #[error("proof @context does not match the document's @context")]
    ContextMismatch,
    /// The document or proof could not be canonicalized.
    #[error("canonicalization failed: {0}")]
    Canonicalization(#[from] ler_jsonld::Error),
    /// The signature does not verify with the key.
    #[error(
        "signature does not verify: the document or proof was changed, or signed by another key"
    )]
    BadSignature,
}

/// What a proof must prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A credential: the key must be in the issuer's `assertionMethod`.
    Assertion,
    /// A presentation: the key must be in the holder's `authentication`, with the challenge
    /// and domain the verifier asked for.
    Authentication {
        /// The challenge the verifier sent, if any.
        challenge: Option<String>,
        /// The domain the verifier expects, if any.
        domain: Option<String>,
    },
}

impl Purpose {
    fn term(&self) -> &'static str {
        match self {
            Purpose::Assertion => "assertionMethod",
            Purpose::Authentication { .. } => "authentication",
        }
    }
}

/// How to make a proof.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// The cryptosuite.
    pub suite: Cryptosuite,
    /// The verification method URL (for did:key, `did:key:z…#z…`).
    pub verification_method: String,
    /// `created`, as an XML Schema dateTime (the caller supplies the clock).
    pub created: Option<String>,
    /// The proof purpose.
    pub purpose: Purpose,
    /// `expires`, when the proof should stop being accepted.
    pub expires: Option<String>,
}

/// Adds a proof to `doc` (a proof set if it already has one) and returns the secured document.
pub fn sign(
    doc: &Value,
    key: &KeyPair,
    opts: &SignOptions,
    docs: &Documents,
) -> Result<Value, ProofError> {
    let Value::Object(map) = doc else {
        return Err(ProofError::Malformed(
            "the document must be a JSON object".into(),
        ));
    };
    if opts.suite == Cryptosuite::Ed25519Signature2020 {
        return Err(ProofError::UnsupportedSuite(
            "Ed25519Signature2020 (ler verifies it but signs with Data Integrity)".into(),
        ));
    }
    let mut unsecured = map.clone();
    let existing = unsecured.remove("proof");
    let context = unsecured.get("@context").cloned().unwrap_or(Value::Null);
    let mut proof = Map::new();
    proof.insert("type".into(), "DataIntegrityProof".into());
    proof.insert("cryptosuite".into(), opts.suite.name().into());
    if let Some(c) = &opts.created {
        proof.insert("created".into(), c.clone().into());
    }
    proof.insert(
        "verificationMethod".into(),
        opts.verification_method.clone().into(),
    );
    proof.insert("proofPurpose".into(), opts.purpose.term().into());
    if let Some(e) = &opts.expires {
        proof.insert("expires".into(), e.clone().into());
    }
    if let Purpose::Authentication { challenge, domain } = &opts.purpose {
        if let Some(c) = challenge {
            proof.insert("challenge".into(), c.clone().into());
        }
        if let Some(d) = domain {
            proof.insert("domain".into(), d.clone().into());
        }
    }
    // eddsa-jcs-2022 carries the document's @context in the proof, as the JS reference does.
    if opts.suite == Cryptosuite::EddsaJcs2022 {
        proof.insert("@context".into(), context.clone());
    }
    let mut config = proof.clone();
    config.insert("@context".into(), context);
    let hash = hash_data(
        opts.suite,
        &Value::Object(config),
        &Value::Object(unsecured.clone()),
        docs,
    )?;
    let signature = key.sign(&hash);
    proof.insert(
        "proofValue".into(),
        format!("z{}", bs58::encode(signature).into_string()).into(),
    );
    let proof = Value::Object(proof);
    let proofs = match existing {
        None => proof,
        Some(Value::Array(mut list)) => {
            list.push(proof);
            Value::Array(list)
        }
        Some(one) => Value::Array(vec![one, proof]),
    };
    let mut out = map.clone();
    out.insert("proof".into(), proofs);
    Ok(Value::Object(out))
}

/// The outcome of verifying one proof of a document.
#[derive(Debug, Clone)]
pub struct ProofOutcome {
    /// The proof's suite, when recognized.
    pub suite: Option<Cryptosuite>,
    /// The proof's verification method.
    pub verification_method: Option<String>,
    /// The proof's `created`.
    pub created: Option<String>,
    /// Whether it verified, and why not.
    pub result: Result<(), ProofError>,
}

/// What the verifier expects of every proof.
#[derive(Debug, Clone)]
pub struct Expectations<'a> {
    /// The DID or URL that must control the key: the issuer, or the holder.
    pub controller: &'a str,
    /// The purpose.
    pub purpose: Purpose,
    /// The verifier's clock, seconds since the epoch.
    pub now: i64,
}

/// Verifies every proof of a secured document. `Err` only when there is no proof at all.
pub fn verify_proofs(
    doc: &Value,
    expect: &Expectations<'_>,
    resolver: &dyn Resolver,
    docs: &Documents,
) -> Result<Vec<ProofOutcome>, ProofError> {
    let Value::Object(map) = doc else {
        return Err(ProofError::Malformed(
            "the document must be a JSON object".into(),
        ));
    };
    let proofs: Vec<&Value> = match map.get("proof") {
        None | Some(Value::Null) => return Err(ProofError::NoProof),
        Some(Value::Array(list)) if list.is_empty() => return Err(ProofError::NoProof),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    let mut unsecured = map.clone();
    unsecured.remove("proof");
    let unsecured = Value::Object(unsecured);
    Ok(proofs
        .into_iter()
        .map(|p| {
            let Value::Object(proof) = p else {
                return ProofOutcome {
                    suite: None,
                    verification_method: None,
                    created: None,
                    result: Err(ProofError::Malformed("a proof must be an object".into())),
                };
            };
            let all = match map.get("proof") {
                Some(Value::Array(list)) => list.as_slice(),
                _ => &[],
            };
            ProofOutcome {
                suite: Cryptosuite::of_proof(proof).ok(),
                verification_method: proof
                    .get("verificationMethod")
                    .and_then(Value::as_str)
                    .map(String::from),
                created: proof
                    .get("created")
                    .and_then(Value::as_str)
                    .map(String::from),
                result: verify_one(&unsecured, proof, all, expect, resolver, docs),
            }
        })
        .collect())
}

fn str_member<'p>(proof: &'p Map<String, Value>, key: &str) -> Result<&'p str, ProofError> {
    proof
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| ProofError::Malformed(format!("\"{key}\" is missing or not a string")))
}

fn verify_one(
    unsecured: &Value,
    proof: &Map<String, Value>,
    all_proofs: &[Value],
    expect: &Expectations<'_>,
    resolver: &dyn Resolver,
    docs: &Documents,
) -> Result<(), ProofError> {
    let suite = Cryptosuite::of_proof(proof)?;
    let purpose = str_member(proof, "proofPurpose")?;
    if purpose != expect.purpose.term() {
        return Err(ProofError::WrongPurpose {
            found: purpose.into(),
            expected: expect.purpose.term().into(),
        });
    }
    if let Purpose::Authentication { challenge, domain } = &expect.purpose {
        if let Some(c) = challenge
            && proof.get("challenge").and_then(Value::as_str) != Some(c.as_str())
        {
            return Err(ProofError::ChallengeMismatch(
                "the proof's challenge is not the one sent".into(),
            ));
        }
        if let Some(d) = domain {
            let ok = match proof.get("domain") {
                Some(Value::String(s)) => s == d,
                Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(d.as_str())),
                _ => false,
            };
            if !ok {
                return Err(ProofError::ChallengeMismatch(format!(
                    "the proof's domain is not {d}"
                )));
            }
        }
    }
    if let Some(created) = proof.get("created") {
        let s = created
            .as_str()
            .ok_or_else(|| ProofError::Malformed("\"created\" must be a string".into()))?;
        let t = ler_model::datetime::parse_datetime(s)
            .map_err(|e| ProofError::Malformed(format!("\"created\" is not a dateTime: {e}")))?;
        // Five minutes of clock skew between signer and verifier is tolerated.
        if t > expect.now + 300 {
            return Err(ProofError::CreatedInFuture(s.into()));
        }
    }
    if let Some(expires) = proof.get("expires") {
        let s = expires
            .as_str()
            .ok_or_else(|| ProofError::Malformed("\"expires\" must be a string".into()))?;
        let t = ler_model::datetime::parse_datetime(s)
            .map_err(|e| ProofError::Malformed(format!("\"expires\" is not a dateTime: {e}")))?;
        if t < expect.now {
            return Err(ProofError::Expired(s.into()));
        }
    }
    let vm_url = str_member(proof, "verificationMethod")?;
    let proof_value = str_member(proof, "proofValue")?;
    let signature = decode_signature(proof_value)?;

    let vm = resolver
        .resolve(vm_url)
        .map_err(|e| ProofError::Unresolved {
            vm: vm_url.into(),
            reason: e.to_string(),
        })?;
    if vm.controller != expect.controller {
        return Err(ProofError::WrongController {
            vm: vm_url.into(),
            controller: vm.controller.clone(),
            expected: expect.controller.into(),
        });
    }
    if !vm.relationships.iter().any(|r| r == expect.purpose.term()) {
        return Err(ProofError::NotAuthorized {
            vm: vm_url.into(),
            relationship: expect.purpose.term().into(),
        });
    }

    // The document the proof covers: for a proof chain, with the proofs it names.
    let mut secured_part = unsecured.clone();
    if let Some(prev) = proof.get("previousProof") {
        let ids: Vec<&str> = match prev {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => {
                return Err(ProofError::Malformed(
                    "\"previousProof\" must be a string or array".into(),
                ));
            }
        };
        let mut included = Vec::new();
        for id in ids {
            let p = all_proofs
                .iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
                .ok_or_else(|| {
                    ProofError::Malformed(format!("previous proof {id} is not in the proof set"))
                })?;
            included.push(p.clone());
        }
        secured_part["proof"] = if included.len() == 1 {
            included.remove(0)
        } else {
            Value::Array(included)
        };
    }

    let doc_context = unsecured.get("@context").cloned().unwrap_or(Value::Null);
    let mut config = proof.clone();
    config.remove("proofValue");
    match (suite, config.get("@context")) {
        (_, Some(pc)) => {
            let p = as_list(pc);
            let d = as_list(&doc_context);
            if !d.starts_with(&p) {
                return Err(ProofError::ContextMismatch);
            }
            if suite != Cryptosuite::EddsaJcs2022 {
                config.insert("@context".into(), doc_context);
            }
        }
        (Cryptosuite::EddsaJcs2022, None) => {}
        (_, None) => {
            config.insert("@context".into(), doc_context);
        }
    }
    let hash = hash_data(suite, &Value::Object(config), &secured_part, docs)?;
    vm.public_key
        .verify(&hash, &signature)
        .map_err(|_| ProofError::BadSignature)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

fn decode_signature(proof_value: &str) -> Result<[u8; 64], ProofError> {
    let b58 = proof_value.strip_prefix('z').ok_or_else(|| {
        ProofError::Malformed("proofValue must be multibase base58btc (start with 'z')".into())
    })?;
    let bytes = bs58::decode(b58)
        .into_vec()
        .map_err(|e| ProofError::Malformed(format!("proofValue is not base58btc: {e}")))?;
    <[u8; 64]>::try_from(bytes.as_slice()).map_err(|_| {
        ProofError::Malformed(format!(
            "proofValue holds {} bytes, an Ed25519 signature is 64",
            bytes.len()
        ))
    })
}

/// hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document).
pub fn hash_data(
    suite: Cryptosuite,
    config: &Value,
    doc: &Value,
    docs: &Documents,
) -> Result<[u8; 64], ProofError> {
    let (c, d) = match suite {
        Cryptosuite::EddsaJcs2022 => (ler_jsonld::jcs(config)?, ler_jsonld::jcs(doc)?),
        Cryptosuite::EddsaRdfc2022 | Cryptosuite::Ed25519Signature2020 => (
            ler_jsonld::canonicalize(config, docs)?,
            ler_jsonld::canonicalize(doc, docs)?,
        ),
    };
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(c.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(d.as_bytes()));
    Ok(out)
}
