//! Skills and skill frameworks: imported from Open Skills Network RSD collections, 1EdTech CASE
//! packages and CSV, and tied to achievements through OB 3.0 `alignment`.
//!
//! A skill is known by a stable id, a URL or other absolute URI (an RSD's canonical URL, a
//! CASE item's `uri`); an alignment's `targetUrl` names it. Frameworks may also say a skill is
//! the same as another one elsewhere (an RSD's `alignments`, a CASE `exactMatchOf`); a
//! [`Catalog`] resolves those to the skill, so a credential aligned to either matches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::CboError;
use crate::csv::{Table, cell};

#[cfg(test)]
mod tests;

/// A skill of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    /// Stable id: an absolute URI, usually a URL (the alignment's `targetUrl`).
    pub id: String,
    /// Short name (the alignment's `targetName`).
    pub name: String,
    /// Category or parent group, when the framework gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Code within the framework (CASE `humanCodingScheme`, an O*NET element id, a CSV code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The full statement, when longer than the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The framework's name (the alignment's `targetFramework`).
    pub framework: String,
    /// OB 3.0 `AlignmentTargetType` (`CFItem` for CASE items), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// Other URIs naming the same skill (RSD alignments, CASE `exactMatchOf`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
}

/// Where a framework was imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameworkSource {
    /// An Open Skills Network RSD collection (or list of RSDs).
    Rsd,
    /// A 1EdTech CASE CFPackage.
    Case,
    /// A CSV file.
    Csv,
    /// ler's own JSON (this type, serialized).
    Json,
}

/// A skill framework: a named set of skills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Framework {
    /// Stable id (an absolute URI: the collection's or CFDocument's URL).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Who publishes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// The format it came from.
    pub source: FrameworkSource,
    /// Its skills, in the framework's order.
    pub skills: Vec<Skill>,
}

/// Whether `id` is an absolute URI (`scheme:rest`, RFC 3986 scheme) without whitespace.
pub(crate) fn is_absolute_uri(id: &str) -> bool {
    let Some((scheme, rest)) = id.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !id.contains(char::is_whitespace)
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

impl Framework {
    /// Checks the framework: absolute-URI ids, names, no skill id twice.
    pub fn check(&self) -> Result<(), CboError> {
        if !is_absolute_uri(&self.id) {
            return Err(CboError::invalid(
                "framework",
                format!("id {:?} is not an absolute URI", self.id),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(CboError::invalid("framework", "the name is empty"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.skills {
            if !is_absolute_uri(&s.id) {
                return Err(CboError::invalid(
                    "skill",
                    format!("id {:?} is not an absolute URI", s.id),
                ));
            }
            if s.name.trim().is_empty() {
                return Err(CboError::invalid("skill", format!("{} has no name", s.id)));
            }
            if !seen.insert(s.id.as_str()) {
                return Err(CboError::invalid(
                    "framework",
                    format!("skill {} is listed twice", s.id),
                ));
            }
        }
        Ok(())
    }

    /// A skill by id.
    pub fn skill(&self, id: &str) -> Option<&Skill> {
        self.skills.iter().find(|s| s.id == id)
    }

    /// Reads ler's own JSON form of a framework (as this type serializes).
    pub fn from_json(json: &Value) -> Result<Framework, CboError> {
        let f: Framework = serde_json::from_value(json.clone())
            .map_err(|e| CboError::import("framework JSON", "document", e.to_string()))?;
        f.check()?;
        Ok(f)
    }

    /// Imports an Open Skills Network `RichSkillCollection` (OSMT API v2 or v3): the collection
    /// is the framework, each skill summary a skill (`skillName`, `skillStatement`, the first of
    /// `categories` or `category`, `alignments[].id` as equivalents).
    pub fn from_rsd_collection(json: &Value) -> Result<Framework, CboError> {
        const FORMAT: &str = "RSD collection";
        let doc = json
            .as_object()
            .ok_or_else(|| CboError::import(FORMAT, "document", "not a JSON object"))?;
        if text(doc.get("type")).as_deref() != Some("RichSkillCollection") {
            return Err(CboError::import(
                FORMAT,
                "type",
                "expected \"RichSkillCollection\"",
            ));
        }
        let id = text(doc.get("id"))
            .ok_or_else(|| CboError::import(FORMAT, "id", "missing (the collection's URL)"))?;
        let name =
            text(doc.get("name")).ok_or_else(|| CboError::import(FORMAT, "name", "missing"))?;
        let skills = array(doc.get("skills"))
            .iter()
            .enumerate()
            .map(|(i, s)| rsd_skill(s, &name, &format!("skills[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let framework = Framework {
            id,
            name,
            creator: text(doc.get("creator")).or_else(|| text(doc.get("author"))),
            source: FrameworkSource::Rsd,
            skills,
        };
        framework.check()?;
        Ok(framework)
    }

    /// Imports RSDs given one by one (a `RichSkillDescriptor`, or an array of them or of skill
    /// summaries, as OSMT's skill listing returns) into a framework named by the caller.
    pub fn from_rsd_skills(id: &str, name: &str, json: &Value) -> Result<Framework, CboError> {
        let items: Vec<&Value> = match json {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let skills = items
            .iter()
            .enumerate()
            .map(|(i, s)| rsd_skill(s, name, &format!("[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let framework = Framework {
            id: id.to_owned(),
            name: name.to_owned(),
            creator: None,
            source: FrameworkSource::Rsd,
            skills,
        };
        framework.check()?;
        Ok(framework)
    }

    /// Imports a 1EdTech CASE CFPackage (CASE 1.0 or 1.1): the `CFDocument` is the framework,
    /// each `CFItem` a skill (name from `abbreviatedStatement`, else `fullStatement`; code from
    /// `humanCodingScheme`; category from the item's `isChildOf` parent item, else its
    /// `CFItemType`; equivalents from `exactMatchOf` associations).
    pub fn from_case(json: &Value) -> Result<Framework, CboError> {
        const FORMAT: &str = "CASE package";
        let doc = json
            .get("CFDocument")
            .and_then(Value::as_object)
            .ok_or_else(|| CboError::import(FORMAT, "CFDocument", "missing"))?;
        let id = text(doc.get("uri"))
            .ok_or_else(|| CboError::import(FORMAT, "CFDocument.uri", "missing"))?;
        let name = text(doc.get("title"))
            .ok_or_else(|| CboError::import(FORMAT, "CFDocument.title", "missing"))?;
        let items = array(json.get("CFItems"));
        // identifier and uri of each item → its display name, for parents.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for item in items {
            let label = text(item.get("abbreviatedStatement"))
                .or_else(|| text(item.get("fullStatement")))
                .unwrap_or_default();
            for key in ["identifier", "uri"] {
                if let Some(k) = text(item.get(key)) {
                    names.insert(k, label.clone());
                }
            }
        }
        let mut parent: BTreeMap<String, String> = BTreeMap::new();
        let mut same_as: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, a) in array(json.get("CFAssociations")).iter().enumerate() {
            let at = || format!("CFAssociations[{i}]");
            let node = |key: &str| -> Result<(Option<String>, Option<String>), CboError> {
                let n = a
                    .get(key)
                    .and_then(Value::as_object)
                    .ok_or_else(|| CboError::import(FORMAT, at(), format!("{key} missing")))?;
                Ok((text(n.get("identifier")), text(n.get("uri"))))
            };
            match text(a.get("associationType")).as_deref() {
                Some("isChildOf") => {
                    let (origin_id, origin_uri) = node("originNodeURI")?;
                    let (dest_id, dest_uri) = node("destinationNodeURI")?;
                    let dest_name = dest_uri
                        .as_ref()
                        .and_then(|u| names.get(u))
                        .or_else(|| dest_id.as_ref().and_then(|d| names.get(d)));
                    if let Some(dest_name) = dest_name.filter(|n| !n.is_empty()) {
                        for k in [origin_id, origin_uri].into_iter().flatten() {
                            parent.insert(k, dest_name.clone());
                        }
                    }
                }
                Some("exactMatchOf") => {
                    let (origin_id, origin_uri) = node("originNodeURI")?;
                    let (_, dest_uri) = node("destinationNodeURI")?;
                    if let Some(dest) = dest_uri {
                        for k in [origin_id, origin_uri].into_iter().flatten() {
                            same_as.entry(k).or_default().push(dest.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        let skills = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let at = format!("CFItems[{i}]");
                let uri = text(item.get("uri"))
                    .ok_or_else(|| CboError::import(FORMAT, &at, "uri missing"))?;
                let identifier = text(item.get("identifier"));
                let full = text(item.get("fullStatement"))
                    .ok_or_else(|| CboError::import(FORMAT, &at, "fullStatement missing"))?;
                let abbreviated = text(item.get("abbreviatedStatement"));
                let lookup = |m: &BTreeMap<String, _>| {
                    m.contains_key(&uri)
                        .then(|| uri.clone())
                        .or_else(|| identifier.clone().filter(|i| m.contains_key(i)))
                };
                let category = lookup(&parent)
                    .and_then(|k| parent.get(&k).cloned())
                    .or_else(|| text(item.get("CFItemType")));
                let mut equivalents = Vec::new();
                for key in [Some(uri.clone()), identifier.clone()]
                    .into_iter()
                    .flatten()
                {
                    for d in same_as.get(&key).into_iter().flatten() {
                        if !equivalents.contains(d) && *d != uri {
                            equivalents.push(d.clone());
                        }
                    }
                }
                Ok(Skill {
                    id: uri,
                    name: abbreviated.clone().unwrap_or_else(|| full.clone()),
                    category,
                    code: text(item.get("humanCodingScheme")),
                    statement: abbreviated.is_some().then_some(full),
                    framework: name.clone(),
                    target_type: Some("CFItem".to_owned()),
                    same_as: equivalents,
                })
            })
            .collect::<Result<Vec<_>, CboError>>()?;
        let framework = Framework {
            id,
            name,
            creator: text(doc.get("creator")),
            source: FrameworkSource::Case,
            skills,
        };
        framework.check()?;
        Ok(framework)
    }

    /// Imports a CSV file into a framework named by the caller. Columns (by header, any order,
    /// case ignored): `id` or `url` (an absolute URI, required), `name` (required), and
    /// optional `category`, `code`, `statement`, `same_as` (URIs separated by `;`). The OSMT
    /// RSD export's `Canonical URL`, `RSD Name`, `Skill Statement` and `Categories` columns are
    /// read too.
    pub fn from_csv(id: &str, name: &str, csv: &str) -> Result<Framework, CboError> {
        const FORMAT: &str = "skills CSV";
        let table = Table::parse(csv, FORMAT)?;
        let c_id = table.column(&["id", "url", "canonical url"]);
        let c_name = table.column(&["name", "skill name", "rsd name"]);
        if c_id.is_none() || c_name.is_none() {
            return Err(CboError::import(
                FORMAT,
                "header",
                "needs an id (or url) column and a name column",
            ));
        }
        let c_category = table.column(&["category", "categories", "skill category"]);
        let c_code = table.column(&["code"]);
        let c_statement = table.column(&["statement", "skill statement"]);
        let c_same = table.column(&["same_as", "sameas"]);
        let mut skills = Vec::new();
        for (line, row) in table.rows() {
            let at = format!("row {line}");
            let skill_id =
                cell(row, c_id).ok_or_else(|| CboError::import(FORMAT, &at, "the id is empty"))?;
            if !is_absolute_uri(skill_id) {
                return Err(CboError::import(
                    FORMAT,
                    &at,
                    format!("id {skill_id:?} is not an absolute URI (https://… or urn:…)"),
                ));
            }
            let skill_name = cell(row, c_name)
                .ok_or_else(|| CboError::import(FORMAT, &at, "the name is empty"))?;
            skills.push(Skill {
                id: skill_id.to_owned(),
                name: skill_name.to_owned(),
                category: cell(row, c_category)
                    .map(|c| c.split(';').next().unwrap_or(c).trim().to_owned()),
                code: cell(row, c_code).map(str::to_owned),
                statement: cell(row, c_statement).map(str::to_owned),
                framework: name.to_owned(),
                target_type: None,
                same_as: cell(row, c_same)
                    .map(|s| {
                        s.split(';')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
        let framework = Framework {
            id: id.to_owned(),
            name: name.to_owned(),
            creator: None,
            source: FrameworkSource::Csv,
            skills,
        };
        framework.check()?;
        Ok(framework)
    }
}

/// One RSD or RSD summary.
fn rsd_skill(value: &Value, framework: &str, at: &str) -> Result<Skill, CboError> {
    const FORMAT: &str = "RSD";
    let s = value
        .as_object()
        .ok_or_else(|| CboError::import(FORMAT, at, "not a JSON object"))?;
    let id = text(s.get("id"))
        .ok_or_else(|| CboError::import(FORMAT, at, "id (the canonical URL) missing"))?;
    let name = text(s.get("skillName"))
        .ok_or_else(|| CboError::import(FORMAT, at, "skillName missing"))?;
    let category = array(s.get("categories"))
        .iter()
        .find_map(|c| text(Some(c)))
        .or_else(|| text(s.get("category")));
    let same_as = array(s.get("alignments"))
        .iter()
        .filter_map(|a| text(a.get("id")))
        .filter(|a| is_absolute_uri(a) && *a != id)
        .collect();
    Ok(Skill {
        id,
        name,
        category,
        code: None,
        statement: text(s.get("skillStatement")),
        framework: framework.to_owned(),
        target_type: None,
        same_as,
    })
}

/// The skills of some frameworks, looked up by id or by any URI they are the same as.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    skills: BTreeMap<String, Skill>,
    aliases: BTreeMap<String, String>,
}

impl Catalog {
    /// The skills of `frameworks`. A skill listed in two frameworks is kept as first seen; an
    /// equivalent URI claimed by two skills names the first.
    pub fn new<'a>(frameworks: impl IntoIterator<Item = &'a Framework>) -> Catalog {
        let mut c = Catalog::default();
        for f in frameworks {
            for s in &f.skills {
                c.add(s.clone());
            }
        }
        c
    }

    /// Adds a skill (kept as first seen).
    pub fn add(&mut self, skill: Skill) {
        for alias in &skill.same_as {
            self.aliases
                .entry(alias.clone())
                .or_insert_with(|| skill.id.clone());
        }
        self.skills.entry(skill.id.clone()).or_insert(skill);
    }

    /// A skill by its id.
    pub fn skill(&self, id: &str) -> Option<&Skill> {
        self.skills.get(id)
    }

    /// The skill a URI names: by id, else as an equivalent.
    pub fn resolve(&self, uri: &str) -> Option<&Skill> {
        self.skills
            .get(uri)
            .or_else(|| self.aliases.get(uri).and_then(|id| self.skills.get(id)))
    }

    /// The id a URI stands for: the skill's when the catalog knows it, else the URI itself.
    pub fn canonical<'a>(&'a self, uri: &'a str) -> &'a str {
        self.resolve(uri).map_or(uri, |s| s.id.as_str())
    }

    /// Number of skills.
    pub fn len(&self) -> usize {
        self.skills.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }
}

/// The OB 3.0 `Alignment` of an achievement to `skill`: `targetUrl` is the skill's id,
/// `targetName` its name, `targetFramework` its framework, `targetCode` its code, plus
/// `targetType` and `targetDescription` when known.
pub fn alignment(skill: &Skill) -> Value {
    let mut a = Map::new();
    a.insert("type".into(), json!(["Alignment"]));
    a.insert("targetUrl".into(), json!(skill.id));
    a.insert("targetName".into(), json!(skill.name));
    a.insert("targetFramework".into(), json!(skill.framework));
    if let Some(code) = &skill.code {
        a.insert("targetCode".into(), json!(code));
    }
    if let Some(t) = &skill.target_type {
        a.insert("targetType".into(), json!(t));
    }
    if let Some(d) = &skill.statement {
        a.insert("targetDescription".into(), json!(d));
    }
    Value::Object(a)
}

/// The alignments of an achievement to `skills`, in order.
pub fn alignments<'a>(skills: impl IntoIterator<Item = &'a Skill>) -> Vec<Value> {
    skills.into_iter().map(alignment).collect()
}

/// A skill as a credential's alignment names it.
pub type AlignedSkill = ler_wallet::Skill;

/// The skills a credential (JSON) aligns to: the alignments of its achievement, and of the
/// achievements of every credential a CLR holds, each once.
pub fn aligned_skills(credential: &Value) -> Vec<AlignedSkill> {
    ler_wallet::Summary::of(credential).skills
}
