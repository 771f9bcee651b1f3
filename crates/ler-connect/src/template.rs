//! Mapping templates: literal text with `{Column}` references (`{{` and `}}` for braces), and
//! the pseudo-column `{=achievement}` (the row's achievement id, else name), bound to a header.

use crate::ConnectError;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Col(String),
    Achievement,
}

/// A template bound to a header: columns are indexes.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    parts: Vec<BoundPart>,
    /// The first column referenced, for error messages.
    pub column: Option<String>,
}

#[derive(Debug, Clone)]
enum BoundPart {
    Lit(String),
    Col(usize),
    Achievement,
}

impl Template {
    /// Parses `text`.
    pub(crate) fn parse(text: &str) -> Result<Template, ConnectError> {
        let bad = |why: &str| ConnectError::Mapping(format!("template {text:?}: {why}"));
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => return Err(bad("a `{` is not closed")),
                            Some(c) => name.push(c),
                        }
                    }
                    let name = name.trim();
                    if name.is_empty() {
                        return Err(bad("`{}` names no column"));
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(match name {
                        "=achievement" => Part::Achievement,
                        n if n.starts_with('=') => {
                            return Err(bad(&format!("unknown pseudo-column {{{n}}}")));
                        }
                        n => Part::Col(n.to_owned()),
                    });
                }
                '}' => return Err(bad("a `}` was never opened (write `}}` for a brace)")),
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template { parts })
    }

    /// Whether the template uses `{=achievement}`.
    pub(crate) fn uses_achievement(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Achievement))
    }

    /// Binds the column names to their positions in `header`.
    pub(crate) fn bind(&self, header: &[String]) -> Result<Bound, ConnectError> {
        let mut column = None;
        let parts = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Lit(l) => Ok(BoundPart::Lit(l.clone())),
                Part::Achievement => Ok(BoundPart::Achievement),
                Part::Col(name) => {
                    let i = find_column(header, name)?;
                    column.get_or_insert_with(|| header[i].clone());
                    Ok(BoundPart::Col(i))
                }
            })
            .collect::<Result<Vec<_>, ConnectError>>()?;
        Ok(Bound { parts, column })
    }
}

/// The position of `name` in `header` (trimmed, case-insensitive).
pub(crate) fn find_column(header: &[String], name: &str) -> Result<usize, ConnectError> {
    let want = name.trim();
    header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(want))
        .ok_or_else(|| ConnectError::MissingColumn {
            column: want.to_owned(),
            available: header.join(", "),
        })
}

impl Bound {
    /// The template filled from `record`, trimmed; `None` when it is empty or every column it
    /// references is blank.
    pub(crate) fn render(
        &self,
        record: &csv::StringRecord,
        achievement: Option<&str>,
    ) -> Option<String> {
        let mut out = String::new();
        let mut columns = 0;
        let mut blank = 0;
        for p in &self.parts {
            match p {
                BoundPart::Lit(l) => out.push_str(l),
                BoundPart::Col(i) => {
                    columns += 1;
                    let v = record.get(*i).unwrap_or("").trim();
                    if v.is_empty() {
                        blank += 1;
                    }
                    out.push_str(v);
                }
                BoundPart::Achievement => out.push_str(achievement.unwrap_or("")),
            }
        }
        let out = out.trim();
        (!out.is_empty() && (columns == 0 || blank < columns)).then(|| out.to_owned())
    }
}

#[cfg(test)]
mod tests;
