//! Why an SD-JWT could not be issued, presented or verified.

use std::fmt;

/// Which JWT of a presentation a time check concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The issuer-signed JWT.
    Issuer,
    /// The holder's Key Binding JWT.
    KeyBinding,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Issuer => "the issuer-signed JWT",
            Part::KeyBinding => "the key binding JWT",
        })
    }
}

/// Why an SD-JWT could not be issued, presented or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdJwtError {
    /// The text is not an SD-JWT (`<JWT>~<disclosure>~…~[<KB-JWT>]`), or a part of it is
    /// malformed.
    #[error("malformed SD-JWT: {0}")]
    Malformed(String),
    /// The claims given to [`issue`](crate::issue) cannot be made into an SD-JWT VC.
    #[error("cannot issue: {0}")]
    InvalidClaims(String),
    /// A path is not a JSON Pointer ler accepts (`/name`, `/a/b`, `/list/0`).
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// Why.
        reason: String,
    },
    /// A path names no claim.
    #[error("no claim at {0}")]
    UnknownPath(String),
    /// The issuer asked to hide a claim that decides the credential's validity.
    #[error("{0} must stay visible: it decides whether the credential is authentic and valid")]
    NotDisclosable(String),
    /// The salt source repeated a value. Each claim needs its own random salt (RFC 9901 §9.3).
    #[error("the salt source repeated a value: salts must be random")]
    WeakSalt,
    /// The issuer-signed JWT did not verify (algorithm, `typ`, `kid` or signature).
    #[error("the issuer-signed JWT does not verify: {0}")]
    IssuerJwt(ler_proof::JoseError),
    /// A claim the SD-JWT VC needs is missing or of the wrong type.
    #[error("the issuer-signed JWT has no valid {0} claim")]
    MissingClaim(&'static str),
    /// The key that signed is not one of the issuer's assertion keys.
    #[error("{kid} is controlled by {controller}, not by the issuer {issuer}")]
    WrongIssuer {
        /// The verification method that signed.
        kid: String,
        /// Its controller.
        controller: String,
        /// The `iss` claim.
        issuer: String,
    },
    /// The issuer's key is not listed under `assertionMethod`.
    #[error("{0} is not listed under assertionMethod by the issuer")]
    NotAssertionMethod(String),
    /// `_sd_alg` names a digest algorithm other than `sha-256`.
    #[error("_sd_alg {0:?} is not supported: ler accepts only sha-256")]
    UnsupportedHashAlg(String),
    /// The same disclosure was sent twice.
    #[error("a disclosure appears twice: {0}")]
    DuplicateDisclosure(String),
    /// A digest appears more than once in the payload and the disclosures (RFC 9901 §7.1 step 4).
    #[error("the digest {0} appears more than once")]
    DuplicateDigest(String),
    /// A disclosure's digest is not in the issuer-signed JWT, directly or through another
    /// disclosure: it was forged, altered, or taken from another SD-JWT.
    #[error("a disclosure {0} is not referenced by the issuer-signed JWT")]
    UnreferencedDisclosure(String),
    /// A disclosure names `_sd`, `...` or `_sd_alg`.
    #[error("a disclosure uses the reserved claim name {0:?}")]
    ReservedName(String),
    /// A disclosure would replace a claim that is already there.
    #[error("a disclosure would overwrite the claim at {0}")]
    ClaimConflict(String),
    /// A disclosure carries a claim that must never be selectively disclosed.
    #[error("{0} is selectively disclosed, but it decides the credential's validity")]
    CriticalClaimDisclosed(String),
    /// The claims nest deeper than [`MAX_DEPTH`](crate::MAX_DEPTH).
    #[error("the claims nest deeper than {0} levels")]
    TooDeep(usize),
    /// `exp` has passed.
    #[error("{0} expired at {1}")]
    Expired(Part, i64),
    /// `nbf` has not come yet.
    #[error("{0} is not valid before {1}")]
    NotYetValid(Part, i64),
    /// `iat` is in the future.
    #[error("{0} was issued in the future, at {1}")]
    IssuedInFuture(Part, i64),
    /// The verifier requires key binding (or asked for a nonce or audience) and the
    /// presentation has no KB-JWT.
    #[error("the presentation has no key binding JWT")]
    MissingKeyBinding,
    /// [`present`](crate::present) was given an SD-JWT that already ends in a KB-JWT.
    #[error("the SD-JWT already has a key binding JWT: present the SD-JWT as issued")]
    UnexpectedKeyBinding,
    /// There is no usable holder key in `cnf`.
    #[error("no holder key: {0}")]
    NoHolderKey(String),
    /// The key given to [`present`](crate::present) is not the one in `cnf`.
    #[error("the holder key is not the key the credential is bound to (cnf)")]
    WrongHolderKey,
    /// The KB-JWT is malformed, or its header is not `alg: EdDSA`, `typ: kb+jwt`.
    #[error("invalid key binding JWT: {0}")]
    KeyBinding(String),
    /// The KB-JWT's signature does not verify with the `cnf` key.
    #[error(
        "the key binding JWT's signature does not verify with the holder's key: it was changed, or signed by another key"
    )]
    KeyBindingSignature,
    /// The KB-JWT's `sd_hash` is not the hash of the SD-JWT it came with: disclosures were
    /// added, removed or reordered after the holder signed.
    #[error("sd_hash does not match the presented SD-JWT: the disclosures were changed")]
    SdHashMismatch,
    /// The KB-JWT's `nonce` is not the one the verifier sent.
    #[error("the key binding JWT's nonce is not the one sent")]
    NonceMismatch,
    /// The KB-JWT's `aud` is not the verifier.
    #[error("the key binding JWT's aud is not {0}")]
    AudienceMismatch(String),
}
