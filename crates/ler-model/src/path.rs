//! JSON paths (`$.credentialSubject.achievement.criteria`, `$.type[1]`) naming where a problem is.

use std::fmt;

#[cfg(test)]
mod tests;

/// A JSONPath-style location inside a document, built one step at a time.
///
/// Keys made only of letters, digits and `_ @ $ : -` (and not starting with a digit) use dot
/// notation (`$.@context[0]`, `$.credentialSubject`); any other key is bracketed and quoted
/// (`$['odd key']`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    /// The document itself: `$`.
    pub(crate) fn root() -> Path {
        Path("$".to_string())
    }

    /// The member `key` of the object here.
    pub(crate) fn key(&self, key: &str) -> Path {
        let plain = key.chars().next().is_some_and(|c| !c.is_ascii_digit())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '$' | ':' | '-'));
        if plain {
            Path(format!("{}.{key}", self.0))
        } else {
            let escaped = key.replace('\\', "\\\\").replace('\'', "\\'");
            Path(format!("{}['{escaped}']", self.0))
        }
    }

    /// The item `index` of the array here.
    pub(crate) fn index(&self, index: usize) -> Path {
        Path(format!("{}[{index}]", self.0))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
