//! Whole documents that must validate cleanly: ler's fixtures and the 1EdTech vectors.

use ler_model::{CredentialKind, kind};

use crate::support::{check, fixture, read_json, reference_dir, remove};

const FIXTURES: &[(&str, CredentialKind)] = &[
    (
        "ob3-achievement.json",
        CredentialKind::AchievementCredential,
    ),
    ("endorsement.json", CredentialKind::EndorsementCredential),
    ("clr.json", CredentialKind::ClrCredential),
    ("employment.json", CredentialKind::EmploymentCredential),
];

#[test]
fn fixtures_validate_with_no_violations() {
    for (name, expected_kind) in FIXTURES {
        let doc = fixture(name);
        assert_eq!(kind(&doc), *expected_kind, "{name}");
        if let Some(problem) = check(&doc, &[]) {
            panic!("{name}: {problem}");
        }
    }
}

#[test]
fn fixtures_use_the_issuer_placeholder_and_the_common_validfrom() {
    for (name, _) in FIXTURES {
        let doc = fixture(name);
        let issuer = doc["issuer"]["id"].as_str();
        assert_eq!(issuer, Some("did:key:ISSUER"), "{name}");
        assert_eq!(doc["validFrom"], "2026-01-01T00:00:00Z", "{name}");
    }
}

#[test]
fn fixtures_are_already_normal() {
    for (name, _) in FIXTURES {
        let mut doc = fixture(name);
        let changes = ler_model::normalize(&mut doc);
        assert!(changes.is_empty(), "{name}: {changes:?}");
    }
}

#[test]
fn reference_vectors_validate_with_no_violations() {
    let dir = reference_dir().join("vectors");
    for (file, expected_kind) in [
        (
            "ob3-1edtech/unsigned.json",
            CredentialKind::AchievementCredential,
        ),
        (
            "ob3-1edtech/signed.json",
            CredentialKind::AchievementCredential,
        ),
        ("clr2-1edtech/unsigned.json", CredentialKind::ClrCredential),
        ("clr2-1edtech/signed.json", CredentialKind::ClrCredential),
    ] {
        let doc = read_json(&dir.join(file));
        assert_eq!(kind(&doc), expected_kind, "{file}");
        if let Some(problem) = check(&doc, &[]) {
            panic!("{file}: {problem}");
        }
    }
}

#[test]
fn onedtech_api_examples_validate_as_expected() {
    // The OB 3.0 REST API's examples, including OB 3.0 on VC 1.1 (issuanceDate, no validFrom).
    let dir = reference_dir().join("formats/09-vcalm-and-ob3-openapi/ob3/examples");
    for (file, expected_kind, expected) in [
        (
            "ob30-simple.json",
            CredentialKind::AchievementCredential,
            vec![],
        ),
        (
            "ob30-simple_v1.json",
            CredentialKind::AchievementCredential,
            vec![],
        ),
        (
            "ob30-complete.json",
            CredentialKind::AchievementCredential,
            vec![],
        ),
        (
            "ob30-endorsement-valid.json",
            CredentialKind::EndorsementCredential,
            vec![],
        ),
        ("clr20-simple.json", CredentialKind::ClrCredential, vec![]),
        (
            "ob30-simple-noproof.json",
            CredentialKind::AchievementCredential,
            vec![(
                "$.credentialSubject.achievement",
                "ob3.achievement.required",
            )],
        ),
    ] {
        let doc = read_json(&dir.join(file));
        assert_eq!(kind(&doc), expected_kind, "{file}");
        if let Some(problem) = check(&doc, &expected) {
            panic!("{file}: {problem}");
        }
    }
}

#[test]
fn w3c_vector_is_a_plain_credential() {
    let doc = read_json(&reference_dir().join("vectors/vc-di-eddsa/unsigned.json"));
    assert_eq!(kind(&doc), CredentialKind::VerifiableCredential);
    if let Some(problem) = check(&doc, &[]) {
        panic!("vc-di-eddsa/unsigned.json: {problem}");
    }
}

#[test]
fn fixtures_expand_in_json_ld_safe_mode() {
    // Signing expands the document in safe mode: a term no context defines is an error there.
    // This proves every term the fixtures use is defined by the contexts they list.
    for (name, _) in FIXTURES {
        let doc = fixture(name);
        if let Err(e) = ler_jsonld::to_rdf(&doc, ler_jsonld::Documents::embedded()) {
            panic!("{name} does not expand in safe mode: {e}");
        }
    }
}

#[test]
fn an_undefined_term_in_an_employment_record_fails_safe_mode() {
    // Location's terms come from its type-scoped context: without the type they are undefined,
    // which is why the employment rules require `type` on Employer, Location and Pay.
    let doc = remove(
        fixture("employment.json"),
        "/credentialSubject/location/type",
    );
    assert!(ler_jsonld::to_rdf(&doc, ler_jsonld::Documents::embedded()).is_err());
    assert!(
        check(
            &doc,
            &[(
                "$.credentialSubject.location.type",
                "employment.location.type"
            )]
        )
        .is_none()
    );
}
