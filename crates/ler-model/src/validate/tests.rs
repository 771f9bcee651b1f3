//! Unit tests for the validation helpers.

use serde_json::json;

use super::{RULES, describe, is_text, is_url};

#[test]
fn urls_are_absolute_uris() {
    for ok in [
        "https://example.org/a",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:key:ISSUER",
        "urn:uuid:2f6b5f0e-3c1a-4d8e-9b7a-0c4e6d2a1f01",
        "data:image/png;base64,iVBORw0KGgo=",
        "mailto:a@example.org",
        "x-y+z.w:1",
    ] {
        assert!(is_url(ok), "{ok}");
    }
    for bad in [
        "",
        "example.org",
        "https:",
        ":x",
        "1http://x",
        "http://a b",
        "http://x/<y>",
        "ht tp://x",
        "c:\\dir",
    ] {
        assert!(!is_url(bad), "{bad}");
    }
}

#[test]
fn text_is_a_string_or_a_language_map() {
    assert!(is_text(&json!("")));
    assert!(is_text(&json!({"en": "a", "de": "b"})));
    assert!(!is_text(&json!({})));
    assert!(!is_text(&json!({"en": 1})));
    assert!(!is_text(&json!(["a"])));
}

#[test]
fn describes_values_briefly() {
    assert_eq!(describe(&json!(null)), "null");
    assert_eq!(describe(&json!(true)), "the boolean true");
    assert_eq!(describe(&json!(1.5)), "a number");
    assert_eq!(describe(&json!("")), "an empty string");
    assert_eq!(
        describe(&json!("x".repeat(100))),
        format!("\"{}…\"", "x".repeat(60))
    );
    assert_eq!(describe(&json!([])), "an empty array");
    assert_eq!(describe(&json!({})), "an object");
}

#[test]
fn rule_ids_are_unique_and_summaries_lowercase() {
    let mut ids: Vec<&str> = RULES.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len(), "duplicate rule id");
    for (id, summary) in RULES {
        assert!(!summary.ends_with('.'), "{id}");
        assert!(
            summary.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{id}"
        );
    }
}
