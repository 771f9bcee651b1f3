//! Consent receipts: the grant as a credential signed by the holder, which ler-verify accepts.

use ler_crypto::Kek;
use ler_jsonld::Documents;
use ler_verify::Status;
use ler_wallet::{
    Access, CONSENT_CONTEXT, EmploymentField, Grant, GrantSpec, GrantedRecord, Purpose, Recipient,
    consent_receipt, new_holder,
};
use serde_json::json;

use crate::common::{NOW, records, verify};

fn grant(holder: &str) -> Grant {
    let spec = GrantSpec {
        recipient: Recipient::Organization("did:web:ler.example:orgs:harbor".into()),
        purposes: vec![Purpose::Employment, Purpose::Other],
        purpose_text: Some("Background check for a forklift position".into()),
        records: vec![
            GrantedRecord {
                record_id: "r_badge".into(),
                fields: None,
            },
            GrantedRecord {
                record_id: "r_job".into(),
                fields: Some(vec![
                    EmploymentField::StartDate,
                    EmploymentField::PositionTitle,
                ]),
            },
        ],
        expires_at: NOW + 30 * 86_400,
        access: Access::OneTime,
    };
    Grant::new("g_receipt".into(), holder, spec, &records(), NOW).unwrap()
}

#[test]
fn consent_receipts_verify() {
    let holder = new_holder(&Kek::generate()).unwrap();
    let grant = grant(&holder.did);
    let receipt =
        consent_receipt(&grant, &records(), &holder.key, Documents::embedded(), NOW).unwrap();
    let report = verify(&receipt, None, None);
    assert!(report.verified, "{:#?}", report.checks);
    for check in ["format", "contexts", "proof"] {
        assert!(
            report
                .checks
                .iter()
                .any(|c| c.check.starts_with(check) && c.status == Status::Passed),
            "{check}: {:#?}",
            report.checks
        );
    }
    assert_eq!(report.issuer.as_deref(), Some(holder.did.as_str()));
    assert_eq!(receipt["@context"][1], CONSENT_CONTEXT);
    assert_eq!(receipt["validUntil"], "2026-07-01T00:00:00Z");
    let subject = &receipt["credentialSubject"];
    assert_eq!(subject["id"], holder.did.as_str());
    assert_eq!(subject["recipient"], "did:web:ler.example:orgs:harbor");
    assert_eq!(subject["recipientType"], "organization");
    assert_eq!(subject["purpose"], json!(["employment", "other"]));
    assert_eq!(subject["access"], "one-time");
    assert_eq!(
        subject["record"][0]["credential"],
        "urn:uuid:e44e97c5-0182-4ddf-89fe-26aec4f9b0b8"
    );
    assert_eq!(
        subject["record"][1]["fields"],
        json!(["positionTitle", "startDate"])
    );
    assert!(subject["record"][0].get("fields").is_none());
    // A record shared whole is named; one shared in part is not (its title may be withheld).
    assert!(subject["record"][0]["name"].is_string(), "{subject}");
    assert!(subject["record"][1].get("name").is_none(), "{subject}");
}

#[test]
fn tampered_receipts_do_not_verify() {
    let holder = new_holder(&Kek::generate()).unwrap();
    let grant = grant(&holder.did);
    let receipt =
        consent_receipt(&grant, &records(), &holder.key, Documents::embedded(), NOW).unwrap();
    let mut widened = receipt.clone();
    widened["credentialSubject"]["record"][1]
        .as_object_mut()
        .unwrap()
        .remove("fields");
    assert!(!verify(&widened, None, None).verified);
    let mut redirected = receipt.clone();
    redirected["credentialSubject"]["recipient"] = "did:web:evil.example".into();
    assert!(!verify(&redirected, None, None).verified);
}

#[test]
fn receipts_are_signed_by_the_grants_holder_only() {
    let holder = new_holder(&Kek::generate()).unwrap();
    let other = new_holder(&Kek::generate()).unwrap();
    let grant = grant(&holder.did);
    let err = consent_receipt(&grant, &records(), &other.key, Documents::embedded(), NOW);
    assert!(err.is_err());
}
