//! OAuth 2.0 for the 1EdTech APIs: clients, single-use codes (a reuse revokes the grant),
//! refresh-token rotation (a replay revokes the grant), revocation, profiles, record
//! replacement, and erasure.

use std::sync::Arc;

use ler_store::{
    CodeUse, Holder, OAuthClient, OAuthCode, OAuthToken, RefreshUse, Store, StoreError, TokenKind,
    WalletRecord,
};
use serde_json::json;

use crate::harness::TestDb;

conformance!(
    clients_are_stored_with_their_metadata,
    codes_are_used_once_and_a_reuse_revokes_the_grant,
    refresh_tokens_rotate_and_a_replay_revokes_the_grant,
    revocation_is_per_client_and_a_refresh_token_takes_its_grant,
    profiles_are_kept_sealed_and_replaced,
    records_are_replaced_in_place,
    erasure_removes_codes_tokens_and_profile,
);

fn holder(id: &str) -> Holder {
    Holder {
        id: id.to_owned(),
        email: format!("{id}@mail.example"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        did: format!("did:key:z6Mk{id}"),
        encrypted_key: "{}".to_owned(),
        wrapped_data_key: b"WRAPPED".to_vec(),
        created_at: 10,
    }
}

fn client(id: &str) -> OAuthClient {
    OAuthClient {
        client_id: id.to_owned(),
        secret_hash: format!("hash-of-{id}"),
        metadata: json!({"client_name": id, "redirect_uris": ["https://client.example/cb"]}),
        created_at: 10,
    }
}

fn code(hash: &str, client_id: &str, grant: &str, expires_at: i64) -> OAuthCode {
    OAuthCode {
        code_hash: hash.to_owned(),
        client_id: client_id.to_owned(),
        holder_id: "ana".to_owned(),
        redirect_uri: "https://client.example/cb".to_owned(),
        scope: "a b".to_owned(),
        code_challenge: "challenge".to_owned(),
        grant_id: grant.to_owned(),
        created_at: 20,
        expires_at,
    }
}

fn token(hash: &str, kind: TokenKind, client_id: &str, grant: &str) -> OAuthToken {
    OAuthToken {
        token_hash: hash.to_owned(),
        kind,
        client_id: client_id.to_owned(),
        holder_id: "ana".to_owned(),
        grant_id: grant.to_owned(),
        scope: "a b".to_owned(),
        created_at: 30,
        expires_at: 1_000,
        revoked_at: None,
    }
}

async fn setup(store: &Store) {
    store.create_holder(&holder("ana")).await.unwrap();
    store.create_oauth_client(&client("c1")).await.unwrap();
    store.create_oauth_client(&client("c2")).await.unwrap();
}

async fn revoked(store: &Store, hash: &str) -> bool {
    store
        .oauth_token(hash)
        .await
        .unwrap()
        .and_then(|t| t.revoked_at)
        .is_some()
}

async fn clients_are_stored_with_their_metadata(store: &Store) {
    setup(store).await;
    assert_eq!(store.oauth_client("c1").await.unwrap(), Some(client("c1")));
    assert_eq!(store.oauth_client("nobody").await.unwrap(), None);
    let dup = store.create_oauth_client(&client("c1")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}

async fn codes_are_used_once_and_a_reuse_revokes_the_grant(store: &Store) {
    setup(store).await;
    store
        .create_oauth_code(&code("k1", "c1", "g1", 100))
        .await
        .unwrap();
    store
        .create_oauth_code(&code("k2", "c1", "g2", 100))
        .await
        .unwrap();
    assert_eq!(
        store.use_oauth_code("nope", 50).await.unwrap(),
        CodeUse::Unknown
    );
    assert_eq!(
        store.use_oauth_code("k1", 50).await.unwrap(),
        CodeUse::Accepted(code("k1", "c1", "g1", 100))
    );
    store
        .insert_oauth_tokens(&[
            token("a1", TokenKind::Access, "c1", "g1"),
            token("r1", TokenKind::Refresh, "c1", "g1"),
        ])
        .await
        .unwrap();
    assert!(!revoked(store, "a1").await);
    // The second use fails and takes back what the first one gave.
    assert_eq!(
        store.use_oauth_code("k1", 51).await.unwrap(),
        CodeUse::AlreadyUsed
    );
    assert!(revoked(store, "a1").await && revoked(store, "r1").await);
    // An expired code is refused, and cannot be tried again.
    assert_eq!(
        store.use_oauth_code("k2", 100).await.unwrap(),
        CodeUse::Expired
    );
    assert_eq!(
        store.use_oauth_code("k2", 10).await.unwrap(),
        CodeUse::AlreadyUsed
    );
    // A code for someone who is not a live holder is refused when it is made.
    let mut orphan = code("k3", "c1", "g3", 100);
    orphan.holder_id = "nobody".into();
    let refused = store.create_oauth_code(&orphan).await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
}

async fn refresh_tokens_rotate_and_a_replay_revokes_the_grant(db: &TestDb) {
    let store: &Store = db;
    setup(store).await;
    store
        .insert_oauth_tokens(&[
            token("a1", TokenKind::Access, "c1", "g1"),
            token("r1", TokenKind::Refresh, "c1", "g1"),
        ])
        .await
        .unwrap();
    let next = [
        token("a2", TokenKind::Access, "c1", "g1"),
        token("r2", TokenKind::Refresh, "c1", "g1"),
    ];
    assert_eq!(
        store.rotate_refresh_token("a1", &next, 40).await.unwrap(),
        RefreshUse::Unknown,
        "an access token is not a refresh token"
    );
    assert_eq!(
        store
            .rotate_refresh_token("r1", &next, 1_000)
            .await
            .unwrap(),
        RefreshUse::Expired
    );
    // Two instances race to rotate the same token: exactly one wins.
    let other = Arc::new(db.reopen().await);
    let (first, second) = tokio::join!(store.rotate_refresh_token("r1", &next, 40), {
        let other = Arc::clone(&other);
        let racing = [
            token("a3", TokenKind::Access, "c1", "g1"),
            token("r3", TokenKind::Refresh, "c1", "g1"),
        ];
        async move { other.rotate_refresh_token("r1", &racing, 40).await }
    });
    let outcomes = [first.unwrap(), second.unwrap()];
    assert!(
        outcomes.contains(&RefreshUse::Accepted) && outcomes.contains(&RefreshUse::Reused),
        "{outcomes:?}"
    );
    // The replay revoked the whole grant, successors included.
    for hash in ["a1", "r1"] {
        assert!(revoked(store, hash).await, "{hash}");
    }
    // The winner's successors are stored, and revoked with the rest by the replay.
    let mut stored = 0;
    for hash in ["a2", "r2", "a3", "r3"] {
        if let Some(t) = store.oauth_token(hash).await.unwrap() {
            stored += 1;
            assert!(t.revoked_at.is_some(), "{hash} survived the replay");
        }
    }
    assert_eq!(stored, 2);
}

async fn revocation_is_per_client_and_a_refresh_token_takes_its_grant(store: &Store) {
    setup(store).await;
    store
        .insert_oauth_tokens(&[
            token("a1", TokenKind::Access, "c1", "g1"),
            token("a1b", TokenKind::Access, "c1", "g1"),
            token("r1", TokenKind::Refresh, "c1", "g1"),
            token("a9", TokenKind::Access, "c1", "g9"),
        ])
        .await
        .unwrap();
    assert!(!store.revoke_oauth_token("a1", "c2", 50).await.unwrap());
    assert!(
        !revoked(store, "a1").await,
        "another client cannot revoke it"
    );
    assert!(!store.revoke_oauth_token("nope", "c1", 50).await.unwrap());
    assert!(store.revoke_oauth_token("a1", "c1", 50).await.unwrap());
    assert!(revoked(store, "a1").await);
    assert!(!revoked(store, "a1b").await && !revoked(store, "r1").await);
    assert!(store.revoke_oauth_token("r1", "c1", 60).await.unwrap());
    assert!(revoked(store, "a1b").await && revoked(store, "r1").await);
    assert!(!revoked(store, "a9").await, "another grant is untouched");
    assert_eq!(
        store
            .oauth_token("a1")
            .await
            .unwrap()
            .and_then(|t| t.revoked_at),
        Some(50),
        "a second revocation keeps the first time"
    );
}

async fn profiles_are_kept_sealed_and_replaced(store: &Store) {
    setup(store).await;
    assert_eq!(store.holder_profile("ana").await.unwrap(), None);
    store
        .put_holder_profile("ana", b"SEALED-1", 40)
        .await
        .unwrap();
    store
        .put_holder_profile("ana", b"SEALED-2", 50)
        .await
        .unwrap();
    assert_eq!(
        store.holder_profile("ana").await.unwrap(),
        Some((b"SEALED-2".to_vec(), 50))
    );
    let missing = store.put_holder_profile("nobody", b"x", 50).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

async fn records_are_replaced_in_place(store: &Store) {
    setup(store).await;
    let row = |id: &str, fp: &str, at: i64| WalletRecord {
        id: id.to_owned(),
        holder_id: "ana".to_owned(),
        fingerprint: fp.to_owned(),
        kind: "education".to_owned(),
        sealed: format!("SEALED-{id}-{fp}").into_bytes(),
        received_at: at,
    };
    store
        .insert_wallet_record(&row("r1", "fp1", 20))
        .await
        .unwrap();
    store
        .insert_wallet_record(&row("r2", "fp2", 21))
        .await
        .unwrap();
    assert!(
        store
            .replace_wallet_record(&row("r1", "fp1b", 30))
            .await
            .unwrap()
    );
    assert_eq!(
        store.wallet_record("ana", "r1").await.unwrap(),
        Some(row("r1", "fp1b", 30))
    );
    assert!(
        !store
            .replace_wallet_record(&row("r9", "fp9", 30))
            .await
            .unwrap()
    );
    let clash = store.replace_wallet_record(&row("r1", "fp2", 31)).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
}

async fn erasure_removes_codes_tokens_and_profile(store: &Store) {
    setup(store).await;
    store
        .create_oauth_code(&code("k1", "c1", "g1", 100))
        .await
        .unwrap();
    store
        .insert_oauth_tokens(&[token("a1", TokenKind::Access, "c1", "g1")])
        .await
        .unwrap();
    store
        .put_holder_profile("ana", b"SEALED", 40)
        .await
        .unwrap();
    store.erase_holder("ana", "p_ana", 60).await.unwrap();
    assert_eq!(store.oauth_token("a1").await.unwrap(), None);
    assert_eq!(
        store.use_oauth_code("k1", 61).await.unwrap(),
        CodeUse::Unknown
    );
    assert_eq!(store.holder_profile("ana").await.unwrap(), None);
}
