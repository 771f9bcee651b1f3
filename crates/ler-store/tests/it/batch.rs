//! Bulk issuance: many status indexes in one transaction, batches stored once per source key.

use std::collections::HashSet;

use ler_store::{
    BatchInsert, BatchStatus, ClaimToken, CredentialRow, OutboxEvent, Purpose, Store, Webhook,
};
use serde_json::json;

use crate::harness::org;

conformance!(
    allocates_many_indexes_across_lists,
    a_source_key_maps_to_one_credential,
    links_stored_items_and_finds_by_recipient,
    a_batch_queues_its_events_with_its_credentials,
);

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("list-{i}")).collect()
}

async fn allocates_many_indexes_across_lists(store: &Store) {
    let acme = org(store, "acme").await;
    // 40 indexes in lists of 16: three lists, none handed out twice.
    let first = store
        .allocate_status_indexes(acme.id, Purpose::Revocation, 40, 16, &ids(4), 1)
        .await
        .unwrap();
    assert_eq!(first.len(), 40);
    let lists: HashSet<&str> = first.iter().map(|a| a.list_id.as_str()).collect();
    assert_eq!(lists.len(), 3);
    // The single allocation keeps filling the same lists.
    let (list, index) = store
        .allocate_status_index(acme.id, Purpose::Revocation, 16, "single", 2)
        .await
        .unwrap();
    let more = store
        .allocate_status_indexes(acme.id, Purpose::Revocation, 7, 16, &["list-x".into()], 3)
        .await
        .unwrap();
    let mut seen = HashSet::new();
    for a in first.iter().chain(&more) {
        assert!(seen.insert((a.list, a.index)), "index handed out twice");
    }
    assert!(seen.insert((list.id, index)));
    // Too few fresh ids is refused, and nothing was allocated.
    let err = store
        .allocate_status_indexes(acme.id, Purpose::Suspension, 20, 16, &["sus-0".into()], 4)
        .await
        .unwrap_err();
    assert!(matches!(err, ler_store::StoreError::Invalid(_)), "{err}");
    assert!(
        store
            .status_list(acme.id, "list-0")
            .await
            .unwrap()
            .is_some()
    );
    let none = store
        .allocate_status_indexes(acme.id, Purpose::Suspension, 0, 16, &[], 4)
        .await
        .unwrap();
    assert!(none.is_empty());
}

fn item(org_id: i64, key: &str, id: &str, claim: bool) -> BatchInsert {
    BatchInsert {
        source_key: key.to_owned(),
        credential: CredentialRow {
            id: id.to_owned(),
            org_id,
            achievement_id: Some("urn:example:a".into()),
            recipient: Some("ana@example.org".into()),
            json: json!({"id": id, "name": key}),
            revocation: None,
            suspension: None,
            revoked: false,
            suspended: false,
            issued_at: 10,
        },
        claim: claim.then(|| ClaimToken {
            token_hash: format!("hash-{id}"),
            org_id,
            credential_id: id.to_owned(),
            expires_at: 1_000,
        }),
        event: None,
    }
}

fn with_event(mut item: BatchInsert, event_id: &str) -> BatchInsert {
    item.event = Some(OutboxEvent {
        event_type: "record.issued".into(),
        event_id: event_id.into(),
        payload: format!("{{\"id\":\"{event_id}\"}}"),
        created_at: 50,
    });
    item
}

async fn a_batch_queues_its_events_with_its_credentials(store: &Store) {
    let acme = org(store, "acme").await;
    for (id, events) in [
        ("wh_issued", vec!["record.issued".to_owned()]),
        ("wh_revoked", vec!["record.revoked".to_owned()]),
    ] {
        store
            .create_webhook(&Webhook {
                id: id.into(),
                org_id: acme.id,
                url: format!("https://hooks.example/{id}"),
                events,
                secret: b"sealed".to_vec(),
                created_at: 1,
            })
            .await
            .unwrap();
    }
    let stored = store
        .insert_batch(
            acme.id,
            &[
                with_event(item(acme.id, "row-1", "urn:uuid:e1", false), "ev_1"),
                item(acme.id, "row-2", "urn:uuid:e2", false),
            ],
        )
        .await
        .unwrap();
    assert_eq!(stored, [true, true]);
    // A rerun of row 1 stores nothing, so it queues nothing either.
    let again = store
        .insert_batch(
            acme.id,
            &[with_event(
                item(acme.id, "row-1", "urn:uuid:e3", false),
                "ev_3",
            )],
        )
        .await
        .unwrap();
    assert_eq!(again, [false]);
    let queued = store.webhook_deliveries("wh_issued", 10).await.unwrap();
    let ids: Vec<&str> = queued.iter().map(|(d, _)| d.event_id.as_str()).collect();
    assert_eq!(ids, ["ev_1"]);
    assert_eq!(queued[0].0.payload, "{\"id\":\"ev_1\"}");
    assert_eq!(queued[0].0.next_attempt_at, 50);
    assert!(
        store
            .webhook_deliveries("wh_revoked", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_source_key_maps_to_one_credential(store: &Store) {
    let acme = org(store, "acme").await;
    let stored = store
        .insert_batch(
            acme.id,
            &[
                item(acme.id, "row-1", "urn:uuid:1", true),
                item(acme.id, "row-2", "urn:uuid:2", false),
            ],
        )
        .await
        .unwrap();
    assert_eq!(stored, [true, true]);
    // A second run (new credential ids for the same rows) stores only the new row.
    let again = store
        .insert_batch(
            acme.id,
            &[
                item(acme.id, "row-1", "urn:uuid:1b", false),
                item(acme.id, "row-3", "urn:uuid:3", false),
            ],
        )
        .await
        .unwrap();
    assert_eq!(again, [false, true]);
    assert!(store.credential("urn:uuid:1b").await.unwrap().is_none());
    let mut items = store
        .batch_items(acme.id, &["row-1".into(), "row-2".into(), "row-9".into()])
        .await
        .unwrap();
    items.sort_by(|a, b| a.source_key.cmp(&b.source_key));
    let got: Vec<(&str, &str, BatchStatus)> = items
        .iter()
        .map(|i| (i.source_key.as_str(), i.credential_id.as_str(), i.status))
        .collect();
    assert_eq!(
        got,
        [
            ("row-1", "urn:uuid:1", BatchStatus::Issued),
            ("row-2", "urn:uuid:2", BatchStatus::Issued)
        ]
    );
    // Keys are per organization.
    let other = org(store, "other").await;
    let theirs = store
        .insert_batch(other.id, &[item(other.id, "row-1", "urn:uuid:o1", false)])
        .await
        .unwrap();
    assert_eq!(theirs, [true]);
    // A credential id taken elsewhere fails the whole batch.
    let err = store
        .insert_batch(
            acme.id,
            &[
                item(acme.id, "row-4", "urn:uuid:4", false),
                item(acme.id, "row-5", "urn:uuid:o1", false),
            ],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ler_store::StoreError::Conflict(_)), "{err}");
    assert!(
        store
            .batch_items(acme.id, &["row-4".into()])
            .await
            .unwrap()
            .is_empty()
    );
    // A batch whose credential is another organization's is refused.
    let err = store
        .insert_batch(acme.id, &[item(other.id, "row-6", "urn:uuid:6", false)])
        .await
        .unwrap_err();
    assert!(matches!(err, ler_store::StoreError::Invalid(_)), "{err}");
}

async fn links_stored_items_and_finds_by_recipient(store: &Store) {
    let acme = org(store, "acme").await;
    store
        .insert_batch(acme.id, &[item(acme.id, "row-1", "urn:uuid:1", false)])
        .await
        .unwrap();
    let token = ClaimToken {
        token_hash: "late".into(),
        org_id: acme.id,
        credential_id: "urn:uuid:1".into(),
        expires_at: 1_000,
    };
    store
        .create_claim_tokens(std::slice::from_ref(&token))
        .await
        .unwrap();
    store
        .set_batch_status(
            acme.id,
            &["row-1".into(), "row-9".into()],
            BatchStatus::Linked,
        )
        .await
        .unwrap();
    let items = store.batch_items(acme.id, &["row-1".into()]).await.unwrap();
    assert_eq!(items[0].status, BatchStatus::Linked);
    assert_eq!(
        store.use_claim_token("late", 5).await.unwrap(),
        ler_store::ClaimUse::Accepted {
            org_id: acme.id,
            credential_id: "urn:uuid:1".into()
        }
    );
    let err = store.create_claim_tokens(&[token]).await.unwrap_err();
    assert!(matches!(err, ler_store::StoreError::Conflict(_)), "{err}");
    let mine = store
        .recipient_credentials(acme.id, "ana@example.org")
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert!(
        store
            .recipient_credentials(acme.id, "ana@example")
            .await
            .unwrap()
            .is_empty()
    );
}
