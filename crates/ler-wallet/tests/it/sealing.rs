//! Holder keys and sealed storage: nothing readable without the KEK.

use ler_crypto::Kek;
use ler_jsonld::Documents;
use ler_wallet::{
    Access, Consent, DataKey, Grant, GrantSpec, GrantedRecord, Purpose, Recipient, Record,
    WalletError, consent_receipt, export_holder_key, holder_key, new_holder,
};

use crate::common::{NOW, records};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn holder_secrets_are_stored_only_encrypted() {
    let kek = Kek::generate();
    let holder = new_holder(&kek).unwrap();
    assert!(holder.id.starts_with("h_"));
    assert_eq!(holder.did, ler_crypto::did_key(&holder.key.public_key()));
    let secret = holder.key.secret_multibase();
    assert!(!holder.encrypted_key.contains(secret.as_str()));
    assert!(holder.encrypted_key.contains("encryptedSecretKey"));
    assert_eq!(
        holder_key(&kek, &holder.encrypted_key)
            .unwrap()
            .public_key(),
        holder.key.public_key()
    );
    assert!(matches!(
        holder_key(&Kek::generate(), &holder.encrypted_key),
        Err(WalletError::Key(_))
    ));
    // The holder can take the key to another wallet: a plain Multikey file.
    let exported = export_holder_key(&kek, &holder.encrypted_key).unwrap();
    assert!(exported.contains(secret.as_str()));
    let moved = ler_crypto::parse_key(exported.as_bytes(), None).unwrap();
    assert_eq!(moved.public_key(), holder.key.public_key());

    // The wrapped data key opens for this holder only.
    assert!(DataKey::unwrap(&kek, &holder.id, &holder.wrapped_data_key).is_ok());
    assert!(DataKey::unwrap(&kek, "h_other", &holder.wrapped_data_key).is_err());
    assert!(DataKey::unwrap(&Kek::generate(), &holder.id, &holder.wrapped_data_key).is_err());
}

#[test]
fn sealed_records_hold_no_plaintext() {
    let kek = Kek::generate();
    let holder = new_holder(&kek).unwrap();
    for record in records() {
        let sealed = record.seal(&holder.data_key, &holder.id).unwrap();
        let plain = serde_json::to_string(&record).unwrap();
        for needle in [
            "Forklift",
            "Harbor",
            "Warehouse",
            "Riverside",
            "did:key:",
            "credentialSubject",
            record.fingerprint.as_str(),
            record.id.as_str(),
        ] {
            assert!(
                !contains(&sealed, needle) || !plain.contains(needle),
                "{needle} readable in sealed record {}",
                record.id
            );
        }
        let opened = Record::open(&holder.data_key, &holder.id, &record.id, &sealed).unwrap();
        assert_eq!(opened, record);
        // Bound to its holder and its row: moved elsewhere, it does not open.
        assert!(matches!(
            Record::open(&holder.data_key, &holder.id, "r_other", &sealed),
            Err(WalletError::Unseal)
        ));
        assert!(matches!(
            Record::open(&holder.data_key, "h_other", &record.id, &sealed),
            Err(WalletError::Unseal)
        ));
        let other = new_holder(&kek).unwrap();
        assert!(matches!(
            Record::open(&other.data_key, &holder.id, &record.id, &sealed),
            Err(WalletError::Unseal)
        ));
    }
}

#[test]
fn sealed_grants_hold_no_plaintext() {
    let kek = Kek::generate();
    let holder = new_holder(&kek).unwrap();
    let records = records();
    let spec = GrantSpec {
        recipient: Recipient::verifier("hiring@acme.example").unwrap(),
        purposes: vec![Purpose::Employment],
        purpose_text: Some("Application for the night shift lead".into()),
        records: vec![GrantedRecord {
            record_id: "r_badge".into(),
            fields: None,
        }],
        expires_at: NOW + 86_400,
        access: Access::Repeated,
    };
    let grant = Grant::new("g_1".into(), &holder.did, spec, &records, NOW).unwrap();
    let receipt =
        consent_receipt(&grant, &records, &holder.key, Documents::embedded(), NOW).unwrap();
    let consent = Consent { grant, receipt };
    let sealed = consent.seal(&holder.data_key, &holder.id).unwrap();
    for needle in [
        "hiring@acme",
        "night shift",
        "employment",
        "r_badge",
        "did:key:",
    ] {
        assert!(
            !contains(&sealed, needle),
            "{needle} readable in a sealed grant"
        );
    }
    assert_eq!(
        Consent::open(&holder.data_key, &holder.id, "g_1", &sealed).unwrap(),
        consent
    );
    assert!(Consent::open(&holder.data_key, &holder.id, "g_2", &sealed).is_err());
}

#[test]
fn fingerprints_are_blinded_per_holder() {
    let kek = Kek::generate();
    let a = new_holder(&kek).unwrap();
    let b = new_holder(&kek).unwrap();
    let record = &records()[0];
    let blind_a = a.data_key.blind(&record.fingerprint);
    assert_eq!(blind_a, a.data_key.blind(&record.fingerprint));
    assert_ne!(blind_a, b.data_key.blind(&record.fingerprint));
    assert_ne!(blind_a, record.fingerprint);
}
