//! The verification report: one entry per check, readable by people and by machines.

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
    /// The check did not apply or could not run; the message says which.
    Skipped,
}

/// One check of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable name: `format`, `proof`, `issuer`, `status`, `validity`, `trust`, …
    pub check: String,
    /// How it ended.
    pub status: Status,
    /// What was checked and what was found, in plain words.
    pub message: String,
}

/// The result of verifying one credential or presentation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True when no check failed and a proof (or JWT signature) check passed.
    pub verified: bool,
    /// The kind of record (AchievementCredential, ClrCredential, VerifiablePresentation, …).
    pub kind: String,
    /// How the record was secured: `data-integrity`, `vc-jwt`, or `none`.
    pub format: String,
    /// The issuer's (or holder's) id, if readable.
    pub issuer: Option<String>,
    /// The issuer's name: from a trust registry when listed there, else as the record gives it.
    pub issuer_name: Option<String>,
    /// The subject's id, if given.
    pub subject: Option<String>,
    /// The achievement's (or credential's) name, if given.
    pub achievement: Option<String>,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// Reports of the records inside this one (a presentation's credentials, a CLR's
    /// credentials, endorsements).
    pub nested: Vec<Report>,
    /// The credential itself, as verified (for a JWT or a baked image, the decoded payload).
    #[serde(skip)]
    pub credential: Option<Value>,
}

impl Report {
    pub(crate) fn new(kind: &str) -> Report {
        Report {
            verified: false,
            kind: kind.into(),
            format: "none".into(),
            issuer: None,
            issuer_name: None,
            subject: None,
            achievement: None,
            checks: Vec::new(),
            nested: Vec::new(),
            credential: None,
        }
    }

    /// Adds a check.
    pub fn push(&mut self, check: &str, status: Status, message: impl Into<String>) {
        self.checks.push(Check {
            check: check.into(),
            status,
            message: message.into(),
        });
    }

    /// Whether any check has failed.
    pub fn any_failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Failed)
    }

    /// The machine form: the W3C vcalm verify response (`verified`, `checks`, `warnings`,
    /// `errors` as problem details) plus ler's per-check `results`.
    pub fn to_json(&self) -> Value {
        let problem = |c: &Check| {
            json!({
                "type": format!("https://ler.dev/problems/{}", c.check.split('[').next().unwrap_or(&c.check)),
                "title": c.check,
                "detail": c.message,
            })
        };
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
            .map(problem)
            .collect();
        let warnings: Vec<Value> = self
            .checks
            .iter()
            .filter(|c| c.status == Status::Skipped)
            .map(problem)
            .collect();
        json!({
            "verified": self.verified,
            "checks": passed,
            "warnings": warnings,
            "errors": errors,
            "problemDetails": errors,
            "kind": self.kind,
            "format": self.format,
            "issuer": self.issuer,
            "issuerName": self.issuer_name,
            "subject": self.subject,
            "achievement": self.achievement,
            "results": self.checks,
            "nested": self.nested.iter().map(Report::to_json).collect::<Vec<_>>(),
        })
    }
}
