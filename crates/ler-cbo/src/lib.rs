//! The community-based organization's side of ler: skills and occupations, training programs,
//! intake from the records participants share, skill-gap plans, progress tracking, and outcome
//! reports built only from consented data, with small cells suppressed.
//!
//! The principal types follow a participant through a program:
//! - [`Framework`] / [`Catalog`] (skills from RSD collections, CASE packages or CSV) and
//!   [`Occupation`] (O*NET-SOC codes with weighted skills); [`alignment`] ties an achievement to
//!   a skill the OB 3.0 way and [`aligned_skills`] reads it back;
//! - [`Program`] with its [`Milestone`]s and [`Cohort`]s;
//! - [`intake`] turns the [`SharedRecord`]s of a consent grant into a [`Profile`] whose every
//!   field carries its [`Provenance`]; staff [`Correction`]s overlay it ([`Profile::effective`]);
//! - [`holdings`] reads the skills a participant's *verified* records show, and
//!   [`program_gap`] / [`occupation_gap`] compare them skill by skill into a [`GapReport`] and a
//!   [`Plan`] of milestones to waive or keep;
//! - [`arrival`] and [`progress`] track milestones in OB 3.0 [`ResultStatus`] terms, and
//!   [`dashboard`] counts them per program or cohort;
//! - [`release_report`] computes the WIOA indicators from consented [`OutcomeRecord`]s into an
//!   [`OutcomeReport`] (aggregates only; a [`FunderView`] holds nothing else), suppressing
//!   small cells and any figure that, with the [`ReleaseLog`], would show a small group
//!   ([`suppress`] states the rule).
//!
//! **Architecture invariant:** this crate does no I/O and reads no clock or random source:
//! time comes in as `now` / `at` (seconds since the epoch) and dates; storage is
//! `ler-store`'s job (which sees sealed bytes, see [`seal_profile`]), HTTP `ler-server`'s.
//!
//! ```
//! use ler_cbo::{Catalog, Framework, alignment};
//!
//! let framework = Framework::from_csv(
//!     "https://cbo.example.org/frameworks/warehouse",
//!     "Warehouse skills",
//!     "id,name,category\nhttps://cbo.example.org/skills/forklift,Forklift operation,Equipment\n",
//! )?;
//! let catalog = Catalog::new([&framework]);
//! let skill = catalog.skill("https://cbo.example.org/skills/forklift").unwrap();
//! assert_eq!(alignment(skill)["targetName"], "Forklift operation");
//! # Ok::<(), ler_cbo::CboError>(())
//! ```

mod csv;
mod date;
mod gap;
mod intake;
mod occupation;
mod outcomes;
mod program;
mod record;
mod seal;
mod skills;
pub mod suppress;
mod tracking;

pub use date::{Date, Quarter};
pub use gap::{
    Decision, Evidence, GapReport, HeldAchievement, HeldSkill, Holdings, Ignored, MilestonePlan,
    Plan, SkillGap, SkillStatus, Target, holdings, occupation_gap, program_gap,
};
pub use intake::{
    Change, Correction, EffectiveEntry, EffectiveField, EffectiveProfile, Entry, Field, FieldPath,
    Note, Profile, Section, SourceRecord, Staff, intake,
};
pub use occupation::{
    ONET_ELEMENT_BASE, ONET_FRAMEWORK, Occupation, OccupationSkill, SocCode,
    from_csv as occupations_from_csv, from_json as occupations_from_json,
    from_onet_text as occupations_from_onet,
};
pub use outcomes::{
    Figure, FigureKind, FunderView, OutcomeConsent, OutcomeInputs, OutcomeRecord, OutcomeReport,
    OutcomeSource, Pay, Policy, ReportSection, Scope, consented, release_report,
};
pub use program::{Cohort, Milestone, Participant, Program};
pub use record::{Provenance, SharedRecord};
pub use seal::{
    open_correction, open_outcome, open_participant, open_profile, open_records, seal_correction,
    seal_outcome, seal_participant, seal_profile, seal_records, unwrap_org_key, wrap_org_key,
};
pub use skills::{
    AlignedSkill, Catalog, Framework, FrameworkSource, Skill, aligned_skills, alignment, alignments,
};
pub use suppress::{DEFAULT_K, ReleaseLog, Released, Suppression};
pub use tracking::{
    Arrival, Dashboard, EventSource, MilestoneCounts, MilestoneProgress, Progress, ProgressEvent,
    ResultStatus, arrival, dashboard, progress, waivers,
};

/// Why a CBO operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CboError {
    /// An imported file that does not read as its format.
    #[error("invalid {format} at {at}: {reason}")]
    Import {
        /// The format being read.
        format: &'static str,
        /// Where in it (a row, a line, a JSON member).
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// A value that breaks a rule (an id, a date, a program definition).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being checked.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Sealed data that does not open: another key, another row's data, or changed bytes.
    #[error("sealed {0} does not open: wrong key, or it was changed")]
    Unseal(&'static str),
}

impl CboError {
    pub(crate) fn import(
        format: &'static str,
        at: impl Into<String>,
        reason: impl Into<String>,
    ) -> CboError {
        CboError::Import {
            format,
            at: at.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> CboError {
        CboError::Invalid {
            what,
            reason: reason.into(),
        }
    }
}
