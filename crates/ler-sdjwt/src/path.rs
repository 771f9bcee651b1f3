//! Claim paths as JSON Pointers (RFC 6901): `/pay/amount`, `/skills/0`, `~1` for `/`, `~0` for `~`.

#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::SdJwtError;

/// Splits a pointer into its unescaped segments. The root (`""`) is refused: a path names a
/// claim, never the whole payload.
pub(crate) fn parse(path: &str) -> Result<Vec<String>, SdJwtError> {
    let invalid = |reason: &str| SdJwtError::InvalidPath {
        path: path.into(),
        reason: reason.into(),
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(invalid("a path starts with '/'"));
    };
    rest.split('/')
        .map(|raw| {
            let mut out = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                match c {
                    '~' => match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return Err(invalid("'~' must be followed by 0 or 1")),
                    },
                    c => out.push(c),
                }
            }
            Ok(out)
        })
        .collect()
}

/// Writes segments as a pointer.
pub(crate) fn format<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&s.as_ref().replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// An array index segment: decimal digits without a leading zero.
pub(crate) fn index(segment: &str) -> Option<usize> {
    if segment.is_empty()
        || !segment.bytes().all(|b| b.is_ascii_digit())
        || (segment.len() > 1 && segment.starts_with('0'))
    {
        return None;
    }
    segment.parse().ok()
}

/// The value at `segments` under `root`, if there is one.
pub(crate) fn lookup<'v, S: AsRef<str>>(root: &'v Value, segments: &[S]) -> Option<&'v Value> {
    segments.iter().try_fold(root, |v, s| match v {
        Value::Object(map) => map.get(s.as_ref()),
        Value::Array(items) => items.get(index(s.as_ref())?),
        _ => None,
    })
}

/// The value at `segments` under `root`, mutably.
pub(crate) fn lookup_mut<'v, S: AsRef<str>>(
    root: &'v mut Value,
    segments: &[S],
) -> Option<&'v mut Value> {
    segments.iter().try_fold(root, |v, s| match v {
        Value::Object(map) => map.get_mut(s.as_ref()),
        Value::Array(items) => items.get_mut(index(s.as_ref())?),
        _ => None,
    })
}
