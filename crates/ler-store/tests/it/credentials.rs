//! Issued credentials: status changes and search.

use ler_store::{CredentialQuery, CredentialRow, Purpose, Store, StoreError};
use serde_json::{Value, json};

use crate::harness::org;

conformance!(
    status_changes_set_bits_and_flags,
    revocation_is_final,
    credentials_round_trip_and_conflict,
    search_and_paging,
);

fn bit(bits: &[u8], index: u64) -> bool {
    bits[(index / 8) as usize] & (0x80 >> (index % 8)) != 0
}

fn vc(id: &str, name: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"id": "urn:uuid:a", "name": "Achievement"}},
    })
}

fn row(org_id: i64, id: &str, recipient: Option<&str>, issued_at: i64) -> CredentialRow {
    CredentialRow {
        id: id.to_owned(),
        org_id,
        achievement_id: None,
        recipient: recipient.map(str::to_owned),
        json: vc(id, "Credential"),
        revocation: None,
        suspension: None,
        revoked: false,
        suspended: false,
        issued_at,
    }
}

/// Issues a credential with revocation and suspension entries, as the server does.
async fn issue(store: &Store, org_id: i64, id: &str) -> CredentialRow {
    let (rev, rev_index) = store
        .allocate_status_index(org_id, Purpose::Revocation, 64, "rev-1", 1)
        .await
        .unwrap();
    let (sus, sus_index) = store
        .allocate_status_index(org_id, Purpose::Suspension, 64, "sus-1", 1)
        .await
        .unwrap();
    let credential = CredentialRow {
        revocation: Some((rev.id, rev_index)),
        suspension: Some((sus.id, sus_index)),
        ..row(org_id, id, Some("ana@example.org"), 1)
    };
    store.insert_credential(&credential).await.unwrap();
    credential
}

async fn status_changes_set_bits_and_flags(store: &Store) {
    let acme = org(store, "acme").await;
    let cred = issue(store, acme.id, "urn:uuid:1").await;
    let (sus_list, sus_index) = cred.suspension.unwrap();
    let (rev_list, rev_index) = cred.revocation.unwrap();
    let before = store.status_list_by_id(sus_list).await.unwrap().unwrap();

    let suspended = store
        .set_credential_status("urn:uuid:1", Purpose::Suspension, true, 500)
        .await
        .unwrap();
    assert!(suspended.suspended && !suspended.revoked);
    assert_eq!(
        store.credential("urn:uuid:1").await.unwrap(),
        Some(suspended.clone())
    );
    let list = store.status_list_by_id(sus_list).await.unwrap().unwrap();
    assert!(bit(&list.bits, sus_index));
    assert_eq!(list.bits.iter().map(|b| b.count_ones()).sum::<u32>(), 1);
    assert_eq!(list.version, before.version + 1);
    assert_eq!(list.updated_at, 500);
    assert_eq!(list.used, before.used, "a status change allocates nothing");

    // Setting the status it already has changes nothing.
    let same = store
        .set_credential_status("urn:uuid:1", Purpose::Suspension, true, 600)
        .await
        .unwrap();
    assert_eq!(same, suspended);
    assert_eq!(
        store
            .status_list_by_id(sus_list)
            .await
            .unwrap()
            .unwrap()
            .version,
        list.version
    );

    let unsuspended = store
        .set_credential_status("urn:uuid:1", Purpose::Suspension, false, 700)
        .await
        .unwrap();
    assert!(!unsuspended.suspended);
    let list = store.status_list_by_id(sus_list).await.unwrap().unwrap();
    assert!(!bit(&list.bits, sus_index));
    assert_eq!((list.version, list.updated_at), (before.version + 2, 700));

    let revoked = store
        .set_credential_status("urn:uuid:1", Purpose::Revocation, true, 800)
        .await
        .unwrap();
    assert!(revoked.revoked && !revoked.suspended);
    assert!(bit(
        &store
            .status_list_by_id(rev_list)
            .await
            .unwrap()
            .unwrap()
            .bits,
        rev_index
    ));
    assert!(
        store
            .credential("urn:uuid:1")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );

    // Two credentials in the same list keep each other's bits.
    let other = issue(store, acme.id, "urn:uuid:2").await;
    let (_, other_index) = other.revocation.unwrap();
    store
        .set_credential_status("urn:uuid:2", Purpose::Revocation, true, 900)
        .await
        .unwrap();
    let list = store.status_list_by_id(rev_list).await.unwrap().unwrap();
    assert!(bit(&list.bits, rev_index) && bit(&list.bits, other_index));

    let unknown = store
        .set_credential_status("urn:uuid:nope", Purpose::Revocation, true, 1)
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(_))),
        "{unknown:?}"
    );
    store
        .insert_credential(&row(acme.id, "urn:uuid:bare", None, 1))
        .await
        .unwrap();
    let no_entry = store
        .set_credential_status("urn:uuid:bare", Purpose::Suspension, true, 1)
        .await;
    assert!(
        matches!(no_entry, Err(StoreError::NotFound(_))),
        "{no_entry:?}"
    );
}

async fn revocation_is_final(store: &Store) {
    let acme = org(store, "acme").await;
    let cred = issue(store, acme.id, "urn:uuid:1").await;
    let (rev_list, rev_index) = cred.revocation.unwrap();
    store
        .set_credential_status("urn:uuid:1", Purpose::Revocation, true, 10)
        .await
        .unwrap();
    let version = store
        .status_list_by_id(rev_list)
        .await
        .unwrap()
        .unwrap()
        .version;

    let undo = store
        .set_credential_status("urn:uuid:1", Purpose::Revocation, false, 20)
        .await;
    assert!(
        matches!(&undo, Err(StoreError::Invalid(m)) if m.contains("final")),
        "{undo:?}"
    );
    assert!(
        store
            .credential("urn:uuid:1")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    let list = store.status_list_by_id(rev_list).await.unwrap().unwrap();
    assert!(bit(&list.bits, rev_index));
    assert_eq!(list.version, version);

    // Revoking again is accepted and changes nothing.
    assert!(
        store
            .set_credential_status("urn:uuid:1", Purpose::Revocation, true, 30)
            .await
            .unwrap()
            .revoked
    );
    assert_eq!(
        store
            .status_list_by_id(rev_list)
            .await
            .unwrap()
            .unwrap()
            .version,
        version
    );
    // A revoked credential can still be suspended (its own list, its own bit).
    assert!(
        store
            .set_credential_status("urn:uuid:1", Purpose::Suspension, true, 40)
            .await
            .unwrap()
            .suspended
    );
}

async fn credentials_round_trip_and_conflict(store: &Store) {
    let acme = org(store, "acme").await;
    let cred = issue(store, acme.id, "https://acme.example/credentials/1").await;
    let got = store
        .credential("https://acme.example/credentials/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, cred);
    // Stored as text: the issuer's key order comes back (`@context` first).
    assert_eq!(
        serde_json::to_string(&got.json).unwrap(),
        serde_json::to_string(&cred.json).unwrap()
    );
    assert_eq!(store.credential("urn:uuid:nope").await.unwrap(), None);

    let dup = store.insert_credential(&cred).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    // The same status entry for another credential is refused: an index is never reused.
    let reuse = CredentialRow {
        id: "urn:uuid:other".into(),
        ..cred.clone()
    };
    let reuse = store.insert_credential(&reuse).await;
    assert!(matches!(reuse, Err(StoreError::Conflict(_))), "{reuse:?}");
    let no_list = CredentialRow {
        id: "urn:uuid:x".into(),
        revocation: Some((cred.revocation.unwrap().0 + 1000, 1)),
        suspension: None,
        ..cred
    };
    let no_list = store.insert_credential(&no_list).await;
    assert!(
        matches!(no_list, Err(StoreError::NotFound(_))),
        "{no_list:?}"
    );
}

async fn search_and_paging(store: &Store) {
    let acme = org(store, "acme").await;
    let other = org(store, "other").await;
    for n in 0..30 {
        let mut cred = row(
            acme.id,
            &format!("urn:uuid:{n:04}"),
            Some(&format!("person{n}@example.org")),
            1_000 + n,
        );
        cred.achievement_id = Some(if n % 3 == 0 {
            "weld-1".into()
        } else {
            "cnc-1".into()
        });
        cred.json = vc(
            &cred.id,
            if n == 7 {
                "Ärztliche Grundlagen"
            } else if n % 2 == 0 {
                "Welding Basics"
            } else {
                "CNC Operator"
            },
        );
        store.insert_credential(&cred).await.unwrap();
    }
    store
        .insert_credential(&row(
            other.id,
            "urn:uuid:other",
            Some("person1@example.org"),
            5_000,
        ))
        .await
        .unwrap();

    let ids = |rows: Vec<CredentialRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let page = |text: Option<&str>, limit, offset| CredentialQuery {
        text: text.map(str::to_owned),
        limit,
        offset,
    };

    let first = ids(store
        .list_credentials(acme.id, &page(None, 10, 0))
        .await
        .unwrap());
    assert_eq!(
        first,
        (20..30)
            .rev()
            .map(|n| format!("urn:uuid:{n:04}"))
            .collect::<Vec<_>>(),
        "newest first"
    );
    let third = ids(store
        .list_credentials(acme.id, &page(None, 10, 20))
        .await
        .unwrap());
    assert_eq!(
        third,
        (0..10)
            .rev()
            .map(|n| format!("urn:uuid:{n:04}"))
            .collect::<Vec<_>>()
    );
    assert!(
        store
            .list_credentials(acme.id, &page(None, 10, 30))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_credentials(acme.id, &page(None, 0, 0))
            .await
            .unwrap()
            .len(),
        30,
        "0 means the cap"
    );
    assert_eq!(
        store
            .list_credentials(acme.id, &page(None, 50_000, 0))
            .await
            .unwrap()
            .len(),
        30
    );
    assert_eq!(
        store
            .list_credentials(acme.id, &CredentialQuery::default())
            .await
            .unwrap()
            .len(),
        30
    );

    // Recipient, case-insensitively; the other organization's credential stays out.
    assert_eq!(
        ids(store
            .list_credentials(acme.id, &page(Some("PERSON1@"), 100, 0))
            .await
            .unwrap()),
        ["urn:uuid:0001"]
    );
    assert_eq!(
        store
            .list_credentials(acme.id, &page(Some("person1"), 100, 0))
            .await
            .unwrap()
            .len(),
        11
    );
    // Id, achievement id and name.
    assert_eq!(
        ids(store
            .list_credentials(acme.id, &page(Some("uuid:0029"), 100, 0))
            .await
            .unwrap()),
        ["urn:uuid:0029"]
    );
    assert_eq!(
        store
            .list_credentials(acme.id, &page(Some("WELD-1"), 100, 0))
            .await
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        store
            .list_credentials(acme.id, &page(Some("welding"), 100, 0))
            .await
            .unwrap()
            .len(),
        15
    );
    assert_eq!(
        store
            .list_credentials(acme.id, &page(Some("cnc operator"), 100, 0))
            .await
            .unwrap()
            .len(),
        14
    );
    // Case folding beyond ASCII.
    assert_eq!(
        ids(store
            .list_credentials(acme.id, &page(Some("ÄRZTLICHE"), 100, 0))
            .await
            .unwrap()),
        ["urn:uuid:0007"]
    );
    // LIKE wildcards are literal.
    assert!(
        store
            .list_credentials(acme.id, &page(Some("%"), 100, 0))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_credentials(acme.id, &page(Some("person_"), 100, 0))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_credentials(acme.id, &page(Some("nothing like it"), 100, 0))
            .await
            .unwrap()
            .is_empty()
    );
    // Paging a filtered search.
    let welders = ids(store
        .list_credentials(acme.id, &page(Some("welding"), 5, 5))
        .await
        .unwrap());
    assert_eq!(
        welders,
        [
            "urn:uuid:0018",
            "urn:uuid:0016",
            "urn:uuid:0014",
            "urn:uuid:0012",
            "urn:uuid:0010"
        ]
    );
}
