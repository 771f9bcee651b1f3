//! Pinned offline JSON-LD for credentials: contexts, expansion to RDF, RDFC-1.0 and JCS.
//!
//! The principal types are [`Documents`] (the context documents ler knows, embedded in the
//! binary, plus those an operator adds) and [`Dataset`] (the RDF quads a document expands to).
//! [`canonicalize`] turns a JSON-LD document into RDFC-1.0 canonical N-Quads, byte for byte what
//! the reference JavaScript stack (jsonld.js + rdf-canonize) produces in safe mode.
//!
//! This is not a general JSON-LD processor. It implements the parts of JSON-LD 1.1 expansion
//! that credential contexts use (protected, type- and property-scoped contexts, `@vocab`,
//! `@graph`, `@list` and `@set` containers, `@json`), processes each context once and caches the
//! result, and treats everything else as an error rather than guessing. Expansion runs in "safe
//! mode": a term, type or IRI that would be silently dropped is an error, so nothing is ever
//! signed without being covered by the signature.
//!
//! ```
//! use ler_jsonld::{Documents, canonicalize};
//! let doc = serde_json::json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential"],
//!     "issuer": "did:example:issuer",
//!     "credentialSubject": {"id": "did:example:alice"}
//! });
//! let nquads = canonicalize(&doc, Documents::embedded()).unwrap();
//! assert!(nquads.contains("<https://www.w3.org/2018/credentials#issuer> <did:example:issuer>"));
//! ```

mod canon;
mod context;
mod documents;
mod expand;
mod rdf;
#[cfg(test)]
mod tests;

pub use canon::canonicalize_dataset;
pub use documents::{ContextSource, Documents};
pub use rdf::{Dataset, Quad, Term};

use serde_json::Value;

/// Limits that keep hostile input from costing unbounded time or memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of JSON objects and arrays that expansion follows.
    pub max_depth: usize,
    /// Most quads a document may expand to.
    pub max_quads: usize,
    /// Most context documents one context may pull in, counting nested ones.
    pub max_remote_contexts: usize,
    /// Most calls of RDFC-1.0's "hash N-degree quads" (the poison-graph guard).
    pub max_ndegree_calls: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_quads: 20_000,
            max_remote_contexts: 32,
            max_ndegree_calls: 4_096,
        }
    }
}

/// Why a document could not be expanded or canonicalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A context URL that is neither embedded nor in the operator's context map.
    #[error("unknown context {0}: ler only uses contexts it has pinned; add it with --context-map")]
    UnknownContext(String),
    /// A property that no context defines; it would be dropped and go unsigned.
    #[error("property \"{term}\" at {path} is not defined by the document's contexts")]
    UndefinedTerm {
        /// The term as written.
        term: String,
        /// Where it was found.
        path: String,
    },
    /// An `@id`, `@type` or `@vocab` that is a relative IRI; it would be dropped or rebased.
    #[error("relative IRI \"{iri}\" at {path}: only absolute IRIs are allowed")]
    RelativeIri {
        /// The value as written.
        iri: String,
        /// Where it was found.
        path: String,
    },
    /// A context that breaks the JSON-LD rules (or uses a feature ler refuses).
    #[error("invalid context: {0}")]
    InvalidContext(String),
    /// A protected term redefined by a later context.
    #[error("protected term \"{0}\" cannot be redefined")]
    ProtectedTermRedefinition(String),
    /// A document that breaks the JSON-LD syntax rules or would lose data in expansion.
    #[error("invalid JSON-LD at {path}: {reason}")]
    InvalidDocument {
        /// Where.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A JSON-LD feature ler does not process (and so will not sign or verify).
    #[error("unsupported JSON-LD feature at {path}: {feature}")]
    Unsupported {
        /// Where.
        path: String,
        /// The feature.
        feature: String,
    },
    /// A limit in [`Limits`] was reached.
    #[error("limit exceeded: {0}")]
    LimitExceeded(String),
    /// JCS could not serialize the value.
    #[error("JCS canonicalization failed: {0}")]
    Jcs(String),
}

/// Expands a JSON-LD document to RDF, with the default [`Limits`].
pub fn to_rdf(doc: &Value, docs: &Documents) -> Result<Dataset, Error> {
    to_rdf_with(doc, docs, &Limits::default())
}

/// Expands a JSON-LD document to RDF.
pub fn to_rdf_with(doc: &Value, docs: &Documents, limits: &Limits) -> Result<Dataset, Error> {
    let items = expand::expand_document(doc, docs, limits)?;
    rdf::items_to_dataset(&items, limits)
}

/// RDFC-1.0 canonical N-Quads of a JSON-LD document (expansion in safe mode, default limits).
pub fn canonicalize(doc: &Value, docs: &Documents) -> Result<String, Error> {
    canonicalize_with(doc, docs, &Limits::default())
}

/// RDFC-1.0 canonical N-Quads of a JSON-LD document.
pub fn canonicalize_with(doc: &Value, docs: &Documents, limits: &Limits) -> Result<String, Error> {
    let dataset = to_rdf_with(doc, docs, limits)?;
    canonicalize_dataset(&dataset, limits)
}

/// JSON Canonicalization Scheme (RFC 8785) serialization.
pub fn jcs(value: &Value) -> Result<String, Error> {
    serde_json_canonicalizer::to_string(value).map_err(|e| Error::Jcs(e.to_string()))
}
