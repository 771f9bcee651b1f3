//! Sharing: share-link tokens, and presentations signed by the holder for a challenge and
//! domain, with only what the grant allows.

use ler_crypto::Kek;
use ler_jsonld::Documents;
use ler_proof::VcJwtForm;
use ler_wallet::{
    Access, EmploymentField, Grant, GrantSpec, GrantedRecord, Purpose, Recipient, Record,
    RecordKind, WalletError, hash_token, new_holder, new_share_token, present, read_credential,
    selective_disclosure, share_presentation, shared_credentials,
};
use serde_json::Value;

use crate::common::{EMPLOYMENT, NOW, OB3, issuer, receive, records, signed, verify};

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

/// The employment fixture's subject as an SD-JWT VC issued to `holder`, every field
/// selectively disclosable.
fn sd_jwt_record(holder: &ler_crypto::KeyPair) -> Record {
    let key = issuer();
    let kid = ler_crypto::did_key_verification_method(&key.public_key());
    let fixture: Value = serde_json::from_str(EMPLOYMENT).unwrap();
    let claims = fixture["credentialSubject"].clone();
    let paths: Vec<String> = EmploymentField::ALL
        .iter()
        .filter(|f| claims.get(f.as_str()).is_some())
        .map(|f| format!("/{}", f.as_str()))
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let opts = ler_sdjwt::IssueOptions {
        vct: ler_sdjwt::EMPLOYMENT_VCT,
        holder: &holder.public_key(),
        now: NOW - 100,
        max_decoys: 2,
    };
    let sd_jwt =
        ler_sdjwt::issue(&claims, &paths, &key, &kid, &opts, &mut ler_sdjwt::os_salt).unwrap();
    let credential = read_credential(sd_jwt.as_bytes()).unwrap();
    assert_eq!(credential, Value::String(sd_jwt));
    Record::from_parts("r_sd".into(), credential, Value::Null, NOW).unwrap()
}

#[test]
fn employment_fields_are_disclosed_selectively() {
    let holder = new_holder(&Kek::generate()).unwrap();
    let record = sd_jwt_record(&holder.key);
    assert_eq!(record.kind, RecordKind::Employment);
    let summary = record.summary.employment.as_ref().unwrap();
    assert_eq!(
        summary.position_title.as_deref(),
        Some("Warehouse Associate")
    );
    assert_eq!(summary.pay.as_deref(), Some("21.5 USD per Hour"));
    assert_eq!(
        record.summary.issuer,
        Some(ler_crypto::did_key(&issuer().public_key()))
    );

    let mut holder_records = records();
    holder_records.push(record);
    let spec = GrantSpec {
        recipient: Recipient::verifier("https://hr.acme.example").unwrap(),
        purposes: vec![Purpose::Employment],
        purpose_text: None,
        records: vec![
            whole("r_badge"),
            GrantedRecord {
                record_id: "r_sd".into(),
                fields: Some(vec![
                    EmploymentField::PositionTitle,
                    EmploymentField::StartDate,
                    EmploymentField::EndDate,
                ]),
            },
        ],
        expires_at: NOW + 3_600,
        access: Access::Repeated,
    };
    let grant = Grant::new("g_sd".into(), &holder.did, spec, &holder_records, NOW).unwrap();
    let shared = shared_credentials(
        &grant,
        &holder_records,
        &holder.key,
        "n-1",
        "https://hr.acme.example",
        NOW,
    )
    .unwrap();
    assert_eq!(shared[0], signed(OB3));
    let Value::String(presented) = &shared[1] else {
        panic!("an SD-JWT presentation: {:?}", shared[1])
    };
    let verified = ler_sdjwt::verify(
        presented,
        &ler_proof::DidKeyResolver,
        &ler_sdjwt::Expect {
            nonce: Some("n-1"),
            aud: Some("https://hr.acme.example"),
            now: NOW + 10,
            require_key_binding: true,
        },
    )
    .unwrap();
    assert!(verified.holder_bound);
    assert_eq!(verified.claims["positionTitle"], "Warehouse Associate");
    assert_eq!(verified.claims["startDate"], "2024-03-04");
    for withheld in ["pay", "hoursPerWeek", "location", "employer"] {
        assert!(
            verified.claims.get(withheld).is_none(),
            "{withheld} was disclosed"
        );
    }
    assert_eq!(
        verified.disclosed,
        ["/endDate", "/positionTitle", "/startDate"]
    );

    // In a presentation, the SD-JWT goes in enveloped, bound to the challenge and domain.
    let vp = share_presentation(
        &grant,
        &holder_records,
        &holder.key,
        Some("c-9"),
        Some("hr.acme.example"),
        Documents::embedded(),
        NOW,
    )
    .unwrap();
    let enveloped = vp["verifiableCredential"][1]["id"].as_str().unwrap();
    let token = enveloped
        .strip_prefix("data:application/dc+sd-jwt,")
        .unwrap();
    let expect = ler_sdjwt::Expect {
        nonce: Some("c-9"),
        aud: Some("hr.acme.example"),
        now: NOW,
        require_key_binding: true,
    };
    assert!(ler_sdjwt::verify(token, &ler_proof::DidKeyResolver, &expect).is_ok());

    // Another holder's key cannot present it.
    let other = new_holder(&Kek::generate()).unwrap();
    let err = selective_disclosure(
        &holder_records[3],
        &[EmploymentField::PositionTitle],
        &other.key,
        "n",
        "aud",
        NOW,
    );
    assert!(
        matches!(err, Err(WalletError::SelectiveDisclosure(_))),
        "{err:?}"
    );
}

#[test]
fn a_data_integrity_employment_record_is_never_shown_in_part() {
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
    let err =
        shared_credentials(&restricted, &records(), &holder.key, "n", "aud", NOW).unwrap_err();
    assert!(matches!(err, WalletError::NotSelectivelyDisclosable(ref id) if id == "r_job"));
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
    let shared = shared_credentials(&everything, &records(), &holder.key, "n", "aud", NOW).unwrap();
    assert_eq!(shared, [signed(EMPLOYMENT)]);
}
