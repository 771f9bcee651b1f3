//! Participants, profiles, corrections and outcome records sealed for the store.

use ler_cbo::{
    Change, Correction, Date, FieldPath, OutcomeRecord, OutcomeSource, Participant, intake,
    open_correction, open_outcome, open_participant, open_profile, open_records, seal_correction,
    seal_outcome, seal_participant, seal_profile, seal_records, unwrap_org_key, wrap_org_key,
};
use ler_crypto::Kek;
use ler_wallet::DataKey;

use crate::intake::ten_records;

#[test]
fn sealed_values_open_only_where_they_belong() {
    let key = DataKey::from_bytes([7; 32]);
    let other = DataKey::from_bytes([8; 32]);
    let records = ten_records();
    let mut p = intake("p-ana", &records);
    let r = seal_records(&key, 1, "p-ana", &records);
    assert_eq!(open_records(&key, 1, "p-ana", &r).unwrap(), records);
    assert!(open_records(&key, 1, "p-ben", &r).is_err());
    assert!(open_profile(&key, 1, "p-ana", &r).is_err());
    let correction = Correction {
        path: FieldPath::parse("/workHistory/r4/employer").unwrap(),
        change: Change::Note("checked".into()),
        by: "sam".into(),
        at: 5,
    };
    p.correct(correction.clone());
    let sealed = seal_profile(&key, 1, &p);
    assert!(!sealed.windows(10).any(|w| w == b"Acme Foods"));
    let back = open_profile(&key, 1, "p-ana", &sealed).unwrap();
    assert!(back.corrections.is_empty(), "corrections are sealed apart");
    assert_eq!(back.work_history, p.work_history);
    assert!(open_profile(&other, 1, "p-ana", &sealed).is_err());
    assert!(open_profile(&key, 2, "p-ana", &sealed).is_err());
    assert!(open_profile(&key, 1, "p-ben", &sealed).is_err());

    let c = seal_correction(&key, 1, "p-ana", &correction);
    assert_eq!(open_correction(&key, 1, "p-ana", &c).unwrap(), correction);
    assert!(open_correction(&key, 1, "p-ben", &c).is_err());

    let record = OutcomeRecord {
        id: "o1".into(),
        participant: "p-ana".into(),
        source: OutcomeSource::SelfReported,
        verified: false,
        employer: Some("Acme".into()),
        start: Date::parse("2025-01-01").unwrap(),
        end: None,
        hours_per_week: Some(30.0),
        pay: None,
        reported_at: 9,
    };
    let s = seal_outcome(&key, 1, &record);
    assert_eq!(open_outcome(&key, 1, "o1", &s).unwrap(), record);
    assert!(open_outcome(&key, 1, "o2", &s).is_err());

    let ana = Participant {
        id: "p-ana".into(),
        name: "Ana Díaz".into(),
        email: Some("ana@example.org".into()),
        did: None,
    };
    ana.check().unwrap();
    let s = seal_participant(&key, 1, &ana);
    assert!(!s.windows(4).any(|w| w == b"Ana "));
    assert_eq!(open_participant(&key, 1, "p-ana", &s).unwrap(), ana);
    assert!(open_participant(&key, 1, "p-ben", &s).is_err());
    assert!(open_participant(&key, 2, "p-ana", &s).is_err());
    // A profile sealed for the same participant does not open as who they are.
    assert!(open_participant(&key, 1, "p-ana", &sealed).is_err());
    let nameless = Participant {
        name: " ".into(),
        ..ana
    };
    assert!(nameless.check().is_err());
}

#[test]
fn an_organizations_key_unwraps_for_it_alone() {
    let kek = Kek::generate();
    let key = DataKey::from_bytes([3; 32]);
    let wrapped = wrap_org_key(&key, &kek, 4);
    let back = unwrap_org_key(&kek, 4, &wrapped).unwrap();
    let sealed = seal_profile(&back, 4, &intake("p", &[]));
    assert!(open_profile(&key, 4, "p", &sealed).is_ok());
    assert!(unwrap_org_key(&kek, 5, &wrapped).is_err());
    assert!(unwrap_org_key(&Kek::generate(), 4, &wrapped).is_err());
}
