//! Resolving a verification method URL to its key, controller and verification relationships.

use std::collections::HashMap;

use ler_crypto::PublicKey;

/// A resolved verification method.
#[derive(Debug, Clone)]
pub struct VerificationMethod {
    /// Its URL.
    pub id: String,
    /// The DID or URL that controls it.
    pub controller: String,
    /// The Ed25519 public key.
    pub public_key: PublicKey,
    /// The relationships its controller lists it under (`assertionMethod`, `authentication`…).
    pub relationships: Vec<String>,
}

/// Why a verification method could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The URL uses a method this resolver does not handle.
    #[error("no resolver for {0}")]
    Unsupported(String),
    /// The DID or its document is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The document does not contain the verification method.
    #[error("{0} is not in its controller's document")]
    NotFound(String),
}

/// Maps a verification method URL to its key. Implementations do their own I/O (or none).
pub trait Resolver {
    /// Resolves one verification method.
    fn resolve(&self, vm_url: &str) -> Result<VerificationMethod, ResolveError>;
}

/// did:key, offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct DidKeyResolver;

impl Resolver for DidKeyResolver {
    fn resolve(&self, vm_url: &str) -> Result<VerificationMethod, ResolveError> {
        if !vm_url.starts_with("did:key:") {
            return Err(ResolveError::Unsupported(vm_url.into()));
        }
        if !vm_url.contains('#') {
            return Err(ResolveError::Invalid(format!(
                "{vm_url} names a DID, not a verification method"
            )));
        }
        let (key, _doc) = ler_crypto::resolve_did_key(vm_url)
            .map_err(|e| ResolveError::Invalid(e.to_string()))?;
        let controller = vm_url.split('#').next().unwrap_or(vm_url).to_string();
        Ok(VerificationMethod {
            id: vm_url.into(),
            controller,
            public_key: key,
            relationships: [
                "assertionMethod",
                "authentication",
                "capabilityInvocation",
                "capabilityDelegation",
            ]
            .map(String::from)
            .to_vec(),
        })
    }
}

/// Verification methods known ahead of time (tests, or keys an operator pins), falling back to
/// did:key.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    methods: HashMap<String, VerificationMethod>,
}

impl StaticResolver {
    /// An empty resolver (did:key still resolves).
    pub fn new() -> StaticResolver {
        StaticResolver::default()
    }

    /// Adds a verification method, listed under assertionMethod and authentication.
    pub fn insert(&mut self, vm_url: &str, controller: &str, key: PublicKey) {
        self.methods.insert(
            vm_url.to_string(),
            VerificationMethod {
                id: vm_url.into(),
                controller: controller.into(),
                public_key: key,
                relationships: vec!["assertionMethod".into(), "authentication".into()],
            },
        );
    }
}

impl Resolver for StaticResolver {
    fn resolve(&self, vm_url: &str) -> Result<VerificationMethod, ResolveError> {
        match self.methods.get(vm_url) {
            Some(vm) => Ok(vm.clone()),
            None => DidKeyResolver.resolve(vm_url),
        }
    }
}
