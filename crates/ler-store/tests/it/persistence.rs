//! Restart persistence: what one process wrote, the next one reads.

use ler_store::{ChallengeUse, CredentialRow, Purpose, Scope, Session};
use serde_json::json;

use crate::harness::TestDb;

conformance!(data_survives_a_restart);

async fn data_survives_a_restart(db: &TestDb) {
    // The first process writes and goes away.
    let first = db.reopen().await;
    let acme = first
        .create_org(
            "acme",
            "Acme",
            "did:web:example.org:orgs:acme",
            &json!({"url": "https://acme.example"}),
            1,
        )
        .await
        .unwrap();
    let key = first
        .add_org_key(acme.id, "key-1", "z6Mk1", "{}", 2)
        .await
        .unwrap();
    let api_key = first
        .create_api_key(acme.id, "hash", "ler_x", &[Scope::Revoke], 3)
        .await
        .unwrap();
    let user = first
        .create_user(acme.id, "ana@acme.example", "h", "admin", 4)
        .await
        .unwrap();
    let session = Session {
        token_hash: "t".into(),
        user_id: user.id,
        csrf: "c".into(),
        expires_at: 1_000,
    };
    first.create_session(&session).await.unwrap();
    let achievement = json!({"id": "urn:uuid:a", "name": "Welding"});
    first
        .put_achievement(acme.id, "weld", &achievement, 5)
        .await
        .unwrap();
    let (list, index) = first
        .allocate_status_index(acme.id, Purpose::Revocation, 1_024, "r1", 6)
        .await
        .unwrap();
    let credential = CredentialRow {
        id: "urn:uuid:c".into(),
        org_id: acme.id,
        achievement_id: Some("weld".into()),
        recipient: Some("ana@example.org".into()),
        json: json!({"id": "urn:uuid:c", "name": "Welding"}),
        revocation: Some((list.id, index)),
        suspension: None,
        revoked: false,
        suspended: false,
        issued_at: 7,
    };
    first.insert_credential(&credential).await.unwrap();
    let revoked = first
        .set_credential_status("urn:uuid:c", Purpose::Revocation, true, 8)
        .await
        .unwrap();
    first.create_challenge("ch", 100).await.unwrap();
    assert_eq!(
        first.use_challenge("ch", 9).await.unwrap(),
        ChallengeUse::Accepted
    );
    drop(first);

    // The next process (migrations already applied) reads it all back.
    let next = db.reopen().await;
    assert_eq!(next.org_by_slug("acme").await.unwrap(), Some(acme.clone()));
    assert_eq!(next.org_keys(acme.id).await.unwrap(), [key]);
    assert_eq!(next.api_key_by_hash("hash").await.unwrap(), Some(api_key));
    assert_eq!(next.session("t", 10).await.unwrap(), Some((session, user)));
    assert_eq!(
        next.achievement(acme.id, "weld").await.unwrap(),
        Some(achievement)
    );
    assert_eq!(next.credential("urn:uuid:c").await.unwrap(), Some(revoked));
    let stored = next.status_list(acme.id, "r1").await.unwrap().unwrap();
    assert_eq!((stored.version, stored.updated_at), (2, 8));
    assert_eq!(
        stored.used, stored.bits,
        "the one allocated index is the one revoked"
    );
    assert_eq!(
        next.use_challenge("ch", 11).await.unwrap(),
        ChallengeUse::AlreadyUsed
    );
    // Allocation goes on where it stopped.
    let (again, other) = next
        .allocate_status_index(acme.id, Purpose::Revocation, 1_024, "r2", 12)
        .await
        .unwrap();
    assert_eq!(again.id, list.id);
    assert_ne!(other, index);
}
