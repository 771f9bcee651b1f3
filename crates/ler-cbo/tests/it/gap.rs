//! The gap analysis against golden files: each case is a participant's shared records compared
//! with a program (report and plan) or an occupation (report). `tests/golden/<case>.json` holds
//! the expected output; `LER_BLESS=1 cargo test -p ler-cbo gap` rewrites them.

use ler_cbo::{SharedRecord, holdings, occupation_gap, program_gap};
use serde_json::json;

use crate::common::{
    Badge, Job, badge, catalog, check_golden as check, clr, job, occupation, program,
};

const TRAINING: &str = "did:web:training.example.org";
const COLLEGE: &str = "did:web:college.example.org";

fn against_program(case: &str, participant: &str, program_id: &str, records: &[SharedRecord]) {
    let catalog = catalog();
    let held = holdings(records, &catalog);
    let (report, plan) = program_gap(participant, &held, &program(program_id), &catalog);
    // The plan agrees with the report skill by skill.
    for m in &plan.milestones {
        for s in &m.matched {
            assert!(
                report
                    .skills
                    .iter()
                    .any(|g| &g.skill == s && !g.evidence.is_empty())
            );
        }
    }
    check(case, json!({"gap": report, "plan": plan}));
}

fn against_occupation(case: &str, participant: &str, code: &str, records: &[SharedRecord]) {
    let catalog = catalog();
    let held = holdings(records, &catalog);
    let report = occupation_gap(participant, &held, &occupation(code), &catalog);
    check(case, json!({"gap": report}));
}

/// Experienced: a forklift certification from the program's partner (waived as earned), safety
/// and inventory skills from a college badge, order picking claimed only by a record that did
/// not verify, and a job.
#[test]
fn warehouse_experienced_participant() {
    let records = [
        badge(Badge {
            record: "r-forklift",
            issuer: TRAINING,
            issuer_name: "Metro Training Partners",
            achievement: "forklift-operator",
            name: "Forklift Operator Certification",
            kind: "Certification",
            skills: &["forklift", "pallet-jack"],
            date: "2024-09-12",
            verified: true,
        }),
        badge(Badge {
            record: "r-logistics",
            issuer: COLLEGE,
            issuer_name: "Riverside Community College",
            achievement: "https://college.example.org/achievements/logistics-101",
            name: "Logistics 101",
            kind: "Course",
            skills: &["warehouse-safety", "inventory-counting", "rf-scanner"],
            date: "2023-12-15",
            verified: true,
        }),
        badge(Badge {
            record: "r-picking",
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
            record: "r-job",
            employer: "Acme Foods",
            title: "Warehouse associate",
            start: "2022-03-01",
            end: Some("2024-08-30"),
            hourly: Some(17.5),
            hours: Some(40.0),
            verified: true,
        }),
    ];
    against_program(
        "warehouse-experienced",
        "p-ana",
        "warehouse-pathway",
        &records,
    );
}

/// A newcomer with one unrelated record: every milestone remains.
#[test]
fn warehouse_newcomer() {
    let records = [badge(Badge {
        record: "r-first-aid",
        issuer: "did:web:redcross.example.org",
        issuer_name: "Community First Aid",
        achievement: "https://redcross.example.org/achievements/first-aid",
        name: "First Aid",
        kind: "Certificate",
        skills: &["cpr-bls"],
        date: "2025-02-02",
        verified: true,
    })];
    against_program("warehouse-newcomer", "p-ben", "warehouse-pathway", &records);
}

/// A home care worker moving toward nursing assistant work: weighted by importance.
#[test]
fn home_care_worker_against_nursing_assistants() {
    let records = [
        badge(Badge {
            record: "r-cpr",
            issuer: "did:web:redcross.example.org",
            issuer_name: "Community First Aid",
            achievement: "https://redcross.example.org/achievements/bls",
            name: "Basic Life Support",
            kind: "Certification",
            skills: &["cpr-bls"],
            date: "2025-03-10",
            verified: true,
        }),
        badge(Badge {
            record: "r-homecare",
            issuer: "did:web:homecare.example.com",
            issuer_name: "Sunrise Home Care",
            achievement: "https://homecare.example.com/achievements/aide-orientation",
            name: "Home Care Aide Orientation",
            kind: "CertificateOfCompletion",
            skills: &[
                "personal-care",
                "infection-control",
                "patient-communication",
            ],
            date: "2024-05-20",
            verified: true,
        }),
    ];
    against_occupation(
        "home-care-worker-nursing-assistants",
        "p-chidi",
        "31-1131.00",
        &records,
    );
}

/// Customer service shown through an equivalent URI of another framework (the sample's
/// `same_as`), against computer user support.
#[test]
fn retail_worker_against_user_support_through_an_equivalent() {
    let records = [badge(Badge {
        record: "r-service",
        issuer: "did:web:retail.example.com",
        issuer_name: "Big Box Retail",
        achievement: "https://retail.example.com/achievements/service-star",
        name: "Service Star",
        kind: "Award",
        skills: &["https://skills.example.net/open-framework/customer-service-excellence"],
        date: "2024-11-01",
        verified: true,
    })];
    against_occupation(
        "retail-worker-user-support",
        "p-dana",
        "15-1232.00",
        &records,
    );
}

/// A college transcript (CLR) whose credentials cover one IT milestone entirely and another in
/// part; the transcript's inner credential of the milestone's own achievement comes from the
/// partner that may issue it.
#[test]
fn transcript_against_it_support() {
    let records = [clr(
        "r-transcript",
        COLLEGE,
        "Riverside Community College",
        &[
            Badge {
                record: "inner-1",
                issuer: COLLEGE,
                issuer_name: "Riverside Community College",
                achievement: "hardware-essentials",
                name: "Hardware Essentials",
                kind: "Course",
                skills: &["hardware-troubleshooting", "os-installation"],
                date: "2025-05-20",
                verified: true,
            },
            Badge {
                record: "inner-2",
                issuer: COLLEGE,
                issuer_name: "Riverside Community College",
                achievement: "https://college.example.org/achievements/service-desk-intro",
                name: "Service Desk Introduction",
                kind: "Course",
                skills: &["ticketing", "customer-service"],
                date: "2025-05-21",
                verified: true,
            },
        ],
    )];
    against_program("transcript-it-support", "p-eli", "it-support", &records);
}
