//! Programs: a training track with its required skills, its milestone achievements (and the
//! partner organizations that may issue each), its target occupations and its cohorts.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::CboError;
use crate::date::Date;
use crate::occupation::SocCode;
use crate::skills::is_absolute_uri;

/// A milestone: an achievement a participant earns on the way through a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    /// The achievement's id (the OB 3.0 `Achievement.id` its credentials carry).
    pub achievement_id: String,
    /// Its name.
    pub name: String,
    /// The organizations (issuer ids: DIDs or URLs) whose credentials count for it; empty
    /// means any issuer's verified credential does.
    #[serde(default)]
    pub issuers: Vec<String>,
    /// The skills (ids) it covers.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Whether it is a recognized credential (a certificate, license or degree) that counts
    /// toward the credential attainment indicator.
    #[serde(default)]
    pub credential: bool,
}

/// A cohort: participants going through a program together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cohort {
    /// Id, unique in its program.
    pub id: String,
    /// Its name.
    pub name: String,
    /// First day.
    pub start: Date,
    /// Last day; participants exit the program then.
    pub end: Date,
    /// Participant ids.
    #[serde(default)]
    pub participants: Vec<String>,
}

/// What an organization keeps to recognize a participant: a name and a way to reach them
/// (sealed with [`crate::seal_participant`] before it is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// Id, unique in its organization.
    pub id: String,
    /// The name staff know them by.
    pub name: String,
    /// An email address, when they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The DID of the wallet they shared their records from, when they came through a grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
}

impl Participant {
    /// Checks the id and that the name is 1–200 characters.
    pub fn check(&self) -> Result<(), CboError> {
        check_id("participant", &self.id)?;
        let n = self.name.trim().chars().count();
        if n == 0 || n > 200 {
            return Err(CboError::invalid(
                "participant",
                "the name must be 1 to 200 characters",
            ));
        }
        Ok(())
    }
}

/// A training program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Program {
    /// Id, unique in its organization.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The skills (ids) a participant should hold at the end.
    #[serde(default)]
    pub required_skills: Vec<String>,
    /// Its milestones, in order.
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// The occupations it prepares for.
    #[serde(default)]
    pub target_occupations: Vec<SocCode>,
    /// Its cohorts.
    #[serde(default)]
    pub cohorts: Vec<Cohort>,
}

/// Whether `id` can name a participant, program or cohort: 1–200 characters, no whitespace.
pub(crate) fn check_id(what: &'static str, id: &str) -> Result<(), CboError> {
    if id.is_empty() || id.len() > 200 || id.contains(char::is_whitespace) {
        return Err(CboError::invalid(
            what,
            format!("id {id:?} must be 1 to 200 characters without whitespace"),
        ));
    }
    Ok(())
}

impl Program {
    /// Checks the program: ids, skill ids that are absolute URIs, each milestone and cohort
    /// once, cohorts that end on or after they start, each participant in one cohort at most.
    pub fn check(&self) -> Result<(), CboError> {
        check_id("program", &self.id)?;
        if self.name.trim().is_empty() {
            return Err(CboError::invalid("program", "the name is empty"));
        }
        let uri = |id: &str| {
            if is_absolute_uri(id) {
                Ok(())
            } else {
                Err(CboError::invalid(
                    "program",
                    format!("skill id {id:?} is not an absolute URI"),
                ))
            }
        };
        self.required_skills.iter().try_for_each(|s| uri(s))?;
        let mut milestones = BTreeSet::new();
        for m in &self.milestones {
            if m.achievement_id.trim().is_empty() || m.name.trim().is_empty() {
                return Err(CboError::invalid(
                    "program",
                    "a milestone needs an achievement id and a name",
                ));
            }
            if !milestones.insert(m.achievement_id.as_str()) {
                return Err(CboError::invalid(
                    "program",
                    format!("milestone {} is listed twice", m.achievement_id),
                ));
            }
            m.skills.iter().try_for_each(|s| uri(s))?;
        }
        let mut cohorts = BTreeSet::new();
        let mut people = BTreeSet::new();
        for c in &self.cohorts {
            check_id("cohort", &c.id)?;
            if !cohorts.insert(c.id.as_str()) {
                return Err(CboError::invalid(
                    "program",
                    format!("cohort {} is listed twice", c.id),
                ));
            }
            if c.end < c.start {
                return Err(CboError::invalid(
                    "cohort",
                    format!("{} ends before it starts", c.id),
                ));
            }
            for p in &c.participants {
                check_id("participant", p)?;
                if !people.insert(p.as_str()) {
                    return Err(CboError::invalid(
                        "program",
                        format!("participant {p} is in two cohorts"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A milestone by achievement id.
    pub fn milestone(&self, achievement_id: &str) -> Option<&Milestone> {
        self.milestones
            .iter()
            .find(|m| m.achievement_id == achievement_id)
    }

    /// A cohort by id.
    pub fn cohort(&self, id: &str) -> Option<&Cohort> {
        self.cohorts.iter().find(|c| c.id == id)
    }

    /// The cohort a participant is in.
    pub fn cohort_of(&self, participant: &str) -> Option<&Cohort> {
        self.cohorts
            .iter()
            .find(|c| c.participants.iter().any(|p| p == participant))
    }

    /// Every participant, cohort by cohort.
    pub fn participants(&self) -> impl Iterator<Item = &str> {
        self.cohorts
            .iter()
            .flat_map(|c| c.participants.iter().map(String::as_str))
    }

    /// The skills the program asks for: the required skills, then those of the milestones not
    /// already listed, each once.
    pub fn skills(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in self
            .required_skills
            .iter()
            .chain(self.milestones.iter().flat_map(|m| &m.skills))
        {
            if !out.contains(&s.as_str()) {
                out.push(s);
            }
        }
        out
    }
}
