//! Intake: a participant [`Profile`] pre-filled from the records they shared, every field with
//! its provenance, and staff [`Correction`]s kept beside it as overlays.
//!
//! The signed records never change. A correction replaces a field's value (or adds a field or
//! an entry staff entered themselves) or annotates it; [`Profile::effective`] lays the
//! corrections over the pre-filled profile and keeps each field's provenance, its original
//! value and who changed it when.

use std::collections::BTreeMap;
use std::fmt;

use ler_wallet::RecordKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use crate::CboError;
use crate::record::{Provenance, Read, SharedRecord};

#[cfg(test)]
mod tests;

/// The sections of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// Degrees, diplomas, courses, transcripts.
    Education,
    /// Certificates, certifications, licenses, badges.
    Credentials,
    /// Skills from the records' alignments.
    Skills,
    /// Employment history.
    WorkHistory,
}

impl Section {
    /// Every section, in display order.
    pub const ALL: [Section; 4] = [
        Section::Education,
        Section::Credentials,
        Section::Skills,
        Section::WorkHistory,
    ];

    /// Its name in paths and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Education => "education",
            Section::Credentials => "credentials",
            Section::Skills => "skills",
            Section::WorkHistory => "workHistory",
        }
    }

    /// The section of a name.
    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A value read from the records, with every record it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// The value.
    pub value: Value,
    /// The records it came from (at least one).
    pub sources: Vec<Provenance>,
}

/// One entry of a section: an achievement, a job, a skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Its key in the section: the record id (`record#n` for the n-th achievement of a CLR),
    /// or for a skill its URL.
    pub key: String,
    /// Its fields by name.
    pub fields: BTreeMap<String, Field>,
}

/// A record the profile was filled from, or could not be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRecord {
    /// Where it came from and how it verified.
    pub provenance: Provenance,
    /// `education`, `employment` or `other`.
    pub kind: String,
    /// Its name, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its issuer's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Why it could not be read, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// A participant's profile as intake filled it from their shared records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The participant's id.
    pub participant: String,
    /// The records it was filled from, in the order shared.
    pub records: Vec<SourceRecord>,
    /// Education.
    pub education: Vec<Entry>,
    /// Credentials.
    pub credentials: Vec<Entry>,
    /// Skills.
    pub skills: Vec<Entry>,
    /// Work history.
    pub work_history: Vec<Entry>,
    /// Staff corrections and notes, in the order made (stored apart from the profile).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
}

/// Where a correction applies: `/section/key/field`, each part escaped as in a JSON Pointer
/// (`~0` for `~`, `~1` for `/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath {
    /// The section.
    pub section: Section,
    /// The entry's key.
    pub key: String,
    /// The field's name.
    pub field: String,
}

impl FieldPath {
    /// A path.
    pub fn new(section: Section, key: &str, field: &str) -> FieldPath {
        FieldPath {
            section,
            key: key.to_owned(),
            field: field.to_owned(),
        }
    }

    /// Parses `/section/key/field`.
    pub fn parse(text: &str) -> Result<FieldPath, CboError> {
        let bad = |why: &str| CboError::invalid("field path", format!("{text:?}: {why}"));
        let rest = text
            .strip_prefix('/')
            .ok_or_else(|| bad("must start with /"))?;
        let parts: Vec<&str> = rest.split('/').collect();
        let [section, key, field] = parts.as_slice() else {
            return Err(bad("must be /section/key/field"));
        };
        let section = Section::parse(section).ok_or_else(|| {
            bad("the section must be education, credentials, skills or workHistory")
        })?;
        let unescape = |s: &str| -> Result<String, CboError> {
            if s.is_empty() {
                return Err(bad("a part is empty"));
            }
            let mut out = String::new();
            let mut chars = s.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return Err(bad("~ must be followed by 0 or 1")),
                    }
                } else {
                    out.push(c);
                }
            }
            Ok(out)
        };
        Ok(FieldPath {
            section,
            key: unescape(key)?,
            field: unescape(field)?,
        })
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let escape = |s: &str| s.replace('~', "~0").replace('/', "~1");
        write!(
            f,
            "/{}/{}/{}",
            self.section.as_str(),
            escape(&self.key),
            escape(&self.field)
        )
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FieldPath, D::Error> {
        FieldPath::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// What a correction does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// Replaces the field's value (adds the field, or a staff-entered entry, if missing).
    Value(Value),
    /// Adds a note to the field.
    Note(String),
}

/// A staff correction or note on one field of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Correction {
    /// The field.
    pub path: FieldPath,
    /// What it does.
    pub change: Change,
    /// Who made it (a staff user's id or email).
    pub by: String,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// Who changed a field, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Staff {
    /// The staff member.
    pub by: String,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// A note on a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// The note.
    pub text: String,
    /// The staff member.
    pub by: String,
    /// When, seconds since the epoch.
    pub at: i64,
}

/// A field with the corrections laid over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveField {
    /// The value in force: the latest correction's, else the records'.
    pub value: Value,
    /// The records the original value came from (empty for a field staff entered).
    pub sources: Vec<Provenance>,
    /// The records' value, when a correction replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Value>,
    /// Who set the value in force, when staff did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected: Option<Staff>,
    /// Notes, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

/// An entry with the corrections laid over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveEntry {
    /// Its key.
    pub key: String,
    /// True when no record gave it: staff entered it.
    pub staff_entered: bool,
    /// Its fields.
    pub fields: BTreeMap<String, EffectiveField>,
}

/// A profile with its corrections applied, every field still showing where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveProfile {
    /// The participant's id.
    pub participant: String,
    /// The records it was filled from.
    pub records: Vec<SourceRecord>,
    /// Education.
    pub education: Vec<EffectiveEntry>,
    /// Credentials.
    pub credentials: Vec<EffectiveEntry>,
    /// Skills.
    pub skills: Vec<EffectiveEntry>,
    /// Work history.
    pub work_history: Vec<EffectiveEntry>,
}

/// Achievement types that are education rather than credentials.
const EDUCATION_TYPES: &[&str] = &[
    "AssociateDegree",
    "BachelorDegree",
    "CoCurricular",
    "Course",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "LearningProgram",
    "MasterDegree",
    "ProfessionalDoctorate",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// Fills a profile from the records a participant shared. Never fails: a record that cannot be
/// read is listed with the reason; unverified records fill fields too, and their provenance
/// says so.
pub fn intake(participant: &str, records: &[SharedRecord]) -> Profile {
    let mut p = Profile {
        participant: participant.to_owned(),
        records: Vec::with_capacity(records.len()),
        education: Vec::new(),
        credentials: Vec::new(),
        skills: Vec::new(),
        work_history: Vec::new(),
        corrections: Vec::new(),
    };
    for shared in records {
        match shared.read() {
            Ok(read) => {
                p.records.push(SourceRecord {
                    provenance: read.provenance.clone(),
                    kind: read.kind.as_str().to_owned(),
                    name: read.summary.name.clone(),
                    issuer: read.summary.issuer.clone(),
                    unreadable: None,
                });
                fill(&mut p, &read);
            }
            Err(reason) => p.records.push(SourceRecord {
                provenance: shared.provenance(),
                kind: "other".to_owned(),
                name: None,
                issuer: None,
                unreadable: Some(reason),
            }),
        }
    }
    p
}

/// Adds a field to an entry (creating the entry), merging sources when the value is the same.
fn put(entries: &mut Vec<Entry>, key: &str, field: &str, value: Value, source: &Provenance) {
    if value.is_null() {
        return;
    }
    let entry = match entries.iter().position(|e| e.key == key) {
        Some(i) => &mut entries[i],
        None => {
            entries.push(Entry {
                key: key.to_owned(),
                fields: BTreeMap::new(),
            });
            let last = entries.len() - 1;
            &mut entries[last]
        }
    };
    match entry.fields.get_mut(field) {
        Some(f) if f.value == value => {
            if !f.sources.contains(source) {
                f.sources.push(source.clone());
            }
        }
        // A different value for a field another record already filled: the first stays, and
        // the entry keeps one value per field (skills are the only shared entries, and their
        // fields describe the skill, not the record).
        Some(_) => {}
        None => {
            entry.fields.insert(
                field.to_owned(),
                Field {
                    value,
                    sources: vec![source.clone()],
                },
            );
        }
    }
}

fn opt(value: Option<&String>) -> Value {
    value.map_or(Value::Null, |s| json!(s))
}

fn fill(p: &mut Profile, read: &Read) {
    let src = &read.provenance;
    let id = &src.record_id;
    match read.kind {
        RecordKind::Employment => {
            let e = read.summary.employment.clone().unwrap_or_default();
            let w = &mut p.work_history;
            put(w, id, "employer", opt(e.employer.as_ref()), src);
            put(w, id, "positionTitle", opt(e.position_title.as_ref()), src);
            put(w, id, "startDate", opt(e.start_date.as_ref()), src);
            put(w, id, "endDate", opt(e.end_date.as_ref()), src);
            put(w, id, "hoursPerWeek", json!(e.hours_per_week), src);
            put(
                w,
                id,
                "employmentType",
                opt(e.employment_type.as_ref()),
                src,
            );
            put(w, id, "location", opt(e.location.as_ref()), src);
            put(w, id, "pay", opt(e.pay.as_ref()), src);
            put(w, id, "issuer", opt(read.summary.issuer.as_ref()), src);
        }
        RecordKind::Education => {
            if read.clr {
                let e = &mut p.education;
                put(e, id, "name", opt(read.summary.name.as_ref()), src);
                put(e, id, "type", json!("ClrCredential"), src);
                put(
                    e,
                    id,
                    "issuer",
                    opt(read
                        .summary
                        .issuer_name
                        .as_ref()
                        .or(read.summary.issuer.as_ref())),
                    src,
                );
                put(e, id, "date", opt(read.summary.valid_from.as_ref()), src);
            }
            for (n, a) in read.awarded.iter().enumerate() {
                let key = if read.clr {
                    format!("{id}#{}", n + 1)
                } else {
                    id.clone()
                };
                let education = a
                    .achievement_type
                    .as_deref()
                    .is_some_and(|t| EDUCATION_TYPES.contains(&t));
                let section = if education {
                    &mut p.education
                } else {
                    &mut p.credentials
                };
                put(section, &key, "name", opt(a.name.as_ref()), src);
                put(section, &key, "type", opt(a.achievement_type.as_ref()), src);
                put(section, &key, "achievement", opt(a.id.as_ref()), src);
                put(
                    section,
                    &key,
                    "issuer",
                    opt(a.issuer_name.as_ref().or(a.issuer.as_ref())),
                    src,
                );
                put(section, &key, "date", opt(a.date.as_ref()), src);
                if let Some(status) = &a.status {
                    put(section, &key, "status", json!(status), src);
                }
            }
        }
        RecordKind::Other => {}
    }
    for s in &read.summary.skills {
        let key = s
            .target_url
            .clone()
            .unwrap_or_else(|| format!("name:{}", s.target_name));
        let k = &mut p.skills;
        put(k, &key, "name", json!(s.target_name), src);
        put(k, &key, "url", opt(s.target_url.as_ref()), src);
        put(k, &key, "framework", opt(s.target_framework.as_ref()), src);
        put(k, &key, "code", opt(s.target_code.as_ref()), src);
    }
}

impl Profile {
    /// The entries of a section.
    pub fn section(&self, section: Section) -> &[Entry] {
        match section {
            Section::Education => &self.education,
            Section::Credentials => &self.credentials,
            Section::Skills => &self.skills,
            Section::WorkHistory => &self.work_history,
        }
    }

    /// A field by path.
    pub fn field(&self, path: &FieldPath) -> Option<&Field> {
        self.section(path.section)
            .iter()
            .find(|e| e.key == path.key)?
            .fields
            .get(&path.field)
    }

    /// Adds a staff correction or note (kept apart; the pre-filled fields do not change).
    pub fn correct(&mut self, correction: Correction) {
        self.corrections.push(correction);
    }

    /// The profile as it stands with the corrections applied, in time order (ties in the order
    /// made): the latest value wins, notes accumulate, and every field keeps its sources and,
    /// when corrected, its original value and who corrected it.
    pub fn effective(&self) -> EffectiveProfile {
        let mut sections: BTreeMap<Section, Vec<EffectiveEntry>> = Section::ALL
            .into_iter()
            .map(|s| {
                let entries = self
                    .section(s)
                    .iter()
                    .map(|e| EffectiveEntry {
                        key: e.key.clone(),
                        staff_entered: false,
                        fields: e
                            .fields
                            .iter()
                            .map(|(name, f)| {
                                (
                                    name.clone(),
                                    EffectiveField {
                                        value: f.value.clone(),
                                        sources: f.sources.clone(),
                                        original: None,
                                        corrected: None,
                                        notes: Vec::new(),
                                    },
                                )
                            })
                            .collect(),
                    })
                    .collect();
                (s, entries)
            })
            .collect();
        let mut order: Vec<&Correction> = self.corrections.iter().collect();
        order.sort_by_key(|c| c.at); // stable: ties keep the order made
        for c in order {
            let entries = sections.entry(c.path.section).or_default();
            let entry = match entries.iter().position(|e| e.key == c.path.key) {
                Some(i) => &mut entries[i],
                None => {
                    entries.push(EffectiveEntry {
                        key: c.path.key.clone(),
                        staff_entered: true,
                        fields: BTreeMap::new(),
                    });
                    let last = entries.len() - 1;
                    &mut entries[last]
                }
            };
            let field =
                entry
                    .fields
                    .entry(c.path.field.clone())
                    .or_insert_with(|| EffectiveField {
                        value: Value::Null,
                        sources: Vec::new(),
                        original: None,
                        corrected: None,
                        notes: Vec::new(),
                    });
            match &c.change {
                Change::Value(v) => {
                    if field.corrected.is_none() && !field.sources.is_empty() {
                        field.original = Some(field.value.clone());
                    }
                    field.value = v.clone();
                    field.corrected = Some(Staff {
                        by: c.by.clone(),
                        at: c.at,
                    });
                }
                Change::Note(text) => field.notes.push(Note {
                    text: text.clone(),
                    by: c.by.clone(),
                    at: c.at,
                }),
            }
        }
        let mut take = |s: Section| sections.remove(&s).unwrap_or_default();
        EffectiveProfile {
            participant: self.participant.clone(),
            records: self.records.clone(),
            education: take(Section::Education),
            credentials: take(Section::Credentials),
            skills: take(Section::Skills),
            work_history: take(Section::WorkHistory),
        }
    }
}
