//! Shared helpers: where the reference data and fixtures are, reading them, editing documents,
//! and the one `check` helper every validation test goes through.

use std::path::PathBuf;

use serde_json::Value;

pub use ler_testdata::reference_dir;

/// The repository's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures"))
}

/// Parses a JSON file, naming it when that fails.
pub fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A fixture by file name.
pub fn fixture(name: &str) -> Value {
    read_json(&fixtures_dir().join(name))
}

/// `doc` with the value at JSON pointer `pointer` replaced (the parent must exist; an array
/// index equal to the length appends).
pub fn set(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = split(pointer);
    match doc.pointer_mut(parent) {
        Some(Value::Object(obj)) => {
            obj.insert(key, value);
        }
        Some(Value::Array(items)) => {
            let index: usize = key
                .parse()
                .unwrap_or_else(|_| panic!("{pointer}: not an index"));
            if index == items.len() {
                items.push(value);
            } else {
                items[index] = value;
            }
        }
        _ => panic!("{pointer}: no object or array at {parent}"),
    }
    doc
}

/// `doc` without the member or item at JSON pointer `pointer`.
pub fn remove(mut doc: Value, pointer: &str) -> Value {
    let (parent, key) = split(pointer);
    let removed = match doc.pointer_mut(parent) {
        Some(Value::Object(obj)) => obj.shift_remove(&key).is_some(),
        Some(Value::Array(items)) => key.parse::<usize>().is_ok_and(|i| {
            i < items.len() && {
                items.remove(i);
                true
            }
        }),
        _ => false,
    };
    assert!(removed, "{pointer}: nothing to remove");
    doc
}

fn split(pointer: &str) -> (&str, String) {
    let at = pointer
        .rfind('/')
        .unwrap_or_else(|| panic!("{pointer}: not a JSON pointer"));
    (
        &pointer[..at],
        pointer[at + 1..].replace("~1", "/").replace("~0", "~"),
    )
}

/// Validates `doc` and compares the `(path, rule)` of each violation with `expected` (order
/// ignored). Returns a description of the difference, or `None` when they agree. Also holds every
/// message to the house style: lowercase start, no trailing period.
pub fn check(doc: &Value, expected: &[(&str, &str)]) -> Option<String> {
    let violations = ler_model::validate(doc);
    let mut problems = Vec::new();
    for v in &violations {
        if v.message.ends_with('.') || v.message.chars().next().is_none_or(char::is_uppercase) {
            problems.push(format!("message not in house style: {v}"));
        }
        if !ler_model::RULES.iter().any(|(id, _)| *id == v.rule) {
            problems.push(format!("rule missing from RULES: {v}"));
        }
    }
    let mut got: Vec<(String, String)> = violations
        .iter()
        .map(|v| (v.path.clone(), v.rule.to_string()))
        .collect();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect();
    got.sort();
    want.sort();
    if got != want {
        let listed: Vec<String> = violations.iter().map(|v| format!("    {v}")).collect();
        problems.push(format!("expected {want:?}\n  got:\n{}", listed.join("\n")));
    }
    (!problems.is_empty()).then(|| problems.join("\n  "))
}
