//! API keys, staff accounts and sessions.

use ler_store::{Scope, Session, Store, StoreError};

use crate::harness::org;

conformance!(
    api_keys_by_hash_and_revocation,
    users_and_sessions_with_expiry
);

async fn api_keys_by_hash_and_revocation(store: &Store) {
    let acme = org(store, "acme").await;
    let key = store
        .create_api_key(acme.id, "hash-1", "ler_ab", &[Scope::Issue, Scope::Read], 5)
        .await
        .unwrap();
    assert_eq!(
        (key.org_id, key.prefix.as_str(), key.created_at, key.revoked),
        (acme.id, "ler_ab", 5, false)
    );
    assert_eq!(key.scopes, [Scope::Issue, Scope::Read]);
    assert_eq!(
        store.api_key_by_hash("hash-1").await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(store.api_key_by_hash("hash-2").await.unwrap(), None);

    let bare = store
        .create_api_key(acme.id, "hash-2", "ler_cd", &[], 6)
        .await
        .unwrap();
    assert_eq!(
        store
            .api_key_by_hash("hash-2")
            .await
            .unwrap()
            .unwrap()
            .scopes,
        []
    );

    let dup = store
        .create_api_key(acme.id, "hash-1", "ler_ef", &[Scope::Revoke], 7)
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

    store.revoke_api_key(key.id).await.unwrap();
    let revoked = store.api_key_by_hash("hash-1").await.unwrap().unwrap();
    assert!(revoked.revoked);
    assert_eq!(revoked.scopes, key.scopes);
    assert!(
        !store
            .api_key_by_hash("hash-2")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    let missing = store.revoke_api_key(bare.id + 1000).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );

    let no_org = store
        .create_api_key(acme.id + 1000, "hash-3", "ler_gh", &[Scope::Read], 8)
        .await;
    assert!(matches!(no_org, Err(StoreError::NotFound(_))), "{no_org:?}");
}

async fn users_and_sessions_with_expiry(store: &Store) {
    let acme = org(store, "acme").await;
    let ana = store
        .create_user(acme.id, "ana@acme.example", "$argon2id$v=19$x", "admin", 9)
        .await
        .unwrap();
    assert_eq!(
        (
            ana.org_id,
            ana.email.as_str(),
            ana.role.as_str(),
            ana.created_at
        ),
        (acme.id, "ana@acme.example", "admin", 9)
    );
    assert_eq!(
        store.user_by_email("ana@acme.example").await.unwrap(),
        Some(ana.clone())
    );
    assert_eq!(store.user_by_email("bob@acme.example").await.unwrap(), None);
    let dup = store
        .create_user(acme.id, "ana@acme.example", "h", "staff", 10)
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

    let session = Session {
        token_hash: "t1".into(),
        user_id: ana.id,
        csrf: "csrf-1".into(),
        expires_at: 1_000,
    };
    store.create_session(&session).await.unwrap();
    assert_eq!(
        store.session("t1", 999).await.unwrap(),
        Some((session.clone(), ana.clone()))
    );
    // Expired at its expiry instant and after.
    assert_eq!(store.session("t1", 1_000).await.unwrap(), None);
    assert_eq!(store.session("t1", 5_000).await.unwrap(), None);
    assert_eq!(store.session("t2", 0).await.unwrap(), None);

    let again = store.create_session(&session).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let orphan = store
        .create_session(&Session {
            token_hash: "t3".into(),
            user_id: ana.id + 1000,
            csrf: "c".into(),
            expires_at: 1_000,
        })
        .await;
    assert!(matches!(orphan, Err(StoreError::NotFound(_))), "{orphan:?}");

    store.delete_session("t1").await.unwrap();
    assert_eq!(store.session("t1", 0).await.unwrap(), None);
    store.delete_session("t1").await.unwrap();
}
