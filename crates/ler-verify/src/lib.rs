//! The one verifier: every check a record can carry, in a [`Report`] with one entry per check.
//!
//! The CLI, the server and the web page all call [`verify_credential`]. A [`Report`] says, for
//! each check, whether it passed, failed or was skipped and why, in words a person can read;
//! [`Report::to_json`] gives the machine form (the W3C vcalm verify response shape). `Err` is
//! never used for "did not verify": an unreadable input is a failed `format` check.

use ler_jsonld::Documents;
use ler_proof::{Expectations, ProofError, Purpose, Resolver};
use serde::Serialize;
use serde_json::{Value, json};

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check ran and the credential met it.
    Passed,
    /// The check ran and the credential did not meet it.
    Failed,
    /// The check did not apply or could not run; the reason says which.
    Skipped,
}

/// One check of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable name: `format`, `proof`, `issuer`, `validity`.
    pub check: String,
    /// How it ended.
    pub status: Status,
    /// What was checked and what was found, in plain words.
    pub message: String,
}

/// The result of verifying one credential.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True when no check failed and the proof check passed.
    pub verified: bool,
    /// The kind of record (OpenBadgeCredential, ClrCredential, …).
    pub kind: String,
    /// The issuer's id, if readable.
    pub issuer: Option<String>,
    /// The issuer's name, if given.
    pub issuer_name: Option<String>,
    /// The subject's id, if given.
    pub subject: Option<String>,
    /// The achievement's (or credential's) name, if given.
    pub achievement: Option<String>,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// The machine form: the vcalm verify response (`verified`, `checks`, `warnings`, `errors`)
    /// plus ler's per-check details.
    pub fn to_json(&self) -> Value {
        let passed: Vec<&str> = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Passed)
            .map(|c| c.check.as_str())
            .collect();
        let errors: Vec<Value> = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Failed)
            .map(|c| json!({"type": format!("https://ler.dev/problems/{}", c.check), "title": c.check, "detail": c.message}))
            .collect();
        let warnings: Vec<Value> = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Skipped)
            .map(|c| json!({"type": format!("https://ler.dev/problems/{}", c.check), "title": c.check, "detail": c.message}))
            .collect();
        json!({
            "verified": self.verified,
            "checks": passed,
            "warnings": warnings,
            "errors": errors,
            "kind": self.kind,
            "issuer": self.issuer,
            "issuerName": self.issuer_name,
            "subject": self.subject,
            "achievement": self.achievement,
            "results": self.checks,
        })
    }

    fn push(&mut self, check: &str, status: Status, message: impl Into<String>) {
        self.checks.push(Check {
            check: check.into(),
            status,
            message: message.into(),
        });
    }
}

/// What the verifier needs besides the credential.
pub struct Options<'a> {
    /// The contexts it may load.
    pub documents: &'a Documents,
    /// Resolves verification methods (did:key offline; others as the caller provides).
    pub resolver: &'a dyn Resolver,
    /// The verifier's clock, seconds since the epoch.
    pub now: i64,
}

fn issuer_id(doc: &Value) -> Option<&str> {
    match doc.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

fn first_subject(doc: &Value) -> Option<&Value> {
    match doc.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    }
}

/// Verifies a credential from its bytes (JSON).
pub fn verify_bytes(bytes: &[u8], opts: &Options<'_>) -> Report {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(doc) => verify_credential(&doc, opts),
        Err(e) => {
            let mut r = empty_report("unreadable");
            r.push(
                "format",
                Status::Failed,
                format!("the input is not JSON: {e}"),
            );
            r
        }
    }
}

fn empty_report(kind: &str) -> Report {
    Report {
        verified: false,
        kind: kind.into(),
        issuer: None,
        issuer_name: None,
        subject: None,
        achievement: None,
        checks: Vec::new(),
    }
}

/// Verifies a credential: format, proofs with the issuer's key, and validity period.
pub fn verify_credential(doc: &Value, opts: &Options<'_>) -> Report {
    let mut r = empty_report(&format!("{:?}", ler_model::kind(doc)));
    r.issuer = issuer_id(doc).map(String::from);
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

    // Format: every MUST of the VC / OB3 / CLR specs, with its JSON path.
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

    // Proofs, each bound to the issuer's key through assertionMethod.
    let proof_ok = match r.issuer.clone() {
        None => {
            r.push(
                "proof",
                Status::Failed,
                "the record names no issuer, so no key can be checked against it",
            );
            false
        }
        Some(issuer) => {
            let expect = Expectations {
                controller: &issuer,
                purpose: Purpose::Assertion,
                now: opts.now,
            };
            match ler_proof::verify_proofs(doc, &expect, opts.resolver, opts.documents) {
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
                                    "{suite} signature is valid, made with key {} which {issuer} controls",
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
    };

    // Validity period against the verifier's clock.
    validity(doc, opts.now, &mut r);

    r.verified = proof_ok && !r.checks.iter().any(|c| c.status == Status::Failed);
    r
}

fn validity(doc: &Value, now: i64, r: &mut Report) {
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
