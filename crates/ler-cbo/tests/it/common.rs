//! The sample framework, occupations and programs (`fixtures/`), and records built for tests.

use std::path::PathBuf;

use ler_cbo::{Catalog, Framework, Occupation, Program, SharedRecord, alignment};
use serde_json::{Value, json};

/// The sample skills' base URL.
pub const SKILLS: &str = "https://skills.example.org/ler-sample/";
/// The sample achievements' base URL.
pub const ACHIEVEMENTS: &str = "https://cbo.example.org/achievements/";

pub fn fixture(rel: &str) -> String {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn framework() -> Framework {
    Framework::from_csv(
        "https://skills.example.org/ler-sample",
        "ler sample skills",
        &fixture("skills/framework.csv"),
    )
    .expect("the sample framework imports")
}

pub fn catalog() -> Catalog {
    Catalog::new([&framework()])
}

pub fn occupations() -> Vec<Occupation> {
    let json: Value = serde_json::from_str(&fixture("skills/occupations.json")).unwrap();
    ler_cbo::occupations_from_json(&json).expect("the sample occupations import")
}

pub fn occupation(code: &str) -> Occupation {
    occupations()
        .into_iter()
        .find(|o| o.code.as_str() == code)
        .unwrap_or_else(|| panic!("no sample occupation {code}"))
}

pub fn program(id: &str) -> Program {
    let json: Value = serde_json::from_str(&fixture("programs.json")).unwrap();
    let programs: Vec<Program> = serde_json::from_value(json["programs"].clone()).unwrap();
    let p = programs
        .into_iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no sample program {id}"));
    p.check().expect("the sample program is valid");
    p
}

pub fn skill(slug: &str) -> String {
    format!("{SKILLS}{slug}")
}

pub fn achievement(slug: &str) -> String {
    format!("{ACHIEVEMENTS}{slug}")
}

/// A report as the verifier writes it, passed or failed.
pub fn report(verified: bool) -> Value {
    if verified {
        json!({"verified": true, "checks": ["format", "proof", "validity"], "errors": []})
    } else {
        json!({"verified": false, "checks": ["format"], "errors": [
            {"type": "https://ler.dev/problems/proof", "title": "proof", "detail": "the signature does not verify"}
        ]})
    }
}

/// An Open Badge awarding `achievement` (aligned to the sample skills `skills`, or to raw URLs
/// when they hold `://`).
pub struct Badge<'a> {
    pub record: &'a str,
    pub issuer: &'a str,
    pub issuer_name: &'a str,
    pub achievement: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub skills: &'a [&'a str],
    pub date: &'a str,
    pub verified: bool,
}

pub fn badge_credential(b: &Badge<'_>) -> Value {
    let catalog = catalog();
    let alignments: Vec<Value> = b
        .skills
        .iter()
        .map(|s| {
            if s.contains("://") {
                json!({"type": ["Alignment"], "targetUrl": s, "targetName": format!("Aligned {s}")})
            } else {
                alignment(catalog.skill(&skill(s)).expect("a sample skill"))
            }
        })
        .collect();
    let id = if b.achievement.contains("://") {
        b.achievement.to_owned()
    } else {
        achievement(b.achievement)
    };
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": format!("urn:uuid:{}", b.record),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": b.issuer, "type": ["Profile"], "name": b.issuer_name},
        "validFrom": format!("{}T00:00:00Z", b.date),
        "name": b.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "awardedDate": format!("{}T00:00:00Z", b.date),
            "achievement": {
                "id": id, "type": ["Achievement"], "name": b.name, "achievementType": b.kind,
                "description": b.name, "criteria": {"narrative": "Completed."},
                "alignment": alignments
            }
        }
    })
}

pub fn badge(b: Badge<'_>) -> SharedRecord {
    SharedRecord {
        record_id: b.record.to_owned(),
        credential: badge_credential(&b),
        report: report(b.verified),
        verified_at: 1_767_225_600,
    }
}

/// An employment record.
pub struct Job<'a> {
    pub record: &'a str,
    pub employer: &'a str,
    pub title: &'a str,
    pub start: &'a str,
    pub end: Option<&'a str>,
    pub hourly: Option<f64>,
    pub hours: Option<f64>,
    pub verified: bool,
}

pub fn job(j: Job<'_>) -> SharedRecord {
    let mut subject = json!({
        "type": ["EmploymentSubject"],
        "employer": {"type": ["Employer"], "name": j.employer},
        "positionTitle": j.title,
        "startDate": j.start,
        "employmentType": "Employee"
    });
    if let Some(end) = j.end {
        subject["endDate"] = json!(end);
    }
    if let Some(h) = j.hours {
        subject["hoursPerWeek"] = json!(h);
    }
    if let Some(rate) = j.hourly {
        subject["pay"] =
            json!({"type": ["Pay"], "amount": rate, "currency": "USD", "period": "Hour"});
    }
    SharedRecord {
        record_id: j.record.to_owned(),
        credential: json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/ler/employment/v1"],
            "id": format!("urn:uuid:{}", j.record),
            "type": ["VerifiableCredential", "EmploymentCredential"],
            "issuer": {"id": format!("did:web:{}.example.com", j.employer.to_lowercase().replace(' ', "-")), "name": j.employer},
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": subject
        }),
        report: report(j.verified),
        verified_at: 1_767_225_600,
    }
}

/// A CLR holding the given badges' credentials.
pub fn clr(record: &str, issuer: &str, issuer_name: &str, inner: &[Badge<'_>]) -> SharedRecord {
    let credentials: Vec<Value> = inner.iter().map(badge_credential).collect();
    SharedRecord {
        record_id: record.to_owned(),
        credential: json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": format!("urn:uuid:{record}"),
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": issuer_name},
            "validFrom": "2025-06-01T00:00:00Z",
            "name": "Transcript",
            "credentialSubject": {"type": ["ClrSubject"], "verifiableCredential": credentials}
        }),
        report: report(true),
        verified_at: 1_767_225_600,
    }
}

/// Compares `actual` with `tests/golden/<case>.json`, or rewrites it under `LER_BLESS`.
pub fn check_golden(case: &str, actual: Value) {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden"))
        .join(format!("{case}.json"));
    let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
    if std::env::var_os("LER_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with LER_BLESS=1 to write it)", path.display()));
    assert_eq!(
        text,
        expected,
        "{} is stale: run LER_BLESS=1 cargo test -p ler-cbo, and review the diff",
        path.display()
    );
}
