//! Filling: only what is missing, from values the caller supplies.

use serde_json::json;

use ler_model::{Action, Fill, fill};

use crate::support::{check, fixture, remove};

fn opts() -> Fill {
    Fill {
        id: Some("urn:uuid:7a1f7a52-0bd4-4f43-9d4a-2b0c5e1b9e3a".into()),
        valid_from: Some("2026-02-01T12:00:00Z".into()),
        issuer: Some("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into()),
    }
}

#[test]
fn fills_what_is_missing() {
    let mut doc = remove(remove(fixture("endorsement.json"), "/id"), "/validFrom");
    doc["issuer"] = json!(null);
    let changes = fill(&mut doc, &opts());
    let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["$.id", "$.validFrom", "$.issuer"]);
    assert!(changes.iter().all(|c| c.action == Action::Filled));
    assert_eq!(doc["id"], "urn:uuid:7a1f7a52-0bd4-4f43-9d4a-2b0c5e1b9e3a");
    assert_eq!(doc["validFrom"], "2026-02-01T12:00:00Z");
    assert_eq!(
        doc["issuer"],
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    );
    assert!(check(&doc, &[]).is_none());
}

#[test]
fn never_replaces_what_is_there() {
    let mut doc = fixture("ob3-achievement.json");
    assert!(fill(&mut doc, &opts()).is_empty());
    assert_eq!(doc, fixture("ob3-achievement.json"));
    assert!(fill(&mut doc, &Fill::default()).is_empty());
}

#[test]
fn gives_an_issuer_object_its_id() {
    let mut doc = remove(fixture("ob3-achievement.json"), "/issuer/id");
    let changes = fill(&mut doc, &opts());
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path, "$.issuer.id");
    assert_eq!(
        doc["issuer"]["id"],
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    );
    assert_eq!(doc["issuer"]["name"], "Riverside Workforce Training Center");
}

#[test]
fn fills_issuance_date_in_a_vc_1_1_credential() {
    let mut doc = json!({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"]});
    fill(&mut doc, &opts());
    assert_eq!(doc["issuanceDate"], "2026-02-01T12:00:00Z");
    assert!(doc.get("validFrom").is_none());
}

#[test]
fn ignores_what_is_not_an_object() {
    let mut doc = json!(["not", "a", "credential"]);
    assert!(fill(&mut doc, &opts()).is_empty());
}
