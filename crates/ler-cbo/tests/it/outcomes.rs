//! Outcome reports: consented data only, WIOA indicators with their numerators, denominators and
//! record counts, small-cell suppression within a report and against the release log, and the
//! exports.

use std::collections::{BTreeMap, BTreeSet};

use ler_cbo::{
    Cohort, Date, EventSource, FunderView, OutcomeConsent, OutcomeInputs, OutcomeRecord,
    OutcomeReport, OutcomeSource, Pay, Policy, Program, ProgressEvent, ReleaseLog, Released,
    ResultStatus, Scope, release_report,
};
use proptest::prelude::*;

use crate::common::{check_golden, program};

/// One participant of a generated program.
#[derive(Debug, Clone)]
struct Person {
    consent: bool,
    employed_after: bool,
    wage: u32,
    self_reported: bool,
    earned: u8,
}

fn person() -> impl Strategy<Value = Person> {
    (
        any::<bool>(),
        any::<bool>(),
        12u32..40,
        any::<bool>(),
        0u8..32,
    )
        .prop_map(
            |(consent, employed_after, wage, self_reported, earned)| Person {
                consent,
                employed_after,
                wage,
                self_reported,
                earned,
            },
        )
}

/// A world: a program whose cohorts all ran in the first half of 2025, and what the
/// organization holds about their participants.
struct World {
    program: Program,
    consents: Vec<OutcomeConsent>,
    records: Vec<OutcomeRecord>,
    events: Vec<ProgressEvent>,
}

fn id(cohort: usize, n: usize) -> String {
    format!("c{cohort}-p{n}")
}

fn world(cohorts: &[Vec<Person>]) -> World {
    let mut program = program("warehouse-pathway");
    let (start, end) = (
        Date::parse("2025-01-06").unwrap(),
        Date::parse("2025-06-27").unwrap(),
    );
    let mut w = World {
        program: Program {
            cohorts: Vec::new(),
            ..program.clone()
        },
        consents: Vec::new(),
        records: Vec::new(),
        events: Vec::new(),
    };
    for (c, people) in cohorts.iter().enumerate() {
        program.cohorts.push(Cohort {
            id: format!("c{c}"),
            name: format!("Cohort {c}"),
            start,
            end,
            participants: (0..people.len()).map(|n| id(c, n)).collect(),
        });
        for (n, p) in people.iter().enumerate() {
            let who = id(c, n);
            w.consents.push(OutcomeConsent {
                participant: who.clone(),
                program: program.id.clone(),
                granted: p.consent,
                at: 1_000,
            });
            // A job before the program at a lower wage, and one after exit if employed.
            let job = |suffix: &str, start: &str, end: Option<&str>, wage: f64| OutcomeRecord {
                id: format!("{who}-{suffix}"),
                participant: who.clone(),
                source: if p.self_reported {
                    OutcomeSource::SelfReported
                } else {
                    OutcomeSource::EmployerRecord {
                        record_id: format!("r-{who}-{suffix}"),
                        issuer: None,
                    }
                },
                verified: !p.self_reported,
                employer: Some("Employer".into()),
                start: Date::parse(start).unwrap(),
                end: end.map(|e| Date::parse(e).unwrap()),
                hours_per_week: Some(40.0),
                pay: Some(Pay {
                    amount: wage,
                    currency: "USD".into(),
                    period: "Hour".into(),
                }),
                reported_at: 2_000,
            };
            w.records.push(job(
                "before",
                "2023-05-01",
                Some("2024-12-31"),
                f64::from(p.wage) * 0.8,
            ));
            if p.employed_after {
                w.records
                    .push(job("after", "2025-08-01", None, f64::from(p.wage)));
            }
            for (i, m) in program.milestones.iter().enumerate() {
                if p.earned & (1 << i) != 0 {
                    w.events.push(ProgressEvent {
                        participant: who.clone(),
                        program: program.id.clone(),
                        achievement_id: m.achievement_id.clone(),
                        status: ResultStatus::Completed,
                        source: EventSource::Credential {
                            record_id: format!("m-{who}-{i}"),
                            issuer: None,
                        },
                        at: start.timestamp() + 86_400 * (7 + i as i64 * 14),
                    });
                }
            }
        }
    }
    w.program = program;
    w
}

impl World {
    fn inputs(&self) -> OutcomeInputs<'_> {
        OutcomeInputs {
            program: &self.program,
            consents: &self.consents,
            records: &self.records,
            events: &self.events,
            as_of: Date::parse("2026-12-31").unwrap(),
        }
    }

    fn release(&self, scope: &Scope, k: usize, log: &mut ReleaseLog, n: usize) -> OutcomeReport {
        let policy = Policy {
            k,
            ..Policy::default()
        };
        let (report, released) = release_report(
            self.inputs(),
            scope,
            &policy,
            log,
            &format!("report-{n}"),
            10_000 + n as i64,
        )
        .unwrap();
        log.extend(released);
        report
    }

    fn consenting(&self) -> BTreeSet<String> {
        self.program
            .participants()
            .filter(|p| ler_cbo::consented(&self.consents, &self.program.id, p))
            .map(str::to_owned)
            .collect()
    }
}

/// The laws every release log must keep, whatever was released in what order.
fn assert_laws(log: &ReleaseLog, k: usize) {
    let mut by_measure: BTreeMap<(&str, &str), Vec<&Released>> = BTreeMap::new();
    for e in log.entries() {
        assert!(
            e.population.len() >= k,
            "{} released from {} people (k = {k})",
            e.measure,
            e.population.len()
        );
        by_measure
            .entry((&e.program, &e.measure))
            .or_default()
            .push(e);
    }
    for ((_, measure), entries) in by_measure {
        for (i, a) in entries.iter().enumerate() {
            for b in &entries[i + 1..] {
                let a: BTreeSet<&String> = a.population.iter().collect();
                let b: BTreeSet<&String> = b.population.iter().collect();
                let diff = a.symmetric_difference(&b).count();
                assert!(
                    diff == 0 || diff >= k,
                    "{measure}: two released figures differ by {diff} people (k = {k})"
                );
            }
        }
    }
}

fn figure<'a>(r: &'a OutcomeReport, cohort: Option<&str>, measure: &str) -> &'a ler_cbo::Figure {
    r.sections
        .iter()
        .find(|s| s.cohort.as_deref() == cohort)
        .and_then(|s| s.figures.iter().find(|f| f.measure == measure))
        .unwrap_or_else(|| panic!("no {measure} for {cohort:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Whatever the cohorts, consents and order of reports (program and cohort reports, with
    /// consents withdrawn and given between them): no released figure rests on fewer than k
    /// people, no two released figures of a measure differ by 1 to k − 1 people, and every
    /// released figure rests only on people consenting when it was released.
    #[test]
    fn suppression_laws_hold_across_reports(
        cohorts in prop::collection::vec(prop::collection::vec(person(), 0..24), 1..4),
        steps in prop::collection::vec((0u8..3, 0usize..100), 1..8),
        k in prop::sample::select(vec![3usize, 5, 10]),
    ) {
        let mut w = world(&cohorts);
        let mut log = ReleaseLog::default();
        let people: Vec<String> = w.program.participants().map(str::to_owned).collect();
        for (n, (kind, x)) in steps.into_iter().enumerate() {
            match kind {
                0 | 1 => {
                    let scope = if kind == 0 || w.program.cohorts.is_empty() {
                        Scope::Program
                    } else {
                        Scope::Cohort(w.program.cohorts[x % w.program.cohorts.len()].id.clone())
                    };
                    let before = log.entries().len();
                    let report = w.release(&scope, k, &mut log, n);
                    let consenting = w.consenting();
                    for e in &log.entries()[before..] {
                        for p in &e.population {
                            prop_assert!(consenting.contains(p), "{p} does not consent");
                        }
                    }
                    for s in &report.sections {
                        for f in &s.figures {
                            if f.suppressed.is_none() {
                                let people = f.people.unwrap_or(0);
                                prop_assert!(people == 0 || people >= k as u64);
                            } else {
                                prop_assert!(f.value.is_none() && f.people.is_none());
                            }
                        }
                    }
                }
                _ if !people.is_empty() => {
                    let who = &people[x % people.len()];
                    let granted = !ler_cbo::consented(&w.consents, &w.program.id, who);
                    w.consents.push(OutcomeConsent {
                        participant: who.clone(),
                        program: w.program.id.clone(),
                        granted,
                        at: 5_000 + n as i64,
                    });
                }
                _ => {}
            }
        }
        assert_laws(&log, k);
    }
}

fn people(n: usize, f: impl Fn(usize) -> Person) -> Vec<Person> {
    (0..n).map(f).collect()
}

fn fixed_world() -> World {
    let p = |i: usize| Person {
        consent: i % 7 != 6,
        employed_after: !i.is_multiple_of(3),
        wage: 15 + (i % 5) as u32,
        self_reported: i.is_multiple_of(4),
        earned: if i.is_multiple_of(2) {
            0b00011
        } else {
            0b00001
        },
    };
    // Consenting: 14 of 16, 11 of 12 (c1), 4 of 4 (c2).
    world(&[people(16, p), people(12, p), people(4, p)])
}

/// A program report with a small cohort: the small cohort is suppressed, and so is the cohort
/// that would give it away by subtraction from the total; the figures state their bases.
#[test]
fn complementary_suppression_within_a_report() {
    let w = fixed_world();
    let mut log = ReleaseLog::default();
    let r = w.release(&Scope::Program, 10, &mut log, 1);
    let total = figure(&r, None, "participants");
    assert_eq!(total.value, Some(29.0));
    let emp = figure(&r, None, "employment_q2");
    assert_eq!(emp.denominator, Some(29));
    assert!(emp.numerator.is_some() && emp.records.is_some() && emp.unverified.is_some());
    assert!(figure(&r, Some("c0"), "employment_q2").suppressed.is_none());
    let c1 = figure(&r, Some("c1"), "employment_q2");
    assert!(
        c1.suppressed
            .as_deref()
            .is_some_and(|s| s.contains("with figures already released")),
        "{c1:?}"
    );
    let c2 = figure(&r, Some("c2"), "employment_q2");
    assert!(
        c2.suppressed
            .as_deref()
            .is_some_and(|s| s.contains("fewer than 10")),
        "{c2:?}"
    );
    assert_laws(&log, 10);
    check_golden("outcome-report-warehouse", r.to_json());
}

/// A cohort report after the program report may not show what the program report held back.
#[test]
fn a_later_cohort_report_cannot_difference_the_program_report() {
    let w = fixed_world();
    let mut log = ReleaseLog::default();
    w.release(&Scope::Program, 10, &mut log, 1);
    let c0 = w.release(&Scope::Cohort("c0".into()), 10, &mut log, 2);
    assert!(
        figure(&c0, Some("c0"), "employment_q2")
            .suppressed
            .is_none(),
        "same population as before"
    );
    let c1 = w.release(&Scope::Cohort("c1".into()), 10, &mut log, 3);
    assert!(
        figure(&c1, Some("c1"), "employment_q2")
            .suppressed
            .is_some()
    );
    assert_laws(&log, 10);
}

/// A withdrawn consent removes the person from the next report: no released figure rests on
/// them, and the figures that would differ from the last report by them alone are suppressed.
#[test]
fn withdrawn_consent_removes_the_person() {
    let mut w = fixed_world();
    let mut log = ReleaseLog::default();
    w.release(&Scope::Program, 10, &mut log, 1);
    let who = "c0-p1";
    assert!(
        log.entries()
            .iter()
            .any(|e| e.population.iter().any(|p| p == who))
    );
    w.consents.push(OutcomeConsent {
        participant: who.into(),
        program: w.program.id.clone(),
        granted: false,
        at: 9_000,
    });
    let before = log.entries().len();
    let r = w.release(&Scope::Program, 10, &mut log, 2);
    assert!(
        log.entries()[before..]
            .iter()
            .all(|e| !e.population.iter().any(|p| p == who))
    );
    // One person fewer than the last report: suppressed rather than giving them away.
    assert!(figure(&r, None, "participants").suppressed.is_some());
    // Without the earlier release (a fresh log) the figure stands, one lower.
    let fresh = w.release(&Scope::Program, 10, &mut ReleaseLog::default(), 3);
    assert_eq!(figure(&fresh, None, "participants").value, Some(28.0));
    assert_laws(&log, 10);
}

#[test]
fn exports_csv_and_json_with_aggregates_only() {
    let w = fixed_world();
    let r = w.release(&Scope::Program, 10, &mut ReleaseLog::default(), 1);
    let csv = r.to_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "report,program,as_of,cohort,measure,label,kind,value,numerator,denominator,people,records,unverified,suppressed"
        )
    );
    assert!(csv.contains("report-1,warehouse-pathway,2026-12-31,,participants,"));
    let view = FunderView::new(vec![r.clone()]);
    assert_eq!(view.to_csv(), csv);
    let json = serde_json::to_string(&view).unwrap();
    for p in w.program.participants() {
        assert!(
            !json.contains(&format!("\"{p}\"")),
            "{p} appears in the funder view"
        );
    }
    let back: FunderView = serde_json::from_str(&json).unwrap();
    assert_eq!(back, view);
}
