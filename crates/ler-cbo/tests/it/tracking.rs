//! Tracking through a program: the plan's waivers, achievements arriving, the participant's view
//! and the staff dashboards.

use ler_cbo::{
    Cohort, Date, EventSource, ResultStatus, arrival, dashboard, holdings, program_gap, progress,
    waivers,
};

use crate::common::{Badge, badge, catalog, program};

#[test]
fn a_participant_goes_through_the_warehouse_pathway() {
    let mut p = program("warehouse-pathway");
    p.cohorts.push(Cohort {
        id: "spring-2026".into(),
        name: "Spring 2026".into(),
        start: Date::parse("2026-03-02").unwrap(),
        end: Date::parse("2026-04-24").unwrap(),
        participants: vec!["p-ana".into(), "p-ben".into()],
    });
    let catalog = catalog();
    // Ana already holds the forklift certification: the plan waives it.
    let prior = [badge(Badge {
        record: "r-forklift",
        issuer: "did:web:training.example.org",
        issuer_name: "Metro Training Partners",
        achievement: "forklift-operator",
        name: "Forklift Operator Certification",
        kind: "Certification",
        skills: &["forklift", "pallet-jack"],
        date: "2024-09-12",
        verified: true,
    })];
    let (_, plan) = program_gap("p-ana", &holdings(&prior, &catalog), &p, &catalog);
    let mut events = waivers(&plan, "sam@cbo.example.org", 1_772_400_000);
    assert_eq!(events.len(), 1);

    // Safety arrives in progress, then completed; the practicum from the wrong partner does not count.
    let safety = |status: Option<&str>, record: &str| {
        let mut r = badge(Badge {
            record,
            issuer: "did:web:training.example.org",
            issuer_name: "Metro Training Partners",
            achievement: "warehouse-safety",
            name: "Warehouse Safety (OSHA 10)",
            kind: "Certificate",
            skills: &["warehouse-safety"],
            date: "2026-03-06",
            verified: true,
        });
        if let Some(s) = status {
            r.credential["credentialSubject"]["result"] =
                serde_json::json!([{"type": ["Result"], "status": s}]);
        }
        r
    };
    events.extend(
        arrival(
            &p,
            "p-ana",
            &safety(Some("InProgress"), "a1"),
            1_772_500_000,
        )
        .events,
    );
    let view = progress(&p, "p-ana", &events);
    assert_eq!(view.milestones[0].status, ResultStatus::InProgress);
    events.extend(arrival(&p, "p-ana", &safety(None, "a2"), 1_772_600_000).events);
    let wrong = arrival(
        &p,
        "p-ana",
        &badge(Badge {
            record: "a3",
            issuer: "did:web:training.example.org",
            issuer_name: "Metro Training Partners",
            achievement: "fulfillment-practicum",
            name: "Fulfillment Practicum",
            kind: "Assignment",
            skills: &[],
            date: "2026-04-01",
            verified: true,
        }),
        1_772_700_000,
    );
    assert!(wrong.events.is_empty() && wrong.not_counted.len() == 1);

    let view = progress(&p, "p-ana", &events);
    let statuses: Vec<ResultStatus> = view.milestones.iter().map(|m| m.status).collect();
    assert_eq!(
        statuses,
        [
            ResultStatus::Completed,
            ResultStatus::Completed,
            ResultStatus::Enrolled,
            ResultStatus::Enrolled,
            ResultStatus::Enrolled
        ]
    );
    assert!(matches!(
        view.milestones[1].source,
        Some(EventSource::Waiver { .. })
    ));
    assert_eq!((view.completed, view.total), (2, 5));

    let d = dashboard(&p, Some("spring-2026"), &events).unwrap();
    assert_eq!(d.participants, 2);
    assert_eq!(d.milestones[0].counts[&ResultStatus::Completed], 1);
    assert_eq!(d.milestones[2].counts[&ResultStatus::Enrolled], 2);
    let whole = dashboard(&p, None, &events).unwrap();
    assert_eq!(whole.milestones, d.milestones);
    // The participant's view serializes with OB 3.0's terms.
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["milestones"][2]["status"], "Enrolled");
}
