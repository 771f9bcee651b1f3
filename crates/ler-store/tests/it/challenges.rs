//! Presentation challenges: accepted once.

use ler_store::{ChallengeUse, Store, StoreError};

conformance!(challenges_are_accepted_once, concurrent_uses_accept_one);

async fn challenges_are_accepted_once(store: &Store) {
    store.create_challenge("c1", 100).await.unwrap();
    store.create_challenge("c2", 100).await.unwrap();
    store.create_challenge("c3", 100).await.unwrap();

    assert_eq!(
        store.use_challenge("c1", 50).await.unwrap(),
        ChallengeUse::Accepted
    );
    assert_eq!(
        store.use_challenge("c1", 51).await.unwrap(),
        ChallengeUse::AlreadyUsed
    );
    // Used, then past its expiry: still reported as used.
    assert_eq!(
        store.use_challenge("c1", 500).await.unwrap(),
        ChallengeUse::AlreadyUsed
    );

    // Expired at its expiry instant, and it stays unusable.
    assert_eq!(
        store.use_challenge("c2", 100).await.unwrap(),
        ChallengeUse::Expired
    );
    assert_eq!(
        store.use_challenge("c2", 99).await.unwrap(),
        ChallengeUse::Accepted
    );
    assert_eq!(
        store.use_challenge("c3", 150).await.unwrap(),
        ChallengeUse::Expired
    );

    assert_eq!(
        store.use_challenge("never", 0).await.unwrap(),
        ChallengeUse::Unknown
    );

    let dup = store.create_challenge("c1", 1_000).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}

async fn concurrent_uses_accept_one(store: &Store) {
    store.create_challenge("shared", 100).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.use_challenge("shared", 10).await.unwrap() })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let accepted = outcomes
        .iter()
        .filter(|&&o| o == ChallengeUse::Accepted)
        .count();
    let already = outcomes
        .iter()
        .filter(|&&o| o == ChallengeUse::AlreadyUsed)
        .count();
    assert_eq!((accepted, already), (1, 19), "{outcomes:?}");
}
