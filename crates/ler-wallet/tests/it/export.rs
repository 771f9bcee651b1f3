//! The export bundle: export, then import, gives back the same records.

use ler_crypto::Kek;
use ler_jsonld::Documents;
use ler_wallet::{
    Access, AccessEntry, EXPORT_FORMAT, ExportedGrant, Grant, GrantSpec, GrantedRecord, LogHolder,
    Purpose, Recipient, WalletError, consent_receipt, export, import, new_holder,
};
use serde_json::Value;

use crate::common::{NOW, records};

fn bundle() -> (String, Value) {
    let holder = new_holder(&Kek::generate()).unwrap();
    let records = records();
    let spec = GrantSpec {
        recipient: Recipient::verifier("admissions@college.example").unwrap(),
        purposes: vec![Purpose::EducationAdmission],
        purpose_text: None,
        records: vec![GrantedRecord {
            record_id: "r_clr".into(),
            fields: None,
        }],
        expires_at: NOW + 100,
        access: Access::OneTime,
    };
    let grant = Grant::new("g_1".into(), &holder.did, spec, &records, NOW).unwrap();
    let receipt =
        consent_receipt(&grant, &records, &holder.key, Documents::embedded(), NOW).unwrap();
    let grants = [ExportedGrant {
        grant,
        receipt,
        revoked_at: None,
        used_count: 1,
    }];
    let log = [AccessEntry {
        holder: LogHolder::Holder(holder.id.clone()),
        recipient: "email|admissions@college.example".into(),
        grant_id: "g_1".into(),
        record_ids: vec!["r_clr".into()],
        at: NOW + 5,
    }];
    let bundle = export(&holder.did, &records, &grants, &log, NOW).unwrap();
    (holder.did, bundle)
}

#[test]
fn export_then_import_gives_back_the_same_records() {
    let (did, bundle) = bundle();
    assert_eq!(bundle["format"], EXPORT_FORMAT);
    assert_eq!(bundle["holder"], did.as_str());
    assert_eq!(bundle["exported"], "2026-06-01T00:00:00Z");
    assert_eq!(bundle["records"][0]["report"]["verified"], true);
    assert_eq!(bundle["grants"][0]["receipt"]["type"][1], "ConsentReceipt");
    assert_eq!(bundle["accessLog"][0]["recordIds"][0], "r_clr");

    // Through text, as a file would carry it.
    let text = serde_json::to_string_pretty(&bundle).unwrap();
    let read: Value = serde_json::from_str(&text).unwrap();
    let imported = import(&read, &[]).unwrap();
    assert_eq!(imported.records, records());
    assert!(imported.duplicates.is_empty());
    assert_eq!(imported.holder, did);
    assert_eq!(imported.grants.len(), 1);
    assert_eq!(imported.grants[0].used_count, 1);
}

#[test]
fn import_skips_records_the_wallet_has() {
    let (_, bundle) = bundle();
    let mut have = records();
    have.truncate(1);
    // The same credential under another id in this wallet: still a duplicate.
    have[0].id = "r_mine".into();
    let imported = import(&bundle, &have).unwrap();
    assert_eq!(imported.duplicates, ["r_badge"]);
    assert_eq!(
        imported
            .records
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["r_job", "r_clr"]
    );

    // A bundle holding the same credential twice brings it in once.
    let mut doubled = bundle.clone();
    let first = doubled["records"][0].clone();
    let mut copy = first.clone();
    copy["id"] = "r_copy".into();
    doubled["records"].as_array_mut().unwrap().push(copy);
    let imported = import(&doubled, &[]).unwrap();
    assert_eq!(imported.records.len(), 3);
    assert_eq!(imported.duplicates, ["r_copy"]);
}

#[test]
fn import_recomputes_what_it_can_and_refuses_other_formats() {
    let (_, bundle) = bundle();
    let mut lying = bundle.clone();
    lying["records"][0]["fingerprint"] = "0".repeat(64).into();
    lying["records"][0]["kind"] = "employment".into();
    let imported = import(&lying, &[]).unwrap();
    assert_eq!(imported.records, records());

    let mut other = bundle.clone();
    other["format"] = "ler-wallet-export/v9".into();
    assert!(matches!(
        import(&other, &[]),
        Err(WalletError::Invalid { .. })
    ));
    assert!(matches!(
        import(&Value::Null, &[]),
        Err(WalletError::Invalid { .. })
    ));
    let mut broken = bundle;
    broken["records"] = "nope".into();
    assert!(matches!(
        import(&broken, &[]),
        Err(WalletError::Invalid { .. })
    ));
}
