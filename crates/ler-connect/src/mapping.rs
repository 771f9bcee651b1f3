//! The mapping file of a CSV import (TOML or JSON): which columns are the source key, the
//! recipient, the achievement, the result and the dates, and which rows to leave out; with
//! presets for the Canvas gradebook, the Moodle grade export and the Moodle completion report.
//!
//! Every value is a template: literal text with `{Column}` references (header names are matched
//! trimmed and case-insensitively), plus `{=achievement}` for the row's achievement. A mapping
//! file may start from a preset and override any field; an empty string removes a field.
//!
//! ```toml
//! preset = "moodle-completion"          # optional: canvas-gradebook, moodle-grades, moodle-completion
//! source_key = "{ID}:{=achievement}"    # unique per credential
//! delimiter = ","                       # or ";", "tab"
//! skip_blank = ["Course complete"]      # rows with any of these blank are left out
//! [recipient]
//! email = "{Email address}"
//! did = "{DID}"
//! email_or_did = "{Recipient}"          # one column holding either, told apart by its form
//! name = "{First name} {Last name}"
//! identifier = "{ID number}"
//! [achievement]
//! id = "https://example.edu/achievements/cna"   # a fixed achievement, or "{Course ID}"
//! name = "{Course}"
//! [result]
//! score = "{Course total (Real)}"
//! max_score = "100"
//! grade = "{Final Grade}"
//! status = "{Status}"                   # completed/passed issue; failed/in progress are skipped
//! pass_score = 70                       # rows scoring below are left out
//! [dates]
//! awarded = "{Course complete}"
//! valid_until = ""
//! order = "dmy"                         # for slashed dates: dmy or mdy
//! ```

use serde::Deserialize;

use crate::ConnectError;
use crate::dates::DateOrder;
use crate::template::Template;

/// Presets for exports whose columns are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Canvas "Export Entire Gradebook": one row per student, the course total in `Final
    /// Score` / `Final Grade`; the achievement (the course) comes from the mapping.
    CanvasGradebook,
    /// Moodle grade export (plain text / CSV): `First name`, `Last name`, `ID number`, `Email
    /// address`, … `Course total (Real)`.
    MoodleGrades,
    /// Moodle course completion report: `ID`, `Name`, `Email address`, criteria, `Course
    /// complete` (the completion date, blank until complete).
    MoodleCompletion,
}

impl Preset {
    /// Parses a preset name.
    pub fn parse(name: &str) -> Option<Preset> {
        match name {
            "canvas" | "canvas-gradebook" => Some(Preset::CanvasGradebook),
            "moodle-grades" => Some(Preset::MoodleGrades),
            "moodle" | "moodle-completion" => Some(Preset::MoodleCompletion),
            _ => None,
        }
    }

    /// The preset's mapping file.
    fn file(self) -> MappingFile {
        let t = |s: &str| Some(s.to_owned());
        match self {
            Preset::CanvasGradebook => MappingFile {
                source_key: t("canvas:{ID}:{=achievement}"),
                // The "Points Possible" and "Manual Posting" rows have no student id.
                skip_blank: Some(vec!["ID".into()]),
                recipient: Some(RecipientFile {
                    name: t("{Student}"),
                    identifier: t("{SIS User ID}"),
                    email: t("{SIS Login ID}"),
                    did: None,
                    email_or_did: None,
                }),
                result: Some(ResultFile {
                    score: t("{Final Score}"),
                    max_score: t("100"),
                    grade: t("{Final Grade}"),
                    ..ResultFile::default()
                }),
                ..MappingFile::default()
            },
            Preset::MoodleGrades => MappingFile {
                source_key: t("moodle:{Email address}:{=achievement}"),
                skip_blank: Some(vec!["Email address".into()]),
                recipient: Some(RecipientFile {
                    email: t("{Email address}"),
                    name: t("{First name} {Last name}"),
                    identifier: t("{ID number}"),
                    did: None,
                    email_or_did: None,
                }),
                result: Some(ResultFile {
                    score: t("{Course total (Real)}"),
                    ..ResultFile::default()
                }),
                ..MappingFile::default()
            },
            Preset::MoodleCompletion => MappingFile {
                source_key: t("moodle:{ID}:{=achievement}"),
                skip_blank: Some(vec!["Course complete".into()]),
                recipient: Some(RecipientFile {
                    email: t("{Email address}"),
                    name: t("{Name}"),
                    identifier: None,
                    did: None,
                    email_or_did: None,
                }),
                result: Some(ResultFile {
                    status: t("completed"),
                    ..ResultFile::default()
                }),
                dates: Some(DatesFile {
                    awarded: t("{Course complete}"),
                    valid_until: None,
                    order: Some(DateOrder::Dmy),
                }),
                ..MappingFile::default()
            },
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    preset: Option<String>,
    source_key: Option<String>,
    delimiter: Option<String>,
    skip_blank: Option<Vec<String>>,
    recipient: Option<RecipientFile>,
    achievement: Option<AchievementFile>,
    result: Option<ResultFile>,
    dates: Option<DatesFile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipientFile {
    email: Option<String>,
    did: Option<String>,
    email_or_did: Option<String>,
    name: Option<String>,
    identifier: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AchievementFile {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultFile {
    score: Option<String>,
    max_score: Option<String>,
    grade: Option<String>,
    status: Option<String>,
    pass_score: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatesFile {
    awarded: Option<String>,
    valid_until: Option<String>,
    order: Option<DateOrder>,
}

/// A template and whether the file must have its columns (a preset's optional columns are
/// dropped when the export lacks them).
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub template: Template,
    pub required: bool,
}

/// A parsed mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub(crate) source_key: Field,
    pub(crate) delimiter: u8,
    pub(crate) skip_blank: Vec<String>,
    pub(crate) email: Option<Field>,
    pub(crate) did: Option<Field>,
    pub(crate) email_or_did: Option<Field>,
    pub(crate) name: Option<Field>,
    pub(crate) identifier: Option<Field>,
    pub(crate) achievement_id: Option<Field>,
    pub(crate) achievement_name: Option<Field>,
    pub(crate) score: Option<Field>,
    pub(crate) max_score: Option<Field>,
    pub(crate) grade: Option<Field>,
    pub(crate) status: Option<Field>,
    pub(crate) pass_score: Option<f64>,
    pub(crate) awarded: Option<Field>,
    pub(crate) valid_until: Option<Field>,
    pub(crate) date_order: Option<DateOrder>,
}

impl Mapping {
    /// A mapping from TOML text.
    pub fn from_toml(text: &str) -> Result<Mapping, ConnectError> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| ConnectError::Mapping(e.to_string()))?;
        Mapping::build(file)
    }

    /// A mapping from JSON text (the same fields as the TOML form).
    pub fn from_json(text: &str) -> Result<Mapping, ConnectError> {
        let file: MappingFile =
            serde_json::from_str(text).map_err(|e| ConnectError::Mapping(e.to_string()))?;
        Mapping::build(file)
    }

    /// A mapping file's text, as JSON when it starts with `{`, else as TOML.
    pub fn parse(text: &str) -> Result<Mapping, ConnectError> {
        if text.trim_start().starts_with('{') {
            Mapping::from_json(text)
        } else {
            Mapping::from_toml(text)
        }
    }

    /// A preset with a fixed achievement (by id or by name).
    pub fn preset(
        preset: Preset,
        achievement_id: Option<&str>,
        achievement_name: Option<&str>,
    ) -> Result<Mapping, ConnectError> {
        let mut file = preset.file();
        file.achievement = Some(AchievementFile {
            id: achievement_id.map(escape),
            name: achievement_name.map(escape),
        });
        Mapping::build_on(Some(preset), file)
    }

    fn build(file: MappingFile) -> Result<Mapping, ConnectError> {
        let preset = match &file.preset {
            None => None,
            Some(name) => Some(Preset::parse(name).ok_or_else(|| {
                ConnectError::Mapping(format!(
                    "unknown preset {name:?}: use canvas-gradebook, moodle-grades or moodle-completion"
                ))
            })?),
        };
        Mapping::build_on(preset, file)
    }

    /// Lays `file` over `preset`'s fields and parses the templates.
    fn build_on(preset: Option<Preset>, file: MappingFile) -> Result<Mapping, ConnectError> {
        let base = preset.map(Preset::file).unwrap_or_default();
        let from_preset = preset.is_some();
        // A field the user set is required; a preset's field is optional, except the key.
        let pick = |user: Option<&String>, preset: Option<&String>, key: bool| {
            let (text, required) = match (user, preset) {
                (Some(u), _) => (u.clone(), true),
                (None, Some(p)) => (p.clone(), key || !from_preset),
                (None, None) => return Ok(None),
            };
            if text.trim().is_empty() {
                return Ok(None);
            }
            Ok::<_, ConnectError>(Some(Field {
                template: Template::parse(&text)?,
                required,
            }))
        };
        let r = file.recipient.clone().unwrap_or_default();
        let br = base.recipient.clone().unwrap_or_default();
        let a = file.achievement.clone().unwrap_or_default();
        let res = file.result.clone().unwrap_or_default();
        let bres = base.result.clone().unwrap_or_default();
        let d = file.dates.clone().unwrap_or_default();
        let bd = base.dates.clone().unwrap_or_default();
        let source_key = pick(file.source_key.as_ref(), base.source_key.as_ref(), true)?
            .ok_or_else(|| {
                ConnectError::Mapping(
                    "source_key is required: a template naming each row uniquely, such as \"{Student ID}:{Course}\""
                        .into(),
                )
            })?;
        let delimiter = match file.delimiter.as_deref() {
            None | Some(",") => b',',
            Some(";") => b';',
            Some(":") => b':',
            Some("tab") | Some("\t") => b'\t',
            Some(other) => {
                return Err(ConnectError::Mapping(format!(
                    "delimiter {other:?}: use \",\", \";\", \":\" or \"tab\""
                )));
            }
        };
        let mapping = Mapping {
            source_key,
            delimiter,
            skip_blank: file.skip_blank.or(base.skip_blank).unwrap_or_default(),
            email: pick(r.email.as_ref(), br.email.as_ref(), false)?,
            did: pick(r.did.as_ref(), br.did.as_ref(), false)?,
            email_or_did: pick(r.email_or_did.as_ref(), br.email_or_did.as_ref(), false)?,
            name: pick(r.name.as_ref(), br.name.as_ref(), false)?,
            identifier: pick(r.identifier.as_ref(), br.identifier.as_ref(), false)?,
            achievement_id: pick(a.id.as_ref(), None, false)?,
            achievement_name: pick(a.name.as_ref(), None, false)?,
            score: pick(res.score.as_ref(), bres.score.as_ref(), false)?,
            max_score: pick(res.max_score.as_ref(), bres.max_score.as_ref(), false)?,
            grade: pick(res.grade.as_ref(), bres.grade.as_ref(), false)?,
            status: pick(res.status.as_ref(), bres.status.as_ref(), false)?,
            pass_score: res.pass_score.or(bres.pass_score),
            awarded: pick(d.awarded.as_ref(), bd.awarded.as_ref(), false)?,
            valid_until: pick(d.valid_until.as_ref(), bd.valid_until.as_ref(), false)?,
            date_order: d.order.or(bd.order),
        };
        if mapping.email.is_none()
            && mapping.did.is_none()
            && mapping.email_or_did.is_none()
            && mapping.identifier.is_none()
        {
            return Err(ConnectError::Mapping(
                "the recipient needs an email, a did, an email_or_did or an identifier column"
                    .into(),
            ));
        }
        if mapping.achievement_id.is_none() && mapping.achievement_name.is_none() {
            return Err(ConnectError::Mapping(
                "the achievement needs an id or a name: a fixed value, or a {Column}".into(),
            ));
        }
        for f in [&mapping.achievement_id, &mapping.achievement_name]
            .into_iter()
            .flatten()
        {
            if f.template.uses_achievement() {
                return Err(ConnectError::Mapping(
                    "the achievement cannot refer to {=achievement}".into(),
                ));
            }
        }
        Ok(mapping)
    }
}

/// `text` as a template of literal text only.
fn escape(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}
