//! Framework imports and alignments.

use serde_json::json;

use super::{Catalog, Framework, FrameworkSource, aligned_skills, alignment, is_absolute_uri};

#[test]
fn absolute_uris() {
    assert!(is_absolute_uri("https://example.org/s/1"));
    assert!(is_absolute_uri("urn:ler:skill:1"));
    assert!(!is_absolute_uri("WH-01"));
    assert!(!is_absolute_uri("1:x"));
    assert!(!is_absolute_uri("https://example.org/a b"));
}

#[test]
fn reads_an_rsd_collection() {
    let f = Framework::from_rsd_collection(&json!({
        "type": "RichSkillCollection",
        "id": "https://skills.example.org/api/collections/c1",
        "name": "Warehouse",
        "creator": "https://example.org/org",
        "skills": [
            {"id": "https://skills.example.org/api/skills/s1", "skillName": "Pallet jack operation",
             "skillStatement": "Move loads with a pallet jack.", "categories": ["Material handling"],
             "alignments": [{"id": "https://other.example.org/k/9", "skillName": "Pallet Jacks"}]},
            {"id": "https://skills.example.org/api/skills/s2", "skillName": "Cycle counting", "category": "Inventory"}
        ]
    }))
    .unwrap();
    assert_eq!(f.source, FrameworkSource::Rsd);
    assert_eq!(f.skills.len(), 2);
    assert_eq!(f.skills[0].category.as_deref(), Some("Material handling"));
    assert_eq!(f.skills[0].same_as, ["https://other.example.org/k/9"]);
    assert_eq!(f.skills[1].category.as_deref(), Some("Inventory"));
    let err = Framework::from_rsd_collection(
        &json!({"type": "RichSkillCollection", "id": "https://x.example/c", "name": "n",
        "skills": [{"skillName": "no id"}]}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("skills[0]"), "{err}");
}

#[test]
fn reads_a_case_package() {
    let doc = "https://case.example.org/CFDocuments/d1";
    let item = |n: u32| format!("https://case.example.org/CFItems/i{n}");
    let f = Framework::from_case(&json!({
        "CFDocument": {"identifier": "d1", "uri": doc, "title": "Care skills", "creator": "Board", "lastChangeDateTime": "2024-01-01T00:00:00Z"},
        "CFItems": [
            {"identifier": "i1", "uri": item(1), "fullStatement": "Resident care", "CFItemType": "Domain", "lastChangeDateTime": "2024-01-01T00:00:00Z"},
            {"identifier": "i2", "uri": item(2), "fullStatement": "Take and record vital signs.", "abbreviatedStatement": "Vital signs",
             "humanCodingScheme": "RC.1", "CFItemType": "Competency", "lastChangeDateTime": "2024-01-01T00:00:00Z"}
        ],
        "CFAssociations": [
            {"identifier": "a1", "uri": "https://case.example.org/CFAssociations/a1", "associationType": "isChildOf",
             "originNodeURI": {"identifier": "i2", "uri": item(2), "title": "RC.1"},
             "destinationNodeURI": {"identifier": "i1", "uri": item(1), "title": "Resident care"}, "lastChangeDateTime": "2024-01-01T00:00:00Z"},
            {"identifier": "a2", "uri": "https://case.example.org/CFAssociations/a2", "associationType": "exactMatchOf",
             "originNodeURI": {"identifier": "i2", "uri": item(2), "title": "RC.1"},
             "destinationNodeURI": {"identifier": "x", "uri": "https://skills.example.org/vitals", "title": "Vitals"}, "lastChangeDateTime": "2024-01-01T00:00:00Z"}
        ]
    }))
    .unwrap();
    assert_eq!(f.id, doc);
    assert_eq!(f.name, "Care skills");
    let vitals = f.skill(&item(2)).unwrap();
    assert_eq!(vitals.name, "Vital signs");
    assert_eq!(vitals.code.as_deref(), Some("RC.1"));
    assert_eq!(vitals.category.as_deref(), Some("Resident care"));
    assert_eq!(
        vitals.statement.as_deref(),
        Some("Take and record vital signs.")
    );
    assert_eq!(vitals.same_as, ["https://skills.example.org/vitals"]);
    assert_eq!(
        f.skill(&item(1)).unwrap().category.as_deref(),
        Some("Domain")
    );

    let catalog = Catalog::new([&f]);
    assert_eq!(
        catalog
            .resolve("https://skills.example.org/vitals")
            .map(|s| s.id.as_str()),
        Some(item(2).as_str())
    );
    assert_eq!(
        catalog.canonical("https://elsewhere.example/x"),
        "https://elsewhere.example/x"
    );
}

#[test]
fn reads_csv_and_refuses_relative_ids() {
    let f = Framework::from_csv(
        "https://cbo.example.org/frameworks/f",
        "Mine",
        "id,name,category,code\nhttps://cbo.example.org/s/1,Forklift,Equipment,EQ-1\n",
    )
    .unwrap();
    assert_eq!(f.skills[0].code.as_deref(), Some("EQ-1"));
    let err = Framework::from_csv(
        "https://cbo.example.org/f",
        "Mine",
        "id,name\nEQ-1,Forklift\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("row 2"), "{err}");
    let err = Framework::from_csv(
        "https://cbo.example.org/f",
        "Mine",
        "id,name\nhttps://a.example/1,A\nhttps://a.example/1,B\n",
    )
    .unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn alignments_read_back() {
    let f = Framework::from_csv(
        "https://cbo.example.org/f",
        "Mine",
        "id,name,code\nhttps://cbo.example.org/s/1,Forklift,EQ-1\n",
    )
    .unwrap();
    let a = alignment(&f.skills[0]);
    assert_eq!(a["targetUrl"], "https://cbo.example.org/s/1");
    assert_eq!(a["targetFramework"], "Mine");
    let credential = json!({
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"achievement": {"id": "urn:a", "alignment": [a]}}
    });
    let back = aligned_skills(&credential);
    assert_eq!(back.len(), 1);
    assert_eq!(
        back[0].target_url.as_deref(),
        Some("https://cbo.example.org/s/1")
    );
    assert_eq!(back[0].target_code.as_deref(), Some("EQ-1"));
}
