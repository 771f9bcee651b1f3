//! Safe mode: what would be dropped or rebased is an error, never unsigned data.

use ler_jsonld::{Documents, Error, Limits, canonicalize, canonicalize_with};
use serde_json::{Value, json};

fn ob3(subject_extra: Value) -> Value {
    let mut doc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Issuer"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Badge",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:2",
                "type": ["Achievement"],
                "name": "A",
                "description": "D",
                "criteria": {"narrative": "N"}
            }
        }
    });
    if let (Some(s), Some(extra)) = (
        doc["credentialSubject"].as_object_mut(),
        subject_extra.as_object(),
    ) {
        s.extend(extra.clone());
    }
    doc
}

fn err(doc: &Value) -> Error {
    match canonicalize(doc, Documents::embedded()) {
        Ok(c) => panic!("expected an error, got\n{c}"),
        Err(e) => e,
    }
}

#[test]
fn rejects_undefined_term_inside_ob3_subject() {
    // OB3's AchievementSubject context is protected and has no @vocab.
    let e = err(&ob3(json!({"favouriteColour": "blue"})));
    assert!(
        matches!(&e, Error::UndefinedTerm { term, .. } if term == "favouriteColour"),
        "{e}"
    );
}

#[test]
fn rejects_relative_id() {
    let e = err(&ob3(json!({"id": "alice"})));
    assert!(
        matches!(&e, Error::RelativeIri { iri, .. } if iri == "alice"),
        "{e}"
    );
}

#[test]
fn rejects_unknown_context() {
    let mut doc = ob3(json!({}));
    doc["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!("https://evil.example/context.json"));
    assert!(
        matches!(err(&doc), Error::UnknownContext(u) if u == "https://evil.example/context.json")
    );
}

#[test]
fn rejects_redefinition_of_protected_term() {
    let mut doc = ob3(json!({}));
    doc["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!({"name": "https://evil.example/name"}));
    assert!(matches!(err(&doc), Error::ProtectedTermRedefinition(t) if t == "name"));
}

#[test]
fn rejects_injected_vocab_making_undefined_terms_relative() {
    let mut doc = ob3(json!({}));
    doc["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!({"@vocab": "relative/"}));
    assert!(matches!(err(&doc), Error::RelativeIri { .. }));
}

#[test]
fn rejects_empty_proof_graph_object() {
    let mut doc = ob3(json!({}));
    doc["proof"] = json!({});
    assert!(matches!(err(&doc), Error::InvalidDocument { .. }));
}

#[test]
fn nested_too_deep_is_a_limit_error() {
    let mut v = json!("leaf");
    for _ in 0..200 {
        v = json!({"https://example.org/p": v});
    }
    let doc = json!({"@id": "urn:x", "https://example.org/p": v});
    assert!(matches!(err(&doc), Error::LimitExceeded(_)));
}

#[test]
fn poison_graph_is_refused() {
    // A clique of indistinguishable blank nodes (the classic RDFC-1.0 poison graph).
    let n = 10;
    let nodes: Vec<Value> = (0..n)
        .map(|i| {
            let links: Vec<Value> = (0..n)
                .filter(|j| *j != i)
                .map(|j| json!({"@id": format!("_:n{j}")}))
                .collect();
            json!({"@id": format!("_:n{i}"), "https://example.org/p": links})
        })
        .collect();
    let doc = json!({"@graph": nodes});
    let e = canonicalize_with(&doc, Documents::embedded(), &Limits::default()).expect_err("poison");
    assert!(matches!(e, Error::LimitExceeded(_)), "{e}");
}
