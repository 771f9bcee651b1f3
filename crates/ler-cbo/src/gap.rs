//! Customization: the skills a participant holds — read from the alignments of their verified
//! records only, each with the record, issuer and date that show it — compared with a program
//! or an occupation, skill by skill, and the individual [`Plan`] that follows.

use serde::{Deserialize, Serialize};

use crate::occupation::Occupation;
use crate::program::{Milestone, Program};
use crate::record::SharedRecord;
use crate::skills::Catalog;

/// A record that shows a skill or an achievement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The shared record.
    pub record_id: String,
    /// Its issuer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Its issuer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// When it was awarded (or became valid), as the record says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// When it was verified, seconds since the epoch.
    pub verified_at: i64,
    /// The URI the record's alignment (or achievement) names.
    pub target: String,
}

/// A skill a participant holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldSkill {
    /// The skill's id (the catalog's, when it knows the alignment's URL as an equivalent).
    pub skill: String,
    /// Its name as the first record gives it.
    pub name: String,
    /// The records that show it.
    pub evidence: Vec<Evidence>,
}

/// An achievement a participant holds (a completed one: its result status, if any, is
/// `Completed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldAchievement {
    /// `Achievement.id`.
    pub achievement_id: String,
    /// The record that awards it (issuer: the credential's own issuer, inside a CLR too).
    pub evidence: Evidence,
}

/// A record (or part of one) the comparison does not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ignored {
    /// The record.
    pub record_id: String,
    /// Why it is not used.
    pub reason: String,
}

/// What a participant's shared records show they hold.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holdings {
    /// Skills from verified records.
    pub skills: Vec<HeldSkill>,
    /// Skills only unverified records claim (never counted; shown to explain a gap).
    pub unverified_skills: Vec<HeldSkill>,
    /// Completed achievements from verified records.
    pub achievements: Vec<HeldAchievement>,
    /// What was left out.
    pub ignored: Vec<Ignored>,
}

fn add(list: &mut Vec<HeldSkill>, skill: &str, name: &str, evidence: Evidence) {
    match list.iter_mut().find(|h| h.skill == skill) {
        Some(h) => {
            if !h.evidence.contains(&evidence) {
                h.evidence.push(evidence);
            }
        }
        None => list.push(HeldSkill {
            skill: skill.to_owned(),
            name: name.to_owned(),
            evidence: vec![evidence],
        }),
    }
}

/// Reads what `records` show: skills from the alignments of verified records (resolved through
/// `catalog`, so an equivalent URI names the catalog's skill), completed achievements, and
/// what was left out and why.
pub fn holdings(records: &[SharedRecord], catalog: &Catalog) -> Holdings {
    let mut h = Holdings::default();
    for shared in records {
        let read = match shared.read() {
            Ok(read) => read,
            Err(reason) => {
                h.ignored.push(Ignored {
                    record_id: shared.record_id.clone(),
                    reason: format!("cannot be read: {reason}"),
                });
                continue;
            }
        };
        let verified = read.provenance.verified;
        if !verified {
            let why = match read.provenance.problems.first() {
                Some(p) => format!("did not verify ({p})"),
                None => "did not verify".to_owned(),
            };
            h.ignored.push(Ignored {
                record_id: shared.record_id.clone(),
                reason: why,
            });
        }
        let evidence = |target: &str| Evidence {
            record_id: shared.record_id.clone(),
            issuer: read.summary.issuer.clone(),
            issuer_name: read.summary.issuer_name.clone(),
            date: read
                .summary
                .awarded
                .clone()
                .or_else(|| read.summary.valid_from.clone()),
            verified_at: shared.verified_at,
            target: target.to_owned(),
        };
        for s in &read.summary.skills {
            let Some(url) = &s.target_url else {
                h.ignored.push(Ignored {
                    record_id: shared.record_id.clone(),
                    reason: format!("its alignment to {:?} has no targetUrl", s.target_name),
                });
                continue;
            };
            let skill = catalog.canonical(url);
            let list = if verified {
                &mut h.skills
            } else {
                &mut h.unverified_skills
            };
            add(list, skill, &s.target_name, evidence(url));
        }
        if !verified {
            continue;
        }
        for a in &read.awarded {
            let Some(id) = &a.id else { continue };
            if a.status.as_deref().is_some_and(|s| s != "Completed") {
                continue;
            }
            h.achievements.push(HeldAchievement {
                achievement_id: id.clone(),
                evidence: Evidence {
                    record_id: shared.record_id.clone(),
                    issuer: a.issuer.clone(),
                    issuer_name: a.issuer_name.clone(),
                    date: a.date.clone(),
                    verified_at: shared.verified_at,
                    target: id.clone(),
                },
            });
        }
    }
    h
}

/// What a comparison is against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Target {
    /// A program.
    Program {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
    },
    /// An occupation.
    Occupation {
        /// Its O*NET-SOC code.
        code: String,
        /// Its title.
        title: String,
    },
}

/// Whether a skill is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SkillStatus {
    /// A verified record shows it.
    Matched,
    /// No verified record shows it.
    Missing,
}

/// One skill of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillGap {
    /// The skill's id.
    pub skill: String,
    /// Its name.
    pub name: String,
    /// How much it counts: 1 for a program's skills, the O*NET importance (1–5) for an
    /// occupation's.
    pub weight: f64,
    /// Matched or missing.
    pub status: SkillStatus,
    /// The verified records that show it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Unverified records that claim it (not counted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<Evidence>,
    /// Why, in words.
    pub why: String,
}

/// A participant's skills compared with a program or an occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GapReport {
    /// The participant.
    pub participant: String,
    /// What they are compared with.
    pub target: Target,
    /// Each skill the target asks for, in its order (an occupation's: most important first).
    pub skills: Vec<SkillGap>,
    /// Skills matched.
    pub matched: usize,
    /// Skills missing.
    pub missing: usize,
    /// Sum of the matched skills' weights.
    pub weight_matched: f64,
    /// Sum of all weights.
    pub weight_total: f64,
    /// `weight_matched / weight_total`, to 4 decimals (1 when the target asks for nothing).
    pub coverage: f64,
    /// Records left out, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<Ignored>,
}

/// What the plan does with a milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    /// Already met: it can be waived.
    Waive,
    /// Still to do.
    Remain,
}

/// One milestone of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MilestonePlan {
    /// The milestone's achievement id.
    pub achievement_id: String,
    /// Its name.
    pub name: String,
    /// Waive or remain.
    pub decision: Decision,
    /// Why, in words.
    pub why: String,
    /// Its skills that are held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
    /// Its skills that are missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The record awarding the achievement itself, when the participant already has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earned: Option<Evidence>,
}

/// A participant's individual plan through a program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The participant.
    pub participant: String,
    /// The program's id.
    pub program: String,
    /// Each milestone, in the program's order.
    pub milestones: Vec<MilestonePlan>,
    /// Milestones that can be waived.
    pub waived: usize,
    /// Milestones that remain.
    pub remaining: usize,
}

fn describe(e: &Evidence) -> String {
    let who = e
        .issuer_name
        .as_deref()
        .or(e.issuer.as_deref())
        .unwrap_or("an unnamed issuer");
    match &e.date {
        Some(d) => format!("record {} from {who}, {d}", e.record_id),
        None => format!("record {} from {who}", e.record_id),
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Compares holdings with a list of (skill id, name, weight).
fn compare(
    participant: &str,
    target: Target,
    wanted: &[(String, String, f64)],
    held: &Holdings,
    catalog: &Catalog,
) -> GapReport {
    let mut skills = Vec::with_capacity(wanted.len());
    let (mut weight_matched, mut weight_total) = (0.0, 0.0);
    for (id, name, weight) in wanted {
        let canonical = catalog.canonical(id);
        let find = |list: &[HeldSkill]| {
            list.iter()
                .find(|h| h.skill == canonical)
                .map(|h| h.evidence.clone())
                .unwrap_or_default()
        };
        let evidence = find(&held.skills);
        let unverified = find(&held.unverified_skills);
        weight_total += weight;
        let (status, why) = if evidence.is_empty() {
            let why = match unverified.first() {
                Some(u) => format!(
                    "missing: only {} claims it, and it did not verify",
                    describe(u)
                ),
                None => "missing: no verified record aligns to it".to_owned(),
            };
            (SkillStatus::Missing, why)
        } else {
            weight_matched += weight;
            let shown: Vec<String> = evidence.iter().map(describe).collect();
            (
                SkillStatus::Matched,
                format!("matched by {}", shown.join("; ")),
            )
        };
        skills.push(SkillGap {
            skill: id.clone(),
            name: name.clone(),
            weight: *weight,
            status,
            evidence,
            unverified,
            why,
        });
    }
    let matched = skills
        .iter()
        .filter(|s| s.status == SkillStatus::Matched)
        .count();
    GapReport {
        participant: participant.to_owned(),
        target,
        missing: skills.len() - matched,
        matched,
        weight_matched: round4(weight_matched),
        weight_total: round4(weight_total),
        coverage: if weight_total > 0.0 {
            round4(weight_matched / weight_total)
        } else {
            1.0
        },
        skills,
        ignored: held.ignored.clone(),
    }
}

/// Compares a participant's holdings with a program's skills (each weighing 1) and plans their
/// way through its milestones: a milestone is waived when they already hold its achievement
/// (from an issuer the milestone accepts) or every skill it covers; otherwise it remains. A
/// milestone that lists no skills can only be waived by holding its achievement.
pub fn program_gap(
    participant: &str,
    held: &Holdings,
    program: &Program,
    catalog: &Catalog,
) -> (GapReport, Plan) {
    let wanted: Vec<(String, String, f64)> = program
        .skills()
        .into_iter()
        .map(|id| (id.to_owned(), name_of(id, catalog), 1.0))
        .collect();
    let report = compare(
        participant,
        Target::Program {
            id: program.id.clone(),
            name: program.name.clone(),
        },
        &wanted,
        held,
        catalog,
    );
    let milestones: Vec<MilestonePlan> = program
        .milestones
        .iter()
        .map(|m| plan_milestone(m, &report, held))
        .collect();
    let waived = milestones
        .iter()
        .filter(|m| m.decision == Decision::Waive)
        .count();
    let plan = Plan {
        participant: participant.to_owned(),
        program: program.id.clone(),
        remaining: milestones.len() - waived,
        waived,
        milestones,
    };
    (report, plan)
}

fn name_of(id: &str, catalog: &Catalog) -> String {
    catalog
        .resolve(id)
        .map_or_else(|| id.to_owned(), |s| s.name.clone())
}

fn plan_milestone(m: &Milestone, report: &GapReport, held: &Holdings) -> MilestonePlan {
    let earned = held
        .achievements
        .iter()
        .find(|a| {
            a.achievement_id == m.achievement_id
                && (m.issuers.is_empty()
                    || a.evidence
                        .issuer
                        .as_ref()
                        .is_some_and(|i| m.issuers.contains(i)))
        })
        .map(|a| a.evidence.clone());
    let (mut matched, mut missing) = (Vec::new(), Vec::new());
    for s in &m.skills {
        let held = report
            .skills
            .iter()
            .any(|g| g.skill == *s && g.status == SkillStatus::Matched);
        if held {
            matched.push(s.clone());
        } else {
            missing.push(s.clone());
        }
    }
    let name = |id: &String| {
        report
            .skills
            .iter()
            .find(|g| g.skill == *id)
            .map_or(id.clone(), |g| g.name.clone())
    };
    let (decision, why) = if let Some(e) = &earned {
        (Decision::Waive, format!("already earned: {}", describe(e)))
    } else if m.skills.is_empty() {
        (
            Decision::Remain,
            "lists no skills, so only its own achievement can show it is met".to_owned(),
        )
    } else if missing.is_empty() {
        let names = matched.iter().map(name).collect::<Vec<_>>().join(", ");
        let why = match matched.len() {
            1 => format!("its one skill is held: {names}"),
            n => format!("all {n} of its skills are held: {names}"),
        };
        (Decision::Waive, why)
    } else {
        (
            Decision::Remain,
            format!(
                "missing {} of {} skills: {}",
                missing.len(),
                m.skills.len(),
                missing.iter().map(name).collect::<Vec<_>>().join(", ")
            ),
        )
    };
    MilestonePlan {
        achievement_id: m.achievement_id.clone(),
        name: m.name.clone(),
        decision,
        why,
        matched,
        missing,
        earned,
    }
}

/// Compares a participant's holdings with an occupation's skills, each weighing its O*NET
/// importance.
pub fn occupation_gap(
    participant: &str,
    held: &Holdings,
    occupation: &Occupation,
    catalog: &Catalog,
) -> GapReport {
    let wanted: Vec<(String, String, f64)> = occupation
        .skills
        .iter()
        .map(|s| (s.skill.clone(), s.name.clone(), s.importance))
        .collect();
    compare(
        participant,
        Target::Occupation {
            code: occupation.code.to_string(),
            title: occupation.title.clone(),
        },
        &wanted,
        held,
        catalog,
    )
}
