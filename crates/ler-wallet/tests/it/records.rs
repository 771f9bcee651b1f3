//! Received records: kinds, fingerprints for duplicates, and the summaries the holder sees.

use ler_proof::{Cryptosuite, Purpose, SignOptions};
use ler_wallet::{Record, RecordKind, fingerprint, read_credential};
use serde_json::Value;

use crate::common::{CLR, EMPLOYMENT, OB3, issuer, receive, records, signed};

#[test]
fn kinds_and_summaries() {
    let [badge, job, clr] = <[_; 3]>::try_from(records()).unwrap();
    assert_eq!(
        (badge.kind, job.kind, clr.kind),
        (
            RecordKind::Education,
            RecordKind::Employment,
            RecordKind::Education
        )
    );
    assert!(badge.verified() && job.verified(), "{:#?}", badge.report);

    let s = &badge.summary;
    assert_eq!(s.name.as_deref(), Some("Forklift Operator Safety"));
    assert_eq!(
        s.issuer_name.as_deref(),
        Some("Riverside Workforce Training Center")
    );
    assert_eq!(s.issuer, Some(ler_crypto::did_key(&issuer().public_key())));
    assert_eq!(s.valid_from.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(
        s.credential_id.as_deref(),
        Some("urn:uuid:e44e97c5-0182-4ddf-89fe-26aec4f9b0b8")
    );
    assert_eq!(s.skills.len(), 1);
    let skill = &s.skills[0];
    assert_eq!(
        skill.target_name,
        "Operate powered industrial trucks safely"
    );
    assert_eq!(skill.target_code.as_deref(), Some("53-7051.00"));
    assert_eq!(
        skill.target_framework.as_deref(),
        Some("Open Skills Network")
    );
    assert!(
        skill
            .target_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://skills.example.org/"))
    );

    let e = job.summary.employment.as_ref().unwrap();
    assert_eq!(e.employer.as_deref(), Some("Harbor Distribution LLC"));
    assert_eq!(e.position_title.as_deref(), Some("Warehouse Associate"));
    assert_eq!(
        (e.start_date.as_deref(), e.end_date.as_deref()),
        (Some("2024-03-04"), Some("2025-12-19"))
    );
    assert_eq!(e.hours_per_week, Some(32.0));
    assert_eq!(e.location.as_deref(), Some("Portland, OR, 97217, US"));
    assert_eq!(e.pay.as_deref(), Some("21.5 USD per Hour"));
    assert!(badge.summary.employment.is_none());

    assert_eq!(
        clr.summary.name.as_deref(),
        Some("Warehouse Operations Pathway record")
    );

    // A CLR's skills come from the credentials it holds.
    let mut with_badge: Value = serde_json::from_str(CLR).unwrap();
    with_badge["credentialSubject"]["verifiableCredential"] = serde_json::json!([signed(OB3)]);
    let record = Record::from_parts("r_x".into(), with_badge, Value::Null, 0).unwrap();
    assert_eq!(record.summary.skills, badge.summary.skills);
    assert!(!record.verified());
}

#[test]
fn the_same_credential_signed_again_is_a_duplicate() {
    let first = signed(OB3);
    let key = issuer();
    let mut unsigned = first.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    let again = ler_proof::sign(
        &unsigned,
        &key,
        &SignOptions {
            suite: Cryptosuite::EddsaJcs2022,
            verification_method: ler_crypto::did_key_verification_method(&key.public_key()),
            created: Some("2026-02-02T00:00:00Z".into()),
            purpose: Purpose::Assertion,
            expires: None,
        },
        ler_jsonld::Documents::embedded(),
    )
    .unwrap();
    assert_ne!(first["proof"], again["proof"]);
    assert_eq!(fingerprint(&first).unwrap(), fingerprint(&again).unwrap());
    // Key order does not matter (JCS); content does.
    let reordered: Value = serde_json::from_str(&first.to_string()).unwrap();
    assert_eq!(
        fingerprint(&reordered).unwrap(),
        fingerprint(&first).unwrap()
    );
    let mut changed = first.clone();
    changed["name"] = "Forklift Operator Safety II".into();
    assert_ne!(fingerprint(&changed).unwrap(), fingerprint(&first).unwrap());
}

#[test]
fn credentials_are_read_from_json_jwt_and_baked_images() {
    let doc = signed(EMPLOYMENT);
    let text = doc.to_string();
    assert_eq!(read_credential(text.as_bytes()).unwrap(), doc);
    assert_eq!(
        read_credential(format!("  {text}\n").as_bytes()).unwrap(),
        doc
    );
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>";
    let baked = ler_bake::bake(svg, &text).unwrap();
    assert_eq!(read_credential(&baked).unwrap(), doc);
    let from_image = receive("r_img", &baked);
    assert!(from_image.verified(), "{:#?}", from_image.report);
    assert_eq!(from_image.credential, doc);
    assert_eq!(
        read_credential(b"\"eyJ.eyJ.sig\"").unwrap(),
        Value::String("eyJ.eyJ.sig".into())
    );
    for bad in [&b"[1, 2]"[..], b"not json", b"\xff\xfe", b"42"] {
        assert!(read_credential(bad).is_err(), "{bad:?}");
    }
}
