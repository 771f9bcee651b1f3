//! The one verifier: every check a record can carry, in a [`Report`] with one entry per check.
//!
//! The CLI, the server and the web page all use [`Verifier`]. It takes bytes as people hand
//! them over — a JSON credential or presentation, a compact VC-JWT, or a PNG / SVG image with a
//! baked credential — and checks the format (every MUST of VC 2.0, OB 3.0, CLR 2.0), the proofs
//! (Data Integrity or JWT) with the issuer's key resolved through its DID, the status lists,
//! the validity period, endorsements and enclosed credentials, the recipient, and trust
//! registries. A [`Report`] says for each check whether it passed, failed or was skipped, and
//! why, in plain words; [`Report::to_json`] is the W3C vcalm verify response.
//!
//! The verifier does no network I/O of its own: did:web documents and status lists come from
//! the [`Fetcher`] the caller passes in (`ler-fetch` has the HTTP one, with its SSRF guard).

mod did;
mod fetch;
mod jwt;
mod presentation;
mod recipient;
mod report;
mod sdjwt;
mod status;
mod trust;

pub use did::{DidResolver, verification_method};
pub use fetch::{FetchError, Fetcher, Offline, Preloaded};
pub use report::{Check, Report, Status};
pub use status::StatusListCache;
pub use trust::{KnownRegistries, TrustEntry, TrustList};

use ler_jsonld::Documents;
use ler_proof::{Expectations, ProofError, Purpose};
use serde_json::Value;

/// Largest input the verifier reads, in bytes.
pub const MAX_INPUT_BYTES: usize = 2 * 1024 * 1024;
/// Deepest nesting of records inside records (presentation → CLR → credential → endorsement).
const MAX_NESTING: usize = 4;

/// What the verifier needs besides the record.
pub struct Options<'a> {
    /// The contexts it may load.
    pub documents: &'a Documents,
    /// Fetches did:web documents and status lists.
    pub fetcher: &'a dyn Fetcher,
    /// Trust registries; `None` skips the trust check.
    pub trust: Option<&'a TrustList>,
    /// The verifier's clock, seconds since the epoch.
    pub now: i64,
    /// An email or other identifier to match against the credential's recipient.
    pub recipient: Option<String>,
    /// For presentations: the challenge the verifier sent.
    pub challenge: Option<String>,
    /// For presentations: the domain the verifier expects.
    pub domain: Option<String>,
    /// Status lists verified by earlier verifications (a server keeps one); `None` verifies
    /// every list it fetches.
    pub status_cache: Option<&'a StatusListCache>,
}

/// Verifies credentials and presentations.
pub struct Verifier<'a> {
    pub(crate) opts: Options<'a>,
    pub(crate) resolver: DidResolver<'a>,
    /// Status lists fetched and verified so far (each is fetched once per verifier).
    pub(crate) status_lists: status::Cache,
}

impl<'a> Verifier<'a> {
    /// A verifier with these options.
    pub fn new(opts: Options<'a>) -> Verifier<'a> {
        let resolver = DidResolver::new(opts.fetcher, opts.now);
        Verifier {
            opts,
            resolver,
            status_lists: status::Cache::default(),
        }
    }

    /// Verifies a record as handed over: JSON, a compact JWT, or a baked PNG / SVG image.
    pub fn verify_bytes(&self, bytes: &[u8]) -> Report {
        self.bytes_at(bytes, 0)
    }

    pub(crate) fn bytes_at(&self, bytes: &[u8], depth: usize) -> Report {
        // A baked image may be larger than a bare record; what is baked in is capped below.
        if ler_bake::is_image(bytes) && bytes.len() <= ler_bake::MAX_IMAGE_BYTES {
            return match ler_bake::unbake(bytes) {
                Ok(text) => {
                    let mut r = self.bytes_at(text.as_bytes(), depth);
                    r.push(
                        "baked",
                        Status::Passed,
                        "the credential was read from the image it is baked into",
                    );
                    r
                }
                Err(e) => {
                    let mut r = Report::new("image");
                    r.push(
                        "format",
                        Status::Failed,
                        format!("no credential could be read from the image: {e}"),
                    );
                    r
                }
            };
        }
        if bytes.len() > MAX_INPUT_BYTES {
            let mut r = Report::new("unreadable");
            r.push(
                "format",
                Status::Failed,
                format!(
                    "the input is {} bytes; ler reads records of at most {MAX_INPUT_BYTES} bytes",
                    bytes.len()
                ),
            );
            return r;
        }
        let text = String::from_utf8_lossy(bytes);
        let trimmed = text.trim();
        if sdjwt::looks_like_sd_jwt(trimmed) {
            return sdjwt::verify(self, trimmed);
        }
        if jwt::looks_like_jwt(trimmed) {
            return jwt::verify_jwt(self, trimmed, depth);
        }
        match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::String(s)) if jwt::looks_like_jwt(&s) => jwt::verify_jwt(self, &s, depth),
            Ok(doc) => self.value_at(&doc, depth),
            Err(e) => {
                let mut r = Report::new("unreadable");
                r.push(
                    "format",
                    Status::Failed,
                    format!("the input is not JSON, a JWT or a baked image: {e}"),
                );
                r
            }
        }
    }

    /// Verifies a credential or presentation given as JSON.
    pub fn verify_value(&self, doc: &Value) -> Report {
        self.value_at(doc, 0)
    }

    pub(crate) fn value_at(&self, doc: &Value, depth: usize) -> Report {
        let is_presentation = doc.get("type").is_some_and(|t| {
            t == "VerifiablePresentation"
                || t.as_array()
                    .is_some_and(|a| a.iter().any(|x| x == "VerifiablePresentation"))
        });
        if is_presentation {
            presentation::verify(self, doc, depth)
        } else {
            self.credential_at(doc, depth)
        }
    }

    /// Verifies a credential secured with Data Integrity proofs.
    pub(crate) fn credential_at(&self, doc: &Value, depth: usize) -> Report {
        let mut r = Report::new(&format!("{:?}", ler_model::kind(doc)));
        r.format = "data-integrity".into();
        describe(doc, &mut r);
        r.credential = Some(doc.clone());
        self.format_check(doc, &mut r);
        self.contexts_check(doc, &mut r);
        let proof_ok = match r.issuer.clone() {
            None => {
                r.push(
                    "proof",
                    Status::Failed,
                    "the record names no issuer, so no key can be checked against it",
                );
                false
            }
            Some(issuer) => self.proof_checks(doc, &issuer, Purpose::Assertion, &mut r),
        };
        self.common_checks(doc, depth, &mut r);
        r.verified = proof_ok && !r.any_failed();
        r
    }

    /// The checks every secured credential gets after its signature: status, validity period,
    /// recipient, trust, and the records it carries.
    pub(crate) fn common_checks(&self, doc: &Value, depth: usize, r: &mut Report) {
        status::check(self, doc, r);
        validity(doc, self.opts.now, r);
        recipient::check(doc, self.opts.recipient.as_deref(), r);
        trust::check(self.opts.trust, r);
        self.nested_records(doc, depth, r);
    }

    pub(crate) fn format_check(&self, doc: &Value, r: &mut Report) {
        let violations = ler_model::validate(doc);
        if violations.is_empty() {
            r.push(
                "format",
                Status::Passed,
                format!("the record follows the {} rules", r.kind),
            );
        } else {
            let list: Vec<String> = violations
                .iter()
                .map(|v| format!("{}: {}", v.path, v.message))
                .collect();
            r.push("format", Status::Failed, list.join("; "));
        }
    }

    /// Every context must be a pinned document; an inline context is a warning, and an inline
    /// `@vocab` a failure (it would give any undefined term a meaning nobody pinned).
    pub(crate) fn contexts_check(&self, doc: &Value, r: &mut Report) {
        let Some(ctx) = doc.get("@context") else {
            return;
        };
        let mut inline = false;
        for item in as_slice(ctx) {
            match item {
                Value::String(url) => {
                    if self.opts.documents.get(url).is_none() {
                        r.push(
                            "contexts",
                            Status::Failed,
                            format!("unknown context {url}: ler only uses contexts it has pinned"),
                        );
                        return;
                    }
                }
                Value::Object(o) if o.contains_key("@vocab") => {
                    r.push(
                        "contexts",
                        Status::Failed,
                        "an inline context sets @vocab, which would give any undefined term a meaning no pinned context defines",
                    );
                    return;
                }
                _ => inline = true,
            }
        }
        if inline {
            r.push(
                "contexts",
                Status::Skipped,
                "the record defines some terms inline rather than in a published context",
            );
        } else {
            r.push(
                "contexts",
                Status::Passed,
                "every context is a pinned, published document",
            );
        }
    }

    /// Verifies every proof, bound to `controller`'s key; true when all verify.
    pub(crate) fn proof_checks(
        &self,
        doc: &Value,
        controller: &str,
        purpose: Purpose,
        r: &mut Report,
    ) -> bool {
        let expect = Expectations {
            controller,
            purpose,
            now: self.opts.now,
        };
        match ler_proof::verify_proofs(doc, &expect, &self.resolver, self.opts.documents) {
            Err(ProofError::NoProof) => {
                r.push(
                    "proof",
                    Status::Failed,
                    "the record is not signed (it has no proof)",
                );
                false
            }
            Err(e) => {
                r.push("proof", Status::Failed, e.to_string());
                false
            }
            Ok(outcomes) => {
                let n = outcomes.len();
                let mut all = true;
                for (i, o) in outcomes.iter().enumerate() {
                    let name = if n == 1 {
                        "proof".to_string()
                    } else {
                        format!("proof[{i}]")
                    };
                    let suite = o.suite.map_or("unknown suite", |s| s.name());
                    match &o.result {
                        Ok(()) => r.push(
                            &name,
                            Status::Passed,
                            format!(
                                "{suite} signature is valid, made with key {} which {controller} controls",
                                o.verification_method.as_deref().unwrap_or("?")
                            ),
                        ),
                        Err(e) => {
                            all = false;
                            r.push(&name, Status::Failed, format!("{suite}: {e}"));
                        }
                    }
                }
                all
            }
        }
    }

    /// Endorsements (OB 3.0) and enclosed credentials (CLR 2.0) are verified in turn.
    fn nested_records(&self, doc: &Value, depth: usize, r: &mut Report) {
        let mut inner: Vec<(&str, &Value)> = Vec::new();
        let subject = first_subject(doc);
        let endorsement_sites = [
            doc.get("endorsement"),
            doc.get("issuer").and_then(|i| i.get("endorsement")),
            subject
                .and_then(|s| s.get("achievement"))
                .and_then(|a| a.get("endorsement")),
        ];
        for site in endorsement_sites.into_iter().flatten() {
            for e in as_slice(site) {
                inner.push(("endorsement", e));
            }
        }
        if let Some(vcs) = subject.and_then(|s| s.get("verifiableCredential")) {
            for c in as_slice(vcs) {
                inner.push(("enclosed credential", c));
            }
        }
        if inner.is_empty() {
            return;
        }
        if depth >= MAX_NESTING {
            r.push(
                "nested",
                Status::Failed,
                format!("records are nested more than {MAX_NESTING} deep"),
            );
            return;
        }
        let total = inner.len();
        let mut failed = 0;
        for (what, v) in inner {
            let nested = match v {
                Value::String(s) => self.bytes_at(s.as_bytes(), depth + 1),
                other => self.value_at(other, depth + 1),
            };
            if !nested.verified {
                failed += 1;
                r.push(
                    what,
                    Status::Failed,
                    format!(
                        "{what} {} did not verify",
                        nested
                            .achievement
                            .as_deref()
                            .or(nested.issuer.as_deref())
                            .unwrap_or("")
                    ),
                );
            }
            r.nested.push(nested);
        }
        if failed == 0 {
            r.push(
                "nested",
                Status::Passed,
                format!("all {total} records inside this one verified"),
            );
        }
    }
}

/// Fills the report's summary fields (issuer, subject, achievement) from the credential.
pub(crate) fn describe(doc: &Value, r: &mut Report) {
    r.issuer = match doc.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(String::from),
        _ => None,
    };
    r.issuer_name = doc
        .get("issuer")
        .and_then(|i| i.get("name"))
        .and_then(Value::as_str)
        .map(String::from);
    let subject = first_subject(doc);
    r.subject = subject
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .map(String::from);
    r.achievement = subject
        .and_then(|s| s.get("achievement"))
        .and_then(|a| a.get("name"))
        .or_else(|| doc.get("name"))
        .and_then(Value::as_str)
        .map(String::from);
}

pub(crate) fn first_subject(doc: &Value) -> Option<&Value> {
    match doc.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    }
}

pub(crate) fn as_slice(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) => a,
        other => std::slice::from_ref(other),
    }
}

/// The validity period (VC 2.0 `validFrom`/`validUntil`, or VC 1.1 `issuanceDate`/
/// `expirationDate`) against the verifier's clock.
pub(crate) fn validity(doc: &Value, now: i64, r: &mut Report) {
    let (from_key, until_key) =
        if doc.get("issuanceDate").is_some() && doc.get("validFrom").is_none() {
            ("issuanceDate", "expirationDate")
        } else {
            ("validFrom", "validUntil")
        };
    let read = |k: &str| -> Result<Option<(String, i64)>, String> {
        match doc.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => ler_model::datetime::parse_datetime(s)
                .map(|t| Some((s.clone(), t)))
                .map_err(|e| format!("{k} \"{s}\" is not a date-time: {e}")),
            Some(_) => Err(format!("{k} must be a date-time string")),
        }
    };
    let (from, until) = match (read(from_key), read(until_key)) {
        (Ok(f), Ok(u)) => (f, u),
        (Err(e), _) | (_, Err(e)) => {
            r.push("validity", Status::Failed, e);
            return;
        }
    };
    if let Some((s, t)) = &from
        && *t > now
    {
        r.push(
            "validity",
            Status::Failed,
            format!("not valid yet: valid from {s}"),
        );
        return;
    }
    if let Some((s, t)) = &until
        && *t < now
    {
        r.push("validity", Status::Failed, format!("expired on {s}"));
        return;
    }
    let msg = match (&from, &until) {
        (Some((f, _)), Some((u, _))) => format!("valid from {f} until {u}"),
        (Some((f, _)), None) => format!("valid from {f}, with no end date"),
        (None, Some((u, _))) => format!("valid until {u}"),
        (None, None) => "the record gives no validity period".into(),
    };
    r.push("validity", Status::Passed, msg);
}
