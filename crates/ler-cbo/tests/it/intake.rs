//! Intake: a profile pre-filled from shared records, every field pointing at the record it came
//! from, and staff corrections as overlays.

use std::collections::BTreeMap;

use ler_cbo::{Change, Correction, FieldPath, Profile, Section, SharedRecord, intake};
use proptest::prelude::*;
use serde_json::json;

use crate::common::{Badge, Job, badge, clr, job};

/// Ten records of several kinds, one that does not verify and one that cannot be read.
pub fn ten_records() -> Vec<SharedRecord> {
    let mut out = vec![
        badge(Badge {
            record: "r1",
            issuer: "did:web:training.example.org",
            issuer_name: "Metro Training Partners",
            achievement: "forklift-operator",
            name: "Forklift Operator Certification",
            kind: "Certification",
            skills: &["forklift", "pallet-jack"],
            date: "2024-09-12",
            verified: true,
        }),
        badge(Badge {
            record: "r2",
            issuer: "did:web:college.example.org",
            issuer_name: "Riverside Community College",
            achievement: "https://college.example.org/achievements/logistics-101",
            name: "Logistics 101",
            kind: "Course",
            skills: &["warehouse-safety", "inventory-counting"],
            date: "2023-12-15",
            verified: true,
        }),
        badge(Badge {
            record: "r3",
            issuer: "did:web:unknown.example.net",
            issuer_name: "Unknown Academy",
            achievement: "https://unknown.example.net/picking",
            name: "Picking Pro",
            kind: "Badge",
            skills: &["order-picking"],
            date: "2024-01-05",
            verified: false,
        }),
        job(Job {
            record: "r4",
            employer: "Acme Foods",
            title: "Warehouse associate",
            start: "2022-03-01",
            end: Some("2024-08-30"),
            hourly: Some(17.5),
            hours: Some(40.0),
            verified: true,
        }),
        job(Job {
            record: "r5",
            employer: "Corner Market",
            title: "Cashier",
            start: "2020-06-01",
            end: Some("2022-02-15"),
            hourly: Some(13.0),
            hours: Some(25.0),
            verified: true,
        }),
        clr(
            "r6",
            "did:web:school.example.org",
            "Lincoln High School",
            &[Badge {
                record: "inner",
                issuer: "did:web:school.example.org",
                issuer_name: "Lincoln High School",
                achievement: "https://school.example.org/diploma",
                name: "High School Diploma",
                kind: "SecondarySchoolDiploma",
                skills: &[],
                date: "2019-06-15",
                verified: true,
            }],
        ),
        badge(Badge {
            record: "r7",
            issuer: "did:web:redcross.example.org",
            issuer_name: "Community First Aid",
            achievement: "https://redcross.example.org/achievements/first-aid",
            name: "First Aid",
            kind: "Certificate",
            skills: &["cpr-bls"],
            date: "2025-02-02",
            verified: true,
        }),
        badge(Badge {
            record: "r8",
            issuer: "did:web:retail.example.com",
            issuer_name: "Big Box Retail",
            achievement: "https://retail.example.com/achievements/service-star",
            name: "Service Star",
            kind: "Award",
            skills: &["customer-service"],
            date: "2024-11-01",
            verified: true,
        }),
        badge(Badge {
            record: "r9",
            issuer: "did:web:college.example.org",
            issuer_name: "Riverside Community College",
            achievement: "https://college.example.org/achievements/forklift-theory",
            name: "Forklift Theory",
            kind: "Course",
            skills: &["forklift"],
            date: "2024-08-01",
            verified: true,
        }),
    ];
    out.push(SharedRecord {
        record_id: "r10".into(),
        credential: json!(42),
        report: json!({"verified": false}),
        verified_at: 1_767_225_600,
    });
    out
}

#[test]
fn fills_every_section_with_provenance() {
    let records = ten_records();
    let p = intake("p-ana", &records);
    assert_eq!(p.records.len(), 10);
    assert!(p.records[9].unreadable.is_some());
    assert_eq!(p.work_history.len(), 2);
    assert_eq!(p.work_history[0].fields["employer"].value, "Acme Foods");
    assert_eq!(p.work_history[0].fields["pay"].value, "17.5 USD per Hour");
    // The diploma inside the transcript is education, the certification a credential.
    let diploma = p.education.iter().find(|e| e.key == "r6#1").unwrap();
    assert_eq!(diploma.fields["type"].value, "SecondarySchoolDiploma");
    assert!(p.credentials.iter().any(|e| e.key == "r1"));
    assert!(p.education.iter().any(|e| e.key == "r2"));
    // A skill two records show lists both.
    let forklift = p
        .skills
        .iter()
        .find(|e| e.key.ends_with("/forklift"))
        .unwrap();
    let sources: Vec<&str> = forklift.fields["name"]
        .sources
        .iter()
        .map(|s| s.record_id.as_str())
        .collect();
    assert_eq!(sources, ["r1", "r9"]);
    // An unverified record fills fields, and its provenance says it failed and why.
    let picking = p
        .skills
        .iter()
        .find(|e| e.key.ends_with("/order-picking"))
        .unwrap();
    let source = &picking.fields["name"].sources[0];
    assert!(!source.verified);
    assert_eq!(source.problems, ["proof: the signature does not verify"]);
    assert_provenance_is_real(&p, &records);
}

/// Every field's sources name a record that was shared, with its verification time and result.
fn assert_provenance_is_real(p: &Profile, records: &[SharedRecord]) {
    let by_id: BTreeMap<&str, &SharedRecord> =
        records.iter().map(|r| (r.record_id.as_str(), r)).collect();
    for section in Section::ALL {
        for entry in p.section(section) {
            for (name, field) in &entry.fields {
                assert!(!field.sources.is_empty(), "{}/{name}", entry.key);
                for s in &field.sources {
                    let r = by_id
                        .get(s.record_id.as_str())
                        .unwrap_or_else(|| panic!("{} names no shared record", s.record_id));
                    assert_eq!(s.verified_at, r.verified_at);
                    assert_eq!(s.verified, r.verified());
                    assert!(
                        p.records.iter().any(
                            |x| x.provenance.record_id == s.record_id && x.unreadable.is_none()
                        )
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any subset of records, in any order, with any verification results: provenance always
    /// points at a real record with its own verification time and result.
    #[test]
    fn provenance_points_at_real_records(
        picks in prop::collection::vec((0usize..10, any::<bool>(), 0i64..1_000_000), 0..12)
    ) {
        let all = ten_records();
        let mut chosen: Vec<SharedRecord> = Vec::new();
        for (i, verified, at) in picks {
            if chosen.iter().any(|r| r.record_id == all[i].record_id) {
                continue;
            }
            let mut r = all[i].clone();
            r.report = crate::common::report(verified);
            r.verified_at = at;
            chosen.push(r);
        }
        let p = intake("p", &chosen);
        prop_assert_eq!(p.records.len(), chosen.len());
        assert_provenance_is_real(&p, &chosen);
    }
}

#[test]
fn corrections_never_change_the_records() {
    let records = ten_records();
    let before = records.clone();
    let mut p = intake("p-ana", &records);
    let path = FieldPath::parse("/workHistory/r5/positionTitle").unwrap();
    p.correct(Correction {
        path: path.clone(),
        change: Change::Value(json!("Lead cashier")),
        by: "sam@cbo.example.org".into(),
        at: 1_767_300_000,
    });
    let e = p.effective();
    let f = &e
        .work_history
        .iter()
        .find(|x| x.key == "r5")
        .unwrap()
        .fields["positionTitle"];
    assert_eq!(f.value, "Lead cashier");
    assert_eq!(f.original, Some(json!("Cashier")));
    assert_eq!(f.sources[0].record_id, "r5");
    assert_eq!(f.corrected.as_ref().unwrap().by, "sam@cbo.example.org");
    assert_eq!(records, before);
    assert_eq!(p.field(&path).unwrap().value, "Cashier");
    // Corrections survive a new intake (they are kept apart and laid over again).
    let mut again = intake("p-ana", &records);
    again.corrections = p.corrections.clone();
    assert_eq!(again.effective(), e);
}

/// A record shared as a compact VC-JWT is read through its payload.
#[test]
fn reads_a_jwt_record() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let vc = crate::common::badge_credential(&Badge {
        record: "rj",
        issuer: "did:web:college.example.org",
        issuer_name: "Riverside Community College",
        achievement: "https://college.example.org/achievements/logistics-101",
        name: "Logistics 101",
        kind: "Course",
        skills: &["inventory-counting"],
        date: "2023-12-15",
        verified: true,
    });
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let jwt = format!(
        "{}.{}.{}",
        part(json!({"alg": "EdDSA", "typ": "JWT"})),
        part(json!({"iss": "did:web:college.example.org", "vc": vc})),
        URL_SAFE_NO_PAD.encode([0u8; 64])
    );
    let record = SharedRecord {
        record_id: "rj".into(),
        credential: json!(jwt),
        report: crate::common::report(true),
        verified_at: 5,
    };
    let p = intake("p", &[record]);
    assert!(p.records[0].unreadable.is_none(), "{:?}", p.records[0]);
    assert_eq!(p.education[0].fields["name"].value, "Logistics 101");
    assert!(p.skills[0].key.ends_with("/inventory-counting"));
}
