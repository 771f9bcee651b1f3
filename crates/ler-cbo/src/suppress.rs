//! Small-cell suppression: which figures of an outcome report may be released, and the
//! release log that keeps later reports from giving away what earlier ones held back.
//!
//! # The rule
//!
//! Every figure rests on a *population*: the people whose data it is computed from (a rate's
//! denominator, the people whose values a median takes, the people a count or total covers).
//! Figures are grouped by *measure* within a program (`employment_q2` of program `wh`, whether
//! for the whole program or one cohort): figures of one measure describe the same thing of
//! different groups, so subtracting one from another describes the people in one and not in
//! the other. For each measure, the populations already released (the release log) and those
//! released earlier in the same report split people into *groups*: people who belong to
//! exactly the same released populations. Anything that can be computed by adding and
//! subtracting released figures describes a union of such groups, never less.
//!
//! A figure is released only if
//! 1. its population has at least `k` people (default 10), and
//! 2. adding it to the released populations of its measure makes no new group of fewer than `k`
//!    people: it must not split an existing group into a piece of 1 to `k − 1` people, and the
//!    people it adds that no released figure covered must number 0 or at least `k`.
//!
//! Otherwise it is suppressed (shown without any number). Within a report, figures are
//! considered whole-program first, then cohorts from the largest down, so when a total and its
//! cohorts would give a small cohort away by subtraction, the largest figures are kept and the
//! cohort that would complete the subtraction is suppressed with the small one (complementary
//! suppression). Across reports, a figure whose population differs from an already released
//! one by fewer than `k` people — a cohort report after the program report, the same report
//! before and after one person joined, left or withdrew consent — is refused, since it would
//! split a group. Two released populations of a measure therefore always differ by 0 or at
//! least `k` people, and every group the log can isolate has at least `k`.
//!
//! Figures with an empty population (nobody yet measurable) carry no data and are released as
//! "no data" without entering the log. The rule does not hide a *value* that is the same for a
//! whole population (a 100 % employment rate tells every member's status); it guarantees group
//! sizes, not diversity of values within them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The default minimum number of people behind a released figure.
pub const DEFAULT_K: usize = 10;

/// A released figure as the release log keeps it: whom it rests on, not what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Released {
    /// The program.
    pub program: String,
    /// The measure (`employment_q2`, `records_earned:<achievement>`, …).
    pub measure: String,
    /// The report it was released in.
    pub report: String,
    /// The participant ids it rests on, sorted.
    pub population: Vec<String>,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// Why a figure was suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Suppression {
    /// It rests on fewer than `k` people.
    SmallCell,
    /// Together with figures already released it would isolate fewer than `k` people.
    Differencing,
}

impl Suppression {
    /// In words.
    pub fn describe(self, k: usize) -> String {
        match self {
            Suppression::SmallCell => format!("suppressed: fewer than {k} people"),
            Suppression::Differencing => format!(
                "suppressed: with figures already released it would show a group of fewer than {k} people"
            ),
        }
    }
}

/// The figures released so far, for the differencing check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseLog {
    entries: Vec<Released>,
}

impl ReleaseLog {
    /// A log of the figures released so far (as stored).
    pub fn new(entries: Vec<Released>) -> ReleaseLog {
        ReleaseLog { entries }
    }

    /// The entries.
    pub fn entries(&self) -> &[Released] {
        &self.entries
    }

    /// Adds released figures.
    pub fn extend(&mut self, released: impl IntoIterator<Item = Released>) {
        self.entries.extend(released);
    }

    /// The released populations of one measure of one program.
    pub(crate) fn populations(&self, program: &str, measure: &str) -> Vec<BTreeSet<&str>> {
        self.entries
            .iter()
            .filter(|e| e.program == program && e.measure == measure)
            .map(|e| e.population.iter().map(String::as_str).collect())
            .collect()
    }
}

/// Decides whether a figure with `candidate` as its population may be released next to the
/// `released` populations of its measure.
pub(crate) fn decide(
    candidate: &BTreeSet<&str>,
    released: &[BTreeSet<&str>],
    k: usize,
) -> Result<(), Suppression> {
    if candidate.is_empty() {
        return Ok(());
    }
    if candidate.len() < k {
        return Err(Suppression::SmallCell);
    }
    // Each person's signature: the released populations they are in.
    let mut groups: BTreeMap<Vec<usize>, (usize, usize)> = BTreeMap::new();
    let everyone: BTreeSet<&str> = released
        .iter()
        .flatten()
        .copied()
        .chain(candidate.iter().copied())
        .collect();
    for person in everyone {
        let signature: Vec<usize> = released
            .iter()
            .enumerate()
            .filter(|(_, p)| p.contains(person))
            .map(|(i, _)| i)
            .collect();
        let (inside, outside) = groups.entry(signature).or_default();
        if candidate.contains(person) {
            *inside += 1;
        } else {
            *outside += 1;
        }
    }
    // A group the candidate splits must leave both pieces at 0 or ≥ k; the new people (empty
    // signature, inside) must be 0 or ≥ k. A group the candidate leaves whole is not its doing.
    for (inside, outside) in groups.into_values() {
        let split = inside > 0 && outside > 0;
        if split && (inside < k || outside < k) {
            return Err(Suppression::Differencing);
        }
    }
    // New people: those in no released population, all inside the candidate; they form their
    // own group unless the candidate adds nobody new.
    let fresh = candidate
        .iter()
        .filter(|p| !released.iter().any(|r| r.contains(*p)))
        .count();
    if fresh > 0 && fresh < k && !released.is_empty() {
        return Err(Suppression::Differencing);
    }
    Ok(())
}
