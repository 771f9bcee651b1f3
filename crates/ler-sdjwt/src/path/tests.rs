//! Unit tests of JSON Pointer parsing, writing and lookup.

use serde_json::json;

use super::*;

#[test]
fn parses_and_unescapes_segments() {
    assert_eq!(
        parse("/pay/amount").ok(),
        Some(vec!["pay".into(), "amount".into()])
    );
    assert_eq!(
        parse("/a~1b/c~0d").ok(),
        Some(vec!["a/b".into(), "c~d".into()])
    );
    assert_eq!(parse("/").ok(), Some(vec![String::new()]));
}

#[test]
fn refuses_the_root_and_bad_escapes() {
    for bad in ["", "pay", "/a~2", "/a~"] {
        assert!(
            matches!(parse(bad), Err(SdJwtError::InvalidPath { .. })),
            "{bad:?} should be refused"
        );
    }
}

#[test]
fn format_round_trips() {
    for p in ["/pay/amount", "/a~1b/c~0d", "/skills/0", "/"] {
        let segments = parse(p).expect("valid");
        assert_eq!(format(&segments), p);
    }
}

#[test]
fn array_indexes_are_canonical_decimals() {
    assert_eq!(index("0"), Some(0));
    assert_eq!(index("12"), Some(12));
    for bad in ["", "01", "-1", "-", "1a", "+1"] {
        assert_eq!(index(bad), None, "{bad:?}");
    }
}

#[test]
fn lookup_walks_objects_and_arrays() {
    let doc = json!({"pay": {"amount": 18.5}, "skills": ["a", {"b": 1}]});
    assert_eq!(lookup(&doc, &["pay", "amount"]), Some(&json!(18.5)));
    assert_eq!(lookup(&doc, &["skills", "1", "b"]), Some(&json!(1)));
    assert_eq!(lookup(&doc, &["skills", "2"]), None);
    assert_eq!(lookup(&doc, &["pay", "amount", "x"]), None);
}
