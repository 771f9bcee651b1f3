//! Sharing: share-link tokens, and presentations signed by the holder for a challenge and
//! domain, with only what the grant allows.

use ler_crypto::Kek;
use ler_jsonld::Documents;
use ler_proof::VcJwtForm;
use ler_wallet::{
    Access, EmploymentField, Grant, GrantSpec, GrantedRecord, Purpose, Recipient, WalletError,
    hash_token, new_holder, new_share_token, present, share_presentation, shared_credentials,
};
use serde_json::Value;

use crate::common::{EMPLOYMENT, NOW, issuer, receive, records, signed, verify};

fn grant(holder: &str, records_granted: Vec<GrantedRecord>) -> Grant {
    let spec = GrantSpec {
        recipient: Recipient::verifier("https://hr.acme.example").unwrap(),
        purposes: vec![Purpose::Employment],
        purpose_text: None,
        records: records_granted,
        expires_at: NOW + 3_600,
        access: Access::Repeated,
    };
    Grant::new("g_share".into(), holder, spec, &records(), NOW).unwrap()
}

fn whole(id: &str) -> GrantedRecord {
    GrantedRecord {
        record_id: id.into(),
        fields: None,
    }
}

#[test]
fn share_tokens_are_random_and_stored_hashed() {
    let (token, hash) = new_share_token().unwrap();
    let (other, other_hash) = new_share_token().unwrap();
    assert_eq!(token.len(), 43);
    assert!(
        token
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    assert_ne!(*token, *other);
    assert_eq!(hash, hash_token(&token));
    assert_ne!(hash, other_hash);
    assert_eq!(hash.len(), 64);
    assert!(!hash.contains(token.as_str()));
}

#[test]
fn presentations_verify_with_the_recipients_challenge_and_domain() {
    let holder = new_holder(&Kek::generate()).unwrap();
    let grant = grant(&holder.did, vec![whole("r_badge"), whole("r_job")]);
    let vp = share_presentation(
        &grant,
        &records(),
        &holder.key,
        Some("c-123"),
        Some("hr.acme.example"),
        Documents::embedded(),
        NOW,
    )
    .unwrap();
    let report = verify(&vp, Some("c-123"), Some("hr.acme.example"));
    assert!(report.verified, "{:#?}", report);
    assert_eq!(report.nested.len(), 2);
    assert_eq!(vp["holder"], holder.did.as_str());
    // Replayed elsewhere, or for another challenge: refused.
    assert!(!verify(&vp, Some("c-456"), Some("hr.acme.example")).verified);
    assert!(!verify(&vp, Some("c-123"), Some("evil.example")).verified);
}

#[test]
fn jwt_credentials_are_enveloped() {
    let holder = new_holder(&Kek::generate()).unwrap();
    let key = issuer();
    let did = ler_crypto::did_key(&key.public_key());
    let unsigned: Value =
        serde_json::from_str(&EMPLOYMENT.replace("did:key:ISSUER", &did)).unwrap();
    let kid = ler_crypto::did_key_verification_method(&key.public_key());
    let jwt = ler_proof::sign_vc_jwt(&unsigned, &key, &kid, VcJwtForm::VcJoseCose).unwrap();
    let record = receive("r_jwt", jwt.as_bytes());
    assert!(record.verified(), "{:#?}", record.report);
    assert_eq!(record.credential, Value::String(jwt));
    assert_eq!(
        record
            .summary
            .employment
            .as_ref()
            .unwrap()
            .position_title
            .as_deref(),
        Some("Warehouse Associate")
    );
    let vp = present(
        &holder.key,
        std::slice::from_ref(&record.credential),
        Some("c"),
        None,
        Documents::embedded(),
        NOW,
    )
    .unwrap();
    assert_eq!(
        vp["verifiableCredential"][0]["type"],
        "EnvelopedVerifiableCredential"
    );
    let report = verify(&vp, Some("c"), None);
    assert!(report.verified, "{:#?}", report);
}

#[test]
fn withheld_employment_fields_need_selective_disclosure() {
    let holder = new_holder(&Kek::generate()).unwrap();
    let restricted = grant(
        &holder.did,
        vec![GrantedRecord {
            record_id: "r_job".into(),
            fields: Some(vec![
                EmploymentField::PositionTitle,
                EmploymentField::StartDate,
            ]),
        }],
    );
    let err = shared_credentials(&restricted, &records()).unwrap_err();
    assert!(matches!(err, WalletError::SelectiveDisclosureUnavailable));
    assert_eq!(err.to_string(), "selective disclosure needs ler-sdjwt");
    // Never the whole credential instead.
    assert!(
        share_presentation(
            &restricted,
            &records(),
            &holder.key,
            None,
            None,
            Documents::embedded(),
            NOW
        )
        .is_err()
    );

    // Every field the record has: nothing is withheld, so the credential goes whole.
    let everything = grant(
        &holder.did,
        vec![GrantedRecord {
            record_id: "r_job".into(),
            fields: Some(EmploymentField::ALL.to_vec()),
        }],
    );
    let shared = shared_credentials(&everything, &records()).unwrap();
    assert_eq!(shared, [signed(EMPLOYMENT)]);
}
