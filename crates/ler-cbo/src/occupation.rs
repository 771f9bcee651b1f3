//! Occupations by O*NET-SOC code, each with the skills it needs and how important each is:
//! imported from O*NET's `Skills.txt` layout, or from a simple JSON or CSV form.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::CboError;
use crate::csv::{Table, cell};
use crate::skills::is_absolute_uri;

#[cfg(test)]
mod tests;

/// Where an O*NET content-model element (a skill such as `2.A.1.a`, Reading Comprehension) is
/// described: O*NET OnLine's page for the descriptor. Skills imported from O*NET are named by
/// this URL followed by the element id.
pub const ONET_ELEMENT_BASE: &str = "https://www.onetonline.org/find/descriptor/result/";

/// The framework name of skills imported from O*NET.
pub const ONET_FRAMEWORK: &str = "O*NET";

/// An O*NET-SOC code (`31-1131.00`) or a plain SOC code (`31-1131`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocCode(String);

impl SocCode {
    /// Parses `NN-NNNN` or `NN-NNNN.NN`.
    pub fn parse(text: &str) -> Result<SocCode, CboError> {
        let t = text.trim();
        let b = t.as_bytes();
        let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b[i].is_ascii_digit());
        let ok = match b.len() {
            7 => digits(0..2) && b[2] == b'-' && digits(3..7),
            10 => digits(0..2) && b[2] == b'-' && digits(3..7) && b[7] == b'.' && digits(8..10),
            _ => false,
        };
        if ok {
            Ok(SocCode(t.to_owned()))
        } else {
            Err(CboError::invalid(
                "O*NET-SOC code",
                format!("{text:?} is not of the form 00-0000 or 00-0000.00"),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SOC code it belongs to (`31-1131` for `31-1131.00`).
    pub fn soc(&self) -> &str {
        &self.0[..7]
    }
}

impl fmt::Display for SocCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for SocCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SocCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SocCode, D::Error> {
        SocCode::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A skill an occupation needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OccupationSkill {
    /// The skill's id (a framework skill's, or an O*NET element's URL).
    pub skill: String,
    /// The skill's name.
    pub name: String,
    /// Importance, on O*NET's scale from 1 (not important) to 5 (extremely important).
    pub importance: f64,
    /// Level, on O*NET's scale from 0 to 7, when known and relevant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
}

/// An occupation and its skills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Occupation {
    /// Its O*NET-SOC code.
    pub code: SocCode,
    /// Its title.
    pub title: String,
    /// Its skills, most important first.
    pub skills: Vec<OccupationSkill>,
}

impl Occupation {
    /// Checks the occupation: a title, absolute-URI skill ids each once, importance 1–5.
    pub fn check(&self) -> Result<(), CboError> {
        if self.title.trim().is_empty() {
            return Err(CboError::invalid(
                "occupation",
                format!("{} has no title", self.code),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.skills {
            if !is_absolute_uri(&s.skill) {
                return Err(CboError::invalid(
                    "occupation",
                    format!(
                        "{}: skill id {:?} is not an absolute URI",
                        self.code, s.skill
                    ),
                ));
            }
            if !(1.0..=5.0).contains(&s.importance) {
                return Err(CboError::invalid(
                    "occupation",
                    format!(
                        "{}: importance of {} is {}, not from 1 to 5",
                        self.code, s.skill, s.importance
                    ),
                ));
            }
            if !seen.insert(s.skill.as_str()) {
                return Err(CboError::invalid(
                    "occupation",
                    format!("{}: skill {} is listed twice", self.code, s.skill),
                ));
            }
        }
        Ok(())
    }

    fn sort(&mut self) {
        self.skills.sort_by(|a, b| {
            b.importance
                .total_cmp(&a.importance)
                .then_with(|| a.skill.cmp(&b.skill))
        });
    }
}

/// Imports occupations from O*NET's `Skills.txt` layout (tab-separated, a header row, columns
/// `O*NET-SOC Code`, `Element ID`, `Element Name`, `Scale ID`, `Data Value`, …, `Not
/// Relevant`): importance from the `IM` rows, level from the `LV` rows (dropped when O*NET marks
/// it not relevant). Skills less important than `min_importance` are left out (O*NET rates
/// every skill for every occupation; 3.0 keeps those at least "important"). Titles come from
/// `occupation_data` (O*NET's `Occupation Data.txt` layout: code, title, description), else
/// the code stands in.
pub fn from_onet_text(
    skills_txt: &str,
    occupation_data: Option<&str>,
    min_importance: f64,
) -> Result<Vec<Occupation>, CboError> {
    const FORMAT: &str = "O*NET skills file";
    let mut lines = skills_txt.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| CboError::import(FORMAT, "line 1", "the file is empty"))?
        .1
        .trim_start_matches('\u{feff}')
        .split('\t')
        .map(str::trim)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| CboError::import(FORMAT, "header", format!("no {name:?} column")))
    };
    let (c_code, c_id, c_name, c_scale, c_value) = (
        col("O*NET-SOC Code")?,
        col("Element ID")?,
        col("Element Name")?,
        col("Scale ID")?,
        col("Data Value")?,
    );
    let c_not_relevant = col("Not Relevant").ok();
    let titles = occupation_titles(occupation_data)?;
    // code → element id → (name, importance, level)
    type Ratings = BTreeMap<String, (String, Option<f64>, Option<f64>)>;
    let mut by_code: BTreeMap<SocCode, Ratings> = BTreeMap::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("line {}", i + 1);
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        let get = |c: usize| {
            cells
                .get(c)
                .copied()
                .ok_or_else(|| CboError::import(FORMAT, at(), "too few columns"))
        };
        let code = SocCode::parse(get(c_code)?)
            .map_err(|e| CboError::import(FORMAT, at(), e.to_string()))?;
        let value: f64 = get(c_value)?
            .parse()
            .map_err(|_| CboError::import(FORMAT, at(), "Data Value is not a number"))?;
        let entry = by_code
            .entry(code)
            .or_default()
            .entry(get(c_id)?.to_owned())
            .or_insert_with(|| (String::new(), None, None));
        if entry.0.is_empty() {
            entry.0 = get(c_name)?.to_owned();
        }
        match get(c_scale)? {
            "IM" => entry.1 = Some(value),
            "LV" => {
                let not_relevant = c_not_relevant
                    .and_then(|c| cells.get(c))
                    .is_some_and(|v| v.eq_ignore_ascii_case("Y"));
                if !not_relevant {
                    entry.2 = Some(value);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (code, ratings) in by_code {
        let mut occupation = Occupation {
            title: titles
                .get(code.as_str())
                .cloned()
                .unwrap_or_else(|| code.to_string()),
            code,
            skills: ratings
                .into_iter()
                .filter_map(|(id, (name, importance, level))| {
                    let importance = importance?;
                    (importance >= min_importance).then(|| OccupationSkill {
                        skill: format!("{ONET_ELEMENT_BASE}{id}"),
                        name,
                        importance,
                        level,
                    })
                })
                .collect(),
        };
        occupation.sort();
        occupation.check()?;
        out.push(occupation);
    }
    Ok(out)
}

fn occupation_titles(data: Option<&str>) -> Result<BTreeMap<String, String>, CboError> {
    let mut titles = BTreeMap::new();
    for (i, line) in data.unwrap_or_default().lines().enumerate() {
        let mut cells = line.split('\t').map(str::trim);
        let (Some(code), Some(title)) = (cells.next(), cells.next()) else {
            continue;
        };
        if i == 0 && SocCode::parse(code).is_err() {
            continue; // the header
        }
        let code = SocCode::parse(code).map_err(|e| {
            CboError::import(
                "O*NET occupation data",
                format!("line {}", i + 1),
                e.to_string(),
            )
        })?;
        titles.insert(code.to_string(), title.to_owned());
    }
    Ok(titles)
}

/// Imports occupations from ler's JSON form: `{"occupations": [{"code", "title", "skills":
/// [{"skill", "name", "importance", "level"?}]}]}` (or the array alone).
pub fn from_json(json: &Value) -> Result<Vec<Occupation>, CboError> {
    let list = json.get("occupations").unwrap_or(json);
    let mut occupations: Vec<Occupation> = serde_json::from_value(list.clone())
        .map_err(|e| CboError::import("occupations JSON", "document", e.to_string()))?;
    for o in &mut occupations {
        o.sort();
        o.check()?;
    }
    Ok(occupations)
}

/// Imports occupations from CSV, one row per occupation and skill: columns `code`, `title`,
/// `skill` (the skill's id), `name` (the skill's name), `importance` (1–5) and optionally
/// `level`.
pub fn from_csv(csv: &str) -> Result<Vec<Occupation>, CboError> {
    const FORMAT: &str = "occupations CSV";
    let table = Table::parse(csv, FORMAT)?;
    let c = |names: &[&str]| {
        table
            .column(names)
            .ok_or_else(|| CboError::import(FORMAT, "header", format!("no {:?} column", names[0])))
    };
    let (c_code, c_title, c_skill, c_name, c_importance) = (
        c(&["code", "o*net-soc code"])?,
        c(&["title"])?,
        c(&["skill", "skill_id"])?,
        c(&["name", "skill_name"])?,
        c(&["importance"])?,
    );
    let c_level = table.column(&["level"]);
    let mut out: Vec<Occupation> = Vec::new();
    for (line, row) in table.rows() {
        let at = format!("row {line}");
        let need = |col: usize, what: &str| {
            cell(row, Some(col))
                .ok_or_else(|| CboError::import(FORMAT, &at, format!("{what} is empty")))
        };
        let code = SocCode::parse(need(c_code, "code")?)
            .map_err(|e| CboError::import(FORMAT, &at, e.to_string()))?;
        let number = |text: &str, what: &str| {
            text.parse::<f64>()
                .map_err(|_| CboError::import(FORMAT, &at, format!("{what} is not a number")))
        };
        let skill = OccupationSkill {
            skill: need(c_skill, "skill")?.to_owned(),
            name: need(c_name, "name")?.to_owned(),
            importance: number(need(c_importance, "importance")?, "importance")?,
            level: cell(row, c_level).map(|l| number(l, "level")).transpose()?,
        };
        match out.iter_mut().find(|o| o.code == code) {
            Some(o) => o.skills.push(skill),
            None => out.push(Occupation {
                code,
                title: need(c_title, "title")?.to_owned(),
                skills: vec![skill],
            }),
        }
    }
    for o in &mut out {
        o.sort();
        o.check()?;
    }
    Ok(out)
}
