//! Field paths and overlays.

use proptest::prelude::*;
use serde_json::json;

use super::{Change, Correction, FieldPath, Section, intake};
use crate::record::SharedRecord;

#[test]
fn paths_escape_their_parts() {
    let p = FieldPath::new(Section::Skills, "https://a.example/s/1~x", "name");
    assert_eq!(p.to_string(), "/skills/https:~1~1a.example~1s~11~0x/name");
    assert_eq!(FieldPath::parse(&p.to_string()).unwrap(), p);
    for bad in [
        "skills/a/b",
        "/skills/a",
        "/jobs/a/b",
        "/skills//b",
        "/skills/a~2/b",
    ] {
        assert!(FieldPath::parse(bad).is_err(), "{bad}");
    }
}

proptest! {
    #[test]
    fn paths_round_trip(key in "[a-z/~:#0-9]{1,12}", field in "[a-zA-Z/~]{1,8}") {
        let p = FieldPath::new(Section::WorkHistory, &key, &field);
        prop_assert_eq!(FieldPath::parse(&p.to_string()).unwrap(), p);
    }
}

#[test]
fn corrections_overlay_and_keep_provenance() {
    let record = SharedRecord {
        record_id: "r1".into(),
        credential: json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/ler/employment/v1"],
            "type": ["VerifiableCredential", "EmploymentCredential"],
            "issuer": "did:web:acme.example",
            "credentialSubject": {"type": ["EmploymentSubject"], "employer": {"type": ["Employer"], "name": "Acme"},
                "positionTitle": "Picker", "startDate": "2023-01-09"}
        }),
        report: json!({"verified": true}),
        verified_at: 100,
    };
    let mut p = intake("p1", &[record]);
    let path = FieldPath::new(Section::WorkHistory, "r1", "positionTitle");
    assert_eq!(p.field(&path).unwrap().value, "Picker");
    p.correct(Correction {
        path: path.clone(),
        change: Change::Value(json!("Order picker")),
        by: "staff@cbo".into(),
        at: 300,
    });
    p.correct(Correction {
        path: path.clone(),
        change: Change::Note("confirmed by phone".into()),
        by: "staff@cbo".into(),
        at: 200,
    });
    p.correct(Correction {
        path: FieldPath::new(Section::Education, "staff-1", "name"),
        change: Change::Value(json!("GED")),
        by: "staff@cbo".into(),
        at: 250,
    });
    let e = p.effective();
    let field = &e.work_history[0].fields["positionTitle"];
    assert_eq!(field.value, "Order picker");
    assert_eq!(field.original, Some(json!("Picker")));
    assert_eq!(field.sources[0].record_id, "r1");
    assert_eq!(field.notes.len(), 1);
    assert!(e.education[0].staff_entered);
    assert!(e.education[0].fields["name"].sources.is_empty());
    // The pre-filled profile itself is unchanged.
    assert_eq!(p.field(&path).unwrap().value, "Picker");
}
