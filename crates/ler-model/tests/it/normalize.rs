//! Normalization: sets become arrays, nulls go, single-valued properties stay single.

use serde_json::json;

use ler_model::{Action, normalize};

use crate::support::{check, fixture, set};

#[test]
fn wraps_a_single_achievement_type() {
    let mut doc = set(
        fixture("ob3-achievement.json"),
        "/credentialSubject/achievement/type",
        json!("Achievement"),
    );
    let changes = normalize(&mut doc);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].path, "$.credentialSubject.achievement.type");
    assert_eq!(changes[0].action, Action::WrappedInArray);
    assert_eq!(
        doc["credentialSubject"]["achievement"]["type"],
        json!(["Achievement"])
    );
    assert_eq!(doc, fixture("ob3-achievement.json"));
}

#[test]
fn removes_nulls_and_reports_them() {
    let mut doc = fixture("ob3-achievement.json");
    doc["description"] = json!(null);
    doc["credentialSubject"]["achievement"]["tag"] = json!(["logistics", null]);
    assert!(
        check(
            &doc,
            &[
                ("$.description", "json.null"),
                ("$.credentialSubject.achievement.tag[1]", "json.null")
            ]
        )
        .is_none()
    );
    let changes = normalize(&mut doc);
    let removed: Vec<&str> = changes
        .iter()
        .filter(|c| c.action == Action::RemovedNull)
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(
        removed,
        ["$.description", "$.credentialSubject.achievement.tag[1]"]
    );
    assert!(doc.get("description").is_none());
    assert_eq!(
        doc["credentialSubject"]["achievement"]["tag"],
        json!(["logistics"])
    );
    assert!(check(&doc, &[]).is_none());
}

#[test]
fn turns_a_schema_shaped_but_single_valued_badge_into_the_fixture_shape() {
    // Every set-valued property written as a single value, as the JSON-LD schema allows.
    let mut doc = fixture("ob3-achievement.json");
    let a = &mut doc["credentialSubject"]["achievement"];
    a["alignment"] = a["alignment"][0].clone();
    a["alignment"]["type"] = json!("Alignment");
    a["resultDescription"] = a["resultDescription"][0].clone();
    a["resultDescription"]["type"] = json!("ResultDescription");
    a["tag"] = json!("logistics");
    let s = &mut doc["credentialSubject"];
    s["type"] = json!("AchievementSubject");
    s["identifier"] = s["identifier"][0].clone();
    s["result"] = s["result"][0].clone();
    s["result"]["type"] = json!("Result");
    doc["evidence"] = doc["evidence"][0].clone();
    doc["evidence"]["type"] = json!("Evidence");
    doc["issuer"]["type"] = json!("Profile");
    let changes = normalize(&mut doc);
    assert_eq!(changes.len(), 12, "{changes:?}");
    let mut expected = fixture("ob3-achievement.json");
    expected["credentialSubject"]["achievement"]["tag"] = json!(["logistics"]);
    assert_eq!(doc, expected);
}

#[test]
fn normalizes_employment_records() {
    let mut doc = fixture("employment.json");
    for key in ["employer", "location", "pay"] {
        doc["credentialSubject"][key]["type"] =
            json!(doc["credentialSubject"][key]["type"][0].clone());
    }
    doc["credentialSubject"]["type"] = json!("EmploymentSubject");
    doc["type"] = json!("EmploymentCredential");
    let changes = normalize(&mut doc);
    assert_eq!(changes.len(), 5, "{changes:?}");
    let mut expected = fixture("employment.json");
    expected["type"] = json!(["EmploymentCredential"]);
    assert_eq!(doc, expected);
}
