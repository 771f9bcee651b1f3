//! The pipeline's checks on good input: a signed credential, presentations, nested records,
//! recipient and trust.

use ler_proof::Purpose;
use ler_verify::{Status, TrustList};
use serde_json::json;

use crate::common::{Setup, check, did, key, ob3, sign, sign_with, verify, verify_with, vm};

#[test]
fn signed_credential_verifies_with_every_check_explained() {
    let k = key(1);
    let r = verify(&sign(&ob3(&did(&k)), &k));
    assert!(r.verified, "{:#?}", r.checks);
    assert_eq!(check(&r, "format").status, Status::Passed);
    assert_eq!(check(&r, "proof").status, Status::Passed);
    assert_eq!(check(&r, "validity").status, Status::Passed);
    assert_eq!(check(&r, "status").status, Status::Skipped);
    assert_eq!(r.achievement.as_deref(), Some("Forklift Safety"));
    let j = r.to_json();
    assert_eq!(j["verified"], true);
    assert!(
        j["checks"]
            .as_array()
            .expect("checks")
            .contains(&json!("proof"))
    );
    assert_eq!(j["errors"], json!([]));
}

#[test]
fn recipient_matches_the_salted_hash_and_nothing_else() {
    let k = key(1);
    let bytes = serde_json::to_vec(&sign(&ob3(&did(&k)), &k)).expect("json");
    for (who, status) in [
        ("alice@example.org", Status::Passed),
        ("Alice@Example.org", Status::Passed),
        ("bob@example.org", Status::Failed),
        ("did:example:learner-1", Status::Passed),
    ] {
        let r = verify_with(
            &bytes,
            &Setup {
                recipient: Some(who.into()),
                ..Setup::default()
            },
        );
        assert_eq!(check(&r, "recipient").status, status, "{who}");
    }
}

#[test]
fn trust_registry_names_the_issuer() {
    let k = key(1);
    let bytes = serde_json::to_vec(&sign(&ob3(&did(&k)), &k)).expect("json");
    let mut trust = TrustList::new();
    let registry = json!({"meta": {}, "registry": {did(&k): {"name": "Riverside CC (registered)", "location": "Portland, OR"}}});
    trust
        .add_registry("Test Registry", &registry)
        .expect("registry");
    let r = verify_with(
        &bytes,
        &Setup {
            trust: Some(trust),
            ..Setup::default()
        },
    );
    assert_eq!(check(&r, "trust").status, Status::Passed);
    assert_eq!(r.issuer_name.as_deref(), Some("Riverside CC (registered)"));
    let r = verify_with(
        &bytes,
        &Setup {
            trust: Some(TrustList::new()),
            ..Setup::default()
        },
    );
    assert_eq!(check(&r, "trust").status, Status::Skipped);
    assert!(r.verified, "an unlisted issuer is a warning, not a failure");
}

#[test]
fn presentation_verifies_holder_and_every_credential() {
    let issuer = key(1);
    let holder = key(3);
    let good = sign(&ob3(&did(&issuer)), &issuer);
    let mut bad = good.clone();
    bad["name"] = "Tampered".into();
    let vp = |creds: Vec<serde_json::Value>| {
        let p = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "holder": did(&holder),
            "verifiableCredential": creds,
        });
        sign_with(
            &p,
            &holder,
            &vm(&holder),
            Purpose::Authentication {
                challenge: Some("c1".into()),
                domain: Some("hr.example".into()),
            },
            None,
        )
    };
    let setup = Setup {
        challenge: Some("c1".into()),
        domain: Some("hr.example".into()),
        ..Setup::default()
    };
    let r = verify_with(
        &serde_json::to_vec(&vp(vec![good.clone()])).expect("json"),
        &setup,
    );
    assert!(r.verified, "{:#?}", r.checks);
    assert_eq!(r.nested.len(), 1);
    let r = verify_with(
        &serde_json::to_vec(&vp(vec![good, bad])).expect("json"),
        &setup,
    );
    assert!(!r.verified);
    assert_eq!(check(&r, "credentials").status, Status::Failed);
    // Signed by someone other than the holder it names.
    let mut p = vp(vec![]);
    p["holder"] = did(&issuer).into();
    let r = verify_with(&serde_json::to_vec(&p).expect("json"), &setup);
    assert!(
        check(&r, "proof").message.contains("is controlled by"),
        "{}",
        check(&r, "proof").message
    );
}

#[test]
fn endorsements_and_enclosed_credentials_are_verified_too() {
    let issuer = key(1);
    let endorser = key(4);
    let endorsement = sign(
        &json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:5e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "Endorsement of Forklift Safety",
            "issuer": {"id": did(&endorser), "type": ["Profile"], "name": "State Workforce Board"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "https://riverside.example/achievements/forklift", "type": ["EndorsementSubject"], "endorsementComment": "Meets the state standard."}
        }),
        &endorser,
    );
    let mut doc = ob3(&did(&issuer));
    doc["credentialSubject"]["achievement"]["endorsement"] = json!([endorsement.clone()]);
    let r = verify(&sign(&doc, &issuer));
    assert!(
        r.verified,
        "{:#?} {:#?}",
        r.checks,
        r.nested.iter().map(|n| &n.checks).collect::<Vec<_>>()
    );
    assert_eq!(r.nested.len(), 1);
    let mut broken = endorsement;
    broken["credentialSubject"]["endorsementComment"] = "Does not meet it.".into();
    doc["credentialSubject"]["achievement"]["endorsement"] = json!([broken]);
    let r = verify(&sign(&doc, &issuer));
    assert!(!r.verified);
    assert_eq!(check(&r, "endorsement").status, Status::Failed);
}

#[test]
fn sd_jwt_employment_record_shows_only_what_the_holder_chose() {
    let employer = key(5);
    let holder = key(6);
    let claims = json!({
        "sub": did(&holder),
        "employer": {"name": "Harbor Distribution LLC"},
        "positionTitle": "Warehouse Associate",
        "startDate": "2024-03-04",
        "endDate": "2025-12-19",
        "pay": {"amount": 21.5, "currency": "USD", "period": "Hour"}
    });
    let mut n = 0u8;
    let mut salt = || {
        n += 1;
        [n; 16]
    };
    let opts = ler_sdjwt::IssueOptions {
        vct: ler_sdjwt::EMPLOYMENT_VCT,
        holder: &holder.public_key(),
        now: crate::common::NOW - 100,
        max_decoys: 2,
    };
    let sd = ler_sdjwt::issue(
        &claims,
        &[
            "/employer",
            "/positionTitle",
            "/startDate",
            "/endDate",
            "/pay",
        ],
        &employer,
        &vm(&employer),
        &opts,
        &mut salt,
    )
    .expect("issue");
    let shown = ler_sdjwt::present(
        &sd,
        &["/positionTitle", "/startDate", "/endDate"],
        &holder,
        "n-1",
        "hr.example",
        crate::common::NOW,
    )
    .expect("present");
    let setup = Setup {
        challenge: Some("n-1".into()),
        domain: Some("hr.example".into()),
        ..Setup::default()
    };
    let r = verify_with(shown.as_bytes(), &setup);
    assert!(r.verified, "{:#?}", r.checks);
    assert_eq!(r.format, "sd-jwt-vc");
    assert_eq!(r.achievement.as_deref(), Some("Warehouse Associate"));
    assert!(check(&r, "disclosures").message.contains("/positionTitle"));
    assert!(!check(&r, "disclosures").message.contains("/pay"));
    assert_eq!(check(&r, "holder").status, Status::Passed);
    assert!(
        !serde_json::to_string(&r.to_json())
            .expect("json")
            .contains("21.5")
    );
    // Replayed to another verifier: the key binding names someone else.
    let other = Setup {
        challenge: Some("n-2".into()),
        domain: Some("bank.example".into()),
        ..Setup::default()
    };
    let r = verify_with(shown.as_bytes(), &other);
    assert!(!r.verified);
    assert_eq!(check(&r, "proof").status, Status::Failed);
}
