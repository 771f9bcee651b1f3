//! Tracking: each participant's progress through a program's milestones in OB 3.0
//! `ResultStatusType` terms, updated as achievements arrive, and the staff dashboards per
//! program and per cohort.
//!
//! Progress is a log of [`ProgressEvent`]s (an arriving credential, a staff entry, a waiver
//! from the plan); a milestone's status is that of its latest event, and `Enrolled` — OB 3.0's
//! word for enrolled but not started — until one arrives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CboError;
use crate::gap::{Decision, Plan};
use crate::program::Program;
use crate::record::SharedRecord;

#[cfg(test)]
mod tests;

/// OB 3.0 `ResultStatusType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ResultStatus {
    /// Completed successfully.
    Completed,
    /// Enrolled, not started.
    Enrolled,
    /// Completed unsuccessfully.
    Failed,
    /// Started.
    InProgress,
    /// Completed, award held back (administrative reasons).
    OnHold,
    /// Completed, result not yet confirmed.
    Provisional,
    /// Withdrew before completion.
    Withdrew,
}

impl ResultStatus {
    /// Every status, in OB 3.0's order.
    pub const ALL: [ResultStatus; 7] = [
        ResultStatus::Completed,
        ResultStatus::Enrolled,
        ResultStatus::Failed,
        ResultStatus::InProgress,
        ResultStatus::OnHold,
        ResultStatus::Provisional,
        ResultStatus::Withdrew,
    ];

    /// The OB 3.0 term.
    pub fn as_str(self) -> &'static str {
        match self {
            ResultStatus::Completed => "Completed",
            ResultStatus::Enrolled => "Enrolled",
            ResultStatus::Failed => "Failed",
            ResultStatus::InProgress => "InProgress",
            ResultStatus::OnHold => "OnHold",
            ResultStatus::Provisional => "Provisional",
            ResultStatus::Withdrew => "Withdrew",
        }
    }

    /// The status of an OB 3.0 term.
    pub fn parse(s: &str) -> Option<ResultStatus> {
        ResultStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What an event rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EventSource {
    /// A verified credential the participant received or shared.
    #[serde(rename_all = "camelCase")]
    Credential {
        /// The record (or issued credential) id.
        record_id: String,
        /// Its issuer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issuer: Option<String>,
    },
    /// Entered by staff (not backed by a credential: counted as unverified in reports).
    Staff {
        /// Who.
        by: String,
    },
    /// Waived by the participant's plan: met before the program by prior records.
    Waiver {
        /// Why, from the plan.
        why: String,
        /// The staff member who applied the plan.
        by: String,
    },
}

/// One change of a participant's status on a milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressEvent {
    /// The participant.
    pub participant: String,
    /// The program.
    pub program: String,
    /// The milestone's achievement id.
    pub achievement_id: String,
    /// The new status.
    pub status: ResultStatus,
    /// What it rests on.
    pub source: EventSource,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// What an arriving record does to a participant's progress.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Arrival {
    /// The events it makes (one per milestone it awards).
    pub events: Vec<ProgressEvent>,
    /// Why it (or an achievement in it) does not count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_counted: Vec<String>,
}

/// The events an arriving record makes for a participant in a program: for each achievement
/// it awards that is a milestone, its `result[].status` (no status means `Completed`, as OB 3.0
/// says), provided the record verified and its issuer is one the milestone accepts.
pub fn arrival(program: &Program, participant: &str, record: &SharedRecord, at: i64) -> Arrival {
    let mut out = Arrival::default();
    let read = match record.read() {
        Ok(read) => read,
        Err(reason) => {
            out.not_counted.push(format!(
                "record {} cannot be read: {reason}",
                record.record_id
            ));
            return out;
        }
    };
    if !read.provenance.verified {
        out.not_counted.push(format!(
            "record {} did not verify{}",
            record.record_id,
            read.provenance
                .problems
                .first()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        ));
        return out;
    }
    for a in &read.awarded {
        let Some(id) = &a.id else { continue };
        let Some(m) = program.milestone(id) else {
            continue;
        };
        if !m.issuers.is_empty() && !a.issuer.as_ref().is_some_and(|i| m.issuers.contains(i)) {
            out.not_counted.push(format!(
                "{}: issued by {}, which is not a partner that may issue this milestone",
                m.name,
                a.issuer.as_deref().unwrap_or("an unnamed issuer")
            ));
            continue;
        }
        let status = match &a.status {
            None => ResultStatus::Completed,
            Some(s) => match ResultStatus::parse(s) {
                Some(s) => s,
                None => {
                    out.not_counted
                        .push(format!("{}: unknown result status {s:?}", m.name));
                    continue;
                }
            },
        };
        out.events.push(ProgressEvent {
            participant: participant.to_owned(),
            program: program.id.clone(),
            achievement_id: id.clone(),
            status,
            source: EventSource::Credential {
                record_id: record.record_id.clone(),
                issuer: a.issuer.clone(),
            },
            at,
        });
    }
    out
}

/// The events that apply a plan: each waived milestone `Completed`, by waiver.
pub fn waivers(plan: &Plan, by: &str, at: i64) -> Vec<ProgressEvent> {
    plan.milestones
        .iter()
        .filter(|m| m.decision == Decision::Waive)
        .map(|m| ProgressEvent {
            participant: plan.participant.clone(),
            program: plan.program.clone(),
            achievement_id: m.achievement_id.clone(),
            status: ResultStatus::Completed,
            source: EventSource::Waiver {
                why: m.why.clone(),
                by: by.to_owned(),
            },
            at,
        })
        .collect()
}

/// A participant's status on one milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MilestoneProgress {
    /// The milestone's achievement id.
    pub achievement_id: String,
    /// Its name.
    pub name: String,
    /// The status now.
    pub status: ResultStatus,
    /// Since when (none while `Enrolled` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    /// What the status rests on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<EventSource>,
}

/// A participant's progress through a program (what their wallet shows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The participant.
    pub participant: String,
    /// The program's id.
    pub program: String,
    /// Their cohort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    /// Each milestone, in the program's order.
    pub milestones: Vec<MilestoneProgress>,
    /// Milestones completed.
    pub completed: usize,
    /// Milestones in all.
    pub total: usize,
}

/// A participant's progress from the event log (events of other participants, programs or
/// milestones are skipped). Events apply in time order, ties in log order; the latest wins.
pub fn progress(program: &Program, participant: &str, events: &[ProgressEvent]) -> Progress {
    let mut mine: Vec<&ProgressEvent> = events
        .iter()
        .filter(|e| e.participant == participant && e.program == program.id)
        .collect();
    mine.sort_by_key(|e| e.at);
    let milestones: Vec<MilestoneProgress> = program
        .milestones
        .iter()
        .map(|m| {
            let latest = mine
                .iter()
                .rev()
                .find(|e| e.achievement_id == m.achievement_id);
            MilestoneProgress {
                achievement_id: m.achievement_id.clone(),
                name: m.name.clone(),
                status: latest.map_or(ResultStatus::Enrolled, |e| e.status),
                since: latest.map(|e| e.at),
                source: latest.map(|e| e.source.clone()),
            }
        })
        .collect();
    let completed = milestones
        .iter()
        .filter(|m| m.status == ResultStatus::Completed)
        .count();
    Progress {
        participant: participant.to_owned(),
        program: program.id.clone(),
        cohort: program.cohort_of(participant).map(|c| c.id.clone()),
        total: milestones.len(),
        completed,
        milestones,
    }
}

/// How many participants are at each status on one milestone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MilestoneCounts {
    /// The milestone's achievement id.
    pub achievement_id: String,
    /// Its name.
    pub name: String,
    /// Participants per status (every status listed, zeros included).
    pub counts: BTreeMap<ResultStatus, usize>,
}

/// The staff dashboard of a program or one of its cohorts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// The program's id.
    pub program: String,
    /// The cohort, for a cohort's dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    /// Participants counted.
    pub participants: usize,
    /// Participants who completed every milestone.
    pub completed_all: usize,
    /// Per milestone, in the program's order.
    pub milestones: Vec<MilestoneCounts>,
}

/// The dashboard of a program (`cohort` none) or of one cohort; `Invalid` for an unknown
/// cohort.
pub fn dashboard(
    program: &Program,
    cohort: Option<&str>,
    events: &[ProgressEvent],
) -> Result<Dashboard, CboError> {
    let people: Vec<&str> = match cohort {
        None => program.participants().collect(),
        Some(id) => program
            .cohort(id)
            .ok_or_else(|| CboError::invalid("cohort", format!("{id} is not in {}", program.id)))?
            .participants
            .iter()
            .map(String::as_str)
            .collect(),
    };
    let mut milestones: Vec<MilestoneCounts> = program
        .milestones
        .iter()
        .map(|m| MilestoneCounts {
            achievement_id: m.achievement_id.clone(),
            name: m.name.clone(),
            counts: ResultStatus::ALL.into_iter().map(|s| (s, 0)).collect(),
        })
        .collect();
    let mut completed_all = 0;
    for p in &people {
        let progress = progress(program, p, events);
        if progress.total > 0 && progress.completed == progress.total {
            completed_all += 1;
        }
        for (counts, m) in milestones.iter_mut().zip(&progress.milestones) {
            *counts.counts.entry(m.status).or_default() += 1;
        }
    }
    Ok(Dashboard {
        program: program.id.clone(),
        cohort: cohort.map(str::to_owned),
        participants: people.len(),
        completed_all,
        milestones,
    })
}
