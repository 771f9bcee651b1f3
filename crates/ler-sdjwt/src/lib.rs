//! Selective disclosure for employment records: SD-JWT VC (RFC 9901 and
//! draft-ietf-oauth-sd-jwt-vc) signed with the Ed25519 keys ler already has.
//!
//! A worker shares an employment record with only some of its fields, say the title and the
//! dates but not the pay. The issuer makes each field a *disclosure* (`[salt, name, value]`,
//! base64url) and signs only the disclosures' SHA-256 digests; the holder hands a verifier the
//! disclosures it chooses and a Key Binding JWT (`kb+jwt`) over exactly that choice.
//!
//! - [`issue`] makes the SD-JWT `<issuer-signed JWT>~<disclosure>~…~` (header `typ: dc+sd-jwt`,
//!   `alg: EdDSA`, `kid`; payload `iss`, `iat`, `vct`, `cnf.jwk`, `_sd`, `_sd_alg: sha-256`).
//! - [`present`] keeps the disclosures for the chosen paths (and the parents nested ones need)
//!   and appends the KB-JWT (`iat`, `aud`, `nonce`, `sd_hash`) signed with the holder's key.
//! - [`verify`] checks the issuer's signature (through `ler-proof`'s JOSE layer, the `kid` bound
//!   to `iss` under `assertionMethod`), every disclosure against the digests (RFC 9901 §7.1),
//!   the KB-JWT against `cnf` (§7.3), and the clock; the principal type it returns is
//!   [`Verified`], and every refusal is an [`SdJwtError`] naming what was wrong.
//! - [`inspect`] is the holder's view of an SD-JWT it holds: every claim, and the paths it may
//!   reveal or keep.
//!
//! Paths are JSON Pointers (RFC 6901) into the claims: `/positionTitle`, `/pay/amount`, and for
//! an array element `/skills/0`. A nested path (`/pay/amount`) inside a selectively disclosable
//! parent (`/pay`) is a recursive disclosure: revealing `/pay` alone shows the pay object
//! without its amount; revealing `/pay/amount` also reveals `/pay`.
//!
//! Nothing here does I/O: time is a parameter, salts come from a closure ([`os_salt`] for the
//! operating system's generator), and did:web keys come from the caller's
//! [`Resolver`](ler_proof::Resolver).
//!
//! ```
//! use ler_crypto::KeyPair;
//! use ler_proof::DidKeyResolver;
//! use ler_sdjwt::{EMPLOYMENT_VCT, Expect, IssueOptions, issue, present, verify};
//! use serde_json::json;
//!
//! let employer = KeyPair::from_seed([1; 32]);
//! let worker = KeyPair::from_seed([2; 32]);
//! let kid = ler_crypto::did_key_verification_method(&employer.public_key());
//! let record = json!({
//!     "positionTitle": "Line Cook",
//!     "startDate": "2023-04-01",
//!     "pay": {"type": "Pay", "amount": 18.5, "currency": "USD", "period": "Hour"}
//! });
//! let opts = IssueOptions {
//!     vct: EMPLOYMENT_VCT,
//!     holder: &worker.public_key(),
//!     now: 1_750_000_000,
//!     max_decoys: 2,
//! };
//! let sd_jwt = issue(
//!     &record,
//!     &["/positionTitle", "/startDate", "/pay"],
//!     &employer,
//!     &kid,
//!     &opts,
//!     &mut ler_sdjwt::os_salt,
//! )?;
//!
//! let shared = present(
//!     &sd_jwt,
//!     &["/positionTitle", "/startDate"],
//!     &worker,
//!     "n-0S6_WzA2Mj",
//!     "https://hr.example.org",
//!     1_750_000_100,
//! )?;
//!
//! let expect = Expect {
//!     nonce: Some("n-0S6_WzA2Mj"),
//!     aud: Some("https://hr.example.org"),
//!     now: 1_750_000_200,
//!     require_key_binding: true,
//! };
//! let verified = verify(&shared, &DidKeyResolver, &expect)?;
//! assert_eq!(verified.claims["positionTitle"], "Line Cook");
//! assert!(verified.claims.get("pay").is_none());
//! assert_eq!(verified.disclosed, ["/positionTitle", "/startDate"]);
//! # Ok::<(), ler_sdjwt::SdJwtError>(())
//! ```

mod compact;
mod employment;
mod error;
mod issue;
mod path;
mod present;
mod process;
mod verify;

pub use employment::{EMPLOYMENT_FIELDS, employment_claims};
pub use error::{Part, SdJwtError};
pub use issue::{IssueOptions, issue, os_salt};
pub use present::{Inspected, inspect, present};
pub use verify::{Expect, Verified, verify};

/// The `typ` of an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc §3.2.1); what [`issue`] writes.
pub const TYP: &str = "dc+sd-jwt";

/// The `typ` earlier drafts of SD-JWT VC used; [`verify`] still accepts it.
pub const LEGACY_TYP: &str = "vc+sd-jwt";

/// The `typ` of a Key Binding JWT (RFC 9901 §4.3).
pub const KB_TYP: &str = "kb+jwt";

/// The `vct` (credential type) of a ler employment record.
pub const EMPLOYMENT_VCT: &str = "https://w3id.org/ler/employment/v1#EmploymentRecord";

/// The only digest algorithm ler writes and accepts in `_sd_alg` (the RFC 9901 default).
pub const SD_ALG: &str = "sha-256";

/// Clock skew tolerated between issuer, holder and verifier for `iat` and `nbf`, in seconds.
pub const MAX_CLOCK_SKEW: i64 = 300;

/// How deep the claims may nest, counting the levels disclosures add. serde_json already caps
/// each parsed document; this caps the chain of disclosures inside disclosures.
pub const MAX_DEPTH: usize = 64;

/// Top-level claims that must never be selectively disclosable: they decide whether the
/// credential is authentic and valid (draft-ietf-oauth-sd-jwt-vc §3.2.2.2, RFC 9901 §9.7).
/// [`issue`] refuses to hide them and [`verify`] refuses a disclosure that carries one.
pub const NEVER_DISCLOSABLE: [&str; 8] = [
    "iss",
    "nbf",
    "exp",
    "cnf",
    "vct",
    "vct#integrity",
    "aka_vcts",
    "status",
];

/// The base64url (unpadded) SHA-256 of `text`'s bytes: a disclosure's digest (RFC 9901 §4.2.3),
/// and, over `<issuer-signed JWT>~<disclosure>~…~`, a KB-JWT's `sd_hash` (§4.3.1).
pub fn digest(text: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(text.as_bytes()))
}
