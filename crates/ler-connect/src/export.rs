//! Exports for HR systems: a worker's credentials as HR Open LER-RS JSON ([`ler_rs`]), JSON
//! Resume ([`json_resume`]) and CSV ([`csv`]).
//!
//! Every credential is read once into an [`Item`] (what it is, who issued it, when, which
//! skills it aligns to) and sorted: ler's employment records become employment histories;
//! Open Badges whose achievement is a degree, diploma or course, and CLR transcripts, become
//! education; licenses become licenses; other achievements become certifications; and every
//! alignment (or `Competency` achievement) becomes a skill. Each LER-RS item points at its
//! verifiable credential by id: histories, certifications and licenses through
//! `attachmentReferences` to an `attachments` entry holding the credential's id (and the
//! credential itself, when asked to embed it), skills through `verifications`.

use std::collections::BTreeMap;
use std::io::Write;

use ler_model::CredentialKind;
use serde_json::{Map, Value, json};

use crate::ConnectError;

/// The LER-RS `type` this export writes (the 4.4 schemas' only accepted value).
pub const LER_RS_TYPE: &str =
    "http://schema.hropenstandards.org/4.4/recruiting/json/ler-rs/LER-RSType.json";
/// The JSON Resume schema this export follows.
pub const JSON_RESUME_SCHEMA: &str =
    "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json";

/// Whom the records are about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    /// Full name as written.
    pub name: Option<String>,
    /// Given name.
    pub given: Option<String>,
    /// Family name.
    pub family: Option<String>,
    /// Email address.
    pub email: Option<String>,
}

/// Where a credential goes in a résumé.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Employment history.
    Employment,
    /// Education and learning (degrees, courses, transcripts).
    Education,
    /// Certifications, badges and other achievements.
    Certification,
    /// Licenses.
    License,
    /// A competency on its own.
    Skill,
}

/// A skill a credential aligns to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRef {
    /// Its name.
    pub name: String,
    /// Its URL (an RSD, a CTDL competency, an O*NET page), if any.
    pub url: Option<String>,
}

/// What an export reads from one credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The credential's id.
    pub credential_id: String,
    /// The credential's kind.
    pub kind: CredentialKind,
    /// Its section.
    pub section: Section,
    /// The achievement's name, the position title, or the credential's name.
    pub name: Option<String>,
    /// The achievement's description.
    pub description: Option<String>,
    /// The OB 3.0 `achievementType`.
    pub achievement_type: Option<String>,
    /// The issuer's (or employer's) name.
    pub organization: Option<String>,
    /// The issuer's id.
    pub issuer: Option<String>,
    /// When it was earned (`awardedDate`, else `validFrom`), or employment's start.
    pub start: Option<String>,
    /// Employment's end; `validUntil` for others.
    pub end: Option<String>,
    /// The first result's value, for display.
    pub score: Option<String>,
    /// The achievements a CLR holds, by name.
    pub parts: Vec<String>,
    /// Skills it aligns to.
    pub skills: Vec<SkillRef>,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn issuer_of(c: &Value) -> (Option<String>, Option<String>) {
    match c.get("issuer") {
        Some(Value::String(id)) => (Some(id.clone()), None),
        Some(o @ Value::Object(_)) => (text(o.get("id")), text(o.get("name"))),
        _ => (None, None),
    }
}

fn alignments(achievement: Option<&Value>, out: &mut Vec<SkillRef>) {
    let Some(list) = achievement
        .and_then(|a| a.get("alignment"))
        .and_then(Value::as_array)
    else {
        return;
    };
    for a in list {
        if let Some(name) = text(a.get("targetName"))
            && !out.iter().any(|s| s.name == name)
        {
            out.push(SkillRef {
                name,
                url: text(a.get("targetUrl")),
            });
        }
    }
}

const EDUCATION_TYPES: &[&str] = &[
    "AssociateDegree",
    "BachelorDegree",
    "Course",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "GeneralEducationDevelopment",
    "MasterDegree",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// Reads a credential (signed or not) into an [`Item`]; `None` for a document that is not an
/// Open Badge, a CLR or an employment record, or has no id.
pub fn item(c: &Value) -> Option<Item> {
    let kind = ler_model::kind(c);
    let credential_id = text(c.get("id"))?;
    let (issuer, issuer_name) = issuer_of(c);
    let subject = match c.get("credentialSubject") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    let mut item = Item {
        credential_id,
        kind,
        section: Section::Certification,
        name: None,
        description: None,
        achievement_type: None,
        organization: issuer_name,
        issuer,
        start: text(subject.and_then(|s| s.get("awardedDate")))
            .or_else(|| text(c.get("awardedDate")))
            .or_else(|| text(c.get("validFrom")))
            .or_else(|| text(c.get("issuanceDate"))),
        end: text(c.get("validUntil")),
        score: None,
        parts: Vec::new(),
        skills: Vec::new(),
    };
    match kind {
        CredentialKind::EmploymentCredential => {
            let s = subject?;
            item.section = Section::Employment;
            item.name = text(s.get("positionTitle"));
            item.organization = match s.get("employer") {
                Some(o @ Value::Object(_)) => text(o.get("name")),
                other => text(other),
            };
            item.start = text(s.get("startDate"));
            item.end = text(s.get("endDate"));
        }
        CredentialKind::AchievementCredential => {
            let achievement = subject.and_then(|s| s.get("achievement"));
            item.name =
                text(achievement.and_then(|a| a.get("name"))).or_else(|| text(c.get("name")));
            item.description = text(achievement.and_then(|a| a.get("description")));
            item.achievement_type = text(achievement.and_then(|a| a.get("achievementType")));
            item.score = subject
                .and_then(|s| s.get("result"))
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(|r| text(r.get("value")));
            alignments(achievement, &mut item.skills);
            item.section = match item.achievement_type.as_deref() {
                Some(t) if EDUCATION_TYPES.contains(&t) => Section::Education,
                Some("License") => Section::License,
                Some("Competency") => Section::Skill,
                _ => Section::Certification,
            };
        }
        CredentialKind::ClrCredential => {
            item.section = Section::Education;
            item.name = text(c.get("name"));
            item.description = text(c.get("description"));
            for vc in subject
                .and_then(|s| s.get("verifiableCredential"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let inner = match vc.get("credentialSubject") {
                    Some(Value::Array(a)) => a.first(),
                    other => other,
                };
                let achievement = inner.and_then(|s| s.get("achievement"));
                if let Some(n) = text(achievement.and_then(|a| a.get("name"))) {
                    item.parts.push(n);
                }
                alignments(achievement, &mut item.skills);
            }
        }
        _ => return None,
    }
    Some(item)
}

/// The date part of a date or date-time (`2024-05-24T10:00:00Z` → `2024-05-24`).
fn day(d: &str) -> String {
    d.get(..10).unwrap_or(d).to_owned()
}

/// Options of the LER-RS export.
#[derive(Debug, Clone, Default)]
pub struct LerRsOptions {
    /// The document's id (`documentId.value`).
    pub document_id: String,
    /// Put each credential itself in its attachment (as JSON, base64), not only its id.
    pub embed_credentials: bool,
}

/// The HR Open LER-RS document (4.4) of `person`'s credentials. Documents that are not
/// credentials ler knows are left out.
pub fn ler_rs(person: &Person, credentials: &[Value], options: &LerRsOptions) -> Value {
    let mut doc = Map::new();
    doc.insert("type".into(), LER_RS_TYPE.into());
    doc.insert("documentId".into(), json!({"value": options.document_id}));
    let mut name = Map::new();
    if let Some(n) = person.name.clone().or_else(|| {
        let joined = [person.given.as_deref(), person.family.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then_some(joined)
    }) {
        name.insert("formattedName".into(), n.into());
    }
    if let Some(g) = &person.given {
        name.insert("given".into(), g.clone().into());
    }
    if let Some(f) = &person.family {
        name.insert("family".into(), f.clone().into());
    }
    if !name.is_empty() {
        doc.insert("person".into(), json!({"name": name}));
    }
    if let Some(e) = &person.email {
        doc.insert("communication".into(), json!({"email": [{"address": e}]}));
    }
    let mut attachments = Vec::new();
    let (mut employment, mut education, mut certifications, mut licenses) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut skills: BTreeMap<String, (Option<String>, Vec<String>)> = BTreeMap::new();
    for c in credentials {
        let Some(it) = item(c) else { continue };
        let at = attachments.len();
        let mut attachment = json!({
            "id": {"value": it.credential_id, "schemeId": "https://www.w3.org/TR/vc-data-model-2.0/#identifiers"},
            "descriptions": ["verifiable credential"],
        });
        if options.embed_credentials {
            use base64::Engine as _;
            let bytes = serde_json::to_vec(c).unwrap_or_default();
            attachment["content"] = json!({
                "value": base64::engine::general_purpose::STANDARD.encode(bytes),
                "encoding": "base64",
                "mimeType": "application/vc+ld+json",
            });
        } else {
            attachment["url"] = it.credential_id.clone().into();
        }
        attachments.push(attachment);
        let reference = json!([{
            "uri": format!("#/attachments/{at}"),
            "reference": {"value": it.credential_id},
        }]);
        let org = it.organization.clone().map(|n| json!({"name": n}));
        let descriptions = it.description.clone().map(|d| json!([d]));
        let mut entry = Map::new();
        match it.section {
            Section::Employment => {
                if let Some(o) = org {
                    entry.insert("organization".into(), o);
                }
                let mut position = Map::new();
                if let Some(n) = &it.name {
                    position.insert("title".into(), n.clone().into());
                }
                if let Some(s) = &it.start {
                    entry.insert("start".into(), s.clone().into());
                    position.insert("start".into(), s.clone().into());
                }
                match &it.end {
                    Some(e) => {
                        entry.insert("end".into(), e.clone().into());
                        position.insert("end".into(), e.clone().into());
                    }
                    None => {
                        entry.insert("current".into(), true.into());
                        position.insert("current".into(), true.into());
                    }
                }
                entry.insert("positionHistories".into(), json!([position]));
                entry.insert("attachmentReferences".into(), reference);
                employment.push(Value::Object(entry));
            }
            Section::Education => {
                entry.insert(
                    "institution".into(),
                    org.unwrap_or_else(|| json!({"name": it.issuer.clone().unwrap_or_default()})),
                );
                let mut programs = it.parts.clone();
                if programs.is_empty()
                    && let Some(n) = &it.name
                {
                    programs.push(n.clone());
                }
                if !programs.is_empty() {
                    entry.insert("programs".into(), json!(programs));
                }
                if let Some(s) = &it.start {
                    entry.insert("end".into(), s.clone().into());
                }
                if let Some(n) = &it.name {
                    let mut degree = json!({"name": n});
                    if let Some(s) = &it.start {
                        degree["date"] = s.clone().into();
                    }
                    if it.kind == CredentialKind::AchievementCredential
                        && it.achievement_type.as_deref() != Some("Course")
                    {
                        degree["degreeGrantedStatus"] = "Granted".into();
                    }
                    entry.insert("educationDegrees".into(), json!([degree]));
                }
                if let Some(d) = descriptions {
                    entry.insert("descriptions".into(), d);
                }
                entry.insert("attachmentReferences".into(), reference);
                education.push(Value::Object(entry));
            }
            Section::Certification | Section::License | Section::Skill => {
                if let Some(n) = &it.name {
                    entry.insert("name".into(), n.clone().into());
                }
                entry.insert(
                    "issuingAuthority".into(),
                    org.unwrap_or_else(|| json!({"name": it.issuer.clone().unwrap_or_default()})),
                );
                if let Some(s) = &it.start {
                    entry.insert("issued".into(), s.clone().into());
                }
                if let Some(d) = descriptions {
                    entry.insert("descriptions".into(), d);
                }
                entry.insert("attachmentReferences".into(), reference);
                match it.section {
                    Section::License => licenses.push(Value::Object(entry)),
                    Section::Skill => {
                        if let Some(n) = &it.name {
                            skills
                                .entry(n.clone())
                                .or_default()
                                .1
                                .push(it.credential_id.clone());
                        }
                    }
                    _ => certifications.push(Value::Object(entry)),
                }
            }
        }
        for s in &it.skills {
            let slot = skills.entry(s.name.clone()).or_default();
            if slot.0.is_none() {
                slot.0.clone_from(&s.url);
            }
            if !slot.1.contains(&it.credential_id) {
                slot.1.push(it.credential_id.clone());
            }
        }
    }
    for (key, list) in [
        ("educationAndLearnings", education),
        ("employmentHistories", employment),
        ("certifications", certifications),
        ("licenses", licenses),
    ] {
        if !list.is_empty() {
            doc.insert(key.into(), Value::Array(list));
        }
    }
    if !skills.is_empty() {
        let list = skills
            .into_iter()
            .map(|(name, (url, ids))| {
                let mut s = json!({
                    "name": name,
                    "verifications": ids.iter().map(|id| json!({"Verification": {"reference": id}})).collect::<Vec<_>>(),
                });
                if let Some(u) = url {
                    s["definitionReference"] = json!({"reference": u});
                }
                s
            })
            .collect();
        doc.insert("skills".into(), Value::Array(list));
    }
    if !attachments.is_empty() {
        doc.insert("attachments".into(), Value::Array(attachments));
    }
    Value::Object(doc)
}

/// The JSON Resume (v1.0.0) of `person`'s credentials: employment as `work`, education as
/// `education`, certifications and licenses as `certificates`, alignments as `skills`; each
/// entry's `url` is its credential's id when that is an http(s) URL, and `meta.credentials`
/// lists every credential id.
pub fn json_resume(person: &Person, credentials: &[Value]) -> Value {
    let mut basics = Map::new();
    let name = person.name.clone().or_else(|| {
        let joined = [person.given.as_deref(), person.family.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then_some(joined)
    });
    if let Some(n) = name {
        basics.insert("name".into(), n.into());
    }
    if let Some(e) = &person.email {
        basics.insert("email".into(), e.clone().into());
    }
    let (mut work, mut education, mut certificates) = (Vec::new(), Vec::new(), Vec::new());
    let mut skills: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ids = Vec::new();
    for c in credentials {
        let Some(it) = item(c) else { continue };
        ids.push(it.credential_id.clone());
        let url = (it.credential_id.starts_with("https://")
            || it.credential_id.starts_with("http://"))
        .then(|| it.credential_id.clone());
        let mut e = Map::new();
        if let Some(u) = url {
            e.insert("url".into(), u.into());
        }
        match it.section {
            Section::Employment => {
                if let Some(o) = &it.organization {
                    e.insert("name".into(), o.clone().into());
                }
                if let Some(n) = &it.name {
                    e.insert("position".into(), n.clone().into());
                }
                if let Some(s) = &it.start {
                    e.insert("startDate".into(), day(s).into());
                }
                if let Some(s) = &it.end {
                    e.insert("endDate".into(), day(s).into());
                }
                work.push(Value::Object(e));
            }
            Section::Education => {
                e.insert(
                    "institution".into(),
                    it.organization
                        .clone()
                        .or(it.issuer.clone())
                        .unwrap_or_default()
                        .into(),
                );
                if let Some(n) = &it.name {
                    e.insert("area".into(), n.clone().into());
                }
                if let Some(t) = &it.achievement_type {
                    e.insert("studyType".into(), t.clone().into());
                }
                if let Some(s) = &it.start {
                    e.insert("endDate".into(), day(s).into());
                }
                if let Some(s) = &it.score {
                    e.insert("score".into(), s.clone().into());
                }
                if !it.parts.is_empty() {
                    e.insert("courses".into(), json!(it.parts));
                }
                education.push(Value::Object(e));
            }
            _ => {
                if let Some(n) = &it.name {
                    e.insert("name".into(), n.clone().into());
                }
                if let Some(s) = &it.start {
                    e.insert("date".into(), day(s).into());
                }
                if let Some(o) = it.organization.clone().or(it.issuer.clone()) {
                    e.insert("issuer".into(), o.into());
                }
                certificates.push(Value::Object(e));
            }
        }
        for s in &it.skills {
            let kw = skills.entry(s.name.clone()).or_default();
            if let Some(n) = &it.name
                && !kw.contains(n)
            {
                kw.push(n.clone());
            }
        }
    }
    let mut doc = Map::new();
    doc.insert("$schema".into(), JSON_RESUME_SCHEMA.into());
    doc.insert("basics".into(), Value::Object(basics));
    for (key, list) in [
        ("work", work),
        ("education", education),
        ("certificates", certificates),
    ] {
        if !list.is_empty() {
            doc.insert(key.into(), Value::Array(list));
        }
    }
    if !skills.is_empty() {
        doc.insert(
            "skills".into(),
            Value::Array(
                skills
                    .into_iter()
                    .map(|(name, keywords)| json!({"name": name, "keywords": keywords}))
                    .collect(),
            ),
        );
    }
    doc.insert(
        "meta".into(),
        json!({"version": "v1.0.0", "credentials": ids}),
    );
    Value::Object(doc)
}

/// The CSV export's columns.
pub const CSV_COLUMNS: &[&str] = &[
    "credential_id",
    "section",
    "name",
    "achievement_type",
    "organization",
    "issuer",
    "start",
    "end",
    "score",
    "skills",
];

/// Writes one CSV line per credential ([`CSV_COLUMNS`]; skills joined with `; `).
pub fn csv<W: Write>(credentials: &[Value], out: W) -> Result<(), ConnectError> {
    let io = |e: csv::Error| ConnectError::Format {
        what: "the CSV export".into(),
        reason: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS).map_err(io)?;
    for c in credentials {
        let Some(it) = item(c) else { continue };
        let section = match it.section {
            Section::Employment => "employment",
            Section::Education => "education",
            Section::Certification => "certification",
            Section::License => "license",
            Section::Skill => "skill",
        };
        let skills = it
            .skills
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
            it.credential_id.clone(),
            section.to_owned(),
            o(&it.name),
            o(&it.achievement_type),
            o(&it.organization),
            o(&it.issuer),
            o(&it.start),
            o(&it.end),
            o(&it.score),
            skills,
        ])
        .map_err(io)?;
    }
    w.flush().map_err(|e| ConnectError::Io {
        what: "the CSV export".into(),
        source: e,
    })
}
