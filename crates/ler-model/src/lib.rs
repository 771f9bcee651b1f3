//! The ler data model: W3C Verifiable Credentials 2.0 (and 1.1), 1EdTech Open Badges 3.0 and
//! CLR 2.0, and ler's employment records, checked and shaped as JSON.
//!
//! The principal type is [`Violation`]: [`validate`] returns one for every MUST a document
//! breaks, with the JSON path where it breaks it and a stable rule id (all listed in [`RULES`]).
//! [`kind`] says what a document is ([`CredentialKind`]); [`normalize`] writes set-valued
//! properties as arrays and drops nulls, as OB 3.0 serializes; [`fill`] adds a missing `id`,
//! `validFrom` or `issuer` from values the caller supplies; [`datetime`] parses the strict
//! `xsd:dateTime` the validity period uses.
//!
//! **Architecture invariant:** this crate does no I/O and no cryptography and reads no clock. It
//! works on [`serde_json::Value`]; proofs belong to `ler-proof`, JSON-LD to `ler-jsonld`.
//!
//! ```
//! let doc = serde_json::json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2",
//!                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
//!     "id": "urn:uuid:6f1c2a36-1e8a-4f5e-8d5c-8a0f3d6b2e10",
//!     "type": ["VerifiableCredential", "OpenBadgeCredential"],
//!     "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Example College"},
//!     "validFrom": "2026-01-01T00:00:00Z",
//!     "credentialSubject": {
//!         "id": "did:example:learner",
//!         "type": ["AchievementSubject"],
//!         "achievement": {
//!             "id": "https://example.org/achievements/1",
//!             "type": ["Achievement"],
//!             "name": "Welding I",
//!             "description": "Basic welding.",
//!             "criteria": {}
//!         }
//!     }
//! });
//! assert_eq!(ler_model::kind(&doc), ler_model::CredentialKind::AchievementCredential);
//! let violations = ler_model::validate(&doc);
//! assert_eq!(violations.len(), 1);
//! assert_eq!(violations[0].path, "$.credentialSubject.achievement.criteria");
//! assert_eq!(violations[0].rule, "ob3.achievement.criteria");
//! ```

pub mod datetime;
mod fill;
mod kind;
mod normalize;
mod path;
mod validate;
pub mod vocab;

pub use fill::{Fill, fill};
pub use kind::{CredentialKind, kind};
pub use normalize::{Action, Change, normalize};
pub use validate::{RULES, Violation, validate};
