//! Organizations and their signing keys.

use ler_store::{Store, StoreError};
use serde_json::json;

use crate::harness::org;

conformance!(
    orgs_crud,
    slug_and_did_conflict,
    key_rotation_keeps_old_keys_one_active
);

async fn orgs_crud(store: &Store) {
    store.ping().await.unwrap();
    let profile = json!({"url": "https://acme.example", "email": "info@acme.example"});
    let acme = store
        .create_org(
            "acme",
            "Acme College",
            "did:web:example.org:orgs:acme",
            &profile,
            42,
        )
        .await
        .unwrap();
    assert!(acme.id > 0);
    assert_eq!(
        (acme.slug.as_str(), acme.name.as_str(), acme.created_at),
        ("acme", "Acme College", 42)
    );
    assert_eq!(acme.profile, profile);

    assert_eq!(store.org_by_slug("acme").await.unwrap(), Some(acme.clone()));
    assert_eq!(store.org(acme.id).await.unwrap(), Some(acme.clone()));
    assert_eq!(
        store
            .org_by_did("did:web:example.org:orgs:acme")
            .await
            .unwrap(),
        Some(acme.clone())
    );
    assert_eq!(store.org_by_slug("nope").await.unwrap(), None);
    assert_eq!(store.org(acme.id + 1000).await.unwrap(), None);
    assert_eq!(store.org_by_did("did:web:nope").await.unwrap(), None);

    org(store, "zeta").await;
    org(store, "beta").await;
    let slugs: Vec<String> = store
        .list_orgs()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.slug)
        .collect();
    assert_eq!(slugs, ["acme", "beta", "zeta"]);

    let new_profile = json!({"description": "renamed", "image": {"id": "https://acme.example/logo.png", "type": "Image"}});
    store
        .update_org(acme.id, "Acme Technical College", &new_profile)
        .await
        .unwrap();
    let updated = store.org(acme.id).await.unwrap().unwrap();
    assert_eq!(updated.name, "Acme Technical College");
    assert_eq!(updated.profile, new_profile);
    assert_eq!(
        (updated.slug, updated.did, updated.created_at),
        (acme.slug, acme.did, acme.created_at)
    );

    let missing = store.update_org(acme.id + 1000, "x", &json!({})).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

async fn slug_and_did_conflict(store: &Store) {
    let first = org(store, "acme").await;
    let same_slug = store
        .create_org("acme", "Other", "did:web:example.org:other", &json!({}), 1)
        .await;
    assert!(
        matches!(same_slug, Err(StoreError::Conflict(_))),
        "{same_slug:?}"
    );
    let same_did = store
        .create_org("other", "Other", &first.did, &json!({}), 1)
        .await;
    assert!(
        matches!(same_did, Err(StoreError::Conflict(_))),
        "{same_did:?}"
    );
    assert_eq!(store.list_orgs().await.unwrap(), [first]);
}

async fn key_rotation_keeps_old_keys_one_active(store: &Store) {
    let acme = org(store, "acme").await;
    let other = org(store, "other").await;
    assert!(store.org_keys(acme.id).await.unwrap().is_empty());

    let k1 = store
        .add_org_key(
            acme.id,
            "key-1",
            "z6Mk1",
            "{\"encryptedSecretKey\":\"a\"}",
            10,
        )
        .await
        .unwrap();
    assert!(k1.active);
    let k2 = store
        .add_org_key(
            acme.id,
            "key-2",
            "z6Mk2",
            "{\"encryptedSecretKey\":\"b\"}",
            20,
        )
        .await
        .unwrap();
    store
        .add_org_key(other.id, "key-1", "z6MkO", "{}", 20)
        .await
        .unwrap();

    let keys = store.org_keys(acme.id).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        (keys[0].id, keys[0].fragment.as_str(), keys[0].active),
        (k1.id, "key-1", false)
    );
    assert_eq!(keys[1], k2);
    assert_eq!(keys[0].public_multibase, "z6Mk1");
    assert_eq!(keys[0].encrypted_secret, "{\"encryptedSecretKey\":\"a\"}");

    // A failed rotation changes nothing: the active key stays active.
    let dup = store.add_org_key(acme.id, "key-1", "z6Mk3", "{}", 30).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let after = store.org_keys(acme.id).await.unwrap();
    assert_eq!(after, keys);

    let k3 = store
        .add_org_key(acme.id, "key-3", "z6Mk3", "{}", 30)
        .await
        .unwrap();
    let keys = store.org_keys(acme.id).await.unwrap();
    let active: Vec<&str> = keys
        .iter()
        .filter(|k| k.active)
        .map(|k| k.fragment.as_str())
        .collect();
    assert_eq!(active, ["key-3"]);
    assert_eq!(keys.last(), Some(&k3));
    assert_eq!(
        keys.iter().map(|k| k.fragment.as_str()).collect::<Vec<_>>(),
        ["key-1", "key-2", "key-3"]
    );
    // The other organization's key is untouched.
    assert!(store.org_keys(other.id).await.unwrap()[0].active);

    let unknown = store
        .add_org_key(acme.id + 1000, "key-1", "z6Mk", "{}", 1)
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(_))),
        "{unknown:?}"
    );
}
