//! Progress and dashboards.

use serde_json::json;

use super::{ResultStatus, arrival, dashboard, progress};
use crate::date::Date;
use crate::program::{Cohort, Milestone, Program};
use crate::record::SharedRecord;

fn program() -> Program {
    Program {
        id: "wh".into(),
        name: "Warehouse".into(),
        description: None,
        required_skills: vec![],
        milestones: vec![
            Milestone {
                achievement_id: "urn:a:safety".into(),
                name: "Safety".into(),
                issuers: vec!["did:web:partner.example".into()],
                skills: vec![],
                credential: false,
            },
            Milestone {
                achievement_id: "urn:a:forklift".into(),
                name: "Forklift".into(),
                issuers: vec![],
                skills: vec![],
                credential: true,
            },
        ],
        target_occupations: vec![],
        cohorts: vec![Cohort {
            id: "c1".into(),
            name: "Spring".into(),
            start: Date::parse("2025-01-06").unwrap(),
            end: Date::parse("2025-03-28").unwrap(),
            participants: vec!["p1".into(), "p2".into()],
        }],
    }
}

fn badge(
    id: &str,
    achievement: &str,
    issuer: &str,
    status: Option<&str>,
    verified: bool,
) -> SharedRecord {
    let mut subject = json!({"type": ["AchievementSubject"], "achievement": {"id": achievement, "type": ["Achievement"], "name": "x"}});
    if let Some(s) = status {
        subject["result"] = json!([{"type": ["Result"], "status": s}]);
    }
    SharedRecord {
        record_id: id.into(),
        credential: json!({"type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": issuer, "credentialSubject": subject}),
        report: json!({"verified": verified}),
        verified_at: 10,
    }
}

#[test]
fn arrivals_update_progress() {
    let p = program();
    let a = arrival(
        &p,
        "p1",
        &badge(
            "r1",
            "urn:a:safety",
            "did:web:partner.example",
            Some("InProgress"),
            true,
        ),
        100,
    );
    assert_eq!(a.events.len(), 1);
    assert_eq!(a.events[0].status, ResultStatus::InProgress);
    let mut events = a.events;
    let b = arrival(
        &p,
        "p1",
        &badge("r2", "urn:a:safety", "did:web:partner.example", None, true),
        200,
    );
    events.extend(b.events);
    let refused = arrival(
        &p,
        "p1",
        &badge("r3", "urn:a:safety", "did:web:other.example", None, true),
        300,
    );
    assert!(refused.events.is_empty());
    assert!(
        refused.not_counted[0].contains("not a partner"),
        "{:?}",
        refused.not_counted
    );
    let unverified = arrival(
        &p,
        "p1",
        &badge("r4", "urn:a:forklift", "did:web:x.example", None, false),
        300,
    );
    assert!(unverified.events.is_empty());
    let pr = progress(&p, "p1", &events);
    assert_eq!(pr.milestones[0].status, ResultStatus::Completed);
    assert_eq!(pr.milestones[1].status, ResultStatus::Enrolled);
    assert_eq!((pr.completed, pr.total), (1, 2));
    assert_eq!(pr.cohort.as_deref(), Some("c1"));

    let d = dashboard(&p, Some("c1"), &events).unwrap();
    assert_eq!(d.participants, 2);
    assert_eq!(d.milestones[0].counts[&ResultStatus::Completed], 1);
    assert_eq!(d.milestones[0].counts[&ResultStatus::Enrolled], 1);
    assert_eq!(d.milestones[1].counts[&ResultStatus::Enrolled], 2);
    assert!(dashboard(&p, Some("nope"), &events).is_err());
}
