//! Resolving verification methods through DIDs: did:key offline, did:web through a [`Fetcher`].

use std::collections::HashMap;
use std::sync::Mutex;

use ler_crypto::PublicKey;
use ler_proof::{ResolveError, Resolver, VerificationMethod};
use serde_json::Value;

use crate::fetch::Fetcher;

/// How long a fetched DID document is reused, in seconds.
const CACHE_SECONDS: i64 = 300;
/// Most DID documents kept.
const CACHE_CAPACITY: usize = 256;

/// Resolves did:key and did:web verification methods.
pub struct DidResolver<'a> {
    fetcher: &'a dyn Fetcher,
    now: i64,
    cache: Mutex<HashMap<String, (i64, Value)>>,
}

impl<'a> DidResolver<'a> {
    /// A resolver fetching did:web documents with `fetcher`; `now` dates the cache entries.
    pub fn new(fetcher: &'a dyn Fetcher, now: i64) -> DidResolver<'a> {
        DidResolver {
            fetcher,
            now,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The DID document of a did:web DID.
    pub fn did_web_document(&self, did: &str) -> Result<Value, ResolveError> {
        if let Some((at, doc)) = self.cache.lock().ok().and_then(|c| c.get(did).cloned())
            && self.now - at < CACHE_SECONDS
        {
            return Ok(doc);
        }
        let url = ler_crypto::did_web_url(did).map_err(|e| ResolveError::Invalid(e.to_string()))?;
        let body = self
            .fetcher
            .fetch(&url)
            .map_err(|e| ResolveError::Invalid(e.to_string()))?;
        let doc: Value = serde_json::from_slice(&body).map_err(|e| {
            ResolveError::Invalid(format!("the DID document at {url} is not JSON: {e}"))
        })?;
        if doc.get("id").and_then(Value::as_str) != Some(did) {
            return Err(ResolveError::Invalid(format!(
                "the DID document at {url} is not for {did}"
            )));
        }
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= CACHE_CAPACITY {
                c.clear();
            }
            c.insert(did.to_string(), (self.now, doc.clone()));
        }
        Ok(doc)
    }
}

impl Resolver for DidResolver<'_> {
    fn resolve(&self, vm_url: &str) -> Result<VerificationMethod, ResolveError> {
        if vm_url.starts_with("did:key:") {
            return ler_proof::DidKeyResolver.resolve(vm_url);
        }
        if !vm_url.starts_with("did:web:") {
            return Err(ResolveError::Unsupported(format!(
                "{vm_url}: ler resolves did:key and did:web verification methods"
            )));
        }
        let (did, fragment) = vm_url.split_once('#').ok_or_else(|| {
            ResolveError::Invalid(format!("{vm_url} names a DID, not a verification method"))
        })?;
        let doc = self.did_web_document(did)?;
        verification_method(&doc, did, fragment)
    }
}

/// Finds a verification method in a DID document, with the relationships that list it.
pub fn verification_method(
    doc: &Value,
    did: &str,
    fragment: &str,
) -> Result<VerificationMethod, ResolveError> {
    let full = format!("{did}#{fragment}");
    let matches = |id: &str| id == full || id == format!("#{fragment}");
    let mut found: Option<&Value> = None;
    let mut relationships = Vec::new();
    for rel in [
        "verificationMethod",
        "assertionMethod",
        "authentication",
        "capabilityInvocation",
        "capabilityDelegation",
    ] {
        let Some(Value::Array(items)) = doc.get(rel) else {
            continue;
        };
        for item in items {
            let (id, embedded) = match item {
                Value::String(s) => (s.as_str(), None),
                Value::Object(o) => (
                    o.get("id").and_then(Value::as_str).unwrap_or(""),
                    Some(item),
                ),
                _ => continue,
            };
            if matches(id) {
                if let Some(e) = embedded {
                    found = found.or(Some(e));
                }
                if rel != "verificationMethod" && !relationships.iter().any(|r| r == rel) {
                    relationships.push(rel.to_string());
                }
            }
        }
    }
    let vm = found.ok_or_else(|| ResolveError::NotFound(full.clone()))?;
    let controller = vm
        .get("controller")
        .and_then(Value::as_str)
        .unwrap_or(did)
        .to_string();
    if controller != did {
        return Err(ResolveError::Invalid(format!(
            "{full} names {controller} as its controller, not {did}"
        )));
    }
    let public_key =
        public_key_of(vm).map_err(|e| ResolveError::Invalid(format!("{full}: {e}")))?;
    Ok(VerificationMethod {
        id: full,
        controller,
        public_key,
        relationships,
    })
}

/// The Ed25519 key of a verification method: Multikey, Ed25519VerificationKey2020 (multibase),
/// Ed25519VerificationKey2018 (base58) or a JWK (OKP, Ed25519).
fn public_key_of(vm: &Value) -> Result<PublicKey, String> {
    if let Some(mb) = vm.get("publicKeyMultibase").and_then(Value::as_str) {
        return PublicKey::from_multibase(mb).map_err(|e| e.to_string());
    }
    if let Some(b58) = vm.get("publicKeyBase58").and_then(Value::as_str) {
        let bytes = bs58::decode(b58)
            .into_vec()
            .map_err(|e| format!("publicKeyBase58: {e}"))?;
        return PublicKey::from_slice(&bytes).map_err(|e| e.to_string());
    }
    if let Some(jwk) = vm.get("publicKeyJwk") {
        if jwk.get("kty").and_then(Value::as_str) != Some("OKP")
            || jwk.get("crv").and_then(Value::as_str) != Some("Ed25519")
        {
            return Err("only Ed25519 (OKP) JWKs are supported".into());
        }
        let x = jwk
            .get("x")
            .and_then(Value::as_str)
            .ok_or("the JWK has no x")?;
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(x.trim_end_matches('='))
            .map_err(|e| format!("JWK x: {e}"))?;
        return PublicKey::from_slice(&bytes).map_err(|e| e.to_string());
    }
    Err("no Ed25519 public key (publicKeyMultibase, publicKeyBase58 or publicKeyJwk)".into())
}
