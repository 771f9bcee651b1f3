//! Unit tests for normalization.

use serde_json::json;

use super::{Action, normalize};

#[test]
fn leaves_single_valued_properties_alone() {
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", null],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialStatus": {"type": "BitstringStatusListEntry"},
        "proof": {"type": "DataIntegrityProof"},
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "hashed": false, "identityHash": "a", "identityType": "name"}],
            "achievement": {"type": ["Achievement"], "achievementType": "Badge",
                            "image": {"id": "https://example.org/i.png", "type": "Image"}}
        }
    });
    let before = doc.clone();
    assert!(normalize(&mut doc).is_empty());
    assert_eq!(doc, before);
}

#[test]
fn wraps_sets_in_embedded_credentials_by_their_own_kind() {
    let mut doc = json!({
        "type": "ClrCredential",
        "credentialSubject": {
            "type": "ClrSubject",
            "verifiableCredential": {
                "type": "OpenBadgeCredential",
                "credentialSubject": {"type": "AchievementSubject", "result": {"type": "Result"}}
            },
            "association": {"type": "Association"}
        }
    });
    let changes = normalize(&mut doc);
    let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.type",
            "$.credentialSubject.type",
            "$.credentialSubject.verifiableCredential",
            "$.credentialSubject.verifiableCredential[0].type",
            "$.credentialSubject.verifiableCredential[0].credentialSubject.type",
            "$.credentialSubject.verifiableCredential[0].credentialSubject.result",
            "$.credentialSubject.verifiableCredential[0].credentialSubject.result[0].type",
            "$.credentialSubject.association",
        ]
    );
    assert!(changes.iter().all(|c| c.action == Action::WrappedInArray));
    assert_eq!(
        doc["credentialSubject"]["association"],
        json!([{"type": "Association"}])
    );
}

#[test]
fn removes_nulls_in_arrays_and_objects_but_not_in_context() {
    let mut doc = json!({"@context": [{"x": null}], "a": [1, null, {"b": null}], "c": null});
    let changes = normalize(&mut doc);
    let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["$.a[1]", "$.a[2].b", "$.c"]);
    assert_eq!(doc, json!({"@context": [{"x": null}], "a": [1, {}]}));
}
